/**
 * OpenFlow port numbers as an OVS bridge hands them out (ofproto/ofproto.c
 * `alloc_ofp_port`, `dealloc_ofp_port`; vswitchd/bridge.c `iface_pick_ofport`).
 *
 * - A port asks for a number: its Interface's `ofport_request`, else the
 *   `ofport` it had before (so a port that is re-added keeps its number).
 *   The number is given if no live port holds it.
 * - Otherwise a cursor walks on from the last number it gave (1, 2, 3, ...,
 *   wrapping below 32768) to the next number that was never used, or whose
 *   port was deleted more than an hour ago. Numbers of deleted ports are
 *   therefore NOT reused at once: delete port 2 and add a port, it gets the
 *   next fresh number. Only when every number was used recently does the
 *   least recently freed one come back.
 * - The bridge's own internal port is LOCAL (65534) and never allocated.
 *
 * Time is the simulation's virtual clock (ms).
 */

import { HmapOrder } from "../flowtable/hmap-order.js";

/** OFPP_LOCAL. */
export const OFPORT_LOCAL = 65534;
/** The cursor stays below this (OVS reserves the upper half for controllers). */
const AUTO_LIMIT = 32768;
/** OFPP_MAX: a requested number must be below it. */
export const OFPORT_MAX = 0xff00;
/** A freed number may be reused automatically after this long. */
const REUSE_AFTER_MS = 60 * 60 * 1000;
/** Usage mark of a number held by a live port. */
const IN_USE = Number.POSITIVE_INFINITY;

/** An allocator as data (snapshots): the cursor, and each number's mark (null: held by a live port, else when it was freed). */
export interface OfportAllocatorState {
  readonly cursor: number;
  readonly usage: readonly (readonly [number, number | null])[];
}

export class OfportAllocator {
  /** Last number the cursor gave. */
  private cursor = 0;
  /** Number -> when it was freed (IN_USE while a port holds it). */
  private readonly usage = new Map<number, number>();

  /** True if a live port holds `ofport`. */
  inUse(ofport: number): boolean {
    return this.usage.get(ofport) === IN_USE;
  }

  /** A number for a new port: `want` if valid and free, else the cursor's next; null if none is left. */
  alloc(want: number | null, now: number): number | null {
    let port: number | null = null;
    if (want !== null && want >= 1 && want < OFPORT_MAX && !this.inUse(want)) {
      port = want;
    } else {
      const end = this.cursor;
      let lru = 0;
      let lruAt = IN_USE;
      for (;;) {
        if (++this.cursor >= AUTO_LIMIT) this.cursor = 1;
        const at = this.usage.get(this.cursor);
        if (at === undefined) {
          port = this.cursor;
          break;
        } else if (at < now - REUSE_AFTER_MS) {
          this.usage.delete(this.cursor);
          port = this.cursor;
          break;
        } else if (at < lruAt) {
          lruAt = at;
          lru = this.cursor;
        }
        if (this.cursor === end) {
          if (lru !== 0) port = lru;
          break;
        }
      }
    }
    if (port !== null) this.usage.set(port, IN_USE);
    return port;
  }

  save(): OfportAllocatorState {
    return { cursor: this.cursor, usage: [...this.usage].map(([n, at]) => [n, at === IN_USE ? null : at] as const) };
  }

  restore(state: OfportAllocatorState): void {
    this.cursor = state.cursor;
    this.usage.clear();
    for (const [n, at] of state.usage) this.usage.set(n, at ?? IN_USE);
  }

  /** The port holding `ofport` was deleted at `now`. */
  free(ofport: number, now: number): void {
    if (ofport >= 1 && ofport < OFPORT_MAX) this.usage.set(ofport, now);
  }
}

/** OVS's hash_string(s, 0) (lib/hash.c hash_bytes, murmur3-style). */
export function ovsHashString(s: string): number {
  const b = new TextEncoder().encode(s);
  const rot = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;
  const add = (hash: number, data: number): number => {
    let d = Math.imul(data, 0xcc9e2d51);
    d = Math.imul(rot(d >>> 0, 15), 0x1b873593);
    const h = rot((hash ^ d) >>> 0, 13);
    return (Math.imul(h, 5) + 0xe6546b64) >>> 0;
  };
  let h = 0;
  let i = 0;
  for (; i + 4 <= b.length; i += 4) {
    h = add(h, ((b[i] as number) | ((b[i + 1] as number) << 8) | ((b[i + 2] as number) << 16) | ((b[i + 3] as number) << 24)) >>> 0);
  }
  if (i < b.length) {
    let t = 0;
    for (let j = 0; i + j < b.length; j++) t |= (b[i + j] as number) << (8 * j);
    h = add(h, t >>> 0);
  }
  h = (h ^ b.length) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h = (h ^ (h >>> 13)) >>> 0;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The order in which OVS's `shash` (an `hmap` keyed by hash_string) yields
 * `names` inserted in the given order: bucket by bucket, newest first within a
 * bucket, with the table doubling as OVS's hmap does. vswitchd adds a
 * bridge's new ports in this order, so several ports added in one
 * transaction get numbers in hash order, not command order.
 */
export function shashOrder(names: readonly string[]): string[] {
  const order = new HmapOrder<string>();
  for (const name of names) order.insert(name, ovsHashString(name));
  return order.values();
}
