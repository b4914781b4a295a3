/**
 * Flows and whole pipelines a `Switch` runs: one or two bridges (the second
 * joined to the first by a pair of patch ports), each with a few tables whose
 * flows pass packets forward by `resubmit(,T)` and `goto_table:T`, rewrite
 * headers, set registers that later tables match, push and pop VLANs, learn
 * (MAC learning with a hard_timeout, into a later table) and output to the
 * bridge's own ports, NORMAL or the patch port.
 *
 * Jumps only go forward (T greater than the flow's table, as OpenFlow requires
 * of goto_table), so a pipeline never loops; matches come from
 * match-arbitraries.ts over the same Universe as the packets, table 0 on
 * packet headers and `in_port`, later tables on headers and registers. Flows
 * shrink towards fewer flows, fewer actions, table 0 and `drop`.
 */
import fc from "fast-check";
import type { MatchSpec } from "./match-arbitraries.js";
import { matches } from "./match-arbitraries.js";
import type { BridgeSpec, FlowSpec, Pipeline, PortSpec } from "./pipeline.js";
import type { Universe } from "./universe.js";
import { DEFAULT_UNIVERSE } from "./universe.js";

/** The ofport of each bridge's patch port (to the other bridge). */
export const PATCH_OFPORT = 9;

export interface FlowOptions {
  readonly bridge: string;
  /** The bridge's ofports outputs and in_port matches use. */
  readonly ofports: readonly number[];
  readonly table: number;
  /** Tables of the pipeline (jumps go to tables after `table` and before this). */
  readonly tables: number;
  /** Whether actions may include learn (true). */
  readonly learn?: boolean;
  readonly universe?: Universe;
}

function actionText(o: FlowOptions): fc.Arbitrary<string> {
  const u = o.universe ?? DEFAULT_UNIVERSE;
  const later = Array.from({ length: Math.max(0, o.tables - o.table - 1) }, (_, i) => o.table + 1 + i);
  const apply: fc.Arbitrary<string>[] = [
    fc.constantFrom(...o.ofports).map((p) => `output:${p}`),
    fc.constant("NORMAL"),
    fc.constantFrom(...u.gatewayMacs).map((m) => `mod_dl_src:${m}`),
    fc.constantFrom(...u.macs).map((m) => `mod_dl_dst:${m}`),
    fc.constantFrom(...u.ipv4).map((a) => `mod_nw_dst:${a}`),
    fc.constantFrom(...u.l4Ports).map((p) => `mod_tp_dst:${p}`),
    fc.constantFrom(...u.vlans).map((v) => `mod_vlan_vid:${v}`),
    fc.constant("strip_vlan"),
    fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })).map(([v, r]) => `load:${v}->NXM_NX_REG${r}[]`),
  ];
  if (later.length > 0) {
    apply.push(fc.constantFrom(...later).map((t) => `resubmit(,${t})`));
    if (o.learn ?? true) {
      apply.push(
        fc
          .tuple(fc.constantFrom(...later), fc.constantFrom(10, 60), fc.constantFrom(10, 20))
          .map(([t, hard, prio]) => `learn(table=${t},hard_timeout=${hard},priority=${prio},NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[])`),
      );
    }
  }
  const goto = later.length === 0 ? fc.constant(undefined) : fc.option(fc.constantFrom(...later), { nil: undefined, freq: 3 });
  return fc.tuple(fc.array(fc.oneof(...apply), { maxLength: 4 }), goto).map(([acts, g]) => {
    const all = g === undefined ? acts : [...acts, `goto_table:${g}`];
    return all.length === 0 ? "drop" : all.join(",");
  });
}

/** One flow for table `table` of `bridge`: a match (table 0: headers and in_port; later: headers and registers) and actions. */
export function flows(o: FlowOptions): fc.Arbitrary<FlowSpec> {
  const match: fc.Arbitrary<MatchSpec> = matches({ ports: o.ofports, universe: o.universe ?? DEFAULT_UNIVERSE, metadata: o.table > 0 });
  return fc.record({ priority: fc.constantFrom(0, 10, 20, 30), match, actions: actionText(o) }).map((r): FlowSpec => ({ bridge: o.bridge, table: o.table, ...r }));
}

export interface PipelineOptions {
  /** Most bridges (1 or 2; 2). */
  readonly bridges?: number;
  /** Tables per bridge (2). */
  readonly tables?: number;
  /** Most flows per table (4). */
  readonly flowsPerTable?: number;
  /** Dummy ports per bridge (3). */
  readonly ports?: number;
  /** Whether flows may learn (true). */
  readonly learn?: boolean;
  readonly universe?: Universe;
}

/** The bridges of a pipeline with `n` bridges and `ports` dummy ports each: br0 p1..pN; br1 continues the numbering; patch01/patch10 at ofport 9. */
export function pipelineBridges(n: number, ports: number): BridgeSpec[] {
  const out: BridgeSpec[] = [];
  for (let b = 0; b < n; b++) {
    const list: PortSpec[] = Array.from({ length: ports }, (_, i) => ({ name: `p${b * ports + i + 1}`, ofport: b * ports + i + 1, type: "dummy" }));
    if (n === 2) list.push({ name: b === 0 ? "patch01" : "patch10", ofport: PATCH_OFPORT, type: "patch", options: { peer: b === 0 ? "patch10" : "patch01" } });
    out.push({ name: `br${b}`, ports: list });
  }
  return out;
}

/** Whole pipelines (see the module comment), installable with installPipeline. */
export function pipelines(o: PipelineOptions = {}): fc.Arbitrary<Pipeline> {
  const maxBridges = Math.max(1, Math.min(2, o.bridges ?? 2));
  const tables = Math.max(1, o.tables ?? 2);
  const perTable = o.flowsPerTable ?? 4;
  const nPorts = Math.max(1, Math.min(8, o.ports ?? 3));
  // Flows for every bridge are drawn whatever the number of bridges, then cut (no chain): fast-check
  // shrinks the number of bridges, the tables' flows and their actions independently.
  const all = pipelineBridges(maxBridges, nPorts);
  const perBridgeTable = all.flatMap((b) =>
    Array.from({ length: tables }, (_, t) => {
      const fo: FlowOptions = { bridge: b.name, ofports: b.ports.map((p) => p.ofport), table: t, tables, learn: o.learn ?? true, universe: o.universe ?? DEFAULT_UNIVERSE };
      return fc.array(flows(fo), { maxLength: perTable });
    }),
  );
  return fc.tuple(fc.integer({ min: 1, max: maxBridges }), fc.tuple(...perBridgeTable)).map(([n, lists]): Pipeline => {
    const bridges = pipelineBridges(n, nPorts);
    const names = new Set(bridges.map((b) => b.name));
    return { bridges, flows: lists.flat().filter((f) => names.has(f.bridge)) };
  });
}
