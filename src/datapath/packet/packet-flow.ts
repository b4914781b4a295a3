/**
 * A packet given alongside a flow (`ofproto/trace BRIDGE FLOW HEX`): OVS takes
 * the packet's metadata from the flow (pkt_metadata_from_flow: in_port,
 * tunnel, skb_priority, pkt_mark, conntrack state) and everything else from
 * the bytes (flow_extract). Registers and `metadata` in the flow are lost,
 * as in OVS. Also: the switch-wide `other_config:vlan-limit`.
 */
import { XLATE_FLOW_WORDS, XM } from "../../actions/xlate/odp-metadata.js";
import type { FlowMember } from "../../flowtable/flow-layout.js";
import { M, readMember, readSmall, writeMember } from "../../flowtable/flow-layout.js";
import { DEFAULT_VLAN_LIMIT, extractFlow, MAX_VLAN_HEADERS } from "./extract.js";
import type { Packet } from "./packet.js";

const METADATA: readonly FlowMember[] = [M.tunId, M.tunSrc, M.tunDst, M.tunFlags, M.tunIpv6Src, M.tunIpv6Dst, M.tunErspanVer, M.tunErspanDir, M.tunErspanHwid, M.tunErspanIdx, M.pktMark, M.ctState, M.ctZone, M.ctMark, M.ctLabel, XM.skbPriority];

/** The translation flow of `packet` with `flow`'s metadata (OVS's pkt_metadata_from_flow + flow_extract). */
export function flowOfPacket(packet: Packet, flow: Uint32Array, vlanLimit: number = DEFAULT_VLAN_LIMIT): Uint32Array {
  const out = new Uint32Array(XLATE_FLOW_WORDS);
  extractFlow(packet, readSmall(flow, M.inPort), out, vlanLimit);
  for (const m of METADATA) writeMember(out, m, readMember(flow, m));
  return out;
}

/** OVS's flow_limit_vlans of `other_config:vlan-limit` (absent: 1; 0 or negative: no limit). */
export function vlanLimitOf(otherConfigValue: string | undefined): number {
  if (otherConfigValue === undefined) return DEFAULT_VLAN_LIMIT;
  const n = /^[-+]?\d+$/.test(otherConfigValue.trim()) ? Number.parseInt(otherConfigValue, 10) : DEFAULT_VLAN_LIMIT;
  return n <= 0 ? MAX_VLAN_HEADERS : Math.min(n, MAX_VLAN_HEADERS);
}
