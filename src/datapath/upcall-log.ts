/**
 * What the userspace datapath logs when it hands a packet to ofproto
 * (lib/dpif-netdev.c dp_netdev_upcall, module `dpif_netdev`, DBG):
 *
 *   ovs-dummy: miss upcall:
 *   skb_priority(0),skb_mark(0),ct_state(0),...,in_port(1),packet_type(ns=0,id=0),eth(...),...
 *   tcp,vlan_tci=0x0000,dl_src=...,tp_dst=9,tcp_flags=ack tcp_csum:b77d
 *
 * The datapath's name, the upcall's type, the packet's whole key
 * (odp_flow_key_format: formatOdpKey) and the packet as
 * ofp_packet_to_string prints it: the flow extracted from its bytes
 * (flow_format, no metadata: in_port 0) and, when the L4 header is all
 * there, its checksum (`tcp_csum:`, `udp_csum:`, `sctp_csum:`,
 * `icmp_csum:`, `icmp6_csum:`, hex without leading zeros). Without the
 * packet's bytes (a caller that has only its flow), the flow line is built
 * from the key and carries no checksum.
 */
import { FLOW_WORDS, M, readSmall, writeMember } from "../flowtable/flow-layout.js";
import { formatFlow } from "../flowtable/flow-print.js";
import { IPPROTO } from "../flowtable/protocols.js";
import { formatOdpKey } from "./dpif-netdev-format.js";
import { extractFlow } from "./packet/extract.js";
import type { Packet } from "./packet/packet.js";
import { OFS_NONE } from "./packet/packet.js";

/** flow_extract parses up to FLOW_MAX_VLAN_HEADERS VLAN headers whatever the datapath's limit. */
const FLOW_MAX_VLAN_HEADERS = 2;

/** The L4 header's checksum field as ofp_packet_to_string prints it, or "". */
function checksumText(packet: Packet, proto: number): string {
  if (packet.l4Ofs === OFS_NONE) return "";
  const b = packet.bytes;
  const l4 = packet.l4Ofs;
  const l4Size = packet.size - l4 - packet.l2PadSize;
  const u16 = (at: number): string => (((b[l4 + at] ?? 0) << 8) | (b[l4 + at + 1] ?? 0)).toString(16);
  if (proto === IPPROTO.TCP && l4Size >= 20) return ` tcp_csum:${u16(16)}`;
  if (proto === IPPROTO.UDP && l4Size >= 8) return ` udp_csum:${u16(6)}`;
  if (proto === IPPROTO.SCTP && l4Size >= 12) {
    const v = (((b[l4 + 8] ?? 0) << 24) | ((b[l4 + 9] ?? 0) << 16) | ((b[l4 + 10] ?? 0) << 8) | (b[l4 + 11] ?? 0)) >>> 0;
    return ` sctp_csum:${v.toString(16)}`;
  }
  if (proto === IPPROTO.ICMP && l4Size >= 4) return ` icmp_csum:${u16(2)}`;
  if (proto === IPPROTO.ICMPV6 && l4Size >= 4) return ` icmp6_csum:${u16(2)}`;
  return "";
}

/** ofp_packet_to_string: a packet's flow and L4 checksum (the key's header fields when `packet` is null). */
export function packetToString(key: Uint32Array, packet: Packet | null): string {
  const flow = new Uint32Array(FLOW_WORDS);
  if (packet !== null) {
    extractFlow(packet, 0, flow, FLOW_MAX_VLAN_HEADERS);
    return `${formatFlow(flow)}${checksumText(packet, readSmall(flow, M.nwProto))}`;
  }
  flow.set(key.subarray(0, FLOW_WORDS));
  // The bytes carry no metadata.
  for (const m of [M.inPort, M.pktMark, M.ctState, M.ctZone, M.ctMark, M.ctLabel, M.metadata, ...M.regs]) writeMember(flow, m, 0n);
  return formatFlow(flow);
}

/** dp_netdev_upcall's DBG message for a miss. */
export function missUpcallMessage(dpName: string, key: Uint32Array, packet: Packet | null, geneve = false): string {
  return `${dpName}: miss upcall:\n${formatOdpKey(key, geneve)}\n${packetToString(key, packet)}`;
}
