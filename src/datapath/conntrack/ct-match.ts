/**
 * Which connections `ovs-appctl dpctl/flush-conntrack [zone=N] [ORIG [REPLY]]`
 * removes (OVS's struct ofp_ct_match, ofp_ct_tuple_parse in lib/ofp-ct.c,
 * ct_dpif_flush / ct_dpif_entry_cmp in lib/ct-dpif.c).
 *
 * A tuple is `ct_nw_src=A,ct_nw_dst=B,ct_nw_proto=P,ct_tp_src=S,ct_tp_dst=D`
 * (or ct_ipv6_src / ct_ipv6_dst; icmp_id, icmp_type, icmp_code after an
 * ICMP ct_nw_proto). Addresses are kept as IPv6 (IPv4 mapped), as OVS does.
 * A full original 5-tuple with no reply tuple names one connection (looked
 * up in the zone, 0 by default); anything else is matched against every
 * connection: set fields must be equal (for ICMP the id, type and code
 * always, even when 0), unset ones match anything.
 */
import { parseIpv4Strict, parseIpv6 } from "../../flowtable/field-values.js";
import { strToInt } from "../../flowtable/c-strto.js";
import type { Conn } from "./conn.js";
import { ConnKey } from "./conn-key.js";
import { ETH_TYPE_IP, ETH_TYPE_IPV6, IPPROTO_ICMP, IPPROTO_ICMPV6 } from "./ct-consts.js";
import { reverseIcmp6Type, reverseIcmpType } from "./conn-icmp.js";

/** OVS's struct ofp_ct_tuple (addresses as IPv6, IPv4 mapped to ::ffff:a.b.c.d). */
export interface CtMatchTuple {
  src: bigint;
  dst: bigint;
  /** Source port, or the ICMP id (a union in OVS). */
  srcPort: number;
  dstPort: number;
  icmpType: number;
  icmpCode: number;
}

/** OVS's struct ofp_ct_match. */
export interface CtMatch {
  /** 0 (unset), 4 or 6. */
  l3Type: 0 | 4 | 6;
  ipProto: number;
  readonly orig: CtMatchTuple;
  readonly reply: CtMatchTuple;
}

const V4_MAPPED = 0xffffn << 32n;

function emptyTuple(): CtMatchTuple {
  return { src: 0n, dst: 0n, srcPort: 0, dstPort: 0, icmpType: 0, icmpCode: 0 };
}

export function emptyCtMatch(): CtMatch {
  return { l3Type: 0, ipProto: 0, orig: emptyTuple(), reply: emptyTuple() };
}

function isIcmp(proto: number): boolean {
  return proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6;
}

/** OVS's ofp_ct_tuple_is_zero. */
function tupleIsZero(t: CtMatchTuple, proto: number): boolean {
  return t.src === 0n && t.dst === 0n && (isIcmp(proto) || (t.srcPort === 0 && t.dstPort === 0));
}

/** OVS's ofp_ct_match_is_zero. */
export function ctMatchIsZero(m: CtMatch): boolean {
  return m.ipProto === 0 && m.l3Type === 0 && tupleIsZero(m.orig, m.ipProto) && tupleIsZero(m.reply, m.ipProto);
}

function u(s: string, max: number): number | null {
  const v = strToInt(s);
  return v === undefined || v < 0 || v > max ? null : v;
}

/**
 * OVS's ofp_ct_tuple_parse: reads `s` into `m.orig` (`which` "orig") or
 * `m.reply`, setting `m.ipProto` and `m.l3Type`. Returns null or OVS's
 * error text.
 */
export function parseCtTuple(s: string, m: CtMatch, which: "orig" | "reply"): string | null {
  const t = which === "orig" ? m.orig : m.reply;
  for (const part of s.split(",")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? "" : part.slice(eq + 1);
    if (value === "") return `field ${key} missing value`;
    if (key === "ct_nw_src" || key === "ct_nw_dst") {
      if (m.l3Type !== 0 && m.l3Type !== 4) return `the L3 protocol does not match ${value}`;
      const cur = key === "ct_nw_src" ? t.src : t.dst;
      if (cur !== 0n) return `${key} is set multiple times`;
      const ip = parseIpv4Strict(value);
      if (ip === null) return `failed to parse field ${key}`;
      m.l3Type = 4;
      if (key === "ct_nw_src") t.src = V4_MAPPED | ip;
      else t.dst = V4_MAPPED | ip;
    } else if (key === "ct_ipv6_src" || key === "ct_ipv6_dst") {
      if (m.l3Type !== 0 && m.l3Type !== 6) return `the L3 protocol does not match ${value}`;
      const cur = key === "ct_ipv6_src" ? t.src : t.dst;
      if (cur !== 0n) return `${key} is set multiple times`;
      const ip = parseIpv6(value);
      if (ip === null) return `failed to parse field ${key}`;
      m.l3Type = 6;
      if (key === "ct_ipv6_src") t.src = ip;
      else t.dst = ip;
    } else if (key === "ct_nw_proto") {
      const v = u(value, 0xff);
      if (v === null) return `failed to parse field ${key}`;
      m.ipProto = v;
    } else if (key === "ct_tp_src" || key === "ct_tp_dst") {
      const v = u(value, 0xffff);
      if (v === null) return `failed to parse field ${key}`;
      if (key === "ct_tp_src") t.srcPort = v;
      else t.dstPort = v;
    } else if (key === "icmp_type" || key === "icmp_code" || key === "icmp_id") {
      if (!isIcmp(m.ipProto)) return "invalid L4 fields";
      const v = u(value, key === "icmp_id" ? 0xffff : 0xff);
      if (v === null) return `failed to parse field ${key}`;
      if (key === "icmp_type") t.icmpType = v;
      else if (key === "icmp_code") t.icmpCode = v;
      else t.srcPort = v;
    } else {
      return `invalid conntrack tuple field: ${key}`;
    }
  }
  if (m.ipProto === 0 && (t.srcPort !== 0 || t.dstPort !== 0)) return "port is set without protocol";
  return null;
}

/** The address words of a match address for a family (IPv4: the mapped address's low word). */
function addrWords(a: bigint, v4: boolean, out: Uint32Array, base: number): void {
  if (v4) {
    out[base] = Number(a & 0xffffffffn);
    out[base + 1] = out[base + 2] = out[base + 3] = 0;
    return;
  }
  for (let i = 0; i < 4; i++) out[base + i] = Number((a >> BigInt(96 - 32 * i)) & 0xffffffffn);
}

/**
 * ct_dpif_flush_tuple's shortcut: the key of a full original 5-tuple with an
 * empty reply tuple (OVS's tuple_to_conn_key), or null.
 */
export function ctMatchFiveTuple(m: CtMatch, zone: number): ConnKey | null {
  const o = m.orig;
  const five = o.src !== 0n && o.dst !== 0n && (isIcmp(m.ipProto) || (o.srcPort !== 0 && o.dstPort !== 0));
  if (!five || !tupleIsZero(m.reply, m.ipProto)) return null;
  const k = new ConnKey();
  const v4 = m.l3Type === 4;
  addrWords(o.src, v4, k.w, 0);
  addrWords(o.dst, v4, k.w, 5);
  if (isIcmp(m.ipProto)) {
    const rtype = m.ipProto === IPPROTO_ICMP ? reverseIcmpType(o.icmpType) : reverseIcmp6Type(o.icmpType);
    k.w[4] = ((o.srcPort << 16) | (o.icmpType << 8) | o.icmpCode) >>> 0;
    k.w[9] = ((o.srcPort << 16) | (rtype << 8) | o.icmpCode) >>> 0;
  } else {
    k.setSrcPort(o.srcPort);
    k.setDstPort(o.dstPort);
  }
  k.setL3(v4 ? ETH_TYPE_IP : m.l3Type === 6 ? ETH_TYPE_IPV6 : 0, zone, m.ipProto);
  return k;
}

/** ct_dpif_tuple_ip_cmp_partial of a connection key against a match tuple. */
function tupleMatches(k: ConnKey, t: CtMatchTuple, m: CtMatch): boolean {
  const addrOk = (a: bigint, base: number): boolean => {
    if (a === 0n) return true;
    if (m.l3Type === 4) return k.w[base] === Number(a & 0xffffffffn);
    if (m.l3Type === 6) {
      for (let i = 0; i < 4; i++) if (k.w[base + i] !== Number((a >> BigInt(96 - 32 * i)) & 0xffffffffn)) return false;
    }
    return true;
  };
  if (!addrOk(t.src, 0) || !addrOk(t.dst, 5)) return false;
  if (isIcmp(m.ipProto)) return k.srcPort === t.srcPort && k.icmpType === t.icmpType && k.icmpCode === t.icmpCode;
  if (t.srcPort !== 0 && t.srcPort !== k.srcPort) return false;
  if (t.dstPort !== 0 && t.dstPort !== k.dstPort) return false;
  return true;
}

/** OVS's ct_dpif_entry_cmp: whether `m` selects connection `c`. */
export function ctMatchesEntry(m: CtMatch, c: Conn): boolean {
  const k = c.fwd.key;
  if (m.l3Type !== 0 && m.l3Type !== (k.isIpv4 ? 4 : 6)) return false;
  if (m.ipProto !== 0 && m.ipProto !== k.proto) return false;
  return tupleMatches(k, m.orig, m) && tupleMatches(c.rev.key, m.reply, m);
}
