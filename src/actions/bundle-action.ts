/**
 * `bundle(fields, basis, algorithm, ofport, members:P,...)` and
 * `bundle_load(fields, basis, algorithm, ofport, dst, members:P,...)`
 * (NXAST_BUNDLE / NXAST_BUNDLE_LOAD, OVS's lib/bundle.c): parse, print and
 * check. Choosing a live member is translation's (xlate/xlate-bundle.ts).
 *
 * Parsing follows `bundle_parse__`: the leading tokens split at commas and
 * spaces, the member delimiter at `:` or space (`members` or the old
 * `slaves`), then member ports split at commas, spaces and brackets, at most
 * BUNDLE_MAX_MEMBERS. The ofpact is one type; `dst` tells the two apart.
 */
import { OFPP_CONTROLLER, OFPP_NONE, formatPort, parsePort } from "../flowtable/ports.js";
import type { Subfield } from "../flowtable/subfield.js";
import { formatSubfield, parseSubfield } from "../flowtable/subfield.js";
import type { ActionOp, ParseContext } from "./action-op.js";
import { WireDecodeError, fail } from "./action-op.js";
import type { BundleAction } from "./action-types.js";
import { hashFieldsOf } from "./hash-fields.js";
import { checkOutputPort } from "./output-actions.js";
import { atoi } from "./parse-util.js";
import { checkDest } from "./subfield-check.js";
import { programWarn } from "../flowtable/program-log.js";

/** OVS's BUNDLE_MAX_MEMBERS: members past it are ignored. */
const BUNDLE_MAX_MEMBERS = 2048;

/** A C `strtok_r` over `s` with changing delimiter sets. */
class Tokens {
  private at = 0;
  constructor(private readonly s: string) {}
  next(delims: string): string | undefined {
    const s = this.s;
    while (this.at < s.length && delims.includes(s[this.at] as string)) this.at++;
    if (this.at >= s.length) return undefined;
    const start = this.at;
    while (this.at < s.length && !delims.includes(s[this.at] as string)) this.at++;
    const tok = s.slice(start, this.at);
    if (this.at < s.length) this.at++;
    return tok;
  }
}

function parseBundle(arg: string, ctx: ParseContext, load: boolean): BundleAction {
  const t = new Tokens(arg);
  const fieldsText = t.next(", ");
  const basis = t.next(", ");
  const algorithmText = t.next(", ");
  const memberType = t.next(", ");
  const dstText = load ? t.next(", ") : undefined;
  const delim = t.next(": ");
  if (delim === undefined || fieldsText === undefined || basis === undefined || algorithmText === undefined || memberType === undefined) {
    fail(ctx, `${arg}: not enough arguments to bundle action`);
  }
  const lowerDelim = delim.toLowerCase();
  if (lowerDelim !== "members" && lowerDelim !== "slaves") {
    fail(ctx, `${arg}: missing member delimiter, expected \`members', got \`${delim}'`);
  }
  const members: number[] = [];
  for (let m = t.next(", []"); m !== undefined && members.length < BUNDLE_MAX_MEMBERS; m = t.next(", []")) {
    const port = parsePort(m, ctx.names);
    if (port === undefined) fail(ctx, `${m}: bad port number`);
    members.push(port);
  }
  const fields = hashFieldsOf(fieldsText);
  if (fields === undefined) fail(ctx, `${arg}: unknown fields \`${fieldsText}'`);
  const lowerAlg = algorithmText.toLowerCase();
  if (lowerAlg !== "active_backup" && lowerAlg !== "hrw") fail(ctx, `${arg}: unknown algorithm \`${algorithmText}'`);
  if (memberType.toLowerCase() !== "ofport") fail(ctx, `${arg}: unknown member_type \`${memberType}'`);
  let dst: Subfield | null = null;
  if (dstText !== undefined) {
    const sf = parseSubfield(dstText);
    if (!sf.ok) fail(ctx, sf.error);
    if (sf.sf.field.nxm === null && sf.sf.field.oxm === null) fail(ctx, `${arg}: experimenter OXM field '${dstText}' not supported`);
    dst = sf.sf;
  }
  return { type: "bundle", fields, basis: atoi(basis) & 0xffff, algorithm: lowerAlg, members, dst };
}

/** `bundle_load(...)`, which OVS parses into the same ofpact as `bundle(...)`. */
export function parseBundleLoad(arg: string, ctx: ParseContext): BundleAction {
  return parseBundle(arg, ctx, true);
}

export const bundle: ActionOp<BundleAction> = {
  name: "bundle",
  instruction: "apply_actions",
  parse: (arg, ctx) => parseBundle(arg, ctx, false),
  format: (a, ctx) => {
    const name = a.dst === null ? "bundle" : "bundle_load";
    const dst = a.dst === null ? "" : `${formatSubfield(a.dst)},`;
    const members = a.members.map((p) => formatPort(p, ctx.names)).join(",");
    return `${name}(${a.fields},${a.basis},${a.algorithm},ofport,${dst}members:${members})`;
  },
  // OVS's bundle_check.
  check: (a, ctx) => {
    if (a.dst !== null) {
      const e = checkDest(a.dst, ctx.flow);
      if (e !== null) return e;
    }
    for (const port of a.members) {
      if (port !== OFPP_NONE) {
        const e = checkOutputPort(port);
        if (e !== null) {
          programWarn("bundle", `invalid member ${port}`);
          return e;
        }
      }
      if (port === OFPP_CONTROLLER) {
        programWarn("bundle", "unsupported controller member");
        return "OFPBAC_BAD_OUT_PORT";
      }
    }
    return null;
  },
  // The switch's decode_bundle refuses a bundle_load into fewer than 16 bits.
  wire: (a) => {
    if (a.dst !== null && a.dst.nBits < 16) throw new WireDecodeError("OFPBAC_BAD_ARGUMENT");
    return [a];
  },
};
