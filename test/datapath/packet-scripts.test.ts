/**
 * Hex packets through `ovsim run` against real OVS 3.1: fixtures/packets/*.ovs
 * (recorded by fixtures/packets/record.sh) use `ofproto/trace ... HEX` and
 * `netdev-dummy/receive PORT HEX`; every command must print what OVS printed
 * (modulo switch-normalise.ts; dump-flows lines compared as sets).
 */
import { describe, expect, it } from "vitest";
import { runLine } from "../../src/cli/run-script.js";
import { World } from "../../src/cli/world.js";
import { loadRecording, recordedScripts } from "../support/recordings.js";
import { normaliseSwitchOutput } from "../cli/switch-normalise.js";

const DIR = new URL("../../fixtures/packets/", import.meta.url);
const names = recordedScripts(DIR);

function comparable(command: string, lines: readonly string[]): string[] {
  const out = normaliseSwitchOutput(lines.join("\n")).split("\n");
  if (!/\bdump-flows\b/.test(command)) return out;
  const [first = "", ...rest] = out;
  return first.startsWith(" ") ? [...out].sort() : [first, ...rest.sort()];
}

describe("hex packets against real OVS (fixtures/packets)", () => {
  it("has scripts", () => expect(names.length).toBeGreaterThanOrEqual(2));
  for (const name of names) {
    it(name, () => {
      const world = new World();
      for (const c of loadRecording(name, DIR)) {
        const r = runLine(world, c.command);
        expect(comparable(c.command, [...r.stdout, ...r.stderr]), c.command).toEqual(comparable(c.command, c.output));
      }
    });
  }
});
