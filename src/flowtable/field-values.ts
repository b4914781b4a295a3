/**
 * Text codecs for match field values, with OVS's syntax and error texts:
 * integers (`parse_int_string`: decimal, octal with a leading 0, `0x` hex of any
 * length that fits), IPv4 and IPv6 addresses with CIDR or dotted masks, Ethernet
 * addresses with masks, and flag sets (`+syn-ack`, `syn|ack`, `0x12/0xff`).
 *
 * Values are bigints here: these paths run when flows are parsed or printed,
 * never per packet.
 */
import { ovsScanInt, strtoull } from "./c-strto.js";

/** Result of a value parse: the value and mask, or OVS's error text. */
export type Parsed = { ok: true; value: bigint; mask: bigint } | { ok: false; error: string };

export function allOnes(bits: number): bigint {
  return (1n << BigInt(bits)) - 1n;
}

/**
 * Parses an unsigned integer at `s[start]` into a field `nBytes` wide, as OVS's
 * `parse_int_string`: `0x...` hex (white space between hexits is skipped, leading
 * zeros are free), otherwise C `strtoull(s, 0)` (so `010` is octal 8, `-1` wraps).
 * Returns the value and the index where parsing stopped, or 'range' / 'syntax'.
 */
export function parseIntString(
  s: string,
  start: number,
  nBytes: number,
): { value: bigint; end: number } | "range" | "syntax" {
  const limit = 1n << BigInt(nBytes * 8);
  if (s[start] === "0" && (s[start + 1] === "x" || s[start + 1] === "X")) {
    let i = start + 2;
    let value = 0n;
    let digits = 0;
    for (;;) {
      while (i < s.length && " \t\r\n".includes(s[i] as string)) i++;
      const c = s[i];
      if (c === undefined || !/[0-9a-fA-F]/.test(c)) break;
      const h = BigInt(parseInt(c, 16));
      if (h !== 0n || digits > 0) {
        if (Math.ceil((digits + 1) / 2) > nBytes) return "range";
        digits++;
      }
      value = (value << 4n) | h;
      i++;
    }
    return { value, end: i };
  }
  const r = strtoull(s, start, 0);
  if (r.end === start) return "syntax";
  if (r.overflow || r.value >= limit) return "range";
  return { value: r.value, end: r.end };
}

/** OVS's `mf_from_integer_string`: `value` or `value/mask`. */
export function parseIntegerMasked(s: string, nBytes: number, fieldName: string): Parsed {
  const v = parseIntString(s, 0, nBytes);
  const tooLarge = (what: string): Parsed => ({
    ok: false,
    error: `${s}: ${what} too large for ${nBytes}-byte field ${fieldName}`,
  });
  if (v === "range") return tooLarge("value");
  if (v === "syntax" || (v.end < s.length && s[v.end] !== "/")) {
    return { ok: false, error: `${s}: bad syntax for ${fieldName} value` };
  }
  if (v.end === s.length) return { ok: true, value: v.value, mask: allOnes(nBytes * 8) };
  const m = parseIntString(s, v.end + 1, nBytes);
  if (m === "range") return tooLarge("mask");
  if (m === "syntax" || m.end !== s.length) {
    return { ok: false, error: `${s}: bad syntax for ${fieldName} mask` };
  }
  return { ok: true, value: v.value, mask: m.value };
}

// ---------------------------------------------------------------- IPv4

/**
 * Parses a dotted quad as OVS's `IP_SCAN_FMT` does: each part is scanned with
 * `%hhu`, so it wraps modulo 256 (`1.2.3.400` is 1.2.3.144), as real OVS accepts.
 */
export function parseIpv4(s: string): bigint | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (!m) return null;
  let v = 0n;
  for (let i = 1; i <= 4; i++) v = (v << 8n) | (BigInt(m[i] as string) & 0xffn);
  return v;
}

/** The dotted quad of a strict address (each part 0..255), for inet_pton users. */
export function parseIpv4Strict(s: string): bigint | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m || [m[1], m[2], m[3], m[4]].some((p) => Number(p) > 255)) return null;
  return parseIpv4(s);
}

export function prefixMask(prefix: number, bits: number): bigint {
  return prefix === 0 ? 0n : allOnes(bits) ^ allOnes(bits - prefix);
}

/** OVS's `ip_parse_masked`: `a.b.c.d`, `a.b.c.d/N`, `a.b.c.d/m.m.m.m`. */
export function parseIpv4Masked(s: string): Parsed {
  const slash = s.indexOf("/");
  const addr = parseIpv4(slash < 0 ? s : s.slice(0, slash));
  if (addr === null) return { ok: false, error: `${s}: invalid IP address` };
  if (slash < 0) return { ok: true, value: addr, mask: allOnes(32) };
  const rest = s.slice(slash + 1);
  const dotted = parseIpv4(rest);
  if (dotted !== null) return { ok: true, value: addr, mask: dotted };
  if (/^-?\d+$/.test(rest)) {
    const prefix = Number(rest);
    if (prefix < 0 || prefix > 32) {
      return { ok: false, error: `${s}: IPv4 network prefix bits not between 0 and 32, inclusive` };
    }
    return { ok: true, value: addr, mask: prefixMask(prefix, 32) };
  }
  return { ok: false, error: `${s}: invalid IP address` };
}

export function formatIpv4(v: bigint): string {
  const n = Number(v);
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** Number of leading one bits if `mask` is a CIDR mask of `bits` width, else -1. */
export function cidrBits(mask: bigint, bits: number): number {
  for (let p = 0; p <= bits; p++) if (prefixMask(p, bits) === mask) return p;
  return -1;
}

/** OVS's `ip_format_masked`. */
export function formatIpv4Masked(value: bigint, mask: bigint): string {
  if (mask === allOnes(32)) return formatIpv4(value);
  const p = cidrBits(mask, 32);
  return `${formatIpv4(value)}/${p >= 0 ? String(p) : formatIpv4(mask)}`;
}

// ---------------------------------------------------------------- IPv6

/** Parses an IPv6 address as `inet_pton(AF_INET6)` does, or returns null. */
export function parseIpv6(s: string): bigint | null {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return null;
  let tail: number[] = [];
  let text = s;
  const v4 = /(^|:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const ip = parseIpv4Strict(v4[2] as string);
    if (ip === null) return null;
    tail = [Number(ip >> 16n), Number(ip & 0xffffn)];
    text = text.slice(0, text.length - (v4[2] as string).length);
    if (text.endsWith(":") && !text.endsWith("::")) text = text.slice(0, -1);
    if (text === "") return null;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parseGroups = (part: string): number[] | null => {
    if (part === "") return [];
    const out: number[] = [];
    for (const g of part.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parseGroups(halves[0] as string);
  if (head === null) return null;
  let groups: number[];
  if (halves.length === 2) {
    const back = parseGroups(halves[1] as string);
    if (back === null) return null;
    const fill = 8 - head.length - back.length - tail.length;
    if (fill < 1) return null;
    groups = [...head, ...new Array<number>(fill).fill(0), ...back, ...tail];
  } else {
    groups = [...head, ...tail];
    if (groups.length !== 8) return null;
  }
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  return v;
}

/**
 * OVS's `ipv6_parse_masked`: address, `/N` prefix or `/address` mask. Like OVS
 * it scans the longest run of IPv6 characters for each part, then insists that
 * nothing follows.
 */
export function parseIpv6Masked(s: string): Parsed {
  const invalid: Parsed = { ok: false, error: `${s}: invalid IPv6 address` };
  const scan = (from: number): string => /^[0-9a-fA-F:.]*/.exec(s.slice(from))?.[0] ?? "";
  const addrText = scan(0);
  const addr = addrText === "" ? null : parseIpv6(addrText);
  if (addr === null) return invalid;
  let n = addrText.length;
  let mask = allOnes(128);
  const prefix = s[n] === "/" ? /^[-+]?\d+/.exec(s.slice(n + 1)) : null;
  if (prefix) {
    const bits = Number(prefix[0]);
    if (bits < 0 || bits > 128) {
      return { ok: false, error: `${s}: IPv6 network prefix bits not between 0 and 128, inclusive` };
    }
    mask = prefixMask(bits, 128);
    n += 1 + prefix[0].length;
  } else if (s[n] === "/" && scan(n + 1) !== "") {
    const maskText = scan(n + 1);
    const m = parseIpv6(maskText);
    if (m === null) return { ok: false, error: `${s}: Invalid IPv6 mask` };
    mask = m;
    n += 1 + maskText.length;
  }
  return n === s.length ? { ok: true, value: addr, mask } : invalid;
}

/** Formats an IPv6 address as glibc's `inet_ntop` does (RFC 5952 style). */
export function formatIpv6(v: bigint): string {
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  // Longest run of two or more zero groups, the first one on a tie.
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ":";
      continue;
    }
    if (i > 0) out += ":";
    // IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d) forms.
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && g[5] === 0xffff))) {
      out += formatIpv4(v & 0xffffffffn);
      return out;
    }
    out += (g[i] as number).toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ":";
  return out;
}

/** OVS's `ipv6_format_masked`. */
export function formatIpv6Masked(value: bigint, mask: bigint): string {
  const addr = formatIpv6(value);
  if (mask === allOnes(128)) return addr;
  const p = cidrBits(mask, 128);
  return `${addr}/${p >= 0 ? String(p) : formatIpv6(mask)}`;
}

// ---------------------------------------------------------------- Ethernet

/** Parses `xx:xx:xx:xx:xx:xx` (1 or 2 hex digits a part), or returns null. */
export function parseEthernet(s: string): bigint | null {
  const parts = s.split(":");
  if (parts.length !== 6) return null;
  let v = 0n;
  for (const p of parts) {
    if (!/^[0-9a-fA-F]{1,2}$/.test(p)) return null;
    v = (v << 8n) | BigInt(parseInt(p, 16));
  }
  return v;
}

/** OVS's `mf_from_ethernet_string`: address or `address/mask`. */
export function parseEthernetMasked(s: string): Parsed {
  const slash = s.indexOf("/");
  const addr = parseEthernet(slash < 0 ? s : s.slice(0, slash));
  const mask = slash < 0 ? allOnes(48) : parseEthernet(s.slice(slash + 1));
  if (addr === null || mask === null) return { ok: false, error: `${s}: invalid Ethernet address` };
  return { ok: true, value: addr, mask };
}

export function formatEthernet(v: bigint): string {
  const out: string[] = [];
  for (let i = 5; i >= 0; i--) out.push(Number((v >> BigInt(i * 8)) & 0xffn).toString(16).padStart(2, "0"));
  return out.join(":");
}

export function formatEthernetMasked(value: bigint, mask: bigint): string {
  return mask === allOnes(48) ? formatEthernet(value) : `${formatEthernet(value)}/${formatEthernet(mask)}`;
}

// ---------------------------------------------------------------- flags

/** A flag vocabulary: bit value -> name, as OVS's `*_to_string(bit)`. */
export type FlagNames = ReadonlyMap<number, string>;

/**
 * OVS's `parse_flags` for match fields: `0x12/0xff` numeric form, `+a-b` masked
 * form, or `a|b` (all named bits exact, mask all ones).
 */
export function parseFlags(s: string, names: FlagNames, allowed: number, fieldName: string): Parsed {
  const unknown: Parsed = { ok: false, error: `${s}: unknown ${fieldName} flag(s)` };
  // `%i32/%i32` as OVS's ovs_scan reads it: 64-bit wraparound, the low 32 bits kept.
  const numeric = /^([+-]?(?:0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*))\/([+-]?(?:0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*))/.exec(s);
  if (numeric) {
    const flags = ovsScanInt(numeric[1] as string, 32);
    const mask = ovsScanInt(numeric[2] as string, 32);
    const outside = BigInt(~allowed >>> 0);
    if ((flags & outside) !== 0n || (mask & outside) !== 0n) return unknown;
    return { ok: true, value: flags, mask };
  }
  const byName = [...names].sort((a, b) => a[0] - b[0]);
  if (s[0] === "+" || s[0] === "-") {
    let flags = 0;
    let mask = 0;
    let i = 0;
    while (i < s.length) {
      const sign = s[i];
      if (sign !== "+" && sign !== "-") {
        return { ok: false, error: `${s.slice(i)}: ${fieldName} must be preceded by '+' (for SET) or '-' (NOT SET)` };
      }
      i++;
      const hit = byName.find(([, name]) => {
        const after = s[i + name.length];
        return s.startsWith(name, i) && (after === undefined || after === "+" || after === "-");
      });
      if (!hit) return { ok: false, error: `${s.slice(i)}: unknown ${fieldName} flag(s)` };
      const [bit, name] = hit;
      if ((mask & bit) !== 0) {
        return { ok: false, error: `${s.slice(i)}: Each ${fieldName} flag can be specified only once` };
      }
      if ((bit & allowed) === 0) return { ok: false, error: `${s.slice(i)}: unknown ${fieldName} flag(s)` };
      if (sign === "+") flags |= bit;
      mask |= bit;
      i += name.length;
    }
    return { ok: true, value: BigInt(flags), mask: BigInt(mask) };
  }
  let result = 0;
  for (const part of s.split("|")) {
    if (/^[+-]?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.test(part)) {
      // `%lli`: 64 bits, of which OVS checks and keeps the low 32 (its `allowed` is 32 bits wide).
      const n = Number(ovsScanInt(part, 32));
      if ((n & ~allowed) !== 0) return unknown;
      result = (result | n) >>> 0;
      continue;
    }
    const hit = byName.find(([, name]) => name === part);
    if (!hit || (hit[0] & allowed) === 0) return unknown;
    result |= hit[0];
  }
  return { ok: true, value: BigInt(result), mask: 0xffffffffn };
}

/** OVS's `format_flags`: `a|b|0x40`, or `0` when no flag is set. */
export function formatFlags(flags: number, names: FlagNames): string {
  if (flags === 0) return "0";
  const out: string[] = [];
  let bad = 0;
  for (let bit = 1; bit !== 0 && bit <= flags; bit = (bit << 1) >>> 0) {
    if ((flags & bit) === 0) continue;
    const name = names.get(bit);
    if (name === undefined) bad |= bit;
    else out.push(name);
  }
  if (bad !== 0) out.push(`0x${bad.toString(16)}`);
  return out.join("|");
}

/** OVS's `format_flags_masked`: exact sets print as `a|b`, partial ones as `+a-b`. */
export function formatFlagsMasked(flags: number, mask: number, maxMask: number, names: FlagNames): string {
  if (mask === maxMask) return formatFlags(flags, names);
  if (mask === 0) return "0/0";
  let out = "";
  for (let bit = 1; bit !== 0 && bit <= mask; bit = (bit << 1) >>> 0) {
    if ((mask & bit) === 0) continue;
    out += ((flags & bit) !== 0 ? "+" : "-") + (names.get(bit) ?? "[Unknown]");
  }
  return out;
}
