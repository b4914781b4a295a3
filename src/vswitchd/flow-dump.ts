/**
 * Reading flows back (OFPST_FLOW / NXST_FLOW): the flows a stats request
 * selects (a match filter in ovs-ofctl's syntax, with table, cookie and
 * out_port criteria, sent over the flow format the OpenFlow version
 * negotiates), and one flow as dump-flows prints it (actions as the chosen
 * format encodes them).
 */
import { formatActions } from "../actions/action-text.js";
import type { ActionList } from "../actions/action-types.js";
import { actionsAsDumped } from "../actions/flow-actions.js";
import type { Bridge } from "../datapath/bridge.js";
import { FlowParseError, OpenFlowError } from "../flowtable/errors.js";
import type { FlowEntry } from "../flowtable/flow-entry.js";
import { formatFlowStats } from "../flowtable/flow-format.js";
import { parseFlow } from "../flowtable/flow-mod-parse.js";
import { submitStatsRequest } from "../flowtable/flow-mod-submit.js";
import { protocolsForVersion } from "../flowtable/openflow-protocols.js";
import { bridgeNames } from "./flow-mod-text.js";
import type { OfVersion } from "./flow-mod-text.js";

/** The flows a stats request selects, with the protocol it travelled over. */
export function selectFlows(br: Bridge, text: string, version: OfVersion): { flows: FlowEntry<ActionList>[]; protocol: number } {
  const sent = submitStatsRequest(parseFlow(text, "stats", bridgeNames(br)), protocolsForVersion(`OpenFlow${version}`));
  if (!sent.ok) throw "ofctlError" in sent ? new FlowParseError(sent.ofctlError, text) : new OpenFlowError(sent.ofperr);
  return { flows: br.tables.select(sent.selector), protocol: sent.protocol };
}

/** One flow as dump-flows prints it (the internal recirc flow with its recirc_id match, as OVS). */
export function formatFlowLine(br: Bridge, f: FlowEntry<ActionList>, protocol: number, o: { readonly noStats: boolean; readonly version: OfVersion }, now: number): string {
  const line = formatFlowStats(f, {
    showStats: !o.noStats,
    now,
    ofVersion: o.version,
    formatActions: (a) => formatActions(actionsAsDumped(a, protocol, f.match)),
  });
  return br.isRecircDropFlow(f) ? line.replace("priority=2 actions=", "priority=2,recirc_id=0 actions=") : line;
}

