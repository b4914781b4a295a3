/**
 * A property of the openvswitch firewall on packets against a simple model
 * of security groups: for random ingress rule sets of one group (protocols,
 * port ranges, remote prefixes, remote groups) and random packets from two
 * clients, a packet reaches the server's VM exactly when the model says
 * some rule allows it.
 *
 * The model is Neutron's documented semantics, nothing of the firewall's
 * flows: an IPv4 packet is allowed in when a rule of the port's groups has
 * direction ingress, ethertype IPv4, its protocol (or none), its port range
 * containing the destination port (TCP/UDP; a rule without a range takes
 * every port), a remote prefix containing the source (or none) and a remote
 * group with the source among its members' addresses (or none).
 *
 * One cloud serves every run (a server on hv2, one client on each host, the
 * server's group rewritten by `update_security_group` each run); every packet
 * is a new connection (a fresh source port, a fresh echo id), so earlier
 * runs' conntrack entries never decide a later verdict.
 *
 * The last test plants the bug the property guards against (the firewall
 * handed each range one port short, as an off-by-one in port_rule_masking
 * would do) and shows the property finds it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCloudFile } from "../../src/cloud/cloud-file.js";
import type { Cloud } from "../../src/cloud/cloud.js";
import { ping, send, sgCloud, sgFile } from "./security-groups-support.js";
import type { Rule } from "./security-groups-support.js";
import { propertyRuns } from "../../src/testing/runs.js";

const C1 = "c1000000-0000-4000-8000-000000000011"; // hv1, group client, 10.0.0.11
const C2 = "c2000000-0000-4000-8000-000000000012"; // hv2, group other, 10.0.0.12
const S = "5e000000-0000-4000-8000-000000000020"; // hv2, group server, 10.0.0.20
const CLIENTS = [
  { id: C1, ip: "10.0.0.11", group: "client" },
  { id: C2, ip: "10.0.0.12", group: "other" },
] as const;
const EGRESS_ALL: Rule = { direction: "egress", ethertype: "IPv4" };

interface ModelRule {
  readonly protocol: "tcp" | "udp" | "icmp" | null;
  readonly range: readonly [number, number] | null;
  readonly prefix: string | null;
  readonly remoteGroup: "client" | "other" | null;
}

interface Pkt {
  readonly from: 0 | 1;
  readonly proto: "tcp" | "udp" | "icmp";
  readonly dport: number;
}

const ruleArb: fc.Arbitrary<ModelRule> = fc
  .record({
    protocol: fc.constantFrom("tcp", "tcp", "udp", "udp", "icmp", null),
    lo: fc.integer({ min: 20, max: 26 }),
    len: fc.integer({ min: 0, max: 4 }),
    ranged: fc.constantFrom(true, true, true, false),
    remote: fc.constantFrom("none", "none", "none", "none", "10.0.0.0/24", "10.0.0.11/32", "10.0.0.12/32", "10.0.0.8/30", "192.0.2.0/24", "group:client", "group:other"),
  })
  .map(({ protocol, lo, len, ranged, remote }) => ({
    protocol,
    range: ranged && (protocol === "tcp" || protocol === "udp") ? ([lo, lo + len] as const) : null,
    prefix: remote.includes("/") ? remote : null,
    remoteGroup: remote === "group:client" ? "client" : remote === "group:other" ? "other" : null,
  }));

const fromArb = fc.constantFrom(0 as const, 1 as const);

/** Packets of any protocol to any port, or often aimed at a rule: its protocol, the edges of its range (one below, the ends, one above). */
function pktArb(rules: readonly ModelRule[]): fc.Arbitrary<Pkt> {
  const any = fc.record({ from: fromArb, proto: fc.constantFrom("tcp" as const, "udp" as const, "icmp" as const), dport: fc.integer({ min: 19, max: 31 }) });
  const aimed = rules.flatMap((r) =>
    r.range === null || r.protocol === null || r.protocol === "icmp"
      ? []
      : [fc.record({ from: fromArb, proto: fc.constant(r.protocol), dport: fc.constantFrom(r.range[0] - 1, r.range[0], r.range[1], r.range[1] + 1) })],
  );
  return aimed.length === 0 ? any : fc.oneof(any, ...aimed);
}

function ipWord(ip: string): number {
  return ip.split(".").reduce((a, p) => a * 256 + Number(p), 0);
}

function inPrefix(ip: string, prefix: string): boolean {
  const [net = "", len = "32"] = prefix.split("/");
  const bits = Number(len);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((ipWord(ip) & mask) >>> 0) === ((ipWord(net) & mask) >>> 0);
}

/** The model: does some rule let `p` in? */
function allowed(rules: readonly ModelRule[], p: Pkt): boolean {
  const src = CLIENTS[p.from];
  return rules.some(
    (r) =>
      (r.protocol === null || r.protocol === p.proto) &&
      (r.range === null || p.proto === "icmp" || (p.dport >= r.range[0] && p.dport <= r.range[1])) &&
      (r.prefix === null || inPrefix(src.ip, r.prefix)) &&
      (r.remoteGroup === null || r.remoteGroup === src.group),
  );
}

function fileRule(r: ModelRule, shortRanges: boolean): Rule {
  const out: Record<string, unknown> = { direction: "ingress", ethertype: "IPv4" };
  if (r.protocol !== null) out["protocol"] = r.protocol;
  if (r.range !== null) {
    out["port_range_min"] = r.range[0];
    out["port_range_max"] = shortRanges && r.range[1] > r.range[0] ? r.range[1] - 1 : r.range[1];
  }
  if (r.prefix !== null) out["remote_ip_prefix"] = r.prefix;
  if (r.remoteGroup !== null) out["remote_group_id"] = r.remoteGroup;
  return out;
}

function theCloud(): Cloud {
  const c = sgCloud({ client: [EGRESS_ALL], other: [EGRESS_ALL], server: [EGRESS_ALL] }, [
    { id: C1, ip: "10.0.0.11", groups: ["client"] },
    { id: C2, ip: "10.0.0.12", groups: ["other"], host: "hv2" },
    { id: S, ip: "10.0.0.20", groups: ["server"], host: "hv2" },
  ]);
  // ARP both ways (the firewall passes ARP); the echo requests themselves are refused for now
  for (const cl of CLIENTS) {
    ping(c, cl.id, "10.0.0.20");
    ping(c, S, cl.ip);
  }
  return c;
}

let sport = 30000;

/** Sets the server's group to `rules` (as the firewall gets them) and sends `pkts`: the verdicts, in order. */
function delivered(c: Cloud, rules: readonly Rule[], pkts: readonly Pkt[]): boolean[] {
  const file = sgFile({ client: [], other: [], server: [] }, []);
  const step = parseCloudFile({ ...file, steps: [{ op: "update_security_group", security_group: "server", rules: [EGRESS_ALL, ...rules] }] }).steps[0];
  if (step === undefined || !c.step(step)) throw new Error("update_security_group failed");
  return pkts.map((p) => {
    const from = CLIENTS[p.from].id;
    if (p.proto === "icmp") return ping(c, from, "10.0.0.20") === 1;
    sport = sport >= 60000 ? 30000 : sport + 1;
    return send(c, from, S, "10.0.0.20", { proto: p.proto, sport, dport: p.dport });
  });
}

const property = (c: Cloud, shortRanges: boolean) =>
  fc.property(fc.array(ruleArb, { maxLength: 4 }).chain((rules) => fc.tuple(fc.constant(rules), fc.array(pktArb(rules), { minLength: 1, maxLength: 5 }))), ([rules, pkts]) => {
    const got = delivered(
      c,
      rules.map((r) => fileRule(r, shortRanges)),
      pkts,
    );
    expect(got).toEqual(pkts.map((p) => allowed(rules, p)));
  });

describe("security groups against a model of Neutron's semantics", () => {
  it("a packet gets in exactly when some ingress rule allows it", () => {
    const c = theCloud();
    fc.assert(property(c, false), { numRuns: propertyRuns(100), seed: 20261207 });
  });

  it("finds a planted off-by-one in the port ranges", () => {
    const c = theCloud();
    const r = fc.check(property(c, true), { numRuns: 50, seed: 20261207 });
    expect(r.failed).toBe(true);
  });
});
