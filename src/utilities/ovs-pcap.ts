/**
 * `ovs-pcap FILE` (utilities/ovs-pcap.in): each packet of a pcap capture as
 * a line of hex digits. OVS's errors: a bad magic number, a file cut short in
 * its global header, a record header or a packet (the packets before the
 * error are printed).
 */
import type { CommandResult } from "./command-result.js";
import { readBinaryFile } from "./host-files.js";

const USAGE = [
  "ovs-pcap: print pcap file packet data as hex",
  "usage: ovs-pcap FILE",
  "where FILE is a PCAP file.",
  "",
  "The following options are also available:",
  "  -h, --help                  display this help message",
  "  -V, --version               display version information",
];

function hex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

export function runOvsPcap(argv: readonly string[]): CommandResult {
  const args: string[] = [];
  for (const a of argv) {
    if (a === "-h" || a === "--help") return { stdout: USAGE, stderr: [], ok: true };
    if (a === "-V" || a === "--version") return { stdout: ["ovs-pcap (Open vSwitch) 3.1.0"], stderr: [], ok: true };
    if (a.startsWith("-") && a !== "-") return { stdout: [], stderr: [`ovs-pcap: option ${a} not recognized`], ok: false };
    args.push(a);
  }
  if (args.length !== 1) return { stdout: [], stderr: ["ovs-pcap: exactly 1 non-option argument required (use --help for help)"], ok: false };
  let data: Uint8Array;
  try {
    data = readBinaryFile(args[0] ?? "");
  } catch {
    return { stdout: [], stderr: [`Traceback (most recent call last): FileNotFoundError: [Errno 2] No such file or directory: '${args[0] ?? ""}'`], ok: false };
  }
  const fail = (stdout: string[], m: string): CommandResult => ({ stdout, stderr: [`ovs-pcap: ${m}`], ok: false });
  if (data.length < 24) return fail([], "end of file reading pcap header");
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const magic = v.getUint32(0, false);
  let le: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) le = false;
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) le = true;
  else return fail([], `bad magic ${magic} reading pcap file (expected 0xa1b2c3d4, 0xa1b23c4d, 0x4d3cb2a1 or 0xd4c3b2a1)`);
  const out: string[] = [];
  let p = 24;
  while (p < data.length) {
    if (data.length - p < 16) return fail(out, "end of file within pcap record header");
    const incl = v.getUint32(p + 8, le);
    if (data.length - p - 16 < incl) return fail(out, "end of file reading pcap packet data");
    out.push(hex(data.subarray(p + 16, p + 16 + incl)));
    p += 16 + incl;
  }
  return { stdout: out, stderr: [], ok: true };
}
