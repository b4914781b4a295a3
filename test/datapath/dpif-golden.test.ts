/**
 * The datapath's megaflow cache against real OVS 3.1: every script of
 * fixtures/dpif (recorded by fixtures/dpif/record.sh through
 * ../shared/ovs-oracle/ovs-run) runs through `ovsim run`'s line runner and
 * every command must print what OVS printed: dpif/show hit/missed counters,
 * dpctl/dump-flows and dpif/dump-flows (megaflow keys and masks, packets,
 * bytes, `used:` on the virtual clock, actions; modified in place or deleted
 * after flow_mods, port changes, MAC learning, idle expiry, purge),
 * dump-flows counters before and after `revalidator/wait`, fdb/show.
 *
 * Normalised on both sides: datapath flow dumps come in OVS's hash order
 * (random per run), so their lines are compared as sets; ofctl dump-flows as
 * sets too (duration dropped: OVS's is wall-clock). Megaflow masks are
 * compared as printed, those OVS's prefix and ports tries narrow included
 * (`src=10.0.0.1/255.255.255.252`, `udp(dst=53/0xffc0)` in add-flow-narrower
 * and many-masks).
 */
import { describe, expect, it } from "vitest";
import type { RecordedCommand } from "../support/recordings.js";
import { loadRecording, recordedScripts } from "../support/recordings.js";
import { runLine } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";

const DIR = new URL("../../fixtures/dpif/", import.meta.url);
const names = recordedScripts(DIR);

const load = (name: string): readonly RecordedCommand[] => loadRecording(name, DIR);

function comparable(command: string, lines: readonly string[]): string[] {
  const out = lines.map((l) => l.replace(/duration=[0-9.]+s, /, ""));
  return /dump-flows/.test(command) ? [...out].sort() : out;
}

describe("datapath megaflow cache against real OVS (fixtures/dpif)", () => {
  it("has at least 20 scripts", () => expect(names.length).toBeGreaterThanOrEqual(20));

  for (const name of names) {
    it(name, () => {
      const world = new Switch();
      for (const c of load(name)) {
        const r = runLine(world, c.command);
        expect(comparable(c.command, [...r.stdout, ...r.stderr]), c.command).toEqual(comparable(c.command, c.output));
      }
    });
  }
});
