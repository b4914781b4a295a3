/**
 * What the fuzz suites (test/fuzz/*.fuzz.test.ts) share: how many inputs to
 * run, the seeds (every line of the repository's fixtures/**\/*.ovs, split
 * into the texts each entry point reads), the hostile material mixed into
 * them, the mutations that mix it in, and the checks of the three properties
 * (docs/reliability.md):
 *
 *   (a) every input gives a value or a typed error: an OvsimError, or a
 *       CommandResult with ok=false and an OVS-style message; never another
 *       exception (and never an "internal error");
 *   (b) bounded work per input, counted: input sizes are bounded here, and
 *       each suite counts what could run away (warp steps, event-loop events,
 *       frames, output characters) against a bound;
 *   (c) a refused command leaves the switch exactly as it was (`Snapshot`).
 *
 * FUZZ_RUNS sets the inputs per entry point (default DEFAULT_RUNS);
 * FUZZ_SEED the fast-check seed (default a fixed one, so `npm test` is
 * repeatable; `npm run fuzz` runs 100000 inputs per entry point); FUZZ_LOG a
 * file each input is appended to before it runs (an input that kills the
 * process, which fast-check cannot report, is its last line).
 */
import { appendFileSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { expect } from "vitest";
import { OvsimError } from "../../src/flowtable/errors.js";
import type { CommandResult } from "../../src/utilities/command-result.js";
import { exitCodeOf } from "../../src/utilities/command-result.js";
import { shellWords } from "../../src/utilities/shell-words.js";
import type { Switch } from "../../src/vswitchd/switch.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Inputs per entry point in the default test run (the whole suite stays within about a minute on 2 cores). */
export const DEFAULT_RUNS = 5000;

export const RUNS = Number(process.env["FUZZ_RUNS"] ?? DEFAULT_RUNS);

const LOG = process.env["FUZZ_LOG"];

/** With FUZZ_LOG set, appends `input` (for `entry`) to that file before it runs. */
export function logInput(entry: string, input: string): void {
  if (LOG !== undefined && LOG !== "") appendFileSync(LOG, `${entry}\t${JSON.stringify(input)}\n`);
}

/** fast-check parameters for one entry point: RUNS inputs, a fixed seed unless FUZZ_SEED says otherwise. */
export function params(runs = RUNS): fc.Parameters<unknown> {
  const seed = process.env["FUZZ_SEED"];
  return { numRuns: runs, seed: seed === undefined ? 0x5eed : Number(seed), endOnFailure: true };
}

/** A vitest timeout for an entry point: room for RUNS inputs at `msPerInput` on a slow machine. */
export function timeoutFor(msPerInput: number, runs = RUNS): number {
  return Math.max(60_000, Math.ceil(runs * msPerInput * 4));
}

// ---------------------------------------------------------------- seeds

function filesUnder(dir: string, ext: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p, ext));
    else if (name.endsWith(ext)) out.push(p);
  }
  return out;
}

function scriptLines(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

const uniq = (xs: Iterable<string>): string[] => [...new Set(xs)];

/** Every ovs-vsctl / ovs-ofctl / ovs-appctl line of fixtures/**\/*.ovs, once each, in file order. */
export const FIXTURE_LINES: readonly string[] = uniq(
  filesUnder(join(ROOT, "fixtures"), ".ovs").flatMap((f) => scriptLines(readFileSync(f, "utf8")).filter((l) => /^ovs-(vsctl|ofctl|appctl)\s/.test(l))),
);

/** The lines of fixtures/scenarios/*.scn (directives and commands), once each. */
export const SCENARIO_LINES: readonly string[] = uniq(filesUnder(join(ROOT, "fixtures/scenarios"), ".scn").flatMap((f) => scriptLines(readFileSync(f, "utf8"))));

/** The scenario files themselves. */
export const SCENARIO_FILES: readonly string[] = filesUnder(join(ROOT, "fixtures/scenarios"), ".scn").map((f) => readFileSync(f, "utf8"));

function wordsOf(line: string): string[] {
  try {
    return shellWords(line).filter((w) => w !== "2>&1");
  } catch {
    return [];
  }
}

/** A fixture line's words: program, then its arguments. */
export const FIXTURE_WORDS: readonly (readonly string[])[] = FIXTURE_LINES.map(wordsOf).filter((w) => w.length > 0);

const FLOW_COMMANDS = new Set(["add-flow", "mod-flows", "del-flows", "dump-flows", "dump-aggregate"]);

/** The flow texts of the fixtures' add-flow / mod-flows / del-flows / dump-flows lines. */
export const FLOW_TEXTS: readonly string[] = uniq(
  FIXTURE_WORDS.filter((w) => w[0] === "ovs-ofctl").flatMap((w) => {
    const args = w.slice(1).filter((a) => !a.startsWith("-"));
    return FLOW_COMMANDS.has(args[0] ?? "") && args[2] !== undefined ? [args[2]] : [];
  }),
);

/** Their match parts (before `actions=`). */
export const MATCH_TEXTS: readonly string[] = uniq(FLOW_TEXTS.map((f) => f.replace(/,?\s*actions=.*$/s, "")));

/** Their action parts (after `actions=`), with the fixtures' group buckets' actions. */
export const ACTION_TEXTS: readonly string[] = uniq([
  ...FLOW_TEXTS.flatMap((f) => {
    const i = f.indexOf("actions=");
    return i < 0 ? [] : [f.slice(i + "actions=".length)];
  }),
  ...FIXTURE_LINES.flatMap((l) => [...l.matchAll(/bucket=([^'"\s]*?)(?=,bucket=|['"\s]|$)/g)].map((m) => (m[1] ?? "").replace(/^actions=/, ""))),
]);

/** Datapath flow texts (`in_port(1),eth(...),...`) given to ofproto/trace and netdev-dummy/receive. */
export const ODP_FLOW_TEXTS: readonly string[] = uniq(
  FIXTURE_WORDS.filter((w) => w[0] === "ovs-appctl").flatMap((w) => w.slice(1).filter((a) => /^[a-z_0-9]+\(/.test(a) && a.includes(")"))),
);

/** Packets in hex given to ofproto/trace and netdev-dummy/receive. */
export const HEX_PACKETS: readonly string[] = uniq(
  FIXTURE_WORDS.filter((w) => w[0] === "ovs-appctl").flatMap((w) => w.slice(1).filter((a) => /^[0-9a-fA-F]{28,}$/.test(a))),
);

// ---------------------------------------------------------------- hostile material

/** Names that a plain-object table would answer from Object.prototype. */
export const HOSTILE_NAMES: readonly string[] = [
  "__proto__",
  "constructor",
  "toString",
  "valueOf",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
  "__defineGetter__",
  "__lookupSetter__",
  "prototype",
  "length",
  "name",
  "then",
  "null",
];

/** Numbers at and past every width (C's int, long, 2^53, 2^64) and the ones JavaScript reads oddly. */
export const HOSTILE_NUMBERS: readonly string[] = [
  "0",
  "-0",
  "-1",
  "65535",
  "65536",
  "2147483647",
  "2147483648",
  "4294967295",
  "4294967296",
  "4294967297",
  "9007199254740993",
  "9223372036854775807",
  "9223372036854775808",
  "18446744073709551615",
  "18446744073709551616",
  "99999999999999999999",
  "-99999999999999999999",
  "0x",
  "0xffffffffffffffffffff",
  "0b101",
  "0o17",
  "1e308",
  "1e-7",
  "Infinity",
  "-Infinity",
  "NaN",
  " 12",
  "12 ",
  "+5",
  "1_000",
  "０",
];

/** Odd characters: NUL, controls, separators JavaScript treats as line ends, a lone surrogate, a BOM, wide ones. */
export const HOSTILE_CHARS: readonly string[] = ["\0", "\x01", "\x7f", "\t", "\r", "\n", "\u2028", "\u00a0", "\ufeff", "\ud800", "é", "😀", "ß", "İ", "\\", "'", '"', "`", "$", "%s", "%n"];

/** A long number: `digits` of them, decimal or hex. */
export function longNumber(digits: number, hex: boolean): string {
  return hex ? `0x${"f".repeat(digits)}` : `1${"9".repeat(digits - 1)}`;
}

/** `open` repeated `depth` times around `inner`, each closed by `close`. */
export function nested(open: string, close: string, depth: number, inner = ""): string {
  return `${open.repeat(depth)}${inner}${close.repeat(depth)}`;
}

const NESTERS: readonly (readonly [string, string])[] = [
  ["encap(", ")"],
  ["clone(", ")"],
  ["ct(exec(", "))"],
  ["write_actions(", ")"],
  ["(", ")"],
  ["[", "]"],
  ["vlan(", ")"],
  ["learn(", ")"],
];

/** One piece of hostile material. Long numbers and deep nesting stay under 20000 characters: enough to show super-linear work, cheap when linear. */
export const hostileToken: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_NAMES) },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_NUMBERS) },
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_CHARS) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 20, max: 20_000 }), fc.boolean()).map(([n, hex]) => longNumber(n, hex)) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...NESTERS), fc.integer({ min: 2, max: 3000 })).map(([[o, c], d]) => nested(o, c, d)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

// ---------------------------------------------------------------- mutations

type Mutation =
  | { readonly kind: "replace"; readonly at: number; readonly token: string }
  | { readonly kind: "insert"; readonly at: number; readonly token: string }
  | { readonly kind: "delete"; readonly at: number; readonly len: number }
  | { readonly kind: "duplicate"; readonly at: number; readonly len: number }
  | { readonly kind: "splice"; readonly at: number; readonly other: string; readonly from: number };

/** Splits text into tokens and the separators between them (kept, so that joining gives the text back). */
function tokens(s: string): string[] {
  return s.split(/([,=()[\]:/\s>\-+|.]+)/);
}

function apply(s: string, m: Mutation): string {
  switch (m.kind) {
    case "replace": {
      // A name replaces a name (a keyword, an enum value, a command), a number a number, when there is one; anything else, any token.
      const t = tokens(s);
      const all = t.map((_, i) => i).filter((i) => i % 2 === 0);
      const kind = (x: string): string => (/^[A-Za-z_][A-Za-z_0-9]*$/.test(x) ? "name" : /^[-+ ]?[0-9]/.test(x) ? "number" : "other");
      const same = all.filter((i) => kind(t[i] as string) === kind(m.token));
      const pool = kind(m.token) !== "other" && same.length > 0 ? same : all;
      const i = pool[m.at % Math.max(1, pool.length)] ?? 0;
      t[i] = m.token;
      return t.join("");
    }
    case "insert": {
      const at = m.at % (s.length + 1);
      return s.slice(0, at) + m.token + s.slice(at);
    }
    case "delete": {
      const at = m.at % (s.length + 1);
      return s.slice(0, at) + s.slice(at + m.len);
    }
    case "duplicate": {
      const at = m.at % (s.length + 1);
      return s.slice(0, at) + s.slice(at, at + m.len) + s.slice(at);
    }
    case "splice": {
      const at = m.at % (s.length + 1);
      return s.slice(0, at) + m.other.slice(m.from % (m.other.length + 1));
    }
  }
}

function mutation(seeds: readonly string[]): fc.Arbitrary<Mutation> {
  const at = fc.nat({ max: 1 << 16 });
  // A token is mostly replaced by a name from Object.prototype: the crash class this suite is for.
  const token = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_NAMES) },
    { weight: 2, arbitrary: hostileToken },
    { weight: 1, arbitrary: fc.constantFrom(...seeds).map((s) => tokens(s)[0] ?? "") },
  );
  return fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant("replace" as const), at, token }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("insert" as const), at, token: hostileToken }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("delete" as const), at, len: fc.integer({ min: 1, max: 12 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("duplicate" as const), at, len: fc.integer({ min: 1, max: 40 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("splice" as const), at, other: fc.constantFrom(...seeds), from: at }) },
  );
}

/** Inputs are cut to this many characters (bounded input, for property (b)). */
export const MAX_INPUT = 65_536;

/**
 * Texts for an entry point: a seed unchanged (now and then), a seed with up
 * to three mutations (mostly), or hostile material alone.
 */
export function fuzzText(seeds: readonly string[]): fc.Arbitrary<string> {
  const pool = seeds.length > 0 ? seeds : [""];
  return fc
    .oneof(
      { weight: 1, arbitrary: fc.constantFrom(...pool) },
      { weight: 8, arbitrary: fc.tuple(fc.constantFrom(...pool), fc.array(mutation(pool), { minLength: 1, maxLength: 3 })).map(([s, ms]) => ms.reduce(apply, s)) },
      { weight: 1, arbitrary: hostileToken },
    )
    .map((s) => s.slice(0, MAX_INPUT));
}

/**
 * Packets in hex: a seed packet with bytes changed, cut or added (so that
 * most stay hex and reach flow extraction), or a text mutation of it.
 */
export function fuzzHexPacket(seeds: readonly string[]): fc.Arbitrary<string> {
  const edit = fc.tuple(fc.nat({ max: 1 << 16 }), fc.integer({ min: 0, max: 255 }), fc.constantFrom("set", "cut", "add"));
  const bytes = fc.tuple(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: 6 })).map(([hex, edits]) => {
    const b = (hex.match(/../g) ?? []).map((x) => parseInt(x, 16));
    for (const [at, v, kind] of edits) {
      const i = at % (b.length + 1);
      if (kind === "set") b[Math.min(i, b.length - 1)] = v;
      else if (kind === "cut") b.length = i;
      else b.splice(i, 0, ...Array.from({ length: (v % 64) + 1 }, (_, k) => (v * 31 + k) & 0xff));
    }
    return b.map((x) => x.toString(16).padStart(2, "0")).join("");
  });
  return fc.oneof({ weight: 4, arbitrary: bytes }, { weight: 1, arbitrary: fuzzText(seeds) });
}

/** A word as a POSIX shell would read it back (single-quoted). */
export function quote(word: string): string {
  return /^[A-Za-z0-9_./:=,-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

/**
 * Command lines for `program`: a fixture line of it with mutated words
 * (quoted, so that the words reach the tool as mutated), or the raw line
 * mutated (shell syntax errors included).
 */
export function fuzzLine(program: "ovs-vsctl" | "ovs-ofctl" | "ovs-appctl"): fc.Arbitrary<string> {
  const lines = FIXTURE_WORDS.filter((w) => w[0] === program);
  const words = uniq(lines.flatMap((w) => w.slice(1)));
  const wordText = fuzzText(words);
  // Which word an edit changes: mostly the last one (a flow, a match, a value), sometimes any.
  const target = fc.oneof({ weight: 3, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: fc.nat() });
  // An edit mutates the word in place (mostly), or puts another fixture word, mutated, in its place.
  const edit = fc.oneof(
    { weight: 4, arbitrary: fc.array(mutation(words), { minLength: 1, maxLength: 2 }).map((ms) => (w: string) => ms.reduce(apply, w)) },
    { weight: 1, arbitrary: wordText.map((t) => (_: string) => t) },
  );
  const byWords = fc
    .tuple(fc.constantFrom(...lines), fc.array(fc.tuple(target, edit), { minLength: 1, maxLength: 2 }), fc.nat({ max: 9 }))
    .map(([w, edits, drop]) => {
      const args = [...w.slice(1)];
      for (const [i, f] of edits) {
        if (args.length === 0) args.push(f(""));
        else {
          const k = i < 0 ? args.length - 1 : i % args.length;
          args[k] = f(args[k] as string).slice(0, MAX_INPUT);
        }
      }
      if (drop === 0 && args.length > 1) args.pop();
      return [program, ...args].map(quote).join(" ");
    });
  const raw = fuzzText(FIXTURE_LINES.filter((l) => l.startsWith(`${program} `))).map((l) => (l.startsWith(program) ? l : `${program} ${l}`));
  // The crash class itself: a fixture line, valid but for one name (a command, keyword, enum value, port) from Object.prototype.
  const nameSwap = fc.tuple(fc.constantFrom(...lines), fc.nat(), fc.constantFrom(...HOSTILE_NAMES)).map(([w, at, name]) => {
    const args = [...w.slice(1)];
    const spots: [number, number][] = [];
    args.forEach((a, i) => tokens(a).forEach((t, j) => j % 2 === 0 && /^[A-Za-z_][A-Za-z_0-9]*$/.test(t) && spots.push([i, j])));
    const spot = spots[at % Math.max(1, spots.length)];
    if (spot !== undefined) {
      const t = tokens(args[spot[0]] as string);
      t[spot[1]] = name;
      args[spot[0]] = t.join("");
    }
    return [program, ...args].map(quote).join(" ");
  });
  return fc.oneof({ weight: 3, arbitrary: byWords }, { weight: 2, arbitrary: nameSwap }, { weight: 1, arbitrary: raw });
}

// ---------------------------------------------------------------- property (a)

/** Runs `f`: its value, or the typed error it threw; anything else fails the test. */
export function typed<T>(input: string, f: () => T): T | OvsimError {
  logInput("typed", input);
  try {
    return f();
  } catch (e) {
    if (e instanceof OvsimError) {
      expect(typeof e.code, `error without a code for ${JSON.stringify(input.slice(0, 300))}`).toBe("string");
      expect(e.message.length, `empty error message for ${JSON.stringify(input.slice(0, 300))}`).toBeGreaterThan(0);
      return e;
    }
    throw new Error(`untyped exception for input ${JSON.stringify(input.slice(0, 500))}: ${(e as Error)?.stack ?? String(e)}`);
  }
}

/** Words that in an answer, but not in the question, show a bug (a missing table entry printed, a NaN computed). */
const BUG_WORDS = ["undefined", "NaN", "[object Object]", "Infinity", "internal error"];

/** Text produced for `input` must not contain BUG_WORDS the input does not contain. */
export function expectNoBugWords(input: string, lines: readonly string[]): void {
  for (const w of BUG_WORDS) {
    if (input.includes(w)) continue;
    const hit = lines.find((l) => l.includes(w));
    expect(hit, `"${w}" in the answer to ${JSON.stringify(input.slice(-300))}`).toBeUndefined();
  }
}

/** A line that says who refused: a tool's prefix (ovs-vswitchd's server errors end with ovs-appctl's), an OFPT_ERROR, or ovsim's own prefix. */
const REFUSAL = /^(ovs-vsctl: |ovs-ofctl: |ovs-appctl: |ovsim: |OFPT_ERROR)/;

/**
 * Whether a failed result is a refusal. Exit status 2 from ovs-vsctl or ovs-ofctl is an answer
 * (`ovs-vsctl br-exists`, `ovs-ofctl diff-flows`); from ovs-appctl it is the server's error, a
 * refusal like any other.
 */
export function isRefusal(line: string, r: CommandResult): boolean {
  return !r.ok && (exitCodeOf(r) !== 2 || /^\s*ovs-appctl\b/.test(line));
}

/**
 * Property (a) for a command line's result. `seen`: every input that reached
 * the switch so far (a value stored by an earlier line may be printed now).
 */
export function expectWellFormed(line: string, r: CommandResult, seen = line): void {
  expect(Array.isArray(r.stdout) && Array.isArray(r.stderr), `result shape for ${line.slice(0, 200)}`).toBe(true);
  for (const l of [...r.stdout, ...r.stderr]) expect(typeof l, `non-string output line for ${line.slice(0, 200)}`).toBe("string");
  if (isRefusal(line, r)) {
    const said = [...r.stderr, ...r.stdout].some((l) => REFUSAL.test(l));
    expect(said, `a refusal without an OVS-style message for ${JSON.stringify(line.slice(0, 300))}: ${JSON.stringify(r.stderr.slice(0, 3))}`).toBe(true);
  }
  expectNoBugWords(seen, [...r.stdout, ...r.stderr]);
}

// ---------------------------------------------------------------- property (c)

const bigintSafe = (_: string, v: unknown): unknown => (typeof v === "bigint" ? `${v}n` : v);

/** What a refused command must leave unchanged: the config DB version (by identity) and the state's text. */
export interface Snapshot {
  readonly db: object;
  readonly text: string;
}

/** The switch's state: DB version, and per bridge its flows (with counters), groups, meters, port counters and MAC table. */
export function snapshot(sw: Switch): Snapshot {
  const state: unknown[] = [];
  for (const [name, br] of [...sw.bridges].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    state.push(
      name,
      sw.dumpFlows(name),
      sw.groups(name, { version: 15 }),
      sw.meters(name),
      br.ports().map((p) => [p.name, p.ofport, p.stats.rxPackets, p.stats.rxBytes, p.stats.txPackets, p.stats.txBytes]),
      br.macTable.list(sw.now),
    );
  }
  return { db: sw.db, text: JSON.stringify(state, bigintSafe) };
}

/** Property (c): `after` equals `before`. */
export function expectUnchanged(line: string, before: Snapshot, after: Snapshot): void {
  expect(after.db === before.db, `the config DB changed on a refused ${JSON.stringify(line.slice(0, 300))}`).toBe(true);
  if (after.text !== before.text) {
    expect(after.text, `the switch changed on a refused ${JSON.stringify(line.slice(0, 300))}`).toBe(before.text);
  }
}
