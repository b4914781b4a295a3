/** Ethernet types, IP protocol numbers and ovs-ofctl's protocol shorthands (`tcp`, `arp`...). */

export const ETH_TYPE = {
  IP: 0x0800,
  ARP: 0x0806,
  RARP: 0x8035,
  VLAN_8021Q: 0x8100,
  VLAN_8021AD: 0x88a8,
  IPV6: 0x86dd,
  MPLS: 0x8847,
  MPLS_MCAST: 0x8848,
  /** Transparent Ethernet bridging: an Ethernet frame inside GRE. */
  TEB: 0x6558,
} as const;

export const IPPROTO = {
  ICMP: 1,
  TCP: 6,
  UDP: 17,
  GRE: 47,
  ICMPV6: 58,
  SCTP: 132,
} as const;

/** ICMPv6 neighbour discovery types. */
export const ND_NEIGHBOR_SOLICIT = 135;
export const ND_NEIGHBOR_ADVERT = 136;

/** A shorthand sets dl_type and, for some, nw_proto (OVS's `ofp_parse_protocol`). */
export interface ProtocolShorthand {
  readonly dlType: number;
  readonly nwProto: number;
}

export const PROTOCOL_SHORTHANDS: ReadonlyMap<string, ProtocolShorthand> = new Map([
  ["ip", { dlType: ETH_TYPE.IP, nwProto: 0 }],
  ["ipv4", { dlType: ETH_TYPE.IP, nwProto: 0 }],
  ["ip4", { dlType: ETH_TYPE.IP, nwProto: 0 }],
  ["arp", { dlType: ETH_TYPE.ARP, nwProto: 0 }],
  ["icmp", { dlType: ETH_TYPE.IP, nwProto: IPPROTO.ICMP }],
  ["tcp", { dlType: ETH_TYPE.IP, nwProto: IPPROTO.TCP }],
  ["udp", { dlType: ETH_TYPE.IP, nwProto: IPPROTO.UDP }],
  ["sctp", { dlType: ETH_TYPE.IP, nwProto: IPPROTO.SCTP }],
  ["ipv6", { dlType: ETH_TYPE.IPV6, nwProto: 0 }],
  ["ip6", { dlType: ETH_TYPE.IPV6, nwProto: 0 }],
  ["icmp6", { dlType: ETH_TYPE.IPV6, nwProto: IPPROTO.ICMPV6 }],
  ["tcp6", { dlType: ETH_TYPE.IPV6, nwProto: IPPROTO.TCP }],
  ["udp6", { dlType: ETH_TYPE.IPV6, nwProto: IPPROTO.UDP }],
  ["sctp6", { dlType: ETH_TYPE.IPV6, nwProto: IPPROTO.SCTP }],
  ["rarp", { dlType: ETH_TYPE.RARP, nwProto: 0 }],
  ["mpls", { dlType: ETH_TYPE.MPLS, nwProto: 0 }],
  ["mplsm", { dlType: ETH_TYPE.MPLS_MCAST, nwProto: 0 }],
]);
