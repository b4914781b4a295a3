/**
 * The trace of one translation, as a tree (OVS's `oftrace_node`): bridges,
 * table lookups, the actions executed in them, and notes. `ofproto/trace`
 * prints it with OVS's indentation rule: a node is indented one step more than
 * its parent unless it is the last non-terminal node of its list, which is how
 * a resubmit at the end of a flow's actions reads as a continuation rather
 * than a nested call.
 */
import type { FlowEntry } from "../../flowtable/flow-entry.js";
import type { ActionList } from "../action-types.js";

export type TraceNodeType = "bridge" | "table" | "thaw" | "action" | "detail" | "warn" | "error" | "bucket";

/** What a table node records besides its text: the table and the rule it matched (null: a miss). */
export interface TraceLookup {
  readonly tableId: number;
  readonly rule: FlowEntry<ActionList> | null;
}

export class TraceNode {
  readonly type: TraceNodeType;
  readonly text: string;
  readonly subs: TraceNode[];
  /** For a table node of a lookup: its table and matched rule (the typed trace reads them). */
  lookup: TraceLookup | null;

  constructor(type: TraceNodeType, text: string) {
    this.type = type;
    this.text = text;
    this.subs = [];
    this.lookup = null;
  }

  /** Appends a child node and returns it. */
  add(type: TraceNodeType, text: string): TraceNode {
    const node = new TraceNode(type, text);
    this.subs.push(node);
    return node;
  }
}

function isTerminal(type: TraceNodeType): boolean {
  return type === "action" || type === "detail" || type === "warn" || type === "error" || type === "bucket";
}

/** Prints a list of trace nodes as OVS's `oftrace_node_print_details`. */
export function formatTraceNodes(nodes: readonly TraceNode[], level = 0): string {
  let out = "";
  nodes.forEach((node, i) => {
    if (node.type === "bridge") out += "\n";
    const more = i < nodes.length - 1 || isTerminal(node.type) ? 1 : 0;
    const indent = " ".repeat((level + more) * 4);
    switch (node.type) {
      case "detail":
        out += `${indent} -> ${node.text}\n`;
        break;
      case "warn":
        out += `${indent} >> ${node.text}\n`;
        break;
      case "error":
        out += `${indent} >>>> ${node.text} <<<<\n`;
        break;
      case "bridge":
        out += `${indent}${node.text}\n${indent}${"-".repeat(node.text.length)}\n`;
        break;
      default:
        out += `${indent}${node.text}\n`;
    }
    out += formatTraceNodes(node.subs, level + 2 * more);
  });
  return out;
}
