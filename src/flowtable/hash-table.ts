/*
 * HashTable: a bucketed hash table with separate chaining through intrusive nodes.
 *
 * Goals. One structure serves as the storage of every classifier subtable, of the
 * classifier's subtable-by-mask map, and of the datapath megaflow cache. So it knows nothing
 * about keys: a node carries its own cached `hash` and a `next` link, and the caller decides
 * what "equal" means. The lookup path does no allocation and creates no closure: the caller
 * computes the hash once, asks for the bucket's chain (`head`) or the first node of that
 * hash (`firstWithHash` / `nextWithHash`, as OVS's HMAP_FOR_EACH_WITH_HASH), and compares
 * keys itself, inline, over whatever words it likes (a subtable compares only the words its
 * mask touches).
 *
 * Layout. Buckets live in a FlexArray (fixed-size parts) so that growth never copies one
 * giant array. A node lives in bucket `hash & (nBuckets - 1)`; nBuckets is a power of two.
 * When `size` passes MAX_LOAD nodes per bucket the table doubles, in place: the FlexArray
 * gains parts and each old chain i is split, order preserved, into chains i and
 * i + oldBuckets (the bit `hash & oldBuckets` decides), so no node is rehashed, only
 * relinked. Below MIN_LOAD it halves, again in place, by appending chain i + half to chain i.
 *
 * Invariants:
 * - nBuckets is a power of two >= MIN_BUCKETS;
 * - every node is in exactly one chain, the one of bucket `node.hash & (nBuckets - 1)`;
 * - `size` is the number of nodes; after every insert size <= nBuckets * MAX_LOAD;
 * - tags[b] is the OR of tagBit(node.hash) over the chain of bucket b (0 when empty).
 *
 * Bucket tags. Beside each bucket head sits a 32-bit tag: bit `hash >>> 27` is set for the
 * hash of every node in the chain (a one-word Bloom filter of the hashes' top 5 bits, which
 * the bucket index never uses until 2^27 buckets). A probe for an absent hash then usually
 * stops at the dense tag array without touching a node: in a classifier most subtable
 * probes miss, and the node would be a cache miss (this is the job OVS's cmap does by
 * keeping hashes inside its cache-line buckets). A tag may claim a hash that is absent
 * (1 chance in 32 per node in the chain) but never denies one that is present: insert ORs
 * the bit in, remove recomputes the bucket's tag from its (short) chain, resizes recompute.
 *
 * What the caller promises: `node.hash` is set before insert and not changed while the node
 * is in the table; a node is in at most one table; the table is not modified while it is
 * being iterated. Duplicate keys are the caller's business (this is a multimap, as OVS hmap).
 */

import { FlexArray, FlexInt32Array } from "./flex-array.js";

/** What a node must carry: its cached hash and the link to the next node in its chain. */
export interface HashNode<N> {
  /** The node's hash, an unsigned 32-bit integer; must not change while in a table. */
  hash: number;
  /** Next node in the same bucket chain; owned by the table. */
  next: N | null;
}

/**
 * Grow when the average chain passes 1 node per bucket (as the OVS kernel datapath flow
 * table): lookups then look at about one node besides the one they want, and a bucket costs
 * one 8-byte slot and a 4-byte tag, cheap next to the nodes themselves.
 */
export const MAX_LOAD = 1;
/**
 * Shrink when fewer than 1 node per 4 buckets. The gap to MAX_LOAD (after halving, load is
 * 1/2; growing again needs it to double) means alternating insert/remove at a boundary
 * cannot make the table resize on every operation.
 */
export const MIN_LOAD = 1 / 4;
/** Smallest bucket count: an empty subtable costs 4 slots. */
export const MIN_BUCKETS = 4;

/** The tag bit of a hash: one of 32, chosen by the hash's top 5 bits. */
function tagBit(hash: number): number {
  return 1 << (hash >>> 27);
}

/** Smallest power of two >= n (n >= 1). */
function powerOfTwoAtLeast(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

export class HashTable<N extends HashNode<N>> {
  /** Bucket heads; `buckets.get(hash & mask)` is the chain for `hash`. */
  private buckets: FlexArray<N | null>;
  /** Per-bucket tags (see "Bucket tags"), same indices as `buckets`. */
  private tags: FlexInt32Array;
  /** nBuckets - 1. */
  private mask: number;
  /** Number of nodes. */
  private count: number;

  /** `capacity` is the number of nodes to make room for before the first growth. */
  constructor(capacity = 0) {
    const n = Math.max(MIN_BUCKETS, powerOfTwoAtLeast(Math.ceil(capacity / MAX_LOAD)));
    this.buckets = new FlexArray<N | null>(n, null);
    this.tags = new FlexInt32Array(n);
    this.mask = n - 1;
    this.count = 0;
  }

  /** Number of nodes. */
  get size(): number {
    return this.count;
  }

  /** Number of buckets (a power of two). */
  get nBuckets(): number {
    return this.mask + 1;
  }

  /**
   * The chain that may hold nodes of hash `hash`, or null when the bucket's tag says none
   * does. The chain also holds nodes with other hashes: skip nodes whose `hash !== hash`
   * before comparing keys.
   */
  head(hash: number): N | null {
    const i = hash & this.mask;
    if ((this.tags.get(i) & tagBit(hash)) === 0) return null;
    return this.buckets.get(i);
  }

  /** The first node whose hash is `hash`, or null. */
  firstWithHash(hash: number): N | null {
    let node = this.head(hash);
    while (node !== null && node.hash !== hash) node = node.next;
    return node;
  }

  /** The next node after `node` (which is in this table) with the same hash, or null. */
  nextWithHash(node: N): N | null {
    const hash = node.hash;
    let n = node.next;
    while (n !== null && n.hash !== hash) n = n.next;
    return n;
  }

  /** Adds `node` (its hash already set) at the head of its chain; grows if needed. */
  insert(node: N): void {
    const i = node.hash & this.mask;
    node.next = this.buckets.get(i);
    this.buckets.set(i, node);
    this.tags.set(i, this.tags.get(i) | tagBit(node.hash));
    this.count++;
    if (this.count > (this.mask + 1) * MAX_LOAD) this.expand();
  }

  /** Removes `node` (by identity). Returns false if it is not in this table. */
  remove(node: N): boolean {
    const i = node.hash & this.mask;
    let prev: N | null = null;
    let n = this.buckets.get(i);
    while (n !== null && n !== node) {
      prev = n;
      n = n.next;
    }
    if (n === null) return false;
    if (prev === null) this.buckets.set(i, node.next);
    else prev.next = node.next;
    node.next = null;
    this.tags.set(i, this.chainTag(this.buckets.get(i)));
    this.count--;
    if (this.mask + 1 > MIN_BUCKETS && this.count < (this.mask + 1) * MIN_LOAD) this.shrink();
    return true;
  }

  /**
   * Puts `node` where `old` is, in the same chain position (as OVS cmap_replace). `node.hash`
   * must equal `old.hash`. Returns false (and changes nothing) if `old` is not in the table.
   */
  replace(old: N, node: N): boolean {
    const i = old.hash & this.mask;
    let prev: N | null = null;
    let n = this.buckets.get(i);
    while (n !== null && n !== old) {
      prev = n;
      n = n.next;
    }
    if (n === null) return false;
    node.next = old.next;
    if (prev === null) this.buckets.set(i, node);
    else prev.next = node;
    old.next = null;
    return true;
  }

  /** Calls `fn` on every node (bucket order). Do not modify the table from `fn`. */
  forEach(fn: (node: N) => void): void {
    const nb = this.mask + 1;
    for (let i = 0; i < nb; i++) {
      for (let n = this.buckets.get(i); n !== null; n = n.next) fn(n);
    }
  }

  /** Every node, bucket order. Do not modify the table while iterating. */
  *[Symbol.iterator](): IterableIterator<N> {
    const nb = this.mask + 1;
    for (let i = 0; i < nb; i++) {
      for (let n = this.buckets.get(i); n !== null; n = n.next) yield n;
    }
  }

  /** Removes every node (their `next` links are left as they were). */
  clear(): void {
    this.buckets = new FlexArray<N | null>(MIN_BUCKETS, null);
    this.tags = new FlexInt32Array(MIN_BUCKETS);
    this.mask = MIN_BUCKETS - 1;
    this.count = 0;
  }

  /** Doubles the bucket count by splitting every chain in place. */
  private expand(): void {
    const old = this.mask + 1;
    const buckets = this.buckets;
    const tags = this.tags;
    buckets.resize(old * 2);
    tags.resize(old * 2);
    for (let i = 0; i < old; i++) {
      let lo: N | null = null;
      let loTail: N | null = null;
      let hi: N | null = null;
      let hiTail: N | null = null;
      let loTag = 0;
      let hiTag = 0;
      for (let n = buckets.get(i); n !== null; n = n.next) {
        if ((n.hash & old) === 0) {
          if (loTail === null) lo = n;
          else loTail.next = n;
          loTail = n;
          loTag |= tagBit(n.hash);
        } else {
          if (hiTail === null) hi = n;
          else hiTail.next = n;
          hiTail = n;
          hiTag |= tagBit(n.hash);
        }
      }
      if (loTail !== null) loTail.next = null;
      if (hiTail !== null) hiTail.next = null;
      buckets.set(i, lo);
      buckets.set(i + old, hi);
      tags.set(i, loTag);
      tags.set(i + old, hiTag);
    }
    this.mask = old * 2 - 1;
  }

  /** Halves the bucket count by appending chain i + half to chain i. */
  private shrink(): void {
    const half = (this.mask + 1) >>> 1;
    const buckets = this.buckets;
    const tags = this.tags;
    for (let i = 0; i < half; i++) {
      const upper = buckets.get(i + half);
      if (upper === null) continue;
      tags.set(i, tags.get(i) | tags.get(i + half));
      let n = buckets.get(i);
      if (n === null) {
        buckets.set(i, upper);
        continue;
      }
      while (n.next !== null) n = n.next;
      n.next = upper;
    }
    buckets.resize(half);
    tags.resize(half);
    this.mask = half - 1;
  }

  /** The tag of a chain: OR of its nodes' tag bits. */
  private chainTag(head: N | null): number {
    let tag = 0;
    for (let n = head; n !== null; n = n.next) tag |= tagBit(n.hash);
    return tag;
  }
}
