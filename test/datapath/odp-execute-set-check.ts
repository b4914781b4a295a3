/**
 * Test helper: verifies every checksum of a packet by recomputing it from
 * scratch (IPv4 header; TCP, UDP (unless 0: none), ICMP, ICMPv6 with their
 * pseudo-headers; SCTP's CRC32c). Returns the names of the wrong ones.
 */
import { crc32c } from "../../src/datapath/odp-execute-set.js";
import { csum, csumContinue, csumFinish, pseudoHeaderV4, pseudoHeaderV6 } from "../../src/datapath/packet/csum.js";
import { extractFlow, MAX_VLAN_HEADERS } from "../../src/datapath/packet/extract.js";
import { OFS_NONE, type Packet } from "../../src/datapath/packet/packet.js";
import { FLOW_WORDS, M, readSmall } from "../../src/flowtable/flow-layout.js";

function le32(b: Uint8Array, i: number): number {
  return ((b[i] ?? 0) | ((b[i + 1] ?? 0) << 8) | ((b[i + 2] ?? 0) << 16) | ((b[i + 3] ?? 0) << 24)) >>> 0;
}

/** The correct SCTP CRC32c of the L4 segment at `l4` (`len` bytes), its own field taken as zero. */
export function sctpCrc(b: Uint8Array, l4: number, len: number): number {
  const seg = b.slice(l4, l4 + len);
  seg.fill(0, 8, 12);
  return crc32c(seg, 0, len);
}

export function badChecksums(p: Packet): string[] {
  const bad: string[] = [];
  const key = new Uint32Array(FLOW_WORDS);
  extractFlow(p, 0, key, MAX_VLAN_HEADERS);
  const b = p.bytes;
  const dlType = readSmall(key, M.dlType);
  const l3 = p.l3Ofs;
  const l4 = p.l4Ofs;
  if (l4 === OFS_NONE || (dlType !== 0x0800 && dlType !== 0x86dd)) return bad;
  if (dlType === 0x0800 && csum(b, l3, ((b[l3] ?? 0) & 15) * 4) !== 0) bad.push("ipv4");
  if ((readSmall(key, M.nwFrag) & 1) !== 0) return bad; // fragments: no L4 checksum to verify
  const len = p.size - l4 - p.l2PadSize;
  const proto = readSmall(key, M.nwProto);
  const pseudo = dlType === 0x0800 ? pseudoHeaderV4(b, l3) : pseudoHeaderV6(b, l3, proto, len);
  const full = (): number => csumFinish(csumContinue(pseudo, b, l4, len));
  switch (proto) {
    case 6:
      if (len >= 20 && full() !== 0) bad.push("tcp");
      break;
    case 17:
      if (len >= 8 && ((b[l4 + 6] ?? 0) | (b[l4 + 7] ?? 0)) !== 0 && full() !== 0) bad.push("udp");
      break;
    case 1:
      if (dlType === 0x0800 && len >= 8 && csum(b, l4, len) !== 0) bad.push("icmp");
      break;
    case 58:
      if (len >= 4 && full() !== 0) bad.push("icmpv6");
      break;
    case 132:
      if (len >= 12 && sctpCrc(b, l4, len) !== le32(b, l4 + 8)) bad.push("sctp");
      break;
    default:
      break;
  }
  return bad;
}
