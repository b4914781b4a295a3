/*
 * Classifier: tuple space search over rules made of a masked key, a mask and a priority,
 * modelled on OVS lib/classifier.c (without versioning, tries, staged lookup or
 * conjunctive matches — see "What may change").
 *
 * Goals. Find the highest-priority rule matching a packet's flow key in time that depends on
 * the number of distinct masks, not the number of rules; report which key bits the answer
 * depended on, so the caller can install a megaflow that is valid for every packet agreeing
 * on those bits; do it without allocating.
 *
 * Structure. One Subtable per distinct mask, found through a small HashTable keyed on the
 * mask. Each subtable is a HashTable of the masked keys of its rules, with a
 * priority-descending list per key (see subtable.ts). `sorted` holds the subtables in
 * descending order of their highest rule priority; a lookup probes them in that order and
 * stops at the first subtable whose maximum priority is not above the best match so far
 * (OVS's pvector walk with `hard_pri + 1`).
 *
 * Invariants:
 * - every rule's key is masked by its mask (checked on insert) and has nWords words;
 * - no two rules have the same mask, key and priority (insert replaces);
 * - a subtable exists iff it holds at least one rule; its maxPriority is exact;
 * - `sorted` holds every subtable once, maxPriority non-increasing;
 * - `count` is the number of rules.
 *
 * Ties. When several matching rules share the highest priority, which one lookup returns is
 * unspecified (as in OVS); it is deterministic for a given classifier state, and the same
 * for every key that agrees on the bits reported in `wc`.
 *
 * Megaflow soundness. With `wc`, lookup ORs in the whole mask of every subtable it probes.
 * Another key that agrees with `key` on those bits gets the same hash and compare results in
 * each probed subtable, hence the same best-so-far at each step, hence the same stopping
 * point and the same answer. Subtables never probed only hold rules whose priority is at
 * most the answer's, so they change nothing.
 *
 * Rules are shared, not copied: do not change a rule's key, mask or priority while it is in
 * a classifier. Do not insert or remove while iterating `rules()`.
 *
 * What may change: OVS's staged lookup (un-wildcard only the stages a miss looked at) and
 * prefix tries would make megaflows narrower; they fit behind the same API.
 */

import { hashWords } from "./hash.js";
import { HashTable } from "./hash-table.js";
import { Subtable } from "./subtable.js";
import type { ClsMatch } from "./subtable.js";

/** A rule: match `key` under `mask` at `priority`, carrying `value`. */
export class ClassifierRule<T> {
  /** The key, already masked (`key[i] & ~mask[i] === 0`). Not copied: do not mutate. */
  readonly key: Uint32Array;
  /** The mask, same length as the key. Rules with equal masks may share one array. */
  readonly mask: Uint32Array;
  /** Non-negative integer; higher wins. */
  readonly priority: number;
  /** The payload (an OpenFlow flow entry, a megaflow's actions, ...). */
  value: T;

  constructor(key: Uint32Array, mask: Uint32Array, priority: number, value: T) {
    this.key = key;
    this.mask = mask;
    this.priority = priority;
    this.value = value;
  }
}

export class Classifier<T> {
  /** Words per key and mask. */
  readonly nWords: number;
  /** Subtables by mask (node hash = hashWords(mask)). */
  private readonly byMask: HashTable<Subtable<T>>;
  /** Every subtable, maxPriority non-increasing: the lookup order. */
  private readonly sorted: Subtable<T>[];
  /** Number of rules. */
  private count: number;

  constructor(nWords: number) {
    if (!Number.isInteger(nWords) || nWords < 1) {
      throw new RangeError(`classifier key width must be a positive integer, got ${nWords}`);
    }
    this.nWords = nWords;
    this.byMask = new HashTable<Subtable<T>>();
    this.sorted = [];
    this.count = 0;
  }

  /** Number of rules. */
  get size(): number {
    return this.count;
  }

  get isEmpty(): boolean {
    return this.count === 0;
  }

  /** Number of subtables (distinct masks in use). */
  get nSubtables(): number {
    return this.sorted.length;
  }

  /**
   * The highest-priority rule matching `key`, or null. If `wc` is given (nWords words), ORs
   * into it every mask bit the answer depended on (see "Megaflow soundness"). Among rules
   * tied at the highest priority, any one may be returned. Does not allocate.
   */
  lookup(key: Uint32Array, wc: Uint32Array | null): ClassifierRule<T> | null {
    const sorted = this.sorted;
    const n = sorted.length;
    let best: ClsMatch<T> | null = null;
    let bestPriority = -1;
    for (let i = 0; i < n; i++) {
      const st = sorted[i]!;
      if (st.maxPriority <= bestPriority) break;
      if (wc !== null) st.orMaskInto(wc);
      const m = st.find(key);
      if (m !== null && m.priority > bestPriority) {
        best = m;
        bestPriority = m.priority;
      }
    }
    return best === null ? null : best.rule;
  }

  /**
   * Adds `rule`. If a rule with the same mask, key and priority is present, `rule` replaces
   * it and the displaced rule is returned; otherwise returns null.
   */
  insert(rule: ClassifierRule<T>): ClassifierRule<T> | null {
    this.check(rule.key, rule.mask, rule.priority);
    let st = this.findSubtable(rule.mask);
    if (st === null) {
      st = new Subtable<T>(rule.mask, hashWords(rule.mask, this.nWords, 0));
      this.byMask.insert(st);
      this.sorted.push(st);
    }
    const before = st.maxPriority;
    const displaced = st.insert(rule);
    if (displaced === null) this.count++;
    if (st.maxPriority !== before) this.reposition(st);
    return displaced;
  }

  /** Removes `rule` (by identity). Returns false if it is not in this classifier. */
  remove(rule: ClassifierRule<T>): boolean {
    if (rule.mask.length !== this.nWords || rule.key.length !== this.nWords) return false;
    const st = this.findSubtable(rule.mask);
    if (st === null) return false;
    const before = st.maxPriority;
    if (!st.remove(rule)) return false;
    this.count--;
    if (st.nRules === 0) {
      this.byMask.remove(st);
      this.sorted.splice(this.sorted.indexOf(st), 1);
    } else if (st.maxPriority !== before) {
      this.reposition(st);
    }
    return true;
  }

  /** The rule with exactly this mask, (masked) key and priority, or null. */
  findExactly(key: Uint32Array, mask: Uint32Array, priority: number): ClassifierRule<T> | null {
    if (mask.length !== this.nWords || key.length !== this.nWords) return null;
    const st = this.findSubtable(mask);
    return st === null ? null : st.findExactly(key, priority);
  }

  /** Every rule, subtables in lookup order. Do not modify the classifier while iterating. */
  *rules(): IterableIterator<ClassifierRule<T>> {
    for (const st of this.sorted) yield* st.rules();
  }

  /** Calls `fn` on every rule. Do not modify the classifier from `fn`. */
  forEach(fn: (rule: ClassifierRule<T>) => void): void {
    for (const rule of this.rules()) fn(rule);
  }

  /** The subtable for exactly `mask`, or null. */
  private findSubtable(mask: Uint32Array): Subtable<T> | null {
    const n = this.nWords;
    const hash = hashWords(mask, n, 0);
    for (let st = this.byMask.firstWithHash(hash); st !== null; st = this.byMask.nextWithHash(st)) {
      const m = st.mask;
      let i = 0;
      while (i < n && m[i] === mask[i]) i++;
      if (i === n) return st;
    }
    return null;
  }

  /** Moves `st` within `sorted` after its maxPriority changed (one insertion-sort step). */
  private reposition(st: Subtable<T>): void {
    const sorted = this.sorted;
    let i = sorted.indexOf(st);
    const p = st.maxPriority;
    while (i > 0 && sorted[i - 1]!.maxPriority < p) {
      sorted[i] = sorted[i - 1]!;
      i--;
    }
    while (i < sorted.length - 1 && sorted[i + 1]!.maxPriority > p) {
      sorted[i] = sorted[i + 1]!;
      i++;
    }
    sorted[i] = st;
  }

  /** Argument checks at the API edge. */
  private check(key: Uint32Array, mask: Uint32Array, priority: number): void {
    const n = this.nWords;
    if (key.length !== n || mask.length !== n) {
      throw new RangeError(
        `classifier rule key and mask must have ${n} words, got ${key.length} and ${mask.length}`,
      );
    }
    if (!Number.isSafeInteger(priority) || priority < 0) {
      throw new RangeError(`classifier rule priority must be a non-negative integer, got ${priority}`);
    }
    for (let i = 0; i < n; i++) {
      if ((key[i]! & ~mask[i]!) !== 0) {
        throw new RangeError(`classifier rule key has bits outside its mask in word ${i}`);
      }
    }
  }
}
