/**
 * The NetFlow v5 codec (src/vswitchd/netflow/netflow-v5.ts): what encode writes, decode reads
 * back, field for field, and the byte layout of OVS's lib/netflow.h; and test-netflow's text of
 * a datagram (src/utilities/ovstest-netflow.ts) for records real OVS 3.1 sent
 * (fixtures/netflow/*.rec.json).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatNetflowDatagram, formatTcpFlags } from "../../src/utilities/ovstest-netflow.js";
import type { NetflowV5Header, NetflowV5Record } from "../../src/vswitchd/netflow/netflow-v5.js";
import { decodeNetflowV5, encodeNetflowV5, NETFLOW_V5_HEADER_LEN, NETFLOW_V5_RECORD_LEN, netflowV5Record } from "../../src/vswitchd/netflow/netflow-v5.js";

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });

const recordArb: fc.Arbitrary<NetflowV5Record> = fc.record({
  srcAddr: u32, dstAddr: u32, nexthop: u32, input: u16, output: u16, packetCount: u32, byteCount: u32,
  initTime: u32, usedTime: u32, srcPort: u16, dstPort: u16, pad1: u8, tcpFlags: u8, ipProto: u8, ipTos: u8,
  srcAs: u16, dstAs: u16, srcMask: u8, dstMask: u8, pad: fc.tuple(u8, u8),
});

function header(count: number, extra: Partial<NetflowV5Header> = {}): NetflowV5Header {
  return { version: 5, count, sysUptime: 0, unixSecs: 0, unixNsecs: 0, flowSeq: 0, engineType: 0, engineId: 0, samplingInterval: 0, ...extra };
}

describe("NetFlow v5 codec", () => {
  it("decode(encode(x)) is x, for any header and up to 30 records", () => {
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 30 }), u32, u32, u32, u32, u8, u8, u16, (records, up, secs, nsecs, seq, type, id, interval) => {
        const h = header(records.length, { sysUptime: up, unixSecs: secs, unixNsecs: nsecs, flowSeq: seq, engineType: type, engineId: id, samplingInterval: interval });
        const bytes = encodeNetflowV5(h, records);
        expect(bytes.length).toBe(NETFLOW_V5_HEADER_LEN + NETFLOW_V5_RECORD_LEN * records.length);
        const d = decodeNetflowV5(bytes);
        expect(d.header).toEqual(h);
        expect(d.records).toEqual(records);
        expect(d.truncated).toBe(false);
        expect(d.extra).toBe(0);
      }),
    );
  });

  it("writes lib/netflow.h's layout, big-endian", () => {
    const bytes = encodeNetflowV5(header(1, { sysUptime: 0x01020304, flowSeq: 7, engineType: 2, engineId: 1 }), [
      netflowV5Record({ srcAddr: 0xc0a80001, dstAddr: 0xc0a80002, input: 1, output: 0xffff, packetCount: 1, byteCount: 106, dstPort: 0x0800, ipProto: 1, ipTos: 0xa0 }),
    ]);
    const hex = Buffer.from(bytes).toString("hex");
    expect(hex.slice(0, 48)).toBe("0005000101020304" + "00000000" + "00000000" + "00000007" + "0201" + "0000");
    // src, dst, nexthop, input, output, packets, bytes, first, last, ports, pad1, flags, proto, tos, AS, masks, pad
    expect(hex.slice(48)).toBe("c0a80001c0a8000200000000" + "0001ffff" + "000000010000006a" + "0000000000000000" + "00000800" + "000001a0" + "00000000" + "0000" + "0000");
  });

  it("a datagram shorter than its count says is truncated; bytes after the last record are extra", () => {
    const two = encodeNetflowV5(header(2), [netflowV5Record({}), netflowV5Record({})]);
    expect(decodeNetflowV5(two.subarray(0, NETFLOW_V5_HEADER_LEN + NETFLOW_V5_RECORD_LEN + 5))).toMatchObject({ truncated: true });
    expect(decodeNetflowV5(two.subarray(0, 10)).header).toBeNull();
    const one = encodeNetflowV5(header(1), [netflowV5Record({}), netflowV5Record({})]);
    expect(decodeNetflowV5(one)).toMatchObject({ truncated: false, extra: NETFLOW_V5_RECORD_LEN });
  });
});

describe("test-netflow's text (print_netflow)", () => {
  it("prints records as real OVS's collector printed them", () => {
    // fixtures/netflow/active-timeout.rec.json: engine 204,5 (dummy datapath's default type), add_id_to_interface.
    const bytes = encodeNetflowV5(header(1, { sysUptime: 0, unixSecs: 12, unixNsecs: 5, engineType: 204, engineId: 5 }), [
      netflowV5Record({ srcAddr: 0xc0a80001, dstAddr: 0xc0a80002, input: 2561, output: 3071, packetCount: 1, byteCount: 54, srcPort: 1234, dstPort: 80, tcpFlags: 0x02, ipProto: 6, ipTos: 0xa0 }),
    ]);
    expect(formatNetflowDatagram(bytes)).toBe(
      "header: v5, uptime 0, now 12.000000005, seq 0, engine 204,5\n" +
        "seq 0: 192.168.0.1 > 192.168.0.2, if 2561 > 3071, 1 pkts, 54 bytes, TCP 1234 > 80 S, TOS a0, time 0...0\n",
    );
  });

  it("prints ICMP type:code from the destination port, other protocols by number with their ports", () => {
    const bytes = encodeNetflowV5(header(2, { flowSeq: 3, samplingInterval: 9 }), [
      netflowV5Record({ srcAddr: 0x0a000001, dstAddr: 0x0a000002, input: 2, output: 1, packetCount: 2, byteCount: 212, dstPort: 0x0000, ipProto: 1, initTime: 0, usedTime: 1000 }),
      netflowV5Record({ ipProto: 47, srcPort: 5, dstPort: 6, tcpFlags: 0x12, nexthop: 0x01020304, srcAs: 1, dstAs: 2, srcMask: 8, dstMask: 16, pad1: 1, pad: [0, 3] }),
    ]);
    expect(formatNetflowDatagram(bytes).split("\n")).toEqual([
      "header: v5, uptime 0, now 0.000000000, seq 3, engine 0,0, interval 9",
      "seq 3: 10.0.0.1 > 10.0.0.2, if 2 > 1, 2 pkts, 212 bytes, ICMP 0:0, time 0...1000",
      "seq 3: 0.0.0.0 > 0.0.0.0, if 0 > 0, 0 pkts, 0 bytes, proto 47, flags 12, src_port 5, dst_port 6, time 0...0, nexthop 1.2.3.4, AS 1 > 2, mask 8 > 16, pad1 1, pad 0, 3",
      "",
    ]);
  });

  it("names TCP flags as packet_format_tcp_flags", () => {
    expect(formatTcpFlags(0)).toBe("none");
    expect(formatTcpFlags(0x12)).toBe("S.");
    expect(formatTcpFlags(0xfff)).toBe("SFPRU.ECN[200][400][800]");
  });
});
