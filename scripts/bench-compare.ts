/*
 * `npm run bench:compare -- BASE_REF [FILTER] [--runs N]`: the benchmarks of BASE_REF against
 * the working tree, measured in the same run, as the rule "benchmarks do not regress" asks.
 *
 *   node --expose-gc --import tsx scripts/bench-compare.ts BASE_REF [FILTER] [--runs N] [--out FILE] [--from DIR] [--head REF]
 *
 * BASE_REF is checked out with `git worktree add --detach` in a temporary directory (with this
 * repository's node_modules symlinked into it); the "head" side is this working tree itself,
 * uncommitted changes included (`--head REF`: a second worktree of REF instead). Each of N rounds (default 5) runs one process of the bench
 * entry (`node --expose-gc --import tsx bench/run.ts FILTER`) per tree, in alternating order
 * (base then head, then head then base, ...) so that drift of a shared machine's load falls
 * on both sides alike, and keeps each process's bench/results/partial.json.
 *
 * Then, for every figure both sides report (the summaries of bench/*.bench.ts: the OVS-workload
 * classifier cells with and without megaflow tracking, datapath and Neutron packet rates,
 * megaflow hit and execution costs, flow extraction, memory per flow, and the random-mask grid
 * and scaling points when the filter runs them), it prints min / median / max over the runs of
 * each side and the ratio of the medians, oriented so that > 1 means head is better (faster, or
 * fewer bytes): head/base for rates, base/head for times and bytes. A figure is flagged when
 * head's median costs more than 10% more than base's (time or bytes per item > 1.10x, i.e. a
 * ratio < 1/1.10), and "beyond noise" when, in addition, head's whole min-max range is worse
 * than base's whole range. The table also goes to bench/results/compare.json (git-ignored; --out
 * FILE writes it elsewhere). Each process's log and partial.json are kept in the temporary
 * directory the script names; `--from DIR` recomputes the table from such a directory, running
 * nothing.
 *
 * The worktree is removed at the end, also on error or interruption. A head process that fails
 * (another hand's half-written file, say) is retried after a minute, up to 3 times.
 */

import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Classifier cells of OVS's workload (1k/10k/100k rules x 1/8/32 subtables, with and without
 * wc; not the linear scan, which is a baseline), the datapath and Neutron suites, memory per
 * flow, flow extraction. About 3-4 minutes a process on a 2-core machine.
 */
export const DEFAULT_FILTER =
  "^ovs \\d+k rules/\\d+ subtables lookup(\\+wc)?$|^datapath$|^neutron$|^memory per flow entry$|^extract |^baseline: zero the key$";
const DEFAULT_RUNS = 5;
/** Flag a figure whose head median costs more than this times base's. */
const WORSE = 1.1;
const RETRIES = 3;
const RETRY_WAIT_MS = 60_000;

type Side = "base" | "head";

/** One figure of one run. `better`: which direction is an improvement. */
interface Figure {
  readonly name: string;
  readonly unit: string;
  readonly better: "higher" | "lower";
  readonly value: number;
}

interface Stats {
  readonly n: number;
  readonly min: number;
  readonly median: number;
  readonly max: number;
  readonly values: readonly number[];
}

export interface CompareRow {
  readonly figure: string;
  readonly unit: string;
  readonly better: "higher" | "lower";
  readonly base: Stats;
  readonly head: Stats;
  /** Ratio of medians, > 1 when head is better (head/base for rates, base/head otherwise). */
  readonly ratio: number;
  /** Head's median costs more than WORSE x base's. */
  readonly worse: boolean;
  /** Head's whole range is worse than base's whole range (no overlap). */
  readonly beyondNoise: boolean;
  /**
   * Median over the rounds of each round's own ratio (head vs the base process next to it in
   * time: what drift of the machine's load leaves alone), and in how many rounds head was worse.
   */
  readonly pairedRatio: number | null;
  readonly roundsWorse: number | null;
}

// ---- figures of one bench/results JSON ----------------------------------------------------

const num = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);
const arr = (x: unknown): readonly Record<string, unknown>[] => (Array.isArray(x) ? (x as Record<string, unknown>[]) : []);
const obj = (x: unknown): Record<string, unknown> | null =>
  typeof x === "object" && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : null;

/** Every figure of a bench/run.ts summary (what the modules' summary() return). */
export function figuresOf(json: unknown): Figure[] {
  const out: Figure[] = [];
  const root = obj(json) ?? {};
  const add = (name: string, unit: string, better: Figure["better"], value: unknown) => {
    if (num(value)) out.push({ name, unit, better, value });
  };
  const k = (rules: unknown) => (num(rules) ? `${rules / 1000}k` : String(rules));

  // bench/ovs-classifier.bench.ts: OVS's workload, one process per cell, CPU-time rates.
  const ovs = obj(root["ovsClassifier"]);
  if (ovs !== null) {
    for (const c of arr(ovs["cells"])) {
      add(`classifier ${k(c["rules"])}/${c["subtables"]}${c["wc"] === true ? " +wc" : ""}`, "M lookups/s", "higher", c["mlps"]);
    }
    for (const c of arr(ovs["linear"])) add(`classifier ${k(c["rules"])}/${c["subtables"]} linear`, "M lookups/s", "higher", c["mlps"]);
    const scaling = obj(ovs["scaling"]);
    for (const p of arr(scaling?.["masks"])) add(`classifier scaling 10k/${p["subtables"]} masks`, "ns/lookup", "lower", p["nsPerLookup"]);
    for (const p of arr(scaling?.["rules"])) add(`classifier scaling ${k(p["rules"])}/8`, "ns/lookup", "lower", p["nsPerLookup"]);
  }
  // bench/classifier.bench.ts: the random-mask grid (mitata, wall clock).
  const grid = obj(root["classifier"]);
  for (const g of arr(grid?.["grid"])) {
    add(`grid ${k(g["rules"])}/${g["masks"]} masks classifier`, "ns/lookup", "lower", g["classifierNs"]);
    add(`grid ${k(g["rules"])}/${g["masks"]} masks linear`, "ns/lookup", "lower", g["linearNs"]);
  }
  // bench/datapath.bench.ts
  const dp = obj(root["datapath"]);
  if (dp !== null) {
    for (const r of arr(dp["pipelines"])) {
      add(`datapath ${r["name"]} cached`, "pkt/s", "higher", r["cachedPps"]);
      add(`datapath ${r["name"]} uncached`, "pkt/s", "higher", r["uncachedPps"]);
    }
    add("datapath 2-table end to end", "pkt/s", "higher", obj(dp["endToEnd"])?.["pps"]);
    for (const m of arr(dp["maskCost"])) add(`datapath megaflow hit, ${m["masks"]} masks`, "ns/hit", "lower", m["nsPerHit"]);
    for (const e of arr(dp["execute"])) add(`datapath ${e["name"]}`, "ns/packet", "lower", e["nsPerPacket"]);
  }
  // bench/neutron-path.bench.ts
  for (const r of arr(obj(root["neutron"])?.["rows"])) {
    add(`neutron ${r["name"]} cached`, "pkt/s", "higher", r["cachedPps"]);
    add(`neutron ${r["name"]} uncached`, "pkt/s", "higher", r["uncachedPps"]);
  }
  // bench/memory.bench.ts
  add("memory per flow entry", "B/flow", "lower", obj(root["memory"])?.["bytesPerEntry"]);
  // bench/extract.bench.ts: mitata averages, ns per packet, by benchmark name.
  for (const [name, ns] of Object.entries(obj(root["extract"]) ?? {})) add(`extract: ${name}`, "ns/packet", "lower", ns);
  return out;
}

// ---- statistics and the table -------------------------------------------------------------

function stats(values: readonly number[]): Stats {
  const s = values.slice().sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { n: s.length, min: s[0]!, median, max: s[s.length - 1]!, values: s };
}

export function compare(base: readonly Figure[][], head: readonly Figure[][]): CompareRow[] {
  const collect = (runs: readonly Figure[][]) => {
    const m = new Map<string, { f: Figure; values: number[] }>();
    for (const run of runs) {
      for (const f of run) {
        const e = m.get(f.name) ?? { f, values: [] };
        e.values.push(f.value);
        m.set(f.name, e);
      }
    }
    return m;
  };
  const b = collect(base);
  const h = collect(head);
  const rows: CompareRow[] = [];
  for (const [name, be] of b) {
    const he = h.get(name);
    if (he === undefined) continue;
    const bs = stats(be.values);
    const hs = stats(he.values);
    const higher = be.f.better === "higher";
    const ratio = higher ? hs.median / bs.median : bs.median / hs.median;
    const worse = ratio < 1 / WORSE;
    const beyondNoise = worse && (higher ? hs.max < bs.min : hs.min > bs.max);
    let pairedRatio: number | null = null;
    let roundsWorse: number | null = null;
    if (be.values.length === he.values.length) {
      const per = be.values.map((bv, i) => (higher ? he.values[i]! / bv : bv / he.values[i]!));
      pairedRatio = stats(per).median;
      roundsWorse = per.filter((x) => x < 1).length;
    }
    rows.push({ figure: name, unit: be.f.unit, better: be.f.better, base: bs, head: hs, ratio, worse, beyondNoise, pairedRatio, roundsWorse });
  }
  return rows;
}

function fmt(x: number, unit: string): string {
  if (unit === "pkt/s") return x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : `${(x / 1e3).toFixed(1)}k`;
  if (unit === "M lookups/s") return x.toFixed(2);
  return x >= 100 ? x.toFixed(0) : x.toFixed(1);
}

export function table(rows: readonly CompareRow[]): string {
  const head = ["figure", "unit", "base min/median/max", "head min/median/max", "ratio", "paired", "worse in", ""];
  const body = rows.map((r) => [
    r.figure,
    r.unit,
    `${fmt(r.base.min, r.unit)} / ${fmt(r.base.median, r.unit)} / ${fmt(r.base.max, r.unit)}`,
    `${fmt(r.head.min, r.unit)} / ${fmt(r.head.median, r.unit)} / ${fmt(r.head.max, r.unit)}`,
    `${r.ratio.toFixed(3)}x`,
    r.pairedRatio === null ? "—" : `${r.pairedRatio.toFixed(3)}x`,
    r.roundsWorse === null ? "—" : `${r.roundsWorse}/${r.base.n}`,
    r.worse ? (r.beyondNoise ? "WORSE >10%, beyond noise" : "worse >10%, within noise") : "",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((l) => l[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i >= 2 && i <= 6 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

// ---- running the two trees ----------------------------------------------------------------

function git(cwd: string, args: readonly string[]): string {
  const r = spawnSync("git", args, { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return r.stdout.trim();
}

/** Runs one bench process in `cwd`; resolves with its exit status, output to `log`. */
function runBench(cwd: string, filter: string, log: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", "bench/run.ts", filter], {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    current = child.pid ?? null;
    const chunks: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => chunks.push(d));
    child.stderr.on("data", (d: Buffer) => chunks.push(d));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      current = null;
      writeFileSync(log, Buffer.concat(chunks));
      resolve(code ?? (signal === null ? 1 : 128));
    });
  });
}

let current: number | null = null;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One process of the bench in `tree`: its partial.json, parsed (retries on failure). */
async function measureTree(tree: string, side: Side, filter: string, keepDir: string, tag: string): Promise<unknown> {
  const partial = join(tree, "bench/results/partial.json");
  for (let attempt = 1; ; attempt++) {
    const started = Date.now();
    const log = join(keepDir, `${tag}-${side}${attempt > 1 ? `-try${attempt}` : ""}.log`);
    const status = await runBench(tree, filter, log);
    const fresh = existsSync(partial) && statSync(partial).mtimeMs >= started - 1000;
    if (status === 0 && fresh) {
      const copy = join(keepDir, `${tag}-${side}.json`);
      copyFileSync(partial, copy);
      const json = JSON.parse(readFileSync(copy, "utf8")) as { filter?: unknown; seconds?: unknown };
      if (json.filter !== filter) throw new Error(`${partial} is not this run's (filter ${JSON.stringify(json.filter)})`);
      console.log(`  ${tag} ${side}: ${String(json.seconds)} s`);
      return json;
    }
    const tail = readFileSync(log, "utf8").split("\n").slice(-15).join("\n");
    console.error(`  ${tag} ${side}: bench failed (status ${status}${fresh ? "" : ", no fresh partial.json"}), log ${log}:\n${tail}`);
    if (attempt >= RETRIES) throw new Error(`${side} bench failed ${attempt} times`);
    console.error(`  retrying in ${RETRY_WAIT_MS / 1000} s`);
    await sleep(RETRY_WAIT_MS);
  }
}

/** Runs the rounds: a worktree of the base in `keepDir`/base, removed at the end (also on error). */
async function runRounds(
  root: string,
  baseRef: string,
  baseCommit: string,
  /** null: the working tree itself. */
  headCommit: string | null,
  dirty: boolean,
  filter: string,
  runs: number,
  keepDir: string,
  loadBefore: readonly number[],
): Promise<Record<Side, unknown[]>> {
  const baseTree = join(keepDir, "base");
  const headTree = headCommit === null ? root : join(keepDir, "head");
  const added: string[] = [];
  const cleanup = () => {
    if (current !== null) {
      try {
        process.kill(current);
      } catch {
        // already gone
      }
    }
    for (const tree of added.splice(0)) {
      // The symlink first: removing the worktree must not reach into this tree's node_modules.
      rmSync(join(tree, "node_modules"), { force: true });
      spawnSync("git", ["worktree", "remove", "--force", tree], { cwd: root });
    }
    spawnSync("git", ["worktree", "prune"], { cwd: root });
  };
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(sig, () => {
      cleanup();
      process.exit(130);
    });
  }

  const results: Record<Side, unknown[]> = { base: [], head: [] };
  try {
    for (const [tree, commit] of [[baseTree, baseCommit], ...(headCommit === null ? [] : [[headTree, headCommit]])] as const) {
      git(root, ["worktree", "add", "--detach", tree, commit]);
      added.push(tree);
      symlinkSync(join(root, "node_modules"), join(tree, "node_modules"), "dir");
    }
    const trees: Record<Side, string> = { base: baseTree, head: headTree };
    console.log(
      `bench compare: base ${baseRef} (${baseCommit.slice(0, 7)}) in ${baseTree}\n` +
        (headCommit === null
          ? `  vs head = working tree ${root} (HEAD ${git(root, ["rev-parse", "--short", "HEAD"])}${dirty ? " + uncommitted changes" : ""})\n`
          : `  vs head ${headCommit.slice(0, 7)} in ${headTree}\n`) +
        `  ${runs} rounds, filter ${filter}\n  logs and partial.json copies in ${keepDir}\n` +
        `  load average before: ${loadBefore.map((x) => x.toFixed(2)).join(" ")}`,
    );
    for (let r = 0; r < runs; r++) {
      const order: Side[] = r % 2 === 0 ? ["base", "head"] : ["head", "base"];
      for (const side of order) results[side].push(await measureTree(trees[side], side, filter, keepDir, `round${r + 1}`));
    }
  } finally {
    cleanup();
  }
  return results;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let runs = DEFAULT_RUNS;
  let out: string | undefined;
  let from: string | undefined;
  let headRef: string | undefined;
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--runs") runs = Number(args[++i]);
    else if (a.startsWith("--runs=")) runs = Number(a.slice("--runs=".length));
    else if (a === "--out") out = args[++i];
    else if (a === "--from") from = args[++i];
    else if (a === "--head") headRef = args[++i];
    else positional.push(a);
  }
  const [baseRef, filterArg] = positional;
  if (baseRef === undefined || !Number.isInteger(runs) || runs < 1) {
    console.error("usage: node --expose-gc --import tsx scripts/bench-compare.ts BASE_REF [FILTER] [--runs N] [--out FILE] [--from DIR] [--head REF]");
    process.exit(2);
  }
  let filter = filterArg ?? DEFAULT_FILTER;
  const root = git(fileURLToPath(new URL("..", import.meta.url)), ["rev-parse", "--show-toplevel"]);
  const baseCommit = git(root, ["rev-parse", "--verify", `${baseRef}^{commit}`]);
  const headCommit = git(root, ["rev-parse", "--verify", `${headRef ?? "HEAD"}^{commit}`]);
  const dirty = headRef === undefined && git(root, ["status", "--porcelain", "--untracked-files=no"]) !== "";

  let loadBefore = loadavg();
  let loadAfter: number[] | null = null;
  const t0 = Date.now();
  let results: Record<Side, unknown[]>;
  let keepDir: string;
  if (from !== undefined) {
    keepDir = from;
    results = { base: [], head: [] };
    for (let r = 1; existsSync(join(from, `round${r}-base.json`)) && existsSync(join(from, `round${r}-head.json`)); r++) {
      for (const side of ["base", "head"] as const) results[side].push(JSON.parse(readFileSync(join(from, `round${r}-${side}.json`), "utf8")));
    }
    runs = results.base.length;
    // The load averages of the first and last process, as the rounds saw them.
    const load = (j: unknown, k: string) => obj(obj(j)?.["machine"])?.[k];
    const first = load(results.base[0], "loadavg1Before");
    const last = load(results.base.at(-1), "loadavg1After");
    if (num(first)) loadBefore = [first];
    if (num(last)) loadAfter = [last];
    const f = obj(results.base[0])?.["filter"];
    if (typeof f === "string") filter = f;
  } else {
    keepDir = mkdtempSync(join(tmpdir(), "ovsim-bench-compare-"));
    results = await runRounds(root, baseRef, baseCommit, headRef === undefined ? null : headCommit, dirty, filter, runs, keepDir, loadBefore);
  }
  loadAfter ??= loadavg();

  const rows = compare(results.base.map(figuresOf), results.head.map(figuresOf));
  console.log(`\n${table(rows)}`);
  const flagged = rows.filter((r) => r.worse);
  console.log(
    `\n${rows.length} figures, ${runs} processes a side, ${Math.round((Date.now() - t0) / 1000)} s; ` +
      `ratio = head vs base medians (> 1: head better); paired = median of each round's own ratio; ` +
      `worse in = rounds where head was worse; flagged when head's median costs > ${WORSE}x base's.\n` +
      `load average before ${loadBefore.map((x) => x.toFixed(2)).join(" ")}, after ${loadAfter.map((x) => x.toFixed(2)).join(" ")}\n` +
      (flagged.length === 0
        ? "no median more than 10% worse"
        : `${flagged.length} median(s) more than 10% worse: ${flagged.map((r) => `${r.figure} (${r.ratio.toFixed(3)}x${r.beyondNoise ? ", beyond noise" : ", within noise"})`).join("; ")}`),
  );
  const json = {
    generated: new Date(t0).toISOString(),
    seconds: Math.round((Date.now() - t0) / 1000),
    base: { ref: baseRef, commit: baseCommit },
    head: headRef === undefined ? { tree: root, commit: headCommit, uncommitted: dirty } : { ref: headRef, commit: headCommit },
    ...(from === undefined ? {} : { recomputedFrom: from }),
    runs,
    filter,
    order: "alternating: base,head then head,base, ...",
    threshold: `flagged when head's median costs more than ${WORSE}x base's (ratio < ${(1 / WORSE).toFixed(3)})`,
    loadavg: { before: loadBefore, after: loadAfter },
    machine: {
      base: results.base.map((j) => obj(obj(j)?.["machine"])),
      head: results.head.map((j) => obj(obj(j)?.["machine"])),
    },
    rows,
  };
  const file = out ?? join(root, "bench/results/compare.json");
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`table written to ${file}; logs and each process's partial.json kept in ${keepDir}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
