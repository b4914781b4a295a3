/**
 * The path a parsed flow takes from ovs-ofctl to the switch: pick a flow format
 * the connection allows, log a normalization as ovs-ofctl does, and deliver the
 * match and the flow_mod's other fields as the switch would decode them. The
 * result is a FlowMod ready for `FlowTables.apply`, or the error ovs-ofctl or
 * the switch would report.
 */
import type { FlowMod, FlowSelector } from "./flow-tables.js";
import type { FlowModCommand, FlowModFlags, ParsedFlow } from "./flow-mod-parse.js";
import { TABLE_ALL } from "./flow-mod-parse.js";
import { normalizationLog } from "./match-normalize.js";
import { transmitMatch } from "./match-transmit.js";
import type { Match } from "./match.js";
import { M } from "./flow-layout.js";
import type { TunMetadataTable } from "./tun-metadata-table.js";
import { chooseDumpProtocol, chooseProtocol, matchProtocolOf, P, P_OF10_NXM_ANY, P_OF10_STD_ANY } from "./openflow-protocols.js";

/** OVS_BE64_MAX: the all-ones cookie, "no cookie" in a modify. */
const COOKIE_NONE = 0xffffffffffffffffn;

type Decoded = Pick<
  FlowMod<unknown>,
  "tableId" | "cookie" | "cookieMask" | "newCookie" | "modifyCookie" | "flags" | "importance"
>;

/**
 * The table, cookie and flag fields as the switch decodes them from the wire
 * (OVS's `ofputil_encode_flow_mod` then `ofputil_decode_flow_mod`); they depend
 * on the flow format:
 *
 * - OpenFlow 1.0 and NXM carry one cookie for new and modified flows, and the
 *   switch applies it to modified flows whenever it is not all-ones. ovs-ofctl
 *   sends 0 when mod-flows names no cookie, so over these formats a modify
 *   without `cookie=` sets the cookies of the flows it modifies to 0.
 * - OpenFlow 1.1+ carries a cookie and mask that select flows: a modify never
 *   changes cookies and (from 1.2) never adds a missing flow; only a delete may
 *   name all tables (from 1.2: in 1.1 a delete without a table also goes to
 *   table 0), so ovs-ofctl sends table 0 for other commands.
 * - OpenFlow 1.0 and 1.1 say an add always resets counters, so the switch sets
 *   `reset_counts` on every add it receives through them.
 * - Only an OpenFlow 1.4+ add carries `importance`.
 */
function decodeAsSwitch(parsed: ParsedFlow, command: FlowModCommand, protocol: number): Decoded {
  const isModify = command === "modify" || command === "modify_strict";
  const newCookie = isModify && parsed.newCookie === COOKIE_NONE ? null : parsed.newCookie;
  const flags: FlowModFlags =
    command === "add" && (protocol & (P_OF10_STD_ANY | P_OF10_NXM_ANY | P.OF11_STD)) !== 0
      ? { ...parsed.flags, resetCounts: true }
      : parsed.flags;
  const importance = command === "add" && (protocol & (P.OF14_OXM | P.OF15_OXM)) !== 0 ? parsed.importance : 0;
  const base = { tableId: parsed.tableId, cookie: parsed.cookie, cookieMask: parsed.cookieMask, flags, importance };
  if ((protocol & (P_OF10_STD_ANY | P_OF10_NXM_ANY)) !== 0) {
    return { ...base, newCookie, modifyCookie: newCookie !== null && newCookie !== COOKIE_NONE };
  }
  const isDelete = command === "delete" || command === "delete_strict";
  // OpenFlow 1.1 forbids table 255 outright: ovs-ofctl sends table 0 even for a delete.
  const tableId = parsed.tableId === TABLE_ALL && (!isDelete || protocol === P.OF11_STD) ? 0 : parsed.tableId;
  if (command === "add" || (protocol === P.OF11_STD && isModify && parsed.cookieMask === 0n)) {
    return { ...base, tableId, cookie: 0n, cookieMask: 0n, newCookie, modifyCookie: false };
  }
  return { ...base, tableId, cookie: parsed.cookie & parsed.cookieMask, newCookie: null, modifyCookie: false };
}

export type SubmitResult<A> =
  | { ok: true; flowMod: FlowMod<A>; protocol: number; log: string[] }
  /** `ofctlError`: ovs-ofctl refuses before sending; `ofperr`: the switch answers with an error. */
  | { ok: false; ofctlError: string; log: string[] }
  | { ok: false; ofperr: string; protocol: number; log: string[] };

/**
 * ofputil_decode_flow_mod: conntrack original-tuple addresses of the other IP version than
 * the match's dl_type (ct_nw_src without `ip`, ct_ipv6_src without `ipv6`).
 */
function ctTupleMismatch(match: Match): boolean {
  const dlType = match.memberMask(M.dlType) === 0n ? -1 : Number(match.memberValue(M.dlType));
  const v4 = match.memberMask(M.ctNwSrc) !== 0n || match.memberMask(M.ctNwDst) !== 0n;
  const v6 = match.memberMask(M.ctIpv6Src) !== 0n || match.memberMask(M.ctIpv6Dst) !== 0n;
  return (v4 && dlType !== 0x0800) || (v6 && dlType !== 0x86dd);
}

export function submitFlow<A>(parsed: ParsedFlow, actions: A, allowedProtocols: number, tunTable?: TunMetadataTable): SubmitResult<A> {
  const log = normalizationLog(parsed.match);
  const choice = chooseProtocol(parsed.usableProtocols, allowedProtocols);
  if (!choice.ok) return { ok: false, ofctlError: choice.error, log };
  const sent = transmitMatch(parsed.match, matchProtocolOf(choice.protocol), tunTable);
  if (!sent.ok) return { ok: false, ofperr: sent.ofperr, protocol: choice.protocol, log };
  if (ctTupleMismatch(sent.match)) return { ok: false, ofperr: "OFPBAC_MATCH_INCONSISTENT", protocol: choice.protocol, log };
  const command = parsed.purpose === "stats" ? "delete" : parsed.purpose;
  const flowMod: FlowMod<A> = {
    command,
    match: sent.match,
    priority: sent.priority ?? parsed.priority,
    ...decodeAsSwitch(parsed, command, choice.protocol),
    idleTimeout: parsed.idleTimeout,
    hardTimeout: parsed.hardTimeout,
    outPort: parsed.outPort,
    outGroup: parsed.outGroup,
    actions,
  };
  return { ok: true, flowMod, protocol: choice.protocol, log };
}

export type StatsRequestResult =
  | { ok: true; selector: FlowSelector; protocol: number }
  | { ok: false; ofctlError: string }
  | { ok: false; ofperr: string };

/**
 * The path of a flow stats request (dump-flows, dump-aggregate): ovs-ofctl's
 * flow-format choice for dumps (NXM before OpenFlow 1.0's match) and the same
 * match delivery as a flow_mod, giving the selector the switch applies.
 */
export function submitStatsRequest(parsed: ParsedFlow, allowedProtocols: number, tunTable?: TunMetadataTable): StatsRequestResult {
  // A stats request needs no table-id extension to name a table (parse_ofp_flow_stats_request_str).
  let usable = parsed.usableProtocols;
  if ((usable & P.OF10_STD_TID) !== 0) usable |= P.OF10_STD;
  if ((usable & P.OF10_NXM_TID) !== 0) usable |= P.OF10_NXM;
  const choice = chooseDumpProtocol(usable, allowedProtocols);
  if (!choice.ok) return { ok: false, ofctlError: choice.error };
  const sent = transmitMatch(parsed.match, matchProtocolOf(choice.protocol), tunTable);
  if (!sent.ok) return { ok: false, ofperr: sent.ofperr };
  const selector: FlowSelector = {
    tableId: parsed.tableId,
    match: sent.match,
    cookie: parsed.cookie,
    cookieMask: parsed.cookieMask,
    outPort: parsed.outPort,
    outGroup: parsed.outGroup,
  };
  return { ok: true, selector, protocol: choice.protocol };
}
