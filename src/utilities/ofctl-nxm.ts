/**
 * ovs-ofctl's nx_match test commands (utilities/ovs-ofctl.c
 * `ofctl_parse_nxm__`): `parse-nx-match` / `parse-nxm` and
 * `parse-oxm VERSION` read matches in OVS's text notation from standard
 * input, one a line, encode each (src/flowtable/nxm-text.ts), decode the
 * bytes into a match (nxm-pull.ts: strictly with `--strict`, else loosely),
 * encode the match again (nxm-put.ts, NXM or the OXM of VERSION) and print
 * that as text, with `-m` also its bytes. A line that fails to decode prints
 * `nx_pull_match() returned error ERROR`.
 *
 * Input lines are read as OVS's `ds_get_test_line` reads them: a line
 * starting with `#` is printed as is, a `#` elsewhere starts a comment, and a
 * blank line prints a blank line.
 *
 * A value with 1-bits outside its mask is logged by the nx_match module
 * (`Rejecting NXM/OXM entry ...`) under a rate limit of burst 5 where each
 * logged message costs two tokens, so one run logs at most two.
 */
import { programWarn } from "../flowtable/program-log.js";
import type { NxmVersion } from "../flowtable/nxm-headers.js";
import { headerArgs } from "../flowtable/nxm-headers.js";
import type { NxmPullResult } from "../flowtable/nxm-pull.js";
import { nxPullMatch, oxmPullMatch } from "../flowtable/nxm-pull.js";
import { nxPutMatch, oxmPutMatch } from "../flowtable/nxm-put.js";
import { NxmTextError, nxMatchFromString, nxMatchToString, oxmMatchFromString, oxmMatchToString } from "../flowtable/nxm-text.js";
import type { CommandResult } from "./command-result.js";
import { hexDump } from "./hex-dump.js";

/** Options of ofctl_parse_nxm__. */
export interface ParseNxmOptions {
  readonly strict: boolean;
  /** `-m` given (verbosity > 0): each result's bytes are dumped too. */
  readonly more: boolean;
}

/** The test lines of `input` (ds_get_test_line): echoed lines go to `echo`, the others are returned in order. */
export function testLines(input: string): Array<{ echo: string } | { line: string }> {
  const out: Array<{ echo: string } | { line: string }> = [];
  const lines = input.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  for (const raw of lines) {
    if (raw.startsWith("#")) {
      out.push({ echo: raw });
      continue;
    }
    const hash = raw.indexOf("#");
    const s = hash < 0 ? raw : raw.slice(0, hash);
    if (/^[ \t\n]*$/.test(s)) out.push({ echo: "" });
    else out.push({ line: s });
  }
  return out;
}

/** The nx_match module's rate limit for its 1-bits warning (VLOG_RATE_LIMIT_INIT(1, 5), checked twice a message). */
class WarnLimit {
  private tokens = 5;
  take(): boolean {
    if (this.tokens === 0) return false;
    this.tokens--;
    return true;
  }
}

function parseOne(line: string, version: NxmVersion, o: ParseNxmOptions, limit: WarnLimit): string[] {
  const oxm = version !== 0;
  const input = oxm ? oxmMatchFromString(line) : nxMatchFromString(line);
  const r: NxmPullResult = oxm ? oxmPullMatch(input.bytes, o.strict) : nxPullMatch(input.bytes, input.matchLen, o.strict);
  if (!r.ok) {
    if (r.error === "OFPBMC_BAD_WILDCARDS" && r.header !== undefined && limit.take() && limit.take()) {
      programWarn("nx_match", `Rejecting NXM/OXM entry ${headerArgs(r.header)} with 1-bits in value for bits wildcarded by the mask.`);
    }
    return [`nx_pull_match() returned error ${r.error}`];
  }
  const pt = { packetTypeEth: r.packetTypeEth, side: r.side };
  const out = version === 0 ? nxPutMatch(r.match, r.cookie, r.cookieMask, pt) : oxmPutMatch(r.match, version, pt);
  const text = version === 0 ? nxMatchToString(out.bytes, 0, out.matchLen) : oxmMatchToString(out.bytes, out.matchLen);
  return o.more ? [text, ...hexDump(out.bytes)] : [text];
}

/** parse-nx-match / parse-nxm (`version` 0) and parse-oxm (the OXM of `version`) over `stdin`. */
export function parseNxmCommand(stdin: string, version: NxmVersion, o: ParseNxmOptions): CommandResult {
  const stdout: string[] = [];
  const limit = new WarnLimit();
  for (const t of testLines(stdin)) {
    if ("echo" in t) {
      stdout.push(t.echo);
      continue;
    }
    try {
      stdout.push(...parseOne(t.line, version, o, limit));
    } catch (e) {
      if (e instanceof NxmTextError) return { stdout, stderr: [`ovs-ofctl: ${e.message}`], ok: false };
      throw e;
    }
  }
  return { stdout, stderr: [], ok: true };
}

const OXM_VERSIONS: ReadonlyMap<string, NxmVersion> = new Map([
  ["openflow12", 12],
  ["openflow13", 13],
  ["openflow14", 14],
  ["openflow15", 15],
]);

/** parse-oxm's VERSION argument: OpenFlow12 and later (ofputil_version_from_string), else OVS's fatal error. */
export function parseOxmCommand(stdin: string, versionName: string, o: ParseNxmOptions): CommandResult {
  const v = OXM_VERSIONS.get(versionName.toLowerCase());
  if (v === undefined) return { stdout: [], stderr: [`ovs-ofctl: ${versionName}: not a valid version for OXM`], ok: false };
  return parseNxmCommand(stdin, v, o);
}
