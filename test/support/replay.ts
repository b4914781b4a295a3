/**
 * Replays recorded real-OVS scripts through `ovsim run`'s line runner and
 * compares every command's output (stdout and stderr, as the recordings merge
 * them), after switch-normalise.ts replaces random values on both sides.
 * dump-flows prints in OVS's hash order, so its flow lines compare as sets.
 */
import { expect, it } from "vitest";
import { runLine } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";
import { normaliseSwitchOutput } from "../cli/switch-normalise.js";
import { loadRecording, recordedScripts } from "./recordings.js";

function comparable(command: string, lines: readonly string[]): string[] {
  const out = normaliseSwitchOutput(lines.join("\n")).split("\n");
  if (!/\bdump-flows\b/.test(command)) return out;
  const [first = "", ...rest] = out;
  return first.startsWith(" ") ? [...out].sort() : [first, ...rest.sort()];
}

/** Declares one test per recorded script of `dir`, plus a count check. */
export function replayRecordedScripts(dir: URL, minScripts: number): void {
  const names = recordedScripts(dir);
  it(`has at least ${minScripts} scripts`, () => expect(names.length).toBeGreaterThanOrEqual(minScripts));
  for (const name of names) {
    it(name, () => {
      const world = new Switch();
      for (const c of loadRecording(name, dir)) {
        const r = runLine(world, c.command);
        expect(comparable(c.command, [...r.stdout, ...r.stderr]), c.command).toEqual(comparable(c.command, c.output));
      }
    });
  }
}
