/**
 * The switch's decode of actions that name tun_metadata<N> (OVS decodes them
 * with its vl_mff_map: mf_vl_mff_mf_from_nxm_header, then the actions' own
 * checks, mf_check__):
 *
 * - a field the bridge's TLV table does not map: NXFMFC_INVALID_TLV_FIELD;
 * - a mapped field is as wide as its option (tun-metadata-field.ts), so a
 *   subfield past it is OFPBAC_BAD_SET_LEN;
 * - a set_field value travels at its significant length (mf_field_len, the
 *   longer of value and mask) and the switch keeps the first bytes that fit
 *   the option, right-aligned (nx-match.c copy_entry_value): set_field of
 *   0x1234567890 to a 4-byte option writes 0x12345678.
 *
 * ovs-ofctl, which has no table, decodes its own request with the generic
 * 124-byte fields, so it prints the refused request whole.
 *
 * The walk is structural: every FieldSpec with `tunMetadata` and every
 * subfield of one, at any depth of the action list (clone, ct exec, learn...).
 */
import { allOnes } from "../flowtable/field-values.js";
import type { FieldSpec } from "../flowtable/fields.js";
import type { Subfield } from "../flowtable/subfield.js";
import { mapTunMetadataField, tunMetadataFieldByName } from "../flowtable/tun-metadata-field.js";
import type { TunMetadataTable } from "../flowtable/tun-metadata-table.js";
import type { ActionList } from "./action-types.js";
import { defineOwn } from "../flowtable/own-property.js";

class Refused extends Error {
  constructor(readonly ofperr: string) {
    super(ofperr);
  }
}

function isPlain(v: object): boolean {
  const p: unknown = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

function isField(v: object): v is FieldSpec {
  return "nxm" in v && "memberMask" in v && "nBits" in v;
}

function isSubfield(v: object): v is Subfield {
  return "field" in v && "ofs" in v && "nBits" in v && Object.keys(v).length === 3;
}

/** Bytes of `v` without its leading zero bytes. */
function significantBytes(v: bigint): number {
  let n = 0;
  while (v > 0n) {
    v >>= 8n;
    n++;
  }
  return n;
}

function mapField(f: FieldSpec, table: TunMetadataTable): FieldSpec {
  const mapped = mapTunMetadataField(f, table);
  if (mapped === undefined) throw new Refused("NXFMFC_INVALID_TLV_FIELD");
  return mapped;
}

function mapSubfield(sf: Subfield, table: TunMetadataTable): Subfield {
  const field = mapField(sf.field, table);
  if (sf.ofs + sf.nBits > field.nBits) {
    throw new Refused("OFPBAC_BAD_SET_LEN");
  }
  return { field, ofs: sf.ofs, nBits: sf.nBits };
}

/** A set_field's value and mask as the switch decodes them into the mapped `field`. */
function mapValue(generic: FieldSpec, field: FieldSpec, value: bigint, mask: bigint): { value: bigint; mask: bigint } {
  const masked = mask !== allOnes(generic.nBits);
  const len = Math.max(significantBytes(value), masked ? significantBytes(mask) : 0);
  const drop = BigInt(8 * Math.max(0, len - field.nBytes));
  return { value: value >> drop, mask: masked ? mask >> drop : allOnes(field.nBits) };
}

function walk(v: unknown, table: TunMetadataTable): unknown {
  if (Array.isArray(v)) return v.map((x) => walk(x, table));
  if (typeof v !== "object" || v === null || !isPlain(v)) return v;
  if (isField(v)) return v.tunMetadata === undefined ? v : mapField(v, table);
  if (isSubfield(v)) return v.field.tunMetadata === undefined ? v : mapSubfield(v, table);
  const rec = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(rec)) defineOwn(out, k, walk(x, table));
  const field = rec["field"];
  if (rec["type"] === "set_field" && typeof field === "object" && field !== null && isField(field) && field.tunMetadata !== undefined) {
    Object.assign(out, mapValue(field, out["field"] as FieldSpec, rec["value"] as bigint, rec["mask"] as bigint));
  }
  return out;
}

/** Whether `v` (actions, at any depth) names tun_metadata<N> (any N when `index` is undefined). */
export function namesTunMetadata(v: unknown, index?: number): boolean {
  if (Array.isArray(v)) return v.some((x) => namesTunMetadata(x, index));
  if (typeof v !== "object" || v === null || !isPlain(v)) return false;
  if (isField(v)) return v.tunMetadata !== undefined && (index === undefined || v.tunMetadata.index === index);
  return Object.values(v as Record<string, unknown>).some((x) => namesTunMetadata(x, index));
}

/** The switch's form of `actions` by its TLV `table`, or the error it answers. */
export function mapTunMetadataActions(
  actions: ActionList,
  table: TunMetadataTable,
): { readonly ok: true; readonly actions: ActionList } | { readonly ok: false; readonly ofperr: string } {
  if (!namesTunMetadata(actions)) return { ok: true, actions };
  try {
    return { ok: true, actions: walk(actions, table) as ActionList };
  } catch (e) {
    if (e instanceof Refused) return { ok: false, ofperr: e.ofperr };
    throw e;
  }
}

function unwalk(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unwalk);
  if (typeof v !== "object" || v === null || !isPlain(v)) return v;
  if (isField(v)) return v.tunMetadata === undefined ? v : (tunMetadataFieldByName(v.name) ?? v);
  const rec = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(rec)) defineOwn(out, k, unwalk(x));
  const field = rec["field"];
  if (rec["type"] === "set_field" && typeof field === "object" && field !== null && isField(field) && field.tunMetadata !== undefined) {
    // A whole-option write travels unmasked.
    if (rec["mask"] === allOnes(field.nBits)) out["mask"] = allOnes((out["field"] as FieldSpec).nBits);
  }
  return out;
}

/**
 * `actions` as ovs-ofctl decodes them from the switch (no TLV table): each
 * mapped tun_metadata field back to the generic one, its subfields unchanged.
 */
export function unmapTunMetadataActions(actions: ActionList): ActionList {
  return namesTunMetadata(actions) ? (unwalk(actions) as ActionList) : actions;
}
