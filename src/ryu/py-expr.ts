/**
 * The small subset of Python that Ryu's switch test corpus writes its packets
 * in (`ethernet(dst='22:22:22:22:22:22', ethertype=2048)`, `bytes(b'\x11' *
 * (1500 - 54))`, `netaddr.EUI(randint(0, 2 ** 48 - 1))`): a tokenizer, a
 * precedence-climbing parser and an evaluator.
 *
 * Design:
 * - Values are plain data (`PyValue`): integers as bigints (2 ** 128 fits),
 *   str, bytes, lists and *unevaluated calls* (`PyCall`). Calls of the few
 *   builtins the corpus uses (`bytes`, `str`, `randint`, `netaddr.EUI`,
 *   `netaddr.IPAddress`) are evaluated; every other call (a packet class) is
 *   kept as a call with its name, arguments and source position, for
 *   packet-desc.ts to validate.
 * - Operators: `**` (right-associative), unary `-`, `*`, `+ -`, `&`, and `/`
 *   as Ryu's layer stacking (`ethernet(...) / ipv4(...)`), lowest of all.
 * - `randint` draws from a seeded generator the caller passes, so a test run
 *   is deterministic.
 * - Every error is a `RyuSyntaxError` naming the offending text and its
 *   position, with a caret line under it.
 * - Work is bounded (docs/reliability.md): expressions nest at most
 *   MAX_PY_DEPTH levels, integers have at most MAX_PY_INT_BITS bits, bytes
 *   and strings at most MAX_PY_BYTES; past a limit is a RyuSyntaxError.
 */
import { OvsimError } from "../flowtable/errors.js";

export interface PyBytes {
  readonly kind: "bytes";
  readonly data: Uint8Array;
}

export interface PyCall {
  readonly kind: "call";
  /** Dotted name as written (`ethernet.ethernet`, `nd_neighbor`). */
  readonly name: string;
  readonly args: readonly PyValue[];
  readonly kwargs: ReadonlyMap<string, PyValue>;
  /** Offset of the name in the source text. */
  readonly pos: number;
}

/** `netaddr.IPAddress(n)`: an address given as an integer; its version comes from where it is used. */
export interface PyIpInt {
  readonly kind: "ipint";
  readonly value: bigint;
}

/** `a / b`: Ryu's layer stacking. */
export interface PyStack {
  readonly kind: "stack";
  readonly items: readonly PyValue[];
}

export type PyValue = bigint | string | PyBytes | PyCall | PyIpInt | PyStack | readonly PyValue[];

/** Deepest nesting of an expression (parentheses, calls, operands): Python's own parser stops at 200 parentheses. */
export const MAX_PY_DEPTH = 200;
/** Widest integer: the corpus needs 128 bits (IPv6 addresses); `2 ** 10 ** 9` must not run for ever. */
export const MAX_PY_INT_BITS = 4096;
/** Longest bytes or str value (1 MiB, as netdev-dummy's largest packet): `b'x' * 10 ** 12` must not exhaust memory. */
export const MAX_PY_BYTES = 1 << 20;

export class RyuSyntaxError extends OvsimError {
  readonly code = "RYU_SYNTAX";
  readonly text: string;
  readonly pos: number;
  constructor(message: string, text: string, pos: number) {
    const head = `${message} at position ${pos}: `;
    super(`${head}${text}\n${" ".repeat(head.length + pos)}^`);
    this.text = text;
    this.pos = pos;
  }
}

/** Random source for `randint` (inclusive bounds). */
export type RandInt = (lo: bigint, hi: bigint) => bigint;

/** A deterministic randint (xorshift32 per 32-bit limb), seeded. */
export function seededRandInt(seed: number): RandInt {
  let s = seed >>> 0 || 0x9e3779b9;
  const next = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return (lo, hi) => {
    const span = hi - lo + 1n;
    if (span <= 0n) return lo;
    let r = 0n;
    for (let bits = 0n; bits < 160n; bits += 32n) r = (r << 32n) | BigInt(next());
    return lo + (r % span);
  };
}

type Tok =
  | { readonly t: "num"; readonly v: bigint; readonly pos: number }
  | { readonly t: "str"; readonly v: string; readonly bytes: boolean; readonly pos: number }
  | { readonly t: "name"; readonly v: string; readonly pos: number }
  | { readonly t: "op"; readonly v: string; readonly pos: number }
  | { readonly t: "end"; readonly pos: number };

const OPS = ["**", "(", ")", "[", "]", ",", "=", "*", "+", "-", "&", "/", "."];

function tokenize(text: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i] as string;
    if (c === " " || c === "\t" || c === "\n") {
      i++;
      continue;
    }
    const start = i;
    if (/[0-9]/.test(c)) {
      const m = /^(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[0-9]+)/.exec(text.slice(i));
      const s = m?.[0] ?? c;
      // Checked before BigInt reads it: no literal this long fits in MAX_PY_INT_BITS.
      if (s.length > MAX_PY_INT_BITS + 2) throw new RyuSyntaxError(`integer wider than ${MAX_PY_INT_BITS} bits`, text, start);
      const v = BigInt(s.toLowerCase().startsWith("0o") ? `0o${s.slice(2)}` : s);
      if (bitLength(v) > MAX_PY_INT_BITS) throw new RyuSyntaxError(`integer wider than ${MAX_PY_INT_BITS} bits`, text, start);
      toks.push({ t: "num", v, pos: start });
      i += s.length;
      if (i < n && /[A-Za-z_.]/.test(text[i] as string)) throw new RyuSyntaxError(`bad number '${text.slice(start, i + 1)}'`, text, start);
      continue;
    }
    if ((c === "b" || c === "B") && (text[i + 1] === "'" || text[i + 1] === '"')) {
      const r = readString(text, i + 1, true);
      toks.push({ t: "str", v: r.value, bytes: true, pos: start });
      i = r.end;
      continue;
    }
    if (c === "'" || c === '"') {
      const r = readString(text, i, false);
      toks.push({ t: "str", v: r.value, bytes: false, pos: start });
      i = r.end;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
      const s = m?.[0] ?? c;
      toks.push({ t: "name", v: s, pos: start });
      i += s.length;
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (op === undefined) throw new RyuSyntaxError(`unexpected character '${c}'`, text, i);
    toks.push({ t: "op", v: op, pos: start });
    i += op.length;
  }
  toks.push({ t: "end", pos: n });
  return toks;
}

/** Escapes standing for one character (`\\n` ...), by the character after the backslash. */
const SIMPLE_ESCAPES: ReadonlyMap<string, string> = new Map([
  ["n", "\n"],
  ["t", "\t"],
  ["r", "\r"],
  ["0", "\0"],
  ["\\", "\\"],
  ["'", "'"],
  ['"', '"'],
  ["a", "\x07"],
  ["b", "\b"],
  ["f", "\f"],
  ["v", "\v"],
]);

/** A Python string literal from the quote at `i`; characters are code units 0..255 for bytes. */
function readString(text: string, i: number, bytes: boolean): { value: string; end: number } {
  const q = text[i] as string;
  let out = "";
  let j = i + 1;
  for (;;) {
    if (j >= text.length) throw new RyuSyntaxError("unterminated string", text, i);
    const c = text[j] as string;
    if (c === q) return { value: out, end: j + 1 };
    if (c !== "\\") {
      if (bytes && c.charCodeAt(0) > 0x7f) throw new RyuSyntaxError("bytes can only contain ASCII literal characters", text, j);
      out += c;
      j++;
      continue;
    }
    const e = text[j + 1];
    if (e === undefined) throw new RyuSyntaxError("unterminated string", text, i);
    if (e === "x") {
      const h = text.slice(j + 2, j + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new RyuSyntaxError(`bad \\x escape '\\x${h}'`, text, j);
      out += String.fromCharCode(parseInt(h, 16));
      j += 4;
      continue;
    }
    const s = SIMPLE_ESCAPES.get(e);
    if (s === undefined) {
      // Python keeps unknown escapes as written.
      out += `\\${e}`;
    } else out += s;
    j += 2;
  }
}

/** A parsed expression, before evaluation. */
type Node =
  | { readonly k: "lit"; readonly v: PyValue; readonly pos: number }
  | { readonly k: "name"; readonly v: string; readonly pos: number }
  | { readonly k: "call"; readonly name: string; readonly args: readonly Node[]; readonly kwargs: ReadonlyArray<readonly [string, Node]>; readonly pos: number }
  | { readonly k: "list"; readonly items: readonly Node[]; readonly pos: number }
  | { readonly k: "bin"; readonly op: string; readonly a: Node; readonly b: Node; readonly pos: number }
  | { readonly k: "neg"; readonly a: Node; readonly pos: number };

class Parser {
  private i = 0;
  private depth = 0;
  constructor(
    private readonly text: string,
    private readonly toks: Tok[],
  ) {}

  private peek(): Tok {
    return this.toks[this.i] as Tok;
  }

  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === "op" && t.v === v;
  }

  private expectOp(v: string): void {
    const t = this.peek();
    if (t.t !== "op" || t.v !== v) throw new RyuSyntaxError(`expected '${v}' but found ${describe(t)}`, this.text, t.pos);
    this.i++;
  }

  parseAll(): Node {
    const e = this.expr(0);
    const t = this.peek();
    if (t.t !== "end") throw new RyuSyntaxError(`unexpected ${describe(t)}`, this.text, t.pos);
    return e;
  }

  /** Binary operators by precedence: `/` 1, `&` 2, `+ -` 3, `*` 4, `**` 6 (right). */
  private static prec(op: string): number {
    switch (op) {
      case "/":
        return 1;
      case "&":
        return 2;
      case "+":
      case "-":
        return 3;
      case "*":
        return 4;
      case "**":
        return 6;
      default:
        return -1;
    }
  }

  private expr(minPrec: number): Node {
    if (++this.depth > MAX_PY_DEPTH) throw tooDeep(this.text, this.peek().pos);
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if (t.t !== "op") break;
      const p = Parser.prec(t.v);
      if (p < 0 || p < minPrec) break;
      this.i++;
      const right = this.expr(t.v === "**" ? p : p + 1);
      left = { k: "bin", op: t.v, a: left, b: right, pos: t.pos };
    }
    this.depth--;
    return left;
  }

  private unary(): Node {
    const t = this.peek();
    if (t.t === "op" && t.v === "-") {
      this.i++;
      // Python: -x ** y is -(x ** y).
      return { k: "neg", a: this.expr(6), pos: t.pos };
    }
    return this.primary();
  }

  private primary(): Node {
    const t = this.peek();
    this.i++;
    switch (t.t) {
      case "num":
        return { k: "lit", v: t.v, pos: t.pos };
      case "str": {
        let v = t.v;
        let bytes = t.bytes;
        // Adjacent literals concatenate.
        for (let n = this.peek(); n.t === "str"; n = this.peek()) {
          v += n.v;
          bytes ||= n.bytes;
          this.i++;
        }
        return { k: "lit", v: bytes ? toBytes(v) : v, pos: t.pos };
      }
      case "name": {
        let name = t.v;
        while (this.isOp(".")) {
          this.i++;
          const n = this.peek();
          if (n.t !== "name") throw new RyuSyntaxError(`expected a name after '.' but found ${describe(n)}`, this.text, n.pos);
          name += `.${n.v}`;
          this.i++;
        }
        if (this.isOp("(")) return this.call(name, t.pos);
        return { k: "name", v: name, pos: t.pos };
      }
      case "op":
        if (t.v === "(") {
          const e = this.expr(0);
          this.expectOp(")");
          return e;
        }
        if (t.v === "[") {
          const items: Node[] = [];
          while (!this.isOp("]")) {
            items.push(this.expr(0));
            if (!this.isOp(",")) break;
            this.i++;
          }
          this.expectOp("]");
          return { k: "list", items, pos: t.pos };
        }
        throw new RyuSyntaxError(`unexpected '${t.v}'`, this.text, t.pos);
      case "end":
        throw new RyuSyntaxError("unexpected end of text", this.text, t.pos);
    }
  }

  private call(name: string, pos: number): Node {
    this.expectOp("(");
    const args: Node[] = [];
    const kwargs: [string, Node][] = [];
    while (!this.isOp(")")) {
      const t = this.peek();
      const next = this.toks[this.i + 1];
      if (t.t === "name" && next !== undefined && next.t === "op" && next.v === "=") {
        if (kwargs.some(([k]) => k === t.v)) throw new RyuSyntaxError(`keyword argument '${t.v}' repeated`, this.text, t.pos);
        this.i += 2;
        kwargs.push([t.v, this.expr(0)]);
      } else {
        if (kwargs.length > 0) throw new RyuSyntaxError("positional argument follows keyword argument", this.text, t.pos);
        args.push(this.expr(0));
      }
      if (!this.isOp(",")) break;
      this.i++;
    }
    this.expectOp(")");
    return { k: "call", name, args, kwargs, pos };
  }
}

function tooDeep(text: string, pos: number): RyuSyntaxError {
  return new RyuSyntaxError(`expression nested more than ${MAX_PY_DEPTH} deep`, text, pos);
}

function describe(t: Tok): string {
  switch (t.t) {
    case "end":
      return "end of text";
    case "num":
      return `'${t.v}'`;
    case "str":
      return "a string";
    default:
      return `'${t.v}'`;
  }
}

function toBytes(s: string): PyBytes {
  const data = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) data[i] = s.charCodeAt(i) & 0xff;
  return { kind: "bytes", data };
}

function isBytes(v: PyValue): v is PyBytes {
  return typeof v === "object" && !Array.isArray(v) && (v as { kind?: string }).kind === "bytes";
}

/** Bits of |v| (0 for 0). */
function bitLength(v: bigint): number {
  return v === 0n ? 0 : (v < 0n ? -v : v).toString(2).length;
}

function repeatBytes(b: Uint8Array, n: bigint): PyBytes {
  const k = n < 0n || b.length === 0 ? 0 : Number(n);
  const out = new Uint8Array(b.length * k);
  for (let i = 0; i < k; i++) out.set(b, i * b.length);
  return { kind: "bytes", data: out };
}

const BUILTINS = new Set(["bytes", "str", "randint", "netaddr.EUI", "netaddr.IPAddress", "int"]);

class Evaluator {
  private depth = 0;
  constructor(
    private readonly text: string,
    private readonly rand: RandInt,
  ) {}

  /** `v` if it is within MAX_PY_INT_BITS / MAX_PY_BYTES, else the error at `pos`. */
  private bounded<T extends PyValue>(v: T, pos: number): T {
    if (typeof v === "bigint" && bitLength(v) > MAX_PY_INT_BITS) throw new RyuSyntaxError(`integer wider than ${MAX_PY_INT_BITS} bits`, this.text, pos);
    const length = typeof v === "string" ? v.length : isBytes(v) ? v.data.length : 0;
    if (length > MAX_PY_BYTES) throw new RyuSyntaxError(`value longer than ${MAX_PY_BYTES} bytes`, this.text, pos);
    return v;
  }

  /** Would `a ** b`, `a * b` or `b` copies of a `size`-long value be within the limits? (Checked before the work is done.) */
  private checkSize(bits: bigint, bytes: bigint, pos: number): void {
    if (bits > BigInt(MAX_PY_INT_BITS)) throw new RyuSyntaxError(`integer wider than ${MAX_PY_INT_BITS} bits`, this.text, pos);
    if (bytes > BigInt(MAX_PY_BYTES)) throw new RyuSyntaxError(`value longer than ${MAX_PY_BYTES} bytes`, this.text, pos);
  }

  private int(n: Node): bigint {
    const v = this.eval(n);
    if (typeof v !== "bigint") throw new RyuSyntaxError("expected an integer", this.text, n.pos);
    return v;
  }

  eval(n: Node): PyValue {
    if (++this.depth > MAX_PY_DEPTH) throw tooDeep(this.text, n.pos);
    const v = this.evalNode(n);
    this.depth--;
    return v;
  }

  private evalNode(n: Node): PyValue {
    switch (n.k) {
      case "lit":
        return n.v;
      case "name":
        if (n.v === "None") return [];
        throw new RyuSyntaxError(`unknown name '${n.v}'`, this.text, n.pos);
      case "list":
        return n.items.map((x) => this.eval(x));
      case "neg":
        return -this.int(n.a);
      case "bin":
        return this.bin(n.op, n.a, n.b, n.pos);
      case "call":
        return this.call(n);
    }
  }

  private bin(op: string, an: Node, bn: Node, pos: number): PyValue {
    if (op === "/") {
      const a = this.eval(an);
      const b = this.eval(bn);
      const items = [...(isStack(a) ? a.items : [a]), ...(isStack(b) ? b.items : [b])];
      return { kind: "stack", items };
    }
    const a = this.eval(an);
    const b = this.eval(bn);
    if (op === "*") {
      const [seq, n] = typeof b === "bigint" ? [a, b] : [b, a];
      if (typeof n === "bigint" && (isBytes(seq) || typeof seq === "string")) {
        const len = isBytes(seq) ? seq.data.length : seq.length;
        const times = n < 0n || len === 0 ? 0n : n;
        this.checkSize(0n, BigInt(len) * times, pos);
        return isBytes(seq) ? repeatBytes(seq.data, times) : seq.repeat(Number(times));
      }
    }
    if (op === "+") {
      if (isBytes(a) && isBytes(b)) {
        this.checkSize(0n, BigInt(a.data.length + b.data.length), pos);
        const out = new Uint8Array(a.data.length + b.data.length);
        out.set(a.data);
        out.set(b.data, a.data.length);
        return { kind: "bytes", data: out };
      }
      if (typeof a === "string" && typeof b === "string") return this.bounded(a + b, pos);
    }
    if (typeof a !== "bigint" || typeof b !== "bigint") throw new RyuSyntaxError(`unsupported operands for '${op}'`, this.text, pos);
    switch (op) {
      case "**":
        if (b < 0n) throw new RyuSyntaxError("negative exponent", this.text, pos);
        // 0, 1 and -1 stay small whatever the exponent.
        if (bitLength(a) > 1) this.checkSize(BigInt(bitLength(a) - 1) * b, 0n, pos);
        return this.bounded(a ** b, pos);
      case "*":
        this.checkSize(BigInt(bitLength(a) + bitLength(b) - 1), 0n, pos);
        return this.bounded(a * b, pos);
      case "+":
        return this.bounded(a + b, pos);
      case "-":
        return this.bounded(a - b, pos);
      case "&":
        return a & b;
    }
    throw new RyuSyntaxError(`unknown operator '${op}'`, this.text, pos);
  }

  private call(n: Extract<Node, { k: "call" }>): PyValue {
    if (!BUILTINS.has(n.name)) {
      const kwargs = new Map<string, PyValue>();
      for (const [k, v] of n.kwargs) kwargs.set(k, this.eval(v));
      return { kind: "call", name: n.name, args: n.args.map((a) => this.eval(a)), kwargs, pos: n.pos };
    }
    const args = n.args.map((a) => this.eval(a));
    const one = (): PyValue => {
      if (args.length !== 1 || n.kwargs.length > 0) throw new RyuSyntaxError(`${n.name}() takes one argument`, this.text, n.pos);
      return args[0] as PyValue;
    };
    switch (n.name) {
      case "bytes": {
        const v = one();
        if (isBytes(v)) return v;
        if (typeof v === "string") return toBytes(v);
        if (typeof v === "bigint") {
          if (v < 0n) throw new RyuSyntaxError("negative count", this.text, n.pos);
          this.checkSize(0n, v, n.pos);
          return { kind: "bytes", data: new Uint8Array(Number(v)) };
        }
        throw new RyuSyntaxError("bytes() of an unsupported value", this.text, n.pos);
      }
      case "str": {
        const v = one();
        if (typeof v === "string" || isBytes(v)) return v;
        if (typeof v === "bigint") return v.toString();
        throw new RyuSyntaxError("str() of an unsupported value", this.text, n.pos);
      }
      case "int": {
        const v = one();
        if (typeof v === "bigint") return v;
        throw new RyuSyntaxError("int() of an unsupported value", this.text, n.pos);
      }
      case "randint": {
        const [lo, hi] = args;
        if (args.length !== 2 || typeof lo !== "bigint" || typeof hi !== "bigint") throw new RyuSyntaxError("randint() takes two integers", this.text, n.pos);
        return this.rand(lo, hi);
      }
      case "netaddr.EUI": {
        const v = one();
        if (typeof v === "string") return v;
        if (typeof v !== "bigint") throw new RyuSyntaxError("netaddr.EUI() of an unsupported value", this.text, n.pos);
        const hex = (v & 0xffffffffffffn).toString(16).padStart(12, "0");
        return hex.replace(/(..)(?!$)/g, "$1:");
      }
      case "netaddr.IPAddress": {
        const v = one();
        if (typeof v === "string") return v;
        if (typeof v !== "bigint") throw new RyuSyntaxError("netaddr.IPAddress() of an unsupported value", this.text, n.pos);
        return { kind: "ipint", value: v };
      }
    }
    throw new RyuSyntaxError(`unknown function '${n.name}'`, this.text, n.pos);
  }
}

function isStack(v: PyValue): v is PyStack {
  return typeof v === "object" && !Array.isArray(v) && (v as { kind?: string }).kind === "stack";
}

/** Parses and evaluates one expression of the corpus's Python subset. */
export function evalPy(text: string, rand: RandInt = seededRandInt(1)): PyValue {
  const node = new Parser(text, tokenize(text)).parseAll();
  return new Evaluator(text, rand).eval(node);
}
