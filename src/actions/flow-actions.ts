/**
 * A flow's actions on their way from ovs-ofctl to the switch, as in OVS:
 *
 * 1. ovs-ofctl parses them and checks them against the flow's match
 *    (`parse_ofp_str__` → `ofpacts_parse_instructions` + `ofpacts_check`):
 *    a hard inconsistency fails with "actions are invalid with specified match
 *    (...)"; a soft one narrows the usable flow formats to OpenFlow 1.0.
 * 2. ovs-ofctl picks a flow format (flow-mod-submit.ts) and encodes; the switch
 *    decodes (`wireActions`), checks consistency for that format, and checks
 *    that the groups and meters the actions name exist. A failure there is an
 *    OFPT_ERROR reply.
 */
import { unmapTunMetadataActions } from "./tun-metadata-actions.js";
import { FlowParseError } from "../flowtable/errors.js";
import type { Match } from "../flowtable/match.js";
import type { PortNameMap } from "../flowtable/ports.js";
import { withProgramLog } from "../flowtable/program-log.js";
import { checkActions, checkConsistency } from "./action-check.js";
import { parseActionText, verifyDecoded } from "./action-parse.js";
import type { Action, ActionList } from "./action-types.js";
import { WireDecodeError, wireActions, wireVersionOf } from "./action-wire.js";

export interface FlowActionsOptions {
  readonly names?: PortNameMap;
  /** The flow's match, as ovs-ofctl parsed it. */
  readonly match: Match;
  /** The flow's table (255 when not given). */
  readonly tableId: number;
  /** Flow formats the rest of the flow allows (ParsedFlow.usableProtocols). */
  readonly usableProtocols: number;
}

export interface FlowActions {
  readonly actions: ActionList;
  /** `usableProtocols` narrowed by the actions. */
  readonly usableProtocols: number;
}

/** Step 1: ovs-ofctl's parse and check. Throws FlowParseError with OVS's message. */
export function parseFlowActions(text: string, o: FlowActionsOptions): FlowActions {
  const parsed = parseActionText(text, o.names);
  let usable = o.usableProtocols & parsed.usableProtocols;
  const checked = checkActions(parsed.actions, o.match, o.tableId);
  usable &= checked.usableProtocols;
  const error = checked.error ?? (usable === 0 ? "OFPBAC_MATCH_INCONSISTENT" : null);
  if (error !== null) throw new FlowParseError(`actions are invalid with specified match (${error})`, text);
  return { actions: parsed.actions, usableProtocols: usable };
}

/** What a switch has: used to refuse actions naming groups or meters it lacks. */
export interface SwitchResources {
  hasGroup(id: number): boolean;
  hasMeter(id: number): boolean;
}

export type SwitchOutcome = { readonly ok: true; readonly actions: ActionList } | { readonly ok: false; readonly ofperr: string };

function* flatten(list: ActionList): Generator<Action> {
  for (const a of list) {
    yield a;
    if (a.type === "clone" || a.type === "write_actions" || a.type === "ct") yield* flatten(a.actions);
  }
}

/**
 * Step 2: the switch receives `actions` over flow format `protocol` for a flow
 * with `match` (as the switch decoded it) in `tableId`. Returns what it stores,
 * or the ofperr it answers.
 */
export function receiveFlowActions(
  actions: ActionList,
  protocol: number,
  match: Match,
  tableId: number,
  resources: SwitchResources,
): SwitchOutcome {
  let stored: ActionList;
  const version = wireVersionOf(protocol);
  try {
    stored = wireActions(actions, version, match);
  } catch (e) {
    if (e instanceof WireDecodeError) return { ok: false, ofperr: e.ofperr };
    throw e;
  }
  // Over OpenFlow 1.0 goto_table travels as a resubmit, which may then follow
  // write_metadata: an order the switch refuses (an error OpenFlow 1.0 cannot encode).
  if (verifyDecoded(stored) !== null) {
    return { ok: false, ofperr: version === 10 ? "NXBRC_UNENCODABLE_ERROR" : "OFPBAC_UNSUPPORTED_ORDER" };
  }
  // The switch's own check logs in ovs-vswitchd, not in the sending program's log.
  const error = withProgramLog(null, () => checkConsistency(stored, match, tableId, protocol));
  if (error !== null) return { ok: false, ofperr: error };
  const missing = missingResource(stored, resources);
  if (missing !== null) return { ok: false, ofperr: missing };
  return { ok: true, actions: stored };
}

/** ofproto_check_ofpacts: the error for actions naming a group or meter the switch lacks, or null. */
export function missingResource(actions: ActionList, resources: SwitchResources): string | null {
  for (const a of flatten(actions)) {
    if (a.type === "group" && !resources.hasGroup(a.groupId)) return "OFPBAC_BAD_OUT_GROUP";
    if (a.type === "meter" && !resources.hasMeter(a.meterId)) return "OFPMMFC_INVALID_METER";
  }
  return null;
}

/** The actions as a dump over `protocol` shows them (what ovs-ofctl decodes from the reply). */
export function actionsAsDumped(actions: ActionList, protocol: number, match: Match): ActionList {
  try {
    // ovs-ofctl has no TLV map: it reads tun_metadata<N> as the generic field.
    return unmapTunMetadataActions(wireActions(actions, wireVersionOf(protocol), match));
  } catch (e) {
    if (e instanceof WireDecodeError) return actions;
    throw e;
  }
}
