/**
 * Binding a VM port to its network's local VLAN and back (Neutron's
 * port_bound, port_unbound, port_alive, port_dead, _set_port_vlan,
 * _get_port_lvm_and_vif).
 *
 * - bound: the segment is provisioned on its first port; the Port gets
 *   `tag` = the local VLAN (its `vlan_mode` and `trunks` cleared) and
 *   `other_config` += `net_uuid`, `network_type`, `physical_network`
 *   (Python's str(): `None` for tunnels), `segmentation_id` (absent for flat
 *   and local), `tag` — what a restarted agent and the openvswitch firewall
 *   read back;
 * - alive: a tag other than the dead VLAN: the port's priority-2 drop goes;
 * - dead: only a port with a real tag is moved to 4095 with a priority-2
 *   drop of its in_port. A freshly plugged port that is admin-down has no
 *   tag yet (Nova plugs it untagged), so it stays untagged with no drop flow:
 *   that is what the real agent does (fixtures/cloud/admin-down);
 * - unbound: the port leaves its lvm; the last one reclaims the VLAN.
 */
import { Datum } from "../datapath/config-db-types.js";
import type { AgentState } from "./agent-state.js";
import { DEAD_VLAN_TAG, LOCAL_SWITCHING } from "./constants.js";
import { provisionLocalVlan, reclaimLocalVlan } from "./local-vlans.js";
import type { VifPort } from "./ovs-lib.js";
import type { LocalVlanMapping } from "./vlan-manager.js";

/** A Port's tag as a number, or null when untagged or gone. */
export function portTag(st: AgentState, portName: string): number | null {
  const v = st.intBr.dbGetVal("Port", portName, "tag");
  return typeof v === "number" ? v : null;
}

/** _set_port_vlan: the tag, with vlan_mode and trunks cleared, in one transaction. */
export function setPortVlan(st: AgentState, port: VifPort, vlan: number): void {
  st.sw.transact((db0) => {
    const row = db0.findByName("Port", port.portName)[0];
    if (row === undefined) return db0;
    let db = db0.set("Port", row.uuid, "tag", Datum.scalar(vlan));
    db = db.set("Port", row.uuid, "vlan_mode", Datum.EMPTY_SET);
    return db.set("Port", row.uuid, "trunks", Datum.EMPTY_SET);
  });
}

/** port_bound: false when the port's row vanished meanwhile (it then needs no binding). */
export function portBound(
  st: AgentState,
  port: VifPort,
  netId: string,
  networkType: string,
  physicalNetwork: string | null,
  segmentationId: number | null,
  provisioningNeeded: boolean,
): boolean {
  let lvm = st.vlanManager.get(netId, segmentationId);
  if (lvm === undefined || provisioningNeeded) {
    provisionLocalVlan(st, netId, networkType, physicalNetwork, segmentationId);
    lvm = st.vlanManager.get(netId, segmentationId);
  }
  if (lvm === undefined) return false;
  lvm.vifPorts.set(port.vifId, port);
  const other = st.intBr.dbGetVal("Port", port.portName, "other_config");
  if (other === null) return false;
  const mapping: Record<string, string> = {
    net_uuid: netId,
    network_type: networkType,
    physical_network: physicalNetwork === null ? "None" : physicalNetwork,
    tag: String(lvm.vlan),
  };
  if (segmentationId !== null) mapping["segmentation_id"] = String(segmentationId);
  setPortVlan(st, port, lvm.vlan);
  st.intBr.setDbAttribute("Port", port.portName, "other_config", mapping);
  return true;
}

/** port_alive: a properly tagged port loses its drop flow. */
export function portAlive(st: AgentState, port: VifPort): void {
  const tag = portTag(st, port.portName);
  if (tag !== null && tag !== DEAD_VLAN_TAG) {
    st.intBr.uninstallFlows({ strict: true, table: LOCAL_SWITCHING, priority: 2, match: `in_port=${port.ofport}` });
  }
}

/** port_dead: a tagged port goes to the dead VLAN, its traffic dropped. */
export function portDead(st: AgentState, port: VifPort): void {
  const tag = portTag(st, port.portName);
  if (tag !== null && tag !== DEAD_VLAN_TAG) {
    st.intBr.setDbAttribute("Port", port.portName, "tag", DEAD_VLAN_TAG);
    st.intBr.dropPort(port.ofport);
  }
}

/** _get_port_lvm_and_vif: the port's lvm (by its binding, or its network's first segment) and its VifPort there. */
export function portLvmAndVif(st: AgentState, vifId: string, netId?: string): { lvm: LocalVlanMapping; vif: VifPort | undefined; netId: string } | undefined {
  const found = st.vlanManager.getNetAndSegmentationId(vifId);
  let lvm: LocalVlanMapping | undefined;
  let net = netId;
  if (found !== undefined) {
    net = found.netId;
    lvm = st.vlanManager.get(found.netId, found.segmentationId);
  } else if (netId !== undefined) {
    const segs = st.vlanManager.getSegments(netId);
    lvm = segs === undefined ? undefined : [...segs.values()][0];
  }
  if (lvm === undefined || net === undefined) return undefined;
  return { lvm, vif: lvm.vifPorts.get(vifId), netId: net };
}

/** port_unbound: the port leaves its lvm; the VLAN is reclaimed with the last port. */
export function portUnbound(st: AgentState, vifId: string, netId?: string): void {
  const found = portLvmAndVif(st, vifId, netId);
  if (found === undefined) return;
  found.lvm.vifPorts.delete(vifId);
  if (found.lvm.vifPorts.size === 0) reclaimLocalVlan(st, found.netId, found.lvm.segmentationId);
}
