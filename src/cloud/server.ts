/**
 * The fake Neutron server of a cloud, in the same process as its agents:
 * the networks, ports (with their binding host and status) and security
 * groups of the cloud file, what the agents call on it (PluginRpc,
 * src/agent/rpc.ts) and what it sends them (AgentRpcHandlers casts).
 *
 * Answers (as ../shared/neutron-oracle's fake server, which follows ML2):
 * - device details for ports bound to the asking host, with the file's
 *   defaults; a port the server does not have, or has bound elsewhere, is a
 *   failed device (the contract's rule for deleted ports). Asking sets the
 *   port BUILD (DOWN when admin_state_up is false), as ML2's
 *   `_get_new_status`;
 * - update_device_list records each report (the runner waits on them),
 *   sets the ports ACTIVE / DOWN and, with `l2pop: auto`, runs the l2pop
 *   driver (l2pop.ts);
 * - security_group_info_for_devices: security-group-info.ts;
 * - tunnel_sync: the local_ip of every host of the file with that tunnel
 *   type (all hosts count as started, as in the oracle), and a
 *   tunnel_update fanout to the tunnelling agents, as ML2's type driver.
 *
 * Casts are queued, never delivered from inside an agent's call: an RPC
 * cast is asynchronous in Neutron, and an agent must not be re-entered in
 * the middle of its loop iteration. `deliver()` hands them over in the
 * order they were sent (the cloud calls it after each agent iteration and
 * each API operation). A fanout is expanded to its hosts when sent, in the
 * file's host order; l2pop messages go only to agents with l2_population
 * (the only ones consuming that topic).
 */
import type { AgentState, DeviceDetails, DevicesDetails, FdbEntries, FdbUpdate, PluginRpc, PortUpdate, SecurityGroupInfo } from "../agent/rpc.js";
import type { AgentRpcHandlers } from "../agent/rpc.js";
import type { AgentConfig } from "../agent/agent-config.js";
import { OvsimError } from "../flowtable/errors.js";
import type { CloudNetwork, CloudPort, CloudSecurityGroup, CloudSpec, PortChanges } from "./cloud-types.js";
import type { FdbMessage, L2popView } from "./l2pop.js";
import { portDownMessages, portUpMessages } from "./l2pop.js";
import { memberUpdateGroups, securityGroupInfo } from "./security-group-info.js";

/** Neutron's port status. */
export type PortStatus = "DOWN" | "BUILD" | "ACTIVE";

/** A cast to one agent. */
export type AgentCast =
  | { readonly method: "port_update"; readonly port: PortUpdate }
  | { readonly method: "port_delete"; readonly portId: string }
  | { readonly method: "network_update"; readonly networkId: string }
  | { readonly method: "network_delete"; readonly networkId: string }
  | { readonly method: "tunnel_update" | "tunnel_delete"; readonly tunnelIp: string; readonly tunnelType: string }
  | { readonly method: "add_fdb_entries" | "remove_fdb_entries"; readonly entries: FdbEntries }
  | { readonly method: "security_groups_rule_updated" | "security_groups_member_updated"; readonly securityGroups: readonly string[] }
  | { readonly method: "update_fdb_entries"; readonly update: FdbUpdate };

export interface Delivery {
  readonly host: string;
  readonly cast: AgentCast;
}

/** One update_device_list call, in order. */
export interface DeviceReport {
  readonly host: string;
  readonly up: readonly string[];
  readonly down: readonly string[];
  readonly refreshTunnels: boolean;
}

/** An API operation Neutron refuses (NetworkInUse, PortNotFound...), with Neutron's words. */
export class NeutronApiError extends OvsimError {
  readonly code = "NEUTRON_API";
  readonly type: string;
  constructor(type: string, message: string) {
    super(message);
    this.type = type;
  }
}

interface PortState {
  spec: CloudPort;
  status: PortStatus;
  /** binding:host_id; null: unbound. */
  bindingHost: string | null;
}

export interface ServerOptions {
  /** "auto": l2pop messages are sent by the server (l2pop.ts); "manual": never (only explicit steps). */
  readonly l2pop: "auto" | "manual";
}

export class NeutronServer implements PluginRpc {
  readonly l2pop: "auto" | "manual";
  /** Every update_device_list call, in order. */
  readonly reports: DeviceReport[] = [];
  /** Every cast delivered, in order. */
  readonly delivered: Delivery[] = [];
  /** The last state each host's agent reported. */
  readonly states = new Map<string, AgentState>();
  private readonly hostConfigs: ReadonlyMap<string, AgentConfig>;
  private readonly networks = new Map<string, CloudNetwork>();
  private readonly securityGroups = new Map<string, CloudSecurityGroup>();
  /** Ports in creation order (the database's order for l2pop). */
  private readonly portStates = new Map<string, PortState>();
  /** The same ports by network (creation order within each): l2pop reads one network's ports at every port event. */
  private readonly portsByNetwork = new Map<string, Map<string, PortState>>();
  private readonly agents = new Map<string, AgentRpcHandlers>();
  private readonly queue: Delivery[] = [];

  constructor(spec: CloudSpec, options: ServerOptions = { l2pop: spec.l2pop }) {
    this.l2pop = options.l2pop;
    this.hostConfigs = new Map(spec.hosts.map((h) => [h.name, h.agent]));
    for (const n of spec.networks) this.networks.set(n.id, n);
    for (const sg of spec.securityGroups) this.securityGroups.set(sg.id, sg);
    for (const p of spec.ports) this.createPort(p);
  }

  // ---- the database

  network(id: string): CloudNetwork | undefined {
    return this.networks.get(id);
  }

  port(id: string): CloudPort | undefined {
    return this.portStates.get(id)?.spec;
  }

  ports(): CloudPort[] {
    return [...this.portStates.values()].map((s) => s.spec);
  }

  status(id: string): PortStatus | undefined {
    return this.portStates.get(id)?.status;
  }

  bindingHost(id: string): string | null | undefined {
    return this.portStates.get(id)?.bindingHost;
  }

  // ---- agents and casts

  /** The agent of `host` hears casts from now on (a restarted agent replaces the old one). */
  attachAgent(host: string, agent: AgentRpcHandlers): void {
    this.agents.set(host, agent);
  }

  detachAgent(host: string): void {
    this.agents.delete(host);
  }

  /** The attached agents by host (a snapshot leaves them out of the server's state). */
  get attachedAgents(): ReadonlyMap<string, AgentRpcHandlers> {
    return this.agents;
  }

  /** Casts waiting for `deliver()`. */
  get pending(): number {
    return this.queue.length;
  }

  /** Queues `cast` for `host` (an explicit l2pop step uses it directly: delivered whatever the agent's l2_population). */
  send(host: string, cast: AgentCast): void {
    this.queue.push({ host, cast });
  }

  /** Hands every queued cast to its agent, in order (casts sent meanwhile too). Returns how many. */
  deliver(): number {
    let n = 0;
    // By index, not shift(): a fanout to a hundred agents queues hundreds of casts (shift is O(queue)).
    let i = 0;
    try {
      for (; i < this.queue.length; i++) {
        const d = this.queue[i];
        const agent = d === undefined ? undefined : this.agents.get(d.host);
        if (d === undefined || agent === undefined) continue;
        this.delivered.push(d);
        dispatch(agent, d.cast);
        n++;
      }
    } finally {
      this.queue.splice(0, Math.min(i + 1, this.queue.length));
    }
    return n;
  }

  private fanout(cast: AgentCast, to: (c: AgentConfig) => boolean = () => true): void {
    for (const [host, config] of this.hostConfigs) if (to(config)) this.send(host, cast);
  }

  private sendFdb(messages: readonly FdbMessage[]): void {
    for (const m of messages) {
      const cast: AgentCast = { method: m.method, entries: m.entries };
      if (m.host === null) this.fanout(cast, (c) => c.l2Population);
      else if (this.hostConfigs.get(m.host)?.l2Population === true) this.send(m.host, cast);
    }
  }

  // ---- API operations (what Nova and the admin do)

  /** Creates a port (unbound, DOWN). */
  createPort(spec: CloudPort): void {
    if (this.portStates.has(spec.id)) throw new NeutronApiError("MacAddressInUse", `Port ${spec.id} already exists.`);
    if (!this.networks.has(spec.networkId)) throw new NeutronApiError("NetworkNotFound", `Network ${spec.networkId} could not be found.`);
    const state: PortState = { spec, status: "DOWN", bindingHost: null };
    this.portStates.set(spec.id, state);
    let inNetwork = this.portsByNetwork.get(spec.networkId);
    if (inNetwork === undefined) this.portsByNetwork.set(spec.networkId, (inNetwork = new Map()));
    inNetwork.set(spec.id, state);
    this.notifyMembers(undefined, spec);
  }

  /** Sets binding:host_id (Nova, before it plugs the VIF); `notify` sends port_update, as ML2 on a binding change. */
  bindPort(id: string, host: string, notify: boolean): void {
    const s = this.requirePort(id);
    if (s.bindingHost === host) return;
    s.bindingHost = host;
    s.spec = { ...s.spec, host };
    if (notify) this.fanout({ method: "port_update", port: portUpdateOf(s.spec) });
  }

  /** Clears binding:host_id (Nova, deleting a VM booted on a port it did not create); port_update goes to every agent. */
  unbindPort(id: string): void {
    const s = this.requirePort(id);
    if (s.bindingHost === null) return;
    if (s.status !== "DOWN") this.setStatus(s, "DOWN");
    s.bindingHost = null;
    this.fanout({ method: "port_update", port: portUpdateOf(s.spec) });
  }

  /** Updates a port; port_update goes to every agent. */
  updatePort(id: string, changes: PortChanges): void {
    const s = this.requirePort(id);
    const old = s.spec;
    s.spec = { ...s.spec, ...changes };
    this.fanout({ method: "port_update", port: portUpdateOf(s.spec) });
    this.notifyMembers(old, s.spec);
  }

  /** Deletes a port: l2pop removes its entries (ML2's delete_port_postcommit), port_delete goes to every agent. */
  deletePort(id: string): void {
    const s = this.requirePort(id);
    this.portStates.delete(id);
    this.portsByNetwork.get(s.spec.networkId)?.delete(id);
    if (this.l2pop === "auto" && s.bindingHost !== null) this.sendFdb(portDownMessages(this.l2popView(), s.spec, s.bindingHost));
    this.fanout({ method: "port_delete", portId: id });
    this.notifyMembers(s.spec, undefined);
  }

  // ---- security groups (security-group-info.ts): the notifications agents get of rule and member changes

  /** Replaces security group `sg` (its rules, as an admin's rule creates and deletes leave them): security_groups_rule_updated goes to every agent. */
  setSecurityGroup(sg: CloudSecurityGroup): void {
    this.securityGroups.set(sg.id, sg);
    this.fanout({ method: "security_groups_rule_updated", securityGroups: [sg.id] });
  }

  securityGroup(id: string): CloudSecurityGroup | undefined {
    return this.securityGroups.get(id);
  }

  /** security_groups_member_updated for a port's change (none before any agent runs: an agent reads the groups when it asks). */
  private notifyMembers(old: CloudPort | undefined, next: CloudPort | undefined): void {
    const groups = this.agents.size === 0 ? [] : memberUpdateGroups(old, next);
    if (groups.length > 0) this.fanout({ method: "security_groups_member_updated", securityGroups: groups });
  }

  /** Deletes a network without ports (Neutron refuses one in use); network_delete goes to every agent. */
  deleteNetwork(id: string): void {
    if (!this.networks.has(id)) throw new NeutronApiError("NetworkNotFound", `Network ${id} could not be found.`);
    if ((this.portsByNetwork.get(id)?.size ?? 0) > 0) {
      throw new NeutronApiError("NetworkInUse", `Unable to complete operation on network ${id}. There are one or more ports still in use on the network.`);
    }
    this.networks.delete(id);
    this.fanout({ method: "network_delete", networkId: id });
  }

  private requirePort(id: string): PortState {
    const s = this.portStates.get(id);
    if (s === undefined) throw new NeutronApiError("PortNotFound", `Port ${id} could not be found.`);
    return s;
  }

  // ---- what the agents call (PluginRpc)

  getDevicesDetailsListAndFailedDevices(devices: readonly string[], _agentId: string, host: string): DevicesDetails {
    const out: DeviceDetails[] = [];
    const failedDevices: string[] = [];
    for (const d of devices) {
      const s = this.portStates.get(d);
      if (s === undefined || s.bindingHost !== host) {
        failedDevices.push(d);
        continue;
      }
      out.push(this.detailsOf(s.spec));
      this.setStatus(s, s.spec.adminStateUp ? "BUILD" : "DOWN");
    }
    return { devices: out, failedDevices };
  }

  updateDeviceList(devicesUp: readonly string[], devicesDown: readonly string[], _agentId: string, host: string, refreshTunnels: boolean) {
    this.reports.push({ host, up: [...devicesUp], down: [...devicesDown], refreshTunnels });
    for (const d of devicesUp) {
      const s = this.portStates.get(d);
      if (s === undefined || s.bindingHost !== host) continue;
      this.setStatus(s, "ACTIVE");
      if (this.l2pop === "auto") this.sendFdb(portUpMessages(this.l2popView(), s.spec, host, refreshTunnels));
    }
    for (const d of devicesDown) {
      const s = this.portStates.get(d);
      if (s !== undefined && s.bindingHost === host) this.setStatus(s, "DOWN");
    }
    return { devicesUp: [...devicesUp], devicesDown: [...devicesDown], failedDevicesUp: [], failedDevicesDown: [] };
  }

  tunnelSync(tunnelIp: string, tunnelType: string, _host: string) {
    const tunnels: { ipAddress: string; host: string }[] = [];
    for (const [name, c] of this.hostConfigs) if (c.localIp !== null && c.tunnelTypes.includes(tunnelType)) tunnels.push({ ipAddress: c.localIp, host: name });
    this.fanout({ method: "tunnel_update", tunnelIp, tunnelType }, (c) => c.tunnelTypes.length > 0);
    return { tunnels };
  }

  securityGroupInfoForDevices(devices: readonly string[]): SecurityGroupInfo {
    return securityGroupInfo(
      {
        securityGroup: (id) => this.securityGroups.get(id),
        allPorts: () => this.ports(),
        port: (id) => this.port(id),
        details: (id) => {
          const s = this.portStates.get(id);
          return s === undefined || s.bindingHost === null ? undefined : this.detailsOf(s.spec);
        },
      },
      devices,
    );
  }

  reportState(host: string, state: AgentState): void {
    this.states.set(host, state);
  }

  // ---- helpers

  /** Whether `port` was reported since report number `since`: down, or (when `up` is accepted) up. The oracle's `reported`. */
  reported(portId: string, since: number, up: boolean): boolean {
    return this.reports.slice(since).some((r) => r.down.includes(portId) || (up && r.up.includes(portId)));
  }

  /** A port as get_device_details answers it (ml2/rpc.py _get_device_details, the oracle's defaults). */
  detailsOf(p: CloudPort): DeviceDetails {
    const net = this.networks.get(p.networkId);
    return {
      device: p.id,
      portId: p.id,
      networkId: p.networkId,
      macAddress: p.mac,
      adminStateUp: p.adminStateUp,
      networkType: net?.networkType ?? "local",
      segmentationId: net?.segmentationId ?? null,
      physicalNetwork: net?.physicalNetwork ?? null,
      mtu: net?.mtu ?? 1500,
      fixedIps: p.fixedIps.map((ipAddress) => ({ subnetId: net?.subnet.id ?? `subnet-of-${p.networkId}`, ipAddress })),
      deviceOwner: p.deviceOwner,
      allowedAddressPairs: p.allowedAddressPairs.map((a) => ({ ipAddress: a.ipAddress, macAddress: a.macAddress ?? p.mac })),
      portSecurityEnabled: p.portSecurityEnabled,
      securityGroups: [...p.securityGroups],
    };
  }

  /** A status change; one to DOWN runs l2pop's update_port_postcommit (removal). */
  private setStatus(s: PortState, status: PortStatus): void {
    if (s.status === status) return;
    s.status = status;
    if (status === "DOWN" && this.l2pop === "auto" && s.bindingHost !== null) this.sendFdb(portDownMessages(this.l2popView(), s.spec, s.bindingHost));
  }

  private l2popView(): L2popView {
    return {
      agent: (host) => {
        const c = this.hostConfigs.get(host);
        return c === undefined ? undefined : { ip: c.localIp, tunnelTypes: c.tunnelTypes };
      },
      network: (id) => this.networks.get(id),
      activePorts: (networkId) =>
        [...(this.portsByNetwork.get(networkId)?.values() ?? [])]
          .filter((s) => s.status === "ACTIVE" && s.bindingHost !== null && s.spec.networkId === networkId)
          .map((s) => ({ port: s.spec, host: s.bindingHost ?? "" })),
    };
  }
}

function portUpdateOf(p: CloudPort): PortUpdate {
  return { id: p.id, networkId: p.networkId, adminStateUp: p.adminStateUp, macAddress: p.mac };
}

/** Calls the handler of `cast` on `agent`. */
export function dispatch(agent: AgentRpcHandlers, cast: AgentCast): void {
  switch (cast.method) {
    case "port_update":
      return agent.portUpdate(cast.port);
    case "port_delete":
      return agent.portDelete(cast.portId);
    case "network_update":
      return agent.networkUpdate(cast.networkId);
    case "network_delete":
      return agent.networkDelete(cast.networkId);
    case "tunnel_update":
      return agent.tunnelUpdate(cast.tunnelIp, cast.tunnelType);
    case "tunnel_delete":
      return agent.tunnelDelete(cast.tunnelIp, cast.tunnelType);
    case "add_fdb_entries":
      return agent.addFdbEntries(cast.entries);
    case "remove_fdb_entries":
      return agent.removeFdbEntries(cast.entries);
    case "update_fdb_entries":
      return agent.updateFdbEntries(cast.update);
    case "security_groups_rule_updated":
      return agent.securityGroupsRuleUpdated?.(cast.securityGroups);
    case "security_groups_member_updated":
      return agent.securityGroupsMemberUpdated?.(cast.securityGroups);
    default: {
      const never: never = cast;
      throw new Error(`unknown cast ${JSON.stringify(never)}`);
    }
  }
}
