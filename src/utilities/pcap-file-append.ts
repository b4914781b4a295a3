/**
 * Writes what dummy ports captured (src/vswitchd/dummy-pcap.ts) to their
 * files, as netdev-dummy's ovs_pcap_open(FILE, "ab") and ovs_pcap_write do:
 * a missing or empty file gets the pcap global header first, then every
 * frame is appended. Names are relative to `dir`, ovs-vswitchd's working
 * directory.
 */
import { appendFileSync, existsSync, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { encodePcap } from "../datapath/pcap.js";
import type { PcapAppend } from "../vswitchd/dummy-pcap.js";

/** The pcap global header's length: what an append to an existing file leaves out. */
const GLOBAL_HEADER_LEN = 24;

export function appendPcapFiles(writes: readonly PcapAppend[], dir: string): void {
  for (const w of writes) {
    const path = isAbsolute(w.path) ? w.path : join(dir, w.path);
    const fresh = !existsSync(path) || statSync(path).size === 0;
    const bytes = encodePcap(w.frames);
    appendFileSync(path, fresh ? bytes : bytes.subarray(GLOBAL_HEADER_LEN));
  }
}
