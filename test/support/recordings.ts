/**
 * Real-OVS recordings as the fixtures store them: NAME.ovs scripts with their
 * NAME.ovs.out output, recorded with OVS_RUN_TRACE=1 ("### <command>" before
 * each command's output). Shared by the golden suites that replay them.
 */
import { readdirSync, readFileSync } from "node:fs";

export interface RecordedCommand {
  readonly command: string;
  readonly output: readonly string[];
}

/** The script names (without .ovs) of a fixtures folder, sorted. */
export function recordedScripts(dir: URL): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ovs"))
    .map((f) => f.slice(0, -4))
    .sort();
}

/** Splits a recording into commands and their output lines (trailing blank lines dropped). */
export function loadRecording(name: string, dir: URL): RecordedCommand[] {
  const text = readFileSync(new URL(`${name}.ovs.out`, dir), "utf8");
  const out: { command: string; output: string[] }[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("### ")) out.push({ command: line.slice(4).trim(), output: [] });
    else out[out.length - 1]?.output.push(line);
  }
  for (const r of out) while (r.output[r.output.length - 1] === "") r.output.pop();
  return out;
}
