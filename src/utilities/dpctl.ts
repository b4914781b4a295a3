/**
 * `ovs-dpctl [OPTIONS] COMMAND [ARG...]` (utilities/ovs-dpctl.c over
 * lib/dpctl.c): the datapath commands run in their own process. The command
 * table and its argument counts are dpctl.c's (`'CMD' command requires at
 * least N arguments`, `unknown command 'CMD'; use --help for help`).
 *
 * `normalize-actions` needs no datapath (src/datapath/dpctl-normalize.ts).
 * The others are the same code as `ovs-appctl dpctl/COMMAND` over the
 * switch's datapaths (ovsim has no kernel: ovs-dpctl sees the datapaths
 * vswitchd opened, as it would see a host's kernel datapaths), printed as
 * ovs-dpctl prints: errors as `ovs-dpctl: ...` on standard error, exit
 * status 1.
 */
import { normalizeActions } from "../datapath/dpctl-normalize.js";
import type { Switch } from "../vswitchd/switch.js";
import { runAppctl } from "./appctl.js";
import type { CommandResult } from "./command-result.js";
import { failure } from "./command-result.js";

/** dpctl.c's all_commands: name, min and max arguments. */
const DPCTL_COMMANDS: ReadonlyMap<string, readonly [number, number]> = new Map<string, readonly [number, number]>([
  ["add-dp", [1, Infinity]],
  ["del-dp", [1, 1]],
  ["add-if", [2, Infinity]],
  ["del-if", [2, Infinity]],
  ["set-if", [2, Infinity]],
  ["dump-dps", [0, 0]],
  ["show", [0, Infinity]],
  ["dump-flows", [0, 6]],
  ["add-flow", [2, 3]],
  ["mod-flow", [2, 3]],
  ["get-flow", [1, 2]],
  ["del-flow", [1, 2]],
  ["add-flows", [1, 2]],
  ["mod-flows", [1, 2]],
  ["del-flows", [0, 2]],
  ["offload-stats-show", [0, 1]],
  ["dump-conntrack", [0, 4]],
  ["flush-conntrack", [0, 4]],
  ["cache-get-size", [0, 1]],
  ["cache-set-size", [3, 3]],
  ["ct-stats-show", [0, 3]],
  ["ct-bkts", [0, 2]],
  ["ct-set-maxconns", [1, 2]],
  ["ct-get-maxconns", [0, 1]],
  ["ct-get-nconns", [0, 1]],
  ["ct-enable-tcp-seq-chk", [0, 1]],
  ["ct-disable-tcp-seq-chk", [0, 1]],
  ["ct-get-tcp-seq-chk", [0, 1]],
  ["ct-set-limits", [1, Infinity]],
  ["ct-del-limits", [1, 2]],
  ["ct-get-limits", [0, 2]],
  ["ipf-set-enabled", [1, 2]],
  ["ipf-set-disabled", [1, 2]],
  ["ipf-set-min-frag", [2, 3]],
  ["ipf-set-max-nfrags", [1, 2]],
  ["ipf-get-status", [0, 1]],
  ["help", [0, Infinity]],
  ["list-commands", [0, Infinity]],
  ["parse-actions", [1, Infinity]],
  ["normalize-actions", [2, Infinity]],
]);

/** ovs-dpctl's options that stay with the command (dpctl_params), passed on to it. */
const COMMAND_OPTIONS = new Set(["-s", "--statistics", "-m", "--more", "--names", "--no-names", "--clear", "--may-create"]);

/** `normalize-actions` as both front ends print it: the lists end without a newline. */
export function normalizeActionsResult(program: string, args: readonly string[]): CommandResult {
  const r = normalizeActions(args);
  const lines = r.stdout === "" ? [] : r.stdout.split("\n");
  const noFinalNewline = r.stdout !== "" && !r.stdout.endsWith("\n");
  if (r.stdout.endsWith("\n")) lines.pop();
  const stderr = r.error === null ? [] : [`${program}: ${r.error}`];
  return { stdout: lines, stderr, ok: r.error === null, noFinalNewline };
}

export function runDpctl(sw: Switch, argv: readonly string[]): CommandResult {
  const passed: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (!a.startsWith("-") || a === "-") break;
    if (COMMAND_OPTIONS.has(a)) passed.push(a);
    else if (a === "-t" || a === "--timeout") i++;
    else if (!a.startsWith("-v") && !a.startsWith("--verbose") && !a.startsWith("--timeout=") && a !== "--read-only") {
      return failure(`ovs-dpctl: unrecognized option '${a}'`);
    }
  }
  const [name, ...args] = argv.slice(i);
  if (name === undefined) return failure("ovs-dpctl: missing command name; use --help for help");
  const counts = DPCTL_COMMANDS.get(name);
  if (counts === undefined) return failure(`ovs-dpctl: unknown command '${name}'; use --help for help`);
  if (args.length < counts[0]) return failure(`ovs-dpctl: '${name}' command requires at least ${counts[0]} arguments`);
  if (args.length > counts[1]) return failure(`ovs-dpctl: '${name}' command takes at most ${counts[1]} arguments`);
  if (name === "normalize-actions") return normalizeActionsResult("ovs-dpctl", args);
  const r = runAppctl(sw, [`dpctl/${name}`, ...passed, ...args]);
  if (r.ok) return r;
  // The daemon's error, as ovs-dpctl prints the same dpctl_error itself.
  const stderr = r.stderr.filter((l) => !l.startsWith("ovs-appctl: ")).map((l) => l.replace(/^ovs-vswitchd: /, "ovs-dpctl: "));
  return { stdout: r.stdout, stderr, ok: false };
}
