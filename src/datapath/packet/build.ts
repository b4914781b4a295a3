/**
 * Packet builders for tests and for simulated hosts: whole frames with real
 * lengths and checksums (IPv4 header, TCP/UDP/ICMPv6 with pseudo-header,
 * ICMP). Addresses are numbers (IPv4, MAC as 48-bit number) or 4-word arrays
 * (IPv6, most significant first) — the flow key's own shapes. Not hot paths.
 */
import { put16, put32 } from "./bytes.js";
import { csum, csumContinue, csumFinish, pseudoHeaderV4, pseudoHeaderV6 } from "./csum.js";
import { Packet } from "./packet.js";

export type Ipv6Words = readonly [number, number, number, number];

export interface EthSpec {
  readonly src: number;
  readonly dst: number;
  /** VLAN headers, outer first: TPID (default 0x8100) and TCI (vid | pcp << 13). */
  readonly vlans?: ReadonlyArray<{ readonly tpid?: number; readonly tci: number }>;
}

function putMac(b: Uint8Array, i: number, mac: number): void {
  put16(b, i, Math.floor(mac / 0x100000000) & 0xffff);
  put32(b, i + 2, mac >>> 0);
}

/** An Ethernet frame (with VLAN headers) of Ethertype `type` around `payload`. */
export function buildEthernet(eth: EthSpec, type: number, payload: Uint8Array): Packet {
  const vlans = eth.vlans ?? [];
  const l3 = 14 + 4 * vlans.length;
  const b = new Uint8Array(l3 + payload.length);
  putMac(b, 0, eth.dst);
  putMac(b, 6, eth.src);
  let p = 12;
  for (const v of vlans) {
    put16(b, p, v.tpid ?? 0x8100);
    put16(b, p + 2, v.tci & 0xefff);
    p += 4;
  }
  put16(b, p, type);
  b.set(payload, l3);
  const pkt = new Packet(b);
  pkt.l3Ofs = l3;
  return pkt;
}

export interface Ipv4Spec {
  readonly src: number;
  readonly dst: number;
  readonly proto: number;
  readonly tos?: number;
  readonly ttl?: number;
  readonly id?: number;
  /** The flags+offset field (MF 0x2000, DF 0x4000, offset in 8-byte units). */
  readonly fragOff?: number;
  /** IP options, a multiple of 4 bytes. */
  readonly options?: Uint8Array;
}

/** An IPv4 datagram (header checksum filled; L4 checksum filled for TCP/UDP/ICMP unless a later fragment). */
export function buildIpv4(ip: Ipv4Spec, l4: Uint8Array): Uint8Array {
  const opts = ip.options ?? new Uint8Array(0);
  const ihl = 20 + opts.length;
  const b = new Uint8Array(ihl + l4.length);
  b[0] = 0x40 | (ihl / 4);
  b[1] = ip.tos ?? 0;
  put16(b, 2, b.length);
  put16(b, 4, ip.id ?? 0);
  put16(b, 6, ip.fragOff ?? 0);
  b[8] = ip.ttl ?? 64;
  b[9] = ip.proto;
  put32(b, 12, ip.src);
  put32(b, 16, ip.dst);
  b.set(opts, 20);
  b.set(l4, ihl);
  put16(b, 10, csum(b, 0, ihl));
  if (((ip.fragOff ?? 0) & 0x1fff) === 0) fillL4Checksum(b, ihl, ip.proto, pseudoHeaderV4(b, 0));
  return b;
}

export interface Ipv6Spec {
  readonly src: Ipv6Words;
  readonly dst: Ipv6Words;
  readonly proto: number;
  readonly tclass?: number;
  readonly label?: number;
  readonly hlim?: number;
}

/** An IPv6 packet (no extension headers) with the L4 checksum filled. */
export function buildIpv6(ip: Ipv6Spec, l4: Uint8Array): Uint8Array {
  const b = new Uint8Array(40 + l4.length);
  put32(b, 0, ((6 << 28) | ((ip.tclass ?? 0) << 20) | ((ip.label ?? 0) & 0xfffff)) >>> 0);
  put16(b, 4, l4.length);
  b[6] = ip.proto;
  b[7] = ip.hlim ?? 64;
  for (let i = 0; i < 4; i++) {
    put32(b, 8 + 4 * i, ip.src[i] ?? 0);
    put32(b, 24 + 4 * i, ip.dst[i] ?? 0);
  }
  b.set(l4, 40);
  fillL4Checksum(b, 40, ip.proto, pseudoHeaderV6(b, 0, ip.proto, l4.length));
  return b;
}

function fillL4Checksum(b: Uint8Array, l4: number, proto: number, pseudo: number): void {
  const len = b.length - l4;
  if (proto === 6 && len >= 20) {
    put16(b, l4 + 16, 0);
    put16(b, l4 + 16, csumFinish(csumContinue(pseudo, b, l4, len)));
  } else if (proto === 17 && len >= 8) {
    put16(b, l4 + 6, 0);
    const c = csumFinish(csumContinue(pseudo, b, l4, len));
    put16(b, l4 + 6, c === 0 ? 0xffff : c);
  } else if (proto === 58 && len >= 4) {
    put16(b, l4 + 2, 0);
    put16(b, l4 + 2, csumFinish(csumContinue(pseudo, b, l4, len)));
  } else if ((proto === 1 || proto === 2) && len >= 4) {
    put16(b, l4 + 2, 0);
    put16(b, l4 + 2, csum(b, l4, len));
  }
}

/** A TCP segment (data offset 5 + options), checksum left for buildIpv4/buildIpv6. */
export function tcpSegment(src: number, dst: number, flags: number, opts: { seq?: number; ack?: number; window?: number; payload?: Uint8Array } = {}): Uint8Array {
  const data = opts.payload ?? new Uint8Array(0);
  const b = new Uint8Array(20 + data.length);
  put16(b, 0, src);
  put16(b, 2, dst);
  put32(b, 4, opts.seq ?? 0);
  put32(b, 8, opts.ack ?? 0);
  put16(b, 12, (5 << 12) | (flags & 0x0fff));
  put16(b, 14, opts.window ?? 65535);
  b.set(data, 20);
  return b;
}

/** A UDP datagram, checksum left for buildIpv4/buildIpv6. */
export function udpDatagram(src: number, dst: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const b = new Uint8Array(8 + payload.length);
  put16(b, 0, src);
  put16(b, 2, dst);
  put16(b, 4, b.length);
  b.set(payload, 8);
  return b;
}

/** An ICMP or ICMPv6 message: type, code, 4 bytes of "rest of header", data. */
export function icmpMessage(type: number, code: number, rest: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const b = new Uint8Array(8 + data.length);
  b[0] = type;
  b[1] = code;
  put32(b, 4, rest >>> 0);
  b.set(data, 8);
  return b;
}

/** An ARP packet (Ethernet/IPv4): op 1 request, 2 reply. */
export function arpPayload(op: number, sha: number, spa: number, tha: number, tpa: number): Uint8Array {
  const b = new Uint8Array(28);
  put16(b, 0, 1);
  put16(b, 2, 0x0800);
  b[4] = 6;
  b[5] = 4;
  put16(b, 6, op);
  putMac(b, 8, sha);
  put32(b, 14, spa);
  putMac(b, 18, tha);
  put32(b, 24, tpa);
  return b;
}

/** An ND neighbour solicitation (135) or advertisement (136) body with an optional SLL (NS) or TLL (NA) option. */
export function ndMessage(type: 135 | 136, target: Ipv6Words, lla: number | null, flags = 0): Uint8Array {
  const b = new Uint8Array(24 + (lla === null ? 0 : 8));
  b[0] = type;
  put32(b, 4, flags >>> 0);
  for (let i = 0; i < 4; i++) put32(b, 8 + 4 * i, target[i] ?? 0);
  if (lla !== null) {
    b[24] = type === 135 ? 1 : 2;
    b[25] = 1;
    putMac(b, 26, lla);
  }
  return b;
}

export interface IcmpEchoSpec extends EthSpec {
  readonly srcIp: number;
  readonly dstIp: number;
  readonly reply?: boolean;
  readonly ident?: number;
  readonly seq?: number;
  readonly ttl?: number;
  /** Payload bytes (default: 56 bytes 0, 1, 2, ... like ping). */
  readonly payload?: Uint8Array;
}

/** An ICMP echo request (or reply) in IPv4 in Ethernet: what a host's ping sends. */
export function buildIcmpEcho(s: IcmpEchoSpec): Packet {
  const data = s.payload ?? Uint8Array.from({ length: 56 }, (_, i) => i);
  const icmp = icmpMessage(s.reply === true ? 0 : 8, 0, (((s.ident ?? 0) & 0xffff) << 16) | ((s.seq ?? 0) & 0xffff), data);
  const ip = buildIpv4({ src: s.srcIp, dst: s.dstIp, proto: 1, ttl: s.ttl ?? 64 }, icmp);
  return withL4(buildEthernet(s, 0x0800, ip), 20);
}

/** An ARP request or reply in Ethernet (broadcast destination for requests unless `dst` says otherwise). */
export function buildArp(eth: EthSpec, op: 1 | 2, spa: number, tpa: number, tha = 0): Packet {
  return buildEthernet(eth, 0x0806, arpPayload(op, eth.src, spa, tha, tpa));
}

function withL4(p: Packet, ipHeaderLen: number): Packet {
  p.l4Ofs = p.l3Ofs + ipHeaderLen;
  return p;
}

/** A UDP datagram in IPv4 in Ethernet. */
export function buildUdp4(eth: EthSpec, ip: Omit<Ipv4Spec, "proto">, sport: number, dport: number, payload?: Uint8Array): Packet {
  return withL4(buildEthernet(eth, 0x0800, buildIpv4({ ...ip, proto: 17 }, udpDatagram(sport, dport, payload))), 20 + (ip.options?.length ?? 0));
}

/** A TCP segment in IPv4 in Ethernet. */
export function buildTcp4(eth: EthSpec, ip: Omit<Ipv4Spec, "proto">, sport: number, dport: number, flags: number, payload?: Uint8Array): Packet {
  const seg = payload === undefined ? tcpSegment(sport, dport, flags) : tcpSegment(sport, dport, flags, { payload });
  return withL4(buildEthernet(eth, 0x0800, buildIpv4({ ...ip, proto: 6 }, seg)), 20 + (ip.options?.length ?? 0));
}

/** An ND neighbour solicitation / advertisement in IPv6 in Ethernet (hop limit 255). */
export function buildNd(eth: EthSpec, src: Ipv6Words, dst: Ipv6Words, type: 135 | 136, target: Ipv6Words, lla: number | null, flags = 0): Packet {
  return withL4(buildEthernet(eth, 0x86dd, buildIpv6({ src, dst, proto: 58, hlim: 255 }, ndMessage(type, target, lla, flags))), 40);
}
