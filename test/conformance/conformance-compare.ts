/**
 * Compares one conformance script's run in ovsim with real OVS's recording
 * (fixtures/conformance/NAME.ovs.out, written by record.sh: `### <command>`,
 * what it printed with standard error merged, then `[exit N]`). Compared, as
 * issue 5 asks:
 *
 * - every `Datapath actions:` line, in order, with datapath port numbers
 *   replaced by port names from each side's own `ovs-appctl dpif/show` (the
 *   last one of the script);
 * - every `Megaflow:` line, in order (the bits the classifier's lookups and
 *   translation un-wildcarded, prefix tries included);
 * - every `--no-stats dump-flows` block, as a sorted list (OVS prints in hash order);
 * - which commands failed (exit status non-zero).
 *
 * Everything else (trace detail, messages) is not compared here: fixtures/xlate
 * and the golden suites check those texts line for line.
 */
import { readFileSync, readdirSync } from "node:fs";
import { exitCodeOf } from "../../src/utilities/command-result.js";
import { runScript } from "../../src/utilities/run-script.js";

export interface RecordedCommand {
  readonly command: string;
  readonly output: readonly string[];
  readonly exit: number;
}

export const CONFORMANCE_DIR = new URL("../../fixtures/conformance/", import.meta.url);

/** Every conformance script's name (NAME of NAME.ovs), sorted. */
export function conformanceNames(): string[] {
  return readdirSync(CONFORMANCE_DIR)
    .filter((f) => f.endsWith(".ovs"))
    .map((f) => f.slice(0, -4))
    .sort();
}

/** Splits a recording into commands, their output and exit status. */
export function parseRecording(text: string): RecordedCommand[] {
  const out: { command: string; output: string[]; exit: number }[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("### ")) out.push({ command: line.slice(4), output: [], exit: 0 });
    else {
      const cur = out[out.length - 1];
      if (cur === undefined) continue;
      const m = /^\[exit (\d+)\]$/.exec(line);
      if (m) cur.exit = Number(m[1]);
      else cur.output.push(line);
    }
  }
  return out;
}

/** Runs a script through ovsim; its commands in the recording's shape. */
export function runInOvsim(script: string): RecordedCommand[] {
  return runScript(script).lines.map(({ command, result }) => ({
    command,
    output: [...result.stdout, ...result.stderr],
    exit: exitCodeOf(result),
  }));
}

/** `dpif/show` port lines (`    NAME OFPORT/ODP: (...)`): datapath port number -> name. */
export function odpPortNames(cmds: readonly RecordedCommand[]): Map<number, string> {
  const shows = cmds.filter((c) => /^ovs-appctl dpif\/show\b/.test(c.command));
  const m = new Map<number, string>();
  for (const l of shows[shows.length - 1]?.output ?? []) {
    const r = /^\s{4}(\S+) \d+\/(\d+):/.exec(l);
    if (r) m.set(Number(r[2]), r[1] ?? "");
  }
  return m;
}

/** Actions whose bare number argument is not a port. */
const NOT_PORT = /(?:trunc|meter|recirc|hash|lb_output)\($/;

/** A Datapath actions line with port numbers named (`2` -> `<p2>`). */
export function nameOdpPorts(actions: string, names: ReadonlyMap<number, string>): string {
  return actions.replace(/(^|[,(])(\d+)(?=[,)]|$)/g, (m: string, pre: string, num: string, offset: number) => {
    if (NOT_PORT.test(actions.slice(0, offset + pre.length))) return m;
    const name = names.get(Number(num));
    return name === undefined ? m : `${pre}<${name}>`;
  });
}

function datapathActions(c: RecordedCommand, names: ReadonlyMap<number, string>): string[] {
  return c.output.filter((l) => l.startsWith("Datapath actions: ")).map((l) => nameOdpPorts(l.slice(18), names));
}

function megaflows(c: RecordedCommand): string[] {
  return c.output.filter((l) => l.startsWith("Megaflow: "));
}

const isNoStatsDump = (cmd: string): boolean => /\bdump-flows\b/.test(cmd) && /--no-stats\b/.test(cmd);

function show(lines: readonly string[]): string {
  return lines.length === 0 ? "(nothing)" : lines.map((l) => `\n      ${l}`).join("");
}

/** What differs between OVS's recording and ovsim's run; empty when the script passes. */
export function compareScript(expected: readonly RecordedCommand[], actual: readonly RecordedCommand[]): string[] {
  const problems: string[] = [];
  if (expected.length !== actual.length) problems.push(`ran ${actual.length} commands, OVS recorded ${expected.length}`);
  const en = odpPortNames(expected);
  const an = odpPortNames(actual);
  const n = Math.min(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    const e = expected[i] as RecordedCommand;
    const a = actual[i] as RecordedCommand;
    if (e.command !== a.command) {
      problems.push(`command ${i + 1} is "${a.command}", OVS recorded "${e.command}"`);
      break;
    }
    if ((e.exit !== 0) !== (a.exit !== 0)) {
      problems.push(`${e.command}: ${e.exit !== 0 ? "OVS failed, ovsim succeeded" : "ovsim failed, OVS succeeded"}:${show(e.exit !== 0 ? e.output : a.output)}`);
    }
    const ed = datapathActions(e, en);
    const ad = datapathActions(a, an);
    if (ed.join("\n") !== ad.join("\n")) problems.push(`${e.command}: Datapath actions: OVS:${show(ed)}\n    ovsim:${show(ad)}`);
    const em = megaflows(e);
    const am = megaflows(a);
    if (em.join("\n") !== am.join("\n")) problems.push(`${e.command}: Megaflow: OVS:${show(em)}\n    ovsim:${show(am)}`);
    if (isNoStatsDump(e.command) && e.exit === 0 && a.exit === 0) {
      const es = [...e.output].sort();
      const as = [...a.output].sort();
      if (es.join("\n") !== as.join("\n")) {
        const missing = es.filter((l) => !as.includes(l));
        const extra = as.filter((l) => !es.includes(l));
        problems.push(`${e.command}: flows only in OVS:${show(missing)}\n    only in ovsim:${show(extra)}`);
      }
    }
  }
  return problems;
}

export interface ScriptVerdict {
  readonly name: string;
  readonly problems: readonly string[];
}

/** Runs every conformance script (from the repository root, as record.sh does). */
export function runConformance(): ScriptVerdict[] {
  return conformanceNames().map((name) => {
    const script = readFileSync(new URL(`${name}.ovs`, CONFORMANCE_DIR), "utf8");
    const expected = parseRecording(readFileSync(new URL(`${name}.ovs.out`, CONFORMANCE_DIR), "utf8"));
    let problems: string[];
    try {
      problems = compareScript(expected, runInOvsim(script));
    } catch (e) {
      problems = [`ovsim threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`];
    }
    return { name, problems };
  });
}

/** The script names docs/conformance.md lists as failing (`- \`NAME\`` lines of its failing list). */
export function documentedFailures(markdown: string): Set<string> {
  const start = markdown.indexOf("<!-- failing:begin -->");
  const end = markdown.indexOf("<!-- failing:end -->");
  const section = start >= 0 && end > start ? markdown.slice(start, end) : "";
  return new Set([...section.matchAll(/^- `([^`]+)`/gm)].map((m) => m[1] ?? ""));
}
