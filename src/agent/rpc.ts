/**
 * The RPC surface between the Neutron OVS agent and the Neutron server, as
 * typed data: what the agent calls on the server (PluginRpc: neutron's
 * agent/rpc.py PluginApi, the security-group RPC, tunnel_sync) and what the
 * server sends the agent (AgentRpcHandlers: the fanout casts the agent
 * consumes — port_update, port_delete, network_update, network_delete,
 * tunnel_update, tunnel_delete — and l2population's add/remove/update
 * fdb_entries). Field names are Neutron's wire names in camelCase; values
 * are Neutron's (ids are uuid strings, MACs lower-case colon hex).
 *
 * The server (src/cloud) implements PluginRpc; the agent (src/agent)
 * implements AgentRpcHandlers. Calls are synchronous: the simulation's
 * clock, not a message bus, orders them.
 */

/** A fixed IP of a port (neutron's fixed_ips entry). */
export interface FixedIp {
  readonly subnetId: string;
  readonly ipAddress: string;
}

/** An allowed address pair: an IP or CIDR, and a MAC (the port's own when the API left it out). */
export interface AllowedAddressPair {
  readonly ipAddress: string;
  readonly macAddress: string;
}

/** get_devices_details_list_and_failed_devices' entry for one device (ml2/rpc.py get_device_details). */
export interface DeviceDetails {
  /** The device as the agent asked for it (the port id, from Interface external_ids:iface-id). */
  readonly device: string;
  readonly portId: string;
  readonly networkId: string;
  readonly macAddress: string;
  readonly adminStateUp: boolean;
  /** vxlan, gre, geneve, vlan, flat, local. */
  readonly networkType: string;
  readonly segmentationId: number | null;
  readonly physicalNetwork: string | null;
  readonly mtu: number;
  readonly fixedIps: readonly FixedIp[];
  readonly deviceOwner: string;
  readonly allowedAddressPairs: readonly AllowedAddressPair[];
  readonly portSecurityEnabled: boolean;
  /** The port's security groups (ids). */
  readonly securityGroups: readonly string[];
}

export interface DevicesDetails {
  readonly devices: readonly DeviceDetails[];
  /** Devices the server knows nothing of (their ports were deleted): the agent treats them as failed. */
  readonly failedDevices: readonly string[];
}

/** A security-group rule as the RPC carries it (remote_ip_prefix turned into source/dest by direction). */
export interface SecurityGroupRule {
  readonly securityGroupId: string;
  readonly direction: "ingress" | "egress";
  readonly ethertype: "IPv4" | "IPv6";
  readonly protocol: string | null;
  readonly portRangeMin: number | null;
  readonly portRangeMax: number | null;
  readonly sourceIpPrefix: string | null;
  readonly destIpPrefix: string | null;
  readonly remoteGroupId: string | null;
}

/** security_group_info_for_devices' answer. */
export interface SecurityGroupInfo {
  /** Per security group, its rules. */
  readonly securityGroups: Readonly<Record<string, readonly SecurityGroupRule[]>>;
  /** Per remote security group, per ethertype, its members' addresses (fixed IPs and allowed pairs) with their MACs. */
  readonly sgMemberIps: Readonly<Record<string, Readonly<Record<"IPv4" | "IPv6", readonly (readonly [string, string])[]>>>>;
  /** The ports asked for, by device. */
  readonly devices: Readonly<Record<string, DeviceDetails>>;
}

/** What the agent calls on the server. */
export interface PluginRpc {
  getDevicesDetailsListAndFailedDevices(devices: readonly string[], agentId: string, host: string): DevicesDetails;
  /** Reports devices up / down (the server sets the ports ACTIVE / DOWN and, with l2pop, sends fdb messages). */
  updateDeviceList(devicesUp: readonly string[], devicesDown: readonly string[], agentId: string, host: string, refreshTunnels: boolean): {
    readonly devicesUp: readonly string[];
    readonly devicesDown: readonly string[];
    readonly failedDevicesUp: readonly string[];
    readonly failedDevicesDown: readonly string[];
  };
  /** The tunnel endpoints of every other agent of `tunnelType` (tunnel_sync), after registering this one. */
  tunnelSync(tunnelIp: string, tunnelType: string, host: string): { readonly tunnels: readonly { readonly ipAddress: string; readonly host: string }[] };
  securityGroupInfoForDevices(devices: readonly string[]): SecurityGroupInfo;
  /** The heartbeat (report_state): the agent's configuration and counters. */
  reportState(host: string, state: AgentState): void;
}

export interface AgentState {
  readonly binary: "neutron-openvswitch-agent";
  readonly host: string;
  readonly agentType: "Open vSwitch agent";
  readonly startFlag: boolean;
  readonly configurations: Readonly<Record<string, unknown>>;
}

/** A port as port_update carries it. */
export interface PortUpdate {
  readonly id: string;
  readonly networkId: string;
  readonly adminStateUp: boolean;
  readonly macAddress: string;
}

/** One network's fdb entries: each remote tunnel IP with its [mac, ip] pairs (00:00:00:00:00:00 / 0.0.0.0 = the flooding entry). */
export interface FdbNetworkEntries {
  readonly networkType: string;
  readonly segmentationId: number;
  readonly ports: Readonly<Record<string, readonly (readonly [string, string])[]>>;
}

/** l2population's fdb_entries: by network id. */
export type FdbEntries = Readonly<Record<string, FdbNetworkEntries>>;

/** update_fdb_entries' chg_ip form: by network id, by agent IP, the [mac, ip] pairs before and after. */
export interface FdbUpdate {
  readonly chgIp: Readonly<Record<string, Readonly<Record<string, { readonly before: readonly (readonly [string, string])[]; readonly after: readonly (readonly [string, string])[] }>>>>;
}

/** What the server sends an agent. */
export interface AgentRpcHandlers {
  portUpdate(port: PortUpdate): void;
  portDelete(portId: string): void;
  networkUpdate(networkId: string): void;
  networkDelete(networkId: string): void;
  tunnelUpdate(tunnelIp: string, tunnelType: string): void;
  tunnelDelete(tunnelIp: string, tunnelType: string): void;
  addFdbEntries(entries: FdbEntries): void;
  removeFdbEntries(entries: FdbEntries): void;
  updateFdbEntries(update: FdbUpdate): void;
  /** security_groups_rule_updated / _member_updated (SecurityGroupAgentRpcCallbackMixin): the groups whose rules / members changed. Optional: an agent without a firewall ignores them. */
  securityGroupsRuleUpdated?(securityGroups: readonly string[]): void;
  securityGroupsMemberUpdated?(securityGroups: readonly string[]): void;
}
