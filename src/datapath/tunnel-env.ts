/**
 * The native tunnelling environment of one switch (one ovs-vswitchd): device
 * addresses and routes (route-table.ts) and the neighbour cache
 * (tnl-neigh-cache.ts), seen by translation as `XlateNativeTunnel`.
 *
 * A route's device is found as OVS's tnl_route_lookup_flow finds it: the
 * bridge named like the device and its port of that name (the bridge's
 * internal port), else any port of that name on any bridge.
 *
 * An ARP request translation sends on a neighbour miss (OVS's
 * tnl_send_arp_request) goes to `neighbourRequestSink`, which feeds it into
 * the underlay bridge from the route's device after the current packet (a
 * simulated host sets it, src/sim/host.ts); without a sink it is not sent.
 * It then goes through the datapath as a received packet, so a megaflow is
 * installed for it (OVS executes it without one). A learned or changed
 * neighbour is flagged (`takeNeighboursChanged`): OVS's tnl_conf_seq changes
 * and the revalidators run at once, turning the drop into a tnl_push.
 */
import type { XlateBridge, XlatePort } from "../actions/xlate/xlate-bridge.js";
import type { TnlPortEntry, XlateNativeTunnel, XlateTunnelRoute } from "../actions/xlate/xlate-tunnel.js";
import { buildArp } from "./packet/build.js";
import { RouteTable } from "./route-table.js";
import type { RouteTableState } from "./route-table.js";
import { TnlNeighCache } from "./tnl-neigh-cache.js";
import type { NeighEntry, NeighEntry6 } from "./tnl-neigh-cache.js";

/** Native tunnelling's state as data (snapshots); the request sink is the caller's. */
export interface TunnelEnvState {
  readonly routes: RouteTableState;
  readonly neighbours: readonly NeighEntry[];
  readonly neighbours6: readonly NeighEntry6[];
  readonly neighboursChanged: boolean;
}

export interface TunnelBridgeView {
  readonly bridge: XlateBridge;
  /** The port's MAC as the datapath reports it (`xx:xx:..`). */
  macOf(port: XlatePort): string;
}

const BROADCAST_MAC = 0xffffffffffff;

function macNumber(s: string): number {
  let v = 0;
  for (const part of s.split(":")) v = v * 256 + (Number.parseInt(part, 16) & 0xff);
  return v;
}

export class TunnelEnv implements XlateNativeTunnel {
  readonly routes = new RouteTable();
  readonly neighbours = new TnlNeighCache();
  private readonly bridges: () => Iterable<TunnelBridgeView>;
  /** Where ARP requests of native tunnelling go: the bridge and the port (the route's device) they enter by. */
  neighbourRequestSink: ((bridge: string, port: string, frame: Uint8Array) => void) | null = null;

  constructor(bridges: () => Iterable<TunnelBridgeView>) {
    this.bridges = bridges;
  }

  /** The bridge and port a device name stands for (tnl_route_lookup_flow's search). */
  device(dev: string): { view: TunnelBridgeView; port: XlatePort } | null {
    for (const view of this.bridges()) {
      if (view.bridge.name !== dev) continue;
      const port = view.bridge.ports().find((p) => p.name === dev);
      if (port !== undefined) return { view, port };
    }
    for (const view of this.bridges()) {
      const port = view.bridge.ports().find((p) => p.name === dev);
      if (port !== undefined) return { view, port };
    }
    return null;
  }

  /**
   * OVS's ovs_router_lookup, then tnl_route_lookup_flow's device search: a given source
   * address (local_ip, or tun_src from the flow) must be on a local route (one of the
   * host's addresses: `addHostAddress`; user routes never are), marked packets find no
   * route (every route here has mark 0), and the route's device must be a port of a
   * bridge (a NIC outside OVS cannot carry native tunnels).
   */
  route(dst: number, mark: number, src: number): XlateTunnelRoute | null {
    if (src !== 0 && this.routes.lookup(src, mark)?.local !== true) return null;
    const r = this.routes.lookup(dst, mark);
    if (r === null) return null;
    const d = this.device(r.dev);
    if (d === null) return null;
    return {
      nextHop: r.gw !== 0 ? r.gw : dst,
      src: r.src,
      nextHop6: 0n,
      src6: 0n,
      dev: r.dev,
      bridge: d.view.bridge,
      port: d.port,
      mac: macNumber(d.view.macOf(d.port)),
    };
  }

  /** ovs_router_lookup of an IPv6 destination, then the device search. */
  route6(dst: bigint, mark: number): XlateTunnelRoute | null {
    const r = this.routes.lookup6(dst, mark);
    if (r === null) return null;
    const d = this.device(r.dev);
    if (d === null) return null;
    return {
      nextHop: 0,
      src: 0,
      nextHop6: r.gw !== 0n ? r.gw : dst,
      src6: r.src,
      dev: r.dev,
      bridge: d.view.bridge,
      port: d.port,
      mac: macNumber(d.view.macOf(d.port)),
    };
  }

  /**
   * The host has address `ip`/`plen` on device `dev`, as the kernel tells OVS
   * (route_table.c): the address on the device, a local /32 route for it and, for a
   * shorter prefix, the connected route of its subnet.
   */
  addHostAddress(dev: string, ip: number, plen: number): void {
    this.routes.addAddress(dev, ip, plen);
    this.routes.addKernel(ip, 32, dev, 0, true);
    if (plen < 32) this.routes.addKernel(ip, plen, dev, 0, false);
  }

  /** The host's address `ip`/`plen` on `dev` goes, with the routes it brought. */
  removeHostAddress(dev: string, ip: number, plen: number): void {
    this.routes.removeKernel(ip, 32, true);
    if (plen < 32) this.routes.removeKernel(ip, plen, false);
    this.routes.removeAddress(dev, ip, plen);
  }

  /** A route of the host's kernel (a default route through a gateway...): false when `dev` has no address to reach it from. */
  addHostRoute(prefix: number, plen: number, dev: string, gw: number): boolean {
    return this.routes.addKernel(prefix, plen, dev, gw, false);
  }

  neighbour(bridge: string, ip: number): number | null {
    return this.neighbours.lookup(bridge, ip);
  }

  neighbour6(bridge: string, ip: bigint): number | null {
    return this.neighbours.lookup6(bridge, ip);
  }

  hasIp(port: XlatePort): boolean {
    return this.routes.addressesOf(port.name).length > 0 || this.routes.addresses6Of(port.name).length > 0;
  }

  /**
   * OVS's tnl-ports map: every (device with an address, tunnel vport) pair,
   * devices in bridge and port order, each address, then each tunnel vport
   * (one per type and UDP port; GRE matches on the protocol alone).
   */
  tnlPorts(): readonly TnlPortEntry[] {
    const vports = new Map<string, { odpPort: number; proto: number; tpDst: number }>();
    const devices: Array<{ mac: number; ip: number; ip6: bigint }> = [];
    for (const view of this.bridges()) {
      for (const port of view.bridge.ports()) {
        const t = port.tunnel;
        if (t !== null) {
          if (port.odpPort === null) continue;
          const gre = t.type === "gre" || t.type === "erspan";
          const proto = gre ? 47 : 17;
          const tpDst = gre ? 0 : t.dstPort;
          const k = `${proto}/${tpDst}`;
          if (!vports.has(k)) vports.set(k, { odpPort: port.odpPort, proto, tpDst });
          continue;
        }
        const addrs = this.routes.addressesOf(port.name);
        const addrs6 = this.routes.addresses6Of(port.name);
        if (addrs.length === 0 && addrs6.length === 0) continue;
        const mac = macNumber(view.macOf(port));
        // netdev_get_addr_list: the IPv4 address first, then the IPv6 ones.
        for (const a of addrs) devices.push({ mac, ip: a.ip, ip6: 0n });
        for (const a of addrs6) devices.push({ mac, ip: 0, ip6: a.ip });
      }
    }
    const out: TnlPortEntry[] = [];
    for (const d of devices) for (const v of vports.values()) out.push({ ...v, mac: d.mac, ip: d.ip, ip6: d.ip6 });
    return out;
  }

  /** A neighbour was learned or changed since `takeNeighboursChanged` (OVS's tnl_conf_seq: megaflows are revalidated). */
  private neighboursChanged = false;

  save(): TunnelEnvState {
    return {
      routes: this.routes.save(),
      neighbours: this.neighbours.list().map((e) => ({ ...e })),
      neighbours6: this.neighbours.list6().map((e) => ({ ...e })),
      neighboursChanged: this.neighboursChanged,
    };
  }

  restore(s: TunnelEnvState): void {
    this.routes.restore(s.routes);
    this.neighbours.restore(s.neighbours, s.neighbours6);
    this.neighboursChanged = s.neighboursChanged;
  }

  learnNeighbour(bridge: string, ip: number, mac: number): void {
    if (this.neighbours.lookup(bridge, ip) === mac) return;
    this.neighbours.set(bridge, ip, mac);
    this.neighboursChanged = true;
  }

  learnNeighbour6(bridge: string, ip: bigint, mac: number): void {
    if (this.neighbours.lookup6(bridge, ip) === mac) return;
    this.neighbours.set6(bridge, ip, mac);
    this.neighboursChanged = true;
  }

  /** Whether a neighbour was learned or changed since the last call (then revalidate: the entry may turn a drop into tnl_push). */
  takeNeighboursChanged(): boolean {
    const c = this.neighboursChanged;
    this.neighboursChanged = false;
    return c;
  }

  /** A broadcast ARP request for `ip` from the route's device MAC and `srcIp`, into the route's bridge from its device. */
  requestNeighbour(route: XlateTunnelRoute, srcIp: number, ip: number): void {
    if (this.neighbourRequestSink === null) return;
    const frame = buildArp({ src: route.mac, dst: BROADCAST_MAC }, 1, srcIp, ip).data();
    this.neighbourRequestSink(route.bridge.name, route.port.name, frame);
  }

  bridgeAddresses(bridge: XlateBridge): readonly number[] {
    const out: number[] = [];
    for (const port of bridge.ports()) for (const a of this.routes.addressesOf(port.name)) out.push(a.ip);
    return out;
  }
}
