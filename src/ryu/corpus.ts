/**
 * The Ryu switch test corpus on disk: where it is (`RYU_SWITCH_TESTS`, else
 * `../shared/external/ryu-switch-tests` beside the repository), its files
 * (`of10|of13/<category>/**.json`, each a title then cases), running all of
 * it, and the per-category pass rates with the thresholds the project holds
 * itself to.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import type { Json, OfVersion } from "./openflow-json.js";
import type { CaseResult } from "./runner.js";
import { runCase } from "./runner.js";

export const CORPUS_ENV = "RYU_SWITCH_TESTS";
/** Relative to the repository root. */
export const DEFAULT_CORPUS = "../shared/external/ryu-switch-tests";

/** The corpus directory, or null with the reason it is not there. */
export function locateCorpus(repoRoot: string, env: NodeJS.ProcessEnv = process.env): { dir: string } | { dir: null; why: string } {
  const fromEnv = env[CORPUS_ENV];
  const dir = fromEnv !== undefined && fromEnv !== "" ? resolve(fromEnv) : resolve(repoRoot, DEFAULT_CORPUS);
  const source = fromEnv !== undefined && fromEnv !== "" ? `$${CORPUS_ENV}` : `the default location (${DEFAULT_CORPUS} from the repository root; set $${CORPUS_ENV} to use another)`;
  if (!existsSync(dir)) return { dir: null, why: `no Ryu switch test corpus at ${dir}, ${source}` };
  if (!existsSync(join(dir, "of13")) && !existsSync(join(dir, "of10"))) return { dir: null, why: `${dir} has no of10/ or of13/ folder (${source})` };
  return { dir };
}

/** A corpus file with its version and category (`of13/match`). */
export interface CorpusFile {
  readonly path: string;
  /** Relative to the corpus root, `/`-separated. */
  readonly name: string;
  readonly version: OfVersion;
  readonly category: string;
}

function walk(dir: string, out: string[]): void {
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (e.endsWith(".json")) out.push(p);
  }
}

export function corpusFiles(dir: string): CorpusFile[] {
  const files: CorpusFile[] = [];
  for (const v of ["of10", "of13"] as const) {
    const root = join(dir, v);
    if (!existsSync(root)) continue;
    const paths: string[] = [];
    walk(root, paths);
    for (const p of paths) {
      const name = relative(dir, p).split(sep).join("/");
      const parts = name.split("/");
      files.push({ path: p, name, version: v === "of10" ? "OpenFlow10" : "OpenFlow13", category: `${parts[0]}/${parts[1]}` });
    }
  }
  return files;
}

export interface CategoryResult extends CaseResult {
  readonly category: string;
}

/** Runs every case of every file (or of the files `filter` keeps). */
export function runCorpus(dir: string, filter: (f: CorpusFile) => boolean = () => true): CategoryResult[] {
  const out: CategoryResult[] = [];
  for (const f of corpusFiles(dir)) {
    if (!filter(f)) continue;
    const doc = JSON.parse(readFileSync(f.path, "utf8")) as Json;
    const cases = Array.isArray(doc) ? doc.slice(1) : [];
    cases.forEach((c, i) => out.push({ ...runCase(c, f.version, f.name, i + 1), category: f.category }));
  }
  return out;
}

/** The share of cases each category must pass (the project's acceptance bar). */
export const THRESHOLDS: ReadonlyMap<string, number> = new Map([
  ["of10/action", 0.95],
  ["of10/match", 0.95],
  ["of13/action", 0.95],
  ["of13/match", 0.95],
  ["of13/group", 0.8],
  ["of13/meter", 0.8],
]);

export interface CategorySummary {
  readonly category: string;
  readonly passed: number;
  readonly total: number;
  readonly threshold: number;
  readonly meets: boolean;
}

export function summarize(results: readonly CategoryResult[]): CategorySummary[] {
  const cats = [...new Set([...THRESHOLDS.keys(), ...results.map((r) => r.category)])].sort();
  return cats
    .map((category) => {
      const rs = results.filter((r) => r.category === category);
      const passed = rs.filter((r) => r.verdict === "pass").length;
      const threshold = THRESHOLDS.get(category) ?? 0;
      return { category, passed, total: rs.length, threshold, meets: rs.length > 0 && passed / rs.length >= threshold };
    })
    .filter((s) => s.total > 0);
}
