/**
 * What the other end of an OpenFlow connection holds after actions are encoded
 * for a version and decoded (OVS's `ofpacts_put_openflow_instructions` then
 * `ofpacts_pull_openflow_instructions`). This is why ovs-ofctl prints
 * `set_field:5->reg0` as `load:0x5->NXM_NX_REG0[]` over OpenFlow 1.0 and
 * `mod_dl_src:...` as `set_field:...->eth_src` over 1.3: a flow's actions are
 * stored as the switch decoded them, and dumped as ovs-ofctl decodes the reply.
 *
 * Some encodings depend on the flow (a VLAN push only when the match has no
 * VLAN, the L4 field by the match's IP protocol): each action sees the flow as
 * the actions before it leave it, as in OVS's `ofpacts_check` annotations.
 */
import type { Match } from "../flowtable/match.js";
import { P, P_OF10_NXM_ANY, P_OF10_STD_ANY } from "../flowtable/openflow-protocols.js";
import type { CheckContext, WireContext, WireVersion } from "./action-op.js";
import { opOf } from "./action-ops.js";
import type { Action, ActionList } from "./action-types.js";
import { FlowView } from "./flow-view.js";
import { withProgramLog } from "../flowtable/program-log.js";

export { WireDecodeError } from "./action-op.js";

/** The OpenFlow version a flow format speaks. */
export function wireVersionOf(protocol: number): WireVersion {
  if ((protocol & (P_OF10_STD_ANY | P_OF10_NXM_ANY)) !== 0) return 10;
  if ((protocol & P.OF11_STD) !== 0) return 11;
  if ((protocol & P.OF12_OXM) !== 0) return 12;
  if ((protocol & P.OF13_OXM) !== 0) return 13;
  if ((protocol & P.OF14_OXM) !== 0) return 14;
  return 15;
}

function scratchCheck(flow: FlowView, match: Match): CheckContext {
  return { flow, match, usable: 0, tableId: 255, checkNested: () => null };
}

function wireFrom(list: ActionList, version: WireVersion, flow: FlowView, match: Match): ActionList {
  const out: Action[] = [];
  for (const a of list) {
    const before = flow.copy();
    opOf(a).check(a, scratchCheck(flow, match));
    const ctx: WireContext = { version, before, wireList: (inner) => wireFrom(inner, version, before.copy(), match) };
    out.push(...opOf(a).wire(a, ctx));
  }
  return out;
}

/**
 * The actions as the receiver of an OpenFlow `version` message holds them.
 * Throws WireDecodeError with the ofperr the receiver answers when it refuses them.
 */
export function wireActions(list: ActionList, version: WireVersion, match: Match): ActionList {
  // The checks here only follow the flow through the actions: nothing of theirs is logged.
  return withProgramLog(null, () => wireFrom(list, version, FlowView.of(match), match));
}
