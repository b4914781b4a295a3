/**
 * Encoding a Match as an nx_match or an OXM match (OVS's `nx_put_raw`,
 * `nx_put_match`, `oxm_put_match`, lib/nx-match.c).
 *
 * Fields go out in OVS's fixed order, each with the header its version
 * prefers (nxm-headers.ts), only where the match names their enclosing
 * headers: IPv4/IPv6 fields under an IP dl_type, ports under their nw_proto,
 * ND fields under an ND type, MPLS fields under an MPLS dl_type. A "masked"
 * field is left out when wildcarded, written exact when its mask is all ones
 * and with a mask (the `_W` header) otherwise; some fields are always written
 * exact once any bit is matched (in_port, nw_proto, nw_ttl, the DSCP and ECN
 * halves of nw_tos, ICMP type and code, the VLAN PCP, MPLS fields). OXM
 * writes the VLAN as OXM_OF_VLAN_VID (+ OXM_OF_VLAN_PCP), NXM as
 * NXM_OF_VLAN_TCI; OpenFlow 1.5 writes registers as 64-bit OXM_OF_PKT_REGs.
 *
 * nx_match is padded with zeros to a multiple of 8 bytes; OXM is preceded by
 * a `struct ofp11_match_header` (type OFPMT_OXM, length) and padded too. The
 * returned length excludes the padding.
 */
import type { FieldSpec } from "./fields.js";
import { FIELDS, regField } from "./fields.js";
import { allOnes } from "./field-values.js";
import type { FlowMember } from "./flow-layout.js";
import { M } from "./flow-layout.js";
import type { Match } from "./match.js";
import type { NxmVersion } from "./nxm-headers.js";
import { headerForField, headerLen, NXM_NX_COOKIE, NXM_NX_COOKIE_W, OXM_OF_PACKET_TYPE, sideHeaderFor, wildHeader } from "./nxm-headers.js";
import type { NxmSideFields } from "./nxm-pull.js";
import { LOW_BITS } from "./nxm-pull.js";
import { portToOfp11 } from "./ofp11-port.js";
import { ETH_TYPE, IPPROTO, ND_NEIGHBOR_ADVERT, ND_NEIGHBOR_SOLICIT } from "./protocols.js";

/** Encoded bytes and the match length (without padding). */
export interface NxmBytes {
  readonly bytes: Uint8Array;
  readonly matchLen: number;
}

class Writer {
  readonly out: number[] = [];
  /** An entry written so far has a prerequisite, which implies an Ethernet packet_type (ctx.implied_ethernet). */
  impliedEthernet = false;
  constructor(readonly version: NxmVersion) {}

  putHeader(h: bigint): void {
    const n = headerLen(h);
    for (let i = 0; i < n; i++) this.out.push(Number((h >> BigInt(56 - 8 * i)) & 0xffn));
  }

  putBytes(v: bigint, n: number): void {
    for (let i = n - 1; i >= 0; i--) this.out.push(Number((v >> BigInt(8 * i)) & 0xffn));
  }

  /** An entry for `f`: exact when `mask` is null (nxm_put__). */
  entry(f: FieldSpec, value: bigint, mask: bigint | null): void {
    const h = headerForField(f, this.version);
    if (h === undefined) return;
    if (f.prereq !== "none") this.impliedEthernet = true;
    this.putHeader(mask === null ? h.header : wildHeader(h.header));
    this.putBytes(value, h.nBytes);
    if (mask !== null) this.putBytes(mask, h.nBytes);
  }

  /** A maybe-wildcarded entry (nxm_put): nothing when the mask is zero, exact when all ones. */
  masked(f: FieldSpec, value: bigint, mask: bigint): void {
    if (mask === 0n) return;
    const h = headerForField(f, this.version);
    const full = allOnes((h?.nBytes ?? f.nBytes) * 8);
    // A "low N bits" field matched exactly by ovsim has only those bits in its mask (nxm-pull.ts).
    const exact = mask === full || (LOW_BITS.has(f) && mask === f.memberMask);
    this.entry(f, value & mask, exact ? null : mask);
  }
}

/**
 * A field's value and mask as OVS's flow holds them: the whole member when the
 * field is the member (its own width on the wire), else the field's bits.
 */
function bits(m: Match, f: FieldSpec): { v: bigint; m: bigint } {
  const whole = f.shift === 0 && f.member.bits === f.nBytes * 8;
  const sel = whole ? allOnes(f.member.bits) : f.memberMask;
  const shift = BigInt(f.shift);
  return { v: (m.memberValue(f.member) & sel) >> shift, m: (m.memberMask(f.member) & sel) >> shift };
}

function putMasked(w: Writer, m: Match, f: FieldSpec): void {
  const b = bits(m, f);
  w.masked(f, b.v, b.m);
}

function small(m: Match, member: FlowMember): number {
  return Number(m.memberValue(member));
}


function putIp(w: Writer, m: Match, oxm: boolean): void {
  const dlType = small(m, M.dlType);
  if (dlType === ETH_TYPE.IP) {
    putMasked(w, m, FIELDS.ip_src);
    putMasked(w, m, FIELDS.ip_dst);
  } else {
    putMasked(w, m, FIELDS.ipv6_src);
    putMasked(w, m, FIELDS.ipv6_dst);
  }
  // nxm_put_frag: a mask covering both fragment bits is written as 0xff.
  const frag = m.memberValue(M.nwFrag) & 3n;
  const fragMask = m.memberMask(M.nwFrag) & 3n;
  w.masked(FIELDS.ip_frag, frag, fragMask === 3n ? 0xffn : fragMask);
  const tos = m.memberValue(M.nwTos);
  const tosMask = m.memberMask(M.nwTos);
  if ((tosMask & 0xfcn) !== 0n) {
    if (oxm) w.entry(FIELDS.ip_dscp, tos >> 2n, null);
    else w.entry(FIELDS.nw_tos, tos & 0xfcn, null);
  }
  if ((tosMask & 3n) !== 0n) w.entry(FIELDS.nw_ecn, tos & 3n, null);
  if (m.memberMask(M.nwTtl) !== 0n) w.entry(FIELDS.nw_ttl, m.memberValue(M.nwTtl), null);
  putMasked(w, m, FIELDS.ipv6_label);
  if (m.memberMask(M.nwProto) === 0n) return;
  const proto = small(m, M.nwProto);
  w.entry(FIELDS.nw_proto, BigInt(proto), null);
  const tpSrcSet = m.memberMask(M.tpSrc) !== 0n;
  const tpDstSet = m.memberMask(M.tpDst) !== 0n;
  if (proto === IPPROTO.TCP) {
    putMasked(w, m, FIELDS.tcp_src);
    putMasked(w, m, FIELDS.tcp_dst);
    putMasked(w, m, FIELDS.tcp_flags);
  } else if (proto === IPPROTO.UDP) {
    putMasked(w, m, FIELDS.udp_src);
    putMasked(w, m, FIELDS.udp_dst);
  } else if (proto === IPPROTO.SCTP) {
    putMasked(w, m, FIELDS.sctp_src);
    putMasked(w, m, FIELDS.sctp_dst);
  } else if (dlType === ETH_TYPE.IP && proto === IPPROTO.ICMP) {
    if (tpSrcSet) w.entry(FIELDS.icmp_type, m.memberValue(M.tpSrc), null);
    if (tpDstSet) w.entry(FIELDS.icmp_code, m.memberValue(M.tpDst), null);
  } else if (dlType === ETH_TYPE.IPV6 && proto === IPPROTO.ICMPV6) {
    if (tpSrcSet) w.entry(FIELDS.icmpv6_type, m.memberValue(M.tpSrc), null);
    if (tpDstSet) w.entry(FIELDS.icmpv6_code, m.memberValue(M.tpDst), null);
    const type = small(m, M.tpSrc);
    if (small(m, M.tpDst) === 0 && (type === ND_NEIGHBOR_SOLICIT || type === ND_NEIGHBOR_ADVERT)) {
      putMasked(w, m, FIELDS.nd_target);
      if (type === ND_NEIGHBOR_SOLICIT) putMasked(w, m, FIELDS.nd_sll);
      if (type === ND_NEIGHBOR_ADVERT) putMasked(w, m, FIELDS.nd_tll);
    }
  }
}

/** The entries for `m` (nx_put_raw); `version` 0 is NXM, else the OXM of that OpenFlow version. */
function putRaw(w: Writer, m: Match, cookie: bigint, cookieMask: bigint): void {
  const oxm = w.version !== 0;
  if (m.memberMask(M.conjId) !== 0n) w.entry(FIELDS.conj_id, m.memberValue(M.conjId), null);
  if (m.memberMask(M.inPort) !== 0n) {
    const port = m.memberValue(M.inPort) & 0xffffn;
    if (oxm) w.entry(FIELDS.in_port_oxm, portToOfp11(port), null);
    else w.entry(FIELDS.in_port, port, null);
  }
  if (m.memberMask(M.actsetOutput) !== 0n) w.entry(FIELDS.actset_output, portToOfp11(m.memberValue(M.actsetOutput) & 0xffffn), null);

  putMasked(w, m, FIELDS.eth_src);
  putMasked(w, m, FIELDS.eth_dst);
  putMasked(w, m, FIELDS.eth_type);

  const tci = m.memberValue(M.vlanTci);
  const tciMask = m.memberMask(M.vlanTci);
  if (oxm) {
    const vid = tci & 0x1fffn;
    const vidMask = tciMask & 0x1fffn;
    if (vidMask === 0x1fffn) w.entry(FIELDS.vlan_vid, vid, null);
    else w.masked(FIELDS.vlan_vid, vid, vidMask);
    if (vid !== 0n && (tciMask >> 13n) !== 0n) w.entry(FIELDS.vlan_pcp, tci >> 13n, null);
  } else {
    w.masked(FIELDS.vlan_tci, tci, tciMask);
  }

  const dlType = small(m, M.dlType);
  if (dlType === ETH_TYPE.MPLS || dlType === ETH_TYPE.MPLS_MCAST) {
    const lseMask = m.memberMask(M.mplsLse);
    for (const f of [FIELDS.mpls_tc, FIELDS.mpls_bos, FIELDS.mpls_ttl, FIELDS.mpls_label]) {
      if ((lseMask & f.memberMask) !== 0n) w.entry(f, m.getField(f).value, null);
    }
  }

  if (dlType === ETH_TYPE.IP || dlType === ETH_TYPE.IPV6) {
    putIp(w, m, oxm);
  } else if (dlType === ETH_TYPE.ARP || dlType === ETH_TYPE.RARP) {
    if (m.memberMask(M.nwProto) !== 0n) w.entry(FIELDS.arp_op, m.memberValue(M.nwProto), null);
    putMasked(w, m, FIELDS.arp_spa);
    putMasked(w, m, FIELDS.arp_tpa);
    putMasked(w, m, FIELDS.arp_sha);
    putMasked(w, m, FIELDS.arp_tha);
  }

  for (const f of [FIELDS.tun_id, FIELDS.tun_flags, FIELDS.tun_src, FIELDS.tun_dst, FIELDS.tun_ipv6_src, FIELDS.tun_ipv6_dst]) putMasked(w, m, f);
  for (const f of [FIELDS.tun_gbp_id, FIELDS.tun_gbp_flags]) putMasked(w, m, f);
  for (const f of [FIELDS.tun_erspan_idx, FIELDS.tun_erspan_ver, FIELDS.tun_erspan_dir, FIELDS.tun_erspan_hwid]) putMasked(w, m, f);
  for (const f of [FIELDS.tun_gtpu_flags, FIELDS.tun_gtpu_msgtype]) putMasked(w, m, f);

  if (w.version < 15) {
    for (let i = 0; i < 16; i++) putMasked(w, m, regField(i));
  } else {
    for (let i = 0; i < 8; i++) putMasked(w, m, FIELDS[`xreg${i as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7}`]);
  }
  for (const f of [FIELDS.pkt_mark, FIELDS.ct_state, FIELDS.ct_zone, FIELDS.ct_mark, FIELDS.ct_label]) putMasked(w, m, f);
  for (const f of [FIELDS.ct_nw_src, FIELDS.ct_ipv6_src, FIELDS.ct_nw_dst, FIELDS.ct_ipv6_dst]) putMasked(w, m, f);
  if (m.memberValue(M.ctNwProto) !== 0n) for (const f of [FIELDS.ct_nw_proto, FIELDS.ct_tp_src, FIELDS.ct_tp_dst]) putMasked(w, m, f);
  putMasked(w, m, FIELDS.metadata);

  if (cookieMask !== 0n) {
    const exact = cookieMask === allOnes(64);
    w.putHeader(exact ? NXM_NX_COOKIE : NXM_NX_COOKIE_W);
    w.putBytes(cookie & cookieMask, 8);
    if (!exact) w.putBytes(cookieMask, 8);
  }
}

/** OXM_OF_PACKET_TYPE(00000000), Ethernet: the only header OVS has for packet_type, whatever the version. */
const PACKET_TYPE_ETH = [...headerBytes(OXM_OF_PACKET_TYPE), 0, 0, 0, 0];

function headerBytes(h: bigint): number[] {
  return [24, 16, 8, 0].map((s) => Number((h >> BigInt(32 + s)) & 0xffn));
}

/** Encoding options beside the Match. */
export interface NxmPutOptions {
  /** The match also matches packet_type=Ethernet (NxmPullResult.packetTypeEth). */
  readonly packetTypeEth?: boolean;
  /** Matched fields ovsim's Match does not hold (NxmPullResult.side): written first, as OVS's metadata. */
  readonly side?: NxmSideFields;
}

/** dp_hash (maybe masked) then recirc_id (exact), as nx_put_raw writes them before conj_id. */
function putSide(w: Writer, side: NxmSideFields): void {
  for (const id of ["dp_hash", "recirc_id"] as const) {
    const f = side.get(id);
    if (f === undefined || f.mask === 0n) continue;
    const h = sideHeaderFor(id);
    const exact = !h.maskable || f.mask === allOnes(h.nBytes * 8);
    w.putHeader(exact ? h.header : wildHeader(h.header));
    w.putBytes(f.value, h.nBytes);
    if (!exact) w.putBytes(f.mask, h.nBytes);
  }
}

/**
 * nx_put_raw's entries at the end of `w` (after `start`): a match on the
 * Ethernet packet_type that no entry implies goes first, as its own entry.
 */
function putRawAt(w: Writer, start: number, m: Match, cookie: bigint, cookieMask: bigint, o: NxmPutOptions): void {
  if (o.side !== undefined) putSide(w, o.side);
  putRaw(w, m, cookie, cookieMask);
  if (o.packetTypeEth === true && !w.impliedEthernet) w.out.splice(start, 0, ...PACKET_TYPE_ETH);
}

function padded(out: number[]): Uint8Array {
  const b = new Uint8Array(Math.ceil(out.length / 8) * 8);
  b.set(out);
  return b;
}

/** nx_put_match: the NXM entries for `m` (and the cookie, when `cookieMask` is not 0), padded to 8 bytes. */
export function nxPutMatch(m: Match, cookie = 0n, cookieMask = 0n, o: NxmPutOptions = {}): NxmBytes {
  const w = new Writer(0);
  putRawAt(w, 0, m, cookie, cookieMask, o);
  return { bytes: padded(w.out), matchLen: w.out.length };
}

/** oxm_put_match: ofp11_match_header (OFPMT_OXM) and the OXM entries for `m` in `version`, padded to 8 bytes. */
export function oxmPutMatch(m: Match, version: Exclude<NxmVersion, 0>, o: NxmPutOptions = {}): NxmBytes {
  const w = new Writer(version);
  w.out.push(0, 1, 0, 0);
  putRawAt(w, 4, m, 0n, 0n, o);
  const len = w.out.length;
  w.out[2] = len >> 8;
  w.out[3] = len & 0xff;
  return { bytes: padded(w.out), matchLen: len };
}
