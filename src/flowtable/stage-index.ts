/*
 * StageIndex: the multiset of a subtable's key-prefix hashes for one lookup stage (OVS's
 * per-stage `indices`, a ccmap of hash -> count, lib/classifier.c). A staged lookup asks
 * "does any entry of this subtable have the packet's key prefix up to the end of this
 * stage?" and, when the answer is no, stops probing the subtable and un-wildcards only the
 * stages it looked at.
 *
 * Exact, as OVS's: it answers yes only for a hash some entry has (two prefixes with the same
 * 32-bit hash are one, as in OVS). An approximate filter would say yes more often, and every
 * false yes un-wildcards a stage OVS leaves wildcarded, so ovsim's megaflows would differ
 * from OVS's.
 *
 * Open addressing with linear probing over two parallel arrays (hash, count); hash 0 marks
 * an empty slot, so a stored hash of 0 is moved to 1 (one more collision, sound). The load
 * stays between 1/16 and 1/4, as the subtable's slots: most questions a staged lookup asks
 * are answered no, and at this load a no usually comes from the home slot (one load, one
 * branch) where at 3/4 it took a run of about 8 slots. A slot costs 8 bytes (hash and count).
 * Removal shifts the rest of a probe run back (no tombstones).
 */

const MIN_SLOTS = 16;
const EMPTY = 0;

function stored(hash: number): number {
  return hash === EMPTY ? 1 : hash | 0;
}

export class StageIndex {
  private hashes: Int32Array;
  private counts: Int32Array;
  private slotMask: number;
  /** Distinct hashes held. */
  private n: number;

  constructor() {
    this.hashes = new Int32Array(MIN_SLOTS);
    this.counts = new Int32Array(MIN_SLOTS);
    this.slotMask = MIN_SLOTS - 1;
    this.n = 0;
  }

  /** Whether some entry's prefix has `hash`. Does not allocate. */
  has(hash: number): boolean {
    const h = stored(hash);
    const hashes = this.hashes;
    const slotMask = this.slotMask;
    for (let i = h & slotMask; ; i = (i + 1) & slotMask) {
      const x = hashes[i]!;
      if (x === h) return true;
      if (x === EMPTY) return false;
    }
  }

  /** Counts one more entry with prefix `hash`. */
  add(hash: number): void {
    const h = stored(hash);
    let i = h & this.slotMask;
    for (; this.hashes[i] !== EMPTY; i = (i + 1) & this.slotMask) {
      if (this.hashes[i] === h) {
        this.counts[i]!++;
        return;
      }
    }
    if ((this.n + 1) * 4 > this.slotMask + 1) {
      this.resize((this.slotMask + 1) * 2);
      this.add(hash);
      return;
    }
    this.hashes[i] = h;
    this.counts[i] = 1;
    this.n++;
  }

  /** Counts one entry with prefix `hash` less (it must have been added). */
  remove(hash: number): void {
    const h = stored(hash);
    let i = h & this.slotMask;
    while (this.hashes[i] !== h) {
      if (this.hashes[i] === EMPTY) return;
      i = (i + 1) & this.slotMask;
    }
    if (--this.counts[i]! > 0) return;
    this.deleteAt(i);
    const nSlots = this.slotMask + 1;
    if (nSlots > MIN_SLOTS && this.n * 16 < nSlots) this.resize(nSlots / 2);
  }

  /** Empties slot `i` and shifts later members of its probe run back (Knuth's algorithm R). */
  private deleteAt(i: number): void {
    const hashes = this.hashes;
    const counts = this.counts;
    const slotMask = this.slotMask;
    let hole = i;
    for (let j = (i + 1) & slotMask; hashes[j] !== EMPTY; j = (j + 1) & slotMask) {
      const home = hashes[j]! & slotMask;
      // Member j may move to the hole unless its home lies cyclically in (hole, j].
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (stays) continue;
      hashes[hole] = hashes[j]!;
      counts[hole] = counts[j]!;
      hole = j;
    }
    hashes[hole] = EMPTY;
    counts[hole] = 0;
    this.n--;
  }

  private resize(nSlots: number): void {
    const oldHashes = this.hashes;
    const oldCounts = this.counts;
    this.hashes = new Int32Array(nSlots);
    this.counts = new Int32Array(nSlots);
    this.slotMask = nSlots - 1;
    for (let i = 0; i < oldHashes.length; i++) {
      const h = oldHashes[i]!;
      if (h === EMPTY) continue;
      let j = h & this.slotMask;
      while (this.hashes[j] !== EMPTY) j = (j + 1) & this.slotMask;
      this.hashes[j] = h;
      this.counts[j] = oldCounts[i]!;
    }
  }
}
