/*
 * The workload of OVS's classifier benchmark (tests/test-classifier.c, `ovstest
 * test-classifier benchmark <n_rules> <n_priorities> <n_subtables> 1 <n_lookups>`), replayed
 * on ovsim's flow key layout with OVS's own pseudo-random generator (lib/random.c's xorshift,
 * seeded with 1) drawn in the same order: the same field subsets, shuffled priorities, lookup
 * flows and lookup sequence as OVS's run. The rules are drawn the same way but are not quite
 * OVS's: while OVS inserts them, its cmap/ccmap resizes draw their hash bases from the same
 * generator, which this replay does not model, so the draws after the first resize differ
 * (hit rates stay within a few percent of OVS's: the bench prints both). Used by
 * bench/ovs-classifier.bench.ts and bench/profile-lookup.ts.
 *
 * - 13 fields with two values each, test-classifier.c's CLS_FIELDS and value tables;
 * - `nSubtables` distinct random field subsets ("wc_fields"); a rule matches the fields of
 *   its subset. With one subtable every rule matches all 13 fields: OVS 3.1's make_rule
 *   ignores wc_fields when building the mask, so its shipped benchmark always builds one
 *   subtable, and its one-subtable figures come from that binary. The multi-subtable cells
 *   follow make_rule honouring wc_fields (scripts/build-ovs-classifier-bench.sh builds OVS's
 *   benchmark that way for comparison);
 * - a rule whose wc_fields is empty gets priority 0, as cls_rule_init is told there;
 * - N_FLOWS (8192) lookup flows, every field at one of its two values; and the first SEQ_LEN
 *   flow indices of the lookup loop, precomputed so that the timed loop does no
 *   random-number work (OVS draws them in its loop, and its loop goes on past SEQ_LEN).
 *
 * Keys are real flow keys (FLOW_WORDS words) built with writeMember on flow-layout's members,
 * so the words a subtable touches are spread over the metadata, L2, L3 and L4 stages as they
 * are in ovsim's flows.
 */

import { ClassifierRule } from "../src/flowtable/classifier.js";
import { FLOW_WORDS, M, readMember, writeMember } from "../src/flowtable/flow-layout.js";
import type { FlowMember } from "../src/flowtable/flow-layout.js";

/**
 * OVS's N_FLOW_VALUES: the product of the fields' value counts, metadata's left out (so
 * 2^12), from which a lookup flow's values are drawn.
 */
const N_FLOW_VALUES = 4096;
/** Lookup flows per workload (OVS: 2 * N_FLOW_VALUES). */
export const N_FLOWS = 2 * N_FLOW_VALUES;
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

/**
 * OVS's lib/random.c generator: a 32-bit xorshift (13, 17, 5) on a seed that
 * random_set_seed sets; random_range(max) is the next value modulo max.
 */
export class OvsRandom {
  private seed: number;
  constructor(seed: number) {
    this.seed = seed >>> 0;
  }
  /** random_uint32. */
  next(): number {
    let s = this.seed;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    this.seed = s >>> 0;
    return this.seed;
  }
  /** random_range. */
  range(max: number): number {
    return this.next() % max;
  }
}

/**
 * The lookup flows draw their 13 values in this order of OVS_FIELDS indices (nw_src,
 * nw_dst, tun_id, metadata, then CLS_FIELDS order): the order of the assignments in
 * test-classifier.c's benchmark().
 */
const LOOKUP_FIELD_ORDER = [2, 3, 0, 1, 4, 5, 6, 7, 8, 9, 10, 11, 12] as const;

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
  /** Distinct field subsets (OVS's n_subtables; its "n_tables"). */
  readonly nSubtables: number;
  /** Distinct priorities `i * 129`, i < nPriorities (default: nRules, as bench runs OVS). */
  readonly nPriorities?: number;
}

export interface Workload {
  /** The rules, in insertion order (duplicates already dropped). */
  readonly rules: ClassifierRule<number>[];
  /** Field subset of each subtable (bit i = OVS_FIELDS[i] exact). */
  readonly subsets: readonly number[];
  /**
   * The N_FLOWS lookup flows, one after the other, FLOW_WORDS words each: OVS's array of
   * struct flow. Flow i starts at word i * FLOW_WORDS (Classifier.lookupAt).
   */
  readonly store: Uint32Array;
  /** The same flows as views of `store`, one Uint32Array per flow (for Classifier.lookup). */
  readonly flows: Uint32Array[];
  /** The first SEQ_LEN indices into `flows` of OVS's lookup loop. */
  readonly seq: Int32Array;
}

/** Builds the workload of one benchmark cell as OVS's benchmark(): same draws, same order. */
export function makeWorkload(shape: WorkloadShape): Workload {
  const { nRules, nSubtables } = shape;
  const nPriorities = shape.nPriorities ?? nRules;
  const rand = new OvsRandom(1);

  const wcfs: number[] = [];
  while (wcfs.length < nSubtables) {
    const w = rand.next() & ALL_FIELDS;
    if (!wcfs.includes(w)) wcfs.push(w);
  }
  // One subtable: every field exact (OVS 3.1's shipped make_rule), whatever wcfs[0] says.
  const subsets = nSubtables === 1 ? [ALL_FIELDS] : wcfs;
  const masks = subsets.map(fieldsMask);

  const priorities = Array.from({ length: nPriorities }, (_, i) => (i * 129) & 0x7fffffff);
  for (let p = 0, n = nPriorities; n > 1; n--, p++) {
    const q = p + rand.range(n);
    [priorities[p], priorities[q]] = [priorities[q]!, priorities[p]!];
  }

  // One contiguous buffer, as OVS's benchmark keeps its lookup flows in one array of struct
  // flow and passes a pointer into it: the timed loops pass the buffer and the flow's offset
  // (Classifier.lookupAt). A Uint32Array per flow, or a view per flow, adds a dependent load
  // of that object before each lookup, a cache miss of its own at random (docs/bench.md).
  const store = new Uint32Array(N_FLOWS * FLOW_WORDS);
  const flows = Array.from({ length: N_FLOWS }, (_, i) => {
    // 12 random bits for 13 fields: the last one drawn, nw_tos, always takes its first value.
    const x = rand.range(N_FLOW_VALUES);
    let pattern = 0;
    LOOKUP_FIELD_ORDER.forEach((field, k) => {
      pattern |= ((x >>> k) & 1) << field;
    });
    const flow = store.subarray(i * FLOW_WORDS, (i + 1) * FLOW_WORDS);
    flow.set(patternKey(pattern));
    return flow;
  });

  const keyCache = new Map<number, Uint32Array>();
  const seen = new Set<string>();
  const rules: ClassifierRule<number>[] = [];
  for (let i = 0; i < nRules; i++) {
    const drawn = priorities[rand.range(nPriorities)]!;
    const t = rand.range(nSubtables);
    const pattern = rand.next() & ALL_FIELDS;
    // cls_rule_init gets priority 0 for a rule with no wc_fields.
    const priority = wcfs[t] === 0 ? 0 : drawn;
    const subset = subsets[t]!;
    // classifier_find_rule_exactly: the same match (subset and values) and priority.
    const id = `${subset}/${pattern & subset}/${priority}`;
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

  // lookup_classifier reseeds with 1 and draws one flow index per lookup.
  const lookups = new OvsRandom(1);
  const seq = Int32Array.from({ length: SEQ_LEN }, () => lookups.range(N_FLOWS));
  return { rules, subsets, store, flows, seq };
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
