/**
 * Runs Open vSwitch 3.1's own tests, converted into bash scripts
 * (fixtures/ovs-tests, scripts/ovs-tests/convert.ts), against ovsim, and
 * judges each against its recording from real OVS.
 *
 * A test runs as it ran against real OVS: one bash running
 * scripts/ovs-tests/runner.sh on the script in a scratch directory, so
 * every pipe, loop, `$(...)`, here-document and file works the same. The
 * difference is the shim (ovsim-shim.sh): `ovs-vsctl`, `ovs-ofctl`,
 * `ovs-appctl` and the other OVS programs are shell functions that send
 * their arguments over fd 3 to this process, which runs them on one
 * in-process Switch per test through the library's text front end
 * (runLine) and answers over fd 4; what the command logged (the switch's
 * vlog, src/vswitchd/vlog.ts) is appended to ovs-vswitchd.log in the run
 * directory, where the tests read it. OVS_WAIT_UNTIL tries its condition
 * once: nothing in ovsim changes unless a command runs. A test's `sleep` is
 * one: it takes no time, but the switch's clock runs through it unless
 * `time/stop` stopped it (sleepFor).
 *
 * The verdict (judge): every check that ran against real OVS ran against
 * ovsim in the same order, with the same exit status (unless the .at ignores
 * it), the same stdout (unless the .at ignores it) and the same stderr where
 * the .at checks it (literally or as experr). The recording is the bar, also
 * where it disagrees with the .at's expectation (crossCheck counts those).
 */
import { spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CheckExpectation, TestEntry } from "../../scripts/ovs-tests/convert.js";
import { OVS_TEST_FILES } from "../../scripts/ovs-tests/convert.js";
import { readRun, sameOutput } from "../../scripts/ovs-tests/results.js";
import type { CheckRun, TestRun } from "../../scripts/ovs-tests/results.js";
import { exitCodeOf } from "../../src/utilities/command-result.js";
import type { CommandResult } from "../../src/utilities/command-result.js";
import { appendPcapFiles } from "../../src/utilities/pcap-file-append.js";
import { internalError, runLine } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const FIXTURES = join(ROOT, "fixtures/ovs-tests");
const RUNNER = join(ROOT, "scripts/ovs-tests/runner.sh");
const SHIM = fileURLToPath(new URL("./ovsim-shim.sh", import.meta.url));

/** One converted test, with its recording from real OVS when there is one. */
export interface OvsTest {
  /** FILE/NNN-slug, its name in passing.txt and docs/conformance.md. */
  readonly name: string;
  readonly file: string;
  readonly entry: TestEntry;
  readonly script: string;
  readonly recording?: TestRun;
}

export function loadTests(): OvsTest[] {
  const tests: OvsTest[] = [];
  for (const file of OVS_TEST_FILES) {
    const dir = join(FIXTURES, file);
    const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as { tests: TestEntry[] };
    for (const entry of index.tests) {
      const base = entry.script.replace(/\.sh$/, "");
      const rec = join(dir, `${base}.rec.json`);
      const recording = existsSync(rec) ? (JSON.parse(readFileSync(rec, "utf8")) as TestRun) : undefined;
      tests.push({ name: `${file}/${base}`, file, entry, script: join(dir, `${base}.sh`), ...(recording ? { recording } : {}) });
    }
  }
  return tests;
}

/** A word for a shell line that runLine splits back into exactly this word. */
function quote(word: string): string {
  return `'${word.replace(/'/g, "'\\''")}'`;
}

/** Lines as a program prints them. */
function text(lines: readonly string[]): string {
  return lines.map((l) => `${l}\n`).join("");
}

/**
 * The shell's `sleep SECONDS...` (ovsim-shim.sh): the time passes for the switch
 * (Switch.realTimePasses), none for the shell. Seconds as sleep(1) reads them:
 * decimals with an optional s, m, h or d suffix, summed.
 */
function sleepFor(sw: Switch, args: readonly string[]): CommandResult {
  const unit = new Map([["", 1000], ["s", 1000], ["m", 60_000], ["h", 3_600_000], ["d", 86_400_000]]);
  let ms = 0;
  for (const a of args) {
    const m = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(a);
    if (m === null) return { ok: false, stdout: [], stderr: [`sleep: invalid time interval '${a}'`] };
    ms += Number(m[1]) * (unit.get(m[2] ?? "") ?? 1000);
  }
  sw.realTimePasses(Math.round(ms));
  return { ok: true, stdout: [], stderr: [] };
}

/** Most time one test may take against ovsim (wall clock; a runaway loop is stopped, not waited for). */
export const TEST_TIMEOUT_MS = 120_000;

/** Runs one converted test against a fresh in-process Switch; resolves with what its checks did. */
export interface OvsimRun extends TestRun {
  readonly timedOut: boolean;
  /** OVS commands run, and the time ovsim took for them (the rest is the shell's). */
  readonly calls: number;
  readonly ovsimMs: number;
}

export function runOnOvsim(script: string): Promise<OvsimRun> {
  const scratch = mkdtempSync(join(tmpdir(), "ovsim-ovs-test-"));
  const work = mkdtempSync(join(tmpdir(), "ovsim-ovs-test-results-"));
  const results = join(work, "results");
  const io = join(work, "io");
  const sw = new Switch();
  const home = process.cwd();
  // ovs-vswitchd.log in the run directory, as --log-file writes it: the switch's file log (src/vswitchd/vlog.ts).
  const logFile = join(scratch, "ovs-vswitchd.log");
  writeFileSync(logFile, "");
  const child = spawn("bash", [RUNNER, script, results], {
    cwd: scratch,
    detached: true,
    env: { ...process.env, OVS_TESTS_SHIM: SHIM, OVSIM_IO: io, OVS_WAIT_TRIES: "0", OVS_RUNDIR: scratch, OVS_LOGDIR: scratch, OVS_DBDIR: scratch, OVS_SYSCONFDIR: scratch },
    stdio: ["ignore", "ignore", "ignore", "pipe", "pipe"],
  });
  const requests = child.stdio[3];
  const answers = child.stdio[4];
  let pending = Buffer.alloc(0);
  let calls = 0;
  let ovsimMs = 0;
  const serve = (fields: string[]): void => {
    const [program = "", cwd = "", , ...rest] = fields;
    const args = rest.slice(0, -2);
    const stdin = rest[rest.length - 2] === "1";
    // Where the command's standard output goes (ovstest's daemons keep printing there).
    const stdoutFile = rest[rest.length - 1] ?? "";
    // ovs-ofctl reads `-` itself (runLine's stdin); the other programs get the file's name.
    const argv = stdin && program !== "ovs-ofctl" ? args.map((a) => (a === "-" ? `${io}.in` : a)) : args;
    let r: CommandResult;
    const t0 = performance.now();
    calls++;
    try {
      process.chdir(cwd);
      r =
        program === "ovsim-sleep"
          ? sleepFor(sw, args)
          : runLine(sw, [program, ...argv].map(quote).join(" "), stdin ? `${io}.in` : undefined, stdoutFile !== "" ? { stdoutFile } : undefined);
    } catch (e) {
      r = internalError(e);
    } finally {
      process.chdir(home);
      ovsimMs += performance.now() - t0;
    }
    const logged = sw.vlog.takeFileText();
    if (logged !== "") appendFileSync(logFile, logged, "latin1");
    // Dummy ports' captures (options:pcap...) go to files in ovs-vswitchd's directory.
    appendPcapFiles(sw.io.takePcapWrites(), scratch);
    const out = text(r.stdout);
    writeFileSync(`${io}.out`, r.noFinalNewline === true ? out.replace(/\n$/, "") : out, "latin1");
    writeFileSync(`${io}.err`, text(r.stderr), "latin1");
    (answers as NodeJS.WritableStream).write(`${exitCodeOf(r)}\0`);
  };
  (requests as NodeJS.ReadableStream).on("data", (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      // A request: PROGRAM CWD ARGC ARGV... STDIN STDOUT, each NUL-terminated (ovsim-shim.sh).
      const fields: string[] = [];
      let at = 0;
      let need = 3;
      while (fields.length < need) {
        const nul = pending.indexOf(0, at);
        if (nul < 0) return;
        fields.push(pending.subarray(at, nul).toString("latin1"));
        at = nul + 1;
        if (fields.length === 3) need = 3 + Number(fields[2]) + 2;
      }
      pending = pending.subarray(at);
      serve(fields);
    }
  });
  // A closed fd 4 (the shell went away mid-answer) is not an error of the test's.
  (answers as NodeJS.WritableStream).on("error", () => undefined);
  return new Promise((resolve) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    }, TEST_TIMEOUT_MS);
    child.on("close", () => {
      clearTimeout(timer);
      const run = readRun(results);
      rmSync(scratch, { recursive: true, force: true });
      rmSync(work, { recursive: true, force: true });
      resolve({ ...run, timedOut, calls, ovsimMs });
    });
  });
}

export interface Verdict {
  readonly name: string;
  readonly pass: boolean;
  /** Why it fails: the first difference, and the cause it is grouped under. */
  readonly problem?: string;
  readonly cause?: string;
}

function firstDiff(want: string, got: string): string {
  const w = want.split("\n");
  const g = got.split("\n");
  for (let i = 0; i < Math.max(w.length, g.length); i++) {
    if (w[i] !== g[i]) return `line ${i + 1}: OVS ${JSON.stringify(w[i] ?? "<end>")}, ovsim ${JSON.stringify(g[i] ?? "<end>")}`;
  }
  return "";
}

/** Options of OVS's programs that take the next word as their value. */
const OPTION_WITH_VALUE = new Set(["-O", "--protocols", "-F", "--flow-format", "-t", "--target", "-T", "--timeout", "-P", "--packet-in-format"]);
const OVS_PROGRAM = /^(ovs-vsctl|ovs-ofctl|ovs-appctl|ovs-dpctl|ovs-pcap|ovstest|ovsdb-client|ovsdb-tool|ovs-testcontroller)$/;

/** The OVS program and subcommand a check's command runs first (`ovs-ofctl dump-flows`), for grouping failures. */
export function commandOf(cmd: string): string {
  // A log pattern option (-vPATTERN:ANY:'%c|%p|%m') holds the separators below: dropped first.
  const words = cmd.replace(/-vPATTERN:\S+/g, "").split(/[\s|;()`]+/).map((w) => w.replace(/^['"]|['"]$/g, ""));
  const at = words.findIndex((w) => OVS_PROGRAM.test(w));
  if (at < 0) return "shell";
  const program = words[at] ?? "";
  if (program === "ovs-vsctl" || program === "ovs-pcap") return program;
  for (let k = at + 1; k < words.length; k++) {
    const w = words[k] ?? "";
    if (w === "") continue;
    if (OPTION_WITH_VALUE.has(w)) k++;
    else if (!w.startsWith("-")) return `${program} ${w}`;
  }
  return program;
}

/** ovs-ofctl's commands that need no switch: ovsim taking their first argument for a bridge means it lacks them. */
const OFFLINE_OFCTL = /^ovs-ofctl (parse-\S+|ofp-\S+|encode-\S+|check-vlan|print-error|compose-packet|nxm|oxm)$/;

/** Why ovsim failed a check, as a cause shared by the tests it fails. */
function causeOf(expect: CheckExpectation | undefined, got: CheckRun | undefined): string {
  const err = got?.stderr ?? "";
  const missing = /ovsim: (\S+(?: test-[\w-]+)?): command not supported/.exec(err);
  if (missing !== null) return `program not in ovsim: ${missing[1] ?? ""}`;
  if (/ovsim: internal error/.test(err)) return "an internal error in ovsim (a bug: the exception's message is in the line)";
  const appctl = /"(\S+)" is not a valid command/.exec(err);
  if (appctl !== null) return `ovs-appctl command not in ovsim: ${appctl[1] ?? ""}`;
  const cmd = expect?.command ?? "";
  const sub = commandOf(cmd);
  if (/is not a bridge or a socket/.test(err) && OFFLINE_OFCTL.test(sub)) return `ovs-ofctl command not in ovsim: ${sub.slice("ovs-ofctl ".length)}`;
  if (/ovs-vswitchd\.log/.test(cmd) || /ovs-vswitchd\.log: No such file/.test(err)) return "ovs-vswitchd.log contents";
  if (/^add_of_br 0/.test(cmd)) return "OVS_VSWITCHD_START's ovs-vsctl";
  if (/^ovs_wait$/.test(cmd)) return "an OVS_WAIT_UNTIL condition";
  if (/\.pcap\b/.test(cmd)) return "pcap files";
  return `output of ${commandOf(cmd)}`;
}

/** Judges ovsim's run of a test against its recording (see the file comment). */
export function judge(t: OvsTest, got: OvsimRun): Verdict {
  const rec = t.recording;
  if (rec === undefined) return { name: t.name, pass: false, problem: "no recording", cause: "not recorded" };
  const expects = new Map(t.entry.checks.map((c) => [c.id, c]));
  const fail = (k: number, problem: string): Verdict => {
    const e = expects.get(rec.checks[k]?.id ?? got.checks[k]?.id ?? 0);
    return { name: t.name, pass: false, problem: `check ${k + 1} (${(e?.command ?? "").split("\n")[0]?.slice(0, 100)}): ${problem}`, cause: causeOf(e, got.checks[k]) };
  };
  if (got.timedOut) return { name: t.name, pass: false, problem: `stopped after ${TEST_TIMEOUT_MS / 1000} s`, cause: "runs too long against ovsim" };
  const n = Math.max(rec.checks.length, got.checks.length);
  for (let k = 0; k < n; k++) {
    const want = rec.checks[k];
    const have = got.checks[k];
    if (want === undefined || have === undefined) return fail(k, want === undefined ? "ovsim ran more checks than OVS" : "ovsim ran fewer checks than OVS");
    if (want.id !== have.id) return fail(k, `OVS ran check ${want.id}, ovsim check ${have.id}`);
    const e = expects.get(want.id);
    if (e?.status !== "ignore" && want.status !== have.status) return fail(k, `exit status: OVS ${want.status}, ovsim ${have.status}${have.stderr ? ` (${have.stderr.split("\n")[0]?.slice(0, 160)})` : ""}`);
    // As autotest: stdout is compared where the .at gives it (literally or as expout); `[stdout]`
    // only saves it to a file, which the later checks that read it compare.
    const outChecked = e === undefined || e.stdout.mode === "check" || e.stdout.mode === "expout";
    if (outChecked && !sameOutput(want.stdout, want.stdoutSha256, have.stdout)) return fail(k, `stdout ${want.stdoutSha256 === undefined ? firstDiff(want.stdout, have.stdout) : "differs (recorded as its SHA-256)"}`);
    const errChecked = e?.stderr.mode === "check" || e?.stderr.mode === "experr";
    if (errChecked && !sameOutput(want.stderr, want.stderrSha256, have.stderr)) return fail(k, `stderr ${want.stderrSha256 === undefined ? firstDiff(want.stderr, have.stderr) : "differs (recorded as its SHA-256)"}`);
  }
  if (rec.skipped !== got.skipped || rec.done !== got.done) return { name: t.name, pass: false, problem: "the script ended differently", cause: "the script ended differently" };
  return { name: t.name, pass: true };
}

/** Whether the recording itself meets the .at's literal expectations (the Debian build differs from OVS's build tree). */
export function crossCheck(t: OvsTest): string | undefined {
  for (const r of t.recording?.checks ?? []) {
    const e = t.entry.checks.find((c) => c.id === r.id);
    if (e === undefined || e.unquoted) continue;
    if (e.status !== "ignore" && e.status !== r.status) return `check ${r.id}: exit status ${r.status}, the .at expects ${e.status}`;
    if (e.stdout.mode === "check" && !sameOutput(r.stdout, r.stdoutSha256, e.stdout.text ?? "")) return `check ${r.id}: stdout differs from the .at's`;
    if (e.stderr.mode === "check" && !sameOutput(r.stderr, r.stderrSha256, e.stderr.text ?? "")) return `check ${r.id}: stderr differs from the .at's`;
  }
  return undefined;
}

/** The committed list of tests ovsim passes (one FILE/NNN-slug a line): none may regress. */
export const PASSING_LIST = fileURLToPath(new URL("./passing.txt", import.meta.url));

export function loadPassing(): string[] {
  if (!existsSync(PASSING_LIST)) return [];
  return readFileSync(PASSING_LIST, "utf8").split("\n").filter((l) => l !== "" && !l.startsWith("#"));
}

/** Runs tests `parallel` at a time (each is its own bash; the Switch work is in this process). */
export async function runAll(tests: readonly OvsTest[], parallel = 2): Promise<Verdict[]> {
  const verdicts: Verdict[] = new Array<Verdict>(tests.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tests.length) {
      const k = next++;
      const t = tests[k] as OvsTest;
      verdicts[k] = judge(t, await runOnOvsim(t.script));
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return verdicts;
}

/** Per OVS test file: tests, converted, excluded (by reason), counted, passing. */
export interface FileRow {
  readonly file: string;
  readonly tests: number;
  readonly converted: number;
  readonly excluded: number;
  readonly counted: number;
  readonly passing: number;
}

export function table(tests: readonly OvsTest[], verdicts: ReadonlyMap<string, Verdict>): FileRow[] {
  return OVS_TEST_FILES.map((file) => {
    const mine = tests.filter((t) => t.file === file);
    const counted = mine.filter((t) => t.entry.excluded === undefined);
    return {
      file,
      tests: mine.length,
      converted: mine.length,
      excluded: mine.length - counted.length,
      counted: counted.length,
      passing: counted.filter((t) => verdicts.get(t.name)?.pass === true).length,
    };
  });
}
