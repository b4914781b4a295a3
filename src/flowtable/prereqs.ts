/**
 * Field prerequisites evaluated on a flow key (OVS's `mf_are_prereqs_ok`): does
 * this flow have the headers a field lives in? `nw_src` needs IPv4, `tcp_src`
 * needs TCP (and not a later fragment), `nd_sll` needs an ND solicitation...
 */
import type { Prereq } from "./fields.js";
import { M, readSmall } from "./flow-layout.js";
import { ETH_TYPE, IPPROTO, ND_NEIGHBOR_ADVERT, ND_NEIGHBOR_SOLICIT } from "./protocols.js";

const FRAG_LATER = 2;
/** CS_NEW | CS_ESTABLISHED | CS_RELATED | CS_REPLY_DIR | CS_SRC_NAT | CS_DST_NAT. */
const CT_VALID_BITS = 0x01 | 0x02 | 0x04 | 0x08 | 0x40 | 0x80;
const CS_INVALID = 0x10;
const CS_TRACKED = 0x20;

function dlType(k: Uint32Array): number {
  return readSmall(k, M.dlType);
}

function isIpAny(k: Uint32Array): boolean {
  const t = dlType(k);
  return t === ETH_TYPE.IP || t === ETH_TYPE.IPV6;
}

function l4(k: Uint32Array, proto: number): boolean {
  return isIpAny(k) && readSmall(k, M.nwProto) === proto && (readSmall(k, M.nwFrag) & FRAG_LATER) === 0;
}

function isIcmpv6(k: Uint32Array): boolean {
  return dlType(k) === ETH_TYPE.IPV6 && readSmall(k, M.nwProto) === IPPROTO.ICMPV6;
}

function isNd(k: Uint32Array): boolean {
  if (!isIcmpv6(k) || readSmall(k, M.tpDst) !== 0) return false;
  const type = readSmall(k, M.tpSrc);
  return type === ND_NEIGHBOR_SOLICIT || type === ND_NEIGHBOR_ADVERT;
}

/** True when the flow `key` (a match's key, with its `mask` when there is one) meets `prereq`. */
export function prereqOk(prereq: Prereq, key: Uint32Array, mask?: Uint32Array): boolean {
  switch (prereq) {
    case "none":
    case "ethernet":
      return true;
    case "vlan_vid":
      return (readSmall(key, M.vlanTci) & 0x1000) !== 0;
    case "arp":
      return dlType(key) === ETH_TYPE.ARP || dlType(key) === ETH_TYPE.RARP;
    case "ipv4":
      return dlType(key) === ETH_TYPE.IP;
    case "ipv6":
      return dlType(key) === ETH_TYPE.IPV6;
    case "ip_any":
      return isIpAny(key);
    case "tcp":
      return l4(key, IPPROTO.TCP);
    case "udp":
      return l4(key, IPPROTO.UDP);
    case "sctp":
      return l4(key, IPPROTO.SCTP);
    case "icmpv4":
      return dlType(key) === ETH_TYPE.IP && readSmall(key, M.nwProto) === IPPROTO.ICMP;
    case "icmpv6":
      return isIcmpv6(key);
    case "nd":
      return isNd(key);
    case "mpls":
      return dlType(key) === ETH_TYPE.MPLS || dlType(key) === ETH_TYPE.MPLS_MCAST;
    case "nd_solicit":
      return isNd(key) && readSmall(key, M.tpSrc) === ND_NEIGHBOR_SOLICIT;
    case "nd_advert":
      return isNd(key) && readSmall(key, M.tpSrc) === ND_NEIGHBOR_ADVERT;
    case "ct": {
      // is_ct_valid: a state only a found connection has (new, est, rel, rpl, snat, dnat), or a
      // match on +trk with an explicit -inv.
      const state = readSmall(key, M.ctState);
      if ((state & CT_VALID_BITS) !== 0) return true;
      return mask !== undefined && (state & CS_TRACKED) !== 0 && (readSmall(mask, M.ctState) & CS_INVALID) !== 0 && (state & CS_INVALID) === 0;
    }
  }
}
