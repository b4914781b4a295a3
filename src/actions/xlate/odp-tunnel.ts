/**
 * A packet's tunnel metadata as the datapath carries it (OVS's struct
 * flow_tnl, the netlink OVS_KEY_ATTR_TUNNEL), and the datapath action that
 * sets it, `set(tunnel(...))`: what translation emits for output to a tunnel
 * port when the datapath does not push headers itself (a kernel datapath:
 * OVS's commit_odp_tunnel_action), what the datapath hands with the packet to
 * the tunnel vport, and what a vport hands the datapath with a packet it
 * decapsulated.
 *
 * The text is OVS's format_odp_tun_attr over tun_key_to_attr's attributes:
 * `tun_id` when non-zero or the key flag is set, the addresses that are set,
 * `tos` when non-zero, `ttl` always, the UDP ports when non-zero, then the
 * flags (`df|csum|key`, `0` for none), the key flag standing for the presence
 * of the tun_id attribute:
 *
 *   set(tunnel(tun_id=0x5,src=192.0.2.1,dst=192.0.2.2,ttl=64,tp_dst=4789,flags(df|key)))
 *
 * An ERSPAN key (version 1 or 2) adds `erspan(ver=1,idx=0x7)` /
 * `erspan(ver=2,dir=1,hwid=0x4)` before the flags, as tun_key_to_attr does for
 * an ERSPAN vport. Not modelled: Geneve options, GBP and GTP-U metadata.
 */
import { formatIpv4, formatIpv6 } from "../../flowtable/field-values.js";
import type { GeneveOption } from "../../flowtable/tun-metadata-match.js";

/** FLOW_TNL_F_* bits of `TunnelKey.flags` (and of the flow's tun_flags). */
export const TNL_F = { OAM: 1 << 0, DF: 1 << 1, CSUM: 1 << 2, KEY: 1 << 3 } as const;

/** One packet's tunnel metadata. Addresses: IPv4 as 32-bit numbers, IPv6 as 128-bit bigints, 0 when unset. */
export interface TunnelKey {
  /** The VNI / GRE key (64 bits as OVS keeps it). */
  readonly tunId: bigint;
  readonly ipv4Src: number;
  readonly ipv4Dst: number;
  readonly ipv6Src: bigint;
  readonly ipv6Dst: bigint;
  /** Outer IP TOS / traffic class. */
  readonly tos: number;
  /** Outer IP TTL / hop limit (0: the vport's default). */
  readonly ttl: number;
  /** Outer UDP ports (0: the vport chooses). */
  readonly tpSrc: number;
  readonly tpDst: number;
  /** TNL_F bits. */
  readonly flags: number;
  /** ERSPAN metadata: version (1 or 2; 0: none), v1's index, v2's direction and hardware id. */
  readonly erspanVer: number;
  readonly erspanIdx: number;
  readonly erspanDir: number;
  readonly erspanHwid: number;
  /** Geneve options (OVS's tun_metadata_to_geneve: the flow's mapped options, by field index). */
  readonly geneve: readonly GeneveOption[];
}

/** `set(tunnel(...))`: the packet's tunnel metadata from here on. */
export interface OdpSetTunnelAction {
  readonly type: "set_tunnel";
  readonly key: TunnelKey;
}

/** A tunnel key with every field zero except those given. */
export function tunnelKey(k: Partial<TunnelKey>): TunnelKey {
  return {
    tunId: k.tunId ?? 0n,
    ipv4Src: k.ipv4Src ?? 0,
    ipv4Dst: k.ipv4Dst ?? 0,
    ipv6Src: k.ipv6Src ?? 0n,
    ipv6Dst: k.ipv6Dst ?? 0n,
    tos: k.tos ?? 0,
    ttl: k.ttl ?? 0,
    tpSrc: k.tpSrc ?? 0,
    tpDst: k.tpDst ?? 0,
    flags: k.flags ?? 0,
    erspanVer: k.erspanVer ?? 0,
    erspanIdx: k.erspanIdx ?? 0,
    erspanDir: k.erspanDir ?? 0,
    erspanHwid: k.erspanHwid ?? 0,
    geneve: k.geneve ?? [],
  };
}

function sameGeneve(a: readonly GeneveOption[], b: readonly GeneveOption[]): boolean {
  return (
    a.length === b.length &&
    a.every((o, i) => {
      const p = b[i] as GeneveOption;
      return o.optionClass === p.optionClass && o.optionType === p.optionType && o.value.length === p.value.length && o.value.every((x, j) => x === p.value[j]);
    })
  );
}

/** format_geneve_opts: `{class=%#x,type=%#x,len=N[,VALUE]}` each. */
function formatGeneve(opts: readonly GeneveOption[]): string {
  const alt = (v: number): string => (v === 0 ? "0" : `0x${v.toString(16)}`);
  const hex = (b: Uint8Array): string => {
    const s = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("").replace(/^0+/, "");
    return s === "" ? "0" : `0x${s}`;
  };
  return opts.map((o) => `{class=${alt(o.optionClass)},type=${alt(o.optionType)},len=${o.value.length}${o.value.length > 0 ? `,${hex(o.value)}` : ""}}`).join("");
}

/** Whether the key has a destination (OVS's flow_tnl_dst_is_set). */
export function tunnelDstIsSet(k: TunnelKey): boolean {
  return k.ipv4Dst !== 0 || k.ipv6Dst !== 0n;
}

export function sameTunnelKey(a: TunnelKey | null, b: TunnelKey | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.tunId === b.tunId &&
    a.ipv4Src === b.ipv4Src &&
    a.ipv4Dst === b.ipv4Dst &&
    a.ipv6Src === b.ipv6Src &&
    a.ipv6Dst === b.ipv6Dst &&
    a.tos === b.tos &&
    a.ttl === b.ttl &&
    a.tpSrc === b.tpSrc &&
    a.tpDst === b.tpDst &&
    a.flags === b.flags &&
    a.erspanVer === b.erspanVer &&
    a.erspanIdx === b.erspanIdx &&
    a.erspanDir === b.erspanDir &&
    a.erspanHwid === b.erspanHwid &&
    sameGeneve(a.geneve, b.geneve)
  );
}

const FLAG_NAMES: ReadonlyArray<readonly [number, string]> = [
  [TNL_F.OAM, "oam"],
  [TNL_F.DF, "df"],
  [TNL_F.CSUM, "csum"],
  [TNL_F.KEY, "key"],
];

/** `tunnel(...)` as format_odp_tun_attr prints an unmasked key. */
export function formatTunnelKey(k: TunnelKey): string {
  const parts: string[] = [];
  const idPresent = k.tunId !== 0n || (k.flags & TNL_F.KEY) !== 0;
  if (idPresent) parts.push(`tun_id=0x${k.tunId.toString(16)}`);
  if (k.ipv4Src !== 0) parts.push(`src=${formatIpv4(BigInt(k.ipv4Src >>> 0))}`);
  if (k.ipv4Dst !== 0) parts.push(`dst=${formatIpv4(BigInt(k.ipv4Dst >>> 0))}`);
  if (k.ipv6Src !== 0n) parts.push(`ipv6_src=${formatIpv6(k.ipv6Src)}`);
  if (k.ipv6Dst !== 0n) parts.push(`ipv6_dst=${formatIpv6(k.ipv6Dst)}`);
  if (k.tos !== 0) parts.push(`tos=0x${k.tos.toString(16)}`);
  parts.push(`ttl=${k.ttl}`);
  if (k.tpSrc !== 0) parts.push(`tp_src=${k.tpSrc}`);
  if (k.tpDst !== 0) parts.push(`tp_dst=${k.tpDst}`);
  if (k.geneve.length > 0) parts.push(`geneve(${formatGeneve(k.geneve)})`);
  const alt = (v: number): string => (v === 0 ? "0" : `0x${v.toString(16)}`);
  if (k.erspanVer === 1) parts.push(`erspan(ver=1,idx=${alt(k.erspanIdx)})`);
  if (k.erspanVer === 2) parts.push(`erspan(ver=2,dir=${k.erspanDir},hwid=${alt(k.erspanHwid)})`);
  const flags = (k.flags & (TNL_F.OAM | TNL_F.DF | TNL_F.CSUM)) | (idPresent ? TNL_F.KEY : 0);
  const names = FLAG_NAMES.filter(([bit]) => (flags & bit) !== 0).map(([, n]) => n);
  parts.push(`flags(${names.length === 0 ? "0" : names.join("|")})`);
  return `tunnel(${parts.join(",")})`;
}

export function formatSetTunnel(a: OdpSetTunnelAction): string {
  return `set(${formatTunnelKey(a.key)})`;
}
