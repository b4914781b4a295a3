/**
 * `ovsim diagram`'s library side: one host's table graph (table-graph.ts)
 * printed as Graphviz dot, Mermaid or SVG. The command line builds the
 * Switch (from a script or a cloud file's host) and calls `renderDiagram`.
 */
import type { Switch } from "../vswitchd/switch.js";
import { toSvg } from "./graph-svg.js";
import { toDot, toMermaid } from "./graph-text.js";
import { tableGraph } from "./table-graph.js";

export const DIAGRAM_FORMATS = ["dot", "mermaid", "svg"] as const;
export type DiagramFormat = (typeof DIAGRAM_FORMATS)[number];

export interface DiagramOptions {
  readonly format?: DiagramFormat;
  /** Only these bridges (default: all of the switch's). */
  readonly bridges?: readonly string[];
}

/** The table graph of `sw` as text in `format` (default dot). Throws RangeError for an unknown bridge. */
export function renderDiagram(sw: Switch, options: DiagramOptions = {}): string {
  const bridges = options.bridges !== undefined && options.bridges.length > 0 ? options.bridges : sw.bridgeNames();
  const g = tableGraph(sw, bridges);
  const format = options.format ?? "dot";
  return format === "svg" ? toSvg(g) : format === "mermaid" ? toMermaid(g) : toDot(g);
}
