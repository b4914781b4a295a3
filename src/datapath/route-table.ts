/**
 * OVS's tunnel route table (lib/ovs-router.c) for IPv4, as the sandbox runs
 * it (`--disable-system-route`: only user routes, `ovs/route/add`).
 *
 * Invariants, as OVS:
 * - A route needs a source address: an address of the output device in the
 *   same subnet as the destination prefix, else the gateway's subnet; without
 *   one the insert fails ("Error while inserting route.").
 * - Lookup is longest prefix first (OVS's classifier with priority plen+32
 *   for user routes); `ovs/route/show` lists longest prefix first.
 * - A route with the same prefix and length replaces the old one.
 * - Addresses live on devices (`netdev-dummy/ip4addr`), one list per device.
 */

export interface Route {
  /** Network address (host-order 32-bit, already masked). */
  readonly prefix: number;
  readonly plen: number;
  /** Output device (a bridge's internal port, usually). */
  readonly dev: string;
  /** Gateway, 0 when none. */
  readonly gw: number;
  /** Source address picked from the device's addresses. */
  readonly src: number;
}

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
    const net = (prefix & prefixMask(plen)) >>> 0;
    let src = this.sourceAddress(net, dev);
    if (src === null && gw !== 0) src = this.sourceAddress(gw, dev);
    if (src === null) return false;
    this.remove(net, plen);
    this.routes.push({ prefix: net, plen, dev, gw, src });
    this.routes.sort((a, b) => b.plen - a.plen);
    return true;
  }

  /** `ovs/route/del`: false when there is no such route. */
  remove(prefix: number, plen: number): boolean {
    const net = (prefix & prefixMask(plen)) >>> 0;
    const i = this.routes.findIndex((r) => r.prefix === net && r.plen === plen);
    if (i < 0) return false;
    this.routes.splice(i, 1);
    return true;
  }

  /** ovs_router_lookup: the longest prefix holding `dst`. */
  lookup(dst: number): Route | null {
    for (const r of this.routes) if (((dst & prefixMask(r.plen)) >>> 0) === r.prefix) return r;
    return null;
  }

  /** Routes, longest prefix first (the order `ovs/route/show` prints). */
  list(): readonly Route[] {
    return this.routes;
  }
}
