/**
 * Random clouds (fast-check arbitraries) as cloud files: valid by
 * construction, small, and shrinking toward the smallest cloud that still
 * shows a failure.
 *
 * What is drawn, and what is derived from it:
 * - drawn: the number of hosts (1..maxHosts), the networks (each a type of
 *   `networkTypes` and one of two subnets, so that networks overlap as two
 *   tenants' do), l2population and the ARP responder on or off, the
 *   `openvswitch` firewall driver or `noop`, the seed, and the VMs booted
 *   first (each on a host and a network, in a security group or none:
 *   `boot` steps named vm0, vm1, ..., with addresses from `vmAddress`);
 * - derived, so that every file runs: segmentation ids (vxlan 1000+i,
 *   gre 2000+i, geneve 3000+i, vlan 100+i; flat and local none), each host's
 *   agent (local_ip 192.0.2.N, the tunnel types the networks use, a
 *   physical network per VLAN/flat need: `physnet1` for VLANs on `br-phys`,
 *   `flatK` on `br-flatK` for each flat network, as Neutron allows one flat
 *   network per physical network), its underlay (the tunnel NIC with the
 *   local_ip, a NIC per physical network), and two security groups
 *   (`open`: ICMP in, anything out; `egress-only`).
 * Shrinking goes toward one host, one VXLAN network, everything off: the
 * derived parts follow what is left.
 *
 * The file's only steps are those boots: events come from `cloudCommands`
 * (commands.ts).
 */
import fc from "fast-check";
import type { CloudFileJson, HostJson, NetworkJson, SecurityGroupJson, StepJson } from "./cloud-json.js";

/** The network types of the cloud format, in the order shrinking prefers. */
export const CLOUD_NETWORK_TYPES = ["vxlan", "gre", "geneve", "vlan", "flat", "local"] as const;
export type CloudNetworkType = (typeof CLOUD_NETWORK_TYPES)[number];

/** The two subnets networks choose from: two networks on the same one are two tenants with overlapping addresses. */
export const CLOUD_SUBNETS = ["10.0.0.0/24", "10.0.1.0/24"] as const;

/** The security groups every generated file has (ids). */
export const OPEN_GROUP = "open";
export const EGRESS_ONLY_GROUP = "egress-only";

export interface CloudArbitraryOptions {
  /** At least this many hosts (default 1). */
  readonly minHosts?: number;
  /** At most this many hosts (1..4; default 3). */
  readonly maxHosts?: number;
  /** At least this many networks (default 1). */
  readonly minNetworks?: number;
  /** At most this many networks (default 3). */
  readonly maxNetworks?: number;
  /** The network types to draw from (default all six). */
  readonly networkTypes?: readonly CloudNetworkType[];
  /** Let hosts run firewall_driver=openvswitch (default true). */
  readonly firewall?: boolean;
  /** Let agents run l2population (default true); false: never. */
  readonly l2pop?: boolean;
  /** At most this many VMs booted by the file's own steps (default 3). */
  readonly initialVms?: number;
}

/** A VM the file boots: host and network as indices (taken modulo the counts), a security-group choice (none, open, egress-only). */
export interface VmDraw {
  readonly host: number;
  readonly net: number;
  readonly groups: number;
}

/** The security groups a VM may be booted in: none, `open`, `egress-only`. */
export const GROUP_CHOICES: readonly (readonly string[])[] = [[], [OPEN_GROUP], [EGRESS_ONLY_GROUP]];

/** The drawn part of a cloud; `cloudFileOf` derives the rest. */
export interface CloudDraw {
  readonly hosts: number;
  readonly networks: readonly { readonly type: CloudNetworkType; readonly subnet: number }[];
  readonly l2pop: boolean;
  readonly arpResponder: boolean;
  readonly firewall: boolean;
  readonly seed: number;
  readonly vms: readonly VmDraw[];
}

const SEGMENT_BASE: Readonly<Record<CloudNetworkType, number | null>> = { vxlan: 1000, gre: 2000, geneve: 3000, vlan: 100, flat: null, local: null };
const TUNNELS: readonly CloudNetworkType[] = ["vxlan", "gre", "geneve"];
const SECURITY_GROUPS: Readonly<Record<string, SecurityGroupJson>> = {
  [OPEN_GROUP]: { rules: [{ direction: "ingress", protocol: "icmp" }, { direction: "egress" }] },
  [EGRESS_ONLY_GROUP]: { rules: [{ direction: "egress" }] },
};

/** The cloud file of a draw (no steps). */
export function cloudFileOf(d: CloudDraw): CloudFileJson {
  const networks: NetworkJson[] = [];
  const mappings = new Map<string, string>();
  const nics = new Map<string, string>();
  d.networks.forEach((n, i) => {
    const base = SEGMENT_BASE[n.type];
    const subnet = { id: `subnet${i}`, cidr: CLOUD_SUBNETS[n.subnet % CLOUD_SUBNETS.length] ?? CLOUD_SUBNETS[0] };
    let physnet: string | null = null;
    if (n.type === "vlan") physnet = "physnet1";
    else if (n.type === "flat") physnet = `flat${i}`;
    if (physnet !== null && !mappings.has(physnet)) {
      mappings.set(physnet, physnet === "physnet1" ? "br-phys" : `br-${physnet}`);
      nics.set(physnet, physnet === "physnet1" ? "eth1" : `eth-${physnet}`);
    }
    networks.push({
      id: `net${i}`,
      network_type: n.type,
      ...(base === null ? {} : { segmentation_id: base + i }),
      ...(physnet === null ? {} : { physical_network: physnet }),
      subnet,
    });
  });
  const tunnelTypes = TUNNELS.filter((t) => d.networks.some((n) => n.type === t));
  const hosts: HostJson[] = [];
  for (let h = 0; h < d.hosts; h++) {
    hosts.push({
      name: hostName(h),
      agent: {
        local_ip: `192.0.2.${h + 1}`,
        tunnel_types: tunnelTypes,
        l2_population: d.l2pop,
        arp_responder: d.l2pop && d.arpResponder,
        bridge_mappings: Object.fromEntries(mappings),
        firewall_driver: d.firewall ? "openvswitch" : "noop",
      },
      underlay: { physical_nics: Object.fromEntries(nics) },
    });
  }
  const booted = new Map<number, number>();
  const steps: StepJson[] = d.vms.map((v, i) => {
    const groups = GROUP_CHOICES[v.groups % GROUP_CHOICES.length] ?? [];
    const net = v.net % d.networks.length;
    const k = booted.get(net) ?? 0;
    booted.set(net, k + 1);
    const cidr = networks[net]?.subnet?.cidr ?? CLOUD_SUBNETS[0];
    return { op: "boot", vm: `vm${i}`, host: hostName(v.host % d.hosts), network_id: `net${net}`, fixed_ips: [vmAddress(cidr, k)], ...(groups.length > 0 ? { security_groups: groups } : {}) };
  });
  return { format: 1, seed: d.seed, l2pop: "auto", hosts, networks, security_groups: SECURITY_GROUPS, steps };
}

/**
 * The address of the `k`-th VM booted on a network with subnet `cidr` (a
 * /24): .2, .3, ... Each VM of a run gets an address no VM of its network
 * had before: guests' ARP caches never age in the simulation, so a VM
 * booted on a deleted VM's address would be unreachable from the VMs that
 * knew the old one (as in a real guest until its stale entry times out).
 * Networks on the same subnet share addresses, as tenants do.
 */
export function vmAddress(cidr: string, k: number): string {
  const [a = "10", b = "0", c = "0"] = cidr.split("/")[0]?.split(".") ?? [];
  return `${a}.${b}.${c}.${2 + (k % 252)}`;
}

/** The name of host number `i` of a generated cloud. */
export function hostName(i: number): string {
  return `hv${i + 1}`;
}

/** The drawn part of a random cloud (see `cloudFileArbitrary`). */
export function cloudDrawArbitrary(options: CloudArbitraryOptions = {}): fc.Arbitrary<CloudDraw> {
  const maxHosts = Math.min(4, Math.max(1, options.maxHosts ?? 3));
  const minHosts = Math.min(maxHosts, Math.max(1, options.minHosts ?? 1));
  const maxNetworks = Math.max(1, options.maxNetworks ?? 3);
  const minNetworks = Math.min(maxNetworks, Math.max(1, options.minNetworks ?? 1));
  const types = options.networkTypes ?? CLOUD_NETWORK_TYPES;
  if (types.length === 0) throw new RangeError("cloudFileArbitrary: networkTypes is empty");
  return fc.record({
    hosts: fc.integer({ min: minHosts, max: maxHosts }),
    networks: fc.array(fc.record({ type: fc.constantFrom(...types), subnet: fc.nat(1) }), { minLength: minNetworks, maxLength: maxNetworks }),
    l2pop: options.l2pop === false ? fc.constant(false) : fc.boolean(),
    arpResponder: fc.boolean(),
    firewall: options.firewall === false ? fc.constant(false) : fc.boolean(),
    seed: fc.nat(1000),
    vms: fc.array(fc.record({ host: fc.nat(3), net: fc.nat(3), groups: fc.nat(2) }), { maxLength: Math.max(0, options.initialVms ?? 3) }),
  });
}

/** Random cloud files (their steps: the first VMs' boots), valid by construction (the file comment says what varies). */
export function cloudFileArbitrary(options: CloudArbitraryOptions = {}): fc.Arbitrary<CloudFileJson> {
  return cloudDrawArbitrary(options).map(cloudFileOf);
}
