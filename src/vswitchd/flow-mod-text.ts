/**
 * A flow_mod from ovs-ofctl's flow text, as OVS's parse_ofp_flow_mod_str and
 * the switch's decoding treat it: parse (port names allowed), check the
 * actions against the match, choose a flow format for the OpenFlow version
 * (normalizing the match or refusing it, with OVS's `ofp_match` INFO lines
 * in `log`), then the switch's own decoding of the actions for that format
 * (groups and meters must exist). A refusal is a FlowParseError (what
 * ovs-ofctl itself refuses) or a FlowModError (what the switch answers with
 * an OFPT_ERROR, with the request as sent).
 */
import { mapTunMetadataActions } from "../actions/tun-metadata-actions.js";
import type { ActionList } from "../actions/action-types.js";
import type { SwitchResources } from "../actions/flow-actions.js";
import { actionsAsDumped, parseFlowActions, receiveFlowActions } from "../actions/flow-actions.js";
import type { Bridge } from "../datapath/bridge.js";
import { FlowParseError, OpenFlowError } from "../flowtable/errors.js";
import type { FlowModCommand, ParsedFlow } from "../flowtable/flow-mod-parse.js";
import { parseFlow } from "../flowtable/flow-mod-parse.js";
import { submitFlow } from "../flowtable/flow-mod-submit.js";
import type { FlowMod } from "../flowtable/flow-tables.js";
import { P_ANY, protocolsForVersion } from "../flowtable/openflow-protocols.js";
import type { PortNameMap } from "../flowtable/ports.js";
import type { TableNameMap } from "../flowtable/table-names.js";
import { openflowPortNameMap } from "../flowtable/port-name-map.js";
import { OFPP_LOCAL } from "../flowtable/ports.js";

/** An OpenFlow version, as ovs-ofctl's `-O OpenFlow1x`. */
export type OfVersion = 10 | 11 | 12 | 13 | 14 | 15;

/** The flow_mod as the switch got it, with the protocol (flow format) it travelled in. */
export interface SentFlowMod {
  readonly parsed: ParsedFlow;
  readonly flowMod: FlowMod<ActionList>;
  readonly protocol: number;
}

/** The bridge's port names, for parsing `in_port=p1` and `output:p1`. */
export function bridgeNames(br: Bridge): PortNameMap {
  return { numberOf: bridgeOpenflowPortNames(br).numberOf, nameOf: () => undefined };
}

/** The bridge's ports, its local port included, as an OpenFlow client knows their names (port-name-map.ts). */
export function bridgeOpenflowPortNames(br: Bridge): PortNameMap {
  const ports: [string, number][] = br.ports().map((p) => [p.name, p.ofport]);
  if (!ports.some(([, ofport]) => ofport === OFPP_LOCAL)) ports.push([br.name, OFPP_LOCAL]);
  return openflowPortNameMap(ports);
}

/** The bridge's groups and meters: actions naming a missing one are refused, as OVS refuses them. */
function resourcesOf(br: Bridge): SwitchResources {
  return { hasGroup: (id) => br.groupTable.has(id), hasMeter: (id) => br.meterTable.has(id) };
}

/** Errors the switch answers with although it decoded the request (it prints the request). */
const NON_DECODE_ERRORS = new Set(["OFPBAC_BAD_OUT_GROUP", "OFPMMFC_INVALID_METER"]);

/**
 * The switch refused a flow_mod (an OFPT_ERROR): `ofperr`, the request as it
 * was sent, and whether the switch could decode it (`decodeError` null) or
 * not (the error it met decoding, ovs-ofctl prints `***decode error***`).
 */
export class FlowModError extends OpenFlowError {
  readonly sent: SentFlowMod;
  readonly decodeError: string | null;
  constructor(ofperr: string, sent: SentFlowMod, decodeError: string | null) {
    super(ofperr);
    this.sent = sent;
    this.decodeError = decodeError;
  }
}

/** How ovs-ofctl was told to talk: the flow formats it may use (`-F`) and whether it reads port names (not with `--no-names`). */
export interface OfctlClient {
  /** Flow formats allowed, within those of the OpenFlow version (default: any). */
  readonly flowFormats?: number;
  /** Whether `in_port=p1` and `output:p1` name ports (default: true). */
  readonly portNames?: boolean;
  /** The switch's flow table names, read in flows with the port names (OVS's tables_to_accept). */
  readonly tableNames?: TableNameMap;
}

/** The port and table names ovs-ofctl reads in flows: the bridge's, or none with `--no-names`. */
export function clientNames(br: Bridge, client: OfctlClient): PortNameMap {
  if (client.portNames === false) return { numberOf: () => undefined, nameOf: () => undefined };
  return client.tableNames === undefined ? bridgeNames(br) : { ...bridgeNames(br), tables: client.tableNames };
}

/**
 * A flow line parsed and sent as ovs-ofctl would (as `client` says): what the switch receives, or the error.
 * `resources`: the groups and meters its actions may name (a bundle checks them at commit instead).
 */
export function prepareFlowMod(
  br: Bridge,
  text: string,
  command: FlowModCommand,
  version: OfVersion,
  log: string[],
  client: OfctlClient = {},
  resources: SwitchResources = resourcesOf(br),
): SentFlowMod {
  const names = clientNames(br, client);
  let parsed: ParsedFlow = parseFlow(text, command, names);
  let actions: ActionList = [];
  if (parsed.actions !== null) {
    // ovs-ofctl checks the actions against the match; they may narrow the usable flow formats.
    const fa = parseFlowActions(parsed.actions, {
      names,
      match: parsed.match,
      tableId: parsed.tableId,
      usableProtocols: parsed.usableProtocols,
    });
    actions = fa.actions;
    parsed = { ...parsed, usableProtocols: parsed.usableProtocols & fa.usableProtocols };
  }
  const sub = submitFlow(parsed, actions, protocolsForVersion(`OpenFlow${version}`) & (client.flowFormats ?? P_ANY), br.tunMetadata);
  log.push(...sub.log.map((l) => `ofp_match|INFO|${l}`));
  if (!sub.ok) {
    if ("ofctlError" in sub) throw new FlowParseError(sub.ofctlError, text);
    const sent: SentFlowMod = { parsed, flowMod: { ...dummyFlowMod(parsed, command), actions }, protocol: sub.protocol };
    // ovs-ofctl, which has no TLV map, decodes its request whatever the switch's map lacks.
    throw new FlowModError(sub.ofperr, sent, sub.ofperr === "NXFMFC_INVALID_TLV_FIELD" ? null : sub.ofperr);
  }
  let flowMod = sub.flowMod;
  if (parsed.actions !== null) {
    // The switch decodes the actions for the chosen format and checks them again.
    const received = receiveFlowActions(actions, sub.protocol, flowMod.match, flowMod.tableId, resources);
    if (!received.ok) {
      const sent: SentFlowMod = {
        parsed,
        flowMod: { ...flowMod, actions: actionsAsDumped(actions, sub.protocol, flowMod.match) },
        protocol: sub.protocol,
      };
      const decode = NON_DECODE_ERRORS.has(received.ofperr)
        ? null
        : received.ofperr === "NXBRC_UNENCODABLE_ERROR"
          ? "OFPBAC_UNSUPPORTED_ORDER"
          : received.ofperr;
      throw new FlowModError(received.ofperr, sent, decode);
    }
    // The switch names tun_metadata<N> by its TLV map (src/actions/tun-metadata-actions.ts); ovs-ofctl decodes its request whole.
    const mapped = mapTunMetadataActions(received.actions, br.tunMetadata);
    if (!mapped.ok) {
      const sent: SentFlowMod = { parsed, flowMod: { ...flowMod, actions: actionsAsDumped(actions, sub.protocol, flowMod.match) }, protocol: sub.protocol };
      throw new FlowModError(mapped.ofperr, sent, null);
    }
    flowMod = { ...flowMod, actions: mapped.actions };
  }
  return { parsed, flowMod, protocol: sub.protocol };
}

/** A placeholder-free stand-in for a flow_mod the switch could not decode (only its xid and name print). */
function dummyFlowMod(parsed: ParsedFlow, command: FlowModCommand): SentFlowMod["flowMod"] {
  return {
    command,
    match: parsed.match,
    priority: parsed.priority,
    tableId: parsed.tableId,
    cookie: parsed.cookie,
    cookieMask: parsed.cookieMask,
    newCookie: parsed.newCookie,
    modifyCookie: parsed.modifyCookie,
    idleTimeout: parsed.idleTimeout,
    hardTimeout: parsed.hardTimeout,
    importance: parsed.importance,
    flags: parsed.flags,
    outPort: parsed.outPort,
    outGroup: parsed.outGroup,
    actions: [],
  };
}

/** Applies a prepared flow_mod to the bridge; an OpenFlow error prints with the request. */
export function applyFlowMod(br: Bridge, sent: SentFlowMod, now: number): void {
  try {
    br.tables.apply(sent.flowMod, now);
  } catch (e) {
    if (e instanceof OpenFlowError && !(e instanceof FlowModError)) throw new FlowModError(e.ofperr, sent, null);
    throw e;
  }
}


