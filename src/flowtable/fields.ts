/**
 * The field registry: one table-driven list of every match field ovsim knows,
 * modelled on OVS's `lib/meta-flow.xml` / `include/openvswitch/meta-flow.h`.
 *
 * A field is a *view* of a flow member (see `flow-layout.ts`): `nw_tos` and
 * `ip_dscp` both view the DSCP bits of the `nw_tos` member, `arp_spa` and
 * `nw_src` both view `nw_src`. Everything that needs to know about fields —
 * match parsing, `load`/`move`/`set_field`, `learn`, prerequisite checks — reads
 * this table, so a field is added in exactly one place. `satisfies
 * Record<FieldId, FieldSpec>` makes a new id fail to compile until it has a spec.
 *
 * How a field's value maps to its member: member bits = (value << shift) &
 * memberMask. `impliedBits` are member bits forced to 1 (in value and mask)
 * whenever the field is matched exactly, as OVS sets VLAN_CFI for `dl_vlan`.
 */
import type { FlowMember } from "./flow-layout.js";
import { DPM, M, W } from "./flow-layout.js";
import type { TunMdRef } from "./tun-metadata-field.js";
import { tunMetadataFieldByName } from "./tun-metadata-field.js";

/** How a field's value is written and read in ovs-ofctl syntax (OVS's MFS_*). */
export type FieldFormat =
  | "decimal"
  | "hexadecimal"
  | "ethernet"
  | "ipv4"
  | "ipv6"
  | "ofp_port"
  | "frag"
  | "tun_flags"
  | "tcp_flags"
  | "ct_state";

/** What a flow must match before a field may be matched (OVS's MFP_*). */
export type Prereq =
  | "none"
  | "ethernet"
  | "vlan_vid"
  | "arp"
  | "ipv4"
  | "ipv6"
  | "ip_any"
  | "tcp"
  | "udp"
  | "sctp"
  | "icmpv4"
  | "icmpv6"
  | "nd"
  | "nd_solicit"
  | "nd_advert"
  | "mpls"
  /** OVS's MFP_CT_VALID: ct_state says conntrack found a connection (is_ct_valid). */
  | "ct";

/** How OpenFlow 1.0's fixed match can carry a field: not at all, exactly, or with a CIDR mask. */
export type Of10Support = "none" | "exact" | "cidr";

export interface FieldSpec {
  /** Canonical name, as OVS prints it in error messages. */
  readonly name: string;
  /** Other names accepted in matches (`dl_src` for `eth_src`). */
  readonly aliases: readonly string[];
  /** NXM and OXM names, accepted in subfield syntax (`NXM_NX_REG0[0..3]`). */
  readonly nxm: string | null;
  readonly oxm: string | null;
  /** Width of the value on the wire, in bytes (bounds integer parsing). */
  readonly nBytes: number;
  /** Significant bits of the value (12 for `dl_vlan`). */
  readonly nBits: number;
  /** Whether an arbitrary bitwise mask may be given. */
  readonly maskable: boolean;
  readonly format: FieldFormat;
  readonly prereq: Prereq;
  /** Whether actions may write the field (`set_field`, `load`, `move` destination). */
  readonly writable: boolean;
  readonly of10: Of10Support;
  readonly member: FlowMember;
  readonly memberMask: bigint;
  readonly shift: number;
  readonly impliedBits: bigint;
  /** tun_metadata<N> only: a variable-length field, read and written through the TLV table (tun-metadata-field.ts). */
  readonly tunMetadata?: TunMdRef;
  /**
   * Datapath metadata no OpenFlow flow format carries (meta-flow.h's "NXM: none.
   * OXM: none." with no OpenFlow 1.0/1.1 form: tun_tos, tun_ttl, skb_priority):
   * matching it leaves no usable protocol (usable_protocols_exact is
   * OFPUTIL_P_NONE). Its member lies past the flow key (flow-layout.ts's DPM), so
   * only translation flows (ofproto/trace) hold its value.
   */
  readonly datapathOnly?: true;
}

interface Opts {
  aliases?: readonly string[];
  nxm?: string;
  oxm?: string;
  nBits?: number;
  maskable?: boolean;
  prereq?: Prereq;
  writable?: boolean;
  of10?: Of10Support;
  memberMask?: bigint;
  shift?: number;
  impliedBits?: bigint;
  datapathOnly?: true;
}

function field(name: string, nBytes: number, format: FieldFormat, member: FlowMember, o: Opts = {}): FieldSpec {
  const nBits = o.nBits ?? nBytes * 8;
  return {
    name,
    aliases: o.aliases ?? [],
    nxm: o.nxm ?? null,
    oxm: o.oxm ?? null,
    nBytes,
    nBits,
    maskable: o.maskable ?? false,
    format,
    prereq: o.prereq ?? "none",
    writable: o.writable ?? true,
    of10: o.of10 ?? "none",
    member,
    memberMask: o.memberMask ?? (1n << BigInt(member.bits)) - 1n,
    shift: o.shift ?? 0,
    impliedBits: o.impliedBits ?? 0n,
    ...(o.datapathOnly === true ? { datapathOnly: true as const } : {}),
  };
}

const VLAN_CFI = 0x1000n;

type RegIndex = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15;
type XregIndex = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;
type XxregIndex = 0 | 1 | 2 | 3;

function regs(): Record<`reg${RegIndex}`, FieldSpec> {
  const out = {} as Record<`reg${RegIndex}`, FieldSpec>;
  for (let i = 0; i < 16; i++) {
    out[`reg${i as RegIndex}`] = field(`reg${i}`, 4, "hexadecimal", M.regs[i] as FlowMember, {
      nxm: `NXM_NX_REG${i}`,
      maskable: true,
    });
  }
  return out;
}

function xregs(): Record<`xreg${XregIndex}`, FieldSpec> {
  const out = {} as Record<`xreg${XregIndex}`, FieldSpec>;
  for (let i = 0; i < 8; i++) {
    // xreg<N> is reg<2N> (high half) and reg<2N+1> (low half).
    const member = { name: `xreg${i}`, word: W.REG0 + 2 * i, shift: 0, bits: 64 };
    out[`xreg${i as XregIndex}`] = field(`xreg${i}`, 8, "hexadecimal", member, { oxm: `OXM_OF_PKT_REG${i}`, maskable: true });
  }
  return out;
}

function xxregs(): Record<`xxreg${XxregIndex}`, FieldSpec> {
  const out = {} as Record<`xxreg${XxregIndex}`, FieldSpec>;
  for (let i = 0; i < 4; i++) {
    // xxreg<N> is reg<4N> (most significant 32 bits) .. reg<4N+3> (least significant).
    const member = { name: `xxreg${i}`, word: W.REG0 + 4 * i, shift: 0, bits: 128 };
    out[`xxreg${i as XxregIndex}`] = field(`xxreg${i}`, 16, "hexadecimal", member, { nxm: `NXM_NX_XXREG${i}`, maskable: true });
  }
  return out;
}

export const FIELDS = {
  conj_id: field("conj_id", 4, "decimal", M.conjId, { nxm: "NXM_NX_CONJ_ID", writable: false }),
  tun_id: field("tun_id", 8, "hexadecimal", M.tunId, {
    aliases: ["tunnel_id"],
    nxm: "NXM_NX_TUN_ID",
    oxm: "OXM_OF_TUNNEL_ID",
    maskable: true,
  }),
  tun_src: field("tun_src", 4, "ipv4", M.tunSrc, { nxm: "NXM_NX_TUN_IPV4_SRC", maskable: true }),
  tun_dst: field("tun_dst", 4, "ipv4", M.tunDst, { nxm: "NXM_NX_TUN_IPV4_DST", maskable: true }),
  tun_ipv6_src: field("tun_ipv6_src", 16, "ipv6", M.tunIpv6Src, { nxm: "NXM_NX_TUN_IPV6_SRC", maskable: true }),
  tun_ipv6_dst: field("tun_ipv6_dst", 16, "ipv6", M.tunIpv6Dst, { nxm: "NXM_NX_TUN_IPV6_DST", maskable: true }),
  tun_erspan_idx: field("tun_erspan_idx", 4, "hexadecimal", M.tunErspanIdx, { oxm: "NXOXM_ET_ERSPAN_IDX", nBits: 20, maskable: true, memberMask: 0xfffffn }),
  tun_erspan_ver: field("tun_erspan_ver", 1, "decimal", M.tunErspanVer, { oxm: "NXOXM_ET_ERSPAN_VER", nBits: 4, maskable: true, memberMask: 0xfn }),
  tun_erspan_dir: field("tun_erspan_dir", 1, "decimal", M.tunErspanDir, { oxm: "NXOXM_ET_ERSPAN_DIR", nBits: 1, maskable: true, memberMask: 0x1n }),
  tun_erspan_hwid: field("tun_erspan_hwid", 1, "hexadecimal", M.tunErspanHwid, { oxm: "NXOXM_ET_ERSPAN_HWID", nBits: 6, maskable: true, memberMask: 0x3fn }),
  tun_flags: field("tun_flags", 2, "tun_flags", M.tunFlags, {
    nxm: "NXM_NX_TUN_FLAGS",
    nBits: 1,
    maskable: true,
    memberMask: 0x1n,
  }),
  // VXLAN Group Based Policy (the GBP extension's group policy id and flags).
  tun_gbp_id: field("tun_gbp_id", 2, "decimal", M.tunGbpId, { nxm: "NXM_NX_TUN_GBP_ID", maskable: true }),
  tun_gbp_flags: field("tun_gbp_flags", 1, "hexadecimal", M.tunGbpFlags, { nxm: "NXM_NX_TUN_GBP_FLAGS", maskable: true }),
  // The outer IP header's TTL and TOS: internal, not programmable from a controller.
  tun_ttl: field("tun_ttl", 1, "decimal", DPM.tunTtl, { writable: false, datapathOnly: true }),
  tun_tos: field("tun_tos", 1, "decimal", DPM.tunTos, { writable: false, datapathOnly: true }),
  // GTP-U's header flags and message type, read-only.
  tun_gtpu_flags: field("tun_gtpu_flags", 1, "hexadecimal", M.tunGtpuFlags, { oxm: "NXOXM_ET_GTPU_FLAGS", maskable: true, writable: false }),
  tun_gtpu_msgtype: field("tun_gtpu_msgtype", 1, "decimal", M.tunGtpuMsgtype, { oxm: "NXOXM_ET_GTPU_MSGTYPE", maskable: true, writable: false }),
  metadata: field("metadata", 8, "hexadecimal", M.metadata, { oxm: "OXM_OF_METADATA", maskable: true }),
  in_port: field("in_port", 2, "ofp_port", M.inPort, { nxm: "NXM_OF_IN_PORT", of10: "exact", memberMask: 0xffffn }),
  /**
   * OpenFlow 1.1+'s 32-bit view of in_port (OXM_OF_IN_PORT, used by Neutron's
   * `learn(...,output:OXM_OF_IN_PORT[])`). ovsim keeps in_port in OpenFlow 1.0
   * numbering; actions read a reserved port through this field as OVS does,
   * 0xfffffff8..0xffffffff (ofputil_port_to_ofp11, in xlate-fields.ts getField).
   */
  in_port_oxm: field("in_port_oxm", 4, "ofp_port", M.inPort, { oxm: "OXM_OF_IN_PORT", memberMask: 0xffffn }),
  /**
   * The action set's output port (ONFOXM_ET_ACTSET_OUTPUT; OpenFlow 1.5 calls it
   * OXM_OF_ACTSET_OUTPUT), read-only. Read by actions as a 32-bit OpenFlow 1.1
   * port (UNSET is 0xfffffff7), as in_port_oxm is.
   */
  actset_output: field("actset_output", 4, "ofp_port", M.actsetOutput, {
    oxm: "ONFOXM_ET_ACTSET_OUTPUT",
    writable: false,
    memberMask: 0xffffn,
  }),
  /** The packet's queue (set_queue); semi-internal: matched by no OpenFlow flow format. */
  skb_priority: field("skb_priority", 4, "hexadecimal", DPM.skbPriority, { writable: false, datapathOnly: true }),
  pkt_mark: field("pkt_mark", 4, "hexadecimal", M.pktMark, { nxm: "NXM_NX_PKT_MARK", maskable: true }),
  ct_state: field("ct_state", 4, "ct_state", M.ctState, {
    nxm: "NXM_NX_CT_STATE",
    maskable: true,
    writable: false,
  }),
  ct_zone: field("ct_zone", 2, "hexadecimal", M.ctZone, { nxm: "NXM_NX_CT_ZONE", writable: false }),
  ct_mark: field("ct_mark", 4, "hexadecimal", M.ctMark, { nxm: "NXM_NX_CT_MARK", maskable: true }),
  ct_label: field("ct_label", 16, "hexadecimal", M.ctLabel, { nxm: "NXM_NX_CT_LABEL", maskable: true }),
  // The conntrack original direction tuple (read-only, set by ct; prerequisite: a valid connection).
  ct_nw_proto: field("ct_nw_proto", 1, "decimal", M.ctNwProto, { nxm: "NXM_NX_CT_NW_PROTO", prereq: "ct", writable: false }),
  ct_nw_src: field("ct_nw_src", 4, "ipv4", M.ctNwSrc, { nxm: "NXM_NX_CT_NW_SRC", prereq: "ct", maskable: true, writable: false }),
  ct_nw_dst: field("ct_nw_dst", 4, "ipv4", M.ctNwDst, { nxm: "NXM_NX_CT_NW_DST", prereq: "ct", maskable: true, writable: false }),
  ct_ipv6_src: field("ct_ipv6_src", 16, "ipv6", M.ctIpv6Src, { nxm: "NXM_NX_CT_IPV6_SRC", prereq: "ct", maskable: true, writable: false }),
  ct_ipv6_dst: field("ct_ipv6_dst", 16, "ipv6", M.ctIpv6Dst, { nxm: "NXM_NX_CT_IPV6_DST", prereq: "ct", maskable: true, writable: false }),
  ct_tp_src: field("ct_tp_src", 2, "decimal", M.ctTpSrc, { nxm: "NXM_NX_CT_TP_SRC", prereq: "ct", maskable: true, writable: false }),
  ct_tp_dst: field("ct_tp_dst", 2, "decimal", M.ctTpDst, { nxm: "NXM_NX_CT_TP_DST", prereq: "ct", maskable: true, writable: false }),
  ...regs(),
  ...xregs(),
  ...xxregs(),
  eth_src: field("eth_src", 6, "ethernet", M.dlSrc, {
    aliases: ["dl_src"],
    nxm: "NXM_OF_ETH_SRC",
    oxm: "OXM_OF_ETH_SRC",
    maskable: true,
    prereq: "ethernet",
    of10: "exact",
  }),
  eth_dst: field("eth_dst", 6, "ethernet", M.dlDst, {
    aliases: ["dl_dst"],
    nxm: "NXM_OF_ETH_DST",
    oxm: "OXM_OF_ETH_DST",
    maskable: true,
    prereq: "ethernet",
    of10: "exact",
  }),
  eth_type: field("eth_type", 2, "hexadecimal", M.dlType, {
    aliases: ["dl_type"],
    nxm: "NXM_OF_ETH_TYPE",
    oxm: "OXM_OF_ETH_TYPE",
    prereq: "ethernet",
    writable: false,
    of10: "exact",
  }),
  vlan_tci: field("vlan_tci", 2, "hexadecimal", M.vlanTci, {
    nxm: "NXM_OF_VLAN_TCI",
    maskable: true,
    prereq: "ethernet",
    of10: "exact",
  }),
  dl_vlan: field("dl_vlan", 2, "decimal", M.vlanTci, {
    nBits: 12,
    prereq: "ethernet",
    of10: "exact",
    memberMask: 0x0fffn,
    impliedBits: VLAN_CFI,
  }),
  vlan_vid: field("vlan_vid", 2, "decimal", M.vlanTci, {
    oxm: "OXM_OF_VLAN_VID",
    nBits: 12,
    maskable: true,
    prereq: "ethernet",
    of10: "exact",
    memberMask: 0x1fffn,
  }),
  dl_vlan_pcp: field("dl_vlan_pcp", 1, "decimal", M.vlanTci, {
    nBits: 3,
    prereq: "ethernet",
    of10: "exact",
    memberMask: 0xe000n,
    shift: 13,
    impliedBits: VLAN_CFI,
  }),
  vlan_pcp: field("vlan_pcp", 1, "decimal", M.vlanTci, {
    oxm: "OXM_OF_VLAN_PCP",
    nBits: 3,
    prereq: "vlan_vid",
    of10: "exact",
    memberMask: 0xe000n,
    shift: 13,
    impliedBits: VLAN_CFI,
  }),
  // OVS's mpls_lse[0] in network layout: label 12..31, tc 9..11, bos 8, ttl 0..7.
  mpls_label: field("mpls_label", 4, "decimal", M.mplsLse, {
    oxm: "OXM_OF_MPLS_LABEL",
    nBits: 20,
    prereq: "mpls",
    memberMask: 0xfffff000n,
    shift: 12,
  }),
  mpls_tc: field("mpls_tc", 1, "decimal", M.mplsLse, {
    oxm: "OXM_OF_MPLS_TC",
    nBits: 3,
    prereq: "mpls",
    memberMask: 0x00000e00n,
    shift: 9,
  }),
  mpls_bos: field("mpls_bos", 1, "decimal", M.mplsLse, {
    oxm: "OXM_OF_MPLS_BOS",
    nBits: 1,
    prereq: "mpls",
    writable: false,
    memberMask: 0x00000100n,
    shift: 8,
  }),
  mpls_ttl: field("mpls_ttl", 1, "decimal", M.mplsLse, {
    nxm: "NXM_NX_MPLS_TTL",
    prereq: "mpls",
    memberMask: 0x000000ffn,
  }),
  ip_src: field("ip_src", 4, "ipv4", M.nwSrc, {
    aliases: ["nw_src"],
    nxm: "NXM_OF_IP_SRC",
    oxm: "OXM_OF_IPV4_SRC",
    maskable: true,
    prereq: "ipv4",
    of10: "cidr",
  }),
  ip_dst: field("ip_dst", 4, "ipv4", M.nwDst, {
    aliases: ["nw_dst"],
    nxm: "NXM_OF_IP_DST",
    oxm: "OXM_OF_IPV4_DST",
    maskable: true,
    prereq: "ipv4",
    of10: "cidr",
  }),
  ipv6_src: field("ipv6_src", 16, "ipv6", M.ipv6Src, {
    nxm: "NXM_NX_IPV6_SRC",
    oxm: "OXM_OF_IPV6_SRC",
    maskable: true,
    prereq: "ipv6",
  }),
  ipv6_dst: field("ipv6_dst", 16, "ipv6", M.ipv6Dst, {
    nxm: "NXM_NX_IPV6_DST",
    oxm: "OXM_OF_IPV6_DST",
    maskable: true,
    prereq: "ipv6",
  }),
  ipv6_label: field("ipv6_label", 4, "hexadecimal", M.ipv6Label, {
    nxm: "NXM_NX_IPV6_LABEL",
    oxm: "OXM_OF_IPV6_FLABEL",
    nBits: 20,
    maskable: true,
    prereq: "ipv6",
  }),
  nw_proto: field("nw_proto", 1, "decimal", M.nwProto, {
    aliases: ["ip_proto"],
    nxm: "NXM_OF_IP_PROTO",
    oxm: "OXM_OF_IP_PROTO",
    prereq: "ip_any",
    writable: false,
    of10: "exact",
  }),
  nw_tos: field("nw_tos", 1, "decimal", M.nwTos, {
    nxm: "NXM_OF_IP_TOS",
    prereq: "ip_any",
    of10: "exact",
    memberMask: 0xfcn,
  }),
  ip_dscp: field("ip_dscp", 1, "decimal", M.nwTos, {
    oxm: "OXM_OF_IP_DSCP",
    nBits: 6,
    prereq: "ip_any",
    of10: "exact",
    memberMask: 0xfcn,
    shift: 2,
  }),
  nw_ecn: field("nw_ecn", 1, "decimal", M.nwTos, {
    aliases: ["ip_ecn"],
    nxm: "NXM_NX_IP_ECN",
    oxm: "OXM_OF_IP_ECN",
    nBits: 2,
    prereq: "ip_any",
    memberMask: 0x03n,
  }),
  nw_ttl: field("nw_ttl", 1, "decimal", M.nwTtl, { nxm: "NXM_NX_IP_TTL", prereq: "ip_any" }),
  ip_frag: field("ip_frag", 1, "frag", M.nwFrag, {
    aliases: ["nw_frag"],
    nxm: "NXM_NX_IP_FRAG",
    nBits: 2,
    maskable: true,
    prereq: "ip_any",
    writable: false,
    memberMask: 0x03n,
  }),
  arp_op: field("arp_op", 2, "decimal", M.nwProto, {
    nxm: "NXM_OF_ARP_OP",
    oxm: "OXM_OF_ARP_OP",
    prereq: "arp",
    of10: "exact",
  }),
  arp_spa: field("arp_spa", 4, "ipv4", M.nwSrc, {
    nxm: "NXM_OF_ARP_SPA",
    oxm: "OXM_OF_ARP_SPA",
    maskable: true,
    prereq: "arp",
    of10: "cidr",
  }),
  arp_tpa: field("arp_tpa", 4, "ipv4", M.nwDst, {
    nxm: "NXM_OF_ARP_TPA",
    oxm: "OXM_OF_ARP_TPA",
    maskable: true,
    prereq: "arp",
    of10: "cidr",
  }),
  arp_sha: field("arp_sha", 6, "ethernet", M.arpSha, {
    nxm: "NXM_NX_ARP_SHA",
    oxm: "OXM_OF_ARP_SHA",
    maskable: true,
    prereq: "arp",
  }),
  arp_tha: field("arp_tha", 6, "ethernet", M.arpTha, {
    nxm: "NXM_NX_ARP_THA",
    oxm: "OXM_OF_ARP_THA",
    maskable: true,
    prereq: "arp",
  }),
  tcp_src: field("tcp_src", 2, "decimal", M.tpSrc, {
    aliases: ["tp_src"],
    nxm: "NXM_OF_TCP_SRC",
    oxm: "OXM_OF_TCP_SRC",
    maskable: true,
    prereq: "tcp",
    of10: "exact",
  }),
  tcp_dst: field("tcp_dst", 2, "decimal", M.tpDst, {
    aliases: ["tp_dst"],
    nxm: "NXM_OF_TCP_DST",
    oxm: "OXM_OF_TCP_DST",
    maskable: true,
    prereq: "tcp",
    of10: "exact",
  }),
  tcp_flags: field("tcp_flags", 2, "tcp_flags", M.tcpFlags, {
    nxm: "NXM_NX_TCP_FLAGS",
    oxm: "ONFOXM_ET_TCP_FLAGS",
    nBits: 12,
    maskable: true,
    prereq: "tcp",
    writable: false,
    memberMask: 0x0fffn,
  }),
  udp_src: field("udp_src", 2, "decimal", M.tpSrc, {
    nxm: "NXM_OF_UDP_SRC",
    oxm: "OXM_OF_UDP_SRC",
    maskable: true,
    prereq: "udp",
    of10: "exact",
  }),
  udp_dst: field("udp_dst", 2, "decimal", M.tpDst, {
    nxm: "NXM_OF_UDP_DST",
    oxm: "OXM_OF_UDP_DST",
    maskable: true,
    prereq: "udp",
    of10: "exact",
  }),
  sctp_src: field("sctp_src", 2, "decimal", M.tpSrc, { oxm: "OXM_OF_SCTP_SRC", maskable: true, prereq: "sctp" }),
  sctp_dst: field("sctp_dst", 2, "decimal", M.tpDst, { oxm: "OXM_OF_SCTP_DST", maskable: true, prereq: "sctp" }),
  icmp_type: field("icmp_type", 1, "decimal", M.tpSrc, {
    nxm: "NXM_OF_ICMP_TYPE",
    oxm: "OXM_OF_ICMPV4_TYPE",
    prereq: "icmpv4",
    of10: "exact",
  }),
  icmp_code: field("icmp_code", 1, "decimal", M.tpDst, {
    nxm: "NXM_OF_ICMP_CODE",
    oxm: "OXM_OF_ICMPV4_CODE",
    prereq: "icmpv4",
    of10: "exact",
  }),
  icmpv6_type: field("icmpv6_type", 1, "decimal", M.tpSrc, {
    nxm: "NXM_NX_ICMPV6_TYPE",
    oxm: "OXM_OF_ICMPV6_TYPE",
    prereq: "icmpv6",
  }),
  icmpv6_code: field("icmpv6_code", 1, "decimal", M.tpDst, {
    nxm: "NXM_NX_ICMPV6_CODE",
    oxm: "OXM_OF_ICMPV6_CODE",
    prereq: "icmpv6",
  }),
  nd_target: field("nd_target", 16, "ipv6", M.ndTarget, {
    nxm: "NXM_NX_ND_TARGET",
    oxm: "OXM_OF_IPV6_ND_TARGET",
    maskable: true,
    prereq: "nd",
  }),
  nd_sll: field("nd_sll", 6, "ethernet", M.arpSha, {
    nxm: "NXM_NX_ND_SLL",
    oxm: "OXM_OF_IPV6_ND_SLL",
    maskable: true,
    prereq: "nd_solicit",
  }),
  nd_tll: field("nd_tll", 6, "ethernet", M.arpTha, {
    nxm: "NXM_NX_ND_TLL",
    oxm: "OXM_OF_IPV6_ND_TLL",
    maskable: true,
    prereq: "nd_advert",
  }),
} as const satisfies Record<string, FieldSpec>;

export type FieldId = keyof typeof FIELDS;

const byName = new Map<string, FieldSpec>();
const bySubfieldName = new Map<string, FieldSpec>();
for (const spec of Object.values(FIELDS) as FieldSpec[]) {
  for (const n of [spec.name, ...spec.aliases]) {
    byName.set(n, spec);
    bySubfieldName.set(n, spec);
  }
  if (spec.nxm) bySubfieldName.set(spec.nxm, spec);
  if (spec.oxm) bySubfieldName.set(spec.oxm, spec);
}

// OpenFlow 1.5's standard header for the same field.
bySubfieldName.set("OXM_OF_ACTSET_OUTPUT", FIELDS.actset_output);

/** Looks a field up by the names a match accepts (`mf_from_name`). */
export function fieldByName(name: string): FieldSpec | undefined {
  return byName.get(name);
}

/** Looks a field up by any name subfield syntax accepts, NXM/OXM names included. */
export function fieldBySubfieldName(name: string): FieldSpec | undefined {
  return bySubfieldName.get(name) ?? tunMetadataFieldByName(name);
}

/** reg<i>, for code that walks the registers. */
export function regField(i: number): FieldSpec {
  return FIELDS[`reg${i as RegIndex}`];
}

export function allFields(): readonly FieldSpec[] {
  return Object.values(FIELDS) as FieldSpec[];
}
