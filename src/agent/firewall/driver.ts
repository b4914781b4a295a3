/**
 * The openvswitch firewall driver as the agent sees it (FirewallDriver):
 * neutron/agent/securitygroups_rpc.py's SecurityGroupAgentRpc over the
 * firewall of firewall.ts.
 *
 * The agent hands over device ids; the driver asks the server
 * (security_group_info_for_devices, 20 devices a call) for the devices'
 * details, their security groups' rules and the member addresses of the
 * remote groups those rules name, feeds rules and members to the firewall,
 * and filters each device the server described. A device the server left
 * out is trusted (the server leaves out network:* ports) and passes
 * unfiltered; so does a described port with port security off.
 *
 * Every operation is one deferred batch (firewall.defer_apply): its flows
 * reach br-int when it ends, as one `ovs-ofctl --bundle` run per command in
 * Neutron (flow-writer.ts).
 *
 * Differences from SecurityGroupAgentRpc, none visible in br-int's flows:
 * - rule and member updates refresh the affected ports at once; Neutron's
 *   OVS agent (defer_refresh_firewall=True) queues them for its next loop;
 * - `[securitygroup] enable_security_group=false` skips prepare / refresh,
 *   as Neutron's decorator, but the agent decides whether to build this
 *   driver at all.
 */
import type { AgentConfig } from "../agent-config.js";
import type { FirewallDriver } from "../firewall-driver.js";
import type { DeviceDetails, PluginRpc, SecurityGroupInfo } from "../rpc.js";
import type { Switch } from "../../vswitchd/switch.js";
import type { Ethertype } from "./constants.js";
import { RPC_RESOURCES_PROCESSING_STEP } from "./constants.js";
import { OvsFirewall } from "./firewall.js";
import type { Members } from "./sg-port-map.js";
import { fwRuleOf } from "./sg-rule.js";

export interface OvsFirewallDriverOptions {
  /** The host's switch. */
  readonly switch: Switch;
  /** The integration bridge's name (br-int). */
  readonly integrationBridge: string;
  /** The server: security_group_info_for_devices. */
  readonly plugin: PluginRpc;
  /** br-int's cookie: every flow the firewall adds carries it, its deletes select it. */
  readonly cookie: bigint;
  readonly config: AgentConfig;
  /** [securitygroup] permitted_ethertypes (not in AgentConfig; default none, as Neutron's). */
  readonly permittedEthertypes?: readonly string[];
}

function membersOf(m: SecurityGroupInfo["sgMemberIps"][string]): Members {
  const out: Partial<Record<Ethertype, Array<{ ip: string; mac: string | null }>>> = {};
  for (const et of ["IPv4", "IPv6"] as const) {
    const list = m[et];
    // an absent MAC (a fixed IP: Python's None) may come as "" or null
    if (list !== undefined) out[et] = list.map(([ip, mac]) => ({ ip, mac: mac || null }));
  }
  return out;
}

export class OvsFirewallDriver implements FirewallDriver {
  /** The firewall's own ARP / ND / MAC filtering (table 71) replaces the agent's (tables 24, 25). */
  readonly providesArpSpoofingProtection = true;
  readonly firewall: OvsFirewall;
  private readonly plugin: PluginRpc;
  private readonly enabled: boolean;

  /**
   * As Neutron's constructor: adds OpenFlow 1.1 and 1.2 to br-int's protocols
   * and installs the firewall's fixed flows. br-int must exist (the agent
   * sets it up first).
   */
  constructor(options: OvsFirewallDriverOptions) {
    this.plugin = options.plugin;
    this.enabled = options.config.enableSecurityGroup;
    this.firewall = new OvsFirewall(options.switch, options.integrationBridge, options.cookie, {
      explicitlyEgressDirect: options.config.explicitlyEgressDirect,
      intPeerPatchPort: options.config.intPeerPatchPort,
      bridgeMappings: options.config.bridgeMappings,
      permittedEthertypes: options.permittedEthertypes ?? [],
    });
  }

  /** Flow mods br-int refused, and what the firewall logged (ports not found...). */
  get log(): readonly string[] {
    return [...this.firewall.br.errors, ...this.firewall.log];
  }

  /** The filtered ports' details by device id (firewall.ports). */
  get ports(): ReadonlyMap<string, DeviceDetails> {
    return this.firewall.ports;
  }

  /** After an OVS restart: forget every port and group, reinstall the fixed flows (the agent then re-binds its ports). */
  initialize(): void {
    this.firewall.reinitialize();
  }

  prepareDevicesFilter(devices: readonly DeviceDetails[]): void {
    if (!this.enabled || devices.length === 0) return;
    this.applyPortFilter(devices.map((d) => d.device), false);
  }

  refreshFirewall(devices: readonly DeviceDetails[]): void {
    if (!this.enabled) return;
    const ids = devices.length > 0 ? devices.map((d) => d.device) : [...this.firewall.ports.keys()];
    if (ids.length === 0) return;
    this.applyPortFilter(ids, true);
  }

  removeDevicesFilter(devices: readonly string[]): void {
    if (devices.length === 0) return;
    this.deferApply(() => {
      for (const id of devices) {
        if (this.firewall.isPortManaged(id)) this.firewall.removePortFilter(id);
        else this.firewall.removeTrustedPorts([id]);
      }
    });
  }

  processTrustedPorts(devices: readonly DeviceDetails[]): void {
    this.deferApply(() => this.firewall.processTrustedPorts(devices.map((d) => d.device)));
  }

  removeTrustedPorts(devices: readonly string[]): void {
    this.deferApply(() => this.firewall.removeTrustedPorts(devices));
  }

  securityGroupsRuleUpdated(securityGroups: readonly string[]): void {
    this.securityGroupUpdated(securityGroups, (d) => d.securityGroups);
  }

  securityGroupsMemberUpdated(securityGroups: readonly string[]): void {
    this.securityGroupUpdated(securityGroups, (d) => this.sourceGroupsOf(d));
  }

  /** _security_group_updated: refresh the filtered ports whose `attribute` names one of the groups. */
  private securityGroupUpdated(securityGroups: readonly string[], attribute: (d: DeviceDetails) => readonly string[]): void {
    const wanted = new Set(securityGroups);
    const devices = [...this.firewall.ports.values()].filter((d) => attribute(d).some((g) => wanted.has(g)));
    if (devices.length > 0) this.refreshFirewall(devices);
  }

  /** security_group_source_groups: the remote groups of a port's groups' rules. */
  private sourceGroupsOf(d: DeviceDetails): string[] {
    const out = new Set<string>();
    for (const id of d.securityGroups) {
      for (const r of this.firewall.portMap.getSg(id)?.remoteRules ?? []) if (r.remoteGroupId !== undefined) out.add(r.remoteGroupId);
    }
    return [...out];
  }

  /** _apply_port_filter: the server's view of the devices, then each described device filtered, the rest trusted. */
  private applyPortFilter(deviceIds: readonly string[], update: boolean): void {
    const devices = new Map<string, DeviceDetails>();
    const groups = new Map<string, SecurityGroupInfo["securityGroups"][string]>();
    const members = new Map<string, SecurityGroupInfo["sgMemberIps"][string]>();
    for (let i = 0; i < deviceIds.length; i += RPC_RESOURCES_PROCESSING_STEP) {
      const info = this.plugin.securityGroupInfoForDevices(deviceIds.slice(i, i + RPC_RESOURCES_PROCESSING_STEP));
      for (const [k, v] of Object.entries(info.devices)) devices.set(k, v);
      for (const [k, v] of Object.entries(info.securityGroups)) groups.set(k, v);
      for (const [k, v] of Object.entries(info.sgMemberIps)) members.set(k, v);
    }
    const known = new Set([...devices.keys(), ...this.firewall.ports.keys(), ...[...devices.values(), ...this.firewall.ports.values()].map((d) => d.device)]);
    const trusted = deviceIds.filter((id) => !known.has(id));
    this.deferApply(() => {
      for (const [sgId, rules] of groups) this.firewall.updateSecurityGroupRules(sgId, rules.map(fwRuleOf));
      for (const [sgId, m] of members) this.firewall.updateSecurityGroupMembers(sgId, membersOf(m));
      for (const d of devices.values()) {
        if (update) this.firewall.updatePortFilter(d);
        else this.firewall.preparePortFilter(d);
      }
      this.firewall.processTrustedPorts(trusted);
    });
  }

  /** firewall.defer_apply(): one batch. */
  private deferApply(body: () => void): void {
    this.firewall.filterDeferApplyOn();
    try {
      body();
    } finally {
      this.firewall.filterDeferApplyOff();
    }
  }
}
