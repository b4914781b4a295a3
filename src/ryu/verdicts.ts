/**
 * The bar the corpus is held to: what real Open vSwitch 3.1 did with it.
 * `real-ovs-3.1-verdicts.tsv`, beside the corpus, holds os-ken's own tester's
 * verdict on every case run against a sandboxed OVS 3.1 (columns: file,
 * description, OK|ERROR, the tester's reason; see the corpus's README).
 *
 * A case is matched to its verdict by file and description. Every case real
 * OVS passes, ovsim must pass: anything else is a regression and fails the
 * run. Cases real OVS fails are listed with real OVS's reason, whatever
 * ovsim does with them (a faithful model may pass some: the reasons are the
 * tester's environment, e.g. its throughput or its SCTP checksums). Verdict
 * rows no case matched, and cases without a verdict, are reported: either
 * means the corpus and the verdict file disagree.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { CategoryResult } from "./corpus.js";

export const VERDICTS_FILE = "real-ovs-3.1-verdicts.tsv";

export class VerdictFileError extends Error {
  readonly code = "RYU_VERDICTS";
}

export interface RealVerdict {
  readonly file: string;
  readonly description: string;
  readonly ok: boolean;
  /** The tester's words when it failed the case ("" when OK). */
  readonly reason: string;
}

/** Reads a verdict file's text (a header line, then one tab-separated row per case). */
export function parseVerdicts(text: string, where: string): RealVerdict[] {
  const lines = text.split("\n").filter((l) => l !== "");
  const [header, ...rows] = lines;
  if (header?.split("\t").slice(0, 3).join(",") !== "file,description,verdict") throw new VerdictFileError(`${where}: expected a header 'file<TAB>description<TAB>verdict<TAB>reason', got ${JSON.stringify(header ?? "")}`);
  return rows.map((row, i) => {
    const cols = row.split("\t");
    const [file, description, verdict] = cols;
    if (file === undefined || description === undefined || (verdict !== "OK" && verdict !== "ERROR")) {
      throw new VerdictFileError(`${where}:${i + 2}: expected file, description, OK|ERROR, reason; got ${JSON.stringify(row)}`);
    }
    return { file, description, ok: verdict === "OK", reason: cols.slice(3).join("\t") };
  });
}

/** The verdict file beside the corpus, or null with why it is not there. */
export function loadVerdicts(corpusDir: string): { verdicts: RealVerdict[] } | { verdicts: null; why: string } {
  const path = join(corpusDir, VERDICTS_FILE);
  if (!existsSync(path)) return { verdicts: null, why: `no ${VERDICTS_FILE} in ${corpusDir}` };
  return { verdicts: parseVerdicts(readFileSync(path, "utf8"), path) };
}

export interface Judged {
  readonly result: CategoryResult;
  readonly real: RealVerdict;
}

export interface VerdictReport {
  /** Real OVS passes, ovsim fails: each one fails the run. */
  readonly regressions: readonly Judged[];
  /** Real OVS fails (ovsim passing them is fine). */
  readonly realFails: readonly Judged[];
  /** Real OVS and ovsim both pass. */
  readonly bothPass: number;
  /** Verdict rows of the files run that no case matched. */
  readonly unmatchedVerdicts: readonly RealVerdict[];
  /** Cases with no verdict row. */
  readonly unjudged: readonly CategoryResult[];
}

/**
 * Matches results to verdicts by file and description (in order, should a
 * file repeat a description). `covers(file)`: whether the run covered that
 * file, so that the rows of files a filter left out are not "unmatched".
 */
export function judge(results: readonly CategoryResult[], verdicts: readonly RealVerdict[], covers: (file: string) => boolean): VerdictReport {
  const byKey = new Map<string, RealVerdict[]>();
  const key = (file: string, description: string): string => `${file}\t${description}`;
  for (const v of verdicts) {
    if (!covers(v.file)) continue;
    const k = key(v.file, v.description);
    const l = byKey.get(k);
    if (l === undefined) byKey.set(k, [v]);
    else l.push(v);
  }
  const regressions: Judged[] = [];
  const realFails: Judged[] = [];
  const unjudged: CategoryResult[] = [];
  let bothPass = 0;
  for (const result of results) {
    const real = byKey.get(key(result.file, result.description))?.shift();
    if (real === undefined) unjudged.push(result);
    else if (!real.ok) realFails.push({ result, real });
    else if (result.verdict !== "pass") regressions.push({ result, real });
    else bothPass++;
  }
  const unmatchedVerdicts = [...byKey.values()].flat();
  return { regressions, realFails, bothPass, unmatchedVerdicts, unjudged };
}
