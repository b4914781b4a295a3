/**
 * A bridge's MAC learning table, the one NORMAL uses (OVS lib/mac-learning.c).
 *
 * - An entry maps (MAC, VLAN) to the OpenFlow port it was last seen on. It
 *   expires `idleTime` seconds after it was last learned: OVS counts whole
 *   seconds (`time_now()` = the clock in ms / 1000, rounded down), so an entry
 *   learned at 0.9 s with the default 300 s aging goes when the clock reaches
 *   300 s.
 * - `idleTime` is Bridge other_config:mac-aging-time, default 300, clamped to
 *   15..3600 as OVS's normalize_idle_time; changing it shifts every entry's
 *   expiry by the difference (mac_learning_set_idle_time).
 * - The table holds at most `maxEntries` (other_config:mac-table-size, default
 *   8192); a new MAC in a full table evicts "fairly" (evict_mac_entry_fairly):
 *   the least recently used entry of the port holding the most entries (a
 *   refresh or a move makes an entry its port's most recent). Which of
 *   several equally used ports loses one is the top of OVS's ports-by-usage
 *   heap, kept as OVS keeps it (port-usage-heap.ts).
 * - Entries are kept in least-recently-used order: `fdb/show` prints them so.
 * - Multicast source MACs and VLANs in `flood_vlans` are never learned.
 *
 * Expiry happens in `run(now)`, as in ovs-vswitchd's main loop; callers run
 * it before they read (Switch advances the clock through it).
 *
 * Static entries (`fdb/add`, mac_learning_add_static_entry) never expire, are
 * not refreshed or moved by learning (a packet from the MAC on another port
 * only bumps the coverage counter mac_learning_static_none_move) and survive
 * fdb/flush; `fdb/add` on an existing entry makes it static (and most recently
 * used) on the given port. They still count towards the table's size and
 * per-port usage, so eviction may take one, as OVS's does. `staticEntries` is
 * OVS's counter: fdb/add of a new or dynamic entry adds one, fdb/del takes one.
 *
 * Gratuitous-ARP locking only matters for bond ports, which ovsim does not
 * model.
 */

import { PortUsageHeap } from "./port-usage-heap.js";

export const MAC_DEFAULT_AGING_S = 300;
export const MAC_DEFAULT_MAX_ENTRIES = 8192;
/** OVS's bounds on the aging time (mac-learning.c normalize_idle_time). */
const MIN_AGING_S = 15;
const MAX_AGING_S = 3600;

export interface MacEntry {
  /** The MAC as a 48-bit integer. */
  readonly mac: number;
  readonly vlan: number;
  /** OpenFlow port the MAC was last seen on. */
  port: number;
  /** Virtual time (whole seconds) at which the entry expires; meaningless for a static entry. */
  expires: number;
  /** Added by fdb/add: never ages, not moved by learning (OVS's MAC_ENTRY_AGE_STATIC_ENTRY). */
  isStatic: boolean;
}

/** OVS's time_now(): whole seconds of the virtual clock. */
function seconds(nowMs: number): number {
  return Math.floor(nowMs / 1000);
}

function keyOf(mac: number, vlan: number): string {
  return `${mac}/${vlan}`;
}

export function normalizeAgingTime(s: number): number {
  return s < MIN_AGING_S ? MIN_AGING_S : s > MAX_AGING_S ? MAX_AGING_S : s;
}

/** A MAC table as data (snapshots): entries oldest first (eviction order), counters, version, settings. */
export interface MacTableState {
  readonly idleTime: number;
  readonly maxEntries: number;
  readonly floodVlans: readonly number[];
  readonly totalLearned: number;
  readonly totalExpired: number;
  readonly totalEvicted: number;
  readonly totalMoved: number;
  readonly staticEntries: number;
  readonly staticNoneMove: number;
  readonly version: number;
  readonly entries: readonly MacEntry[];
  /** The ports-by-usage heap's array order (absent in older snapshots). */
  readonly portOrder?: readonly number[];
}

export class MacLearningTable {
  idleTime = MAC_DEFAULT_AGING_S;
  maxEntries = MAC_DEFAULT_MAX_ENTRIES;
  /** VLANs on which nothing is learned (Bridge flood_vlans). */
  floodVlans: ReadonlySet<number> = new Set();
  /** Counters, as fdb/stats-show prints them. */
  totalLearned = 0;
  totalExpired = 0;
  totalEvicted = 0;
  totalMoved = 0;
  /** Current static entries (fdb/stats-show), counted as OVS counts them. */
  staticEntries = 0;
  /** Coverage counter mac_learning_static_none_move: a static MAC seen on another port. */
  staticNoneMove = 0;
  /**
   * Bumped whenever what lookups answer changes (an entry learned, moved,
   * expired, evicted or forgotten; not a refresh): the datapath revalidates
   * its megaflows when it changes.
   */
  version = 0;
  /** Insertion order of a Map = LRU order: oldest first. */
  private readonly entries = new Map<string, MacEntry>();
  /** Ports by how many entries they hold, for fair eviction. */
  private readonly usage = new PortUsageHeap();

  get size(): number {
    return this.entries.size;
  }

  setIdleTime(s: number): void {
    const t = normalizeAgingTime(s);
    if (t === this.idleTime) return;
    const delta = t - this.idleTime;
    for (const e of this.entries.values()) if (!e.isStatic) e.expires += delta;
    this.idleTime = t;
  }

  setMaxEntries(n: number): void {
    this.maxEntries = Math.max(10, n);
  }

  save(): MacTableState {
    return {
      idleTime: this.idleTime,
      maxEntries: this.maxEntries,
      floodVlans: [...this.floodVlans],
      totalLearned: this.totalLearned,
      totalExpired: this.totalExpired,
      totalEvicted: this.totalEvicted,
      totalMoved: this.totalMoved,
      staticEntries: this.staticEntries,
      staticNoneMove: this.staticNoneMove,
      version: this.version,
      entries: [...this.entries.values()].map((e) => ({ ...e })),
      portOrder: this.usage.order(),
    };
  }

  restore(s: MacTableState): void {
    this.idleTime = s.idleTime;
    this.maxEntries = s.maxEntries;
    this.floodVlans = new Set(s.floodVlans);
    this.totalLearned = s.totalLearned;
    this.totalExpired = s.totalExpired;
    this.totalEvicted = s.totalEvicted;
    this.totalMoved = s.totalMoved;
    this.staticEntries = s.staticEntries;
    this.staticNoneMove = s.staticNoneMove;
    this.version = s.version;
    this.entries.clear();
    const counts = new Map<number, number>();
    for (const e of s.entries) {
      this.entries.set(keyOf(e.mac, e.vlan), { ...e });
      if (e.port !== -1) counts.set(e.port, (counts.get(e.port) ?? 0) + 1);
    }
    this.usage.restore(s.portOrder ?? [], counts);
  }

  /** The port (MAC, VLAN) was last seen on, or null. */
  lookup(mac: number, vlan: number): number | null {
    return this.entries.get(keyOf(mac, vlan))?.port ?? null;
  }

  entry(mac: number, vlan: number): MacEntry | undefined {
    return this.entries.get(keyOf(mac, vlan));
  }

  /** Whether OVS would learn this source at all (mac_learning_may_learn). */
  mayLearn(mac: number, vlan: number): boolean {
    const multicast = Math.floor(mac / 2 ** 40) & 1;
    return multicast === 0 && !this.floodVlans.has(vlan);
  }

  /**
   * Learns that `mac` on `vlan` was seen on `port` at `nowMs`
   * (mac_learning_update): refreshes or creates the entry and moves it to
   * the most-recently-used end. Returns true if the port changed (a new
   * entry or a move), as OVS does to trigger revalidation.
   */
  learn(mac: number, vlan: number, port: number, nowMs: number): boolean {
    if (!this.mayLearn(mac, vlan)) return false;
    const now = seconds(nowMs);
    const key = keyOf(mac, vlan);
    let e = this.entries.get(key);
    if (e?.isStatic) {
      if (e.port !== port) this.staticNoneMove++;
      return false;
    }
    // OVS's fast path: an entry refreshed this second on the same port needs nothing.
    if (e && e.port === port && e.expires - now === this.idleTime) return false;
    if (e) this.entries.delete(key);
    else {
      if (this.entries.size >= this.maxEntries) this.evictOne();
      e = { mac, vlan, port: -1, expires: 0, isStatic: false };
      this.totalLearned++;
    }
    this.entries.set(key, e);
    e.expires = now + this.idleTime;
    if (e.port === port) return false;
    if (e.port !== -1) this.totalMoved++;
    this.setPort(e, port);
    this.version++;
    return true;
  }

  /** Drops expired entries (mac_learning_run); returns how many. */
  run(nowMs: number): number {
    const now = seconds(nowMs);
    let n = 0;
    for (const [key, e] of this.entries) {
      if (!e.isStatic && now >= e.expires) {
        this.remove(key, e);
        n++;
      }
    }
    this.totalExpired += n;
    if (n > 0) this.version++;
    return n;
  }

  /** Forgets every dynamic entry (fdb/flush, mac_learning_flush); static ones stay. */
  flush(): void {
    for (const [key, e] of this.entries) if (!e.isStatic) this.remove(key, e);
    this.version++;
  }

  /**
   * Makes (MAC, VLAN) a static entry on `port` (mac_learning_add_static_entry):
   * a new entry (evicting if the table is full) or an existing one converted
   * and moved, made most recently used either way. Not counted as learned or moved.
   */
  addStatic(mac: number, vlan: number, port: number): void {
    const key = keyOf(mac, vlan);
    let e = this.entries.get(key);
    if (e) this.entries.delete(key);
    else {
      if (this.entries.size >= this.maxEntries) this.evictOne();
      e = { mac, vlan, port: -1, expires: 0, isStatic: false };
    }
    this.entries.set(key, e);
    if (!e.isStatic) this.staticEntries++;
    e.isStatic = true;
    e.expires = 0;
    this.setPort(e, port);
    this.version++;
  }

  /**
   * Removes the static entry (MAC, VLAN) (mac_learning_del_static_entry);
   * false if there is none, or if the MAC is multicast or the VLAN is not
   * learned on (OVS's lookup sees no entry then).
   */
  delStatic(mac: number, vlan: number): boolean {
    if (!this.mayLearn(mac, vlan)) return false;
    const key = keyOf(mac, vlan);
    const e = this.entries.get(key);
    if (!e?.isStatic) return false;
    this.remove(key, e);
    this.staticEntries--;
    this.version++;
    return true;
  }

  /** Forgets the entries of one port (a port that goes away); returns them. */
  flushPort(port: number): MacEntry[] {
    const gone: MacEntry[] = [];
    for (const [key, e] of this.entries) {
      if (e.port === port) {
        this.remove(key, e);
        gone.push(e);
      }
    }
    if (gone.length > 0) this.version++;
    return gone;
  }

  /** Forgets (MAC, VLAN) wherever it was learned (mac_learning_expire; not counted as expired). */
  forget(mac: number, vlan: number): void {
    const key = keyOf(mac, vlan);
    const e = this.entries.get(key);
    if (e === undefined) return;
    this.remove(key, e);
    this.version++;
  }

  /** Entries in LRU order (oldest first) with their age in seconds at `nowMs` ("static" for a static entry). */
  list(nowMs: number): { entry: MacEntry; age: number | "static" }[] {
    const now = seconds(nowMs);
    return [...this.entries.values()].map((entry) => ({ entry, age: entry.isStatic ? "static" : this.idleTime - (entry.expires - now) }));
  }

  /** Moves `e` to `port` (mac_entry_set_port): the usage heap follows. */
  private setPort(e: MacEntry, port: number): void {
    if (e.port === port) return;
    if (e.port !== -1) this.usage.decrement(e.port);
    e.port = port;
    this.usage.increment(port);
  }

  /** Drops an entry (mac_learning_expire). */
  private remove(key: string, e: MacEntry): void {
    this.entries.delete(key);
    if (e.port !== -1) this.usage.decrement(e.port);
  }

  /** evict_mac_entry_fairly: the least recently used entry of the heap's top port. */
  private evictOne(): void {
    const port = this.usage.max();
    if (port === undefined) return;
    // The map is in LRU order, so the port's first entry is its least recently used.
    for (const [key, e] of this.entries) {
      if (e.port !== port) continue;
      this.remove(key, e);
      this.totalEvicted++;
      this.version++;
      return;
    }
  }
}

/** A MAC as OVS prints it (ETH_ADDR_FMT). */
export function formatMac(mac: number): string {
  const out: string[] = [];
  for (let i = 5; i >= 0; i--) out.push((Math.floor(mac / 2 ** (8 * i)) & 0xff).toString(16).padStart(2, "0"));
  return out.join(":");
}

/** Parses "aa:bb:cc:dd:ee:ff" to a 48-bit integer, or null. */
export function parseMac(s: string): number | null {
  const m = /^([0-9a-f]{1,2}):([0-9a-f]{1,2}):([0-9a-f]{1,2}):([0-9a-f]{1,2}):([0-9a-f]{1,2}):([0-9a-f]{1,2})$/i.exec(s);
  if (!m) return null;
  let v = 0;
  for (let i = 1; i <= 6; i++) v = v * 256 + parseInt(m[i] as string, 16);
  return v;
}
