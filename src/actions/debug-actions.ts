/**
 * OVS's debugging actions `debug_recirc` and `debug_slow` (NXAST_RAW_DEBUG_RECIRC,
 * NXAST_RAW_DEBUG_SLOW in lib/ofp-actions.c): no argument, no check, encoded as
 * Nicira vendor actions 255 and 254 in every OpenFlow version. OVS documents them
 * as "intentionally undocumented" and accepts them only with --enable-dummy, which
 * a simulated switch always is.
 *
 * Translation (xlate-actions.ts): debug_recirc freezes translation there, as a
 * ct(table=...) does, so the actions after it run after a `recirc(N)`;
 * debug_slow marks the translation SLOW_ACTION, so the datapath flow sends every
 * packet to the userspace slow path.
 */
import type { ActionOp } from "./action-op.js";
import type { DebugRecircAction, DebugSlowAction } from "./action-types.js";

export const debugRecirc: ActionOp<DebugRecircAction> = {
  name: "debug_recirc",
  instruction: "apply_actions",
  parse: () => ({ type: "debug_recirc" }),
  format: () => "debug_recirc",
  check: () => null,
  wire: (a) => [a],
};

export const debugSlow: ActionOp<DebugSlowAction> = {
  name: "debug_slow",
  instruction: "apply_actions",
  parse: () => ({ type: "debug_slow" }),
  format: () => "debug_slow",
  check: () => null,
  wire: (a) => [a],
};
