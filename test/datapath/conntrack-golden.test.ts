/**
 * The userspace conntrack (src/datapath/conntrack) against real OVS 3.1:
 * every script of fixtures/conntrack (recorded by its record.sh) is replayed
 * at the module level (conntrack-harness.ts: the library's bridge, xlate and
 * odpExecute with a Conntrack, no `ovsim run`), and every conntrack command
 * must print what OVS printed: dpctl/dump-conntrack with -s (timeouts on the
 * virtual clock), -m (both TCP peers' states) and zone=N,
 * dpctl/flush-conntrack (and its errors), the maxconns and tcp-seq-chk
 * commands, and `ovs-ofctl dump-flows` (its packet and byte counters say
 * which ct_state, ct_mark, ct_zone and NATted-address flows every packet
 * matched: +new/+est/+rel/+inv/+rpl/+snat/+dnat as OVS computed them, and
 * the rewritten headers after NAT, checked again by a second zone that
 * would see a wrong checksum as +inv). Dumps are compared as sets: OVS
 * lists connections in the order of a hash with a random basis.
 *
 * Scripts whose flows ovsim's translation cannot add yet (ct_label is not
 * a field of ovsim's flow key) are skipped here, with the reason; their
 * conntrack behaviour is checked at the module level in conntrack.test.ts,
 * with the ct actions those flows would produce, against the same
 * recordings. A flow OVS refused (its recorded output is an error) must be
 * refused here too.
 */
import { describe, expect, it } from "vitest";
import { loadRecording, recordedScripts } from "../support/recordings.js";
import { CtHarness } from "./conntrack-harness.js";

const DIR = new URL("../../fixtures/conntrack/", import.meta.url);
const names = recordedScripts(DIR);

/** Scripts needing what ovsim's translation lacks, and why. */
const XLATE_GAPS: Record<string, string> = {
  "ct-label": "ct_label is not a field of ovsim's flow key: set_field:...->ct_label and ct_label= matches do not parse",
  "ct-label-masked": "ct_label is not a field of ovsim's flow key",
};

const COMPARED = /^(ovs-appctl dpctl\/(dump-conntrack|flush-conntrack|ct-[a-z-]+)|ovs-ofctl dump-flows br0$)/;

/** Dumps as sets; dump-flows without its wall-clock parts (duration, ages). */
function comparable(command: string, lines: readonly string[]): string[] {
  if (/dump-flows/.test(command)) return lines.map((l) => l.replace(/duration=[0-9.]+s, /, "").replace(/idle_age=[0-9]+, (hard_age=[0-9]+, )?/, "")).sort();
  return /dump-conntrack/.test(command) ? [...lines].sort() : [...lines];
}

describe("conntrack against real OVS (fixtures/conntrack)", () => {
  it("has at least 30 scripts", () => expect(names.length).toBeGreaterThanOrEqual(30));

  for (const name of names) {
    const gap = XLATE_GAPS[name];
    const test = gap === undefined ? it : it.skip;
    test(name, () => {
      const h = new CtHarness();
      const refused: string[] = [];
      for (const c of loadRecording(name, DIR)) {
        const out = h.run(c.command);
        if (c.command.startsWith("ovs-ofctl add-flow") && c.output.length > 0) refused.push(c.command);
        if (out === null || !COMPARED.test(c.command)) continue;
        expect(comparable(c.command, out), c.command).toEqual(comparable(c.command, c.output));
      }
      expect(h.failedFlows.length, `flows ovsim could not add: ${h.failedFlows.join(" | ")}`).toBe(refused.length);
    });
  }
});
