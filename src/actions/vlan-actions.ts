/**
 * VLAN actions: set_vlan_vid / mod_vlan_vid, set_vlan_pcp / mod_vlan_pcp,
 * strip_vlan / pop_vlan and push_vlan. `mod_*` (and anything that arrives over
 * OpenFlow 1.0) pushes a VLAN header when there is none; over OpenFlow 1.1+ OVS
 * sends that push explicitly, and over 1.2+ the value as a set_field.
 */
import { FIELDS } from "../flowtable/fields.js";
import { P_OF10_NXM_ANY, P_OF10_STD_ANY, P_OF11_UP } from "../flowtable/openflow-protocols.js";
import type { ActionOp, CheckContext, ParseContext, WireContext } from "./action-op.js";
import { fail } from "./action-op.js";
import type { Action, PushVlanAction, SetVlanPcpAction, SetVlanVidAction, StripVlanAction } from "./action-types.js";
import { VLAN_CFI } from "./flow-view.js";
import { strToU16, strToU8 } from "./parse-util.js";
import { ETH_TYPE } from "../flowtable/protocols.js";


/** OVS's `inconsistent_match`: only OpenFlow 1.0 tolerates actions that do not fit the match. */
export function inconsistent(ctx: CheckContext): void {
  ctx.usable &= P_OF10_STD_ANY | P_OF10_NXM_ANY;
}

function checkVlanSet(a: { readonly pushIfNeeded: boolean }, ctx: CheckContext): null {
  if (!ctx.flow.hasVlan && !a.pushIfNeeded) inconsistent(ctx);
  ctx.flow.tci = ctx.flow.tci | VLAN_CFI;
  return null;
}

/** The explicit push_vlan OpenFlow 1.1+ needs before a `mod_vlan_*` on a flow without VLAN. */
function pushFirst(a: { readonly pushIfNeeded: boolean }, ctx: WireContext): Action[] {
  return a.pushIfNeeded && !ctx.before.hasVlan ? [{ type: "push_vlan", ethertype: ETH_TYPE.VLAN_8021Q }] : [];
}

export function parseVlanVid(arg: string, pushIfNeeded: boolean, ctx: ParseContext): Action {
  const vid = strToU16(ctx, arg, "VLAN VID");
  if ((vid & ~0xfff) !== 0) fail(ctx, `${arg}: not a valid VLAN VID`);
  return { type: "set_vlan_vid", vid, pushIfNeeded };
}

export function parseVlanPcp(arg: string, pushIfNeeded: boolean, ctx: ParseContext): Action {
  const pcp = strToU8(ctx, arg, "VLAN PCP");
  if ((pcp & ~7) !== 0) fail(ctx, `${arg}: not a valid VLAN PCP`);
  return { type: "set_vlan_pcp", pcp, pushIfNeeded };
}

export const setVlanVid: ActionOp<SetVlanVidAction> = {
  name: "set_vlan_vid",
  instruction: "apply_actions",
  parse: (arg, ctx) => parseVlanVid(arg, false, ctx),
  format: (a) => `${a.pushIfNeeded ? "mod_vlan_vid" : "set_vlan_vid"}:${a.vid}`,
  check: checkVlanSet,
  wire: (a, ctx) => {
    if (ctx.version === 10) return [{ ...a, pushIfNeeded: true }];
    if (ctx.version === 11) return [...pushFirst(a, ctx), { ...a, pushIfNeeded: false }];
    const f = FIELDS.vlan_vid;
    return [...pushFirst(a, ctx), { type: "set_field", field: f, value: BigInt(a.vid | VLAN_CFI), mask: 0xffffn, raw: "set_field" }];
  },
};

export const setVlanPcp: ActionOp<SetVlanPcpAction> = {
  name: "set_vlan_pcp",
  instruction: "apply_actions",
  parse: (arg, ctx) => parseVlanPcp(arg, false, ctx),
  format: (a) => `${a.pushIfNeeded ? "mod_vlan_pcp" : "set_vlan_pcp"}:${a.pcp}`,
  check: checkVlanSet,
  wire: (a, ctx) => {
    if (ctx.version === 10) return [{ ...a, pushIfNeeded: true }];
    if (ctx.version === 11) return [...pushFirst(a, ctx), { ...a, pushIfNeeded: false }];
    const f = FIELDS.vlan_pcp;
    return [...pushFirst(a, ctx), { type: "set_field", field: f, value: BigInt(a.pcp), mask: 0xffn, raw: "set_field" }];
  },
};

export const stripVlan: ActionOp<StripVlanAction> = {
  name: "strip_vlan",
  instruction: "apply_actions",
  parse: () => ({ type: "strip_vlan", pop: false }),
  format: (a) => (a.pop ? "pop_vlan" : "strip_vlan"),
  check: (_a, ctx) => {
    if (!ctx.flow.hasVlan) inconsistent(ctx);
    ctx.flow.popVlan();
    return null;
  },
  wire: (_a, ctx) => [{ type: "strip_vlan", pop: ctx.version !== 10 }],
};

export const pushVlan: ActionOp<PushVlanAction> = {
  name: "push_vlan",
  instruction: "apply_actions",
  parse: (arg, ctx) => {
    ctx.usable &= P_OF11_UP;
    const ethertype = strToU16(ctx, arg, "ethertype");
    if (ethertype !== ETH_TYPE.VLAN_8021Q && ethertype !== ETH_TYPE.VLAN_8021AD) fail(ctx, `${arg}: not a valid VLAN ethertype`);
    return { type: "push_vlan", ethertype };
  },
  format: (a) => `push_vlan:0x${a.ethertype.toString(16)}`,
  check: (_a, ctx) => {
    if ((ctx.flow.innerTci & VLAN_CFI) !== 0) return "OFPBAC_BAD_TAG";
    ctx.flow.pushVlan();
    return null;
  },
  // OpenFlow 1.0 has no push: it is a side effect of the set_vlan_* that follows.
  wire: (a, ctx) => (ctx.version === 10 ? [] : [a]),
};
