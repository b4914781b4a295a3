/**
 * Tunnel decapsulation (OVS's netdev_vxlan_pop_header, netdev_gre_pop_header,
 * netdev_geneve_pop_header over IPv4 or IPv6, and what the kernel's vxlan / gre /
 * geneve devices do on receive): strips the outer Ethernet, IPv4 and
 * UDP+VXLAN / GRE / UDP+Geneve headers and gives the tunnel key the inner
 * packet goes on with: tun_id (VNI or GRE key), the outer addresses (IPv6 ones
 * as tun_ipv6_src / tun_ipv6_dst), TOS (IPv6: the traffic class), TTL (hop limit)
 * and UDP ports, and the flags: key when a key is present, csum when the
 * outer header carried a checksum; never df (neither OVS's userspace pop nor
 * the kernel's ip_tun_rx_dst sets it), which is why dumps show
 * `flags(-df-csum+key)`.
 *
 * `tnlDecap` is the decapsulation itself (the host IP stack's vports use it,
 * src/sim/ip-stack.ts); `tnlPop` is the datapath action `tnl_pop(N)`
 * (odp-execute.ts), the key as flow metadata: the packet re-enters the
 * datapath on vport N with it (OVS's recirculation after tnl_pop). A packet
 * that is not a well-formed tunnel packet is dropped (null), as OVS drops it.
 */
import { M, writeMember } from "../flowtable/flow-layout.js";
import { XLATE_FLOW_WORDS, XM } from "../actions/xlate/odp-metadata.js";
import type { TunnelKey } from "../actions/xlate/odp-tunnel.js";
import { TNL_F, tunnelKey } from "../actions/xlate/odp-tunnel.js";
import { get16, get32 } from "./packet/bytes.js";
import { Packet } from "./packet/packet.js";
import { ETH_TYPE } from "../flowtable/protocols.js";

const GRE_CSUM = 0x8000;
const GRE_KEY = 0x2000;
const GRE_SEQ = 0x1000;
/** Geneve's UDP port (the other UDP tunnels read as VXLAN). */
const GENEVE_PORT = 6081;

/** A decapsulated packet and its tunnel key. */
export interface Decapsulation {
  readonly packet: Packet;
  readonly tunnel: TunnelKey;
}

/**
 * Decapsulates an IPv4 VXLAN / GRE / Geneve packet (Ethernet payload) given
 * with its outer Ethernet header; null if it is not one. UDP packets to
 * `geneveOn` (default 6081) read as Geneve, other UDP ones as VXLAN.
 */
export function tnlDecap(p: Packet, geneveOn = GENEVE_PORT): Decapsulation | null {
  const b = p.data();
  const ipv6 = get16(b, 12) === ETH_TYPE.IPV6;
  if (ipv6 ? b.length < 54 : b.length < 34 || get16(b, 12) !== ETH_TYPE.IP) return null;
  const l4 = ipv6 ? 54 : 14 + ((b[14] ?? 0) & 0x0f) * 4;
  const proto = ipv6 ? b[20] : b[23];
  const src = ipv6 ? 0 : get32(b, 26);
  const dst = ipv6 ? 0 : get32(b, 30);
  const src6 = ipv6 ? get128(b, 22) : 0n;
  const dst6 = ipv6 ? get128(b, 38) : 0n;
  const tos = ipv6 ? (get16(b, 14) >>> 4) & 0xff : (b[15] ?? 0);
  const ttl = ipv6 ? (b[21] ?? 0) : (b[22] ?? 0);
  let inner: number;
  let tunId = 0n;
  let flags = 0;
  let tpSrc = 0;
  let tpDst = 0;
  if (proto === 17) {
    if (b.length < l4 + 16) return null;
    if (get16(b, l4 + 6) !== 0) flags |= TNL_F.CSUM;
    tpSrc = get16(b, l4);
    tpDst = get16(b, l4 + 2);
    if (tpDst === geneveOn) {
      const optLen = ((b[l4 + 8] ?? 0) & 0x3f) * 4;
      if (get16(b, l4 + 10) !== ETH_TYPE.TEB) return null;
      tunId = BigInt(get32(b, l4 + 12) >>> 8);
      inner = l4 + 16 + optLen;
    } else {
      if (((b[l4 + 8] ?? 0) & 0x08) === 0) return null; // VXLAN's I flag: a VNI is present
      tunId = BigInt(get32(b, l4 + 12) >>> 8);
      inner = l4 + 16;
    }
    flags |= TNL_F.KEY;
  } else if (proto === 47) {
    const gflags = get16(b, l4);
    if (get16(b, l4 + 2) !== ETH_TYPE.TEB) return null;
    let o = l4 + 4;
    if ((gflags & GRE_CSUM) !== 0) {
      flags |= TNL_F.CSUM;
      o += 4;
    }
    if ((gflags & GRE_KEY) !== 0) {
      tunId = BigInt(get32(b, o));
      flags |= TNL_F.KEY;
      o += 4;
    }
    if ((gflags & GRE_SEQ) !== 0) o += 4;
    inner = o;
  } else {
    return null;
  }
  if (inner + 14 > b.length) return null;
  const tunnel = tunnelKey({ tunId, ipv4Src: src, ipv4Dst: dst, ipv6Src: src6, ipv6Dst: dst6, tos, ttl, tpSrc, tpDst, flags });
  return { packet: new Packet(b.slice(inner)), tunnel };
}

/** The 128-bit address at `i`. */
function get128(b: Uint8Array, i: number): bigint {
  let v = 0n;
  for (let k = 0; k < 4; k++) v = (v << 32n) | BigInt(get32(b, i + 4 * k) >>> 0);
  return v;
}

/** Writes tunnel key `k` into the tunnel fields of a flow key. */
export function writeTunnelFields(flow: Uint32Array, k: TunnelKey): void {
  writeMember(flow, M.tunId, k.tunId);
  writeMember(flow, M.tunSrc, BigInt(k.ipv4Src >>> 0));
  writeMember(flow, M.tunDst, BigInt(k.ipv4Dst >>> 0));
  writeMember(flow, M.tunIpv6Src, k.ipv6Src);
  writeMember(flow, M.tunIpv6Dst, k.ipv6Dst);
  writeMember(flow, M.tunFlags, BigInt(k.flags & 0xffff));
  writeMember(flow, XM.tunTos, BigInt(k.tos & 0xff));
  writeMember(flow, XM.tunTtl, BigInt(k.ttl & 0xff));
  writeMember(flow, XM.tunTpSrc, BigInt(k.tpSrc & 0xffff));
  writeMember(flow, XM.tunTpDst, BigInt(k.tpDst & 0xffff));
}

export interface Decapsulated {
  readonly packet: Packet;
  /** A flow key holding the tunnel fields. */
  readonly metadata: Uint32Array;
}

/** `tnl_pop`: decapsulates (tnlDecap); the tunnel key as a flow key's tunnel fields. */
export function tnlPop(p: Packet): Decapsulated | null {
  const d = tnlDecap(p);
  if (d === null) return null;
  const metadata = new Uint32Array(XLATE_FLOW_WORDS);
  writeTunnelFields(metadata, d.tunnel);
  return { packet: d.packet, metadata };
}
