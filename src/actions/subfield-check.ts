/**
 * OVS's `mf_check_src` / `mf_check_dst` for subfields that actions read or
 * write: the field's prerequisites must hold in the flow (else the actions are
 * inconsistent with the match), and a destination must be writable.
 */
import type { Subfield } from "../flowtable/subfield.js";
import type { FlowView } from "./flow-view.js";

export function checkSource(sf: Subfield, flow: FlowView): string | null {
  return flow.prereqOk(sf.field.prereq) ? null : "OFPBAC_MATCH_INCONSISTENT";
}

export function checkDest(sf: Subfield, flow: FlowView): string | null {
  return checkSource(sf, flow) ?? (sf.field.writable ? null : "OFPBAC_BAD_SET_ARGUMENT");
}
