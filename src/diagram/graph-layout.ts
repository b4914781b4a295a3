/**
 * The layout of a table graph, computed by dagre (@dagrejs/dagre, the
 * layered graph layout of dagre-d3 and Mermaid), never by hand: ovsim only
 * measures its nodes (a monospace row height and character width) and reads
 * back positions. The SVG writer (graph-svg.ts) and the playground draw
 * from the same layout, so the CLI's picture and the page's agree.
 *
 * Coordinates are in pixels of a monospace font of FONT_PX; each node's
 * box has a title line and one line per row.
 */
import dagre from "@dagrejs/dagre";
import { nodeRows } from "./graph-text.js";
import type { DiagramEdge, DiagramNode, TableGraph } from "./table-graph.js";

export const FONT_PX = 12;
/** Width of one character of the monospace font, in pixels (about 0.6 em). */
export const CHAR_PX = 7.2;
export const LINE_PX = 16;
export const PAD_PX = 8;
/** The size of a self-loop drawn beside its box. */
export const LOOP_PX = 20;

export interface NodeBox {
  readonly node: DiagramNode;
  readonly rows: readonly string[];
  /** Top-left corner and size. */
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface EdgePath {
  readonly edge: DiagramEdge;
  /** The polyline dagre routed, first point at the source. */
  readonly points: ReadonlyArray<{ readonly x: number; readonly y: number }>;
  /** Where the label goes. */
  readonly labelX: number;
  readonly labelY: number;
}

export interface GraphLayout {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly NodeBox[];
  readonly edges: readonly EdgePath[];
}

function sizeOf(n: DiagramNode, rows: readonly string[]): { width: number; height: number } {
  const longest = Math.max(n.title.length, ...rows.map((r) => r.length));
  return { width: Math.ceil(longest * CHAR_PX + 2 * PAD_PX), height: (rows.length + 1) * LINE_PX + 2 * PAD_PX };
}

/** Which way the ranks go: left to right (the CLI's default) or top to bottom (the playground's narrow column). */
export type RankDir = "LR" | "TB";

/** Lays `g` out, ranks in direction `rankdir`. */
export function layoutGraph(g: TableGraph, rankdir: RankDir = "LR"): GraphLayout {
  const d = new dagre.graphlib.Graph({ multigraph: true });
  d.setGraph({ rankdir, nodesep: 24, ranksep: rankdir === "LR" ? 80 : 48, edgesep: 12, marginx: 12, marginy: 12 });
  d.setDefaultEdgeLabel(() => ({}));
  const rowsOf = new Map<string, string[]>();
  for (const n of g.nodes) {
    const rows = nodeRows(n);
    rowsOf.set(n.id, rows);
    d.setNode(n.id, sizeOf(n, rows));
  }
  g.edges.forEach((e, i) => {
    // A self-loop (resubmit to its own table) is drawn beside its box below: dagre routes loops oddly with rankdir LR.
    if (e.from !== e.to) d.setEdge(e.from, e.to, { width: Math.ceil(e.label.length * CHAR_PX * 0.85), height: LINE_PX, labelpos: "c" }, `e${i}`);
  });
  dagre.layout(d);
  const nodes: NodeBox[] = g.nodes.map((n) => {
    const p = d.node(n.id) as { x: number; y: number; width: number; height: number };
    return { node: n, rows: rowsOf.get(n.id) ?? [], x: p.x - p.width / 2, y: p.y - p.height / 2, width: p.width, height: p.height };
  });
  const edges: EdgePath[] = g.edges.map((e, i) => {
    if (e.from === e.to) {
      const b = nodes.find((n) => n.node.id === e.from);
      const x = (b?.x ?? 0) + (b?.width ?? 0);
      const y = (b?.y ?? 0) + Math.min(b?.height ?? 0, 3 * LINE_PX) / 2;
      const points = [
        { x, y: y - LOOP_PX / 2 },
        { x: x + LOOP_PX, y: y - LOOP_PX / 2 },
        { x: x + LOOP_PX, y: y + LOOP_PX / 2 },
        { x, y: y + LOOP_PX / 2 },
      ];
      return { edge: e, points, labelX: x + LOOP_PX, labelY: y - LOOP_PX / 2 - LINE_PX / 2 };
    }
    const p = d.edge({ v: e.from, w: e.to, name: `e${i}` }) as { points?: Array<{ x: number; y: number }>; x?: number; y?: number };
    const points = p.points ?? [];
    const mid = points[Math.floor(points.length / 2)] ?? { x: 0, y: 0 };
    return { edge: e, points, labelX: p.x ?? mid.x, labelY: p.y ?? mid.y };
  });
  const graph = d.graph() as { width?: number; height?: number };
  // Self-loops and their labels may reach past dagre's margin on the right.
  const right = Math.max(graph.width ?? 0, ...edges.filter((e) => e.edge.from === e.edge.to).map((e) => e.labelX + (e.edge.label.length * CHAR_PX * 0.85) / 2 + PAD_PX));
  return { width: Math.ceil(right), height: Math.ceil(graph.height ?? 0), nodes, edges };
}
