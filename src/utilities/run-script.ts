/**
 * Runs a script of ovs-vsctl / ovs-ofctl lines against one in-process switch,
 * as `../shared/ovs-oracle/ovs-run` runs it against real OVS: one command a
 * line, blank lines and `#` comments skipped, a failing command does not stop
 * the script. `2>&1` sends a command's errors to standard output.
 *
 * A bug in ovsim never loses a script's work: an unexpected exception while a
 * line runs (anything but a refusal, which is a failed CommandResult) fails
 * that line with an internal error naming it (`internalError`) and the script
 * goes on with the next line (docs/reliability.md).
 */
import type { CommandResult } from "./command-result.js";
import { failure } from "./command-result.js";
import { runAppctl } from "./appctl.js";
import { runOfctl } from "./ofctl.js";
import { runDpctl } from "./dpctl.js";
import { runOvstest } from "./ovstest.js";
import type { LineIo } from "./ovstest-daemon.js";
import { runOvsPcap } from "./ovs-pcap.js";
import { shellWords, ShellSyntaxError } from "./shell-words.js";
import { withStandardInput } from "./standard-input.js";
import { runVsctl } from "./vsctl.js";
import { Switch } from "../vswitchd/switch.js";

/** ovs-ofctl commands that change nothing in the switch. */
const READ_ONLY_OFCTL = /^(dump-|show|diff-flows|queue-|probe|ping|snoop|monitor)/;

export interface ScriptOutput {
  /** Each line's output, in order, for callers that print or compare them. */
  readonly lines: ReadonlyArray<{ readonly command: string; readonly result: CommandResult }>;
  /** True if every command succeeded. */
  readonly ok: boolean;
}

/**
 * Runs one line; `stdin`, a file holding the line's standard input (what `-` file arguments read);
 * `io`, where the line's standard output goes (a daemon it starts keeps printing there).
 */
export function runLine(sw: Switch, line: string, stdin?: string, io?: LineIo): CommandResult {
  let words: string[];
  try {
    words = shellWords(line);
  } catch (e) {
    if (e instanceof ShellSyntaxError) return failure(`ovsim: ${e.message}`);
    throw e;
  }
  const merge = words.includes("2>&1");
  words = words.filter((w) => w !== "2>&1");
  const [program, ...args] = words;
  let r: CommandResult;
  const sub = args.find((a) => !a.startsWith("-")) ?? "";
  const changes = program === "ovs-vsctl" || (program === "ovs-ofctl" && !READ_ONLY_OFCTL.test(sub)) || (program === "ovs-appctl" && (sub === "fdb/flush" || sub === "fdb/add" || sub === "fdb/del"));
  // Pending megaflow stats first, so that their side effects come before the change (appctl-dpif.ts).
  if (changes) sw.datapaths.pushStats(sw.now);
  if (program === "ovs-vsctl") r = runVsctl(sw, args);
  else if (program === "ovs-ofctl") r = withStandardInput(stdin, () => runOfctl(sw, args));
  else if (program === "ovs-appctl") r = runAppctl(sw, args);
  else if (program === "ovs-dpctl") r = runDpctl(sw, args);
  else if (program === "ovstest") r = runOvstest(args, sw, io);
  else if (program === "ovs-pcap") r = runOvsPcap(args);
  else r = failure(`ovsim: ${program}: command not supported`);
  if (changes) sw.datapaths.noteConfigChange();
  sw.runMainLoop();
  return merge ? { ...r, stdout: [...r.stdout, ...r.stderr], stderr: [] } : r;
}

/** What a line that hit a bug in ovsim prints (on standard error), the exception's message in it. */
export function internalError(e: unknown): CommandResult {
  const message = e instanceof Error ? e.message : String(e);
  return failure(`ovsim: internal error on this line: ${message} (please report it with the line)`);
}

export function runScript(text: string, sw: Switch = new Switch()): ScriptOutput {
  const lines: { command: string; result: CommandResult }[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    let result: CommandResult;
    try {
      result = runLine(sw, line);
    } catch (e) {
      result = internalError(e);
    }
    lines.push({ command: line, result });
  }
  return { lines, ok: lines.every((l) => l.result.ok) };
}
