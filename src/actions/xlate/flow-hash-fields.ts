/**
 * The flow hashes multipath and bundle choose with (OVS's lib/flow.c
 * `flow_hash_fields` and `flow_mask_hash_fields`), equal to OVS 3.1's values
 * for the same flow and basis, so a script picks the same link or member as
 * real OVS.
 *
 * Design:
 * - OVS hashes the bytes of C structs in network byte order: `jhash_bytes`
 *   (lib/jhash.c) reads them as little-endian host words, the murmur-style
 *   `hash_add` (lib/hash.h, the portable flavour the Debian build uses) reads
 *   big-endian fields as host words. Both are reproduced byte for byte here;
 *   `symmetric_l4` and `symmetric_l3` hash a zeroed struct with padding
 *   (32 and 20 bytes), `eth_src` the 6 MAC bytes.
 * - The mask (what the choice depends on) is OVS's, including its quirks:
 *   `symmetric_l3l4` of a non-IP flow hashes the L2 header but un-wildcards
 *   nothing; `symmetric_l4` leaves UDP ports wildcarded (it does not hash
 *   them).
 * - Translation only (once per megaflow), so clarity wins over speed: values
 *   are read with readMember and laid out in byte arrays.
 */
import { M, readMember, readSmall } from "../../flowtable/flow-layout.js";
import { hashFinish, mhashAdd } from "../../flowtable/hash.js";
import { ETH_TYPE, IPPROTO } from "../../flowtable/protocols.js";
import type { HashFields } from "../action-types.js";
import { isIpAny, maskMember, unwildcard } from "./xlate-fields.js";

function rot(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** OVS's jhash_bytes: Bob Jenkins' lookup3 over `bytes`, read as little-endian words. */
function jhashBytes(bytes: Uint8Array, basis: number): number {
  let n = bytes.length;
  let a = (0xdeadbeef + n + basis) >>> 0;
  let b = a;
  let c = a;
  const word = (i: number): number =>
    ((bytes[i] ?? 0) | ((bytes[i + 1] ?? 0) << 8) | ((bytes[i + 2] ?? 0) << 16) | ((bytes[i + 3] ?? 0) << 24)) >>> 0;
  let p = 0;
  while (n >= 12) {
    a = (a + word(p)) >>> 0;
    b = (b + word(p + 4)) >>> 0;
    c = (c + word(p + 8)) >>> 0;
    // jhash_mix
    a = (a - c) >>> 0; a = (a ^ rot(c, 4)) >>> 0; c = (c + b) >>> 0;
    b = (b - a) >>> 0; b = (b ^ rot(a, 6)) >>> 0; a = (a + c) >>> 0;
    c = (c - b) >>> 0; c = (c ^ rot(b, 8)) >>> 0; b = (b + a) >>> 0;
    a = (a - c) >>> 0; a = (a ^ rot(c, 16)) >>> 0; c = (c + b) >>> 0;
    b = (b - a) >>> 0; b = (b ^ rot(a, 19)) >>> 0; a = (a + c) >>> 0;
    c = (c - b) >>> 0; c = (c ^ rot(b, 4)) >>> 0; b = (b + a) >>> 0;
    n -= 12;
    p += 12;
  }
  if (n > 0) {
    // The tail, zero-padded to three words (bytes past the end read as 0).
    a = (a + word(p)) >>> 0;
    b = (b + (n > 4 ? word(p + 4) : 0)) >>> 0;
    c = (c + (n > 8 ? word(p + 8) : 0)) >>> 0;
    // jhash_final
    c = (c ^ b) >>> 0; c = (c - rot(b, 14)) >>> 0;
    a = (a ^ c) >>> 0; a = (a - rot(c, 11)) >>> 0;
    b = (b ^ a) >>> 0; b = (b - rot(a, 25)) >>> 0;
    c = (c ^ b) >>> 0; c = (c - rot(b, 16)) >>> 0;
    a = (a ^ c) >>> 0; a = (a - rot(c, 4)) >>> 0;
    b = (b ^ a) >>> 0; b = (b - rot(a, 14)) >>> 0;
    c = (c ^ b) >>> 0; c = (c - rot(b, 24)) >>> 0;
  }
  return c;
}

/** Writes the low `n` bytes of `v` big-endian at `at`. */
function putBe(out: Uint8Array, at: number, v: bigint, n: number): void {
  for (let i = 0; i < n; i++) out[at + i] = Number((v >> BigInt(8 * (n - 1 - i))) & 0xffn);
}

function bswap32(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}

function bswap16(x: number): number {
  return ((x & 0xff) << 8) | ((x >>> 8) & 0xff);
}

/** The XOR of both VLAN headers' VIDs (OVS loops over FLOW_MAX_VLAN_HEADERS). */
function vidXor(flow: Uint32Array): number {
  return (readSmall(flow, M.vlanTci) ^ readSmall(flow, M.vlanTci1)) & 0x0fff;
}

function isTcpOrSctp(proto: number): boolean {
  return proto === IPPROTO.TCP || proto === IPPROTO.SCTP;
}

/** OVS's flow_hash_symmetric_l4: a 32-byte struct of XORed addresses and ports. */
function symmetricL4(flow: Uint32Array, basis: number): number {
  const s = new Uint8Array(32);
  const dlType = readSmall(flow, M.dlType);
  if (dlType === ETH_TYPE.IP) {
    putBe(s, 0, readMember(flow, M.nwSrc) ^ readMember(flow, M.nwDst), 4);
  } else if (dlType === ETH_TYPE.IPV6) {
    putBe(s, 0, readMember(flow, M.ipv6Src) ^ readMember(flow, M.ipv6Dst), 16);
  }
  putBe(s, 16, BigInt(dlType), 2);
  putBe(s, 18, BigInt(vidXor(flow)), 2);
  if (dlType === ETH_TYPE.IP || dlType === ETH_TYPE.IPV6) {
    const proto = readSmall(flow, M.nwProto);
    s[28] = proto;
    if (isTcpOrSctp(proto)) putBe(s, 20, BigInt(readSmall(flow, M.tpSrc) ^ readSmall(flow, M.tpDst)), 2);
  }
  putBe(s, 22, readMember(flow, M.dlSrc) ^ readMember(flow, M.dlDst), 6);
  return jhashBytes(s, basis);
}

/** OVS's flow_hash_symmetric_l2: ethertype, VIDs and MACs as three host words. */
function symmetricL2(flow: Uint32Array, basis: number): number {
  const mac = new Uint8Array(6);
  putBe(mac, 0, readMember(flow, M.dlSrc) ^ readMember(flow, M.dlDst), 6);
  const w0 = (bswap16(readSmall(flow, M.dlType)) | (bswap16(vidXor(flow)) << 16)) >>> 0;
  const w1 = ((mac[0] ?? 0) | ((mac[1] ?? 0) << 8) | ((mac[2] ?? 0) << 16) | ((mac[3] ?? 0) << 24)) >>> 0;
  const w2 = ((mac[4] ?? 0) | ((mac[5] ?? 0) << 8)) >>> 0;
  return hashFinish(mhashAdd(mhashAdd(mhashAdd(basis, w0), w1), w2), basis);
}

/** hash_add64 of an IPv6 address's two halves, as host (little-endian) u64s. */
function addIpv6(hash: number, v: bigint): number {
  let h = hash;
  for (let i = 3; i >= 0; i--) h = mhashAdd(h, bswap32(Number((v >> BigInt(32 * i)) & 0xffffffffn)));
  return h;
}

/** OVS's flow_hash_symmetric_l3l4. */
function symmetricL3L4(flow: Uint32Array, basis: number, udp: boolean): number {
  const dlType = readSmall(flow, M.dlType);
  let hash = basis;
  if (dlType === ETH_TYPE.IP) {
    hash = mhashAdd(hash, bswap32((readSmall(flow, M.nwSrc) ^ readSmall(flow, M.nwDst)) >>> 0));
  } else if (dlType === ETH_TYPE.IPV6) {
    hash = addIpv6(hash, readMember(flow, M.ipv6Src) ^ readMember(flow, M.ipv6Dst));
  } else {
    return symmetricL2(flow, basis);
  }
  const proto = readSmall(flow, M.nwProto);
  hash = mhashAdd(hash, proto);
  if ((readSmall(flow, M.nwFrag) & 3) === 0 && (isTcpOrSctp(proto) || (udp && proto === IPPROTO.UDP))) {
    hash = mhashAdd(hash, bswap16(readSmall(flow, M.tpSrc) ^ readSmall(flow, M.tpDst)));
  }
  return hashFinish(hash, basis);
}

/** OVS's flow_hash_symmetric_l3: a 20-byte struct of XORed addresses and the ethertype. */
function symmetricL3(flow: Uint32Array, basis: number): number {
  const s = new Uint8Array(20);
  const dlType = readSmall(flow, M.dlType);
  if (dlType === ETH_TYPE.IP) putBe(s, 0, readMember(flow, M.nwSrc) ^ readMember(flow, M.nwDst), 4);
  else if (dlType === ETH_TYPE.IPV6) putBe(s, 0, readMember(flow, M.ipv6Src) ^ readMember(flow, M.ipv6Dst), 16);
  putBe(s, 16, BigInt(dlType), 2);
  return jhashBytes(s, basis);
}

/** jhash of one address (nw_src / nw_dst): 4 or 16 bytes; a non-IP flow hashes to the basis. */
function address(flow: Uint32Array, basis: number, v4: typeof M.nwSrc, v6: typeof M.ipv6Src): number {
  const dlType = readSmall(flow, M.dlType);
  if (dlType !== ETH_TYPE.IP && dlType !== ETH_TYPE.IPV6) return basis;
  const n = dlType === ETH_TYPE.IP ? 4 : 16;
  const s = new Uint8Array(n);
  putBe(s, 0, readMember(flow, n === 4 ? v4 : v6), n);
  return jhashBytes(s, basis);
}

/** OVS's flow_hash_fields. */
export function flowHashFields(flow: Uint32Array, fields: HashFields, basis: number): number {
  switch (fields) {
    case "eth_src": {
      const s = new Uint8Array(6);
      putBe(s, 0, readMember(flow, M.dlSrc), 6);
      return jhashBytes(s, basis);
    }
    case "symmetric_l4":
      return symmetricL4(flow, basis);
    case "symmetric_l3l4":
      return symmetricL3L4(flow, basis, false);
    case "symmetric_l3l4+udp":
      return symmetricL3L4(flow, basis, true);
    case "nw_src":
      return address(flow, basis, M.nwSrc, M.ipv6Src);
    case "nw_dst":
      return address(flow, basis, M.nwDst, M.ipv6Dst);
    case "symmetric_l3":
      return symmetricL3(flow, basis);
  }
}

function maskAddresses(flow: Uint32Array, wc: Uint32Array, src: boolean, dst: boolean): boolean {
  const dlType = readSmall(flow, M.dlType);
  if (dlType === ETH_TYPE.IP) {
    if (src) maskMember(wc, M.nwSrc);
    if (dst) maskMember(wc, M.nwDst);
  } else if (dlType === ETH_TYPE.IPV6) {
    if (src) maskMember(wc, M.ipv6Src);
    if (dst) maskMember(wc, M.ipv6Dst);
  } else {
    return false;
  }
  return true;
}

function maskPorts(wc: Uint32Array): void {
  maskMember(wc, M.tpSrc);
  maskMember(wc, M.tpDst);
}

/** OVS's flow_mask_hash_fields: un-wildcards what flowHashFields read. */
export function flowMaskHashFields(flow: Uint32Array, wc: Uint32Array, fields: HashFields): void {
  const proto = readSmall(flow, M.nwProto);
  const unfragmented = (readSmall(flow, M.nwFrag) & 3) === 0;
  switch (fields) {
    case "eth_src":
      maskMember(wc, M.dlSrc);
      return;
    case "symmetric_l4":
      maskMember(wc, M.dlSrc);
      maskMember(wc, M.dlDst);
      maskAddresses(flow, wc, true, true);
      if (isIpAny(flow)) {
        maskMember(wc, M.nwProto);
        // flow_unwildcard_tp_ports: ICMP's type and code are the ports' low bytes.
        if (proto === IPPROTO.ICMP) {
          unwildcard(wc, M.tpSrc, 0xffn);
          unwildcard(wc, M.tpDst, 0xffn);
        } else if (proto !== IPPROTO.UDP) {
          maskPorts(wc);
        }
      }
      unwildcard(wc, M.vlanTci, 0x1fffn);
      unwildcard(wc, M.vlanTci1, 0x1fffn);
      return;
    case "symmetric_l3l4+udp":
    case "symmetric_l3l4":
      if (fields === "symmetric_l3l4+udp" && isIpAny(flow) && proto === IPPROTO.UDP && unfragmented) maskPorts(wc);
      if (!maskAddresses(flow, wc, true, true)) return;
      maskMember(wc, M.nwProto);
      if (isTcpOrSctp(proto) && unfragmented) maskPorts(wc);
      return;
    case "nw_src":
      maskAddresses(flow, wc, true, false);
      return;
    case "nw_dst":
      maskAddresses(flow, wc, false, true);
      return;
    case "symmetric_l3":
      maskAddresses(flow, wc, true, true);
      return;
  }
}
