/**
 * Big-endian writes into a byte array, shared by the packet builders and
 * flow_compose. Callers size the array first; writes past its end are
 * dropped by the typed array, never thrown.
 */

export function put16(b: Uint8Array, i: number, v: number): void {
  b[i] = (v >>> 8) & 0xff;
  b[i + 1] = v & 0xff;
}

export function put32(b: Uint8Array, i: number, v: number): void {
  b[i] = (v >>> 24) & 0xff;
  b[i + 1] = (v >>> 16) & 0xff;
  b[i + 2] = (v >>> 8) & 0xff;
  b[i + 3] = v & 0xff;
}

export function get16(b: Uint8Array, i: number): number {
  return ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
}

export function get32(b: Uint8Array, i: number): number {
  return (((b[i] ?? 0) << 24) | ((b[i + 1] ?? 0) << 16) | ((b[i + 2] ?? 0) << 8) | (b[i + 3] ?? 0)) >>> 0;
}

/** Copies flow key words `w..w+n-1` (big-endian) to `b[i]`, skipping the first `skip` bytes (2 for a MAC). */
export function putWords(b: Uint8Array, i: number, key: Uint32Array, w: number, n: number, skip = 0): void {
  for (let k = 0; k < n; k++) {
    const v = key[w + k] ?? 0;
    for (let j = 0; j < 4; j++) {
      const byte = k * 4 + j - skip;
      if (byte >= 0) b[i + byte] = (v >>> (24 - j * 8)) & 0xff;
    }
  }
}
