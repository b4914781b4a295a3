/**
 * ofproto/trace's NAT simulation (OVS's ofproto_trace_recirc_node in
 * ofproto/ofproto-dpif-trace.c): a trace does not run conntrack, so before
 * resuming a recirculation whose ct action carried `nat(src=..)` or
 * `nat(dst=..)` it rewrites the flow as if NAT had picked the first address
 * (and the first port, when a port range was given) of the range, so later
 * tables match the translated addresses. A `nat` without a range changes
 * nothing but is still announced.
 */
import type { NatAction } from "../action-types.js";
import { formatIpv4, formatIpv6 } from "../../flowtable/field-values.js";
import { M, readMember, readSmall, writeMember } from "../../flowtable/flow-layout.js";

/** oftrace_print_ip_flow: the addresses and ports NAT may change (nothing without an address family). */
function ipFlow(flow: Uint32Array, family: "ipv4" | "ipv6" | null): string {
  if (family === "ipv4") {
    return `nw_src=${formatIpv4(readMember(flow, M.nwSrc))},tp_src=${readSmall(flow, M.tpSrc)},nw_dst=${formatIpv4(readMember(flow, M.nwDst))},tp_dst=${readSmall(flow, M.tpDst)}`;
  }
  if (family === "ipv6") {
    return `ipv6_src=[${formatIpv6(readMember(flow, M.ipv6Src))}],tp_src=${readSmall(flow, M.tpSrc)},ipv6_dst=[${formatIpv6(readMember(flow, M.ipv6Dst))}],tp_dst=${readSmall(flow, M.tpDst)}`;
  }
  return "";
}

/** Rewrites `flow` as the NAT of `nat` would (first address and port of its range); returns the lines the trace prints. */
export function simulateNat(flow: Uint32Array, nat: NatAction): string[] {
  const range = nat.range;
  const family = range === null ? null : range.family;
  const initial = ipFlow(flow, family);
  if (range !== null && nat.kind !== null) {
    const src = nat.kind === "src";
    writeMember(flow, range.family === "ipv4" ? (src ? M.nwSrc : M.nwDst) : src ? M.ipv6Src : M.ipv6Dst, range.addrMin);
    if (range.portMin !== 0) writeMember(flow, src ? M.tpSrc : M.tpDst, BigInt(range.portMin));
  }
  return ["Replacing src/dst IP/ports to simulate NAT:", ` Initial flow: ${initial}`, ` Modified flow: ${ipFlow(flow, family)}`];
}
