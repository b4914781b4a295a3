/**
 * Which match fields OpenFlow 1.1's fixed `ofp11_match` carries (the
 * `OpenFlow11` flow format, OVS's per-field `usable_protocols`): every field
 * OpenFlow 1.0 carries, plus metadata, the MPLS label and traffic class and
 * the ECN bits; Ethernet and IPv4 (and ARP) addresses and metadata with any
 * bit mask, the others exactly. A flow matching on anything else cannot be
 * sent over OpenFlow 1.1 (`-O OpenFlow11 add-flow br0 reg0=1,...` is "none
 * of the usable flow formats (NXM,OXM) ...").
 */
import type { FieldSpec } from "./fields.js";
import { FIELDS } from "./fields.js";

/** Fields ofp11_match has beyond OpenFlow 1.0's. */
const EXTRA: ReadonlySet<FieldSpec> = new Set([FIELDS.metadata, FIELDS.mpls_label, FIELDS.mpls_tc, FIELDS.nw_ecn]);
/** Fields ofp11_match carries with an arbitrary bit mask. */
const BITWISE: ReadonlySet<FieldSpec> = new Set([
  FIELDS.metadata,
  FIELDS.eth_src,
  FIELDS.eth_dst,
  FIELDS.ip_src,
  FIELDS.ip_dst,
  FIELDS.arp_spa,
  FIELDS.arp_tpa,
]);

/** True when OpenFlow 1.1's match can carry field `f` matched with `mask` (in the field's units). */
export function fieldOf11Ok(f: FieldSpec, mask: bigint): boolean {
  if (mask === 0n) return true;
  if (f.of10 === "none" && !EXTRA.has(f)) return false;
  return BITWISE.has(f) || mask === (1n << BigInt(f.nBytes * 8)) - 1n;
}
