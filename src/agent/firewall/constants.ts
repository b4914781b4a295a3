/**
 * The openvswitch firewall's numbers and words: br-int table numbers (from
 * neutron_lib/plugins/ml2/ovs_constants.py), the registers and conntrack
 * states of neutron/agent/linux/openvswitch_firewall/constants.py, the ICMPv6
 * types of neutron/agent/firewall.py and the protocol names of neutron_lib.
 *
 * The table numbers are the agent's (src/agent/constants.ts), re-exported
 * for the firewall's files. Everything here is Neutron 21's value; nothing
 * is ovsim's choice.
 */

// br-int's table numbers are the agent's (neutron_lib's ovs_constants): one definition, src/agent/constants.ts.
import * as T from "../constants.js";

export {
  ACCEPT_OR_INGRESS_TABLE,
  ACCEPTED_EGRESS_TRAFFIC_NORMAL_TABLE,
  ACCEPTED_EGRESS_TRAFFIC_TABLE,
  ACCEPTED_INGRESS_TRAFFIC_TABLE,
  BASE_EGRESS_TABLE,
  BASE_INGRESS_TABLE,
  DROPPED_TRAFFIC_TABLE,
  RULES_EGRESS_TABLE,
  RULES_INGRESS_TABLE,
  TRANSIENT_TABLE,
} from "../constants.js";

/** The tables the firewall fills with per-port flows (and a priority-0 drop each): ovs_constants.OVS_FIREWALL_TABLES. */
export const OVS_FIREWALL_TABLES: readonly number[] = [
  T.BASE_EGRESS_TABLE,
  T.RULES_EGRESS_TABLE,
  T.ACCEPT_OR_INGRESS_TABLE,
  T.BASE_INGRESS_TABLE,
  T.RULES_INGRESS_TABLE,
];

/** Every table the firewall writes to (TRANSIENT_TABLE only at priorities 90 and 100). */
export const FIREWALL_TABLES: readonly number[] = [
  T.TRANSIENT_TABLE,
  ...OVS_FIREWALL_TABLES,
  T.ACCEPTED_EGRESS_TRAFFIC_TABLE,
  T.ACCEPTED_INGRESS_TRAFFIC_TABLE,
  T.DROPPED_TRAFFIC_TABLE,
  T.ACCEPTED_EGRESS_TRAFFIC_NORMAL_TABLE,
];

/** The register holding the port's ofport. */
export const REG_PORT = 5;
/** The register holding the port's local VLAN, also its conntrack zone. */
export const REG_NET = 6;
/** The register a remote-group accept flow stores its conj_id in (for logging). */
export const REG_REMOTE_GROUP = 7;

export const OF_STATE_NOT_TRACKED = "-trk";
export const OF_STATE_TRACKED = "+trk";
export const OF_STATE_NEW_NOT_ESTABLISHED = "+new-est";
export const OF_STATE_NOT_ESTABLISHED = "-est";
export const OF_STATE_ESTABLISHED = "+est";
export const OF_STATE_ESTABLISHED_NOT_REPLY = "+est-rel-rpl";
export const OF_STATE_ESTABLISHED_REPLY = "+est-rel+rpl";
export const OF_STATE_RELATED = "-new-est+rel-inv";
export const OF_STATE_INVALID = "+trk+inv";

/** ct_mark of a connection the rules allow. */
export const CT_MARK_NORMAL = "0x0";
/** ct_mark of a connection no rule allows any more (set by the priority-40 `+est` flows). */
export const CT_MARK_INVALID = "0x1";

export const ETHERTYPE_IP = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;

export type Ethertype = "IPv4" | "IPv6";
export type Direction = "ingress" | "egress";

export const DL_TYPE_OF_ETHERTYPE: Readonly<Record<Ethertype, number>> = { IPv4: ETHERTYPE_IP, IPv6: ETHERTYPE_IPV6 };

export const PROTO_NUM_ICMP = 1;
export const PROTO_NUM_TCP = 6;
export const PROTO_NUM_UDP = 17;
export const PROTO_NUM_IPV6_ICMP = 58;
export const PROTO_NUM_SCTP = 132;

/** neutron_lib's IP_PROTOCOL_MAP: a rule's protocol name to its number. */
export const IP_PROTOCOL_MAP: Readonly<Record<string, number>> = {
  ah: 51,
  dccp: 33,
  egp: 8,
  esp: 50,
  gre: 47,
  hopopt: 0,
  icmp: 1,
  igmp: 2,
  ip: 0,
  ipip: 4,
  "ipv6-encap": 41,
  "ipv6-frag": 44,
  "ipv6-icmp": 58,
  icmpv6: 58,
  "ipv6-nonxt": 59,
  "ipv6-opts": 60,
  "ipv6-route": 43,
  ospf: 89,
  pgm: 113,
  rsvp: 46,
  sctp: 132,
  tcp: 6,
  udp: 17,
  udplite: 136,
  vrrp: 112,
};

/** Protocols whose rules take port ranges, by number: the prefix of their match fields (tcp_dst, udp_src...). */
export const PORT_PROTOCOL_NAMES: Readonly<Record<number, string>> = { 6: "tcp", 17: "udp", 132: "sctp" };

export const ICMPV6_TYPE_MLD_QUERY = 130;
export const ICMPV6_TYPE_RS = 133;
export const ICMPV6_TYPE_RA = 134;
export const ICMPV6_TYPE_NS = 135;
export const ICMPV6_TYPE_NA = 136;

/** ICMPv6 a port always receives (firewall.ICMPV6_ALLOWED_INGRESS_TYPES; the OVS firewall adds RA). */
export const ICMPV6_ALLOWED_INGRESS_TYPES: readonly number[] = [ICMPV6_TYPE_MLD_QUERY, ICMPV6_TYPE_NS, ICMPV6_TYPE_NA];
/** ICMPv6 a port may send from its own addresses. */
export const ICMPV6_ALLOWED_EGRESS_TYPES: readonly number[] = [ICMPV6_TYPE_MLD_QUERY, ICMPV6_TYPE_RS, ICMPV6_TYPE_NS];
/** ICMPv6 a port may send only for its own addresses (by nd_target). */
export const ICMPV6_RESTRICTED_EGRESS_TYPES: readonly number[] = [ICMPV6_TYPE_NA];

/** An untagged frame on a flat network's patch: vlan_tci without a VLAN header. */
export const FLAT_VLAN_TCI = "0x0000/0x1fff";
/** The prefix of a mapped bridge's patch on br-int (int-br-phys). */
export const PEER_INTEGRATION_PREFIX = "int-";

/** OpenFlow versions the firewall needs on br-int (OVSFirewallDriver.REQUIRED_PROTOCOLS). */
export const REQUIRED_PROTOCOLS: readonly string[] = ["OpenFlow10", "OpenFlow11", "OpenFlow12", "OpenFlow13", "OpenFlow14"];

/** How many devices one security_group_info_for_devices call asks for ([DEFAULT] rpc_resources_processing_step). */
export const RPC_RESOURCES_PROCESSING_STEP = 20;
