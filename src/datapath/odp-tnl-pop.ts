/**
 * tnl_pop's decapsulation (OVS's netdev_vxlan_pop_header,
 * netdev_gre_pop_header, netdev_geneve_pop_header over IPv4): strips the
 * outer Ethernet, IPv4 and UDP+VXLAN / GRE / UDP+Geneve headers and gives
 * the tunnel metadata the packet re-enters the datapath with: tun_id (VNI or
 * GRE key), tun_src, tun_dst, tun_flags (+key when a key is present, +csum
 * when the outer header carried a checksum; OVS's userspace pop never sets
 * `df`, which is why dumps show `flags(-df-csum+key)`).
 *
 * odp-execute.ts runs it for `tnl_pop(N)`, then the packet re-enters the
 * datapath on vport N with the metadata (OVS's recirculation after
 * tnl_pop). A packet that is not a well-formed tunnel packet is dropped
 * (null), as OVS drops it.
 */
import { M, writeMember } from "../flowtable/flow-layout.js";
import { XLATE_FLOW_WORDS } from "../actions/xlate/odp-metadata.js";
import { get16, get32 } from "./packet/bytes.js";
import { Packet } from "./packet/packet.js";
import { ETH_TYPE } from "../flowtable/protocols.js";

const FLOW_TNL_F_CSUM = 1 << 2;
const FLOW_TNL_F_KEY = 1 << 3;
const GRE_CSUM = 0x8000;
const GRE_KEY = 0x2000;
const GRE_SEQ = 0x1000;

export interface Decapsulated {
  readonly packet: Packet;
  /** A flow key holding the tunnel fields. */
  readonly metadata: Uint32Array;
}

/** Decapsulates an IPv4 VXLAN / GRE / Geneve packet (Ethernet payload); null if it is not one. */
export function tnlPop(p: Packet): Decapsulated | null {
  const b = p.data();
  if (b.length < 34 || get16(b, 12) !== 0x0800) return null;
  const ihl = ((b[14] ?? 0) & 0x0f) * 4;
  const l4 = 14 + ihl;
  const proto = b[23];
  const src = get32(b, 26);
  const dst = get32(b, 30);
  let inner: number;
  let tunId = 0n;
  let flags = 0;
  if (proto === 17) {
    if (b.length < l4 + 16) return null;
    if (get16(b, l4 + 6) !== 0) flags |= FLOW_TNL_F_CSUM;
    const dport = get16(b, l4 + 2);
    if (dport === 6081) {
      const optLen = ((b[l4 + 8] ?? 0) & 0x3f) * 4;
      if (get16(b, l4 + 10) !== ETH_TYPE.TEB) return null;
      tunId = BigInt(get32(b, l4 + 12) >>> 8);
      inner = l4 + 16 + optLen;
    } else {
      if (((b[l4 + 8] ?? 0) & 0x08) === 0) return null; // VXLAN's I flag: a VNI is present
      tunId = BigInt(get32(b, l4 + 12) >>> 8);
      inner = l4 + 16;
    }
    flags |= FLOW_TNL_F_KEY;
  } else if (proto === 47) {
    const gflags = get16(b, l4);
    if (get16(b, l4 + 2) !== ETH_TYPE.TEB) return null;
    let o = l4 + 4;
    if ((gflags & GRE_CSUM) !== 0) {
      flags |= FLOW_TNL_F_CSUM;
      o += 4;
    }
    if ((gflags & GRE_KEY) !== 0) {
      tunId = BigInt(get32(b, o));
      flags |= FLOW_TNL_F_KEY;
      o += 4;
    }
    if ((gflags & GRE_SEQ) !== 0) o += 4;
    inner = o;
  } else {
    return null;
  }
  if (inner + 14 > b.length) return null;
  const metadata = new Uint32Array(XLATE_FLOW_WORDS);
  writeMember(metadata, M.tunId, tunId);
  writeMember(metadata, M.tunSrc, BigInt(src));
  writeMember(metadata, M.tunDst, BigInt(dst));
  writeMember(metadata, M.tunFlags, BigInt(flags));
  return { packet: new Packet(b.slice(inner)), metadata };
}
