/**
 * Writes to fields by name: set_field (`set_field:V[/M]->F`), load
 * (`load:V->F[a..b]`, a set_field that remembers it came as NXAST_REG_LOAD)
 * and move (`move:F[a..b]->G[c..d]`). How set_field travels is in
 * `set-field-wire.ts`.
 */
import { parseIntString } from "../flowtable/field-values.js";
import { parseFieldValue } from "../flowtable/field-parse.js";
import { fieldByName } from "../flowtable/fields.js";
import { programWarn } from "../flowtable/program-log.js";
import { tunMetadataFieldByName } from "../flowtable/tun-metadata-field.js";
import { formatSubfield, parseSubfield, parseSubfieldPrefix } from "../flowtable/subfield.js";
import type { ActionOp, ParseContext } from "./action-op.js";
import { fail } from "./action-op.js";
import type { Action, RegMoveAction, SetFieldAction } from "./action-types.js";
import { formatFieldValue, isValueValid, loadSegments, subfieldWrite, usableExact } from "./field-text.js";
import { hex } from "./parse-util.js";
import { wireSetField } from "./set-field-wire.js";
import { checkDest, checkSource } from "./subfield-check.js";

/** OVS's `set_field_split_str`: the text before and after the first `->`. */
function splitArrow(ctx: ParseContext, arg: string): { value: string; key: string } {
  const at = arg.indexOf("->");
  if (at < 0) fail(ctx, `${arg}: missing \`->'`);
  const key = arg.slice(at + 2);
  if (key === "") fail(ctx, `${arg}: missing field name following \`->'`);
  return { value: arg.slice(0, at), key };
}

/** `load:V->F[a..b]` (OVS's `parse_reg_load`). */
export function parseLoad(arg: string, ctx: ParseContext): Action {
  const { key } = splitArrow(ctx, arg);
  const sf = parseSubfield(key);
  if (!sf.ok) fail(ctx, sf.error);
  const { field, nBits } = sf.sf;
  // The value is scanned up to the first character that is not part of it (the `->`).
  const v = parseIntString(arg, 0, field.nBytes);
  if (typeof v === "string") fail(ctx, `${arg}: cannot parse integer value`);
  if (v.value >> BigInt(nBits) !== 0n) {
    fail(ctx, `${arg}: value ${formatFieldValue(field, v.value, undefined, ctx.names)} does not fit into ${nBits} bits`);
  }
  return { type: "set_field", field, ...subfieldWrite(sf.sf, v.value), raw: "reg_load" };
}

export const setField: ActionOp<SetFieldAction> = {
  name: "set_field",
  instruction: "apply_actions",
  parse: (arg, ctx) => {
    const { value, key } = splitArrow(ctx, arg);
    const field = fieldByName(key) ?? (key.startsWith("tun_metadata") ? tunMetadataFieldByName(key) : undefined);
    if (field === undefined) fail(ctx, `${key} is not a valid OXM field name`);
    if (!field.writable) fail(ctx, `${key} is read-only`);
    const p = parseFieldValue(field, value, ctx.names);
    if (!p.ok) fail(ctx, p.error);
    if (!isValueValid(field, p.value)) fail(ctx, `${value} is not a valid value for field ${key}`);
    ctx.usable &= usableExact(field);
    return { type: "set_field", field, value: p.value, mask: p.mask, raw: "set_field" };
  },
  format: (a, ctx) => {
    if (a.raw === "reg_load") {
      return loadSegments(a.field, a.value, a.mask)
        .map((s) => `load:${hex(s.value)}->${formatSubfield(s.sf)}`)
        .join(",");
    }
    return `set_field:${formatFieldValue(a.field, a.value, a.mask, ctx.names)}->${a.field.name}`;
  },
  check: (a, ctx) => {
    const f = ctx.flow;
    if (!f.prereqOk(a.field.prereq) || (a.field.name === "vlan_vid" && !f.hasVlan)) {
      programWarn("ofp_actions", `set_field ${a.field.name} lacks correct prerequisites`);
      return "OFPBAC_MATCH_INCONSISTENT";
    }
    if (a.field.name === "vlan_tci") f.tci = Number(a.value);
    return null;
  },
  wire: wireSetField,
};

export const regMove: ActionOp<RegMoveAction> = {
  name: "move",
  instruction: "apply_actions",
  parse: (arg, ctx) => {
    const src = parseSubfieldPrefix(arg);
    if (!src.ok) fail(ctx, src.error);
    if (!src.rest.startsWith("->")) fail(ctx, `${arg}: missing \`->' following source`);
    const dst = parseSubfield(src.rest.slice(2));
    if (!dst.ok) fail(ctx, dst.error);
    if (src.sf.nBits !== dst.sf.nBits) {
      fail(ctx, `${arg}: source field is ${src.sf.nBits} bits wide but destination is ${dst.sf.nBits} bits wide`);
    }
    return { type: "reg_move", src: src.sf, dst: dst.sf };
  },
  format: (a) => `move:${formatSubfield(a.src)}->${formatSubfield(a.dst)}`,
  check: (a, ctx) => checkSource(a.src, ctx.flow) ?? checkDest(a.dst, ctx.flow),
  wire: (a) => [a],
};
