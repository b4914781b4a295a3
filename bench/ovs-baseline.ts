/*
 * Open vSwitch's own classifier benchmark, run on this machine in the same `npm run bench` as
 * ovsim's (bench/ovs-classifier.bench.ts): `ovstest test-classifier benchmark <n_rules>
 * <n_priorities> <n_subtables> 1 <n_lookups>`, built by scripts/build-ovs-classifier-bench.sh
 * into .cache/ovs-bench/. Without those binaries this module measures nothing and the bench
 * compares with the fixed anchor figures only.
 *
 * The benchmark prints, for one run, the lookup rate without and then with wildcard tracking,
 * timed by wall clock over the lookup loop alone (rule insertion is not timed):
 *   classifier lookups:    660 ms, 7575757 lookups/sec
 * Each cell runs RUNS times after one calibration run (discarded), with as many lookups as
 * make each timed phase last at least MIN_PHASE_MS at the calibrated rate: a phase of 130 ms
 * (100k rules, 32 subtables at a fixed lookup count) read 0.62, 0.78 and 0.98 M/s in three
 * runs. Every figure is min / median / max over the runs. The shipped binary serves the
 * one-subtable cells; `ovstest-subtables` (make_rule honouring wc_fields, see the build
 * script) the others.
 */

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mmm } from "./timing.js";
import type { Mmm } from "./timing.js";

const DIR = new URL("../.cache/ovs-bench/", import.meta.url);
const RUNS = 3;
/** Shortest timed phase, ms: lookups per run are calibrated to reach it. */
const MIN_PHASE_MS = 1000;
/** Lookups of the calibration run. */
const CALIBRATION_LOOKUPS = 200_000;

export interface OvsBaselineCell {
  readonly rules: number;
  readonly subtables: number;
  /** M lookups per wall-clock second without wildcard tracking, min / median / max over RUNS. */
  readonly mlps: Mmm;
  /** The same with wildcard tracking. */
  readonly mlpsWc: Mmm;
  /** Lookups per timed phase. */
  readonly lookups: number;
  /** Fraction of lookups that found a rule (without wildcard tracking). */
  readonly hitRate: number;
}

/** The OVS version of the built benchmark, or null when it has not been built. */
export function ovsBaselineVersion(): string | null {
  const v = new URL("VERSION", DIR);
  return existsSync(v) ? readFileSync(v, "utf8").trim() : null;
}

function binary(subtables: number): string | null {
  const file = new URL(subtables === 1 ? "ovstest" : "ovstest-subtables", DIR);
  return existsSync(file) ? file.pathname : null;
}

/** One run's output: lookups per second without and with wc, and the hit rate without. */
export function parseBenchmarkOutput(text: string): { plain: number; wc: number; hitRate: number } {
  const rates = [...text.matchAll(/classifier lookups:\s+\d+ ms, (\d+) lookups\/sec/g)].map((m) => Number(m[1]));
  const hits = /hits: (\d+), misses: (\d+)/.exec(text);
  if (rates.length !== 2 || hits === null) {
    throw new Error(`unexpected ovstest test-classifier benchmark output:\n${text}`);
  }
  const h = Number(hits[1]);
  return { plain: rates[0]!, wc: rates[1]!, hitRate: h / (h + Number(hits[2])) };
}

function runOnce(bin: string, rules: number, subtables: number, lookups: number): { plain: number; wc: number; hitRate: number } {
  const args = ["test-classifier", "benchmark", String(rules), String(rules), String(subtables), "1", String(lookups)];
  const out = spawnSync(bin, args, { encoding: "utf8" });
  if (out.status !== 0) throw new Error(`${bin} ${args.join(" ")} failed (${out.status}): ${out.stderr}`);
  return parseBenchmarkOutput(out.stdout);
}

/**
 * Runs OVS's benchmark for one cell (n_priorities = n_rules, as ovsim's workload), or returns
 * null when the binary is missing.
 */
export function measureOvsCell(rules: number, subtables: number): OvsBaselineCell | null {
  const bin = binary(subtables);
  if (bin === null) return null;
  // The lookup loop is the faster phase (wildcard tracking only adds work): sized on its rate.
  const calibration = runOnce(bin, rules, subtables, CALIBRATION_LOOKUPS);
  const lookups = Math.max(CALIBRATION_LOOKUPS, Math.ceil((calibration.plain * MIN_PHASE_MS * 1.1) / 1000));
  const runs = Array.from({ length: RUNS }, () => runOnce(bin, rules, subtables, lookups));
  return {
    rules,
    subtables,
    mlps: mmm(runs.map((r) => r.plain / 1e6)),
    mlpsWc: mmm(runs.map((r) => r.wc / 1e6)),
    lookups,
    hitRate: runs[0]!.hitRate,
  };
}
