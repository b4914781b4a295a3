/**
 * Helpers for serializing Ryu packet descriptions as Ryu does
 * (ryu/lib/packet/*.py `serialize`): integer fields packed big-endian with
 * Python's `struct.pack` range check, byte fields, concatenation, and Ryu's
 * checksums (packet_utils.checksum / checksum_ip).
 */
import { csum } from "../datapath/packet/csum.js";
import { OvsimError } from "../flowtable/errors.js";
import type { Layer } from "./packet-desc.js";
import { num } from "./packet-desc.js";

/** A description Ryu itself could not serialize (struct.error, a failed assert, a missing IP header). */
export class RyuEncodeError extends OvsimError {
  readonly code = "RYU_ENCODE";
}

/**
 * Ryu's struct.pack range check alone: called before a size computed from
 * the value is allocated (a header length, a data offset), so that a value
 * that does not fit is refused before it could ask for gigabytes.
 */
export function checkUint(value: bigint, bytes: number, what: string): void {
  if (value < 0n || value >= 1n << BigInt(8 * bytes)) throw new RyuEncodeError(`${what}=${value} does not fit in ${bytes} byte${bytes > 1 ? "s" : ""} (Ryu's struct.pack refuses it)`);
}

/**
 * `value` packed into `bytes` big-endian bytes at `b[off]`; a value that does
 * not fit is struct.pack's error in Ryu, so here too.
 */
export function putUint(b: Uint8Array, off: number, value: bigint, bytes: number, what: string): void {
  checkUint(value, bytes, what);
  let v = value;
  for (let i = bytes - 1; i >= 0; i--) {
    b[off + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

/** Field `field` of `l` packed into `bytes` bytes at `b[off]`. */
export function putField(b: Uint8Array, off: number, l: Layer, field: string, bytes: number): void {
  putUint(b, off, num(l, field), bytes, `${l.cls}.${field}`);
}

/** A byte field (empty when absent or not bytes). */
export function bytesField(l: Layer, field: string): Uint8Array {
  const v = l.f.get(field);
  return v instanceof Uint8Array ? v : new Uint8Array(0);
}

export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Ryu's packet_utils.checksum: the Internet checksum of `data` (an odd length padded with a zero byte). */
export function ryuChecksum(data: Uint8Array): number {
  return csum(data, 0, data.length);
}

/**
 * Ryu's packet_utils.checksum_ip: the checksum of the pseudo-header of the
 * IP layer `ip` (the layer before the L4 one) with `length`, then `data`.
 * The pseudo-header takes the protocol from the IP header itself
 * (`ipv4.proto`, `ipv6.nxt`, even when extension headers follow), as Ryu.
 */
export function ryuChecksumIp(ip: Layer | undefined, length: number, data: Uint8Array): number {
  const version = ip === undefined || (ip.cls !== "ipv4" && ip.cls !== "ipv6") ? -1n : num(ip, "version");
  if (ip === undefined || version === -1n) throw new RyuEncodeError(`an L4 checksum needs the IP header before it (Ryu's checksum_ip), not ${ip?.cls ?? "nothing"}`);
  let pseudo: Uint8Array;
  if (version === 4n) {
    pseudo = new Uint8Array(12);
    putUint(pseudo, 0, num(ip, "src"), 4, "ipv4.src");
    putUint(pseudo, 4, num(ip, "dst"), 4, "ipv4.dst");
    putUint(pseudo, 9, num(ip, "proto"), 1, "ipv4.proto");
    putUint(pseudo, 10, BigInt(length), 2, "pseudo-header length");
  } else if (version === 6n) {
    pseudo = new Uint8Array(40);
    putUint(pseudo, 0, num(ip, "src"), 16, "ipv6.src");
    putUint(pseudo, 16, num(ip, "dst"), 16, "ipv6.dst");
    putUint(pseudo, 32, BigInt(length), 4, "pseudo-header length");
    putUint(pseudo, 39, num(ip, "nxt"), 1, "ipv6.nxt");
  } else {
    throw new RyuEncodeError(`Unknown IP version ${version} (Ryu's checksum_ip)`);
  }
  return ryuChecksum(concat(pseudo, data));
}
