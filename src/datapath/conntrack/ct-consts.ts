/**
 * The numbers conntrack is made of, as OVS 3.1 defines them: the ct_state
 * bits (lib/packets.h CS_*), the NAT action bits (lib/conntrack.h
 * NAT_ACTION_*), the TCP states a peer goes through (lib/ct-dpif.h
 * CT_DPIF_TCPS_*), and the timeouts (lib/conntrack-private.h CT_TM_*) with
 * the userspace datapath's default timeout policy (lib/conntrack-tp.c
 * ct_dpif_netdev_tp_def).
 */

/** ct_state bits, as the flow key's ct_state holds them and ovs-ofctl names them. */
export const CS = {
  NEW: 0x01,
  ESTABLISHED: 0x02,
  RELATED: 0x04,
  REPLY_DIR: 0x08,
  INVALID: 0x10,
  TRACKED: 0x20,
  SRC_NAT: 0x40,
  DST_NAT: 0x80,
} as const;

/** OVS's NAT_ACTION_*: what a connection's NAT rewrites. */
export const NAT_ACTION = {
  SRC: 1 << 0,
  SRC_PORT: 1 << 1,
  DST: 1 << 2,
  DST_PORT: 1 << 3,
} as const;

/** OVS's CT_DPIF_TCPS_*: the state of one TCP peer; the order matters (states are compared). */
export const TCPS = {
  CLOSED: 0,
  LISTEN: 1,
  SYN_SENT: 2,
  SYN_RECV: 3,
  ESTABLISHED: 4,
  CLOSE_WAIT: 5,
  FIN_WAIT_1: 6,
  CLOSING: 7,
  LAST_ACK: 8,
  FIN_WAIT_2: 9,
  TIME_WAIT: 10,
} as const;

/** ct_dpif_tcp_state_string: TCPS names by value. */
export const TCP_STATE_NAMES: readonly string[] = [
  "CLOSED",
  "LISTEN",
  "SYN_SENT",
  "SYN_RECV",
  "ESTABLISHED",
  "CLOSE_WAIT",
  "FIN_WAIT_1",
  "CLOSING",
  "LAST_ACK",
  "FIN_WAIT_2",
  "TIME_WAIT",
];

/** OVS's CT_TM_*: the timeout a connection's state asks for. */
export const CT_TM = {
  TCP_FIRST_PACKET: 0,
  TCP_OPENING: 1,
  TCP_ESTABLISHED: 2,
  TCP_CLOSING: 3,
  TCP_FIN_WAIT: 4,
  TCP_CLOSED: 5,
  OTHER_FIRST: 6,
  OTHER_MULTIPLE: 7,
  OTHER_BIDIR: 8,
  ICMP_FIRST: 9,
  ICMP_REPLY: 10,
} as const;

export type CtTimeout = (typeof CT_TM)[keyof typeof CT_TM];

/**
 * The default timeout policy, in seconds, indexed by CT_TM. OVS maps each
 * CT_TM to a timeout policy attribute (tm_to_ct_dpif_tp) and defaults those:
 * SYN_SENT 30, SYN_RECV 30, ESTABLISHED 86400, FIN_WAIT 900, TIME_WAIT 45,
 * CLOSE 30, UDP_FIRST 60, UDP_SINGLE 60, UDP_MULTIPLE 30, ICMP_FIRST 60,
 * ICMP_REPLY 30. Note OVS's crossing: OTHER_MULTIPLE (one direction, more
 * packets) takes UDP_SINGLE, OTHER_BIDIR takes UDP_MULTIPLE.
 */
export const DEFAULT_TIMEOUTS_S: readonly number[] = [
  30, // TCP_FIRST_PACKET -> tcp_syn_sent
  30, // TCP_OPENING -> tcp_syn_recv
  24 * 60 * 60, // TCP_ESTABLISHED -> tcp_established
  15 * 60, // TCP_CLOSING -> tcp_fin_wait
  45, // TCP_FIN_WAIT -> tcp_time_wait
  30, // TCP_CLOSED -> tcp_close
  60, // OTHER_FIRST -> udp_first
  60, // OTHER_MULTIPLE -> udp_single
  30, // OTHER_BIDIR -> udp_multiple
  60, // ICMP_FIRST -> icmp_first
  30, // ICMP_REPLY -> icmp_reply
];

/** The outcome of a packet's update of its connection (OVS's enum ct_update_res). */
export const CT_UPDATE = {
  INVALID: 0,
  VALID: 1,
  NEW: 2,
  VALID_NEW: 3,
} as const;

export type CtUpdateResult = (typeof CT_UPDATE)[keyof typeof CT_UPDATE];

export const ETH_TYPE_IP = 0x0800;
export const ETH_TYPE_IPV6 = 0x86dd;
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;

/** OVS's DEFAULT_N_CONN_LIMIT: no new connection is committed past this many. */
export const DEFAULT_N_CONN_LIMIT = 3_000_000;
