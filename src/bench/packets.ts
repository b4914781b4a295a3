/**
 * The packets `ovsim bench flows` looks up: flow keys (FLOW_WORDS words) with the table
 * each is looked up in.
 *
 * Derived (no packet list given): a seeded PRNG makes them, so every run measures the same
 * keys. Three in four are built from a flow chosen at random: its match's values, with
 * random bits in the fields other flows of its table match on and it does not (so they hit
 * that flow or a higher-priority one, as traffic meant for the flow would). The rest are
 * misses, or at least not aimed at a flow: random in every bit some flow of the table
 * matches on. Fields no flow matches on stay zero (they cannot change any answer).
 *
 * Given: a packet list, one flow a line in ofproto/trace's syntax (`in_port=1,tcp,
 * nw_src=10.0.0.1,tp_dst=80`, parsed as `ovs-appctl ofproto/trace` parses it), optionally
 * led by `table=N,` (default table 0); blank lines and `#` comments skipped.
 */

import { parseExactFlow } from "../flowtable/exact-flow-parse.js";
import { FLOW_WORDS } from "../flowtable/flow-layout.js";
import { FlowBenchError } from "./errors.js";

/** Packets: flow keys and each one's table. */
export interface BenchPackets {
  /** FLOW_WORDS-word flow keys (derived ones are views of one contiguous buffer, as packets in a batch). */
  readonly keys: readonly Uint32Array[];
  readonly tables: Int32Array;
  /** Whether they were derived from the flows (else read from a list). */
  readonly derived: boolean;
}

/** Derived packets per run (a power of two: round-robin is a mask). */
export const DERIVED_PACKETS = 4096;

/** mulberry32: a small seeded PRNG. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** What a flow contributes: its table, masked key and mask. */
export interface FlowShape {
  readonly tableId: number;
  readonly key: Uint32Array;
  readonly mask: Uint32Array;
}

/** DERIVED_PACKETS packets from `flows` (at least one), as the module comment says. */
export function derivePackets(flows: readonly FlowShape[], seed = 1): BenchPackets {
  if (flows.length === 0) throw new FlowBenchError("no flows to derive packets from");
  const rand = prng(seed);
  const W = FLOW_WORDS;
  // The bits some flow of each table matches on.
  const union = new Map<number, Uint32Array>();
  for (const f of flows) {
    let u = union.get(f.tableId);
    if (u === undefined) union.set(f.tableId, (u = new Uint32Array(FLOW_WORDS)));
    for (let w = 0; w < W; w++) u[w] = u[w]! | f.mask[w]!;
  }
  const tableIds = [...union.keys()];
  const store = new Uint32Array(DERIVED_PACKETS * FLOW_WORDS);
  const keys: Uint32Array[] = [];
  const tables = new Int32Array(DERIVED_PACKETS);
  for (let i = 0; i < DERIVED_PACKETS; i++) {
    const k = store.subarray(i * FLOW_WORDS, (i + 1) * FLOW_WORDS);
    if (i % 4 !== 3) {
      const f = flows[rand() % flows.length]!;
      const u = union.get(f.tableId)!;
      for (let w = 0; w < W; w++) k[w] = (f.key[w]! | (rand() & u[w]! & ~f.mask[w]!)) >>> 0;
      tables[i] = f.tableId;
    } else {
      const t = tableIds[rand() % tableIds.length]!;
      const u = union.get(t)!;
      for (let w = 0; w < W; w++) k[w] = (rand() & u[w]!) >>> 0;
      tables[i] = t;
    }
    keys.push(k);
  }
  return { keys, tables, derived: true };
}

/** Reads a packet list (see the module comment). */
export function readPackets(text: string): BenchPackets {
  const keys: Uint32Array[] = [];
  const tables: number[] = [];
  text.split("\n").forEach((raw, i) => {
    let t = raw.trim();
    if (t === "" || t.startsWith("#")) return;
    let table = 0;
    const m = /^table=(\d+)\s*(?:,|\s|$)/.exec(t);
    if (m !== null) {
      table = Number(m[1]);
      if (table > 254) throw new FlowBenchError(`table ${table}: tables are 0 to 254`, i + 1);
      t = t.slice(m[0].length);
    }
    const r = parseExactFlow(t);
    if (!r.ok) throw new FlowBenchError(r.error, i + 1);
    keys.push(r.key);
    tables.push(table);
  });
  if (keys.length === 0) throw new FlowBenchError("the packet list has no packets");
  return { keys, tables: Int32Array.from(tables), derived: false };
}
