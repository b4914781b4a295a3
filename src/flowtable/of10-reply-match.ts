/**
 * The match a flow stats reply carries in OpenFlow 1.0's own format (what
 * `ovs-ofctl -F OpenFlow10 dump-flows` prints), OVS's
 * `ofputil_match_to_ofp10_match` then back: the fixed `ofp10_match` has no
 * room for registers, metadata, IPv6, ARP hardware addresses, ECN, TTL, TCP
 * flags or tunnel fields, so they vanish from the printed flow; what remains
 * is widened to what its wildcard bits can say:
 *
 * - in_port, dl_src, dl_dst, dl_type, nw_proto (the ARP opcode too), tp_src
 *   and tp_dst (ICMP type and code too) have one wildcard bit each: any
 *   matched bit makes the whole field exact (on the masked value);
 * - nw_src and nw_dst (ARP's spa and tpa) keep a prefix: the mask's bits from
 *   its lowest set bit up (`ofputil_netmask_to_wcbits`), so `/255.0.255.0` is
 *   `/24`;
 * - nw_tos keeps its DSCP bits;
 * - the VLAN goes through OpenFlow 1.0's dl_vlan / dl_vlan_pcp
 *   (match-transmit.ts's round trip).
 */
import type { FlowMember } from "./flow-layout.js";
import { M } from "./flow-layout.js";
import { Match } from "./match.js";
import { transmitMatch } from "./match-transmit.js";

/** Fields with a single wildcard bit in ofp10_match. */
const WHOLE: readonly FlowMember[] = [M.inPort, M.dlSrc, M.dlDst, M.dlType, M.nwProto, M.tpSrc, M.tpDst];
/** Fields carried as a CIDR prefix. */
const PREFIX: readonly FlowMember[] = [M.nwSrc, M.nwDst];
/** nw_tos: only the DSCP bits travel. */
const DSCP_MASK = 0xfcn;

function allOnes(bits: number): bigint {
  return (1n << BigInt(bits)) - 1n;
}

/** The mask `mask` widens to in ofp10_match: its bits from the lowest set one up. */
function prefixOf(mask: bigint, bits: number): bigint {
  if (mask === 0n) return 0n;
  const lowest = mask & -mask;
  return allOnes(bits) & ~(lowest - 1n);
}

/** `match` as an OpenFlow 1.0 flow stats reply carries it. */
export function of10ReplyMatch(match: Match): Match {
  const out = new Match();
  for (const m of WHOLE) {
    if (match.memberMask(m) !== 0n) out.setMember(m, match.memberValue(m));
  }
  for (const m of PREFIX) {
    const mask = prefixOf(match.memberMask(m), m.bits);
    out.setMemberBits(m, allOnes(m.bits), match.memberValue(m), mask);
  }
  out.setMemberBits(M.nwTos, DSCP_MASK, match.memberValue(M.nwTos), (match.memberMask(M.nwTos) & DSCP_MASK) === 0n ? 0n : DSCP_MASK);
  out.setMemberBits(M.vlanTci, allOnes(M.vlanTci.bits), match.memberValue(M.vlanTci), match.memberMask(M.vlanTci));
  const sent = transmitMatch(out, "of10");
  return sent.ok ? sent.match : out;
}
