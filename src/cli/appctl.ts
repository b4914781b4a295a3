/**
 * `ovs-appctl` commands, as a table from command name to handler. So far the
 * virtual clock as OVS's own test suite drives it: `time/stop` and
 * `time/warp MSECS [STEP]`, which advances the clock in steps and lets flows
 * expire at each step, as ovs-vswitchd's main loop would.
 */
import type { CommandResult } from "./command-result.js";
import { failure, output } from "./command-result.js";
import type { World } from "./world.js";

type Handler = (world: World, args: string[]) => CommandResult;

interface AppctlCommand {
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly run: Handler;
}

function serverError(message: string): CommandResult {
  return { stdout: [], stderr: [message, "ovs-appctl: ovs-vswitchd: server returned an error"], ok: false };
}

/** C's `atoll`: leading white space, optional sign, digits; anything else reads as 0. */
function atoll(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) : 0;
}

const COMMANDS: ReadonlyMap<string, AppctlCommand> = new Map<string, AppctlCommand>([
  ["time/stop", { minArgs: 0, maxArgs: 0, run: () => output([]) }],
  [
    "time/warp",
    {
      minArgs: 1,
      maxArgs: 2,
      // `time/warp MSECS` warps once; `time/warp TOTAL STEP` warps TOTAL in STEP increments.
      run: (world, [first = "", second]) => {
        const total = atoll(first);
        const step = second === undefined ? atoll(first) : atoll(second);
        if (step <= 0 || total < 0) return serverError("invalid MSECS");
        world.advance(total, step);
        return output(["warped"]);
      },
    },
  ],
]);

export function runAppctl(world: World, argv: string[]): CommandResult {
  const args = argv.filter((a) => !a.startsWith("--"));
  const [name, ...rest] = args;
  if (name === undefined) return failure("ovs-appctl: at least one non-option argument is required (use --help for help)");
  const cmd = COMMANDS.get(name);
  if (!cmd) return serverError(`"${name}" is not a valid command (use "list-commands" to see a list of valid commands)`);
  if (rest.length < cmd.minArgs) return serverError(`"${name}" command requires at least ${cmd.minArgs} arguments`);
  if (rest.length > cmd.maxArgs) return serverError(`"${name}" command takes at most ${cmd.maxArgs} arguments`);
  return cmd.run(world, rest);
}
