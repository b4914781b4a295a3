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
  let overflow = false;
  const big = BigInt(b);
  while (isDigit(s[i], b)) {
    // Once past 64 bits the value is only "too large" (C's ERANGE): the digits
    // left are scanned, not accumulated, so a long number costs linear time.
    if (!overflow) {
      value = value * big + BigInt(parseInt(s[i] as string, b));
      overflow = value > 0xffffffffffffffffn;
    }
    i++;
  }
  if (i === first) return { value: 0n, end: start, overflow: false };
  // glibc answers ULLONG_MAX for any out-of-range magnitude, whatever the sign.
  if (overflow) value = 0xffffffffffffffffn;
  else if (negative) value = (0x10000000000000000n - value) & 0xffffffffffffffffn;
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

const LLONG_MAX = (1n << 63n) - 1n;
const LLONG_MIN = -LLONG_MAX - 1n;

/**
 * glibc's `strtoll(s, NULL, 10)` (and so `atoll`, and `strtol` on a 64-bit
 * `long`): leading white space, an optional sign, decimal digits, the value
 * saturating at LLONG_MIN / LLONG_MAX; no digits reads as 0. Linear in the
 * digits: a long number is not accumulated.
 */
export function strtoll10(s: string): bigint {
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)/.exec(s);
  if (m === null) return 0n;
  const digits = (m[2] as string).replace(/^0+(?=\d)/, "");
  const magnitude = digits.length > 19 ? LLONG_MAX + 1n : BigInt(digits);
  const v = m[1] === "-" ? -magnitude : magnitude;
  return v > LLONG_MAX ? LLONG_MAX : v < LLONG_MIN ? LLONG_MIN : v;
}

/**
 * OVS's own scanf (lib/util.c ovs_scan, scan_int) reading `%i` into a
 * `bits`-wide integer, on a string that is a whole `%i` number (optional
 * sign, `0x` hex, leading-0 octal or decimal digits): the digits accumulate
 * in 64 bits with wraparound (no overflow check, unlike strtol), the sign
 * negates, and the store keeps the low `bits`. The result is those bits,
 * unsigned. Linear in the digits.
 */
export function ovsScanInt(s: string, bits: number): bigint {
  let i = 0;
  const negative = s[0] === "-";
  if (s[0] === "-" || s[0] === "+") i++;
  let base = 10n;
  if (s[i] === "0" && (s[i + 1] === "x" || s[i + 1] === "X")) {
    base = 16n;
    i += 2;
  } else if (s[i] === "0") base = 8n;
  let v = 0n;
  for (; i < s.length; i++) v = BigInt.asUintN(64, v * base + BigInt(parseInt(s[i] as string, 16)));
  return BigInt.asUintN(bits, negative ? -v : v);
}

/**
 * OVS's own scanf reading `%d` into an `int` (lib/util.c ovs_scan): an
 * optional sign and decimal digits, accumulated with wraparound and stored
 * in 32 bits, signed (`[99999999999]` reads as 1215752191). Linear in the
 * digits.
 */
export function ovsScanDecimalInt(s: string): number {
  let i = 0;
  const negative = s[0] === "-";
  if (s[0] === "-" || s[0] === "+") i++;
  let v = 0;
  for (; i < s.length; i++) v = (v * 10 + (s.charCodeAt(i) - 48)) % 0x1_0000_0000;
  return (negative ? -v : v) | 0;
}
