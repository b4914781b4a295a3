/**
 * OVSDB datums as text, exactly as ovs-vsctl reads and prints them
 * (OVS lib/ovsdb-data.c): `ovsdb_atom_from_string`, `ovsdb_atom_to_string`
 * (strings quoted only when they would not read back as themselves),
 * `ovsdb_datum_from_string` (`[a, b]`, `{k=v}`, bare comma lists, integer
 * ranges `1-5` in sets), `ovsdb_datum_to_string` and the `--bare` forms.
 * Errors are returned as OVS's message text (a `DataError`), never thrown.
 */
import type { Atom, BaseType, ColumnType } from "./config-db-types.js";
import { Datum } from "./config-db-types.js";

export class DataError {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

/** Resolves `@name` uuid symbols (ovs-vsctl's `--id=@name`); absent: symbols are not allowed. */
export interface SymbolTable {
  resolve(name: string, base: BaseType): string;
}

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isUuid(s: string): boolean {
  return UUID_RE.test(s);
}

const DBL_DIG = 15;

function formatReal(x: number): string {
  // C's "%.15g".
  if (x === 0) return "0";
  const exp = Math.floor(Math.log10(Math.abs(x)));
  if (exp < -4 || exp >= DBL_DIG) {
    const [m, e] = x.toExponential(DBL_DIG - 1).split("e");
    const mant = (m as string).includes(".") ? (m as string).replace(/\.?0+$/, "") : (m as string);
    const n = Number(e);
    return `${mant}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
  }
  const s = x.toFixed(Math.max(0, DBL_DIG - 1 - exp));
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}

function stringNeedsQuotes(s: string): boolean {
  if (!/^[A-Za-z_]/.test(s)) return true;
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(s)) return true;
  if (s === "true" || s === "false") return true;
  return isUuid(s);
}

/** A JSON string literal as OVS's json_to_ds writes one. */
export function jsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

export function atomToString(a: Atom, base: BaseType): string {
  switch (base.type) {
    case "integer":
      return String(a);
    case "real":
      return formatReal(a as number);
    case "boolean":
      return a ? "true" : "false";
    case "string":
      return stringNeedsQuotes(a as string) ? jsonString(a as string) : (a as string);
    case "uuid":
      return a as string;
  }
}

export function atomToBare(a: Atom, base: BaseType): string {
  return base.type === "string" ? (a as string) : atomToString(a, base);
}

function isMapType(type: ColumnType): boolean {
  return type.value !== null;
}

export function datumToString(d: Datum, type: ColumnType): string {
  const brackets = type.max > 1 || d.size === 0;
  const map = isMapType(type);
  const parts = d.keys.map((k, i) =>
    map ? `${atomToString(k, type.key)}=${atomToString((d.values as Atom[])[i] as Atom, type.value as BaseType)}` : atomToString(k, type.key),
  );
  const body = parts.join(", ");
  if (!brackets) return body;
  return map ? `{${body}}` : `[${body}]`;
}

export function datumToBare(d: Datum, type: ColumnType): string {
  const map = isMapType(type);
  return d.keys
    .map((k, i) =>
      map ? `${atomToBare(k, type.key)}=${atomToBare((d.values as Atom[])[i] as Atom, type.value as BaseType)}` : atomToBare(k, type.key),
    )
    .join(" ");
}

const DELIMS = ":=, []{}!<>";

export function isTokenDelim(c: string | undefined): boolean {
  return c === undefined || DELIMS.includes(c);
}

/** ovsdb_token_parse: a token up to the next unquoted delimiter; backslash escapes. */
export function parseToken(s: string, pos: number): { token: string; pos: number } | DataError {
  let out = "";
  let inQuotes = false;
  let p = pos;
  while (p < s.length) {
    const c = s[p++] as string;
    if (c === "\\") {
      if (inQuotes) out += "\\";
      if (p >= s.length) return new DataError(`${s.slice(pos)}: backslash at end of argument`);
      out += s[p++];
    } else if (!inQuotes && DELIMS.includes(c)) {
      p--;
      break;
    } else {
      out += c;
      if (c === '"') inQuotes = !inQuotes;
    }
  }
  if (inQuotes) return new DataError(`${s.slice(pos)}: quoted string extends past end of argument`);
  return { token: out, pos: p };
}

/** strtoll(s, 10) that must consume the whole string (OVS str_to_llong). */
function parseLongLong(s: string): number | null {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)$/.exec(s);
  if (!m) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : null;
}

function unescapeJson(body: string): string | DataError {
  try {
    const v: unknown = JSON.parse(`"${body}"`);
    return typeof v === "string" ? v : new DataError("bad string");
  } catch {
    return new DataError(`${body}: invalid string`);
  }
}

function enumText(base: BaseType): string {
  const e = base.enum ?? [];
  const t = { key: { type: base.type }, value: null, min: 0, max: Infinity } as const;
  return datumToString(Datum.set(e), t);
}

/** ovsdb_atom_check_constraints, as a message ("constraint violation: ..."). */
export function checkAtom(a: Atom, base: BaseType): DataError | null {
  const cv = (m: string): DataError => new DataError(`constraint violation: ${m}`);
  if (base.enum !== undefined && !base.enum.includes(a)) {
    return cv(`${atomToString(a, base)} is not one of the allowed values (${enumText(base)})`);
  }
  if (base.type === "integer") {
    const n = a as number;
    const min = base.minInteger;
    const max = base.maxInteger;
    if ((min === undefined || n >= min) && (max === undefined || n <= max)) return null;
    if (min !== undefined && max !== undefined) return cv(`${n} is not in the valid range ${min} to ${max} (inclusive)`);
    if (min !== undefined) return cv(`${n} is less than minimum allowed value ${min}`);
    return cv(`${n} is greater than maximum allowed value ${max}`);
  }
  if (base.type === "string") {
    const len = [...(a as string)].length;
    if (base.minLength !== undefined && len < base.minLength) {
      return cv(`"${a}" length ${len} is less than minimum allowed length ${base.minLength}`);
    }
    if (base.maxLength !== undefined && len > base.maxLength) {
      return cv(`"${a}" length ${len} is greater than maximum allowed length ${base.maxLength}`);
    }
  }
  return null;
}

/**
 * ovsdb_atom_from_string. With `ranges`, an integer may be `A-B` and all of
 * A..B are returned.
 */
export function atomFromString(
  base: BaseType,
  s: string,
  symtab?: SymbolTable,
  ranges = false,
): Atom[] | DataError {
  let atoms: Atom[];
  switch (base.type) {
    case "integer": {
      const m = ranges ? /^([+-]?\d+)-([+-]?\d+)$/.exec(s) : null;
      if (m) {
        // Each end as a long long (OVS's str_to_llong_range): a number past it is no range, not an endless loop.
        const a = parseLongLong(m[1] as string);
        const b = parseLongLong(m[2] as string);
        if (a === null || b === null) return new DataError(`"${s}" is not a valid integer or range`);
        if (b < a) return new DataError(`"${s}" is not a valid range. Range end cannot be before start.`);
        if (b - a >= 4096) {
          return new DataError(`constraint violation: Range "${a}-${b}" is too big. Maximum allowed size is 4096.`);
        }
        atoms = [];
        for (let i = a; i <= b; i++) atoms.push(i);
      } else {
        const n = parseLongLong(s);
        if (n === null) return new DataError(`"${s}" is not a valid integer or range`);
        atoms = [n];
      }
      break;
    }
    case "real": {
      const t = s.trim();
      const n = t === "" ? NaN : Number(t);
      if (!Number.isFinite(n)) return new DataError(`"${s}" is not a valid real number`);
      atoms = [n === 0 ? 0 : n];
      break;
    }
    case "boolean":
      if (["true", "yes", "on", "1"].includes(s)) atoms = [true];
      else if (["false", "no", "off", "0"].includes(s)) atoms = [false];
      else return new DataError(`"${s}" is not a valid boolean (use "true" or "false")`);
      break;
    case "string":
      if (s === "") {
        return new DataError('An empty string is not valid as input; use "" to represent the empty string');
      } else if (s.startsWith('"')) {
        if (s.length < 2 || !s.endsWith('"')) return new DataError(`${s}: missing quote at end of quoted string`);
        const u = unescapeJson(s.slice(1, -1));
        if (u instanceof DataError) return new DataError(`${s}: ${u.message}`);
        atoms = [u];
      } else {
        atoms = [s];
      }
      break;
    case "uuid":
      if (s.startsWith("@") && symtab) atoms = [symtab.resolve(s, base)];
      else if (isUuid(s)) atoms = [s.toLowerCase()];
      else return new DataError(`"${s}" is not a valid UUID`);
      break;
  }
  for (const a of atoms) {
    const e = checkAtom(a, base);
    if (e) return e;
  }
  return atoms;
}

function typeToEnglish(type: ColumnType): string {
  const key = type.key.type;
  if (type.value === null && type.min === 1 && type.max === 1) return key;
  let s = type.value === null ? "set" : "map";
  if (type.max === Infinity) s += type.min ? ` of ${type.min} or more` : " of";
  else if (type.min) s += ` of ${type.min} to ${type.max}`;
  else s += ` of up to ${type.max}`;
  return type.value === null ? `${s} ${key}s` : `${s} (${key}, ${type.value.type}) pairs`;
}

function skipSpaces(s: string, p: number): number {
  while (p < s.length && " \t\n\v\f\r".includes(s[p] as string)) p++;
  return p;
}

/** ovsdb_datum_from_string. */
export function datumFromString(type: ColumnType, s: string, symtab?: SymbolTable): Datum | DataError {
  const map = isMapType(type);
  let p = skipSpaces(s, 0);
  let endDelim = "";
  if (s[p] === (map ? "{" : "[")) {
    endDelim = map ? "}" : "]";
    p = skipSpaces(s, p + 1);
  } else if (p >= s.length) {
    return new DataError(map ? 'use "{}" to specify the empty map' : 'use "[]" to specify the empty set');
  }
  const keys: Atom[] = [];
  const values: Atom[] = [];
  while (p < s.length && s[p] !== endDelim) {
    const c = s[p] as string;
    if (DELIMS.includes(c)) return new DataError(`${s}: unexpected "${c}" parsing ${typeToEnglish(type)}`);
    const start = p;
    const kt = parseToken(s, p);
    if (kt instanceof DataError) return kt;
    const ka = atomFromString(type.key, kt.token, symtab, true);
    if (ka instanceof DataError) return ka;
    p = kt.pos;
    if (type.value !== null) {
      p = skipSpaces(s, p);
      if (s[p] !== "=") return new DataError(`${s.slice(start)}: syntax error at "${s[p] ?? ""}" expecting "="`);
      p = skipSpaces(s, p + 1);
      const vt = parseToken(s, p);
      if (vt instanceof DataError) return vt;
      const va = atomFromString(type.value, vt.token, symtab);
      if (va instanceof DataError) return va;
      p = vt.pos;
      for (const k of ka) {
        keys.push(k);
        values.push(va[0] as Atom);
      }
    } else {
      keys.push(...ka);
    }
    p = skipSpaces(s, p);
    if (s[p] === ",") p = skipSpaces(s, p + 1);
  }
  if ((s[p] ?? "") !== endDelim) return new DataError(`${s}: missing "${endDelim}" at end of data`);
  if (endDelim !== "") {
    p = skipSpaces(s, p + 1);
    if (p < s.length) return new DataError(`${s}: trailing garbage after "${endDelim}"`);
  }
  const n = keys.length;
  if (n < type.min) {
    return new DataError(`${s}: ${n} ${map ? "pair(s)" : "value(s)"} specified but the minimum number is ${type.min}`);
  }
  if (n > type.max) {
    return new DataError(`${s}: ${n} ${map ? "pair(s)" : "value(s)"} specified but the maximum number is ${type.max}`);
  }
  const d = map ? Datum.map(keys.map((k, i) => [k, values[i] as Atom] as const)) : Datum.set(keys);
  if (d.size !== n) return new DataError(map ? `${s}: map contains duplicate key` : `${s}: set contains duplicate value`);
  return d;
}
