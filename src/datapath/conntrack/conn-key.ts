/**
 * A connection key (OVS's struct conn_key, lib/conntrack-private.h): the
 * zone and the 5-tuple of one direction of a connection.
 *
 * Design:
 * - Twelve 32-bit words in a Uint32Array, the layout of OVS's struct with
 *   each endpoint's port word in network order:
 *     w[0..3]  source address (IPv4 in w[0], the rest 0)
 *     w[4]     source port << 16 | icmp_type << 8 | icmp_code
 *              (for ICMP the port is the echo id, OVS's union of port and
 *              icmp_id; for protocols without ports all 0)
 *     w[5..8]  destination address
 *     w[9]     destination port / icmp id, type, code as w[4]
 *     w[10]    dl_type << 16 | zone
 *     w[11]    nw_proto
 *   Comparing and copying are loops over twelve words, with no allocation.
 * - The hash is symmetric (OVS's conn_key_hash): source and destination
 *   endpoints are hashed apart and xor-ed, so a key and its reverse land in
 *   the same bucket. That is why a connection without NAT is stored once:
 *   a reply packet finds it through the forward key's bucket.
 * - OVS salts the hash with a random basis per conntrack instance; ovsim
 *   uses a fixed one (0), so runs are repeatable. Nothing observable depends
 *   on the basis except which address or port NAT picks inside a range (OVS's
 *   nat_range_hash), which is therefore random in OVS and fixed here.
 * - Keys stored in a connection are never mutated after the connection is
 *   committed; packets keep references to them as their original tuple.
 */
import { formatIpv6 } from "../../flowtable/field-values.js";
import { mhashAdd, mhashFinish } from "../../flowtable/hash.js";
import { ETH_TYPE_IP } from "./ct-consts.js";

export const KEY_WORDS = 12;
const SRC = 0;
const DST = 5;
const EP_WORDS = 5;

export class ConnKey {
  /** The words, laid out as described above. */
  readonly w: Uint32Array;

  constructor() {
    this.w = new Uint32Array(KEY_WORDS);
  }

  get dlType(): number {
    return this.w[10]! >>> 16;
  }
  get zone(): number {
    return this.w[10]! & 0xffff;
  }
  get proto(): number {
    return this.w[11]!;
  }
  /** Source port (TCP/UDP) or ICMP id. */
  get srcPort(): number {
    return this.w[4]! >>> 16;
  }
  get dstPort(): number {
    return this.w[9]! >>> 16;
  }
  get icmpType(): number {
    return (this.w[4]! >>> 8) & 0xff;
  }
  get icmpCode(): number {
    return this.w[4]! & 0xff;
  }
  get isIpv4(): boolean {
    return this.dlType === ETH_TYPE_IP;
  }

  setL3(dlType: number, zone: number, proto: number): void {
    this.w[10] = ((dlType << 16) | (zone & 0xffff)) >>> 0;
    this.w[11] = proto;
  }
  setZone(zone: number): void {
    this.w[10] = ((this.w[10]! & 0xffff0000) | (zone & 0xffff)) >>> 0;
  }
  setProto(proto: number): void {
    this.w[11] = proto;
  }
  setSrcPort(port: number): void {
    this.w[4] = (((port & 0xffff) << 16) | (this.w[4]! & 0xffff)) >>> 0;
  }
  setDstPort(port: number): void {
    this.w[9] = (((port & 0xffff) << 16) | (this.w[9]! & 0xffff)) >>> 0;
  }

  /** Source address word `i` (0..3; IPv4 is word 0). */
  src(i: number): number {
    return this.w[SRC + i]!;
  }
  dst(i: number): number {
    return this.w[DST + i]!;
  }

  /** Copies `k` into this key. */
  copyFrom(k: ConnKey): void {
    this.w.set(k.w);
  }

  /** A new key equal to this one. */
  clone(): ConnKey {
    const k = new ConnKey();
    k.w.set(this.w);
    return k;
  }

  /** Zeroes the key. */
  clear(): void {
    this.w.fill(0);
  }

  /** OVS's conn_key_cmp == 0. */
  equals(k: ConnKey): boolean {
    const a = this.w;
    const b = k.w;
    for (let i = 0; i < KEY_WORDS; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /** OVS's conn_key_reverse: swaps the endpoints in place. */
  reverse(): void {
    const a = this.w;
    for (let i = 0; i < EP_WORDS; i++) {
      const t = a[SRC + i]!;
      a[SRC + i] = a[DST + i]!;
      a[DST + i] = t;
    }
  }

  /** Copies endpoint words (address and port word) from `from` (SRC or DST of `k`) to this key's `to`. */
  setEndpoint(to: "src" | "dst", k: ConnKey, from: "src" | "dst"): void {
    const t = to === "src" ? SRC : DST;
    const f = from === "src" ? SRC : DST;
    for (let i = 0; i < EP_WORDS; i++) this.w[t + i] = k.w[f + i]!;
  }

  /** Copies the address (4 words) of endpoint `from` of `k` to this key's endpoint `to`. */
  setAddr(to: "src" | "dst", k: ConnKey, from: "src" | "dst"): void {
    const t = to === "src" ? SRC : DST;
    const f = from === "src" ? SRC : DST;
    for (let i = 0; i < 4; i++) this.w[t + i] = k.w[f + i]!;
  }

  /** Whether the addresses of endpoints `a` of this key and `b` of `k` are equal. */
  addrEquals(a: "src" | "dst", k: ConnKey, b: "src" | "dst"): boolean {
    const x = a === "src" ? SRC : DST;
    const y = b === "src" ? SRC : DST;
    for (let i = 0; i < 4; i++) if (this.w[x + i] !== k.w[y + i]) return false;
    return true;
  }

  /** OVS's conn_key_hash (symmetric in the endpoints). */
  hash(basis: number): number {
    const a = this.w;
    let hs = basis;
    let hd = basis;
    for (let i = 0; i < EP_WORDS; i++) {
      hs = mhashAdd(hs, a[SRC + i]!);
      hd = mhashAdd(hd, a[DST + i]!);
    }
    let h = (hs ^ hd) >>> 0;
    h = mhashAdd(h, a[10]!);
    h = mhashAdd(h, a[11]!);
    return mhashFinish(h ^ 8);
  }
}

/** An IPv4 address as OVS's IP_FMT prints it. */
export function formatIpv4Word(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

/** An IPv6 address from four words (most significant first), as OVS's ipv6_format_addr prints it. */
export function formatIpv6Words(w0: number, w1: number, w2: number, w3: number): string {
  return formatIpv6((BigInt(w0 >>> 0) << 96n) | (BigInt(w1 >>> 0) << 64n) | (BigInt(w2 >>> 0) << 32n) | BigInt(w3 >>> 0));
}
