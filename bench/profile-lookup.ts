/*
 * One cell of the OVS classifier workload in a plain timed loop, for profiling and quick
 * measurements outside mitata:
 *
 *   node --import tsx bench/profile-lookup.ts [rules] [subtables] [wc 0|1] [rounds]
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile-lookup.ts 100000 32 1
 *
 * Prints M lookups per CPU second per round (each round 2^20 lookups) and the median.
 */

import { Classifier } from "../src/flowtable/classifier.js";
import { FLOW_WORDS } from "../src/flowtable/flow-layout.js";
import { makeWorkload, SEQ_LEN } from "./ovs-workload.js";

const [rulesArg, subtablesArg, wcArg, roundsArg] = process.argv.slice(2);
const nRules = Number(rulesArg ?? 10_000);
const nSubtables = Number(subtablesArg ?? 8);
const useWc = wcArg === "1";
const rounds = Number(roundsArg ?? 7);
const LOOKUPS = 1 << 20;
// SEQUENTIAL=1: flows in order instead of the random sequence (to see what memory order costs).
const sequential = process.env.SEQUENTIAL !== undefined;
// VIEWS=1: each flow passed as its own Uint32Array (a view of the workload's buffer) to
// Classifier.lookup, instead of the buffer and the flow's offset to lookupAt as the bench does.
const views = process.env.VIEWS !== undefined;

const w = makeWorkload({ nRules, nSubtables });
const cls = new Classifier<number>(FLOW_WORDS);
for (const r of w.rules) cls.insert(r);
const wc = new Uint32Array(FLOW_WORDS);
const { flows, store, seq } = w;

function loop(n: number): number {
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const x = sequential ? i & 8191 : seq[i & (SEQ_LEN - 1)]!;
    if (useWc) wc.fill(0);
    const rule = views ? cls.lookup(flows[x]!, useWc ? wc : null) : cls.lookupAt(store, x * FLOW_WORDS, useWc ? wc : null);
    if (rule !== null) hits++;
  }
  return hits;
}

loop(LOOKUPS >> 2); // warm up
const rates: number[] = [];
let hits = 0;
for (let r = 0; r < rounds; r++) {
  // CPU time of this process, not wall time: the machine is shared, and a time slice lost
  // to another process is not the classifier's cost.
  const c0 = process.cpuUsage();
  hits = loop(LOOKUPS);
  const c = process.cpuUsage(c0);
  rates.push(LOOKUPS / (c.user + c.system));
}
rates.sort((a, b) => a - b);
console.log(
  `${nRules} rules (${w.rules.length} kept), ${cls.nSubtables} subtables, wc=${useWc}${views ? ", views" : ""}: ` +
    `median ${rates[rates.length >> 1]!.toFixed(2)} M lookups/s ` +
    `[${rates.map((x) => x.toFixed(2)).join(" ")}], hits ${((100 * hits) / LOOKUPS).toFixed(0)}%`,
);
