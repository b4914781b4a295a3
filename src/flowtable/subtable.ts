/*
 * Subtable: the rules of a classifier that share one mask (one "tuple" of tuple space
 * search), stored in a HashTable keyed on the masked key.
 *
 * Rules with the same masked key but different priorities share one hash-table slot: the
 * table holds the highest-priority ClsMatch of each key, and its `lower` link leads to the
 * others in strictly descending priority (OVS's cls_match list). A lookup therefore finds at
 * most one node per subtable, and that node is already the best rule for the key.
 *
 * The mask's non-zero word indices are precomputed (`indices`, with the mask's values packed
 * alongside in `maskWords`), and each node keeps its key packed the same way: hashing and
 * comparing touch only those, so a 56-word key with a 3-word mask costs 3 words per probe.
 *
 * `maxPriority` is exact at all times (-1 when empty): the classifier orders subtables by
 * it and stops a lookup at the first subtable that cannot beat the best match so far.
 */

import type { ClassifierRule } from "./classifier.js";
import { hashMaskedWordsPacked, hashWords } from "./hash.js";
import { HashTable } from "./hash-table.js";
import type { HashNode } from "./hash-table.js";

/** One rule in a subtable; the list head for a masked key is the node in the hash table. */
export class ClsMatch<T> implements HashNode<ClsMatch<T>> {
  /** Hash of the masked key over the subtable's words (same for every node of a list). */
  hash: number;
  /** Next node in the hash-table bucket chain (list heads only). */
  next: ClsMatch<T> | null;
  /**
   * The rule's key reduced to the subtable's words: `packedKey[i]` is
   * `rule.key[subtable.indices[i]]`. A small on-heap typed array allocated beside the node,
   * where the rule's 56-word key would be an off-heap buffer: fewer and nearer loads per
   * compare. Shared by every node of a same-key list.
   */
  packedKey: Uint32Array;
  /** `rule.priority`, copied for the same reason. */
  priority: number;
  /** The rule. Replaced in place when a rule with the same key and priority is inserted. */
  rule: ClassifierRule<T>;
  /** Next rule with the same masked key and a strictly lower priority. */
  lower: ClsMatch<T> | null;

  constructor(hash: number, packedKey: Uint32Array, rule: ClassifierRule<T>, lower: ClsMatch<T> | null) {
    this.hash = hash;
    this.next = null;
    this.packedKey = packedKey;
    this.priority = rule.priority;
    this.rule = rule;
    this.lower = lower;
  }
}

/**
 * Counts of rules per priority with the maximum available in O(log d) (d distinct
 * priorities): a max-heap of priorities with lazy deletion, plus exact counts in a Map.
 * Without it, removing the only rule at the maximum would rescan the subtable (O(n), as
 * OVS does), and deleting a big subtable in priority order would be quadratic.
 */
class PriorityCounts {
  /** Exact number of rules per priority present. */
  private readonly counts: Map<number, number>;
  /** Max-heap of priorities; may hold stale entries (count 0) and duplicates. */
  private readonly heap: number[];

  constructor() {
    this.counts = new Map();
    this.heap = [];
  }

  add(p: number): void {
    const c = this.counts.get(p);
    if (c !== undefined) {
      this.counts.set(p, c + 1);
      return;
    }
    this.counts.set(p, 1);
    this.push(p);
  }

  delete(p: number): void {
    const c = this.counts.get(p) ?? 0;
    if (c > 1) {
      this.counts.set(p, c - 1);
      return;
    }
    this.counts.delete(p);
    // Stale entries are dropped lazily in max(); rebuild if they come to dominate, so that
    // churn on priorities below the maximum cannot grow the heap without bound.
    if (this.heap.length > 2 * this.counts.size + 16) this.rebuild();
  }

  /** The highest priority with a non-zero count, or -1. */
  max(): number {
    const heap = this.heap;
    while (heap.length > 0 && !this.counts.has(heap[0]!)) this.pop();
    return heap.length > 0 ? heap[0]! : -1;
  }

  private push(p: number): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(p);
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      const q = heap[parent]!;
      if (q >= p) break;
      heap[i] = q;
      i = parent;
    }
    heap[i] = p;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    const n = heap.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && heap[r]! > heap[l]! ? r : l;
      if (heap[c]! <= last) break;
      heap[i] = heap[c]!;
      i = c;
    }
    heap[i] = last;
  }

  private rebuild(): void {
    this.heap.length = 0;
    for (const p of this.counts.keys()) this.push(p);
  }
}

/** All rules of a classifier with one given mask. */
export class Subtable<T> implements HashNode<Subtable<T>> {
  /** Hash of the whole mask (this subtable is a node of the classifier's by-mask table). */
  hash: number;
  /** Next subtable in the by-mask table's bucket chain. */
  next: Subtable<T> | null;
  /** The mask, a private copy. */
  readonly mask: Uint32Array;
  /** Indices of the mask's non-zero words, ascending: the only words hashed and compared. */
  readonly indices: Int32Array;
  /** The mask's non-zero words, packed: `maskWords[i] === mask[indices[i]]`. */
  readonly maskWords: Uint32Array;
  /** Highest priority of any rule here, -1 when empty. */
  maxPriority: number;
  /** Number of rules (not keys). */
  nRules: number;
  /** Highest-priority ClsMatch of each distinct masked key. */
  readonly table: HashTable<ClsMatch<T>>;
  /** Rule counts per priority, to keep maxPriority exact on removal. */
  private readonly priorities: PriorityCounts;

  constructor(mask: Uint32Array, maskHash: number) {
    this.hash = maskHash;
    this.next = null;
    this.mask = mask.slice();
    const words: number[] = [];
    for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) words.push(i);
    this.indices = Int32Array.from(words);
    this.maskWords = Uint32Array.from(words, (w) => mask[w]!);
    this.maxPriority = -1;
    this.nRules = 0;
    this.table = new HashTable<ClsMatch<T>>();
    this.priorities = new PriorityCounts();
  }

  /**
   * The highest-priority rule node whose masked key equals `key & mask`, or null. `key` need
   * not be masked. Hot path: no allocation, only the mask's words are read; the `!` on
   * typed-array reads are sound because indices < nWords and packed arrays have n words.
   */
  find(key: Uint32Array): ClsMatch<T> | null {
    const indices = this.indices;
    const maskWords = this.maskWords;
    const n = indices.length;
    const hash = hashMaskedWordsPacked(key, indices, maskWords, 0);
    for (let m = this.table.head(hash); m !== null; m = m.next) {
      if (m.hash !== hash) continue;
      const pk = m.packedKey;
      let i = 0;
      // XOR-then-mask compares the masked bits without caring whether `key` is masked, and
      // stays in int32 (no `>>> 0` needed to compare with a Uint32Array element).
      while (i < n && ((key[indices[i]!]! ^ pk[i]!) & maskWords[i]!) === 0) i++;
      if (i === n) return m;
    }
    return null;
  }

  /** ORs this subtable's mask into `wc` (only the non-zero words). */
  orMaskInto(wc: Uint32Array): void {
    const indices = this.indices;
    const maskWords = this.maskWords;
    for (let i = 0; i < indices.length; i++) {
      const w = indices[i]!;
      wc[w] = wc[w]! | maskWords[i]!;
    }
  }

  /**
   * Adds `rule` (whose mask equals this subtable's). If a rule with the same masked key and
   * priority is here, `rule` takes its place and the displaced rule is returned; else null.
   */
  insert(rule: ClassifierRule<T>): ClassifierRule<T> | null {
    const p = rule.priority;
    const head = this.find(rule.key);
    if (head === null) {
      const indices = this.indices;
      const packed = new Uint32Array(indices.length);
      for (let i = 0; i < indices.length; i++) packed[i] = rule.key[indices[i]!]!;
      this.table.insert(new ClsMatch(hashWords(packed, packed.length, 0), packed, rule, null));
    } else {
      let prev: ClsMatch<T> | null = null;
      let cur: ClsMatch<T> | null = head;
      while (cur !== null && cur.priority > p) {
        prev = cur;
        cur = cur.lower;
      }
      if (cur !== null && cur.priority === p) {
        const old = cur.rule;
        cur.rule = rule;
        return old;
      }
      // Same masked key: the list shares the head's packed key.
      const node = new ClsMatch(head.hash, head.packedKey, rule, cur);
      if (prev === null) this.table.replace(head, node);
      else prev.lower = node;
    }
    this.nRules++;
    this.priorities.add(p);
    if (p > this.maxPriority) this.maxPriority = p;
    return null;
  }

  /** Removes `rule` (by identity). Returns false if it is not here. */
  remove(rule: ClassifierRule<T>): boolean {
    const head = this.find(rule.key);
    if (head === null) return false;
    let prev: ClsMatch<T> | null = null;
    let cur: ClsMatch<T> | null = head;
    while (cur !== null && cur.rule !== rule) {
      prev = cur;
      cur = cur.lower;
    }
    if (cur === null) return false;
    if (prev !== null) prev.lower = cur.lower;
    else if (cur.lower !== null) this.table.replace(cur, cur.lower);
    else this.table.remove(cur);
    cur.lower = null;
    this.nRules--;
    this.priorities.delete(cur.priority);
    if (cur.priority === this.maxPriority) this.maxPriority = this.priorities.max();
    return true;
  }

  /** The rule with exactly this masked key and priority, or null. */
  findExactly(key: Uint32Array, priority: number): ClassifierRule<T> | null {
    for (let m = this.find(key); m !== null; m = m.lower) {
      if (m.priority === priority) return m.rule;
      if (m.priority < priority) break;
    }
    return null;
  }

  /** Every rule: each key's list in descending priority, keys in bucket order. */
  *rules(): IterableIterator<ClassifierRule<T>> {
    for (const head of this.table) {
      for (let m: ClsMatch<T> | null = head; m !== null; m = m.lower) yield m.rule;
    }
  }
}
