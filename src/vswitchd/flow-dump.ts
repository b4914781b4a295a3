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
import { switchTunMdView } from "../flowtable/tun-metadata-match.js";
import { parseFlow } from "../flowtable/flow-mod-parse.js";
import { submitStatsRequest } from "../flowtable/flow-mod-submit.js";
import { of10ReplyMatch } from "../flowtable/of10-reply-match.js";
import { P, P_ANY, protocolsForVersion } from "../flowtable/openflow-protocols.js";
import type { PortNameMap } from "../flowtable/ports.js";
import type { TableNameMap } from "../flowtable/table-names.js";
import { bridgeOpenflowPortNames, clientNames } from "./flow-mod-text.js";
import type { OfctlClient, OfVersion } from "./flow-mod-text.js";

/** The flows a stats request selects (sent as `client` says), with the protocol it travelled over. */
export function selectFlows(
  br: Bridge,
  text: string,
  version: OfVersion,
  client: OfctlClient = {},
): { flows: FlowEntry<ActionList>[]; protocol: number } {
  const allowed = protocolsForVersion(`OpenFlow${version}`) & (client.flowFormats ?? P_ANY);
  const sent = submitStatsRequest(parseFlow(text, "stats", clientNames(br, client)), allowed, br.tunMetadata);
  if (!sent.ok) throw "ofctlError" in sent ? new FlowParseError(sent.ofctlError, text) : new OpenFlowError(sent.ofperr);
  return { flows: br.tables.select(sent.selector), protocol: sent.protocol };
}

/** What changes how dump-flows prints a flow: `--no-stats`, the OpenFlow version, `--names`. */
export interface FlowLineOptions {
  readonly noStats: boolean;
  readonly version: OfVersion;
  /** Port names instead of numbers (ovs-ofctl `--names`). */
  readonly names?: boolean;
  /** With `names`: the switch's flow table names, printed instead of numbers. */
  readonly tables?: TableNameMap;
  /**
   * False when ovs-ofctl collects the reply and prints the flows itself
   * (`--sort`, `--names`): it decodes them without the flow-age extension,
   * so no idle_age / hard_age.
   */
  readonly ages?: boolean;
}

/** The bridge's ports by name and number, as `--names` prints them (reserved ports keep their own names). */
export function bridgePortNames(br: Bridge): PortNameMap {
  return bridgeOpenflowPortNames(br);
}

/**
 * One flow as dump-flows prints it over `protocol` (the internal recirc flow
 * with its recirc_id match, as OVS): OpenFlow 1.0's own format carries a
 * narrower match and no ages.
 */
export function formatFlowLine(br: Bridge, f: FlowEntry<ActionList>, protocol: number, o: FlowLineOptions, now: number): string {
  const of10 = protocol === P.OF10_STD;
  const names = o.names === true ? { ...bridgePortNames(br), ...(o.tables === undefined ? {} : { tables: o.tables }) } : undefined;
  const line = formatFlowStats(f, {
    showStats: !o.noStats,
    now,
    ofVersion: o.version,
    ...(names !== undefined ? { names } : {}),
    ...(of10 || o.ages === false ? { withAges: false } : {}),
    ...(of10 ? { match: of10ReplyMatch(f.match) } : {}),
    formatActions: (a) => formatActions(actionsAsDumped(a, protocol, f.match), names),
    tunMd: switchTunMdView(br.tunMetadata),
  });
  return br.isRecircDropFlow(f) ? line.replace("priority=2 actions=", "priority=2,recirc_id=0 actions=") : line;
}

