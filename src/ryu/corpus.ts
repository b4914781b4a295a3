/**
 * The Ryu switch test corpus on disk: where it is (`RYU_SWITCH_TESTS`, else
 * `../shared/external/ryu-switch-tests` beside the repository), its files
 * (`<version folder>/<category>/**.json`, each a title then cases; version
 * folders of10, of13, of14, as Ryu names them), running all of it, and the
 * per-category counts. What the counts are held to is verdicts.ts: every
 * case real Open vSwitch passes, ovsim passes.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import type { Json, OfVersion } from "./openflow-json.js";
import { OF_FOLDERS } from "./openflow-json.js";
import type { CaseResult } from "./runner.js";
import { runCase } from "./runner.js";

export const CORPUS_ENV = "RYU_SWITCH_TESTS";
/** Relative to the repository root. */
export const DEFAULT_CORPUS = "../shared/external/ryu-switch-tests";

/** The version folders of a corpus directory (`of10`, `of13`, ...): the known ones, and others by name. */
function versionFolders(dir: string): string[] {
  return readdirSync(dir)
    .filter((e) => /^of\d+$/.test(e) && statSync(join(dir, e)).isDirectory())
    .sort();
}

/** The corpus directory, or null with the reason it is not there. */
export function locateCorpus(repoRoot: string, env: NodeJS.ProcessEnv = process.env): { dir: string } | { dir: null; why: string } {
  const fromEnv = env[CORPUS_ENV];
  const dir = fromEnv !== undefined && fromEnv !== "" ? resolve(fromEnv) : resolve(repoRoot, DEFAULT_CORPUS);
  const source = fromEnv !== undefined && fromEnv !== "" ? `$${CORPUS_ENV}` : `the default location (${DEFAULT_CORPUS} from the repository root; set $${CORPUS_ENV} to use another)`;
  if (!existsSync(dir)) return { dir: null, why: `no Ryu switch test corpus at ${dir}, ${source}` };
  if (versionFolders(dir).length === 0) return { dir: null, why: `${dir} has no OpenFlow version folder (of10/, of13/, of14/) (${source})` };
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

/** A version folder the runner does not speak (Ryu has none beyond of14 today). */
export class UnknownVersionFolderError extends Error {
  readonly code = "RYU_VERSION_FOLDER";
}

export function corpusFiles(dir: string): CorpusFile[] {
  const files: CorpusFile[] = [];
  for (const v of versionFolders(dir)) {
    const version = OF_FOLDERS.get(v);
    if (version === undefined) throw new UnknownVersionFolderError(`${join(dir, v)}: OpenFlow version folder '${v}' is not one the runner speaks (${[...OF_FOLDERS.keys()].join(", ")})`);
    const paths: string[] = [];
    walk(join(dir, v), paths);
    for (const p of paths) {
      const name = relative(dir, p).split(sep).join("/");
      const parts = name.split("/");
      files.push({ path: p, name, version, category: `${parts[0]}/${parts[1]}` });
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

export interface CategorySummary {
  readonly category: string;
  readonly passed: number;
  readonly total: number;
}

/** Passed and total cases per category (`of13/match`), in name order. */
export function summarize(results: readonly CategoryResult[]): CategorySummary[] {
  const cats = [...new Set(results.map((r) => r.category))].sort();
  return cats.map((category) => {
    const rs = results.filter((r) => r.category === category);
    return { category, passed: rs.filter((r) => r.verdict === "pass").length, total: rs.length };
  });
}
