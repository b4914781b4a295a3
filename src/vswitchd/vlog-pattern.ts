/**
 * A log line from a destination's pattern, as lib/vlog.c's
 * format_log_message: `%` escapes with an optional `-` (left-justify), `0`
 * (zero padding) and field width. ovsim knows what an in-process switch
 * has: the program name is ovs-vswitchd, there is no subprogram (thread), the
 * host is `localhost`, the process id 0, and time is the virtual clock.
 */

/** What one message brings to its line. */
export interface VlogMessage {
  readonly module: string;
  readonly level: string;
  readonly message: string;
  /** The message's number (`%N`). */
  readonly msgNum: number;
  /** Wall time (`%d`, `%D`), ms since 1970-01-01T00:00:00Z. */
  readonly wallMs: number;
  /** The thread that logs (`%t`, `%T`: `(revalidator5)`), when not the main one. */
  readonly thread?: string;
}

const PROGRAM_NAME = "ovs-vswitchd";
const DEFAULT_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.###";

/** `{...}` after an escape, or `def`; returns the argument and where the pattern goes on. */
function fetchBraces(pattern: string, at: number, def: string): [string, number] {
  if (pattern[at] !== "{") return [def, at];
  const close = pattern.indexOf("}", at + 1);
  const end = close < 0 ? pattern.length : close;
  return [pattern.slice(at + 1, end), end + 1];
}

const pad2 = (n: number): string => String(n).padStart(2, "0");

/** strftime for the conversions OVS's log patterns use, `###` being the milliseconds (ds_put_strftime_msec). */
function strftimeMsec(format: string, ms: number): string {
  const t = new Date(ms);
  const out = format.replace(/%([YmdHMSe%])/g, (_, c: string) => {
    switch (c) {
      case "Y":
        return String(t.getUTCFullYear());
      case "m":
        return pad2(t.getUTCMonth() + 1);
      case "d":
        return pad2(t.getUTCDate());
      case "e":
        return String(t.getUTCDate()).padStart(2, " ");
      case "H":
        return pad2(t.getUTCHours());
      case "M":
        return pad2(t.getUTCMinutes());
      case "S":
        return pad2(t.getUTCSeconds());
      default:
        return "%";
    }
  });
  return out.replace("###", String(t.getUTCMilliseconds()).padStart(3, "0"));
}

export function formatVlogMessage(pattern: string, m: VlogMessage): string {
  let s = "";
  let p = 0;
  while (p < pattern.length) {
    const ch = pattern[p] ?? "";
    if (ch !== "%") {
      s += ch;
      p++;
      continue;
    }
    p++;
    let left = false;
    let padChar = " ";
    if (pattern[p] === "-") {
      left = true;
      p++;
    }
    if (pattern[p] === "0") {
      padChar = "0";
      p++;
    }
    let width = 0;
    while (p < pattern.length && /[0-9]/.test(pattern[p] ?? "")) width = width * 10 + Number(pattern[p++]);
    const c = pattern[p++] ?? "";
    let field = "";
    switch (c) {
      case "A":
        field = PROGRAM_NAME;
        break;
      case "c":
        [, p] = fetchBraces(pattern, p, "");
        field = m.module;
        break;
      case "d":
      case "D": {
        let fmt: string;
        [fmt, p] = fetchBraces(pattern, p, DEFAULT_TIME_FORMAT);
        field = strftimeMsec(fmt, m.wallMs);
        break;
      }
      case "E":
        field = "localhost";
        break;
      case "m":
        field = m.message.replace(/\n+$/, "");
        break;
      case "N":
        field = String(m.msgNum);
        break;
      case "n":
        field = "\n";
        break;
      case "p":
        field = m.level;
        break;
      case "P":
        field = "0";
        break;
      case "r":
        field = String(m.wallMs);
        break;
      case "t":
        field = m.thread ?? "main";
        break;
      case "T":
        if (m.thread !== undefined) field = `(${m.thread})`;
        break;
      default:
        field = c;
    }
    if (field.length < width) field = left ? field.padEnd(width, padChar) : field.padStart(width, padChar);
    s += field;
  }
  return s;
}
