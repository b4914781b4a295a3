/**
 * The native tunnelling environment of one switch (one ovs-vswitchd): device
 * addresses and routes (route-table.ts) and the neighbour cache
 * (tnl-neigh-cache.ts), seen by translation as `XlateNativeTunnel`.
 *
 * A route's device is found as OVS's tnl_route_lookup_flow finds it: the
 * bridge named like the device and its port of that name (the bridge's
 * internal port), else any port of that name on any bridge.
 */
import type { XlateBridge, XlatePort } from "../actions/xlate/xlate-bridge.js";
import type { TnlPortEntry, XlateNativeTunnel, XlateTunnelRoute } from "../actions/xlate/xlate-tunnel.js";
import { RouteTable } from "./route-table.js";
import { TnlNeighCache } from "./tnl-neigh-cache.js";

export interface TunnelBridgeView {
  readonly bridge: XlateBridge;
  /** The port's MAC as the datapath reports it (`xx:xx:..`). */
  macOf(port: XlatePort): string;
}

function macNumber(s: string): number {
  let v = 0;
  for (const part of s.split(":")) v = v * 256 + (Number.parseInt(part, 16) & 0xff);
  return v;
}

export class TunnelEnv implements XlateNativeTunnel {
  readonly routes = new RouteTable();
  readonly neighbours = new TnlNeighCache();
  private readonly bridges: () => Iterable<TunnelBridgeView>;

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

  route(dst: number, mark: number, src: number): XlateTunnelRoute | null {
    // Every route here is a user route (`ovs/route/add`), which OVS 3.1 installs with
    // pkt_mark 0 and never as "local": a marked packet finds none, and a given source
    // address (ovs_router_lookup's check that the source is on a local route, which only
    // the kernel's route table provides) is refused, as in the sandbox's real OVS.
    if (mark !== 0 || src !== 0) return null;
    const r = this.routes.lookup(dst);
    if (r === null) return null;
    const d = this.device(r.dev);
    if (d === null) return null;
    return {
      nextHop: r.gw !== 0 ? r.gw : dst,
      src: r.src,
      dev: r.dev,
      bridge: d.view.bridge,
      port: d.port,
      mac: macNumber(d.view.macOf(d.port)),
    };
  }

  neighbour(bridge: string, ip: number): number | null {
    return this.neighbours.lookup(bridge, ip);
  }

  hasIp(port: XlatePort): boolean {
    return this.routes.addressesOf(port.name).length > 0;
  }

  /**
   * OVS's tnl-ports map: every (device with an address, tunnel vport) pair,
   * devices in bridge and port order, each address, then each tunnel vport
   * (one per type and UDP port; GRE matches on the protocol alone).
   */
  tnlPorts(): readonly TnlPortEntry[] {
    const vports = new Map<string, { odpPort: number; proto: number; tpDst: number }>();
    const devices: Array<{ mac: number; ip: number }> = [];
    for (const view of this.bridges()) {
      for (const port of view.bridge.ports()) {
        const t = port.tunnel;
        if (t !== null) {
          if (port.odpPort === null) continue;
          const proto = t.type === "gre" ? 47 : 17;
          const tpDst = t.type === "gre" ? 0 : t.dstPort;
          const k = `${proto}/${tpDst}`;
          if (!vports.has(k)) vports.set(k, { odpPort: port.odpPort, proto, tpDst });
          continue;
        }
        const addrs = this.routes.addressesOf(port.name);
        if (addrs.length === 0) continue;
        const mac = macNumber(view.macOf(port));
        for (const a of addrs) devices.push({ mac, ip: a.ip });
      }
    }
    const out: TnlPortEntry[] = [];
    for (const d of devices) for (const v of vports.values()) out.push({ ...v, mac: d.mac, ip: d.ip });
    return out;
  }

  learnNeighbour(bridge: string, ip: number, mac: number): void {
    this.neighbours.set(bridge, ip, mac);
  }
}
