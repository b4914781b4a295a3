/**
 * ovs-ofctl's fixed-match test commands (utilities/ovs-ofctl.c):
 * `parse-ofp10-match` and `parse-ofp11-match` read `struct ofp10_match` /
 * `struct ofp11_match` bytes in hex from standard input, one match a line
 * (`#` comments and blank lines skipped, ds_get_preprocessed_line), decode
 * each (src/flowtable/ofp10-match-wire.ts, ofp11-match-wire.ts), print the
 * match, encode it again and print each byte that changed
 * (`OFFSET: OLD -> NEW`). OpenFlow 1.0 also normalizes the match
 * (match-normalize.ts) and prints what that changed with a `normal: `
 * prefix; a normalization that changes the match is logged at INFO level by
 * the ofp_match module, under a rate limit of 5 messages a run.
 *
 * In parse-ofp10-match input an `x` is a digit of a wildcarded field: it
 * reads as a random digit (ovsim: a fixed pseudo-random sequence) and is
 * expected back as 0.
 */
import { OvsimError } from "../flowtable/errors.js";
import { formatMatch } from "../flowtable/match-format.js";
import { normalizationLog, normalizeMatch } from "../flowtable/match-normalize.js";
import { putHex } from "../flowtable/nxm-text.js";
import { matchFromOfp10, matchToOfp10, OFP10_MATCH_LEN } from "../flowtable/ofp10-match-wire.js";
import { matchFromOfp11, matchToOfp11, OFP11_MATCH_LEN } from "../flowtable/ofp11-match-wire.js";
import { programInfo } from "../flowtable/program-log.js";
import type { CommandResult } from "./command-result.js";

/** A fatal input error: `ovs-ofctl: MESSAGE`, exit 1. */
class MatchInputError extends OvsimError {
  readonly code = "MATCH_INPUT";
}

/** ds_get_preprocessed_line over the whole input: comment-stripped, non-blank lines. */
function preprocessedLines(input: string): string[] {
  const out: string[] = [];
  for (const raw of input.split("\n")) {
    const hash = raw.indexOf("#");
    const line = hash < 0 ? raw : raw.slice(0, hash);
    if (!/^[ \t\n]*$/.test(line)) out.push(line);
  }
  return out;
}

function hexBytes(s: string, size: number): Uint8Array {
  const out: number[] = [];
  const r = putHex(out, s, 0);
  if (r.at < s.length) throw new MatchInputError("Trailing garbage in hex data");
  if (out.length !== size) throw new MatchInputError(`Input is ${out.length} bytes, expected ${size}`);
  return Uint8Array.from(out);
}

/** print_differences: `PREFIX%2d: %02x -> %02x` for each byte that differs. */
function differences(prefix: string, a: Uint8Array, b: Uint8Array): string[] {
  const out: string[] = [];
  const hx = (v: number): string => v.toString(16).padStart(2, "0");
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) out.push(`${prefix}${String(i).padStart(2)}: ${hx(a[i] ?? 0)} -> ${hx(b[i] ?? 0)}`);
  }
  for (let i = a.length; i < b.length; i++) out.push(`${prefix}${String(i).padStart(2)}: (none) -> ${hx(b[i] ?? 0)}`);
  for (let i = b.length; i < a.length; i++) out.push(`${prefix}${String(i).padStart(2)}: ${hx(a[i] ?? 0)} -> (none)`);
  return out;
}

function run(input: string, each: (line: string, out: string[]) => void): CommandResult {
  const stdout: string[] = [];
  try {
    for (const line of preprocessedLines(input)) each(line, stdout);
  } catch (e) {
    if (e instanceof MatchInputError) return { stdout, stderr: [`ovs-ofctl: ${e.message}`], ok: false };
    throw e;
  }
  return { stdout, stderr: [], ok: true };
}

/** `parse-ofp10-match` over standard input `input`. */
export function parseOfp10MatchCommand(input: string): CommandResult {
  let seed = 0x2545f491;
  const randomHexit = (): string => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return "0123456789abcdef"[(seed >>> 16) & 0xf] ?? "0";
  };
  let logTokens = 5;
  return run(input, (line, out) => {
    const expected = hexBytes(line.replace(/x/g, "0"), OFP10_MATCH_LEN);
    const given = hexBytes(line.replace(/x/g, randomHexit), OFP10_MATCH_LEN);
    const match = matchFromOfp10(given);
    out.push(formatMatch(match));
    const sent = matchToOfp10(match);
    out.push(...differences("", expected, sent));
    const log = normalizationLog(match);
    if (log.length > 0 && logTokens > 0) {
      logTokens--;
      for (const l of log) programInfo("ofp_match", l);
    }
    out.push(...differences("normal: ", sent, matchToOfp10(normalizeMatch(match).match)));
    out.push("");
  });
}

/** `parse-ofp11-match` over standard input `input`. */
export function parseOfp11MatchCommand(input: string): CommandResult {
  return run(input, (line, out) => {
    const given = hexBytes(line, OFP11_MATCH_LEN);
    const r = matchFromOfp11(given);
    if (!r.ok) {
      out.push(`bad ofp11_match: ${r.error}`, "");
      return;
    }
    out.push(formatMatch(r.match));
    out.push(...differences("", given, matchToOfp11(r.match)));
    out.push("");
  });
}
