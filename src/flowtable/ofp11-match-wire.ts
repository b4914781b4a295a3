/**
 * OpenFlow 1.1's fixed `struct ofp11_match` (OFPMT_STANDARD, 88 bytes) as
 * bytes, to and from a Match (OVS's `ofputil_match_from_ofp11_match` and
 * `ofputil_match_to_ofp11_match`, lib/ofp-match.c).
 *
 * Layout: type(2) length(2) in_port(4) wildcards(4) dl_src(6)
 * dl_src_mask(6) dl_dst(6) dl_dst_mask(6) dl_vlan(2) dl_vlan_pcp(1) pad(1)
 * dl_type(2) nw_tos(1) nw_proto(1) nw_src(4) nw_src_mask(4) nw_dst(4)
 * nw_dst_mask(4) tp_src(2) tp_dst(2) mpls_label(4) mpls_tc(1) pad(3)
 * metadata(8) metadata_mask(8). Masks are inverted (1-bits are wildcarded).
 * dl_vlan 0xffff (OFPVID11_NONE) is "no VLAN", 0xfffe (OFPVID11_ANY) "any
 * VLAN". Fields below L2 count only under the dl_type (and nw_proto) that
 * has them. A value a field cannot have is OFPBMC_BAD_VALUE (an ICMP type or
 * code over 255: OFPBMC_BAD_FIELD).
 */
import { M } from "./flow-layout.js";
import { Match } from "./match.js";
import { portFromOfp11, portToOfp11 } from "./ofp11-port.js";
import { ETH_TYPE, IPPROTO } from "./protocols.js";
import { readBigEndian, writeBigEndian } from "./wire-bytes.js";

export const OFP11_MATCH_LEN = 88;

const FW = {
  IN_PORT: 1 << 0,
  DL_VLAN: 1 << 1,
  DL_VLAN_PCP: 1 << 2,
  DL_TYPE: 1 << 3,
  NW_TOS: 1 << 4,
  NW_PROTO: 1 << 5,
  TP_SRC: 1 << 6,
  TP_DST: 1 << 7,
  MPLS_LABEL: 1 << 8,
  MPLS_TC: 1 << 9,
} as const;

const VID_NONE = 0xffffn;
const VID_ANY = 0xfffen;
const ALL48 = 0xffffffffffffn;
const ALL32 = 0xffffffffn;
const ALL64 = 0xffffffffffffffffn;

const rd = readBigEndian;
const wr = writeBigEndian;

export type Ofp11MatchResult = { ok: true; match: Match } | { ok: false; error: "OFPBMC_BAD_VALUE" | "OFPBMC_BAD_FIELD" };

/** ofputil_match_from_ofp11_match. */
export function matchFromOfp11(b: Uint8Array): Ofp11MatchResult {
  // OVS reads the wildcards into a uint16_t.
  const wc = Number(rd(b, 8, 4) & 0xffffn);
  const m = new Match();
  const set = (member: typeof M.inPort, value: bigint, mask: bigint): void => m.setMemberBits(member, mask, value, mask);
  if (!(wc & FW.IN_PORT)) {
    const port = portFromOfp11(rd(b, 4, 4));
    if (port === null) return { ok: false, error: "OFPBMC_BAD_VALUE" };
    set(M.inPort, port, 0xffffn);
  }
  const srcMask = ~rd(b, 18, 6) & ALL48;
  const dstMask = ~rd(b, 30, 6) & ALL48;
  if (srcMask !== 0n || dstMask !== 0n) {
    set(M.dlSrc, rd(b, 12, 6), srcMask);
    set(M.dlDst, rd(b, 24, 6), dstMask);
  }
  if (!(wc & FW.DL_VLAN)) {
    const vlan = rd(b, 36, 2);
    if (vlan === VID_NONE) {
      set(M.vlanTci, 0n, 0xffffn);
    } else {
      let tci: bigint;
      let mask: bigint;
      if (vlan === VID_ANY) {
        tci = 0x1000n;
        mask = 0x1000n;
      } else if (vlan < 4096n) {
        tci = 0x1000n | vlan;
        mask = 0x1fffn;
      } else {
        return { ok: false, error: "OFPBMC_BAD_VALUE" };
      }
      if (!(wc & FW.DL_VLAN_PCP)) {
        const pcp = rd(b, 38, 1);
        if (pcp > 7n) return { ok: false, error: "OFPBMC_BAD_VALUE" };
        tci |= pcp << 13n;
        mask |= 0xe000n;
      }
      set(M.vlanTci, tci, mask);
    }
  }
  if (!(wc & FW.DL_TYPE)) set(M.dlType, rd(b, 40, 2), 0xffffn);
  const dlType = Number(m.memberValue(M.dlType));
  const ipv4 = dlType === ETH_TYPE.IP;
  const arp = dlType === ETH_TYPE.ARP || dlType === ETH_TYPE.RARP;
  if (ipv4 && !(wc & FW.NW_TOS)) {
    const tos = rd(b, 42, 1);
    if ((tos & ~0xfcn) !== 0n) return { ok: false, error: "OFPBMC_BAD_VALUE" };
    set(M.nwTos, tos, 0xfcn);
  }
  if (ipv4 || arp) {
    if (!(wc & FW.NW_PROTO)) set(M.nwProto, rd(b, 43, 1), 0xffn);
    set(M.nwSrc, rd(b, 44, 4), ~rd(b, 48, 4) & ALL32);
    set(M.nwDst, rd(b, 52, 4), ~rd(b, 56, 4) & ALL32);
  }
  const tpAll = FW.TP_SRC | FW.TP_DST;
  if (ipv4 && (wc & tpAll) !== tpAll) {
    const proto = Number(m.memberValue(M.nwProto));
    if (proto === IPPROTO.ICMP) {
      for (const [bit, member, at] of [[FW.TP_SRC, M.tpSrc, 60], [FW.TP_DST, M.tpDst, 62]] as const) {
        if (wc & bit) continue;
        const v = rd(b, at, 2);
        if (v >= 0x100n) return { ok: false, error: "OFPBMC_BAD_FIELD" };
        set(member, v, 0xffffn);
      }
    } else if (proto === IPPROTO.TCP || proto === IPPROTO.UDP || proto === IPPROTO.SCTP) {
      if (!(wc & FW.TP_SRC)) set(M.tpSrc, rd(b, 60, 2), 0xffffn);
      if (!(wc & FW.TP_DST)) set(M.tpDst, rd(b, 62, 2), 0xffffn);
    }
  }
  if (dlType === ETH_TYPE.MPLS || dlType === ETH_TYPE.MPLS_MCAST) {
    // match_set_mpls_label / _tc: the value is cut to the field's bits.
    if (!(wc & FW.MPLS_LABEL)) set(M.mplsLse, (rd(b, 64, 4) << 12n) & 0xfffff000n, 0xfffff000n);
    if (!(wc & FW.MPLS_TC)) set(M.mplsLse, (rd(b, 68, 1) << 9n) & 0xe00n, 0xe00n);
  }
  set(M.metadata, rd(b, 72, 8), ~rd(b, 80, 8) & ALL64);
  return { ok: true, match: m };
}

/** ofputil_match_to_ofp11_match: 88 bytes. */
export function matchToOfp11(m: Match): Uint8Array {
  const b = new Uint8Array(OFP11_MATCH_LEN);
  let wc = 0;
  wr(b, 0, 2, 0n);
  wr(b, 2, 2, BigInt(OFP11_MATCH_LEN));
  if (m.memberMask(M.inPort) === 0n) wc |= FW.IN_PORT;
  else wr(b, 4, 4, portToOfp11(m.memberValue(M.inPort) & 0xffffn));
  wr(b, 12, 6, m.memberValue(M.dlSrc));
  wr(b, 18, 6, ~m.memberMask(M.dlSrc) & ALL48);
  wr(b, 24, 6, m.memberValue(M.dlDst));
  wr(b, 30, 6, ~m.memberMask(M.dlDst) & ALL48);
  const tci = m.memberValue(M.vlanTci);
  const tciMask = m.memberMask(M.vlanTci);
  if (tciMask === 0n) {
    wc |= FW.DL_VLAN | FW.DL_VLAN_PCP;
  } else if ((tciMask & 0x1000n) !== 0n && (tci & 0x1000n) === 0n) {
    wr(b, 36, 2, VID_NONE);
    wc |= FW.DL_VLAN_PCP;
  } else {
    wr(b, 36, 2, (tciMask & 0xfffn) === 0n ? VID_ANY : tci & 0xfffn);
    if ((tciMask & 0xe000n) === 0n) wc |= FW.DL_VLAN_PCP;
    else wr(b, 38, 1, tci >> 13n);
  }
  if (m.memberMask(M.dlType) === 0n) wc |= FW.DL_TYPE;
  else wr(b, 40, 2, m.memberValue(M.dlType));
  if ((m.memberMask(M.nwTos) & 0xfcn) === 0n) wc |= FW.NW_TOS;
  else wr(b, 42, 1, m.memberValue(M.nwTos) & 0xfcn);
  if (m.memberMask(M.nwProto) === 0n) wc |= FW.NW_PROTO;
  else wr(b, 43, 1, m.memberValue(M.nwProto));
  wr(b, 44, 4, m.memberValue(M.nwSrc));
  wr(b, 48, 4, ~m.memberMask(M.nwSrc) & ALL32);
  wr(b, 52, 4, m.memberValue(M.nwDst));
  wr(b, 56, 4, ~m.memberMask(M.nwDst) & ALL32);
  if (m.memberMask(M.tpSrc) === 0n) wc |= FW.TP_SRC;
  else wr(b, 60, 2, m.memberValue(M.tpSrc));
  if (m.memberMask(M.tpDst) === 0n) wc |= FW.TP_DST;
  else wr(b, 62, 2, m.memberValue(M.tpDst));
  const lse = m.memberValue(M.mplsLse);
  const lseMask = m.memberMask(M.mplsLse);
  if ((lseMask & 0xfffff000n) === 0n) wc |= FW.MPLS_LABEL;
  else wr(b, 64, 4, lse >> 12n);
  if ((lseMask & 0xe00n) === 0n) wc |= FW.MPLS_TC;
  else wr(b, 68, 1, (lse >> 9n) & 7n);
  wr(b, 72, 8, m.memberValue(M.metadata));
  wr(b, 80, 8, ~m.memberMask(M.metadata) & ALL64);
  wr(b, 8, 4, BigInt(wc));
  return b;
}
