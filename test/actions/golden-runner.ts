/**
 * Runs one line of fixtures/actions/action-golden.json through ovsim exactly
 * as record-action-golden.mjs ran it through real OVS, and compares.
 */
import { runLine } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";

export interface ActionGoldenEntry {
  input: string;
  version: "OpenFlow10" | "OpenFlow13";
  accepted: boolean;
  flows: string[];
  /** The dump over the other OpenFlow version (1.3 for 1.0 lines, 1.0 for 1.3 lines). */
  otherFlows: string[];
  messages: string[];
}

export type Outcome = { accepted: true; flows: string[]; otherFlows: string[] } | { accepted: false; error: string };

const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/** ovsim's add-flow outcome and dump for one golden line. */
export function runGoldenLine(g: ActionGoldenEntry): Outcome {
  const world = new Switch();
  runLine(world, "ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy");
  runLine(world, "ovs-ofctl del-flows br0");
  const o = g.version === "OpenFlow13" ? "-O OpenFlow13 " : "";
  const add = runLine(world, `ovs-ofctl ${o}add-flow br0 ${quote(g.input)}`);
  if (!add.ok) {
    // A switch refusal prints as OVS's two lines: the OFPT_ERROR and the request (both compared).
    const i = add.stderr.findIndex((l) => l.startsWith("OFPT_ERROR"));
    const error = i >= 0 ? add.stderr.slice(i, i + 2).join("\n") : (add.stderr.at(-1) ?? "");
    return { accepted: false, error };
  }
  const other = g.version === "OpenFlow13" ? "" : "-O OpenFlow13 ";
  const dump = runLine(world, `ovs-ofctl ${o}--no-stats dump-flows br0`);
  const otherDump = runLine(world, `ovs-ofctl ${other}--no-stats dump-flows br0`);
  const lines = (out: readonly string[]): string[] => out.map((l) => l.replace(/^ /, ""));
  return { accepted: true, flows: lines(dump.stdout), otherFlows: lines(otherDump.stdout) };
}

/**
 * Whether the other-version dump is comparable: OVS prints a decode error when
 * that version cannot carry the flow's instructions (goto_table after
 * write_metadata over OpenFlow 1.0), which ovsim does not imitate.
 */
export function otherDumpComparable(g: ActionGoldenEntry): boolean {
  return g.accepted && !g.otherFlows.some((l) => l.includes("decode error") || l.includes("|WARN|"));
}

/**
 * The dump lines without ovs-ofctl's log lines: decoding a deprecated action
 * over OpenFlow 1.2+ logs "OFPAT_SET_TP_DST is deprecated in OpenFlow13 (use
 * Set-Field)" on stderr, which ovsim does not print.
 */
export function dumpLines(lines: readonly string[]): string[] {
  return lines.filter((l) => !/^[a-z_]+\|INFO\|/.test(l));
}

/** Whether ovsim's outcome is what real OVS did. */
export function agrees(g: ActionGoldenEntry, got: Outcome): boolean {
  if (g.accepted) {
    if (!got.accepted || JSON.stringify(got.flows) !== JSON.stringify(g.flows)) return false;
    return !otherDumpComparable(g) || JSON.stringify(got.otherFlows) === JSON.stringify(dumpLines(g.otherFlows));
  }
  return !got.accepted && got.error !== "" && g.messages.join("\n").includes(got.error);
}
