/*
 * Subtable: the rules of a classifier that share one mask (one "tuple" of tuple space
 * search), as a hash table of their distinct masked keys.
 *
 * Goals. A probe (is there a rule here for this packet, and at what priority?) is the unit
 * of work of every lookup, repeated once per subtable: it must read as little memory as
 * possible, chase as few pointers as possible, and allocate nothing. So a subtable keeps no
 * per-key objects on the probe path:
 *
 * - the mask is reduced to its non-zero words (`indices`, with the mask's values packed
 *   alongside in `maskWords`): hashing and comparing touch only those, so a 56-word key with
 *   a 3-word mask costs 3 words per probe. A key's hash is the finished sum of its words'
 *   column values (hash.ts), which a lookup computes once for all subtables (`cols`). A
 *   lookup without `wc` probes from the arrays LookupOrder lays out (probeSlots); the
 *   staged probes below are methods;
 * - each distinct masked key is one *entry*, numbered densely 0..nEntries-1: its priority
 *   and key in the entry's record in `records` (one flat Int32Array: no pointers to chase).
 *   An open-addressing table of *slots* finds it: each slot is two words of `slots`, the
 *   entry's hash and its number. Linear probing from the home slot `hash & (nSlots - 1)`
 *   scans these pairs (8 a cache line) and reads a record only on an equal hash. The slots
 *   stay at most a quarter full (records do not live in them, so empty slots cost 8 bytes),
 *   so that a probe for an absent key, what most probes of a lookup are, usually ends at its
 *   home slot: one load and one branch;
 * - a record holds the key as its words' *column values* (hash.ts mixColumn), not as the
 *   masked words: mixColumn is a bijection of the masked word for a given word index, so
 *   two keys are equal on the mask exactly when their column values are equal, and the
 *   values are what a lookup has just computed to hash the packet. Comparing a candidate
 *   entry then reads only those values and the record (no key, index or mask words), the
 *   stage prefix hashes are sums of stored values, and the masked words come back through
 *   unmixColumn when a rule's key is rebuilt (rare: dumps, removal).
 * - the rules of an entry hang off `rules[e]`: the highest-priority rule, whose `lower`
 *   link leads to the others in strictly descending priority (OVS's cls_match list). A
 *   lookup reads the entry's priority from its record and touches the rule object only for
 *   the final answer.
 *
 * Staged probes (OVS's find_match_wc). The mask's words fall in the classifier's stages
 * (metadata, L2, L3, L4 for flow keys). For each stage but the last non-empty one,
 * `stageIndex` holds the hashes of the entries' key prefixes up to the end of that stage
 * (stage-index.ts: one table per stage, all in one object; exact, as OVS's). `findColsWc`
 * goes stage by stage, as OVS:
 * - the classifier's prefix tries (cls-tries.ts) may rule the subtable out at a stage that
 *   holds a prefix field the mask has a CIDR prefix on: the probe then stops with the
 *   stages before this one ORed into the megaflow mask and only the few field bits the tries
 *   looked at. OVS asks them before hashing the stage; ovsim asks them only when the stage
 *   finds nothing (its index, or at the last stage the table, has no entry for the key):
 *   when some entry has the key's words up to there, it has the key's prefix on the field,
 *   so the tries could not have ruled the subtable out (barring a 32-bit collision of stage
 *   hashes, which OVS's index has too). Same answers, and lookups that hit pay no trie
 *   lookup;
 * - after hashing a stage but the last, it stops if no entry has the key's prefix: no entry
 *   can then match any key that agrees with the probed one on those words, so only the
 *   stages looked at are ORed in;
 * - at the last stage it probes the table; when nothing matches and the mask has transport
 *   ports, the whole mask is ORed in but the ports word only as far as the subtable's ports
 *   trie (`portsTrie`, the masked ports of its entries as prefixes of the mask's ports
 *   prefix length) needed to tell the key's ports from every entry's: `tp_dst=0x0/0xffc0`
 *   rather than `tp_dst=22`. This is find_match_wc as fixed for CVE-2023-5366 (OVS
 *   3.1.1, and Debian's 3.1.0-2+deb12u1 that the fixtures are recorded from); plain 3.1.0
 *   left the last stage's other words (tcp_flags, nd_target) out, which is unsound.
 *
 * Compact keys (ClassifierOptions.compactKeys). A rule keeps its own 56-word key only while
 * outside a classifier; inside one, its key lives in the record and `rule.key` rebuilds it
 * (keyOf, through unmixColumn). A rule finds its entry without its key: by its stored hash
 * and identity (entryOf).
 *
 * Sizes. nSlots is a power of two >= MIN_SLOTS; the slots double past MAX_LOAD and halve
 * below MIN_LOAD, rehashing every (hash, entry) pair into a fresh array; the records grow by
 * doubling their capacity in entries, and shrink by halving below a quarter of it (records
 * move only then). The stage indexes size themselves. Removal shifts the rest of a probe run
 * back into the hole (no tombstones) and moves the last entry into the removed one's number,
 * so that entries stay dense.
 *
 * Invariants:
 * - every entry has exactly one slot, in the probe run that starts at its home slot: no
 *   empty slot lies between the home slot and the entry's slot (cyclically); empty slots
 *   have hash EMPTY; `rules[e]` is null exactly for e >= nEntries;
 * - an entry's record priority is the priority of `rules[e]`, its list's head;
 * - a rule here has `home === this` and `hash` = its entry's hash;
 * - each stage index counts exactly the entries' prefix hashes for its stage; the ports
 *   trie holds each rule's masked ports once (when the mask has ports);
 * - `maxPriority` is exact at all times (-1 when empty).
 */

import type { ClassifierRule } from "./classifier.js";
import type { ClsTries, PrefixField } from "./cls-tries.js";
import { FlexArray } from "./flex-array.js";
import { columnSalt, finishColumnHash, mixColumn, unmixColumn } from "./hash.js";
import type { HashNode } from "./hash-table.js";
import { PrefixTrie } from "./prefix-trie.js";
import { PriorityCounts } from "./priority-counts.js";
import { StageIndex } from "./stage-index.js";

/** Smallest slot count. */
const MIN_SLOTS = 16;
/**
 * Grow past 1 entry per 4 slots. Most probes of a lookup are for absent keys; at this load
 * such a probe finds its home slot empty 3 times in 4 (a quarter of the cost of one at 3/4,
 * whose runs average 8 slots), and a slot costs only 8 bytes (the records are elsewhere).
 */
const MAX_LOAD = 1 / 4;
/** Shrink below 1 entry per 16 slots (the gap to MAX_LOAD keeps resizes from thrashing). */
const MIN_LOAD = 1 / 16;
/** Smallest record capacity, in entries. */
const MIN_CAPACITY = 4;
/** Record layout: word offsets of the entry's priority and first column value. */
const R_PRIORITY = 0;
const R_KEY = 1;
/** The hash word of an empty slot (entry hashes are never 0: see slotHash). */
const EMPTY = 0;

/** An entry's hash as stored in a slot: the word hash, with 0 (EMPTY) moved to 1. */
export function slotHash(h: number): number {
  return h === EMPTY ? 1 : h;
}

/** All rules of a classifier with one given mask. */
export class Subtable<T> implements HashNode<Subtable<T>> {
  /** Hash of the whole mask (this subtable is a node of the classifier's by-mask table). */
  hash: number;
  /** Next subtable in the by-mask table's bucket chain. */
  next: Subtable<T> | null;
  /** The mask, a private copy. */
  readonly mask: Uint32Array;
  /** Indices of the mask's non-zero words in stage order: the only words hashed and compared. */
  readonly indices: Int32Array;
  /** The mask's non-zero words, packed (as int32): `maskWords[i] === mask[indices[i]] | 0`. */
  readonly maskWords: Int32Array;
  /** columnSalt of each packed word's index. */
  readonly salts: Int32Array;
  /**
   * `indices` and `maskWords` interleaved (word, mask word, ...): what orMaskInto reads, in
   * one array.
   */
  private readonly maskPairs: Int32Array;
  /**
   * Staged probes: `stageEnds[s]` is the number of packed words up to the end of the s-th
   * non-empty stage, for every non-empty stage but the last (empty when there is only one).
   */
  readonly stageEnds: Int32Array;
  /**
   * Where the packed words' column values lie in the classifier's column table (see
   * hash.ts and lookup-order.ts): `cols[i]` for the (indices[i], maskWords[i]) column, whose
   * value a lookup computes once for all subtables. Set by LookupOrder before lookups.
   */
  cols: Int32Array;
  /** How many of the classifier's columns a lookup must have computed to probe here. */
  colsNeeded: number;
  /** Highest priority of any rule here, -1 when empty. */
  maxPriority: number;
  /** Number of rules (not entries). */
  nRules: number;

  /** Whether rules here drop their own key array (see ClassifierOptions.compactKeys). */
  readonly compactKeys: boolean;
  /** Number of entries (distinct masked keys): entries are numbered 0..nEntries-1. */
  private nEntries: number;
  /** nSlots - 1. */
  private slotMask: number;
  /** Two words per slot: the entry's hash (EMPTY for an empty slot) and its number. */
  private slots: Int32Array;
  /** One record of `stride` words per entry: [priority, column values]. */
  private records: Int32Array;
  /** Each entry's hash (a slotHash), to find its slot again. */
  private entryHashes: Int32Array;
  /** Words per record. */
  private readonly stride: number;
  /** Each entry's highest-priority rule (null past nEntries). */
  private rules: FlexArray<ClassifierRule<T> | null>;
  /** The key-prefix hashes of each stage of stageEnds (see "Staged probes"). */
  private readonly stageIndex: StageIndex;
  /**
   * Per prefix field of the classifier (cls-tries.ts), the mask's CIDR prefix length on it
   * (0: none). Set by the classifier (setTries).
   */
  triePlens: Int32Array;
  /**
   * Per non-empty stage (the last included), a bit per prefix field with a prefix here
   * whose first word lies in that stage: the tries to check before hashing the stage.
   */
  private stageTries: Int32Array;
  /** The key word holding tp_src (high half) and tp_dst (low half), or -1: no ports trie. */
  private readonly portsWord: number;
  /** OVS's ports_mask_len: 32 - trailing zeros of the mask's ports word (0: no ports). */
  private readonly portsMaskLen: number;
  /** The masked ports of the rules here, as prefixes of portsMaskLen bits. */
  private readonly portsTrie: PrefixTrie;
  /** Rule counts per priority, to keep maxPriority exact on removal. */
  private readonly priorities: PriorityCounts;
  /** Scratch for updates: the column values of a key, in packed order (see hashOf). */
  private readonly packed: Int32Array;
  /** 0, 1, ..., n-1: where `packed`'s values lie in `packed` (for probeSlots). */
  private readonly packedAt: Int32Array;

  /**
   * `stages` are the classifier's stage boundaries (first position of each stage in the
   * stage order, then the key width), ascending from 0; `stageRank` each word's position in
   * that order; `portsWord` the word of the transport ports, or -1.
   */
  constructor(mask: Uint32Array, maskHash: number, stages: readonly number[], stageRank: Int32Array, compactKeys: boolean, portsWord: number) {
    this.hash = maskHash;
    this.compactKeys = compactKeys;
    this.next = null;
    this.mask = mask.slice();
    const words: number[] = [];
    for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) words.push(i);
    words.sort((a, b) => stageRank[a]! - stageRank[b]!);
    this.indices = Int32Array.from(words);
    this.maskWords = Int32Array.from(words, (w) => mask[w]! | 0);
    this.salts = Int32Array.from(words, columnSalt);
    this.maskPairs = Int32Array.from(words.flatMap((w) => [w, mask[w]! | 0]));
    this.stageEnds = Int32Array.from(stageEnds(this.indices, stages, stageRank));
    this.cols = new Int32Array(words.length);
    this.colsNeeded = 0;
    this.maxPriority = -1;
    this.nRules = 0;
    this.nEntries = 0;
    this.slotMask = MIN_SLOTS - 1;
    this.stride = R_KEY + words.length;
    this.slots = new Int32Array(2 * MIN_SLOTS);
    this.records = new Int32Array(MIN_CAPACITY * this.stride);
    this.entryHashes = new Int32Array(MIN_CAPACITY);
    this.rules = new FlexArray<ClassifierRule<T> | null>(MIN_CAPACITY, null);
    this.stageIndex = new StageIndex(this.stageEnds.length);
    this.triePlens = new Int32Array(0);
    this.stageTries = new Int32Array(this.stageEnds.length + 1);
    const ports = portsWord >= 0 ? mask[portsWord]! >>> 0 : 0;
    this.portsWord = ports !== 0 ? portsWord : -1;
    this.portsMaskLen = ports !== 0 ? 1 + Math.clz32(ports & -ports) : 0;
    this.portsTrie = new PrefixTrie();
    this.priorities = new PriorityCounts();
    this.packed = new Int32Array(words.length);
    this.packedAt = Int32Array.from(words, (_, i) => i);
  }

  // ---- probes (hot path: no allocation; `!` on typed-array reads is sound because indices
  // are < the key width and packed arrays have one element per mask word) --------------------

  /**
   * The slot of the entry whose masked key equals `key & mask`, or -1. `key` need not be
   * masked. Read the answer with priorityAt / ruleAt. For updates: lookups use findCols.
   */
  find(key: Uint32Array): number {
    const hash = this.hashOf(key);
    return this.probe(this.packed, this.packedAt, hash);
  }

  /**
   * As find, for a lookup that has computed the column values `vals` of its key for at
   * least the first `colsNeeded` columns: the hash is their sum, and they are the key.
   */
  findCols(vals: Int32Array): number {
    const cols = this.cols;
    return this.probe(vals, cols, slotHash(finishColumnHash(sumColumns(vals, cols, 0, cols.length))));
  }

  /**
   * As findCols for the key at `key[o..]`, staged (OVS's find_match_wc, see "Staged
   * probes"), ORing into `wc` the bits the answer depended on: the mask words of every stage it looked at, all
   * of them when it finds the entry; fewer when the prefix tries rule the subtable out
   * before a stage, when no entry has the key's prefix after one, or when the ports trie
   * narrows a miss. `tries` is the classifier's, between beginLookup and the answer.
   */
  findColsWc(vals: Int32Array, key: Uint32Array, o: number, wc: Uint32Array, tries: ClsTries): number {
    const cols = this.cols;
    const n = cols.length;
    const ends = this.stageEnds;
    const stageTries = this.stageTries;
    let h = 0;
    let i = 0;
    let s = 0;
    // OVS asks the tries before hashing a stage; ovsim asks them only when the stage finds
    // nothing (see "Staged probes": the answer is the same, and a hit costs no trie lookup).
    for (; s < ends.length; s++) {
      const start = i;
      const end = ends[s]!;
      // Loops written out, not sumColumns: V8 inlines the staged path's calls only so far.
      for (; i < end; i++) h = (h + vals[cols[i]!]!) | 0;
      if (!this.stageIndex.has(s, finishColumnHash(h))) {
        const skip = stageTries[s] !== 0 && tries.check(this.triePlens, stageTries[s]!, key, o, wc);
        this.orMaskInto(wc, skip ? start : end);
        return -1;
      }
    }
    const start = i;
    for (; i < n; i++) h = (h + vals[cols[i]!]!) | 0;
    const e = this.probe(vals, cols, slotHash(finishColumnHash(h)));
    if (e >= 0) {
      this.orMaskInto(wc, n);
      return e;
    }
    if (stageTries[s] !== 0 && tries.check(this.triePlens, stageTries[s]!, key, o, wc)) this.orMaskInto(wc, start);
    else if (this.portsWord >= 0) this.orMissWithPorts(key, o, wc);
    else this.orMaskInto(wc, n);
    return -1;
  }

  /**
   * A miss at the last stage of a mask with transport ports: every stage's mask words go
   * into `wc` (the whole mask decided the miss), but the ports word only as far as the ports
   * trie needed to tell the key's ports from every entry's (its leading `mbits` bits): any
   * key agreeing on those has ports no entry has. As OVS, the narrowed ports are computed
   * first and written back over the fold.
   */
  private orMissWithPorts(key: Uint32Array, o: number, wc: Uint32Array): void {
    const pw = this.portsWord;
    const portsMask = this.mask[pw]!;
    const mbits = this.portsTrie.lookup32((key[o + pw]! & portsMask) >>> 0, null);
    const ports = ((portsMask & (mbits === 0 ? 0 : 0xffffffff << (32 - mbits))) | wc[pw]!) >>> 0;
    this.orMaskInto(wc, this.indices.length);
    wc[pw] = ports;
  }

  /**
   * Tells the subtable the classifier's prefix fields: its prefix length on each (`plens`,
   * 0 for none) and so which tries to check at which stage.
   */
  setTries(plens: Int32Array, fields: readonly PrefixField[]): void {
    this.triePlens = plens;
    this.stageTries.fill(0);
    const ends = this.stageEnds;
    for (let j = 0; j < fields.length; j++) {
      if (plens[j]! === 0) continue;
      // The field has mask bits in its first word: find that word's stage.
      const p = this.indices.indexOf(fields[j]!.word);
      let s = 0;
      while (s < ends.length && p >= ends[s]!) s++;
      this.stageTries[s] = this.stageTries[s]! | (1 << j);
    }
  }

  /** probeSlots on this subtable's own slots and records. */
  private probe(vals: Int32Array, at: Int32Array, hash: number): number {
    return probeSlots(this.slots, this.slotMask, this.records, this.stride, vals, at, 0, at.length, hash);
  }

  /** @internal The slot table (LookupOrder keeps a reference: see probeSlots). */
  get slotTable(): Int32Array {
    return this.slots;
  }

  /** @internal nSlots - 1. */
  get slotTableMask(): number {
    return this.slotMask;
  }

  /** @internal The records (LookupOrder keeps a reference: see probeSlots). */
  get recordTable(): Int32Array {
    return this.records;
  }

  /** @internal Words per record. */
  get recordStride(): number {
    return this.stride;
  }

  /** The priority of entry `e`'s best rule (e from find). */
  priorityAt(e: number): number {
    return entryPriority(this.records, this.stride, e);
  }

  /** Entry `e`'s best rule (e from find). */
  ruleAt(e: number): ClassifierRule<T> {
    return this.rules.get(e)!;
  }

  /** ORs the first `end` packed mask words into `wc`. */
  private orMaskInto(wc: Uint32Array, end: number): void {
    const pairs = this.maskPairs;
    for (let i = 0; i < 2 * end; i += 2) {
      const w = pairs[i]!;
      wc[w] = wc[w]! | pairs[i + 1]!;
    }
  }

  // ---- updates ---------------------------------------------------------------------------

  /**
   * Adds `rule` (whose mask equals this subtable's, key masked, in no classifier). If a rule
   * with the same key and priority is here, `rule` takes its place and the displaced rule is
   * returned; otherwise returns null.
   */
  insert(rule: ClassifierRule<T>): ClassifierRule<T> | null {
    const p = rule.priority;
    const key = rule.key;
    const e = this.find(key);
    let displaced: ClassifierRule<T> | null = null;
    if (e < 0) {
      rule.lower = null;
      this.addEntry(rule, key);
    } else {
      let prev: ClassifierRule<T> | null = null;
      let cur: ClassifierRule<T> | null = this.rules.get(e)!;
      while (cur !== null && cur.priority > p) {
        prev = cur;
        cur = cur.lower;
      }
      if (cur !== null && cur.priority === p) {
        // Same key and priority: `rule` takes `cur`'s place in the list.
        displaced = cur;
        rule.lower = cur.lower;
        if (prev === null) this.rules.set(e, rule);
        else prev.lower = rule;
        this.detach(cur, e);
      } else {
        rule.lower = cur;
        if (prev === null) this.setHead(e, rule);
        else prev.lower = rule;
      }
    }
    rule.home = this;
    rule.hash = this.hashOf(key);
    if (this.compactKeys) {
      rule.fullKey = null;
      rule.maskWords = this.mask;
    }
    if (displaced !== null) return displaced;
    if (this.portsWord >= 0) this.portsTrie.insert(key, this.portsWord, this.portsMaskLen);
    this.nRules++;
    this.priorities.add(p);
    if (p > this.maxPriority) this.maxPriority = p;
    return null;
  }

  /** Removes `rule` (by identity). Returns false if it is not here. */
  remove(rule: ClassifierRule<T>): boolean {
    const e = this.entryOf(rule);
    if (e < 0) return false;
    let prev: ClassifierRule<T> | null = null;
    let cur: ClassifierRule<T> = this.rules.get(e)!;
    while (cur !== rule) {
      prev = cur;
      cur = cur.lower!;
    }
    const lower = rule.lower;
    this.detach(rule, e);
    if (prev !== null) prev.lower = lower;
    else if (lower !== null) this.setHead(e, lower);
    else this.removeEntry(e);
    if (this.portsWord >= 0) this.portsTrie.remove(rule.key, this.portsWord, this.portsMaskLen);
    this.nRules--;
    this.priorities.delete(rule.priority);
    if (rule.priority === this.maxPriority) this.maxPriority = this.priorities.max();
    return true;
  }

  /** The rule with exactly this masked key and priority, or null. */
  findExactly(key: Uint32Array, priority: number): ClassifierRule<T> | null {
    const e = this.find(key);
    if (e < 0) return null;
    for (let r: ClassifierRule<T> | null = this.rules.get(e); r !== null; r = r.lower) {
      if (r.priority === priority) return r;
      if (r.priority < priority) break;
    }
    return null;
  }

  /** A fresh copy of the full-width key of `rule` (which is here), from its record. */
  keyOf(rule: ClassifierRule<T>): Uint32Array {
    return this.keyAt(this.entryOf(rule));
  }

  /** A fresh full-width key rebuilt from entry e's record (its column values unmixed). */
  private keyAt(e: number): Uint32Array {
    const key = new Uint32Array(this.mask.length);
    const rec = this.records;
    const o = e * this.stride;
    const indices = this.indices;
    const salts = this.salts;
    for (let i = 0; i < indices.length; i++) key[indices[i]!] = unmixColumn(rec[o + R_KEY + i]!, salts[i]!);
    return key;
  }

  /** Every rule: each key's list in descending priority, keys in entry order. */
  *[Symbol.iterator](): IterableIterator<ClassifierRule<T>> {
    for (let e = 0; e < this.nEntries; e++) {
      for (let r = this.rules.get(e); r !== null; r = r.lower) yield r;
    }
  }

  /**
   * The entry of `rule`, found by its stored hash and identity (no key needed), or -1 when
   * the rule is not here.
   */
  private entryOf(rule: ClassifierRule<T>): number {
    if (rule.home !== this) return -1;
    const hash = rule.hash;
    const slots = this.slots;
    for (let i = hash & this.slotMask; ; i = (i + 1) & this.slotMask) {
      const h = slots[2 * i]!;
      if (h === EMPTY) return -1;
      if (h !== hash) continue;
      const e = slots[2 * i + 1]!;
      for (let r = this.rules.get(e); r !== null; r = r.lower) if (r === rule) return e;
    }
  }

  /** The slot holding entry `e` (which exists). */
  private slotOfEntry(e: number): number {
    const slots = this.slots;
    let i = this.entryHashes[e]! & this.slotMask;
    while (slots[2 * i + 1] !== e || slots[2 * i] === EMPTY) i = (i + 1) & this.slotMask;
    return i;
  }

  /** Takes `rule` (in entry e's list) out of this subtable's care: it gets its key back. */
  private detach(rule: ClassifierRule<T>, e: number): void {
    if (rule.fullKey === null) rule.fullKey = this.keyAt(e);
    rule.home = null;
    rule.lower = null;
  }

  /**
   * The slotHash of a full-width key (masked here) over this subtable's words; leaves the
   * key's column values in `packed`.
   */
  private hashOf(key: Uint32Array): number {
    const indices = this.indices;
    const maskWords = this.maskWords;
    const salts = this.salts;
    const packed = this.packed;
    let h = 0;
    for (let i = 0; i < indices.length; i++) {
      const v = mixColumn(key[indices[i]!]! & maskWords[i]!, salts[i]!);
      packed[i] = v;
      h = (h + v) | 0;
    }
    return slotHash(finishColumnHash(h));
  }

  /** Makes `rule` the head of entry `e`'s list (its record priority follows). */
  private setHead(e: number, rule: ClassifierRule<T>): void {
    this.rules.set(e, rule);
    this.records[e * this.stride + R_PRIORITY] = rule.priority;
  }

  /** A new entry for `key` (`rule`'s), with `rule` as its only rule. */
  private addEntry(rule: ClassifierRule<T>, key: Uint32Array): void {
    if (this.nEntries + 1 > (this.slotMask + 1) * MAX_LOAD) this.resizeSlots((this.slotMask + 1) * 2);
    if (this.nEntries === this.entryHashes.length) this.resizeRecords(this.nEntries * 2);
    const hash = this.hashOf(key);
    const e = this.nEntries++;
    const i = this.emptySlot(hash);
    this.slots[2 * i] = hash;
    this.slots[2 * i + 1] = e;
    const rec = this.records;
    const o = e * this.stride;
    rec[o + R_PRIORITY] = rule.priority;
    rec.set(this.packed, o + R_KEY);
    this.entryHashes[e] = hash;
    this.rules.set(e, rule);
    this.count(rec, o, 1);
  }

  /** The first empty slot from `hash`'s home slot on. */
  private emptySlot(hash: number): number {
    let i = hash & this.slotMask;
    while (this.slots[2 * i] !== EMPTY) i = (i + 1) & this.slotMask;
    return i;
  }

  /**
   * Removes entry `e`: empties its slot, then shifts later slots of the same probe run back
   * into the hole (Knuth's algorithm R), so that no probe ever has to skip deleted slots;
   * then the last entry takes number `e`, so that entries stay dense.
   */
  private removeEntry(e: number): void {
    const slots = this.slots;
    const slotMask = this.slotMask;
    const stride = this.stride;
    this.count(this.records, e * stride, -1);
    let hole = this.slotOfEntry(e);
    for (let j = (hole + 1) & slotMask; ; j = (j + 1) & slotMask) {
      const h = slots[2 * j]!;
      if (h === EMPTY) break;
      const home = h & slotMask;
      // Slot j may move to the hole unless its home lies cyclically in (hole, j].
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (stays) continue;
      slots[2 * hole] = h;
      slots[2 * hole + 1] = slots[2 * j + 1]!;
      hole = j;
    }
    slots[2 * hole] = EMPTY;
    slots[2 * hole + 1] = 0;
    const last = --this.nEntries;
    if (e !== last) {
      slots[2 * this.slotOfEntry(last) + 1] = e;
      this.records.copyWithin(e * stride, last * stride, (last + 1) * stride);
      this.entryHashes[e] = this.entryHashes[last]!;
      this.rules.set(e, this.rules.get(last));
    }
    this.rules.set(last, null);
    const nSlots = slotMask + 1;
    if (nSlots > MIN_SLOTS && this.nEntries < nSlots * MIN_LOAD) this.resizeSlots(nSlots / 2);
    const cap = this.entryHashes.length;
    if (cap > MIN_CAPACITY && this.nEntries * 4 < cap) this.resizeRecords(cap / 2);
  }

  /** Counts the record at rec[o]'s key prefixes into (+1) or out of (-1) the stage indexes. */
  private count(rec: Int32Array, o: number, delta: number): void {
    const ends = this.stageEnds;
    let h = 0;
    let i = 0;
    for (let s = 0; s < ends.length; s++) {
      for (const end = ends[s]!; i < end; i++) h = (h + rec[o + R_KEY + i]!) | 0;
      if (delta > 0) this.stageIndex.add(s, finishColumnHash(h));
      else this.stageIndex.remove(s, finishColumnHash(h));
    }
  }

  /** Rehashes the slots into `nSlots` slots (entries keep their numbers). */
  private resizeSlots(nSlots: number): void {
    const old = this.slots;
    const slots = new Int32Array(2 * nSlots);
    const slotMask = nSlots - 1;
    for (let j = 0; j < old.length; j += 2) {
      const h = old[j]!;
      if (h === EMPTY) continue;
      let i = h & slotMask;
      while (slots[2 * i] !== EMPTY) i = (i + 1) & slotMask;
      slots[2 * i] = h;
      slots[2 * i + 1] = old[j + 1]!;
    }
    this.slots = slots;
    this.slotMask = slotMask;
  }

  /** Gives the records room for `capacity` entries (at least nEntries). */
  private resizeRecords(capacity: number): void {
    const n = this.nEntries;
    const records = new Int32Array(capacity * this.stride);
    records.set(this.records.subarray(0, n * this.stride));
    const hashes = new Int32Array(capacity);
    hashes.set(this.entryHashes.subarray(0, n));
    this.records = records;
    this.entryHashes = hashes;
    this.rules.resize(capacity);
  }
}

/** The priority of entry `e`'s best rule, from a subtable's records (`stride` words each). */
export function entryPriority(records: Int32Array, stride: number, e: number): number {
  return records[e * stride + R_PRIORITY]!;
}

/**
 * Linear probing in a subtable's `slots` (mask `slotMask`) from the home slot of `hash` (a
 * slotHash): the entry whose record (in `records`, `stride` words each) holds the column
 * values `vals[at[atBase + i]]` for i in [0, n), or -1 at the first empty slot. Scans the
 * slots (8 a cache line) and reads a record only when its hash is equal, so a miss usually
 * reads no record at all. A function of the arrays rather than a method, so that a lookup
 * can probe from the arrays LookupOrder lays out, without the subtable object.
 */
export function probeSlots(
  slots: Int32Array,
  slotMask: number,
  records: Int32Array,
  stride: number,
  vals: Int32Array,
  at: Int32Array,
  atBase: number,
  n: number,
  hash: number,
): number {
  for (let i = hash & slotMask; ; i = (i + 1) & slotMask) {
    const h = slots[2 * i]!;
    if (h === hash) {
      const e = slots[2 * i + 1]!;
      if (valuesMatch(records, e * stride + R_KEY, vals, at, atBase, n)) return e;
    } else if (h === EMPTY) {
      return -1;
    }
  }
}

/** Whether the record's column values at `records[o..]` are `vals[at[atBase + i]]`, i < n. */
function valuesMatch(records: Int32Array, o: number, vals: Int32Array, at: Int32Array, atBase: number, n: number): boolean {
  let i = 0;
  // Two columns per iteration (see sumColumns).
  for (; i + 2 <= n; i += 2) {
    if (vals[at[atBase + i]!] !== records[o + i] || vals[at[atBase + i + 1]!] !== records[o + i + 1]) return false;
  }
  return i === n || vals[at[atBase + i]!] === records[o + i];
}

/**
 * The sum of `vals[cols[i]]` for i in [from, to) (int32). Four columns per iteration: V8
 * checks the arrays again at every loop back edge, so a short loop pays that per column.
 */
export function sumColumns(vals: Int32Array, cols: Int32Array, from: number, to: number): number {
  let h = 0;
  let i = from;
  for (; i + 4 <= to; i += 4) h = (h + vals[cols[i]!]! + vals[cols[i + 1]!]! + vals[cols[i + 2]!]! + vals[cols[i + 3]!]!) | 0;
  for (; i < to; i++) h = (h + vals[cols[i]!]!) | 0;
  return h;
}

/**
 * For packed word indices `indices` (in stage order) and stage boundaries `stages` (positions
 * in that order, `stageRank` of each word), the packed index at the end of each non-empty
 * stage, but the last.
 */
function stageEnds(indices: Int32Array, stages: readonly number[], stageRank: Int32Array): number[] {
  const ends: number[] = [];
  let i = 0;
  for (let s = 1; s < stages.length; s++) {
    const start = i;
    while (i < indices.length && stageRank[indices[i]!]! < stages[s]!) i++;
    if (i > start) ends.push(i);
  }
  ends.pop();
  return ends;
}
