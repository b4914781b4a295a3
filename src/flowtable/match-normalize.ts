/**
 * OVS's `ofputil_normalize_match`: wildcards the fields a match may not match
 * given its dl_type and nw_proto (an ARP flow has no TOS, an IPv4 flow no IPv6
 * addresses, a flow without TCP/UDP/SCTP/ICMP no ports). OpenFlow 1.0 switches
 * apply it silently to every flow_mod; ovs-ofctl logs it when it changes a flow.
 */
import type { FlowMember } from "./flow-layout.js";
import { M } from "./flow-layout.js";
import type { Match } from "./match.js";
import { formatMatch } from "./match-format.js";
import { ETH_TYPE, IPPROTO, ND_NEIGHBOR_ADVERT, ND_NEIGHBOR_SOLICIT } from "./protocols.js";

/** Returns a normalized copy of `match` and whether anything changed. */
export function normalizeMatch(match: Match): { match: Match; changed: boolean } {
  const dlType = Number(match.memberValue(M.dlType));
  const proto = Number(match.memberValue(M.nwProto));
  const tpSrc = Number(match.memberValue(M.tpSrc));
  let nwAddr = false;
  let tpAddr = false;
  let nwProto = false;
  let ipvx = false;
  let arpSha = false;
  let arpTha = false;
  let ipv6 = false;
  let ndTarget = false;
  if (dlType === ETH_TYPE.IP) {
    nwProto = ipvx = nwAddr = true;
    tpAddr = [IPPROTO.TCP, IPPROTO.UDP, IPPROTO.SCTP, IPPROTO.ICMP].includes(proto as 6);
  } else if (dlType === ETH_TYPE.IPV6) {
    nwProto = ipvx = ipv6 = true;
    if (proto === IPPROTO.TCP || proto === IPPROTO.UDP || proto === IPPROTO.SCTP) {
      tpAddr = true;
    } else if (proto === IPPROTO.ICMPV6) {
      tpAddr = true;
      if (tpSrc === ND_NEIGHBOR_SOLICIT) ndTarget = arpSha = true;
      else if (tpSrc === ND_NEIGHBOR_ADVERT) ndTarget = arpTha = true;
    }
  } else if (dlType === ETH_TYPE.ARP || dlType === ETH_TYPE.RARP) {
    nwProto = nwAddr = arpSha = arpTha = true;
  }

  const out = match.clone();
  const clear = (allowed: boolean, ...members: FlowMember[]): void => {
    if (!allowed) for (const m of members) out.clearMember(m);
  };
  clear(nwAddr, M.nwSrc, M.nwDst);
  clear(tpAddr, M.tpSrc, M.tpDst);
  clear(nwProto, M.nwProto);
  clear(ipvx, M.nwTos, M.nwTtl);
  clear(arpSha, M.arpSha);
  clear(arpTha, M.arpTha);
  clear(ipv6, M.ipv6Src, M.ipv6Dst, M.ipv6Label);
  clear(ndTarget, M.ndTarget);
  clear(dlType === ETH_TYPE.MPLS || dlType === ETH_TYPE.MPLS_MCAST, M.mplsLse, M.mplsLse1, M.mplsLse2);
  return { match: out, changed: !out.equals(match) };
}

/**
 * The INFO lines ovs-ofctl logs when normalization would change a flow it
 * sends (`ofp_match|INFO|...`), or none.
 */
export function normalizationLog(match: Match): string[] {
  const n = normalizeMatch(match);
  if (!n.changed) return [];
  return [
    "normalization changed ofp_match, details:",
    ` pre: ${formatMatch(match)}`,
    `post: ${formatMatch(n.match)}`,
  ];
}
