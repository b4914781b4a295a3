/**
 * What ovs-ofctl prints about the OpenFlow messages of one command: the reply
 * headers (`NXST_FLOW reply (xid=0x4):`, `OFPST_PORT reply (OF1.3) (xid=0x2):`)
 * and, when the switch refuses a flow_mod, the OFPT_ERROR and the request it
 * carries, decoded as OVS's ofp-print does (`ofputil_flow_mod_format`):
 *
 *   OFPT_ERROR (xid=0x8): OFPBRC_EPERM
 *   NXT_FLOW_MOD (xid=0x8): DEL_STRICT table:254 priority=0,reg0=0x1 actions=drop
 *
 * Transaction ids are those one ovs-ofctl process hands out (one counter per
 * process, recorded from OVS 3.1): a flow_mod is xid 6, plus 2 when the flow
 * needs OpenFlow 1.0's table-id extension and 2 more when it needs NXM
 * (each a request to change the connection's flow format first); over
 * OpenFlow 1.1+ always 6. A flow dump or aggregate is xid 4 over NXM (2 over
 * OpenFlow 1.0's own format and from 1.1) and 4 more when a match argument is
 * given (ovs-ofctl opens a second connection to learn port names, unless
 * `--no-names`); `show` is 2, its port
 * description 3 (1.3+), its GET_CONFIG 4 (5 from 1.3); dump-ports 2.
 */
import { formatActions } from "../actions/action-text.js";
import { formatMatch, OFP_DEFAULT_PRIORITY } from "../flowtable/match-format.js";
import { nxPutMatch } from "../flowtable/nxm-put.js";
import { nxMatchToString } from "../flowtable/nxm-text.js";
import { P, P_OF10_NXM_ANY, P_OF10_STD_ANY } from "../flowtable/openflow-protocols.js";
import type { PortNameMap } from "../flowtable/ports.js";
import { formatPort, OFPP_NONE } from "../flowtable/ports.js";
import type { FlowModCommand } from "../flowtable/flow-mod-parse.js";

import type { OfVersion, SentFlowMod } from "../vswitchd/flow-mod-text.js";

export type { OfVersion, SentFlowMod };

const MAX_U64 = 0xffffffffffffffffn;

/** The ` (OF1.x)` tag ofp-print puts after a message name for OpenFlow 1.1+. */
export function versionTag(v: OfVersion): string {
  return v === 10 ? "" : ` (OF1.${v - 10})`;
}

/** `NAME (OF1.x) (xid=0xN):` */
export function header(name: string, v: OfVersion, xid: number): string {
  return `${name}${versionTag(v)} (xid=0x${xid.toString(16)}):`;
}

/** The OpenFlow version of a flow format. */
export function versionOfProtocol(protocol: number): OfVersion {
  if ((protocol & (P_OF10_STD_ANY | P_OF10_NXM_ANY)) !== 0) return 10;
  if (protocol === P.OF11_STD) return 11;
  if (protocol === P.OF12_OXM) return 12;
  if (protocol === P.OF13_OXM) return 13;
  if (protocol === P.OF14_OXM) return 14;
  return 15;
}

/** The xid of the flow_mod ovs-ofctl sends over `protocol`. */
export function flowModXid(protocol: number): number {
  if (versionOfProtocol(protocol) !== 10) return 6;
  const tid = (protocol & (P.OF10_STD_TID | P.OF10_NXM_TID)) !== 0 ? 2 : 0;
  const nxm = (protocol & P_OF10_NXM_ANY) !== 0 ? 2 : 0;
  return 6 + tid + nxm;
}

/** The xid of a flow stats / aggregate request over `protocol` (NXM over OpenFlow 1.0 costs a flow-format request first). */
export function dumpXid(protocol: number, withMatch: boolean): number {
  return ((protocol & P_OF10_NXM_ANY) !== 0 ? 4 : 2) + (withMatch ? 4 : 0);
}

/** The name of a flow stats (or aggregate, `kind` "AGGREGATE") reply over `protocol`. */
export function dumpReplyName(protocol: number, kind: "FLOW" | "AGGREGATE"): string {
  return `${(protocol & P_OF10_NXM_ANY) !== 0 ? "NXST" : "OFPST"}_${kind} reply`;
}

const COMMAND_NAMES: Record<FlowModCommand, string> = {
  add: "ADD",
  modify: "MOD",
  modify_strict: "MOD_STRICT",
  delete: "DEL",
  delete_strict: "DEL_STRICT",
};


/** ofputil_flow_mod_format at verbosity 1 (what ovs-ofctl prints with an error, and parse-flows). */
export function formatFlowModBody(sent: SentFlowMod, names: PortNameMap | undefined, verbosity = 0): string {
  const { parsed, flowMod: fm, protocol } = sent;
  const v = versionOfProtocol(protocol);
  const command = fm.command;
  let s = ` ${COMMAND_NAMES[command]}`;
  // OpenFlow 1.0 carries a table only with the table-id extension; ofp-print reads the command's high byte.
  const tableId = v === 10 ? ((protocol & (P.OF10_STD_TID | P.OF10_NXM_TID)) !== 0 ? parsed.tableId : 0) : fm.tableId;
  if (tableId !== 0) s += ` table:${tableId}`;
  s += " ";
  // With -mmm ofp-print shows an NXT_FLOW_MOD's nx_match as its entries (nx_match_to_string), then the priority apart.
  const rawNxm = verbosity >= 3 && requestName(protocol) === "NXT_FLOW_MOD";
  if (rawNxm) {
    const nxm = nxPutMatch(fm.match, parsed.cookie, parsed.cookieMask);
    s += nxMatchToString(nxm.bytes, 0, nxm.matchLen);
  } else {
    s += formatMatch(fm.match, fm.priority, names);
  }
  if (!s.endsWith(" ")) s += " ";
  let newCookie: bigint;
  let cookie = parsed.cookie;
  let cookieMask = parsed.cookieMask;
  if (v === 10) {
    newCookie = command === "add" || command === "modify" || command === "modify_strict" ? (parsed.newCookie ?? 0n) : 0n;
  } else if (command === "add" || (v === 11 && command !== "delete" && command !== "delete_strict" && parsed.cookieMask === 0n)) {
    newCookie = parsed.newCookie ?? 0n;
    cookie = 0n;
    cookieMask = 0n;
  } else newCookie = MAX_U64;
  if (newCookie !== 0n && newCookie !== MAX_U64) s += `cookie:0x${newCookie.toString(16)} `;
  if (cookieMask !== 0n) s += `cookie:0x${cookie.toString(16)}/0x${cookieMask.toString(16)} `;
  if (fm.idleTimeout !== 0) s += `idle:${fm.idleTimeout} `;
  if (fm.hardTimeout !== 0) s += `hard:${fm.hardTimeout} `;
  if (fm.importance !== 0) s += `importance:${fm.importance} `;
  if (rawNxm && fm.priority !== OFP_DEFAULT_PRIORITY) s += `pri:${fm.priority} `;
  if (fm.outPort !== OFPP_NONE) s += `out_port:${formatPort(fm.outPort, names)} `;
  const f = fm.flags;
  if (f.sendFlowRem) s += "send_flow_rem ";
  if (f.checkOverlap) s += "check_overlap ";
  // ofp-print hides reset_counts for OpenFlow 1.0 and 1.1, which have no such flag.
  if (f.resetCounts && v >= 12) s += "reset_counts ";
  if (f.noPacketCounts) s += "no_packet_counts ";
  if (f.noByteCounts) s += "no_byte_counts ";
  return `${s}actions=${formatActions(fm.actions, names)}`;
}

/** The flow_mod message a flow format sends: NXT_FLOW_MOD over NXM, else OFPT_FLOW_MOD. */
export function requestName(protocol: number): string {
  return (protocol & P_OF10_NXM_ANY) !== 0 ? "NXT_FLOW_MOD" : "OFPT_FLOW_MOD";
}

/**
 * The two lines ovs-ofctl prints when the switch answers a flow_mod with an
 * error. `decodeError`: the switch could not decode the request (bad
 * actions or match), so the request prints as `***decode error: X***` (OVS
 * follows that with a hex dump of the message, which ovsim does not print).
 */
export function flowModErrorLines(
  ofperr: string,
  sent: SentFlowMod,
  names: PortNameMap | undefined,
  decodeError: string | null,
  nth = 0,
): string[] {
  const v = versionOfProtocol(sent.protocol);
  // Each flow_mod of a command goes with its barrier: the nth (from 0) is 2 * nth after the first.
  const xid = flowModXid(sent.protocol) + 2 * nth;
  const body = decodeError === null ? formatFlowModBody(sent, names) : ` ***decode error: ${decodeError}***`;
  return [`${header("OFPT_ERROR", v, xid)} ${ofperr}`, `${header(requestName(sent.protocol), v, xid)}${body}`];
}
