/**
 * The sFlow v5 codec (src/vswitchd/sflow/sflow-wire.ts): decode(encode(x)) is x for datagrams
 * with every element type ovs-vswitchd sends, the XDR layout of the compact formats OVS's
 * library sends (sflow_receiver.c without SFL_USE_32BIT_INDEX), and the sizes the receiver
 * packs datagrams by (sflow.h's XDR sizes).
 */
import { describe, expect, it } from "vitest";
import type { SflowCountersSample, SflowDatagram, SflowFlowSample, SflowSample } from "../../src/vswitchd/sflow/sflow-wire.js";
import {
  decodeSflowDatagram,
  encodeSflowDatagram,
  sampleSize,
  SflowDecodeError,
  SFL_UNDEF,
  SFLCOUNTERS_APP_RESOURCES,
  SFLCOUNTERS_ETHERNET,
  SFLCOUNTERS_GENERIC,
  SFLCOUNTERS_LACP,
  SFLCOUNTERS_OPENFLOWPORT,
  SFLCOUNTERS_OVSDP,
  SFLCOUNTERS_PORTNAME,
  SFLFLOW_EX_IPV4_TUNNEL_EGRESS,
  SFLFLOW_EX_IPV4_TUNNEL_INGRESS,
  SFLFLOW_EX_MPLS,
  SFLFLOW_EX_SWITCH,
  SFLFLOW_EX_VNI_EGRESS,
  SFLFLOW_EX_VNI_INGRESS,
  SFLFLOW_HEADER,
  SFLOW_COUNTERS_SAMPLE,
  SFLOW_COUNTERS_SAMPLE_EXPANDED,
  SFLOW_FLOW_SAMPLE,
  SFLOW_FLOW_SAMPLE_EXPANDED,
} from "../../src/vswitchd/sflow/sflow-wire.js";
import { formatSflowDatagram, formatIpv6 } from "../../src/utilities/ovstest-sflow.js";
import { GlibcRandom } from "../../src/vswitchd/sflow/glibc-random.js";

const tunnel = { length: 0, protocol: 47, src: 0x01010158, dst: 0x0101015c, srcPort: 0, dstPort: 4789, tcpFlags: 0, tos: 1 };

const flow: SflowFlowSample = {
  format: SFLOW_FLOW_SAMPLE,
  sequence: 7,
  dsClass: 2,
  dsIndex: 1000,
  samplingRate: 400,
  samplePool: 2800,
  drops: 0,
  input: 1004,
  output: (0x80000000 | 2) >>> 0,
  elements: [
    { tag: SFLFLOW_EX_IPV4_TUNNEL_INGRESS, tunnel },
    { tag: SFLFLOW_EX_VNI_INGRESS, vni: 456 },
    { tag: SFLFLOW_EX_IPV4_TUNNEL_EGRESS, tunnel: { ...tunnel, protocol: 17 } },
    { tag: SFLFLOW_EX_VNI_EGRESS, vni: 0xffffff },
    { tag: SFLFLOW_EX_MPLS, nextHop: { type: 1, bytes: new Uint8Array(4) }, inStack: [], outStack: [(789 << 12) | (4 << 9) | 32, (11 << 12) | (3 << 9) | 0x100 | 64] },
    { tag: SFLFLOW_HEADER, protocol: 1, frameLength: 46, stripped: 4, header: Uint8Array.from({ length: 42 }, (_, i) => i) },
    { tag: SFLFLOW_EX_SWITCH, srcVlan: 5, srcPriority: 3, dstVlan: 9, dstPriority: 2 },
    { tag: 1234, raw: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) },
  ],
};

const counters: SflowCountersSample = {
  format: SFLOW_COUNTERS_SAMPLE,
  sequence: 2,
  dsClass: 0,
  dsIndex: 1003,
  elements: [
    {
      tag: SFLCOUNTERS_GENERIC,
      ifIndex: 1003,
      ifType: 6,
      ifSpeed: 100000000n,
      ifDirection: 0,
      ifStatus: 3,
      ifInOctets: 0x1_0000_0001n,
      ifInUcastPkts: 3,
      ifInMulticastPkts: SFL_UNDEF,
      ifInBroadcastPkts: SFL_UNDEF,
      ifInDiscards: SFL_UNDEF,
      ifInErrors: SFL_UNDEF,
      ifInUnknownProtos: SFL_UNDEF,
      ifOutOctets: 148n,
      ifOutUcastPkts: 2,
      ifOutMulticastPkts: SFL_UNDEF,
      ifOutBroadcastPkts: SFL_UNDEF,
      ifOutDiscards: SFL_UNDEF,
      ifOutErrors: SFL_UNDEF,
      ifPromiscuousMode: 0,
    },
    {
      tag: SFLCOUNTERS_LACP,
      actorSystemId: Uint8Array.of(0x11, 0x22, 0x33, 0x44, 0x55, 0x66),
      partnerSystemId: new Uint8Array(6),
      attachedAggId: 3333,
      portState: [0x7, 0xbf, 0, 0x2],
      lacpdusRx: 0,
      markerPdusRx: SFL_UNDEF,
      markerResponsePdusRx: SFL_UNDEF,
      unknownRx: SFL_UNDEF,
      illegalRx: 0,
      lacpdusTx: 2,
      markerPdusTx: SFL_UNDEF,
      markerResponsePdusTx: SFL_UNDEF,
    },
    { tag: SFLCOUNTERS_PORTNAME, name: Uint8Array.from("p2", (c) => c.charCodeAt(0)) },
    { tag: SFLCOUNTERS_OPENFLOWPORT, datapathId: 0xfedcba9876543210n, portNo: 2 },
    { tag: SFLCOUNTERS_ETHERNET, counters: new Array<number>(13).fill(SFL_UNDEF) },
  ],
};

const global: SflowSample = {
  format: SFLOW_COUNTERS_SAMPLE,
  sequence: 1,
  dsClass: 2,
  dsIndex: 1000,
  elements: [
    { tag: SFLCOUNTERS_OVSDP, nHit: 1, nMissed: 5, nLost: 0, nMaskHit: 0, nFlows: 5, nMasks: 3 },
    { tag: SFLCOUNTERS_APP_RESOURCES, userTime: 10, systemTime: 20, memUsed: 1n << 33n, memMax: (1n << 64n) - 1n, fdOpen: SFL_UNDEF, fdMax: SFL_UNDEF, connOpen: SFL_UNDEF, connMax: SFL_UNDEF },
  ],
};

const datagram: SflowDatagram = {
  agent: { type: 1, bytes: Uint8Array.of(127, 0, 0, 1) },
  subAgentId: 0,
  sequence: 3,
  uptimeMs: 2000,
  samples: [flow, counters, global, { format: 9, raw: Uint8Array.of(0, 0, 0, 1) }],
};

describe("sFlow v5 codec", () => {
  it("decodes what it encodes", () => {
    expect(decodeSflowDatagram(encodeSflowDatagram(datagram))).toEqual(datagram);
  });

  it("decodes the expanded formats into the same samples", () => {
    const expanded: SflowDatagram = {
      ...datagram,
      agent: { type: 2, bytes: Uint8Array.of(0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1) },
      samples: [
        { ...flow, format: SFLOW_FLOW_SAMPLE_EXPANDED },
        { ...counters, format: SFLOW_COUNTERS_SAMPLE_EXPANDED },
      ],
    };
    const bytes = encodeSflowDatagram(expanded);
    expect(decodeSflowDatagram(bytes)).toEqual(expanded);
    // 12 bytes more for the flow sample (class, index and the two port formats in words of their own), 4 for the counters.
    expect(sampleSize(expanded.samples[0] as SflowSample)).toBe(sampleSize(flow) + 12);
    expect(sampleSize(expanded.samples[1] as SflowSample)).toBe(sampleSize(counters) + 4);
  });

  it("lays out the compact formats as sflow_receiver.c does", () => {
    const one: SflowDatagram = { ...datagram, samples: [counters] };
    const b = encodeSflowDatagram(one);
    const w = (i: number): number => new DataView(b.buffer, b.byteOffset).getUint32(4 * i);
    // version, address type, address, sub-agent, sequence, uptime, samples.
    expect([w(0), w(1), w(2), w(3), w(4), w(5), w(6)]).toEqual([5, 1, 0x7f000001, 0, 3, 2000, 1]);
    // format 2, length, sequence, source id (class << 24 | index), elements.
    expect([w(7), w(8), w(9), w(10), w(11)]).toEqual([2, b.length - 36, 2, 1003, 5]);
    // The generic interface counters: tag 1, sflow.h's SFL_CTR_GENERIC_XDR_SIZE.
    expect([w(12), w(13), w(14)]).toEqual([1, 88, 1003]);
  });

  it("sizes samples by sflow.h's XDR sizes", () => {
    // 20 + (8 + 88) + (8 + 56) + (8 + 4 + 4) + (8 + 12) + (8 + 52).
    expect(sampleSize(counters)).toBe(276);
    // 20 + (8 + 24) + (8 + 40): the bridge's global counters.
    expect(sampleSize(global)).toBe(100);
  });

  it("rejects what is not a whole datagram", () => {
    const b = encodeSflowDatagram(datagram);
    expect(() => decodeSflowDatagram(b.subarray(0, b.length - 4))).toThrow(SflowDecodeError);
    const v4 = b.slice();
    v4[3] = 4;
    expect(() => decodeSflowDatagram(v4)).toThrow(SflowDecodeError);
  });
});

describe("test-sflow's text", () => {
  it("prints the samples it knows, fields in test-sflow.c's order", () => {
    const text = formatSflowDatagram(encodeSflowDatagram({ ...datagram, samples: [counters] }));
    expect(text.split("\n")[1]).toBe(
      "LACPCOUNTERS sysID=11:22:33:44:55:66 partnerID=00:00:00:00:00:00 aggID=3333 actorAdmin=0x7 actorOper=0xbf partnerAdmin=0x0 partnerOper=0x2 LACPDUsRx=0 markerPDUsRx=4294967295 markerRespPDUsRx=4294967295 unknownRx=4294967295 illegalRx=0 LACPDUsTx=2 markerPDUsTx=4294967295 markerRespPDUsTx=4294967295",
    );
    expect(text.split("\n").map((l) => l.split(" ")[0])).toEqual(["IFCOUNTERS", "LACPCOUNTERS", "OPENFLOWPORT", "PORTNAME", "ETHCOUNTERS", ""]);
  });

  it("reports a datagram it cannot read", () => {
    expect(formatSflowDatagram(Uint8Array.of(0, 0, 0, 5))).toMatch(/ERROR/);
  });

  it("writes IPv6 agents as inet_ntop does", () => {
    expect(formatIpv6(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1))).toBe("::1");
    expect(formatIpv6(Uint8Array.of(0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2))).toBe("fe80::1:0:0:2");
    expect(formatIpv6(Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1))).toBe("2001:db8:1::1");
  });
});

describe("glibc random()", () => {
  it("gives glibc's sequence for seed 1", () => {
    const r = new GlibcRandom(1);
    expect([r.next(), r.next(), r.next(), r.next(), r.next()]).toEqual([1804289383, 846930886, 1681692777, 1714636915, 1957747793]);
  });
});
