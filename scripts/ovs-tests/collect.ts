/**
 * collect.ts RESULTS FIXTURES: turns record.sh's results directories
 * (RESULTS/FILE_NNN-slug, scripts/ovs-tests/runner.sh's output) into
 * FIXTURES/FILE/NNN-slug.rec.json (outputs over 32 KiB as their SHA-256).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { compact, readRun, runDirs } from "./results.js";

const [results, fixtures] = process.argv.slice(2);
if (results === undefined || fixtures === undefined) throw new Error("usage: collect.ts RESULTS FIXTURES");
for (const d of runDirs(results)) {
  const cut = d.indexOf("_");
  const run = compact(readRun(join(results, d)));
  writeFileSync(join(fixtures, d.slice(0, cut), `${d.slice(cut + 1)}.rec.json`), `${JSON.stringify(run, null, 1)}\n`);
}
