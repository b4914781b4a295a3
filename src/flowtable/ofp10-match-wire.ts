/**
 * OpenFlow 1.0's fixed `struct ofp10_match` (40 bytes) as bytes, to and from
 * a Match (OVS's `ofputil_match_from_ofp10_match` and
 * `ofputil_match_to_ofp10_match`, lib/ofp-match.c).
 *
 * Layout: wildcards(4) in_port(2) dl_src(6) dl_dst(6) dl_vlan(2)
 * dl_vlan_pcp(1) pad(1) dl_type(2) nw_tos(1) nw_proto(1) pad(2) nw_src(4)
 * nw_dst(4) tp_src(2) tp_dst(2). A wildcard bit per field, except nw_src and
 * nw_dst, which carry the number of wildcarded low bits (6 bits each, 32 or
 * more: all). The VLAN travels as dl_vlan + dl_vlan_pcp; dl_vlan 0xffff
 * (OFP10_VLAN_NONE) matches packets without a VLAN header. Wildcarded fields
 * read as zero.
 */
import { M } from "./flow-layout.js";
import { Match } from "./match.js";
import { readBigEndian, writeBigEndian } from "./wire-bytes.js";

export const OFP10_MATCH_LEN = 40;

const FW = {
  IN_PORT: 1 << 0,
  DL_VLAN: 1 << 1,
  DL_SRC: 1 << 2,
  DL_DST: 1 << 3,
  DL_TYPE: 1 << 4,
  NW_PROTO: 1 << 5,
  TP_SRC: 1 << 6,
  TP_DST: 1 << 7,
  NW_SRC_SHIFT: 8,
  NW_DST_SHIFT: 14,
  DL_VLAN_PCP: 1 << 20,
  NW_TOS: 1 << 21,
  ALL: (1 << 22) - 1,
} as const;

const VLAN_NONE = 0xffff;

const rd = readBigEndian;
const wr = writeBigEndian;

/** A netmask from OpenFlow 1.0 wildcard bits (ofputil_wcbits_to_netmask). */
function wcbitsToNetmask(wcbits: number): bigint {
  const w = wcbits & 0x3f;
  return w < 32 ? (0xffffffffn << BigInt(w)) & 0xffffffffn : 0n;
}

/** The wildcard bits for a netmask: its 0-bits below its lowest 1-bit... as OVS counts (32 - CIDR bits). */
function netmaskToWcbits(mask: bigint): number {
  // ip_count_cidr_bits: the number of leading 1-bits up to the lowest set bit (32 - trailing zeros).
  if (mask === 0n) return 32;
  let tz = 0;
  while (((mask >> BigInt(tz)) & 1n) === 0n) tz++;
  return tz;
}

/** ofputil_match_from_ofp10_match. */
export function matchFromOfp10(b: Uint8Array): Match {
  const fw = Number(rd(b, 0, 4)) & FW.ALL;
  const m = new Match();
  const set = (member: typeof M.inPort, value: bigint, mask: bigint): void => m.setMemberBits(member, mask, value, mask);
  if (!(fw & FW.IN_PORT)) set(M.inPort, rd(b, 4, 2), 0xffffn);
  if (!(fw & FW.NW_TOS)) set(M.nwTos, rd(b, 24, 1) & 0xfcn, 0xfcn);
  if (!(fw & FW.NW_PROTO)) set(M.nwProto, rd(b, 25, 1), 0xffn);
  set(M.nwSrc, rd(b, 28, 4), wcbitsToNetmask(fw >> FW.NW_SRC_SHIFT));
  set(M.nwDst, rd(b, 32, 4), wcbitsToNetmask(fw >> FW.NW_DST_SHIFT));
  if (!(fw & FW.TP_SRC)) set(M.tpSrc, rd(b, 36, 2), 0xffffn);
  if (!(fw & FW.TP_DST)) set(M.tpDst, rd(b, 38, 2), 0xffffn);
  if (!(fw & FW.DL_SRC)) set(M.dlSrc, rd(b, 6, 6), 0xffffffffffffn);
  if (!(fw & FW.DL_DST)) set(M.dlDst, rd(b, 12, 6), 0xffffffffffffn);
  if (!(fw & FW.DL_TYPE)) set(M.dlType, rd(b, 22, 2), 0xffffn);
  let tciMask = 0n;
  if (!(fw & FW.DL_VLAN_PCP)) tciMask |= 0xf000n;
  if (!(fw & FW.DL_VLAN)) tciMask |= 0x1fffn;
  const vlan = rd(b, 18, 2);
  if (!(fw & FW.DL_VLAN) && vlan === BigInt(VLAN_NONE)) {
    set(M.vlanTci, 0n, 0xffffn);
  } else {
    const tci = (vlan & 0xfffn) | ((rd(b, 20, 1) << 13n) & 0xe000n) | 0x1000n;
    set(M.vlanTci, tci, tciMask);
  }
  return m;
}

/** ofputil_match_to_ofp10_match: 40 bytes. */
export function matchToOfp10(m: Match): Uint8Array {
  const b = new Uint8Array(OFP10_MATCH_LEN);
  let fw = 0;
  if (m.memberMask(M.inPort) === 0n) fw |= FW.IN_PORT;
  if (m.memberMask(M.dlType) === 0n) fw |= FW.DL_TYPE;
  if (m.memberMask(M.nwProto) === 0n) fw |= FW.NW_PROTO;
  fw |= netmaskToWcbits(m.memberMask(M.nwSrc)) << FW.NW_SRC_SHIFT;
  fw |= netmaskToWcbits(m.memberMask(M.nwDst)) << FW.NW_DST_SHIFT;
  if ((m.memberMask(M.nwTos) & 0xfcn) === 0n) fw |= FW.NW_TOS;
  if (m.memberMask(M.tpSrc) === 0n) fw |= FW.TP_SRC;
  if (m.memberMask(M.tpDst) === 0n) fw |= FW.TP_DST;
  if (m.memberMask(M.dlSrc) === 0n) fw |= FW.DL_SRC;
  if (m.memberMask(M.dlDst) === 0n) fw |= FW.DL_DST;
  const tci = m.memberValue(M.vlanTci);
  const tciMask = m.memberMask(M.vlanTci);
  if (tciMask === 0n) {
    fw |= FW.DL_VLAN | FW.DL_VLAN_PCP;
  } else if ((tciMask & 0x1000n) !== 0n && (tci & 0x1000n) === 0n) {
    wr(b, 18, 2, BigInt(VLAN_NONE));
  } else {
    if ((tciMask & 0x0fffn) === 0n) fw |= FW.DL_VLAN;
    else wr(b, 18, 2, tci & 0xfffn);
    if ((tciMask & 0xe000n) === 0n) fw |= FW.DL_VLAN_PCP;
    else wr(b, 20, 1, tci >> 13n);
  }
  wr(b, 0, 4, BigInt(fw));
  wr(b, 4, 2, m.memberValue(M.inPort) & 0xffffn);
  wr(b, 6, 6, m.memberValue(M.dlSrc));
  wr(b, 12, 6, m.memberValue(M.dlDst));
  wr(b, 22, 2, m.memberValue(M.dlType));
  wr(b, 24, 1, m.memberValue(M.nwTos) & 0xfcn);
  wr(b, 25, 1, m.memberValue(M.nwProto));
  wr(b, 28, 4, m.memberValue(M.nwSrc));
  wr(b, 32, 4, m.memberValue(M.nwDst));
  wr(b, 36, 2, m.memberValue(M.tpSrc));
  wr(b, 38, 2, m.memberValue(M.tpDst));
  return b;
}
