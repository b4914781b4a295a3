/*
 * PriorityCounts: the multiset of rule priorities of a classifier subtable, with its
 * maximum always at hand.
 */

/**
 * Counts of rules per priority with the maximum available in O(log d) (d distinct
 * priorities): a max-heap of priorities with lazy deletion, plus exact counts in a Map.
 * Without it, removing the only rule at the maximum would rescan the subtable (O(n), as
 * OVS does), and deleting a big subtable in priority order would be quadratic.
 */
export class PriorityCounts {
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
