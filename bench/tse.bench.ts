/*
 * Tuple space explosion (TSE; Csikor et al., "Tuple Space Explosion: A Denial-of-Service
 * Attack Against a Software Packet Classifier", CoNEXT 2019): an attacker allowed through a
 * permissive ACL crafts packets so that each gets a megaflow with a different mask. The
 * classifier un-wildcards a field only as far as it needs to tell the packet from the ACL's
 * values (prefix tries on nw_src / nw_dst, ports tries on tp_dst), so a packet whose tp_dst
 * differs from 80 at bit i gets a tp_dst mask of i + 1 bits, one whose nw_src differs from
 * the SSH rule's address at bit j a nw_src mask of j + 1 bits, and the masks of several
 * fields multiply: 16 x 32 x 32 masks from three fields. Every mask is one more subtable of
 * the megaflow cache that every lookup (and every new flow's miss) may have to probe.
 *
 * Two parts, each cell measured in PROCESSES fresh Node processes (this file run as a child),
 * figures min / median / max over the processes (each process: median of its rounds, CPU
 * time, bench/timing.ts):
 *
 * 1. The attack on ovsim: ACL below installed in one OpenFlow table, 256 legitimate web
 *    flows, then attack packets until the megaflow cache holds ATTACK_MASKS[i] masks. Timed:
 *    a megaflow cache hit on a stream alternating legitimate and attack packets, and a miss
 *    (a new flow: ICMP, matching no megaflow, so it probes every mask before its upcall).
 * 2. The classifier against the number of tuples (subtables) on OVS's own benchmark
 *    workload (bench/ovs-workload.ts, 10k rules): ovsim's classifier (bench/ovs-cell.ts) and,
 *    where scripts/build-ovs-classifier-bench.sh has built it, OVS's C classifier
 *    (`ovstest test-classifier benchmark`, bench/ovs-baseline.ts, median of its 3 runs,
 *    wall clock as OVS times itself) side by side.
 *
 *   node --import tsx bench/tse.bench.ts attack <masks>   (one process of part 1, JSON out)
 */

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { readFlowFile } from "../src/bench/flow-file.js";
import { DP_KEY_WORDS, MegaflowCache } from "../src/datapath/megaflow-cache.js";
import { parseExactFlow } from "../src/flowtable/exact-flow-parse.js";
import { FLOW_WORDS } from "../src/flowtable/flow-layout.js";
import { FlowTables } from "../src/flowtable/flow-tables.js";
import type { CellTimings } from "./ovs-cell.js";
import { measureOvsCell, ovsBaselineVersion } from "./ovs-baseline.js";
import type { Trial } from "./run.js";
import { mmm, timeLoop } from "./timing.js";
import type { Mmm } from "./timing.js";

const QUICK = process.argv.includes("--quick");
const PROCESSES = QUICK ? 2 : 3;
/** Megaflow masks the attack reaches, cell by cell (1: no attack, legitimate traffic only). */
const ATTACK_MASKS = QUICK ? [1, 1024] : [1, 16, 64, 256, 1024, 4096];
/** Subtables of the classifier part, at CLS_RULES rules. */
const CLS_SUBTABLES = QUICK ? [1, 256] : [1, 16, 64, 256, 1024];
const CLS_RULES = 10_000;
const ROUNDS = 5;
const ROUND_MS = 100;
const LEGIT_FLOWS = 256;

/** A permissive security-group-like ACL: web open to all, SSH from one host, DNS to one server. */
export const ACL = `priority=100,tcp,tp_dst=80,actions=NORMAL
priority=100,tcp,nw_src=10.0.0.1,tp_dst=22,actions=NORMAL
priority=100,udp,nw_dst=10.0.0.53,udp_dst=53,actions=NORMAL
priority=0,actions=drop`;

const ip = (x: number) => `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`;

/** Attack packet `i`: tp_dst, nw_src and nw_dst each one bit away from the ACL's values. */
export function attackFlow(i: number): string {
  const a = i % 16;
  const b = Math.floor(i / 16) % 32;
  const c = Math.floor(i / 512) % 32;
  return `tcp,nw_src=${ip((0x0a000001 ^ (1 << b)) >>> 0)},nw_dst=${ip((0x0a000035 ^ (1 << c)) >>> 0)},tcp_src=40000,tcp_dst=${80 ^ (1 << a)}`;
}

function key(flow: string): Uint32Array {
  const r = parseExactFlow(flow);
  if (!r.ok) throw new Error(r.error);
  const k = new Uint32Array(DP_KEY_WORDS);
  k.set(r.key);
  return k;
}

export interface AttackCell {
  readonly masks: number;
  readonly megaflows: number;
  readonly attackPackets: number;
  /** CPU ns per megaflow cache lookup, median of rounds: alternating legit/attack hits, and misses. */
  readonly hitNs: number;
  readonly missNs: number;
  /** Lookups of the miss loop that (wrongly) hit: 0. */
  readonly missHits: number;
}

/** One process of part 1. */
export function measureAttackHere(targetMasks: number): AttackCell {
  const ops = { equal: (a: string, b: string) => a === b, outputsToPort: () => false, outputsToGroup: () => false };
  const tables = new FlowTables<string>(ops);
  for (const f of readFlowFile(ACL).flows) tables.apply(f.flowMod, 0);
  const cache = new MegaflowCache();
  const wc = new Uint32Array(FLOW_WORDS);
  const mask = new Uint32Array(DP_KEY_WORDS);
  const admit = (k: Uint32Array) => {
    if (cache.lookup(k) !== null) return;
    wc.fill(0);
    tables.lookup(0, k.subarray(0, FLOW_WORDS), wc);
    mask.fill(0);
    mask.set(wc);
    cache.insert(k, mask, [], false, 0);
  };
  // Legitimate web clients: 192.168.x.y, ephemeral source ports, port 80.
  const legit = Array.from({ length: LEGIT_FLOWS }, (_, i) => key(`tcp,nw_src=192.168.${i >> 4}.${(i * 37) & 255},nw_dst=10.0.0.80,tcp_src=${32768 + i * 97},tcp_dst=80`));
  for (const k of legit) admit(k);
  const attack: Uint32Array[] = [];
  for (let i = 0; cache.nMasks < targetMasks && i < 16 * 32 * 32; i++) {
    const k = key(attackFlow(i));
    attack.push(k);
    admit(k);
  }
  const stream = legit.flatMap((k, i) => (attack.length === 0 ? [k] : [k, attack[i % attack.length]!]));
  for (let i = LEGIT_FLOWS; i < attack.length; i++) stream.push(legit[i % LEGIT_FLOWS]!, attack[i]!);
  const misses = Array.from({ length: 256 }, (_, i) => key(`icmp,nw_src=172.16.${i}.1,nw_dst=10.0.0.80,icmp_type=8`));
  const n = stream.length;
  // The stream goes on where the previous call stopped: a round shorter than the stream
  // (thousands of masks) still sees all of it over the rounds, not only its first packets.
  let at = 0;
  const hit = timeLoop(
    (count) => {
      let found = 0;
      let i = at;
      for (let c = 0; c < count; c++) {
        if (cache.lookup(stream[i]!) !== null) found++;
        if (++i === n) i = 0;
      }
      at = i;
      return found;
    },
    { roundMs: ROUND_MS, rounds: ROUNDS },
  );
  let missHits = 0;
  const miss = timeLoop(
    (count) => {
      let found = 0;
      for (let c = 0; c < count; c++) if (cache.lookup(misses[c & 255]!) !== null) found++;
      missHits += found;
      return found;
    },
    { roundMs: ROUND_MS, rounds: ROUNDS },
  );
  return { masks: cache.nMasks, megaflows: cache.size, attackPackets: attack.length, hitNs: hit.cpuNs, missNs: miss.cpuNs, missHits };
}

const SELF = fileURLToPath(import.meta.url);
const OVS_CELL = fileURLToPath(new URL("./ovs-cell.ts", import.meta.url));

function spawnJson<T>(args: string[]): T {
  const out = spawnSync(process.execPath, [...process.execArgv, ...args], { encoding: "utf8", maxBuffer: 1 << 20 });
  if (out.status !== 0) throw new Error(`${args.join(" ")} failed (${out.status}):\n${out.stderr}`);
  return JSON.parse(out.stdout) as T;
}


interface TseSummary {
  readonly processes: number;
  readonly attack: { masks: number; megaflows: number; attackPackets: number; hitNs: Mmm; missNs: Mmm }[];
  readonly classifier: { subtables: number; rules: number; ovsimMlps: Mmm; ovsMlps: Mmm | null }[];
  readonly ovs: string | null;
}

let result: TseSummary | null = null;

export function register(): void {
  // Not a mitata benchmark: measured in measure().
}

export function measure(filter: RegExp | null): void {
  if (filter !== null && !filter.test("tse tuple space explosion")) return;
  const attack = ATTACK_MASKS.map((m) => {
    const runs = Array.from({ length: PROCESSES }, () => spawnJson<AttackCell>([SELF, "attack", String(m)]));
    const r0 = runs[0]!;
    if (runs.some((r) => r.missHits !== 0)) throw new Error("TSE: a miss-loop packet hit a megaflow");
    return { masks: r0.masks, megaflows: r0.megaflows, attackPackets: r0.attackPackets, hitNs: mmm(runs.map((r) => r.hitNs)), missNs: mmm(runs.map((r) => r.missNs)) };
  });
  const ovs = ovsBaselineVersion();
  const classifier = CLS_SUBTABLES.map((st) => {
    const runs = Array.from({ length: PROCESSES }, () => spawnJson<CellTimings>([OVS_CELL, String(CLS_RULES), String(st), "plain"]));
    const mlps = runs.map((r) => 1e3 / (r.plain?.cpuNs ?? NaN));
    const o = ovs === null ? null : measureOvsCell(CLS_RULES, st);
    return { subtables: st, rules: CLS_RULES, ovsimMlps: mmm(mlps), ovsMlps: o === null ? null : o.mlps };
  });
  result = { processes: PROCESSES, attack, classifier, ovs };
}

export function summary(): TseSummary | null {
  return result;
}

const f3 = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const fm = (m: Mmm) => `${f3(m[0])} / ${f3(m[1])} / ${f3(m[2])}`;

export function report(_trials: readonly Trial[]): void {
  if (result === null) return;
  const r = result;
  console.log(`\ntuple space explosion: ACL of ${ACL.split("\n").length} flows, ${LEGIT_FLOWS} legitimate flows; min / median / max over ${r.processes} processes`);
  console.log("masks  megaflows  attack pkts  hit ns (legit+attack)     miss ns (new flow)");
  for (const a of r.attack) {
    console.log(`${String(a.masks).padEnd(7)}${String(a.megaflows).padEnd(11)}${String(a.attackPackets).padEnd(13)}${fm(a.hitNs).padEnd(26)}${fm(a.missNs)}`);
  }
  console.log(`classifier vs tuples, OVS's benchmark workload, ${CLS_RULES} rules: M lookups per CPU second${r.ovs === null ? " (OVS's benchmark not built: scripts/build-ovs-classifier-bench.sh)" : `; OVS ${r.ovs} wall clock, median of 3 runs`}`);
  console.log("subtables  ovsim M/s             OVS M/s");
  for (const c of r.classifier) console.log(`${String(c.subtables).padEnd(11)}${fm(c.ovsimMlps).padEnd(22)}${c.ovsMlps === null ? "-" : fm(c.ovsMlps)}`);
}

if (process.argv[1] === SELF) {
  const [part, arg] = process.argv.slice(2);
  if (part !== "attack") throw new Error("usage: tse.bench.ts attack <masks>");
  process.stdout.write(`${JSON.stringify(measureAttackHere(Number(arg)))}\n`);
}
