/**
 * Prints a packet's flow, as ofproto/trace's `Flow:` and `Final flow:` lines
 * and packet-ins do (OVS's `flow_format`): the fields that exist for this kind
 * of packet (`flow_wildcards_init_for_packet`), with zero-valued metadata
 * (in_port, registers, conntrack...) left out.
 */
import type { FlowMember } from "./flow-layout.js";
import { FLOW_WORDS, M, W, readMember, readSmall, tunnelDstIsSet, writeMember } from "./flow-layout.js";
import { Match } from "./match.js";
import { formatMatch } from "./match-format.js";
import type { PortNameMap } from "./ports.js";
import { ETH_TYPE, IPPROTO } from "./protocols.js";
import { prereqOk } from "./prereqs.js";
import type { TunMdView } from "./match-format.js";
import { hasTunMd, TUN_MD_OPTS_WORDS } from "./tun-metadata-match.js";

const FLOW_TNL_F_KEY = 0x8;
const FRAG_LATER = 2;
const IPPROTO_IGMP = 2;
const MPLS_BOS_MASK = 0x100;

/** The mask of the fields a packet with flow `key` has (OVS's flow_wildcards_init_for_packet). */
export function packetFieldsMask(key: Uint32Array): Uint32Array {
  const wc = new Uint32Array(FLOW_WORDS);
  const mask = (...members: FlowMember[]): void => {
    for (const m of members) writeMember(wc, m, (1n << BigInt(m.bits)) - 1n);
  };
  if (tunnelDstIsSet(key)) {
    if ((readSmall(key, M.tunFlags) & FLOW_TNL_F_KEY) !== 0) mask(M.tunId);
    mask(M.tunSrc, M.tunDst, M.tunIpv6Src, M.tunIpv6Dst, M.tunFlags);
    mask(M.tunGbpId, M.tunGbpFlags, M.tunErspanVer, M.tunErspanIdx, M.tunErspanDir, M.tunErspanHwid, M.tunGtpuFlags, M.tunGtpuMsgtype);
    // The options present, each whole (which bytes are whose is the bridge's TLV map's).
    if (hasTunMd(key)) {
      wc[W.TUN_MD_PRESENT] = key[W.TUN_MD_PRESENT] ?? 0;
      wc[W.TUN_MD_PRESENT + 1] = key[W.TUN_MD_PRESENT + 1] ?? 0;
      wc.fill(0xffffffff, W.TUN_MD_OPTS, W.TUN_MD_OPTS + TUN_MD_OPTS_WORDS);
    }
  } else if (key[M.tunId.word] !== 0 || key[M.tunId.word + 1] !== 0) {
    mask(M.tunId);
  }
  mask(M.pktMark, M.ctState, M.ctZone, M.ctMark, M.ctLabel, M.inPort);
  mask(M.dlDst, M.dlSrc, M.dlType, M.vlanTci);
  // Inner VLAN only when the outer one exists (OVS shows the first zero VLAN).
  if (readSmall(key, M.vlanTci) !== 0) mask(M.vlanTci1);
  const dlType = readSmall(key, M.dlType);
  if (dlType === ETH_TYPE.IP) {
    mask(M.nwSrc, M.nwDst, M.ctNwSrc, M.ctNwDst);
  } else if (dlType === ETH_TYPE.IPV6) {
    mask(M.ipv6Src, M.ipv6Dst, M.ipv6Label);
    if (prereqOk("nd", key)) mask(M.arpSha, M.arpTha, M.ndTarget);
    else mask(M.ctIpv6Src, M.ctIpv6Dst);
  } else if (dlType === ETH_TYPE.ARP || dlType === ETH_TYPE.RARP) {
    mask(M.nwSrc, M.nwDst, M.nwProto, M.arpSha, M.arpTha);
    return wc;
  } else if (dlType === ETH_TYPE.MPLS || dlType === ETH_TYPE.MPLS_MCAST) {
    // Every entry down to the first with the bottom-of-stack bit, at most three.
    for (const m of [M.mplsLse, M.mplsLse1, M.mplsLse2]) {
      mask(m);
      if ((readSmall(key, m) & MPLS_BOS_MASK) !== 0) break;
    }
    return wc;
  } else {
    return wc;
  }
  writeMember(wc, M.nwFrag, 3n);
  mask(M.nwTos, M.nwTtl, M.nwProto, M.ctNwProto, M.ctTpSrc, M.ctTpDst);
  const proto = readSmall(key, M.nwProto);
  const l4: readonly number[] = [IPPROTO.ICMP, IPPROTO.ICMPV6, IPPROTO.TCP, IPPROTO.UDP, IPPROTO.SCTP, IPPROTO_IGMP];
  if ((readSmall(key, M.nwFrag) & FRAG_LATER) === 0 && l4.includes(proto)) {
    mask(M.tpSrc, M.tpDst);
    if (proto === IPPROTO.TCP) mask(M.tcpFlags);
  }
  return wc;
}

/** OVS's `flow_format`. */
export function formatFlow(key: Uint32Array, names?: PortNameMap, tunMd?: TunMdView): string {
  const wc = packetFieldsMask(key);
  // Metadata is shown when non-zero; in_port and conntrack fields only then too.
  for (const m of [M.metadata, ...M.regs]) writeMember(wc, m, (1n << BigInt(m.bits)) - 1n);
  for (const m of [M.inPort, M.pktMark, M.ctState, M.ctZone, M.ctMark, M.ctLabel, M.metadata, ...M.regs]) {
    if (readMember(key, m) === 0n) writeMember(wc, m, 0n);
  }
  // The conntrack original direction tuple only for a valid connection with a protocol.
  if (!prereqOk("ct", key) || readSmall(key, M.ctNwProto) === 0) {
    for (const m of [M.ctNwProto, M.ctTpSrc, M.ctTpDst, M.ctNwSrc, M.ctNwDst, M.ctIpv6Src, M.ctIpv6Dst]) writeMember(wc, m, 0n);
  }
  const masked = new Uint32Array(FLOW_WORDS);
  for (let i = 0; i < FLOW_WORDS; i++) masked[i] = (key[i] ?? 0) & (wc[i] ?? 0);
  const text = formatMatch(new Match(masked, wc), undefined, names, tunMd);
  if (!tunnelDstIsSet(key)) return text;
  return text.replace(/(tun_gbp_flags=[^,]*,)/, `$1${OUTER_TOS_TTL}`);
}

/**
 * The outer TOS and TTL, which OVS's flow_format prints after the GBP fields of a
 * tunnel packet: they live past the flow key (flow-layout.ts's DPM), so they are
 * written here as zero and a translation flow's printer puts their values in.
 */
const OUTER_TOS_TTL = "tun_tos=0,tun_ttl=0,";
