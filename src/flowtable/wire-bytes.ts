/**
 * Big-endian integers in OpenFlow wire structures (network byte order), as
 * bigints so that 48-, 64- and 128-bit fields read and write like the others.
 */

/** The `n`-byte big-endian integer at `at` of `b` (bytes past the end read as 0). */
export function readBigEndian(b: Uint8Array, at: number, n: number): bigint {
  let v = 0n;
  for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(b[at + i] ?? 0);
  return v;
}

/** Writes the low `n` bytes of `v` big-endian at `at` of `b`. */
export function writeBigEndian(b: Uint8Array, at: number, n: number, v: bigint): void {
  for (let i = n - 1; i >= 0; i--) {
    b[at + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}
