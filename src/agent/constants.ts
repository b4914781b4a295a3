/**
 * The numbers and names the Neutron OVS agent (Neutron 21, Zed) lives by:
 * neutron_lib/plugins/ml2/ovs_constants.py (the agent's own
 * common/constants.py is gone in Zed) and the few neutron_lib constants the
 * agent reads. One table of tables per bridge, so that a reader can put a
 * dump-flows line next to the Neutron code that wrote it.
 *
 * br-int's pipeline, as Zed lays it out:
 *
 *   0 LOCAL_SWITCHING ─▶ 59 PACKET_RATE_LIMIT ─▶ 60 TRANSIENT (NORMAL, or the
 *   firewall's 71..94) ; 24 ARP_SPOOF / 25 MAC_SPOOF ─▶ 30 LOCAL_EGRESS ─▶ 59 ;
 *   23 CANARY (one drop flow whose absence means OVS lost its flows) ;
 *   61 LOCAL_MAC_DIRECT / 62 TRANSIENT_EGRESS (explicitly_egress_direct).
 *
 * br-tun's:
 *
 *   0 (by in_port) ─▶ 2 PATCH_LV_TO_TUN ─▶ 20 UCAST_TO_TUN / 21 ARP_RESPONDER /
 *   22 FLOOD_TO_TUN ; tunnel ports ─▶ 3 GRE / 4 VXLAN / 6 GENEVE (tun_id to
 *   local VLAN) ─▶ 10 LEARN_FROM_TUN (learn into 20, output to patch-int).
 *
 * br-phys uses table 0 only without DVR.
 */

// ---- br-int tables
export const LOCAL_SWITCHING = 0;
export const DVR_TO_SRC_MAC = 1;
export const DVR_TO_SRC_MAC_PHYSICAL = 2;
export const CANARY_TABLE = 23;
export const ARP_SPOOF_TABLE = 24;
export const MAC_SPOOF_TABLE = 25;
export const LOCAL_EGRESS_TABLE = 30;
export const LOCAL_IP_TABLE = 31;
export const PACKET_RATE_LIMIT = 59;
export const TRANSIENT_TABLE = 60;
export const LOCAL_MAC_DIRECT = 61;
export const TRANSIENT_EGRESS_TABLE = 62;
export const DHCP_IPV4_TABLE = 77;
export const DHCP_IPV6_TABLE = 78;
export const BASE_EGRESS_TABLE = 71;
export const RULES_EGRESS_TABLE = 72;
export const ACCEPT_OR_INGRESS_TABLE = 73;
export const BASE_INGRESS_TABLE = 81;
export const RULES_INGRESS_TABLE = 82;
export const ACCEPTED_EGRESS_TRAFFIC_TABLE = 91;
export const ACCEPTED_INGRESS_TRAFFIC_TABLE = 92;
export const DROPPED_TRAFFIC_TABLE = 93;
export const ACCEPTED_EGRESS_TRAFFIC_NORMAL_TABLE = 94;

/** The tables cleanup_stale_flows scans on br-int (INT_BR_ALL_TABLES, in Neutron's order). */
export const INT_BR_ALL_TABLES: readonly number[] = [
  LOCAL_SWITCHING,
  DVR_TO_SRC_MAC,
  DVR_TO_SRC_MAC_PHYSICAL,
  CANARY_TABLE,
  ARP_SPOOF_TABLE,
  MAC_SPOOF_TABLE,
  LOCAL_MAC_DIRECT,
  LOCAL_EGRESS_TABLE,
  LOCAL_IP_TABLE,
  PACKET_RATE_LIMIT,
  TRANSIENT_TABLE,
  TRANSIENT_EGRESS_TABLE,
  BASE_EGRESS_TABLE,
  RULES_EGRESS_TABLE,
  ACCEPT_OR_INGRESS_TABLE,
  DHCP_IPV4_TABLE,
  DHCP_IPV6_TABLE,
  BASE_INGRESS_TABLE,
  RULES_INGRESS_TABLE,
  ACCEPTED_EGRESS_TRAFFIC_TABLE,
  ACCEPTED_INGRESS_TRAFFIC_TABLE,
  DROPPED_TRAFFIC_TABLE,
];

// ---- br-tun tables
export const DVR_PROCESS = 1;
export const PATCH_LV_TO_TUN = 2;
export const GRE_TUN_TO_LV = 3;
export const VXLAN_TUN_TO_LV = 4;
export const GENEVE_TUN_TO_LV = 6;
export const DVR_NOT_LEARN = 9;
export const LEARN_FROM_TUN = 10;
export const UCAST_TO_TUN = 20;
export const ARP_RESPONDER = 21;
export const FLOOD_TO_TUN = 22;

export const TUN_BR_ALL_TABLES: readonly number[] = [
  LOCAL_SWITCHING,
  DVR_PROCESS,
  PATCH_LV_TO_TUN,
  GRE_TUN_TO_LV,
  VXLAN_TUN_TO_LV,
  GENEVE_TUN_TO_LV,
  DVR_NOT_LEARN,
  LEARN_FROM_TUN,
  UCAST_TO_TUN,
  ARP_RESPONDER,
  FLOOD_TO_TUN,
];

// ---- br-phys tables
export const DVR_PROCESS_PHYSICAL = 1;
export const LOCAL_VLAN_TRANSLATION = 2;
export const DVR_NOT_LEARN_PHYSICAL = 3;

export const PHY_BR_ALL_TABLES: readonly number[] = [LOCAL_SWITCHING, DVR_PROCESS_PHYSICAL, LOCAL_VLAN_TRANSLATION, DVR_NOT_LEARN_PHYSICAL];

// ---- network types
export const TYPE_GRE = "gre";
export const TYPE_VXLAN = "vxlan";
export const TYPE_GENEVE = "geneve";
export const TYPE_VLAN = "vlan";
export const TYPE_FLAT = "flat";
export const TYPE_LOCAL = "local";

/** The tunnel network types, in Neutron's order (TUNNEL_NETWORK_TYPES: the order setup_default_table drops tables 3, 4, 6 in). */
export const TUNNEL_NETWORK_TYPES: readonly string[] = [TYPE_GRE, TYPE_VXLAN, TYPE_GENEVE];

/** Per tunnel type, the br-tun table that maps its tun_id to a local VLAN. */
export const TUN_TABLE: ReadonlyMap<string, number> = new Map([
  [TYPE_GRE, GRE_TUN_TO_LV],
  [TYPE_VXLAN, VXLAN_TUN_TO_LV],
  [TYPE_GENEVE, GENEVE_TUN_TO_LV],
]);

export function isTunnelType(networkType: string): boolean {
  return TUNNEL_NETWORK_TYPES.includes(networkType);
}

// ---- VLANs, ports, names
/** n_const.MIN_VLAN_TAG..MAX_VLAN_TAG: the local VLAN pool. */
export const MIN_VLAN_TAG = 1;
export const MAX_VLAN_TAG = 4094;
/** The dead VLAN (MAX_VLAN_TAG + 1): a port there is cut off (table 0's priority-65535 drop). */
export const DEAD_VLAN_TAG = 4095;
export const OPENFLOW_MAX_PRIORITY = 65535;
/** OpenFlow 1.3's OFPVID_PRESENT bit of an OXM vlan_vid. */
export const OFPVID_PRESENT = 0x1000;
/** ovs_lib.INVALID_OFPORT. */
export const INVALID_OFPORT = -1;
/** ovs_const.MAX_DEVICE_RETRIES: how often a failed device is retried before it is given up. */
export const MAX_DEVICE_RETRIES = 5;

export const PEER_INTEGRATION_PREFIX = "int-";
export const PEER_PHYSICAL_PREFIX = "phy-";
export const NONEXISTENT_PEER = "nonexistent-peer";
/** n_const.DEVICE_NAME_MAX_LEN: a Linux interface name's length. */
export const DEVICE_NAME_MAX_LEN = 15;
/** neutron_lib.plugins.utils.INTERFACE_HASH_LEN. */
export const INTERFACE_HASH_LEN = 6;
export const DEVICE_OWNER_NETWORK_PREFIX = "network:";
export const DEVICE_OWNER_COMPUTE_PREFIX = "compute:";
export const VXLAN_UDP_PORT = 4789;
export const IPV6_LLA_PREFIX = "fe80::/64";

/** l2population's flooding entry (n_const.FLOODING_ENTRY). */
export const FLOODING_MAC = "00:00:00:00:00:00";
export const FLOODING_IP = "0.0.0.0";

// ---- what ovs_lib and the native driver configure
export const OPENFLOW10 = "OpenFlow10";
export const OPENFLOW13 = "OpenFlow13";
export const OPENFLOW14 = "OpenFlow14";
/** OVSBridge.initial_protocols: what create() adds to a bridge's `protocols`. */
export const INITIAL_PROTOCOLS: readonly string[] = [OPENFLOW10, OPENFLOW13, OPENFLOW14];
/** [ovs] bridge_mac_table_size. */
export const BRIDGE_MAC_TABLE_SIZE = 50000;
/** [ovs] of_listen_address, of_listen_port, of_inactivity_probe: the embedded os-ken controller the bridges connect to. */
export const OF_LISTEN_ADDRESS = "127.0.0.1";
export const OF_LISTEN_PORT = 6633;
export const OF_INACTIVITY_PROBE_S = 10;
/** [ovs] datapath_type. */
export const OVS_DATAPATH_SYSTEM = "system";

/** check_ovs_status's answers. */
export const OVS_RESTARTED = 0;
export const OVS_NORMAL = 1;
export const OVS_DEAD = 2;
export type OvsStatus = typeof OVS_RESTARTED | typeof OVS_NORMAL | typeof OVS_DEAD;
