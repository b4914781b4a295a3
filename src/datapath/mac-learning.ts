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
 *   refresh or a move makes an entry its port's most recent). OVS breaks a
 *   tie between ports through its heap; ovsim takes the port whose LRU entry
 *   is oldest.
 * - Entries are kept in least-recently-used order: `fdb/show` prints them so.
 * - Multicast source MACs and VLANs in `flood_vlans` are never learned.
 *
 * Expiry happens in `run(now)`, as in ovs-vswitchd's main loop; callers run
 * it before they read (Switch advances the clock through it).
 *
 * Gratuitous-ARP locking only matters for bond ports, which ovsim does not
 * model, and static entries (fdb/add) are not modelled.
 */

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
  /** Virtual time (whole seconds) at which the entry expires. */
  expires: number;
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
  readonly version: number;
  readonly entries: readonly MacEntry[];
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
  /**
   * Bumped whenever what lookups answer changes (an entry learned, moved,
   * expired, evicted or forgotten; not a refresh): the datapath revalidates
   * its megaflows when it changes.
   */
  version = 0;
  /** Insertion order of a Map = LRU order: oldest first. */
  private readonly entries = new Map<string, MacEntry>();

  get size(): number {
    return this.entries.size;
  }

  setIdleTime(s: number): void {
    const t = normalizeAgingTime(s);
    if (t === this.idleTime) return;
    const delta = t - this.idleTime;
    for (const e of this.entries.values()) e.expires += delta;
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
      version: this.version,
      entries: [...this.entries.values()].map((e) => ({ ...e })),
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
    this.version = s.version;
    this.entries.clear();
    for (const e of s.entries) this.entries.set(keyOf(e.mac, e.vlan), { ...e });
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
    // OVS's fast path: an entry refreshed this second on the same port needs nothing.
    if (e && e.port === port && e.expires - now === this.idleTime) return false;
    if (e) this.entries.delete(key);
    else {
      if (this.entries.size >= this.maxEntries) this.evictOne();
      e = { mac, vlan, port: -1, expires: 0 };
      this.totalLearned++;
    }
    this.entries.set(key, e);
    e.expires = now + this.idleTime;
    if (e.port === port) return false;
    if (e.port !== -1) this.totalMoved++;
    e.port = port;
    this.version++;
    return true;
  }

  /** Drops expired entries (mac_learning_run); returns how many. */
  run(nowMs: number): number {
    const now = seconds(nowMs);
    let n = 0;
    for (const [key, e] of this.entries) {
      if (now >= e.expires) {
        this.entries.delete(key);
        n++;
      }
    }
    this.totalExpired += n;
    if (n > 0) this.version++;
    return n;
  }

  /** Forgets every entry (fdb/flush). */
  flush(): void {
    this.entries.clear();
    this.version++;
  }

  /** Forgets the entries of one port (a port that goes away); returns them. */
  flushPort(port: number): MacEntry[] {
    const gone: MacEntry[] = [];
    for (const [key, e] of this.entries) {
      if (e.port === port) {
        this.entries.delete(key);
        gone.push(e);
      }
    }
    if (gone.length > 0) this.version++;
    return gone;
  }

  /** Forgets (MAC, VLAN) wherever it was learned (mac_learning_expire; not counted as expired). */
  forget(mac: number, vlan: number): void {
    if (this.entries.delete(keyOf(mac, vlan))) this.version++;
  }

  /** Entries in LRU order (oldest first) with their age in seconds at `nowMs`. */
  list(nowMs: number): { entry: MacEntry; age: number }[] {
    const now = seconds(nowMs);
    return [...this.entries.values()].map((entry) => ({ entry, age: this.idleTime - (entry.expires - now) }));
  }

  private evictOne(): void {
    // The map is in LRU order, so each port's first entry is its least recently used.
    const perPort = new Map<number, { count: number; first: string }>();
    for (const [key, e] of this.entries) {
      const p = perPort.get(e.port);
      if (p === undefined) perPort.set(e.port, { count: 1, first: key });
      else p.count++;
    }
    let victim: { count: number; first: string } | null = null;
    for (const p of perPort.values()) if (victim === null || p.count > victim.count) victim = p;
    if (victim === null) return;
    this.entries.delete(victim.first);
    this.totalEvicted++;
    this.version++;
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
