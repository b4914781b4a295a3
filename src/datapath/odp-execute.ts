/**
 * Executing datapath actions on a packet's bytes (OVS's lib/odp-execute.c,
 * dp_netdev's execute): the result is the list of packets leaving by
 * datapath ports, in order.
 *
 * Done so far: output (with the packet's tunnel metadata, set by
 * `set(tunnel(...))`, for a tunnel vport to encapsulate), push_vlan / pop_vlan, push_mpls / pop_mpls /
 * set(mpls) (the outermost label stack entry), every set(...) of the action AST
 * (masked or not: odp-execute-set.ts, with checksums),
 * tnl_push (the exact outer header bytes, IPv4 total length and checksum,
 * UDP length; the UDP source port is the packet's flow hash folded into
 * OVS's ephemeral range as netdev_tnl_get_src_port does, here a hash of the
 * inner header bytes), tnl_pop (odp-tnl-pop.ts; the decapsulated packet is
 * returned in `recirculations` for the caller to run through the datapath),
 * clone, trunc, drop, hash (dp_hash as dpif-netdev computes it: dp-hash.ts),
 * recirc (the packet, with its dp_hash, returned in `recirculations` with the
 * recirculation id) and meter (dp_netdev_run_meter on the datapath's meters,
 * dp-meter.ts, at the packet's size then: a packet a band drops ends there,
 * as the batch that loses it; in a clone only the clone's copy ends; the
 * caller gives the meters and the time, `OdpExecuteEnv`, else meter is
 * unhandled), userspace (the packet as it is then, in `upcalls`, for the
 * caller to hand to ovs-vswitchd), ct and ct_clear when the caller gives a
 * connection tracker (`OdpExecuteEnv.conntrack`, src/datapath/conntrack: the
 * packet's ct metadata is updated and, with nat, its bytes rewritten; a
 * recirculation then carries ct_state, ct_zone, ct_mark and ct_label in its metadata
 * and the whole ct metadata on its packet), check_pkt_len (the branch for
 * the packet's length, run as a clone), sample (its actions as a clone, for a
 * draw of the caller's random numbers below its probability). Every other action
 * (a sample of less than 100% without random numbers; ct and
 * ct_clear without a tracker) is left to a later step
 * and reported in `unhandled`, the packet going on unchanged, so a caller
 * can tell.
 *
 * Copies: an output is a new Packet *sharing* the bytes of the packet at
 * that point, as OVS sends the dp_packet itself; bytes are copied only before
 * an action edits them in place (set, set_mpls) while they are shared (with
 * the caller's packet, an earlier output or a clone's outputs), and when an
 * action changes the size (push/pop, tnl_push). So outputs, like the input,
 * are read-only: whoever receives one and wants to change it runs it through
 * odpExecute, which copies before editing.
 */
import type { OdpAction } from "../actions/xlate/odp-actions.js";
import type { OdpTnlPushAction, TnlErspanHeader } from "../actions/xlate/odp-tnl-push.js";
import type { TunnelKey } from "../actions/xlate/odp-tunnel.js";
import type { OdpUserspaceAction } from "../actions/xlate/odp-userspace.js";
import { tnlHeaderLength } from "../actions/xlate/odp-tnl-push.js";
import { odpExecuteSet, withMetadata } from "./odp-execute-set.js";
import { tnlPop } from "./odp-tnl-pop.js";
import { XLATE_FLOW_WORDS } from "../actions/xlate/odp-metadata.js";
import { dpHash, flowHash5Tuple } from "./dp-hash.js";
import type { DpMeters } from "./dp-meter.js";
import { extractFlow } from "./packet/extract.js";
import { csum, csumContinue, csumFinish, pseudoHeaderV4, pseudoHeaderV6 } from "./packet/csum.js";
import { Packet } from "./packet/packet.js";
import type { Conntrack } from "./conntrack/conntrack.js";
import { writeCtFlowFields } from "./conntrack/ct-metadata.js";

export interface OdpOutput {
  readonly odpPort: number;
  readonly packet: Packet;
  /**
   * The packet's tunnel metadata as the last `set(tunnel(...))` before this output left it
   * (null: none): what a tunnel vport encapsulates the packet with.
   */
  readonly tunnel: TunnelKey | null;
}

/**
 * A packet to run through the datapath again: one tnl_pop decapsulated (it
 * re-enters on the tunnel vport `inPort` with the tunnel fields of
 * `metadata`), or one `recirc(N)` sent back (same in_port, `recircId` N and
 * the packet's dp_hash).
 */
export interface OdpRecirculation {
  readonly inPort: number;
  readonly packet: Packet;
  /**
   * A flow key holding tun_id, tun_src, tun_dst, tun_flags; after `recirc`,
   * also the packet's ct_state, ct_zone, ct_mark and ct_label (its
   * original tuple is on `packet`).
   */
  readonly metadata: Uint32Array;
  /** recirc(N): the recirculation id (absent or 0 after tnl_pop). */
  readonly recircId?: number;
}

/**
 * What execution needs of its datapath: the meters `meter(N)` runs, the
 * virtual time (ms) and, optionally, the connection tracker `ct(...)` uses
 * (without one, ct and ct_clear are unhandled).
 */
export interface OdpExecuteEnv {
  readonly meters: DpMeters;
  readonly now: number;
  readonly conntrack?: Conntrack;
  /** Each tunnel vport's next GRE sequence number (ERSPAN), by datapath port; without it every packet carries 0. */
  readonly greSeqnos?: Map<number, number>;
  /** random_uint32, for `sample` actions of less than 100% (without it they are unhandled). */
  readonly random?: () => number;
}

/** A packet a `userspace(...)` action sends up to ovs-vswitchd, as the actions before it made it. */
export interface OdpUpcall {
  readonly action: OdpUserspaceAction;
  readonly packet: Packet;
}

export interface OdpExecuteResult {
  readonly outputs: OdpOutput[];
  /** Packets sent up by userspace actions (packet-ins, slow path), in order. */
  readonly upcalls: OdpUpcall[];
  /** Packets to run through the datapath again (tnl_pop), in order; the caller does it. */
  readonly recirculations: OdpRecirculation[];
  /** Action types met that this executor does not perform yet. */
  readonly unhandled: string[];
  /**
   * The packets the actions dropped, by lib/dpif-netdev.c's coverage counter of the reason
   * (`datapath_drop_meter`: a meter band dropped it), one entry a packet.
   */
  readonly drops: DatapathDropCounter[];
}

/** lib/dpif-netdev.c's drop reasons, as the coverage counters it raises name them. */
export type DatapathDropCounter = "datapath_drop_meter" | "datapath_drop_invalid_port" | "datapath_drop_recirc_error";

function put16(b: Uint8Array, i: number, v: number): void {
  b[i] = (v >>> 8) & 0xff;
  b[i + 1] = v & 0xff;
}
function put32(b: Uint8Array, i: number, v: number): void {
  put16(b, i, (v >>> 16) & 0xffff);
  put16(b, i + 2, v & 0xffff);
}
function putMac(b: Uint8Array, i: number, mac: number): void {
  put16(b, i, Math.floor(mac / 0x100000000) & 0xffff);
  put32(b, i + 2, mac >>> 0);
}

/** A new Packet on the same bytes (size and metadata kept): for outputs and recirculations. */
function share(p: Packet, size = p.size): Packet {
  return withMetadata(p, new Packet(p.bytes, size));
}

function copy(p: Packet, extraFront = 0): Packet {
  const out = new Uint8Array(p.size + extraFront);
  out.set(p.bytes.subarray(0, p.size), extraFront);
  return withMetadata(p, new Packet(out));
}

const IPPROTO_UDP = 17;

/** OVS's tnl_udp_port_min / tnl_udp_port_max: the outer UDP source port range. */
const TNL_UDP_PORT_MIN = 32768;
const TNL_UDP_PORT_MAX = 61000;

/**
 * The outer UDP source port (netdev_tnl_get_src_port): the packet's RSS hash scaled into
 * 32768..61000. A dummy port gives no RSS hash, so dpif-netdev's is miniflow_hash_5tuple of the
 * packet; here of the packet as it is at the push (OVS keeps the hash of the packet as it
 * entered, which differs only after a set(...) of its addresses or ports).
 */
function srcPort(inner: Packet): number {
  const flow = new Uint32Array(XLATE_FLOW_WORDS);
  extractFlow(inner, 0, flow);
  const hash = flowHash5Tuple(flow, 0);
  return Math.floor((hash * (TNL_UDP_PORT_MAX - TNL_UDP_PORT_MIN)) / 0x100000000) + TNL_UDP_PORT_MIN;
}

/**
 * The outer header bytes of `a` in front of `p` (netdev_tnl_push_*_header); the UDP source
 * port hashes `rss` (the packet before a trunc: its RSS hash was taken whole).
 */
export function tnlPush(p: Packet, a: OdpTnlPushAction, rss: Packet = p, seq = 0): Packet {
  const hl = tnlHeaderLength(a);
  const out = copy(p, hl);
  const b = out.bytes;
  putMac(b, 0, a.eth.dst);
  putMac(b, 6, a.eth.src);
  put16(b, 12, a.ip.version === 4 ? 0x0800 : 0x86dd);
  let l4 = 14;
  if (a.ip.version === 4) {
    b[14] = 0x45;
    b[15] = a.ip.tos;
    put16(b, 16, out.size - 14);
    put16(b, 18, 0);
    put16(b, 20, a.ip.fragOff);
    b[22] = a.ip.ttl;
    b[23] = a.ip.proto;
    put32(b, 26, a.ip.src >>> 0);
    put32(b, 30, a.ip.dst >>> 0);
    put16(b, 24, csum(b, 14, 20));
    l4 = 34;
  } else {
    // netdev_tnl_ip_build_header's IPv6 header: version 6, the TOS as traffic class, flow label 0.
    put32(b, 14, ((6 << 28) | ((a.ip.tclass & 0xff) << 20)) >>> 0);
    put16(b, 18, out.size - 54);
    b[20] = a.ip.proto;
    b[21] = a.ip.hlimit;
    putIpv6(b, 22, a.ip.src);
    putIpv6(b, 38, a.ip.dst);
    l4 = 54;
  }
  const e = a.encap;
  if (e.type === "gre") {
    put16(b, l4, e.flags);
    put16(b, l4 + 2, e.proto);
    let o = l4 + 4;
    if (e.csum !== null) o += 4;
    if (e.key !== null) {
      put32(b, o, e.key);
      o += 4;
    }
    if (e.seq !== null) put32(b, o, e.seq);
    // netdev_gre_push_header: the checksum over the GRE header and what it carries.
    if (e.csum !== null) put16(b, l4 + 4, csum(b, l4, out.size - l4));
    return out;
  }
  if (e.type === "erspan") {
    pushErspan(b, l4, e, seq);
    return out;
  }
  put16(b, l4, e.udp.src !== 0 ? e.udp.src : srcPort(rss));
  put16(b, l4 + 2, e.udp.dst);
  put16(b, l4 + 4, out.size - l4);
  put16(b, l4 + 6, 0);
  if (e.type === "vxlan") {
    put32(b, l4 + 8, e.flags);
    put32(b, l4 + 12, (e.vni << 8) >>> 0);
  } else {
    b[l4 + 8] = 0;
    b[l4 + 9] = (e.oam ? 0x80 : 0) | (e.critical ? 0x40 : 0);
    put16(b, l4 + 10, 0x6558);
    put32(b, l4 + 12, (e.vni << 8) >>> 0);
  }
  // netdev_tnl_push_udp_header: a header asking for a checksum (csum 0xffff) gets the real one.
  if (e.udp.csum !== 0) {
    const pseudo = a.ip.version === 4 ? pseudoHeaderV4(b, 14) : pseudoHeaderV6(b, 14, IPPROTO_UDP, out.size - l4);
    const c = csumFinish(csumContinue(pseudo, b, l4, out.size - l4));
    put16(b, l4 + 6, c === 0 ? 0xffff : c);
  }
  return out;
}

/** netdev_erspan_push_header's atomic_count_inc(&gre_seqno): the vport's number for this packet, then one more. */
function nextGreSeqno(env: OdpExecuteEnv | undefined, a: OdpTnlPushAction): number {
  if (a.encap.type !== "erspan" || env?.greSeqnos === undefined) return 0;
  const seq = env.greSeqnos.get(a.tnlPort) ?? 0;
  env.greSeqnos.set(a.tnlPort, (seq + 1) >>> 0);
  return seq;
}

/** GRE's sequence-number flag and ERSPAN's ethertypes (version 1, type II; version 2, type III). */
const GRE_SEQ = 0x1000;
const ETH_TYPE_ERSPAN1 = 0x88be;
const ETH_TYPE_ERSPAN2 = 0x22eb;

/**
 * The GRE and ERSPAN headers at `o` (netdev_erspan_build_header + push_header): GRE with
 * sequence number `seq` (the vport's count of ERSPAN packets, from 0), then version,
 * session id and the index (v1) or timestamp, hardware id and direction (v2). The v2 timestamp
 * is OVS's wall clock in 100 us units; ovsim writes 0 (its clock is virtual).
 */
function pushErspan(b: Uint8Array, o: number, e: TnlErspanHeader, seq: number): void {
  put16(b, o, GRE_SEQ);
  put16(b, o + 2, e.ver === 1 ? ETH_TYPE_ERSPAN1 : ETH_TYPE_ERSPAN2);
  put32(b, o + 4, seq >>> 0);
  put16(b, o + 8, (e.ver << 12) & 0xf000);
  put16(b, o + 10, e.sid & 0x3ff);
  if (e.ver === 1) {
    put32(b, o + 12, e.idx & 0xfffff);
    return;
  }
  put32(b, o + 12, 0);
  put16(b, o + 16, 0);
  put16(b, o + 18, ((e.hwid & 0x3f) << 4) | ((e.dir & 1) << 3));
}

function putIpv6(b: Uint8Array, i: number, v: bigint): void {
  for (let k = 0; k < 4; k++) put32(b, i + 4 * k, Number((v >> BigInt(96 - 32 * k)) & 0xffffffffn) >>> 0);
}

function pushVlan(p: Packet, tpid: number, tci: number): Packet {
  const out = new Uint8Array(p.size + 4);
  out.set(p.bytes.subarray(0, 12), 0);
  put16(out, 12, tpid);
  put16(out, 14, tci & ~0x1000 & 0xffff);
  out.set(p.bytes.subarray(12, p.size), 16);
  return withMetadata(p, new Packet(out));
}

function popVlan(p: Packet): Packet {
  const t = ((p.bytes[12] ?? 0) << 8) | (p.bytes[13] ?? 0);
  if ((t !== 0x8100 && t !== 0x88a8) || p.size < 18) return p;
  const out = new Uint8Array(p.size - 4);
  out.set(p.bytes.subarray(0, 12), 0);
  out.set(p.bytes.subarray(16, p.size), 12);
  return withMetadata(p, new Packet(out));
}

/** Offset of the ethertype after the Ethernet addresses and any VLAN headers. */
function ethertypeOffset(p: Packet): number {
  let o = 12;
  for (;;) {
    const t = ((p.bytes[o] ?? 0) << 8) | (p.bytes[o + 1] ?? 0);
    if ((t !== 0x8100 && t !== 0x88a8) || o + 6 > p.size) return o;
    o += 4;
  }
}

function isMplsType(t: number): boolean {
  return t === 0x8847 || t === 0x8848;
}

/** OVS's push_mpls: a label stack entry after the Ethernet and VLAN headers, and the new ethertype. */
function pushMpls(p: Packet, ethertype: number, lse: number): Packet {
  const o = ethertypeOffset(p);
  if (o + 2 > p.size) return p;
  const out = new Uint8Array(p.size + 4);
  out.set(p.bytes.subarray(0, o), 0);
  put16(out, o, ethertype);
  put32(out, o + 2, lse >>> 0);
  out.set(p.bytes.subarray(o + 2, p.size), o + 6);
  return withMetadata(p, new Packet(out));
}

/** OVS's pop_mpls: removes the outermost label stack entry of an MPLS packet. */
function popMpls(p: Packet, ethertype: number): Packet {
  const o = ethertypeOffset(p);
  const t = ((p.bytes[o] ?? 0) << 8) | (p.bytes[o + 1] ?? 0);
  if (!isMplsType(t) || o + 6 > p.size) return p;
  const out = new Uint8Array(p.size - 4);
  out.set(p.bytes.subarray(0, o), 0);
  put16(out, o, ethertype);
  out.set(p.bytes.subarray(o + 6, p.size), o + 2);
  return withMetadata(p, new Packet(out));
}

/** set(mpls(...)): rewrites the outermost label stack entry in place (`p` is a copy). */
function setMpls(p: Packet, lse: number): void {
  const o = ethertypeOffset(p);
  const t = ((p.bytes[o] ?? 0) << 8) | (p.bytes[o + 1] ?? 0);
  if (isMplsType(t) && o + 6 <= p.size) put32(p.bytes, o + 2, lse >>> 0);
}

function run(p: Packet, actions: readonly OdpAction[], r: OdpExecuteResult, inPort: number, env: OdpExecuteEnv | undefined, tunnelIn: TunnelKey | null): void {
  let pkt = p;
  // The packet's tunnel metadata (set(tunnel(...))); a clone's changes stay in the clone.
  let tunnel = tunnelIn;
  // Whether pkt's bytes are this run's alone (not the caller's, not an output's): in-place edits
  // copy them first otherwise.
  let owned = false;
  let trunc = -1;
  // What a resizing action returns: new bytes (this run's alone) or, when it did nothing, pkt.
  let q: Packet;
  for (const a of actions) {
    switch (a.type) {
      case "output":
        r.outputs.push({ odpPort: a.port, packet: share(pkt, trunc >= 0 && trunc < pkt.size ? trunc : pkt.size), tunnel });
        owned = false;
        trunc = -1;
        break;
      case "push_vlan":
        q = pushVlan(pkt, a.tpid, a.tci);
        owned ||= q !== pkt;
        pkt = q;
        break;
      case "pop_vlan":
        q = popVlan(pkt);
        owned ||= q !== pkt;
        pkt = q;
        break;
      case "push_mpls":
        q = pushMpls(pkt, a.ethertype, a.lse);
        owned ||= q !== pkt;
        pkt = q;
        break;
      case "pop_mpls":
        q = popMpls(pkt, a.ethertype);
        owned ||= q !== pkt;
        pkt = q;
        break;
      case "set_mpls":
        if (!owned) pkt = copy(pkt);
        owned = true;
        setMpls(pkt, a.lse);
        break;
      case "set":
        if (!owned) pkt = copy(pkt);
        owned = true;
        odpExecuteSet(pkt, a);
        // packet_set_* forget the connection a ct found (pkt_metadata_init_conn).
        pkt.ctConn = null;
        break;
      case "set_tunnel":
        // OVS_KEY_ATTR_TUNNEL: metadata only, the bytes stay (the tunnel vport encapsulates).
        tunnel = a.key;
        break;
      case "tnl_push":
        // The underlay bridge's actions (outputs) follow in the list; tnl_push itself sends nothing.
        // dpif-netdev applies a pending trunc first; netdev_push_header then starts the packet's
        // metadata afresh from the output device (pkt_metadata_init): a recirc(0) after it
        // enters there, without mark, tunnel or conntrack state.
        q = tnlPush(trunc >= 0 && trunc < pkt.size ? share(pkt, trunc) : pkt, a, pkt, nextGreSeqno(env, a));
        pkt = new Packet(q.bytes, q.size);
        inPort = a.outPort;
        tunnel = null;
        owned = true;
        trunc = -1;
        break;
      case "tnl_pop": {
        // A copy is decapsulated; actions after it (if any) go on with the packet, as OVS's clone when not stealing.
        const d = tnlPop(pkt);
        if (d !== null) r.recirculations.push({ inPort: a.port, packet: d.packet, metadata: d.metadata });
        break;
      }
      case "sample": {
        // odp_execute_sample: the nested actions run as a clone, for a draw below the probability.
        if (a.probability === 0) break;
        if (a.probability !== 0xffffffff) {
          if (env?.random === undefined) {
            r.unhandled.push(a.type);
            break;
          }
          if (env.random() >= a.probability) break;
        }
        run(pkt, a.actions, r, inPort, env, tunnel);
        owned = false;
        break;
      }
      case "clone":
        run(pkt, a.actions, r, inPort, env, tunnel);
        // The clone's outputs may share these bytes.
        owned = false;
        break;
      case "trunc":
        trunc = a.maxLen;
        break;
      case "check_pkt_len": {
        // OVS's odp_execute_check_pkt_len: the branch for the length the packet would be sent
        // with (trunc applied), its Ethernet padding left out; the branch runs as a clone does.
        const len = (trunc >= 0 && trunc < pkt.size ? trunc : pkt.size) - pkt.l2PadSize;
        run(pkt, len > a.size ? a.greater : a.lessEqual, r, inPort, env, tunnel);
        owned = false;
        break;
      }
      case "hash": {
        // OVS_ACTION_ATTR_HASH: dp_hash from the packet's flow (dp-hash.ts), in this run's own
        // Packet (the caller's keeps its metadata).
        if (pkt === p) pkt = share(pkt);
        const flow = new Uint32Array(XLATE_FLOW_WORDS);
        extractFlow(pkt, inPort, flow);
        pkt.dpHash = dpHash(flow, a.alg, a.basis);
        break;
      }
      case "recirc": {
        // dp_netdev's recirculation: the packet goes through the datapath again (the caller does it),
        // with its conntrack metadata (miniflow_extract reads pkt_metadata's ct_* into the flow).
        const metadata = new Uint32Array(XLATE_FLOW_WORDS);
        if (pkt.ctState !== 0) writeCtFlowFields(pkt, metadata);
        r.recirculations.push({ inPort, packet: share(pkt), metadata, recircId: a.id });
        owned = false;
        break;
      }
      case "ct":
        if (env?.conntrack === undefined) {
          r.unhandled.push(a.type);
          break;
        }
        // NAT rewrites the bytes: this run's own copy. Otherwise only the metadata changes: its own Packet.
        if (a.nat !== null && !owned) {
          pkt = copy(pkt);
          owned = true;
        } else if (pkt === p) {
          pkt = share(pkt);
        }
        env.conntrack.execute(pkt, a, env.now);
        break;
      case "ct_clear":
        if (env?.conntrack === undefined) {
          r.unhandled.push(a.type);
          break;
        }
        // OVS's conntrack_clear: ct_state 0 voids every ct field; the cached connection goes.
        if (pkt === p) pkt = share(pkt);
        pkt.ctState = 0;
        pkt.ctConn = null;
        break;
      case "userspace":
        // dp_netdev_execute_actions hands the packet as it is now (trunc applied) to the upcall.
        r.upcalls.push({ action: a, packet: share(pkt, trunc >= 0 && trunc < pkt.size ? trunc : pkt.size) });
        owned = false;
        trunc = -1;
        break;
      case "meter":
        if (env === undefined) r.unhandled.push(a.type);
        else if (env.meters.run(a.id, env.now, pkt.size) === "drop") {
          r.drops.push("datapath_drop_meter");
          return;
        }
        break;
      case "drop":
        return;
      default: {
        const never: never = a;
        r.unhandled.push(String((never as { type: string }).type));
      }
    }
  }
}

/**
 * Executes `actions` on `packet` (not modified) that arrived on datapath port
 * `inPort`; returns the packets output, in order, and those to recirculate.
 * `env`: the datapath's meters and the time (without it `meter` is unhandled).
 */
export function odpExecute(packet: Packet, actions: readonly OdpAction[], inPort = 0, env?: OdpExecuteEnv): OdpExecuteResult {
  const r: OdpExecuteResult = { outputs: [], upcalls: [], recirculations: [], unhandled: [], drops: [] };
  run(packet, actions, r, inPort, env, null);
  return r;
}
