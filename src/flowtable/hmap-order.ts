/**
 * The iteration order of an OVS `hmap` (lib/hmap.c), for the places where OVS
 * prints what it finds in one: `ovs-appctl ofproto/list` (all_ofprotos, by
 * hash of the bridge name), `ovs-ofctl dump-ports` (a bridge's ports, by hash
 * of the OpenFlow port number), vswitchd's all_bridges.
 *
 * An hmap is an array of `mask + 1` singly linked buckets. A node goes to the
 * head of bucket `hash & mask`; when `n / 2 > mask` after an insert the table
 * grows to `calc_mask(n)` and every node is re-inserted, bucket by bucket,
 * each at the head of its new bucket. Removal unlinks a node and never
 * shrinks the table. Iteration walks the buckets in index order. The values
 * carry no order of their own: this class only keeps the node lists as OVS
 * would, so that printing in `values()` order prints what OVS prints.
 */

interface Node<T> {
  readonly hash: number;
  readonly value: T;
}

/** An HmapOrder as data (snapshots): its mask and each bucket's nodes as [hash, value], head first. */
export interface HmapOrderState<T> {
  readonly mask: number;
  readonly buckets: readonly (readonly (readonly [number, T])[])[];
}

/** hmap.c calc_mask. */
function calcMask(capacity: number): number {
  let m = Math.floor(capacity / 2);
  m |= m >> 1;
  m |= m >> 2;
  m |= m >> 4;
  m |= m >> 8;
  m |= m >> 16;
  m |= (m & 1) << 1;
  return m;
}

export class HmapOrder<T> {
  private mask = 0;
  private buckets: Node<T>[][] = [[]];
  private n = 0;

  get size(): number {
    return this.n;
  }

  insert(value: T, hash: number): void {
    (this.buckets[(hash >>> 0) & this.mask] as Node<T>[]).unshift({ hash: hash >>> 0, value });
    this.n++;
    if (Math.floor(this.n / 2) > this.mask) {
      const newMask = calcMask(this.n);
      if (newMask > this.mask) this.resize(newMask);
    }
  }

  /** Removes the first node holding `value` (by identity); false if none. */
  remove(value: T): boolean {
    for (const bucket of this.buckets) {
      const i = bucket.findIndex((node) => node.value === value);
      if (i >= 0) {
        bucket.splice(i, 1);
        this.n--;
        return true;
      }
    }
    return false;
  }

  /** The values in OVS's iteration order. */
  values(): T[] {
    return this.buckets.flatMap((b) => b.map((node) => node.value));
  }

  /** The table as data: iteration order and bucket count, which later inserts depend on. */
  save(): HmapOrderState<T> {
    return { mask: this.mask, buckets: this.buckets.map((b) => b.map((n) => [n.hash, n.value] as const)) };
  }

  /** Takes the state `save` gave (mask + 1 buckets, a power of two). */
  restore(state: HmapOrderState<T>): void {
    this.mask = state.mask;
    this.buckets = state.buckets.map((b) => b.map(([hash, value]) => ({ hash, value })));
    this.n = this.buckets.reduce((n, b) => n + b.length, 0);
  }

  private resize(newMask: number): void {
    const next: Node<T>[][] = Array.from({ length: newMask + 1 }, () => []);
    for (const bucket of this.buckets) for (const node of bucket) (next[node.hash & newMask] as Node<T>[]).unshift(node);
    this.buckets = next;
    this.mask = newMask;
  }
}
