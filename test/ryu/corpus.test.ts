/**
 * The Ryu switch test corpus is external data (see docs/conformance-ryu.md):
 * `npm run test:ryu` runs all of it against real Open vSwitch 3.1's
 * verdicts. Here: say whether it is there, and run a few quick files as a
 * smoke test when it is, held to the same bar.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { locateCorpus, runCorpus } from "../../src/ryu/corpus.js";
import { judge, loadVerdicts } from "../../src/ryu/verdicts.js";

const where = locateCorpus(fileURLToPath(new URL("../..", import.meta.url)));
if (where.dir === null) console.log(`Ryu switch test corpus: skipping that suite: ${where.why}`);

describe.skipIf(where.dir === null)("Ryu switch test corpus (smoke)", () => {
  it("passes every case of a sample that real Open vSwitch 3.1 passes", () => {
    const dir = where.dir ?? "";
    const picked = ["of10/action/00_OUTPUT.json", "of10/match/08_NW_SRC.json", "of13/action/00_OUTPUT.json", "of13/action/17_PUSH_VLAN.json", "of13/action/25_SET_FIELD/03_ETH_DST.json", "of13/match/23_ARP_TPA.json", "of13/match/27_IPV6_DST_Mask.json"];
    const results = runCorpus(dir, (f) => picked.includes(f.name));
    expect(results.length).toBeGreaterThan(10);
    const loaded = loadVerdicts(dir);
    if (loaded.verdicts === null) {
      console.log(`Ryu switch test corpus: ${loaded.why}; the sample's cases are run without a bar`);
      return;
    }
    const report = judge(results, loaded.verdicts, (f) => picked.includes(f));
    expect(report.unjudged.map((r) => `${r.file}#${r.index}`)).toEqual([]);
    expect(report.regressions.map(({ result }) => `${result.file}#${result.index}: ${result.reason}`)).toEqual([]);
    expect(report.bothPass).toBeGreaterThan(10);
  });
});
