/*
 * Entry of `npm run bench`. Each benchmark module registers its mitata benchmarks; after one
 * shared mitata run, modules that time their own loops (as OVS's classifier benchmark times
 * its lookup loop) measure; then each prints its own summary, and the machine-readable
 * summaries of all modules go to bench/results/latest.json, from which bench/charts.ts
 * writes docs/bench (charts and README) after a full, unfiltered run.
 *
 * To add a module: write bench/<name>.bench.ts exporting `register()` and `report(trials)`
 * (and optionally `measure(filter)` and `summary()`) and add it to SUITES.
 * `npm run bench -- <regexp>` runs only benchmarks whose name matches.
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { run } from "mitata";
import { writeCharts } from "./charts.js";
import * as classifier from "./classifier.bench.js";
import * as cloud from "./cloud.bench.js";
import * as datapath from "./datapath.bench.js";
import * as extract from "./extract.bench.js";
import * as memory from "./memory.bench.js";
import * as neutron from "./neutron-path.bench.js";
import * as ovsClassifier from "./ovs-classifier.bench.js";
import * as flowMod from "./flow-mod.bench.js";
import * as learn from "./learn.bench.js";
import * as tse from "./tse.bench.js";

/** One mitata trial, as returned by `run()` (mitata does not export the type by name). */
export type Trial = Awaited<ReturnType<typeof run>>["benchmarks"][number];

/** What a benchmark module exports. */
export interface BenchSuite {
  /** Declares the module's mitata benchmarks (bench/group/summary calls), if any. */
  register(): void;
  /** Runs the module's own timed loops, after mitata (null filter: everything). */
  measure?(filter: RegExp | null): void;
  /** Prints a summary from the trials of the run (all modules' trials: pick yours by name). */
  report(trials: readonly Trial[]): void;
  /** A JSON-able summary for bench/results/latest.json, or null when nothing ran. */
  summary?(): unknown;
}

const SUITES: Readonly<Record<string, BenchSuite>> = { datapath, neutron, classifier, ovsClassifier, memory, extract, tse, flowMod, learn, cloud };

/**
 * `--quick` (npm run bench:quick): a run under 3 minutes, one representative cell of each
 * suite (10k rules / 8 masks for the classifiers) and fewer cells and processes in the suites
 * that read the flag (tse, flow-mod); written to partial.json, as any filtered run.
 */
const QUICK_FILTER = "^(lookup (classifier|linear) 10k rules/8 masks|ovs 10k rules/8 subtables lookup|memory per flow entry|datapath|tse tuple space explosion|flow-mod rate)$";
const quick = process.argv.includes("--quick");
const pattern = process.argv.slice(2).find((a) => !a.startsWith("--")) ?? (quick ? QUICK_FILTER : undefined);
const filter = pattern === undefined ? null : new RegExp(pattern);
const started = new Date();
const loadBefore = loadavg();
for (const suite of Object.values(SUITES)) suite.register();
const result = await run(filter === null ? {} : { filter });
for (const suite of Object.values(SUITES)) suite.measure?.(filter);
for (const suite of Object.values(SUITES)) suite.report(result.benchmarks);

const summaries: Record<string, unknown> = {};
for (const [name, suite] of Object.entries(SUITES)) {
  const s = suite.summary?.();
  if (s !== undefined && s !== null) summaries[name] = s;
}
const out = {
  generated: started.toISOString(),
  seconds: Math.round((Date.now() - started.getTime()) / 1000),
  filter: pattern ?? null,
  machine: {
    node: process.version,
    cpus: cpus().length,
    model: cpus()[0]?.model ?? "unknown",
    // 1-minute load average before and after: how busy the (shared) machine was.
    loadavg1Before: loadBefore[0],
    loadavg1After: loadavg()[0],
  },
  ...summaries,
};
const dir = new URL("./results/", import.meta.url);
mkdirSync(dir, { recursive: true });
// A filtered run is partial: it leaves latest.json and the published page to full runs.
const file = pattern === undefined ? "latest.json" : "partial.json";
writeFileSync(new URL(file, dir), `${JSON.stringify(out, null, 2)}\n`);
console.log(`\nsummary written to bench/results/${file} (${out.seconds} s)`);
if (pattern === undefined) writeCharts();
