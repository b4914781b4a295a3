/*
 * Memory per installed flow entry: N_FLOWS flows of the shapes the Neutron OVS agent
 * installs (parsed from ovs-ofctl text and submitted as ovs-ofctl would, over OpenFlow 1.3),
 * added to one bridge's FlowTables; the cost is the growth of the JS heap plus external
 * memory (typed-array backing stores) between before and after, over N_FLOWS, measured after
 * a full GC (run node with --expose-gc; without it the figure includes garbage and is marked
 * so).
 *
 * The actions are one shared string per shape: what is measured is the flow entry (cookie,
 * timeouts, flags, counters, times), its match and its share of the classifier, not action
 * storage, which depends on the caller's action representation.
 */

import { parseFlow } from "../src/flowtable/flow-mod-parse.js";
import { submitFlow } from "../src/flowtable/flow-mod-submit.js";
import { FlowTables } from "../src/flowtable/flow-tables.js";
import type { ActionSemantics } from "../src/flowtable/flow-tables.js";
import { protocolsForVersion } from "../src/flowtable/openflow-protocols.js";
import type { Trial } from "./run.js";

export const N_FLOWS = 100_000;
/** The target of issue 4. */
const TARGET_BYTES = 400;

const ops: ActionSemantics<string> = {
  equal: (a, b) => a === b,
  outputsToPort: () => false,
  outputsToGroup: () => false,
};

const mac = (i: number) =>
  `fa:16:3e:${((i >> 16) & 0xff).toString(16).padStart(2, "0")}:${((i >> 8) & 0xff).toString(16).padStart(2, "0")}:${(i & 0xff).toString(16).padStart(2, "0")}`;
const ip = (i: number) => `10.${(i >> 16) & 0xff}.${(i >> 8) & 0xff}.${i & 0xff}`;

/** Flow shapes of a Neutron br-int / br-tun, with their (shared) actions. */
const SHAPES: readonly ((i: number) => [string, string])[] = [
  // br-int table 0: local port to local VLAN
  (i) => [`table=0,priority=3,in_port=${1 + (i % 4000)},dl_vlan=${i % 4094}`, "mod_vlan_vid:5,resubmit(,60)"],
  // br-int table 60: port security, MAC + IP pairs
  (i) => [`table=60,priority=90,in_port=${1 + (i % 4000)},dl_src=${mac(i)},ip,nw_src=${ip(i)}`, "resubmit(,61)"],
  // br-tun table 20: unicast to remote VMs, per VLAN and MAC
  (i) => [`table=20,priority=2,dl_vlan=${1 + (i % 4094)},dl_dst=${mac(i)}`, "strip_vlan,load:0x5->NXM_NX_TUN_ID[],output:2"],
  // security group rules: conntrack state, protocol and port per remote address
  (i) => [`table=72,priority=70,ct_state=+est-rel-rpl,tcp,reg5=${1 + (i % 4000)},nw_src=${ip(i)},tp_dst=${1 + (i % 65535)}`, "resubmit(,73)"],
  // ARP responder
  (i) => [`table=21,priority=1,arp,dl_vlan=${1 + (i % 4094)},arp_tpa=${ip(i)}`, "move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],output:in_port"],
];

export interface MemorySummary {
  readonly flows: number;
  readonly bytesPerEntry: number;
  readonly heapBytesPerEntry: number;
  readonly externalBytesPerEntry: number;
  /** Whether a full GC ran before each reading (node --expose-gc). */
  readonly gc: boolean;
  readonly targetBytes: number;
}

let result: MemorySummary | null = null;

function gc(): boolean {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) return false;
  g();
  g();
  return true;
}

export function register(): void {
  // Not a timing benchmark: measured in measure().
}

export function measure(filter: RegExp | null): void {
  if (filter !== null && !filter.test("memory per flow entry")) return;
  const protocols = protocolsForVersion("OpenFlow13");
  const tables = new FlowTables<string>(ops);
  const hasGc = gc();
  const before = process.memoryUsage();
  for (let i = 0; i < N_FLOWS; i++) {
    const [text, actions] = SHAPES[i % SHAPES.length]!(Math.floor(i / SHAPES.length));
    const parsed = parseFlow(`${text},actions=${actions}`, "add");
    const sub = submitFlow(parsed, actions, protocols);
    if (!sub.ok) throw new Error(`flow not accepted: ${text}: ${JSON.stringify(sub)}`);
    tables.apply(sub.flowMod, 0);
  }
  gc();
  const after = process.memoryUsage();
  if (tables.count() !== N_FLOWS) throw new Error(`expected ${N_FLOWS} flows, got ${tables.count()}`);
  const heap = (after.heapUsed - before.heapUsed) / N_FLOWS;
  const external = (after.external - before.external) / N_FLOWS;
  result = {
    flows: N_FLOWS,
    bytesPerEntry: heap + external,
    heapBytesPerEntry: heap,
    externalBytesPerEntry: external,
    gc: hasGc,
    targetBytes: TARGET_BYTES,
  };
}

export function summary(): MemorySummary | null {
  return result;
}

export function report(_trials: readonly Trial[]): void {
  if (result === null) return;
  const r = result;
  console.log(
    `\nmemory per flow entry at ${r.flows} flows: ${r.bytesPerEntry.toFixed(0)} bytes ` +
      `(JS heap ${r.heapBytesPerEntry.toFixed(0)}, external ${r.externalBytesPerEntry.toFixed(0)})` +
      `${r.gc ? "" : " (no --expose-gc: includes garbage)"}; target <= ${r.targetBytes}: ` +
      `${r.bytesPerEntry <= r.targetBytes ? "met" : "NOT MET"}`,
  );
}
