/**
 * `delete_field:F` (OVS's NXAST_DELETE_FIELD, OFPACT_DELETE_FIELD in
 * lib/ofp-actions.c): takes a Geneve option off the packet by clearing
 * tun_metadata<N>'s present bit (tun_metadata_delete); the option's bytes
 * and the megaflow's wildcards are left alone. The field is parsed by any
 * field or NXM name (mf_parse_field), but only tun_metadata0..63 pass the
 * check (else OFPBAC_BAD_ARGUMENT). The switch names the field by its TLV
 * map like any other tun_metadata action (tun-metadata-actions.ts).
 */
import { fieldByName, fieldBySubfieldName } from "../flowtable/fields.js";
import type { ActionOp } from "./action-op.js";
import { fail } from "./action-op.js";
import type { DeleteFieldAction } from "./action-types.js";

export const deleteField: ActionOp<DeleteFieldAction> = {
  name: "delete_field",
  instruction: "apply_actions",
  parse: (arg, ctx) => {
    const field = fieldBySubfieldName(arg) ?? fieldByName(arg);
    if (field === undefined) fail(ctx, `unknown field \`${arg}'`);
    return { type: "delete_field", field };
  },
  format: (a) => `delete_field:${a.field.name}`,
  check: (a) => (a.field.tunMetadata === undefined ? "OFPBAC_BAD_ARGUMENT" : null),
  wire: (a) => [a],
};
