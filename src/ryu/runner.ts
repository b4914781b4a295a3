/**
 * Runs Ryu OpenFlow switch test cases (ryu/tests/switch/*.json) against an
 * in-process ovsim switch, as Ryu's tester.py runs them against a real one.
 *
 * Per case: a fresh switch (`br0`, datapath_type=dummy, ports p1..p3 with
 * OpenFlow numbers 1..3, no flows); each prerequisite message sent as the
 * ovs-ofctl command that sends it (openflow-json.ts); then each test:
 *
 * - the ingress packet enters on port 1 (Ryu's "target recv port"): its flow
 *   key is built from the description (flow-of-layers.ts), translated through
 *   the bridge (`xlate`), and the datapath actions are executed on the
 *   description (odp-exec.ts);
 * - `egress`: exactly one packet leaves, on port 2, equal to the expected one;
 * - `PACKET_IN`: exactly one packet goes to the controller, equal to the
 *   expected one, and none leaves a port;
 * - `table-miss`: each listed table is looked up and matches nothing;
 * - throughput (`ingress.packets` with `pktps` and `duration_time`): packets
 *   are sent at that rate on the virtual clock (at most MAX_THROUGHPUT_PACKETS
 *   per test) and the rate leaving
 *   each named port must be within THROUGHPUT_TOLERANCE of the expected one.
 *
 * A prerequisite the switch refuses fails the case with the switch's error,
 * as it does in Ryu (whose verdict for it is ERROR).
 */
import type { XlateBridge } from "../actions/xlate/xlate-bridge.js";
import type { TraceNode } from "../actions/xlate/trace.js";
import type { XlateResult } from "../actions/xlate/xlate.js";
import { xlate } from "../actions/xlate/xlate.js";
import { runLine } from "../cli/run-script.js";
import { World } from "../cli/world.js";
import { XM, xlateFlowOf } from "../actions/xlate/odp-metadata.js";
import { recircIds } from "../cli/recirc-ids.js";
import { dpHash } from "../datapath/dp-hash.js";
import type { Emitted, ExecHooks } from "./odp-exec.js";
import { executeOdp } from "./odp-exec.js";
import { flowOfLayers } from "./flow-of-layers.js";
import type { Json, OfVersion } from "./openflow-json.js";
import { RyuMessageError, messageLine, throughputPort } from "./openflow-json.js";
import type { Layer } from "./packet-desc.js";
import { parsePacket } from "./packet-desc.js";
import { formatPacket, packetsEqual } from "./packet-compare.js";
import { packetLength } from "./packet-length.js";
import type { RandInt } from "./py-expr.js";
import { RyuSyntaxError, seededRandInt } from "./py-expr.js";

/** Ryu's tester: the tested switch receives on port 1 and sends the expected egress on port 2. */
export const RECV_PORT = 1;
export const SEND_PORT = 2;
const N_PORTS = 3;
const BRIDGE = "br0";
/**
 * Packets per throughput test at most. The corpus asks for up to 525,000
 * (17,500 packets/s for 30 s); packets with random fields are translated one
 * by one, the others once. A longer run is shortened (same rate), which
 * overstates a meter's initial burst allowance.
 */
export const MAX_THROUGHPUT_PACKETS = 600_000;
/** Ryu's tester accepts a measured rate within 10% of the expected one. */
export const THROUGHPUT_TOLERANCE = 0.1;

export type Verdict = "pass" | "fail";

export interface CaseResult {
  /** The test file's path relative to the corpus root, and the case's index in it (1-based). */
  readonly file: string;
  readonly index: number;
  readonly description: string;
  readonly verdict: Verdict;
  /** Why it failed (empty when it passed). */
  readonly reason: string;
}

export class RyuCaseError extends Error {
  readonly code = "RYU_CASE";
}

function isObj(v: Json | undefined): v is { readonly [k: string]: Json } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function strings(v: Json | undefined, what: string): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) throw new RyuCaseError(`${what}: expected a list of packet strings`);
  return v as string[];
}

function newSwitch(): { world: World; bridge: XlateBridge } {
  const world = new World();
  const ports = Array.from({ length: N_PORTS }, (_, i) => ` -- add-port ${BRIDGE} p${i + 1} -- set Interface p${i + 1} type=dummy ofport_request=${i + 1}`).join("");
  const setup = [
    `ovs-vsctl add-br ${BRIDGE} -- set bridge ${BRIDGE} datapath_type=dummy fail-mode=secure protocols=OpenFlow10,OpenFlow13${ports}`,
    `ovs-ofctl del-flows ${BRIDGE}`,
  ];
  for (const line of setup) {
    const r = runLine(world, line);
    if (!r.ok) throw new RyuCaseError(`switch setup failed: ${line}: ${r.stderr.join(" ")}`);
  }
  const bridge = world.xlateBridge(BRIDGE);
  if (bridge === undefined) throw new RyuCaseError("switch setup failed: no bridge");
  return { world, bridge };
}

function odpToOfport(bridge: XlateBridge): Map<number, number> {
  const m = new Map<number, number>();
  for (const p of bridge.ports()) if (p.odpPort !== null) m.set(p.odpPort, p.ofport);
  return m;
}

/** OVS's MAX_RECIRC_DEPTH. */
const MAX_RECIRC_DEPTH = 6;

function translate(world: World, bridge: XlateBridge, packet: readonly Layer[], trace: boolean, recirc?: { readonly id: number; readonly dpHash: number }): XlateResult {
  const flow = xlateFlowOf(flowOfLayers(packet, RECV_PORT));
  if (recirc !== undefined) {
    flow[XM.recircId.word] = recirc.id;
    flow[XM.dpHash.word] = recirc.dpHash;
  }
  return xlate(bridge, flow, { trace, allowSideEffects: true, now: world.now, recircIds: recircIds(world), resubmitStats: { packets: 1, bytes: packetLength(packet) } });
}

/**
 * The executor's datapath side for `recirc(N)`: dp_hash computed as dpif-netdev
 * does on the packet as it is then (src/datapath/dp-hash.ts), then the
 * recirculated pass translated (thawing the frozen state) and executed.
 */
function execHooks(world: World, bridge: XlateBridge, depth: number, traces?: TraceNode[]): ExecHooks {
  // The datapath's meters (src/datapath/dp-meter.ts), the same token buckets `ovsim run` executes.
  const meters = world.ofproto(BRIDGE)?.datapath.meters;
  return {
    meterDrops: (id, p) => meters?.run(id, world.now, packetLength(p)) === "drop",
    recirc: (id, p, hash, out) => {
      if (depth >= MAX_RECIRC_DEPTH) return;
      const dp = hash === null ? 0 : dpHash(xlateFlowOf(flowOfLayers(p, RECV_PORT)), hash.alg, hash.basis);
      const r = translate(world, bridge, p, traces !== undefined, { id, dpHash: dp });
      // The recirculated pass's table lookups count as the packet's (the table-miss checks).
      traces?.push(...r.trace);
      const ex = executeOdp(r.odpActions, p, execHooks(world, bridge, depth + 1, traces));
      out.emitted.push(...ex.emitted);
      out.unsupported.push(...ex.unsupported);
    },
  };
}

interface Sent {
  readonly outputs: { readonly ofport: number; readonly packet: Layer[] }[];
  readonly packetIns: Layer[][];
  readonly trace: readonly TraceNode[];
  readonly notes: string[];
}

function send(world: World, bridge: XlateBridge, packet: readonly Layer[], trace: boolean, cached?: XlateResult): Sent {
  const r = cached ?? translate(world, bridge, packet, trace);
  const notes: string[] = [];
  if (r.error !== null) notes.push(`translation error ${r.error}`);
  const recircTraces: TraceNode[] = [];
  const ex = executeOdp(r.odpActions, packet, execHooks(world, bridge, 0, trace ? recircTraces : undefined));
  for (const u of ex.unsupported) notes.push(`datapath action not executed by the runner: ${u}`);
  const ports = odpToOfport(bridge);
  const outputs: { ofport: number; packet: Layer[] }[] = [];
  const packetIns: Layer[][] = [];
  for (const e of ex.emitted as Emitted[]) {
    if (e.kind === "controller") packetIns.push(e.packet);
    else outputs.push({ ofport: ports.get(e.port) ?? -1, packet: e.packet });
  }
  return { outputs, packetIns, trace: [...r.trace, ...recircTraces], notes };
}

function describeSent(s: Sent): string {
  const parts = s.outputs.map((o) => `port ${o.ofport}: ${formatPacket(o.packet)}`);
  for (const p of s.packetIns) parts.push(`packet-in: ${formatPacket(p)}`);
  if (parts.length === 0) parts.push("nothing (dropped)");
  return parts.join("; ") + (s.notes.length > 0 ? ` [${s.notes.join("; ")}]` : "");
}

/** Table lookups in a trace: table id -> whether each lookup matched. */
function lookups(nodes: readonly TraceNode[], out: Map<number, boolean[]>): Map<number, boolean[]> {
  for (const n of nodes) {
    if (n.type === "table") {
      const m = /^\s*(\d+)\. (.*)$/.exec(n.text);
      if (m !== null) {
        const id = Number(m[1]);
        const miss = (m[2] ?? "").startsWith("No match");
        const l = out.get(id) ?? [];
        l.push(!miss);
        out.set(id, l);
      }
    }
    lookups(n.subs, out);
  }
  return out;
}

function checkPacketTest(world: World, bridge: XlateBridge, t: { readonly [k: string]: Json }, rand: RandInt): string {
  const ingress = parsePacket(strings(t["ingress"], "ingress"), rand);
  if (t["egress"] !== undefined) {
    const expected = parsePacket(strings(t["egress"], "egress"), rand);
    const s = send(world, bridge, ingress, false);
    const o = s.outputs[0];
    if (s.outputs.length === 1 && s.packetIns.length === 0 && o !== undefined && o.ofport === SEND_PORT && packetsEqual(o.packet, expected)) return "";
    return `expected port ${SEND_PORT}: ${formatPacket(expected)}; got ${describeSent(s)}`;
  }
  if (t["PACKET_IN"] !== undefined) {
    const expected = parsePacket(strings(t["PACKET_IN"], "PACKET_IN"), rand);
    const s = send(world, bridge, ingress, false);
    const p = s.packetIns[0];
    if (s.packetIns.length === 1 && s.outputs.length === 0 && p !== undefined && packetsEqual(p, expected)) return "";
    return `expected packet-in: ${formatPacket(expected)}; got ${describeSent(s)}`;
  }
  const tables = t["table-miss"];
  if (Array.isArray(tables)) {
    const s = send(world, bridge, ingress, true);
    const seen = lookups(s.trace, new Map());
    for (const tb of tables) {
      const l = typeof tb === "number" ? seen.get(tb) : undefined;
      if (l === undefined) return `expected a miss in table ${String(tb)}, but the packet never reached it; got ${describeSent(s)}`;
      if (l.some((matched) => matched)) return `expected a miss in table ${String(tb)}, but a flow matched; got ${describeSent(s)}`;
    }
    return "";
  }
  throw new RyuCaseError(`test has no egress, PACKET_IN or table-miss: ${JSON.stringify(Object.keys(t))}`);
}

function checkThroughputTest(world: World, bridge: XlateBridge, t: { readonly [k: string]: Json }, rand: RandInt): string {
  const ing = t["ingress"];
  const pk = isObj(ing) ? ing["packets"] : undefined;
  const eg = t["egress"];
  const through = isObj(eg) ? eg["throughput"] : undefined;
  if (!isObj(pk) || !Array.isArray(through)) throw new RyuCaseError("throughput test without ingress.packets or egress.throughput");
  const data = strings(pk["data"], "ingress.packets.data");
  const pktps = typeof pk["pktps"] === "number" ? pk["pktps"] : 0;
  const duration = typeof pk["duration_time"] === "number" ? pk["duration_time"] : 0;
  const n = Math.min(Math.floor(pktps * duration), MAX_THROUGHPUT_PACKETS);
  if (n <= 0) throw new RyuCaseError("throughput test without a rate or duration");
  const seconds = n / pktps;
  const bytes = new Map<number, number>();
  const packets = new Map<number, number>();
  const notes = new Set<string>();
  const start = world.now;
  // A packet without random fields is the same every time: translate it once
  // (as the datapath's megaflow cache would) and execute its actions per packet.
  const fixed = data.some((d) => d.includes("randint")) ? null : parsePacket(data, rand);
  const fixedXlate = fixed === null ? undefined : translate(world, bridge, fixed, false);
  for (let k = 0; k < n; k++) {
    const at = start + (k * 1000) / pktps;
    if (at > world.now) world.advance(at - world.now);
    const s = send(world, bridge, fixed ?? parsePacket(data, rand), false, fixedXlate);
    for (const x of s.notes) notes.add(x);
    for (const o of s.outputs) {
      bytes.set(o.ofport, (bytes.get(o.ofport) ?? 0) + packetLength(o.packet));
      packets.set(o.ofport, (packets.get(o.ofport) ?? 0) + 1);
    }
  }
  const problems: string[] = [];
  for (const e of through) {
    if (!isObj(e)) continue;
    const port = throughputPort(e);
    if (port === null) throw new RyuCaseError(`throughput entry without in_port: ${JSON.stringify(e)}`);
    const [unit, want, got] =
      typeof e["kbps"] === "number"
        ? ["kbps", e["kbps"], ((bytes.get(port) ?? 0) * 8) / 1000 / seconds]
        : ["pktps", typeof e["pktps"] === "number" ? e["pktps"] : 0, (packets.get(port) ?? 0) / seconds];
    if (Math.abs(got - want) > want * THROUGHPUT_TOLERANCE) problems.push(`port ${port}: expected ${want} ${unit}, measured ${got.toFixed(0)} ${unit}`);
  }
  if (problems.length === 0) return "";
  return problems.join("; ") + (notes.size > 0 ? ` [${[...notes].join("; ")}]` : "");
}

/** Runs one case (`{description, prerequisite, tests}`) and says whether it passed, and why not. */
export function runCase(c: Json, version: OfVersion, file: string, index: number): CaseResult {
  const description = isObj(c) && typeof c["description"] === "string" ? c["description"] : "";
  const result = (reason: string): CaseResult => ({ file, index, description, verdict: reason === "" ? "pass" : "fail", reason });
  try {
    if (!isObj(c)) throw new RyuCaseError("a case must be an object");
    const { world, bridge } = newSwitch();
    const prereq = c["prerequisite"];
    for (const msg of Array.isArray(prereq) ? prereq : []) {
      const line = messageLine(msg, version, BRIDGE);
      const r = runLine(world, line);
      if (!r.ok) return result(`prerequisite refused: ${line.replace(/^ovs-ofctl -O \S+ /, "")}: ${[...r.stderr, ...r.stdout].join(" ").trim()}`);
    }
    const rand = seededRandInt(index);
    const problems: string[] = [];
    for (const t of Array.isArray(c["tests"]) ? c["tests"] : []) {
      if (!isObj(t)) throw new RyuCaseError("a test must be an object");
      const p = isObj(t["ingress"]) ? checkThroughputTest(world, bridge, t, rand) : checkPacketTest(world, bridge, t, rand);
      if (p !== "") problems.push(p);
    }
    return result(problems.join(" | "));
  } catch (e) {
    if (e instanceof RyuSyntaxError || e instanceof RyuMessageError || e instanceof RyuCaseError) return result(`corpus not understood: ${e.message.split("\n")[0] ?? ""}`);
    throw e;
  }
}
