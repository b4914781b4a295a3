/**
 * Properties of translation over random pipelines: two bridges joined by a
 * patch port, random flows in a few tables (outputs to ports and the patch
 * port, resubmits that may loop, goto_table, header rewrites, registers,
 * clone, exit, controller, ct, write_actions), random packets.
 *
 * - translation never throws and always terminates (loops end with OVS's
 *   depth / resubmit limits);
 * - megaflow soundness: every packet that agrees with the translated one on
 *   the megaflow mask gets the same datapath actions from a full translation.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { actionSemantics } from "../../src/actions/action-semantics.js";
import type { Action, ActionList } from "../../src/actions/action-types.js";
import { formatOdpActions } from "../../src/actions/xlate/odp-actions.js";
import type { XlateBridge, XlatePort } from "../../src/actions/xlate/xlate-bridge.js";
import { RecircIds } from "../../src/actions/xlate/xlate-context.js";
import { xlate } from "../../src/actions/xlate/xlate.js";
import { fieldByName } from "../../src/flowtable/fields.js";
import type { FieldSpec } from "../../src/flowtable/fields.js";
import { FLOW_WORDS, M } from "../../src/flowtable/flow-layout.js";
import { parseFlow } from "../../src/flowtable/flow-mod-parse.js";
import { packetFieldsMask } from "../../src/flowtable/flow-print.js";
import { defaultFlowMod, FlowTables } from "../../src/flowtable/flow-tables.js";
import { OFPP_CONTROLLER, OFPP_FLOOD, OFPP_IN_PORT, OFPP_LOCAL, OFPP_NONE } from "../../src/flowtable/ports.js";
import { propertyRuns } from "../../src/testing/runs.js";

const f = (name: string): FieldSpec => fieldByName(name) as FieldSpec;

function port(name: string, ofport: number, odpPort: number | null): XlatePort {
  return {
    name,
    ofport,
    odpPort,
    type: odpPort === null ? "patch" : "",
    patchPeer: null,
    vlan: { mode: "trunk", tag: null, trunks: [] },
    tunnel: null,
    noFlood: false,
    noForward: false,
    noReceive: false,
  };
}

function bridge(name: string, ports: XlatePort[]): XlateBridge {
  const tables = new FlowTables<ActionList>(actionSemantics);
  const byNo = new Map(ports.map((p) => [p.ofport, p]));
  return { name, tables, failMode: "secure", port: (n) => byNo.get(n), ports: () => ports };
}

/** br0 (1, 2, 3, LOCAL, patch 10) <-> br1 (4, 5, LOCAL, patch 20). */
function topology(): [XlateBridge, XlateBridge] {
  const pa = port("patch-a", 10, null);
  const pb = port("patch-b", 20, null);
  const br0 = bridge("br0", [port("p1", 1, 1), port("p2", 2, 2), port("p3", 3, 3), port("br0", OFPP_LOCAL, 100), pa]);
  const br1 = bridge("br1", [port("p4", 4, 4), port("p5", 5, 5), port("br1", OFPP_LOCAL, 101), pb]);
  (pa as { patchPeer: XlatePort["patchPeer"] }).patchPeer = { bridge: br1, ofport: 20 };
  (pb as { patchPeer: XlatePort["patchPeer"] }).patchPeer = { bridge: br0, ofport: 10 };
  return [br0, br1];
}

const MATCHES = [
  "",
  "in_port=1",
  "in_port=2",
  "in_port=10",
  "in_port=20",
  "ip",
  "tcp",
  "udp,udp_dst=53",
  "tcp,tp_dst=80",
  "ip,nw_src=10.0.0.0/8",
  "ip,nw_dst=10.0.0.1",
  "reg0=1",
  "reg1=0x5/0xf",
  "dl_vlan=5",
  "vlan_tci=0/0x1000",
  "dl_src=00:00:00:00:00:01",
  "arp",
  "metadata=0x1",
];

const OUT_PORTS = [1, 2, 3, 4, 5, 10, 20, OFPP_LOCAL, OFPP_IN_PORT, OFPP_FLOOD, OFPP_NONE, 9];

function arbAction(depth: number): fc.Arbitrary<Action> {
  const simple: fc.Arbitrary<Action>[] = [
    fc.constantFrom(...OUT_PORTS).map((p) => ({ type: "output", port: p, maxLen: 0 }) as Action),
    fc.record({ t: fc.integer({ min: 0, max: 3 }) }).map(({ t }) => ({ type: "resubmit", inPort: OFPP_IN_PORT, table: t, withCt: false }) as Action),
    fc.integer({ min: 1, max: 3 }).map((p) => ({ type: "resubmit", inPort: p, table: 255, withCt: false }) as Action),
    fc.integer({ min: 0, max: 7 }).map((v) => ({ type: "set_field", field: f("reg0"), value: BigInt(v & 1), mask: 0xffffffffn, raw: "reg_load" }) as Action),
    fc.integer({ min: 0, max: 15 }).map((v) => ({ type: "set_field", field: f("reg1"), value: BigInt(v), mask: 0xfn, raw: "set_field" }) as Action),
    fc.integer({ min: 1, max: 3 }).map((v) => ({ type: "set_field", field: f("ip_dst"), value: BigInt(0x0a000000 + v), mask: 0xffffffffn, raw: "set_field" }) as Action),
    fc.integer({ min: 1, max: 3 }).map((v) => ({ type: "set_eth_src", mac: BigInt(v) }) as Action),
    fc.integer({ min: 1, max: 9 }).map((v) => ({ type: "set_vlan_vid", vid: v, pushIfNeeded: true }) as Action),
    fc.constant({ type: "strip_vlan", pop: false } as Action),
    fc.constant({ type: "dec_ttl", ids: [0], withIds: false } as Action),
    fc.integer({ min: 1, max: 999 }).map((p) => ({ type: "set_l4_dst_port", port: p }) as Action),
    fc.constant({ type: "reg_move", src: { field: f("reg1"), ofs: 0, nBits: 16 }, dst: { field: f("tcp_src"), ofs: 0, nBits: 16 } } as Action),
    fc.constant({ type: "output_reg", src: { field: f("reg0"), ofs: 0, nBits: 16 }, maxLen: 0 } as Action),
    fc.constant({ type: "exit" } as Action),
    fc.constant({ type: "output", port: OFPP_CONTROLLER, maxLen: 128 } as Action),
    fc.integer({ min: 0, max: 3 }).map((q) => ({ type: "set_queue", queueId: q }) as Action),
    fc.constant({ type: "write_metadata", metadata: 1n, mask: 0xffn } as Action),
    fc.constantFrom(1, 2).map((p) => ({ type: "write_actions", actions: [{ type: "output", port: p, maxLen: 0 }] }) as Action),
    fc.constant({ type: "ct", commit: true, force: false, table: 255, zoneImm: 1, zoneSrc: null, alg: 0, actions: [] } as Action),
  ];
  if (depth > 0) simple.push(fc.array(arbAction(depth - 1), { maxLength: 3 }).map((actions) => ({ type: "clone", actions }) as Action));
  return fc.oneof(...simple);
}

interface FlowSpec {
  readonly bridge: 0 | 1;
  readonly table: number;
  readonly priority: number;
  readonly match: string;
  readonly actions: readonly Action[];
  readonly gotoTable: number | null;
}

const arbFlow: fc.Arbitrary<FlowSpec> = fc.record({
  bridge: fc.constantFrom(0 as const, 1 as const),
  table: fc.integer({ min: 0, max: 3 }),
  priority: fc.integer({ min: 0, max: 3 }),
  match: fc.constantFrom(...MATCHES),
  actions: fc.array(arbAction(1), { maxLength: 4 }),
  gotoTable: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
});

function install(bridges: readonly XlateBridge[], flows: readonly FlowSpec[]): void {
  for (const s of flows) {
    const text = `table=${s.table},priority=${s.priority}${s.match === "" ? "" : `,${s.match}`}`;
    const p = parseFlow(`${text},actions=drop`, "add");
    const actions: Action[] = [...s.actions];
    if (s.gotoTable !== null && s.gotoTable > s.table) actions.push({ type: "goto_table", table: s.gotoTable });
    bridges[s.bridge]!.tables.apply(
      defaultFlowMod({ command: "add", match: p.match, priority: s.priority, tableId: s.table, flags: p.flags, actions }),
      0,
    );
  }
}

const PACKETS = [
  "in_port=1",
  "in_port=2,ip,nw_src=10.1.2.3,nw_dst=10.0.0.1,nw_ttl=64",
  "in_port=1,tcp,nw_src=11.0.0.1,tp_dst=80,tp_src=1234,nw_ttl=1",
  "in_port=3,udp,udp_dst=53,nw_ttl=9",
  "in_port=1,dl_vlan=5,ip,nw_ttl=5",
  "in_port=2,dl_src=00:00:00:00:00:01,arp,arp_op=1",
  "in_port=4,tcp6,nw_ttl=3",
  "in_port=4,icmp,icmp_type=8,nw_ttl=2",
];

const arbPacket = fc.tuple(fc.constantFrom(...PACKETS), fc.constantFrom(0, 1)).map(([p, b]) => ({ text: p, bridge: b }));

const render = (r: ReturnType<typeof xlate>): string => `${formatOdpActions(r.odpActions)} ${r.error ?? ""}`;

describe("translation properties", () => {
  it("never throws and always terminates, on random pipelines with loops", () => {
    fc.assert(
      fc.property(fc.array(arbFlow, { maxLength: 24 }), arbPacket, (flows, pkt) => {
        const bridges = topology();
        install(bridges, flows);
        const key = parseFlow(pkt.text, "stats").match.key;
        const r = xlate(bridges[pkt.bridge]!, key, { trace: true });
        expect(r.odpActions.length).toBeLessThan(100000);
      }),
      { numRuns: propertyRuns(300) },
    );
  });

  it("a loop through patch ports and resubmits ends with OVS's error", () => {
    const bridges = topology();
    install(bridges, [
      { bridge: 0, table: 0, priority: 1, match: "", actions: [{ type: "output", port: 10, maxLen: 0 }, { type: "resubmit", inPort: OFPP_IN_PORT, table: 0, withCt: false }], gotoTable: null },
      { bridge: 1, table: 0, priority: 1, match: "", actions: [{ type: "output", port: 20, maxLen: 0 }, { type: "resubmit", inPort: OFPP_IN_PORT, table: 0, withCt: false }], gotoTable: null },
    ]);
    const r = xlate(bridges[0]!, parseFlow("in_port=1", "stats").match.key);
    expect(r.error).not.toBeNull();
  });

  it("megaflow soundness: packets agreeing on the megaflow mask get the same datapath actions", () => {
    fc.assert(
      fc.property(fc.array(arbFlow, { maxLength: 20 }), arbPacket, fc.array(fc.integer(), { minLength: FLOW_WORDS, maxLength: FLOW_WORDS }), (flows, pkt, noise) => {
        const bridges = topology();
        install(bridges, flows);
        const key = parseFlow(pkt.text, "stats").match.key;
        const r1 = xlate(bridges[pkt.bridge]!, key, { recircIds: new RecircIds() });
        // Another packet: random packet-header bits where the megaflow mask is 0.
        const free = packetFieldsMask(key);
        for (const m of [M.ctState, M.ctZone, M.ctMark, M.pktMark]) free[m.word] = 0;
        free[M.vlanTci1.word] = 0;
        if ((key[M.vlanTci.word]! & 0x1000) === 0) free[M.vlanTci.word] = (free[M.vlanTci.word] ?? 0) & ~0xffff;
        const other = key.slice();
        for (let i = 0; i < FLOW_WORDS; i++) {
          const bits = (free[i] ?? 0) & ~(r1.megaflowMask[i] ?? 0);
          other[i] = ((key[i]! & ~bits) | ((noise[i]! >>> 0) & bits)) >>> 0;
        }
        const r2 = xlate(bridges[pkt.bridge]!, other, { recircIds: new RecircIds() });
        expect(render(r2)).toBe(render(r1));
      }),
      { numRuns: propertyRuns(300) },
    );
  });
});
