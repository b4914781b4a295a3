/**
 * A port's fixed flows: everything firewall.py installs for a port besides
 * its security-group rules (initialize_port_flows, _initialize_egress,
 * _initialize_ingress, _initialize_tracked_*, _initialize_egress_no_port_security,
 * install_physical_direct_flow, install_accepted_egress_direct_flow) and the
 * deletes that take them away (delete_all_port_flows and friends).
 *
 * The pipeline a filtered port gets (PORT = its ofport, VLAN = its local VLAN):
 *
 *   table 60  p100 in_port=PORT → reg5=PORT, reg6=VLAN, egress 71
 *             p90  dl_vlan=VLAN,dl_dst=MAC → regs, strip_vlan, ingress 81
 *                  (per allowed MAC; also dl_vlan=SEG on a VLAN network, and
 *                  untagged on a flat one: frames straight from the physnet)
 *   table 71  p95 ARP / ICMPv6 RS,NS,MLD from its (MAC, IP) pairs, NA by nd_target → 94
 *             p80 DHCP(v6) client requests → 73; p70 DHCP server replies, RAs → 93 (drop)
 *             p65 IP from its (MAC, IP) pairs → ct(table=72, zone=VLAN)
 *             p10 anything else → ct_clear, 93
 *   table 72  (rules) p50 invalid, ct_mark=1 → 93; replies and related in its zone → 94;
 *             p40 -est → 93, +est → commit ct_mark=1 (no rule took it: flag the connection)
 *   table 73  p100 reg6=VLAN,dl_dst=MAC → reg5=PORT, ingress 81 (to a local port)
 *             p90 +new-est → ct(commit), 91; p80 → 94
 *   table 81  p100 ARP, ICMPv6 MLD/NS/NA/RA → output; p95 DHCP(v6) offers → output
 *             p90 -trk → ct(table=82, zone=VLAN); p80 +trk → 82
 *   table 82  (rules) as 72, accepting with output:PORT
 *   table 94  (explicitly_egress_direct) p12 reg6=VLAN,dl_dst=MAC → output:PORT;
 *             p10 reg6=VLAN,dl_src=MAC, unicast → VLAN tag, the network's patch
 *
 * A port without port security gets only table 60 p100 → 73 and table 73 p80
 * → 94 (and the egress-direct pair). Each builder returns flows with the port
 * they are committed with (Neutron's flow_group_id); order within a port
 * does not matter to OVS, and is Neutron's.
 */
import {
  ACCEPT_OR_INGRESS_TABLE,
  ACCEPTED_EGRESS_TRAFFIC_NORMAL_TABLE,
  ACCEPTED_EGRESS_TRAFFIC_TABLE,
  BASE_EGRESS_TABLE,
  BASE_INGRESS_TABLE,
  CT_MARK_INVALID,
  CT_MARK_NORMAL,
  DROPPED_TRAFFIC_TABLE,
  ETHERTYPE_ARP,
  ETHERTYPE_IP,
  ETHERTYPE_IPV6,
  FLAT_VLAN_TCI,
  ICMPV6_ALLOWED_EGRESS_TYPES,
  ICMPV6_ALLOWED_INGRESS_TYPES,
  ICMPV6_RESTRICTED_EGRESS_TYPES,
  ICMPV6_TYPE_RA,
  OF_STATE_ESTABLISHED,
  OF_STATE_ESTABLISHED_REPLY,
  OF_STATE_INVALID,
  OF_STATE_NEW_NOT_ESTABLISHED,
  OF_STATE_NOT_ESTABLISHED,
  OF_STATE_NOT_TRACKED,
  OF_STATE_RELATED,
  OF_STATE_TRACKED,
  PROTO_NUM_IPV6_ICMP,
  PROTO_NUM_UDP,
  REG_NET,
  REG_PORT,
  RULES_EGRESS_TABLE,
  RULES_INGRESS_TABLE,
  TRANSIENT_TABLE,
} from "./constants.js";
import type { FlowDelete, FlowMatch, FlowSpec, GroupedFlow } from "./flow-spec.js";
import { defaultGroupOf } from "./flow-spec.js";
import type { MacIp, OFPort } from "./sg-port-map.js";
import { pairSet } from "./sg-port-map.js";

const CT_ZONE = `zone=NXM_NX_REG${REG_NET}[0..15]`;

/** A flow grouped with the port its in_port / reg5 names (or `group`). */
function fl(table: number, priority: number, match: FlowMatch, actions: string, group?: number): GroupedFlow {
  const flow: FlowSpec = { table, priority, match, actions };
  return { flow, group: group ?? defaultGroupOf(flow) };
}

const resubmit = (t: number): string => `resubmit(,${t})`;
const setRegs = (ofport: number, vlan: number): string => `set_field:${ofport}->reg${REG_PORT},set_field:${vlan}->reg${REG_NET},`;

/** install_physical_direct_flow: frames for MAC straight from the physical network (VLAN SEG, or untagged on a flat network). */
export function physicalDirectFlows(mac: string, segmentId: number | null, ofport: number, localVlan: number, networkType: string | null): GroupedFlow[] {
  if (networkType === "vlan" && segmentId !== null) {
    const actions = `${setRegs(ofport, localVlan)}strip_vlan,${resubmit(BASE_INGRESS_TABLE)}`;
    return [fl(TRANSIENT_TABLE, 90, { dl_dst: mac, dl_vlan: `0x${segmentId.toString(16)}` }, actions, ofport)];
  }
  if (networkType === "flat") {
    return [fl(TRANSIENT_TABLE, 90, { dl_dst: mac, vlan_tci: FLAT_VLAN_TCI }, `${setRegs(ofport, localVlan)}${resubmit(BASE_INGRESS_TABLE)}`, ofport)];
  }
  return [];
}

/** initialize_port_flows' table-60 part: the port's egress classifier and, per allowed MAC, its ingress ones. */
export function transientFlows(port: OFPort): GroupedFlow[] {
  const out = [fl(TRANSIENT_TABLE, 100, { in_port: port.ofport }, `${setRegs(port.ofport, port.vlanTag)}${resubmit(BASE_EGRESS_TABLE)}`)];
  for (const mac of port.allAllowedMacs) {
    out.push(...physicalDirectFlows(mac, port.segmentId, port.ofport, port.vlanTag, port.networkType));
    const actions = `${setRegs(port.ofport, port.vlanTag)}strip_vlan,${resubmit(BASE_INGRESS_TABLE)}`;
    out.push(fl(TRANSIENT_TABLE, 90, { dl_dst: mac, dl_vlan: `0x${port.vlanTag.toString(16)}` }, actions, port.ofport));
  }
  return out;
}

/** _initialize_egress_ipv6_icmp: RS / NS / MLD from each (MAC, IPv6) pair, NA only for the port's own addresses. */
function egressIpv6IcmpFlows(port: OFPort, pairs: readonly MacIp[]): GroupedFlow[] {
  const out: GroupedFlow[] = [];
  for (const [mac, ip] of pairSet([...pairs, [port.mac, port.llaAddress]])) {
    const base = { in_port: port.ofport, reg5: port.ofport, dl_type: ETHERTYPE_IPV6, nw_proto: PROTO_NUM_IPV6_ICMP };
    for (const t of ICMPV6_ALLOWED_EGRESS_TYPES) {
      out.push(fl(BASE_EGRESS_TABLE, 95, { ...base, icmp_type: t, dl_src: mac, ipv6_src: ip }, resubmit(ACCEPTED_EGRESS_TRAFFIC_NORMAL_TABLE)));
    }
    for (const t of ICMPV6_RESTRICTED_EGRESS_TYPES) {
      out.push(fl(BASE_EGRESS_TABLE, 95, { ...base, icmp_type: t, nd_target: ip }, resubmit(ACCEPTED_EGRESS_TRAFFIC_NORMAL_TABLE)));
    }
  }
  return out;
}

/** The (MAC, IPv4) pairs a port may send from: its allowed pairs and its MAC with each fixed IPv4. */
export function macIpv4Pairs(port: OFPort): MacIp[] {
  return pairSet([...port.allowedPairsV4, ...port.ipv4Addresses.map((ip): MacIp => [port.mac, ip])]);
}

/** The (MAC, IPv6) pairs a port may send from (with its link-local address). */
export function macIpv6Pairs(port: OFPort): MacIp[] {
  return pairSet([...port.allowedPairsV6, ...port.ipv6Addresses.map((ip): MacIp => [port.mac, ip])]);
}

/** _initialize_egress without its egress-direct flows: tables 71 and 73 for the port. */
export function egressFlows(port: OFPort, permittedEthertypes: readonly string[], warn: (msg: string) => void = () => {}): GroupedFlow[] {
  const p = port.ofport;
  const out: GroupedFlow[] = [];
  const v4 = macIpv4Pairs(port);
  for (const [mac, ip] of v4) {
    out.push(fl(BASE_EGRESS_TABLE, 95, { in_port: p, reg5: p, dl_src: mac, dl_type: ETHERTYPE_ARP, arp_spa: ip }, resubmit(ACCEPTED_EGRESS_TRAFFIC_NORMAL_TABLE)));
    out.push(fl(BASE_EGRESS_TABLE, 65, { reg5: p, dl_type: ETHERTYPE_IP, in_port: p, dl_src: mac, nw_src: ip }, `ct(table=${RULES_EGRESS_TABLE},${CT_ZONE})`));
  }
  const v6 = macIpv6Pairs(port);
  out.push(...egressIpv6IcmpFlows(port, v6));
  for (const [mac, ip] of v6) {
    out.push(fl(BASE_EGRESS_TABLE, 65, { reg5: p, in_port: p, dl_type: ETHERTYPE_IPV6, dl_src: mac, ipv6_src: ip }, `ct(table=${RULES_EGRESS_TABLE},${CT_ZONE})`));
  }
  // DHCP discovery and requests (IPv4 also from 0.0.0.0)
  const dhcp: Array<[number, number, number, FlowMatch[]]> = [
    [ETHERTYPE_IP, 68, 67, [...v4, [port.mac, "0.0.0.0"] as MacIp].map(([mac, ip]) => ({ dl_src: mac, nw_src: ip }))],
    [ETHERTYPE_IPV6, 546, 547, v6.map(([mac, ip]) => ({ dl_src: mac, ipv6_src: ip }))],
  ];
  for (const [dlType, src, dst, filters] of dhcp) {
    for (const extra of filters) {
      out.push(fl(BASE_EGRESS_TABLE, 80, { reg5: p, in_port: p, dl_type: dlType, ...extra, nw_proto: PROTO_NUM_UDP, tp_src: src, tp_dst: dst }, resubmit(ACCEPT_OR_INGRESS_TABLE)));
    }
  }
  // no DHCP server on an instance
  for (const [dlType, src, dst] of [[ETHERTYPE_IP, 67, 68], [ETHERTYPE_IPV6, 547, 546]] as const) {
    out.push(fl(BASE_EGRESS_TABLE, 70, { in_port: p, reg5: p, dl_type: dlType, nw_proto: PROTO_NUM_UDP, tp_src: src, tp_dst: dst }, resubmit(DROPPED_TRAFFIC_TABLE)));
  }
  // no router advertisements from an instance
  out.push(fl(BASE_EGRESS_TABLE, 70, { in_port: p, reg5: p, dl_type: ETHERTYPE_IPV6, nw_proto: PROTO_NUM_IPV6_ICMP, icmp_type: ICMPV6_TYPE_RA }, resubmit(DROPPED_TRAFFIC_TABLE)));
  for (const e of permittedEthertypes) {
    const n = e.startsWith("0x") && /^0x[0-9a-fA-F]+$/.test(e) ? parseInt(e, 16) : NaN;
    if (Number.isNaN(n)) {
      warn(`Custom ethertype ${e} is not a hexadecimal number.`);
      continue;
    }
    out.push(fl(BASE_EGRESS_TABLE, 95, { dl_type: `0x${n.toString(16)}`, reg5: p }, resubmit(ACCEPTED_EGRESS_TRAFFIC_NORMAL_TABLE)));
  }
  out.push(fl(BASE_EGRESS_TABLE, 10, { in_port: p, reg5: p }, `ct_clear,${resubmit(DROPPED_TRAFFIC_TABLE)}`));
  // table 73: traffic for a local port goes to its ingress, the rest is accepted
  for (const mac of port.allAllowedMacs) {
    out.push(fl(ACCEPT_OR_INGRESS_TABLE, 100, { dl_dst: mac, reg6: port.vlanTag }, `set_field:${p}->reg${REG_PORT},${resubmit(BASE_INGRESS_TABLE)}`, p));
  }
  for (const dlType of [ETHERTYPE_IP, ETHERTYPE_IPV6]) {
    out.push(fl(ACCEPT_OR_INGRESS_TABLE, 90, { dl_type: dlType, reg5: p, ct_state: OF_STATE_NEW_NOT_ESTABLISHED }, `ct(commit,${CT_ZONE}),${resubmit(ACCEPTED_EGRESS_TRAFFIC_TABLE)}`));
  }
  out.push(fl(ACCEPT_OR_INGRESS_TABLE, 80, { reg5: p }, resubmit(ACCEPTED_EGRESS_TRAFFIC_NORMAL_TABLE)));
  return out;
}

/** _initialize_ingress: table 81 for the port. */
export function ingressFlows(port: OFPort): GroupedFlow[] {
  const p = port.ofport;
  const out = [fl(BASE_INGRESS_TABLE, 100, { dl_type: ETHERTYPE_ARP, reg5: p }, `output:${p}`)];
  for (const t of [...ICMPV6_ALLOWED_INGRESS_TYPES, ICMPV6_TYPE_RA]) {
    out.push(fl(BASE_INGRESS_TABLE, 100, { reg5: p, dl_type: ETHERTYPE_IPV6, nw_proto: PROTO_NUM_IPV6_ICMP, icmp_type: t }, `output:${p}`));
  }
  for (const [dlType, src, dst] of [[ETHERTYPE_IP, 67, 68], [ETHERTYPE_IPV6, 547, 546]] as const) {
    out.push(fl(BASE_INGRESS_TABLE, 95, { reg5: p, dl_type: dlType, nw_proto: PROTO_NUM_UDP, tp_src: src, tp_dst: dst }, `output:${p}`));
  }
  for (const dlType of [ETHERTYPE_IP, ETHERTYPE_IPV6]) {
    out.push(fl(BASE_INGRESS_TABLE, 90, { reg5: p, dl_type: dlType, ct_state: OF_STATE_NOT_TRACKED }, `ct(table=${RULES_INGRESS_TABLE},${CT_ZONE})`));
  }
  out.push(fl(BASE_INGRESS_TABLE, 80, { ct_state: OF_STATE_TRACKED, reg5: p }, resubmit(RULES_INGRESS_TABLE)));
  return out;
}

/** _initialize_tracked_egress / _initialize_tracked_ingress: the rules table's flows that come before and after the rules. */
function trackedFlows(port: OFPort, table: number, accept: string): GroupedFlow[] {
  const p = port.ofport;
  const out = [
    fl(table, 50, { ct_state: OF_STATE_INVALID }, resubmit(DROPPED_TRAFFIC_TABLE), p),
    fl(table, 50, { reg5: p, ct_mark: CT_MARK_INVALID }, resubmit(DROPPED_TRAFFIC_TABLE)),
  ];
  for (const state of [OF_STATE_ESTABLISHED_REPLY, OF_STATE_RELATED]) {
    out.push(fl(table, 50, { ct_state: state, ct_mark: CT_MARK_NORMAL, reg5: p, ct_zone: port.vlanTag }, accept));
  }
  out.push(fl(table, 40, { reg5: p, ct_state: OF_STATE_NOT_ESTABLISHED }, resubmit(DROPPED_TRAFFIC_TABLE)));
  for (const dlType of [ETHERTYPE_IP, ETHERTYPE_IPV6]) {
    out.push(fl(table, 40, { dl_type: dlType, reg5: p, ct_state: OF_STATE_ESTABLISHED }, `ct(commit,${CT_ZONE},exec(set_field:${CT_MARK_INVALID}->ct_mark))`));
  }
  return out;
}

export function trackedEgressFlows(port: OFPort): GroupedFlow[] {
  return trackedFlows(port, RULES_EGRESS_TABLE, resubmit(ACCEPTED_EGRESS_TRAFFIC_NORMAL_TABLE));
}

/**
 * Ingress replies go straight out of the port; with hardware offload (and
 * without explicitly_egress_direct) through NORMAL, so that the datapath
 * flow is not a flood.
 */
export function trackedIngressFlows(port: OFPort, viaNormal: boolean): GroupedFlow[] {
  return trackedFlows(port, RULES_INGRESS_TABLE, viaNormal ? `mod_vlan_vid:${port.vlanTag},normal` : `output:${port.ofport}`);
}

/** _initialize_egress_no_port_security's flows: the port's traffic skips filtering both ways. */
export function noPortSecurityFlows(ofport: number, vlanTag: number): GroupedFlow[] {
  return [
    fl(TRANSIENT_TABLE, 100, { in_port: ofport }, `${setRegs(ofport, vlanTag)}${resubmit(ACCEPT_OR_INGRESS_TABLE)}`),
    fl(ACCEPT_OR_INGRESS_TABLE, 80, { reg5: ofport }, resubmit(ACCEPTED_EGRESS_TRAFFIC_NORMAL_TABLE)),
  ];
}

/**
 * install_accepted_egress_direct_flow's flows (explicitly_egress_direct):
 * accepted traffic for MAC goes straight to its port; MAC's unicast to
 * elsewhere, tagged, to the network's patch (`patchOfport`; null: none).
 */
export function acceptedEgressDirectFlows(mac: string, vlanTag: number, dstPort: number, patchOfport: number | null): GroupedFlow[] {
  const out = [fl(ACCEPTED_EGRESS_TRAFFIC_NORMAL_TABLE, 12, { dl_dst: mac, reg6: vlanTag }, `output:${dstPort}`, dstPort)];
  if (patchOfport !== null) {
    const match = { dl_src: mac, dl_dst: "00:00:00:00:00:00/01:00:00:00:00:00", reg6: vlanTag };
    out.push(fl(ACCEPTED_EGRESS_TRAFFIC_NORMAL_TABLE, 10, match, `mod_vlan_vid:${vlanTag},output:${patchOfport}`, dstPort));
  }
  return out;
}

const del = (table: number | undefined, match: FlowMatch): FlowDelete => (table === undefined ? { match, cookie: "default" } : { table, match, cookie: "default" });

/** delete_physical_direct_flow. */
export function physicalDirectDeletes(mac: string, segmentId: number | null): FlowDelete[] {
  return [segmentId ? del(TRANSIENT_TABLE, { dl_dst: mac, dl_vlan: segmentId }) : del(TRANSIENT_TABLE, { dl_dst: mac, vlan_tci: FLAT_VLAN_TCI })];
}

/** delete_accepted_egress_direct_flow. */
export function acceptedEgressDirectDeletes(mac: string, vlanTag: number): FlowDelete[] {
  return [
    del(ACCEPTED_EGRESS_TRAFFIC_NORMAL_TABLE, { dl_dst: mac, reg6: vlanTag }),
    del(ACCEPTED_EGRESS_TRAFFIC_NORMAL_TABLE, { dl_src: mac, reg6: vlanTag }),
  ];
}

/** delete_all_port_flows: every flow of a filtered port (all of its reg5 flows, whatever the table). */
export function portFlowDeletes(port: OFPort): FlowDelete[] {
  const out: FlowDelete[] = [];
  for (const mac of port.allAllowedMacs) {
    out.push(del(TRANSIENT_TABLE, { dl_dst: mac, dl_vlan: port.vlanTag }));
    out.push(...physicalDirectDeletes(mac, port.segmentId));
    out.push(del(ACCEPT_OR_INGRESS_TABLE, { dl_dst: mac, reg6: port.vlanTag }));
  }
  out.push(...acceptedEgressDirectDeletes(port.mac, port.vlanTag));
  out.push(del(TRANSIENT_TABLE, { in_port: port.ofport }));
  out.push(del(undefined, { reg5: port.ofport }));
  return out;
}

/** _remove_egress_no_port_security's deletes (and the egress-direct ones). */
export function noPortSecurityDeletes(ofport: number, mac: string, vlanTag: number): FlowDelete[] {
  return [del(TRANSIENT_TABLE, { in_port: ofport }), del(ACCEPT_OR_INGRESS_TABLE, { reg5: ofport }), ...acceptedEgressDirectDeletes(mac, vlanTag)];
}
