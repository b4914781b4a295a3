/**
 * `ovs-ofctl parse-pcap PCAP...` (utilities/ovs-ofctl.c `ofctl_parse_pcap`):
 * each packet of each capture file (classic pcap, src/datapath/pcap.ts),
 * extracted as the datapath extracts a received packet with in_port ANY
 * (flow_extract), printed as a flow (flow_print: the fields the packet has).
 * A file that cannot be opened or read is reported and the next one read;
 * the command then fails.
 */
import { decodePcap } from "../datapath/pcap.js";
import { extractFlow } from "../datapath/packet/extract.js";
import { Packet } from "../datapath/packet/packet.js";
import { FLOW_WORDS } from "../flowtable/flow-layout.js";
import { formatFlow } from "../flowtable/flow-print.js";
import { programWarn } from "../flowtable/program-log.js";
import type { CommandResult } from "./command-result.js";
import { readBinaryFile } from "./host-files.js";

/** OFPP_ANY (OpenFlow 1.0 numbering): the in_port of every parsed packet. */
const OFPP_ANY = 0xffff;

export function parsePcapCommand(files: readonly string[]): CommandResult {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const key = new Uint32Array(FLOW_WORDS);
  for (const file of files) {
    let data: Uint8Array;
    try {
      data = readBinaryFile(file);
    } catch {
      programWarn("pcap", `${file}: failed to open pcap file for reading (No such file or directory)`);
      stderr.push(`ovs-ofctl: ${file}: open failed (No such file or directory)`);
      continue;
    }
    let frames: ReturnType<typeof decodePcap>["frames"];
    try {
      frames = decodePcap(data).frames;
    } catch (e) {
      stderr.push(`ovs-ofctl: ${file}: read failed (${e instanceof Error ? e.message : String(e)})`);
      continue;
    }
    for (const f of frames) {
      extractFlow(new Packet(f.bytes), OFPP_ANY, key);
      stdout.push(formatFlow(key));
    }
  }
  return { stdout, stderr, ok: stderr.length === 0 };
}
