/*
 * Classifier: tuple space search over rules made of a masked key, a mask and a priority,
 * modelled on OVS lib/classifier.c: staged lookup, prefix tries and ports tries included, so
 * that its megaflows are OVS's; conjunctive matches on top of it (conjunctive-lookup.ts);
 * no versioning (see "What may change").
 *
 * Goals. Find the highest-priority rule matching a packet's flow key in time that depends on
 * the number of distinct masks, not the number of rules; report which key bits the answer
 * depended on, so the caller can install a megaflow that is valid for every packet agreeing
 * on those bits, and keep that set of bits small; do it without allocating.
 *
 * Structure. One Subtable per distinct mask, found through a small HashTable keyed on the
 * mask. A subtable is an open-addressing table of its distinct masked keys held in flat int32
 * arrays, each key with a priority-descending list of the rules for it (see subtable.ts).
 * `sorted` holds the subtables in descending order of their highest rule priority; a lookup
 * probes them in that order and stops at the first subtable whose maximum priority is not
 * above the best match so far (OVS's pvector walk with `hard_pri + 1`). The probe loop
 * itself runs on a LookupOrder (lookup-order.ts): that order compiled into a few arrays,
 * as OVS's pvector is a contiguous array, and further. A probe answers with an entry number
 * and its priority, read from the record; the rule object itself is read once, for the
 * final answer.
 *
 * Hashing. A subtable hashes the packet's words under its mask. Subtables mostly share
 * words and masks (in_port, metadata, MACs, addresses), so the hash is built from *columns*:
 * a column is one (word, mask word) pair, its value a strong mix of the masked word and its
 * position (hash.ts mixColumn), and a subtable's hash is the finished sum of its columns'
 * values. Columns are numbered in order of first use along `sorted`, so a lookup computes
 * each column value at most once, just before the first subtable that needs it, and a probe
 * only adds; a subtable whose columns are all new (the first one, at least) takes the sum
 * of the values just computed and adds nothing. (A rule's hash comes out the same from its
 * own key words.)
 *
 * Stages. Key words are grouped in stages (`stages`, first position of each in the stage
 * order `wordOrder`; for flow keys metadata, L2, L3, L4: flow-layout's STAGE_BOUNDARIES over
 * its STAGE_WORD_ORDER, OVS's flow segments). Without `wc`,
 * a probe hashes all of the subtable's words at once. With `wc` it goes stage by stage, as
 * OVS's find_match_wc: after each stage but the last it checks the exact index of the key
 * prefixes present in the subtable, and when the packet's prefix is absent it stops, ORing
 * into `wc` only the mask words of the stages it looked at.
 *
 * Prefix tries (cls-tries.ts; OVS's check_tries). For up to three prefix fields (for flow
 * keys by default OVS's ip_dst and ip_src; FlowTables takes them from a Flow_Table's
 * `prefixes`), a trie holds every rule's CIDR prefix on the field. Before hashing the stage
 * that holds such a field, a probe asks the trie whether any rule has the packet's prefix at
 * the subtable's length; if none does, it stops there, ORing in the stages before and only
 * the leading bits of the field the trie looked at (`nw_src=10.2.0.0/15`). Ports tries
 * (subtable.ts): when the last stage finds nothing and the mask has transport ports, the
 * ports word is ORed in only as far as the subtable's ports trie needed (`tp_dst=0x0/0xffc0`).
 * Lookups without `wc` never touch the tries.
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
 * Megaflow soundness. With `wc`, each probed subtable ORs in the mask words of the stages it
 * looked at: all of them when it got to its hash table (on a miss, the ports word only as
 * far as the ports trie needed), fewer when it stopped early. Another key that
 * agrees with `key` on the bits of `wc` gets, in each probed subtable, the same trie answers
 * (the tries' answers depend only on the leading bits they report, prefix-trie.ts), the same
 * stage prefix hashes (so the same index answers: stop at the same stage) and, when the probe
 * gets that far, the same full hash and compare results; hence the same best-so-far at each
 * step, the same stopping point and the same answer. A probe that stopped early, or missed
 * with only part of the ports un-wildcarded, found no rule for any key agreeing on those
 * bits. Subtables never probed only hold rules whose priority is at most the answer's, so
 * they change nothing. Property tests check all this against random rules
 * (classifier*.property.test.ts), with tries in classifier-tries.property.test.ts.
 *
 * Keys at an offset (lookupAt). OVS's callers pass a `const struct flow *`, often a pointer
 * into an array of flows (the benchmark's lookup flows, a batch of packets). The JavaScript
 * counterpart of that pointer is an array and an offset: `lookupAt(words, offset, wc)` reads
 * the key from `words[offset..]`. A key that is its own Uint32Array (or a subarray view of a
 * shared buffer: the same thing to V8, an object pointing at its data) costs one more
 * dependent load per lookup, the typed array object's, before any key word can be read;
 * with many keys read at random that object is itself a cache miss. In OVS's benchmark
 * workload (8192 random lookup flows) that load was a fifth to a third of a 1k-rule lookup
 * (docs/bench.md, "where the time goes"). A key that is already in cache, as the datapath's
 * one scratch key per packet, gains nothing from it.
 *
 * Rules are shared, not copied: do not change a rule's key, mask or priority while it is in
 * a classifier, and keep a rule in at most one classifier. Do not insert or remove while
 * iterating `rules()`.
 *
 * Memory. With `compactKeys` (FlowTables uses it) a rule's key lives only in its subtable's
 * record and its mask is the subtable's copy: see ClassifierOptions.
 *
 * What may change: versioning (OVS's rules visible from/to a version, for atomic bundles);
 * staging without `wc` (OVS does not), which could skip hashing later stages when an early
 * stage misses.
 */

import { ClsTries } from "./cls-tries.js";
import type { PrefixField } from "./cls-tries.js";
import { FLOW_WORDS, STAGE_BOUNDARIES, STAGE_WORD_ORDER, W } from "./flow-layout.js";
import { hashWords } from "./hash.js";
import { HashTable } from "./hash-table.js";
import { LookupOrder } from "./lookup-order.js";
import { DEFAULT_PREFIX_FIELDS } from "./prefix-fields.js";
import { Subtable } from "./subtable.js";

/** Highest rule priority (priorities live in int32 records). */
export const MAX_RULE_PRIORITY = 0x7fffffff;

/** A rule: match `key` under `mask` at `priority`, carrying `value`. */
export class ClassifierRule<T> {
  /** Integer, 0..MAX_RULE_PRIORITY; higher wins. */
  readonly priority: number;
  /** The payload (an OpenFlow flow entry, a megaflow's actions, ...). */
  value: T;
  /**
   * @internal The key as given, or null while the rule is in a classifier with compact
   * keys (its words then live only in the subtable's record; see `key`).
   */
  fullKey: Uint32Array | null;
  /** @internal The mask; in a classifier with compact keys, the subtable's own copy. */
  maskWords: Uint32Array;
  /** @internal The subtable holding the rule, null when in no classifier. */
  home: Subtable<T> | null;
  /** @internal The rule's key hash in `home` (valid while home is not null). */
  hash: number;
  /**
   * @internal The next rule with the same mask and key and a strictly lower priority, while
   * in a classifier (OVS's cls_match list); owned by the subtable.
   */
  lower: ClassifierRule<T> | null;

  constructor(key: Uint32Array, mask: Uint32Array, priority: number, value: T) {
    this.priority = priority;
    this.value = value;
    this.fullKey = key;
    this.maskWords = mask;
    this.home = null;
    this.hash = 0;
    this.lower = null;
  }

  /**
   * The key, already masked (`key[i] & ~mask[i] === 0`). Not copied: do not mutate. In a
   * classifier with compact keys, a fresh copy rebuilt from the classifier on every read
   * (read it once, not per word).
   */
  get key(): Uint32Array {
    return this.fullKey ?? this.home!.keyOf(this);
  }

  /** The mask, same length as the key. Rules with equal masks may share one array: do not mutate. */
  get mask(): Uint32Array {
    return this.maskWords;
  }
}

/** Classifier options. */
export interface ClassifierOptions {
  /**
   * Stage boundaries: first position in `wordOrder` of each stage, ascending from 0, then
   * nWords. Default: flow-layout's STAGE_BOUNDARIES for flow keys (FLOW_WORDS words), one
   * stage otherwise.
   */
  readonly stages?: readonly number[];
  /**
   * The key's words in stage order, a permutation of 0..nWords-1 (a member added last to the
   * layout may so belong to an early stage). Default: flow-layout's STAGE_WORD_ORDER for flow
   * keys, ascending otherwise.
   */
  readonly wordOrder?: readonly number[];
  /**
   * Keep each rule's key only in the subtable's record, and give rules the subtable's copy
   * of their mask: a 56-word key and mask cost about 400 bytes per rule as typed arrays, the
   * record a few words per distinct key. `rule.key` then rebuilds a copy on every read while
   * the rule is in the classifier (a removed or displaced rule gets its key back for good).
   */
  readonly compactKeys?: boolean;
  /**
   * The prefix fields to keep tries for (cls-tries.ts), at most 3, consulted in this order.
   * Default: OVS's default_prefix_fields (ip_dst, ip_src) for flow keys, none otherwise.
   */
  readonly prefixes?: readonly PrefixField[];
  /**
   * The word holding the transport ports (tp_src high half, tp_dst low half), for the
   * subtables' ports tries; -1 for none. Default: flow-layout's for flow keys, else -1.
   */
  readonly portsWord?: number;
}

export class Classifier<T> {
  /** Words per key and mask. */
  readonly nWords: number;
  /** Stage boundaries: first position in the stage order of each stage, ascending from 0, then nWords. */
  readonly stages: readonly number[];
  /** Each word's position in the stage order (ClassifierOptions.wordOrder). */
  private readonly stageRank: Int32Array;
  /** See ClassifierOptions.compactKeys. */
  readonly compactKeys: boolean;
  /** See ClassifierOptions.portsWord. */
  readonly portsWord: number;
  /** The prefix tries (see ClassifierOptions.prefixes). */
  private tries: ClsTries;
  /** Subtables by mask (node hash = hashWords(mask)). */
  private readonly byMask: HashTable<Subtable<T>>;
  /** Every subtable, maxPriority non-increasing: the lookup order. */
  private readonly sorted: Subtable<T>[];
  /** Number of rules. */
  private count: number;
  /** The lookup order compiled for the probe loop (lookup-order.ts); stale when orderDirty. */
  private order: LookupOrder<T>;
  /** Whether `sorted` changed since `order` was compiled. */
  private orderDirty: boolean;

  constructor(nWords: number, options: ClassifierOptions = {}) {
    if (!Number.isInteger(nWords) || nWords < 1) {
      throw new RangeError(`classifier key width must be a positive integer, got ${nWords}`);
    }
    const s = options.stages ?? (nWords === FLOW_WORDS ? STAGE_BOUNDARIES : [0, nWords]);
    if (s[0] !== 0 || s[s.length - 1] !== nWords || s.some((b, i) => i > 0 && !(b > s[i - 1]!))) {
      throw new RangeError(`classifier stages must ascend from 0 to ${nWords}, got ${s.join(",")}`);
    }
    const order = options.wordOrder ?? (nWords === FLOW_WORDS ? STAGE_WORD_ORDER : Array.from({ length: nWords }, (_, i) => i));
    const rank = new Int32Array(nWords).fill(-1);
    order.forEach((w, i) => {
      if (Number.isInteger(w) && w >= 0 && w < nWords && rank[w] === -1) rank[w] = i;
    });
    if (order.length !== nWords || rank.includes(-1)) {
      throw new RangeError(`classifier word order must be a permutation of the ${nWords} word indexes`);
    }
    this.nWords = nWords;
    this.stages = s.slice();
    this.stageRank = rank;
    this.compactKeys = options.compactKeys ?? false;
    const flowKeys = nWords === FLOW_WORDS;
    this.portsWord = options.portsWord ?? (flowKeys ? W.TP_SRC_DST : -1);
    if (!Number.isInteger(this.portsWord) || this.portsWord < -1 || this.portsWord >= nWords) {
      throw new RangeError(`classifier ports word must be -1 or a word index, got ${this.portsWord}`);
    }
    this.tries = this.makeTries(options.prefixes ?? (flowKeys ? DEFAULT_PREFIX_FIELDS : []));
    this.byMask = new HashTable<Subtable<T>>();
    this.sorted = [];
    this.count = 0;
    this.order = new LookupOrder<T>([]);
    this.orderDirty = false;
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

  /** The prefix fields with tries, in the order lookups consult them. */
  get prefixFields(): readonly PrefixField[] {
    return this.tries.fields;
  }

  /**
   * Replaces the prefix fields (OVS's classifier_set_prefix_fields): the tries are rebuilt
   * from the rules present. Returns whether anything changed.
   */
  setPrefixFields(fields: readonly PrefixField[]): boolean {
    const old = this.tries.fields;
    if (old.length === fields.length && old.every((f, i) => f === fields[i])) return false;
    const tries = this.makeTries(fields);
    for (const st of this.sorted) {
      st.setTries(tries.plensOf(st.mask), tries.fields);
      if (st.triePlens.some((p) => p > 0)) for (const rule of st) tries.insert(rule.key, st.triePlens);
    }
    this.tries = tries;
    return true;
  }

  private makeTries(fields: readonly PrefixField[]): ClsTries {
    for (const f of fields) {
      if (!Number.isInteger(f.word) || f.word < 0 || f.word + f.bits / 32 > this.nWords) {
        throw new RangeError(`prefix field ${f.name} does not fit in ${this.nWords}-word keys`);
      }
    }
    return new ClsTries(fields);
  }

  /**
   * The highest-priority rule matching `key`, or null. If `wc` is given (nWords words), ORs
   * into it every mask bit the answer depended on (see "Megaflow soundness"). Among rules
   * tied at the highest priority, any one may be returned. Does not allocate.
   */
  lookup(key: Uint32Array, wc: Uint32Array | null): ClassifierRule<T> | null {
    return this.lookupIn(key, 0, wc);
  }

  /**
   * As `lookup`, for the key held in `words[offset .. offset + nWords)`: many keys kept in
   * one array, as OVS's callers keep an array of `struct flow` and pass a pointer into it
   * (see "Keys at an offset"). `wc` is a separate array of nWords words, as for `lookup`.
   */
  lookupAt(words: Uint32Array, offset: number, wc: Uint32Array | null): ClassifierRule<T> | null {
    if (!Number.isInteger(offset) || offset < 0 || offset + this.nWords > words.length) {
      throw new RangeError(`classifier key at offset ${offset} does not fit in ${words.length} words (keys have ${this.nWords})`);
    }
    return this.lookupIn(words, offset, wc);
  }

  /** lookup and lookupAt: the key is `words[o .. o + nWords)`. */
  private lookupIn(words: Uint32Array, o: number, wc: Uint32Array | null): ClassifierRule<T> | null {
    if (this.orderDirty) this.compileOrder();
    return wc === null ? this.order.lookup(words, o) : this.order.lookupWc(words, o, wc, this.tries);
  }

  /**
   * The main loop of OVS's classifier_lookup__ for callers that decide what a match means
   * (conjunctive matches, conjunctive-lookup.ts): probes the subtables in lookup order, as
   * `lookup` does (ORing into `wc` what it consults), and calls `visit` with the
   * highest-priority rule of each matching entry whose priority is above `floor`; `visit`
   * returns the new floor (the priority of the best certain match so far, -1 for none).
   * Stops at the first subtable whose highest priority is not above the floor.
   */
  scan(key: Uint32Array, wc: Uint32Array | null, floor: number, visit: (rule: ClassifierRule<T>) => number): void {
    if (this.orderDirty) this.compileOrder();
    this.order.scan(key, wc, this.tries, floor, visit);
  }

  /**
   * Adds `rule`. If a rule with the same mask, key and priority is present, `rule` replaces
   * it and the displaced rule is returned; otherwise returns null.
   */
  insert(rule: ClassifierRule<T>): ClassifierRule<T> | null {
    if (rule.home !== null) {
      // Already in a classifier: here, it "replaces" itself; elsewhere, it cannot be shared.
      if (rule.mask.length === this.nWords && this.findSubtable(rule.mask) === rule.home) return rule;
      throw new RangeError("classifier rule is already in another classifier");
    }
    const key = rule.key;
    this.check(key, rule.mask, rule.priority);
    let st = this.findSubtable(rule.mask);
    if (st === null) {
      st = new Subtable<T>(rule.mask, hashWords(rule.mask, this.nWords, 0), this.stages, this.stageRank, this.compactKeys, this.portsWord);
      st.setTries(this.tries.plensOf(st.mask), this.tries.fields);
      this.byMask.insert(st);
      this.sorted.push(st);
      this.orderDirty = true;
    }
    const before = st.maxPriority;
    const displaced = st.insert(rule);
    if (displaced === null) {
      this.count++;
      this.tries.insert(key, st.triePlens);
    }
    this.updated(st, before);
    return displaced;
  }

  /** Removes `rule` (by identity). Returns false if it is not in this classifier. */
  remove(rule: ClassifierRule<T>): boolean {
    const st = rule.home;
    // A rule's subtable belongs to one classifier: is it this one?
    if (st === null || rule.mask.length !== this.nWords || this.findSubtable(rule.mask) !== st) return false;
    const before = st.maxPriority;
    if (!st.remove(rule)) return false;
    this.count--;
    // Out of the subtable, the rule holds its own key again.
    this.tries.remove(rule.key, st.triePlens);
    if (st.nRules === 0) {
      this.byMask.remove(st);
      this.sorted.splice(this.sorted.indexOf(st), 1);
      this.orderDirty = true;
    } else {
      this.updated(st, before);
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
    for (const st of this.sorted) yield* st;
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

  /** Compiles the lookup order (see lookup-order.ts); lookups in between do not allocate. */
  private compileOrder(): void {
    this.order = new LookupOrder<T>(this.sorted);
    this.orderDirty = false;
  }

  /** After an update of `st`: its place in the lookup order, and the compiled order. */
  private updated(st: Subtable<T>, maxPriorityBefore: number): void {
    if (st.maxPriority !== maxPriorityBefore) this.reposition(st);
    if (!this.orderDirty) this.order.refresh(st);
  }

  /**
   * The lookup order of the subtables, as one rule of each (snapshots): subtables tied at
   * their highest priority stay in the order history gave them, which decides which of two
   * tied overlapping rules a lookup returns. Each subtable is named by its rule of lowest
   * `rank`, so that the same rules give the same names whatever order they were inserted in.
   */
  subtableOrder(rank: (rule: ClassifierRule<T>) => number): ClassifierRule<T>[] {
    return this.sorted.map((st) => {
      let best: ClassifierRule<T> | null = null;
      for (const r of st) if (best === null || rank(r) < rank(best)) best = r;
      return best as ClassifierRule<T>;
    });
  }

  /**
   * Puts the subtables of `rules` first, in that order (a snapshot's `subtableOrder`, on a
   * classifier holding the same rules); false, changing nothing, when that order would break
   * the priority order or a rule is not here.
   */
  restoreSubtableOrder(rules: readonly ClassifierRule<T>[]): boolean {
    const order: Subtable<T>[] = [];
    for (const r of rules) {
      const st = r.home;
      if (st === null || this.findSubtable(r.mask) !== st || order.includes(st)) return false;
      order.push(st);
    }
    const next = [...order, ...this.sorted.filter((st) => !order.includes(st))];
    for (let i = 1; i < next.length; i++) if (next[i - 1]!.maxPriority < next[i]!.maxPriority) return false;
    this.sorted.splice(0, this.sorted.length, ...next);
    this.orderDirty = true;
    return true;
  }

  /** Moves `st` within `sorted` after its maxPriority changed (one insertion-sort step). */
  private reposition(st: Subtable<T>): void {
    const sorted = this.sorted;
    let i = sorted.indexOf(st);
    const start = i;
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
    if (i !== start) this.orderDirty = true;
  }

  /** Argument checks at the API edge. */
  private check(key: Uint32Array, mask: Uint32Array, priority: number): void {
    const n = this.nWords;
    if (key.length !== n || mask.length !== n) {
      throw new RangeError(
        `classifier rule key and mask must have ${n} words, got ${key.length} and ${mask.length}`,
      );
    }
    if (!Number.isInteger(priority) || priority < 0 || priority > MAX_RULE_PRIORITY) {
      throw new RangeError(
        `classifier rule priority must be an integer from 0 to ${MAX_RULE_PRIORITY}, got ${priority}`,
      );
    }
    for (let i = 0; i < n; i++) {
      if ((key[i]! & ~mask[i]!) !== 0) {
        throw new RangeError(`classifier rule key has bits outside its mask in word ${i}`);
      }
    }
  }
}
