/**
 * Packet captures in the classic libpcap format (what `tcpdump -w` writes and
 * Wireshark / tshark read): a 24-byte global header (magic 0xa1b2c3d4,
 * version 2.4, snaplen, LINKTYPE_ETHERNET) then, per frame, a 16-byte record
 * header (seconds, microseconds, captured length, original length) and the
 * bytes. Written little-endian, as on the machines tcpdump usually runs on.
 *
 * Timestamps are the simulation's virtual clock (µs from its start), so two
 * runs of a scenario give byte-identical files. Frames are copied when
 * captured: later rewrites of a reused buffer do not change the capture.
 */

/** LINKTYPE_ETHERNET (DLT_EN10MB). */
export const LINKTYPE_ETHERNET = 1;
/** tcpdump's default snapshot length. */
export const PCAP_SNAPLEN = 262_144;
const PCAP_MAGIC = 0xa1b2c3d4;
const GLOBAL_HEADER_LEN = 24;
const RECORD_HEADER_LEN = 16;

export interface CapturedFrame {
  /** Virtual time, µs. */
  readonly atUs: number;
  readonly bytes: Uint8Array;
}

/** Frames captured at one point (a port or an underlay segment), in the order they passed. */
export class PcapCapture {
  /** What was captured ("hv1:eth0", "segment phys"), for messages. */
  readonly name: string;
  readonly frames: CapturedFrame[] = [];

  constructor(name: string) {
    this.name = name;
  }

  /** Records a copy of `bytes` at time `atUs`. */
  add(atUs: number, bytes: Uint8Array): void {
    this.frames.push({ atUs, bytes: bytes.slice() });
  }

  /** The capture as a pcap file. */
  toBytes(): Uint8Array {
    return encodePcap(this.frames);
  }
}

/** Encodes frames as a classic pcap file (LINKTYPE_ETHERNET). */
export function encodePcap(frames: readonly CapturedFrame[]): Uint8Array {
  let size = GLOBAL_HEADER_LEN;
  for (const f of frames) size += RECORD_HEADER_LEN + Math.min(f.bytes.length, PCAP_SNAPLEN);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, PCAP_MAGIC, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setInt32(8, 0, true); // thiszone
  v.setUint32(12, 0, true); // sigfigs
  v.setUint32(16, PCAP_SNAPLEN, true);
  v.setUint32(20, LINKTYPE_ETHERNET, true);
  let p = GLOBAL_HEADER_LEN;
  for (const f of frames) {
    const caplen = Math.min(f.bytes.length, PCAP_SNAPLEN);
    const us = Math.max(0, Math.round(f.atUs));
    v.setUint32(p, Math.floor(us / 1_000_000), true);
    v.setUint32(p + 4, us % 1_000_000, true);
    v.setUint32(p + 8, caplen, true);
    v.setUint32(p + 12, f.bytes.length, true);
    out.set(f.bytes.subarray(0, caplen), p + RECORD_HEADER_LEN);
    p += RECORD_HEADER_LEN + caplen;
  }
  return out;
}

/** Decodes a classic pcap file (either byte order, µs timestamps) back into frames. */
export function decodePcap(file: Uint8Array): { readonly linktype: number; readonly frames: CapturedFrame[] } {
  if (file.length < GLOBAL_HEADER_LEN) throw new Error("pcap: file shorter than its global header");
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magic = v.getUint32(0, true);
  const le = magic === PCAP_MAGIC;
  if (!le && v.getUint32(0, false) !== PCAP_MAGIC) throw new Error("pcap: bad magic number");
  const linktype = v.getUint32(20, le);
  const frames: CapturedFrame[] = [];
  let p = GLOBAL_HEADER_LEN;
  while (p + RECORD_HEADER_LEN <= file.length) {
    const sec = v.getUint32(p, le);
    const usec = v.getUint32(p + 4, le);
    const caplen = v.getUint32(p + 8, le);
    const start = p + RECORD_HEADER_LEN;
    if (start + caplen > file.length) throw new Error("pcap: truncated record");
    frames.push({ atUs: sec * 1_000_000 + usec, bytes: file.slice(start, start + caplen) });
    p = start + caplen;
  }
  return { linktype, frames };
}
