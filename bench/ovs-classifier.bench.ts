/*
 * OVS's classifier benchmark workload (bench/ovs-workload.ts) against ovsim's classifier,
 * with a linear-scan baseline in the same run, compared with OVS's C classifier twice: with
 * the issue's anchor figures (`ovstest test-classifier benchmark`, one thread, a 2-core
 * machine like ours), and, when scripts/build-ovs-classifier-bench.sh has built it, with the
 * same benchmark run here, cell by cell, just before ovsim's (bench/ovs-baseline.ts).
 *
 * Each cell runs in a fresh Node process (bench/ovs-cell.ts), as each run of OVS's benchmark
 * is a fresh process: in one long-lived process, the JIT state left by the cells before
 * (other shapes, wc on and off) changed a cell's rate by 10-20%. The cell builds the rules of
 * one shape, inserts them, then times only the lookup loop (see ovs-cell.ts).
 * Rates are millions of lookups per CPU second (see timing.ts), median of the rounds;
 * the comparison with OVS run here uses wall-clock rates on both sides, as OVS times itself.
 *
 * Also measured, for the scaling charts: lookup cost against the number of masks at 10k
 * rules, and against the number of rules at 8 masks.
 */

import { measureOvsCell, ovsBaselineVersion } from "./ovs-baseline.js";
import { ROUND_MS, ROUNDS, runCell } from "./ovs-cell.js";
import type { Trial } from "./run.js";

const RULE_COUNTS = [1_000, 10_000, 100_000] as const;
const SUBTABLE_COUNTS = [1, 8, 32] as const;
/** Scaling series (no wc): masks at 10k rules, rules at 8 masks. */
const SCALING_MASKS = [1, 2, 4, 8, 16, 32, 64] as const;
const SCALING_RULES = [1_000, 3_000, 10_000, 30_000, 100_000] as const;

/**
 * OVS C classifier, M lookups/s, wildcard tracking off (issue 4). The 1k figure is given as
 * 13-17 M/s: the midpoint is used.
 */
export const ANCHORS: readonly { rules: number; subtables: number; mlps: number; acceptance: boolean }[] = [
  { rules: 1_000, subtables: 1, mlps: 15, acceptance: false },
  { rules: 10_000, subtables: 1, mlps: 12, acceptance: true },
  { rules: 100_000, subtables: 1, mlps: 10, acceptance: false },
  { rules: 10_000, subtables: 8, mlps: 2.8, acceptance: true },
  { rules: 100_000, subtables: 32, mlps: 1.0, acceptance: true },
];
/** Acceptance: at least this fraction of each acceptance anchor. */
const ANCHOR_FRACTION = 0.5;
/** Acceptance: megaflow tracking costs at most this many times plain lookup. */
const MAX_WC_COST = 2.5;

export interface CellResult {
  readonly rules: number;
  /** Rules actually inserted (duplicates of the same match and priority dropped, as OVS). */
  readonly rulesKept: number;
  readonly subtables: number;
  readonly wc: boolean;
  /** M lookups per CPU second (median of rounds). */
  readonly mlps: number;
  /** M lookups per wall-clock second (median of rounds). */
  readonly mlpsWall: number;
  readonly nsPerLookup: number;
  /** Fraction of lookups that found a rule. */
  readonly hitRate: number;
  /** OVS's figure for this shape without wc, when there is one. */
  readonly anchorMlps: number | null;
  /**
   * OVS's C classifier on this machine, same shape and wc setting, M lookups per wall-clock
   * second (bench/ovs-baseline.ts), when its benchmark is built.
   */
  readonly ovsHereMlps: number | null;
  /** OVS's hit rate on its run of this shape, when run here. */
  readonly ovsHitRate: number | null;
}

export interface LinearResult {
  readonly rules: number;
  readonly subtables: number;
  readonly mlps: number;
  readonly nsPerLookup: number;
}

export interface ScalingPoint {
  readonly rules: number;
  readonly subtables: number;
  readonly nsPerLookup: number;
}

export interface OvsClassifierSummary {
  readonly method: string;
  /** The OVS version measured here, null when only the anchor figures were available. */
  readonly ovsHere: string | null;
  readonly cells: CellResult[];
  readonly linear: LinearResult[];
  readonly scaling: { readonly masks: ScalingPoint[]; readonly rules: ScalingPoint[] };
  readonly acceptance: { readonly check: string; readonly value: string; readonly met: boolean }[];
}

const results: { cells: CellResult[]; linear: LinearResult[]; masks: ScalingPoint[]; rules: ScalingPoint[] } = {
  cells: [],
  linear: [],
  masks: [],
  rules: [],
};

const cellName = (rules: number, subtables: number, what: string) =>
  `ovs ${rules / 1000}k rules/${subtables} subtables ${what}`;

function anchorOf(rules: number, subtables: number) {
  return ANCHORS.find((a) => a.rules === rules && a.subtables === subtables) ?? null;
}

export function register(): void {
  // Nothing for mitata: this suite times its own loops (measure), as OVS's benchmark does.
}

export function measure(filter: RegExp | null): void {
  const wanted = (name: string) => filter === null || filter.test(name);
  for (const rules of RULE_COUNTS) {
    for (const subtables of SUBTABLE_COUNTS) {
      const names = [cellName(rules, subtables, "lookup"), cellName(rules, subtables, "lookup+wc"), cellName(rules, subtables, "linear")];
      const what = (["plain", "wc", "linear"] as const).filter((_, i) => wanted(names[i]!));
      if (what.length === 0) continue;
      const anchor = anchorOf(rules, subtables);
      const ovs = what.includes("plain") || what.includes("wc") ? measureOvsCell(rules, subtables) : null;
      const cell = runCell(rules, subtables, what);
      for (const [useWc, t] of [[false, cell.plain], [true, cell.wc]] as const) {
        if (t === null) continue;
        results.cells.push({
          rules,
          rulesKept: cell.rulesKept,
          subtables,
          wc: useWc,
          mlps: 1e3 / t.cpuNs,
          mlpsWall: 1e3 / t.wallNs,
          nsPerLookup: t.cpuNs,
          hitRate: cell.hitRate,
          anchorMlps: anchor?.mlps ?? null,
          ovsHereMlps: ovs === null ? null : useWc ? ovs.mlpsWc : ovs.mlps,
          ovsHitRate: ovs?.hitRate ?? null,
        });
      }
      if (cell.linear !== null) {
        results.linear.push({ rules, subtables, mlps: 1e3 / cell.linear.cpuNs, nsPerLookup: cell.linear.cpuNs });
      }
    }
  }
  const series: [ScalingPoint[], number, number][] = [
    ...SCALING_MASKS.map((m): [ScalingPoint[], number, number] => [results.masks, 10_000, m]),
    ...SCALING_RULES.map((r): [ScalingPoint[], number, number] => [results.rules, r, 8]),
  ];
  for (const [into, rules, subtables] of series) {
    if (!wanted(cellName(rules, subtables, "scaling"))) continue;
    // One process a point: the charts show a trend, not a figure to hold against a target.
    const t = runCell(rules, subtables, ["plain"], 1).plain!;
    into.push({ rules, subtables, nsPerLookup: t.cpuNs });
  }
}

// ---- report -----------------------------------------------------------------------------

const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : "n/a");

function acceptance(): OvsClassifierSummary["acceptance"] {
  const out: { check: string; value: string; met: boolean }[] = [];
  const cell = (r: number, s: number, wc: boolean) =>
    results.cells.find((c) => c.rules === r && c.subtables === s && c.wc === wc);
  for (const a of ANCHORS.filter((x) => x.acceptance)) {
    const c = cell(a.rules, a.subtables, false);
    if (c === undefined) continue;
    const ratio = c.mlps / a.mlps;
    out.push({
      check: `${a.rules / 1000}k rules/${a.subtables} subtables >= ${ANCHOR_FRACTION}x OVS (${a.mlps} M/s)`,
      value: `${fmt(c.mlps)} M/s = ${fmt(ratio)}x`,
      met: ratio >= ANCHOR_FRACTION,
    });
  }
  for (const a of ANCHORS.filter((x) => x.acceptance)) {
    const c = cell(a.rules, a.subtables, false);
    if (c === undefined || c.ovsHereMlps === null) continue;
    const ratio = c.mlpsWall / c.ovsHereMlps;
    out.push({
      check: `${a.rules / 1000}k rules/${a.subtables} subtables >= ${ANCHOR_FRACTION}x OVS run here (${fmt(c.ovsHereMlps)} M/s, wall clock)`,
      value: `${fmt(c.mlpsWall)} M/s = ${fmt(ratio)}x`,
      met: ratio >= ANCHOR_FRACTION,
    });
  }
  let worst = 0;
  for (const c of results.cells.filter((x) => x.wc)) {
    const plain = cell(c.rules, c.subtables, false);
    if (plain !== undefined) worst = Math.max(worst, c.nsPerLookup / plain.nsPerLookup);
  }
  if (worst > 0) {
    out.push({ check: `megaflow tracking <= ${MAX_WC_COST}x plain lookup (worst cell)`, value: `${fmt(worst)}x`, met: worst <= MAX_WC_COST });
  }
  return out;
}

export function summary(): OvsClassifierSummary {
  return {
    method:
      "OVS test-classifier benchmark workload, replayed with OVS's own random generator (13 fields x 2 values, priorities i*129 shuffled, 8192 lookup flows, " +
      `precomputed random flow sequence), one process per cell; M lookups per CPU second, median of ${ROUNDS} rounds of ~${ROUND_MS} ms`,
    ovsHere: results.cells.some((c) => c.ovsHereMlps !== null) ? ovsBaselineVersion() : null,
    cells: results.cells,
    linear: results.linear,
    scaling: { masks: results.masks, rules: results.rules },
    acceptance: acceptance(),
  };
}

/** The table of cells as Markdown (also used by docs/bench/README.md). */
export function markdownTable(s: OvsClassifierSummary): string {
  const here = s.ovsHere !== null;
  const lines = [
    "| rules | subtables | lookup M/s | anchor M/s | vs anchor |" +
      (here ? " OVS here M/s | vs OVS here |" : "") +
      " +wc M/s | wc cost |" +
      (here ? " OVS here +wc | +wc vs OVS here |" : "") +
      " linear M/s | vs linear | hits |" +
      (here ? " OVS hits |" : ""),
    `|${" ---: |".repeat(here ? 15 : 10)}`,
  ];
  const ratio = (a: number | undefined, b: number | null | undefined) =>
    a !== undefined && b !== null && b !== undefined ? `${fmt(a / b)}x` : "—";
  for (const rules of RULE_COUNTS) {
    for (const subtables of SUBTABLE_COUNTS) {
      const plain = s.cells.find((c) => c.rules === rules && c.subtables === subtables && !c.wc);
      const wc = s.cells.find((c) => c.rules === rules && c.subtables === subtables && c.wc);
      const lin = s.linear.find((c) => c.rules === rules && c.subtables === subtables);
      if (plain === undefined && wc === undefined && lin === undefined) continue;
      const anchor = plain?.anchorMlps ?? null;
      const cols = [
        String(rules),
        String(subtables),
        plain ? fmt(plain.mlps) : "—",
        String(anchor ?? "—"),
        ratio(plain?.mlps, anchor),
        ...(here ? [plain?.ovsHereMlps ? fmt(plain.ovsHereMlps) : "—", ratio(plain?.mlpsWall, plain?.ovsHereMlps)] : []),
        wc ? fmt(wc.mlps) : "—",
        plain && wc ? `${fmt(wc.nsPerLookup / plain.nsPerLookup)}x` : "—",
        ...(here ? [wc?.ovsHereMlps ? fmt(wc.ovsHereMlps) : "—", ratio(wc?.mlpsWall, wc?.ovsHereMlps)] : []),
        lin ? lin.mlps.toPrecision(3) : "—",
        plain && lin ? `${fmt(lin.nsPerLookup / plain.nsPerLookup, 0)}x` : "—",
        plain ? `${fmt(plain.hitRate * 100, 0)}%` : "—",
        ...(here ? [plain?.ovsHitRate != null ? `${fmt(plain.ovsHitRate * 100, 0)}%` : "—"] : []),
      ];
      lines.push(`| ${cols.join(" | ")} |`);
    }
  }
  return lines.join("\n");
}

export function report(_trials: readonly Trial[]): void {
  const s = summary();
  if (s.cells.length === 0 && s.linear.length === 0 && s.scaling.masks.length === 0 && s.scaling.rules.length === 0) return;
  const lines = [
    "",
    "OVS classifier benchmark workload (M lookups per CPU second; anchor = the issue's OVS figures; " +
      (s.ovsHere === null
        ? "OVS not run here: scripts/build-ovs-classifier-bench.sh builds its benchmark)"
        : `OVS here = OVS ${s.ovsHere}'s benchmark run just before, wall clock on both sides)`),
    markdownTable(s),
  ];
  if (s.scaling.masks.length > 0) {
    lines.push(`cost vs masks (10k rules): ${s.scaling.masks.map((p) => `${p.subtables}: ${fmt(p.nsPerLookup, 0)} ns`).join(", ")}`);
  }
  if (s.scaling.rules.length > 0) {
    lines.push(`cost vs rules (8 masks): ${s.scaling.rules.map((p) => `${p.rules / 1000}k: ${fmt(p.nsPerLookup, 0)} ns`).join(", ")}`);
  }
  for (const a of s.acceptance) lines.push(`${a.met ? "met    " : "NOT MET"}  ${a.check}: ${a.value}`);
  console.log(lines.join("\n"));
}
