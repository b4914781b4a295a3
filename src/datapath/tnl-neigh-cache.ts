/**
 * OVS's tunnel neighbour cache (lib/tnl-neigh-cache.c), IPv4 part: which MAC
 * answers for a next-hop IP on an underlay bridge. Filled by `tnl/arp/set`
 * (and, in OVS, by snooping ARP replies). Entries are keyed by IP alone, as
 * OVS's table: setting an IP again replaces its MAC and bridge.
 *
 * Not modelled: expiry (OVS ages learned entries after 15 minutes and
 * prints them ` STALE`), IPv6 neighbour discovery entries.
 */

export interface NeighEntry {
  readonly ip: number;
  /** 48-bit MAC as a number. */
  readonly mac: number;
  readonly bridge: string;
}

export class TnlNeighCache {
  private readonly entries = new Map<number, NeighEntry>();

  set(bridge: string, ip: number, mac: number): void {
    this.entries.set(ip, { ip, mac, bridge });
  }

  /** tnl_neigh_lookup: the MAC of `ip` learned on `bridge`, or null. */
  lookup(bridge: string, ip: number): number | null {
    const e = this.entries.get(ip);
    return e !== undefined && e.bridge === bridge ? e.mac : null;
  }

  flush(): void {
    this.entries.clear();
  }

  /** Entries in insertion order (OVS prints its cmap order). */
  list(): readonly NeighEntry[] {
    return [...this.entries.values()];
  }
}
