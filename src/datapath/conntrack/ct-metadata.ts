/**
 * A packet's conntrack metadata as the flow key sees it: what OVS's
 * miniflow_extract copies from pkt_metadata into the flow of a recirculated
 * packet (ct_state, ct_zone, ct_mark, ct_label and the original-direction
 * tuple ct_nw_src / ct_nw_dst / ct_ipv6_src / ct_ipv6_dst / ct_nw_proto /
 * ct_tp_src / ct_tp_dst). With ct_state 0 all of them read as 0.
 *
 * The flow key holds all of them (flow-layout.ts). As miniflow_extract, the
 * original tuple goes into the key only when it is of the packet's own IP
 * version, and its addresses and ports only with a protocol.
 */
import { M, readSmall, W } from "../../flowtable/flow-layout.js";
import { ConnKey } from "./conn-key.js";
import { IPPROTO_ICMP, IPPROTO_ICMPV6 } from "./ct-consts.js";
import type { CtMetadata } from "./conntrack.js";

/** Writes ct_state, ct_zone, ct_mark and ct_label of `md` into flow key `flow` (zeros when untracked). No allocation. */
export function writeCtFlowFields(md: CtMetadata, flow: Uint32Array): void {
  const tracked = md.ctState !== 0;
  flow[M.ctState.word] = (((flow[M.ctState.word] ?? 0) & ~0xff) | (md.ctState & 0xff)) >>> 0;
  const w = W.TUN_FLAGS_CT_ZONE;
  flow[w] = (((tracked ? md.ctZone & 0xffff : 0) << M.ctZone.shift) | ((flow[w] ?? 0) & 0xffff)) >>> 0;
  flow[M.ctMark.word] = tracked ? md.ctMark >>> 0 : 0;
  const label = tracked ? md.ctLabel : null;
  if (label === null) flow.fill(0, M.ctLabel.word, M.ctLabel.word + 4);
  else flow.set(label, M.ctLabel.word);
  writeCtOrigTuple(md, flow);
}

/** ct_nw_proto, ct_nw_src / ct_nw_dst or ct_ipv6_src / ct_ipv6_dst, ct_tp_src / ct_tp_dst of `md` into `flow` (zeros without a tuple). No allocation. */
function writeCtOrigTuple(md: CtMetadata, flow: Uint32Array): void {
  flow.fill(0, W.CT_NW_SRC, W.CT_NW_PROTO + 1);
  const k = md.ctOrig;
  if (md.ctState === 0 || !(k instanceof ConnKey)) return;
  const dlType = readSmall(flow, M.dlType);
  if (dlType !== (k.isIpv4 ? ETH_TYPE_IP : ETH_TYPE_IPV6)) return;
  const proto = k.proto & 0xff;
  flow[W.CT_NW_PROTO] = proto;
  if (proto === 0) return;
  const w = k.w;
  if (k.isIpv4) {
    flow[W.CT_NW_SRC] = w[0] ?? 0;
    flow[W.CT_NW_DST] = w[5] ?? 0;
  } else {
    for (let i = 0; i < 4; i++) {
      flow[W.CT_IPV6_SRC + i] = w[i] ?? 0;
      flow[W.CT_IPV6_DST + i] = w[5 + i] ?? 0;
    }
  }
  const icmp = proto === (k.isIpv4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);
  const tpSrc = icmp ? k.icmpType : k.srcPort;
  const tpDst = icmp ? k.icmpCode : k.dstPort;
  flow[W.CT_TP_SRC_DST] = (((tpSrc & 0xffff) << 16) | (tpDst & 0xffff)) >>> 0;
}

const ETH_TYPE_IP = 0x0800;
const ETH_TYPE_IPV6 = 0x86dd;

/** The original-direction tuple fields (OVS's ct_nw_* / ct_ipv6_* / ct_tp_* match fields). */
export interface CtOrigTuple {
  readonly ipv6: boolean;
  /** IPv4: word 0 only; IPv6: 4 words, most significant first. */
  readonly src: readonly number[];
  readonly dst: readonly number[];
  readonly proto: number;
  /** ct_tp_src: the source port, or the ICMP type (write_ct_md). */
  readonly tpSrc: number;
  /** ct_tp_dst: the destination port, or the ICMP code. */
  readonly tpDst: number;
}

/** The original tuple of `md` as OVS's write_ct_md stores it, or null (untracked, or +inv without a key). */
export function ctOrigTuple(md: CtMetadata): CtOrigTuple | null {
  const k = md.ctOrig;
  if (md.ctState === 0 || !(k instanceof ConnKey)) return null;
  const icmp = k.proto === (k.isIpv4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);
  const words = (base: number): number[] => (k.isIpv4 ? [k.w[base]!] : [k.w[base]!, k.w[base + 1]!, k.w[base + 2]!, k.w[base + 3]!]);
  return {
    ipv6: !k.isIpv4,
    src: words(0),
    dst: words(5),
    proto: k.proto,
    tpSrc: icmp ? k.icmpType : k.srcPort,
    tpDst: icmp ? k.icmpCode : k.dstPort,
  };
}
