/*
 * FlexArray: an indexable array stored in fixed-size parts.
 *
 * Modelled on the Linux kernel's flex_array, which the OVS kernel datapath used for the
 * buckets of its flow table: growing the array adds parts instead of copying one giant
 * array, so a hash table of a million buckets never reallocates (and never has V8 copy) an
 * 8 MB backing store in one go, and never lands in the large-object space.
 *
 * Invariants:
 * - every part except the last holds exactly PART_SIZE slots; the last holds
 *   `length - (parts.length - 1) * PART_SIZE` slots (1..PART_SIZE), or there are no parts;
 * - every slot holds a value of T (new slots get `fill`), parts are packed arrays (no holes).
 *
 * Small arrays stay small: while `length <= PART_SIZE` the only part has exactly `length`
 * slots, so a classifier subtable with 4 buckets costs 4 slots, not 1024.
 */

/**
 * Slots per part. 1024 references are 8 KiB on 64-bit V8: far below the ~128 KiB
 * regular-object limit (so parts are ordinary young-generation objects, cheap to allocate
 * and to scavenge), yet large enough that the `parts` index itself stays tiny (a million
 * slots = 1024 parts). A power of two, so indexing is a shift and a mask.
 */
export const PART_SHIFT = 10;
export const PART_SIZE = 1 << PART_SHIFT;
const PART_MASK = PART_SIZE - 1;

/** A growable array of T stored in parts of PART_SIZE slots. */
export class FlexArray<T> {
  /** The parts; `parts[i >>> PART_SHIFT][i & PART_MASK]` is slot i. */
  private parts: T[][];
  /** Number of slots. */
  private len: number;
  /** Value written into every new slot. */
  private readonly fill: T;

  constructor(length: number, fill: T) {
    this.parts = [];
    this.len = 0;
    this.fill = fill;
    this.resize(length);
  }

  get length(): number {
    return this.len;
  }

  /** Slot i. The caller guarantees 0 <= i < length (not checked: hot path). */
  get(i: number): T {
    // Non-null assertions: indices are in range by the caller's contract; checking here
    // would cost a branch per bucket access in every classifier lookup.
    return this.parts[i >>> PART_SHIFT]![i & PART_MASK]!;
  }

  /** Sets slot i. The caller guarantees 0 <= i < length. */
  set(i: number, value: T): void {
    this.parts[i >>> PART_SHIFT]![i & PART_MASK] = value;
  }

  /**
   * Grows or shrinks to `length` slots. Growing fills new slots with `fill` and copies at
   * most one part (the partial last one); shrinking drops whole parts and trims the last.
   */
  resize(length: number): void {
    if (!Number.isInteger(length) || length < 0) {
      throw new RangeError(`FlexArray length must be a non-negative integer, got ${length}`);
    }
    if (length > this.len) {
      this.grow(length);
    } else if (length < this.len) {
      this.shrink(length);
    }
  }

  private grow(length: number): void {
    const parts = this.parts;
    let remaining = length - this.len;
    const last = parts[parts.length - 1];
    if (last !== undefined && last.length < PART_SIZE) {
      const add = Math.min(remaining, PART_SIZE - last.length);
      for (let i = 0; i < add; i++) last.push(this.fill);
      remaining -= add;
    }
    while (remaining > 0) {
      const n = Math.min(remaining, PART_SIZE);
      // Built with push from [] rather than `new Array(n).fill(x)`: the latter is a HOLEY
      // array forever in V8, and holey element loads are slower on the lookup path.
      const part: T[] = [];
      for (let i = 0; i < n; i++) part.push(this.fill);
      parts.push(part);
      remaining -= n;
    }
    this.len = length;
  }

  private shrink(length: number): void {
    const nParts = (length + PART_MASK) >>> PART_SHIFT;
    this.parts.length = nParts;
    const last = this.parts[nParts - 1];
    if (last !== undefined) last.length = length - (nParts - 1) * PART_SIZE;
    this.len = length;
  }

  /** Sets every slot to `value`. */
  fillAll(value: T): void {
    for (const part of this.parts) part.fill(value);
  }
}

/**
 * The same layout for 32-bit integers: Int32Array parts (4 bytes a slot, no boxing), for
 * per-bucket metadata stored beside a FlexArray of nodes.
 */
export class FlexInt32Array {
  /** The parts; the same shape rules as FlexArray's. */
  private parts: Int32Array[];
  /** Number of slots. */
  private len: number;

  constructor(length: number) {
    this.parts = [];
    this.len = 0;
    this.resize(length);
  }

  get length(): number {
    return this.len;
  }

  /** Slot i. The caller guarantees 0 <= i < length (not checked: hot path). */
  get(i: number): number {
    return this.parts[i >>> PART_SHIFT]![i & PART_MASK]!;
  }

  /** Sets slot i (to `value | 0`). The caller guarantees 0 <= i < length. */
  set(i: number, value: number): void {
    this.parts[i >>> PART_SHIFT]![i & PART_MASK] = value;
  }

  /** Grows (new slots are 0) or shrinks to `length` slots. */
  resize(length: number): void {
    if (!Number.isInteger(length) || length < 0) {
      throw new RangeError(`FlexInt32Array length must be a non-negative integer, got ${length}`);
    }
    const parts = this.parts;
    const nParts = (length + PART_MASK) >>> PART_SHIFT;
    const lastLen = length - (nParts - 1) * PART_SIZE;
    // Typed arrays cannot change length: the (at most one) partial last part is copied.
    parts.length = Math.min(parts.length, nParts);
    for (let p = 0; p < nParts; p++) {
      const want = p === nParts - 1 ? lastLen : PART_SIZE;
      const part = parts[p];
      if (part === undefined) {
        parts.push(new Int32Array(want));
      } else if (part.length !== want) {
        const copy = new Int32Array(want);
        copy.set(part.length <= want ? part : part.subarray(0, want));
        parts[p] = copy;
      }
    }
    this.len = length;
  }
}
