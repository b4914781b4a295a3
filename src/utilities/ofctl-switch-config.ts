/**
 * `ovs-ofctl probe`, `get-frags` and `set-frags`: an echo request, and the
 * fragment handling of the switch configuration (OFPT_GET_CONFIG /
 * OFPT_SET_CONFIG). ofproto-dpif supports "normal", "drop" and "nx-match";
 * it refuses "reassemble", which ovs-ofctl notices on reading the
 * configuration back.
 */
import type { FragHandling } from "../actions/xlate/xlate-bridge.js";
import type { Bridge } from "../datapath/bridge.js";
import type { CommandResult } from "./command-result.js";
import { failure, output } from "./command-result.js";

const MODES = ["normal", "drop", "reassemble", "nx-match"] as const;

/** `probe SWITCH`: the switch answers the echo request; nothing is printed. */
export function probe(): CommandResult {
  return output([]);
}

/** `get-frags SWITCH`. */
export function getFrags(br: Bridge): CommandResult {
  return output([br.fragHandling]);
}

/** `set-frags SWITCH MODE` (MODE in any case). */
export function setFrags(br: Bridge, text: string): CommandResult {
  const mode = MODES.find((m) => m === text.toLowerCase());
  if (mode === undefined) return failure(`ovs-ofctl: ${text}: unknown fragment handling mode`);
  if (mode === "reassemble") {
    return failure(`ovs-ofctl: ${br.name}: setting fragment handling mode failed (this switch probably doesn't support mode "${mode}")`);
  }
  br.fragHandling = mode satisfies FragHandling;
  return output([]);
}
