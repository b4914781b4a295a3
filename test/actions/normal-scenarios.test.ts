/**
 * NORMAL (the MAC learning switch) against real OVS 3.1: every script of
 * fixtures/normal (written by scenarios.mjs, recorded by record.sh through
 * ../shared/ovs-oracle/ovs-run) runs through `ovsim run`'s line runner and
 * every command must print what OVS printed — ofproto/trace of learned and
 * flooded frames with VLAN push/pop, netdev-dummy/receive and its errors,
 * fdb/show and fdb/stats-show after learning, moves, aging and flushes,
 * dump-flows counters and learned flows, dump-ports — modulo the values
 * switch-normalise.ts replaces on both sides. dump-flows prints in OVS's
 * hash order, so its flow lines are compared as sets.
 */
import { describe, expect, it } from "vitest";
import { runLine } from "../../src/cli/run-script.js";
import { World } from "../../src/cli/world.js";
import { normaliseSwitchOutput } from "../cli/switch-normalise.js";
import { loadRecording, recordedScripts } from "../support/recordings.js";

const DIR = new URL("../../fixtures/normal/", import.meta.url);
const names = recordedScripts(DIR);

function comparable(command: string, lines: readonly string[]): string[] {
  const out = normaliseSwitchOutput(lines.join("\n")).split("\n");
  if (!/\bdump-flows\b/.test(command)) return out;
  const [first = "", ...rest] = out;
  return first.startsWith(" ") ? [...out].sort() : [first, ...rest.sort()];
}

describe("NORMAL against real OVS (fixtures/normal)", () => {
  it("has at least 30 scenarios", () => expect(names.length).toBeGreaterThanOrEqual(30));

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
