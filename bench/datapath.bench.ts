/*
 * Packets per second through a host's datapath (src/datapath/dpif-netdev.ts): a warm megaflow
 * cache vs the cache disabled (every packet translated in full, as an upcall), on a 2-table
 * and a 10-table pipeline; and the cost of a megaflow hit vs the number of megaflow masks.
 *
 * Inputs: 1024 pre-built datapath keys per pipeline (random sources, ports and addresses that
 * fall into a handful of megaflows), picked in a scrambled order the JIT cannot fold away.
 * Timed with bench/timing.ts (median of 3 rounds, CPU time and wall clock; the machine is
 * shared). Execution of the actions is not timed (the caller's step).
 */
import { Switch } from "../src/vswitchd/switch.js";
import type { DpifNetdev } from "../src/datapath/dpif-netdev.js";
import { composedFlow } from "../src/datapath/flow-compose.js";
import { DP_KEY_WORDS, MegaflowCache } from "../src/datapath/megaflow-cache.js";
import { parseOdpFlow } from "../src/datapath/odp-flow-parse.js";
import type { OdpAction } from "../src/actions/xlate/odp-actions.js";
import { odpSet } from "../src/actions/xlate/odp-set.js";
import { odpExecute } from "../src/datapath/odp-execute.js";
import { flowCompose } from "../src/datapath/packet/compose.js";
import { extractFlow } from "../src/datapath/packet/extract.js";
import { XLATE_FLOW_WORDS } from "../src/actions/xlate/odp-metadata.js";
import { W } from "../src/flowtable/flow-layout.js";
import type { Trial } from "./run.js";
import { packetRate, uniformRandom } from "./packet-rate.js";
import type { PacketRateRow } from "./packet-rate.js";
import { timeLoop } from "./timing.js";

const N_KEYS = 1024;

function setup(flows: readonly string[]): { world: Switch; dpif: DpifNetdev } {
  const world = new Switch();
  world.addBridge("br0", { datapathType: "dummy" });
  for (const i of [1, 2, 3]) world.addPort("br0", `p${i}`, { type: "dummy", ofportRequest: i });
  world.deleteFlows("br0");
  for (const f of flows) world.addFlow("br0", f);
  const dp = world.ofproto("br0")?.datapath;
  if (dp === undefined) throw new Error("no datapath");
  return { world, dpif: world.datapaths.dpif(dp) };
}

function keys(): Uint32Array[] {
  const r = uniformRandom(42);
  const out: Uint32Array[] = [];
  for (let i = 0; i < N_KEYS; i++) {
    const proto = r() < 0.5 ? 6 : 17;
    const l4 = proto === 6 ? "tcp" : "udp";
    const dst = r() < 0.5 ? 80 : 53;
    const text = `in_port(1),eth(src=50:54:00:00:${(1 + Math.floor(r() * 200)).toString(16).padStart(2, "0")}:01,dst=50:54:00:00:00:02),eth_type(0x0800),ipv4(src=10.0.0.${1 + Math.floor(r() * 250)},dst=10.0.${Math.floor(r() * 4)}.2,proto=${proto},tos=0,ttl=64,frag=no),${l4}(src=${1024 + Math.floor(r() * 30000)},dst=${dst})`;
    const p = parseOdpFlow(text, new Map());
    if (!p.ok) throw new Error(p.error);
    const f = composedFlow(p.flow, 1);
    const key = new Uint32Array(DP_KEY_WORDS);
    key.set(f.subarray(0, DP_KEY_WORDS));
    key[W.IN_PORT] = 1;
    out.push(key);
  }
  return out;
}

const TWO_TABLES = [
  "table=0,priority=100,ip,nw_src=10.0.0.0/24,actions=resubmit(,1)",
  "table=0,priority=0,actions=drop",
  "table=1,priority=10,tcp,tp_dst=80,actions=output:2",
  "table=1,priority=10,udp,actions=output:3",
  "table=1,priority=0,actions=drop",
];

/** Ten tables, each matching a different field before resubmitting to the next. */
const TEN_TABLES = [
  "table=0,priority=10,in_port=1,actions=resubmit(,1)",
  "table=1,priority=10,ip,actions=resubmit(,2)",
  "table=2,priority=10,ip,nw_src=10.0.0.0/24,actions=resubmit(,3)",
  "table=3,priority=10,dl_dst=50:54:00:00:00:02,actions=resubmit(,4)",
  "table=4,priority=10,ip,nw_dst=10.0.0.0/16,actions=resubmit(,5)",
  "table=5,priority=10,ip,nw_ttl=64,actions=resubmit(,6)",
  "table=6,priority=10,tcp,actions=resubmit(,7)",
  "table=6,priority=5,udp,actions=resubmit(,7)",
  "table=7,priority=10,ip,nw_tos=0,actions=resubmit(,8)",
  "table=8,priority=10,tcp,tp_dst=80,actions=mod_nw_dst:10.9.9.9,resubmit(,9)",
  "table=8,priority=5,actions=resubmit(,9)",
  "table=9,priority=10,actions=output:2",
];

type Row = PacketRateRow;

const rows: Row[] = [];
/** Whole packets on the 2-table pipeline: bytes in, flow extraction, megaflow lookup, execution. */
const endToEnd: { pps: number; nsPerPacket: number }[] = [];
const maskRows: { masks: number; nsPerHit: number }[] = [];
const execRows: { name: string; nsPerPacket: number }[] = [];

/** Executing datapath actions on a 118-byte TCP packet: output alone (the baseline) vs set(ipv4)+output. */
function executeCost(name: string, actions: readonly OdpAction[]): { name: string; nsPerPacket: number } {
  const ks = keys();
  const pkts = ks.slice(0, 64).map((k) => flowCompose(k));
  const t = timeLoop(
    (n) => {
      let x = 0;
      for (let k = 0; k < n; k++) x += odpExecute(pkts[k & 63]!, actions).outputs.length;
      return x;
    },
    { roundMs: 200, rounds: 3 },
  );
  return { name, nsPerPacket: t.cpuNs };
}

function pipelineRate(name: string, flows: readonly string[]): Row {
  const { world, dpif } = setup(flows);
  return { name, ...packetRate(dpif, keys(), world.now, 3) };
}

/**
 * A warm datapath as a host runs it, per packet: extract the flow from the bytes
 * (miniflow_extract), the megaflow lookup, then execute the actions on the bytes. The
 * packets are built once; the flow and key are scratch arrays, as dpif-netdev's.
 */
function endToEndRate(flows: readonly string[]): { pps: number; nsPerPacket: number } {
  const ks = keys();
  const { world, dpif } = setup(flows);
  const pkts = ks.map((k) => flowCompose(k));
  const flow = new Uint32Array(XLATE_FLOW_WORDS);
  const key = new Uint32Array(DP_KEY_WORDS);
  const dp = world.ofproto("br0")!.datapath;
  const env = { meters: dp.meters, now: world.now };
  const run = (n: number): number => {
    let x = 0;
    let i = 0;
    for (let k = 0; k < n; k++) {
      i = (i + 617) & (N_KEYS - 1);
      const p = pkts[i]!;
      extractFlow(p, 1, flow);
      key.set(flow.subarray(0, DP_KEY_WORDS));
      key[W.IN_PORT] = 1;
      x += odpExecute(p, dpif.receive(key, p.size, world.now), 1, env).outputs.length;
    }
    return x;
  };
  run(N_KEYS); // warm the cache
  const t = timeLoop(run, { roundMs: 300, rounds: 3 });
  return { pps: 1e9 / t.cpuNs, nsPerPacket: t.cpuNs };
}

/** Hit cost with `nMasks` masks installed, the hit in the last-ranked one at worst. */
function maskCost(nMasks: number): number {
  const cache = new MegaflowCache();
  const r = uniformRandom(7);
  const flowsPerMask = 16;
  const probe: Uint32Array[] = [];
  for (let m = 0; m < nMasks; m++) {
    const mask = new Uint32Array(DP_KEY_WORDS);
    mask[W.IN_PORT] = 0xffffffff;
    // A distinct mask per m: a different set of bits of nw_src / nw_dst / tp ports.
    mask[W.NW_SRC] = (0xffffffff << (m % 32)) >>> 0;
    mask[W.NW_DST] = m >= 32 ? 0xffffffff : 0;
    mask[W.TP_SRC_DST] = 0xffff;
    for (let f = 0; f < flowsPerMask; f++) {
      const key = new Uint32Array(DP_KEY_WORDS);
      key[W.IN_PORT] = 1;
      key[W.NW_SRC] = Math.floor(r() * 2 ** 32) >>> 0;
      key[W.NW_DST] = 0;
      key[W.TP_SRC_DST] = (m * flowsPerMask + f) & 0xffff;
      cache.insert(key, mask, [], false, 0);
      probe.push(key);
    }
  }
  const n = probe.length;
  const t = timeLoop(
    (count) => {
      let x = 0;
      let i = 0;
      for (let k = 0; k < count; k++) {
        i = (i + 7) % n;
        if (cache.lookup(probe[i]!) !== null) x++;
      }
      return x;
    },
    { roundMs: 200, rounds: 3 },
  );
  return t.cpuNs;
}

export function register(): void {}

export function measure(filter: RegExp | null): void {
  if (filter !== null && !filter.test("datapath")) return;
  rows.push(pipelineRate("2-table", TWO_TABLES));
  rows.push(pipelineRate("10-table", TEN_TABLES));
  endToEnd.push(endToEndRate(TWO_TABLES));
  for (const m of [1, 8, 32]) maskRows.push({ masks: m, nsPerHit: maskCost(m) });
  const out: OdpAction = { type: "output", port: 2 };
  execRows.push(executeCost("execute output", [out]));
  execRows.push(executeCost("execute set(ipv4)+output", [odpSet("ipv4", { dst: 0x0a090909, ttl: 63 }, { dst: 0xffffffff, ttl: 0xff }), out]));
}

export function report(_trials: readonly Trial[]): void {
  if (rows.length === 0) return;
  console.log("\ndatapath (packets/s, one core, CPU-time median of 3; targets: cached >= 1M (issue 3) / 2M (issue 4), >= 20x uncached)");
  for (const r of rows) {
    console.log(
      `  ${r.name.padEnd(9)} cached ${(r.cachedPps / 1e6).toFixed(2)} M/s   uncached ${(r.uncachedPps / 1e3).toFixed(1)} k/s   ratio ${r.ratio.toFixed(0)}x   (${r.megaflows} megaflows, ${r.masks} masks)`,
    );
  }
  for (const e of endToEnd) {
    console.log(`  2-table end to end (extract + megaflow lookup + execute): ${(e.pps / 1e6).toFixed(2)} M/s (${e.nsPerPacket.toFixed(0)} ns/packet)`);
  }
  for (const m of maskRows) console.log(`  megaflow hit with ${String(m.masks).padStart(2)} masks: ${m.nsPerHit.toFixed(0)} ns`);
  for (const e of execRows) console.log(`  ${e.name}: ${e.nsPerPacket.toFixed(0)} ns/packet`);
}

/** bench/results/latest.json's `datapath`. */
export interface DatapathSummary {
  readonly pipelines: readonly Row[];
  readonly endToEnd: { readonly pps: number; readonly nsPerPacket: number } | null;
  readonly maskCost: readonly { readonly masks: number; readonly nsPerHit: number }[];
  readonly execute: readonly { readonly name: string; readonly nsPerPacket: number }[];
}

export function summary(): DatapathSummary | null {
  return rows.length === 0 ? null : { pipelines: rows, endToEnd: endToEnd[0] ?? null, maskCost: maskRows, execute: execRows };
}
