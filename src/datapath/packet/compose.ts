/**
 * The packet OVS builds from a flow (lib/flow.c's flow_compose): what
 * `ofproto/trace -generate` and `netdev-dummy/receive PORT FLOW` send, so
 * that a flow and its bytes trace alike. `extractFlow(flowCompose(f))` gives
 * back `f` on the fields such a packet carries (flow-compose.ts's
 * `composedFlow` is that model).
 *
 * Layout, as OVS: Ethernet (dl_type 0x05ff: an 802.3 header whose length
 * field is 14, nothing more), VLAN headers from the flow's TCIs that have CFI
 * set (outer = vlan_tci, TPIDs from the translation flow), then
 * - IPv4: 20-byte header, id 0, MF set for fragments and offset 100 for later
 *   ones, header checksum;
 * - IPv6: 40 bytes, version 6, tclass, label, no extension headers (the
 *   fragment bits are not written: OVS composes no fragment header);
 * - ARP/RARP: 28 bytes; op = nw_proto; addresses only for ops 1 and 2;
 * - L4 unless a later fragment: TCP 20 (+ l7 unless SYN/FIN/RST), UDP 8 + l7,
 *   SCTP 12, ICMP 8 (+ l7 for echo), IGMP 8, ICMPv6 8 (+ ND target and
 *   SLL/TLL options for NS/NA, + l7 for echo); TCP/UDP/ICMPv6 checksums with
 *   the pseudo-header, ICMP/IGMP plain.
 * The default payload is OVS's: bytes 0, 1, 2, ... (`l7Len` of them).
 */
import { vlanTpid } from "../../actions/xlate/odp-metadata.js";
import { M, MPLS_LSE_WORDS, readSmall, W } from "../../flowtable/flow-layout.js";
import { put16, put32, putWords } from "./bytes.js";
import { csum, csumContinue, csumFinish, pseudoHeaderV4, pseudoHeaderV6 } from "./csum.js";
import { Packet } from "./packet.js";
import { composedLength, DUMMY_L7_LEN, mplsLabels } from "../flow-compose.js";

const FLOW_DL_TYPE_NONE = 0x05ff;
const VLAN_CFI = 0x1000;
const FRAG_ANY = 1;
const FRAG_LATER = 2;

function isMacZero(flow: Uint32Array, w: number): boolean {
  return (flow[w] ?? 0) === 0 && (flow[w + 1] ?? 0) === 0;
}

/** Writes the L4 header and payload at `p`; returns the end offset. */
function composeL4(b: Uint8Array, p: number, flow: Uint32Array, l7Len: number): number {
  const frag = readSmall(flow, M.nwFrag);
  if ((frag & FRAG_ANY) !== 0 && (frag & FRAG_LATER) !== 0) return p;
  const tpSrc = readSmall(flow, M.tpSrc);
  const tpDst = readSmall(flow, M.tpDst);
  const l7 = (at: number): number => {
    for (let i = 0; i < l7Len; i++) b[at + i] = i & 0xff;
    return at + l7Len;
  };
  switch (readSmall(flow, M.nwProto)) {
    case 6: {
      const flags = readSmall(flow, M.tcpFlags) & 0x0fff;
      put16(b, p, tpSrc);
      put16(b, p + 2, tpDst);
      put16(b, p + 12, (5 << 12) | flags);
      return (flags & 0x07) !== 0 ? p + 20 : l7(p + 20);
    }
    case 17:
      put16(b, p, tpSrc);
      put16(b, p + 2, tpDst);
      put16(b, p + 4, 8 + l7Len);
      return l7(p + 8);
    case 132:
      put16(b, p, tpSrc);
      put16(b, p + 2, tpDst);
      return p + 12;
    case 1:
      b[p] = tpSrc & 0xff;
      b[p + 1] = tpDst & 0xff;
      return ((tpSrc & 0xff) === 8 || (tpSrc & 0xff) === 0) && (tpDst & 0xff) === 0 ? l7(p + 8) : p + 8;
    case 2:
      b[p] = tpSrc & 0xff;
      b[p + 1] = tpDst & 0xff;
      return p + 8;
    case 58: {
      const type = tpSrc & 0xff;
      const code = tpDst & 0xff;
      b[p] = type;
      b[p + 1] = code;
      if (code === 0 && (type === 135 || type === 136)) {
        putWords(b, p + 8, flow, W.ND_TARGET, 4);
        let q = p + 24;
        if (!isMacZero(flow, W.ARP_SHA)) {
          b[q] = 1;
          b[q + 1] = 1;
          putWords(b, q + 2, flow, W.ARP_SHA, 2, 2);
          q += 8;
        }
        if (!isMacZero(flow, W.ARP_THA)) {
          b[q] = 2;
          b[q + 1] = 1;
          putWords(b, q + 2, flow, W.ARP_THA, 2, 2);
          q += 8;
        }
        return q;
      }
      return code === 0 && (type === 128 || type === 129) ? l7(p + 8) : p + 8;
    }
    default:
      return p;
  }
}

/** Fills the L4 checksum of the segment `[l4, end)` (OVS's flow_compose_l4_csum). */
function l4Checksum(b: Uint8Array, l4: number, end: number, flow: Uint32Array, pseudo: number): void {
  const frag = readSmall(flow, M.nwFrag);
  if ((frag & FRAG_ANY) !== 0 && (frag & FRAG_LATER) !== 0) return;
  const len = end - l4;
  switch (readSmall(flow, M.nwProto)) {
    case 6:
      put16(b, l4 + 16, csumFinish(csumContinue(pseudo, b, l4, len)));
      return;
    case 17: {
      const c = csumFinish(csumContinue(pseudo, b, l4, len));
      put16(b, l4 + 6, c === 0 ? 0xffff : c);
      return;
    }
    case 1:
    case 2:
      put16(b, l4 + 2, csum(b, l4, len));
      return;
    case 58:
      put16(b, l4 + 2, csumFinish(csumContinue(pseudo, b, l4, len)));
      return;
    default:
      return;
  }
}

/**
 * OVS's flow_compose: the packet `flow` describes (a flow key or a
 * translation flow), with `l7Len` bytes of payload where the protocol has one.
 */
export function flowCompose(flow: Uint32Array, l7Len: number = DUMMY_L7_LEN): Packet {
  const size = composedLength(flow, l7Len);
  const b = new Uint8Array(size);
  const pkt = new Packet(b, size);
  putWords(b, 0, flow, W.DL_DST, 2, 2);
  putWords(b, 6, flow, W.DL_SRC, 2, 2);
  const dlType = readSmall(flow, M.dlType);
  if (dlType === FLOW_DL_TYPE_NONE || dlType < 0x600) {
    // OVS writes the 802.3 length only for 0x05ff; another small dl_type is written as is.
    put16(b, 12, dlType === FLOW_DL_TYPE_NONE ? 14 : dlType);
    return pkt;
  }
  let p = 12;
  const tcis = [readSmall(flow, M.vlanTci), readSmall(flow, M.vlanTci1)] as const;
  for (let i = 0; i < 2; i++) {
    const tci = tcis[i] ?? 0;
    if ((tci & VLAN_CFI) === 0) continue;
    put16(b, p, vlanTpid(flow, i === 0 ? 0 : 1));
    // eth_push_vlan: the header's CFI bit is clear (the flow's marks that a header is there).
    put16(b, p + 2, tci & ~VLAN_CFI);
    p += 4;
  }
  put16(b, p, dlType);
  p += 2;
  pkt.l3Ofs = p;
  if (dlType === 0x0800) {
    const frag = readSmall(flow, M.nwFrag);
    b[p] = 0x45;
    b[p + 1] = readSmall(flow, M.nwTos);
    if ((frag & FRAG_ANY) !== 0) put16(b, p + 6, 0x2000 | ((frag & FRAG_LATER) !== 0 ? 100 : 0));
    b[p + 8] = readSmall(flow, M.nwTtl);
    b[p + 9] = readSmall(flow, M.nwProto);
    put32(b, p + 12, flow[W.NW_SRC] ?? 0);
    put32(b, p + 16, flow[W.NW_DST] ?? 0);
    const l4 = p + 20;
    pkt.l4Ofs = l4;
    const end = composeL4(b, l4, flow, l7Len);
    put16(b, p + 2, end - p);
    put16(b, p + 10, csum(b, p, 20));
    l4Checksum(b, l4, end, flow, pseudoHeaderV4(b, p));
  } else if (dlType === 0x86dd) {
    put32(b, p, ((6 << 28) | (readSmall(flow, M.nwTos) << 20) | ((flow[W.IPV6_LABEL] ?? 0) & 0xfffff)) >>> 0);
    b[p + 6] = readSmall(flow, M.nwProto);
    b[p + 7] = readSmall(flow, M.nwTtl);
    putWords(b, p + 8, flow, W.IPV6_SRC, 4);
    putWords(b, p + 24, flow, W.IPV6_DST, 4);
    const l4 = p + 40;
    pkt.l4Ofs = l4;
    const end = composeL4(b, l4, flow, l7Len);
    put16(b, p + 4, end - l4);
    l4Checksum(b, l4, end, flow, pseudoHeaderV6(b, p, readSmall(flow, M.nwProto), end - l4));
  } else if (dlType === 0x0806 || dlType === 0x8035) {
    const op = readSmall(flow, M.nwProto);
    put16(b, p, 1);
    put16(b, p + 2, 0x0800);
    b[p + 4] = 6;
    b[p + 5] = 4;
    put16(b, p + 6, op);
    if (op === 1 || op === 2) {
      putWords(b, p + 8, flow, W.ARP_SHA, 2, 2);
      put32(b, p + 14, flow[W.NW_SRC] ?? 0);
      putWords(b, p + 18, flow, W.ARP_THA, 2, 2);
      put32(b, p + 24, flow[W.NW_DST] ?? 0);
    }
  } else if (dlType === 0x8847 || dlType === 0x8848) {
    // push_mpls of each entry, innermost first: mpls_lse[0] ends up outermost.
    pkt.l2_5Ofs = p;
    const n = mplsLabels(flow);
    for (let i = 0; i < n; i++) put32(b, p + 4 * i, flow[MPLS_LSE_WORDS[i]!] ?? 0);
    pkt.l3Ofs = p + 4 * n;
  }
  return pkt;
}
