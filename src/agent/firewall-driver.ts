/**
 * How the agent drives a security-group firewall (neutron's
 * agent/securitygroups_rpc.py SecurityGroupAgentRpc over a firewall driver):
 * the agent hands over the devices it binds, updates or removes; the driver
 * asks the server for the security-group info it needs
 * (security_group_info_for_devices) and writes its flows. Two drivers:
 * `noop` (no flows; the agent's own ARP/MAC anti-spoofing applies) and
 * `openvswitch` (neutron's agent/linux/openvswitch_firewall, conntrack-based,
 * in br-int's tables 60-94: src/agent/firewall/).
 *
 * Trusted ports (network:* device owners, e.g. DHCP) are not filtered; the
 * openvswitch driver gives them its trusted-port flows (process_trusted_ports).
 */
import type { DeviceDetails } from "./rpc.js";

export interface FirewallDriver {
  /** OVS-restart or start: (re)install the driver's fixed flows (the openvswitch driver's _initialize_firewall). */
  initialize(): void;
  /** prepare_devices_filter: newly bound ports with port security on. */
  prepareDevicesFilter(devices: readonly DeviceDetails[]): void;
  /** refresh_firewall: ports whose details or security groups changed. */
  refreshFirewall(devices: readonly DeviceDetails[]): void;
  /** remove_devices_filter: ports unplugged or deleted (by device id). */
  removeDevicesFilter(devices: readonly string[]): void;
  /** process_trusted_ports / remove_trusted_ports: ports with a network:* owner or port security off. */
  processTrustedPorts(devices: readonly DeviceDetails[]): void;
  removeTrustedPorts(devices: readonly string[]): void;
  /** security_groups_rule_updated / security_groups_member_updated (server notifications). */
  securityGroupsRuleUpdated(securityGroups: readonly string[]): void;
  securityGroupsMemberUpdated(securityGroups: readonly string[]): void;
}

/** firewall_driver=noop: nothing is filtered, nothing is written. */
export class NoopFirewallDriver implements FirewallDriver {
  initialize(): void {}
  prepareDevicesFilter(): void {}
  refreshFirewall(): void {}
  removeDevicesFilter(): void {}
  processTrustedPorts(): void {}
  removeTrustedPorts(): void {}
  securityGroupsRuleUpdated(): void {}
  securityGroupsMemberUpdated(): void {}
}
