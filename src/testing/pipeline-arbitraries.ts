/**
 * Flows and whole pipelines a `Switch` runs: one or two bridges (the second
 * joined to the first by a pair of patch ports), each with a few tables whose
 * flows pass packets forward by `resubmit(,T)` and `goto_table:T`, rewrite
 * headers, set registers that later tables match, push and pop VLANs, learn
 * (MAC learning with a hard_timeout, into a later table) and output to the
 * bridge's own ports, NORMAL or the patch port.
 *
 * Jumps only go forward (T greater than the flow's table, as OpenFlow requires
 * of goto_table), so a pipeline never loops, unless `loops` lets resubmits go
 * anywhere (for translation's depth and resubmit limits); `corners` adds the
 * actions that exercise translation's corner cases. Matches come from
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
  /**
   * Whether resubmits may go to any table of the pipeline (the flow's own and earlier ones too)
   * and re-enter the current table as if from another port (`resubmit:P`), so that pipelines
   * loop and translation must end them with OVS's depth and resubmit limits; registers and
   * metadata are then matched in table 0 too (false). goto_table still only goes forward.
   */
  readonly loops?: boolean;
  /**
   * Whether actions also take translation's corner cases (false): outputs to LOCAL, IN_PORT,
   * FLOOD, CONTROLLER and to a port the bridge lacks, `output:NXM_NX_REG0[0..15]`, dec_ttl,
   * a register move, push / pop, clone (nested once), exit, set_queue, multipath, bundle,
   * bundle_load, check_pkt_larger, write_actions, write_metadata, and,
   * where the match allows them, `move` into tcp_src (tcp) and `ct(commit,zone=1)` (IP).
   */
  readonly corners?: boolean;
  readonly universe?: Universe;
}

/** The IP protocols of MATCH_PROTOCOLS (ct needs one); tcp ones allow a move into tcp_src. */
const IP_PROTOCOLS: ReadonlySet<string> = new Set(["ip", "tcp", "udp", "icmp", "ipv6", "tcp6", "udp6", "icmp6", "sctp"]);
const TCP_PROTOCOLS: ReadonlySet<string> = new Set(["tcp", "tcp6"]);

/** Corner-case actions (FlowOptions.corners) that need no particular match. */
function cornerActions(o: FlowOptions, basic: fc.Arbitrary<string>): fc.Arbitrary<string>[] {
  const missing = Math.max(...o.ofports, 0) + 1;
  return [
    fc.constantFrom("LOCAL", "IN_PORT", "FLOOD", "CONTROLLER:128", `output:${missing}`),
    fc.constantFrom("output:NXM_NX_REG0[0..15]", "dec_ttl", "move:NXM_NX_REG1[0..15]->NXM_NX_REG2[0..15]", "exit"),
    fc.integer({ min: 0, max: 3 }).map((q) => `set_queue:${q}`),
    // The push / pop stack: values cross tables (and clones, patch ports) through it; a pop
    // into a header or the packet mark rewrites the packet, one on an empty stack does nothing.
    fc.constantFrom("push:NXM_OF_ETH_SRC[],pop:NXM_OF_ETH_DST[]", "push:NXM_OF_ETH_SRC[0..15],pop:NXM_NX_PKT_MARK[0..15]", "push:NXM_OF_ETH_SRC[0..15]", "push:NXM_NX_XXREG0[0..63]", "pop:NXM_NX_REG0[0..15]", "pop:NXM_NX_REG1[]"),
    fc
      .array(fc.oneof(basic, fc.array(basic, { minLength: 1, maxLength: 2 }).map((a) => `clone(${a.join(",")})`)), { minLength: 1, maxLength: 3 })
      .map((a) => `clone(${a.join(",")})`),
    // Choices from a flow hash or the packet length (symmetric_l3l4 is left out: OVS hashes a
    // non-IP packet's MACs for it without un-wildcarding them, so its megaflows are unsound).
    fc
      .tuple(fc.constantFrom("eth_src", "symmetric_l4", "nw_src", "nw_dst", "symmetric_l3"), fc.constantFrom("modulo_n", "hash_threshold", "hrw", "iter_hash"))
      .map(([f, alg]) => `multipath(${f},7,${alg},4,0,NXM_NX_REG0[0..1]),output:NXM_NX_REG0[0..1]`),
    fc
      .tuple(fc.constantFrom("active_backup", "hrw"), fc.subarray([...o.ofports, missing], { minLength: 1 }))
      .map(([alg, members]) => `bundle(symmetric_l4,0,${alg},ofport,members:${members.join(",")})`),
    fc.constantFrom(...o.ofports).map((p) => `bundle_load(eth_src,3,hrw,ofport,NXM_NX_REG1[0..15],members:${p},${missing})`),
    fc.constantFrom(60, 100, 1500).map((n) => `check_pkt_larger(${n})->NXM_NX_REG2[0]`),
  ];
}

function actionText(o: FlowOptions): fc.Arbitrary<string> {
  const u = o.universe ?? DEFAULT_UNIVERSE;
  const later = Array.from({ length: Math.max(0, o.tables - o.table - 1) }, (_, i) => o.table + 1 + i);
  const jumps = o.loops === true ? Array.from({ length: o.tables }, (_, i) => i) : later;
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
  if (jumps.length > 0) apply.push(fc.constantFrom(...jumps).map((t) => `resubmit(,${t})`));
  if (o.loops === true) apply.push(fc.constantFrom(...o.ofports).map((p) => `resubmit:${p}`));
  if (later.length > 0 && (o.learn ?? true)) {
    apply.push(
      fc
        .tuple(fc.constantFrom(...later), fc.constantFrom(10, 60), fc.constantFrom(10, 20))
        .map(([t, hard, prio]) => `learn(table=${t},hard_timeout=${hard},priority=${prio},NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[])`),
    );
  }
  const corners = o.corners === true;
  if (corners) apply.push(...cornerActions(o, fc.oneof(...apply)));
  const goto = later.length === 0 ? fc.constant(undefined) : fc.option(fc.constantFrom(...later), { nil: undefined, freq: 3 });
  const none = fc.constant(undefined);
  const writeActions = corners ? fc.option(fc.constantFrom(...o.ofports).map((p) => `write_actions(output:${p})`), { nil: undefined, freq: 6 }) : none;
  const writeMetadata = corners ? fc.option(fc.constant("write_metadata:0x1/0xff"), { nil: undefined, freq: 6 }) : none;
  return fc.tuple(fc.array(fc.oneof(...apply), { maxLength: 4 }), writeActions, writeMetadata, goto).map(([acts, wa, wm, g]) => {
    // Instructions in OVS's order; write_metadata and goto_table do not encode together in OpenFlow 1.0 (OVS's UNSUPPORTED_ORDER).
    const all = [...acts, ...(wa === undefined ? [] : [wa]), ...(wm === undefined || g !== undefined ? [] : [wm]), ...(g === undefined ? [] : [`goto_table:${g}`])];
    return all.length === 0 ? "drop" : all.join(",");
  });
}

/** The corner-case actions that need the match's protocol (FlowOptions.corners): a move into tcp_src, ct. */
function withProtocolCorners(actions: string, protocol: string | null, pick: number): string {
  const extra = pick === 1 && protocol !== null && TCP_PROTOCOLS.has(protocol) ? "move:NXM_NX_REG1[0..15]->NXM_OF_TCP_SRC[]" : pick === 2 && protocol !== null && IP_PROTOCOLS.has(protocol) ? "ct(commit,zone=1)" : null;
  if (extra === null) return actions;
  return actions === "drop" ? extra : `${extra},${actions}`;
}

/** One flow for table `table` of `bridge`: a match (table 0: headers and in_port; later: headers and registers) and actions. */
export function flows(o: FlowOptions): fc.Arbitrary<FlowSpec> {
  const match: fc.Arbitrary<MatchSpec> = matches({ ports: o.ofports, universe: o.universe ?? DEFAULT_UNIVERSE, metadata: o.table > 0 || o.loops === true });
  const extra = o.corners === true ? fc.constantFrom(0, 1, 2, 0) : fc.constant(0);
  return fc
    .record({ priority: fc.constantFrom(0, 10, 20, 30), match, actions: actionText(o), extra })
    .map(({ priority, match: m, actions, extra: x }): FlowSpec => ({ bridge: o.bridge, table: o.table, priority, match: m, actions: withProtocolCorners(actions, m.protocol, x) }));
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
  /** Whether resubmits may loop (FlowOptions.loops; false). */
  readonly loops?: boolean;
  /** Whether actions take translation's corner cases (FlowOptions.corners; false). */
  readonly corners?: boolean;
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
      const fo: FlowOptions = { bridge: b.name, ofports: b.ports.map((p) => p.ofport), table: t, tables, learn: o.learn ?? true, loops: o.loops ?? false, corners: o.corners ?? false, universe: o.universe ?? DEFAULT_UNIVERSE };
      return fc.array(flows(fo), { maxLength: perTable });
    }),
  );
  return fc.tuple(fc.integer({ min: 1, max: maxBridges }), fc.tuple(...perBridgeTable)).map(([n, lists]): Pipeline => {
    const bridges = pipelineBridges(n, nPorts);
    const names = new Set(bridges.map((b) => b.name));
    return { bridges, flows: lists.flat().filter((f) => names.has(f.bridge)) };
  });
}
