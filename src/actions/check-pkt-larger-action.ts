/**
 * `check_pkt_larger(N)->dst` (NXAST_CHECK_PKT_LARGER, OVS's
 * `parse_CHECK_PKT_LARGER` / `format_CHECK_PKT_LARGER`): parse and print.
 * The action text arrives as `N)->dst` (ofputil_parse_key_value keeps the
 * `->dst` that follows the parenthesis). Translation forks the rest of the
 * actions on the packet length (xlate/xlate-check-pkt-larger.ts).
 */
import { formatSubfield, parseSubfield } from "../flowtable/subfield.js";
import type { ActionOp } from "./action-op.js";
import { fail } from "./action-op.js";
import type { CheckPktLargerAction } from "./action-types.js";
import { strToU16 } from "./parse-util.js";

export const checkPktLarger: ActionOp<CheckPktLargerAction> = {
  name: "check_pkt_larger",
  instruction: "apply_actions",
  parse: (arg, ctx) => {
    // OVS's set_field_split_str.
    const at = arg.indexOf("->");
    if (at < 0) fail(ctx, `${arg}: missing \`->'`);
    if (arg.length - at <= 2) fail(ctx, `${arg}: missing field name following \`->'`);
    const value = arg.slice(0, at).replace(/\)$/, "");
    const sf = parseSubfield(arg.slice(at + 2));
    if (!sf.ok) fail(ctx, sf.error);
    if (sf.sf.nBits !== 1) fail(ctx, "Only 1-bit destination field is allowed");
    // OVS passes no name to str_to_u16, and its message prints "(null)".
    return { type: "check_pkt_larger", pktLen: strToU16(ctx, value, "(null)"), dst: sf.sf };
  },
  format: (a) => `check_pkt_larger(${a.pktLen})->${formatSubfield(a.dst)}`,
  check: () => null,
  wire: (a) => [a],
};
