/**
 * `npm run test:ryu`: runs the Ryu OpenFlow switch test corpus (see
 * docs/conformance-ryu.md) through ovsim and holds it to real Open vSwitch
 * 3.1's verdicts (`real-ovs-3.1-verdicts.tsv` beside the corpus): every
 * case real OVS passes, ovsim must pass. Each such case ovsim fails is
 * printed with ovsim's reason and real OVS's verdict, and makes the run
 * exit 1. Cases real OVS fails are listed with real OVS's reason (ovsim
 * passing them is fine), as are verdict rows no case matched and cases
 * without a verdict.
 *
 *   npm run test:ryu                      the whole corpus (of10, of13, of14: whichever folders it has)
 *   npm run test:ryu -- --quiet           counts and regressions only
 *   npm run test:ryu -- of13/action       only files whose path contains this text
 *   RYU_SWITCH_TESTS=/path npm run test:ryu   another copy of the corpus
 *
 * Without the corpus it says so and exits 0 (nothing to run is not a
 * failure); without the verdict file it says so and prints every case ovsim
 * fails, with no bar to fail on.
 */
import { fileURLToPath } from "node:url";
import { corpusFiles, locateCorpus, runCorpus, summarize } from "../src/ryu/corpus.js";
import type { CategoryResult } from "../src/ryu/corpus.js";
import { judge, loadVerdicts, VERDICTS_FILE } from "../src/ryu/verdicts.js";

const args = process.argv.slice(2);
const unknown = args.filter((a) => a.startsWith("--") && a !== "--quiet");
if (unknown.length > 0) {
  console.error(`test:ryu: unknown option ${unknown.join(" ")} (options: --quiet; other arguments filter files by path)`);
  process.exit(2);
}
const quiet = args.includes("--quiet");
const filters = args.filter((a) => !a.startsWith("--"));
const keep = (name: string): boolean => filters.length === 0 || filters.some((x) => name.includes(x));
const root = fileURLToPath(new URL("..", import.meta.url));
const where = locateCorpus(root);
if (where.dir === null) {
  console.log(`test:ryu: skipped: ${where.why}`);
  process.exit(0);
}
const started = performance.now();
const results = runCorpus(where.dir, (f) => keep(f.name));
const seconds = ((performance.now() - started) / 1000).toFixed(1);
const label = (r: CategoryResult): string => `${r.file}#${r.index} ${r.description}`;
const summary = summarize(results);
const loaded = loadVerdicts(where.dir);

if (loaded.verdicts === null) {
  console.log(`test:ryu: ${loaded.why}: no real-OVS verdicts to hold the corpus to; every case ovsim fails follows`);
  if (!quiet) for (const r of results) if (r.verdict !== "pass") console.log(`FAIL ${label(r)}\n     ${r.reason}`);
  console.log(`\nRyu switch test corpus (${seconds} s):`);
  for (const s of summary) console.log(`  ${s.category.padEnd(12)} ovsim ${String(s.passed).padStart(4)}/${s.total}`);
  console.log(`  ${"total".padEnd(12)} ovsim ${String(results.filter((r) => r.verdict === "pass").length).padStart(4)}/${results.length}`);
  process.exit(0);
}

const names = new Set(corpusFiles(where.dir).map((f) => f.name));
// A verdict row counts as unmatched when its file was run, or (no filter) when the corpus has no such file.
const report = judge(results, loaded.verdicts, (file) => (names.has(file) ? keep(file) : filters.length === 0));

if (!quiet) {
  if (report.realFails.length > 0) console.log(`Cases real Open vSwitch 3.1 fails (${report.realFails.length}; ovsim may pass them):`);
  for (const { result, real } of report.realFails) {
    console.log(`  ${result.verdict === "pass" ? "ovsim passes" : "ovsim fails "} ${label(result)}\n     real OVS: ${real.reason}${result.verdict === "pass" ? "" : `\n     ovsim:    ${result.reason}`}`);
  }
}
for (const v of report.unmatchedVerdicts) console.log(`NO CASE for the verdict of ${v.file}: ${v.description} (${v.ok ? "OK" : "ERROR"})`);
for (const r of report.unjudged) console.log(`NO VERDICT for ${label(r)} (ovsim: ${r.verdict}${r.reason === "" ? "" : `: ${r.reason}`})`);
for (const { result } of report.regressions) console.log(`REGRESSION ${label(result)}\n     real OVS 3.1 passes it; ovsim: ${result.reason}`);

console.log(`\nRyu switch test corpus against real Open vSwitch 3.1 (${VERDICTS_FILE}), ${seconds} s:`);
const realPassed = (cat: string | null): number => {
  const rs = cat === null ? report.realFails.length : report.realFails.filter((j) => j.result.category === cat).length;
  const all = cat === null ? results.length - report.unjudged.length : results.filter((r) => r.category === cat).length - report.unjudged.filter((r) => r.category === cat).length;
  return all - rs;
};
for (const s of summary) console.log(`  ${s.category.padEnd(12)} ovsim ${String(s.passed).padStart(4)}/${String(s.total).padEnd(4)} real OVS ${String(realPassed(s.category)).padStart(4)}/${s.total}`);
const passed = results.filter((r) => r.verdict === "pass").length;
console.log(`  ${"total".padEnd(12)} ovsim ${String(passed).padStart(4)}/${String(results.length).padEnd(4)} real OVS ${String(realPassed(null)).padStart(4)}/${results.length}`);
console.log(
  `  passed by real OVS and ovsim: ${report.bothPass}; by real OVS only (regressions): ${report.regressions.length}; ` +
    `real OVS fails: ${report.realFails.length} (ovsim passes ${report.realFails.filter((j) => j.result.verdict === "pass").length}); ` +
    `verdicts without a case: ${report.unmatchedVerdicts.length}; cases without a verdict: ${report.unjudged.length}`,
);
if (report.regressions.length > 0) {
  console.log(`test:ryu: FAILED: ${report.regressions.length} case(s) real Open vSwitch 3.1 passes fail in ovsim`);
  process.exit(1);
}
console.log("test:ryu: ok: every case real Open vSwitch 3.1 passes, ovsim passes");
