/**
 * What one loop iteration does with the ports its scan found
 * (Neutron's process_network_ports and what it calls:
 * treat_devices_added_or_updated, treat_vif_port,
 * process_install_ports_egress_flows, securitygroups_rpc
 * setup_port_filters, _bind_devices, treat_devices_removed,
 * treat_devices_skipped), in Neutron's order:
 *
 *   1. the server's details of the added and updated devices; each one on
 *      br-int is bound (admin up: local VLAN, tag, other_config, its drop
 *      flow gone) or put dead (admin down: reported down at once);
 *   2. the egress-direct flows of the bound ports (one deferred batch);
 *   3. the firewall: new devices filtered, updated ones refreshed;
 *   4. `_bind_devices`: anti-spoofing (noop firewall), the tag checked, the
 *      bound ports reported up (down when admin-down) with
 *      `refresh_tunnels` at iteration 0 or when a tunnel network has no
 *      flood tunnel yet;
 *   5. removed devices: filters removed, reported down, egress-direct flows
 *      deleted, unbound (their network's VLAN reclaimed with the last);
 *   6. devices the server described but br-int does not have: reported down.
 * It returns the devices that failed (retried by the loop).
 */
import type { AgentState } from "./agent-state.js";
import { DEAD_VLAN_TAG, INVALID_OFPORT, isTunnelType } from "./constants.js";
import { deleteAcceptedEgressDirectFlow, directForNonOpenflowFirewall, installAcceptedEgressDirectFlow } from "./egress-direct.js";
import type { FirewallDriver } from "./firewall-driver.js";
import type { VifPort } from "./ovs-lib.js";
import { tagOf } from "./ovs-lib.js";
import { portAlive, portBound, portDead, portLvmAndVif, portUnbound } from "./port-binding.js";
import type { DeviceDetails } from "./rpc.js";
import { setupArpSpoofingProtection } from "./spoofing.js";

/** PortInfo: what a port scan found, by Neutron port id. */
export interface PortInfo {
  current: Set<string>;
  added: Set<string>;
  removed: Set<string>;
  updated: Set<string>;
}

export interface FailedDevices {
  added: Set<string>;
  removed: Set<string>;
}

/** network_ports: network → segment → the ids of its ports here (network_update re-processes them). */
export class NetworkPorts {
  private readonly byNetwork = new Map<string, Map<number | null, Set<string>>>();

  /** _clean_network_ports. */
  clean(portId: string): void {
    for (const segs of this.byNetwork.values()) {
      for (const ports of segs.values()) if (ports.delete(portId)) return;
    }
  }

  /** _update_port_network. */
  update(portId: string, networkId: string, segmentationId: number | null): void {
    this.clean(portId);
    let segs = this.byNetwork.get(networkId);
    if (segs === undefined) {
      segs = new Map();
      this.byNetwork.set(networkId, segs);
    }
    let ports = segs.get(segmentationId);
    if (ports === undefined) {
      ports = new Set();
      segs.set(segmentationId, ports);
    }
    ports.add(portId);
  }

  *portsOf(networkId: string): IterableIterator<string> {
    for (const ports of this.byNetwork.get(networkId)?.values() ?? []) yield* ports;
  }
}

/** What device processing needs besides the agent's state. */
export interface DeviceContext {
  readonly st: AgentState;
  readonly firewall: FirewallDriver;
  /** prevent_arp_spoofing: the firewall does not protect against spoofing, the agent does. */
  readonly preventArpSpoofing: boolean;
  /** The server's last details of each device (the firewall's refresh takes them). */
  readonly details: Map<string, DeviceDetails>;
  readonly networkPorts: NetworkPorts;
}

/** A device treated in this iteration: its details and VIF. */
interface BoundDevice {
  readonly details: DeviceDetails;
  readonly vif: VifPort;
}

const union = <T>(a: Iterable<T>, b: Iterable<T>): Set<T> => new Set([...a, ...b]);
export const minus = <T>(a: Iterable<T>, b: ReadonlySet<T>): Set<T> => new Set([...a].filter((x) => !b.has(x)));

/** process_network_ports. */
export function processNetworkPorts(ctx: DeviceContext, info: PortInfo, provisioningNeeded: boolean): FailedDevices {
  const failed: FailedDevices = { added: new Set(), removed: new Set() };
  const addedUpdated = union(info.added, info.updated);
  let skipped = new Set<string>();
  let needBinding: BoundDevice[] = [];
  let notInDatapath = new Set<string>();
  if (addedUpdated.size > 0) {
    const r = treatDevicesAddedOrUpdated(ctx, [...addedUpdated], provisioningNeeded);
    skipped = r.skipped;
    needBinding = r.needBinding;
    failed.added = r.failed;
    notInDatapath = r.notInDatapath;
    info.current = minus(info.current, skipped);
  }
  const addedPorts = minus(info.added, skipped);
  processInstallPortsEgressFlows(ctx.st, needBinding);
  setupPortFilters(ctx, minus(addedPorts, notInDatapath), info.updated);
  for (const f of bindDevices(ctx, needBinding)) failed.added.add(f);
  if (info.removed.size > 0) for (const f of treatDevicesRemoved(ctx, [...info.removed])) failed.removed.add(f);
  if (skipped.size > 0) ctx.st.reportDevices([], [...skipped], false);
  return failed;
}

/** treat_devices_added_or_updated. */
function treatDevicesAddedOrUpdated(ctx: DeviceContext, devices: string[], provisioningNeeded: boolean) {
  const st = ctx.st;
  const skipped = new Set<string>();
  const needBinding: BoundDevice[] = [];
  const notInDatapath = new Set<string>();
  const answer = st.plugin.getDevicesDetailsListAndFailedDevices(devices, st.agentId, st.host);
  const failed = new Set(answer.failedDevices);
  const vifs = st.intBr.getVifsByIds(answer.devices.map((d) => d.device));
  for (const details of answer.devices) {
    const port = vifs.get(details.device) ?? null;
    if (port === null) {
      skipped.add(details.device);
      continue;
    }
    ctx.details.set(details.device, details);
    if (port.ofport === 0 || port.ofport === INVALID_OFPORT) notInDatapath.add(details.device);
    if (treatVifPort(st, port, details, provisioningNeeded)) needBinding.push({ details, vif: port });
    ctx.networkPorts.update(details.portId, details.networkId, details.segmentationId);
  }
  return { skipped, needBinding, failed, notInDatapath };
}

/** treat_vif_port: bind an admin-up port; an admin-down one goes dead and is reported down. */
function treatVifPort(st: AgentState, port: VifPort, d: DeviceDetails, provisioningNeeded: boolean): boolean {
  if (d.adminStateUp) {
    const needs = portBound(st, port, d.networkId, d.networkType, d.physicalNetwork, d.segmentationId, provisioningNeeded);
    portAlive(st, port);
    return needs;
  }
  portDead(st, port);
  // update_device_down: the RPC contract has update_device_list only; a down report is the same to the server.
  st.reportDevices([], [d.portId], false);
  return false;
}

/** process_install_ports_egress_flows: one deferred batch of egress-direct flows. */
function processInstallPortsEgressFlows(st: AgentState, ports: readonly BoundDevice[]): void {
  if (!directForNonOpenflowFirewall(st)) return;
  st.intBr.deferred(
    () => {
      for (const p of ports) {
        try {
          installAcceptedEgressDirectFlow(st, p.details, p.vif);
        } catch {
          // Neutron: "Failed to install accepted egress flows for port" (debug)
        }
      }
    },
    { fullOrdered: true },
  );
}

/** securitygroups_rpc setup_port_filters: new devices filtered, updated ones refreshed. */
function setupPortFilters(ctx: DeviceContext, newDevices: ReadonlySet<string>, updatedDevices: ReadonlySet<string>): void {
  const detailsOf = (ids: Iterable<string>): DeviceDetails[] => [...ids].map((id) => ctx.details.get(id)).filter((d): d is DeviceDetails => d !== undefined);
  if (newDevices.size > 0) ctx.firewall.prepareDevicesFilter(detailsOf(newDevices));
  const refresh = minus(updatedDevices, newDevices);
  if (refresh.size > 0) ctx.firewall.refreshFirewall(detailsOf(refresh));
}

/** _bind_devices: anti-spoofing, the tag, and the up/down report; the failed devices. */
function bindDevices(ctx: DeviceContext, devices: readonly BoundDevice[]): string[] {
  const st = ctx.st;
  const up: string[] = [];
  const down: string[] = [];
  let tunnelsMissing = false;
  for (const { details, vif } of devices) {
    const lvm = st.vlanManager.get(details.networkId, details.segmentationId);
    if (lvm === undefined) continue;
    const curTagRaw = st.intBr.dbGetVal("Port", vif.portName, "tag");
    if (curTagRaw === null) continue; // deleted concurrently
    const curTag = tagOf(curTagRaw);
    if (ctx.preventArpSpoofing) setupArpSpoofingProtection(st.intBr, vif, details);
    if (curTag !== lvm.vlan) {
      st.intBr.setDbAttribute("Port", vif.portName, "tag", lvm.vlan);
      if (curTag === DEAD_VLAN_TAG && vif.ofport !== INVALID_OFPORT) {
        st.intBr.clearDbAttribute("Port", vif.portName, "vlan_mode");
        st.intBr.clearDbAttribute("Port", vif.portName, "trunks");
      }
    }
    if (details.adminStateUp) {
      up.push(details.device);
      if (!tunnelsMissing && isTunnelType(lvm.networkType) && lvm.tunOfports.size === 0) tunnelsMissing = true;
    } else down.push(details.device);
  }
  if (up.length === 0 && down.length === 0) return [];
  const r = st.reportDevices(up, down, st.iterNum === 0 || tunnelsMissing);
  return [...r.failedUp, ...r.failedDown];
}

/** treat_devices_removed: filters removed, reported down, egress-direct flows deleted, ports unbound. */
function treatDevicesRemoved(ctx: DeviceContext, devices: readonly string[]): readonly string[] {
  const st = ctx.st;
  ctx.firewall.removeDevicesFilter(devices);
  const r = st.reportDevices([], devices, false);
  deferredDeleteDirectFlows(st, devices);
  for (const d of devices) {
    portUnbound(st, d);
    ctx.details.delete(d);
  }
  return r.failedDown;
}

/** _deferred_delete_direct_flows: the egress-direct flows of ports about to be unbound. */
export function deferredDeleteDirectFlows(st: AgentState, ports: readonly string[]): void {
  if (!directForNonOpenflowFirewall(st) || ports.length === 0) return;
  st.intBr.deferred(
    () => {
      for (const id of ports) {
        const found = portLvmAndVif(st, id);
        if (found?.vif !== undefined) deleteAcceptedEgressDirectFlow(st, found.vif.ofport, found.vif.vifMac, found.lvm.vlan);
      }
    },
    { fullOrdered: true },
  );
}
