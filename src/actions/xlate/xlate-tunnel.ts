/**
 * Output to a tunnel port with native tunnelling, as the userspace datapath
 * does it (OVS's tnl_port_send + native_tunnel_output in
 * ofproto/ofproto-dpif-xlate.c):
 *
 * 1. the port's configuration fills the tunnel metadata (remote_ip or the
 *    flow's tun_dst, out_key or the flow's tun_id, ttl/tos or inherited, ECN
 *    always inherited, so `nw_ecn` is un-wildcarded for IP) and, with
 *    egress_pkt_mark, the packet's mark (matched exactly, kept afterwards);
 *    pending changes are committed;
 * 2. the route table gives the output device and next hop, looked up with the
 *    mark and the source address (no route: `native tunnel routing failed`, a
 *    drop);
 * 3. the neighbour cache gives the next hop's MAC (a miss: `neighbor cache
 *    miss ..., sending ARP request`, a drop);
 * 4. `tnl_push(...)` with the outer headers, inside `clone(...)` unless it
 *    is the last action, then translation goes on in the underlay bridge
 *    from its output device with the outer headers in the flow (and in the
 *    base flow, so they commit nothing), side effects off and its megaflow
 *    bits discarded, as a patch port.
 *
 * The environment (routes, neighbours, device MACs) is the switch's, reached
 * through `XlateBridge.nativeTunnel`; without it a tunnel port outputs to its
 * datapath vport as before.
 */
import type { FlowMember } from "../../flowtable/flow-layout.js";
import { M, readMember, readSmall } from "../../flowtable/flow-layout.js";
import { formatEthernet, formatIpv4, parseIpv4 } from "../../flowtable/field-values.js";
import type { OdpAction } from "./odp-actions.js";
import type { OdpTnlPushAction, TnlEncapHeader } from "./odp-tnl-push.js";
import type { XlateBridge, XlatePort } from "./xlate-bridge.js";
import type { XlateCtx } from "./xlate-context.js";
import { isIpAny, maskMember } from "./xlate-fields.js";
import { ETH_TYPE, IPPROTO } from "../../flowtable/protocols.js";

/** Where a tunnel destination is reached: the underlay bridge's port, its MAC, the next hop. */
export interface XlateTunnelRoute {
  /** IP to resolve (the gateway, else the destination). */
  readonly nextHop: number;
  /** The route's source address. */
  readonly src: number;
  /** Output device name (as `ovs/route/show` prints it). */
  readonly dev: string;
  readonly bridge: XlateBridge;
  readonly port: XlatePort;
  /** The output device's MAC (48-bit number). */
  readonly mac: number;
}

/** The switch's native tunnelling environment (OVS's ovs-router + tnl-neigh-cache). */
export interface XlateNativeTunnel {
  /**
   * OVS's ovs_router_lookup: the route to `dst` for packets marked `mark`; with a source
   * address (`src` non-zero: the tunnel's local_ip, or tun_src from the flow) that address
   * must itself be on a local route, else null.
   */
  route(dst: number, mark: number, src: number): XlateTunnelRoute | null;
  /** The MAC of `ip` in the neighbour cache of bridge `bridge`, or null. */
  neighbour(bridge: string, ip: number): number | null;
  /** Whether `port` (a device) has an IP address (OVS's xport_has_ip). */
  hasIp(port: XlatePort): boolean;
  /** The tunnel termination points (OVS's lib/tnl-ports.c map), in lookup order. */
  tnlPorts(): readonly TnlPortEntry[];
  /** Learns `ip` at `mac` in bridge `bridge`'s neighbour cache (tnl_neigh_set). */
  learnNeighbour(bridge: string, ip: number, mac: number): void;
}

/** One entry of OVS's tnl-ports classifier: packets to (mac, ip, proto, UDP port) pop into `odpPort`. */
export interface TnlPortEntry {
  readonly odpPort: number;
  /** The device's MAC (48-bit number). */
  readonly mac: number;
  readonly ip: number;
  readonly proto: number;
  /** UDP destination port; 0 for GRE (not matched). */
  readonly tpDst: number;
}

const IP_ECN_MASK = 0x03;
const IP_DSCP_MASK = 0xfc;
const FLOW_TNL_F_DONT_FRAGMENT = 1 << 1;
const FLOW_TNL_F_KEY = 1 << 3;
const DEFAULT_TTL = 64;

function writeSmall(flow: Uint32Array, m: FlowMember, v: number): void {
  const mask = m.bits === 32 ? 0xffffffff : ((1 << m.bits) - 1) << m.shift;
  flow[m.word] = (((flow[m.word] ?? 0) & ~mask) | ((v << m.shift) & mask)) >>> 0;
}

function ipOf(s: string | null): number {
  if (s === null || s === "flow") return 0;
  const v = parseIpv4(s);
  return v === null ? 0 : Number(v);
}

function writeMac(flow: Uint32Array, m: FlowMember, mac: number): void {
  flow[m.word] = Math.floor(mac / 0x100000000) >>> 0;
  flow[m.word + 1] = mac >>> 0;
}

/** OVS's tnl_port_send: the tunnel metadata the port's configuration gives. */
function tunnelSend(ctx: XlateCtx, port: XlatePort): { ttl: number; tos: number; keyPresent: boolean } {
  const cfg = port.tunnel!; // the caller checked port.tunnel
  const flow = ctx.flow;
  if (cfg.localIp !== null && cfg.localIp !== "flow") writeSmall(flow, M.tunSrc, ipOf(cfg.localIp));
  else if (cfg.localIp === null) writeSmall(flow, M.tunSrc, 0);
  if (cfg.remoteIp !== "flow") writeSmall(flow, M.tunDst, ipOf(cfg.remoteIp));
  if (cfg.outKey !== "flow") {
    flow[M.tunId.word] = Number(cfg.outKey >> 32n) >>> 0;
    flow[M.tunId.word + 1] = Number(cfg.outKey & 0xffffffffn) >>> 0;
  }
  const ip = isIpAny(flow);
  const nwTos = readSmall(flow, M.nwTos);
  let ttl = cfg.ttl === "inherit" ? DEFAULT_TTL : cfg.ttl;
  if (cfg.ttl === "inherit" && ip) {
    maskMember(ctx.wc, M.nwTtl);
    ttl = readSmall(flow, M.nwTtl);
  }
  let tos = cfg.tos === "inherit" ? 0 : cfg.tos;
  if (cfg.tos === "inherit" && ip) {
    ctx.wc[M.nwTos.word] = ((ctx.wc[M.nwTos.word] ?? 0) | (IP_DSCP_MASK << M.nwTos.shift)) >>> 0;
    tos = nwTos & IP_DSCP_MASK;
  }
  if (ip) {
    ctx.wc[M.nwTos.word] = ((ctx.wc[M.nwTos.word] ?? 0) | (IP_ECN_MASK << M.nwTos.shift)) >>> 0;
    tos |= (nwTos & IP_ECN_MASK) === IP_ECN_MASK ? 0x02 : nwTos & IP_ECN_MASK;
  }
  const keyPresent = cfg.outKey === "flow" || cfg.outKeyPresent;
  const flags = (readSmall(flow, M.tunFlags) & ~0xfffe) | FLOW_TNL_F_DONT_FRAGMENT | (keyPresent ? FLOW_TNL_F_KEY : 0);
  writeSmall(flow, M.tunFlags, flags);
  if (cfg.egressPktMark !== null) {
    writeSmall(flow, M.pktMark, cfg.egressPktMark);
    maskMember(ctx.wc, M.pktMark);
  }
  return { ttl, tos, keyPresent };
}

function encapHeader(port: XlatePort, tunId: bigint, keyPresent: boolean): TnlEncapHeader {
  const cfg = port.tunnel!; // the caller checked port.tunnel
  const low = Number(tunId & 0xffffffffn) >>> 0;
  switch (cfg.type) {
    case "vxlan":
      return { type: "vxlan", udp: { src: 0, dst: cfg.dstPort, csum: 0 }, flags: 0x08000000, vni: low & 0xffffff };
    case "geneve":
      return { type: "geneve", udp: { src: 0, dst: cfg.dstPort, csum: 0 }, oam: false, critical: false, vni: low & 0xffffff };
    case "gre":
      return { type: "gre", flags: keyPresent ? 0x2000 : 0, proto: ETH_TYPE.TEB, csum: null, key: keyPresent ? low : null, seq: null };
  }
}

/** OVS's native_tunnel_output (with the tnl_port_send before it). */
export function nativeTunnelOutput(ctx: XlateCtx, env: XlateNativeTunnel, port: XlatePort, last: boolean): void {
  if (port.tunnel === null || port.odpPort === null) return;
  const savedFlow = ctx.flow.slice();
  const sent = tunnelSend(ctx, port);
  const flow = ctx.flow;
  // OVS restores the flow's tunnel metadata after the output, not the pkt_mark that
  // egress_pkt_mark set: later actions see it, and it is committed (set(skb_mark)) here,
  // with everything else pending, before the route lookup (compose_output_action__).
  savedFlow[M.pktMark.word] = flow[M.pktMark.word] ?? 0;
  ctx.commit();
  ctx.report("detail", "output to native tunnel");
  const dst = readSmall(flow, M.tunDst);
  const route = env.route(dst, readSmall(flow, M.pktMark), readSmall(flow, M.tunSrc));
  if (route === null) {
    ctx.report("warn", "native tunnel routing failed");
    ctx.flow.set(savedFlow);
    return;
  }
  const nextHop = formatIpv4(BigInt(route.nextHop));
  ctx.report("detail", `tunneling to ${nextHop} via ${route.dev}`);
  const dmac = env.neighbour(route.bridge.name, route.nextHop);
  if (dmac === null) {
    ctx.report("detail", `neighbor cache miss for ${nextHop} on bridge ${route.bridge.name}, sending ARP request`);
    ctx.flow.set(savedFlow);
    return;
  }
  const tunSrc = readSmall(flow, M.tunSrc);
  const src = tunSrc !== 0 ? tunSrc : route.src;
  ctx.report(
    "detail",
    `tunneling from ${formatEthernet(BigInt(route.mac))} ${formatIpv4(BigInt(src))} to ${formatEthernet(BigInt(dmac))} ${nextHop}`,
  );
  const push: OdpTnlPushAction = {
    type: "tnl_push",
    tnlPort: port.odpPort,
    eth: { dst: dmac, src: route.mac, ethType: ETH_TYPE.IP },
    ip: {
      version: 4,
      src,
      dst,
      proto: port.tunnel.type === "gre" ? IPPROTO.GRE : IPPROTO.UDP,
      tos: sent.tos,
      ttl: sent.ttl,
      fragOff: 0x4000,
    },
    encap: encapHeader(port, readMember(flow, M.tunId), sent.keyPresent),
    outPort: route.port.odpPort ?? 0,
  };
  const outer: OdpAction[] = [push];
  const savedOdp = ctx.odp;
  ctx.odp = outer;
  const savedBase = ctx.base.slice();
  const savedWc = ctx.wc.slice();
  const savedSide = ctx.allowSideEffects;
  const savedStats = ctx.resubmitStats;
  propagate(ctx.base, push, route, dst);
  propagate(ctx.flow, push, route, dst);
  ctx.allowSideEffects = false;
  ctx.resubmitStats = null;
  ctx.underlayOutput(route.bridge, route.port.ofport, last);
  ctx.allowSideEffects = savedSide;
  ctx.resubmitStats = savedStats;
  ctx.wc.set(savedWc);
  ctx.base.set(savedBase);
  ctx.flow.set(savedFlow);
  ctx.odp = savedOdp;
  if (outer.length === 1) return; // nothing after the push: OVS cancels it
  if (last) for (const a of outer) ctx.odp.push(a);
  else ctx.odp.push({ type: "clone", actions: outer });
}

/** OVS's propagate_tunnel_data_to_flow__: the outer headers as the underlay bridge sees them. */
function propagate(f: Uint32Array, push: OdpTnlPushAction, route: XlateTunnelRoute, dst: number): void {
  writeMac(f, M.dlDst, push.eth.dst);
  writeMac(f, M.dlSrc, push.eth.src);
  writeSmall(f, M.vlanTci, 0);
  writeSmall(f, M.vlanTci1, 0);
  writeSmall(f, M.nwDst, dst);
  writeSmall(f, M.nwSrc, push.ip.version === 4 ? push.ip.src : route.src);
  f.fill(0, M.ipv6Src.word, M.ipv6Src.word + 4);
  f.fill(0, M.ipv6Dst.word, M.ipv6Dst.word + 4);
  writeSmall(f, M.nwFrag, 0);
  if (push.ip.version === 4) {
    writeSmall(f, M.nwTos, push.ip.tos);
    writeSmall(f, M.nwTtl, push.ip.ttl);
    writeSmall(f, M.nwProto, push.ip.proto);
  }
  writeSmall(f, M.tpDst, push.encap.type === "gre" ? 0 : push.encap.udp.dst);
  writeSmall(f, M.tpSrc, 0);
  writeSmall(f, M.dlType, ETH_TYPE.IP);
}

function readMac(flow: Uint32Array, m: FlowMember): number {
  return (flow[m.word] ?? 0) * 0x100000000 + (flow[m.word + 1] ?? 0);
}

/**
 * OVS's terminate_native_tunnel: output to a device with an IP address of a
 * packet addressed to a tunnel termination point of this switch becomes
 * `tnl_pop(vport)`. The lookup un-wildcards as OVS's staged classifier
 * lookup in lib/tnl-ports.c does: L2 (dl_dst, dl_type, vlan_tci), then L3
 * (nw_dst, nw_proto, nw_frag), then L4 (tp_dst), each subtable up to the
 * stage where it fails. With side effects, the sender's MAC is learned as
 * the neighbour of its IP (tnl_neigh_set). Returns the vport, or null.
 */
export function terminateNativeTunnel(ctx: XlateCtx, env: XlateNativeTunnel, port: XlatePort): number | null {
  if (!env.hasIp(port)) return null;
  const flow = ctx.flow;
  const wc = ctx.wc;
  const l2: readonly FlowMember[] = [M.dlDst, M.dlType, M.vlanTci];
  const l3: readonly FlowMember[] = [M.nwDst, M.nwProto, M.nwFrag];
  for (const e of env.tnlPorts()) {
    const stages: FlowMember[] = [...l2];
    const l2ok = readMac(flow, M.dlDst) === e.mac && readSmall(flow, M.dlType) === ETH_TYPE.IP && readSmall(flow, M.vlanTci) === 0;
    if (l2ok) stages.push(...l3);
    const l3ok = l2ok && readSmall(flow, M.nwDst) === e.ip && readSmall(flow, M.nwProto) === e.proto && (readSmall(flow, M.nwFrag) & 3) === 0;
    if (l3ok && e.tpDst !== 0) stages.push(M.tpDst);
    const ok = l3ok && (e.tpDst === 0 || readSmall(flow, M.tpDst) === e.tpDst);
    for (const m of stages) {
      if (m === M.nwFrag) wc[m.word] = ((wc[m.word] ?? 0) | (3 << m.shift)) >>> 0;
      else maskMember(wc, m);
    }
    if (!ok) continue;
    if (ctx.allowSideEffects) env.learnNeighbour(ctx.bridge.name, readSmall(flow, M.nwSrc), readMac(flow, M.dlSrc));
    return e.odpPort;
  }
  return null;
}
