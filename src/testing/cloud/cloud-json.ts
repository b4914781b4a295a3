/**
 * The cloud file as JSON (../shared/CLOUD-FORMAT.md and docs/cloud.md): the
 * shape the arbitraries of this folder generate and the counterexamples
 * they report, so that a failing property hands back a file `ovsim cloud`
 * runs as it is. Field names are the file's (snake_case); only the fields
 * the generators use are typed, every one of them optional where the format
 * has a default.
 */

/** A JSON value, as a cloud file holds it. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export interface AgentJson {
  readonly local_ip?: string;
  readonly tunnel_types?: readonly string[];
  readonly l2_population?: boolean;
  readonly arp_responder?: boolean;
  readonly bridge_mappings?: Readonly<Record<string, string>>;
  readonly firewall_driver?: "noop" | "openvswitch";
}

export interface UnderlayJson {
  readonly segment?: string;
  readonly nic?: string;
  readonly address?: string;
  readonly physical_nics?: Readonly<Record<string, string>>;
}

export interface HostJson {
  readonly name: string;
  readonly agent?: AgentJson;
  readonly underlay?: UnderlayJson;
}

export interface NetworkJson {
  readonly id: string;
  readonly name?: string;
  readonly network_type: "vxlan" | "gre" | "geneve" | "vlan" | "flat" | "local";
  readonly segmentation_id?: number;
  readonly physical_network?: string;
  readonly subnet?: { readonly id: string; readonly cidr: string };
}

export interface RuleJson {
  readonly direction: "ingress" | "egress";
  readonly ethertype?: "IPv4" | "IPv6";
  readonly protocol?: string;
  readonly remote_ip_prefix?: string;
}

export interface SecurityGroupJson {
  readonly name?: string;
  readonly rules: readonly RuleJson[];
}

/** One step: `op` and its fields (docs/cloud.md, "Steps"). */
export interface StepJson {
  readonly op: string;
  readonly [field: string]: JsonValue;
}

export interface CloudFileJson {
  readonly format: 1;
  readonly description?: string;
  readonly seed: number;
  readonly l2pop: "auto" | "manual";
  readonly hosts: readonly HostJson[];
  readonly networks: readonly NetworkJson[];
  readonly security_groups?: Readonly<Record<string, SecurityGroupJson>>;
  readonly steps: readonly StepJson[];
}
