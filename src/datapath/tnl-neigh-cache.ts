/**
 * OVS's tunnel neighbour cache (lib/tnl-neigh-cache.c), IPv4 part: which MAC
 * answers for a next-hop IP on an underlay bridge. Filled by `tnl/arp/set`
 * (and, in OVS, by snooping ARP replies). Entries are keyed by IP alone, as
 * OVS's table: setting an IP again replaces its MAC and bridge.
 *
 * IPv6 neighbours (`tnl/neigh/set BR 2001:cafe::92 MAC`) are kept beside
 * the IPv4 ones, by address (`NeighEntry6`).
 *
 * Not modelled: expiry (OVS ages learned entries after 15 minutes and
 * prints them ` STALE`), neighbour discovery snooping.
 */

export interface NeighEntry {
  readonly ip: number;
  /** 48-bit MAC as a number. */
  readonly mac: number;
  readonly bridge: string;
}

/** An IPv6 neighbour: the address as a 128-bit bigint. */
export interface NeighEntry6 {
  readonly ip: bigint;
  readonly mac: number;
  readonly bridge: string;
}

export class TnlNeighCache {
  private readonly entries = new Map<number, NeighEntry>();
  private readonly entries6 = new Map<bigint, NeighEntry6>();

  set(bridge: string, ip: number, mac: number): void {
    this.entries.set(ip, { ip, mac, bridge });
  }

  /** tnl_neigh_lookup: the MAC of `ip` learned on `bridge`, or null. */
  lookup(bridge: string, ip: number): number | null {
    const e = this.entries.get(ip);
    return e !== undefined && e.bridge === bridge ? e.mac : null;
  }

  /** Replaces every entry with `entries` and `entries6`, in their order (a snapshot's `list()` and `list6()`). */
  restore(entries: readonly NeighEntry[], entries6: readonly NeighEntry6[]): void {
    this.entries.clear();
    for (const e of entries) this.entries.set(e.ip, { ...e });
    this.entries6.clear();
    for (const e of entries6) this.entries6.set(e.ip, { ...e });
  }

  /** tnl_neigh_flush: forgets the entries learned on device `name` (a port that goes). */
  flushDevice(name: string): void {
    for (const [ip, e] of this.entries) if (e.bridge === name) this.entries.delete(ip);
    for (const [ip, e] of this.entries6) if (e.bridge === name) this.entries6.delete(ip);
  }

  flush(): void {
    this.entries.clear();
    this.entries6.clear();
  }

  set6(bridge: string, ip: bigint, mac: number): void {
    this.entries6.set(ip, { ip, mac, bridge });
  }

  /** tnl_neigh_lookup of an IPv6 address on `bridge`, or null. */
  lookup6(bridge: string, ip: bigint): number | null {
    const e = this.entries6.get(ip);
    return e !== undefined && e.bridge === bridge ? e.mac : null;
  }

  /** IPv6 entries in insertion order. */
  list6(): readonly NeighEntry6[] {
    return [...this.entries6.values()];
  }

  /** Entries in insertion order (OVS prints its cmap order). */
  list(): readonly NeighEntry[] {
    return [...this.entries.values()];
  }
}
