/**
 * The MAC table's ports by usage (lib/mac-learning.c `ports_by_usage`): a
 * binary max-heap of ports keyed by how many MAC entries each holds, laid
 * out and reordered exactly as OVS's lib/heap.c does, because which of
 * several equally used ports loses an entry on overflow
 * (evict_mac_entry_fairly takes heap_max) depends on the heap's array order.
 *
 * - A port enters with priority 1 at the end of the array and floats up;
 *   a count change floats the node up, or else down; a port whose last entry
 *   goes is removed (the array's last node takes its place, then floats).
 * - Float up swaps with the parent only while the parent is strictly
 *   smaller; float down swaps with the larger child (left on a tie) only
 *   while that child is strictly larger.
 *
 * The array order is state: snapshots save it (`order()`), `restore` puts it back.
 */

interface UsageNode {
  readonly port: number;
  priority: number;
}

export class PortUsageHeap {
  /** 1-based as OVS's: slot 0 unused. */
  private readonly array: (UsageNode | null)[] = [null];
  private readonly index = new Map<number, number>();

  /** The port holding the most entries, as heap_max picks it; undefined if none. */
  max(): number | undefined {
    return this.array[1]?.port;
  }

  /** The ports in heap array order (for snapshots). */
  order(): number[] {
    return this.array.slice(1).map((n) => (n as UsageNode).port);
  }

  clear(): void {
    this.array.length = 1;
    this.index.clear();
  }

  /** Puts back a saved array order with each port's entry count (a valid heap as saved). */
  restore(order: readonly number[], counts: ReadonlyMap<number, number>): void {
    this.clear();
    for (const port of order) {
      const priority = counts.get(port);
      if (priority === undefined || priority === 0 || this.index.has(port)) continue;
      this.put({ port, priority }, this.array.length);
    }
    // Ports the saved order lacks (an older snapshot) enter as OVS would insert them.
    for (const [port, n] of counts) if (!this.index.has(port)) for (let i = 0; i < n; i++) this.increment(port);
  }

  /** One more entry on `port` (mac_entry_set_port to it). */
  increment(port: number): void {
    const i = this.index.get(port);
    if (i === undefined) {
      const at = this.array.length;
      this.put({ port, priority: 1 }, at);
      this.floatUp(at);
    } else {
      (this.array[i] as UsageNode).priority++;
      this.floatUpOrDown(i);
    }
  }

  /** One entry fewer on `port` (mac_entry_set_port away from it); removes it at zero. */
  decrement(port: number): void {
    const i = this.index.get(port);
    if (i === undefined) return;
    const node = this.array[i] as UsageNode;
    if (node.priority > 1) {
      node.priority--;
      this.floatUpOrDown(i);
      return;
    }
    const last = this.array.length - 1;
    this.index.delete(port);
    if (i < last) this.put(this.array[last] as UsageNode, i);
    this.array.length = last;
    if (i < this.array.length) this.floatUpOrDown(i);
  }

  private put(node: UsageNode, i: number): void {
    this.array[i] = node;
    this.index.set(node.port, i);
  }

  private swap(i: number, j: number): void {
    const a = this.array[i] as UsageNode;
    const b = this.array[j] as UsageNode;
    this.put(b, i);
    this.put(a, j);
  }

  private prio(i: number): number {
    return (this.array[i] as UsageNode).priority;
  }

  private floatUp(i: number): boolean {
    let moved = false;
    while (i > 1) {
      const parent = i >> 1;
      if (this.prio(parent) >= this.prio(i)) break;
      this.swap(parent, i);
      moved = true;
      i = parent;
    }
    return moved;
  }

  private floatDown(i: number): void {
    const n = this.array.length - 1;
    for (;;) {
      const left = 2 * i;
      if (left > n) return;
      const right = left + 1;
      let max = i;
      if (this.prio(left) > this.prio(max)) max = left;
      if (right <= n && this.prio(right) > this.prio(max)) max = right;
      if (max === i) return;
      this.swap(max, i);
      i = max;
    }
  }

  private floatUpOrDown(i: number): void {
    if (!this.floatUp(i)) this.floatDown(i);
  }
}
