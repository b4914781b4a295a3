/**
 * What one run of a converted OVS test left in its results directory
 * (scripts/ovs-tests/runner.sh), read back as data: the same shape for a
 * recording from real OVS (fixtures/ovs-tests/NNN-slug.rec.json) and for a
 * run against ovsim (test/ovs-tests/harness.ts).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

export interface CheckRun {
  /** The check's ID in the test's script (index.json's checks). */
  readonly id: number;
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  /** A recording's output larger than MAX_KEPT_OUTPUT is kept as its digest (`stdout` is then ""). */
  readonly stdoutSha256?: string;
  readonly stderrSha256?: string;
}

export interface TestRun {
  /** Every check in the order it ran. */
  readonly checks: CheckRun[];
  /** An AT_SKIP_IF held. */
  readonly skipped: boolean;
  /** The script ran to its end (false: it exited early, or was stopped). */
  readonly done: boolean;
}

export function readRun(dir: string): TestRun {
  const checks: CheckRun[] = [];
  for (let n = 1; existsSync(join(dir, `${n}.rc`)); n++) {
    const [id = "0", status = "0"] = readFileSync(join(dir, `${n}.rc`), "utf8").trim().split(" ");
    const text = (ext: string): string => (existsSync(join(dir, `${n}.${ext}`)) ? readFileSync(join(dir, `${n}.${ext}`), "latin1") : "");
    checks.push({ id: Number(id), status: Number(status), stdout: text("out"), stderr: text("err") });
  }
  return { checks, skipped: existsSync(join(dir, "skipped")), done: existsSync(join(dir, "done")) };
}

/** The results directories under `dir` (named FILE_NNN-slug by record.sh). */
export function runDirs(dir: string): string[] {
  return readdirSync(dir).filter((d) => d.includes("_"));
}

/**
 * Largest output a recording keeps as text: a few tests print megabytes
 * (ofproto/trace of a resubmit chain 64 levels deep) that the .at only
 * tails; those are kept as their SHA-256.
 */
export const MAX_KEPT_OUTPUT = 32 * 1024;

export function sha256(text: string): string {
  return createHash("sha256").update(text, "latin1").digest("hex");
}

/** `run` with outputs over MAX_KEPT_OUTPUT replaced by their digests, for committing. */
export function compact(run: TestRun): TestRun {
  return {
    ...run,
    checks: run.checks.map((c) => ({
      id: c.id,
      status: c.status,
      stdout: c.stdout.length > MAX_KEPT_OUTPUT ? "" : c.stdout,
      stderr: c.stderr.length > MAX_KEPT_OUTPUT ? "" : c.stderr,
      ...(c.stdout.length > MAX_KEPT_OUTPUT ? { stdoutSha256: sha256(c.stdout) } : {}),
      ...(c.stderr.length > MAX_KEPT_OUTPUT ? { stderrSha256: sha256(c.stderr) } : {}),
    })),
  };
}

/** Whether `got` is the output `want` recorded (as text, or as its digest). */
export function sameOutput(want: string, wantSha256: string | undefined, got: string): boolean {
  return wantSha256 === undefined ? want === got : sha256(got) === wantSha256;
}
