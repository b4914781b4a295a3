/**
 * A cloud file as typed records (../shared/CLOUD-FORMAT.md, version 1, and
 * ovsim's own steps: docs/cloud.md): what `parseCloudFile` returns and what
 * `createCloud` runs. Every default of the format is filled in here, so the
 * layers above never ask "was it given?": a port's `name` is already
 * `tap` + the first 11 characters of its id, its `host` the first host, an
 * agent's options Neutron's defaults (firewall_driver `noop`).
 *
 * Names are camelCase; values are Neutron's (MACs lower case, ids as
 * written). Records are plain readonly data, so a spec may be built or
 * changed from code (`{ ...spec, steps: [...] }`) as well as parsed.
 */
import type { AgentConfig } from "../agent/agent-config.js";

export const NETWORK_TYPES = ["vxlan", "gre", "geneve", "vlan", "flat", "local"] as const;
export type NetworkType = (typeof NETWORK_TYPES)[number];
export const TUNNEL_TYPES = ["vxlan", "gre", "geneve"] as const;
export type TunnelType = (typeof TUNNEL_TYPES)[number];

export function isTunnelType(t: string): t is TunnelType {
  return (TUNNEL_TYPES as readonly string[]).includes(t);
}

/** The flooding entry of l2population: a remote host's broadcast/unknown traffic goes to its tunnel. */
export const FLOODING_MAC = "00:00:00:00:00:00";
export const FLOODING_IP = "0.0.0.0";

/**
 * How a host reaches the others (ovsim only). Creates nothing the agent
 * sees: the tunnel NIC is a host interface, not an OVS port (on a netdev
 * host, a port of the underlay bridge, which the agent does not manage); a
 * physical NIC is added to its mapped bridge after the agent has set the
 * bridge up.
 */
export interface HostUnderlay {
  /** The segment the host's tunnel NIC joins (default "underlay"). */
  readonly segment: string;
  /** The host's tunnel NIC (default "eth0"): a host interface, not an OVS port (netdev: a port of `bridge`). */
  readonly nic: string;
  /** The NIC's address (default the agent's local_ip). */
  readonly address: string | null;
  /** Per physical network, the NIC plugged into its mapped bridge; it joins the segment named after the physical network. */
  readonly physicalNics: Readonly<Record<string, string>>;
  /** With the agent's datapath_type netdev: the OVS bridge holding the address, the NIC its port (default "br-ex"). */
  readonly bridge: string;
}

export interface CloudHost {
  readonly name: string;
  /** The agent's options with Neutron's defaults (agent-config.ts). */
  readonly agent: AgentConfig;
  readonly underlay: HostUnderlay | null;
}

export interface CloudNetwork {
  readonly id: string;
  readonly name: string | null;
  readonly networkType: NetworkType;
  readonly segmentationId: number | null;
  readonly physicalNetwork: string | null;
  /** Default 1500 (the oracle's). */
  readonly mtu: number;
  readonly subnet: {
    /** Default `subnet-of-` + the network id (the oracle's). */
    readonly id: string;
    readonly cidr: string | null;
  };
}

export interface CloudAddressPair {
  readonly ipAddress: string;
  /** Null when the file left it out: the server answers with the port's own MAC, as Neutron's API fills it. */
  readonly macAddress: string | null;
}

export interface CloudPort {
  readonly id: string;
  readonly name: string;
  /** The host Nova binds the port to (default the first host). */
  readonly host: string;
  readonly networkId: string;
  readonly mac: string;
  readonly fixedIps: readonly string[];
  readonly deviceOwner: string;
  readonly portSecurityEnabled: boolean;
  readonly allowedAddressPairs: readonly CloudAddressPair[];
  readonly securityGroups: readonly string[];
  readonly adminStateUp: boolean;
}

export interface CloudRule {
  readonly direction: "ingress" | "egress";
  readonly ethertype: "IPv4" | "IPv6";
  /** A name (tcp, icmp...) or a number, as text; null: any. */
  readonly protocol: string | null;
  readonly portRangeMin: number | null;
  readonly portRangeMax: number | null;
  /** Neutron's API form; the server turns it into source (ingress) or dest (egress). */
  readonly remoteIpPrefix: string | null;
  /** The RPC forms, accepted as given. */
  readonly sourceIpPrefix: string | null;
  readonly destIpPrefix: string | null;
  readonly remoteGroupId: string | null;
}

export interface CloudSecurityGroup {
  readonly id: string;
  readonly name: string | null;
  readonly rules: readonly CloudRule[];
}

/** One flat l2population fdb entry of an `l2pop_fdb_*` step. */
export interface CloudFdbEntry {
  readonly networkId: string;
  readonly remoteIp: string;
  /** Default the network's. */
  readonly networkType: string;
  readonly segmentationId: number;
  /** `00:00:00:00:00:00` / `0.0.0.0` for a flooding entry left without them. */
  readonly mac: string;
  readonly ip: string;
  readonly floodingEntry: boolean;
}

/** A new port `boot` creates on the server (Nova's port create): what the file does not give is drawn or allocated. */
export interface NewPortSpec {
  readonly networkId: string;
  /** Null: drawn from the seed (fa:16:3e:...). */
  readonly mac: string | null;
  /** Empty: the first free IPv4 address of the subnet (from .2). */
  readonly fixedIps: readonly string[];
  readonly securityGroups: readonly string[];
  readonly portSecurityEnabled: boolean;
  readonly allowedAddressPairs: readonly CloudAddressPair[];
  readonly adminStateUp: boolean;
  readonly deviceOwner: string;
}

/** What `update_port` changes (only the fields given). */
export interface PortChanges {
  readonly adminStateUp?: boolean;
  readonly portSecurityEnabled?: boolean;
  readonly securityGroups?: readonly string[];
  readonly allowedAddressPairs?: readonly CloudAddressPair[];
}

interface StepBase {
  /** The step's place in `steps` (for messages). */
  readonly index: number;
}

export type CloudStep =
  | (StepBase & { readonly op: "plug_ports"; readonly ports: readonly string[] })
  | (StepBase & { readonly op: "unplug_ports"; readonly ports: readonly string[] })
  | (StepBase & { readonly op: "l2pop_fdb_add" | "l2pop_fdb_remove"; readonly host: string; readonly entries: readonly CloudFdbEntry[] })
  | (StepBase & { readonly op: "run"; readonly host: string; readonly commands: readonly string[] })
  | (StepBase & { readonly op: "boot"; readonly vm: string; readonly host: string | null; readonly port: string | null; readonly newPort: NewPortSpec | null })
  | (StepBase & { readonly op: "delete"; readonly vm: string })
  | (StepBase & { readonly op: "migrate"; readonly vm: string; readonly host: string })
  | (StepBase & { readonly op: "advance"; readonly seconds: number })
  | (StepBase & { readonly op: "ping"; readonly from: string; readonly to: string; readonly count: number; readonly expect: "ok" | "fail" | null })
  | (StepBase & { readonly op: "ping_all"; readonly networkId: string | null; readonly count: number; readonly expect: "ok" | "fail" | null })
  /** `expect: "ok"`: every pair of a network answered, no VM of another network. */
  | (StepBase & { readonly op: "ping_matrix"; readonly networkId: string | null; readonly count: number; readonly expect: "ok" | null })
  | (StepBase & { readonly op: "trace"; readonly from: string; readonly to: string })
  | (StepBase & { readonly op: "restart_agent" | "restart_ovs"; readonly host: string })
  | (StepBase & { readonly op: "update_port"; readonly port: string; readonly changes: PortChanges })
  | (StepBase & { readonly op: "delete_network"; readonly networkId: string })
  /** ovsim's own, security-group-steps.ts: the group's whole new rule list. */
  | (StepBase & { readonly op: "update_security_group"; readonly securityGroup: string; readonly rules: readonly CloudRule[] });

export type StepOp = CloudStep["op"];

/** The steps the oracle (neutron-run) understands too. */
export const SHARED_OPS: readonly StepOp[] = ["plug_ports", "unplug_ports", "l2pop_fdb_add", "l2pop_fdb_remove", "run"];

export interface CloudSpec {
  readonly format: 1;
  readonly description: string | null;
  readonly seed: number;
  readonly l2pop: "auto" | "manual";
  readonly hosts: readonly CloudHost[];
  readonly networks: readonly CloudNetwork[];
  readonly securityGroups: readonly CloudSecurityGroup[];
  readonly ports: readonly CloudPort[];
  readonly steps: readonly CloudStep[];
}
