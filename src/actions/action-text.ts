/**
 * ovs-ofctl action text, the public entry points: parse (OVS's
 * `ofpacts_parse_instructions`) and print (`ofpacts_format`) with OVS's
 * spelling and error texts. The per-action work is in `action-ops.ts`.
 */
import type { PortNameMap } from "../flowtable/ports.js";
import type { FormatContext } from "./action-op.js";
import { opOf } from "./action-ops.js";
import { parseActionText } from "./action-parse.js";
import type { ActionList } from "./action-types.js";

/**
 * Parses action text (everything after `actions=`). Throws FlowParseError with
 * OVS's message. Checking the actions against a flow's match is
 * `parseFlowActions` (flow-actions.ts).
 */
export function parseActions(text: string, names?: PortNameMap): ActionList {
  return parseActionText(text, names).actions;
}

/** Prints actions as ovs-ofctl does; an empty list is `drop`. */
export function formatActions(list: ActionList, names?: PortNameMap): string {
  const ctx: FormatContext = {
    names,
    formatList: (inner) => formatActions(inner, names),
  };
  return list.length === 0 ? "drop" : list.map((a) => opOf(a).format(a, ctx)).join(",");
}
