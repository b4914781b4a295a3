/**
 * Matches over the field registry (src/flowtable/fields.ts) with OVS's
 * prerequisites honoured: a match first picks its protocol (`tcp`, `arp`,
 * `udp6`, ... or none), then any subset of the fields whose registry
 * prerequisite that protocol meets (`prereqOk` on the protocol's key, the
 * check ovs-ofctl itself runs), so `tp_dst` only comes with tcp/udp/sctp,
 * `nw_src` only with ip, `arp_tpa` only with arp.
 *
 * Values are realistic and collide on purpose: they come from a Universe's
 * pools (see universe.ts), IPv4 fields sometimes as a CIDR prefix of a pool
 * address. Each field keeps, beside the text it is matched with, a value a
 * packet can carry to satisfy it (`packet`), which is how packet-arbitraries
 * makes packets that hit a pipeline's own flows.
 *
 * Which fields: the registry's header fields a packet carries on the wire
 * (Ethernet, VLAN, IPv4/IPv6, ARP, L4 ports, ICMP) and, on request, the
 * pipeline metadata a table sets for a later one (reg0-reg3, metadata).
 * Aliases that view the same bits as a field kept here (nw_tos beside
 * ip_dscp, vlan_tci beside dl_vlan) are left out so that a match never sets
 * a bit twice; tunnel, conntrack and MPLS fields need their own topologies.
 */
import fc from "fast-check";
import type { FieldSpec } from "../flowtable/fields.js";
import { allFields } from "../flowtable/fields.js";
import { FLOW_WORDS, M, writeMember } from "../flowtable/flow-layout.js";
import { prereqOk } from "../flowtable/prereqs.js";
import { PROTOCOL_SHORTHANDS } from "../flowtable/protocols.js";
import type { Universe } from "./universe.js";
import { DEFAULT_UNIVERSE } from "./universe.js";

/** One matched field: its registry name, the text it is matched with, and a value a packet can carry to satisfy it. */
export interface MatchField {
  readonly field: string;
  readonly text: string;
  readonly packet: string;
}

/** A match: a protocol shorthand (`tcp`, `arp`...; null for any) and fields, `in_port` first when present. */
export interface MatchSpec {
  readonly protocol: string | null;
  readonly fields: readonly MatchField[];
}

/** The protocols matches are drawn from (null: no protocol, any frame), most common first. */
export const MATCH_PROTOCOLS: readonly (string | null)[] = [null, "ip", "tcp", "udp", "arp", "icmp", "ipv6", "tcp6", "udp6", "icmp6", "sctp"];

export interface MatchOptions {
  /** OpenFlow ports `in_port` may take (none: in_port is never matched). */
  readonly ports?: readonly number[];
  /** Pools of values (DEFAULT_UNIVERSE). */
  readonly universe?: Universe;
  /** Protocols to draw from (MATCH_PROTOCOLS). */
  readonly protocols?: readonly (string | null)[];
  /** Also match reg0-reg3 and metadata (values 0-3), as tables after the first do. */
  readonly metadata?: boolean;
  /** Most fields besides the protocol and in_port (3). */
  readonly maxFields?: number;
}

/** Pipeline metadata fields, matched only with `metadata: true`. */
export const METADATA_FIELDS: readonly string[] = ["reg0", "reg1", "reg2", "reg3", "metadata"];

type ValueArb = (u: Universe) => fc.Arbitrary<readonly [text: string, packet: string]>;

const exact = (a: fc.Arbitrary<string | number>): fc.Arbitrary<readonly [string, string]> => a.map((v) => [String(v), String(v)] as const);
const ints = (...v: number[]): fc.Arbitrary<readonly [string, string]> => exact(fc.constantFrom(...v));

function ipv4Prefix(addr: string, len: number): string {
  if (len === 32) return addr;
  const n = addr.split(".").reduce((a, o) => (a << 8) | Number(o), 0) >>> 0;
  const m = len === 0 ? 0 : (n & (~0 << (32 - len))) >>> 0;
  return `${[m >>> 24, (m >>> 16) & 255, (m >>> 8) & 255, m & 255].join(".")}/${len}`;
}

const ipv4: ValueArb = (u) =>
  fc.tuple(fc.constantFrom(...u.ipv4), fc.constantFrom(32, 32, 24, 16)).map(([a, len]) => [ipv4Prefix(a, len), a] as const);
const mac: ValueArb = (u) => exact(fc.constantFrom(...u.macs));
const l4: ValueArb = (u) => exact(fc.constantFrom(...u.l4Ports));

/**
 * The fields matches use, by registry name, with their realistic values. A
 * registry field missing here is never generated; a name here missing from
 * the registry fails at load (below), so the table cannot rot.
 */
const VALUES: ReadonlyMap<string, ValueArb> = new Map<string, ValueArb>([
  ["eth_src", mac],
  ["eth_dst", mac],
  ["dl_vlan", (u) => exact(fc.constantFrom(...u.vlans))],
  ["dl_vlan_pcp", () => ints(0, 3, 7)],
  ["ip_src", ipv4],
  ["ip_dst", ipv4],
  ["ipv6_src", (u) => exact(fc.constantFrom(...u.ipv6))],
  ["ipv6_dst", (u) => exact(fc.constantFrom(...u.ipv6))],
  ["ip_dscp", () => ints(0, 10, 46)],
  ["nw_ecn", () => ints(0, 1, 3)],
  ["nw_ttl", () => ints(64, 1, 255)],
  ["arp_op", () => ints(1, 2)],
  ["arp_spa", ipv4],
  ["arp_tpa", ipv4],
  ["arp_sha", mac],
  ["arp_tha", mac],
  ["tcp_src", l4],
  ["tcp_dst", l4],
  ["udp_src", l4],
  ["udp_dst", l4],
  ["sctp_src", l4],
  ["sctp_dst", l4],
  ["icmp_type", () => ints(8, 0, 3)],
  ["icmp_code", () => ints(0, 1)],
  ["icmpv6_type", () => ints(128, 129)],
  ["icmpv6_code", () => ints(0)],
  ["reg0", () => ints(0, 1, 2, 3)],
  ["reg1", () => ints(0, 1, 2, 3)],
  ["reg2", () => ints(0, 1, 2, 3)],
  ["reg3", () => ints(0, 1, 2, 3)],
  ["metadata", () => ints(0, 1, 2, 3)],
]);

const REGISTRY: ReadonlyMap<string, FieldSpec> = new Map(allFields().map((f) => [f.name, f]));
for (const name of VALUES.keys()) if (!REGISTRY.has(name)) throw new Error(`match-arbitraries: ${name} is not a field of the registry`);

/** A flow key with only `protocol`'s dl_type / nw_proto set (what prerequisites look at). */
function protocolKey(protocol: string | null): Uint32Array {
  const key = new Uint32Array(FLOW_WORDS);
  if (protocol === null) return key;
  const p = PROTOCOL_SHORTHANDS.get(protocol);
  if (p === undefined) throw new RangeError(`matches: unknown protocol ${protocol}`);
  writeMember(key, M.dlType, BigInt(p.dlType));
  writeMember(key, M.nwProto, BigInt(p.nwProto));
  return key;
}

/** The registry fields a match with `protocol` may set: those whose prerequisite it meets. */
export function fieldsFor(protocol: string | null, metadata = false): FieldSpec[] {
  const key = protocolKey(protocol);
  const out: FieldSpec[] = [];
  for (const [name, f] of REGISTRY) {
    if (!VALUES.has(name) || (!metadata && METADATA_FIELDS.includes(name))) continue;
    if (prereqOk(f.prereq, key)) out.push(f);
  }
  return out;
}

function fieldArb(f: FieldSpec, u: Universe): fc.Arbitrary<MatchField> {
  const v = VALUES.get(f.name);
  if (v === undefined) throw new Error(`match-arbitraries: no values for ${f.name}`);
  return v(u).map(([text, packet]) => ({ field: f.name, text, packet }));
}

/** Matches as MatchSpec: a protocol, then fields whose prerequisites it meets (see the module comment). */
export function matches(options: MatchOptions = {}): fc.Arbitrary<MatchSpec> {
  const u = options.universe ?? DEFAULT_UNIVERSE;
  const protocols = options.protocols ?? MATCH_PROTOCOLS;
  const maxFields = options.maxFields ?? 3;
  const ports = options.ports ?? [];
  const inPort = ports.length === 0 ? fc.constant(undefined) : fc.option(fc.constantFrom(...ports), { nil: undefined });
  return fc.tuple(fc.constantFrom(...protocols), inPort).chain(([protocol, port]) => {
    const fields = fieldsFor(protocol, options.metadata ?? false).map((f) => fieldArb(f, u));
    const picked = fields.length === 0 ? fc.constant<MatchField[]>([]) : fc.uniqueArray(fc.oneof(...fields), { maxLength: maxFields, selector: (m) => m.field });
    return picked.map((fs): MatchSpec => ({
      protocol,
      fields: [...(port === undefined ? [] : [{ field: "in_port", text: String(port), packet: String(port) }]), ...fs],
    }));
  });
}

/** The match as ovs-ofctl writes it: `in_port=1,tcp,tcp_dst=80` ("" for the empty match). */
export function matchText(m: MatchSpec): string {
  const parts: string[] = [];
  const inPort = m.fields.find((f) => f.field === "in_port");
  if (inPort !== undefined) parts.push(`in_port=${inPort.text}`);
  if (m.protocol !== null) parts.push(m.protocol);
  for (const f of m.fields) if (f.field !== "in_port") parts.push(`${f.field}=${f.text}`);
  return parts.join(",");
}
