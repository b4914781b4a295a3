/**
 * `explicitly_egress_direct` with a firewall that is not OpenFlow-based
 * (noop, or security groups off): traffic to a local port is output to it
 * directly instead of NORMAL, and a port's unicast traffic is sent straight
 * to its network's patch port (Neutron's install_ingress_direct_goto_flows,
 * install_accepted_egress_direct_flow, delete_accepted_egress_direct_flow).
 * With the openvswitch firewall the firewall does this itself (table 94).
 *
 *   t60 p4  in_port=<each int-* patch, the tunnel patch> → 61   (native)
 *   t61 p0  → 62                                                  (native)
 *   per port, as ovs-ofctl text (ovs_lib add_flow in a deferred batch):
 *   t60 p9  in_port,dl_src=MAC → reg6=LVID, resubmit(,61)
 *   t61 p12 dl_vlan=LVID,dl_dst=MAC → strip_vlan, output PORT
 *   t61 p12 reg6=LVID,dl_dst=MAC → output PORT
 *   t62 p10 in_port,dl_src=MAC,dl_dst=unicast → mod_vlan_vid:LVID, output
 *           the tunnel patch (tunnel networks) or int-<br> (VLAN networks)
 */
import type { AgentState } from "./agent-state.js";
import { isTunnelType, LOCAL_MAC_DIRECT, PEER_INTEGRATION_PREFIX, TRANSIENT_EGRESS_TABLE, TRANSIENT_TABLE, TYPE_VLAN } from "./constants.js";
import { interfaceName } from "./names.js";
import type { VifPort } from "./ovs-lib.js";
import { ownValue } from "./own.js";
import type { DeviceDetails } from "./rpc.js";

/** direct_for_non_openflow_firewall. */
export function directForNonOpenflowFirewall(st: AgentState): boolean {
  return st.noopFirewallOrDisabled && st.config.explicitlyEgressDirect;
}

/** install_ingress_direct_goto_flows. */
export function installIngressDirectGotoFlows(st: AgentState): void {
  if (!directForNonOpenflowFirewall(st)) return;
  for (const physnet of Object.keys(st.config.bridgeMappings)) {
    const ofport = st.intOfports.get(physnet);
    if (ofport !== undefined) st.intBr.installGoto(LOCAL_MAC_DIRECT, { table: TRANSIENT_TABLE, priority: 4, match: `in_port=${ofport}` });
  }
  if (st.enableTunneling) st.intBr.installGoto(LOCAL_MAC_DIRECT, { table: TRANSIENT_TABLE, priority: 4, match: `in_port=${st.patchTunOfport}` });
  st.intBr.installGoto(TRANSIENT_EGRESS_TABLE, { table: LOCAL_MAC_DIRECT });
}

/** install_accepted_egress_direct_flow (inside the caller's deferred batch). */
export function installAcceptedEgressDirectFlow(st: AgentState, details: DeviceDetails, vif: VifPort): void {
  const lvm = st.vlanManager.get(details.networkId, details.segmentationId);
  if (lvm === undefined) return;
  const br = st.intBr;
  const mac = details.macAddress;
  br.ofctlAddFlow({ table: TRANSIENT_TABLE, priority: 9, in_port: vif.ofport, dl_src: mac, actions: `set_field:${lvm.vlan}->reg6,resubmit(,${LOCAL_MAC_DIRECT})` });
  br.ofctlAddFlow({ table: LOCAL_MAC_DIRECT, priority: 12, dl_vlan: lvm.vlan, dl_dst: mac, actions: `strip_vlan,output:${vif.ofport}` });
  br.ofctlAddFlow({ table: LOCAL_MAC_DIRECT, priority: 12, reg6: lvm.vlan, dl_dst: mac, actions: `output:${vif.ofport}` });
  let patch: number | null = null;
  if (isTunnelType(lvm.networkType)) patch = br.getPortOfport(st.config.intPeerPatchPort);
  else if (lvm.networkType === TYPE_VLAN) {
    const bridge = lvm.physicalNetwork === null ? undefined : ownValue(st.config.bridgeMappings, lvm.physicalNetwork);
    if (bridge === undefined) return; // Neutron: get_interface_name(None) raises; the port's remaining flow is not written
    patch = br.getPortOfport(interfaceName(bridge, PEER_INTEGRATION_PREFIX));
  }
  if (patch !== null) {
    br.ofctlAddFlow({
      table: TRANSIENT_EGRESS_TABLE,
      priority: 10,
      dl_src: mac,
      dl_dst: "00:00:00:00:00:00/01:00:00:00:00:00",
      in_port: vif.ofport,
      actions: `mod_vlan_vid:${lvm.vlan},output:${patch}`,
    });
  }
}

/** delete_accepted_egress_direct_flow. */
export function deleteAcceptedEgressDirectFlow(st: AgentState, ofport: number, mac: string, vlan: number): void {
  if (!directForNonOpenflowFirewall(st)) return;
  const br = st.intBr;
  br.ofctlDeleteFlows({ table: TRANSIENT_TABLE, in_port: ofport, dl_src: mac });
  br.ofctlDeleteFlows({ table: LOCAL_MAC_DIRECT, dl_vlan: vlan, dl_dst: mac });
  br.ofctlDeleteFlows({ table: LOCAL_MAC_DIRECT, reg6: vlan, dl_dst: mac });
  br.ofctlDeleteFlows({ table: TRANSIENT_EGRESS_TABLE, dl_src: mac, in_port: ofport });
}
