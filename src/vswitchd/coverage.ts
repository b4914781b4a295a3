/**
 * ovs-vswitchd's coverage counters (lib/coverage.c): named event counts that
 * `ovs-appctl coverage/read-counter NAME` reads.
 *
 * OVS_COVERAGE_COUNTERS names every counter the OVS 3.1 daemon registers
 * (COVERAGE_DEFINE in lib/, ofproto/, vswitchd/ that the Debian build links:
 * recorded by asking the real daemon for each); another name is OVS's "No
 * such counter". ovsim counts the events it models, under OVS's names
 * (COUNTED_BY_OVSIM); a counter OVS has whose events ovsim does not count is
 * refused (`readCoverageCounter` answers "unmodelled") rather than read as a
 * made-up number.
 *
 * Counted:
 * - upcall_flow_limit_hit: misses that installed no datapath flow because the
 *   datapath held its flow limit (ofproto-dpif-upcall.c should_install_flow).
 * - rev_reconfigure: a backer's main-loop pass that revalidated for a
 *   reconfiguration (ofproto-dpif.c type_run; backer-revalidation.ts says
 *   which changes those are and when another reason wins).
 * - datapath_drop_meter, datapath_drop_invalid_port,
 *   datapath_drop_recirc_error: packets lib/dpif-netdev.c drops because a
 *   meter band dropped them, because they were output to a port the
 *   datapath cannot send on (none of that number, or a tunnel vport: a
 *   userspace datapath's vports have no transmit queue), or because they
 *   recirculated past the depth limit (packet-io.ts).
 */
import type { Switch } from "./switch.js";

export const OVS_COVERAGE_COUNTERS: ReadonlySet<string> = new Set([
  "afxdp_cq_empty",
  "afxdp_cq_skip",
  "afxdp_fq_full",
  "afxdp_tx_full",
  "bridge_reconfigure",
  "ccmap_expand",
  "ccmap_shrink",
  "cmap_expand",
  "cmap_shrink",
  "conntrack_full",
  "conntrack_invalid_tcp_flags",
  "conntrack_l3csum_err",
  "conntrack_l4csum_err",
  "conntrack_lookup_natted_miss",
  "conntrack_tcp_seq_chk_bypass",
  "conntrack_tcp_seq_chk_failed",
  "datapath_drop_invalid_bond",
  "datapath_drop_invalid_port",
  "datapath_drop_invalid_tnl_port",
  "datapath_drop_lock_error",
  "datapath_drop_meter",
  "datapath_drop_nsh_decap_error",
  "datapath_drop_recirc_error",
  "datapath_drop_rx_invalid_packet",
  "datapath_drop_sample_error",
  "datapath_drop_tunnel_pop_error",
  "datapath_drop_tunnel_push_error",
  "datapath_drop_upcall_error",
  "datapath_drop_userspace_action_error",
  "dpif_destroy",
  "dpif_execute",
  "dpif_execute_with_help",
  "dpif_flow_del",
  "dpif_flow_flush",
  "dpif_flow_get",
  "dpif_flow_put",
  "dpif_meter_del",
  "dpif_meter_get",
  "dpif_meter_set",
  "dpif_port_add",
  "dpif_port_del",
  "dpif_purge",
  "drop_action_bridge_not_found",
  "drop_action_congestion",
  "drop_action_forwarding_disabled",
  "drop_action_invalid_tunnel_metadata",
  "drop_action_no_recirculation_context",
  "drop_action_of_pipeline",
  "drop_action_recirculation_conflict",
  "drop_action_recursion_too_deep",
  "drop_action_stack_too_deep",
  "drop_action_too_many_mpls_labels",
  "drop_action_too_many_resubmit",
  "drop_action_unsupported_packet_type",
  "dumped_duplicate_flow",
  "dumped_new_flow",
  "flow_extract",
  "handler_duplicate_upcall",
  "hindex_expand",
  "hindex_pathological",
  "hindex_reserve",
  "hindex_shrink",
  "hmap_expand",
  "hmap_pathological",
  "hmap_reserve",
  "hmap_shrink",
  "ipf_l3csum_err",
  "ipf_stuck_frag_list_purged",
  "lockfile_error",
  "lockfile_lock",
  "lockfile_unlock",
  "mac_learning_evicted",
  "mac_learning_expired",
  "mac_learning_learned",
  "mac_learning_moved",
  "mac_learning_static_none_move",
  "mcast_snooping_expired",
  "mcast_snooping_learned",
  "miniflow_extract_ipv4_pkt_len_error",
  "miniflow_extract_ipv4_pkt_too_short",
  "miniflow_extract_ipv6_pkt_len_error",
  "miniflow_extract_ipv6_pkt_too_short",
  "miniflow_malloc",
  "netdev_add_router",
  "netdev_arp_lookup",
  "netdev_get_ethtool",
  "netdev_get_hwaddr",
  "netdev_get_ifindex",
  "netdev_get_stats",
  "netdev_push_header_drops",
  "netdev_received",
  "netdev_send_prepare_drops",
  "netdev_sent",
  "netdev_set_ethtool",
  "netdev_set_hwaddr",
  "netdev_set_policing",
  "netlink_overflow",
  "netlink_received",
  "netlink_recv_jumbo",
  "netlink_sent",
  "nln_changed",
  "ofmonitor_pause",
  "ofmonitor_resume",
  "ofproto_dpif_expired",
  "ofproto_flush",
  "ofproto_packet_out",
  "ofproto_queue_req",
  "ofproto_recv_openflow",
  "ofproto_reinit_ports",
  "ofproto_update_port",
  "packet_in_overflow",
  "poll_create_node",
  "poll_zero_timeout",
  "process_start",
  "pstream_open",
  "rconn_discarded",
  "rconn_overflow",
  "rconn_queued",
  "rconn_sent",
  "rev_bond",
  "rev_flow_table",
  "rev_mac_learning",
  "rev_mcast_snooping",
  "rev_port_toggled",
  "rev_reconfigure",
  "rev_rstp",
  "rev_stp",
  "revalidate_missed_dp_flow",
  "seq_change",
  "stream_open",
  "txn_aborted",
  "txn_error",
  "txn_incomplete",
  "txn_not_locked",
  "txn_success",
  "txn_try_again",
  "txn_unchanged",
  "txn_uncommitted",
  "unixctl_received",
  "unixctl_replied",
  "upcall_flow_limit_hit",
  "upcall_flow_limit_kill",
  "upcall_ukey_contention",
  "upcall_ukey_replace",
  "util_xalloc",
  "vconn_open",
  "vconn_received",
  "vconn_sent",
  "xlate_actions",
  "xlate_actions_oversize",
  "xlate_actions_too_many_output",
]);

/** The counters ovsim counts, each read from the switch. */
const COUNTED_BY_OVSIM: ReadonlyMap<string, (sw: Switch) => number> = new Map([
  ["upcall_flow_limit_hit", (sw: Switch) => sw.datapaths.all().reduce((n, d) => n + d.nFlowLimitHit, 0)],
  ["mac_learning_static_none_move", (sw: Switch) => [...sw.bridges.values()].reduce((n, b) => n + b.macTable.staticNoneMove, 0)],
  ...["rev_reconfigure", "datapath_drop_meter", "datapath_drop_invalid_port", "datapath_drop_recirc_error"].map(
    (name) => [name, (sw: Switch) => sw.vswitchd.coverage.get(name)] as const,
  ),
]);

/** A counter's total, "unknown" (not an OVS counter) or "unmodelled" (ovsim does not count its events). */
export function readCoverageCounter(sw: Switch, name: string): number | "unknown" | "unmodelled" {
  if (!OVS_COVERAGE_COUNTERS.has(name)) return "unknown";
  const read = COUNTED_BY_OVSIM.get(name);
  return read === undefined ? "unmodelled" : read(sw);
}
