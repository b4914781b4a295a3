/** The text `ovsim bench flows` prints for a FlowBenchReport. */

import type { FlowBenchReport, Rate, TableReport } from "./flow-bench.js";
import type { Spread } from "./timing.js";

/** Subtables listed per table; the rest are summed on one line. */
export const LISTED_SUBTABLES = 12;

/** 1234567 -> "1.23M", 12345 -> "12.3k". */
export function fmtRate(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)}k`;
  if (x >= 10) return x.toFixed(0);
  return x.toPrecision(2);
}

function fmtNs(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e4) return `${(ns / 1e3).toFixed(1)} us`;
  return `${ns.toFixed(0)} ns`;
}

const spread = (s: Spread) => `${fmtRate(s.min)} / ${fmtRate(s.median)} / ${fmtRate(s.max)}`;

function row(name: string, r: Rate, note = ""): string {
  return `${name.padEnd(24)}${spread(r.perSecond).padEnd(28)}${fmtNs(r.ns.median).padEnd(11)}${note}`.trimEnd();
}

function tableLines(t: TableReport): string[] {
  const out = [
    `table ${t.tableId}: ${t.flows} flows, ${t.subtables.length} subtables, ${t.lookups} lookups (${t.misses} found no flow), ` +
      `at most ${t.meanProbed.toFixed(1)} subtables probed per lookup`,
  ];
  if (t.subtables.length === 0) return out;
  out.push(`  ${"subtable (lookup order)".padEnd(44)}${"flows".padStart(7)}${"max pri".padStart(9)}${"lookups".padStart(9)}`);
  t.subtables.slice(0, LISTED_SUBTABLES).forEach((s) => {
    const mask = s.mask.length > 43 ? `${s.mask.slice(0, 40)}...` : s.mask;
    out.push(`  ${mask.padEnd(44)}${String(s.flows).padStart(7)}${String(s.maxPriority).padStart(9)}${String(s.hits).padStart(9)}`);
  });
  const rest = t.subtables.slice(LISTED_SUBTABLES);
  if (rest.length > 0) {
    const flows = rest.reduce((a, s) => a + s.flows, 0);
    const hits = rest.reduce((a, s) => a + s.hits, 0);
    out.push(`  ${`(${rest.length} more subtables)`.padEnd(44)}${String(flows).padStart(7)}${"".padStart(9)}${String(hits).padStart(9)}`);
  }
  out.push(`  ${"(no flow)".padEnd(44)}${"".padStart(16)}${String(t.misses).padStart(9)}`);
  return out;
}

export function formatFlowBenchReport(r: FlowBenchReport): string[] {
  const from = r.format === "classbench" ? `${r.rules} ClassBench filters` : `${r.rules} lines (${r.format === "dump" ? "dump-flows" : "ovs-ofctl"} format)`;
  const speedUp = r.linear.ns.median / r.lookup.ns.median;
  const lines = [
    `${r.flows} flows from ${from}, ${r.tables.filter((t) => t.flows > 0).length} tables, ${r.subtables} subtables`,
    `${r.packets.count} packets ${r.packets.derived ? "derived from the flows (3 in 4 aimed at a flow)" : "from the packet list"}, ` +
      `${r.packets.hits} found a flow; classifier and linear scan ${r.disagreements === 0 ? "agree on every packet" : `DISAGREE on ${r.disagreements} packets`}`,
    `${r.rounds} timed rounds of ~${Math.round(r.roundMs)} ms per figure; rates min / median / max over the rounds`,
    "",
    `${"".padEnd(24)}${"per second".padEnd(28)}median`,
    row("lookup", r.lookup),
    row("lookup+wc (megaflow)", r.lookupWc, `x${(r.lookupWc.ns.median / r.lookup.ns.median).toFixed(2)} lookup`),
    row("linear scan", r.linear, `lookup is x${speedUp >= 10 ? speedUp.toFixed(0) : speedUp.toFixed(2)} faster`),
    row("megaflow cache hit", r.megaflow.hit, `${r.megaflow.megaflows} megaflows, ${r.megaflow.masks} masks`),
    row("insert (add)", r.insert),
    row("delete (delete_strict)", r.delete),
  ];
  if (r.memory !== null) {
    lines.push(
      `memory per flow: ${r.memory.bytesPerFlow.toFixed(0)} bytes (${r.memory.flows} flows installed${r.memory.gc ? ", after a full GC" : "; no GC available: run node with --expose-gc for a steadier figure"})`,
    );
  }
  for (const t of r.tables) lines.push("", ...tableLines(t));
  return lines;
}
