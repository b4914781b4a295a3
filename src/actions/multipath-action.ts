/**
 * `multipath(fields, basis, algorithm, n_links, arg, dst)` (NXAST_MULTIPATH,
 * OVS's lib/multipath.c): parse, print and check. The link choice is
 * translation's (xlate/xlate-multipath.ts).
 *
 * Parsing follows `multipath_parse__`: six tokens split at commas and spaces
 * (`strtok_r`), `atoi` for the numbers (so `basis` and `arg` wrap as the
 * uint16 / uint32 OVS stores them in), n_links 1..65536, and a destination
 * wide enough for n_links values.
 */
import { formatSubfield, parseSubfield } from "../flowtable/subfield.js";
import type { ActionOp } from "./action-op.js";
import { fail } from "./action-op.js";
import type { MultipathAction } from "./action-types.js";
import { hashFieldsOf } from "./hash-fields.js";
import { atoi } from "./parse-util.js";
import { checkDest } from "./subfield-check.js";

const ALGORITHMS: readonly MultipathAction["algorithm"][] = ["modulo_n", "hash_threshold", "hrw", "iter_hash"];

/** C's `strtok_r(s, ", ")` tokens. */
function strtokCommaSpace(s: string): string[] {
  return s.split(/[, ]+/).filter((t) => t !== "");
}

export const multipath: ActionOp<MultipathAction> = {
  name: "multipath",
  instruction: "apply_actions",
  parse: (arg, ctx) => {
    const t = strtokCommaSpace(arg);
    const [fieldsText, basis, algorithmText, nLinksText, argText, dstText] = t;
    if (dstText === undefined || fieldsText === undefined || basis === undefined || algorithmText === undefined || nLinksText === undefined || argText === undefined) {
      fail(ctx, `${arg}: not enough arguments to multipath action`);
    }
    const fields = hashFieldsOf(fieldsText);
    if (fields === undefined) fail(ctx, `${arg}: unknown fields \`${fieldsText}'`);
    const algorithm = ALGORITHMS.find((a) => a === algorithmText.toLowerCase());
    if (algorithm === undefined) fail(ctx, `${arg}: unknown algorithm \`${algorithmText}'`);
    const nLinks = atoi(nLinksText);
    if (nLinks < 1 || nLinks > 65536) fail(ctx, `${arg}: n_links ${nLinks} is not in valid range 1 to 65536`);
    const sf = parseSubfield(dstText);
    if (!sf.ok) fail(ctx, sf.error);
    if (sf.sf.field.nxm === null && sf.sf.field.oxm === null) fail(ctx, `${arg}: experimenter OXM field '${dstText}' not supported`);
    const nBits = sf.sf.nBits;
    if (nBits < 16 && nLinks > 2 ** nBits) {
      fail(ctx, `${arg}: ${nBits}-bit destination field has ${2 ** nBits} possible values, less than specified n_links ${nLinks}`);
    }
    return {
      type: "multipath",
      fields,
      basis: atoi(basis) & 0xffff,
      algorithm,
      maxLink: nLinks - 1,
      arg: atoi(argText) >>> 0,
      dst: sf.sf,
    };
  },
  format: (a) => `multipath(${a.fields},${a.basis},${a.algorithm},${a.maxLink + 1},${a.arg},${formatSubfield(a.dst)})`,
  check: (a, ctx) => checkDest(a.dst, ctx.flow),
  wire: (a) => [a],
};
