/**
 * OVS's `mf_check_src` / `mf_check_dst` for subfields that actions read or
 * write: the field's prerequisites must hold in the flow (else the actions are
 * inconsistent with the match), and a destination must be writable.
 */
import type { Subfield } from "../flowtable/subfield.js";
import { programWarn } from "../flowtable/program-log.js";
import type { FlowView } from "./flow-view.js";

/** OVS's mf_check__: logs (module meta_flow) why the subfield is refused. */
function check(sf: Subfield, flow: FlowView, type: "source" | "destination"): string | null {
  if (flow.prereqOk(sf.field.prereq)) return null;
  programWarn("meta_flow", `${type} field ${sf.field.name} lacks correct prerequisites`);
  return "OFPBAC_MATCH_INCONSISTENT";
}

export function checkSource(sf: Subfield, flow: FlowView): string | null {
  return check(sf, flow, "source");
}

export function checkDest(sf: Subfield, flow: FlowView): string | null {
  const error = check(sf, flow, "destination");
  if (error !== null || sf.field.writable) return error;
  programWarn("meta_flow", `destination field ${sf.field.name} is not writable`);
  return "OFPBAC_BAD_SET_ARGUMENT";
}
