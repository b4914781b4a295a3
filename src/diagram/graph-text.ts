/**
 * A table graph (table-graph.ts) as Graphviz dot and as Mermaid text.
 *
 * Both print each table as a node whose label lists its flows (one row per
 * flow, `priority=N,MATCH actions=ACTIONS`), each tunnel's remote end as an
 * ellipse, and each edge with its kind and action as label. Bridges are
 * clusters (dot) or subgraphs (Mermaid). Long rows are cut to ROW_MAX
 * characters with an ellipsis so that Neutron's tables stay readable.
 */
import type { DiagramNode, EdgeKind, TableGraph } from "./table-graph.js";
import { flowRowText } from "./table-graph.js";

/** Longest row text printed (characters). */
export const ROW_MAX = 90;

/** How each kind of edge is drawn (dot style; Mermaid uses solid / dotted / thick arrows). */
const DOT_STYLE: Readonly<Record<EdgeKind, string>> = {
  resubmit: "solid",
  goto_table: "solid",
  ct: "dashed",
  learn: "dotted",
  patch: "bold",
  tunnel: "bold",
};

export function cut(text: string, max = ROW_MAX): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}\u2026`;
}

/** The rows a node shows: its flows, or "(no flows)". */
export function nodeRows(n: DiagramNode): string[] {
  if (n.kind === "remote") return [];
  return n.flows.length === 0 ? ["(no flows)"] : n.flows.map((f) => cut(flowRowText(f)));
}

function dotString(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** Graphviz dot: `dot -Tsvg` draws it. */
export function toDot(g: TableGraph): string {
  const out: string[] = ["digraph tables {", "  rankdir=LR;", '  node [shape=box, fontname="monospace", fontsize=10];', '  edge [fontname="monospace", fontsize=9];'];
  const ids = new Map(g.nodes.map((n, i) => [n.id, `n${i}`]));
  for (const [bi, bridge] of g.bridges.entries()) {
    out.push(`  subgraph cluster_${bi} {`, `    label=${dotString(bridge)};`);
    for (const n of g.nodes.filter((x) => x.bridge === bridge)) {
      const label = [n.title, ...nodeRows(n)].map((l) => l.replace(/\\/g, "\\\\").replace(/"/g, '\\"')).join("\\l");
      out.push(`    ${ids.get(n.id)} [label="${label}\\l"];`);
    }
    out.push("  }");
  }
  for (const n of g.nodes.filter((x) => x.kind === "remote")) out.push(`  ${ids.get(n.id)} [shape=ellipse, label=${dotString(n.title)}];`);
  for (const e of g.edges) {
    out.push(`  ${ids.get(e.from)} -> ${ids.get(e.to)} [label=${dotString(`${e.label} (row ${e.flow + 1})`)}, style=${DOT_STYLE[e.kind]}];`);
  }
  out.push("}");
  return `${out.join("\n")}\n`;
}

function mermaidText(s: string): string {
  // Mermaid's quoted labels take HTML entities; quotes and angle brackets must not end them.
  return s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Mermaid `flowchart LR`. */
export function toMermaid(g: TableGraph): string {
  const out: string[] = ["flowchart LR"];
  const ids = new Map(g.nodes.map((n, i) => [n.id, `n${i}`]));
  for (const [bi, bridge] of g.bridges.entries()) {
    out.push(`  subgraph b${bi}["${mermaidText(bridge)}"]`);
    for (const n of g.nodes.filter((x) => x.bridge === bridge)) {
      out.push(`    ${ids.get(n.id)}["${[`<b>${mermaidText(n.title)}</b>`, ...nodeRows(n).map(mermaidText)].join("<br/>")}"]`);
    }
    out.push("  end");
  }
  for (const n of g.nodes.filter((x) => x.kind === "remote")) out.push(`  ${ids.get(n.id)}(["${mermaidText(n.title)}"])`);
  for (const e of g.edges) {
    const arrow = e.kind === "ct" || e.kind === "learn" ? "-.->" : e.kind === "patch" || e.kind === "tunnel" ? "==>" : "-->";
    out.push(`  ${ids.get(e.from)} ${arrow}|"${mermaidText(`${e.label} (row ${e.flow + 1})`)}"| ${ids.get(e.to)}`);
  }
  return `${out.join("\n")}\n`;
}
