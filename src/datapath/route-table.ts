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

export class RouteTable {
  private readonly routes: Route[] = [];
  private readonly addresses = new Map<string, DeviceAddress[]>();

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
}
