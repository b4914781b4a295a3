/**
 * MPLS actions (OVS's SET_MPLS_LABEL, SET_MPLS_TC, SET_MPLS_TTL, DEC_MPLS_TTL,
 * PUSH_MPLS and POP_MPLS in `lib/ofp-actions.c`). set_mpls_label and
 * set_mpls_tc go out as set_field over OpenFlow 1.2+; the rest keep their own
 * encodings in every version.
 */
import { FIELDS } from "../flowtable/fields.js";
import { ETH_TYPE } from "../flowtable/protocols.js";
import type { ActionOp, CheckContext, ParseContext } from "./action-op.js";
import { fail } from "./action-op.js";
import type {
  DecMplsTtlAction,
  MplsEthertypeAction,
  SetMplsLabelAction,
  SetMplsTcAction,
  SetMplsTtlAction,
} from "./action-types.js";
import { strToU16, strToU32, strToU8 } from "./parse-util.js";
import { inconsistent } from "./vlan-actions.js";

export function ethTypeMpls(t: number): boolean {
  return t === ETH_TYPE.MPLS || t === ETH_TYPE.MPLS_MCAST;
}

/** OVS's check_set_mpls. */
function checkSetMpls(_a: unknown, ctx: CheckContext): null {
  if (!ethTypeMpls(ctx.flow.dlType)) inconsistent(ctx);
  return null;
}

function required(ctx: ParseContext, arg: string, name: string, what: string): void {
  if (arg === "") fail(ctx, `${name}: expected ${what}.`);
}

export const setMplsLabel: ActionOp<SetMplsLabelAction> = {
  name: "set_mpls_label",
  instruction: "apply_actions",
  parse: (arg, ctx) => {
    required(ctx, arg, "set_mpls_label", "label");
    const label = strToU32(ctx, arg);
    if ((label & ~0xfffff) !== 0) fail(ctx, `${arg}: not a valid MPLS label`);
    return { type: "set_mpls_label", label };
  },
  format: (a) => `set_mpls_label(${a.label})`,
  check: checkSetMpls,
  wire: (a, ctx) =>
    ctx.version < 12 ? [a] : [{ type: "set_field", field: FIELDS.mpls_label, value: BigInt(a.label), mask: 0xffffffffn, raw: "set_field" }],
};

export const setMplsTc: ActionOp<SetMplsTcAction> = {
  name: "set_mpls_tc",
  instruction: "apply_actions",
  parse: (arg, ctx) => {
    required(ctx, arg, "set_mpls_tc", "tc");
    const tc = strToU8(ctx, arg, "MPLS TC");
    if ((tc & ~7) !== 0) fail(ctx, `${arg}: not a valid MPLS TC`);
    return { type: "set_mpls_tc", tc };
  },
  format: (a) => `set_mpls_tc(${a.tc})`,
  check: checkSetMpls,
  wire: (a, ctx) =>
    ctx.version < 12 ? [a] : [{ type: "set_field", field: FIELDS.mpls_tc, value: BigInt(a.tc), mask: 0xffn, raw: "set_field" }],
};

export const setMplsTtl: ActionOp<SetMplsTtlAction> = {
  name: "set_mpls_ttl",
  instruction: "apply_actions",
  parse: (arg, ctx) => {
    required(ctx, arg, "set_mpls_ttl", "ttl");
    return { type: "set_mpls_ttl", ttl: strToU8(ctx, arg, "MPLS TTL") };
  },
  format: (a) => `set_mpls_ttl(${a.ttl})`,
  check: checkSetMpls,
  wire: (a) => [a],
};

export const decMplsTtl: ActionOp<DecMplsTtlAction> = {
  name: "dec_mpls_ttl",
  instruction: "apply_actions",
  parse: () => ({ type: "dec_mpls_ttl" }),
  format: () => "dec_mpls_ttl",
  check: checkSetMpls,
  wire: (a) => [a],
};

function hex4(v: number): string {
  return `0x${v.toString(16).padStart(4, "0")}`;
}

export const pushMpls: ActionOp<MplsEthertypeAction<"push_mpls">> = {
  name: "push_mpls",
  instruction: "apply_actions",
  parse: (arg, ctx) => ({ type: "push_mpls", ethertype: strToU16(ctx, arg, "push_mpls") }),
  format: (a) => `push_mpls:${hex4(a.ethertype)}`,
  check: (a, ctx) => {
    // packet_type is always Ethernet here.
    ctx.flow.dlType = a.ethertype;
    // The MPLS payload is opaque: nothing can be assumed about nw_proto.
    ctx.flow.nwProto = 0;
    return null;
  },
  wire: (a) => {
    return [a];
  },
};

export const popMpls: ActionOp<MplsEthertypeAction<"pop_mpls">> = {
  name: "pop_mpls",
  instruction: "apply_actions",
  parse: (arg, ctx) => ({ type: "pop_mpls", ethertype: strToU16(ctx, arg, "pop_mpls") }),
  format: (a) => `pop_mpls:${hex4(a.ethertype)}`,
  check: (a, ctx) => {
    if (!ethTypeMpls(ctx.flow.dlType)) inconsistent(ctx);
    ctx.flow.dlType = a.ethertype;
    return null;
  },
  wire: (a) => [a],
};
