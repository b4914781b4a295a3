/*
 * The workload of OVS's classifier benchmark (tests/test-classifier.c, `ovstest
 * test-classifier benchmark <n_rules> <n_priorities> <n_subtables> 1 <n_lookups>`), rebuilt on
 * ovsim's flow key layout. Used by bench/ovs-classifier.bench.ts and bench/profile-lookup.ts.
 *
 * - 13 fields, two possible values each, of the same kinds as test-classifier.c's tables
 *   (tun_id 0 / 0xfedcba9876543210, in_port 1 / LOCAL, 192.168.0.x / 192.160.68.85, ...);
 * - `nSubtables` distinct field subsets, each the set of fields its rules match exactly; with
 *   one subtable, all 13 fields are exact (OVS's "one subtable" case);
 * - `nRules` rules, each with a random subset (of the nSubtables), a random value pattern and a
 *   priority drawn from `i * 129` (i < nPriorities) shuffled; a rule equal to one already made
 *   (same subset, values and priority) is dropped, as the benchmark drops rules
 *   `classifier_find_rule_exactly` finds;
 * - N_FLOWS lookup flows, every field at one of its two values at random; and a precomputed
 *   sequence of flow indices, so the timed loop does no random-number work.
 *
 * Note on the reference: in OVS 3.1's test-classifier.c, `make_rule` ignores its `wc_fields`
 * argument when building the mask (every rule matches all 13 fields; wc_fields only decides
 * whether the priority is kept), so that benchmark always builds one subtable whatever
 * <n_subtables> says. This workload does what the benchmark means: subtables really differ.
 *
 * Keys are real flow keys (FLOW_WORDS words) built with writeMember on flow-layout's members,
 * so the words a subtable touches are spread over the metadata, L2, L3 and L4 stages as they
 * are in ovsim's flows.
 */

import { ClassifierRule } from "../src/flowtable/classifier.js";
import { FLOW_WORDS, M, readMember, writeMember } from "../src/flowtable/flow-layout.js";
import type { FlowMember } from "../src/flowtable/flow-layout.js";

/** Lookup flows per workload (OVS: 2 * N_FLOW_VALUES = 8192). */
export const N_FLOWS = 8192;
/** Length of the precomputed flow-index sequence (a power of two, so wrapping is a mask). */
export const SEQ_LEN = 1 << 16;

/** One benchmark field: the member it sets, its mask within the member, its two values. */
export interface OvsField {
  readonly name: string;
  readonly member: FlowMember;
  /** Bits of the member the field matches (nw_tos: the DSCP bits only, as OVS's test). */
  readonly mask: bigint;
  readonly values: readonly [bigint, bigint];
}

const mac = (s: string) => BigInt(`0x${s.replaceAll(":", "")}`);
const ip = (s: string) => s.split(".").reduce((v, b) => (v << 8n) | BigInt(b), 0n);
const ones = (bits: number) => (1n << BigInt(bits)) - 1n;

/** The 13 fields of test-classifier.c's CLS_FIELDS, in its order, with its value tables. */
export const OVS_FIELDS: readonly OvsField[] = [
  { name: "tun_id", member: M.tunId, mask: ones(64), values: [0n, 0xfedcba9876543210n] },
  { name: "metadata", member: M.metadata, mask: ones(64), values: [0n, 0xfedcba9876543210n] },
  { name: "nw_src", member: M.nwSrc, mask: ones(32), values: [ip("192.168.0.1"), ip("192.160.68.85")] },
  { name: "nw_dst", member: M.nwDst, mask: ones(32), values: [ip("192.168.0.2"), ip("192.160.68.85")] },
  // OFPP_LOCAL as an OpenFlow 1.0 port number, as the test's in_port_values.
  { name: "in_port", member: M.inPort, mask: ones(16), values: [1n, 0xfffen] },
  { name: "vlan_tci", member: M.vlanTci, mask: ones(16), values: [101n, 0n] },
  { name: "dl_type", member: M.dlType, mask: ones(16), values: [0x0800n, 0x0806n] },
  { name: "tp_src", member: M.tpSrc, mask: ones(16), values: [49362n, 80n] },
  { name: "tp_dst", member: M.tpDst, mask: ones(16), values: [6667n, 22n] },
  { name: "dl_src", member: M.dlSrc, mask: ones(48), values: [mac("00:02:e3:0f:80:a4"), mac("5e:33:7f:5f:1e:99")] },
  { name: "dl_dst", member: M.dlDst, mask: ones(48), values: [mac("4a:27:71:ae:64:c1"), mac("ff:ff:ff:ff:ff:ff")] },
  { name: "nw_proto", member: M.nwProto, mask: ones(8), values: [6n, 1n] },
  // nw_dscp_values are nw_tos values (DSCP in the top 6 bits), matched under IP_DSCP_MASK.
  { name: "nw_tos", member: M.nwTos, mask: 0xfcn, values: [48n, 0n] },
];

const N_FIELDS = OVS_FIELDS.length;
const ALL_FIELDS = (1 << N_FIELDS) - 1;

/** mulberry32: a tiny seeded PRNG, so every run measures the same rules and flows. */
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

/** Sets bits `mask` of member `m` in `words` to `value` (the member's other bits kept). */
function setBits(words: Uint32Array, m: FlowMember, mask: bigint, value: bigint): void {
  writeMember(words, m, (readMember(words, m) & ~mask) | (value & mask));
}

/** The mask of a subtable whose rules match exactly the fields in bit set `fields`. */
export function fieldsMask(fields: number): Uint32Array {
  const mask = new Uint32Array(FLOW_WORDS);
  OVS_FIELDS.forEach((f, i) => {
    if ((fields & (1 << i)) !== 0) setBits(mask, f.member, f.mask, f.mask);
  });
  return mask;
}

/** A flow key with field i at value `(pattern >> i) & 1`, every other word 0. */
export function patternKey(pattern: number): Uint32Array {
  const key = new Uint32Array(FLOW_WORDS);
  OVS_FIELDS.forEach((f, i) => {
    setBits(key, f.member, f.mask, f.values[(pattern >>> i) & 1]!);
  });
  return key;
}

/** What a workload is made from. */
export interface WorkloadShape {
  readonly nRules: number;
  readonly nSubtables: number;
  /** Distinct priorities `i * 129`, i < nPriorities (default: nRules). */
  readonly nPriorities?: number;
  readonly seed?: number;
}

export interface Workload {
  /** The rules, in insertion order (duplicates already dropped). */
  readonly rules: ClassifierRule<number>[];
  /** Field subset of each subtable (bit i = OVS_FIELDS[i] exact). */
  readonly subsets: readonly number[];
  /** N_FLOWS lookup flows (views of one contiguous buffer). */
  readonly flows: Uint32Array[];
  /** SEQ_LEN indices into `flows`, uniformly random. */
  readonly seq: Int32Array;
}

/** Builds the workload of one benchmark cell, deterministically from its shape. */
export function makeWorkload(shape: WorkloadShape): Workload {
  const { nRules, nSubtables } = shape;
  const nPriorities = shape.nPriorities ?? nRules;
  const rand = prng(shape.seed ?? 1);
  const range = (n: number) => rand() % n;

  // Distinct field subsets; all 13 fields when there is one subtable. Subsets with fewer
  // than 3 fields are skipped: with two values per field they could hold at most 4 keys.
  const subsets: number[] = [];
  if (nSubtables === 1) subsets.push(ALL_FIELDS);
  while (subsets.length < nSubtables) {
    const s = rand() & ALL_FIELDS;
    if (popcount(s) >= 3 && !subsets.includes(s)) subsets.push(s);
  }
  const masks = subsets.map(fieldsMask);

  const priorities = Array.from({ length: nPriorities }, (_, i) => (i * 129) & 0x7fffffff);
  for (let i = priorities.length - 1; i > 0; i--) {
    const j = range(i + 1);
    [priorities[i], priorities[j]] = [priorities[j]!, priorities[i]!];
  }

  const keyCache = new Map<number, Uint32Array>();
  const seen = new Set<string>();
  const rules: ClassifierRule<number>[] = [];
  for (let i = 0; i < nRules; i++) {
    const priority = priorities[range(nPriorities)]!;
    const t = range(nSubtables);
    const subset = subsets[t]!;
    const pattern = rand() & subset;
    const id = `${subset}/${pattern}/${priority}`;
    if (seen.has(id)) continue;
    seen.add(id);
    let full = keyCache.get(pattern);
    if (full === undefined) {
      full = patternKey(pattern);
      keyCache.set(pattern, full);
    }
    const mask = masks[t]!;
    const key = full.map((w, k) => w & mask[k]!);
    rules.push(new ClassifierRule(key, mask, priority, i));
  }

  // One contiguous buffer, as OVS's benchmark keeps its lookup flows in one array of struct
  // flow: a separate Uint32Array per flow would scatter the flows over the heap and time
  // allocator layout rather than lookups.
  const store = new Uint32Array(N_FLOWS * FLOW_WORDS);
  const flows = Array.from({ length: N_FLOWS }, (_, i) => {
    const flow = store.subarray(i * FLOW_WORDS, (i + 1) * FLOW_WORDS);
    flow.set(patternKey(rand() & ALL_FIELDS));
    return flow;
  });
  const seq = Int32Array.from({ length: SEQ_LEN }, () => range(N_FLOWS));
  return { rules, subsets, flows, seq };
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v !== 0; v &= v - 1) n++;
  return n;
}

/**
 * The baseline: every rule in one array, sorted by descending priority, each compared over
 * the whole key with an early exit on the first differing word; the first match wins.
 */
export class LinearScan {
  private readonly rules: ClassifierRule<number>[];
  constructor(rules: readonly ClassifierRule<number>[]) {
    this.rules = rules.slice().sort((a, b) => b.priority - a.priority);
  }
  lookup(key: Uint32Array): ClassifierRule<number> | null {
    const rules = this.rules;
    const n = key.length;
    for (let r = 0; r < rules.length; r++) {
      const rule = rules[r]!;
      const rk = rule.key;
      const m = rule.mask;
      let i = 0;
      while (i < n && ((key[i]! ^ rk[i]!) & m[i]!) === 0) i++;
      if (i === n) return rule;
    }
    return null;
  }
}
