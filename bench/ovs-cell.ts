/*
 * One cell of OVS's classifier benchmark workload (bench/ovs-workload.ts), measured in a
 * process of its own: bench/ovs-classifier.bench.ts runs this file once per cell, as each
 * run of OVS's benchmark is a process of its own, so no cell (and no part of a cell: with or
 * without wc, linear scan) inherits the JIT state of the ones before it.
 *
 *   node --import tsx bench/ovs-cell.ts <rules> <subtables> plain|wc|linear[,...]
 *
 * prints one JSON line (CellTimings). The timed loop is OVS's lookup_classifier: a lookup
 * per step, on the flow named by the next index of the precomputed lookup sequence (no
 * random-number work in the loop); with wc, the loop clears one megaflow mask before each
 * lookup (OVS: flow_wildcards_init_catchall) and passes it in.
 */

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Classifier } from "../src/flowtable/classifier.js";
import { FLOW_WORDS } from "../src/flowtable/flow-layout.js";
import { LinearScan, makeWorkload, SEQ_LEN } from "./ovs-workload.js";
import type { Workload } from "./ovs-workload.js";
import { mmm, timeLoop } from "./timing.js";
import type { Mmm, Timing } from "./timing.js";

export const ROUNDS = 5;
/** 5 rounds of 250 ms: each process times its loop for more than a second. */
export const ROUND_MS = 250;

export type CellPart = "plain" | "wc" | "linear";

export interface CellTimings {
  /** Rules actually inserted (duplicates of the same match and priority dropped, as OVS). */
  readonly rulesKept: number;
  /** Fraction of the lookup sequence's lookups that find a rule (OVS counts its lookups). */
  readonly hitRate: number;
  readonly plain: Timing | null;
  readonly wc: Timing | null;
  readonly linear: Timing | null;
}

/** A part's ns per lookup over the processes that measured it (runCell): min / median / max, CPU time and wall clock. */
export interface PartSpread {
  readonly processes: number;
  readonly cpuNs: Mmm;
  readonly wallNs: Mmm;
}

/** One cell's timings (the median process of each part) with each part's spread over its processes. */
export interface CellRun extends CellTimings {
  readonly spread: Partial<Record<CellPart, PartSpread>>;
}

function build(w: Workload): Classifier<number> {
  const cls = new Classifier<number>(FLOW_WORDS);
  for (const r of w.rules) cls.insert(r);
  return cls;
}

/**
 * The timed loop of OVS's lookup_classifier, without wc: the flow is read where it lies in
 * the array of lookup flows (OVS: `&aux->lookup_flows[x]`; here the array and the offset).
 */
function lookupLoop(cls: Classifier<number>, w: Workload): (n: number) => number {
  const { store, seq } = w;
  return (n) => {
    let hits = 0;
    for (let i = 0; i < n; i++) {
      if (cls.lookupAt(store, seq[i & (SEQ_LEN - 1)]! * FLOW_WORDS, null) !== null) hits++;
    }
    return hits;
  };
}

/** The same with a megaflow mask, cleared before each lookup. */
function lookupLoopWc(cls: Classifier<number>, w: Workload): (n: number) => number {
  const { store, seq } = w;
  const wc = new Uint32Array(FLOW_WORDS);
  return (n) => {
    let hits = 0;
    for (let i = 0; i < n; i++) {
      wc.fill(0);
      if (cls.lookupAt(store, seq[i & (SEQ_LEN - 1)]! * FLOW_WORDS, wc) !== null) hits++;
    }
    return hits;
  };
}

function linearLoop(lin: LinearScan, w: Workload): (n: number) => number {
  const { flows, seq } = w;
  return (n) => {
    let hits = 0;
    for (let i = 0; i < n; i++) if (lin.lookup(flows[seq[i & (SEQ_LEN - 1)]!]!) !== null) hits++;
    return hits;
  };
}

function time(loop: (n: number) => number, maxOps?: number): Timing {
  const { sink: _, ...t } = timeLoop(loop, { roundMs: ROUND_MS, rounds: ROUNDS, ...(maxOps === undefined ? {} : { maxOps }) });
  return t;
}

/** Measures the parts of one cell in this process. */
export function measureCellHere(rules: number, subtables: number, parts: readonly CellPart[]): CellTimings {
  const w = makeWorkload({ nRules: rules, nSubtables: subtables });
  const cls = build(w);
  let hits = 0;
  for (const i of w.seq) if (cls.lookup(w.flows[i]!, null) !== null) hits++;
  return {
    rulesKept: w.rules.length,
    hitRate: hits / w.seq.length,
    plain: parts.includes("plain") ? time(lookupLoop(cls, w)) : null,
    wc: parts.includes("wc") ? time(lookupLoopWc(cls, w)) : null,
    linear: parts.includes("linear") ? time(linearLoop(new LinearScan(w.rules), w), 1 << 16) : null,
  };
}

const SELF = fileURLToPath(import.meta.url);

/** Processes per lookup part: the same loop varies by 10-20% from one process to the next. */
const PROCESSES = 3;

function spawnPart(rules: number, subtables: number, part: CellPart): CellTimings {
  const args = [...process.execArgv, SELF, String(rules), String(subtables), part];
  const out = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 20 });
  if (out.status !== 0) throw new Error(`bench cell ${rules}/${subtables} ${part} failed (${out.status}):\n${out.stderr}`);
  return JSON.parse(out.stdout) as CellTimings;
}

/**
 * Measures the parts of one cell, each in fresh Node processes (same flags as this one): a
 * lookup loop with wc right after one without would time code the JIT optimised for the
 * other, and the same loop varies from one process to the next (JIT decisions, memory
 * layout), so each lookup part runs in PROCESSES processes and the median one is kept (the
 * linear scan, a baseline, in one).
 */
export function runCell(rules: number, subtables: number, parts: readonly CellPart[], processes = PROCESSES): CellRun {
  const got: Partial<Record<CellPart, CellTimings>> = {};
  const spread: Partial<Record<CellPart, PartSpread>> = {};
  for (const part of parts) {
    const runs = Array.from({ length: part === "linear" ? 1 : processes }, () => spawnPart(rules, subtables, part));
    const ns = (r: CellTimings) => r[part]?.cpuNs ?? Infinity;
    runs.sort((a, b) => ns(a) - ns(b));
    got[part] = runs[runs.length >> 1]!;
    spread[part] = { processes: runs.length, cpuNs: mmm(runs.map(ns)), wallNs: mmm(runs.map((r) => r[part]?.wallNs ?? Infinity)) };
  }
  const any = got.plain ?? got.wc ?? got.linear;
  if (any === undefined) throw new RangeError("runCell needs at least one part");
  return {
    rulesKept: any.rulesKept,
    hitRate: any.hitRate,
    plain: got.plain?.plain ?? null,
    wc: got.wc?.wc ?? null,
    linear: got.linear?.linear ?? null,
    spread,
  };
}

if (process.argv[1] === SELF) {
  const [rules, subtables, parts] = process.argv.slice(2);
  const list = (parts ?? "plain").split(",").filter((p): p is CellPart => p === "plain" || p === "wc" || p === "linear");
  process.stdout.write(`${JSON.stringify(measureCellHere(Number(rules), Number(subtables), list))}\n`);
}
