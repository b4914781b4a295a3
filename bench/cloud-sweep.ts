/*
 * `npm run bench:cloud`: the hosts × VMs sweep of issue 10 (bench/cloud-scale.ts), one child
 * process per measurement so that each starts from an empty heap, printed as a table with the
 * min / median / max of the runs, written to bench/results/cloud.json and, as a page,
 * docs/bench/cloud.md.
 *
 *   npm run bench:cloud                                   # 10x10, 100x10, 100x1000, 200x2000
 *   npm run bench:cloud -- --sizes 10x10,50x500 --runs 3
 *   npm run bench:cloud -- --baseline /path/to/other/src  # the same sizes on another tree, in the same run
 *
 * `--baseline DIR` names another checkout's `src` (its index.ts must export createCloud and
 * parseCloudFile): every size is measured on both trees, alternating run by run so that a busy
 * machine weighs on both alike, and the table gains the ratio baseline / current of the medians.
 * A measurement that takes longer than `--timeout` seconds (default 600) is reported as such.
 * `--no-write`: print only (bench/results and docs/bench are left as they are).
 * Targets (issue 10): 100 hosts with 1,000 VMs converge in under 60 s, under 10 MB per host.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { OvsimApi, ScaleResult } from "./cloud-scale.js";
import { measureScale } from "./cloud-scale.js";

const SELF = fileURLToPath(import.meta.url);
const CURRENT_SRC = fileURLToPath(new URL("../src/", import.meta.url));
const DEFAULT_SIZES = "10x10,100x10,100x1000,200x2000";
const TARGET_MS = 60_000;
const TARGET_BYTES = 10 * 1024 * 1024;

/** Child: one measurement, printed as one JSON line. */
async function child(hosts: number, vms: number, src: string, pings: number): Promise<void> {
  const api = (await import(pathToFileURL(`${src}/index.ts`).href)) as OvsimApi;
  console.log(JSON.stringify(measureScale(api, hosts, vms, pings)));
}

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
}

type Outcome = ScaleResult | { readonly error: string };

function runChild(hosts: number, vms: number, src: string, pings: number, timeoutS: number): Outcome {
  const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", SELF, "--child", String(hosts), String(vms), src, String(pings)], {
    encoding: "utf8",
    timeout: timeoutS * 1000,
    maxBuffer: 1 << 24,
  });
  if (r.error !== undefined) return { error: r.error.message.includes("ETIMEDOUT") ? `over ${timeoutS} s` : r.error.message };
  if (r.status !== 0) return { error: (r.stderr.trim().split("\n").find((l) => /Error/.test(l)) ?? `exit ${r.status}`).slice(0, 120) };
  const line = r.stdout.trim().split("\n").pop() ?? "";
  return JSON.parse(line) as ScaleResult;
}

interface Stats {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

function stats(xs: readonly number[]): Stats | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0] ?? 0, median: s[Math.floor((s.length - 1) / 2)] ?? 0, max: s[s.length - 1] ?? 0 };
}

const fmt = (s: Stats | null, scale: number, digits: number): string =>
  s === null ? "-" : `${(s.median / scale).toFixed(digits)} (${(s.min / scale).toFixed(digits)}-${(s.max / scale).toFixed(digits)})`;

interface Row {
  readonly tree: string;
  readonly hosts: number;
  readonly vms: number;
  readonly runs: readonly ScaleResult[];
  readonly errors: readonly string[];
  readonly convergeMs: Stats | null;
  readonly convergeCpuMs: Stats | null;
  readonly startMs: Stats | null;
  readonly bootMs: Stats | null;
  readonly bytesPerHost: Stats | null;
  readonly pingsPerSecond: Stats | null;
}

function row(tree: string, hosts: number, vms: number, outcomes: readonly Outcome[]): Row {
  const runs = outcomes.filter((o): o is ScaleResult => !("error" in o));
  const errors = outcomes.flatMap((o) => ("error" in o ? [o.error] : []));
  return {
    tree,
    hosts,
    vms,
    runs,
    errors,
    convergeMs: stats(runs.map((r) => r.convergeMs)),
    convergeCpuMs: stats(runs.map((r) => r.convergeCpuMs)),
    startMs: stats(runs.map((r) => r.startMs)),
    bootMs: stats(runs.map((r) => r.bootMs)),
    bytesPerHost: stats(runs.flatMap((r) => (r.bytesPerHost === null ? [] : [r.bytesPerHost]))),
    pingsPerSecond: stats(runs.map((r) => r.pingsPerSecond)),
  };
}

async function main(): Promise<void> {
  if (process.argv[2] === "--child") {
    const [h, v, src, pings] = process.argv.slice(3);
    await child(Number(h), Number(v), src ?? CURRENT_SRC, Number(pings ?? 200));
    return;
  }
  const sizes = arg("--sizes", DEFAULT_SIZES)
    .split(",")
    .map((s) => s.split("x").map(Number) as [number, number]);
  const runs = Number(arg("--runs", "1"));
  const timeoutS = Number(arg("--timeout", "600"));
  const pings = Number(arg("--pings", "200"));
  const baseline = arg("--baseline", "");
  const trees: [string, string][] = [["current", CURRENT_SRC]];
  if (baseline !== "") trees.push(["baseline", baseline]);
  const started = new Date();
  const loadBefore = loadavg()[0];
  const rows: Row[] = [];
  for (const [hosts, vms] of sizes) {
    const outcomes = new Map<string, Outcome[]>(trees.map(([t]) => [t, []]));
    let stop = false;
    for (let r = 0; r < runs && !stop; r++) {
      for (const [tree, src] of trees) {
        const o = runChild(hosts, vms, src, pings, timeoutS);
        outcomes.get(tree)?.push(o);
        process.stderr.write(`${tree} ${hosts}x${vms} run ${r + 1}: ${"error" in o ? o.error : `${(o.convergeMs / 1000).toFixed(1)} s`}\n`);
        if ("error" in o && tree === "current") stop = true;
      }
    }
    for (const [tree] of trees) rows.push(row(tree, hosts, vms, outcomes.get(tree) ?? []));
    if (stop) break; // a size that failed or timed out: larger ones would too
  }
  const lines: string[] = [];
  const say = (l: string): void => {
    lines.push(l);
    console.log(l);
  };
  say(`\nclouds at scale: VXLAN, l2pop auto, ${runs} run(s) each, median (min-max); ${cpus().length} cpus, load ${loadBefore?.toFixed(1)}`);
  say("| tree | hosts x VMs | converge s (wall) | converge s (CPU) | start s | boot s | MB/host | pings/s | notes |");
  say("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const r of rows) {
    const notes: string[] = [...new Set(r.errors)];
    if (r.hosts === 100 && r.vms === 1000 && r.convergeCpuMs !== null) notes.push(`under 60 s of one core: ${r.convergeCpuMs.median < TARGET_MS ? "yes" : "no"}`);
    if (r.bytesPerHost !== null && r.bytesPerHost.median > TARGET_BYTES) notes.push("over 10 MB/host");
    say(
      `| ${r.tree} | ${r.hosts}x${r.vms} | ${fmt(r.convergeMs, 1000, 2)} | ${fmt(r.convergeCpuMs, 1000, 2)} | ${fmt(r.startMs, 1000, 2)} | ${fmt(r.bootMs, 1000, 2)} | ${fmt(r.bytesPerHost, 1024 * 1024, 2)} | ${fmt(r.pingsPerSecond, 1, 0)} | ${notes.join("; ")} |`,
    );
  }
  if (baseline !== "") {
    say("\nratios baseline / current (medians; > 1: current is faster or smaller):");
    for (const [hosts, vms] of sizes) {
      const cur = rows.find((r) => r.tree === "current" && r.hosts === hosts && r.vms === vms);
      const base = rows.find((r) => r.tree === "baseline" && r.hosts === hosts && r.vms === vms);
      if (cur === undefined || base === undefined) continue;
      const ratio = (b: Stats | null, c: Stats | null, inverse = false): string =>
        b === null || c === null ? "-" : (inverse ? c.median / b.median : b.median / c.median).toFixed(2);
      say(
        `  ${hosts}x${vms}: converge ${ratio(base.convergeMs, cur.convergeMs)} (CPU ${ratio(base.convergeCpuMs, cur.convergeCpuMs)}), boot ${ratio(base.bootMs, cur.bootMs)}, memory ${ratio(base.bytesPerHost, cur.bytesPerHost)}, pings/s ${ratio(base.pingsPerSecond, cur.pingsPerSecond, true)}`,
      );
    }
  }
  const out = {
    generated: started.toISOString(),
    machine: { node: process.version, cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", loadavg1Before: loadBefore, loadavg1After: loadavg()[0] },
    runs,
    pings,
    baseline: baseline === "" ? null : baseline,
    rows: rows.map(({ runs: rs, ...r }) => ({ ...r, virtualSeconds: rs.map((x) => x.virtualSeconds), flows: rs[0]?.flows ?? null })),
  };
  if (process.argv.includes("--no-write")) return;
  const dir = new URL("./results/", import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL("cloud.json", dir), `${JSON.stringify(out, null, 2)}\n`);
  const page = [
    "# Clouds at scale",
    "",
    "Written by `npm run bench:cloud` (bench/cloud-sweep.ts, the cloud of bench/cloud-scale.ts) from its last run;",
    "do not edit by hand. Issue 10's targets: 100 hosts with 1,000 VMs converge in under 60 s on one core, under",
    "10 MB per host. \"converge\": createCloud (bridges, agents, two loop iterations), every VM's port plugged in",
    "one step, until every port is ACTIVE, no cast is pending and every host has its VXLAN ports (l2pop).",
    "CPU = the process's user + system time over that span (the machine is shared: wall time includes waiting).",
    "MB/host = JS heap after GC over the empty-process baseline, / hosts. pings/s = one echo between random VMs",
    "of one network (wall).",
    "",
    `Run: ${started.toISOString()}, node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "unknown"};`,
    `1-minute load average ${loadBefore?.toFixed(2)} before, ${loadavg()[0]?.toFixed(2)} after.`,
    ...lines,
    "",
  ];
  writeFileSync(new URL("../docs/bench/cloud.md", import.meta.url), page.join("\n"));
  console.log("\nwritten to bench/results/cloud.json and docs/bench/cloud.md");
}

await main();
