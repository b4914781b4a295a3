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
 * Normalised on both sides (documented differences):
 * - datapath flow dumps come in OVS's hash order (random per run): their
 *   lines are compared as sets; ofctl dump-flows as sets too (duration
 *   dropped: OVS's is wall-clock);
 * - OVS's classifier un-wildcards IPv4 source prefixes with its prefix tries
 *   (`src=10.0.0.1/255.255.255.252`) where ovsim's makes the field exact
 *   (docs/xlate.md, "Megaflow"): in PREFIX_TRIE scripts an ipv4 src prints
 *   as `src=<prefix>` on both sides, and a partial transport port mask
 *   (`udp(dst=53/0xffc0)`) prints as the exact port.
 */
import { describe, expect, it } from "vitest";
import type { RecordedCommand } from "../support/recordings.js";
import { loadRecording, recordedScripts } from "../support/recordings.js";
import { runLine } from "../../src/cli/run-script.js";
import { World } from "../../src/cli/world.js";

const DIR = new URL("../../fixtures/dpif/", import.meta.url);
const names = recordedScripts(DIR);

/** Scripts whose megaflows OVS narrows with prefix tries. */
const PREFIX_TRIE = new Set(["add-flow-narrower", "many-masks"]);

const load = (name: string): readonly RecordedCommand[] => loadRecording(name, DIR);

function comparable(name: string, command: string, lines: readonly string[]): string[] {
  let out = lines.map((l) => l.replace(/duration=[0-9.]+s, /, ""));
  if (PREFIX_TRIE.has(name)) {
    out = out.map((l) => l.replace(/ipv4\(src=[0-9./]+/, "ipv4(src=<prefix>").replace(/((?:udp|tcp)\([^)]*=\d+)\/0x[0-9a-f]+/, "$1"));
  }
  if (/dump-flows/.test(command)) out = [...out].sort();
  return out;
}

describe("datapath megaflow cache against real OVS (fixtures/dpif)", () => {
  it("has at least 20 scripts", () => expect(names.length).toBeGreaterThanOrEqual(20));

  for (const name of names) {
    it(name, () => {
      const world = new World();
      for (const c of load(name)) {
        const r = runLine(world, c.command);
        expect(comparable(name, c.command, [...r.stdout, ...r.stderr]), c.command).toEqual(comparable(name, c.command, c.output));
      }
    });
  }
});
