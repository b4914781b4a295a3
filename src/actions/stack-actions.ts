/**
 * The stack actions `push:SRC[a..b]` and `pop:DST[a..b]` (OVS's
 * NXAST_STACK_PUSH / NXAST_STACK_POP, lib/nx-match.c's nxm_parse_stack_action
 * and nxm_format_stack_push / pop): a subfield's bits go onto, or come off,
 * one stack that a whole translation shares (xlate/xlate-stack.ts runs them).
 *
 * Parsing is OVS's `mf_parse_subfield__`: a field name alone means the whole
 * field (`push:reg0`), anything after the subfield is "trailing garbage". A
 * push reads its source (its prerequisites must hold: OFPBAC_MATCH_INCONSISTENT),
 * a pop writes its destination (also writable: OFPBAC_BAD_SET_ARGUMENT). Both
 * travel as themselves in every OpenFlow version (a Nicira vendor action).
 */
import { formatSubfield, parseSubfieldPrefix } from "../flowtable/subfield.js";
import type { ActionOp, ParseContext } from "./action-op.js";
import { fail } from "./action-op.js";
import type { StackAction } from "./action-types.js";
import { checkDest, checkSource } from "./subfield-check.js";

function parseStack<T extends StackAction["type"]>(type: T, arg: string, ctx: ParseContext): StackAction<T> {
  const r = parseSubfieldPrefix(arg);
  if (!r.ok) fail(ctx, r.error);
  if (r.rest !== "") fail(ctx, `${r.rest}: trailing garbage following push or pop`);
  return { type, subfield: r.sf };
}

export const stackPush: ActionOp<StackAction<"stack_push">> = {
  name: "push",
  instruction: "apply_actions",
  parse: (arg, ctx) => parseStack("stack_push", arg, ctx),
  format: (a) => `push:${formatSubfield(a.subfield)}`,
  check: (a, ctx) => checkSource(a.subfield, ctx.flow),
  wire: (a) => [a],
};

export const stackPop: ActionOp<StackAction<"stack_pop">> = {
  name: "pop",
  instruction: "apply_actions",
  parse: (arg, ctx) => parseStack("stack_pop", arg, ctx),
  format: (a) => `pop:${formatSubfield(a.subfield)}`,
  check: (a, ctx) => checkDest(a.subfield, ctx.flow),
  wire: (a) => [a],
};
