/**
 * A small m4 for Open vSwitch's autotest files (tests/*.at): enough of m4's
 * and m4sugar's rules to expand OVS's test files as autotest does, so that
 * a test written with m4_define / m4_foreach / m4_for comes out as the same
 * tests, with the same commands, as in OVS's own testsuite.
 *
 * The rules kept from m4:
 * - `[` `]` quote: a quoted string is copied without expansion, one level of
 *   quotes removed each time it is scanned;
 * - `#` starts a comment, copied to the end of its line, never expanded;
 *   `dnl` deletes to the end of the line, newline included;
 * - a defined name is a macro call, with arguments when `(` follows at once;
 *   arguments are collected with their leading unquoted blanks dropped, their
 *   unquoted macros expanded and one level of quotes removed; a user macro's
 *   body gets `$0`..`$9`, `$#`, `$@`, `$*` substituted and is rescanned.
 *
 * Where it differs from m4: a macro's expansion is rescanned on its own, so it
 * cannot take arguments from the text after it (OVS's test files never do).
 * Autotest's own macros (AT_SETUP, AT_CHECK...) are builtins given by the
 * caller (`Builtin`): they get their collected arguments and return text that
 * is not rescanned.
 */

/** A builtin macro: gets the collected arguments, returns its (final) expansion. */
export type Builtin = (args: string[], m4: M4) => string;

/** Why the expander stopped: OVS's files are trusted, but a runaway expansion must not hang the converter. */
export class M4Error extends Error {
  readonly code = "M4";
}

/** Most nested expansions before the converter gives up (OVS's deepest nesting is under 10). */
const MAX_DEPTH = 200;

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

export class M4 {
  /** User macros: their bodies, quotes kept. */
  readonly defs = new Map<string, string>();
  private readonly builtins = new Map<string, Builtin>();
  private depth = 0;

  constructor(builtins: Record<string, Builtin>) {
    this.installSugar();
    for (const [name, fn] of Object.entries(builtins)) this.builtins.set(name, fn);
  }

  isDefined(name: string): boolean {
    return this.defs.has(name) || this.builtins.has(name);
  }

  /** Scans `text` once: quotes removed one level, comments copied, macros expanded. */
  expand(text: string): string {
    if (++this.depth > MAX_DEPTH) throw new M4Error(`m4: expansion nested more than ${MAX_DEPTH} deep`);
    try {
      let out = "";
      let i = 0;
      while (i < text.length) {
        const c = text[i] as string;
        if (c === "[") {
          const end = matchQuote(text, i);
          out += text.slice(i + 1, end);
          i = end + 1;
        } else if (c === "#") {
          const nl = text.indexOf("\n", i);
          const end = nl < 0 ? text.length : nl + 1;
          out += text.slice(i, end);
          i = end;
        } else if (NAME_START.test(c) && (i === 0 || !NAME_CHAR.test(text[i - 1] as string))) {
          let j = i + 1;
          while (j < text.length && NAME_CHAR.test(text[j] as string)) j++;
          const name = text.slice(i, j);
          if (name === "dnl") {
            const nl = text.indexOf("\n", j);
            i = nl < 0 ? text.length : nl + 1;
          } else if (this.isDefined(name)) {
            const [args, next] = text[j] === "(" ? this.collect(text, j + 1) : [[], j];
            out += this.call(name, args);
            i = next;
          } else {
            out += name;
            i = j;
          }
        } else {
          out += c;
          i++;
        }
      }
      return out;
    } finally {
      this.depth--;
    }
  }

  /** Calls macro `name` with collected arguments; returns its final expansion. */
  call(name: string, args: string[]): string {
    const builtin = this.builtins.get(name);
    if (builtin !== undefined) return builtin(args, this);
    const body = this.defs.get(name) ?? "";
    return this.expand(substitute(body, name, args));
  }

  /** Collects arguments from `text` after `(` at `start`; returns them and the index after `)`. */
  private collect(text: string, start: number): [string[], number] {
    const args: string[] = [];
    let cur = "";
    let depth = 0;
    let leading = true;
    let i = start;
    while (i < text.length) {
      const c = text[i] as string;
      if (leading && /\s/.test(c)) {
        i++;
        continue;
      }
      leading = false;
      if (c === "[") {
        const end = matchQuote(text, i);
        cur += text.slice(i + 1, end);
        i = end + 1;
      } else if (c === "#") {
        const nl = text.indexOf("\n", i);
        const end = nl < 0 ? text.length : nl + 1;
        cur += text.slice(i, end);
        i = end;
      } else if (c === "(") {
        depth++;
        cur += c;
        i++;
      } else if (c === ")") {
        if (depth === 0) {
          args.push(cur);
          return [args, i + 1];
        }
        depth--;
        cur += c;
        i++;
      } else if (c === "," && depth === 0) {
        args.push(cur);
        cur = "";
        leading = true;
        i++;
      } else if (NAME_START.test(c) && !NAME_CHAR.test(text[i - 1] ?? " ")) {
        let j = i + 1;
        while (j < text.length && NAME_CHAR.test(text[j] as string)) j++;
        const name = text.slice(i, j);
        if (name === "dnl") {
          const nl = text.indexOf("\n", j);
          i = nl < 0 ? text.length : nl + 1;
        } else if (this.isDefined(name)) {
          const [inner, next] = text[j] === "(" ? this.collect(text, j + 1) : [[], j];
          // m4 would rescan the expansion as part of this argument; here it is
          // final (OVS's files only call plain macros unquoted in arguments).
          cur += this.call(name, inner);
          i = next;
        } else {
          cur += name;
          i = j;
        }
      } else {
        cur += c;
        i++;
      }
    }
    throw new M4Error("m4: end of file in argument list");
  }

  /**
   * `body` expanded once per value with `v` defined as it, then `v` as it was
   * (m4sugar's loops pushdef and popdef their variable: `id` in m4_for must not
   * stay a macro after the loop).
   */
  private withLoopVariable(v: string, values: readonly string[], body: string): string {
    const saved = this.defs.get(v);
    let out = "";
    for (const value of values) {
      this.defs.set(v, value);
      out += this.expand(body);
    }
    if (saved === undefined) this.defs.delete(v);
    else this.defs.set(v, saved);
    return out;
  }

  /** m4 and m4sugar macros OVS's test files use. */
  private installSugar(): void {
    const b = this.builtins;
    b.set("m4_define", (a) => {
      this.defs.set(a[0] ?? "", a[1] ?? "");
      return "";
    });
    b.set("m4_append", (a) => {
      const name = a[0] ?? "";
      this.defs.set(name, (this.defs.get(name) ?? "") + (a[2] ?? "") + (a[1] ?? ""));
      return "";
    });
    b.set("m4_if", (a) => {
      let k = 0;
      while (k + 2 < a.length) {
        if (a[k] === a[k + 1]) return this.expand(a[k + 2] ?? "");
        k += 3;
      }
      return k < a.length ? this.expand(a[k] ?? "") : "";
    });
    b.set("m4_ifval", (a) => this.expand((a[0] ?? "") !== "" ? (a[1] ?? "") : (a[2] ?? "")));
    b.set("m4_ifdef", (a) => this.expand(this.isDefined(a[0] ?? "") ? (a[1] ?? "") : (a[2] ?? "")));
    b.set("m4_foreach", (a) => {
      const [v = "", list = "", body = ""] = a;
      return this.withLoopVariable(v, splitList(list), body);
    });
    b.set("m4_for", (a) => {
      const [v = "", from = "0", to = "0", step = "1", body = ""] = a;
      const s = evalInt(step) || 1;
      const values: string[] = [];
      for (let k = evalInt(from); s > 0 ? k <= evalInt(to) : k >= evalInt(to); k += s) values.push(String(k));
      return this.withLoopVariable(v, values, body);
    });
    b.set("m4_eval", (a) => String(evalInt(a[0] ?? "0")));
    b.set("m4_join", (a) => {
      const [sep = "", ...rest] = a;
      return rest.filter((x) => x !== "").join(sep);
    });
    // GNU m4's basic regular expressions, as far as OVS's files use them (plain words).
    b.set("m4_bpatsubst", (a) => {
      const [s = "", re = "", rep = ""] = a;
      return s.replace(new RegExp(re.replace(/\\([(){}|+?])/g, "$1"), "g"), rep);
    });
    b.set("m4_divert_push", () => "");
    b.set("m4_divert_pop", () => "");
    b.set("m4_include", () => "");
    b.set("AS_VAR_COPY", (a) => `eval ${a[0] ?? ""}=\\$${a[1] ?? ""}`);
  }
}

/** Index of the `]` closing the quote opened at `open`. */
function matchQuote(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "[") depth++;
    else if (c === "]" && --depth === 0) return i;
  }
  throw new M4Error("m4: end of file in string");
}

/** A user macro's body with `$0`..`$9`, `$#`, `$@`, `$*` replaced (quotes do not protect them, as in m4). */
function substitute(body: string, name: string, args: string[]): string {
  return body.replace(/\$([0-9#@*])/g, (_, k: string) => {
    if (k === "#") return String(args.length === 1 && args[0] === "" ? 0 : args.length);
    if (k === "@") return args.map((x) => `[${x}]`).join(",");
    if (k === "*") return args.join(",");
    if (k === "0") return name;
    return args[Number(k) - 1] ?? "";
  });
}

/** m4_foreach's list: items split at top-level commas, blanks trimmed, one level of quotes removed. */
function splitList(list: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let cur = "";
  for (const c of list) {
    if (c === "[") depth++;
    if (c === "]") depth--;
    if (c === "," && depth === 0) {
      items.push(cur);
      cur = "";
    } else cur += c;
  }
  if (cur.trim() !== "" || items.length > 0) items.push(cur);
  return items.map((s) => {
    const t = s.trim();
    return t.startsWith("[") && t.endsWith("]") ? t.slice(1, -1) : t;
  });
}

/** m4_eval on integers: + - * / % and parentheses (a small recursive descent, no `eval`). */
export function evalInt(expr: string): number {
  const toks = expr.match(/\d+|[-+*/%()]/g) ?? [];
  let p = 0;
  const atom = (): number => {
    const t = toks[p++];
    if (t === "(") {
      const v = sum();
      p++;
      return v;
    }
    if (t === "-") return -atom();
    return Number(t ?? 0);
  };
  const product = (): number => {
    let v = atom();
    while (toks[p] === "*" || toks[p] === "/" || toks[p] === "%") {
      const op = toks[p++];
      const r = atom();
      v = op === "*" ? v * r : op === "/" ? Math.trunc(v / r) : v % r;
    }
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (toks[p] === "+" || toks[p] === "-") {
      const op = toks[p++];
      const r = product();
      v = op === "+" ? v + r : v - r;
    }
    return v;
  };
  return sum();
}
