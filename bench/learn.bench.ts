/*
 * The learn curve: how the cost of learning grows with the number of flows learned
 * (docs/reliability.md, "Revalidation that scales"). A bridge learns one flow per source MAC
 * (`learn(table=1,hard_timeout=300,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[])`,
 * MAC learning by flows) while each packet also hits the megaflows of earlier sources: N
 * packets from N new MACs, each followed by a packet from an earlier MAC (a megaflow hit
 * after a change). With every learned flow re-translating the whole megaflow cache, the
 * cost per learned flow grows with N (quadratic in total: 1,000 / 2,000 / 4,000 flows took
 * 6.8 / 26 / 118 s); with per-megaflow revalidation on hit it stays flat.
 *
 * Reported: CPU µs per learned flow at N = 1000, 2000, 4000 (median of 3 processes' worth of
 * rounds is overkill here: one round each, CPU time), and the ratio of the per-flow cost at
 * 4000 to that at 1000 (1.0: linear; 4.0: quadratic), measured in the same run.
 */
import { buildUdp4 } from "../src/datapath/packet/build.js";
import { Switch } from "../src/vswitchd/switch.js";
import type { Trial } from "./run.js";

const SIZES = [1000, 2000, 4000] as const;
const NAME = "learn curve";

interface LearnRow {
  readonly flows: number;
  readonly usPerFlow: number;
  readonly learned: number;
}

let rows: LearnRow[] = [];

function learnOnce(n: number): LearnRow {
  const sw = new Switch();
  sw.addBridge("br0", { datapathType: "dummy" });
  sw.addPort("br0", "p1", { type: "dummy", ofportRequest: 1 });
  sw.addPort("br0", "p2", { type: "dummy", ofportRequest: 2 });
  sw.deleteFlows("br0");
  sw.addFlow("br0", "table=0,actions=learn(table=1,hard_timeout=300,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[]),resubmit(,1)");
  sw.addFlow("br0", "table=1,priority=0,actions=output:p2");
  const frames = Array.from({ length: n }, (_, i) => buildUdp4({ src: 0x020000000000 + i, dst: 0x02ffffff0000 }, { src: 0x0a000001, dst: 0x0a000002 }, 5000, 53).data());
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    sw.receive("p1", frames[i]!);
    sw.receive("p1", frames[i >> 1]!);
  }
  const used = process.cpuUsage(start);
  const learned = sw.dumpFlows("br0", "table=1").length - 1;
  return { flows: n, usPerFlow: (used.user + used.system) / n, learned };
}

export function register(): void {}

export function measure(filter: RegExp | null): void {
  if (filter !== null && !filter.test(NAME)) return;
  learnOnce(1000); // warm-up (the JIT)
  learnOnce(1000);
  rows = SIZES.map((n) => learnOnce(n));
}

export function report(_trials: readonly Trial[]): void {
  if (rows.length === 0) return;
  console.log(`\n${NAME} (CPU time per learned flow; ratio 1.0 = linear, 4.0 = quadratic):`);
  for (const r of rows) console.log(`  ${String(r.flows).padStart(5)} flows learned (${r.learned} in table 1): ${r.usPerFlow.toFixed(1)} µs per flow`);
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  console.log(`  per-flow cost at ${last.flows} / at ${first.flows}: ${(last.usPerFlow / first.usPerFlow).toFixed(2)}x`);
}

export function summary(): { rows: LearnRow[] } | null {
  return rows.length === 0 ? null : { rows };
}
