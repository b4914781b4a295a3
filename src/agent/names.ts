/**
 * How the agent names the ports it creates, as Neutron does, so that
 * `ovs-vsctl list Interface` shows the same names:
 *
 * - tunnel ports (`OVSNeutronAgent.get_tunnel_name`): TYPE-HASH, at most 15
 *   characters; for an IPv4 remote the hash is the address as 8 hex digits
 *   (`vxlan-c000020c` for 192.0.2.12), for IPv6 the lower-cased base32 of
 *   the SHA-1 of the address text, cut to 15 - len(TYPE-) characters
 *   (`vxlan-b3pxqq6m7`, `gre-b3pxqq6m7cx`);
 * - patch ports to physical bridges (`neutron_lib.plugins.utils.
 *   get_interface_name`): PREFIX + bridge, or when that is longer than 15,
 *   PREFIX + the bridge's first characters + the first 6 hex digits of the
 *   SHA-1 of the bridge name (`int-br-pr8034db` for br-provider-long).
 *
 * SHA-1 is written here (FIPS 180-4) so that the agent runs where
 * node:crypto does not (a browser).
 */
import { DEVICE_NAME_MAX_LEN, INTERFACE_HASH_LEN } from "./constants.js";
import { ipVersion, parseIpv4 } from "./ip.js";

/** get_tunnel_name: the port name for a tunnel of `networkType` to `remoteIp`; null for an invalid address. */
export function tunnelPortName(networkType: string, remoteIp: string): string | null {
  const hashLen = DEVICE_NAME_MAX_LEN - networkType.length - 1;
  const hash = tunnelHash(remoteIp, hashLen);
  return hash === null ? null : `${networkType}-${hash}`;
}

/** get_tunnel_hash. */
export function tunnelHash(ip: string, hashLen: number): string | null {
  const v = ipVersion(ip);
  if (v === 4) return (parseIpv4(ip) ?? 0).toString(16).padStart(8, "0");
  if (v === 6) return base32(sha1(utf8(ip))).slice(0, hashLen).toLowerCase();
  return null;
}

/** neutron_lib.plugins.utils.get_interface_name. */
export function interfaceName(name: string, prefix: string, maxLen = DEVICE_NAME_MAX_LEN): string {
  const requested = prefix + name;
  if (requested.length <= maxLen) return requested;
  if (prefix.length + INTERFACE_HASH_LEN > maxLen) throw new RangeError("Too long prefix provided. New name would exceed given length for an interface name.");
  const keep = maxLen - prefix.length - INTERFACE_HASH_LEN;
  return prefix + name.slice(0, keep) + hex(sha1(utf8(name))).slice(0, INTERFACE_HASH_LEN);
}

function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

function hex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}

/** RFC 4648 base32 with padding, as Python's base64.b32encode. */
export function base32(b: Uint8Array): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of b) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  while (out.length % 8 !== 0) out += "=";
  return out;
}

/** SHA-1 (FIPS 180-4) of `msg`: 20 bytes. */
export function sha1(msg: Uint8Array): Uint8Array {
  const ml = msg.length;
  const total = Math.ceil((ml + 9) / 64) * 64;
  const data = new Uint8Array(total);
  data.set(msg);
  data[ml] = 0x80;
  const view = new DataView(data.buffer);
  view.setUint32(total - 8, Math.floor((ml * 8) / 0x100000000));
  view.setUint32(total - 4, (ml * 8) >>> 0);
  let h0 = 0x67452301;
  let h1 = 0xefcdab89;
  let h2 = 0x98badcfe;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0;
  const w = new Uint32Array(80);
  for (let off = 0; off < total; off += 64) {
    for (let t = 0; t < 16; t++) w[t] = view.getUint32(off + t * 4);
    for (let t = 16; t < 80; t++) {
      const x = w[t - 3]! ^ w[t - 8]! ^ w[t - 14]! ^ w[t - 16]!;
      w[t] = (x << 1) | (x >>> 31);
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    for (let t = 0; t < 80; t++) {
      const f = t < 20 ? (b & c) | (~b & d) : t < 40 ? b ^ c ^ d : t < 60 ? (b & c) | (b & d) | (c & d) : b ^ c ^ d;
      const k = t < 20 ? 0x5a827999 : t < 40 ? 0x6ed9eba1 : t < 60 ? 0x8f1bbcdc : 0xca62c1d6;
      const tmp = (((a << 5) | (a >>> 27)) + f + e + k + w[t]!) >>> 0;
      e = d;
      d = c;
      c = ((b << 30) | (b >>> 2)) >>> 0;
      b = a;
      a = tmp;
    }
    h0 = (h0 + a) >>> 0;
    h1 = (h1 + b) >>> 0;
    h2 = (h2 + c) >>> 0;
    h3 = (h3 + d) >>> 0;
    h4 = (h4 + e) >>> 0;
  }
  const out = new Uint8Array(20);
  const ov = new DataView(out.buffer);
  [h0, h1, h2, h3, h4].forEach((h, i) => ov.setUint32(i * 4, h));
  return out;
}
