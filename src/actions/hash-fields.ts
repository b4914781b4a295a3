/**
 * The names of OVS's `enum nx_hash_fields` (lib/flow.c `flow_hash_fields_to_str`),
 * shared by multipath and bundle: which fields of a flow their hash covers. The
 * hash itself is translation's (xlate/flow-hash-fields.ts).
 */
import type { HashFields } from "./action-types.js";

/** In OVS's NX_HASH_FIELDS_* order. */
export const HASH_FIELDS: readonly HashFields[] = [
  "eth_src",
  "symmetric_l4",
  "symmetric_l3l4",
  "symmetric_l3l4+udp",
  "nw_src",
  "nw_dst",
  "symmetric_l3",
];

/** The fields named `s` (case-insensitive, as OVS's strcasecmp), or undefined. */
export function hashFieldsOf(s: string): HashFields | undefined {
  const lower = s.toLowerCase();
  return HASH_FIELDS.find((f) => f === lower);
}
