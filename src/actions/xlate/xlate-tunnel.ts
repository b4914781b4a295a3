/**
 * Output to a tunnel port (OVS's compose_output_action__ for a tunnel xport,
 * ofproto/ofproto-dpif-xlate.c), one rule for every datapath:
 *
 * 1. tnl_port_send (xlate-tunnel-send.ts) fills the flow's tunnel fields from
 *    the port's configuration (and, with egress_pkt_mark, the packet's mark);
 * 2. a destination equal to the packet's own tunnel destination (the address
 *    it arrived at, or none for both) is refused: `Not tunneling to our own
 *    address`, a drop, the flow's tunnel fields left as tnl_port_send made
 *    them;
 * 3. the port's tx counters count the packet when translation has stats;
 * 4. when the datapath pushes tunnel headers itself (the `tnl_push_pop`
 *    feature, XlateBridge.tunnelPushPop) and the switch has native-tunnel
 *    routes (XlateBridge.nativeTunnel): native tunnelling, below; otherwise
 *    the kernel's way: `set(tunnel(...))` when the key differs from the one
 *    committed last in this translation (OVS's commit_odp_tunnel_action, before
 *    the other pending header changes), then output to the tunnel's vport,
 *    whose device encapsulates and routes the packet (in ovsim: the host's IP
 *    stack, src/sim/ip-stack.ts). The flow's tunnel fields are restored after
 *    the output, the mark is not.
 *
 * Native tunnelling (OVS's native_tunnel_output):
 *
 * 1. pending changes are committed;
 * 2. the route table gives the output device and next hop, looked up with the
 *    mark and the source address (no route: `native tunnel routing failed`, a
 *    drop);
 * 3. the neighbour cache gives the next hop's MAC (a miss: `neighbor cache
 *    miss ..., sending ARP request`, a drop; with side effects, an ARP
 *    request for the next hop, from the device's MAC and the route's source,
 *    goes into the underlay bridge as if from its output device, OVS's
 *    tnl_send_arp_request);
 * 4. `tnl_push(...)` with the outer headers, inside `clone(...)` unless it
 *    is the last action; a truncated output (output_trunc) ends with
 *    `recirc(0)`: the datapath runs the encapsulated packet through again
 *    from the output device. Otherwise translation goes on in the underlay bridge
 *    from its output device with the outer headers in the flow (and in the
 *    base flow, so they commit nothing), side effects off and its megaflow
 *    bits discarded, as a patch port.
 *
 * The environment (routes, neighbours, device MACs) is the switch's, reached
 * through `XlateBridge.nativeTunnel`.
 */
import { composeIpfixAction } from "./xlate-sample.js";
import type { FlowMember } from "../../flowtable/flow-layout.js";
import { M, readMember, readSmall, writeMember } from "../../flowtable/flow-layout.js";
import { formatEthernet, formatIpv4, formatIpv6 } from "../../flowtable/field-values.js";
import type { OdpAction } from "./odp-actions.js";
import { XM } from "./odp-metadata.js";
import { sameTunnelKey, TNL_F, tunnelDstIsSet } from "./odp-tunnel.js";
import type { SavedTunnel } from "./xlate-tunnel-send.js";
import { copyTunnel, restoreTunnel, saveTunnel, tnlPortSend, tunnelKeyOfFlow, writeSmall } from "./xlate-tunnel-send.js";
import type { OdpTnlPushAction, TnlEncapHeader } from "./odp-tnl-push.js";
import type { XlateBridge, XlatePort } from "./xlate-bridge.js";
import type { XlateCtx } from "./xlate-context.js";
import { maskMember } from "./xlate-fields.js";
import { ETH_TYPE, IPPROTO } from "../../flowtable/protocols.js";
import { geneveOptionsOfFlow } from "../../flowtable/tun-metadata-match.js";

/** Where a tunnel destination is reached: the underlay bridge's port, its MAC, the next hop. */
export interface XlateTunnelRoute {
  /** IP to resolve (the gateway, else the destination); 0 for an IPv6 route. */
  readonly nextHop: number;
  /** The route's source address; 0 for an IPv6 route. */
  readonly src: number;
  /** An IPv6 route's next hop and source address (0n for an IPv4 route). */
  readonly nextHop6: bigint;
  readonly src6: bigint;
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
  /** ovs_router_lookup of an IPv6 destination (OVS 3.1.0 looks IPv6 tunnels up without their local_ip). */
  route6(dst: bigint, mark: number): XlateTunnelRoute | null;
  /** The MAC of `ip` in the neighbour cache of bridge `bridge`, or null. */
  neighbour(bridge: string, ip: number): number | null;
  /** The MAC of IPv6 address `ip` in the neighbour cache of bridge `bridge`, or null. */
  neighbour6(bridge: string, ip: bigint): number | null;
  /** Whether `port` (a device) has an IP address (OVS's xport_has_ip). */
  hasIp(port: XlatePort): boolean;
  /** The tunnel termination points (OVS's lib/tnl-ports.c map), in lookup order. */
  tnlPorts(): readonly TnlPortEntry[];
  /** Learns `ip` at `mac` in bridge `bridge`'s neighbour cache (tnl_neigh_set). */
  learnNeighbour(bridge: string, ip: number, mac: number): void;
  /** Learns IPv6 address `ip` at `mac` in bridge `bridge`'s neighbour cache. */
  learnNeighbour6(bridge: string, ip: bigint, mac: number): void;
  /**
   * OVS's tnl_send_arp_request: a broadcast ARP request for `ip` from the route's device MAC
   * and `srcIp` goes through `route.bridge`'s tables as if received on the route's device
   * (compose_table_xlate).
   */
  requestNeighbour(route: XlateTunnelRoute, srcIp: number, ip: number): void;
  /** The IPv4 addresses of the devices of bridge `bridge` (is_neighbor_reply_correct's list). */
  bridgeAddresses(bridge: XlateBridge): readonly number[];
}

/** One entry of OVS's tnl-ports classifier: packets to (mac, ip, proto, UDP port) pop into `odpPort`. */
export interface TnlPortEntry {
  readonly odpPort: number;
  /** The device's MAC (48-bit number). */
  readonly mac: number;
  /** The device's IPv4 address, or 0 for an IPv6 one (`ip6`). */
  readonly ip: number;
  readonly ip6: bigint;
  readonly proto: number;
  /** UDP destination port; 0 for GRE (not matched). */
  readonly tpDst: number;
}

function writeMac(flow: Uint32Array, m: FlowMember, mac: number): void {
  flow[m.word] = Math.floor(mac / 0x100000000) >>> 0;
  flow[m.word + 1] = mac >>> 0;
}

/**
 * Whether the tunnel's destination is the packet's own tunnel destination (both unset
 * counts): OVS compares the IPv6 forms, an IPv4 address as its mapped IPv6 one.
 */
function toOwnAddress(ctx: XlateCtx): boolean {
  const dst = readSmall(ctx.flow, M.tunDst);
  if (dst !== 0) return dst === ctx.origTunnelDst;
  return ctx.origTunnelDst === 0 && readMember(ctx.flow, M.tunIpv6Dst) === ctx.origTunnelIpv6Dst;
}

/** Output to tunnel port `port` (see the file comment); false when tunnelling decided against it. */
export function tunnelOutput(ctx: XlateCtx, port: XlatePort, last: boolean): boolean {
  if (port.tunnel === null || port.odpPort === null) return false;
  // OVS's `truncate` argument: output_trunc emitted its `trunc(N)` just before this output.
  const truncate = ctx.odp[ctx.odp.length - 1]?.type === "trunc";
  const saved = saveTunnel(ctx.flow);
  tnlPortSend(ctx, port);
  if (toOwnAddress(ctx)) {
    ctx.report("warn", "Not tunneling to our own address");
    return false;
  }
  const stats = ctx.resubmitStats;
  if (stats !== null) ctx.bridge.countTunnel?.(port, "tx", stats.packets, stats.bytes);
  const env = ctx.bridge.nativeTunnel;
  if (env !== undefined && ctx.bridge.tunnelPushPop !== false) {
    nativeTunnelOutput(ctx, env, port, saved, last, truncate);
    return true;
  }
  ctx.report("detail", "output to kernel tunnel");
  const geneve = port.tunnel.type === "geneve" && ctx.bridge.tunMetadata !== undefined ? geneveOptionsOfFlow(ctx.flow, ctx.bridge.tunMetadata) : [];
  const key = tunnelKeyOfFlow(ctx.flow, port.tunnel.type === "erspan", geneve);
  if (tunnelDstIsSet(key) && !sameTunnelKey(key, ctx.committedTunnel)) {
    ctx.committedTunnel = key;
    copyTunnel(ctx.flow, ctx.base);
    ctx.odp.push({ type: "set_tunnel", key });
  }
  restoreTunnel(ctx.flow, saved);
  ctx.commit();
  // Tunnel push-pop is not compatible with IPFIX: only a kernel tunnel's output is sampled.
  composeIpfixAction(ctx, port.odpPort);
  // A mirror's copy is truncated to its snaplen, as any other datapath output.
  if (ctx.mirrorSnaplen > 0 && ctx.mirrorSnaplen < 0xffff) ctx.odp.push({ type: "trunc", maxLen: ctx.mirrorSnaplen });
  ctx.odp.push({ type: "output", port: port.odpPort });
  return true;
}

/** ERSPAN's 10-bit session id (ERSPAN_SID_MASK): a larger tun_id cannot be carried. */
const ERSPAN_SID_MASK = 0x3ff;

/**
 * The tunnel header tnl_port_build_header makes: a checksum field (UDP 0xffff, GRE's option)
 * when the csum flag is set; null when none can be built (an ERSPAN port with a tun_id past
 * the session id's 10 bits, or an ERSPAN version other than 1 and 2).
 */
function encapHeader(port: XlatePort, flow: Uint32Array, ipv6: boolean): TnlEncapHeader | null {
  const cfg = port.tunnel!; // the caller checked port.tunnel
  const tunId = readMember(flow, M.tunId);
  const tunFlags = readSmall(flow, M.tunFlags);
  const low = Number(tunId & 0xffffffffn) >>> 0;
  const keyPresent = (tunFlags & TNL_F.KEY) !== 0;
  const csum = (tunFlags & TNL_F.CSUM) !== 0;
  // UDP over IPv6 always carries a checksum (udp_build_header).
  const udpCsum = csum || ipv6 ? 0xffff : 0;
  switch (cfg.type) {
    case "vxlan":
      return { type: "vxlan", udp: { src: 0, dst: cfg.dstPort, csum: udpCsum }, flags: 0x08000000, vni: low & 0xffffff };
    case "geneve":
      return { type: "geneve", udp: { src: 0, dst: cfg.dstPort, csum: udpCsum }, oam: false, critical: false, vni: low & 0xffffff };
    case "gre":
      return {
        type: "gre",
        flags: (keyPresent ? 0x2000 : 0) | (csum ? 0x8000 : 0),
        proto: ETH_TYPE.TEB,
        csum: csum ? 0 : null,
        key: keyPresent ? low : null,
        seq: null,
      };
    case "erspan": {
      // tnl_port_send wrote the fixed options into the flow's tun_erspan_*; "flow" ones are the flow's own.
      const ver = readSmall(flow, M.tunErspanVer);
      if ((low & ~ERSPAN_SID_MASK) !== 0 || (ver !== 1 && ver !== 2)) return null;
      return {
        type: "erspan",
        ver,
        sid: low,
        idx: readSmall(flow, M.tunErspanIdx),
        dir: readSmall(flow, M.tunErspanDir),
        hwid: readSmall(flow, M.tunErspanHwid),
      };
    }
    case "stt":
    case "lisp":
      // netdev-vport has no build_header for STT or LISP: only a kernel datapath carries them.
      return null;
  }
}

/** OVS's native_tunnel_output, after tnl_port_send (`saved`: the flow's tunnel fields before it). */
function nativeTunnelOutput(
  ctx: XlateCtx,
  env: XlateNativeTunnel,
  port: XlatePort,
  saved: SavedTunnel,
  last: boolean,
  truncate: boolean,
): void {
  if (port.tunnel === null || port.odpPort === null) return;
  const flow = ctx.flow;
  ctx.report("detail", "output to native tunnel");
  // Everything pending is committed (with the pkt_mark egress_pkt_mark set) before the route lookup.
  ctx.commit();
  // OVS restores the flow's tunnel metadata after the output, not the pkt_mark.
  const savedFlow = ctx.flow.slice();
  restoreTunnel(savedFlow, saved);
  const dst = readSmall(flow, M.tunDst);
  const mark = readSmall(flow, M.pktMark);
  // An IPv6 destination (remote_ip or tun_ipv6_dst): OVS's router keeps both families.
  const dst6 = readMember(flow, M.tunIpv6Dst);
  const v6 = dst === 0 && dst6 !== 0n;
  const route = v6 ? env.route6(dst6, mark) : env.route(dst, mark, readSmall(flow, M.tunSrc));
  if (route === null) {
    ctx.report("warn", "native tunnel routing failed");
    ctx.flow.set(savedFlow);
    return;
  }
  const nextHop = v6 ? formatIpv6(route.nextHop6) : formatIpv4(BigInt(route.nextHop));
  ctx.report("detail", `tunneling to ${nextHop} via ${route.dev}`);
  const dmac = v6 ? env.neighbour6(route.bridge.name, route.nextHop6) : env.neighbour(route.bridge.name, route.nextHop);
  if (dmac === null) {
    ctx.report("detail", `neighbor cache miss for ${nextHop} on bridge ${route.bridge.name}, sending ${v6 ? "ND" : "ARP"} request`);
    // OVS's tnl_send_nd_request is not modelled: an IPv6 miss sends nothing.
    if (ctx.allowSideEffects && !v6) env.requestNeighbour(route, route.src, route.nextHop);
    ctx.flow.set(savedFlow);
    return;
  }
  const tunSrc = readSmall(flow, M.tunSrc);
  const src = tunSrc !== 0 ? tunSrc : route.src;
  ctx.report(
    "detail",
    `tunneling from ${formatEthernet(BigInt(route.mac))} ${v6 ? formatIpv6(route.src6) : formatIpv4(BigInt(src))} to ${formatEthernet(BigInt(dmac))} ${nextHop}`,
  );
  const encap = encapHeader(port, flow, v6);
  if (encap === null) {
    ctx.report("warn", "native tunnel header build failed");
    ctx.flow.set(savedFlow);
    return;
  }
  const proto = port.tunnel.type === "gre" || port.tunnel.type === "erspan" ? IPPROTO.GRE : IPPROTO.UDP;
  const tos = readSmall(flow, XM.tunTos);
  const ttl = readSmall(flow, XM.tunTtl);
  const push: OdpTnlPushAction = {
    type: "tnl_push",
    tnlPort: port.odpPort,
    eth: { dst: dmac, src: route.mac, ethType: v6 ? ETH_TYPE.IPV6 : ETH_TYPE.IP },
    ip: v6
      ? { version: 6, src: route.src6, dst: dst6, label: 0, proto, tclass: tos, hlimit: ttl }
      : { version: 4, src, dst, proto, tos, ttl, fragOff: (readSmall(flow, M.tunFlags) & TNL_F.DF) !== 0 ? 0x4000 : 0 },
    encap,
    outPort: route.port.odpPort ?? 0,
  };
  if (truncate) {
    // The truncated packet is not translated through the underlay bridge: it recirculates
    // (recirc(0)) from the output device, so that the stats count what is really sent.
    const outer: OdpAction[] = [push, { type: "recirc", id: 0 }];
    if (last) ctx.odp.push(...outer);
    else ctx.odp.push({ type: "clone", actions: outer });
    ctx.flow.set(savedFlow);
    return;
  }
  const outer: OdpAction[] = [push];
  const savedOdp = ctx.odp;
  ctx.odp = outer;
  const savedBase = ctx.base.slice();
  const savedWc = ctx.wc.slice();
  const savedSide = ctx.allowSideEffects;
  const savedStats = ctx.resubmitStats;
  const src6 = readMember(flow, M.tunIpv6Src);
  propagate(ctx.base, push, src6);
  propagate(ctx.flow, push, src6);
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

/**
 * OVS's propagate_tunnel_data_to_flow__: the outer headers as the underlay bridge sees them
 * (`ipv6Src`: the tunnel's own IPv6 source, local_ip, kept over the route's).
 */
function propagate(f: Uint32Array, push: OdpTnlPushAction, ipv6Src: bigint): void {
  writeMac(f, M.dlDst, push.eth.dst);
  writeMac(f, M.dlSrc, push.eth.src);
  writeSmall(f, M.vlanTci, 0);
  writeSmall(f, M.vlanTci1, 0);
  const ip = push.ip;
  writeSmall(f, M.nwDst, ip.version === 4 ? ip.dst : 0);
  writeSmall(f, M.nwSrc, ip.version === 4 ? ip.src : 0);
  writeMember(f, M.ipv6Src, ip.version === 6 ? (ipv6Src !== 0n ? ipv6Src : ip.src) : 0n);
  writeMember(f, M.ipv6Dst, ip.version === 6 ? ip.dst : 0n);
  writeSmall(f, M.nwFrag, 0);
  writeSmall(f, M.nwTos, ip.version === 4 ? ip.tos : ip.tclass);
  writeSmall(f, M.nwTtl, ip.version === 4 ? ip.ttl : ip.hlimit);
  writeSmall(f, M.nwProto, ip.proto);
  writeSmall(f, M.tpDst, push.encap.type === "gre" || push.encap.type === "erspan" ? 0 : push.encap.udp.dst);
  writeSmall(f, M.tpSrc, 0);
  writeSmall(f, M.dlType, ip.version === 4 ? ETH_TYPE.IP : ETH_TYPE.IPV6);
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
 * the neighbour of its IP (tnl_neigh_set). A packet that pops into no vport
 * is snooped when it is an ARP reply to one of the bridge's addresses or a
 * gratuitous ARP (sender = target address) with a sender MAC: its sender is
 * learned (tnl_neigh_snoop; the megaflow then matches nw_proto, arp_sha,
 * nw_src, as OVS's). Returns the vport, or null.
 */
export function terminateNativeTunnel(ctx: XlateCtx, env: XlateNativeTunnel, port: XlatePort): number | null {
  if (!env.hasIp(port)) return null;
  const flow = ctx.flow;
  const wc = ctx.wc;
  const l2: readonly FlowMember[] = [M.dlDst, M.dlType, M.vlanTci];
  const entries = env.tnlPorts();
  // Native tunnelling is on only while the datapath has a tunnel port (OVS's backer tnl_count).
  if (entries.length === 0) return null;
  for (const e of entries) {
    const v6 = e.ip === 0;
    const stages: FlowMember[] = [...l2];
    const l2ok = readMac(flow, M.dlDst) === e.mac && readSmall(flow, M.dlType) === (v6 ? ETH_TYPE.IPV6 : ETH_TYPE.IP) && readSmall(flow, M.vlanTci) === 0;
    if (l2ok) stages.push(v6 ? M.ipv6Dst : M.nwDst, M.nwProto, M.nwFrag);
    const dstOk = v6 ? readMember(flow, M.ipv6Dst) === e.ip6 : readSmall(flow, M.nwDst) === e.ip;
    const l3ok = l2ok && dstOk && readSmall(flow, M.nwProto) === e.proto && (readSmall(flow, M.nwFrag) & 3) === 0;
    if (l3ok && e.tpDst !== 0) stages.push(M.tpDst);
    const ok = l3ok && (e.tpDst === 0 || readSmall(flow, M.tpDst) === e.tpDst);
    for (const m of stages) {
      if (m === M.nwFrag) wc[m.word] = ((wc[m.word] ?? 0) | (3 << m.shift)) >>> 0;
      else maskMember(wc, m);
    }
    if (!ok) continue;
    if (ctx.allowSideEffects) {
      if (v6) env.learnNeighbour6(ctx.bridge.name, readMember(flow, M.ipv6Src), readMac(flow, M.dlSrc));
      else env.learnNeighbour(ctx.bridge.name, readSmall(flow, M.nwSrc), readMac(flow, M.dlSrc));
    }
    return e.odpPort;
  }
  if (readSmall(flow, M.dlType) === ETH_TYPE.ARP) snoopArp(ctx, env);
  return null;
}

/** ARP's reply opcode (in nw_proto, as OVS keeps it). */
const ARP_OP_REPLY = 2;

/** OVS's check_neighbor_reply / is_garp, then tnl_arp_snoop (IPv4 only). */
function snoopArp(ctx: XlateCtx, env: XlateNativeTunnel): void {
  const flow = ctx.flow;
  const wc = ctx.wc;
  const spa = readSmall(flow, M.nwSrc);
  const tpa = readSmall(flow, M.nwDst);
  const toBridge = env.bridgeAddresses(ctx.bridge).includes(tpa);
  // is_garp un-wildcards both addresses, whether it decides or tnl_arp_snoop asks it again.
  maskMember(wc, M.nwSrc);
  maskMember(wc, M.nwDst);
  const garp = spa === tpa;
  if (!toBridge && !garp) return;
  if (!garp) {
    maskMember(wc, M.nwProto);
    if (readSmall(flow, M.nwProto) !== ARP_OP_REPLY) return;
  }
  maskMember(wc, M.arpSha);
  const sha = readMac(flow, M.arpSha);
  if (sha === 0) return;
  if (ctx.allowSideEffects) env.learnNeighbour(ctx.bridge.name, spa, sha);
}
