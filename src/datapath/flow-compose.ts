/**
 * The packet OVS builds from a flow when a test hands it a flow instead of
 * bytes (`ovs-appctl netdev-dummy/receive PORT FLOW`): lib/flow.c's
 * flow_compose with a 64-byte payload, and what flow_extract then reads back
 * from that packet. Only the packet's length and its extracted flow matter to
 * ovsim so far (the length is what flow and port counters are credited with);
 * the bytes themselves come with the packet/datapath work.
 *
 * Lengths, as flow_compose lays the packet out:
 *
 * - Ethernet header 14, plus 4 per VLAN header (CFI set); a flow without an
 *   Ethertype (dl_type 0x05ff) is just the 14-byte header, VLANs dropped;
 * - IPv4 header 20, IPv6 40, ARP/RARP 28; other Ethertypes carry nothing;
 * - L4, unless the packet is a later fragment: TCP 20 (+64 payload unless
 *   SYN, FIN or RST), UDP 8 + 64, SCTP 12, ICMP 8 (+64 for echo request and
 *   reply with code 0), IGMP 8, ICMPv6 8 (+16 target +8 per non-zero
 *   link-layer address for neighbour solicitation/advertisement, +64 for
 *   echo).
 *
 * `--len N` pads the packet with zeros up to N (packet_expand).
 */
import { XLATE_FLOW_WORDS, XM } from "../actions/xlate/odp-metadata.js";
import type { FlowMember } from "../flowtable/flow-layout.js";
import { FLOW_MAX_MPLS_LABELS, M, MPLS_LSE_WORDS, readMember, readSmall, writeMember } from "../flowtable/flow-layout.js";

const FLOW_DL_TYPE_NONE = 0x05ff;
const ETH_TYPE_MIN = 0x600;
const VLAN_CFI = 0x1000;
const MPLS_BOS_MASK = 0x100;
const FRAG_ANY = 1;
const FRAG_LATER = 2;
const TCP_SYN_FIN_RST = 0x02 | 0x01 | 0x04;
/** IPv6 extension headers parse_ipv6_ext_hdrs__ walks: hop-by-hop, routing, fragment, AH, destination options. */
const IPV6_EXT_HEADERS: ReadonlySet<number> = new Set([0, 43, 44, 51, 60]);
/** netdev-dummy composes packets with this much L7 payload. */
export const DUMMY_L7_LEN = 64;

/** OVS's flow_compose_l4: the L4 header and payload length. */
function l4Length(flow: Uint32Array, l7: number): number {
  const frag = readSmall(flow, M.nwFrag);
  if ((frag & FRAG_ANY) !== 0 && (frag & FRAG_LATER) !== 0) return 0;
  const type = readSmall(flow, M.tpSrc);
  const code = readSmall(flow, M.tpDst);
  switch (readSmall(flow, M.nwProto)) {
    case 6:
      return 20 + ((readSmall(flow, M.tcpFlags) & TCP_SYN_FIN_RST) !== 0 ? 0 : l7);
    case 17:
      return 8 + l7;
    case 132:
      return 12;
    case 1:
      return 8 + ((type === 8 || type === 0) && code === 0 ? l7 : 0);
    case 2:
      return 8;
    case 58: {
      if (code === 0 && (type === 135 || type === 136)) {
        let n = 8 + 16;
        if (readMember(flow, M.arpSha) !== 0n) n += 8;
        if (readMember(flow, M.arpTha) !== 0n) n += 8;
        return n;
      }
      return 8 + (code === 0 && (type === 128 || type === 129) ? l7 : 0);
    }
    default:
      return 0;
  }
}

/**
 * How many label stack entries flow_compose pushes for an MPLS flow: up to the
 * first with the bottom-of-stack bit, at most OVS's FLOW_MAX_MPLS_LABELS (3).
 */
export function mplsLabels(flow: Uint32Array): number {
  let n = 1;
  while (n < FLOW_MAX_MPLS_LABELS && ((flow[MPLS_LSE_WORDS[n - 1]!] ?? 0) & MPLS_BOS_MASK) === 0) n++;
  return n;
}

/** The length of the packet flow_compose builds from `flow` with `l7` payload bytes. */
export function composedLength(flow: Uint32Array, l7: number = DUMMY_L7_LEN): number {
  const dlType = readSmall(flow, M.dlType);
  if (dlType < ETH_TYPE_MIN) return 14;
  let n = 14;
  if ((readSmall(flow, M.vlanTci) & VLAN_CFI) !== 0) n += 4;
  if ((readSmall(flow, M.vlanTci1) & VLAN_CFI) !== 0) n += 4;
  if (dlType === 0x0800) n += 20 + l4Length(flow, l7);
  else if (dlType === 0x86dd) n += 40 + l4Length(flow, l7);
  else if (dlType === 0x0806 || dlType === 0x8035) n += 28;
  else if (dlType === 0x8847 || dlType === 0x8848) n += 4 * mplsLabels(flow);
  return n;
}

function copy(to: Uint32Array, from: Uint32Array, ...members: FlowMember[]): void {
  for (const m of members) writeMember(to, m, readMember(from, m));
}

/**
 * What flow_extract reads from the packet flow_compose builds from `flow`,
 * received on OpenFlow port `inPort`: the headers the packet can carry, no
 * metadata (a received packet has no tunnel, conntrack, mark or priority).
 */
export function composedFlow(flow: Uint32Array, inPort: number): Uint32Array {
  const out = new Uint32Array(XLATE_FLOW_WORDS);
  out[M.inPort.word] = inPort;
  copy(out, flow, M.dlSrc, M.dlDst);
  const dlType = readSmall(flow, M.dlType);
  if (dlType < ETH_TYPE_MIN) {
    writeMember(out, M.dlType, BigInt(FLOW_DL_TYPE_NONE));
    return out;
  }
  writeMember(out, M.dlType, BigInt(dlType));
  const tci0 = readSmall(flow, M.vlanTci);
  if ((tci0 & VLAN_CFI) !== 0) {
    writeMember(out, M.vlanTci, BigInt(tci0));
    out[XM.vlanTpid.word] = (flow[XM.vlanTpid.word] ?? 0) & 0xffff0000;
    const tci1 = readSmall(flow, M.vlanTci1);
    if ((tci1 & VLAN_CFI) !== 0) {
      writeMember(out, M.vlanTci1, BigInt(tci1));
      out[XM.vlanTpid.word] = (flow[XM.vlanTpid.word] ?? 0) >>> 0;
    }
  }
  if (dlType === 0x0800 || dlType === 0x86dd) {
    if (dlType === 0x0800) copy(out, flow, M.nwSrc, M.nwDst);
    else copy(out, flow, M.ipv6Src, M.ipv6Dst);
    // An IPv6 packet is composed with no extension header, its L4 header right after (none for
    // a later fragment): a next header naming an extension header has nothing to walk, and
    // extraction stops with the addresses alone (parse_ipv6_ext_hdrs__ fails: no label,
    // protocol, TOS, TTL or fragment bits); otherwise it is never a fragment.
    if (dlType === 0x86dd && IPV6_EXT_HEADERS.has(readSmall(flow, M.nwProto))) return out;
    if (dlType === 0x86dd) copy(out, flow, M.ipv6Label);
    copy(out, flow, M.nwProto, M.nwTos, M.nwTtl);
    let frag = readSmall(flow, M.nwFrag);
    // The packet says "a fragment" (MF) and "not the first" (offset): LATER alone reads as no fragment.
    if ((frag & FRAG_ANY) === 0) frag = 0;
    writeMember(out, M.nwFrag, BigInt(dlType === 0x86dd ? 0 : frag & 3));
    if ((frag & FRAG_LATER) !== 0) return out;
    const proto = readSmall(flow, M.nwProto);
    if (proto === 6) copy(out, flow, M.tpSrc, M.tpDst, M.tcpFlags);
    else if (proto === 17 || proto === 132 || proto === 1 || proto === 2) copy(out, flow, M.tpSrc, M.tpDst);
    else if (proto === 58) {
      copy(out, flow, M.tpSrc, M.tpDst);
      const type = readSmall(flow, M.tpSrc);
      if (readSmall(flow, M.tpDst) === 0 && (type === 135 || type === 136)) copy(out, flow, M.ndTarget, M.arpSha, M.arpTha);
    }
  } else if (dlType === 0x0806 || dlType === 0x8035) {
    const op = readSmall(flow, M.nwProto);
    writeMember(out, M.nwProto, BigInt(op));
    if (op === 1 || op === 2) copy(out, flow, M.nwSrc, M.nwDst, M.arpSha, M.arpTha);
  } else if (dlType === 0x8847 || dlType === 0x8848) {
    // The packet ends with the entries flow_compose pushed: extraction reads them all.
    const n = mplsLabels(flow);
    for (const w of MPLS_LSE_WORDS.slice(0, n)) out[w] = flow[w] ?? 0;
  }
  return out;
}
