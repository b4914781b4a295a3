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
 * Each cell runs RUNS times; the medians are kept. The shipped binary serves the one-subtable
 * cells; `ovstest-subtables` (make_rule honouring wc_fields, see the build script) the others.
 */

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

const DIR = new URL("../.cache/ovs-bench/", import.meta.url);
const RUNS = 3;
/** Lookups per run: about half a second per phase at OVS's rates for each subtable count. */
const LOOKUPS_PER_SUBTABLE = 4_000_000;

export interface OvsBaselineCell {
  readonly rules: number;
  readonly subtables: number;
  /** M lookups per wall-clock second, median of RUNS, without wildcard tracking. */
  readonly mlps: number;
  /** The same with wildcard tracking. */
  readonly mlpsWc: number;
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

/** Parses one run's output: [without wc, with wc] in lookups per second. */
export function parseBenchmarkOutput(text: string): [number, number] {
  const rates = [...text.matchAll(/classifier lookups:\s+\d+ ms, (\d+) lookups\/sec/g)].map((m) => Number(m[1]));
  if (rates.length !== 2) {
    throw new Error(`unexpected ovstest test-classifier benchmark output:\n${text}`);
  }
  return [rates[0]!, rates[1]!];
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/**
 * Runs OVS's benchmark for one cell (n_priorities = n_rules, as ovsim's workload), or returns
 * null when the binary is missing.
 */
export function measureOvsCell(rules: number, subtables: number): OvsBaselineCell | null {
  const bin = binary(subtables);
  if (bin === null) return null;
  const lookups = Math.round(LOOKUPS_PER_SUBTABLE / Math.max(1, subtables / 2));
  const plain: number[] = [];
  const wc: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const args = ["test-classifier", "benchmark", String(rules), String(rules), String(subtables), "1", String(lookups)];
    const out = spawnSync(bin, args, { encoding: "utf8" });
    if (out.status !== 0) {
      throw new Error(`${bin} ${args.join(" ")} failed (${out.status}): ${out.stderr}`);
    }
    const [p, w] = parseBenchmarkOutput(out.stdout);
    plain.push(p / 1e6);
    wc.push(w / 1e6);
  }
  return { rules, subtables, mlps: median(plain), mlpsWc: median(wc) };
}
