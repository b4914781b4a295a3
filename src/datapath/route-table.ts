/**
 * OVS's tunnel route table (lib/ovs-router.c) for IPv4: user routes
 * (`ovs/route/add`, what the sandbox `ovs-run` starts with
 * `--disable-system-route` has) and the host's own routes as OVS reads them
 * from the kernel (lib/route-table.c: `ovs_router_insert`), which a switch is
 * told of through `Switch.addHostAddress` / `addHostRoute` (a simulated host's
 * IP stack does it for its addresses).
 *
 * Invariants, as OVS:
 * - A route needs a source address: an address of the output device in the
 *   same subnet as the destination prefix, else the gateway's subnet; without
 *   one the insert fails ("Error while inserting route.").
 * - Lookup takes the highest priority route holding the destination (OVS's
 *   classifier over the IPv6-mapped prefix): a user route has priority
 *   plen + 32 (on the mapped length, plen + 96), a kernel route plen, a local
 *   one (an address of the host, the kernel's local table) plen + 64; so a user
 *   route beats a kernel route of any length but /32 local ones.
 * - Every route has pkt_mark 0: a marked lookup finds none.
 * - A source address given to a lookup (a tunnel's local_ip) must itself be
 *   on a local route, else the lookup fails (ovs_router_lookup).
 * - A route with the same prefix, length and priority replaces the old one;
 *   `ovs/route/del` removes user routes only.
 * - `ovs/route/show` lists by priority, kernel routes as `Cached:` (with
 *   ` local` for local ones), user routes as `User:`.
 * - Addresses live on devices (`netdev-dummy/ip4addr`, or the host's), one
 *   list per device.
 *
 * IPv6 routes (`ovs/route/add 2001:cafe::/24 br-phy [GW]`) and addresses
 * (`netdev-dummy/ip6addr`) live beside them as `Route6` / `DeviceAddress6`
 * (128-bit bigints), with the same rules on the unmapped length: a user
 * route's priority is plen + 32. `netdev-dummy/ip6addr` adds no route
 * (OVS 3.1.0). An IPv4 destination never finds an IPv6 route nor the reverse:
 * the prefixes of the two families do not overlap in OVS's mapped space.
 */

export interface Route {
  /** Network address (host-order 32-bit, already masked). */
  readonly prefix: number;
  readonly plen: number;
  /** Output device (a bridge's internal port, or a host NIC). */
  readonly dev: string;
  /** Gateway, 0 when none. */
  readonly gw: number;
  /** Source address picked from the device's addresses. */
  readonly src: number;
  /** "user" (ovs/route/add) or "kernel" (the host's routing table, route_table.c). */
  readonly origin: "user" | "kernel";
  /** A local route: the destination is an address of this host (the kernel's RTN_LOCAL). */
  readonly local: boolean;
  /** The classifier priority over the IPv6-mapped prefix length (see the file comment). */
  readonly priority: number;
}

/** IPv4-mapped prefix length (OVS keeps IPv4 routes as ::ffff:a.b.c.d/96+plen). */
const MAPPED = 96;

export interface DeviceAddress {
  readonly ip: number;
  readonly plen: number;
}

export function prefixMask(plen: number): number {
  return plen === 0 ? 0 : (0xffffffff << (32 - plen)) >>> 0;
}

/** An IPv6 route (`ovs/route/add` with an IPv6 prefix): addresses as 128-bit bigints, gw 0n when none. */
export interface Route6 {
  readonly prefix: bigint;
  readonly plen: number;
  readonly dev: string;
  readonly gw: bigint;
  readonly src: bigint;
  readonly origin: "user";
  readonly local: false;
  readonly priority: number;
}

export interface DeviceAddress6 {
  readonly ip: bigint;
  readonly plen: number;
}

const ALL_ONES_128 = (1n << 128n) - 1n;

export function prefixMask6(plen: number): bigint {
  return plen === 0 ? 0n : (ALL_ONES_128 << BigInt(128 - plen)) & ALL_ONES_128;
}

/** A route table as data (snapshots): routes in lookup order, each device's addresses, IPv4 and IPv6. */
export interface RouteTableState {
  readonly routes: readonly Route[];
  readonly addresses: readonly (readonly [string, readonly DeviceAddress[]])[];
  readonly routes6: readonly Route6[];
  readonly addresses6: readonly (readonly [string, readonly DeviceAddress6[]])[];
}

export class RouteTable {
  private readonly routes: Route[] = [];
  private readonly addresses = new Map<string, DeviceAddress[]>();
  private readonly routes6: Route6[] = [];
  private readonly addresses6 = new Map<string, DeviceAddress6[]>();

  save(): RouteTableState {
    return {
      routes: this.routes.map((r) => ({ ...r })),
      addresses: [...this.addresses].map(([dev, list]) => [dev, list.map((a) => ({ ...a }))] as const),
      routes6: this.routes6.map((r) => ({ ...r })),
      addresses6: [...this.addresses6].map(([dev, list]) => [dev, list.map((a) => ({ ...a }))] as const),
    };
  }

  restore(s: RouteTableState): void {
    this.routes.splice(0, this.routes.length, ...s.routes.map((r) => ({ ...r })));
    this.addresses.clear();
    for (const [dev, list] of s.addresses) this.addresses.set(dev, list.map((a) => ({ ...a })));
    this.routes6.splice(0, this.routes6.length, ...s.routes6.map((r) => ({ ...r })));
    this.addresses6.clear();
    for (const [dev, list] of s.addresses6) this.addresses6.set(dev, list.map((a) => ({ ...a })));
  }

  /** `netdev-dummy/ip4addr DEV IP/LEN`: adds an address to a device. */
  addAddress(dev: string, ip: number, plen: number): void {
    const list = this.addresses.get(dev) ?? [];
    list.push({ ip, plen });
    this.addresses.set(dev, list);
  }

  addressesOf(dev: string): readonly DeviceAddress[] {
    return this.addresses.get(dev) ?? [];
  }

  /** ovs_router_get_netdev_source_address: the device address whose subnet holds `dst`, longest mask first. */
  sourceAddress(dst: number, dev: string): number | null {
    let best: DeviceAddress | null = null;
    for (const a of this.addressesOf(dev)) {
      const m = prefixMask(a.plen);
      if (((dst & m) >>> 0) === ((a.ip & m) >>> 0) && (best === null || a.plen > best.plen)) best = a;
    }
    return best === null ? null : best.ip;
  }

  /** `ovs/route/add`: false when no source address can be found. */
  add(prefix: number, plen: number, dev: string, gw: number): boolean {
    return this.insert(prefix, plen, dev, gw, "user", false);
  }

  /** A kernel route (route_table.c's ovs_router_insert): false when no source address can be found. */
  addKernel(prefix: number, plen: number, dev: string, gw: number, local: boolean): boolean {
    return this.insert(prefix, plen, dev, gw, "kernel", local);
  }

  private insert(prefix: number, plen: number, dev: string, gw: number, origin: "user" | "kernel", local: boolean): boolean {
    const net = (prefix & prefixMask(plen)) >>> 0;
    let src = this.sourceAddress(net, dev);
    if (src === null && gw !== 0) src = this.sourceAddress(gw, dev);
    if (src === null) return false;
    const priority = origin === "user" ? MAPPED + plen + 32 : local ? MAPPED + plen + 64 : MAPPED + plen;
    const i = this.routes.findIndex((r) => r.prefix === net && r.plen === plen && r.priority === priority);
    if (i >= 0) this.routes.splice(i, 1);
    this.routes.push({ prefix: net, plen, dev, gw, src, origin, local, priority });
    this.routes.sort((a, b) => b.priority - a.priority);
    return true;
  }

  /** `ovs/route/del`: false when there is no such user route. */
  remove(prefix: number, plen: number): boolean {
    return this.removeWhere(prefix, plen, MAPPED + plen + 32);
  }

  /** A kernel route goes (the host's address or route was removed). */
  removeKernel(prefix: number, plen: number, local: boolean): boolean {
    return this.removeWhere(prefix, plen, local ? MAPPED + plen + 64 : MAPPED + plen);
  }

  private removeWhere(prefix: number, plen: number, priority: number): boolean {
    const net = (prefix & prefixMask(plen)) >>> 0;
    const i = this.routes.findIndex((r) => r.prefix === net && r.plen === plen && r.priority === priority);
    if (i < 0) return false;
    this.routes.splice(i, 1);
    return true;
  }

  /** Removes address `ip`/`plen` from device `dev`; false when it is not there. */
  removeAddress(dev: string, ip: number, plen: number): boolean {
    const list = this.addresses.get(dev) ?? [];
    const i = list.findIndex((a) => a.ip === ip && a.plen === plen);
    if (i < 0) return false;
    list.splice(i, 1);
    if (list.length === 0) this.addresses.delete(dev);
    return true;
  }

  /** ovs_router_lookup's classifier step: the highest priority route holding `dst` (marked lookups find none). */
  lookup(dst: number, mark = 0): Route | null {
    if (mark !== 0) return null;
    for (const r of this.routes) if (((dst & prefixMask(r.plen)) >>> 0) === r.prefix) return r;
    return null;
  }

  /** Routes by priority, highest first (the order `ovs/route/show` prints). */
  list(): readonly Route[] {
    return this.routes;
  }

  /** `netdev-dummy/ip6addr DEV IP6/LEN`: adds an IPv6 address to a device. */
  addAddress6(dev: string, ip: bigint, plen: number): void {
    const list = this.addresses6.get(dev) ?? [];
    list.push({ ip, plen });
    this.addresses6.set(dev, list);
  }

  addresses6Of(dev: string): readonly DeviceAddress6[] {
    return this.addresses6.get(dev) ?? [];
  }

  /** ovs_router_get_netdev_source_address for an IPv6 destination. */
  sourceAddress6(dst: bigint, dev: string): bigint | null {
    let best: DeviceAddress6 | null = null;
    for (const a of this.addresses6Of(dev)) {
      const m = prefixMask6(a.plen);
      if ((dst & m) === (a.ip & m) && (best === null || a.plen > best.plen)) best = a;
    }
    return best === null ? null : best.ip;
  }

  /** `ovs/route/add` of an IPv6 prefix: false when no source address can be found. */
  add6(prefix: bigint, plen: number, dev: string, gw: bigint): boolean {
    const net = prefix & prefixMask6(plen);
    let src = this.sourceAddress6(prefix, dev);
    if (src === null && gw !== 0n) src = this.sourceAddress6(gw, dev);
    if (src === null) return false;
    const priority = plen + 32;
    const i = this.routes6.findIndex((r) => r.prefix === net && r.plen === plen && r.priority === priority);
    if (i >= 0) this.routes6.splice(i, 1);
    this.routes6.push({ prefix: net, plen, dev, gw, src, origin: "user", local: false, priority });
    this.routes6.sort((a, b) => b.priority - a.priority);
    return true;
  }

  /** `ovs/route/del` of an IPv6 prefix: false when there is no such route. */
  remove6(prefix: bigint, plen: number): boolean {
    const net = prefix & prefixMask6(plen);
    const i = this.routes6.findIndex((r) => r.prefix === net && r.plen === plen && r.priority === plen + 32);
    if (i < 0) return false;
    this.routes6.splice(i, 1);
    return true;
  }

  /** ovs_router_lookup for an IPv6 destination (marked lookups find none). */
  lookup6(dst: bigint, mark = 0): Route6 | null {
    if (mark !== 0) return null;
    for (const r of this.routes6) if ((dst & prefixMask6(r.plen)) === r.prefix) return r;
    return null;
  }

  /** IPv6 routes by priority, highest first. */
  list6(): readonly Route6[] {
    return this.routes6;
  }
}
