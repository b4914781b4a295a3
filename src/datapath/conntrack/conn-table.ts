/**
 * The connection table (OVS's `ct->conns` cmap plus the expiry lists).
 *
 * Design:
 * - A Map from a key's 32-bit symmetric hash to a chain of key nodes
 *   (ConnKeyNode.next): lookups walk one chain and compare twelve words,
 *   with no allocation. A connection has its forward node in the table,
 *   and its reverse node too when a ct action with `nat` committed it. (OVS
 *   removes that reverse node only when the connection has a NAT action, so
 *   a connection committed by a bare `nat` leaves a stale node behind in
 *   OVS; ovsim removes it.)
 * - `conns` keeps every connection in commit order (a Set: O(1) removal).
 *   Dumps, flushes and sweeps walk it. OVS dumps in cmap (hash) order with
 *   a random hash basis, so its order is random from run to run; commit
 *   order is ovsim's deterministic stand-in.
 * - A lookup skips expired connections (OVS's conn_key_lookup) and, like
 *   OVS, compares the key with both directions of each connection it meets.
 *   Expired connections stay in the table until a sweep (`removeExpired`)
 *   or a flush removes them, as in OVS; nothing can see them meanwhile.
 */
import type { Conn, ConnKeyNode } from "./conn.js";
import type { ConnKey } from "./conn-key.js";

export class ConnTable {
  /** Chains of key nodes by hash. */
  private readonly buckets = new Map<number, ConnKeyNode>();
  /** Every connection in the table, in commit order. */
  readonly conns = new Set<Conn>();
  /** The hash basis (OVS: random per instance; ovsim: fixed). */
  readonly basis: number;
  /** Set by `lookup`: whether the key matched the connection's reverse direction. */
  lastReply = false;

  constructor(basis = 0) {
    this.basis = basis;
  }

  get size(): number {
    return this.conns.size;
  }

  /** OVS's conn_key_lookup: the live connection with `key` (either direction), or null; sets `lastReply`. */
  lookup(key: ConnKey, hash: number, now: number): Conn | null {
    for (let n = this.buckets.get(hash) ?? null; n !== null; n = n.next) {
      const c = n.conn;
      if (c.expired(now)) continue;
      if (c.fwd.key.equals(key)) {
        this.lastReply = false;
        return c;
      }
      if (c.rev.key.equals(key)) {
        this.lastReply = true;
        return c;
      }
    }
    return null;
  }

  /** Whether a live connection has `key` (OVS's conn_lookup with no output). */
  has(key: ConnKey, now: number): boolean {
    return this.lookup(key, key.hash(this.basis), now) !== null;
  }

  private insertNode(n: ConnKeyNode): void {
    const h = n.key.hash(this.basis);
    n.next = this.buckets.get(h) ?? null;
    this.buckets.set(h, n);
  }

  private removeNode(n: ConnKeyNode): void {
    const h = n.key.hash(this.basis);
    let prev: ConnKeyNode | null = null;
    for (let m = this.buckets.get(h) ?? null; m !== null; prev = m, m = m.next) {
      if (m !== n) continue;
      if (prev !== null) prev.next = m.next;
      else if (m.next !== null) this.buckets.set(h, m.next);
      else this.buckets.delete(h);
      m.next = null;
      return;
    }
  }

  /** Adds a committed connection (its reverse node too when `c.revInTable`). */
  add(c: Conn): void {
    if (c.revInTable) this.insertNode(c.rev);
    this.insertNode(c.fwd);
    this.conns.add(c);
  }

  /** OVS's conn_clean: removes `c` from the table. */
  remove(c: Conn): void {
    if (c.removed) return;
    c.removed = true;
    this.removeNode(c.fwd);
    if (c.revInTable) this.removeNode(c.rev);
    this.conns.delete(c);
  }

  /** OVS's ct_sweep over every list: removes the connections expired at `now`; returns how many. */
  removeExpired(now: number): number {
    let n = 0;
    for (const c of [...this.conns]) {
      if (c.expired(now)) {
        this.remove(c);
        n++;
      }
    }
    return n;
  }
}
