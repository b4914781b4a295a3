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
 *   ct_state(FLAGS) ct_zone(N) ct_mark(N) tunnel(tun_id=N,src=IP,dst=IP,...)
 *   mpls(label=N,tc=N,ttl=N,bos=N[,label=N,...]) (up to three entries)
 *
 * Values may carry a `/mask` (ignored: a trace needs the key). The result is a
 * translation flow whose in_port is still the *datapath* port number; the
 * caller maps it to a bridge and OpenFlow port (xlate_lookup_ofproto).
 * Without `eth_type` the flow's dl_type is 0x05ff (OVS's FLOW_DL_TYPE_NONE).
 *
 * Not modelled: packet_type for flows without `eth()` (read as Ethernet),
 * NSH, Geneve options, ct tuple fields, odp_flow_key_to_flow's MPLS checks
 * (a BOS bit above the innermost entry is an error there).
 */
import { XLATE_FLOW_WORDS, XM } from "../actions/xlate/odp-metadata.js";
import { parseEthernet, parseIpv4, parseIpv6 } from "../flowtable/field-values.js";
import type { FlowMember } from "../flowtable/flow-layout.js";
import { FLOW_MAX_MPLS_LABELS, M, writeMember } from "../flowtable/flow-layout.js";
import { CT_STATE_NAMES, TCP_FLAG_NAMES } from "../flowtable/flag-names.js";

export type OdpFlowResult =
  | { readonly ok: true; readonly flow: Uint32Array; readonly odpInPort: number | null }
  | { readonly ok: false; readonly error: string };

const FLOW_DL_TYPE_NONE = 0x05ff;
const VLAN_CFI = 0x1000;

class OdpSyntaxError extends Error {
  constructor(readonly at: number) {
    super("syntax error");
  }
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

/** Attribute -> its `key=value` members: flow member, value kind. */
const STRUCTS: Readonly<Record<string, Readonly<Record<string, readonly [FlowMember, Kind]>>>> = {
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
  tunnel: { tun_id: [M.tunId, "num"], src: [M.tunSrc, "ip4"], dst: [M.tunDst, "ip4"] },
};

/** Attributes whose one value is a member. */
const SCALARS: Readonly<Record<string, readonly [FlowMember, Kind] | null>> = {
  skb_priority: [XM.skbPriority, "num"],
  skb_mark: [M.pktMark, "num"],
  eth_type: [M.dlType, "num"],
  ct_zone: [M.ctZone, "num"],
  ct_mark: [M.ctMark, "num"],
  recirc_id: [XM.recircId, "num"],
  dp_hash: [XM.dpHash, "num"],
};

function value(kind: Kind, s: string): bigint | null {
  const v = s.includes("/") ? s.slice(0, s.indexOf("/")) : s;
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

class Parser {
  readonly flow = new Uint32Array(XLATE_FLOW_WORDS);
  odpInPort: number | null = null;
  dlTypeSeen = false;
  private pos = 0;

  constructor(
    private readonly s: string,
    private readonly portNames: ReadonlyMap<string, number>,
  ) {}

  /** Reads attributes until the end (or a `)` closing an encap). */
  attrs(nested: boolean): void {
    for (;;) {
      while (this.s[this.pos] === " " || this.s[this.pos] === ",") this.pos++;
      if (this.pos >= this.s.length || (nested && this.s[this.pos] === ")")) return;
      this.attr();
    }
  }

  private attr(): void {
    const start = this.pos;
    const m = /^[a-z_0-9]+\(/.exec(this.s.slice(this.pos));
    if (m === null) throw new OdpSyntaxError(start);
    const name = m[0].slice(0, -1);
    this.pos += m[0].length;
    if (name === "encap") {
      this.attrs(true);
      if (this.s[this.pos] !== ")") throw new OdpSyntaxError(start);
      this.pos++;
      return;
    }
    const close = this.s.indexOf(")", this.pos);
    if (close < 0) throw new OdpSyntaxError(start);
    const body = this.s.slice(this.pos, close);
    this.pos = close + 1;
    if (!this.apply(name, body)) throw new OdpSyntaxError(start);
  }

  private set(member: FlowMember, kind: Kind, text: string): boolean {
    const v = value(kind, text);
    if (v === null) return false;
    writeMember(this.flow, member, v & ((1n << BigInt(member.bits)) - 1n));
    return true;
  }

  private apply(name: string, body: string): boolean {
    if (name === "in_port") {
      const v = cNumber(body) ?? (this.portNames.has(body) ? BigInt(this.portNames.get(body) ?? 0) : null);
      if (v === null) return false;
      this.odpInPort = Number(v);
      return true;
    }
    if (name in SCALARS) {
      const spec = SCALARS[name];
      if (spec === undefined) return false;
      if (spec === null) return cNumber(body.split("/")[0] ?? "") !== null;
      if (name === "eth_type") this.dlTypeSeen = true;
      return this.set(spec[0], spec[1], body);
    }
    if (name === "tcp_flags") return this.set(M.tcpFlags, "tcpflags", body);
    if (name === "ct_state") {
      const v = flagBits(body.split("/")[0] ?? "", CT_STATE_NAMES);
      if (v === null) return false;
      writeMember(this.flow, M.ctState, v);
      return true;
    }
    if (name === "vlan") {
      let tci = VLAN_CFI;
      for (const kv of body.split(",")) {
        const [k = "", v = ""] = kv.split("=");
        const n = cNumber(v.split("/")[0] ?? "");
        if (n === null) return false;
        if (k === "vid") tci |= Number(n) & 0xfff;
        else if (k === "pcp") tci |= (Number(n) & 7) << 13;
        else if (k === "cfi") tci = Number(n) !== 0 ? tci | VLAN_CFI : tci & ~VLAN_CFI;
        else if (k !== "tpid") return false;
      }
      writeMember(this.flow, M.vlanTci, BigInt(tci));
      // The outer eth_type was the TPID; the encap's eth_type is the packet's.
      this.dlTypeSeen = false;
      writeMember(this.flow, M.dlType, 0n);
      return true;
    }
    if (name === "mpls") return this.mpls(body);
    const struct = STRUCTS[name];
    if (struct === undefined) return false;
    for (const kv of body === "" ? [] : body.split(",")) {
      const eq = kv.indexOf("=");
      if (eq < 0) return false;
      const spec = struct[kv.slice(0, eq)];
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
    const shifts: Readonly<Record<string, readonly [number, number]>> = { label: [12, 0xfffff], tc: [9, 7], ttl: [0, 0xff], bos: [8, 1] };
    const lses = [0, 0, 0];
    let idx = 0;
    let seen = new Set<string>();
    for (const kv of body === "" ? [] : body.split(",")) {
      const eq = kv.indexOf("=");
      const spec = eq < 0 ? undefined : shifts[kv.slice(0, eq)];
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
    lses.forEach((lse, i) => writeMember(this.flow, [M.mplsLse, M.mplsLse1, M.mplsLse2][i]!, BigInt(lse)));
    return true;
  }

  syntaxErrorAt(at: number): string {
    return `syntax error at ${this.s.slice(at)}`;
  }
}

/**
 * Parses `s`; datapath port names (`in_port(p1)`) come from `portNames`.
 * Errors read as OVS's ("syntax error at <rest of the string>").
 */
export function parseOdpFlow(s: string, portNames: ReadonlyMap<string, number>): OdpFlowResult {
  const p = new Parser(s, portNames);
  try {
    p.attrs(false);
  } catch (e) {
    if (e instanceof OdpSyntaxError) return { ok: false, error: p.syntaxErrorAt(e.at) };
    throw e;
  }
  if (!p.dlTypeSeen) writeMember(p.flow, M.dlType, BigInt(FLOW_DL_TYPE_NONE));
  return { ok: true, flow: p.flow, odpInPort: p.odpInPort };
}
