/**
 * Field values as actions print and check them: OVS's `mf_format` (value with
 * an optional mask), `mf_is_value_valid`, whether a field has an NXM/OXM
 * header (`mf_nxm_header`), and the `load:` segments of a partial write
 * (`next_load_segment`).
 */
import {
  allOnes,
  formatEthernetMasked,
  formatFlagsMasked,
  formatIpv4Masked,
  formatIpv6Masked,
} from "../flowtable/field-values.js";
import type { FieldSpec } from "../flowtable/fields.js";
import { CT_STATE_NAMES, TCP_FLAG_NAMES, TUN_FLAG_NAMES } from "../flowtable/flag-names.js";
import { P_ANY, P_NXM_OXM_ANY } from "../flowtable/openflow-protocols.js";
import type { PortNameMap } from "../flowtable/ports.js";
import { formatPort } from "../flowtable/ports.js";
import type { Subfield } from "../flowtable/subfield.js";
import { hex } from "./parse-util.js";

/** OVS's `mf_format`: `mask` all ones (or omitted) prints the bare value; all zeros prints `ANY`. */
export function formatFieldValue(f: FieldSpec, value: bigint, mask?: bigint, names?: PortNameMap): string {
  const full = allOnes(f.nBytes * 8);
  if (mask === 0n) return "ANY";
  const m = mask === undefined || mask === full ? undefined : mask;
  switch (f.format) {
    case "ofp_port":
      if (m === undefined) return formatPort(Number(value), names);
      return `${value}/${hex(m)}`;
    case "decimal":
      return m === undefined ? value.toString() : `${value}/${hex(m)}`;
    case "hexadecimal":
      return m === undefined ? hex(value) : `${hex(value)}/${hex(m)}`;
    case "ethernet":
      return formatEthernetMasked(value, m ?? allOnes(48));
    case "ipv4":
      return formatIpv4Masked(value, m ?? allOnes(32));
    case "ipv6":
      return formatIpv6Masked(value, m ?? allOnes(128));
    case "tun_flags":
      return formatFlagsMasked(Number(value), Number(m ?? 0xffffn), 0x1, TUN_FLAG_NAMES);
    case "tcp_flags":
      return formatFlagsMasked(Number(value), Number(m ?? 0xffffn), 0x0fff, TCP_FLAG_NAMES);
    case "ct_state":
      return formatFlagsMasked(Number(value), Number(m ?? 0xffffffffn), 0xff, CT_STATE_NAMES);
    case "frag":
      return value.toString();
  }
}

/** OVS's `mf_is_value_valid`: the value uses only the bits the field has. */
export function isValueValid(f: FieldSpec, value: bigint): boolean {
  if (f.shift === 0 && f.memberMask === allOnes(f.member.bits)) return value >> BigInt(f.nBits) === 0n;
  return ((value << BigInt(f.shift)) & ~f.memberMask) === 0n;
}

/** OVS's `mf_nxm_header` != 0: the field can be named by an NXM or OXM header. */
export function hasNxmHeader(f: FieldSpec): boolean {
  return f.nxm !== null || f.oxm !== null;
}

/** Fields the CT action alone may set (OVS's `field_requires_ct`). */
export function fieldRequiresCt(f: FieldSpec): boolean {
  return f.name === "ct_mark" || f.name === "ct_label";
}

/**
 * The flow formats that can carry an exact set_field to `f`
 * (`mf->usable_protocols_exact`): OpenFlow 1.0 fields anywhere, others need NXM or OXM.
 */
export function usableExact(f: FieldSpec): number {
  return f.of10 !== "none" ? P_ANY : P_NXM_OXM_ANY;
}

/**
 * The contiguous runs of 1-bits of `mask` (at most 64 bits each), with the
 * value bits under each: how OVS splits a partial write into `load:` actions.
 */
export function loadSegments(f: FieldSpec, value: bigint, mask: bigint): { sf: Subfield; value: bigint }[] {
  const out: { sf: Subfield; value: bigint }[] = [];
  const bit = (i: number): boolean => ((mask >> BigInt(i)) & 1n) === 1n;
  let i = 0;
  while (i < f.nBits) {
    while (i < f.nBits && !bit(i)) i++;
    if (i >= f.nBits) break;
    const ofs = i;
    const end = Math.min(ofs + 64, f.nBits);
    while (i < end && bit(i)) i++;
    const nBits = i - ofs;
    out.push({ sf: { field: f, ofs, nBits }, value: (value >> BigInt(ofs)) & allOnes(nBits) });
  }
  return out;
}

/** Value and mask of a write of `v` into subfield `sf`, in the field's units. */
export function subfieldWrite(sf: Subfield, v: bigint): { value: bigint; mask: bigint } {
  return { value: v << BigInt(sf.ofs), mask: allOnes(sf.nBits) << BigInt(sf.ofs) };
}
