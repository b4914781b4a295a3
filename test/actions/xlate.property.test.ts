/**
 * Properties of translation over random pipelines: two bridges joined by a
 * patch port, random flows in four tables (outputs to ports, the patch port,
 * LOCAL, IN_PORT, FLOOD, CONTROLLER and a missing port, resubmits that may
 * loop, `resubmit:PORT`, goto_table, header rewrites, registers, moves,
 * output:reg, dec_ttl, clone, exit, set_queue, write_actions,
 * write_metadata, ct, learn), random packets aimed at the flows' matches.
 * Pipelines and packets come from ovsim/testing (`pipelines()` with `loops`
 * and `corners`, `packetChoices()` / `resolvePacket()`).
 *
 * - translation never throws and always terminates (loops end with OVS's
 *   depth / resubmit limits);
 * - megaflow soundness: every packet that agrees with the translated one on
 *   the megaflow mask gets the same datapath actions from a full translation
 *   (and with a megaflow mask planted to forget dl_dst, this fails).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseActionText } from "../../src/actions/action-parse.js";
import { actionSemantics } from "../../src/actions/action-semantics.js";
import type { ActionList } from "../../src/actions/action-types.js";
import { formatOdpActions } from "../../src/actions/xlate/odp-actions.js";
import type { XlateBridge, XlatePort } from "../../src/actions/xlate/xlate-bridge.js";
import { RecircIds } from "../../src/actions/xlate/xlate-context.js";
import { xlate } from "../../src/actions/xlate/xlate.js";
import { parseExactFlow } from "../../src/flowtable/exact-flow-parse.js";
import { FLOW_WORDS, M, readSmall } from "../../src/flowtable/flow-layout.js";
import { parseFlow } from "../../src/flowtable/flow-mod-parse.js";
import { packetFieldsMask } from "../../src/flowtable/flow-print.js";
import { defaultFlowMod, FlowTables } from "../../src/flowtable/flow-tables.js";
import { OFPP_LOCAL } from "../../src/flowtable/ports.js";
import { ETH_TYPE, IPPROTO } from "../../src/flowtable/protocols.js";
import type { PacketChoice, Pipeline } from "../../src/testing/index.js";
import { flowText, packetChoices, parseUserFlow, pipelineBridges, pipelines, propertyRuns, resolvePacket } from "../../src/testing/index.js";

/** br0 (p1-p3, LOCAL, patch01 at 9) <-> br1 (p4-p6, LOCAL, patch10 at 9); four tables each; loops and corner-case actions. */
const PIPELINES = pipelines({ bridges: 2, tables: 4, flowsPerTable: 3, ports: 3, loops: true, corners: true });

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

/** The pipeline's bridges as translation sees them (patch ports joined to their peers), its flows installed. */
function install(p: Pipeline): Map<string, XlateBridge> {
  const out = new Map<string, XlateBridge>();
  const patches: Array<{ port: XlatePort; peer: string }> = [];
  const byName = new Map<string, { bridge: string; ofport: number }>();
  p.bridges.forEach((b, i) => {
    const ports = [
      ...b.ports.map((s) => {
        const x = port(s.name, s.ofport, s.type === "patch" ? null : s.ofport);
        if (s.type === "patch") patches.push({ port: x, peer: s.options?.["peer"] ?? "" });
        byName.set(s.name, { bridge: b.name, ofport: s.ofport });
        return x;
      }),
      port(b.name, OFPP_LOCAL, 100 + i),
    ];
    const byNo = new Map(ports.map((x) => [x.ofport, x]));
    out.set(b.name, { name: b.name, tables: new FlowTables<ActionList>(actionSemantics), failMode: "secure", port: (n) => byNo.get(n), ports: () => ports });
  });
  for (const { port: x, peer } of patches) {
    const at = byName.get(peer);
    const bridge = at === undefined ? undefined : out.get(at.bridge);
    if (at !== undefined && bridge !== undefined) (x as { patchPeer: XlatePort["patchPeer"] }).patchPeer = { bridge, ofport: at.ofport };
  }
  for (const f of p.flows) {
    const parsed = parseFlow(flowText(f), "add");
    const actions = parseActionText(parsed.actions ?? "drop").actions;
    out.get(f.bridge)?.tables.apply(defaultFlowMod({ command: "add", match: parsed.match, priority: parsed.priority, tableId: parsed.tableId, flags: parsed.flags, actions }), 0);
  }
  return out;
}

/** The packet `c` chooses for `p`: the bridge it enters and its flow key. */
function packetOf(p: Pipeline, bridges: Map<string, XlateBridge>, c: PacketChoice): { bridge: XlateBridge; key: Uint32Array } {
  const pk = resolvePacket(p, c);
  const r = parseExactFlow(pk.flow);
  const bridge = bridges.get(pk.bridge);
  if (!r.ok || bridge === undefined) throw new Error(`${pk.flow}: ${r.ok ? "no bridge" : r.error}`);
  return { bridge, key: r.key };
}

const render = (r: ReturnType<typeof xlate>): string => `${formatOdpActions(r.odpActions)} ${r.error ?? ""}`;

type Xlate = typeof xlate;

const ICMP: ReadonlySet<number> = new Set([IPPROTO.ICMP, IPPROTO.ICMPV6]);
const ETH_IP: ReadonlySet<number> = new Set([ETH_TYPE.IP, ETH_TYPE.IPV6]);

/** Megaflow soundness with translation `tr` (xlate, or a planted one). */
function soundness(tr: Xlate): fc.IProperty<[Pipeline, PacketChoice, number[]]> {
  return fc.property(PIPELINES, packetChoices(), fc.array(fc.integer(), { minLength: FLOW_WORDS, maxLength: FLOW_WORDS }), (p, c, noise) => {
    const bridges = install(p);
    const { bridge, key } = packetOf(p, bridges, c);
    const r1 = tr(bridge, key, { recircIds: new RecircIds() });
    // Another packet: random packet-header bits where the megaflow mask is 0.
    const free = packetFieldsMask(key);
    for (const m of [M.ctState, M.ctZone, M.ctMark, M.pktMark]) free[m.word] = 0;
    free[M.vlanTci1.word] = 0;
    if ((key[M.vlanTci.word]! & 0x1000) === 0) free[M.vlanTci.word] = (free[M.vlanTci.word] ?? 0) & ~0xffff;
    // ICMP type and code are 8 bits held in tp_src / tp_dst: no packet sets their upper bytes.
    if (ICMP.has(readSmall(key, M.nwProto)) && ETH_IP.has(readSmall(key, M.dlType))) free[M.tpSrc.word] = (free[M.tpSrc.word] ?? 0) & 0x00ff00ff;
    const other = key.slice();
    for (let i = 0; i < FLOW_WORDS; i++) {
      const bits = (free[i] ?? 0) & ~(r1.megaflowMask[i] ?? 0);
      other[i] = ((key[i]! & ~bits) | ((noise[i]! >>> 0) & bits)) >>> 0;
    }
    const r2 = tr(bridge, other, { recircIds: new RecircIds() });
    expect(render(r2)).toBe(render(r1));
  });
}

describe("translation properties", () => {
  it("never throws and always terminates, on random pipelines with loops", () => {
    fc.assert(
      fc.property(PIPELINES, packetChoices(), (p, c) => {
        const bridges = install(p);
        const { bridge, key } = packetOf(p, bridges, c);
        const r = xlate(bridge, key, { trace: true });
        expect(r.odpActions.length).toBeLessThan(100000);
      }),
      { numRuns: propertyRuns(300) },
    );
  });

  it("a loop through patch ports and resubmits ends with OVS's error", () => {
    const p: Pipeline = {
      bridges: pipelineBridges(2, 2),
      flows: [parseUserFlow("br0", "table=0,priority=1,actions=output:9,resubmit(,0)"), parseUserFlow("br1", "table=0,priority=1,actions=output:9,resubmit(,0)")],
    };
    const bridges = install(p);
    const br0 = bridges.get("br0");
    if (br0 === undefined) throw new Error("no br0");
    const r = xlate(br0, parseFlow("in_port=1", "stats").match.key);
    expect(r.error).not.toBeNull();
  });

  it("megaflow soundness: packets agreeing on the megaflow mask get the same datapath actions", () => {
    fc.assert(soundness(xlate), { numRuns: propertyRuns(300) });
  });

  it("megaflow soundness fails when the megaflow mask forgets dl_dst", () => {
    const planted: Xlate = (...a) => {
      const r = xlate(...a);
      // dl_dst's two words (its high 16 bits, then its low 32).
      r.megaflowMask[M.dlDst.word] = 0;
      r.megaflowMask[M.dlDst.word + 1] = 0;
      return r;
    };
    const d = fc.check(soundness(planted), { numRuns: propertyRuns(300), seed: 1, endOnFailure: true });
    expect(d.failed).toBe(true);
  });
});
