/**
 * ClassBench filters as OpenFlow flows. The conversion is checked by what it means: a
 * generated filter set, converted and installed in ovsim's OpenFlow tables, classifies
 * generated TCP / UDP packets as ClassBench's own semantics say (the first filter that
 * matches; model in classbench-gen.ts), compared by priority. A planted bug (priorities
 * given in file order, ascending) shows the comparison fails when it should.
 */
import { describe, expect, it } from "vitest";
import { classBenchFilterFlows, classBenchToFlows, parseClassBenchLine } from "../../src/bench/classbench.js";
import type { ClassBenchFlows } from "../../src/bench/classbench.js";
import { FlowBenchError } from "../../src/bench/errors.js";
import { flowModOf } from "../../src/bench/flow-file.js";
import { parseExactFlow } from "../../src/flowtable/exact-flow-parse.js";
import { FlowTables } from "../../src/flowtable/flow-tables.js";
import { classBenchText, firstMatch, generateFilters, generatePackets, packetFlow } from "./classbench-gen.js";
import type { GenFilter, GenPacket } from "./classbench-gen.js";

const ops = { equal: (a: string, b: string) => a === b, outputsToPort: () => false, outputsToGroup: () => false };

/** Packets on which the installed flows' answer (priority) differs from ClassBench's. */
function mismatches(filters: readonly GenFilter[], converted: ClassBenchFlows, packets: readonly GenPacket[]): string[] {
  const tables = new FlowTables<string>(ops);
  converted.flows.forEach((f, i) => tables.apply(flowModOf(f, converted.flowLines[i]!), 0));
  const out: string[] = [];
  for (const p of packets) {
    const r = parseExactFlow(packetFlow(p));
    if (!r.ok) throw new Error(r.error);
    const got = tables.lookup(0, r.key, null)?.priority ?? -1;
    const i = firstMatch(filters, p);
    const want = i < 0 ? -1 : filters.length - i;
    if (got !== want) out.push(`${packetFlow(p)}: priority ${got}, ClassBench says filter ${i} (priority ${want})`);
  }
  return out;
}

describe("ClassBench filters", () => {
  it("reads the five fields, ranges with spaces around ':', the protocol, and ignores the flags column", () => {
    const f = parseClassBenchLine("@10.1.0.0/16\t192.168.7.1/32\t0 : 65535\t1024 : 2047\t0x06/0xFF\t0x1000/0x1000", 3);
    expect(f).toEqual({
      line: 3,
      src: { addr: "10.1.0.0", len: 16 },
      dst: { addr: "192.168.7.1", len: 32 },
      sport: [0, 65535],
      dport: [1024, 2047],
      proto: 6,
      protoMask: 0xff,
    });
  });

  it("becomes the flows a user writes: prefixes, protocol names, port pieces, priority by order", () => {
    const { flows } = classBenchToFlows("@10.0.0.0/8 0.0.0.0/0 0 : 65535 80 : 80 0x06/0xFF\n@0.0.0.0/0 1.2.3.4/32 0 : 65535 0 : 65535 0x00/0x00\n");
    expect(flows).toEqual(["priority=2,tcp,nw_src=10.0.0.0/8,tcp_dst=80,actions=drop", "priority=1,ip,nw_dst=1.2.3.4,actions=drop"]);
  });

  it("makes a port range of any protocol its TCP and UDP flows, and drops ports OpenFlow cannot match", () => {
    const anyProto = parseClassBenchLine("@0.0.0.0/0 0.0.0.0/0 0 : 65535 0 : 1023 0x00/0x00", 1);
    expect(classBenchFilterFlows(anyProto, 9)).toEqual(["priority=9,tcp,tcp_dst=0x0/0xfc00,actions=drop", "priority=9,udp,udp_dst=0x0/0xfc00,actions=drop"]);
    const icmp = parseClassBenchLine("@0.0.0.0/0 0.0.0.0/0 0 : 65535 0 : 1023 0x01/0xFF", 1);
    expect(classBenchFilterFlows(icmp, 9)).toEqual(["priority=9,icmp,actions=drop"]);
    const gre = parseClassBenchLine("@0.0.0.0/0 0.0.0.0/0 0 : 65535 0 : 65535 0x2F/0xFF", 1);
    expect(classBenchFilterFlows(gre, 2)).toEqual(["priority=2,ip,nw_proto=47,actions=drop"]);
    const cross = parseClassBenchLine("@0.0.0.0/0 0.0.0.0/0 1 : 2 1024 : 65535 0x11/0xFF", 1);
    expect(classBenchFilterFlows(cross, 1)).toHaveLength(2 * 6);
  });

  it("classifies generated packets as ClassBench's first-match semantics say", () => {
    for (const seed of [1, 2, 3]) {
      const filters = generateFilters(60, seed);
      const converted = classBenchToFlows(classBenchText(filters));
      expect(converted.filters).toHaveLength(60);
      const packets = generatePackets(filters, 800, seed + 100);
      // Most packets match some filter, so the comparison is not only about misses.
      expect(packets.filter((p) => firstMatch(filters, p) >= 0).length).toBeGreaterThan(400);
      expect(mismatches(filters, converted, packets)).toEqual([]);
    }
  });

  it("catches a planted bug: priorities ascending in file order", () => {
    const filters = generateFilters(60, 1);
    const good = classBenchToFlows(classBenchText(filters));
    const planted: ClassBenchFlows = { ...good, flows: good.flows.map((f) => f.replace(/^priority=(\d+)/, (_, p: string) => `priority=${61 - Number(p)}`)) };
    expect(mismatches(filters, planted, generatePackets(filters, 800, 101)).length).toBeGreaterThan(0);
  });

  it("names the line of a bad filter", () => {
    expect(() => classBenchToFlows("@1.2.3.4/32 5.6.7.8/32 0 : 65535 0 : 65535 0x06/0xFF\n@1.2.3/8 0.0.0.0/0 0 : 1 0 : 1 0x06/0xFF\n")).toThrow(
      new FlowBenchError("bad IPv4 address '1.2.3'", 2),
    );
    expect(() => classBenchToFlows("@0.0.0.0/0 0.0.0.0/0 9 : 1 0 : 1 0x06/0xFF")).toThrow(/line 1: port range 9 : 1 is empty/);
    expect(() => classBenchToFlows("@0.0.0.0/0 0.0.0.0/0 0 : 1 0 : 1 0x06/0x0F")).toThrow(/expected 0xNN\/0xFF or 0x00\/0x00/);
  });
});
