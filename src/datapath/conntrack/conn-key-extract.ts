/**
 * Reading a packet's connection key (OVS's conn_key_extract and the
 * extract_l3_* / check_l4_* / extract_l4_* helpers of lib/conntrack.c).
 *
 * Conntrack parses the packet again, apart from flow extraction, because it
 * is stricter and needs what the flow key does not hold:
 * - the IPv4 header checksum and the L4 checksum (TCP, UDP unless 0 on
 *   IPv4, ICMP, ICMPv6) must be right, else the packet is untrackable
 *   (+inv); the userspace datapath on dummy ports has no checksum offload,
 *   so OVS always checks;
 * - fragments are untrackable here (OVS reassembles them first in
 *   lib/ipf.c, which ovsim does not model: a fragment is +inv);
 * - TCP and UDP port 0 are invalid; a TCP header must fit its data offset;
 *   a UDP length must be within the datagram;
 * - ICMP queries (echo, timestamp, info; ICMPv6 echo) key on the id, the
 *   type and the reversed type; a query with a non-zero code is invalid;
 * - an ICMP error (unreachable, time exceeded, parameter problem, source
 *   quench, redirect; ICMPv6 unreachable, too big, time exceeded, parameter
 *   problem) is keyed by the header it quotes, reversed, and flagged
 *   `related`; the quoted header's source must be the error's destination,
 *   its L4 part need only be 8 bytes for ICMP (ICMP_ERROR_DATA_L4_LEN);
 *   checksums of the quoted packet are not checked, and an error quoting an
 *   error is invalid.
 *
 * Everything reads `packet.bytes` at the packet's l3/l4 offsets (set by
 * flow extraction) into the caller's scratch key: no allocation.
 */
import { get16, get32 } from "../packet/bytes.js";
import { csum, csumContinue, csumFinish, pseudoHeaderV4, pseudoHeaderV6 } from "../packet/csum.js";
import type { Packet } from "../packet/packet.js";
import { OFS_NONE } from "../packet/packet.js";
import { ETH_TYPE_IP, ETH_TYPE_IPV6, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from "./ct-consts.js";
import type { ConnKey } from "./conn-key.js";
import { reverseIcmp6Type, reverseIcmpType } from "./conn-icmp.js";

const IP_HEADER_LEN = 20;
const IPV6_HEADER_LEN = 40;
const TCP_HEADER_LEN = 20;
const UDP_HEADER_LEN = 8;
const ICMP_HEADER_LEN = 8;
/** OVS's ICMP_ERROR_DATA_L4_LEN: the L4 bytes an ICMP error must quote. */
const ICMP_ERROR_DATA_L4_LEN = 8;

/* Results of the L3 helpers (module scratch: no per-packet allocation). */
/** Offset of the first byte after the L3 header(s). */
let l3End = 0;

/** OVS's extract_l3_ipv4: addresses and protocol from the IPv4 header at `o` (`size` bytes available). */
function extractL3Ipv4(key: ConnKey, b: Uint8Array, o: number, size: number, validateChecksum: boolean): boolean {
  if (size < IP_HEADER_LEN) return false;
  const ipLen = (b[o]! & 0x0f) * 4;
  if (ipLen < IP_HEADER_LEN || size < ipLen) return false;
  // IP_IS_FRAGMENT: MF set or a non-zero offset.
  if ((get16(b, o + 6) & 0x3fff) !== 0) return false;
  if (validateChecksum && csum(b, o, ipLen) !== 0) return false;
  l3End = o + ipLen;
  key.w[0] = get32(b, o + 12);
  key.w[1] = key.w[2] = key.w[3] = 0;
  key.w[5] = get32(b, o + 16);
  key.w[6] = key.w[7] = key.w[8] = 0;
  key.setProto(b[o + 9]!);
  return true;
}

/** OVS's extract_l3_ipv6: addresses and the upper-layer protocol after the extension headers; no fragments. */
function extractL3Ipv6(key: ConnKey, b: Uint8Array, o: number, size: number): boolean {
  if (size < IPV6_HEADER_LEN) return false;
  let p = o + IPV6_HEADER_LEN;
  let rem = size - IPV6_HEADER_LEN;
  let proto = b[o + 6]!;
  // parse_ipv6_ext_hdrs: hop-by-hop, routing, destination options, AH, fragment.
  for (;;) {
    if (proto !== 0 && proto !== 43 && proto !== 60 && proto !== 51 && proto !== 44) break;
    if (rem < 8) return false;
    const next = b[p]!;
    if (proto === 44) {
      if (get16(b, p + 2) !== 0) return false; // any fragment
      p += 8;
      rem -= 8;
    } else {
      const len = proto === 51 ? (b[p + 1]! + 2) * 4 : (b[p + 1]! + 1) * 8;
      if (len > rem) return false;
      p += len;
      rem -= len;
    }
    proto = next;
  }
  l3End = p;
  for (let i = 0; i < 4; i++) {
    key.w[i] = get32(b, o + 8 + 4 * i);
    key.w[5 + i] = get32(b, o + 24 + 4 * i);
  }
  key.setProto(proto);
  return true;
}

/** OVS's checksum_valid for TCP/UDP/ICMPv6: the pseudo-header plus `size` L4 bytes sum to 0. */
function l4ChecksumValid(key: ConnKey, b: Uint8Array, l4: number, size: number, l3: number): boolean {
  const pseudo = key.dlType === ETH_TYPE_IP ? pseudoHeaderV4(b, l3) : pseudoHeaderV6(b, l3, key.proto, size);
  return csumFinish(csumContinue(pseudo, b, l4, size)) === 0;
}

function extractL4Ports(key: ConnKey, b: Uint8Array, o: number, size: number, chkLen: number): boolean {
  if (size < chkLen) return false;
  const src = get16(b, o);
  const dst = get16(b, o + 2);
  key.w[4] = (src << 16) >>> 0;
  key.w[9] = (dst << 16) >>> 0;
  return src !== 0 && dst !== 0;
}

function extractL4Icmp(key: ConnKey, b: Uint8Array, o: number, size: number, related: boolean, chkLen: number): boolean {
  if (size < chkLen) return false;
  const type = b[o]!;
  const code = b[o + 1]!;
  switch (type) {
    case 0:
    case 8:
    case 13:
    case 14:
    case 15:
    case 16: {
      if (code !== 0) return false;
      const id = get16(b, o + 4);
      key.w[4] = ((id << 16) | (type << 8)) >>> 0;
      key.w[9] = ((id << 16) | (reverseIcmpType(type) << 8)) >>> 0;
      return true;
    }
    case 3:
    case 11:
    case 12:
    case 4:
    case 5:
      return related && extractRelated(key, b, o + ICMP_HEADER_LEN, o + size, true);
    default:
      return false;
  }
}

function extractL4Icmp6(key: ConnKey, b: Uint8Array, o: number, size: number, related: boolean): boolean {
  // All the messages handled need 4 bytes after the 4-byte header.
  if (size < 8) return false;
  const type = b[o]!;
  const code = b[o + 1]!;
  switch (type) {
    case 128:
    case 129: {
      if (code !== 0) return false;
      const id = get16(b, o + 4);
      key.w[4] = ((id << 16) | (type << 8)) >>> 0;
      key.w[9] = ((id << 16) | (reverseIcmp6Type(type) << 8)) >>> 0;
      return true;
    }
    case 1:
    case 2:
    case 3:
    case 4:
      return related && extractRelated(key, b, o + 8, o + size, false);
    default:
      return false;
  }
}

/* Whether the last extraction went through an ICMP error's quoted header. */
let sawRelated = false;

/** The connection an ICMP error quotes (from `l3` to `tail`), reversed into `key`. */
function extractRelated(key: ConnKey, b: Uint8Array, l3: number, tail: number, v4: boolean): boolean {
  // The outer key's destination must be the quoted packet's source.
  const d0 = key.w[5]!;
  const d1 = key.w[6]!;
  const d2 = key.w[7]!;
  const d3 = key.w[8]!;
  const ok = v4 ? extractL3Ipv4(key, b, l3, tail - l3, false) : extractL3Ipv6(key, b, l3, tail - l3);
  if (!ok) return false;
  if (key.w[0] !== d0 || key.w[1] !== d1 || key.w[2] !== d2 || key.w[3] !== d3) return false;
  key.w[4] = 0;
  key.w[9] = 0;
  const l4 = l3End;
  if (!extractL4(key, b, l4, tail - l4, false, l3, false, v4 ? ICMP_ERROR_DATA_L4_LEN : -1)) return false;
  key.reverse();
  sawRelated = true;
  return true;
}

/**
 * OVS's extract_l4: the L4 part of `key` (whose L3 part is set). `related`:
 * an ICMP error may be followed to its quoted header (false inside one,
 * where checksums and lengths are not checked). `chkLen` -1: the header
 * lengths of each protocol.
 */
function extractL4(key: ConnKey, b: Uint8Array, l4: number, size: number, related: boolean, l3: number, validate: boolean, chkLen: number): boolean {
  const proto = key.proto;
  if (proto === IPPROTO_TCP) {
    if (related) {
      if (size < TCP_HEADER_LEN) return false;
      const tcpLen = (b[l4 + 12]! >> 4) * 4;
      if (tcpLen < TCP_HEADER_LEN || tcpLen > size) return false;
      if (validate && !l4ChecksumValid(key, b, l4, size, l3)) return false;
    }
    return extractL4Ports(key, b, l4, size, chkLen < 0 ? TCP_HEADER_LEN : chkLen);
  }
  if (proto === IPPROTO_UDP) {
    if (related) {
      if (size < UDP_HEADER_LEN) return false;
      const udpLen = get16(b, l4 + 4);
      if (udpLen < UDP_HEADER_LEN || udpLen > size) return false;
      const noCsum = get16(b, l4 + 6) === 0 && key.dlType === ETH_TYPE_IP;
      if (!noCsum && validate && !l4ChecksumValid(key, b, l4, size, l3)) return false;
    }
    return extractL4Ports(key, b, l4, size, chkLen < 0 ? UDP_HEADER_LEN : chkLen);
  }
  if (key.dlType === ETH_TYPE_IP && proto === IPPROTO_ICMP) {
    if (related && validate && csum(b, l4, size) !== 0) return false;
    return extractL4Icmp(key, b, l4, size, related, chkLen < 0 ? ICMP_HEADER_LEN : chkLen);
  }
  if (key.dlType === ETH_TYPE_IPV6 && proto === IPPROTO_ICMPV6) {
    if (related && validate && !l4ChecksumValid(key, b, l4, size, l3)) return false;
    return extractL4Icmp6(key, b, l4, size, related);
  }
  // Other protocols have no L4 key.
  key.w[4] = 0;
  key.w[9] = 0;
  return true;
}

/** The outcome of `connKeyExtract` besides the key: whether the packet is an ICMP error related to the key's connection. */
export interface ExtractResult {
  icmpRelated: boolean;
}

/**
 * OVS's conn_key_extract: the key of `pkt` (its l3/l4 offsets set) in
 * `zone` into `key`; false if conntrack cannot track it (the packet is then
 * +inv). `out.icmpRelated` says whether it is an ICMP error.
 */
export function connKeyExtract(pkt: Packet, dlType: number, zone: number, key: ConnKey, out: ExtractResult): boolean {
  key.clear();
  out.icmpRelated = false;
  if (pkt.l3Ofs === OFS_NONE || pkt.l4Ofs === OFS_NONE) return false;
  key.setL3(dlType, zone, 0);
  const b = pkt.bytes;
  const tail = pkt.size - pkt.l2PadSize;
  const l3 = pkt.l3Ofs;
  let ok: boolean;
  if (dlType === ETH_TYPE_IP) ok = extractL3Ipv4(key, b, l3, tail - l3, true);
  else if (dlType === ETH_TYPE_IPV6) ok = extractL3Ipv6(key, b, l3, tail - l3);
  else ok = false;
  if (!ok) return false;
  sawRelated = false;
  const l4 = pkt.l4Ofs;
  if (!extractL4(key, b, l4, tail - l4, true, l3, true, -1)) return false;
  out.icmpRelated = sawRelated;
  return true;
}
