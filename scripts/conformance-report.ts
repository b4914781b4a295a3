/**
 * `npm run conformance:report`: runs every fixtures/conformance script through
 * ovsim (as test/conformance/conformance.test.ts does), prints the pass rate and
 * each failure, and rewrites the failing list of docs/conformance.md (between
 * `<!-- failing:begin -->` and `<!-- failing:end -->`): a script still failing
 * keeps its hand-written reason, a newly failing one gets the first difference
 * as its reason (edit it into a real one), a script that passes again leaves.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { runConformance } from "../test/conformance/conformance-compare.js";

const DOC = new URL("../docs/conformance.md", import.meta.url);
const BEGIN = "<!-- failing:begin -->";
const END = "<!-- failing:end -->";

const verdicts = runConformance();
const failing = verdicts.filter((v) => v.problems.length > 0);
const passing = verdicts.length - failing.length;
console.log(`conformance: ${passing}/${verdicts.length} scripts pass (${((passing / verdicts.length) * 100).toFixed(1)}%)`);
for (const v of failing) console.log(`  FAIL ${v.name}\n    ${v.problems.join("\n    ")}`);

const doc = readFileSync(DOC, "utf8");
const start = doc.indexOf(BEGIN);
const end = doc.indexOf(END);
if (start < 0 || end < start) {
  console.error(`docs/conformance.md has no ${BEGIN} ... ${END} section`);
  process.exit(2);
}
const old = new Map<string, string>();
for (const m of doc.slice(start, end).matchAll(/^- `([^`]+)`.*$/gm)) old.set(m[1] ?? "", m[0]);
const lines = failing.map((v) => {
  const kept = old.get(v.name);
  if (kept !== undefined) return kept;
  const first = (v.problems[0] ?? "").split("\n")[0] ?? "";
  return `- \`${v.name}\` — (not yet explained) ${first.replace(/\s+/g, " ").slice(0, 200)}`;
});
const body = `${BEGIN}\n${lines.join("\n")}${lines.length > 0 ? "\n" : ""}`;
writeFileSync(DOC, doc.slice(0, start) + body + doc.slice(end));
console.log(`docs/conformance.md: ${lines.length} failing scripts listed`);
