/**
 * Tunnel ports on br-tun (Neutron's _setup_tunnel_port,
 * _setup_tunnel_flood_flow, setup_tunnel_port, cleanup_tunnel_port,
 * tunnel_sync, tunnel_update, tunnel_delete).
 *
 * A tunnel port per (type, remote host): named `TYPE-HASH` (names.ts), with
 * the options `ovs_lib.add_tunnel_port` gives it, and a table-0 flow sending
 * what arrives on it to its type's table. `tunBrOfports[type]` remembers
 * remote IP → ofport in creation order.
 *
 * Two ways tunnels come to be:
 * - without l2population, `tunnel_sync` at start (and after an OVS restart)
 *   asks the server for every endpoint of each type and builds a port to each
 *   (file order in the oracle), then floods every local VLAN of that type to
 *   all of them; `tunnel_update` adds one later;
 * - with l2population, a port is made when the first fdb entry for its remote
 *   host arrives (l2pop.ts), and deleted (`cleanupTunnelPort`) when no
 *   network floods to it any more.
 */
import type { AgentState } from "./agent-state.js";
import type { TunnelBridge } from "./br-tun.js";
import { INVALID_OFPORT } from "./constants.js";
import { ipVersion } from "./ip.js";
import { tunnelPortName } from "./names.js";

/** _setup_tunnel_port: the port and its table-0 flow; its ofport, or 0 when it could not be made. */
export function setupTunnelPortNamed(st: AgentState, br: TunnelBridge, portName: string, remoteIp: string, tunnelType: string): number {
  const local = st.localIp;
  const lv = local === null ? null : ipVersion(local);
  const rv = ipVersion(remoteIp);
  if (lv === null || rv === null || lv !== rv) return 0;
  const ofport = br.addTunnelPort(portName, remoteIp, local!, tunnelType, st.config.vxlanUdpPort);
  if (ofport === INVALID_OFPORT) return 0;
  st.tunBrOfports.get(tunnelType)?.set(remoteIp, ofport);
  br.setupTunnelPort(tunnelType, ofport);
  return ofport;
}

/** _setup_tunnel_flood_flow: without l2pop, each local VLAN of the type floods to every tunnel of the type. */
export function setupTunnelFloodFlow(st: AgentState, br: TunnelBridge, tunnelType: string): void {
  const ofports = [...(st.tunBrOfports.get(tunnelType)?.values() ?? [])];
  if (ofports.length === 0 || st.l2Pop) return;
  for (const lvm of st.vlanManager.mappings()) {
    if (lvm.networkType === tunnelType) br.installFloodToTun(lvm.vlan, lvm.segmentationId ?? 0, ofports);
  }
}

/** setup_tunnel_port (l2population's): the port to `remoteIp` and the flood flows; its ofport, 0 on failure. */
export function setupTunnelPort(st: AgentState, br: TunnelBridge, remoteIp: string, networkType: string): number {
  const name = tunnelPortName(networkType, remoteIp);
  if (name === null) return 0;
  const ofport = setupTunnelPortNamed(st, br, name, remoteIp, networkType);
  setupTunnelFloodFlow(st, br, networkType);
  return ofport;
}

/** cleanup_tunnel_port: the tunnel goes (port and in_port flows) unless some network still floods to it. */
export function cleanupTunnelPort(st: AgentState, br: TunnelBridge, tunOfport: number | undefined, tunnelType: string): void {
  if (tunOfport === undefined) return;
  for (const lvm of st.vlanManager.mappings()) if (lvm.tunOfports.has(tunOfport)) return;
  const ports = st.tunBrOfports.get(tunnelType);
  if (ports === undefined) return;
  for (const [remoteIp, ofport] of [...ports]) {
    if (ofport !== tunOfport) continue;
    const name = tunnelPortName(tunnelType, remoteIp);
    if (name !== null) br.deletePort(name);
    br.cleanupTunnelPort(ofport);
    ports.delete(remoteIp);
  }
}

/** tunnel_sync: registers this endpoint for each tunnel type; without l2pop builds the tunnels. True when it must be retried. */
export function tunnelSync(st: AgentState): boolean {
  try {
    for (const type of st.config.tunnelTypes) {
      const details = st.plugin.tunnelSync(st.localIp ?? "", type, st.host);
      if (st.l2Pop || st.tunBr === null) continue;
      for (const t of details.tunnels) {
        if (t.ipAddress === st.localIp) continue;
        const name = tunnelPortName(type, t.ipAddress);
        if (name === null) continue;
        setupTunnelPortNamed(st, st.tunBr, name, t.ipAddress, type);
      }
      setupTunnelFloodFlow(st, st.tunBr, type);
    }
  } catch {
    return true;
  }
  return false;
}

/** tunnel_update: another agent's endpoint appeared (used without l2pop). */
export function tunnelUpdate(st: AgentState, tunnelIp: string, tunnelType: string): void {
  if (!st.enableTunneling || st.tunBr === null) return;
  if (!st.config.tunnelTypes.includes(tunnelType)) return;
  if (tunnelIp === st.localIp) return;
  const name = tunnelPortName(tunnelType, tunnelIp);
  if (name === null) return;
  if (!st.l2Pop) {
    setupTunnelPortNamed(st, st.tunBr, name, tunnelIp, tunnelType);
    setupTunnelFloodFlow(st, st.tunBr, tunnelType);
  }
}

/** tunnel_delete: another agent's endpoint went. */
export function tunnelDelete(st: AgentState, tunnelIp: string, tunnelType: string): void {
  if (!st.enableTunneling || st.tunBr === null || tunnelIp === "" || tunnelType === "") return;
  if (!st.config.tunnelTypes.includes(tunnelType)) return;
  cleanupTunnelPort(st, st.tunBr, st.tunBrOfports.get(tunnelType)?.get(tunnelIp), tunnelType);
}
