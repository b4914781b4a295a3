/**
 * C's `strtoull` / `strtoll` as OVS relies on them when it parses numbers: base
 * 0 means `0x` hex, leading-`0` octal or decimal; leading white space and a
 * sign are accepted. Works on bigints so 64-bit cookies and ids stay exact.
 */

export interface StrtoResult {
  /** The parsed value (wrapped to 64 bits for a negative unsigned parse). */
  value: bigint;
  /** Index just past the last character consumed (== start when nothing parsed). */
  end: number;
  /** True when the value does not fit in 64 bits (C's ERANGE). */
  overflow: boolean;
}

export function strtoull(s: string, start = 0, base = 0): StrtoResult {
  let i = start;
  while (i < s.length && " \t\n\r\f\v".includes(s[i] as string)) i++;
  let negative = false;
  if (s[i] === "+" || s[i] === "-") {
    negative = s[i] === "-";
    i++;
  }
  let b = base;
  if ((b === 0 || b === 16) && s[i] === "0" && (s[i + 1] === "x" || s[i + 1] === "X") && isDigit(s[i + 2], 16)) {
    b = 16;
    i += 2;
  } else if (b === 0) {
    b = s[i] === "0" ? 8 : 10;
  }
  const first = i;
  let value = 0n;
  const big = BigInt(b);
  while (isDigit(s[i], b)) {
    value = value * big + BigInt(parseInt(s[i] as string, b));
    i++;
  }
  if (i === first) return { value: 0n, end: start, overflow: false };
  const overflow = value > 0xffffffffffffffffn;
  if (negative) value = (0x10000000000000000n - value) & 0xffffffffffffffffn;
  return { value, end: i, overflow };
}

/** Parses all of `s` as a C `int`-sized signed integer (OVS's `str_to_int`), or undefined. */
export function strToInt(s: string, base = 0): number | undefined {
  const r = strtoull(s, 0, base);
  if (r.end === 0 || r.end !== s.length || r.overflow) return undefined;
  const trimmed = s.trimStart();
  const negative = trimmed.startsWith("-");
  const magnitude = negative ? (0x10000000000000000n - r.value) & 0xffffffffffffffffn : r.value;
  const v = negative ? -magnitude : magnitude;
  if (v < -2147483648n || v > 2147483647n) return undefined;
  return Number(v);
}

/** Parses all of `s` as an unsigned 64-bit value (OVS's `str_to_u64`), or undefined. */
export function strToU64(s: string): bigint | undefined {
  const r = strtoull(s, 0, 0);
  if (r.end === 0 || r.end !== s.length || r.overflow) return undefined;
  return r.value;
}

function isDigit(c: string | undefined, base: number): boolean {
  if (c === undefined) return false;
  const d = parseInt(c, 36);
  return !Number.isNaN(d) && d < base;
}
