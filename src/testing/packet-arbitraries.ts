/**
 * Packets for a pipeline, as flows and as bytes, derived from the pipeline's
 * own matches so that they hit: a packet picks one of the pipeline's flows
 * (or, now and then, none) and carries the values that flow matches on
 * (each MatchField's `packet` value: a pool address inside a matched CIDR,
 * the matched port), on top of a realistic frame of the same protocol drawn
 * from the Universe. Matches on registers and metadata cannot be carried by
 * a packet; earlier tables' `load`s set them.
 *
 * A packet is an exact flow in ovs-ofctl syntax (`in_port=1,eth_src=...,tcp,
 * ip_src=...`), which `Switch.trace` and `ofproto/trace` take as it is, and
 * `packetBytes` composes the frame a dummy port receives (OVS's flow_compose).
 */
import fc from "fast-check";
import { parseExactFlow } from "../flowtable/exact-flow-parse.js";
import { flowCompose } from "../datapath/packet/compose.js";
import type { MatchSpec } from "./match-arbitraries.js";
import { METADATA_FIELDS } from "./match-arbitraries.js";
import type { FlowSpec, Pipeline } from "./pipeline.js";
import { entryPorts } from "./pipeline.js";
import { TestingError } from "./testing-error.js";
import type { Universe } from "./universe.js";
import { DEFAULT_UNIVERSE } from "./universe.js";

/** A packet entering `bridge` by dummy port `port` (OpenFlow port `ofport`); `flow` is its exact flow, in_port first. */
export interface PacketSpec {
  readonly bridge: string;
  readonly port: string;
  readonly ofport: number;
  readonly flow: string;
  /** The flow whose match it carries (null: a random packet). */
  readonly aimedAt: FlowSpec | null;
}

/** Protocols of packets whose target match names none. */
export const PACKET_PROTOCOLS: readonly string[] = ["tcp", "udp", "arp", "icmp", "ip", "tcp6", "udp6", "icmp6"];

const L4_NAMES: ReadonlyMap<string, string> = new Map([
  ["tcp", "tcp"],
  ["udp", "udp"],
  ["sctp", "sctp"],
  ["tcp6", "tcp"],
  ["udp6", "udp"],
  ["sctp6", "sctp"],
]);

/**
 * A packet before it meets a pipeline: indexes into the pipeline's flows and
 * ports and into the Universe's pools, resolved modulo their lengths. Steps
 * of a case are generated as these, independently of the pipeline, so that
 * fast-check shrinks the pipeline and the packets separately (a packet chained
 * on its pipeline would be regenerated, and lost, at each shrink of it).
 */
export interface PacketChoice {
  /** The flow aimed at (index into the pipeline's flows), or null for a random packet. */
  readonly target: number | null;
  readonly entry: number;
  readonly protocol: number;
  readonly vlan: number;
  readonly src: number;
  readonly dst: number;
  readonly ip: readonly [number, number];
  readonly l4: readonly [number, number];
}

/** Packet choices (see PacketChoice); one in `randomEvery` (5) aims at no flow. */
export function packetChoices(randomEvery = 5): fc.Arbitrary<PacketChoice> {
  const n = fc.nat({ max: 1000 });
  return fc.record({
    target: fc.option(n, { nil: null, freq: Math.max(1, randomEvery) }),
    entry: n,
    protocol: n,
    vlan: n,
    src: n,
    dst: n,
    ip: fc.tuple(n, n),
    l4: fc.tuple(n, n),
  });
}

const pick = <T>(list: readonly T[], i: number): T => {
  const v = list[i % list.length];
  if (v === undefined) throw new TestingError("packets: an empty pool");
  return v;
};

/** A realistic frame of `protocol`: its fields in the order an exact flow needs them (L2, then L3, then L4). */
function frame(protocol: string, u: Universe, c: PacketChoice): Array<[string, string]> {
  const srcMacs = u.macs.length > 1 ? u.macs.slice(0, -1) : u.macs;
  const src = pick(srcMacs, c.src);
  const dst = pick(u.macs, c.dst);
  const l4 = L4_NAMES.get(protocol);
  const v6proto = protocol === "ipv6" || protocol === "ip6" || protocol.endsWith("6");
  const out: Array<[string, string]> = [["eth_src", src], ["eth_dst", dst]];
  if (protocol === "arp") {
    out.push(["arp_op", "1"], ["arp_spa", pick(u.ipv4, c.ip[0])], ["arp_tpa", pick(u.ipv4, c.ip[1])], ["arp_sha", src], ["arp_tha", "00:00:00:00:00:00"]);
    return out;
  }
  if (v6proto) out.push(["ipv6_src", pick(u.ipv6, c.ip[0])], ["ipv6_dst", pick(u.ipv6, c.ip[1])], ["nw_ttl", "64"]);
  else out.push(["ip_src", pick(u.ipv4, c.ip[0])], ["ip_dst", pick(u.ipv4, c.ip[1])], ["nw_ttl", "64"]);
  // Plain IPv6 says "no next header" (59): next header 0 would be a hop-by-hop header the frame lacks.
  if (protocol === "ipv6" || protocol === "ip6") out.push(["nw_proto", "59"]);
  if (l4 !== undefined) out.push([`${l4}_src`, String(pick(u.l4Ports, c.l4[0]))], [`${l4}_dst`, String(pick(u.l4Ports, c.l4[1]))]);
  if (protocol === "icmp") out.push(["icmp_type", "8"], ["icmp_code", "0"]);
  if (protocol === "icmp6") out.push(["icmpv6_type", "128"], ["icmpv6_code", "0"]);
  return out;
}

/** The exact flow text of a packet on `ofport` with `protocol`, frame fields `base`, overridden by what `target` matches. */
function packetFlow(ofport: number, protocol: string, base: ReadonlyArray<[string, string]>, target: MatchSpec | null, vlan: number): string {
  const values = new Map(base);
  const vlanFields = new Map<string, string>();
  for (const f of target?.fields ?? []) {
    if (f.field === "in_port" || METADATA_FIELDS.includes(f.field)) continue;
    if (f.field === "dl_vlan" || f.field === "dl_vlan_pcp") vlanFields.set(f.field, f.packet);
    else values.set(f.field, f.packet);
  }
  if (vlanFields.has("dl_vlan_pcp") && !vlanFields.has("dl_vlan")) vlanFields.set("dl_vlan", String(vlan));
  const l2 = ["eth_src", "eth_dst"].map((k) => `${k}=${values.get(k) ?? ""}`);
  const vlans = ["dl_vlan", "dl_vlan_pcp"].filter((k) => vlanFields.has(k)).map((k) => `${k}=${vlanFields.get(k) ?? ""}`);
  const rest = [...values].filter(([k]) => k !== "eth_src" && k !== "eth_dst").map(([k, v]) => `${k}=${v}`);
  return [`in_port=${ofport}`, ...l2, ...vlans, protocol, ...rest].join(",");
}

export interface PacketOptions {
  readonly universe?: Universe;
  /** Share of packets aimed at no flow (1 in this many; 5). */
  readonly randomEvery?: number;
}

/** The packet `c` chooses for pipeline `p` (which must have a dummy port). */
export function resolvePacket(p: Pipeline, c: PacketChoice, u: Universe = DEFAULT_UNIVERSE): PacketSpec {
  const entries = entryPorts(p);
  if (entries.length === 0) throw new TestingError("packets: the pipeline has no dummy port to receive packets on");
  // Table 0 flows count twice: every packet starts there, so what they match decides the most.
  const aimable = [...p.flows.filter((f) => f.table === 0), ...p.flows];
  const aimedAt = c.target === null || aimable.length === 0 ? null : pick(aimable, c.target);
  const t: MatchSpec | null = aimedAt?.match ?? null;
  const protocol = t?.protocol ?? pick(PACKET_PROTOCOLS, c.protocol);
  // Enter where the target flow sees the packet: its in_port if that is a dummy port of its bridge, else any port of its bridge.
  const onBridge = aimedAt === null ? entries : entries.filter((e) => e.bridge === aimedAt.bridge);
  const inPort = t?.fields.find((f) => f.field === "in_port")?.packet;
  const e = onBridge.find((x) => String(x.port.ofport) === inPort) ?? pick(onBridge.length > 0 ? onBridge : entries, c.entry);
  const flow = packetFlow(e.port.ofport, protocol, frame(protocol, u, c), t, pick(u.vlans, c.vlan));
  return { bridge: e.bridge, port: e.port.name, ofport: e.port.ofport, flow, aimedAt };
}

/** Packets for `p` (see the module comment); `p` must have a dummy port. */
export function packets(p: Pipeline, o: PacketOptions = {}): fc.Arbitrary<PacketSpec> {
  const u = o.universe ?? DEFAULT_UNIVERSE;
  if (entryPorts(p).length === 0) throw new TestingError("packets: the pipeline has no dummy port to receive packets on");
  return packetChoices(o.randomEvery).map((c) => resolvePacket(p, c, u));
}

/** The frame of `packet` (OVS's flow_compose of its flow), for Switch.receive or netdev-dummy/receive. */
export function packetBytes(packet: Pick<PacketSpec, "flow">): Uint8Array {
  const r = parseExactFlow(packet.flow);
  if (!r.ok) throw new TestingError(`packetBytes: ${r.error}`);
  const pkt = flowCompose(r.key);
  return pkt.bytes.slice(0, pkt.size);
}

/** The pool each varied field takes its values from. */
function poolOf(field: string, u: Universe): readonly string[] | undefined {
  if (field === "eth_src" || field === "eth_dst") return u.macs;
  if (field === "ip_src" || field === "ip_dst" || field === "arp_spa" || field === "arp_tpa") return u.ipv4;
  if (field === "ipv6_src" || field === "ipv6_dst") return u.ipv6;
  if (/^(tcp|udp|sctp)_(src|dst)$/.test(field)) return u.l4Ports.map(String);
  if (field === "dl_vlan") return u.vlans.map(String);
  return undefined;
}

/**
 * `p` with one header value changed: the `which`-th of its fields that have a
 * pool (addresses, L4 ports, VLAN), modulo their number, set to the pool's
 * `value`-th entry. A sibling of a packet that differs in one field is what
 * finds a megaflow whose mask forgot that field.
 */
export function varyPacket(p: PacketSpec, which: number, value: number, u: Universe = DEFAULT_UNIVERSE): PacketSpec {
  const parts = p.flow.split(",");
  const varying = parts.map((kv, i) => [i, kv.split("=")[0] ?? ""] as const).filter(([, k]) => poolOf(k, u) !== undefined);
  if (varying.length === 0) return p;
  const [i, k] = pick(varying, which);
  parts[i] = `${k}=${pick(poolOf(k, u) ?? [], value)}`;
  return { ...p, flow: parts.join(",") };
}
