/**
 * The Internet checksum (RFC 1071) as OVS's lib/csum.c computes it: a 32-bit
 * running sum of big-endian 16-bit words (`csumContinue`), folded and
 * complemented at the end (`csumFinish`). Pseudo-headers for TCP/UDP/ICMPv6
 * over IPv4 and IPv6 (packet_csum_pseudoheader / packet_csum_pseudoheader6).
 */

/** Adds `len` bytes of `b` from `off` to the partial sum `partial`. */
export function csumContinue(partial: number, b: Uint8Array, off: number, len: number): number {
  let sum = partial;
  let i = off;
  const end = off + len;
  for (; i + 1 < end; i += 2) sum += (b[i]! << 8) | b[i + 1]!; // in bounds: i + 1 < end <= length
  if (i < end) sum += b[i]! << 8;
  // Fold now and then so the sum stays a small integer.
  return (sum & 0xffff) + Math.floor(sum / 0x10000);
}

/** Folds and complements a partial sum into a 16-bit checksum. */
export function csumFinish(partial: number): number {
  let s = partial;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return ~s & 0xffff;
}

/** The checksum of `len` bytes of `b` from `off` (OVS's csum). */
export function csum(b: Uint8Array, off: number, len: number): number {
  return csumFinish(csumContinue(0, b, off, len));
}

/** The IPv4 pseudo-header's partial sum for the IPv4 header at `ip` (protocol, addresses, L4 length). */
export function pseudoHeaderV4(b: Uint8Array, ip: number): number {
  const ihl = (b[ip]! & 0x0f) * 4;
  const totLen = (b[ip + 2]! << 8) | b[ip + 3]!;
  let sum = csumContinue(0, b, ip + 12, 8);
  sum += b[ip + 9]!;
  sum += (totLen - ihl) & 0xffff;
  return sum;
}

/** The IPv6 pseudo-header's partial sum for the IPv6 header at `ip6` with upper-layer `proto` and `l4Len`. */
export function pseudoHeaderV6(b: Uint8Array, ip6: number, proto: number, l4Len: number): number {
  let sum = csumContinue(0, b, ip6 + 8, 32);
  sum += proto;
  sum += (l4Len >>> 16) + (l4Len & 0xffff);
  return sum;
}
