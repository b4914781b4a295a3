/**
 * Executing datapath `set(...)` actions on a packet's bytes, masked and
 * unmasked (OVS's odp_execute_set_action / odp_execute_masked_set_action in
 * lib/odp-execute.c, with lib/packets.c's packet_set_* helpers).
 *
 * Design:
 * - The packet is edited in place; the caller owns it (odp-execute.ts copies
 *   the packet it was given before the first edit). No allocation, no BigInt
 *   per packet: IPv6 addresses of an action are turned into bytes once and
 *   kept in a WeakMap keyed by the (immutable) action object.
 * - Header offsets come from flow extraction into a module scratch key (OVS
 *   reads dp_packet's l3/l4 offsets, set by miniflow_extract on receive; here
 *   earlier actions may have pushed or popped VLAN headers, so they are found
 *   again). Up to two VLAN headers are parsed, as the datapath's parser does.
 * - An unmasked set is a masked set with all-ones masks: OVS's two code paths
 *   write the same bytes (only changed fields touch checksums in both).
 * - Checksums are updated incrementally (RFC 1624, OVS's recalc_csum16/32/48/128):
 *   IPv4 header checksum on src/dst/tos/ttl; TCP/UDP pseudo-header on
 *   address changes; a UDP checksum of 0 (none) stays 0 and a computed 0
 *   becomes 0xffff; ICMP/ICMPv6 on type/code; ICMPv6 on IPv6 address, ND
 *   target and SLL/TLL changes; SCTP's CRC32c is adjusted by XOR of the old
 *   and new correct CRCs (a wrong CRC stays exactly as wrong).
 *
 * OVS behaviour kept on purpose:
 * - Only L4 size is checked before an L4 edit (not the protocol nor
 *   fragmentation): a datapath flow always matches both.
 * - IPv6: the L4 checksum follows an address change only when no fragment
 *   header says "not the first fragment"; a destination change is not
 *   folded in while a routing header has segments left.
 * - ND: only the first SLL or TLL option (of length 1) is rewritten, with
 *   OVS's option-walk arithmetic (packet_set_nd).
 * - Conntrack state is not reset on L3/L4 rewrites (OVS forgets only the
 *   connection a ct found, pkt_metadata_init_conn: odp-execute.ts does).
 */
import type { OdpSetAction, OdpValue } from "../actions/xlate/odp-set.js";
import { FLOW_WORDS, M, readSmall } from "../flowtable/flow-layout.js";
import { get16, get32, put16, put32 } from "./packet/bytes.js";
import { l4Size, recalcCsum16, setIpv4Addr, setPort, TCP_HEADER_LEN, UDP_HEADER_LEN } from "./packet/packet-set.js";
import { extractFlow, MAX_VLAN_HEADERS } from "./packet/extract.js";
import type { Packet } from "./packet/packet.js";
import { OFS_NONE } from "./packet/packet.js";
import { ETH_TYPE, IPPROTO } from "../flowtable/protocols.js";

const SCTP_HEADER_LEN = 12;
const ICMP_HEADER_LEN = 8;
const ND_MSG_LEN = 24;
const ARP_LEN = 28;
const ND_OPT_SOURCE_LINKADDR = 1;
const ND_OPT_TARGET_LINKADDR = 2;
const U32 = 0xffffffff;
const U48 = 0xffffffffffff;
const TWO32 = 0x100000000;

/** Scratch flow for locating headers (module-level: no per-packet allocation). */
const scratch = new Uint32Array(FLOW_WORDS);

/* ---- incremental checksums (RFC 1624) ---- */



/** Checksum update for `len` bytes at `b[i]` (even offset relative to the sum) becoming `nb[j]`. */
function recalcCsumBytes(csum: number, b: Uint8Array, i: number, nb: Uint8Array, j: number, len: number): number {
  let c = csum;
  for (let k = 0; k < len; k += 2) c = recalcCsum16(c, get16(b, i + k), get16(nb, j + k));
  return c;
}

/* ---- SCTP's CRC32c (Castagnoli, reflected) ---- */

const CRC32C = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  CRC32C[n] = c >>> 0;
}

/** CRC32c of `len` bytes of `b` from `off`, as a number whose little-endian bytes go on the wire. */
export function crc32c(b: Uint8Array, off: number, len: number): number {
  let c = U32;
  for (let i = off; i < off + len; i++) c = (c >>> 8) ^ CRC32C[(c ^ b[i]!) & 0xff]!; // in bounds: caller sizes len
  return ~c >>> 0;
}

function getLe32(b: Uint8Array, i: number): number {
  return ((b[i] ?? 0) | ((b[i + 1] ?? 0) << 8) | ((b[i + 2] ?? 0) << 16) | ((b[i + 3] ?? 0) << 24)) >>> 0;
}

function putLe32(b: Uint8Array, i: number, v: number): void {
  b[i] = v & 0xff;
  b[i + 1] = (v >>> 8) & 0xff;
  b[i + 2] = (v >>> 16) & 0xff;
  b[i + 3] = (v >>> 24) & 0xff;
}

/* ---- field values ---- */

function num(v: OdpValue | undefined): number {
  return typeof v === "number" ? v : 0;
}

/** Value of field `i` of `a` (numbers: fields up to 48 bits). */
function val(a: OdpSetAction, i: number): number {
  return num(a.values[i]);
}

/** Mask of field `i` of `a` (`full` for an unmasked set). */
function msk(a: OdpSetAction, i: number, full: number): number {
  return a.masked ? num(a.masks[i]) : full;
}

/** `v | (old & ~m)` on 32 bits. */
function merge32(old: number, v: number, m: number): number {
  return ((v & m) | (old & ~m)) >>> 0;
}

/** Byte `k` (0 = most significant) of a 48-bit number. */
function byte48(v: number, k: number): number {
  return k < 2 ? Math.floor(v / TWO32) >>> ((1 - k) * 8) & 0xff : (v >>> ((5 - k) * 8)) & 0xff;
}

/** Writes the 6 bytes of MAC `v` under mask `m` into `out[j]`, from the old MAC at `b[i]`. */
function maskedMac(b: Uint8Array, i: number, v: number, m: number, out: Uint8Array, j: number): void {
  for (let k = 0; k < 6; k++) {
    const mb = byte48(m, k);
    out[j + k] = (byte48(v, k) & mb) | (b[i + k]! & ~mb & 0xff);
  }
}

/** 16 value bytes then 16 mask bytes per IPv6-address field of an action, built once. */
const in6Cache = new WeakMap<OdpSetAction, Uint8Array>();

function in6Bytes(a: OdpSetAction): Uint8Array {
  const hit = in6Cache.get(a);
  if (hit !== undefined) return hit;
  const out = new Uint8Array(a.values.length * 32);
  for (let f = 0; f < a.values.length; f++) {
    const v = a.values[f];
    if (typeof v !== "bigint") continue;
    const m = a.masked ? BigInt(a.masks[f] ?? 0n) : (1n << 128n) - 1n;
    for (let k = 0; k < 16; k++) {
      const shift = BigInt(8 * (15 - k));
      out[f * 32 + k] = Number((v >> shift) & 0xffn);
      out[f * 32 + 16 + k] = Number((m >> shift) & 0xffn);
    }
  }
  in6Cache.set(a, out);
  return out;
}

/** Scratch for a new IPv6 address or MAC (module-level). */
const addr = new Uint8Array(16);

/** Fills `addr` with field `f`'s masked IPv6 address over the old one at `b[i]`; true if it differs. */
function maskedIn6(b: Uint8Array, i: number, c: Uint8Array, f: number): boolean {
  let diff = false;
  for (let k = 0; k < 16; k++) {
    const m = c[f * 32 + 16 + k]!;
    const nb = (c[f * 32 + k]! & m) | (b[i + k]! & ~m & 0xff);
    addr[k] = nb;
    if (nb !== b[i + k]) diff = true;
  }
  return diff;
}

/* ---- headers ---- */



function setIpv4(p: Packet, a: OdpSetAction): void {
  const b = p.bytes;
  const l3 = p.l3Ofs;
  const mSrc = msk(a, 0, U32);
  if (mSrc !== 0) {
    const n = merge32(get32(b, l3 + 12), val(a, 0), mSrc);
    if (n !== get32(b, l3 + 12)) setIpv4Addr(p, l3 + 12, n);
  }
  const mDst = msk(a, 1, U32);
  if (mDst !== 0) {
    const n = merge32(get32(b, l3 + 16), val(a, 1), mDst);
    if (n !== get32(b, l3 + 16)) setIpv4Addr(p, l3 + 16, n);
  }
  const mTos = msk(a, 3, 0xff);
  if (mTos !== 0) {
    const o = b[l3 + 1]!;
    const n = merge32(o, val(a, 3), mTos) & 0xff;
    if (n !== o) {
      put16(b, l3 + 10, recalcCsum16(get16(b, l3 + 10), o, n));
      b[l3 + 1] = n;
    }
  }
  const mTtl = msk(a, 4, 0xff);
  if (mTtl !== 0) {
    const o = b[l3 + 8]!;
    const n = merge32(o, val(a, 4), mTtl) & 0xff;
    if (n !== o) {
      put16(b, l3 + 10, recalcCsum16(get16(b, l3 + 10), o << 8, n << 8));
      b[l3 + 8] = n;
    }
  }
}

/* packet_rh_present's results (module-level scratch). */
let rhProto = 0;
let rhFirstFrag = true;

/** OVS's packet_rh_present: walks the extension headers between L3 and L4; true if a routing header has segments left. */
function rhPresent(p: Packet): boolean {
  const b = p.bytes;
  let remaining = p.l4Ofs - p.l3Ofs;
  rhProto = 0;
  rhFirstFrag = true;
  if (remaining < 40) return false;
  let d = p.l3Ofs + 40;
  remaining -= 40;
  rhProto = b[p.l3Ofs + 6]!;
  for (;;) {
    const nh = rhProto;
    if (nh !== 0 && nh !== 43 && nh !== 60 && nh !== 51 && nh !== 44) return false;
    if (remaining < 8) return false;
    let len: number;
    if (nh === 51) {
      rhProto = b[d]!;
      len = (b[d + 1]! + 2) * 4;
    } else if (nh === 44) {
      const offlg = get16(b, d + 2);
      rhFirstFrag = (offlg & 0xfff8) === 0 && (offlg & 1) !== 0;
      rhProto = b[d]!;
      len = 8;
    } else if (nh === 43) {
      if (b[d + 3]! > 0) return true;
      rhProto = b[d]!;
      len = (b[d + 1]! + 1) * 8;
    } else {
      rhProto = b[d]!;
      len = (b[d + 1]! + 1) * 8;
    }
    if (remaining < len) return false;
    remaining -= len;
    d += len;
  }
}

/** packet_update_csum128 + copy: the IPv6 address at `b[at]` becomes `addr`. */
function setIpv6Addr(p: Packet, at: number, proto: number, recalc: boolean): void {
  const b = p.bytes;
  if (recalc) {
    const l4 = p.l4Ofs;
    const size = l4Size(p);
    if (proto === IPPROTO.TCP && size >= TCP_HEADER_LEN) {
      put16(b, l4 + 16, recalcCsumBytes(get16(b, l4 + 16), b, at, addr, 0, 16));
    } else if (proto === IPPROTO.UDP && size >= UDP_HEADER_LEN) {
      const c = get16(b, l4 + 6);
      if (c !== 0) {
        const nc = recalcCsumBytes(c, b, at, addr, 0, 16);
        put16(b, l4 + 6, nc === 0 ? 0xffff : nc);
      }
    } else if (proto === IPPROTO.ICMPV6 && size >= 4) {
      put16(b, l4 + 2, recalcCsumBytes(get16(b, l4 + 2), b, at, addr, 0, 16));
    }
  }
  b.set(addr, at);
}

function setIpv6(p: Packet, a: OdpSetAction): void {
  const b = p.bytes;
  const l3 = p.l3Ofs;
  const c = in6Bytes(a);
  const rh = rhPresent(p);
  if (maskedIn6(b, l3 + 8, c, 0)) setIpv6Addr(p, l3 + 8, rhProto, rhFirstFrag);
  if (maskedIn6(b, l3 + 24, c, 1)) setIpv6Addr(p, l3 + 24, rhProto, !rh && rhFirstFrag);
  const flow = get32(b, l3);
  const mLabel = msk(a, 2, 0xfffff) & 0xfffff;
  const mTc = msk(a, 4, 0xff) & 0xff;
  const label = (val(a, 2) & mLabel) | (flow & 0xfffff & ~mLabel);
  const tc = (val(a, 4) & mTc) | ((flow >>> 20) & 0xff & ~mTc);
  put32(b, l3, ((flow & 0xf0000000) | (tc << 20) | label) >>> 0);
  const mHl = msk(a, 5, 0xff);
  b[l3 + 7] = (val(a, 5) & mHl) | (b[l3 + 7]! & ~mHl & 0xff);
}


function setTcp(p: Packet, a: OdpSetAction): void {
  const size = l4Size(p);
  if (size < TCP_HEADER_LEN) return;
  const b = p.bytes;
  const l4 = p.l4Ofs;
  const hl = (b[l4 + 12]! >> 4) * 4;
  if (hl < TCP_HEADER_LEN || hl > size) return;
  setPort(b, l4, merge32(get16(b, l4), val(a, 0), msk(a, 0, 0xffff)) & 0xffff, l4 + 16);
  setPort(b, l4 + 2, merge32(get16(b, l4 + 2), val(a, 1), msk(a, 1, 0xffff)) & 0xffff, l4 + 16);
}

function setUdp(p: Packet, a: OdpSetAction): void {
  if (l4Size(p) < UDP_HEADER_LEN) return;
  const b = p.bytes;
  const l4 = p.l4Ofs;
  const src = merge32(get16(b, l4), val(a, 0), msk(a, 0, 0xffff)) & 0xffff;
  const dst = merge32(get16(b, l4 + 2), val(a, 1), msk(a, 1, 0xffff)) & 0xffff;
  if (get16(b, l4 + 6) !== 0) {
    setPort(b, l4, src, l4 + 6);
    setPort(b, l4 + 2, dst, l4 + 6);
    if (get16(b, l4 + 6) === 0) put16(b, l4 + 6, 0xffff);
  } else {
    put16(b, l4, src);
    put16(b, l4 + 2, dst);
  }
}

function setSctp(p: Packet, a: OdpSetAction): void {
  const size = l4Size(p);
  if (size < SCTP_HEADER_LEN) return;
  const b = p.bytes;
  const l4 = p.l4Ofs;
  const oldCsum = getLe32(b, l4 + 8);
  putLe32(b, l4 + 8, 0);
  const oldCorrect = crc32c(b, l4, size);
  put16(b, l4, merge32(get16(b, l4), val(a, 0), msk(a, 0, 0xffff)) & 0xffff);
  put16(b, l4 + 2, merge32(get16(b, l4 + 2), val(a, 1), msk(a, 1, 0xffff)) & 0xffff);
  const newCorrect = crc32c(b, l4, size);
  putLe32(b, l4 + 8, (oldCsum ^ oldCorrect ^ newCorrect) >>> 0);
}

function setIcmp(p: Packet, a: OdpSetAction): void {
  if (l4Size(p) < ICMP_HEADER_LEN) return;
  const b = p.bytes;
  const l4 = p.l4Ofs;
  const type = merge32(b[l4]!, val(a, 0), msk(a, 0, 0xff)) & 0xff;
  const code = merge32(b[l4 + 1]!, val(a, 1), msk(a, 1, 0xff)) & 0xff;
  const o = get16(b, l4);
  const n = (type << 8) | code;
  if (o !== n) {
    b[l4] = type;
    b[l4 + 1] = code;
    put16(b, l4 + 2, recalcCsum16(get16(b, l4 + 2), o, n));
  }
}

function setArp(p: Packet, a: OdpSetAction): void {
  const b = p.bytes;
  const l3 = p.l3Ofs;
  put16(b, l3 + 6, merge32(get16(b, l3 + 6), val(a, 2), msk(a, 2, 0xffff)) & 0xffff);
  maskedMac(b, l3 + 8, val(a, 3), msk(a, 3, U48), b, l3 + 8);
  put32(b, l3 + 14, merge32(get32(b, l3 + 14), val(a, 0), msk(a, 0, U32)));
  maskedMac(b, l3 + 18, val(a, 4), msk(a, 4, U48), b, l3 + 18);
  put32(b, l3 + 24, merge32(get32(b, l3 + 24), val(a, 1), msk(a, 1, U32)));
}

/** The first SLL/TLL option of length 1 after the ND message at `l4` (OVS's walk), or -1. */
function firstLla(b: Uint8Array, l4: number, size: number): number {
  let o = l4 + ND_MSG_LEN;
  let rem = size - ND_MSG_LEN;
  while (rem >= 8 && (b[o + 1] ?? 0) !== 0) {
    const type = b[o]!;
    const len = b[o + 1]!;
    if ((type === ND_OPT_SOURCE_LINKADDR || type === ND_OPT_TARGET_LINKADDR) && len === 1) return o;
    o += len * 8;
    rem -= (b[o + 1] ?? 0) * 8; // OVS subtracts the next option's length (packet_set_nd / odp_set_nd)
  }
  return -1;
}

/** odp_set_nd + packet_set_nd: target (ICMPv6 checksum), then the first SLL or TLL option. */
function setNd(p: Packet, a: OdpSetAction): void {
  const size = l4Size(p);
  if (size < ND_MSG_LEN) return;
  const b = p.bytes;
  const l4 = p.l4Ofs;
  if (maskedIn6(b, l4 + 8, in6Bytes(a), 0)) setIpv6Addr(p, l4 + 8, IPPROTO.ICMPV6, true);
  const o = firstLla(b, l4, size);
  if (o < 0) return;
  const f = b[o] === ND_OPT_SOURCE_LINKADDR ? 1 : 2;
  maskedMac(b, o + 2, val(a, f), msk(a, f, U48), addr, 0);
  let diff = false;
  for (let k = 0; k < 6; k++) if (addr[k] !== b[o + 2 + k]) diff = true;
  if (!diff) return;
  put16(b, l4 + 2, recalcCsumBytes(get16(b, l4 + 2), b, o + 2, addr, 0, 6));
  for (let k = 0; k < 6; k++) b[o + 2 + k] = addr[k]!;
}

/**
 * Executes one set action on `p` (edited in place: the caller owns it).
 * set(eth) is odp-execute.ts's own; every other attribute of the AST is done
 * here. A set whose header the packet lacks changes nothing.
 */
export function odpExecuteSet(p: Packet, a: OdpSetAction): void {
  switch (a.attr) {
    case "skb_priority":
      p.skbPriority = merge32(p.skbPriority, val(a, 0), msk(a, 0, U32));
      return;
    case "skb_mark":
      p.pktMark = merge32(p.pktMark, val(a, 0), msk(a, 0, U32));
      return;
    case "eth": {
      const b = p.bytes;
      if (p.size < 14) return;
      maskedMac(b, 6, val(a, 0), msk(a, 0, U48), b, 6);
      maskedMac(b, 0, val(a, 1), msk(a, 1, U48), b, 0);
      return;
    }
    default:
      break;
  }
  extractFlow(p, 0, scratch, MAX_VLAN_HEADERS);
  const dlType = readSmall(scratch, M.dlType);
  switch (a.attr) {
    case "ipv4":
      if (dlType === ETH_TYPE.IP && p.l4Ofs !== OFS_NONE) setIpv4(p, a);
      return;
    case "ipv6":
      if (dlType === ETH_TYPE.IPV6 && p.l4Ofs !== OFS_NONE) setIpv6(p, a);
      return;
    case "tcp":
      setTcp(p, a);
      return;
    case "udp":
      setUdp(p, a);
      return;
    case "sctp":
      setSctp(p, a);
      return;
    case "icmp":
    case "icmpv6":
      setIcmp(p, a);
      return;
    case "arp":
      if ((dlType === ETH_TYPE.ARP || dlType === ETH_TYPE.RARP) && p.size - p.l3Ofs >= ARP_LEN) setArp(p, a);
      return;
    case "nd":
      setNd(p, a);
      return;
  }
}

/** Gives `to` (a new packet made from `from`) `from`'s metadata; returns `to`. */
export function withMetadata(from: Packet, to: Packet): Packet {
  to.skbPriority = from.skbPriority;
  to.pktMark = from.pktMark;
  to.dpHash = from.dpHash;
  to.ctState = from.ctState;
  to.ctZone = from.ctZone;
  to.ctMark = from.ctMark;
  to.ctLabel = from.ctLabel;
  to.ctOrig = from.ctOrig;
  to.ctConn = from.ctConn;
  to.ctReply = from.ctReply;
  to.ctIcmpRelated = from.ctIcmpRelated;
  return to;
}
