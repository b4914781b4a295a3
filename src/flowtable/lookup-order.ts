/*
 * LookupOrder: a classifier's subtables in lookup order, laid out for the probe loop; OVS's
 * pvector (lib/pvector.c), the contiguous array of (priority, subtable) pairs that
 * classifier_lookup__ walks, taken one step further.
 *
 * Goals. A lookup walks the subtables in descending order of their highest priority and
 * probes each until the next one cannot beat the best match so far (classifier.ts). Most of
 * a probe's cost in JavaScript is not its arithmetic but reaching its data: the subtable
 * object, then each of its typed arrays (a header to load and check before any element),
 * repeated for every subtable of every lookup. So the walk reads what it needs from a few
 * arrays laid out in lookup order instead:
 *
 * - `program`: for each subtable, in lookup order, its highest priority, how far the column
 *   table must be computed for it, whether it owns its columns, its slot mask and record
 *   stride, then where its columns' values lie in the column table. Read front to back, one
 *   subtable after another (the prefetcher's favourite pattern), as OVS reads its pvector;
 * - `slots` and `records`: each subtable's slot table and records, by position, so that a
 *   probe (subtable.ts probeSlots) goes straight to them;
 * - the column table (see classifier.ts "Hashing"): each distinct (word, mask word) column
 *   of the subtables, numbered in order of first use along the lookup order, with its salt
 *   and, during a lookup, its value.
 *
 * Staged probes with `wc` still go through the subtable (stage indexes, tries, ports trie):
 * they read the program for the priorities and columns only.
 *
 * Keeping it current. The layout is compiled from the lookup order (`compile`), which the
 * classifier does at the first lookup after the order changed (it allocates; lookups do
 * not). Between orderings, an update changes one subtable's highest priority (without
 * moving it), slot table or records: the classifier then calls `refresh` for it, which
 * rewrites that subtable's header and references in O(1).
 *
 * Invariants, between compile/refresh and the next update: `subtables` is the classifier's
 * lookup order; for each, the program header and `slots`/`records` are the subtable's own
 * values; column c's word, mask word and salt are those of its first user along the order,
 * and a subtable's `colsNeeded` columns include all of its own.
 */

import type { ClassifierRule } from "./classifier.js";
import type { ClsTries } from "./cls-tries.js";
import { columnSalt, finishColumnHash, mixColumn } from "./hash.js";
import { entryPriority, probeSlots, slotHash, sumColumns } from "./subtable.js";
import type { Subtable } from "./subtable.js";

/** The column table's layout: words per column and their offsets. */
const COL_STRIDE = 4;
const C_WORD = 0;
const C_MASK = 1;
const C_SALT = 2;
const C_VALUE = 3;

/** The program's layout: a header per subtable, then its columns' value offsets. */
const P_MAX_PRIORITY = 0;
/** The column table offset up to which a lookup must have computed values to probe here. */
const P_COLS_NEEDED = 1;
/** 1 when every column here is first used here: the fresh values are exactly this subtable's. */
const P_OWNS = 2;
const P_SLOT_MASK = 3;
const P_STRIDE = 4;
const P_N_COLS = 5;
const P_COLS = 6;

export class LookupOrder<T> {
  /** The subtables, in lookup order. */
  private readonly subtables: Subtable<T>[];
  /** See the essay; `at[k]` is where subtable k's header starts. */
  private readonly program: Int32Array;
  private readonly at: Int32Array;
  private readonly slots: Int32Array[];
  private readonly records: Int32Array[];
  /** Each subtable's position in the order. */
  private readonly position: Map<Subtable<T>, number>;
  /** COL_STRIDE words per column: word index, mask word, salt, value (a lookup's scratch). */
  private readonly cols: Int32Array;
  /**
   * One word of the key per 16-byte chunk that holds a column's word: a lookup reads them
   * first, back to back, so that the key's cache lines are all fetched at once rather than
   * one by one as the probes get to them (see `touch`).
   */
  private readonly touchWords: Int32Array;
  /** Where `touch` leaves what it read (so that the reads are not optimised away). */
  private touched: number;

  /**
   * Lays out `sorted` (the classifier's lookup order): numbers the columns in order of first
   * use and tells each subtable its columns (Subtable.cols, colsNeeded).
   */
  constructor(sorted: readonly Subtable<T>[]) {
    const ids = new Map<number, number>();
    const words: number[] = [];
    const masks: number[] = [];
    const program: number[] = [];
    const at: number[] = [];
    for (const st of sorted) {
      const { indices, maskWords, cols } = st;
      const before = words.length;
      for (let i = 0; i < indices.length; i++) {
        // A column is a (word, mask word) pair: word < 2^21, so this number is exact.
        const id = indices[i]! * 0x100000000 + (maskWords[i]! >>> 0);
        let c = ids.get(id);
        if (c === undefined) {
          c = words.length;
          ids.set(id, c);
          words.push(indices[i]!);
          masks.push(maskWords[i]!);
        }
        cols[i] = c * COL_STRIDE + C_VALUE;
      }
      const owns = words.length - before === indices.length;
      st.colsNeeded = words.length;
      at.push(program.length);
      program.push(st.maxPriority, words.length * COL_STRIDE, owns ? 1 : 0, st.slotTableMask, st.recordStride, cols.length, ...cols);
    }
    this.subtables = sorted.slice();
    this.program = Int32Array.from(program);
    this.at = Int32Array.from(at);
    this.slots = sorted.map((st) => st.slotTable);
    this.records = sorted.map((st) => st.recordTable);
    this.position = new Map(sorted.map((st, k) => [st, k]));
    this.cols = new Int32Array(words.length * COL_STRIDE);
    words.forEach((w, c) => {
      this.cols[c * COL_STRIDE + C_WORD] = w;
      this.cols[c * COL_STRIDE + C_MASK] = masks[c]!;
      this.cols[c * COL_STRIDE + C_SALT] = columnSalt(w);
    });
    const chunks = new Set<number>();
    for (const w of words) chunks.add(w >> 2);
    // With one subtable, the column values are computed back to back anyway.
    if (sorted.length < 2) chunks.clear();
    this.touchWords = Int32Array.from([...chunks].sort((a, b) => a - b), (c) => words.find((w) => w >> 2 === c)!);
    this.touched = 0;
  }

  /** @internal What the last lookup's `touch` read (kept only so that the reads stay). */
  get lastTouched(): number {
    return this.touched;
  }

  /**
   * After an update of `st` that did not move it in the lookup order: copies its highest
   * priority, slot mask, slot table and records into the layout.
   */
  refresh(st: Subtable<T>): void {
    const k = this.position.get(st);
    if (k === undefined) throw new RangeError("LookupOrder.refresh: subtable not in this order");
    const h = this.at[k]!;
    this.program[h + P_MAX_PRIORITY] = st.maxPriority;
    this.program[h + P_SLOT_MASK] = st.slotTableMask;
    this.slots[k] = st.slotTable;
    this.records[k] = st.recordTable;
  }

  /**
   * The highest-priority rule matching the key at `words[o..]`, or null: each subtable
   * hashed whole, probed from the layout.
   */
  lookup(words: Uint32Array, o: number): ClassifierRule<T> | null {
    this.touch(words, o);
    const program = this.program;
    const cols = this.cols;
    const slots = this.slots;
    const records = this.records;
    const n = this.subtables.length;
    let ready = 0;
    let pc = 0;
    let best = -1;
    let bestEntry = -1;
    let bestPriority = -1;
    for (let k = 0; k < n; k++) {
      if (program[pc + P_MAX_PRIORITY]! <= bestPriority) break;
      const need = program[pc + P_COLS_NEEDED]!;
      // The column values this subtable is the first to need, four per iteration (V8 checks
      // the arrays again at every loop back edge), written out rather than called (V8 would
      // not inline one more call into this loop).
      let fresh = 0;
      for (; ready + 4 * COL_STRIDE <= need; ready += 4 * COL_STRIDE) {
        const c1 = ready + COL_STRIDE;
        const c2 = c1 + COL_STRIDE;
        const c3 = c2 + COL_STRIDE;
        const v0 = mixColumn(words[o + cols[ready + C_WORD]!]! & cols[ready + C_MASK]!, cols[ready + C_SALT]!);
        const v1 = mixColumn(words[o + cols[c1 + C_WORD]!]! & cols[c1 + C_MASK]!, cols[c1 + C_SALT]!);
        const v2 = mixColumn(words[o + cols[c2 + C_WORD]!]! & cols[c2 + C_MASK]!, cols[c2 + C_SALT]!);
        const v3 = mixColumn(words[o + cols[c3 + C_WORD]!]! & cols[c3 + C_MASK]!, cols[c3 + C_SALT]!);
        cols[ready + C_VALUE] = v0;
        cols[c1 + C_VALUE] = v1;
        cols[c2 + C_VALUE] = v2;
        cols[c3 + C_VALUE] = v3;
        fresh = (fresh + v0 + v1 + v2 + v3) | 0;
      }
      while (ready < need) {
        const v = mixColumn(words[o + cols[ready + C_WORD]!]! & cols[ready + C_MASK]!, cols[ready + C_SALT]!);
        cols[ready + C_VALUE] = v;
        fresh = (fresh + v) | 0;
        ready += COL_STRIDE;
      }
      const nCols = program[pc + P_N_COLS]!;
      const first = pc + P_COLS;
      // A subtable that owns its columns has just had exactly their values computed.
      const sum = program[pc + P_OWNS] !== 0 ? fresh : sumColumns(cols, program, first, first + nCols);
      const stride = program[pc + P_STRIDE]!;
      const recs = records[k]!;
      const e = probeSlots(slots[k]!, program[pc + P_SLOT_MASK]!, recs, stride, cols, program, first, nCols, slotHash(finishColumnHash(sum)));
      if (e >= 0) {
        const p = entryPriority(recs, stride, e);
        if (p > bestPriority) {
          best = k;
          bestEntry = e;
          bestPriority = p;
        }
      }
      pc = first + nCols;
    }
    return best < 0 ? null : this.subtables[best]!.ruleAt(bestEntry);
  }

  /**
   * As lookup, ORing into `wc` every mask bit the answer depended on: staged probes with
   * the classifier's `tries` (Subtable.findColsWc).
   */
  lookupWc(words: Uint32Array, o: number, wc: Uint32Array, tries: ClsTries): ClassifierRule<T> | null {
    this.touch(words, o);
    tries.beginLookup();
    const subtables = this.subtables;
    const cols = this.cols;
    const n = subtables.length;
    let ready = 0;
    let best: Subtable<T> | null = null;
    let bestEntry = -1;
    let bestPriority = -1;
    for (let k = 0; k < n; k++) {
      const st = subtables[k]!;
      if (st.maxPriority <= bestPriority) break;
      // Written out, not fillColumns: V8 inlines the staged path's calls only so far.
      for (const need = st.colsNeeded * COL_STRIDE; ready < need; ready += COL_STRIDE) {
        cols[ready + C_VALUE] = mixColumn(words[o + cols[ready + C_WORD]!]! & cols[ready + C_MASK]!, cols[ready + C_SALT]!);
      }
      const e = st.findColsWc(cols, words, o, wc, tries);
      if (e < 0) continue;
      const p = st.priorityAt(e);
      if (p > bestPriority) {
        best = st;
        bestEntry = e;
        bestPriority = p;
      }
    }
    return best === null ? null : best.ruleAt(bestEntry);
  }

  /**
   * Classifier.scan's loop: probes in lookup order while a subtable can beat `floor`,
   * calling `visit` with each matching entry's best rule above it (visit returns the new
   * floor).
   */
  scan(key: Uint32Array, wc: Uint32Array | null, tries: ClsTries, floor: number, visit: (rule: ClassifierRule<T>) => number): void {
    this.touch(key, 0);
    if (wc !== null) tries.beginLookup();
    const subtables = this.subtables;
    let ready = 0;
    for (let k = 0; k < subtables.length; k++) {
      const st = subtables[k]!;
      if (st.maxPriority <= floor) break;
      const need = st.colsNeeded * COL_STRIDE;
      if (ready < need) {
        this.fillColumns(key, 0, ready, need);
        ready = need;
      }
      const e = wc !== null ? st.findColsWc(this.cols, key, 0, wc, tries) : st.findCols(this.cols);
      if (e >= 0 && st.priorityAt(e) > floor) floor = visit(st.ruleAt(e));
    }
  }

  /**
   * Computes the values of the columns at [from, to) of the column table (offsets, a
   * multiple of COL_STRIDE apart) from the key at `words[o..]` (lookupWc, scan; `lookup`
   * has its own copy of this loop, unrolled).
   */
  private fillColumns(words: Uint32Array, o: number, from: number, to: number): void {
    const cols = this.cols;
    for (let c = from; c < to; c += COL_STRIDE) {
      cols[c + C_VALUE] = mixColumn(words[o + cols[c + C_WORD]!]! & cols[c + C_MASK]!, cols[c + C_SALT]!);
    }
  }

  /**
   * Reads the key's words that the columns need, one per 16-byte chunk, with no work in
   * between: a key not in cache (a packet's, just extracted elsewhere, or one of many) then
   * costs about one memory latency, the misses overlapping, instead of one per cache line
   * as the column values are computed subtable by subtable.
   */
  private touch(key: Uint32Array, o: number): void {
    const words = this.touchWords;
    let x = 0;
    for (let i = 0; i < words.length; i++) x |= key[o + words[i]!]!;
    this.touched = x;
  }
}
