/**
 * `ovsim bench flows`: how fast ovsim's classifier looks up *your* rule set.
 *
 * The rules (flow-file.ts) are installed in one bridge's OpenFlow tables (FlowTables, as
 * ovs-ofctl add-flows would install them) and the packets (packets.ts) are looked up, each
 * in its table, in timed loops (timing.ts):
 *
 * - lookup: FlowTables.lookup without megaflow tracking (a table lookup as OVS's
 *   benchmark times it);
 * - lookup+wc: the same tracking the megaflow mask (cleared before each lookup), what an
 *   upcall's translation pays per table;
 * - linear: the baseline, measured in the same run on the same packets: each table's flows
 *   sorted by descending priority, first match wins (OVS's reference classifier in
 *   test-classifier.c);
 * - megaflow hit: the datapath's megaflow cache (src/datapath/megaflow-cache.ts) filled with
 *   one megaflow per distinct wildcarded packet (the classifier's wildcards only: a real
 *   translation un-wildcards more), then every packet looked up there, all hits;
 * - insert / delete: add flow_mods for every flow into empty tables, then delete_strict
 *   flow_mods for every one, per flow_mod.
 *
 * Untimed, the report also gives each table's subtables (tuples: distinct masks) and how
 * the lookups spread over them (which subtable answered, or none), the subtables a lookup
 * probes at most (the classifier walks them by descending highest priority and stops at the
 * first whose highest priority is not above the best match: every subtable whose highest
 * priority is above the answer's, plus the answer's own), and that the classifier and the
 * linear scan agree on every packet (same priority). Memory per flow is measured when the
 * caller passes a way to read memory use (the command line passes process.memoryUsage, and
 * a full GC when node runs with --expose-gc).
 */

import { FLOW_WORDS } from "../flowtable/flow-layout.js";
import type { FlowEntry } from "../flowtable/flow-entry.js";
import { FlowTables, looseSelector } from "../flowtable/flow-tables.js";
import type { ActionSemantics, FlowMod } from "../flowtable/flow-tables.js";
import { DP_KEY_WORDS, MegaflowCache } from "../datapath/megaflow-cache.js";
import { FlowBenchError } from "./errors.js";
import type { FlowFile, FlowFileFormat } from "./flow-file.js";
import { subtableLabel } from "./subtable-label.js";
import { derivePackets } from "./packets.js";
import type { BenchPackets } from "./packets.js";
import { perSecond, spreadOf, timeInterleaved } from "./timing.js";
import type { LoopTiming, Spread } from "./timing.js";

export interface FlowBenchOptions {
  /** Packets to look up (default: derived from the flows). */
  readonly packets?: BenchPackets;
  /** About how long the timed phases take together, seconds (default 3). */
  readonly seconds?: number;
  /** Timed rounds per phase (default 5). */
  readonly rounds?: number;
  /** Milliseconds, monotonic (default `performance.now`). */
  readonly now?: () => number;
  /** Reads memory in use, bytes, and optionally collects garbage first; none: no memory figure. */
  readonly memory?: { readonly usage: () => number; readonly gc?: (() => void) | undefined };
}

/** A timed phase: per operation, and per second, min / median / max over its rounds. */
export interface Rate {
  readonly ns: Spread;
  readonly perSecond: Spread;
  readonly opsPerRound: number;
}

export interface SubtableUse {
  /** A flow of it as ovs-ofctl prints it, values dropped (subtable-label.ts). */
  readonly mask: string;
  readonly flows: number;
  readonly maxPriority: number;
  /** Lookups it answered. */
  readonly hits: number;
}

export interface TableReport {
  readonly tableId: number;
  readonly flows: number;
  /** Subtables in lookup order (descending highest priority). */
  readonly subtables: readonly SubtableUse[];
  /** Packets looked up in this table, and those that found no flow. */
  readonly lookups: number;
  readonly misses: number;
  /** Mean number of subtables a lookup probes at most (see the module comment). */
  readonly meanProbed: number;
}

export interface FlowBenchReport {
  readonly format: FlowFileFormat;
  /** Input rules (lines, or ClassBench filters) and the flows installed from them. */
  readonly rules: number;
  readonly flows: number;
  readonly subtables: number;
  readonly tables: readonly TableReport[];
  readonly packets: { readonly count: number; readonly derived: boolean; readonly hits: number };
  /** Packets on which the classifier and the linear scan found different priorities (0). */
  readonly disagreements: number;
  readonly lookup: Rate;
  readonly lookupWc: Rate;
  readonly linear: Rate;
  readonly megaflow: { readonly hit: Rate; readonly megaflows: number; readonly masks: number };
  readonly insert: Rate;
  readonly delete: Rate;
  /** Bytes per installed flow (entry, match, classifier share), or null when not measured. */
  readonly memory: { readonly bytesPerFlow: number; readonly gc: boolean; readonly flows: number } | null;
  readonly rounds: number;
  readonly roundMs: number;
}

const STRING_ACTIONS: ActionSemantics<string> = {
  equal: (a, b) => a === b,
  outputsToPort: () => false,
  outputsToGroup: () => false,
};

/** Timed phases sharing the time budget (insert and delete count as one). */
const PHASES = 5;

function rate(t: LoopTiming, opsPerUnit = 1): Rate {
  const ns = { min: t.ns.min / opsPerUnit, median: t.ns.median / opsPerUnit, max: t.ns.max / opsPerUnit };
  return { ns, perSecond: perSecond(ns), opsPerRound: t.ops * opsPerUnit };
}

function install(flowMods: readonly FlowMod<string>[]): FlowTables<string> {
  const tables = new FlowTables<string>(STRING_ACTIONS);
  for (const fm of flowMods) tables.apply(fm, 0);
  return tables;
}

/** One table's flows for the linear scan: priority-descending keys and masks. */
interface LinearTable {
  readonly keys: Uint32Array[];
  readonly masks: Uint32Array[];
  readonly priorities: number[];
}

function linearLookup(t: LinearTable | undefined, key: Uint32Array): number {
  if (t === undefined) return -1;
  const { keys, masks } = t;
  // key.length, not FLOW_WORDS: an imported binding read in the innermost loop costs a
  // getter call per word under some loaders (tsx).
  const nw = key.length;
  for (let r = 0; r < keys.length; r++) {
    const rk = keys[r]!;
    const m = masks[r]!;
    let i = 0;
    while (i < nw && ((key[i]! ^ rk[i]!) & m[i]!) === 0) i++;
    if (i === nw) return r;
  }
  return -1;
}

/** Benchmarks a rule set (see the module comment). */
export function benchFlows(file: FlowFile, options: FlowBenchOptions = {}): FlowBenchReport {
  if (file.flows.length === 0) throw new FlowBenchError("the rule set has no flows");
  const rounds = options.rounds ?? 5;
  const seconds = options.seconds ?? 3;
  if (!(seconds > 0) || !Number.isInteger(rounds) || rounds < 1) throw new FlowBenchError("seconds must be positive and rounds a positive integer");
  const roundMs = (seconds * 1000) / (PHASES * (rounds + 2));
  const timing = { roundMs, rounds, ...(options.now === undefined ? {} : { now: options.now }) };

  const flowMods = file.flows.map((f) => f.flowMod);
  const tables = install(flowMods);
  const installed = tables.select(looseSelector());

  // Subtables per table: entries grouped by mask.
  const byTable = new Map<number, Map<string, { mask: Uint32Array; flows: FlowEntry<string>[] }>>();
  for (const e of installed) {
    let t = byTable.get(e.tableId);
    if (t === undefined) byTable.set(e.tableId, (t = new Map()));
    const m = e.match.mask;
    const id = m.join(",");
    let st = t.get(id);
    if (st === undefined) t.set(id, (st = { mask: m.slice(), flows: [] }));
    st.flows.push(e);
  }
  const packets =
    options.packets ?? derivePackets(installed.map((e) => ({ tableId: e.tableId, key: e.match.key, mask: e.match.mask })));
  const { keys, tables: pktTables } = packets;
  const n = keys.length;

  // Linear scan tables.
  const linear = new Map<number, LinearTable>();
  for (const [tid, subtables] of byTable) {
    const all = [...subtables.values()].flatMap((s) => s.flows).sort((a, b) => b.priority - a.priority);
    linear.set(tid, { keys: all.map((e) => e.match.key), masks: all.map((e) => e.match.mask), priorities: all.map((e) => e.priority) });
  }

  // Untimed pass: spread, probes, agreement, hits; the megaflows.
  const subtableOf = new Map<FlowEntry<string>, { tid: number; index: number }>();
  const ordered = new Map<number, { mask: Uint32Array; flows: FlowEntry<string>[]; maxPriority: number; hits: number }[]>();
  for (const [tid, subtables] of byTable) {
    const list = [...subtables.values()]
      .map((s) => ({ ...s, maxPriority: s.flows.reduce((m, e) => Math.max(m, e.priority), -1), hits: 0 }))
      .sort((a, b) => b.maxPriority - a.maxPriority);
    list.forEach((s, index) => {
      for (const e of s.flows) subtableOf.set(e, { tid, index });
    });
    ordered.set(tid, list);
  }
  const perTable = new Map<number, { lookups: number; misses: number; probed: number }>();
  const wc = new Uint32Array(FLOW_WORDS);
  const cache = new MegaflowCache();
  const dpKeys: Uint32Array[] = [];
  const dpMask = new Uint32Array(DP_KEY_WORDS);
  let hits = 0;
  let disagreements = 0;
  for (let i = 0; i < n; i++) {
    const tid = pktTables[i]!;
    const key = keys[i]!;
    let pt = perTable.get(tid);
    if (pt === undefined) perTable.set(tid, (pt = { lookups: 0, misses: 0, probed: 0 }));
    pt.lookups++;
    wc.fill(0);
    const e = tables.lookup(tid, key, wc);
    const lt = linear.get(tid);
    const li = linearLookup(lt, key);
    const lp = li < 0 ? -1 : lt!.priorities[li]!;
    if ((e === null ? -1 : e.priority) !== lp) disagreements++;
    const list = ordered.get(tid) ?? [];
    if (e === null) {
      pt.misses++;
      pt.probed += list.length;
    } else {
      hits++;
      const home = subtableOf.get(e)!;
      list[home.index]!.hits++;
      pt.probed += list.filter((s) => s.maxPriority > e.priority).length + 1;
    }
    const dk = new Uint32Array(DP_KEY_WORDS);
    dk.set(key);
    dpKeys.push(dk);
    dpMask.fill(0);
    dpMask.set(wc);
    if (cache.lookup(dk) === null) cache.insert(dk, dpMask, [], false, 0);
  }

  // Timed phases.
  // Each loop goes on where its previous call stopped (a round shorter than the packet list
  // still sees every packet over the rounds, not only the first ones).
  const at = [0, 0, 0, 0];
  const [lookupT, lookupWcT, linearT, megaflowT] = timeInterleaved(
    [
      (count) => {
        let found = 0;
        let i = at[0]!;
        for (let c = 0; c < count; c++) {
          if (tables.lookup(pktTables[i]!, keys[i]!, null) !== null) found++;
          if (++i === n) i = 0;
        }
        at[0] = i;
        return found;
      },
      (count) => {
        let found = 0;
        let i = at[1]!;
        for (let c = 0; c < count; c++) {
          wc.fill(0);
          if (tables.lookup(pktTables[i]!, keys[i]!, wc) !== null) found++;
          if (++i === n) i = 0;
        }
        at[1] = i;
        return found;
      },
      (count) => {
        let found = 0;
        let i = at[2]!;
        for (let c = 0; c < count; c++) {
          if (linearLookup(linear.get(pktTables[i]!), keys[i]!) >= 0) found++;
          if (++i === n) i = 0;
        }
        at[2] = i;
        return found;
      },
      (count) => {
        let found = 0;
        let i = at[3]!;
        for (let c = 0; c < count; c++) {
          if (cache.lookup(dpKeys[i]!) !== null) found++;
          if (++i === n) i = 0;
        }
        at[3] = i;
        return found;
      },
    ],
    timing,
  ) as [LoopTiming, LoopTiming, LoopTiming, LoopTiming];
  const { insert, remove } = timeInsertDelete(flowMods, timing);

  const tableReports: TableReport[] = [...ordered.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([tid, list]) => {
      const pt = perTable.get(tid) ?? { lookups: 0, misses: 0, probed: 0 };
      return {
        tableId: tid,
        flows: list.reduce((s, st) => s + st.flows.length, 0),
        subtables: list.map((st) => ({ mask: subtableLabel(st.flows[0]!.match), flows: st.flows.length, maxPriority: st.maxPriority, hits: st.hits })),
        lookups: pt.lookups,
        misses: pt.misses,
        meanProbed: pt.lookups === 0 ? 0 : pt.probed / pt.lookups,
      };
    });
  // Packets aimed at tables without flows still count as lookups (misses).
  for (const [tid, pt] of perTable) {
    if (!ordered.has(tid)) tableReports.push({ tableId: tid, flows: 0, subtables: [], lookups: pt.lookups, misses: pt.misses, meanProbed: 0 });
  }
  tableReports.sort((a, b) => a.tableId - b.tableId);

  return {
    format: file.format,
    rules: file.rules,
    flows: installed.length,
    subtables: tableReports.reduce((s, t) => s + t.subtables.length, 0),
    tables: tableReports,
    packets: { count: n, derived: packets.derived, hits },
    disagreements,
    lookup: rate(lookupT),
    lookupWc: rate(lookupWcT),
    linear: rate(linearT),
    megaflow: { hit: rate(megaflowT), megaflows: cache.size, masks: cache.nMasks },
    insert,
    delete: remove,
    memory: options.memory === undefined ? null : measureMemory(flowMods, installed.length, options.memory),
    rounds,
    roundMs,
  };
}

/**
 * Insert and delete rates: each round adds every flow into empty tables, then deletes each
 * one (delete_strict), `cycles` times, timing the two halves apart.
 */
function timeInsertDelete(
  flowMods: readonly FlowMod<string>[],
  o: { readonly roundMs: number; readonly rounds: number; readonly now?: () => number },
): { insert: Rate; remove: Rate } {
  const now = o.now ?? (() => performance.now());
  const adds = flowMods;
  const dels = flowMods.map((fm): FlowMod<string> => ({ ...fm, command: "delete_strict" }));
  const tables = new FlowTables<string>(STRING_ACTIONS);
  const cycle = (): [number, number] => {
    const t0 = now();
    for (let i = 0; i < adds.length; i++) tables.apply(adds[i]!, 0);
    const t1 = now();
    for (let i = 0; i < dels.length; i++) tables.apply(dels[i]!, 0);
    return [t1 - t0, now() - t1];
  };
  // Calibrate: cycles per round.
  let cycles = 1;
  for (;;) {
    const t0 = now();
    for (let c = 0; c < cycles; c++) cycle();
    const ms = now() - t0;
    if (ms >= o.roundMs / 10 || cycles >= 1 << 20) {
      cycles = Math.max(1, Math.round((cycles * o.roundMs) / 2 / Math.max(ms, 0.001)));
      break;
    }
    cycles *= 4;
  }
  // One untimed round of the calibrated size (the JIT may still be settling).
  for (let c = 0; c < cycles; c++) cycle();
  const ins: number[] = [];
  const del: number[] = [];
  for (let r = 0; r < o.rounds; r++) {
    let a = 0;
    let d = 0;
    for (let c = 0; c < cycles; c++) {
      const [x, y] = cycle();
      a += x;
      d += y;
    }
    ins.push((a * 1e6) / (cycles * adds.length));
    del.push((d * 1e6) / (cycles * dels.length));
  }
  if (tables.count() !== 0) throw new FlowBenchError(`internal: ${tables.count()} flows left after deleting every flow`);
  const mk = (xs: number[]): Rate => {
    const ns = spreadOf(xs);
    return { ns, perSecond: perSecond(ns), opsPerRound: cycles * flowMods.length };
  };
  return { insert: mk(ins), remove: mk(del) };
}

/** Flows installed for the memory figure: enough copies of the rule set to reach this many. */
const MEMORY_FLOWS = 50_000;
/** At most this many copies (each copy is a FlowTables with its 255 tables). */
const MEMORY_COPIES = 64;

function measureMemory(
  flowMods: readonly FlowMod<string>[],
  installed: number,
  mem: { readonly usage: () => number; readonly gc?: (() => void) | undefined },
): { bytesPerFlow: number; gc: boolean; flows: number } {
  const copies = Math.max(1, Math.min(MEMORY_COPIES, Math.ceil(MEMORY_FLOWS / installed)));
  const all = Array.from({ length: copies }, () => new FlowTables<string>(STRING_ACTIONS));
  mem.gc?.();
  const before = mem.usage();
  for (const t of all) for (const fm of flowMods) t.apply(fm, 0);
  mem.gc?.();
  const after = mem.usage();
  const flows = all.reduce((s, t) => s + t.count(), 0);
  return { bytesPerFlow: (after - before) / flows, gc: mem.gc !== undefined, flows };
}
