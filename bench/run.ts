/*
 * Entry of `npm run bench`. Each benchmark module registers its mitata benchmarks, then,
 * after one shared mitata run, prints its own summary from the results mitata returns.
 *
 * To add a module: write bench/<name>.bench.ts exporting `register()` and `report(trials)`
 * and add it to SUITES. `npm run bench -- <regexp>` runs only benchmarks whose name matches.
 */

import { run } from "mitata";
import * as classifier from "./classifier.bench.js";

/** One mitata trial, as returned by `run()` (mitata does not export the type by name). */
export type Trial = Awaited<ReturnType<typeof run>>["benchmarks"][number];

/** What a benchmark module exports. */
export interface BenchSuite {
  /** Declares the module's benchmarks (mitata bench/group/summary calls). */
  register(): void;
  /** Prints a summary from the trials of the run (all modules' trials: pick yours by name). */
  report(trials: readonly Trial[]): void;
}

const SUITES: readonly BenchSuite[] = [classifier];

const pattern = process.argv[2];
for (const suite of SUITES) suite.register();
const result = await run(pattern === undefined ? {} : { filter: new RegExp(pattern) });
for (const suite of SUITES) suite.report(result.benchmarks);
