/**
 * ovs-ofctl's console log: the WARN messages OVS's library code logged while
 * the command ran (src/flowtable/program-log.ts), as the lines a program's
 * vlog console writes on stderr, in OVS's default console pattern
 * (`%D{%Y-%m-%dT%H:%M:%SZ}|%05N|%c%T|%p|%m`, lib/vlog.c). Each ovs-ofctl run
 * is a new process, so message numbers start at 00001; the time is the
 * switch's virtual clock (OVS's is the wall clock).
 */
import { ProgramLog, withProgramLog } from "../flowtable/program-log.js";
import { formatVlogMessage } from "../vswitchd/vlog-pattern.js";
import { VLOG_DESTINATIONS, VLF_CONSOLE } from "../vswitchd/vlog.js";
import type { CommandResult } from "./command-result.js";

/** Runs one command with a fresh program log; its messages go first on the command's stderr. */
export function withConsoleLog(nowMs: number, run: () => CommandResult, consolePattern?: string): CommandResult {
  const log = new ProgramLog();
  const r = withProgramLog(log, run);
  if (log.messages.length === 0) return r;
  const pattern = consolePattern ?? VLOG_DESTINATIONS[VLF_CONSOLE].pattern;
  const lines = log.messages.map((m, i) => formatVlogMessage(pattern, { module: m.module, level: m.level, message: m.message, msgNum: i + 1, wallMs: nowMs }));
  return { ...r, stderr: [...lines, ...r.stderr] };
}
