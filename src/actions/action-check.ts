/**
 * OVS's `ofpacts_check` and `ofpacts_check_consistency`: do the actions make
 * sense for the flow's match? A hard error (e.g. set_field to a field whose
 * prerequisites the match lacks) is an ofperr name; a softer inconsistency
 * (e.g. mod_nw_src on a non-IP flow) only narrows the flow formats to
 * OpenFlow 1.0, which tolerates it.
 */
import type { Match } from "../flowtable/match.js";
import { P_ANY } from "../flowtable/openflow-protocols.js";
import type { CheckContext } from "./action-op.js";
import { opOf } from "./action-ops.js";
import type { ActionList } from "./action-types.js";
import { FlowView } from "./flow-view.js";

export interface CheckOutcome {
  /** An ofperr name, or null when the actions are acceptable. */
  readonly error: string | null;
  /** Flow formats for which actions and match are consistent. */
  readonly usableProtocols: number;
}

function checkList(list: ActionList, ctx: CheckContext): string | null {
  ctx.usable = P_ANY;
  for (const a of list) {
    const e = opOf(a).check(a, ctx);
    if (e !== null) return e;
  }
  return null;
}

function context(flow: FlowView, match: Match, tableId: number): CheckContext {
  const ctx: CheckContext = {
    flow,
    match,
    usable: P_ANY,
    tableId,
    checkNested: (list, outer, keepUsable) => {
      const sub = context(outer.flow.copy(), outer.match, outer.tableId);
      const e = checkList(list, sub);
      if (keepUsable) outer.usable &= sub.usable;
      return e;
    },
  };
  return ctx;
}

/** OVS's `ofpacts_check` for a flow with `match` in table `tableId` (255: not given). */
export function checkActions(list: ActionList, match: Match, tableId: number): CheckOutcome {
  const ctx = context(FlowView.of(match), match, tableId);
  const error = checkList(list, ctx);
  return { error, usableProtocols: ctx.usable };
}

/** OVS's `ofpacts_check_consistency`: as the switch checks a flow_mod received over `protocol`. */
export function checkConsistency(list: ActionList, match: Match, tableId: number, protocol: number): string | null {
  const r = checkActions(list, match, tableId);
  if (r.error !== null) return r.error;
  return (protocol & ~r.usableProtocols) !== 0 ? "OFPBAC_MATCH_INCONSISTENT" : null;
}
