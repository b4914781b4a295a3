/**
 * Parses a datapath flow key in OVS's ODP text, as `ovs-appctl ofproto/trace
 * ovs-dummy 'in_port(1),eth(src=..,dst=..),eth_type(0x0800),ipv4(...)'` reads
 * it (OVS's odp_flow_from_string, then odp_flow_key_to_flow):
 *
 *   skb_priority(N) skb_mark(N) recirc_id(N) dp_hash(N) in_port(N|NAME)
 *   eth(src=MAC,dst=MAC) eth_type(N) vlan(vid=N,pcp=N[,cfi=N]) encap(...)
 *   ipv4(src,dst,proto,tos,ttl,frag) ipv6(src,dst,label,proto,tclass,hlimit,frag)
 *   tcp(src,dst) udp(src,dst) sctp(src,dst) icmp(type,code) icmpv6(type,code)
 *   arp(sip,tip,op,sha,tha) nd(target,sll,tll) tcp_flags(FLAGS)
 *   ct_state(FLAGS) ct_zone(N) ct_mark(N) ct_label(N)
 *   tunnel(tun_id=N,src=IP,dst=IP,tos=N,ttl=N,tp_src=N,tp_dst=N,flags(df|csum|key),...)
 *   mpls(label=N,tc=N,ttl=N,bos=N[,label=N,...]) (up to three entries)
 *   packet_type(ns=0,id=0) (Ethernet, the only packet type read)
 *
 * A `ufid:UUID ` before a top-level attribute is skipped, as OVS does, so a
 * line of `ovs-appctl dpif/dump-flows -m` traces as it is.
 *
 * VLAN headers fill the flow's vlans[] outermost first, each `vlan()` taking
 * the `eth_type` before it as its TPID; as odp_flow_key_to_flow, headers past
 * `other_config:vlan-limit` are not read: the flow's dl_type stays that
 * header's TPID and the rest of its level (its `encap`) is parsed but unused.
 *
 * Values may carry a `/mask`: a trace needs only the key, a flow put
 * (`dpctl/add-flow`, dpif-flow-put.ts) takes the mask too, built as
 * odp_flow_from_string builds it: a field given without a mask is exact, one
 * not given in a given attribute is wildcarded, an attribute not given is
 * wildcarded, except recirc_id, exact when not given (odp_flow_key_to_mask).
 * The key's values stay unmasked, as dpif-netdev keeps them. The result is a
 * translation flow whose in_port is still the *datapath* port number; the
 * caller maps it to a bridge and OpenFlow port (xlate_lookup_ofproto).
 *
 * A nested attribute whose payload outgrows a Netlink attribute (more than
 * 65531 bytes: `tunnel(dst=..,dst=..,...)` with thousands of fields) fails as
 * OVS's does, "syntax error at" the attribute, errno E2BIG ("Argument list too
 * long"); other errors are EINVAL ("Invalid argument"). Only tunnel() counts
 * its payload (each field one Netlink attribute of OVS's size).
 * Without `eth_type` the flow's dl_type is 0x05ff (OVS's FLOW_DL_TYPE_NONE).
 * Errors are OVS's: "syntax error at" the top-level attribute that failed;
 * nesting is bounded as OVS bounds it (MAX_ODP_NESTED: inside 31 encaps is
 * too deep), which also bounds this parser's recursion.
 *
 * Not modelled: packet types other than Ethernet (a syntax error here),
 * NSH, Geneve options, ct tuple fields, odp_flow_key_to_flow's MPLS checks
 * (a BOS bit above the innermost entry is an error there).
 */
import { XLATE_FLOW_WORDS, XM } from "../actions/xlate/odp-metadata.js";
import { MAX_VLAN_HEADERS } from "./packet/extract.js";
import { parseEthernet, parseIpv4, parseIpv6 } from "../flowtable/field-values.js";
import type { FlowMember } from "../flowtable/flow-layout.js";
import { FLOW_MAX_MPLS_LABELS, M, readSmall, writeMember } from "../flowtable/flow-layout.js";
import { CT_STATE_NAMES, TCP_FLAG_NAMES } from "../flowtable/flag-names.js";
import { ovsScanInt } from "../flowtable/c-strto.js";
import type { GeneveOption } from "../flowtable/tun-metadata-match.js";

export type OdpFlowResult =
  | {
      readonly ok: true;
      readonly flow: Uint32Array;
      readonly odpInPort: number | null;
      /** The tunnel's Geneve options (`geneve({class=..,type=..,len=..,VALUE}...)`), as the datapath hands them up (OVS's UDPIF form): a bridge's TLV map places them. */
      readonly geneve: readonly GeneveOption[];
      /** The mask the text gives (see above), in_port's included. */
      readonly mask: Uint32Array;
      /** The attributes given, encaps' included, by name (`eth`, `ipv4`, `packet_type`...). */
      readonly present: ReadonlySet<string>;
    }
  | { readonly ok: false; readonly error: string; readonly errno: "Invalid argument" | "Argument list too long" };

const FLOW_DL_TYPE_NONE = 0x05ff;
const VLAN_CFI = 0x1000;

class OdpSyntaxError extends Error {
  constructor(
    readonly at: number,
    readonly tooBig = false,
  ) {
    super("syntax error");
  }
}

/** nl_attr_oversized: a payload above UINT16_MAX less a Netlink header. */
const NL_ATTR_MAX_PAYLOAD = 0xffff - 4;

/** Netlink size (header + payload, 4-aligned) of one tunnel() field (tun_key_to_attr's attribute types). */
function tunnelFieldSize(key: string): number {
  const payload = key === "tun_id" ? 8 : key === "ipv6_src" || key === "ipv6_dst" ? 16 : key === "src" || key === "dst" ? 4 : 2;
  return 4 + ((payload + 3) & ~3);
}

/** C's strtoul(s, 0): 0x hex, leading-0 octal, else decimal; the whole string must be used. */
function cNumber(s: string): bigint | null {
  const t = s.trim();
  if (/^0x[0-9a-f]+$/i.test(t)) return BigInt(t);
  if (/^0[0-7]+$/.test(t)) return BigInt(`0o${t.slice(1)}`);
  if (/^\d+$/.test(t)) return BigInt(t);
  return null;
}

function flagBits(s: string, names: ReadonlyMap<number, string>): bigint | null {
  const n = cNumber(s);
  if (n !== null) return n;
  let v = 0n;
  for (const part of s.split(/[|,+]/)) {
    if (part === "") continue;
    const hit = [...names].find(([, name]) => name === part);
    if (hit === undefined) return null;
    v |= BigInt(hit[0]);
  }
  return v;
}

const FRAG: ReadonlyMap<string, number> = new Map([
  ["no", 0],
  ["first", 1],
  ["later", 3],
]);

type Kind = "num" | "mac" | "ip4" | "ip6" | "frag" | "tcpflags";

/**
 * OVS's MAX_ODP_NESTED (lib/odp-util.c): a key attribute at this depth (the
 * top level is 1, each `encap(` one more) is a syntax error, which also
 * bounds the parser's recursion.
 */
const MAX_ODP_NESTED = 32;

type Members = ReadonlyMap<string, readonly [FlowMember, Kind]>;

/** `{ key: [member, kind] }` as a Map: attribute and key names come from the user, and must not find Object's. */
function members(o: Readonly<Record<string, readonly [FlowMember, Kind]>>): Members {
  return new Map(Object.entries(o));
}

/** Attribute -> its `key=value` members: flow member, value kind. */
const STRUCTS: ReadonlyMap<string, Members> = new Map(
  Object.entries({
  eth: { src: [M.dlSrc, "mac"], dst: [M.dlDst, "mac"] },
  ipv4: {
    src: [M.nwSrc, "ip4"],
    dst: [M.nwDst, "ip4"],
    proto: [M.nwProto, "num"],
    tos: [M.nwTos, "num"],
    ttl: [M.nwTtl, "num"],
    frag: [M.nwFrag, "frag"],
  },
  ipv6: {
    src: [M.ipv6Src, "ip6"],
    dst: [M.ipv6Dst, "ip6"],
    label: [M.ipv6Label, "num"],
    proto: [M.nwProto, "num"],
    tclass: [M.nwTos, "num"],
    hlimit: [M.nwTtl, "num"],
    frag: [M.nwFrag, "frag"],
  },
  tcp: { src: [M.tpSrc, "num"], dst: [M.tpDst, "num"] },
  udp: { src: [M.tpSrc, "num"], dst: [M.tpDst, "num"] },
  sctp: { src: [M.tpSrc, "num"], dst: [M.tpDst, "num"] },
  icmp: { type: [M.tpSrc, "num"], code: [M.tpDst, "num"] },
  icmpv6: { type: [M.tpSrc, "num"], code: [M.tpDst, "num"] },
  arp: { sip: [M.nwSrc, "ip4"], tip: [M.nwDst, "ip4"], op: [M.nwProto, "num"], sha: [M.arpSha, "mac"], tha: [M.arpTha, "mac"] },
  nd: { target: [M.ndTarget, "ip6"], sll: [M.arpSha, "mac"], tll: [M.arpTha, "mac"] },
  tunnel: {
    tun_id: [M.tunId, "num"],
    src: [M.tunSrc, "ip4"],
    dst: [M.tunDst, "ip4"],
    ipv6_src: [M.tunIpv6Src, "ip6"],
    ipv6_dst: [M.tunIpv6Dst, "ip6"],
    tos: [XM.tunTos, "num"],
    ttl: [XM.tunTtl, "num"],
    tp_src: [XM.tunTpSrc, "num"],
    tp_dst: [XM.tunTpDst, "num"],
  },
  } satisfies Record<string, Record<string, readonly [FlowMember, Kind]>>).map(([name, m]) => [name, members(m)]),
);

/** The members of a tunnel's type-specific metadata, by the names odp-util prints them with. */
const TUNNEL_OPTIONS: ReadonlyMap<string, ReadonlyMap<string, FlowMember>> = new Map([
  ["erspan", new Map([["ver", M.tunErspanVer], ["idx", M.tunErspanIdx], ["dir", M.tunErspanDir], ["hwid", M.tunErspanHwid]])],
  ["gbp", new Map([["id", M.tunGbpId], ["flags", M.tunGbpFlags]])],
  ["gtpu", new Map([["flags", M.tunGtpuFlags], ["msgtype", M.tunGtpuMsgtype]])],
]);

/** A port number as ovs_scan's `%i` reads one whole (a sign, then hex or decimal digits). */
const ODP_PORT_NUMBER = /^[+-]?(0x[0-9a-f]+|\d+)$/i;

/** `ufid:` and a UUID (odp_ufid_from_string), and the length of the two. */
const UFID = /^ufid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const UFID_TEXT_LEN = "ufid:".length + 36;

/** The tunnel flags `flags(...)` names (FLOW_TNL_F_*). */
const TUNNEL_FLAGS: ReadonlyMap<string, number> = new Map([
  ["oam", 1 << 0],
  ["df", 1 << 1],
  ["csum", 1 << 2],
  ["key", 1 << 3],
]);

/** `flags(df|key)`, `flags(+df-csum+key)` (the masked form: `-` bits clear) or `flags(0)`: the bits set. */
function tunnelFlags(body: string): number | null {
  const n = cNumber(body);
  if (n !== null) return Number(n) & 0xffff;
  if (!/^([+-]?[a-z]+\|?)*$/.test(body)) return null;
  let v = 0;
  for (const m of body.matchAll(/([+-]?)([a-z]+)/g)) {
    const bit = TUNNEL_FLAGS.get(m[2] ?? "");
    if (bit === undefined) return null;
    if (m[1] !== "-") v |= bit;
  }
  return v;
}

/** Splits `a=1,flags(x|y),geneve(...)` at the commas outside parentheses. */
function topLevelItems(body: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      out.push(body.slice(start, i));
      start = i + 1;
    }
  }
  if (start < body.length) out.push(body.slice(start));
  return out;
}

/** Attributes whose one value is a member. */
const SCALARS: Members = members({
  skb_priority: [XM.skbPriority, "num"],
  skb_mark: [M.pktMark, "num"],
  eth_type: [M.dlType, "num"],
  ct_zone: [M.ctZone, "num"],
  ct_mark: [M.ctMark, "num"],
  ct_label: [M.ctLabel, "num"],
  recirc_id: [XM.recircId, "num"],
  dp_hash: [XM.dpHash, "num"],
});

/** mpls() keys: shift and largest value of each in the label stack entry. */
const MPLS_KEYS: ReadonlyMap<string, readonly [number, number]> = new Map<string, readonly [number, number]>([
  ["label", [12, 0xfffff]],
  ["tc", [9, 7]],
  ["ttl", [0, 0xff]],
  ["bos", [8, 1]],
]);

function value(kind: Kind, s: string): bigint | null {
  const v = s.includes("/") ? s.slice(0, s.indexOf("/")) : s;
  return scalarValue(kind, v);
}

function scalarValue(kind: Kind, v: string): bigint | null {
  switch (kind) {
    case "num":
      return cNumber(v);
    case "mac":
      return parseEthernet(v);
    case "ip4":
      return parseIpv4(v);
    case "ip6":
      return parseIpv6(v);
    case "frag": {
      const f = FRAG.get(v);
      return f === undefined ? null : BigInt(f);
    }
    case "tcpflags":
      return flagBits(v, TCP_FLAG_NAMES);
  }
}

/** `{class=C,type=T,len=L[,VALUE]}...` (odp-util's scan_geneve): each option, its value as `len` bytes. */
function parseGeneveOptions(body: string): GeneveOption[] | null {
  const out: GeneveOption[] = [];
  const re = /\{class=([^,}]+),type=([^,}]+),len=([^,}]+)(?:,([^}]*))?\}/y;
  let at = 0;
  while (at < body.length) {
    re.lastIndex = at;
    const m = re.exec(body);
    if (m === null) return null;
    const optionClass = cNumber(m[1] ?? "");
    const optionType = cNumber(m[2] ?? "");
    const len = cNumber(m[3] ?? "");
    if (optionClass === null || optionType === null || len === null || len > 124n) return null;
    const value = new Uint8Array(Number(len));
    const text = (m[4] ?? "").split("/")[0] ?? "";
    if (text !== "") {
      let v = cNumber(text);
      if (v === null) return null;
      for (let i = value.length - 1; i >= 0; i--) {
        value[i] = Number(v & 0xffn);
        v >>= 8n;
      }
    }
    out.push({ optionClass: Number(optionClass & 0xffffn), optionType: Number(optionType & 0xffn), value });
    at = re.lastIndex;
  }
  return out;
}

class Parser {
  readonly flow = new Uint32Array(XLATE_FLOW_WORDS);
  readonly mask = new Uint32Array(XLATE_FLOW_WORDS);
  readonly present = new Set<string>();
  readonly geneve: GeneveOption[] = [];
  odpInPort: number | null = null;
  dlTypeSeen = false;
  private pos = 0;
  /** VLAN headers read into the flow so far. */
  private vlans = 0;
  /** Past the vlan limit: attributes are still parsed, not applied. */
  private beyondLimit = false;

  constructor(
    private readonly s: string,
    private readonly portNames: ReadonlyMap<string, number>,
    private readonly vlanLimit: number,
  ) {}

  /**
   * Reads attributes at nesting `depth` (1: the top level, where OVS reports
   * any error, nested or not, at the start of the top-level attribute) until
   * the end, or the `)` closing an encap.
   */
  attrs(depth: number): void {
    for (;;) {
      while (this.s[this.pos] === " " || this.s[this.pos] === ",") this.pos++;
      if (this.pos >= this.s.length || (depth > 1 && this.s[this.pos] === ")")) return;
      if (depth === 1 && this.s.startsWith("ufid:", this.pos)) {
        // odp_ufid_from_string: a UUID must follow, then at most one space.
        if (!UFID.test(this.s.slice(this.pos))) throw new OdpSyntaxError(this.pos);
        this.pos += UFID_TEXT_LEN;
        if (this.s[this.pos] === " ") this.pos++;
      }
      const start = this.pos;
      try {
        this.attr(depth);
      } catch (e) {
        if (depth === 1 && e instanceof OdpSyntaxError) throw new OdpSyntaxError(start, e.tooBig);
        throw e;
      }
    }
  }

  private attr(depth: number): void {
    const start = this.pos;
    if (depth >= MAX_ODP_NESTED) throw new OdpSyntaxError(start);
    const m = /^[a-z_0-9]+\(/.exec(this.s.slice(this.pos));
    if (m === null) throw new OdpSyntaxError(start);
    const name = m[0].slice(0, -1);
    this.pos += m[0].length;
    this.present.add(name);
    if (name === "encap") {
      this.attrs(depth + 1);
      if (this.s[this.pos] !== ")") throw new OdpSyntaxError(start);
      this.pos++;
      return;
    }
    const close = name === "tunnel" ? this.matching(this.pos) : this.s.indexOf(")", this.pos);
    if (close < 0) throw new OdpSyntaxError(start);
    const body = this.s.slice(this.pos, close);
    this.pos = close + 1;
    if (!this.apply(name, body)) throw new OdpSyntaxError(start);
  }

  /** The index of the `)` closing the `(` just before `from`, or -1. */
  private matching(from: number): number {
    let depth = 1;
    for (let i = from; i < this.s.length; i++) {
      if (this.s[i] === "(") depth++;
      else if (this.s[i] === ")" && --depth === 0) return i;
    }
    return -1;
  }

  /**
   * `tunnel(tun_id=..,src=..,dst=..,tos=..,ttl=..,tp_src=..,tp_dst=..,flags(..))`: a tun_id
   * sets the key flag (its attribute's presence, odp_tun_key_from_attr); Geneve options
   * are kept for the bridge's TLV map, ERSPAN / VXLAN-GBP / GTP-U metadata set their members.
   */
  private tunnel(body: string): boolean {
    const struct = STRUCTS.get("tunnel");
    if (struct === undefined) return false;
    let flags = 0;
    let flagsMask = 0;
    let size = 0;
    for (const item of topLevelItems(body)) {
      const f = /^flags\((.*)\)$/.exec(item);
      if (f !== null) {
        const v = tunnelFlags(f[1] ?? "");
        if (v === null) return false;
        flags |= v;
        // `+df-csum` masks the flags it names; `df|key` all of them (parse_odp_flags).
        const named = [...(f[1] ?? "").matchAll(/[+-]([a-z]+)/g)].reduce((acc, x) => acc | (TUNNEL_FLAGS.get(x[1] ?? "") ?? 0), 0);
        flagsMask |= /[+-]/.test(f[1] ?? "") ? named : 0xf;
        size += 4 * [2, 4, 1].filter((bit) => (v & bit) !== 0).length;
        continue;
      }
      const g = /^geneve\((.*)\)$/.exec(item);
      if (g !== null) {
        const opts = parseGeneveOptions(g[1] ?? "");
        if (opts === null) return false;
        this.geneve.push(...opts);
        continue;
      }
      const sub = /^(erspan|gtpu|vxlan)\((.*)\)$/.exec(item);
      if (sub !== null) {
        if (!this.tunnelOptions(sub[1] ?? "", sub[2] ?? "")) return false;
        continue;
      }
      if (/^[a-z_]+\(.*\)$/.test(item)) continue;
      const eq = item.indexOf("=");
      if (eq < 0) return false;
      const k = item.slice(0, eq);
      const spec = struct.get(k);
      if (spec === undefined) continue;
      if (!this.set(spec[0], spec[1], item.slice(eq + 1))) return false;
      size += tunnelFieldSize(k);
      if (size > NL_ATTR_MAX_PAYLOAD) throw new OdpSyntaxError(this.pos, true);
      if (k === "tun_id") {
        flags |= TUNNEL_FLAGS.get("key") ?? 0;
        flagsMask |= TUNNEL_FLAGS.get("key") ?? 0;
      }
    }
    writeMember(this.flow, M.tunFlags, BigInt(flags));
    writeMember(this.mask, M.tunFlags, BigInt(flagsMask));
    return true;
  }

  /** Marks `member` matched: all its bits, or `bits` of them. */
  private exact(member: FlowMember, bits?: bigint): void {
    writeMember(this.mask, member, bits ?? (1n << BigInt(member.bits)) - 1n);
  }

  /**
   * A tunnel's type-specific metadata: `erspan(ver=1,idx=0x7)` / `erspan(ver=2,dir=1,hwid=0x7)`,
   * `vxlan(gbp(id=10,flags=0x1))`, `gtpu(flags=0x30,msgtype=255)` (odp-util's
   * scan_erspan_metadata, scan_vxlan_gbp, scan_gtpu_metadata).
   */
  private tunnelOptions(kind: string, body: string): boolean {
    if (kind === "vxlan") {
      const gbp = /^gbp\((.*)\)$/.exec(body.trim());
      return gbp !== null && this.tunnelOptions("gbp", gbp[1] ?? "");
    }
    const fields = TUNNEL_OPTIONS.get(kind);
    if (fields === undefined) return false;
    for (const item of topLevelItems(body)) {
      const eq = item.indexOf("=");
      const member = eq < 0 ? undefined : fields.get(item.slice(0, eq));
      if (member === undefined || !this.set(member, "num", item.slice(eq + 1))) return false;
    }
    return true;
  }

  private set(member: FlowMember, kind: Kind, text: string): boolean {
    const v = value(kind, text);
    if (v === null) return false;
    const width = (1n << BigInt(member.bits)) - 1n;
    writeMember(this.flow, member, v & width);
    const slash = text.indexOf("/");
    if (slash < 0) {
      this.exact(member);
      return true;
    }
    const m = kind === "frag" ? cNumber(text.slice(slash + 1)) : scalarValue(kind, text.slice(slash + 1));
    if (m === null) return false;
    this.exact(member, m & width);
    return true;
  }

  private apply(name: string, body: string): boolean {
    if (this.beyondLimit) return true;
    if (name === "in_port" && body.includes("/")) {
      // Masked: `in_port(1/0xff)` (the key's in_port is the caller's to write, as odpInPort).
      const [k = "", mk = ""] = body.split("/");
      const v = ODP_PORT_NUMBER.test(k.trim()) ? ovsScanInt(k.trim(), 32) : null;
      const mv = cNumber(mk);
      if (v === null || mv === null) return false;
      this.odpInPort = Number(v);
      this.exact(M.inPort, mv & 0xffffffffn);
      return true;
    }
    if (name === "in_port") {
      // odp-util's scan_port: ovs_scan's `%i` into a uint32 (wrapping, a sign allowed), else a port name.
      const t = body.trim();
      const v = ODP_PORT_NUMBER.test(t) ? ovsScanInt(t, 32) : this.portNames.has(body) ? BigInt(this.portNames.get(body) ?? 0) : null;
      if (v === null) return false;
      this.odpInPort = Number(v);
      this.exact(M.inPort);
      return true;
    }
    const scalar = SCALARS.get(name);
    if (scalar !== undefined) {
      const spec = scalar;
      if (name === "eth_type") this.dlTypeSeen = true;
      return this.set(spec[0], spec[1], body);
    }
    if (name === "tcp_flags" && /^[+-]/.test(body)) {
      // The masked form (parse_odp_flags): `+syn-ack` sets syn, masks both.
      let v = 0n;
      let mk = 0n;
      for (const m of body.matchAll(/([+-])([a-z]+)|(.)/g)) {
        const bit = [...TCP_FLAG_NAMES].find(([, n]) => n === m[2])?.[0];
        if (m[3] !== undefined || bit === undefined) return false;
        mk |= BigInt(bit);
        if (m[1] === "+") v |= BigInt(bit);
      }
      writeMember(this.flow, M.tcpFlags, v);
      this.exact(M.tcpFlags, mk);
      return true;
    }
    if (name === "tcp_flags") return this.set(M.tcpFlags, "tcpflags", body);
    if (name === "ct_state") {
      const v = flagBits(body.split("/")[0] ?? "", CT_STATE_NAMES);
      if (v === null) return false;
      writeMember(this.flow, M.ctState, v);
      const mk = body.includes("/") ? flagBits(body.split("/")[1] ?? "", CT_STATE_NAMES) : null;
      this.exact(M.ctState, mk ?? undefined);
      return true;
    }
    if (name === "vlan") {
      let tci = VLAN_CFI;
      let tciMask = VLAN_CFI;
      for (const kv of body.split(",")) {
        const [k = "", v = ""] = kv.split("=");
        const n = cNumber(v.split("/")[0] ?? "");
        if (n === null) return false;
        if (k === "vid") {
          tci |= Number(n) & 0xfff;
          tciMask |= 0xfff;
        } else if (k === "pcp") {
          tci |= (Number(n) & 7) << 13;
          tciMask |= 0xe000;
        } else if (k === "cfi") tci = Number(n) !== 0 ? tci | VLAN_CFI : tci & ~VLAN_CFI;
        else if (k !== "tpid") return false;
      }
      if (this.vlans >= this.vlanLimit) {
        this.beyondLimit = true;
        return true;
      }
      const i = this.vlans++;
      writeMember(this.flow, i === 0 ? M.vlanTci : M.vlanTci1, BigInt(tci));
      writeMember(this.mask, i === 0 ? M.vlanTci : M.vlanTci1, BigInt(tciMask));
      // The eth_type before was the TPID; the encap's eth_type is the packet's.
      writeMember(this.flow, i === 0 ? XM.vlanTpid : XM.vlanTpid1, this.dlTypeSeen ? BigInt(readSmall(this.flow, M.dlType)) : 0n);
      this.dlTypeSeen = false;
      writeMember(this.flow, M.dlType, 0n);
      return true;
    }
    if (name === "mpls") return this.mpls(body);
    if (name === "packet_type") return /^ns=0(\/0x[0-9a-f]+|\/\d+)?,id=0(\/0x[0-9a-f]+|\/\d+)?$/i.test(body);
    if (name === "tunnel") return this.tunnel(body);
    const struct = STRUCTS.get(name);
    if (struct === undefined) return false;
    for (const kv of body === "" ? [] : body.split(",")) {
      const eq = kv.indexOf("=");
      if (eq < 0) return false;
      const spec = struct.get(kv.slice(0, eq));
      if (spec === undefined) {
        if (name === "tunnel") continue;
        return false;
      }
      if (!this.set(spec[0], spec[1], kv.slice(eq + 1))) return false;
    }
    return true;
  }

  /**
   * `mpls(label=N,tc=N,ttl=N,bos=N,...)`: OVS's SCAN_BEGIN_ARRAY reads
   * fields into one entry until a field repeats, which starts the next; a
   * fourth entry is an error. Entries not given stay zero.
   */
  private mpls(body: string): boolean {
    const lses = [0, 0, 0];
    let idx = 0;
    let seen = new Set<string>();
    for (const kv of body === "" ? [] : body.split(",")) {
      const eq = kv.indexOf("=");
      const spec = eq < 0 ? undefined : MPLS_KEYS.get(kv.slice(0, eq));
      if (spec === undefined) return false;
      const field = kv.slice(0, eq);
      if (seen.has(field)) {
        seen = new Set<string>();
        if (++idx === FLOW_MAX_MPLS_LABELS) return false;
      }
      seen.add(field);
      // OVS's scan_be32_bf: a value wider than its field does not scan.
      const v = value("num", kv.slice(eq + 1));
      if (v === null || v > BigInt(spec[1])) return false;
      lses[idx] = ((lses[idx] ?? 0) | (Number(v) << spec[0])) >>> 0;
    }
    lses.forEach((lse, i) => {
      const member = [M.mplsLse, M.mplsLse1, M.mplsLse2][i]!;
      writeMember(this.flow, member, BigInt(lse));
      if (i <= idx) this.exact(member);
    });
    return true;
  }

  syntaxErrorAt(at: number): string {
    return `syntax error at ${this.s.slice(at)}`;
  }
}

/**
 * Parses `s`; datapath port names (`in_port(p1)`) come from `portNames`;
 * `vlanLimit` VLAN headers at most are read (other_config:vlan-limit).
 * Errors read as OVS's ("syntax error at <rest of the string>").
 */
export function parseOdpFlow(s: string, portNames: ReadonlyMap<string, number>, vlanLimit: number = MAX_VLAN_HEADERS): OdpFlowResult {
  const p = new Parser(s, portNames, vlanLimit);
  try {
    p.attrs(1);
  } catch (e) {
    if (e instanceof OdpSyntaxError) return { ok: false, error: p.syntaxErrorAt(e.at), errno: e.tooBig ? "Argument list too long" : "Invalid argument" };
    throw e;
  }
  if (!p.dlTypeSeen) writeMember(p.flow, M.dlType, BigInt(FLOW_DL_TYPE_NONE));
  // odp_flow_key_to_mask: recirc_id not given is matched exactly.
  if (!p.present.has("recirc_id")) writeMember(p.mask, XM.recircId, 0xffffffffn);
  return { ok: true, flow: p.flow, odpInPort: p.odpInPort, geneve: p.geneve, mask: p.mask, present: p.present };
}
