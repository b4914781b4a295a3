/**
 * The bridges as the agent sets them up at start and again after OVS lost
 * its flows (Neutron's setup_integration_br, setup_physical_bridges,
 * setup_tunnel_br, setup_tunnel_br_flows):
 *
 * - br-int: `add-br --may-exist` (datapath system, OpenFlow 1.0/1.3/1.4,
 *   `mac-table-size`), fail_mode secure, the controller, IGMP snooping off
 *   (`mcast_snooping_enable=false`,
 *   `other_config:mcast-snooping-disable-flood-unregistered=false`), the
 *   default flows;
 * - each mapped physical bridge (it must exist: the operator made it): the
 *   same settings, NORMAL, and the patch pair `int-<br>` / `phy-<br>` made
 *   first with the peer `nonexistent-peer`, both ends given a drop flow, and
 *   only then pointed at each other (no traffic passes before the drops are
 *   in). A new `PhysicalBridge` object each time, hence a new cookie;
 * - br-tun (tunnel types configured): created secure, the patch pair
 *   `int_peer_patch_port` / `tun_peer_patch_port`, snooping flood off on the
 *   br-int side, then br-tun's default flows. br-int's and br-tun's bridge
 *   objects are kept across an OVS restart (same cookies).
 *
 * Ofports therefore come out as Neutron's: on br-int the `int-*` patches
 * 1.. in mapping order, then the tunnel patch, then VM ports; on br-tun the
 * patch is 1 and tunnels follow.
 */
import type { AgentState } from "./agent-state.js";
import { PhysicalBridge } from "./br-phys.js";
import { TunnelBridge } from "./br-tun.js";
import { INVALID_OFPORT, NONEXISTENT_PEER, PEER_INTEGRATION_PREFIX, PEER_PHYSICAL_PREFIX } from "./constants.js";
import { interfaceName } from "./names.js";

/** The agent cannot run (Neutron exits 1): a mapped bridge is missing, a patch port failed. */
export class AgentSetupError extends Error {
  readonly code = "AGENT_SETUP";
}

/** setup_integration_br. */
export function setupIntegrationBr(st: AgentState): void {
  const br = st.intBr;
  br.create();
  br.setSecureMode();
  br.setupControllers();
  br.setIgmpSnoopingState(false);
  br.setupDefaultTable();
}

/** setup_physical_bridges for the given physical network → bridge mappings. */
export function setupPhysicalBridges(st: AgentState, mappings: Readonly<Record<string, string>>): void {
  const existing = new Set(st.sw.bridgeNames());
  for (const [physnet, bridge] of Object.entries(mappings)) {
    if (!existing.has(bridge)) throw new AgentSetupError(`Bridge ${bridge} for physical network ${physnet} does not exist. Agent terminated!`);
    const br = new PhysicalBridge(st.sw, bridge, st.random, st.config.datapathType);
    br.create();
    br.setSecureMode();
    br.setupControllers();
    br.setupDefaultTable();
    st.physBrs.set(physnet, br);

    const intIfName = interfaceName(bridge, PEER_INTEGRATION_PREFIX);
    const physIfName = interfaceName(bridge, PEER_PHYSICAL_PREFIX);
    const intOfport = st.intBr.portExists(intIfName) ? st.intBr.getPortOfport(intIfName) : st.intBr.addPatchPort(intIfName, NONEXISTENT_PEER);
    st.intBr.setIgmpSnoopingFlood(intIfName, false);
    const physOfport = br.portExists(physIfName) ? br.getPortOfport(physIfName) : br.addPatchPort(physIfName, NONEXISTENT_PEER);
    st.intOfports.set(physnet, intOfport);
    st.physOfports.set(physnet, physOfport);

    st.intBr.dropPort(intOfport);
    if (!st.config.enableDistributedRouting) br.dropPort(physOfport);

    st.intBr.setDbAttribute("Interface", intIfName, "options", { peer: physIfName });
    br.setDbAttribute("Interface", physIfName, "options", { peer: intIfName });
  }
}

/** setup_tunnel_br: br-tun and its patch pair with br-int. */
export function setupTunnelBr(st: AgentState): void {
  if (st.tunBr === null) st.tunBr = new TunnelBridge(st.sw, st.config.tunnelBridge, st.random, st.config.datapathType);
  const tun = st.tunBr;
  tun.create(true);
  tun.setupControllers();
  const intPeer = st.config.intPeerPatchPort;
  const tunPeer = st.config.tunPeerPatchPort;
  if (!st.intBr.portExists(intPeer) || st.patchTunOfport === INVALID_OFPORT) st.patchTunOfport = st.intBr.addPatchPort(intPeer, tunPeer);
  if (!tun.portExists(tunPeer) || st.patchIntOfport === INVALID_OFPORT) st.patchIntOfport = tun.addPatchPort(tunPeer, intPeer);
  if (st.patchTunOfport === INVALID_OFPORT || st.patchIntOfport === INVALID_OFPORT) {
    throw new AgentSetupError("Failed to create OVS patch port. Cannot have tunneling enabled on this agent, since this version of OVS does not support tunnels or patch ports. Agent terminated!");
  }
  st.intBr.setIgmpSnoopingFlood(intPeer, false);
}

/** setup_tunnel_br_flows. */
export function setupTunnelBrFlows(st: AgentState): void {
  st.tunBr?.setupDefaultTable(st.patchIntOfport, st.arpResponderEnabled);
}
