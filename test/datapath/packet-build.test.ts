/** Packet builders: frames extract to the flows they describe, with valid checksums. */
import { describe, expect, it } from "vitest";
import { XLATE_FLOW_WORDS } from "../../src/actions/xlate/odp-metadata.js";
import { buildArp, buildIcmpEcho, buildNd, buildTcp4, buildUdp4 } from "../../src/datapath/packet/build.js";
import { csum } from "../../src/datapath/packet/csum.js";
import { extractFlow } from "../../src/datapath/packet/extract.js";
import type { Packet } from "../../src/datapath/packet/packet.js";
import { packetFromHex, toHex } from "../../src/datapath/packet/packet.js";
import { formatFlow } from "../../src/flowtable/flow-print.js";

const eth = { src: 0x0a0b0c0d0e0f, dst: 0x000102030405 };
const flowOf = (p: Packet, limit = 1): string => {
  const k = new Uint32Array(XLATE_FLOW_WORDS);
  extractFlow(p, 1, k, limit);
  return formatFlow(k);
};

describe("packet builders", () => {
  it("buildIcmpEcho: IPv4 and ICMP checksums verify, flow as OVS prints it", () => {
    const p = buildIcmpEcho({ ...eth, srcIp: 0xc0a80001, dstIp: 0xc0a80002, ident: 0x1234, seq: 1 });
    expect(csum(p.bytes, p.l3Ofs, 20)).toBe(0);
    expect(csum(p.bytes, p.l4Ofs, p.size - p.l4Ofs)).toBe(0);
    expect(flowOf(p)).toBe(
      "icmp,in_port=1,vlan_tci=0x0000,dl_src=0a:0b:0c:0d:0e:0f,dl_dst=00:01:02:03:04:05,nw_src=192.168.0.1,nw_dst=192.168.0.2,nw_tos=0,nw_ecn=0,nw_ttl=64,nw_frag=no,icmp_type=8,icmp_code=0",
    );
  });
  it("buildArp, buildUdp4 with VLAN, buildTcp4, buildNd", () => {
    expect(flowOf(buildArp({ src: eth.src, dst: 0xffffffffffff }, 1, 0x0a000001, 0x0a000002))).toBe(
      "arp,in_port=1,vlan_tci=0x0000,dl_src=0a:0b:0c:0d:0e:0f,dl_dst=ff:ff:ff:ff:ff:ff,arp_spa=10.0.0.1,arp_tpa=10.0.0.2,arp_op=1,arp_sha=0a:0b:0c:0d:0e:0f,arp_tha=00:00:00:00:00:00",
    );
    expect(flowOf(buildUdp4({ ...eth, vlans: [{ tci: 5 }] }, { src: 1, dst: 2, tos: 4 }, 1000, 53))).toBe(
      "udp,in_port=1,dl_vlan=5,dl_vlan_pcp=0,vlan_tci1=0x0000,dl_src=0a:0b:0c:0d:0e:0f,dl_dst=00:01:02:03:04:05,nw_src=0.0.0.1,nw_dst=0.0.0.2,nw_tos=4,nw_ecn=0,nw_ttl=64,nw_frag=no,tp_src=1000,tp_dst=53",
    );
    expect(flowOf(buildTcp4(eth, { src: 1, dst: 2 }, 80, 1234, 0x12))).toContain("tp_src=80,tp_dst=1234,tcp_flags=syn|ack");
    const nd = buildNd(eth, [0xfe800000, 0, 0, 1], [0xff020000, 0, 1, 0xff000001], 135, [0xfe800000, 0, 0x2ff, 0xfe000001], 0x000000000002);
    expect(flowOf(nd)).toContain("icmp_type=135,icmp_code=0,nd_target=fe80::2ff:fe00:1,nd_sll=00:00:00:00:00:02,nd_tll=00:00:00:00:00:00");
  });
  it("hex round trip and OVS's hex errors", () => {
    const p = buildIcmpEcho({ ...eth, srcIp: 1, dstIp: 2 });
    const r = packetFromHex(toHex(p.data()));
    expect(r.ok && toHex(r.packet.data())).toBe(toHex(p.data()));
    expect(packetFromHex("00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d").ok).toBe(true);
    expect(packetFromHex("0001020304")).toEqual({ ok: false, error: "Packet data too short for Ethernet" });
    expect(packetFromHex("000102030405060708090a0b0c0")).toEqual({ ok: false, error: "Trailing garbage in packet data" });
  });
});
