/**
 * A network segment gets its local VLAN, and its flows, when its first port
 * is bound here; both go when its last port is unbound (Neutron's
 * _add_local_vlan, provision_local_vlan, _local_vlan_for_physical,
 * reclaim_local_vlan).
 *
 * provision, by network type:
 * - vxlan / gre / geneve: br-tun t3/4/6 `tun_id=SEG` → the local VLAN, goto
 *   10; and if tunnels of that type exist already, a flood flow to ALL of
 *   them (`tun_br_ofports`, not l2pop's per-network set: l2pop rewrites it on
 *   its first flooding entry);
 * - vlan / flat on a mapped physical network: br-phys t0 p4 (local VLAN →
 *   segment) and br-int t0 p3 (segment → local VLAN);
 * - local: nothing;
 * - a network type or physical network the agent cannot serve: no flows
 *   (Neutron logs an error), the VLAN stays allocated.
 *
 * reclaim undoes it: br-tun's tun_id flow, flood, unicast and ARP responder
 * flows of the VLAN (and with l2pop the tunnel ports no other network uses),
 * or br-phys' and br-int's translation flows; then the VLAN goes back to the
 * pool.
 */
import type { AgentState } from "./agent-state.js";
import { isTunnelType, TYPE_FLAT, TYPE_LOCAL, TYPE_VLAN } from "./constants.js";
import { cleanupTunnelPort } from "./tunnels.js";
import type { LocalVlanMapping } from "./vlan-manager.js";
import { hintKey } from "./vlan-manager.js";

/** _add_local_vlan: the segment's lvm, made with a VLAN from the hints or the pool; undefined when no VLAN is left. */
export function addLocalVlan(st: AgentState, netId: string, networkType: string, physicalNetwork: string | null, segmentationId: number | null): LocalVlanMapping | undefined {
  const existing = st.vlanManager.get(netId, segmentationId);
  if (existing !== undefined) return existing;
  const lvid = st.vlanPool.take(hintKey(netId, segmentationId));
  if (lvid === undefined) return undefined;
  return st.vlanManager.add(netId, lvid, networkType, physicalNetwork, segmentationId);
}

/** _local_vlan_for_physical. */
function localVlanForPhysical(st: AgentState, lvid: number, physicalNetwork: string, segmentationId: number | null): void {
  const physBr = st.physBrs.get(physicalNetwork)!;
  physBr.provisionLocalVlan(st.physOfports.get(physicalNetwork)!, lvid, segmentationId, st.config.enableDistributedRouting);
  st.intBr.provisionLocalVlan(st.intOfports.get(physicalNetwork)!, lvid, segmentationId);
}

/** provision_local_vlan. */
export function provisionLocalVlan(st: AgentState, netId: string, networkType: string, physicalNetwork: string | null, segmentationId: number | null): void {
  const lvm = addLocalVlan(st, netId, networkType, physicalNetwork, segmentationId);
  if (lvm === undefined || lvm.vlan === 0) return;
  const lvid = lvm.vlan;
  if (isTunnelType(networkType)) {
    if (!st.enableTunneling || st.tunBr === null) return;
    const ofports = [...(st.tunBrOfports.get(networkType)?.values() ?? [])];
    if (ofports.length > 0) st.tunBr.installFloodToTun(lvid, segmentationId ?? 0, ofports);
    st.tunBr.provisionLocalVlan(networkType, lvid, segmentationId ?? 0);
  } else if (networkType === TYPE_FLAT) {
    if (physicalNetwork !== null && st.physBrs.has(physicalNetwork)) localVlanForPhysical(st, lvid, physicalNetwork, null);
  } else if (networkType === TYPE_VLAN) {
    if (physicalNetwork !== null && st.physBrs.has(physicalNetwork)) localVlanForPhysical(st, lvid, physicalNetwork, segmentationId);
  }
  // local: no flows; anything else: Neutron logs "Cannot provision unknown network type".
}

/** reclaim_local_vlan. */
export function reclaimLocalVlan(st: AgentState, netId: string, segmentationId: number | null): void {
  const lvm = st.vlanManager.pop(netId, segmentationId);
  if (lvm === undefined) return;
  if (isTunnelType(lvm.networkType)) {
    const tun = st.tunBr;
    if (st.enableTunneling && tun !== null) {
      tun.reclaimLocalVlan(lvm.networkType, lvm.segmentationId ?? 0);
      tun.deleteFloodToTun(lvm.vlan);
      tun.deleteUnicastToTun(lvm.vlan, null);
      tun.deleteArpResponder(lvm.vlan, null);
      if (st.l2Pop) for (const ofport of lvm.tunOfports) cleanupTunnelPort(st, tun, ofport, lvm.networkType);
    }
  } else if (lvm.networkType === TYPE_FLAT || lvm.networkType === TYPE_VLAN) {
    const physnet = lvm.physicalNetwork;
    const br = physnet === null ? undefined : st.physBrs.get(physnet);
    if (physnet !== null && br !== undefined) {
      br.reclaimLocalVlan(st.physOfports.get(physnet)!, lvm.vlan);
      st.intBr.reclaimLocalVlan(st.intOfports.get(physnet)!, lvm.networkType === TYPE_FLAT ? null : lvm.segmentationId);
    }
  } else if (lvm.networkType !== TYPE_LOCAL) {
    // Neutron: "Cannot reclaim unknown network type".
  }
  st.vlanPool.give(lvm.vlan);
}
