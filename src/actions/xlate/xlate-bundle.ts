/**
 * Translation of `bundle` / `bundle_load` (OVS's lib/bundle.c
 * `bundle_execute` with ofproto-dpif-xlate's `member_enabled_cb`): choose one
 * live member port.
 *
 * - active_backup: the first live member, in the order written; nothing is
 *   hashed, so the megaflow does not depend on the packet.
 * - hrw: the live member i with the largest hash_2words(i, flow hash), the
 *   flow hash covering the action's fields (un-wildcarded only when there is
 *   more than one member).
 * - Live: reserved ports that are not CONTROLLER (IN_PORT, TABLE, NORMAL,
 *   FLOOD, ALL, NONE) always; CONTROLLER never; any other port when the
 *   bridge has it and it may be enabled (its link is up: not
 *   `mod-port ... down`, not administratively down).
 * - No live member: OFPP_NONE (bundle outputs nothing; bundle_load loads
 *   0xffff).
 */
import { hashInt } from "../../flowtable/hash.js";
import { OFPP_ALL, OFPP_CONTROLLER, OFPP_FLOOD, OFPP_IN_PORT, OFPP_NONE, OFPP_NORMAL, OFPP_TABLE } from "../../flowtable/ports.js";
import type { BundleAction } from "../action-types.js";
import { flowHashFields, flowMaskHashFields } from "./flow-hash-fields.js";
import type { XlateBridge } from "./xlate-bridge.js";

/** OVS's member_enabled_cb. */
export function memberEnabled(bridge: XlateBridge, port: number): boolean {
  switch (port) {
    case OFPP_IN_PORT:
    case OFPP_TABLE:
    case OFPP_NORMAL:
    case OFPP_FLOOD:
    case OFPP_ALL:
    case OFPP_NONE:
      return true;
    case OFPP_CONTROLLER:
      return false;
    default: {
      const p = bridge.port(port);
      return p !== undefined && p.mayEnable !== false;
    }
  }
}

/** OVS's bundle_execute: the chosen member, or OFPP_NONE. */
export function bundleExecute(a: BundleAction, flow: Uint32Array, wc: Uint32Array, enabled: (port: number) => boolean): number {
  if (a.algorithm === "active_backup") {
    for (const m of a.members) if (enabled(m)) return m;
    return OFPP_NONE;
  }
  if (a.members.length > 1) flowMaskHashFields(flow, wc, a.fields);
  const flowHash = flowHashFields(flow, a.fields, a.basis);
  let best = -1;
  let bestHash = 0;
  for (let i = 0; i < a.members.length; i++) {
    if (!enabled(a.members[i] as number)) continue;
    const h = hashInt(i, flowHash);
    if (best < 0 || h > bestHash) {
      best = i;
      bestHash = h;
    }
  }
  return best < 0 ? OFPP_NONE : (a.members[best] as number);
}
