/**
 * What a match looks like once it has crossed the wire to the switch. ovs-ofctl
 * sends a flow_mod in the first protocol that can carry it, and that choice
 * decides what happens to fields whose prerequisites are missing:
 *
 * - OpenFlow 1.0's fixed match: the switch normalizes it silently
 *   (`match-normalize.ts`): `tp_src=80` without `tcp` becomes a catch-all.
 * - NXM / OXM: the encoder (OVS's `nx_put_raw`) only writes fields whose
 *   enclosing headers the match names (ports only under a TCP/UDP/SCTP/ICMP
 *   nw_proto, IPv4 addresses only under dl_type=0x0800, ...), so most such
 *   fields vanish too; the switch then checks each field it receives against
 *   the prerequisites of the flow so far and answers OFPBMC_BAD_PREREQ when one
 *   fails (e.g. `ip,ipv6_label=1`, or `tcp,nw_frag=later,tp_src=80`).
 */
import type { FieldSpec } from "./fields.js";
import { FIELDS, regField } from "./fields.js";
import type { FlowMember } from "./flow-layout.js";
import { M } from "./flow-layout.js";
import { Match } from "./match.js";
import { normalizeMatch } from "./match-normalize.js";
import { prereqOk } from "./prereqs.js";
import { ETH_TYPE, IPPROTO } from "./protocols.js";
import { placeTunMd } from "./tun-metadata-match.js";
import { MASK_IS_VALUE } from "./nxm-pull.js";
import type { TunMetadataTable } from "./tun-metadata-table.js";

export type MatchProtocol = "of10" | "nxm" | "oxm";

export type TransmitResult =
  | { ok: true; match: Match; /** OpenFlow 1.0 forces exact-match flows to priority 65535. */ priority: number | null }
  | { ok: false; ofperr: "OFPBMC_BAD_PREREQ" | "OFPBMC_BAD_VALUE" | "NXFMFC_INVALID_TLV_FIELD" };

/** One NXM/OXM entry: a field, and the member bits it carries. */
export interface Entry {
  readonly field: FieldSpec;
  readonly member: FlowMember;
  readonly bits: bigint;
}

function entry(field: FieldSpec, bits?: bigint): Entry {
  return { field, member: field.member, bits: bits ?? field.memberMask };
}

/**
 * The entries OVS's `nx_put_raw` would write for `m`, in its order (also what
 * a flow stats reply carries: src/ryu/read-back.ts reads flows back with it).
 */
export function nxmEntries(m: Match, protocol: "nxm" | "oxm"): Entry[] {
  const out: Entry[] = [];
  const put = (e: Entry): void => {
    if ((m.memberMask(e.member) & e.bits) !== 0n) out.push(e);
  };
  put(entry(FIELDS.conj_id));
  put(entry(FIELDS.in_port));
  put(entry(FIELDS.actset_output));
  put(entry(FIELDS.eth_src));
  put(entry(FIELDS.eth_dst));
  put(entry(FIELDS.eth_type));
  if (protocol === "oxm") {
    put(entry(FIELDS.vlan_vid, 0x1fffn));
    const vid = m.memberValue(M.vlanTci) & 0x1fffn;
    if (vid !== 0n) put(entry(FIELDS.vlan_pcp, 0xe000n));
  } else {
    put(entry(FIELDS.vlan_tci));
  }

  const dlType = Number(m.memberValue(M.dlType));
  const proto = Number(m.memberValue(M.nwProto));
  if (dlType === ETH_TYPE.IP || dlType === ETH_TYPE.IPV6) {
    if (dlType === ETH_TYPE.IP) {
      put(entry(FIELDS.ip_src));
      put(entry(FIELDS.ip_dst));
    } else {
      put(entry(FIELDS.ipv6_src));
      put(entry(FIELDS.ipv6_dst));
    }
    put(entry(FIELDS.ip_frag));
    put(entry(FIELDS.nw_tos));
    put(entry(FIELDS.nw_ecn));
    put(entry(FIELDS.nw_ttl));
    put({ field: FIELDS.ipv6_label, member: M.ipv6Label, bits: 0xffffffffn });
    if (m.memberMask(M.nwProto) !== 0n) {
      put(entry(FIELDS.nw_proto));
      if (proto === IPPROTO.TCP) {
        put(entry(FIELDS.tcp_src));
        put(entry(FIELDS.tcp_dst));
        put({ field: FIELDS.tcp_flags, member: M.tcpFlags, bits: 0xffffn });
      } else if (proto === IPPROTO.UDP) {
        put(entry(FIELDS.udp_src));
        put(entry(FIELDS.udp_dst));
      } else if (proto === IPPROTO.SCTP) {
        put(entry(FIELDS.sctp_src));
        put(entry(FIELDS.sctp_dst));
      } else if (dlType === ETH_TYPE.IP && proto === IPPROTO.ICMP) {
        put(entry(FIELDS.icmp_type));
        put(entry(FIELDS.icmp_code));
      } else if (dlType === ETH_TYPE.IPV6 && proto === IPPROTO.ICMPV6) {
        put(entry(FIELDS.icmpv6_type));
        put(entry(FIELDS.icmpv6_code));
        if (prereqOk("nd", m.key)) {
          put(entry(FIELDS.nd_target));
          if (prereqOk("nd_solicit", m.key)) put(entry(FIELDS.nd_sll));
          if (prereqOk("nd_advert", m.key)) put(entry(FIELDS.nd_tll));
        }
      }
    }
  } else if (dlType === ETH_TYPE.ARP || dlType === ETH_TYPE.RARP) {
    put(entry(FIELDS.arp_op));
    put(entry(FIELDS.arp_spa));
    put(entry(FIELDS.arp_tpa));
    put(entry(FIELDS.arp_sha));
    put(entry(FIELDS.arp_tha));
  }
  if (dlType === ETH_TYPE.MPLS || dlType === ETH_TYPE.MPLS_MCAST) {
    put(entry(FIELDS.mpls_tc));
    put(entry(FIELDS.mpls_bos));
    put(entry(FIELDS.mpls_ttl));
    put(entry(FIELDS.mpls_label));
  }
  put(entry(FIELDS.tun_id));
  put(entry(FIELDS.tun_flags));
  put(entry(FIELDS.tun_src));
  put(entry(FIELDS.tun_dst));
  put(entry(FIELDS.tun_ipv6_src));
  put(entry(FIELDS.tun_ipv6_dst));
  put(entry(FIELDS.tun_gbp_id));
  put(entry(FIELDS.tun_gbp_flags));
  put(entry(FIELDS.tun_erspan_idx));
  put(entry(FIELDS.tun_erspan_ver));
  put(entry(FIELDS.tun_erspan_dir));
  put(entry(FIELDS.tun_erspan_hwid));
  put(entry(FIELDS.tun_gtpu_flags));
  put(entry(FIELDS.tun_gtpu_msgtype));
  for (let i = 0; i < 16; i++) put(entry(regField(i)));
  put(entry(FIELDS.pkt_mark));
  put(entry(FIELDS.ct_state));
  put(entry(FIELDS.ct_zone));
  put(entry(FIELDS.ct_mark));
  put(entry(FIELDS.ct_label));
  // nx_put_raw: the original direction tuple; its protocol and ports only with a protocol.
  put(entry(FIELDS.ct_nw_src));
  put(entry(FIELDS.ct_ipv6_src));
  put(entry(FIELDS.ct_nw_dst));
  put(entry(FIELDS.ct_ipv6_dst));
  if (m.memberValue(M.ctNwProto) !== 0n) {
    put(entry(FIELDS.ct_nw_proto));
    put(entry(FIELDS.ct_tp_src));
    put(entry(FIELDS.ct_tp_dst));
  }
  put(entry(FIELDS.metadata));
  return out;
}

/**
 * OpenFlow 1.0's fixed match round trip (OVS's `ofputil_match_to_ofp10_match`
 * and back): the VLAN is carried as dl_vlan + dl_vlan_pcp, so a TCI match
 * without the CFI bit set means "no VLAN header" (vlan_tci=0x0000).
 */
function of10RoundTrip(match: Match): { match: Match; exact: boolean } {
  const out = match.clone();
  const tci = match.memberValue(M.vlanTci);
  const mask = match.memberMask(M.vlanTci);
  let vlanExact = false;
  if (mask !== 0n) {
    if ((mask & 0x1000n) !== 0n && (tci & 0x1000n) === 0n) {
      out.setMemberBits(M.vlanTci, 0xffffn, 0n, 0xffffn);
    } else {
      const newMask = ((mask & 0x0fffn) !== 0n ? 0x1fffn : 0n) | ((mask & 0xe000n) !== 0n ? 0xf000n : 0n);
      out.setMemberBits(M.vlanTci, 0xffffn, (tci & 0xefffn) | 0x1000n, newMask);
      vlanExact = newMask === 0xffffn;
    }
  }
  // Every OpenFlow 1.0 field exact: no wildcard bit left in the ofp10 match.
  const exactMembers = [M.inPort, M.dlSrc, M.dlDst, M.dlType, M.nwProto, M.tpSrc, M.tpDst, M.nwSrc, M.nwDst];
  const exact =
    (vlanExact || (mask !== 0n && (tci & 0x1000n) === 0n && (mask & 0x1000n) !== 0n)) &&
    (match.memberMask(M.nwTos) & 0xfcn) === 0xfcn &&
    exactMembers.every((m) => match.memberMask(m) === (1n << BigInt(m.bits)) - 1n || (m === M.inPort && match.memberMask(m) === 0xffffn));
  return { match: normalizeMatch(out).match, exact };
}

/**
 * How many low bits of a received value may be set (OVS's `mf_is_value_valid`):
 * the field's width, except that OXM's VLAN_VID also carries OFPVID_PRESENT
 * (0x1000) above its 12 bits.
 */
function validValueBits(f: FieldSpec): number {
  return f === FIELDS.vlan_vid ? 13 : f.nBits;
}

/**
 * The match the switch ends up with after `match` was sent over `protocol`;
 * `tunTable`: the switch's TLV map, which places the tun_metadata fields
 * (none: the receiver is a program without one, which keeps them as sent).
 */
export function transmitMatch(match: Match, protocol: MatchProtocol, tunTable?: TunMetadataTable): TransmitResult {
  if (protocol === "of10") {
    const r = of10RoundTrip(match);
    return { ok: true, match: r.match, priority: r.exact ? 0xffff : null };
  }
  const received = new Match();
  for (const e of nxmEntries(match, protocol)) {
    if (!prereqOk(e.field.prereq, received.key, received.mask)) return { ok: false, ofperr: "OFPBMC_BAD_PREREQ" };
    const value = match.memberValue(e.member);
    if ((((value & e.bits) >> BigInt(e.field.shift)) >> BigInt(validValueBits(e.field))) !== 0n) {
      return { ok: false, ofperr: "OFPBMC_BAD_VALUE" };
    }
    if (MASK_IS_VALUE.has(e.field)) {
      // mf_set of the ERSPAN and GTP-U fields in OVS 3.1: the received value becomes the mask.
      const v = value & match.memberMask(e.member) & e.bits;
      received.setMemberBits(e.member, e.bits, v, v);
    } else received.setMemberBits(e.member, e.bits, value, match.memberMask(e.member));
  }
  // A program without a TLV map (ovs-ofctl decoding its own message) keeps the fields as sent.
  if (tunTable === undefined) received.tunMd.push(...match.tunMd);
  else if (placeTunMd(match.tunMd, tunTable, received.key, received.mask) !== null) return { ok: false, ofperr: "NXFMFC_INVALID_TLV_FIELD" };
  return { ok: true, match: received, priority: null };
}
