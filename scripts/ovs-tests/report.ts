/**
 * `npm run ovs-tests:report`: runs every converted OVS 3.1 test that is not
 * excluded (fixtures/ovs-tests) against ovsim, judges each against its
 * recording from real OVS (test/ovs-tests/harness.ts), prints the pass rate
 * per file, rewrites test/ovs-tests/passing.txt (the tests that may not
 * regress) and the generated part of docs/conformance.md's section "OVS
 * 3.1's own test files" (between `<!-- ovs-tests:begin -->` and
 * `<!-- ovs-tests:end -->`): the table, the failing tests grouped by cause,
 * the excluded tests grouped by reason.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { EXCLUSION_REASONS } from "./exclusions.js";
import { crossCheck, loadTests, PASSING_LIST, runAll, table } from "../../test/ovs-tests/harness.js";
import type { OvsTest, Verdict } from "../../test/ovs-tests/harness.js";

const DOC = new URL("../../docs/conformance.md", import.meta.url);
const BEGIN = "<!-- ovs-tests:begin -->";
const END = "<!-- ovs-tests:end -->";

const pct = (a: number, b: number): string => (b === 0 ? "-" : `${((a / b) * 100).toFixed(1)}%`);

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const i of items) m.set(key(i), [...(m.get(key(i)) ?? []), i]);
  return new Map([...m].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0])));
}

const started = Date.now();
const all = loadTests();
const counted = all.filter((t) => t.entry.excluded === undefined);
const verdicts = await runAll(counted, 2);
const seconds = (Date.now() - started) / 1000;
const byName = new Map<string, Verdict>(verdicts.map((v) => [v.name, v]));
const rows = table(all, byName);
const total = rows.reduce((s, r) => ({ tests: s.tests + r.tests, converted: s.converted + r.converted, excluded: s.excluded + r.excluded, counted: s.counted + r.counted, passing: s.passing + r.passing }), { tests: 0, converted: 0, excluded: 0, counted: 0, passing: 0 });
const disagreeing = counted.filter((t) => crossCheck(t) !== undefined);

console.log(`OVS 3.1's own tests against ovsim: ${total.passing}/${total.counted} counted tests pass (${pct(total.passing, total.counted)}), ${total.excluded} excluded, in ${seconds.toFixed(1)} s`);
for (const r of rows) console.log(`  ${r.file.padEnd(16)} ${String(r.passing).padStart(4)}/${String(r.counted).padEnd(4)} ${pct(r.passing, r.counted)}`);

writeFileSync(PASSING_LIST, `# Converted OVS 3.1 tests ovsim passes (npm run ovs-tests:report writes this; test/ovs-tests/ovs-tests.test.ts holds them)\n${verdicts.filter((v) => v.pass).map((v) => `${v.name}\n`).join("")}`);

const lines: string[] = [BEGIN, ""];
lines.push(`**${total.passing} of the ${total.counted} counted tests pass (${pct(total.passing, total.counted)})**; ${total.excluded} of the ${total.tests} tests are excluded (${pct(total.excluded, total.tests)}), each for a reason from the list above. The recording itself differs from the .at's literal expectation in ${disagreeing.length} counted tests (the recording is the bar). All counted tests ran against ovsim in ${seconds.toFixed(0)} s (two at a time) when this was written.`, "");
lines.push("| OVS test file | tests | converted | excluded | counted | passing | % of counted |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const r of [...rows, { ...total, file: "**all**" }]) lines.push(`| ${r.file === "**all**" ? r.file : `\`tests/${r.file}.at\``} | ${r.tests} | ${r.converted} | ${r.excluded} | ${r.counted} | ${r.passing} | ${pct(r.passing, r.counted)} |`);
lines.push("", "### Failing tests, by cause", "");
lines.push("The cause is the first check where ovsim differs from the recording: a program ovsim does not have, or the command whose output differs. Each test: its file and number, its title, the first difference.", "");
const failing = verdicts.filter((v) => !v.pass);
const title = new Map<string, OvsTest>(counted.map((t) => [t.name, t]));
for (const [cause, vs] of groupBy(failing, (v) => v.cause ?? "?")) {
  lines.push(`<details><summary>${cause.replace(/</g, "&lt;")} (${vs.length})</summary>`, "");
  for (const v of vs) lines.push(`- \`${v.name}\` ${title.get(v.name)?.entry.title ?? ""} — ${(v.problem ?? "").replace(/\s+/g, " ").replace(/</g, "&lt;").slice(0, 240)}`);
  lines.push("", "</details>", "");
}
lines.push("### Recordings that differ from the .at", "");
lines.push("Where real OVS 3.1 as Debian builds it does not print what the `.at` expects (no `ovstest` installed, another dummy MAC, a newer command), the recording is still the bar. The first difference of each:", "");
lines.push(`<details><summary>counted tests whose recording differs from the .at (${disagreeing.length})</summary>`, "");
for (const t of disagreeing) lines.push(`- \`${t.name}\` ${t.entry.title} — ${(crossCheck(t) ?? "").replace(/</g, "&lt;")}`);
lines.push("", "</details>", "");
lines.push("### Excluded tests, by reason", "");
const excluded = all.filter((t) => t.entry.excluded !== undefined);
for (const [reason, ts] of groupBy(excluded, (t) => t.entry.excluded?.reason ?? "?")) {
  lines.push(`<details><summary>${EXCLUSION_REASONS[reason as keyof typeof EXCLUSION_REASONS]} (${ts.length})</summary>`, "");
  for (const t of ts) lines.push(`- \`${t.name}\` ${t.entry.title} — ${t.entry.excluded?.sign ?? ""}`);
  lines.push("", "</details>", "");
}
lines.push(END);

const doc = readFileSync(DOC, "utf8");
const start = doc.indexOf(BEGIN);
const end = doc.indexOf(END);
if (start < 0 || end < start) {
  console.error(`docs/conformance.md has no ${BEGIN} ... ${END} section`);
  process.exit(2);
}
writeFileSync(DOC, doc.slice(0, start) + lines.join("\n") + doc.slice(end + END.length));
console.log(`docs/conformance.md: table and ${failing.length} failing, ${excluded.length} excluded tests written`);
