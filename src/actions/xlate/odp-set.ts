/**
 * Datapath `set(...)` actions: which header a set rewrites (OVS's
 * `OVS_KEY_ATTR_*`), its fields, and how OVS prints them
 * (`format_odp_key_attr` in lib/odp-util.c).
 *
 * Design:
 * - One table (`ODP_KEY_FIELDS`) lists each attribute's fields in OVS's struct
 *   order with their print style; a set action holds one value and one mask
 *   per field, in that order. The commit code (`odp-commit.ts`) binds the same
 *   fields to flow members, so a field is described in exactly one place.
 * - Two kinds of set, as in OVS: `masked: false` is OVS_ACTION_ATTR_SET (the
 *   whole header is written; printed verbosely, every field shown), `masked:
 *   true` is OVS_ACTION_ATTR_SET_MASKED (only fields with mask bits print, with
 *   `/mask` when partial). Values of a masked set are already ANDed with the mask.
 * - Values are numbers (every field up to 48 bits; a MAC fits a double exactly)
 *   except 128-bit IPv6 addresses, which are bigints. Sets are built once per
 *   upcall, never per packet.
 */
import { formatEthernet, formatIpv4, formatIpv6 } from "../../flowtable/field-values.js";

/** The headers a datapath set action can rewrite (OVS_KEY_ATTR_* names as printed). */
export type OdpKeyAttr =
  | "skb_priority"
  | "skb_mark"
  | "eth"
  | "ipv4"
  | "ipv6"
  | "tcp"
  | "udp"
  | "sctp"
  | "icmp"
  | "icmpv6"
  | "arp"
  | "nd";

/**
 * How a field prints: `eth` MAC, `ipv4` dotted quad, `in6` IPv6 (bigint),
 * `label` IPv6 flow label (`%#x`, 20 significant bits), `u8u`/`be16` decimal,
 * `u8x` `%#x`, `frag` the ODP fragment type (`no`/`first`/`later`), `u32x` the
 * bare `%#x` of skb_priority and skb_mark (no `name=`).
 */
export type OdpFieldKind = "eth" | "ipv4" | "in6" | "label" | "u8u" | "u8x" | "be16" | "frag" | "u32x";

export interface OdpKeyField {
  readonly name: string;
  readonly kind: OdpFieldKind;
  /** Width in bits; a mask of all these bits is exact. */
  readonly bits: number;
}

export type OdpValue = number | bigint;

function f(name: string, kind: OdpFieldKind, bits: number): OdpKeyField {
  return { name, kind, bits };
}

const TP_FIELDS = [f("src", "be16", 16), f("dst", "be16", 16)] as const;
const ICMP_FIELDS = [f("type", "u8u", 8), f("code", "u8u", 8)] as const;

/** Each attribute's fields, in OVS's `struct ovs_key_*` order. */
export const ODP_KEY_FIELDS = {
  skb_priority: [f("", "u32x", 32)],
  skb_mark: [f("", "u32x", 32)],
  eth: [f("src", "eth", 48), f("dst", "eth", 48)],
  ipv4: [
    f("src", "ipv4", 32),
    f("dst", "ipv4", 32),
    f("proto", "u8u", 8),
    f("tos", "u8x", 8),
    f("ttl", "u8u", 8),
    f("frag", "frag", 8),
  ],
  ipv6: [
    f("src", "in6", 128),
    f("dst", "in6", 128),
    f("label", "label", 20),
    f("proto", "u8u", 8),
    f("tclass", "u8x", 8),
    f("hlimit", "u8u", 8),
    f("frag", "frag", 8),
  ],
  tcp: TP_FIELDS,
  udp: TP_FIELDS,
  sctp: TP_FIELDS,
  icmp: ICMP_FIELDS,
  icmpv6: ICMP_FIELDS,
  arp: [f("sip", "ipv4", 32), f("tip", "ipv4", 32), f("op", "be16", 16), f("sha", "eth", 48), f("tha", "eth", 48)],
  nd: [f("target", "in6", 128), f("sll", "eth", 48), f("tll", "eth", 48)],
} as const satisfies Record<OdpKeyAttr, readonly OdpKeyField[]>;

/** `set(attr(...))`: one value and mask per field of `ODP_KEY_FIELDS[attr]`. */
export interface OdpSetAction {
  readonly type: "set";
  readonly attr: OdpKeyAttr;
  /** OVS_ACTION_ATTR_SET_MASKED (true) or OVS_ACTION_ATTR_SET (false: masks are all ones). */
  readonly masked: boolean;
  readonly values: readonly OdpValue[];
  readonly masks: readonly OdpValue[];
}

/** ODP fragment types (OVS_FRAG_TYPE_*), as printed. */
const FRAG_NAMES: readonly string[] = ["no", "first", "later"];

/** The all-ones mask of a field. */
export function fullMask(field: OdpKeyField): OdpValue {
  if (field.kind === "in6") return (1n << 128n) - 1n;
  return field.bits === 32 ? 0xffffffff : 2 ** field.bits - 1;
}

/** C's `%#x`: `0x` before a non-zero value, a bare `0` for zero. */
export function hexAlt(v: number | bigint): string {
  return v === 0 || v === 0n ? "0" : `0x${v.toString(16)}`;
}

function isZero(v: OdpValue): boolean {
  return v === 0 || v === 0n;
}

function isExact(field: OdpKeyField, mask: OdpValue): boolean {
  if (field.kind === "label") return (Number(mask) & 0xfffff) === 0xfffff;
  return mask === fullMask(field);
}

function formatValue(kind: OdpFieldKind, v: OdpValue): string {
  switch (kind) {
    case "eth":
      return formatEthernet(BigInt(v));
    case "ipv4":
      return formatIpv4(BigInt(v));
    case "in6":
      return formatIpv6(BigInt(v));
    case "label":
    case "u8x":
    case "u32x":
      return hexAlt(v);
    case "u8u":
    case "be16":
      return v.toString();
    case "frag":
      return FRAG_NAMES[Number(v)] ?? String(v);
  }
}

/** `/mask` as OVS prints a partial mask of a field of this kind. */
function formatMask(kind: OdpFieldKind, m: OdpValue): string {
  switch (kind) {
    case "eth":
    case "ipv4":
    case "in6":
      return formatValue(kind, m);
    default:
      return hexAlt(m);
  }
}

/** One field as `format_odp_key_attr` prints it, or null when it is left out. */
function formatField(field: OdpKeyField, v: OdpValue, m: OdpValue, verbose: boolean): string | null {
  if (!verbose && isZero(m)) return null;
  const exact = isExact(field, m);
  if (field.kind === "frag") {
    // ODP frag is an enumeration: a partial mask is an error, printed as such.
    return exact ? `frag=${formatValue("frag", v)}` : `error: partial mask not supported for frag (${hexAlt(m)})`;
  }
  const prefix = field.name === "" ? "" : `${field.name}=`;
  return `${prefix}${formatValue(field.kind, v)}${exact ? "" : `/${formatMask(field.kind, m)}`}`;
}

/** `attr(field=value,...)` as inside OVS's `set(...)`. */
export function formatOdpKeyAttr(a: OdpSetAction, verbose = false): string {
  const fields: readonly OdpKeyField[] = ODP_KEY_FIELDS[a.attr];
  const parts: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as OdpKeyField;
    const m = a.masked ? (a.masks[i] ?? 0) : fullMask(field);
    // verbose (odp_flow_format's): fields with an empty mask print too, as `value/0`.
    const s = formatField(field, a.values[i] ?? 0, m, verbose || !a.masked);
    if (s !== null) parts.push(s);
  }
  return `${a.attr}(${parts.join(",")})`;
}

/**
 * Builds a set action from named values, for callers that know what they
 * write (`odpSet("eth", { src: mac })`): unnamed fields are zero; with `masks`
 * the set is masked and each value is ANDed with its mask.
 */
export function odpSet(
  attr: OdpKeyAttr,
  values: Readonly<Record<string, OdpValue>>,
  masks?: Readonly<Record<string, OdpValue>>,
): OdpSetAction {
  const fields: readonly OdpKeyField[] = ODP_KEY_FIELDS[attr];
  const vs: OdpValue[] = [];
  const ms: OdpValue[] = [];
  for (const field of fields) {
    const zero: OdpValue = field.kind === "in6" ? 0n : 0;
    const key = field.name === "" ? "value" : field.name;
    // Own properties only: a field named like an Object member must not find it.
    const m = masks ? ((Object.hasOwn(masks, key) ? masks[key] : undefined) ?? zero) : fullMask(field);
    const v = (Object.hasOwn(values, key) ? values[key] : undefined) ?? zero;
    const wide = field.kind === "in6";
    vs.push(wide ? BigInt(v) & BigInt(m) : Number(BigInt(v) & BigInt(m)));
    ms.push(wide ? BigInt(m) : Number(m));
  }
  return { type: "set", attr, masked: masks !== undefined, values: vs, masks: ms };
}
