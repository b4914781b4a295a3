/**
 * OVS's tuple_swap for `resubmit(,N,ct)` (ofproto-dpif-xlate.c): the table lookup
 * sees the conntrack original direction tuple in place of the packet's own
 * protocol, addresses (IPv4 or IPv6, by dl_type) and ports; the wildcards are
 * swapped the same way, so that bits consulted on the tuple land on the ct_*
 * fields. Swapping twice restores the flow.
 */
import type { FlowMember } from "../../flowtable/flow-layout.js";
import { M, readMember, readSmall, writeMember } from "../../flowtable/flow-layout.js";

const ETH_TYPE_IP = 0x0800;

function swap(words: Uint32Array, a: FlowMember, b: FlowMember): void {
  const x = readMember(words, a);
  writeMember(words, a, readMember(words, b));
  writeMember(words, b, x);
}

function swapFlow(words: Uint32Array, ipv4: boolean): void {
  swap(words, M.nwProto, M.ctNwProto);
  if (ipv4) {
    swap(words, M.nwSrc, M.ctNwSrc);
    swap(words, M.nwDst, M.ctNwDst);
  } else {
    swap(words, M.ipv6Src, M.ctIpv6Src);
    swap(words, M.ipv6Dst, M.ctIpv6Dst);
  }
  swap(words, M.tpSrc, M.ctTpSrc);
  swap(words, M.tpDst, M.ctTpDst);
}

/** Swaps the packet's 5-tuple with the conntrack original tuple in `flow` and in `wc`. */
export function tupleSwap(flow: Uint32Array, wc: Uint32Array): void {
  const ipv4 = readSmall(flow, M.dlType) === ETH_TYPE_IP;
  swapFlow(flow, ipv4);
  swapFlow(wc, ipv4);
}
