/**
 * The values generated pipelines and packets draw from. Realistic tests need
 * collisions: a flow's `dl_dst` must be some packet's destination, a learned
 * MAC must come back as a destination, so addresses come from small pools
 * rather than the whole 48-bit space (which would make every match miss).
 * Pools shrink towards their first element.
 */

/** The address and number pools of generated matches, actions and packets. */
export interface Universe {
  /** Hosts' MACs (the last may be broadcast): packets' sources and destinations. */
  readonly macs: readonly string[];
  /** MACs actions write as a source (a router's): never a packet's source, so that rewriting one does not move a host's MAC. */
  readonly gatewayMacs: readonly string[];
  /** IPv4 host addresses. */
  readonly ipv4: readonly string[];
  /** IPv6 host addresses. */
  readonly ipv6: readonly string[];
  /** TCP/UDP/SCTP ports. */
  readonly l4Ports: readonly number[];
  /** 802.1Q VLAN ids. */
  readonly vlans: readonly number[];
}

/** Four hosts in two IPv4 subnets, a broadcast MAC, a gateway MAC, two VLANs, DNS and HTTP ports. */
export const DEFAULT_UNIVERSE: Universe = {
  macs: ["50:54:00:00:00:01", "50:54:00:00:00:02", "50:54:00:00:00:03", "50:54:00:00:00:04", "ff:ff:ff:ff:ff:ff"],
  gatewayMacs: ["fa:16:3e:00:00:fe"],
  ipv4: ["10.0.0.1", "10.0.0.2", "10.0.1.1", "192.168.0.1"],
  ipv6: ["fd00::1", "fd00::2", "fd00:1::1"],
  l4Ports: [80, 53, 443, 1024],
  vlans: [100, 200],
};

/** The universe with `overrides` replacing whole pools; every pool must stay non-empty. */
export function universe(overrides: Partial<Universe> = {}): Universe {
  const u: Universe = { ...DEFAULT_UNIVERSE, ...overrides };
  for (const [k, v] of Object.entries(u)) if ((v as readonly unknown[]).length === 0) throw new RangeError(`universe: the ${k} pool is empty`);
  return u;
}
