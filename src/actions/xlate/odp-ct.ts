/**
 * The datapath `ct(...)` action (conntrack) and its NAT part, as a structure
 * and as OVS prints it (`format_odp_conntrack_action`, `format_odp_ct_nat`):
 *
 *   ct(commit,zone=5,mark=0x1/0xffffffff,label=0x2/0xff,helper=ftp,nat(src=10.0.0.1-10.0.0.9:1000-2000,random))
 *
 * A plain `ct` (no argument) prints without parentheses.
 */
import { formatIpv4, formatIpv6 } from "../../flowtable/field-values.js";

/** NAT inside a ct action. `kind: null` is a bare `nat` (reverse an existing mapping). */
export interface OdpNat {
  readonly kind: "src" | "dst" | null;
  /** Address range; IPv4 as numbers, IPv6 as bigints; null when none is given. */
  readonly addrs: { readonly v: 4; readonly min: number; readonly max: number } | { readonly v: 6; readonly min: bigint; readonly max: bigint } | null;
  /** Port range (0 = none). */
  readonly protoMin: number;
  readonly protoMax: number;
  readonly persistent: boolean;
  readonly hash: boolean;
  readonly random: boolean;
}

export interface OdpCtAction {
  readonly type: "ct";
  readonly commit: boolean;
  readonly forceCommit: boolean;
  /** Conntrack zone; 0 is not printed. */
  readonly zone: number;
  readonly mark: { readonly value: number; readonly mask: number } | null;
  readonly label: { readonly value: bigint; readonly mask: bigint } | null;
  readonly helper: string | null;
  readonly timeout: string | null;
  readonly nat: OdpNat | null;
}

/** A ct action with nothing set (prints `ct`); spread it to set fields. */
export const CT_DEFAULTS: OdpCtAction = {
  type: "ct",
  commit: false,
  forceCommit: false,
  zone: 0,
  mark: null,
  label: null,
  helper: null,
  timeout: null,
  nat: null,
};

const U128_ONES = (1n << 128n) - 1n;

/** OVS's `ds_put_hex` of a 128-bit value: `0x` and hex digits without leading zeros, or `0`. */
function hex128(v: bigint): string {
  return v === 0n ? "0" : `0x${v.toString(16)}`;
}

function hexAlt32(v: number): string {
  return v === 0 ? "0" : `0x${(v >>> 0).toString(16)}`;
}

function formatNat(n: OdpNat): string {
  if (n.kind === null) return "nat";
  let s = `nat(${n.kind}`;
  if (n.addrs !== null) {
    s += "=";
    if (n.addrs.v === 4) {
      s += formatIpv4(BigInt(n.addrs.min));
      if (n.addrs.max !== 0 && n.addrs.max !== n.addrs.min) s += `-${formatIpv4(BigInt(n.addrs.max))}`;
    } else {
      const bracket = (a: bigint): string => (n.protoMin !== 0 ? `[${formatIpv6(a)}]` : formatIpv6(a));
      s += bracket(n.addrs.min);
      if (n.addrs.max !== 0n && n.addrs.max !== n.addrs.min) s += `-${bracket(n.addrs.max)}`;
    }
    if (n.protoMin !== 0) {
      s += `:${n.protoMin}`;
      if (n.protoMax !== 0 && n.protoMax !== n.protoMin) s += `-${n.protoMax}`;
    }
  }
  if (n.persistent) s += ",persistent";
  if (n.hash) s += ",hash";
  if (n.random) s += ",random";
  return `${s})`;
}

export function formatCt(a: OdpCtAction): string {
  const parts: string[] = [];
  if (a.commit) parts.push("commit");
  if (a.forceCommit) parts.push("force_commit");
  if (a.zone !== 0) parts.push(`zone=${a.zone}`);
  if (a.mark !== null) parts.push(`mark=${hexAlt32(a.mark.value)}/${hexAlt32(a.mark.mask)}`);
  if (a.label !== null) {
    const mask = a.label.mask === U128_ONES ? "" : `/${hex128(a.label.mask)}`;
    parts.push(`label=${hex128(a.label.value)}${mask}`);
  }
  if (a.helper !== null) parts.push(`helper=${a.helper}`);
  if (a.timeout !== null) parts.push(`timeout=${a.timeout}`);
  if (a.nat !== null) parts.push(formatNat(a.nat));
  return parts.length === 0 ? "ct" : `ct(${parts.join(",")})`;
}
