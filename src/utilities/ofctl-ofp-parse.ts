/**
 * `ovs-ofctl ofp-parse FILE` (utilities/ovs-ofctl.c `ofctl_ofp_parse`): reads
 * OpenFlow messages back to back from FILE (`-`: standard input) and prints
 * each as ofp-print does with verbosity 2 (`-m` adds to it).
 *
 * ovsim prints the messages of OpenFlow's session setup: OFPT_HELLO (its
 * version bitmap; data it cannot read as hello elements is dumped as
 * "unknown data in hello"), OFPT_ECHO_REQUEST and OFPT_ECHO_REPLY (payload
 * size; dumped from verbosity 2). Another message type is refused with a
 * message naming it, rather than printed wrong.
 */
import type { CommandResult } from "./command-result.js";
import { hexDump } from "./hex-dump.js";
import { fileArgument } from "./standard-input.js";
import { readBinaryFile } from "./host-files.js";

const OFPT_HELLO = 0;
const OFPT_ECHO_REQUEST = 2;
const OFPT_ECHO_REPLY = 3;
const OFPHET_VERSIONBITMAP = 1;

const be16 = (b: Uint8Array, at: number): number => ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
const be32 = (b: Uint8Array, at: number): number => (((b[at] ?? 0) << 24) | ((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0)) >>> 0;

/** ofp_print_version's words after the type name. */
function versionText(v: number): string {
  const names: Record<number, string> = { 1: "", 2: " (OF1.1)", 3: " (OF1.2)", 4: " (OF1.3)", 5: " (OF1.4)", 6: " (OF1.5)" };
  return names[v] ?? ` (OF 0x${v.toString(16).padStart(2, "0")})`;
}

/** ofputil_format_version_bitmap: each version's wire number. */
function versionBitmap(bits: number): string {
  const out: string[] = [];
  for (let i = 0; i < 32; i++) if ((bits >>> i) & 1) out.push(`0x${i.toString(16).padStart(2, "0")}`);
  return out.join(", ");
}

/** ofputil_decode_hello: the versions a hello allows, and whether all of it was understood. */
function decodeHello(msg: Uint8Array): { versions: number; ok: boolean } {
  const version = msg[0] ?? 0;
  let versions = ((version < 32 ? 2 ** version : 0) - 1) * 2;
  let at = 8;
  let ok = true;
  while (at < msg.length) {
    if (msg.length - at < 4) return { versions, ok: false };
    const type = be16(msg, at);
    const len = be16(msg, at + 2);
    const padded = Math.ceil(len / 8) * 8;
    if (len < 4 || msg.length - at < padded) return { versions, ok: false };
    const bitmapLen = len - 4;
    if (type !== OFPHET_VERSIONBITMAP || bitmapLen === 0 || bitmapLen % 4 !== 0) {
      ok = false;
    } else {
      const allowed = be32(msg, at + 4) & ~1;
      if (allowed === 0) ok = false;
      else versions = allowed >>> 0;
    }
    at += padded;
  }
  return { versions, ok };
}

/** ofp_to_string of one whole message, as lines; null for a type ovsim does not print. */
function printMessage(msg: Uint8Array, verbosity: number): string[] | null {
  const type = msg[1] ?? 0;
  const head = (name: string): string => `${name}${versionText(msg[0] ?? 0)} (xid=0x${be32(msg, 4).toString(16)}):`;
  if (type === OFPT_HELLO) {
    const h = decodeHello(msg);
    const lines = [head("OFPT_HELLO"), ` version bitmap: ${versionBitmap(h.versions)}`];
    if (!h.ok) lines.push(" unknown data in hello:", ...hexDump(msg, true));
    return lines;
  }
  if (type === OFPT_ECHO_REQUEST || type === OFPT_ECHO_REPLY) {
    const name = type === OFPT_ECHO_REQUEST ? "OFPT_ECHO_REQUEST" : "OFPT_ECHO_REPLY";
    const lines = [`${head(name)} ${msg.length - 8} bytes of payload`];
    if (verbosity > 1) lines.push(...hexDump(msg.subarray(8), true));
    return lines;
  }
  return null;
}

/** `ofp-parse FILE`, with `more` the number of -m options. */
export function ofpParseCommand(file: string, more: number): CommandResult {
  let data: Uint8Array;
  try {
    data = readBinaryFile(fileArgument(file));
  } catch {
    return { stdout: [], stderr: [`ovs-ofctl: ${file}: open (No such file or directory)`], ok: false };
  }
  const stdout: string[] = [];
  const fail = (message: string): CommandResult => ({ stdout, stderr: [`ovs-ofctl: ${message}`], ok: false });
  let at = 0;
  while (at < data.length) {
    if (data.length - at < 8) return fail(`${file}: unexpected end of file mid-message`);
    const length = be16(data, at + 2);
    if (length < 8) return fail(`${file}: ${length}-byte message is too short for OpenFlow`);
    if (data.length - at < length) return fail(`${file}: unexpected end of file mid-message`);
    const msg = data.subarray(at, at + length);
    const lines = printMessage(msg, more + 2);
    if (lines === null) return fail(`${file}: ovsim prints no OpenFlow message of type ${msg[1] ?? 0} (only hello and echo)`);
    stdout.push(...lines);
    at += length;
  }
  return { stdout, stderr: [], ok: true };
}
