/**
 * `ovs-appctl coverage/read-counter COUNTER` (lib/coverage.c
 * coverage_unixctl_read_counter): the counter's total, "No such counter" for
 * a name OVS does not have (src/vswitchd/coverage.ts); ovsim refuses a
 * counter whose events it does not count.
 */
import { readCoverageCounter } from "../vswitchd/coverage.js";
import type { Switch } from "../vswitchd/switch.js";
import { serverError } from "./appctl-bridge.js";
import type { AppctlCommand } from "./appctl-command.js";
import type { CommandResult } from "./command-result.js";
import { output } from "./command-result.js";

function readCounter(sw: Switch, name: string): CommandResult {
  const n = readCoverageCounter(sw, name);
  if (n === "unknown") return serverError("No such counter");
  if (n === "unmodelled") return serverError(`coverage/read-counter: ovsim does not count ${name}`);
  return output([String(n)]);
}

export const COVERAGE_COMMANDS: ReadonlyArray<readonly [string, AppctlCommand]> = [
  ["coverage/read-counter", { usage: "COUNTER", minArgs: 1, maxArgs: 1, run: (sw, [name = ""]) => readCounter(sw, name) }],
];
