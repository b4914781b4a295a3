/**
 * Security-group rules to flows (rules.py), rule by rule: priorities and
 * their offsets, port ranges as masks, ICMP type and code, IPv6, prefixes
 * left out, the two ct states, and the conjunction flows of remote groups.
 * The flows are also sent to a switch, to see what OVS makes of Neutron's
 * text (`dl_type=0x0800,nw_proto=6` is `tcp`, an exact mask is decimal).
 */
import { describe, expect, it } from "vitest";
import {
  createAcceptFlows,
  createConjFlows,
  createFlowsForIpAddress,
  createFlowsFromRuleAndPort,
  flowPriorityOffset,
  isValidPrefix,
  priorityOffsetOfConjId,
  substituteConjunctionActions,
} from "../../../src/agent/firewall/rule-flows.js";
import type { FlowSpec } from "../../../src/agent/firewall/flow-spec.js";
import { addFlowText } from "../../../src/agent/firewall/flow-spec.js";
import type { FwRule } from "../../../src/agent/firewall/sg-rule.js";
import { fwRuleOf, normaliseProtocol } from "../../../src/agent/firewall/sg-rule.js";
import { Switch } from "../../../src/vswitchd/switch.js";

const PORT = { ofport: 7 };
const ingress = (r: Partial<FwRule>): FwRule => ({ direction: "ingress", ethertype: "IPv4", ...r });
const egress = (r: Partial<FwRule>): FwRule => ({ direction: "egress", ethertype: "IPv4", ...r });

/** What `ovs-ofctl dump-flows` shows for flows sent as the firewall sends them. */
function dumped(flows: readonly FlowSpec[]): string[] {
  const sw = new Switch();
  sw.addBridge("br-int", { datapathType: "dummy" });
  sw.deleteFlows("br-int");
  for (const f of flows) sw.addFlow("br-int", addFlowText(f, 0n), { version: 14 });
  return sw.dumpFlows("br-int").map((f) => f.text);
}

describe("protocols (SecurityGroup.update_rules)", () => {
  it("turns names and digits into numbers, icmp on IPv6 into 58", () => {
    expect(normaliseProtocol("tcp", "IPv4")).toBe(6);
    expect(normaliseProtocol("17", "IPv6")).toBe(17);
    expect(normaliseProtocol("icmp", "IPv6")).toBe(58);
    expect(normaliseProtocol("icmp", "IPv4")).toBe(1);
    expect(normaliseProtocol("ipv6-icmp", "IPv6")).toBe(58);
    expect(normaliseProtocol("icmpv6", "IPv6")).toBe(58);
    expect(normaliseProtocol("foo", "IPv4")).toBe("foo");
  });

  it("leaves the RPC's nulls out", () => {
    const r = fwRuleOf({
      securityGroupId: "sg",
      direction: "ingress",
      ethertype: "IPv4",
      protocol: "icmp",
      portRangeMin: null,
      portRangeMax: null,
      sourceIpPrefix: null,
      destIpPrefix: null,
      remoteGroupId: null,
    });
    expect(r).toEqual({ direction: "ingress", ethertype: "IPv4", protocol: 1 });
  });
});

describe("flow_priority_offset", () => {
  it.each<[string, FwRule, number]>([
    ["any protocol", ingress({}), 4],
    ["tcp", ingress({ protocol: 6 }), 7],
    ["tcp with ports", ingress({ protocol: 6, portRangeMin: 22, portRangeMax: 22 }), 7],
    ["icmp", ingress({ protocol: 1 }), 5],
    ["icmp type", ingress({ protocol: 1, portRangeMin: 8 }), 6],
    ["icmp type and code", ingress({ protocol: 1, portRangeMin: 8, portRangeMax: 0 }), 7],
    ["ipv6-icmp type", ingress({ ethertype: "IPv6", protocol: 58, portRangeMin: 128 }), 6],
    ["remote group, any protocol", ingress({ remoteGroupId: "g" }), 0],
    ["remote group, icmp", ingress({ protocol: 1, remoteGroupId: "g" }), 1],
    ["remote group, tcp", ingress({ protocol: 6, remoteGroupId: "g" }), 3],
  ])("%s: %i", (_, rule, want) => {
    expect(flowPriorityOffset(rule)).toBe(want);
  });

  it("is the conjunction one when asked", () => {
    expect(flowPriorityOffset(ingress({ protocol: 6 }), true)).toBe(3);
  });
});

describe("create_flows_from_rule_and_port", () => {
  it("splits a tcp range into value/mask matches (port_rule_masking)", () => {
    const flows = createFlowsFromRuleAndPort(ingress({ protocol: 6, portRangeMin: 8000, portRangeMax: 8080 }), PORT);
    expect(flows.map((f) => [f.table, f.priority, f.match["tcp_dst"], f.actions])).toEqual([
      [82, 77, "0x1f40/0xffc0", "output:7"],
      [82, 77, "0x1f80/0xfff0", "output:7"],
      [82, 77, "0x1f90", "output:7"],
    ]);
    expect(dumped(flows)).toEqual([
      "table=82, priority=77,tcp,reg5=0x7,tp_dst=0x1f40/0xffc0 actions=output:7",
      "table=82, priority=77,tcp,reg5=0x7,tp_dst=0x1f80/0xfff0 actions=output:7",
      "table=82, priority=77,tcp,reg5=0x7,tp_dst=8080 actions=output:7",
    ]);
  });

  it("matches the remote prefix by direction and IP version, egress accepting into table 73", () => {
    const [flow] = createFlowsFromRuleAndPort(egress({ protocol: 17, portRangeMin: 53, portRangeMax: 53, destIpPrefix: "198.51.100.53/32" }), PORT);
    expect(flow).toEqual({
      table: 72,
      priority: 77,
      match: { dl_type: 0x0800, reg5: 7, nw_dst: "198.51.100.53/32", nw_proto: 17, udp_dst: "0x0035" },
      actions: "resubmit(,73)",
    });
    const [v6] = createFlowsFromRuleAndPort(ingress({ ethertype: "IPv6", protocol: 6, portRangeMin: 443, portRangeMax: 443, sourceIpPrefix: "2001:db8:100::/64" }), PORT);
    expect(dumped([v6!])).toEqual(["table=82, priority=77,tcp6,reg5=0x7,ipv6_src=2001:db8:100::/64,tp_dst=443 actions=output:7"]);
  });

  it("leaves 0.0.0.0/0 and ::/0 (however written) out", () => {
    expect(isValidPrefix("0.0.0.0/0")).toBe(false);
    expect(isValidPrefix("::/0")).toBe(false);
    expect(isValidPrefix("0::0/0")).toBe(false);
    expect(isValidPrefix(undefined)).toBe(false);
    // netaddr keeps host bits: this is not the any-network's text, so Neutron matches it
    expect(isValidPrefix("10.0.0.1/0")).toBe(true);
    const [flow] = createFlowsFromRuleAndPort(ingress({ ethertype: "IPv6", protocol: 6, sourceIpPrefix: "::/0" }), PORT);
    expect(flow!.match).toEqual({ dl_type: 0x86dd, reg5: 7, nw_proto: 6 });
  });

  it("matches ICMP type and code from port_range_min / max", () => {
    const typeCode = createFlowsFromRuleAndPort(ingress({ protocol: 1, portRangeMin: 8, portRangeMax: 0 }), PORT);
    const typeOnly = createFlowsFromRuleAndPort(ingress({ protocol: 1, portRangeMin: 8 }), PORT);
    const any = createFlowsFromRuleAndPort(ingress({ protocol: 1 }), PORT);
    const v6 = createFlowsFromRuleAndPort(ingress({ ethertype: "IPv6", protocol: 58, portRangeMin: 128, portRangeMax: 0 }), PORT);
    expect(dumped([...typeCode, ...typeOnly, ...any, ...v6])).toEqual([
      "table=82, priority=77,icmp,reg5=0x7,icmp_type=8,icmp_code=0 actions=output:7",
      "table=82, priority=77,icmp6,reg5=0x7,icmp_type=128,icmp_code=0 actions=output:7",
      "table=82, priority=76,icmp,reg5=0x7,icmp_type=8 actions=output:7",
      "table=82, priority=75,icmp,reg5=0x7 actions=output:7",
    ]);
  });

  it("writes one flow for a protocol without ports, or without a range (a 0 bound is none)", () => {
    expect(createFlowsFromRuleAndPort(ingress({ protocol: 47 }), PORT).map((f) => f.match)).toEqual([{ dl_type: 0x0800, reg5: 7, nw_proto: 47 }]);
    expect(createFlowsFromRuleAndPort(ingress({ protocol: 6, portRangeMin: 0, portRangeMax: 80 }), PORT).map((f) => f.match)).toEqual([
      { dl_type: 0x0800, reg5: 7, nw_proto: 6 },
    ]);
    expect(createFlowsFromRuleAndPort(ingress({ protocol: 132, portRangeMin: 3868, portRangeMax: 3869 }), PORT).map((f) => f.match["sctp_dst"])).toEqual(["0x0f1c/0xfffe"]);
  });

  it("crosses source and destination ranges", () => {
    const flows = createFlowsFromRuleAndPort(ingress({ protocol: 17, portRangeMin: 10, portRangeMax: 11, sourcePortRangeMin: 4, sourcePortRangeMax: 8 }), PORT);
    expect(flows.map((f) => `${f.match["udp_src"]} ${f.match["udp_dst"]}`)).toEqual(["0x0004/0xfffc 0x000a/0xfffe", "0x0008 0x000a/0xfffe"]);
  });
});

describe("create_accept_flows", () => {
  it("writes the established and the new flow; ingress new commits and tells table 92", () => {
    const [inFlow] = createFlowsFromRuleAndPort(ingress({ protocol: 6, portRangeMin: 22, portRangeMax: 22 }), PORT);
    const [outFlow] = createFlowsFromRuleAndPort(egress({}), PORT);
    expect(dumped([...createAcceptFlows(inFlow!), ...createAcceptFlows(outFlow!)])).toEqual([
      "table=72, priority=74,ct_state=+est-rel-rpl,ip,reg5=0x7 actions=resubmit(,73)",
      "table=72, priority=74,ct_state=+new-est,ip,reg5=0x7 actions=resubmit(,73)",
      "table=82, priority=77,ct_state=+est-rel-rpl,tcp,reg5=0x7,tp_dst=22 actions=output:7",
      "table=82, priority=77,ct_state=+new-est,tcp,reg5=0x7,tp_dst=22 actions=ct(commit,zone=NXM_NX_REG6[0..15]),output:7,resubmit(,92)",
    ]);
  });
});

describe("remote groups as conjunctions", () => {
  it("encodes the priority offset in the conj_id (base + 2 x offset)", () => {
    expect([16, 17, 18, 22, 23, 24, 30].map(priorityOffsetOfConjId)).toEqual([0, 0, 1, 3, 3, 0, 3]);
  });

  it("writes a member address once per priority, with every conj_id of that priority", () => {
    const flows = createFlowsForIpAddress({ ip: "10.10.1.11", mac: null }, "ingress", "IPv4", 1, [16, 24, 30]);
    expect(dumped(flows)).toEqual([
      "table=82, priority=73,ct_state=+est-rel-rpl,ip,reg6=0x1,nw_src=10.10.1.11 actions=conjunction(30,1/2)",
      "table=82, priority=73,ct_state=+new-est,ip,reg6=0x1,nw_src=10.10.1.11 actions=conjunction(31,1/2)",
      "table=82, priority=70,ct_state=+est-rel-rpl,ip,reg6=0x1,nw_src=10.10.1.11 actions=conjunction(16,1/2),conjunction(24,1/2)",
      "table=82, priority=70,ct_state=+new-est,ip,reg6=0x1,nw_src=10.10.1.11 actions=conjunction(17,1/2),conjunction(25,1/2)",
    ]);
  });

  it("matches egress members by destination, IPv6 ones by ipv6_*, any-address ones by MAC", () => {
    expect(createFlowsForIpAddress({ ip: "10.0.0.0/24", mac: null }, "egress", "IPv4", 3, [16])[0]!.match).toEqual({
      dl_type: 0x0800,
      reg6: 3,
      nw_dst: "10.0.0.0/24",
      ct_state: "+est-rel-rpl",
    });
    expect(createFlowsForIpAddress({ ip: "2001:db8::22", mac: "fa:16:3e:00:00:01" }, "ingress", "IPv6", 3, [16])[0]!.match).toEqual({
      dl_type: 0x86dd,
      reg6: 3,
      ipv6_src: "2001:db8::22/128",
      ct_state: "+est-rel-rpl",
    });
    const any = createFlowsForIpAddress({ ip: "0.0.0.0/0", mac: "fa:16:3e:00:ee:01" }, "ingress", "IPv4", 1, [40]);
    expect(dumped(any)).toEqual([
      "table=82, priority=70,ct_state=+est-rel-rpl,ip,reg6=0x1,dl_src=fa:16:3e:00:ee:01 actions=conjunction(40,1/2)",
      "table=82, priority=70,ct_state=+new-est,ip,reg6=0x1,dl_src=fa:16:3e:00:ee:01 actions=conjunction(41,1/2)",
    ]);
  });

  it("writes the port side as 2/2 and the accepting flows per conj_id", () => {
    const side = substituteConjunctionActions(createFlowsFromRuleAndPort(ingress({ protocol: 6, portRangeMin: 5432, portRangeMax: 5432 }), PORT, true), 2, [30]);
    const accept = createConjFlows(PORT, 30, "ingress", "IPv4");
    expect(dumped([...side, ...accept])).toEqual([
      "table=82, priority=73,ct_state=+est-rel-rpl,tcp,reg5=0x7,tp_dst=5432 actions=conjunction(30,2/2)",
      "table=82, priority=73,ct_state=+new-est,tcp,reg5=0x7,tp_dst=5432 actions=conjunction(31,2/2)",
      "table=82, priority=73,conj_id=30,ct_state=+est-rel-rpl,ip,reg5=0x7 actions=output:7",
      "table=82, priority=73,conj_id=31,ct_state=+new-est,ip,reg5=0x7 actions=ct(commit,zone=NXM_NX_REG6[0..15]),output:7,resubmit(,92)",
    ]);
    const out = createConjFlows(PORT, 16, "egress", "IPv6");
    expect(out.map((f) => [f.table, f.priority, f.match["conj_id"], f.actions])).toEqual([
      [72, 70, 16, "resubmit(,73)"],
      [72, 70, 17, "resubmit(,73)"],
    ]);
  });
});
