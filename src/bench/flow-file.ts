/**
 * The rule sets `ovsim bench flows` reads, as flow_mods ready for FlowTables:
 *
 * - `ofctl`: an `ovs-ofctl add-flows` file, one flow a line (`table=0,priority=3,in_port=1,
 *   actions=drop`), blank lines and `#` comments skipped;
 * - `dump`: what `ovs-ofctl dump-flows` prints (with or without --no-stats): the reply
 *   header is skipped and the statistics a dump adds (duration, n_packets, n_bytes,
 *   idle_age, hard_age) are dropped, which leaves a flow add-flows reads;
 * - `classbench`: a ClassBench filter set, converted as classbench.ts says.
 *
 * `auto` picks `classbench` when the first rule line starts with `@`, `dump` when a line is
 * a dump-flows reply header or carries `duration=` / `n_packets=`, else `ofctl`.
 *
 * Flows are parsed and checked as ovs-ofctl and the switch would (flow-mod-parse.ts,
 * flow-mod-submit.ts: prerequisites, normalisation, a flow format that can express the
 * match); their actions are kept as text, unparsed: the benchmark classifies, it does not
 * execute. A line OVS would refuse is an error naming the line.
 */

import { FlowParseError } from "../flowtable/errors.js";
import { parseFlow } from "../flowtable/flow-mod-parse.js";
import { submitFlow } from "../flowtable/flow-mod-submit.js";
import type { FlowMod } from "../flowtable/flow-tables.js";
import { P_ANY } from "../flowtable/openflow-protocols.js";
import { classBenchToFlows } from "./classbench.js";
import { FlowBenchError } from "./errors.js";

export type FlowFileFormat = "ofctl" | "dump" | "classbench";

/** One flow of the rule set. */
export interface BenchFlow {
  /** 1-based line of the input it comes from. */
  readonly line: number;
  /** The flow as ovs-ofctl text (for ClassBench input, the converted flow). */
  readonly text: string;
  /** The add flow_mod the switch would apply (table 0 when the text names none). */
  readonly flowMod: FlowMod<string>;
}

export interface FlowFile {
  readonly format: FlowFileFormat;
  readonly flows: readonly BenchFlow[];
  /** Input rules: flow lines, or ClassBench filters (each may become several flows). */
  readonly rules: number;
}

/** Keys dump-flows prints that are statistics, not part of the flow. */
const DUMP_STATS = /\b(duration|n_packets|n_bytes|idle_age|hard_age)=[^\s,]*,?\s*/g;
const DUMP_HEADER = /^(NXST|OFPST)_FLOW reply\b/;

/** The format of `text` for `auto`. */
export function detectFlowFileFormat(text: string): FlowFileFormat {
  for (const raw of text.split("\n")) {
    const t = raw.trim();
    if (t === "" || t.startsWith("#")) continue;
    if (t.startsWith("@")) return "classbench";
    if (DUMP_HEADER.test(t) || /(^|[\s,])(duration|n_packets)=/.test(t)) return "dump";
    return "ofctl";
  }
  return "ofctl";
}

/** A dump-flows line without its statistics (`" cookie=0x0, duration=1s, table=0, ..."`). */
export function stripDumpStats(line: string): string {
  return line.replace(DUMP_STATS, "").trim();
}

/** One flow line as the add flow_mod ovs-ofctl would send. */
export function flowModOf(text: string, line: number): FlowMod<string> {
  let parsed: ReturnType<typeof parseFlow>;
  try {
    parsed = parseFlow(text, "add");
  } catch (e) {
    if (e instanceof FlowParseError) throw new FlowBenchError(`${text}: ${e.message}`, line);
    throw e;
  }
  const actions = parsed.actions ?? "";
  const sub = submitFlow(parsed, actions, P_ANY);
  if (!sub.ok) throw new FlowBenchError(`${text}: ${"ofctlError" in sub ? sub.ofctlError : sub.ofperr}`, line);
  const fm = sub.flowMod;
  return fm.tableId === 0xff ? { ...fm, tableId: 0 } : fm;
}

/** Reads a rule set. */
export function readFlowFile(text: string, format: FlowFileFormat | "auto" = "auto"): FlowFile {
  const f = format === "auto" ? detectFlowFileFormat(text) : format;
  if (f === "classbench") {
    const cb = classBenchToFlows(text);
    const flows = cb.flows.map((t, i) => ({ line: cb.flowLines[i]!, text: t, flowMod: flowModOf(t, cb.flowLines[i]!) }));
    return { format: f, flows, rules: cb.filters.length };
  }
  const flows: BenchFlow[] = [];
  text.split("\n").forEach((raw, i) => {
    let t = raw.trim();
    if (t === "" || t.startsWith("#")) return;
    if (f === "dump") {
      if (DUMP_HEADER.test(t)) return;
      t = stripDumpStats(t);
    }
    flows.push({ line: i + 1, text: t, flowMod: flowModOf(t, i + 1) });
  });
  return { format: f, flows, rules: flows.length };
}
