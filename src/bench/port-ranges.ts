/**
 * A port range as OpenFlow matches: OpenFlow matches a transport port by value and bitwise
 * mask, not by range, so a range [lo, hi] becomes the fewest value/mask pieces (prefixes of
 * the 16-bit port) that cover it, each port of the range by exactly one piece and no port
 * outside it. This is how people turn ACL port ranges into flows (and why a range rule set
 * multiplies into many flows and masks: [1, 65534] alone takes 30 pieces).
 *
 * The greedy construction: from `lo`, take the largest aligned block (size a power of two
 * dividing `lo`) that does not pass `hi`, and continue after it.
 */

import { FlowBenchError } from "./errors.js";

/** One piece: the ports p with (p & mask) === value. */
export interface PortPiece {
  readonly value: number;
  readonly mask: number;
}

/** The prefix pieces covering [lo, hi] (0 <= lo <= hi <= 65535), in ascending order. */
export function splitPortRange(lo: number, hi: number): PortPiece[] {
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi > 0xffff || lo > hi) {
    throw new FlowBenchError(`bad port range ${lo} : ${hi} (need 0 <= lo <= hi <= 65535)`);
  }
  const out: PortPiece[] = [];
  let p = lo;
  while (p <= hi) {
    // Largest block size 2^k with p aligned to it and p + 2^k - 1 <= hi.
    let size = 1;
    while (size < 0x10000 && p % (size * 2) === 0 && p + size * 2 - 1 <= hi) size *= 2;
    out.push({ value: p, mask: 0xffff & ~(size - 1) });
    p += size;
  }
  return out;
}

/** The piece as ovs-ofctl match text: `80`, or `0x400/0xfc00`; null for the whole range. */
export function formatPortPiece(piece: PortPiece): string | null {
  if (piece.mask === 0) return null;
  if (piece.mask === 0xffff) return String(piece.value);
  return `0x${piece.value.toString(16)}/0x${piece.mask.toString(16)}`;
}
