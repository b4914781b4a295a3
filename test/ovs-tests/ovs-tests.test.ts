/**
 * Open vSwitch 3.1's own test files (fixtures/ovs-tests, converted from
 * tests/*.at by scripts/ovs-tests/convert.ts and recorded from real OVS by
 * fixtures/ovs-tests/record.sh) run against ovsim. Prints the pass rate per
 * file; fails if a test in passing.txt no longer passes. The figure and the
 * failing list are docs/conformance.md's ("OVS 3.1's own test files"),
 * written by `npm run ovs-tests:report`.
 */
import { describe, expect, it } from "vitest";
import { loadPassing, loadTests, runAll, table } from "./harness.js";

describe("OVS 3.1's own test files", () => {
  it("runs every counted test; none that passed regresses", async () => {
    const all = loadTests();
    const counted = all.filter((t) => t.entry.excluded === undefined);
    const started = Date.now();
    const verdicts = await runAll(counted, 2);
    const byName = new Map(verdicts.map((v) => [v.name, v]));
    const rows = table(all, byName);
    const passing = rows.reduce((s, r) => s + r.passing, 0);
    const countedN = rows.reduce((s, r) => s + r.counted, 0);
    console.log(`OVS 3.1's own tests: ${passing}/${countedN} counted tests pass in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    for (const r of rows) console.log(`  ${r.file}: ${r.passing}/${r.counted} (${r.excluded} excluded of ${r.tests})`);
    const regressions = loadPassing().filter((n) => byName.get(n)?.pass !== true);
    expect(regressions.map((n) => `${n}: ${byName.get(n)?.problem ?? "not run"}`)).toEqual([]);
  }, 600_000);
});
