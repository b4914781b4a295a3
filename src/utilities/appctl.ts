/**
 * `ovs-appctl` commands, as a table from command name to handler: the
 * virtual clock as OVS's own test suite drives it (`time/stop`, `time/warp
 * MSECS [STEP]`, which advances the clock in steps and lets flows and MAC
 * entries expire at each step, as ovs-vswitchd's main loop would), and the
 * bridge and datapath commands of appctl-bridge.ts.
 */
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
import { ofprotoTraceCommand } from "./appctl-trace.js";
import { NETDEV_COMMANDS } from "./appctl-netdev.js";
import { TUNNEL_COMMANDS } from "./appctl-tunnel.js";
import type { Switch } from "../vswitchd/switch.js";

type Handler = (sw: Switch, args: string[]) => CommandResult;

interface AppctlCommand {
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly run: Handler;
}

/** C's `atoll`: leading white space, optional sign, digits; anything else reads as 0. */
function atoll(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) : 0;
}

const COMMANDS: ReadonlyMap<string, AppctlCommand> = new Map<string, AppctlCommand>([
  ["time/stop", { minArgs: 0, maxArgs: 0, run: () => output([]) }],
  ["dpif/show", { minArgs: 0, maxArgs: 0, run: (sw) => dpifShow(sw) }],
  ["dpif/dump-dps", { minArgs: 0, maxArgs: 0, run: (sw) => dpifDumpDps(sw) }],
  ["dpif/show-dp-features", { minArgs: 1, maxArgs: 1, run: (sw, [br = ""]) => dpifShowDpFeatures(sw, br) }],
  ["dpif/set-dp-features", { minArgs: 1, maxArgs: 3, run: (sw, args) => dpifSetDpFeatures(sw, args) }],
  ["ofproto/trace", { minArgs: 1, maxArgs: Infinity, run: (sw, args) => ofprotoTraceCommand(sw, args) }],
  ["ofproto/list", { minArgs: 0, maxArgs: 0, run: (sw) => ofprotoList(sw) }],
  ["bridge/dump-flows", { minArgs: 1, maxArgs: 2, run: (sw, args) => bridgeDumpFlows(sw, args) }],
  ["fdb/show", { minArgs: 1, maxArgs: 1, run: (sw, [br = ""]) => fdbShow(sw, br) }],
  ["fdb/flush", { minArgs: 0, maxArgs: 1, run: (sw, [br]) => fdbFlush(sw, br) }],
  ["fdb/stats-show", { minArgs: 1, maxArgs: 1, run: (sw, [br = ""]) => fdbStatsShow(sw, br) }],
  ...NETDEV_COMMANDS,
  ...TUNNEL_COMMANDS,
  [
    "time/warp",
    {
      minArgs: 1,
      maxArgs: 2,
      // `time/warp MSECS` warps once; `time/warp TOTAL STEP` warps TOTAL in STEP increments.
      run: (sw, [first = "", second]) => {
        const total = atoll(first);
        const step = second === undefined ? atoll(first) : atoll(second);
        if (step <= 0 || total < 0) return serverError("invalid MSECS");
        sw.advance(total, step);
        return output(["warped"]);
      },
    },
  ],
]);

export function runAppctl(sw: Switch, argv: string[]): CommandResult {
  // ovs-appctl's own options (--timeout, --target) come before the command; what follows is the command's.
  const first = argv.findIndex((a) => !a.startsWith("--"));
  const [name, ...rest] = first < 0 ? [] : argv.slice(first);
  if (name === undefined) return failure("ovs-appctl: at least one non-option argument is required (use --help for help)");
  const cmd = COMMANDS.get(name);
  if (!cmd) return serverError(`"${name}" is not a valid command (use "list-commands" to see a list of valid commands)`);
  if (rest.length < cmd.minArgs) return serverError(`"${name}" command requires at least ${cmd.minArgs} arguments`);
  if (rest.length > cmd.maxArgs) return serverError(`"${name}" command takes at most ${cmd.maxArgs} arguments`);
  return cmd.run(sw, rest);
}
