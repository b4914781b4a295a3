/**
 * NXM and OXM headers (OVS's `lib/nx-match.c` tables, generated there from the
 * `NXM:` / `OXM:` lines of `meta-flow.h`): which 32- or 64-bit header names
 * which ovsim field on the wire, and which header OVS writes for a field in a
 * given OpenFlow version.
 *
 * A header is `class:16 field:7 hasmask:1 length:8`, followed for an
 * experimenter OXM (class 0xffff) by a 32-bit experimenter id, so it is kept
 * here as a 64-bit bigint: class << 48 | field << 41 | hasmask << 40 |
 * length << 32 | experimenter. `length` counts the payload (value, and mask
 * when hasmask is set), plus the 4 experimenter bytes for experimenter OXMs.
 *
 * A field may have several headers (`tcp_flags`: NXM_NX_TCP_FLAGS, then
 * ONFOXM_ET_TCP_FLAGS since OpenFlow 1.3, OXM_OF_TCP_FLAGS since 1.5); the
 * header written for version V is the last one, in version order, whose
 * version is at most V (NXM and extension headers have version 0). Reading
 * accepts every header of every field, whatever the version.
 *
 * Only the fields ovsim models have headers here; a header of an OVS field
 * ovsim lacks (dp_hash, recirc_id, tunnel metadata, NSH...) is unknown,
 * which decodes as OFPBMC_BAD_FIELD.
 */
import type { FieldSpec } from "./fields.js";
import { FIELDS, regField } from "./fields.js";

/** OpenFlow version numbers as ovsim writes them (12 = OpenFlow 1.2); 0 = NXM. */
export type NxmVersion = 0 | 12 | 13 | 14 | 15;

/** One header of a field. */
export interface NxmHeader {
  /** The header's name, e.g. `NXM_OF_IN_PORT`, `OXM_OF_PKT_REG0`. */
  readonly name: string;
  /** The exact-match header (hasmask 0, length = value bytes [+ 4]). */
  readonly header: bigint;
  /** First OpenFlow version that has it (0: NXM / extension, any version). */
  readonly version: NxmVersion;
  readonly field: FieldSpec;
  /** Bytes of the value on the wire. */
  readonly nBytes: number;
}

/** Name prefixes and their (class, experimenter id); the longest prefix wins (OVS's OXM_CLASSES). */
const CLASSES: ReadonlyArray<readonly [string, number, number]> = [
  ["NXM_OF_", 0x0000, 0],
  ["NXM_NX_", 0x0001, 0],
  ["OXM_OF_", 0x8000, 0],
  ["OXM_OF_PKT_REG", 0x8001, 0],
  ["ONFOXM_ET_", 0xffff, 0x4f4e4600],
  ["NXOXM_ET_", 0xffff, 0x00002320],
];

export const OXM_EXPERIMENTER_CLASS = 0xffff;

export function nxmClass(h: bigint): number {
  return Number(h >> 48n);
}
export function nxmField(h: bigint): number {
  return Number((h >> 41n) & 0x7fn);
}
export function nxmHasMask(h: bigint): boolean {
  return ((h >> 40n) & 1n) === 1n;
}
export function nxmLength(h: bigint): number {
  return Number((h >> 32n) & 0xffn);
}
export function nxmVendor(h: bigint): number {
  return Number(h & 0xffffffffn);
}
export function isExperimenter(h: bigint): boolean {
  return nxmClass(h) === OXM_EXPERIMENTER_CLASS;
}
/** Bytes of the header itself: 4, or 8 with an experimenter id. */
export function headerLen(h: bigint): number {
  return isExperimenter(h) ? 8 : 4;
}
/** Bytes after the header. */
export function payloadLen(h: bigint): number {
  return nxmLength(h) - (isExperimenter(h) ? 4 : 0);
}
/** Bytes of the value (half the payload when masked). */
export function valueLen(h: bigint): number {
  return nxmHasMask(h) ? Math.floor(payloadLen(h) / 2) : payloadLen(h);
}

export function makeHeader(cls: number, field: number, hasMask: boolean, length: number, vendor: number): bigint {
  return (BigInt(cls) << 48n) | (BigInt(field) << 41n) | ((hasMask ? 1n : 0n) << 40n) | (BigInt(length) << 32n) | BigInt(vendor);
}

/** The masked form of an exact header: hasmask set, payload doubled (nxm_make_wild_header). */
export function wildHeader(h: bigint): bigint {
  const exp = isExperimenter(h) ? 4 : 0;
  return makeHeader(nxmClass(h), nxmField(h), true, payloadLen(h) * 2 + exp, nxmVendor(h));
}

/** The exact form of a masked header (nxm_make_exact_header). */
export function exactHeader(h: bigint): bigint {
  const exp = isExperimenter(h) ? 4 : 0;
  return makeHeader(nxmClass(h), nxmField(h), false, Math.floor(payloadLen(h) / 2) + exp, nxmVendor(h));
}

/** `0:0:1:1:12`-style text of a header (OVS's NXM_HEADER_FMT: vendor in %#x, class, field, hasmask, length). */
export function headerArgs(h: bigint): string {
  const v = nxmVendor(h);
  return `${v === 0 ? "0" : `0x${v.toString(16)}`}:${nxmClass(h)}:${nxmField(h)}:${nxmHasMask(h) ? 1 : 0}:${nxmLength(h)}`;
}

function classOf(name: string): readonly [number, number] {
  let best: readonly [string, number, number] | undefined;
  for (const c of CLASSES) if (name.startsWith(c[0]) && (best === undefined || c[0].length > best[0].length)) best = c;
  if (best === undefined) throw new Error(`no NXM/OXM class for ${name}`);
  return [best[1], best[2]];
}

const ALL: NxmHeader[] = [];

function def(name: string, fieldNo: number, version: NxmVersion, field: FieldSpec, nBytes = field.nBytes): void {
  const [cls, vendor] = classOf(name);
  const len = nBytes + (cls === OXM_EXPERIMENTER_CLASS ? 4 : 0);
  ALL.push({ name, header: makeHeader(cls, fieldNo, false, len, vendor), version, field, nBytes });
}

// In meta-flow.h's order of fields; a field's headers in version order.
def("NXM_NX_CONJ_ID", 37, 0, FIELDS.conj_id);
def("NXM_NX_TUN_ID", 16, 0, FIELDS.tun_id);
def("OXM_OF_TUNNEL_ID", 38, 13, FIELDS.tun_id);
def("NXM_NX_TUN_IPV4_SRC", 31, 0, FIELDS.tun_src);
def("NXM_NX_TUN_IPV4_DST", 32, 0, FIELDS.tun_dst);
def("NXM_NX_TUN_IPV6_SRC", 109, 0, FIELDS.tun_ipv6_src);
def("NXM_NX_TUN_IPV6_DST", 110, 0, FIELDS.tun_ipv6_dst);
def("NXM_NX_TUN_FLAGS", 104, 0, FIELDS.tun_flags);
def("NXM_NX_TUN_GBP_ID", 38, 0, FIELDS.tun_gbp_id);
def("NXM_NX_TUN_GBP_FLAGS", 39, 0, FIELDS.tun_gbp_flags);
def("NXOXM_ET_ERSPAN_IDX", 11, 0, FIELDS.tun_erspan_idx);
def("NXOXM_ET_ERSPAN_VER", 12, 0, FIELDS.tun_erspan_ver);
def("NXOXM_ET_ERSPAN_DIR", 13, 0, FIELDS.tun_erspan_dir);
def("NXOXM_ET_ERSPAN_HWID", 14, 0, FIELDS.tun_erspan_hwid);
def("NXOXM_ET_GTPU_FLAGS", 15, 0, FIELDS.tun_gtpu_flags);
def("NXOXM_ET_GTPU_MSGTYPE", 16, 0, FIELDS.tun_gtpu_msgtype);
def("OXM_OF_METADATA", 2, 12, FIELDS.metadata);
def("NXM_OF_IN_PORT", 0, 0, FIELDS.in_port);
def("OXM_OF_IN_PORT", 0, 12, FIELDS.in_port_oxm);
def("ONFOXM_ET_ACTSET_OUTPUT", 43, 13, FIELDS.actset_output);
def("OXM_OF_ACTSET_OUTPUT", 43, 15, FIELDS.actset_output);
def("NXM_NX_PKT_MARK", 33, 0, FIELDS.pkt_mark);
def("NXM_NX_CT_STATE", 105, 0, FIELDS.ct_state);
def("NXM_NX_CT_ZONE", 106, 0, FIELDS.ct_zone);
def("NXM_NX_CT_MARK", 107, 0, FIELDS.ct_mark);
def("NXM_NX_CT_LABEL", 108, 0, FIELDS.ct_label);
def("NXM_NX_CT_NW_PROTO", 119, 0, FIELDS.ct_nw_proto);
def("NXM_NX_CT_NW_SRC", 120, 0, FIELDS.ct_nw_src);
def("NXM_NX_CT_NW_DST", 121, 0, FIELDS.ct_nw_dst);
def("NXM_NX_CT_IPV6_SRC", 122, 0, FIELDS.ct_ipv6_src);
def("NXM_NX_CT_IPV6_DST", 123, 0, FIELDS.ct_ipv6_dst);
def("NXM_NX_CT_TP_SRC", 124, 0, FIELDS.ct_tp_src);
def("NXM_NX_CT_TP_DST", 125, 0, FIELDS.ct_tp_dst);
for (let i = 0; i < 16; i++) def(`NXM_NX_REG${i}`, i, 0, regField(i));
for (let i = 0; i < 8; i++) def(`OXM_OF_PKT_REG${i}`, i, 13, FIELDS[`xreg${i as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7}`]);
for (let i = 0; i < 4; i++) def(`NXM_NX_XXREG${i}`, 111 + i, 0, FIELDS[`xxreg${i as 0 | 1 | 2 | 3}`]);
def("NXM_OF_ETH_SRC", 2, 0, FIELDS.eth_src);
def("OXM_OF_ETH_SRC", 4, 12, FIELDS.eth_src);
def("NXM_OF_ETH_DST", 1, 0, FIELDS.eth_dst);
def("OXM_OF_ETH_DST", 3, 12, FIELDS.eth_dst);
def("NXM_OF_ETH_TYPE", 3, 0, FIELDS.eth_type);
def("OXM_OF_ETH_TYPE", 5, 12, FIELDS.eth_type);
def("NXM_OF_VLAN_TCI", 4, 0, FIELDS.vlan_tci);
def("OXM_OF_VLAN_VID", 6, 12, FIELDS.vlan_vid);
def("OXM_OF_VLAN_PCP", 7, 12, FIELDS.vlan_pcp);
def("OXM_OF_MPLS_LABEL", 34, 12, FIELDS.mpls_label);
def("OXM_OF_MPLS_TC", 35, 12, FIELDS.mpls_tc);
def("OXM_OF_MPLS_BOS", 36, 13, FIELDS.mpls_bos);
def("NXM_NX_MPLS_TTL", 30, 0, FIELDS.mpls_ttl);
def("NXM_OF_IP_SRC", 7, 0, FIELDS.ip_src);
def("OXM_OF_IPV4_SRC", 11, 12, FIELDS.ip_src);
def("NXM_OF_IP_DST", 8, 0, FIELDS.ip_dst);
def("OXM_OF_IPV4_DST", 12, 12, FIELDS.ip_dst);
def("NXM_NX_IPV6_SRC", 19, 0, FIELDS.ipv6_src);
def("OXM_OF_IPV6_SRC", 26, 12, FIELDS.ipv6_src);
def("NXM_NX_IPV6_DST", 20, 0, FIELDS.ipv6_dst);
def("OXM_OF_IPV6_DST", 27, 12, FIELDS.ipv6_dst);
def("NXM_NX_IPV6_LABEL", 27, 0, FIELDS.ipv6_label);
def("OXM_OF_IPV6_FLABEL", 28, 12, FIELDS.ipv6_label);
def("NXM_OF_IP_PROTO", 6, 0, FIELDS.nw_proto);
def("OXM_OF_IP_PROTO", 10, 12, FIELDS.nw_proto);
def("NXM_OF_IP_TOS", 5, 0, FIELDS.nw_tos);
def("OXM_OF_IP_DSCP", 8, 12, FIELDS.ip_dscp);
def("NXM_NX_IP_ECN", 28, 0, FIELDS.nw_ecn);
def("OXM_OF_IP_ECN", 9, 12, FIELDS.nw_ecn);
def("NXM_NX_IP_TTL", 29, 0, FIELDS.nw_ttl);
def("NXM_NX_IP_FRAG", 26, 0, FIELDS.ip_frag);
def("NXM_OF_ARP_OP", 15, 0, FIELDS.arp_op);
def("OXM_OF_ARP_OP", 21, 12, FIELDS.arp_op);
def("NXM_OF_ARP_SPA", 16, 0, FIELDS.arp_spa);
def("OXM_OF_ARP_SPA", 22, 12, FIELDS.arp_spa);
def("NXM_OF_ARP_TPA", 17, 0, FIELDS.arp_tpa);
def("OXM_OF_ARP_TPA", 23, 12, FIELDS.arp_tpa);
def("NXM_NX_ARP_SHA", 17, 0, FIELDS.arp_sha);
def("OXM_OF_ARP_SHA", 24, 12, FIELDS.arp_sha);
def("NXM_NX_ARP_THA", 18, 0, FIELDS.arp_tha);
def("OXM_OF_ARP_THA", 25, 12, FIELDS.arp_tha);
def("NXM_OF_TCP_SRC", 9, 0, FIELDS.tcp_src);
def("OXM_OF_TCP_SRC", 13, 12, FIELDS.tcp_src);
def("NXM_OF_TCP_DST", 10, 0, FIELDS.tcp_dst);
def("OXM_OF_TCP_DST", 14, 12, FIELDS.tcp_dst);
def("NXM_NX_TCP_FLAGS", 34, 0, FIELDS.tcp_flags);
def("ONFOXM_ET_TCP_FLAGS", 42, 13, FIELDS.tcp_flags);
def("OXM_OF_TCP_FLAGS", 42, 15, FIELDS.tcp_flags);
def("NXM_OF_UDP_SRC", 11, 0, FIELDS.udp_src);
def("OXM_OF_UDP_SRC", 15, 12, FIELDS.udp_src);
def("NXM_OF_UDP_DST", 12, 0, FIELDS.udp_dst);
def("OXM_OF_UDP_DST", 16, 12, FIELDS.udp_dst);
def("OXM_OF_SCTP_SRC", 17, 12, FIELDS.sctp_src);
def("OXM_OF_SCTP_DST", 18, 12, FIELDS.sctp_dst);
def("NXM_OF_ICMP_TYPE", 13, 0, FIELDS.icmp_type);
def("OXM_OF_ICMPV4_TYPE", 19, 12, FIELDS.icmp_type);
def("NXM_OF_ICMP_CODE", 14, 0, FIELDS.icmp_code);
def("OXM_OF_ICMPV4_CODE", 20, 12, FIELDS.icmp_code);
def("NXM_NX_ICMPV6_TYPE", 21, 0, FIELDS.icmpv6_type);
def("OXM_OF_ICMPV6_TYPE", 29, 12, FIELDS.icmpv6_type);
def("NXM_NX_ICMPV6_CODE", 22, 0, FIELDS.icmpv6_code);
def("OXM_OF_ICMPV6_CODE", 30, 12, FIELDS.icmpv6_code);
def("NXM_NX_ND_TARGET", 23, 0, FIELDS.nd_target);
def("OXM_OF_IPV6_ND_TARGET", 31, 12, FIELDS.nd_target);
def("NXM_NX_ND_SLL", 24, 0, FIELDS.nd_sll);
def("OXM_OF_IPV6_ND_SLL", 32, 12, FIELDS.nd_sll);
def("NXM_NX_ND_TLL", 25, 0, FIELDS.nd_tll);
def("OXM_OF_IPV6_ND_TLL", 33, 12, FIELDS.nd_tll);

/**
 * OVS metadata fields ovsim's Match does not hold, which the codec still
 * reads and writes (carried beside the match, NxmSideFields): dp_hash
 * (maskable) and recirc_id (exact only). Neither has prerequisites.
 */
export type NxmSideFieldId = "dp_hash" | "recirc_id";

/** One header of a side field. */
export interface NxmSideHeader {
  readonly name: string;
  readonly header: bigint;
  readonly version: NxmVersion;
  readonly side: NxmSideFieldId;
  readonly nBytes: number;
  readonly maskable: boolean;
}

const SIDE: NxmSideHeader[] = [];

function sideDef(name: string, fieldNo: number, side: NxmSideFieldId, maskable: boolean): void {
  const [cls, vendor] = classOf(name);
  const len = 4 + (cls === OXM_EXPERIMENTER_CLASS ? 4 : 0);
  SIDE.push({ name, header: makeHeader(cls, fieldNo, false, len, vendor), version: 0, side, nBytes: 4, maskable });
}

// OXM entries before NXM ones of the same version, as OVS orders them: NXM_NX_DP_HASH is written.
sideDef("NXOXM_ET_DP_HASH", 0, "dp_hash", true);
sideDef("NXM_NX_DP_HASH", 35, "dp_hash", true);
sideDef("NXM_NX_RECIRC_ID", 36, "recirc_id", false);

/** NXM_NX_COOKIE: a pseudo-field that only nx_match of flow_mods and flow stats requests carries. */
export const NXM_NX_COOKIE = makeHeader(0x0001, 30, false, 8, 0);
export const NXM_NX_COOKIE_W = wildHeader(NXM_NX_COOKIE);

/**
 * OXM_OF_PACKET_TYPE (OpenFlow 1.5, the only header OVS has for packet_type).
 * ovsim's Match has no packet_type; the codec carries "packet_type is
 * Ethernet" (value 0) beside the match.
 */
export const OXM_OF_PACKET_TYPE = makeHeader(0x8000, 44, false, 4, 0);

/** The header bits without the length (nxm_no_len). */
function noLen(h: bigint): bigint {
  return h & 0xffffff80ffffffffn;
}

const byNoLen = new Map<bigint, NxmHeader>(ALL.map((h) => [noLen(h.header), h]));
const byName = new Map<string, NxmHeader>(ALL.map((h) => [h.name, h]));
const byField = new Map<FieldSpec, NxmHeader[]>();
for (const h of ALL) byField.set(h.field, [...(byField.get(h.field) ?? []), h]);
// A field's headers in OVS's order (extract-ofp-fields): by version, a standard or experimenter OXM before an NXM one of the same version.
const isNxmName = (n: string): boolean => n.startsWith("NXM_");
for (const list of byField.values()) list.sort((a, b) => a.version - b.version || Number(isNxmName(a.name)) - Number(isNxmName(b.name)));
const sideByNoLen = new Map<bigint, NxmSideHeader>(SIDE.map((h) => [noLen(h.header), h]));
const sideByName = new Map<string, NxmSideHeader>(SIDE.map((h) => [h.name, h]));

/** The field a received header names (nxm_field_by_header): undefined when unknown or of the wrong length. */
export function headerByWire(h: bigint): NxmHeader | undefined {
  const exact = nxmHasMask(h) ? exactHeader(h) : h;
  const found = byNoLen.get(noLen(exact));
  return found !== undefined && nxmLength(found.header) === nxmLength(exact) ? found : undefined;
}

/** The side field a received header names, like headerByWire. */
export function sideHeaderByWire(h: bigint): NxmSideHeader | undefined {
  const exact = nxmHasMask(h) ? exactHeader(h) : h;
  const found = sideByNoLen.get(noLen(exact));
  return found !== undefined && nxmLength(found.header) === nxmLength(exact) ? found : undefined;
}

/** A side field's header by name. */
export function sideHeaderByName(name: string): NxmSideHeader | undefined {
  return sideByName.get(name);
}

/** The header OVS writes for side field `side` (the last of its headers: all are version 0). */
export function sideHeaderFor(side: NxmSideFieldId): NxmSideHeader {
  const list = SIDE.filter((h) => h.side === side);
  const last = list[list.length - 1];
  if (last === undefined) throw new Error(`no header for ${side}`);
  return last;
}

/** A header by its name (`NXM_OF_IN_PORT`, without `_W`). */
export function headerByName(name: string): NxmHeader | undefined {
  return byName.get(name);
}

/** The header OVS writes for `field` in `version` (nxm_field_by_mf_id), or undefined without one. */
export function headerForField(field: FieldSpec, version: NxmVersion): NxmHeader | undefined {
  let out: NxmHeader | undefined;
  for (const h of byField.get(field) ?? []) if (out === undefined || version >= h.version) out = h;
  return out;
}

/** Every header ovsim knows (for tests). */
export function allNxmHeaders(): readonly NxmHeader[] {
  return ALL;
}
