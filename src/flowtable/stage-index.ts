/*
 * StageIndex: for each lookup stage of one subtable, the multiset of its entries' key-prefix
 * hashes up to the end of that stage (OVS's per-stage `indices`, a ccmap of hash -> count
 * each, lib/classifier.c). A staged lookup asks "does any entry of this subtable have the
 * packet's key prefix up to the end of this stage?" and, when the answer is no, stops
 * probing the subtable and un-wildcards only the stages it looked at.
 *
 * Exact, as OVS's: it answers yes only for a hash some entry has (two prefixes with the same
 * 32-bit hash are one, as in OVS). An approximate filter would say yes more often, and every
 * false yes un-wildcards a stage OVS leaves wildcarded, so ovsim's megaflows would differ
 * from OVS's.
 *
 * One table per stage, all of one size and laid end to end in two arrays (hash, count): a
 * question is one object and one typed array away from the subtable, where a table object
 * per stage cost two more dependent loads on every stage of every staged probe (measured
 * for issue 15). Open addressing with linear probing in the stage's region; hash 0 marks an
 * empty slot, so a stored hash of 0 is moved to 1 (one more collision, sound). Every stage
 * holds at most one hash per entry, so the regions are sized for the fullest stage, whose
 * load stays between 1/16 and 1/4, as the subtable's slots: most questions a staged lookup
 * asks are answered no, and at this load a no usually comes from the home slot (one load,
 * one branch) where at 3/4 it took a run of about 8 slots. A slot costs 8 bytes (hash and
 * count). Removal shifts the rest of a probe run back (no tombstones).
 */

const MIN_SLOTS = 16;
const EMPTY = 0;

function stored(hash: number): number {
  return hash === EMPTY ? 1 : hash | 0;
}

export class StageIndex {
  /** Number of stages. */
  readonly nStages: number;
  /** nStages regions of nSlots hashes; stage s's region starts at s << slotBits. */
  private hashes: Int32Array;
  /** The count of each slot's hash, laid out as `hashes`. */
  private counts: Int32Array;
  /** log2(nSlots). */
  private slotBits: number;
  private slotMask: number;
  /** Distinct hashes held, per stage. */
  private readonly sizes: Int32Array;

  constructor(nStages: number) {
    this.nStages = nStages;
    this.slotBits = Math.log2(MIN_SLOTS);
    this.slotMask = MIN_SLOTS - 1;
    this.hashes = new Int32Array(nStages * MIN_SLOTS);
    this.counts = new Int32Array(nStages * MIN_SLOTS);
    this.sizes = new Int32Array(nStages);
  }

  /** Whether some entry's prefix at `stage` has `hash`. Does not allocate. */
  has(stage: number, hash: number): boolean {
    const h = stored(hash);
    const hashes = this.hashes;
    const slotMask = this.slotMask;
    const base = stage << this.slotBits;
    for (let i = h & slotMask; ; i = (i + 1) & slotMask) {
      const x = hashes[base + i]!;
      if (x === h) return true;
      if (x === EMPTY) return false;
    }
  }

  /** Counts one more entry with prefix `hash` at `stage`. */
  add(stage: number, hash: number): void {
    const h = stored(hash);
    const base = stage << this.slotBits;
    let i = h & this.slotMask;
    for (; this.hashes[base + i] !== EMPTY; i = (i + 1) & this.slotMask) {
      if (this.hashes[base + i] === h) {
        this.counts[base + i]!++;
        return;
      }
    }
    if ((this.sizes[stage]! + 1) * 4 > this.slotMask + 1) {
      this.resize((this.slotMask + 1) * 2);
      this.add(stage, hash);
      return;
    }
    this.hashes[base + i] = h;
    this.counts[base + i] = 1;
    this.sizes[stage]!++;
  }

  /** Counts one entry with prefix `hash` at `stage` less (it must have been added). */
  remove(stage: number, hash: number): void {
    const h = stored(hash);
    const base = stage << this.slotBits;
    let i = h & this.slotMask;
    while (this.hashes[base + i] !== h) {
      if (this.hashes[base + i] === EMPTY) return;
      i = (i + 1) & this.slotMask;
    }
    if (--this.counts[base + i]! > 0) return;
    this.deleteAt(base, i);
    this.sizes[stage]!--;
    const nSlots = this.slotMask + 1;
    let most = 0;
    for (let s = 0; s < this.nStages; s++) most = Math.max(most, this.sizes[s]!);
    if (nSlots > MIN_SLOTS && most * 16 < nSlots) this.resize(nSlots / 2);
  }

  /**
   * Empties slot `i` of the region at `base` and shifts later members of its probe run back
   * (Knuth's algorithm R).
   */
  private deleteAt(base: number, i: number): void {
    const hashes = this.hashes;
    const counts = this.counts;
    const slotMask = this.slotMask;
    let hole = i;
    for (let j = (i + 1) & slotMask; hashes[base + j] !== EMPTY; j = (j + 1) & slotMask) {
      const home = hashes[base + j]! & slotMask;
      // Member j may move to the hole unless its home lies cyclically in (hole, j].
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (stays) continue;
      hashes[base + hole] = hashes[base + j]!;
      counts[base + hole] = counts[base + j]!;
      hole = j;
    }
    hashes[base + hole] = EMPTY;
    counts[base + hole] = 0;
  }

  /** Rehashes every stage into regions of `nSlots` slots. */
  private resize(nSlots: number): void {
    const oldHashes = this.hashes;
    const oldCounts = this.counts;
    const oldBits = this.slotBits;
    this.slotBits = Math.log2(nSlots);
    this.slotMask = nSlots - 1;
    this.hashes = new Int32Array(this.nStages * nSlots);
    this.counts = new Int32Array(this.nStages * nSlots);
    for (let s = 0; s < this.nStages; s++) {
      const base = s << this.slotBits;
      for (let i = s << oldBits, end = (s + 1) << oldBits; i < end; i++) {
        const h = oldHashes[i]!;
        if (h === EMPTY) continue;
        let j = h & this.slotMask;
        while (this.hashes[base + j] !== EMPTY) j = (j + 1) & this.slotMask;
        this.hashes[base + j] = h;
        this.counts[base + j] = oldCounts[i]!;
      }
    }
  }
}
