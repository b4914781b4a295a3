/**
 * The Neutron OVS agent's options, as the `[ovs]`, `[agent]` and
 * `[securitygroup]` sections of its configuration name them (and as
 * ../shared/CLOUD-FORMAT.md's host `agent` object carries them), with
 * Neutron 21's defaults — except `firewallDriver`, which defaults to
 * `noop` as in the cloud format.
 */
export interface AgentConfig {
  /** [ovs] local_ip: this host's tunnel endpoint (IPv4 or IPv6). */
  readonly localIp: string | null;
  /** [agent] tunnel_types: vxlan, gre, geneve. */
  readonly tunnelTypes: readonly string[];
  readonly l2Population: boolean;
  readonly arpResponder: boolean;
  /** [ovs] bridge_mappings: physical network -> bridge. */
  readonly bridgeMappings: Readonly<Record<string, string>>;
  /** [securitygroup] firewall_driver: noop or openvswitch. */
  readonly firewallDriver: "noop" | "openvswitch";
  readonly enableSecurityGroup: boolean;
  readonly explicitlyEgressDirect: boolean;
  readonly integrationBridge: string;
  readonly tunnelBridge: string;
  readonly intPeerPatchPort: string;
  readonly tunPeerPatchPort: string;
  readonly vxlanUdpPort: number;
  readonly enableDistributedRouting: boolean;
  /** [agent] polling_interval, s (the oracle runs with 1). */
  readonly pollingInterval: number;
  /** [agent] report_interval, s (the heartbeat). */
  readonly reportInterval: number;
  /** [ovs] datapath_type: the datapath type br-int, br-tun and the physical bridges are created with. */
  readonly datapathType: "system" | "netdev";
}

export const DEFAULT_AGENT_CONFIG: AgentConfig = {
  localIp: null,
  tunnelTypes: [],
  l2Population: false,
  arpResponder: false,
  bridgeMappings: {},
  firewallDriver: "noop",
  enableSecurityGroup: true,
  explicitlyEgressDirect: false,
  integrationBridge: "br-int",
  tunnelBridge: "br-tun",
  intPeerPatchPort: "patch-tun",
  tunPeerPatchPort: "patch-int",
  vxlanUdpPort: 4789,
  enableDistributedRouting: false,
  pollingInterval: 1,
  reportInterval: 30,
  datapathType: "system",
};
