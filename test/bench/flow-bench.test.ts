/**
 * The shape and the counts of `benchFlows`'s report (never its speed): subtables are the
 * distinct masks of each table's flows, the lookups spread over them (plus the misses) add
 * up to the packets looked up, the classifier agrees with the linear scan, rates come as
 * min <= median <= max, memory arithmetic is the caller's usage readings over the flows.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { classBenchToFlows } from "../../src/bench/classbench.js";
import { FlowBenchError } from "../../src/bench/errors.js";
import { benchFlows } from "../../src/bench/flow-bench.js";
import type { FlowBenchReport, Rate } from "../../src/bench/flow-bench.js";
import { readFlowFile, stripDumpStats } from "../../src/bench/flow-file.js";
import type { FlowFile } from "../../src/bench/flow-file.js";
import { DERIVED_PACKETS, readPackets } from "../../src/bench/packets.js";
import { formatFlowBenchReport } from "../../src/bench/report-text.js";
import { classBenchText, generateFilters } from "./classbench-gen.js";

const QUICKSTART = readFileSync(new URL("../../fixtures/examples/quickstart.ovs", import.meta.url), "utf8");
/** The add-flow lines of the quickstart example, as an add-flows file. */
const QUICK_FLOWS = [...QUICKSTART.matchAll(/^ovs-ofctl add-flow br0 '([^']*)'/gm)].map((m) => m[1]!).join("\n");
const FAST = { seconds: 0.05, rounds: 3 } as const;

/** Distinct masks of each table's flows, from the flow_mods (not from the classifier). */
function masksPerTable(file: FlowFile): Map<number, number> {
  const seen = new Map<number, Set<string>>();
  for (const f of file.flows) {
    const s = seen.get(f.flowMod.tableId) ?? new Set<string>();
    s.add(f.flowMod.match.mask.join(","));
    seen.set(f.flowMod.tableId, s);
  }
  return new Map([...seen].map(([t, s]) => [t, s.size]));
}

function checkRate(r: Rate): void {
  expect(r.ns.min).toBeGreaterThan(0);
  expect(r.ns.min).toBeLessThanOrEqual(r.ns.median);
  expect(r.ns.median).toBeLessThanOrEqual(r.ns.max);
  expect(r.perSecond.median).toBeCloseTo(1e9 / r.ns.median, 3);
  expect(r.opsPerRound).toBeGreaterThan(0);
}

function checkCounts(file: FlowFile, r: FlowBenchReport): void {
  const masks = masksPerTable(file);
  expect(new Map(r.tables.filter((t) => t.flows > 0).map((t) => [t.tableId, t.subtables.length]))).toEqual(masks);
  expect(r.subtables).toBe([...masks.values()].reduce((a, b) => a + b, 0));
  let lookups = 0;
  let found = 0;
  for (const t of r.tables) {
    expect(t.subtables.reduce((a, s) => a + s.hits, 0) + t.misses).toBe(t.lookups);
    expect(t.subtables.reduce((a, s) => a + s.flows, 0)).toBe(t.flows);
    // Lookup order: highest priority first.
    expect(t.subtables.map((s) => s.maxPriority)).toEqual(t.subtables.map((s) => s.maxPriority).sort((a, b) => b - a));
    expect(t.meanProbed).toBeLessThanOrEqual(Math.max(1, t.subtables.length));
    lookups += t.lookups;
    found += t.lookups - t.misses;
  }
  expect(lookups).toBe(r.packets.count);
  expect(found).toBe(r.packets.hits);
  expect(r.disagreements).toBe(0);
  for (const rate of [r.lookup, r.lookupWc, r.linear, r.megaflow.hit, r.insert, r.delete]) checkRate(rate);
  expect(r.megaflow.megaflows).toBeGreaterThan(0);
  expect(r.megaflow.megaflows).toBeLessThanOrEqual(r.packets.count);
  expect(r.megaflow.masks).toBeLessThanOrEqual(r.megaflow.megaflows);
}

describe("benchFlows", () => {
  it("reports the quickstart example's flows: 2 tables, their masks, every derived packet once", () => {
    const file = readFlowFile(QUICK_FLOWS);
    expect(file.format).toBe("ofctl");
    expect(file.flows).toHaveLength(7);
    const r = benchFlows(file, FAST);
    checkCounts(file, r);
    expect(r.flows).toBe(7);
    expect(r.tables.map((t) => [t.tableId, t.flows, t.subtables.length])).toEqual([
      [0, 3, 3],
      [1, 4, 4],
    ]);
    expect(r.packets).toMatchObject({ count: DERIVED_PACKETS, derived: true });
    expect(r.memory).toBeNull();
    // table 0 has a catch-all at priority 0: every packet looked up there finds a flow.
    expect(r.tables[0]!.misses).toBe(0);
  });

  it("reports a generated ClassBench set: one table, every filter's flows", () => {
    const text = classBenchText(generateFilters(40, 5));
    const file = readFlowFile(text);
    expect(file.format).toBe("classbench");
    expect(file.rules).toBe(40);
    expect(file.flows).toHaveLength(classBenchToFlows(text).flows.length);
    const r = benchFlows(file, FAST);
    checkCounts(file, r);
    expect(r.tables.map((t) => t.tableId)).toEqual([0]);
    expect(r.format).toBe("classbench");
  });

  it("looks up a given packet list, each packet in its table", () => {
    const file = readFlowFile(QUICK_FLOWS);
    const packets = readPackets("# two tables\ntcp,nw_src=10.0.0.9,tcp_dst=80\ntable=1,tcp,tcp_dst=80\ntable=1,udp,udp_dst=53\ntable=7,arp\n");
    const r = benchFlows(file, { ...FAST, packets });
    checkCounts(file, r);
    expect(r.packets).toEqual({ count: 4, derived: false, hits: 3 });
    expect(r.tables.map((t) => [t.tableId, t.lookups, t.misses])).toEqual([
      [0, 1, 0],
      [1, 2, 0],
      [7, 1, 1],
    ]);
  });

  it("divides the caller's memory readings by the flows installed", () => {
    const file = readFlowFile(QUICK_FLOWS);
    // 7 flows, installed in as many copies as MEMORY_COPIES (64) allows.
    const installed = 7 * 64;
    let calls = 0;
    const r = benchFlows(file, { ...FAST, memory: { usage: () => (++calls === 1 ? 1_000_000 : 1_000_000 + 240 * installed) } });
    expect(r.memory).toEqual({ bytesPerFlow: 240, gc: false, flows: installed });
  });

  it("reads dump-flows output: statistics dropped, reply headers skipped", () => {
    expect(stripDumpStats(" cookie=0x2a, duration=1.5s, table=1, n_packets=3, n_bytes=180, idle_age=1, priority=5,ip actions=LOCAL")).toBe(
      "cookie=0x2a, table=1, priority=5,ip actions=LOCAL",
    );
    const dump = "NXST_FLOW reply (xid=0x4):\n cookie=0x0, duration=2s, table=0, n_packets=0, n_bytes=0, priority=0 actions=drop\n cookie=0x0, duration=2s, table=3, n_packets=0, n_bytes=0, priority=2,arp actions=NORMAL\n";
    const file = readFlowFile(dump);
    expect(file.format).toBe("dump");
    expect(file.flows.map((f) => [f.line, f.flowMod.tableId, f.flowMod.priority])).toEqual([
      [2, 0, 0],
      [3, 3, 2],
    ]);
  });

  it("reads what real OVS printed: the --no-stats dump in the quickstart recording", () => {
    const recorded = readFileSync(new URL("../../fixtures/examples/quickstart.ovs.out", import.meta.url), "utf8").split("\n");
    const at = recorded.indexOf("### ovs-ofctl --no-stats dump-flows br0");
    const dump = recorded.slice(at + 1, recorded.findIndex((l, i) => i > at && l.startsWith("###"))).join("\n");
    const file = readFlowFile(dump);
    expect(file.flows.map((f) => [f.flowMod.tableId, f.flowMod.priority])).toEqual([
      [0, 100],
      [0, 50],
      [0, 0],
      [1, 10],
      [1, 10],
      [1, 5],
      [1, 1],
    ]);
    // The same flows as the script's add-flow lines, so the same subtables.
    expect(masksPerTable(file)).toEqual(masksPerTable(readFlowFile(QUICK_FLOWS)));
  });

  it("refuses what OVS refuses, naming the line", () => {
    expect(() => readFlowFile("priority=1,actions=drop\npriority=2,nw_src=1.2.3.4/8x,actions=drop\n")).toThrow(FlowBenchError);
    expect(() => readFlowFile("priority=1,actions=drop\nfoo=1,actions=drop\n")).toThrow(/^line 2: foo=1,actions=drop: /);
    expect(() => readPackets("tcp,nw_src=10.0.0.0/8\n")).toThrow(/line 1: .*wildcards not allowed/);
    expect(() => benchFlows({ format: "ofctl", flows: [], rules: 0 })).toThrow(/no flows/);
  });

  it("prints one line per figure and one block per table", () => {
    const r = benchFlows(readFlowFile(QUICK_FLOWS), FAST);
    const text = formatFlowBenchReport(r);
    expect(text[0]).toBe("7 flows from 7 lines (ovs-ofctl format), 2 tables, 7 subtables");
    for (const name of ["lookup ", "lookup+wc (megaflow)", "linear scan", "megaflow cache hit", "insert (add)", "delete (delete_strict)"]) {
      expect(text.filter((l) => l.startsWith(name))).toHaveLength(1);
    }
    expect(text.filter((l) => l.startsWith("table "))).toHaveLength(2);
  });
});
