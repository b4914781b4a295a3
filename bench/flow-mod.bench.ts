/*
 * Flow-mod rate: add, modify and delete flow_mods per second into a bridge that already
 * holds 1k, 10k or 100k flows, through the public API (`Switch.addFlow` /
 * `modifyFlows` / `deleteFlows` with ovs-ofctl's flow text, as a controller or test would
 * call them) and through the text `ovsim run` executes (`runScript` on the same switch:
 * `ovs-ofctl add-flow`, `--strict mod-flows`, `--strict del-flows` lines, parsed as the
 * command line parses them; process start-up and printing are not included).
 *
 * Each size is measured in PROCESSES fresh Node processes (this file run as a child); in a
 * process, each operation is timed over ROUNDS rounds of OPS flow_mods (CPU time), the table
 * is brought back to its size between rounds (untimed), and the process's median kept; the
 * report gives min / median / max over the processes.
 *
 * Flows have the shapes the Neutron OVS agent installs (local VLANs, port security, l2pop
 * unicast, security-group rules), spread over four tables, so each size has a realistic mix
 * of subtables. Modify and delete are strict (the exact match and priority), the usual way
 * an agent changes one flow; a non-strict flow_mod may select many flows, and its cost is
 * that of the selection.
 *
 *   node --import tsx bench/flow-mod.bench.ts cell <flows>   (one process, JSON out)
 */

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Switch, runScript } from "../src/index.js";
import type { Trial } from "./run.js";
import { mmm } from "./timing.js";
import type { Mmm } from "./timing.js";

const QUICK = process.argv.includes("--quick");
const SIZES = QUICK ? [10_000] : [1_000, 10_000, 100_000];
const PROCESSES = QUICK ? 2 : 3;
/** Processes at 100k flows: installing them takes ~10 s of CPU per process. */
const PROCESSES_100K = 2;
const ROUNDS = 5;
/** Flow_mods per timed round. */
const OPS = 500;

const mac = (i: number) => `fa:16:3e:${((i >> 16) & 0xff).toString(16).padStart(2, "0")}:${((i >> 8) & 0xff).toString(16).padStart(2, "0")}:${(i & 0xff).toString(16).padStart(2, "0")}`;
const ip = (i: number) => `10.${(i >> 16) & 0xff}.${(i >> 8) & 0xff}.${i & 0xff}`;

/** Flow `i`'s match (with table and priority) and actions; distinct for every i. */
export function flowText(i: number, variant = 0): { match: string; actions: string } {
  const j = Math.floor(i / 4);
  switch (i % 4) {
    case 0:
      return { match: `table=0,priority=3,in_port=${1 + (j % 4000)},dl_vlan=${1 + Math.floor(j / 4000)}`, actions: variant === 0 ? "mod_vlan_vid:5,resubmit(,60)" : "mod_vlan_vid:6,resubmit(,60)" };
    case 1:
      return { match: `table=60,priority=90,in_port=${1 + (j % 4000)},dl_src=${mac(j)},ip,nw_src=${ip(j)}`, actions: variant === 0 ? "resubmit(,61)" : "resubmit(,62)" };
    case 2:
      return { match: `table=20,priority=2,dl_vlan=${1 + (j % 4094)},dl_dst=${mac(j)}`, actions: variant === 0 ? "strip_vlan,load:0x5->NXM_NX_TUN_ID[],output:2" : "strip_vlan,load:0x6->NXM_NX_TUN_ID[],output:2" };
    default:
      return { match: `table=72,priority=70,ct_state=+est-rel-rpl,tcp,reg5=${1 + (j % 4000)},nw_src=${ip(j)},tp_dst=${1 + (j % 65535)}`, actions: variant === 0 ? "resubmit(,73)" : "resubmit(,74)" };
  }
}

const full = (i: number, variant = 0) => {
  const f = flowText(i, variant);
  return `${f.match},actions=${f.actions}`;
};

type Op = "add" | "modify" | "delete";
type Path = "api" | "run";
const OPS_LIST: readonly Op[] = ["add", "modify", "delete"];
const PATHS: readonly Path[] = ["api", "run"];

/** Per second (CPU time), median of rounds, for each path and op. */
export type CellRates = Record<Path, Record<Op, number>>;

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** One process: `size` flows installed, then each op timed. */
export function measureCellHere(size: number): CellRates {
  const sw = new Switch();
  sw.addBridge("br0");
  for (let i = 0; i < size; i++) sw.addFlow("br0", full(i));
  const count = () => sw.dumpFlows("br0").length;
  // add-br installs the NORMAL flow: the bridge holds `size` flows and that one.
  const installed = count();
  const rates = { api: {}, run: {} } as CellRates;
  for (const path of PATHS) {
    for (const op of OPS_LIST) {
      const per: number[] = [];
      for (let r = 0; r < ROUNDS + 1; r++) {
        // add: OPS new flows beyond `size`; modify / delete: OPS installed flows, different every round.
        const base = op === "add" ? size + r * OPS : ((r * OPS * 7919) % Math.max(1, size - OPS));
        const idx = Array.from({ length: OPS }, (_, k) => base + k);
        let script = "";
        if (path === "run") {
          script = idx
            .map((i) =>
              op === "add"
                ? `ovs-ofctl add-flow br0 '${full(i)}'`
                : op === "modify"
                  ? `ovs-ofctl --strict mod-flows br0 '${full(i, r % 2 === 0 ? 1 : 0)}'`
                  : `ovs-ofctl --strict del-flows br0 '${flowText(i).match}'`,
            )
            .join("\n");
        }
        const t0 = cpuMs();
        if (path === "run") {
          if (!runScript(script, sw).ok) throw new Error(`flow-mod bench: ${op} script failed`);
        } else {
          for (const i of idx) {
            if (op === "add") sw.addFlow("br0", full(i));
            else if (op === "modify") sw.modifyFlows("br0", full(i, r % 2 === 0 ? 1 : 0), { strict: true });
            else sw.deleteFlows("br0", flowText(i).match, { strict: true });
          }
        }
        const ms = cpuMs() - t0;
        // Back to `size` flows (untimed).
        if (op === "add") for (const i of idx) sw.deleteFlows("br0", flowText(i).match, { strict: true });
        if (op === "delete") for (const i of idx) sw.addFlow("br0", full(i));
        if (r > 0) per.push((OPS * 1000) / Math.max(ms, 1e-3)); // round 0 warms up
      }
      per.sort((a, b) => a - b);
      rates[path][op] = per[per.length >> 1]!;
    }
  }
  const n = count();
  if (n !== installed) throw new Error(`flow-mod bench: ${n} flows at the end, expected ${installed}`);
  return rates;
}

const SELF = fileURLToPath(import.meta.url);

interface FlowModSummary {
  readonly opsPerRound: number;
  readonly cells: { flows: number; processes: number; rates: Record<Path, Record<Op, Mmm>> }[];
}

let result: FlowModSummary | null = null;

export function register(): void {
  // Not a mitata benchmark: measured in measure().
}

export function measure(filter: RegExp | null): void {
  if (filter !== null && !filter.test("flow-mod rate")) return;
  const cells = SIZES.map((flows) => {
    const runs = Array.from({ length: flows >= 100_000 ? PROCESSES_100K : PROCESSES }, () => {
      const out = spawnSync(process.execPath, [...process.execArgv, SELF, "cell", String(flows)], { encoding: "utf8", maxBuffer: 1 << 20 });
      if (out.status !== 0) throw new Error(`flow-mod cell ${flows} failed (${out.status}):\n${out.stderr}`);
      return JSON.parse(out.stdout) as CellRates;
    });
    const rates = { api: {}, run: {} } as Record<Path, Record<Op, Mmm>>;
    for (const p of PATHS) {
      for (const op of OPS_LIST) {
        rates[p][op] = mmm(runs.map((r) => r[p][op]));
      }
    }
    return { flows, processes: runs.length, rates };
  });
  result = { opsPerRound: OPS, cells };
}

export function summary(): FlowModSummary | null {
  return result;
}

const k = (x: number) => (x >= 1e3 ? `${(x / 1e3).toFixed(1)}k` : x.toFixed(0));
const fm = (m: Mmm) => `${k(m[0])} / ${k(m[1])} / ${k(m[2])}`;

export function report(_trials: readonly Trial[]): void {
  if (result === null) return;
  console.log(`\nflow_mods per CPU second (strict modify/delete), ${result.opsPerRound} per round; min / median / max over the processes`);
  console.log("flows    procs path  add                      modify                   delete");
  for (const c of result.cells) {
    for (const p of PATHS) {
      console.log(`${String(c.flows).padEnd(9)}${String(c.processes).padEnd(6)}${p.padEnd(6)}${fm(c.rates[p].add).padEnd(25)}${fm(c.rates[p].modify).padEnd(25)}${fm(c.rates[p].delete)}`);
    }
  }
}

if (process.argv[1] === SELF) {
  const [part, arg] = process.argv.slice(2);
  if (part !== "cell") throw new Error("usage: flow-mod.bench.ts cell <flows>");
  process.stdout.write(`${JSON.stringify(measureCellHere(Number(arg)))}\n`);
}
