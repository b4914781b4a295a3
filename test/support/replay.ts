/**
 * Replays recorded real-OVS scripts through `ovsim run`'s line runner and
 * compares every command's output (stdout and stderr, as the recordings merge
 * them), after switch-normalise.ts replaces random values on both sides.
 * dump-flows and dpctl/dump-conntrack print in OVS's hash order, so their
 * lines compare as sets.
 */
import { expect, it } from "vitest";
import { runLine } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";
import { normaliseSwitchOutput } from "../cli/switch-normalise.js";
import { loadRecording, recordedScripts } from "./recordings.js";

function comparable(command: string, lines: readonly string[]): string[] {
  const out = normaliseSwitchOutput(lines.join("\n")).split("\n");
  if (/\bdpctl\/dump-conntrack\b/.test(command)) return [...out].sort();
  if (!/\bdump-flows\b/.test(command)) return out;
  const [first = "", ...rest] = out;
  return first.startsWith(" ") ? [...out].sort() : [first, ...rest.sort()];
}

/**
 * Declares one test per recorded script of `dir`, plus a count check.
 * `stdoutOnly`: the recorder kept standard output only (a `2>&1` line still
 * shows its errors).
 */
export function replayRecordedScripts(
  dir: URL,
  minScripts: number,
  options: { readonly stdoutOnly?: boolean; readonly pending?: ReadonlyMap<string, string> } = {},
): void {
  const names = recordedScripts(dir);
  it(`has at least ${minScripts} scripts`, () => expect(names.length).toBeGreaterThanOrEqual(minScripts));
  for (const name of names) {
    const differences = (): string[] => {
      const sw = new Switch();
      const out: string[] = [];
      for (const c of loadRecording(name, dir)) {
        const r = runLine(sw, c.command);
        const printed = options.stdoutOnly === true ? r.stdout : [...r.stdout, ...r.stderr];
        if (JSON.stringify(comparable(c.command, printed)) !== JSON.stringify(comparable(c.command, c.output))) out.push(c.command);
      }
      return out;
    };
    const why = options.pending?.get(name);
    // A pending script (not modelled yet, with why) must still differ: one that starts passing leaves the list.
    if (why !== undefined) it(`${name} (pending: ${why})`, () => expect(differences()).not.toEqual([]));
    else
      it(name, () => {
        const sw = new Switch();
        for (const c of loadRecording(name, dir)) {
          const r = runLine(sw, c.command);
          const printed = options.stdoutOnly === true ? r.stdout : [...r.stdout, ...r.stderr];
          expect(comparable(c.command, printed), c.command).toEqual(comparable(c.command, c.output));
        }
      });
  }
}
