/**
 * Converts Open vSwitch 3.1's own test files (tests/*.at, autotest over m4)
 * into bash scripts that run the same commands, against real OVS
 * (fixtures/ovs-tests/record.sh) or ovsim (test/ovs-tests/harness.ts).
 *
 *   npm run ovs-tests:convert [-- OVS_TESTS_DIR]
 *
 * reads the .at files from OVS_TESTS_DIR, or else from branch-3.1 of the
 * local OVS mirror, and writes fixtures/ovs-tests/<file>/NNN-<slug>.sh, one
 * per test as autotest numbers them within the file (m4_foreach / m4_define
 * expanded), plus fixtures/ovs-tests/<file>/index.json: every test with its
 * title, what the .at expects of each check, and its exclusion reason
 * (exclusions.ts) or why it could not be converted.
 *
 * The script of a test is the test's shell code as autotest would run it:
 * shell lines outside checks as they are, each AT_CHECK one line
 * `at_begin ID STDOUT STDERR; (eval $'COMMAND') >"$at_out" 2>"$at_err"
 * </dev/null; at_end $?`: the command in a subshell of the test's own shell
 * (so that `$1` in a check inside a shell function is the function's, as in
 * autotest), its status, stdout and stderr kept by scripts/ovs-tests/runner.sh;
 * AT_DATA a `printf` into the file. OVS_VSWITCHD_START is
 * ovs-run's (or ovsim's) running switch plus its `add_of_br 0` check;
 * OVS_VSWITCHD_STOP's log check is left out (ovsim has no log file).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { M4, M4Error } from "./m4.js";
import type { Builtin } from "./m4.js";
import { exclusionOf } from "./exclusions.js";
import type { ExclusionReason } from "./exclusions.js";

/** The test files issue 12 names, in testsuite.at's order. */
export const OVS_TEST_FILES = ["classifier", "ovs-ofctl", "ofproto", "ofproto-dpif", "learn", "tunnel", "tunnel-push-pop", "dpif-netdev"] as const;

const MIRROR = "/work/.mirror/openvswitch+ovs/repo";
const BRANCH = "branch-3.1";

/** What the .at expects of a check's stdout or stderr. */
export interface OutputExpectation {
  /** check: must equal `text`; ignore: not checked; save: kept in file stdout/stderr; expout/experr: must equal that file. */
  readonly mode: "check" | "ignore" | "save" | "expout" | "experr";
  readonly text?: string;
}

export interface CheckExpectation {
  readonly id: number;
  readonly command: string;
  /** The expected exit status, or "ignore". */
  readonly status: number | "ignore";
  readonly stdout: OutputExpectation;
  readonly stderr: OutputExpectation;
  /** AT_CHECK_UNQUOTED: the expected texts are expanded by the shell when the test runs. */
  readonly unquoted: boolean;
}

export interface TestEntry {
  /** Autotest's number of the test within its file, from 1. */
  readonly n: number;
  readonly title: string;
  readonly keywords: string[];
  /** The script's file name beside index.json (every test converts: an m4 error in a converted file stops the converter). */
  readonly script: string;
  readonly excluded?: { readonly reason: ExclusionReason; readonly sign: string };
  readonly checks: CheckExpectation[];
}

interface OpenTest {
  title: string;
  keywords: string[];
  checks: CheckExpectation[];
  /** The commands as plain text, for exclusionOf. */
  plain: string;
}

/** Bash's $'...' quoting of any text, on one line. */
export function ansiC(s: string): string {
  let out = "$'";
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === "\\") out += "\\\\";
    else if (ch === "'") out += "\\'";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${out}'`;
}

/** Autotest's quadrigraphs and the empty `@&t@`, replaced after expansion. */
function unquadrigraph(s: string): string {
  return s.replace(/@<:@/g, "[").replace(/@:>@/g, "]").replace(/@S\|@/g, "$").replace(/@%:@/g, "#").replace(/@\{:@/g, "(").replace(/@:\}@/g, ")").replace(/@&t@/g, "");
}

function slug(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 60).replace(/-$/, "");
}

const MARK = "\u0001";
const SETUP = (k: number): string => `${MARK}S${k}${MARK}`;
const CLEANUP = `${MARK}E${MARK}`;
const DIVERT_ON = `${MARK}D${MARK}`;
const DIVERT_OFF = `${MARK}d${MARK}`;

function outputExpectation(arg: string | undefined, file: "stdout" | "stderr"): OutputExpectation {
  const a = unquadrigraph(arg ?? "");
  if (a === "ignore" || a === "ignore-no-diff") return { mode: "ignore" };
  if (a === file || a === `${file}-nolog`) return { mode: "save" };
  if (a === "expout") return { mode: "expout" };
  if (a === "experr") return { mode: "experr" };
  return { mode: "check", text: a };
}

/**
 * Converts one .at file's text: its tests, each test's script body, its
 * PREPARE_TESTS text, and the user macros defined once it is read. `defs`:
 * the macros the files before it in testsuite.at defined (autotest reads one
 * m4 stream: a macro of lacp.at is still defined in ofproto-dpif.at).
 */
export function convertFile(text: string, defs: ReadonlyMap<string, string> = new Map()): { tests: OpenTest[]; bodies: string[]; prepare: string; defs: ReadonlyMap<string, string> } {
  const tests: OpenTest[] = [];
  const current = (): OpenTest | undefined => tests[tests.length - 1];
  // `sameShell`: the command runs in the test's shell, not a subshell (OVS_WAIT_UNTIL is no
  // AT_CHECK: what its condition sets, as PARSE_LISTENING_PORT's port variable, stays set).
  const check = (args: string[], m4: M4, unquoted: boolean, sameShell = false): string => {
    const t = current();
    const [cmd = "", status = "", out, err] = args.map((a) => unquadrigraph(m4.expand(a)));
    if (t === undefined) return "";
    const id = t.checks.length + 1;
    const st = status.trim();
    const e: CheckExpectation = {
      id,
      command: cmd,
      status: st === "" ? 0 : st === "ignore" ? "ignore" : Number(st),
      stdout: outputExpectation(out, "stdout"),
      stderr: outputExpectation(err, "stderr"),
      unquoted,
    };
    t.checks.push(e);
    t.plain += `${cmd}\n`;
    const run = sameShell ? `{ eval ${ansiC(cmd)}; }` : `(eval ${ansiC(cmd)})`;
    return `at_begin ${id} ${e.stdout.mode} ${e.stderr.mode}; ${run} >"$at_out" 2>"$at_err" </dev/null; at_end $?\n`;
  };
  const wait = (cond: string, m4: M4): string => {
    const c = unquadrigraph(m4.expand(cond));
    const t = current();
    if (t !== undefined) t.plain += `${c}\n`;
    // OVS_WAIT's output goes to the test's log, unchecked; only its success counts.
    return `ovs_wait_cond () {\n${c}\n}\n${check(["ovs_wait", "0", "ignore", "ignore"], m4, false, true)}`;
  };
  const builtins: Record<string, Builtin> = {
    AT_SETUP: (a, m4) => {
      tests.push({ title: unquadrigraph(m4.expand(a[0] ?? "")).trim(), keywords: [], checks: [], plain: "" });
      return SETUP(tests.length - 1);
    },
    AT_CLEANUP: () => CLEANUP,
    AT_KEYWORDS: (a, m4) => {
      current()?.keywords.push(...m4.expand(a[0] ?? "").split(/\s+/).filter((k) => k !== ""));
      return "";
    },
    AT_CHECK: (a, m4) => check(a, m4, false),
    AT_CHECK_UNQUOTED: (a, m4) => check(a, m4, true),
    AT_DATA: (a, m4) => {
      const file = unquadrigraph(m4.expand(a[0] ?? ""));
      const body = unquadrigraph(m4.expand(a[1] ?? ""));
      return `printf '%s' ${ansiC(body)} > ${ansiC(file)}\n`;
    },
    AT_SKIP_IF: (a, m4) => check([`(${a[0] ?? ""}) && exit 77 || exit 0`, "0", "ignore", "ignore"], m4, false).replace(/at_end \$\?\n$/, "at_end $? skip\n"),
    AT_FAIL_IF: (a, m4) => check([`(${a[0] ?? ""}) && exit 99 || exit 0`, "0", "ignore", "ignore"], m4, false),
    AT_XFAIL_IF: () => "",
    AT_CAPTURE_FILE: () => "",
    AT_BANNER: () => "",
    AT_TESTED: () => "",
    OVS_VSWITCHD_START: (a, m4) => {
      const [vsctl = "", output = "", , aux = ""] = a;
      const t = current();
      // Extra ovs-vswitchd options cannot be given to ovs-run's (or ovsim's) running switch: noted for exclusionOf.
      if (t !== undefined && m4.expand(aux).trim() !== "") t.plain += `ovs-vswitchd ${m4.expand(aux).trim()}\n`;
      return check([`add_of_br 0 ${vsctl}${m4.expand(output) === "" ? "" : " | uuidfilt"}`, "0", output], m4, false);
    },
    OVS_VSWITCHD_STOP: () => "",
    OVS_TRAFFIC_VSWITCHD_STOP: () => "",
    OVS_VSWITCHD_DISABLE_TUNNEL_PUSH_POP: (_a, m4) => check(["ovs-appctl dpif/set-dp-features br0 tnl_push_pop false"], m4, false),
    OVS_WAIT_UNTIL: (a, m4) => wait(a[0] ?? "", m4),
    OVS_WAIT_WHILE: (a, m4) => wait(`if ${a[0] ?? ""}; then return 1; else return 0; fi`, m4),
    OVS_WAIT_UNTIL_EQUAL: (a, m4) => `echo "${unquadrigraph(m4.expand(a[1] ?? ""))}" > wait_until_expected\n${wait(`${a[0] ?? ""} | diff -u wait_until_expected - `, m4)}`,
    // ofproto-macros.at's other macros, which the files use.
    TESTABLE_LOG: () => "-vPATTERN:ANY:'%c|%p|%m'",
    WAIT_FOR_DUMMY_PORTS: (a, m4) => a.map((port) => wait(`if ovs-appctl netdev-dummy/conn-state ${port.trim()} | grep 'unknown\\|disconnected'; then return 1; else return 0; fi`, m4)).join(""),
    PARSE_LISTENING_PORT: (a, m4) => wait(`${a[1] ?? ""}=\`sed -n 's/.*0:.*: listening on port \\([[0-9]]*\\)$/\\1/p' "${a[0] ?? ""}"\` && test X != X"[$]${a[1] ?? ""}"`, m4),
    OVS_APP_EXIT_AND_WAIT: (a, m4) => check([`ovs_app_exit_and_wait ${a[0] ?? ""}`], m4, false),
    m4_divert_push: () => DIVERT_ON,
    m4_divert_pop: () => DIVERT_OFF,
  };
  const m4 = new M4(builtins);
  for (const [name, body] of defs) m4.defs.set(name, body);
  const out = m4.expand(text);
  // Split the expansion at the marks: tests' bodies, and PREPARE_TESTS text.
  const bodies: string[] = tests.map(() => "");
  let prepare = "";
  let mode: "none" | "test" | "prepare" = "none";
  let k = -1;
  for (const piece of out.split(MARK)) {
    if (/^S\d+$/.test(piece)) {
      k = Number(piece.slice(1));
      mode = "test";
    } else if (piece === "E") mode = "none";
    else if (piece === "D") mode = "prepare";
    else if (piece === "d") mode = "none";
    else if (mode === "test") bodies[k] += piece;
    else if (mode === "prepare") prepare += piece;
  }
  return { tests, bodies: bodies.map(unquadrigraph), prepare: unquadrigraph(prepare), defs: m4.defs };
}

function readAt(dir: string | undefined, name: string): string {
  if (dir !== undefined) return readFileSync(join(dir, `${name}.at`), "utf8");
  return execFileSync("git", ["-C", MIRROR, "show", `${BRANCH}:tests/${name}.at`], { encoding: "utf8", maxBuffer: 64 << 20 });
}

/**
 * The files testsuite.at includes, in its order, up to the last one converted:
 * the ones before a converted file are read for their macros and
 * PREPARE_TESTS helpers only. The macro files (ovs-macros.at...) are left
 * out: this converter's builtins stand for their macros.
 */
function testsuiteOrder(dir: string | undefined): string[] {
  const names = [...readAt(dir, "testsuite").matchAll(/^m4_include\(\[tests\/([a-z0-9-]+)\.at\]\)/gm)].map((m) => m[1] ?? "");
  const last = Math.max(...OVS_TEST_FILES.map((f) => names.indexOf(f)));
  return names.slice(0, last + 1).filter((n) => !n.endsWith("-macros"));
}

function main(): void {
  const dir = process.argv[2];
  const root = new URL("../../fixtures/ovs-tests/", import.meta.url).pathname;
  const converting = new Set<string>(OVS_TEST_FILES);
  let prepareAll = "";
  let defs: ReadonlyMap<string, string> = new Map();
  for (const name of testsuiteOrder(dir)) {
    const text = readAt(dir, name);
    let converted: ReturnType<typeof convertFile>;
    try {
      converted = convertFile(text, defs);
    } catch (e) {
      if (!(e instanceof M4Error)) throw e;
      if (converting.has(name)) throw new Error(`${name}.at: ${e.message}`);
      console.log(`${name}.at: not read for macros (${e.message})`);
      continue;
    }
    defs = converted.defs;
    prepareAll += converted.prepare;
    if (!converting.has(name)) continue;
    const outDir = join(root, name);
    // Scripts are rewritten; recordings (*.rec.json) stay until record.sh replaces them.
    mkdirSync(outDir, { recursive: true });
    for (const f of readdirSync(outDir)) if (f.endsWith(".sh")) rmSync(join(outDir, f));
    const entries: TestEntry[] = [];
    converted.tests.forEach((t, i) => {
      const n = i + 1;
      const file = `${String(n).padStart(3, "0")}-${slug(t.title)}.sh`;
      const body = converted.bodies[i] ?? "";
      const header = `# From Open vSwitch ${BRANCH} tests/${name}.at, test ${n} "${t.title}" (Apache License 2.0)\n# Converted by scripts/ovs-tests/convert.ts; run by scripts/ovs-tests/runner.sh.\n`;
      writeFileSync(join(outDir, file), header + body.replace(/^\n+/, "").replace(/[ \t]+$/gm, ""));
      const excluded = exclusionOf(`${t.plain}\n${body}`);
      entries.push({ n, title: t.title, keywords: t.keywords, script: file, ...(excluded ? { excluded } : {}), checks: t.checks });
    });
    writeFileSync(join(outDir, "index.json"), `${JSON.stringify({ source: `openvswitch/ovs ${BRANCH} tests/${name}.at`, license: "Apache License 2.0", tests: entries }, null, 1)}\n`);
    const ex = entries.filter((e) => e.excluded !== undefined).length;
    console.log(`${name}.at: ${entries.length} tests, ${ex} excluded`);
  }
  writeFileSync(
    join(root, "prepare.sh"),
    `# The PREPARE_TESTS shell helpers of Open vSwitch ${BRANCH}'s test files up to tests/dpif-netdev.at in testsuite.at's order\n# (Apache License 2.0), expanded by scripts/ovs-tests/convert.ts; sourced by scripts/ovs-tests/prelude.sh.\n${prepareAll}`,
  );
}

if (process.argv[1]?.endsWith("convert.ts") === true) main();
