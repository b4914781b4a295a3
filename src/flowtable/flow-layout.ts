/**
 * The flow key layout: where every packet header and metadata member lives in
 * the fixed-layout array of 32-bit words that ovsim uses for flow keys, masks
 * and megaflows (the counterpart of OVS's `struct flow`).
 *
 * Design:
 * - One layout for keys and masks, so a mask is "the same words, 1 = bit matters".
 * - Members are grouped in lookup stages, in the order OVS's classifier stages
 *   them (metadata, L2, L3, L4), so a staged lookup can stop after a prefix of
 *   the words and un-wildcard only what it looked at. Members added last (to
 *   keep every other word index) join their stage through STAGE_WORD_ORDER.
 * - Several match fields may view one member, as in OVS: `nw_src` and `arp_spa`
 *   share `NW_SRC`; `tp_src` and `icmp_type` share `TP_SRC`; `arp_sha` and
 *   `nd_sll` share `ARP_SHA`. `fields.ts` maps fields onto members.
 * - Members narrower than a word share a word; their bit offset is `shift`.
 *   Members wider than a word (MAC 48, 64-bit, IPv6 128) span consecutive words,
 *   most significant word first.
 *
 * Changing this layout changes nothing outside `fields.ts` and the packet
 * extraction code: everything else addresses members by name.
 */

/** A member of the flow key: `bits` wide, starting at `word`, `shift` bits up. */
export interface FlowMember {
  readonly name: string;
  /** Index of the most significant word that holds the member. */
  readonly word: number;
  /** Bit offset of the member's least significant bit in its (last) word. */
  readonly shift: number;
  /** Width in bits (1..128). */
  readonly bits: number;
}

function member(name: string, word: number, shift: number, bits: number): FlowMember {
  return { name, word, shift, bits };
}

/** Word indexes, in stage order. */
export const W = {
  IN_PORT: 0,
  METADATA: 1, // 2 words
  REG0: 3, // 16 words, reg<N> at REG0 + N
  TUN_ID: 19, // 2 words
  TUN_SRC: 21,
  TUN_DST: 22,
  TUN_FLAGS_CT_ZONE: 23, // tun_flags (bits 0..15), ct_zone (bits 16..31)
  CT_STATE: 24, // ct_state (bits 0..7), actset_output (bits 16..31)
  PKT_MARK: 25,
  CT_MARK: 26,
  CONJ_ID: 27,
  // ---- L2 stage
  DL_SRC: 28, // 2 words
  DL_DST: 30, // 2 words
  DL_TYPE_VLAN_TCI: 32, // dl_type (bits 16..31), vlan_tci (bits 0..15)
  VLAN_TCI1: 33, // the second (inner) VLAN header's TCI, bits 0..15 (QinQ)
  MPLS_LSE0: 34, // OVS's mpls_lse[0]: label 12..31, tc 9..11, bos 8, ttl 0..7
  // ---- L3 stage
  NW_SRC: 35,
  NW_DST: 36,
  IPV6_SRC: 37, // 4 words
  IPV6_DST: 41, // 4 words
  IPV6_LABEL: 45,
  NW_PROTO_TOS_TTL_FRAG: 46, // nw_proto 24..31, nw_tos 16..23, nw_ttl 8..15, nw_frag 0..7
  // ---- L4 stage
  ARP_SHA: 47, // 2 words
  ARP_THA: 49, // 2 words
  ND_TARGET: 51, // 4 words
  TP_SRC_DST: 55, // tp_src 16..31, tp_dst 0..15
  TCP_FLAGS: 56,
  // ---- OVS's mpls_lse[1] and [2], same layout as MPLS_LSE0. OVS keeps them
  // beside mpls_lse[0] in its L2 segment; no OpenFlow field matches them
  // (only translation un-wildcards them, for megaflows), so no classifier
  // subtable mask ever holds them and their stage never matters. They come
  // last so that every other member keeps the word index it had when the
  // key held one entry: the classifier salts its column hashes by word
  // index, and with the approximate stage filters it had then, moving the
  // L3/L4 words changed which probes stopped early (fixtures/dpif/many-masks
  // got an `icmp(code=0)` OVS does not print).
  MPLS_LSE1: 57,
  MPLS_LSE2: 58,
  // ---- Tunnel metadata of IPv6 and ERSPAN tunnels (OVS's flow->tunnel.ipv6_src,
  // ipv6_dst, erspan_*). OVS keeps them in its metadata segment; they come last
  // here for the same reason as MPLS_LSE1/2: every other member keeps its word.
  TUN_IPV6_SRC: 59, // 4 words
  TUN_IPV6_DST: 63, // 4 words
  TUN_ERSPAN: 67, // erspan_ver (bits 24..31), erspan_dir (16..23), erspan_hwid (8..15)
  TUN_ERSPAN_IDX: 68,
  // ---- ct_label (OVS's flow->ct_label, 128 bits): in OVS's metadata segment,
  // last here for the same reason as MPLS_LSE1/2.
  CT_LABEL: 69, // 4 words
  // ---- Tunnel metadata (Geneve options, OVS's flow->tunnel.metadata): the map of
  // options present (64 bits: tun_metadata63..32, then 31..0) and the 256-byte
  // option space, where the bridge's TLV map places each tun_metadata<N>
  // (src/flowtable/tun-metadata-match.ts). Metadata stage, last for the same
  // reason as MPLS_LSE1/2. A key that carries no options has them all zero.
  TUN_MD_PRESENT: 73, // 2 words
  TUN_MD_OPTS: 75, // 64 words
  // ---- The conntrack original direction tuple (OVS's flow->ct_nw_src, ct_nw_dst,
  // ct_ipv6_src, ct_ipv6_dst, ct_tp_src, ct_tp_dst, ct_nw_proto): metadata stage,
  // last for the same reason as MPLS_LSE1/2. Zero unless conntrack found a connection.
  CT_NW_SRC: 139,
  CT_NW_DST: 140,
  CT_IPV6_SRC: 141, // 4 words
  CT_IPV6_DST: 145, // 4 words
  CT_TP_SRC_DST: 149, // ct_tp_src 16..31, ct_tp_dst 0..15
  CT_NW_PROTO: 150, // ct_nw_proto 0..7
  // ---- VXLAN Group Policy and GTP-U tunnel metadata (OVS's flow->tunnel.gbp_id,
  // gbp_flags, gtpu_flags, gtpu_msgtype): metadata stage, last for the same reason
  // as MPLS_LSE1/2.
  TUN_GBP: 151, // gbp_id (bits 16..31), gbp_flags (bits 0..7)
  TUN_GTPU: 152, // gtpu_flags (bits 8..15), gtpu_msgtype (bits 0..7)
} as const;

/** Number of 32-bit words in a flow key (and in a mask). */
export const FLOW_WORDS = 153;

/**
 * Datapath metadata that OVS keeps in struct flow but that no OpenFlow flow
 * format can carry (meta-flow.h: "NXM: none. OXM: none"): the outer TOS and TTL
 * of a tunnelled packet and skb_priority. They are match fields all the same
 * (ofproto/trace reads `skb_priority=2`, `parse-flow` parses `tun_tos=0` and then
 * finds no usable protocol), so the field registry names them; their words come
 * after the flow key, in the words a translation flow adds
 * (src/actions/xlate/odp-metadata.ts places the rest). A flow key or match of
 * FLOW_WORDS words simply has none of them.
 */
export const DATAPATH_METADATA_WORDS = 6;
export const DPM = {
  skbPriority: { name: "skb_priority", word: FLOW_WORDS, shift: 0, bits: 32 },
  /** The tunnel's outer IP TOS (flow->tunnel.ip_tos). */
  tunTos: { name: "tun_tos", word: FLOW_WORDS + 4, shift: 8, bits: 8 },
  /** The tunnel's outer IP TTL (flow->tunnel.ip_ttl). */
  tunTtl: { name: "tun_ttl", word: FLOW_WORDS + 4, shift: 0, bits: 8 },
} as const satisfies Record<string, FlowMember>;

/** OVS's FLOW_MAX_MPLS_LABELS: the label stack entries a flow key holds. */
export const FLOW_MAX_MPLS_LABELS = 3;

/** The words of mpls_lse[0..2], outermost entry first (not contiguous: see W). */
export const MPLS_LSE_WORDS: readonly number[] = [W.MPLS_LSE0, W.MPLS_LSE1, W.MPLS_LSE2];

/** The first word after the L3 and L4 members (NW_SRC up to here: what push_mpls makes opaque). */
export const FLOW_L3_L4_END = W.TCP_FLAGS + 1;

/**
 * The key's words in lookup-stage order, each stage's words as OVS's struct flow places
 * its members (added last to the layout, see W): metadata = the words before DL_SRC,
 * ct_label's, the tunnel metadata's and ct_nw_proto; L2 = DL_SRC..NW_SRC; L3 =
 * NW_SRC..ARP_SHA and the conntrack tuple's addresses (ct_nw_src..ct_ipv6_dst sit beside
 * nw_src / ipv6_src in OVS); L4 = the rest, with ct_tp_src / ct_tp_dst.
 * Only the classifier's staged lookup reads this order: a megaflow mask depends on it.
 */
const STAGE_METADATA: readonly number[] = [...wordRange(0, W.DL_SRC), ...wordRange(W.CT_LABEL, W.CT_LABEL + 4), ...wordRange(W.TUN_MD_PRESENT, W.CT_NW_SRC), W.CT_NW_PROTO, W.TUN_GBP, W.TUN_GTPU];
const STAGE_L2: readonly number[] = wordRange(W.DL_SRC, W.NW_SRC);
const STAGE_L3: readonly number[] = [...wordRange(W.NW_SRC, W.ARP_SHA), ...wordRange(W.CT_NW_SRC, W.CT_TP_SRC_DST)];
const STAGE_L4: readonly number[] = [...wordRange(W.ARP_SHA, W.CT_LABEL), W.CT_TP_SRC_DST];

export const STAGE_WORD_ORDER: readonly number[] = [...STAGE_METADATA, ...STAGE_L2, ...STAGE_L3, ...STAGE_L4];

/** Positions in STAGE_WORD_ORDER where each lookup stage starts; the last entry is FLOW_WORDS. */
export const STAGE_BOUNDARIES: readonly number[] = [
  0,
  STAGE_METADATA.length,
  STAGE_METADATA.length + STAGE_L2.length,
  STAGE_METADATA.length + STAGE_L2.length + STAGE_L3.length,
  FLOW_WORDS,
];

function wordRange(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

export const M = {
  inPort: member("in_port", W.IN_PORT, 0, 32),
  metadata: member("metadata", W.METADATA, 0, 64),
  regs: Array.from({ length: 16 }, (_, i) => member(`reg${i}`, W.REG0 + i, 0, 32)),
  tunId: member("tun_id", W.TUN_ID, 0, 64),
  tunSrc: member("tun_src", W.TUN_SRC, 0, 32),
  tunDst: member("tun_dst", W.TUN_DST, 0, 32),
  tunFlags: member("tun_flags", W.TUN_FLAGS_CT_ZONE, 0, 16),
  ctZone: member("ct_zone", W.TUN_FLAGS_CT_ZONE, 16, 16),
  ctState: member("ct_state", W.CT_STATE, 0, 8),
  /**
   * OVS's flow->actset_output: the output port of the action set (OFPP_UNSET
   * when none), which translation keeps and tables may match; 16 bits, in
   * OpenFlow 1.0 numbering as in_port. Beside ct_state so that it is looked up
   * in the metadata stage, as in OVS.
   */
  actsetOutput: member("actset_output", W.CT_STATE, 16, 16),
  pktMark: member("pkt_mark", W.PKT_MARK, 0, 32),
  ctMark: member("ct_mark", W.CT_MARK, 0, 32),
  /** The connection's 128-bit label, most significant word first. */
  ctLabel: member("ct_label", W.CT_LABEL, 0, 128),
  conjId: member("conj_id", W.CONJ_ID, 0, 32),
  dlSrc: member("dl_src", W.DL_SRC, 0, 48),
  dlDst: member("dl_dst", W.DL_DST, 0, 48),
  dlType: member("dl_type", W.DL_TYPE_VLAN_TCI, 16, 16),
  vlanTci: member("vlan_tci", W.DL_TYPE_VLAN_TCI, 0, 16),
  /** OVS's vlans[1]: no OpenFlow field names it, but flows print it (`vlan_tci1=`). */
  vlanTci1: member("vlan_tci1", W.VLAN_TCI1, 0, 16),
  /** OVS's mpls_lse[0], the outermost MPLS label stack entry, in network layout. */
  mplsLse: member("mpls_lse", W.MPLS_LSE0, 0, 32),
  /** OVS's mpls_lse[1] and [2]: no OpenFlow field names them, but flows print them (`mpls_lse1=`). */
  mplsLse1: member("mpls_lse1", W.MPLS_LSE1, 0, 32),
  mplsLse2: member("mpls_lse2", W.MPLS_LSE2, 0, 32),
  nwSrc: member("nw_src", W.NW_SRC, 0, 32),
  nwDst: member("nw_dst", W.NW_DST, 0, 32),
  ipv6Src: member("ipv6_src", W.IPV6_SRC, 0, 128),
  ipv6Dst: member("ipv6_dst", W.IPV6_DST, 0, 128),
  ipv6Label: member("ipv6_label", W.IPV6_LABEL, 0, 32),
  nwProto: member("nw_proto", W.NW_PROTO_TOS_TTL_FRAG, 24, 8),
  nwTos: member("nw_tos", W.NW_PROTO_TOS_TTL_FRAG, 16, 8),
  nwTtl: member("nw_ttl", W.NW_PROTO_TOS_TTL_FRAG, 8, 8),
  nwFrag: member("nw_frag", W.NW_PROTO_TOS_TTL_FRAG, 0, 8),
  arpSha: member("arp_sha", W.ARP_SHA, 0, 48),
  arpTha: member("arp_tha", W.ARP_THA, 0, 48),
  ndTarget: member("nd_target", W.ND_TARGET, 0, 128),
  tpSrc: member("tp_src", W.TP_SRC_DST, 16, 16),
  tpDst: member("tp_dst", W.TP_SRC_DST, 0, 16),
  tcpFlags: member("tcp_flags", W.TCP_FLAGS, 0, 16),
  tunIpv6Src: member("tun_ipv6_src", W.TUN_IPV6_SRC, 0, 128),
  tunIpv6Dst: member("tun_ipv6_dst", W.TUN_IPV6_DST, 0, 128),
  tunErspanVer: member("tun_erspan_ver", W.TUN_ERSPAN, 24, 8),
  tunErspanDir: member("tun_erspan_dir", W.TUN_ERSPAN, 16, 8),
  tunErspanHwid: member("tun_erspan_hwid", W.TUN_ERSPAN, 8, 8),
  tunErspanIdx: member("tun_erspan_idx", W.TUN_ERSPAN_IDX, 0, 32),
  ctNwSrc: member("ct_nw_src", W.CT_NW_SRC, 0, 32),
  ctNwDst: member("ct_nw_dst", W.CT_NW_DST, 0, 32),
  ctIpv6Src: member("ct_ipv6_src", W.CT_IPV6_SRC, 0, 128),
  ctIpv6Dst: member("ct_ipv6_dst", W.CT_IPV6_DST, 0, 128),
  ctTpSrc: member("ct_tp_src", W.CT_TP_SRC_DST, 16, 16),
  ctTpDst: member("ct_tp_dst", W.CT_TP_SRC_DST, 0, 16),
  ctNwProto: member("ct_nw_proto", W.CT_NW_PROTO, 0, 8),
  tunGbpId: member("tun_gbp_id", W.TUN_GBP, 16, 16),
  tunGbpFlags: member("tun_gbp_flags", W.TUN_GBP, 0, 8),
  tunGtpuFlags: member("tun_gtpu_flags", W.TUN_GTPU, 8, 8),
  tunGtpuMsgtype: member("tun_gtpu_msgtype", W.TUN_GTPU, 0, 8),
} as const;

/**
 * The words of the tunnel metadata beyond tun_id / tun_src / tun_dst / tun_flags:
 * IPv6 addresses, ERSPAN, VXLAN-GBP and GTP-U (what translation clears, freezes
 * and restores with the rest of the tunnel).
 */
export const TUNNEL_EXTRA_WORDS: readonly number[] = [...wordRange(W.TUN_IPV6_SRC, W.TUN_ERSPAN_IDX + 1), W.TUN_GBP, W.TUN_GTPU];

/** OVS's flow_tnl_dst_is_set: the key holds a tunnel destination, IPv4 or IPv6. */
export function tunnelDstIsSet(words: Uint32Array): boolean {
  if ((words[W.TUN_DST] ?? 0) !== 0) return true;
  for (let i = W.TUN_IPV6_DST; i < W.TUN_IPV6_DST + 4; i++) if ((words[i] ?? 0) !== 0) return true;
  return false;
}

/** Number of 32-bit words a member spans. */
export function memberWords(m: FlowMember): number {
  return m.bits > 32 ? Math.ceil(m.bits / 32) : 1;
}

/** Reads a member of `words` as a bigint (parse/format paths only; never per packet). */
export function readMember(words: Uint32Array, m: FlowMember): bigint {
  if (m.bits <= 32) {
    const w = words[m.word] ?? 0;
    const v = m.bits === 32 ? w : (w >>> m.shift) & ((1 << m.bits) - 1);
    return BigInt(v >>> 0);
  }
  let v = 0n;
  const n = memberWords(m);
  for (let i = 0; i < n; i++) v = (v << 32n) | BigInt(words[m.word + i] ?? 0);
  return v & ((1n << BigInt(m.bits)) - 1n);
}

/** Writes a member of `words` from a bigint (bits beyond the member are ignored). */
export function writeMember(words: Uint32Array, m: FlowMember, value: bigint): void {
  if (m.bits <= 32) {
    const fieldMask = m.bits === 32 ? 0xffffffff : ((1 << m.bits) - 1) << m.shift;
    const v = Number(value & 0xffffffffn) << m.shift;
    words[m.word] = (((words[m.word] ?? 0) & ~fieldMask) | (v & fieldMask)) >>> 0;
    return;
  }
  const n = memberWords(m);
  for (let i = n - 1; i >= 0; i--) {
    words[m.word + i] = Number(value & 0xffffffffn) >>> 0;
    value >>= 32n;
  }
  if (m.bits % 32 !== 0) {
    words[m.word] = (words[m.word] ?? 0) & ((1 << (m.bits % 32)) - 1);
  }
}

/** Reads a member that fits in 32 bits as a number (hot-path friendly). */
export function readSmall(words: Uint32Array, m: FlowMember): number {
  const w = words[m.word] ?? 0;
  return m.bits === 32 ? w >>> 0 : (w >>> m.shift) & ((1 << m.bits) - 1);
}
