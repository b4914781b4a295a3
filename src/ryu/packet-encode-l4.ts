/**
 * Ryu's serializers for the L4 layers of the corpus (ryu/lib/packet/tcp.py,
 * udp.py, sctp.py, icmp.py, icmpv6.py) and their nested objects, with Ryu's
 * rules for what it computes: a length or checksum is computed when the
 * description leaves it 0, an explicit value is written as given.
 *
 * Ryu's quirks kept on purpose (the corpus's expected bytes come from them):
 * - checksums over the IP pseudo-header take the protocol from the IP header
 *   before the L4 one (`ipv6.nxt` even when extension headers follow);
 * - ICMP's checksum covers the ICMP message only, ICMPv6's pseudo-header
 *   length is the ICMPv6 message's (not what follows it), UDP writes a
 *   computed checksum of 0 as 0;
 * - SCTP's CRC32c covers the common header and chunks, not what follows;
 *   chunk_data is not padded to 4 bytes.
 */
import { put16 } from "../datapath/packet/bytes.js";
import { crc32c } from "../datapath/odp-execute-set.js";
import type { Layer } from "./packet-desc.js";
import { num, sub } from "./packet-desc.js";
import { RyuEncodeError, bytesField, checkUint, concat, putField, putUint, ryuChecksum, ryuChecksumIp } from "./encode-util.js";

/** ICMP types whose data Ryu serializes as an object (icmp._ICMP_TYPES). */
const ICMP_OBJECT_TYPES = new Set([0n, 3n, 8n, 11n]);

function tcp(l: Layer, payload: Uint8Array, prev: Layer | undefined): Uint8Array {
  const option = bytesField(l, "option");
  const offset = num(l, "offset");
  checkUint(offset << 4n, 1, "tcp.offset");
  let optLen = option.length + ((4 - (option.length % 4)) % 4);
  // An explicit data offset longer than the options pads them (only when there are options, as Ryu).
  if (option.length > 0 && offset !== 0n && 20 + optLen < Number(offset) * 4) optLen = Number(offset) * 4 - 20;
  const h = new Uint8Array(20 + optLen);
  putField(h, 0, l, "src_port", 2);
  putField(h, 2, l, "dst_port", 2);
  putField(h, 4, l, "seq", 4);
  putField(h, 8, l, "ack", 4);
  putUint(h, 12, (offset !== 0n ? offset : BigInt(h.length >> 2)) << 4n, 1, "tcp.offset");
  putField(h, 13, l, "bits", 1);
  putField(h, 14, l, "window_size", 2);
  putField(h, 16, l, "csum", 2);
  putField(h, 18, l, "urgent", 2);
  h.set(option, 20);
  if (num(l, "csum") === 0n) put16(h, 16, ryuChecksumIp(prev, h.length + payload.length, concat(h, payload)));
  return h;
}

function udp(l: Layer, payload: Uint8Array, prev: Layer | undefined): Uint8Array {
  const h = new Uint8Array(8);
  putField(h, 0, l, "src_port", 2);
  putField(h, 2, l, "dst_port", 2);
  const total = num(l, "total_length") !== 0n ? num(l, "total_length") : BigInt(8 + payload.length);
  putUint(h, 4, total, 2, "udp.total_length");
  putField(h, 6, l, "csum", 2);
  if (num(l, "csum") === 0n) put16(h, 6, ryuChecksumIp(prev, Number(total), concat(h, payload)));
  return h;
}

function chunkData(c: Layer): Uint8Array {
  if (c.cls !== "chunk_data") throw new RyuEncodeError(`sctp chunks must be chunk_data here, not ${c.cls}`);
  const data = bytesField(c, "payload_data");
  const h = new Uint8Array(16 + data.length);
  const flags = (num(c, "unordered") << 2n) | (num(c, "begin") << 1n) | num(c, "end");
  putUint(h, 1, flags, 1, "chunk_data flags");
  putUint(h, 2, num(c, "length") !== 0n ? num(c, "length") : BigInt(h.length), 2, "chunk_data.length");
  putField(h, 4, c, "tsn", 4);
  putField(h, 8, c, "sid", 2);
  putField(h, 10, c, "seq", 2);
  putField(h, 12, c, "payload_id", 4);
  h.set(data, 16);
  return h;
}

function sctp(l: Layer): Uint8Array {
  const h = new Uint8Array(12);
  putField(h, 0, l, "src_port", 2);
  putField(h, 2, l, "dst_port", 2);
  putField(h, 4, l, "vtag", 4);
  putField(h, 8, l, "csum", 4);
  const chunks = l.f.get("chunks");
  const buf = concat(h, ...(Array.isArray(chunks) ? (chunks as readonly Layer[]).map(chunkData) : []));
  if (num(l, "csum") === 0n) {
    // Ryu packs the CRC32c byte-swapped with "!I": its little-endian bytes, as SCTP wants.
    const c = crc32c(buf, 0, buf.length);
    buf[8] = c & 0xff;
    buf[9] = (c >>> 8) & 0xff;
    buf[10] = (c >>> 16) & 0xff;
    buf[11] = c >>> 24;
  }
  return buf;
}

/** echo / icmpv6echo (id, seq, data) and dest_unreach (data_len, mtu, data). */
function icmpBody(d: Layer): Uint8Array {
  const h = new Uint8Array(4);
  if (d.cls === "echo" || d.cls === "icmpv6echo") {
    putField(h, 0, d, "id_", 2);
    putField(h, 2, d, "seq", 2);
  } else if (d.cls === "dest_unreach") {
    // Ryu packs '!xBH': a pad byte, data_len (never computed), mtu.
    putField(h, 1, d, "data_len", 1);
    putField(h, 2, d, "mtu", 2);
  } else if (d.cls === "nd_neighbor") {
    return ndNeighbor(d);
  } else {
    throw new RyuEncodeError(`${d.cls} cannot be ICMP data`);
  }
  return concat(h, bytesField(d, "data"));
}

function icmp(l: Layer): Uint8Array {
  const h = new Uint8Array(4);
  putField(h, 0, l, "type_", 1);
  putField(h, 1, l, "code", 1);
  putField(h, 2, l, "csum", 2);
  const obj = sub(l, "data");
  const raw = bytesField(l, "data");
  // No data: Ryu serializes a default echo() (4 zero bytes); raw bytes go as they are.
  let body: Uint8Array;
  if (obj !== null) body = icmpBody(obj);
  else if (raw.length > 0) {
    if (ICMP_OBJECT_TYPES.has(num(l, "type_"))) throw new RyuEncodeError(`icmp type ${num(l, "type_")} needs an object as data (Ryu asserts it)`);
    body = raw;
  } else body = new Uint8Array(4);
  const msg = concat(h, body);
  if (num(l, "csum") === 0n) put16(msg, 2, ryuChecksum(msg));
  return msg;
}

/** nd_option_sla (type 1) / nd_option_tla (type 2): type, length in 8-byte units (0: computed), MAC, data, padded to 8. */
function ndOption(o: Layer): Uint8Array {
  const type = o.cls === "nd_option_sla" ? 1n : o.cls === "nd_option_tla" ? 2n : -1n;
  if (type < 0n) throw new RyuEncodeError(`${o.cls} is not an ND option`);
  const data = bytesField(o, "data");
  const len = 8 + data.length;
  const b = new Uint8Array(len + ((8 - (len % 8)) % 8));
  putUint(b, 0, type, 1, `${o.cls} type`);
  putUint(b, 1, num(o, "length") !== 0n ? num(o, "length") : BigInt(b.length / 8), 1, `${o.cls}.length`);
  putField(b, 2, o, "hw_src", 6);
  b.set(data, 8);
  return b;
}

function ndNeighbor(d: Layer): Uint8Array {
  const h = new Uint8Array(20);
  putUint(h, 0, num(d, "res") << 29n, 4, "nd_neighbor.res");
  putField(h, 4, d, "dst", 16);
  const opt = sub(d, "option");
  return concat(h, opt !== null ? ndOption(opt) : bytesField(d, "option"));
}

function icmpv6(l: Layer, payload: Uint8Array, prev: Layer | undefined): Uint8Array {
  const h = new Uint8Array(4);
  putField(h, 0, l, "type_", 1);
  putField(h, 1, l, "code", 1);
  putField(h, 2, l, "csum", 2);
  const obj = sub(l, "data");
  const msg = concat(h, obj !== null ? icmpBody(obj) : bytesField(l, "data"));
  if (num(l, "csum") === 0n) put16(msg, 2, ryuChecksumIp(prev, msg.length, concat(msg, payload)));
  return msg;
}

/** Serializes L4 layer `l` (its nested objects included) before `payload`, after `prev`; null when `l` is not L4. */
export function encodeL4(l: Layer, payload: Uint8Array, prev: Layer | undefined): Uint8Array | null {
  switch (l.cls) {
    case "tcp":
      return tcp(l, payload, prev);
    case "udp":
      return udp(l, payload, prev);
    case "sctp":
      return sctp(l);
    case "icmp":
      return icmp(l);
    case "icmpv6":
      return icmpv6(l, payload, prev);
    default:
      return null;
  }
}
