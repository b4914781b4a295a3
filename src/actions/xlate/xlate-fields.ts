/**
 * Reading and writing fields of a translation flow, and un-wildcarding what
 * was looked at, as OVS's meta-flow does during translation
 * (`mf_get_value`, `mf_set_flow_value[_masked]`, `mf_mask_field_masked`,
 * `mf_are_prereqs_ok` with a wildcard mask, `mf_subfield_copy`).
 *
 * Values are in the field's own units (`fields.ts`): member bits =
 * (value << shift) & memberMask. Setting `dl_vlan`, `dl_vlan_pcp` or
 * `vlan_pcp` marks the VLAN header present (CFI), as OVS's `flow_set_dl_vlan`
 * / `flow_set_vlan_pcp` do; their wildcard masks get CFI too.
 *
 * These paths use bigint (member reads and writes of up to 128 bits); they run
 * once per set_field / move / learn action, never per datapath packet (the
 * datapath executes the translated actions, not these).
 */
import type { FieldSpec, Prereq } from "../../flowtable/fields.js";
import type { FlowMember } from "../../flowtable/flow-layout.js";
import { M, readMember, readSmall, writeMember } from "../../flowtable/flow-layout.js";
import { prereqOk } from "../../flowtable/prereqs.js";
import { readTunMetadata, writeTunMetadata } from "../../flowtable/tun-metadata-field.js";
import type { Subfield } from "../../flowtable/subfield.js";
import { ETH_TYPE } from "../../flowtable/protocols.js";


/** ORs `bits` (member-positioned) into `wc`'s member. */
export function unwildcard(wc: Uint32Array, m: FlowMember, bits?: bigint): void {
  const all = (1n << BigInt(m.bits)) - 1n;
  writeMember(wc, m, readMember(wc, m) | (bits ?? all));
}

/** Un-wildcards a whole member (OVS's WC_MASK_FIELD), without bigint for narrow members. */
export function maskMember(wc: Uint32Array, m: FlowMember): void {
  if (m.bits <= 32) {
    const bits = m.bits === 32 ? 0xffffffff : ((1 << m.bits) - 1) << m.shift;
    wc[m.word] = ((wc[m.word] ?? 0) | bits) >>> 0;
    return;
  }
  unwildcard(wc, m);
}

export function isIpAny(flow: Uint32Array): boolean {
  const t = readSmall(flow, M.dlType);
  return t === ETH_TYPE.IP || t === ETH_TYPE.IPV6;
}

/** OVS's OFPP_MAX and OFPP11_OFFSET: reserved ports, and where OpenFlow 1.1 puts them. */
const OFPP_MAX = 0xff00n;
const OFPP11_OFFSET = 0xffff0000n;

/**
 * The field's value in field units (OVS's mf_get_value). A 32-bit port field
 * (in_port_oxm, actset_output) holds an OpenFlow 1.0 port: it reads as OpenFlow
 * 1.1 numbers it (ofputil_port_to_ofp11: reserved ports at 0xffffff00 and up).
 */
export function getField(flow: Uint32Array, f: FieldSpec): bigint {
  if (f.tunMetadata !== undefined) return readTunMetadata(flow, f);
  const v = (readMember(flow, f.member) & f.memberMask) >> BigInt(f.shift);
  return f.format === "ofp_port" && f.nBytes === 4 && v >= OFPP_MAX ? v + OFPP11_OFFSET : v;
}

/** OVS's mf_set_flow_value: writes the whole field. */
export function setFieldValue(flow: Uint32Array, f: FieldSpec, value: bigint): void {
  if (f.tunMetadata !== undefined) return writeTunMetadata(flow, f, value & f.memberMask);
  const m = f.member;
  const bits = f.memberMask;
  const v = ((value << BigInt(f.shift)) & bits) | f.impliedBits;
  writeMember(flow, m, (readMember(flow, m) & ~(bits | f.impliedBits)) | v);
}

/** OVS's mf_set_flow_value_masked. */
export function setFieldMasked(flow: Uint32Array, f: FieldSpec, value: bigint, mask: bigint): void {
  const old = getField(flow, f);
  setFieldValue(flow, f, (old & ~mask) | (value & mask));
}

/** OVS's mf_mask_field_masked: ORs `mask` (field units) into `wc`. */
export function maskFieldMasked(wc: Uint32Array, f: FieldSpec, mask: bigint): void {
  // A tun_metadata mask is written as a value: its bytes and the present bit (mf_mask_field_masked).
  if (f.tunMetadata !== undefined) return writeTunMetadata(wc, f, readTunMetadata(wc, f) | (mask & f.memberMask));
  const bits = ((mask << BigInt(f.shift)) & f.memberMask) | (mask !== 0n ? f.impliedBits : 0n);
  unwildcard(wc, f.member, bits);
}

function isIpProto(flow: Uint32Array, wc: Uint32Array, proto: number): boolean {
  if (!isIpAny(flow)) return false;
  maskMember(wc, M.nwProto);
  return readSmall(flow, M.nwProto) === proto;
}

const FRAG_LATER = 2;

function isNd(flow: Uint32Array, wc: Uint32Array): boolean {
  if (readSmall(flow, M.dlType) !== ETH_TYPE.IPV6 || !isIpProto(flow, wc, 58)) return false;
  maskMember(wc, M.tpDst);
  if (readSmall(flow, M.tpDst) !== 0) return false;
  maskMember(wc, M.tpSrc);
  const t = readSmall(flow, M.tpSrc);
  return t === 135 || t === 136;
}

/**
 * OVS's mf_are_prereqs_ok(mf, flow, wc): whether the packet has the field,
 * un-wildcarding what the answer depended on (nw_proto for L4 fields, the
 * ICMPv6 type and code for ND fields, the VLAN CFI bit for vlan_pcp).
 */
export function prereqsOk(prereq: Prereq, flow: Uint32Array, wc: Uint32Array): boolean {
  const notLater = (readSmall(flow, M.nwFrag) & FRAG_LATER) === 0;
  switch (prereq) {
    case "vlan_vid":
      unwildcard(wc, M.vlanTci, 0x1000n);
      return prereqOk(prereq, flow);
    case "tcp":
      return isIpProto(flow, wc, 6) && notLater;
    case "udp":
      return isIpProto(flow, wc, 17) && notLater;
    case "sctp":
      return isIpProto(flow, wc, 132) && notLater;
    case "icmpv4":
      return readSmall(flow, M.dlType) === ETH_TYPE.IP && isIpProto(flow, wc, 1);
    case "icmpv6":
      return readSmall(flow, M.dlType) === ETH_TYPE.IPV6 && isIpProto(flow, wc, 58);
    case "nd":
      return isNd(flow, wc);
    case "nd_solicit":
      return isNd(flow, wc) && readSmall(flow, M.tpSrc) === 135;
    case "nd_advert":
      return isNd(flow, wc) && readSmall(flow, M.tpSrc) === 136;
    default:
      return prereqOk(prereq, flow);
  }
}

const L3_IP_FIELDS = new Set(["ip_src", "ip_dst", "ipv6_src", "ipv6_dst", "ipv6_label", "nw_tos", "ip_dscp", "nw_ecn", "nw_ttl"]);
const ARP_FIELDS = new Set(["arp_op", "arp_sha", "arp_tha", "arp_spa", "arp_tpa"]);

/** OVS's mf_set_mask_l3_prereqs: writing an L3 field un-wildcards nw_proto. */
export function maskL3Prereqs(f: FieldSpec, flow: Uint32Array, wc: Uint32Array): void {
  if (isIpAny(flow) && L3_IP_FIELDS.has(f.name)) maskMember(wc, M.nwProto);
  else if (readSmall(flow, M.dlType) === ETH_TYPE.ARP && ARP_FIELDS.has(f.name)) maskMember(wc, M.nwProto);
}

/** The subfield's bits (right-aligned) of the flow (OVS's mf_get_subfield / mf_read_subfield). */
export function readSubfield(flow: Uint32Array, sf: Subfield): bigint {
  return (getField(flow, sf.field) >> BigInt(sf.ofs)) & ((1n << BigInt(sf.nBits)) - 1n);
}

/** Writes right-aligned `value` into the subfield (OVS's mf_write_subfield_flow + implied bits). */
export function writeSubfield(flow: Uint32Array, sf: Subfield, value: bigint): void {
  const mask = ((1n << BigInt(sf.nBits)) - 1n) << BigInt(sf.ofs);
  setFieldMasked(flow, sf.field, value << BigInt(sf.ofs), mask);
}

/** Un-wildcards the subfield's bits in `wc`. */
export function maskSubfield(wc: Uint32Array, sf: Subfield): void {
  const mask = ((1n << BigInt(sf.nBits)) - 1n) << BigInt(sf.ofs);
  if (sf.field.tunMetadata !== undefined) return maskFieldMasked(wc, sf.field, mask);
  unwildcard(wc, sf.field.member, (mask << BigInt(sf.field.shift)) & sf.field.memberMask);
}

/** OVS's mf_subfield_copy: copies when both fields' prerequisites hold. */
export function copySubfield(src: Subfield, dst: Subfield, flow: Uint32Array, wc: Uint32Array): void {
  if (!prereqsOk(dst.field.prereq, flow, wc) || !prereqsOk(src.field.prereq, flow, wc)) return;
  maskSubfield(wc, src);
  maskSubfield(wc, dst);
  writeSubfield(flow, dst, readSubfield(flow, src));
}
