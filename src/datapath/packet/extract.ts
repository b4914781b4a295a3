/**
 * Flow extraction: a packet's bytes into a flow key, exactly as OVS's
 * miniflow_extract (lib/flow.c) reads Ethernet, 802.1Q/802.1ad, LLC/SNAP,
 * ARP/RARP, IPv4, IPv6 (extension headers, fragments), TCP, UDP, SCTP,
 * ICMP, IGMP and ICMPv6 (neighbour discovery), and MPLS label stacks (the first
 * three entries into the flow; nothing after the stack, as OVS).
 *
 * This is the datapath's hot path: no allocation, no closures, no BigInt; it
 * writes the caller's key (a flow key, or a translation flow whose extra words
 * get the VLAN TPIDs) and the packet's layer offsets.
 *
 * OVS's rules worth knowing, all reproduced here:
 * - A frame shorter than 14 bytes has no L2 fields at all (dl_type 0).
 * - At most `vlanLimit` VLAN headers are parsed (OVS's `other_config:vlan-limit`,
 *   default 1): with QinQ and the default, the inner TPID is the dl_type.
 * - An Ethertype below 0x600 is 802.3: LLC/SNAP with OUI 0 gives the SNAP
 *   type, anything else FLOW_DL_TYPE_NONE (0x05ff).
 * - A bad IPv4 header (short, IHL < 5, total length beyond the frame or
 *   below the IHL) leaves every L3 field zero; the version nibble is never
 *   checked. A bad IPv6 header likewise; bad extension headers keep the
 *   addresses but no label, protocol, TOS, TTL or fragment bits.
 * - Bytes beyond the IP total length (or IPv6 payload length) are padding.
 * - Later fragments have no L4 fields; an IPv6 later fragment has nw_proto 44.
 * - L4 fields need the whole fixed header (TCP: its data offset too, >= 20).
 * - ND (ICMPv6 135/136, code 0): target, then SLL/TLL options of length 1;
 *   a zero-length or overlong option stops parsing (fields so far are kept),
 *   a repeated SLL or TLL voids the target and both addresses. The type of the
 *   first link-layer option goes to tcp_flags (OVS's nd_options_type view).
 *
 * Not extracted (no member in the flow key): IGMP group, ND reserved bits
 * (OVS's igmp_group_ip4 view), NSH, conntrack original tuple.
 */
import { XM } from "../../actions/xlate/odp-metadata.js";
import { FLOW_MAX_MPLS_LABELS, MPLS_LSE_WORDS, W } from "../../flowtable/flow-layout.js";
import type { Packet } from "./packet.js";
import { ETH_HEADER_LEN } from "./packet.js";
import { ETH_TYPE } from "../../flowtable/protocols.js";

/** OVS's LEGACY_MAX_VLAN_HEADERS: vlan-limit when other_config does not set it. */
export const DEFAULT_VLAN_LIMIT = 1;
/** OVS's FLOW_MAX_VLAN_HEADERS. */
export const MAX_VLAN_HEADERS = 2;

const ETH_TYPE_MIN = 0x600;
const FLOW_DL_TYPE_NONE = 0x05ff;
const VLAN_CFI = 0x1000;
const FRAG_ANY = 1;
const FRAG_LATER = 2;
const TPID_WORD = XM.vlanTpid.word;

/* All reads below are in bounds: every caller checks the remaining size first. */
function u16(b: Uint8Array, i: number): number {
  return (b[i]! << 8) | b[i + 1]!;
}
function u32(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

/** Writes the 48-bit MAC at `b[i]` into two key words (high 16 bits first). */
function putMac(key: Uint32Array, w: number, b: Uint8Array, i: number): void {
  key[w] = u16(b, i);
  key[w + 1] = u32(b, i + 2);
}

function putIpv6(key: Uint32Array, w: number, b: Uint8Array, i: number): void {
  key[w] = u32(b, i);
  key[w + 1] = u32(b, i + 4);
  key[w + 2] = u32(b, i + 8);
  key[w + 3] = u32(b, i + 12);
}

function isMacZero(key: Uint32Array, w: number): boolean {
  return key[w] === 0 && key[w + 1] === 0;
}

const IPPROTO_HOPOPTS = 0;
const IPPROTO_ROUTING = 43;
const IPPROTO_FRAGMENT = 44;
const IPPROTO_AH = 51;
const IPPROTO_DSTOPTS = 60;

/** Scratch results of the IPv6 extension header walk (module-level: no per-packet allocation). */
let extOfs = 0;
let extRem = 0;
let extProto = 0;
let extFrag = 0;

/** OVS's parse_ipv6_ext_hdrs__: false on a truncated header. */
function parseIpv6ExtHeaders(b: Uint8Array): boolean {
  for (;;) {
    const p = extProto;
    if (p !== IPPROTO_HOPOPTS && p !== IPPROTO_ROUTING && p !== IPPROTO_DSTOPTS && p !== IPPROTO_AH && p !== IPPROTO_FRAGMENT) {
      return true;
    }
    if (extRem < 8) return false;
    const o = extOfs;
    extProto = b[o]!;
    if (p === IPPROTO_FRAGMENT) {
      extOfs += 8;
      extRem -= 8;
      const offlg = u16(b, o + 2);
      if (offlg !== 0) {
        extFrag = FRAG_ANY;
        if ((offlg & 0xfff8) !== 0) {
          extFrag |= FRAG_LATER;
          extProto = IPPROTO_FRAGMENT;
          return true;
        }
      }
    } else {
      const len = p === IPPROTO_AH ? (b[o + 1]! + 2) * 4 : (b[o + 1]! + 1) * 8;
      if (len > extRem) return false;
      extOfs += len;
      extRem -= len;
    }
  }
}

const ND_OPT_SOURCE_LINKADDR = 1;
const ND_OPT_TARGET_LINKADDR = 2;

/** ND target and options (OVS's parse_icmpv6 for NS/NA) from offset `p`, `rem` bytes. */
function parseNd(b: Uint8Array, p: number, rem: number, key: Uint32Array): void {
  if (rem < 16) return;
  putIpv6(key, W.ND_TARGET, b, p);
  p += 16;
  rem -= 16;
  let optType = 0;
  while (rem >= 8) {
    const type = b[p]!;
    const optLen = b[p + 1]! * 8;
    if (optLen === 0 || optLen > rem) break;
    if (optLen === 8 && (type === ND_OPT_SOURCE_LINKADDR || type === ND_OPT_TARGET_LINKADDR)) {
      const w = type === ND_OPT_SOURCE_LINKADDR ? W.ARP_SHA : W.ARP_THA;
      if (!isMacZero(key, w)) {
        // A repeated option: the target and both addresses are void.
        key[W.ND_TARGET] = key[W.ND_TARGET + 1] = key[W.ND_TARGET + 2] = key[W.ND_TARGET + 3] = 0;
        key[W.ARP_SHA] = key[W.ARP_SHA + 1] = key[W.ARP_THA] = key[W.ARP_THA + 1] = 0;
        break;
      }
      putMac(key, w, b, p + 2);
      if (optType === 0) optType = type;
    }
    p += optLen;
    rem -= optLen;
  }
  key[W.TCP_FLAGS] = optType;
}

/**
 * Extracts the flow of `packet`, received on `inPort`, into `key` (zeroed
 * first; FLOW_WORDS long, or a translation flow). Sets the packet's offsets.
 */
export function extractFlow(packet: Packet, inPort: number, key: Uint32Array, vlanLimit: number = DEFAULT_VLAN_LIMIT): void {
  key.fill(0);
  key[W.IN_PORT] = inPort;
  packet.resetOffsets();
  const b = packet.bytes;
  let rem = packet.size;
  if (rem < ETH_HEADER_LEN) return;

  // L2: addresses, VLANs (parse_vlan), Ethertype (parse_ethertype).
  putMac(key, W.DL_DST, b, 0);
  putMac(key, W.DL_SRC, b, 6);
  let p = 12;
  rem -= 12;
  let tci0 = 0;
  let tci1 = 0;
  let tpids = 0;
  for (let n = 0; n < vlanLimit && n < MAX_VLAN_HEADERS; n++) {
    const tpid = u16(b, p);
    if (tpid !== 0x8100 && tpid !== 0x88a8) break;
    if (rem < 6) break;
    const tci = u16(b, p + 2) | VLAN_CFI;
    if (n === 0) {
      tci0 = tci;
      tpids = tpid << 16;
    } else {
      tci1 = tci;
      tpids |= tpid;
    }
    p += 4;
    rem -= 4;
  }
  let dlType = u16(b, p);
  p += 2;
  rem -= 2;
  if (dlType < ETH_TYPE_MIN) {
    if (rem >= 8 && b[p] === 0xaa && b[p + 1] === 0xaa && b[p + 2] === 0x03 && b[p + 3] === 0 && b[p + 4] === 0 && b[p + 5] === 0) {
      const snapType = u16(b, p + 6);
      p += 8;
      rem -= 8;
      dlType = snapType >= ETH_TYPE_MIN ? snapType : FLOW_DL_TYPE_NONE;
    } else {
      dlType = FLOW_DL_TYPE_NONE;
    }
  }
  key[W.DL_TYPE_VLAN_TCI] = ((dlType << 16) | tci0) >>> 0;
  key[W.VLAN_TCI1] = tci1;
  if (key.length > TPID_WORD) key[TPID_WORD] = tpids >>> 0;

  // MPLS (parse_mpls): the whole label stack up to the bottom-of-stack entry
  // is skipped, its first FLOW_MAX_MPLS_LABELS entries go to mpls_lse[0..2].
  // Nothing past the stack is parsed.
  if (dlType === ETH_TYPE.MPLS || dlType === ETH_TYPE.MPLS_MCAST) {
    packet.l2_5Ofs = p;
    let n = 0;
    while (rem >= 4) {
      const lse = u32(b, p);
      if (n < FLOW_MAX_MPLS_LABELS) key[MPLS_LSE_WORDS[n]!] = lse;
      n++;
      p += 4;
      rem -= 4;
      if ((lse & 0x100) !== 0) break;
    }
  }

  // L3.
  packet.l3Ofs = p;
  let proto: number;
  let tos: number;
  let ttl: number;
  let frag = 0;
  if (dlType === ETH_TYPE.IP) {
    if (rem < 20) return;
    const ihl = (b[p]! & 0x0f) * 4;
    if (ihl < 20 || rem < ihl) return;
    const totLen = u16(b, p + 2);
    if (totLen > rem || ihl > totLen) return;
    packet.l2PadSize = rem - totLen;
    rem = totLen;
    key[W.NW_SRC] = u32(b, p + 12);
    key[W.NW_DST] = u32(b, p + 16);
    tos = b[p + 1]!;
    ttl = b[p + 8]!;
    proto = b[p + 9]!;
    const fragOff = u16(b, p + 6);
    if ((fragOff & 0x3fff) !== 0) {
      frag = FRAG_ANY;
      if ((fragOff & 0x1fff) !== 0) frag |= FRAG_LATER;
    }
    p += ihl;
    rem -= ihl;
  } else if (dlType === ETH_TYPE.IPV6) {
    if (rem < 40) return;
    const plen = u16(b, p + 4);
    if (plen + 40 > rem) return;
    const tcFlow = u32(b, p);
    putIpv6(key, W.IPV6_SRC, b, p + 8);
    putIpv6(key, W.IPV6_DST, b, p + 24);
    tos = (tcFlow >>> 20) & 0xff;
    ttl = b[p + 7]!;
    extProto = b[p + 6]!;
    p += 40;
    rem -= 40;
    packet.l2PadSize = rem - plen;
    rem = plen;
    extOfs = p;
    extRem = rem;
    extFrag = 0;
    if (!parseIpv6ExtHeaders(b)) return;
    p = extOfs;
    rem = extRem;
    proto = extProto;
    frag = extFrag;
    key[W.IPV6_LABEL] = tcFlow & 0xfffff;
  } else {
    if ((dlType === ETH_TYPE.ARP || dlType === ETH_TYPE.RARP) && rem >= 28) {
      if (u16(b, p) === 1 && u16(b, p + 2) === ETH_TYPE.IP && b[p + 4] === 6 && b[p + 5] === 4) {
        key[W.NW_SRC] = u32(b, p + 14);
        key[W.NW_DST] = u32(b, p + 24);
        const op = u16(b, p + 6);
        // Only the low 8 bits of the opcode are matched; a larger one reads as 0.
        if (op <= 0xff) key[W.NW_PROTO_TOS_TTL_FRAG] = op << 24;
        putMac(key, W.ARP_SHA, b, p + 8);
        putMac(key, W.ARP_THA, b, p + 18);
      }
    }
    return;
  }

  // L4.
  packet.l4Ofs = p;
  key[W.NW_PROTO_TOS_TTL_FRAG] = ((proto << 24) | (tos << 16) | (ttl << 8) | frag) >>> 0;
  if ((frag & FRAG_LATER) !== 0) return;
  switch (proto) {
    case 6: // TCP
      if (rem >= 20) {
        const hdrLen = (b[p + 12]! >> 4) * 4;
        if (hdrLen >= 20 && rem >= hdrLen) {
          key[W.TCP_FLAGS] = u16(b, p + 12) & 0x0fff;
          key[W.TP_SRC_DST] = u32(b, p);
        }
      }
      return;
    case 17: // UDP
      if (rem >= 8) key[W.TP_SRC_DST] = u32(b, p);
      return;
    case 132: // SCTP
      if (rem >= 12) key[W.TP_SRC_DST] = u32(b, p);
      return;
    case 1: // ICMP
    case 2: // IGMP
      if (rem >= 8) key[W.TP_SRC_DST] = ((b[p]! << 16) | b[p + 1]!) >>> 0;
      return;
    case 58: // ICMPv6
      if (rem >= 8) {
        const type = b[p]!;
        const code = b[p + 1]!;
        key[W.TP_SRC_DST] = ((type << 16) | code) >>> 0;
        if (code === 0 && (type === 135 || type === 136)) parseNd(b, p + 8, rem - 8, key);
      }
      return;
    default:
      return;
  }
}
