/**
 * The small value parsers OVS's action parsers share (`lib/ofp-parse.c`:
 * `str_to_u8`, `str_to_u16`, `str_to_u32`, `str_to_u64`, `str_to_mac`,
 * `str_to_ip`; `ofputil_table_from_string`; `ofpbuf_put_hex`), with OVS's
 * error texts. Each returns the value or throws through `fail`.
 */
import type { PortNameMap } from "../flowtable/ports.js";
import { parseTableId } from "../flowtable/table-names.js";
import { strToInt, strToU64, strtoull } from "../flowtable/c-strto.js";
import { parseIpv4Strict } from "../flowtable/field-values.js";
import type { ParseContext } from "./action-op.js";
import { fail } from "./action-op.js";

function bounded(ctx: ParseContext, s: string, name: string, max: number): number {
  const v = strToInt(s);
  if (v === undefined || v < 0 || v > max) fail(ctx, `invalid ${name} "${s}"`);
  return v;
}

export function strToU8(ctx: ParseContext, s: string, name: string): number {
  return bounded(ctx, s, name, 255);
}

export function strToU16(ctx: ParseContext, s: string, name: string): number {
  return bounded(ctx, s, name, 65535);
}

export function strToU64Or(ctx: ParseContext, s: string): bigint {
  if (s === "") fail(ctx, "missing required numeric argument");
  const v = strToU64(s);
  if (v === undefined) fail(ctx, `invalid numeric format ${s}`);
  return v;
}

/** OVS 3.1's `str_to_u32`: C `strtoul` (64-bit here), truncated to 32 bits as OVS stores it. */
export function strToU32(ctx: ParseContext, s: string): number {
  return Number(strToU64Or(ctx, s) & 0xffffffffn);
}

/** OVS's `ofputil_table_from_string` (decimal table numbers 0..255, or a name `names` knows); undefined if not a table. */
export function parseTable(s: string, names?: PortNameMap): number | undefined {
  return parseTableId(s, names?.tables);
}

/**
 * OVS's `ofpbuf_put_hex`: pairs of hex digits, with spaces and dots between
 * them skipped. Returns the bytes and whether all the text was consumed.
 */
export function parseHexBytes(s: string): { bytes: number[]; complete: boolean } {
  const bytes: number[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && " .\t\r\n".includes(s[i] as string)) i++;
    const pair = s.slice(i, i + 2);
    if (!/^[0-9a-fA-F]{2}$/.test(pair)) return { bytes, complete: i >= s.length };
    bytes.push(parseInt(pair, 16));
    i += 2;
  }
}

/** `01.02.ff`: OVS's format_hex_arg. */
export function formatHexBytes(bytes: readonly number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join(".");
}

/** OVS's `str_to_mac` (`ETH_ADDR_SCAN_FMT`: six `%hhx` separated by colons). */
export function strToMac(ctx: ParseContext, s: string): bigint {
  const m = /^([0-9a-fA-F]+):([0-9a-fA-F]+):([0-9a-fA-F]+):([0-9a-fA-F]+):([0-9a-fA-F]+):([0-9a-fA-F]+)/.exec(s);
  if (!m) fail(ctx, `invalid mac address ${s}`);
  let v = 0n;
  for (let i = 1; i <= 6; i++) v = (v << 8n) | (BigInt(`0x${m[i] as string}`) & 0xffn);
  return v;
}

/** OVS's `str_to_ip` (inet_pton: a strict dotted quad). */
export function strToIp(ctx: ParseContext, s: string): bigint {
  const v = /^(0|[1-9]\d{0,2})(\.(0|[1-9]\d{0,2})){3}$/.test(s) ? parseIpv4Strict(s) : null;
  if (v === null) fail(ctx, `${s}: could not convert to IP address`);
  return v;
}

/** C `atoi`: leading white space, optional sign, digits; anything else stops; wraps like a C int. */
export function atoi(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  if (!m) return 0;
  return Number(BigInt.asIntN(32, BigInt(m[1] as string)));
}

/** `strtoull(s, NULL, 0)` ignoring trailing text (learn's cookie). */
export function strtoullLoose(s: string): bigint {
  return strtoull(s, 0, 0).value & 0xffffffffffffffffn;
}

/** C's `%#x`: `0x` prefix, except for zero. */
export function hex(v: bigint | number): string {
  const b = BigInt(v);
  return b === 0n ? "0" : `0x${b.toString(16)}`;
}
