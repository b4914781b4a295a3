/**
 * `ovs-appctl` commands, as a table from command name to handler: the
 * virtual clock as OVS's own test suite drives it (`time/stop`, `time/warp
 * MSECS [STEP]`, which advances the clock in steps and lets flows and MAC
 * entries expire at each step, as ovs-vswitchd's main loop would), and the
 * bridge and datapath commands of appctl-bridge.ts. Each command carries
 * OVS's argument synopsis for `list-commands`; `--help` prints a short usage.
 */
import type { AppctlCommand } from "./appctl-command.js";
import type { CommandResult } from "./command-result.js";
import { failure, output } from "./command-result.js";
import {
  bridgeDumpFlows,
  dpifDumpDps,
  dpifSetDpFeatures,
  dpifShow,
  dpifShowDpFeatures,
  fdbFlush,
  fdbShow,
  fdbStatsShow,
  ofprotoList,
  serverError,
} from "./appctl-bridge.js";
import { ofprotoTraceCommand, ofprotoTracePacketOutCommand } from "./appctl-trace.js";
import { dpctlDumpDps, dpctlShow } from "./appctl-dpctl.js";
import { CONNTRACK_COMMANDS } from "./appctl-conntrack.js";
import { NETDEV_COMMANDS } from "./appctl-netdev.js";
import { BOND_COMMANDS } from "./appctl-bond.js";
import { TUNNEL_COMMANDS } from "./appctl-tunnel.js";
import { VLOG_COMMANDS } from "./appctl-vlog.js";
import { UPCALL_COMMANDS } from "./appctl-upcall.js";
import { COVERAGE_COMMANDS } from "./appctl-coverage.js";
import { fdbAdd, fdbDel } from "./appctl-fdb-static.js";
import { normalizeActionsResult } from "./dpctl.js";
import { daemonAppctl } from "./ovstest-daemon.js";
import { strtoll10 } from "../flowtable/c-strto.js";
import { LimitError } from "../flowtable/errors.js";
import type { Switch } from "../vswitchd/switch.js";

/**
 * `time/warp [TOTAL] MSECS` (lib/timeval.c timeval_warp_cb, timewarp_work):
 * MSECS alone, or with TOTAL 0, warps once by MSECS; otherwise TOTAL is warped
 * in steps of MSECS, the last step what is left. ovsim refuses a warp of more
 * steps than MAX_WARP_STEPS, or past its clock's end (Switch.advance), where
 * OVS would run for ever (10 ms a step) or overflow its clock.
 */
function timeWarp(sw: Switch, first: string, second: string | undefined): CommandResult {
  // lib/timeval.c reads both with atoll.
  const total = second === undefined ? 0n : strtoll10(first);
  const msecs = strtoll10(second ?? first);
  if (msecs <= 0n || total < 0n) return serverError("invalid MSECS");
  try {
    if (total === 0n) sw.advance(Number(msecs));
    else sw.advance(Number(total), Number(msecs));
  } catch (e) {
    if (e instanceof LimitError) return serverError(`time/warp: ${e.message}`);
    throw e;
  }
  return output(["warped"]);
}

/** `dpctl/normalize-actions` through the daemon: unixctl ends a reply with a newline; its error is the server's. */
function appctlNormalize(args: readonly string[]): CommandResult {
  const { noFinalNewline: _, ...r } = normalizeActionsResult("ovs-vswitchd", args);
  return r.ok ? r : { ...serverError(r.stderr[0] ?? ""), stdout: r.stdout };
}

const COMMANDS: ReadonlyMap<string, AppctlCommand> = new Map<string, AppctlCommand>([
  [
    "time/stop",
    {
      usage: "",
      minArgs: 0,
      maxArgs: 0,
      run: (sw) => {
        sw.timeStopped = true;
        return output([]);
      },
    },
  ],
  ["dpif/show", { usage: "", minArgs: 0, maxArgs: 0, run: (sw) => dpifShow(sw) }],
  ["dpif/dump-dps", { usage: "", minArgs: 0, maxArgs: 0, run: (sw) => dpifDumpDps(sw) }],
  ["dpctl/show", { usage: "[-s] [dp...]", minArgs: 0, maxArgs: Infinity, run: (sw, args) => dpctlShow(sw, args) }],
  ["dpctl/dump-dps", { usage: "", minArgs: 0, maxArgs: 0, run: (sw) => dpctlDumpDps(sw) }],
  ["dpctl/normalize-actions", { usage: "actions", minArgs: 2, maxArgs: Infinity, run: (_sw, args) => appctlNormalize(args) }],
  ["dpif/show-dp-features", { usage: "bridge", minArgs: 1, maxArgs: 1, run: (sw, [br = ""]) => dpifShowDpFeatures(sw, br) }],
  ["dpif/set-dp-features", { usage: "bridge", minArgs: 1, maxArgs: 3, run: (sw, args) => dpifSetDpFeatures(sw, args) }],
  ["ofproto/trace", { usage: "{[dp_name] odp_flow | bridge br_flow} [OPTIONS...] [-generate|packet]", minArgs: 1, maxArgs: Infinity, run: (sw, args) => ofprotoTraceCommand(sw, args) }],
  ["ofproto/trace-packet-out", { usage: "[-consistent] {[dp_name] odp_flow | bridge br_flow} [OPTIONS...] [-generate|packet] actions", minArgs: 2, maxArgs: Infinity, run: (sw, args) => ofprotoTracePacketOutCommand(sw, args) }],
  ["ofproto/list", { usage: "", minArgs: 0, maxArgs: 0, run: (sw) => ofprotoList(sw) }],
  ["bridge/dump-flows", { usage: "[--offload-stats] bridge", minArgs: 1, maxArgs: 2, run: (sw, args) => bridgeDumpFlows(sw, args) }],
  ["fdb/show", { usage: "bridge", minArgs: 1, maxArgs: 1, run: (sw, [br = ""]) => fdbShow(sw, br) }],
  ["fdb/add", { usage: "bridge port vlan mac", minArgs: 4, maxArgs: 4, run: (sw, args) => fdbAdd(sw, args) }],
  ["fdb/del", { usage: "bridge vlan mac", minArgs: 3, maxArgs: 3, run: (sw, args) => fdbDel(sw, args) }],
  ["fdb/flush", { usage: "[bridge]", minArgs: 0, maxArgs: 1, run: (sw, [br]) => fdbFlush(sw, br) }],
  ["fdb/stats-show", { usage: "bridge", minArgs: 1, maxArgs: 1, run: (sw, [br = ""]) => fdbStatsShow(sw, br) }],
  ...NETDEV_COMMANDS,
  ...BOND_COMMANDS,
  ...CONNTRACK_COMMANDS,
  ...TUNNEL_COMMANDS,
  ...VLOG_COMMANDS,
  ...UPCALL_COMMANDS,
  ...COVERAGE_COMMANDS,
  [
    "time/warp",
    {
      usage: "[large_msecs] msecs",
      minArgs: 1,
      maxArgs: 2,
      run: (sw, [first = "", second]) => timeWarp(sw, first, second),
    },
  ],
]);

/** `ovs-appctl --help` (utilities/ovs-appctl.c usage()), cut down to what ovsim accepts. */
export const APPCTL_USAGE: readonly string[] = [
  "ovs-appctl, for querying and controlling Open vSwitch daemon",
  "usage: ovs-appctl [TARGET] COMMAND [ARG...]",
  "Targets:",
  "  -t, --target=TARGET  pidfile or socket to contact",
  "Common commands:",
  "  list-commands      List commands supported by the target",
  "Other options:",
  "  --timeout=SECS     wait at most SECS seconds for a response",
  "  -h, --help         Print this helpful information",
];

/**
 * `list-commands` (lib/unixctl.c unixctl_list_commands): every command,
 * sorted by name, with its argument synopsis, as `  %-23s %s` (so a command
 * without arguments keeps its trailing blanks, as OVS prints it).
 */
function listCommands(): CommandResult {
  const names = [...COMMANDS.keys(), LIST_COMMANDS].sort();
  const usage = (name: string): string => (name === LIST_COMMANDS ? "" : (COMMANDS.get(name)?.usage ?? ""));
  return output(["The available commands are:", ...names.map((n) => `  ${n.padEnd(23)} ${usage(n)}`)]);
}

const LIST_COMMANDS = "list-commands";

/** ovs-appctl's own options that take a value as the next word (`-t TARGET`, `--timeout SECS`). */
const VALUED_OPTIONS = new Set(["-t", "--target", "-T", "--timeout"]);

export function runAppctl(sw: Switch, argv: string[]): CommandResult {
  // ovs-appctl's own options (-t/--target, -T/--timeout, -e, -h) come before the command; what follows is the command's.
  let first = 0;
  let target: string | undefined;
  for (; first < argv.length; first++) {
    const a = argv[first] ?? "";
    if (!a.startsWith("-")) break;
    if (a === "-h" || a === "--help") return output([...APPCTL_USAGE]);
    if (a === "-t" || a === "--target") target = argv[first + 1];
    else if (a.startsWith("--target=")) target = a.slice("--target=".length);
    else if (a.startsWith("-t") && a.length > 2) target = a.slice(2);
    if (VALUED_OPTIONS.has(a)) first++;
  }
  const [name, ...rest] = argv.slice(first);
  if (name === undefined) return failure("ovs-appctl: at least one non-option argument is required (use --help for help)");
  // A daemon of the simulated host (an ovstest collector) answers its own commands.
  const daemon = target === undefined ? undefined : daemonAppctl(sw, target, name, rest);
  if (daemon !== undefined) return daemon;
  if (name === LIST_COMMANDS) return rest.length > 0 ? serverError(`"${name}" command takes at most 0 arguments`) : listCommands();
  const cmd = COMMANDS.get(name);
  if (!cmd) return serverError(`"${name}" is not a valid command (use "list-commands" to see a list of valid commands)`);
  if (rest.length < cmd.minArgs) return serverError(`"${name}" command requires at least ${cmd.minArgs} arguments`);
  if (rest.length > cmd.maxArgs) return serverError(`"${name}" command takes at most ${cmd.maxArgs} arguments`);
  return cmd.run(sw, rest);
}
