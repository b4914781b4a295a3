/**
 * nx_match and OXM as text, OVS's test notation (`nx_match_from_string`,
 * `nx_match_to_string`, `oxm_*` in lib/nx-match.c):
 *
 *   NXM_OF_ETH_TYPE(0800), NXM_OF_IP_SRC_W(c0a80000/ffff0000)
 *
 * Each entry is a header name (`_W` for the masked form of a maskable field;
 * NXM_NX_COOKIE(_W); or the header itself as 8 or, for an experimenter OXM,
 * 16 hex digits), then its value (and `/mask`) in hex in parentheses; entries
 * are separated by commas or spaces; `<any>` is the empty match. Reading is
 * exact about lengths; a malformed entry is a fatal error in OVS's words
 * (`NxmTextError`). Printing shows each entry's header name (or
 * `class:field` when unknown) and hex bytes; undecodable trailing bytes are
 * `<N invalid bytes>`.
 */
import { OvsimError } from "./errors.js";
import { allOnes } from "./field-values.js";
import {
  headerByName,
  headerByWire,
  headerLen,
  isExperimenter,
  NXM_NX_COOKIE,
  NXM_NX_COOKIE_W,
  nxmClass,
  nxmField,
  nxmHasMask,
  nxmLength,
  OXM_OF_PACKET_TYPE,
  payloadLen,
  sideHeaderByName,
  sideHeaderByWire,
  valueLen,
  wildHeader,
} from "./nxm-headers.js";

/** A malformed nx_match string: ovs-ofctl prints `ovs-ofctl: MESSAGE` and exits 1. */
export class NxmTextError extends OvsimError {
  readonly code = "NXM_TEXT";
}

function hexValue(s: string): bigint | null {
  return /^[0-9a-fA-F]+$/.test(s) ? BigInt(`0x${s}`) : null;
}

/** parse_nxm_field_name: the header a name stands for, or 0n. */
function parseFieldName(name: string): bigint {
  const wild = name.endsWith("_W");
  const h = headerByName(wild ? name.slice(0, -2) : name);
  if (h !== undefined) {
    if (!wild) return h.header;
    if (h.field.maskable) return wildHeader(h.header);
  }
  const side = sideHeaderByName(wild ? name.slice(0, -2) : name);
  if (side !== undefined && (!wild || side.maskable)) return wild ? wildHeader(side.header) : side.header;
  if (name === "OXM_OF_PACKET_TYPE") return OXM_OF_PACKET_TYPE;
  if (name === "NXM_NX_COOKIE") return NXM_NX_COOKIE;
  if (name === "NXM_NX_COOKIE_W") return NXM_NX_COOKIE_W;
  if (name.length === 8) {
    const v = hexValue(name);
    if (v !== null) return v << 32n;
  } else if (name.length === 16) {
    const v = hexValue(name);
    if (v !== null && isExperimenter(v)) return v;
  }
  return 0n;
}

/**
 * OVS's ofpbuf_put_hex: appends to `out` the bytes that pairs of hex digits
 * from `s[at]` on stand for, skipping spaces, dots and line ends between
 * them; returns where reading stopped and the number of bytes.
 */
export function putHex(out: number[], s: string, at: number): { at: number; n: number } {
  let n = 0;
  for (;;) {
    while (at < s.length && " .\t\r\n".includes(s[at] ?? "")) at++;
    const pair = s.slice(at, at + 2);
    if (pair.length < 2 || !/^[0-9a-fA-F]{2}$/.test(pair)) return { at, n };
    out.push(parseInt(pair, 16));
    n++;
    at += 2;
  }
}

function skip(s: string, at: number, chars: string): number {
  while (at < s.length && chars.includes(s[at] ?? "")) at++;
  return at;
}

/** nx_match_from_string_raw: the entries' bytes, unpadded. */
export function nxMatchFromStringRaw(s: string): number[] {
  const out: number[] = [];
  if (s === "<any>") return out;
  for (let at = skip(s, 0, ", "); at < s.length; at = skip(s, at, ", ")) {
    const open = s.indexOf("(", at);
    const name = s.slice(at, open < 0 ? s.length : open);
    if (open < 0) throw new NxmTextError(`${s}: missing ( at end of nx_match`);
    const header = parseFieldName(name);
    if (header === 0n) throw new NxmTextError(`${s}: unknown field \`${name}'`);
    at = open + 1;
    const headerAt = out.length;
    for (let i = 0; i < headerLen(header); i++) out.push(0);
    const v = putHex(out, s, at);
    at = v.at;
    if (v.n !== valueLen(header)) throw new NxmTextError(`expected to read ${valueLen(header)} bytes but got ${v.n}`);
    for (let i = 0; i < headerLen(header); i++) out[headerAt + i] = Number((header >> BigInt(56 - 8 * i)) & 0xffn);
    if (nxmHasMask(header)) {
      at = skip(s, at, " ");
      if (s[at] !== "/") throw new NxmTextError(`${s}: missing / in masked field ${name}`);
      const m = putHex(out, s, at + 1);
      at = m.at;
      if (m.n !== valueLen(header)) throw new NxmTextError(`${s.slice(at, at + 2)}: hex digits expected`);
    }
    at = skip(s, at, " ");
    if (s[at] !== ")") throw new NxmTextError(`${s}: missing ) following field ${name}`);
    at++;
  }
  return out;
}

function pad8(out: number[]): Uint8Array {
  const b = new Uint8Array(Math.ceil(out.length / 8) * 8);
  b.set(out);
  return b;
}

/** nx_match_from_string: the bytes (padded to 8) and the match length. */
export function nxMatchFromString(s: string): { bytes: Uint8Array; matchLen: number } {
  const raw = nxMatchFromStringRaw(s);
  return { bytes: pad8(raw), matchLen: raw.length };
}

/** oxm_match_from_string: an ofp11_match_header (OFPMT_OXM, length) and the entries, padded to 8. */
export function oxmMatchFromString(s: string): { bytes: Uint8Array; matchLen: number } {
  const raw = nxMatchFromStringRaw(s);
  const len = raw.length + 4;
  return { bytes: pad8([0, 1, len >> 8, len & 0xff, ...raw]), matchLen: len };
}

function hex(v: bigint, n: number): string {
  return v.toString(16).padStart(n * 2, "0");
}

function fieldName(h: bigint): string {
  const known = headerByWire(h);
  if (known !== undefined) return nxmHasMask(h) ? `${known.name}_W` : known.name;
  const side = sideHeaderByWire(h);
  if (side !== undefined) return nxmHasMask(h) ? `${side.name}_W` : side.name;
  if (h === OXM_OF_PACKET_TYPE) return "OXM_OF_PACKET_TYPE";
  if (h === NXM_NX_COOKIE) return "NXM_NX_COOKIE";
  if (h === NXM_NX_COOKIE_W) return "NXM_NX_COOKIE_W";
  return `${nxmClass(h)}:${nxmField(h)}`;
}

function readBig(b: Uint8Array, at: number, n: number): bigint {
  let v = 0n;
  for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(b[at + i] ?? 0);
  return v;
}

/** nx_match_to_string of `b[start, end)`. */
export function nxMatchToString(b: Uint8Array, start: number, end: number): string {
  if (end === start) return "<any>";
  const parts: string[] = [];
  let at = start;
  while (at < end) {
    if (end - at < 4) break;
    let h = readBig(b, at, 4) << 32n;
    if (isExperimenter(h)) {
      if (end - at < 8) break;
      h = readBig(b, at, 8);
    }
    if (nxmLength(h) < headerLen(h) - 4) break;
    const p = at + headerLen(h);
    if (end - p < payloadLen(h)) break;
    const w = valueLen(h);
    const value = readBig(b, p, w);
    const mask = nxmHasMask(h) ? readBig(b, p + w, w) : allOnes(w * 8);
    if (nxmHasMask(h) && (value & ~mask) !== 0n) break;
    at = p + payloadLen(h);
    parts.push(`${fieldName(h)}(${hex(value, w)}${nxmHasMask(h) ? `/${hex(mask, w)}` : ""})`);
  }
  if (at < end) parts.push(`<${end - at} invalid bytes>`);
  return parts.join(", ");
}

/** oxm_match_to_string: checks the ofp11_match_header, then the entries. */
export function oxmMatchToString(b: Uint8Array, matchLen: number): string {
  if (matchLen < 4) return `<match too short: ${matchLen}>`;
  const type = Number(readBig(b, 0, 2));
  if (type !== 1) return `<bad match type field: ${type}>`;
  const len = Number(readBig(b, 2, 2));
  if (len < 4) return `<match length field too short: ${len}>`;
  if (len !== matchLen) return `<match length field incorrect: ${len} != ${matchLen}>`;
  return nxMatchToString(b, 4, matchLen);
}
