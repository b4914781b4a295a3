/**
 * Subfields: `reg0[0..15]`, `NXM_NX_REG0[]`, `tun_id[32]` — a run of bits of a
 * field, as OVS's `mf_parse_subfield` reads them. Used by matches
 * (`reg0[0..3]=5`) and by the actions that move bits around (load, move, learn).
 */
import type { FieldSpec } from "./fields.js";
import { ovsScanDecimalInt } from "./c-strto.js";
import { fieldBySubfieldName } from "./fields.js";

export interface Subfield {
  readonly field: FieldSpec;
  /** Offset of the first bit, from the least significant bit. */
  readonly ofs: number;
  readonly nBits: number;
}

/**
 * Parses a subfield at the start of `s`. Returns the subfield and the rest of
 * the text, or OVS's error message.
 */
export function parseSubfieldPrefix(s: string): { ok: true; sf: Subfield; rest: string } | { ok: false; error: string } {
  const nameLen = s.search(/[[-]/) < 0 ? s.length : s.search(/[[-]/);
  const name = s.slice(0, nameLen);
  const field = fieldBySubfieldName(name);
  if (!field) return { ok: false, error: `${s}: unknown field \`${name}'` };
  let rest = s.slice(nameLen);
  let start = 0;
  let end = field.nBits - 1;
  if (rest.startsWith("[")) {
    const range = /^\[(-?\d+)\.\.(-?\d+)\]/.exec(rest);
    const bit = /^\[(-?\d+)\]/.exec(rest);
    if (rest.startsWith("[]")) {
      rest = rest.slice(2);
    } else if (range) {
      start = ovsScanDecimalInt(range[1] as string);
      end = ovsScanDecimalInt(range[2] as string);
      rest = rest.slice(range[0].length);
    } else if (bit) {
      start = end = ovsScanDecimalInt(bit[1] as string);
      rest = rest.slice(bit[0].length);
    } else {
      return { ok: false, error: `${s}: syntax error expecting [] or [<bit>] or [<start>..<end>]` };
    }
  }
  if (start > end) return { ok: false, error: `${s}: starting bit ${start} is after ending bit ${end}` };
  // OVS compares the C ints with the unsigned width: a negative bit is past it.
  if (start < 0 || start >= field.nBits) {
    return { ok: false, error: `${s}: starting bit ${start} is not valid because field is only ${field.nBits} bits wide` };
  }
  if (end < 0 || end >= field.nBits) {
    return { ok: false, error: `${s}: ending bit ${end} is not valid because field is only ${field.nBits} bits wide` };
  }
  return { ok: true, sf: { field, ofs: start, nBits: end - start + 1 }, rest };
}

/** Parses a whole string as a subfield (trailing text is an error). */
export function parseSubfield(s: string): { ok: true; sf: Subfield } | { ok: false; error: string } {
  const r = parseSubfieldPrefix(s);
  if (!r.ok) return r;
  if (r.rest !== "") return { ok: false, error: "unexpected input following field syntax" };
  return { ok: true, sf: r.sf };
}

/** Formats a subfield as OVS does: `NXM_NX_REG0[0..15]`, `NXM_NX_REG0[]`, `NXM_NX_REG0[3]`. */
export function formatSubfield(sf: Subfield): string {
  const name = sf.field.nxm ?? sf.field.oxm ?? sf.field.name;
  if (sf.ofs === 0 && sf.nBits === sf.field.nBits) return `${name}[]`;
  if (sf.nBits === 1) return `${name}[${sf.ofs}]`;
  return `${name}[${sf.ofs}..${sf.ofs + sf.nBits - 1}]`;
}
