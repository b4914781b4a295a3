/**
 * The header setters of OVS's lib/packets.c that keep checksums right, shared
 * by the datapath's set actions (odp-execute-set.ts) and conntrack's NAT
 * (conntrack/nat-packet.ts): incremental checksum updates (recalc_csum16 /
 * recalc_csum32), packet_set_ipv4_addr (the L4 checksum, when there is one,
 * then the IPv4 header's; a UDP checksum of 0 stays 0, one that becomes 0 is
 * 0xffff) and packet_set_port.
 */
import { IPPROTO } from "../../flowtable/protocols.js";
import { get16, get32, put16, put32 } from "./bytes.js";
import type { Packet } from "./packet.js";
import { OFS_NONE } from "./packet.js";

export const TCP_HEADER_LEN = 20;
export const UDP_HEADER_LEN = 8;

/** OVS's recalc_csum16: the checksum after one 16-bit word goes from `o` to `n`. */
export function recalcCsum16(csum: number, o: number, n: number): number {
  const sum = (~csum & 0xffff) + (~o & 0xffff) + (n & 0xffff);
  return ~((sum & 0xffff) + (sum >>> 16)) & 0xffff;
}

/** recalc_csum32: the checksum after one 32-bit word goes from `o` to `n`. */
export function recalcCsum32(csum: number, o: number, n: number): number {
  return recalcCsum16(recalcCsum16(csum, o >>> 16, n >>> 16), o & 0xffff, n & 0xffff);
}

/** L4 bytes after the L4 offset (dp_packet_l4_size), 0 without L4. */
export function l4Size(p: Packet): number {
  return p.l4Ofs === OFS_NONE ? 0 : p.size - p.l4Ofs - p.l2PadSize;
}

/** packet_set_ipv4_addr: the L4 checksum follows a changed IPv4 address (at `b[at]`), then the header's. */
export function setIpv4Addr(p: Packet, at: number, n: number): void {
  const b = p.bytes;
  const l3 = p.l3Ofs;
  const o = get32(b, at);
  const l4 = p.l4Ofs;
  const size = l4Size(p);
  const proto = b[l3 + 9];
  if (proto === IPPROTO.TCP && size >= TCP_HEADER_LEN) {
    put16(b, l4 + 16, recalcCsum32(get16(b, l4 + 16), o, n));
  } else if (proto === IPPROTO.UDP && size >= UDP_HEADER_LEN) {
    const c = get16(b, l4 + 6);
    if (c !== 0) {
      const nc = recalcCsum32(c, o, n);
      put16(b, l4 + 6, nc === 0 ? 0xffff : nc);
    }
  }
  put16(b, l3 + 10, recalcCsum32(get16(b, l3 + 10), o, n));
  put32(b, at, n);
}

/** packet_set_port on the port at `b[at]`, checksum at `b[cs]`. */
export function setPort(b: Uint8Array, at: number, n: number, cs: number): void {
  const o = get16(b, at);
  if (o !== n) {
    put16(b, cs, recalcCsum16(get16(b, cs), o, n));
    put16(b, at, n);
  }
}
