/**
 * A conntrack flush match as text (OVS's ofp_ct_match_format in
 * lib/ofp-ct.c), as ct_dpif_flush logs it:
 * `'ORIG,ct_nw_proto=P' 'REPLY'`, each tuple
 * `ct_nw_src=A,ct_nw_dst=B,ct_tp_src=S,ct_tp_dst=D` (ct_ipv6_* unless the
 * match's L3 type is IPv4; icmp_id/icmp_type/icmp_code for ICMP). Addresses
 * print as OVS's ipv6_format_mapped: an IPv4-mapped one in dotted quad, the
 * rest (zero included, `::`) as IPv6.
 *
 * `ctMatchL3FromAddresses` is the L3 type the match has after a trip
 * through an NXT_CT_FLUSH message (ofpprop_pull_ipv6): taken from the last
 * non-zero address (orig src, orig dst, reply src, reply dst), IPv4 when it
 * is mapped, 0 when there is none.
 */
import { formatIpv6 } from "../../flowtable/field-values.js";
import type { CtMatch, CtMatchTuple } from "./ct-match.js";
import { IPPROTO_ICMP, IPPROTO_ICMPV6 } from "./ct-consts.js";

const V4_MAPPED_PREFIX = 0xffffn;

function isMapped(a: bigint): boolean {
  return a >> 32n === V4_MAPPED_PREFIX;
}

/** OVS's ipv6_format_mapped. */
function formatMapped(a: bigint): string {
  if (isMapped(a)) {
    const w = Number(a & 0xffffffffn);
    return `${w >>> 24}.${(w >>> 16) & 0xff}.${(w >>> 8) & 0xff}.${w & 0xff}`;
  }
  return formatIpv6(a);
}

function formatTuple(t: CtMatchTuple, ipProto: number, l3Type: number): string {
  const v4 = l3Type === 4;
  let s = `${v4 ? "ct_nw_src=" : "ct_ipv6_src="}${formatMapped(t.src)}${v4 ? ",ct_nw_dst=" : ",ct_ipv6_dst="}${formatMapped(t.dst)}`;
  if (ipProto === IPPROTO_ICMP || ipProto === IPPROTO_ICMPV6) s += `,icmp_id=${t.srcPort},icmp_type=${t.icmpType},icmp_code=${t.icmpCode}`;
  else s += `,ct_tp_src=${t.srcPort},ct_tp_dst=${t.dstPort}`;
  return s;
}

/** OVS's ofp_ct_match_format. */
export function formatCtMatch(m: CtMatch): string {
  return `'${formatTuple(m.orig, m.ipProto, m.l3Type)},ct_nw_proto=${m.ipProto}' '${formatTuple(m.reply, m.ipProto, m.l3Type)}'`;
}

/** The L3 type an NXT_CT_FLUSH decoder gives `m` (see the top of this file). */
export function ctMatchL3FromAddresses(m: CtMatch): 0 | 4 | 6 {
  let l3: 0 | 4 | 6 = 0;
  for (const a of [m.orig.src, m.orig.dst, m.reply.src, m.reply.dst]) if (a !== 0n) l3 = isMapped(a) ? 4 : 6;
  return l3;
}
