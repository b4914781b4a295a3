/**
 * NetFlow version 5 datagrams as bytes (OVS's lib/netflow.h: struct netflow_v5_header and
 * struct netflow_v5_record, Cisco's NetFlow v5 export format).
 *
 * A datagram is a 24-byte header followed by `count` 48-byte records, every field big-endian:
 *
 *   header: version(2)=5 count(2) sysuptime(4, ms since the exporter booted) unix_secs(4)
 *           unix_nsecs(4) flow_seq(4, records sent before this datagram) engine_type(1)
 *           engine_id(1) sampling_interval(2)
 *   record: src_addr(4) dst_addr(4) nexthop(4) input(2) output(2) packet_count(4)
 *           byte_count(4) init_time(4) used_time(4) src_port(2) dst_port(2) pad1(1)
 *           tcp_flags(1) ip_proto(1) ip_tos(1) src_as(2) dst_as(2) src_mask(1) dst_mask(1)
 *           pad(2)
 *
 * `encodeNetflowV5` writes a datagram; `decodeNetflowV5` reads one as a collector does
 * (OVS's tests/test-netflow.c), keeping what a short datagram lacks as `truncated`.
 */

export const NETFLOW_V5_VERSION = 5;
export const NETFLOW_V5_HEADER_LEN = 24;
export const NETFLOW_V5_RECORD_LEN = 48;

export interface NetflowV5Header {
  readonly version: number;
  readonly count: number;
  readonly sysUptime: number;
  readonly unixSecs: number;
  readonly unixNsecs: number;
  readonly flowSeq: number;
  readonly engineType: number;
  readonly engineId: number;
  readonly samplingInterval: number;
}

export interface NetflowV5Record {
  /** IPv4 addresses as unsigned 32-bit numbers. */
  readonly srcAddr: number;
  readonly dstAddr: number;
  readonly nexthop: number;
  readonly input: number;
  readonly output: number;
  readonly packetCount: number;
  readonly byteCount: number;
  readonly initTime: number;
  readonly usedTime: number;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly pad1: number;
  readonly tcpFlags: number;
  readonly ipProto: number;
  readonly ipTos: number;
  readonly srcAs: number;
  readonly dstAs: number;
  readonly srcMask: number;
  readonly dstMask: number;
  /** The two pad bytes. */
  readonly pad: readonly [number, number];
}

/** A record whose unlisted fields are 0. */
export function netflowV5Record(fields: Partial<NetflowV5Record>): NetflowV5Record {
  return {
    srcAddr: 0, dstAddr: 0, nexthop: 0, input: 0, output: 0, packetCount: 0, byteCount: 0, initTime: 0, usedTime: 0,
    srcPort: 0, dstPort: 0, pad1: 0, tcpFlags: 0, ipProto: 0, ipTos: 0, srcAs: 0, dstAs: 0, srcMask: 0, dstMask: 0,
    pad: [0, 0],
    ...fields,
  };
}

/** A datagram: `header.count` is written as given (a collector trusts it). */
export function encodeNetflowV5(header: NetflowV5Header, records: readonly NetflowV5Record[]): Uint8Array {
  const out = new Uint8Array(NETFLOW_V5_HEADER_LEN + NETFLOW_V5_RECORD_LEN * records.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, header.version);
  v.setUint16(2, header.count);
  v.setUint32(4, header.sysUptime >>> 0);
  v.setUint32(8, header.unixSecs >>> 0);
  v.setUint32(12, header.unixNsecs >>> 0);
  v.setUint32(16, header.flowSeq >>> 0);
  v.setUint8(20, header.engineType);
  v.setUint8(21, header.engineId);
  v.setUint16(22, header.samplingInterval);
  records.forEach((r, i) => {
    const o = NETFLOW_V5_HEADER_LEN + NETFLOW_V5_RECORD_LEN * i;
    v.setUint32(o, r.srcAddr >>> 0);
    v.setUint32(o + 4, r.dstAddr >>> 0);
    v.setUint32(o + 8, r.nexthop >>> 0);
    v.setUint16(o + 12, r.input);
    v.setUint16(o + 14, r.output);
    v.setUint32(o + 16, r.packetCount >>> 0);
    v.setUint32(o + 20, r.byteCount >>> 0);
    v.setUint32(o + 24, r.initTime >>> 0);
    v.setUint32(o + 28, r.usedTime >>> 0);
    v.setUint16(o + 32, r.srcPort);
    v.setUint16(o + 34, r.dstPort);
    v.setUint8(o + 36, r.pad1);
    v.setUint8(o + 37, r.tcpFlags);
    v.setUint8(o + 38, r.ipProto);
    v.setUint8(o + 39, r.ipTos);
    v.setUint16(o + 40, r.srcAs);
    v.setUint16(o + 42, r.dstAs);
    v.setUint8(o + 44, r.srcMask);
    v.setUint8(o + 45, r.dstMask);
    v.setUint8(o + 46, r.pad[0]);
    v.setUint8(o + 47, r.pad[1]);
  });
  return out;
}

export interface DecodedNetflowV5 {
  /** null: the datagram is shorter than a header. */
  readonly header: NetflowV5Header | null;
  /** The whole records present, at most `header.count`. */
  readonly records: readonly NetflowV5Record[];
  /** Fewer whole records than `header.count`. */
  readonly truncated: boolean;
  /** Bytes after the last record `header.count` names. */
  readonly extra: number;
}

export function decodeNetflowV5(bytes: Uint8Array): DecodedNetflowV5 {
  if (bytes.length < NETFLOW_V5_HEADER_LEN) return { header: null, records: [], truncated: true, extra: 0 };
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header: NetflowV5Header = {
    version: v.getUint16(0),
    count: v.getUint16(2),
    sysUptime: v.getUint32(4),
    unixSecs: v.getUint32(8),
    unixNsecs: v.getUint32(12),
    flowSeq: v.getUint32(16),
    engineType: v.getUint8(20),
    engineId: v.getUint8(21),
    samplingInterval: v.getUint16(22),
  };
  const records: NetflowV5Record[] = [];
  let o = NETFLOW_V5_HEADER_LEN;
  for (let i = 0; i < header.count; i++, o += NETFLOW_V5_RECORD_LEN) {
    if (o + NETFLOW_V5_RECORD_LEN > bytes.length) return { header, records, truncated: true, extra: 0 };
    records.push({
      srcAddr: v.getUint32(o),
      dstAddr: v.getUint32(o + 4),
      nexthop: v.getUint32(o + 8),
      input: v.getUint16(o + 12),
      output: v.getUint16(o + 14),
      packetCount: v.getUint32(o + 16),
      byteCount: v.getUint32(o + 20),
      initTime: v.getUint32(o + 24),
      usedTime: v.getUint32(o + 28),
      srcPort: v.getUint16(o + 32),
      dstPort: v.getUint16(o + 34),
      pad1: v.getUint8(o + 36),
      tcpFlags: v.getUint8(o + 37),
      ipProto: v.getUint8(o + 38),
      ipTos: v.getUint8(o + 39),
      srcAs: v.getUint16(o + 40),
      dstAs: v.getUint16(o + 42),
      srcMask: v.getUint8(o + 44),
      dstMask: v.getUint8(o + 45),
      pad: [v.getUint8(o + 46), v.getUint8(o + 47)],
    });
  }
  return { header, records, truncated: false, extra: bytes.length - o };
}
