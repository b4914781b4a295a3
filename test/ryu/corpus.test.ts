/**
 * The Ryu switch test corpus is external data (see docs/conformance-ryu.md):
 * `npm run test:ryu` runs all of it. Here: say whether it is there, and run
 * a few quick files as a smoke test when it is.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { locateCorpus, runCorpus } from "../../src/ryu/corpus.js";

const where = locateCorpus(fileURLToPath(new URL("../..", import.meta.url)));
if (where.dir === null) console.log(`Ryu switch test corpus: skipping that suite: ${where.why}`);

describe.skipIf(where.dir === null)("Ryu switch test corpus (smoke)", () => {
  it("passes a sample of OpenFlow 1.0 and 1.3 action and match cases", () => {
    const dir = where.dir ?? "";
    const picked = ["of10/action/00_OUTPUT.json", "of10/match/08_NW_SRC.json", "of13/action/00_OUTPUT.json", "of13/action/17_PUSH_VLAN.json", "of13/action/25_SET_FIELD/03_ETH_DST.json", "of13/match/23_ARP_TPA.json", "of13/match/27_IPV6_DST_Mask.json"];
    const results = runCorpus(dir, (f) => picked.includes(f.name));
    expect(results.length).toBeGreaterThan(10);
    // PBB actions are refused by real OVS 3.1 too (docs/conformance-ryu.md).
    const failing = results.filter((r) => r.verdict !== "pass" && !/unknown action (pop|push)_pbb/.test(r.reason));
    expect(failing.map((r) => `${r.file}#${r.index}: ${r.reason}`)).toEqual([]);
  });
});
