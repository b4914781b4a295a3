/**
 * A table graph as a standalone SVG document, drawn from its dagre layout
 * (graph-layout.ts): tables as boxes with a title bar and one text line
 * per flow, tunnel ends as rounded boxes, edges as polylines with arrow
 * heads and labels, styled by kind (ct dashed, learn dotted, patch and
 * tunnel thick). `highlight` marks flows (a trace's matched rows) and the
 * edges leaving them, as the playground does.
 */
import type { EdgeKind, TableGraph } from "./table-graph.js";
import { CHAR_PX, FONT_PX, LINE_PX, PAD_PX, layoutGraph } from "./graph-layout.js";
import type { RankDir } from "./graph-layout.js";

const EDGE_COLOUR: Readonly<Record<EdgeKind, string>> = {
  resubmit: "#2b6cb0",
  goto_table: "#2b6cb0",
  ct: "#805ad5",
  learn: "#718096",
  patch: "#c05621",
  tunnel: "#2f855a",
};

const EDGE_DASH: Readonly<Record<EdgeKind, string>> = { resubmit: "", goto_table: "", ct: "6 3", learn: "2 3", patch: "", tunnel: "" };

/** XML text escaping. */
export function xml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export interface SvgOptions {
  /** Rows to highlight, as `NODE_ID#ROW` (row from 0). */
  readonly highlight?: ReadonlySet<string>;
  /** A row to mark as the current one (the playground's step), as `NODE_ID#ROW`. */
  readonly current?: string;
  /** Ranks left to right (default) or top to bottom. */
  readonly rankdir?: RankDir;
}

export function toSvg(g: TableGraph, options: SvgOptions = {}): string {
  const hl = options.highlight ?? new Set<string>();
  const lay = layoutGraph(g, options.rankdir ?? "LR");
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${lay.width}" height="${lay.height}" viewBox="0 0 ${lay.width} ${lay.height}" font-family="monospace" font-size="${FONT_PX}">`,
    "<defs>",
    ...Object.entries(EDGE_COLOUR).map(([k, c]) => `<marker id="arrow-${k}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="${c}"/></marker>`),
    "</defs>",
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
  ];
  for (const b of lay.nodes) {
    if (b.node.kind === "remote") {
      out.push(`<g class="remote"><rect x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}" rx="14" fill="#f0fff4" stroke="#2f855a"/>`);
      out.push(`<text x="${b.x + PAD_PX}" y="${b.y + PAD_PX + FONT_PX}">${xml(b.node.title)}</text></g>`);
      continue;
    }
    const isCurrent = options.current !== undefined && options.current.startsWith(`${b.node.id}#`);
    out.push(`<g class="table${isCurrent ? " current" : ""}" data-id="${xml(b.node.id)}"><rect x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}" fill="#fff" stroke="${isCurrent ? "#d69e2e" : "#4a5568"}" stroke-width="${isCurrent ? 3 : 1}"/>`);
    out.push(`<rect x="${b.x}" y="${b.y}" width="${b.width}" height="${LINE_PX + PAD_PX}" fill="#edf2f7" stroke="#4a5568"/>`);
    out.push(`<text x="${b.x + PAD_PX}" y="${b.y + PAD_PX / 2 + FONT_PX}" font-weight="bold">${xml(b.node.title)}</text>`);
    b.rows.forEach((r, i) => {
      const y = b.y + PAD_PX + (i + 1) * LINE_PX;
      const row = `${b.node.id}#${i}`;
      if (hl.has(row)) out.push(`<rect class="hl" data-row="${xml(row)}" x="${b.x + 1}" y="${y + 3}" width="${b.width - 2}" height="${LINE_PX}" fill="${row === options.current ? "#f6e05e" : "#fefcbf"}"/>`);
      out.push(`<text x="${b.x + PAD_PX}" y="${y + FONT_PX + 2}">${xml(r)}</text>`);
    });
    out.push("</g>");
  }
  for (const p of lay.edges) {
    const e = p.edge;
    const on = hl.has(`${e.from}#${e.flow}`);
    const pts = p.points.map((q) => `${q.x.toFixed(1)},${q.y.toFixed(1)}`).join(" ");
    const dash = EDGE_DASH[e.kind] === "" ? "" : ` stroke-dasharray="${EDGE_DASH[e.kind]}"`;
    const width = e.kind === "patch" || e.kind === "tunnel" || on ? 2.5 : 1.2;
    out.push(`<polyline class="edge ${e.kind}${on ? " taken" : ""}" points="${pts}" fill="none" stroke="${EDGE_COLOUR[e.kind]}" stroke-width="${width}"${dash} marker-end="url(#arrow-${e.kind})"/>`);
    const text = `${e.label} (row ${e.flow + 1})`;
    const w = text.length * CHAR_PX * 0.85;
    out.push(`<rect x="${(p.labelX - w / 2).toFixed(1)}" y="${(p.labelY - LINE_PX / 2).toFixed(1)}" width="${w.toFixed(1)}" height="${LINE_PX}" fill="#ffffff" opacity="0.85"/>`);
    out.push(`<text x="${p.labelX.toFixed(1)}" y="${(p.labelY + 4).toFixed(1)}" text-anchor="middle" font-size="${FONT_PX - 2}" fill="${EDGE_COLOUR[e.kind]}">${xml(text)}</text>`);
  }
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
