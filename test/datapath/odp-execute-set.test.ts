import { describe, expect, it } from "vitest";
import type { OdpAction } from "../../src/actions/xlate/odp-actions.js";
import { odpSet } from "../../src/actions/xlate/odp-set.js";
import { odpExecute } from "../../src/datapath/odp-execute.js";
import { recalcCsum16 } from "../../src/datapath/packet/packet-set.js";
import { csum, csumContinue, csumFinish, pseudoHeaderV4 } from "../../src/datapath/packet/csum.js";
import { flowCompose } from "../../src/datapath/packet/compose.js";
import { extractFlow, MAX_VLAN_HEADERS } from "../../src/datapath/packet/extract.js";
import type { Packet } from "../../src/datapath/packet/packet.js";
import { parseIpv6 } from "../../src/flowtable/field-values.js";
import { parseFlow } from "../../src/flowtable/flow-mod-parse.js";
import type { FlowMember } from "../../src/flowtable/flow-layout.js";
import { FLOW_WORDS, M, readMember, readSmall, W } from "../../src/flowtable/flow-layout.js";
import { badChecksums, sctpCrc } from "./odp-execute-set-check.js";

function packet(text: string): Packet {
  return flowCompose(parseFlow(text, "stats").match.key);
}

function exec(p: Packet, actions: OdpAction[]): Packet {
  const r = odpExecute(p, [...actions, { type: "output", port: 1 }]);
  expect(r.unhandled).toEqual([]);
  expect(r.outputs.length).toBe(1);
  return r.outputs[0]!.packet;
}

function flow(p: Packet): Uint32Array {
  const k = new Uint32Array(FLOW_WORDS);
  extractFlow(p, 0, k, MAX_VLAN_HEADERS);
  return k;
}

const get = (p: Packet, m: FlowMember): number => readSmall(flow(p), m);
const v6 = (s: string): bigint => parseIpv6(s) ?? 0n;
const words6 = (p: Packet, w: number): number[] => Array.from(flow(p).subarray(w, w + 4));
const in6Words = (s: string): number[] => {
  const v = v6(s);
  return [0, 1, 2, 3].map((i) => Number((v >> BigInt(96 - 32 * i)) & 0xffffffffn));
};

describe("recalcCsum16", () => {
  it("matches a checksum recomputed from scratch", () => {
    const b = Uint8Array.from([0x45, 0, 0, 0x54, 0x12, 0x34, 0x40, 0, 0x40, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
    const c = csum(b, 0, 20);
    b[10] = c >> 8;
    b[11] = c & 0xff;
    const c2 = recalcCsum16(c, 0x4006, 0x3f06);
    b[8] = 0x3f;
    b[10] = 0;
    b[11] = 0;
    expect(c2).toBe(csum(b, 0, 20));
  });
});

describe("set(ipv4)", () => {
  const TCP = "tcp,dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_tos=0x20,nw_ecn=1,nw_ttl=64,tp_src=1000,tp_dst=80";

  it("masked: src, dst, DSCP under mask (ECN kept), ttl; IP and TCP checksums follow", () => {
    const p = packet(TCP);
    const before = Array.from(p.data());
    const set = odpSet("ipv4", { src: 0xc0a80101, dst: 0x0b000002, tos: 0xb8, ttl: 9 }, { src: 0xffffffff, dst: 0xff000000, tos: 0xfc, ttl: 0xff });
    const out = exec(p, [set]);
    expect(Array.from(p.data())).toEqual(before); // the caller's packet is not edited
    expect(get(out, M.nwSrc)).toBe(0xc0a80101);
    expect(get(out, M.nwDst)).toBe(0x0b000002);
    expect(get(out, M.nwTos)).toBe(0xb9);
    expect(get(out, M.nwTtl)).toBe(9);
    expect(get(out, M.tpDst)).toBe(80);
    expect(badChecksums(p)).toEqual([]);
    expect(badChecksums(out)).toEqual([]);
  });

  it("unmasked: every field written (tos whole)", () => {
    const out = exec(packet(TCP), [odpSet("ipv4", { src: 1, dst: 2, proto: 6, tos: 0x02, ttl: 1 })]);
    expect([get(out, M.nwSrc), get(out, M.nwDst), get(out, M.nwTos), get(out, M.nwTtl)]).toEqual([1, 2, 2, 1]);
    expect(badChecksums(out)).toEqual([]);
  });

  it("UDP: the pseudo-header follows the addresses; a zero checksum stays zero", () => {
    const udp = "udp,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64,tp_src=53,tp_dst=5353";
    const set = odpSet("ipv4", { src: 0x01020304 }, { src: 0xffffffff });
    const out = exec(packet(udp), [set]);
    expect(get(out, M.nwSrc)).toBe(0x01020304);
    expect(badChecksums(out)).toEqual([]);
    const none = packet(udp);
    const l4 = none.l4Ofs;
    none.bytes[l4 + 6] = 0;
    none.bytes[l4 + 7] = 0;
    const out2 = exec(none, [set]);
    expect([out2.bytes[l4 + 6], out2.bytes[l4 + 7]]).toEqual([0, 0]);
    expect(csum(out2.bytes, 14, 20)).toBe(0);
  });

  it("ICMP: only the IP header checksum changes", () => {
    const p = packet("icmp,nw_src=10.0.0.1,nw_dst=10.0.0.2,icmp_type=8,icmp_code=0,nw_ttl=3");
    const out = exec(p, [odpSet("ipv4", { dst: 0x0a0000fe, ttl: 2 }, { dst: 0xffffffff, ttl: 0xff })]);
    expect(Array.from(out.bytes.subarray(34))).toEqual(Array.from(p.bytes.subarray(34)));
    expect(badChecksums(out)).toEqual([]);
  });

  it("after push_vlan, the IPv4 header is found behind the tag", () => {
    const out = exec(packet(TCP), [{ type: "push_vlan", tpid: 0x8100, tci: 0x1005 }, odpSet("ipv4", { ttl: 7 }, { ttl: 0xff })]);
    expect(get(out, M.vlanTci)).toBe(0x1005);
    expect(get(out, M.nwTtl)).toBe(7);
    expect(badChecksums(out)).toEqual([]);
  });

  it("a packet without IPv4 is left alone", () => {
    const p = packet("arp,arp_op=1,arp_spa=10.0.0.1,arp_tpa=10.0.0.2");
    const out = exec(p, [odpSet("ipv4", { ttl: 7 }, { ttl: 0xff })]);
    expect(Array.from(out.data())).toEqual(Array.from(p.data()));
  });
});

describe("set(ipv6)", () => {
  for (const proto of ["tcp6", "udp6", "icmp6,icmp_type=128,icmp_code=0"]) {
    it(`src, dst, label, tclass (masked), hlimit with the ${proto.split(",")[0]} checksum`, () => {
      const p = packet(`${proto},ipv6_src=2001:db8::1,ipv6_dst=2001:db8::2,ipv6_label=0x12345,nw_tos=0x20,nw_ecn=1,nw_ttl=64`);
      const set = odpSet(
        "ipv6",
        { src: v6("fe80::99"), dst: v6("2001:db8::aa:2"), label: 0xabcde, tclass: 0xb8, hlimit: 3 },
        { src: (1n << 128n) - 1n, dst: v6("ffff:ffff:ffff:ffff:ffff:ffff::"), label: 0xfffff, tclass: 0xfc, hlimit: 0xff },
      );
      const out = exec(p, [set]);
      expect(words6(out, W.IPV6_SRC)).toEqual(in6Words("fe80::99"));
      expect(words6(out, W.IPV6_DST)).toEqual(in6Words("2001:db8::2")); // the low 16 bits unmasked
      expect(get(out, M.ipv6Label)).toBe(0xabcde);
      expect(get(out, M.nwTos)).toBe(0xb9);
      expect(get(out, M.nwTtl)).toBe(3);
      expect(badChecksums(out)).toEqual([]);
    });
  }
});

describe("set(tcp/udp/sctp)", () => {
  it("TCP ports, masked and not, keep the checksum right", () => {
    const p = packet("tcp,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=1000,tp_dst=80");
    const out = exec(p, [odpSet("tcp", { src: 0x1200, dst: 0 }, { src: 0xff00, dst: 0 })]);
    expect([get(out, M.tpSrc), get(out, M.tpDst)]).toEqual([0x12e8, 80]);
    expect(badChecksums(out)).toEqual([]);
    const out2 = exec(p, [odpSet("tcp", { src: 1, dst: 2 })]);
    expect([get(out2, M.tpSrc), get(out2, M.tpDst)]).toEqual([1, 2]);
    expect(badChecksums(out2)).toEqual([]);
  });

  it("UDP ports over IPv6; a zero checksum stays zero; a computed zero becomes 0xffff", () => {
    const p = packet("udp6,ipv6_src=::1,ipv6_dst=::2,tp_src=1,tp_dst=2");
    const out = exec(p, [odpSet("udp", { src: 7, dst: 8 })]);
    expect([get(out, M.tpSrc), get(out, M.tpDst)]).toEqual([7, 8]);
    expect(badChecksums(out)).toEqual([]);

    const q = packet("udp,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=1,tp_dst=2");
    const l4 = q.l4Ofs;
    const len = q.size - l4;
    // The destination port that makes the checksum computed from scratch 0 (sent as 0xffff).
    let port = -1;
    const t = q.bytes.slice();
    for (let d = 0; d < 0x10000 && port < 0; d++) {
      t[l4 + 2] = d >> 8;
      t[l4 + 3] = d & 0xff;
      t[l4 + 6] = 0;
      t[l4 + 7] = 0;
      if (csumFinish(csumContinue(pseudoHeaderV4(t, 14), t, l4, len)) === 0) port = d;
    }
    expect(port).toBeGreaterThanOrEqual(0);
    const out2 = exec(q, [odpSet("udp", { src: 1, dst: port })]);
    expect([out2.bytes[l4 + 6], out2.bytes[l4 + 7]]).toEqual([0xff, 0xff]);
    expect(badChecksums(out2)).toEqual([]);

    q.bytes[l4 + 6] = 0;
    q.bytes[l4 + 7] = 0;
    const out3 = exec(q, [odpSet("udp", { src: 9, dst: 10 })]);
    expect([get(out3, M.tpSrc), get(out3, M.tpDst), out3.bytes[l4 + 6], out3.bytes[l4 + 7]]).toEqual([9, 10, 0, 0]);
  });

  it("SCTP ports: a correct CRC32c stays correct, a wrong one stays as wrong", () => {
    const p = packet("sctp,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=1,tp_dst=2");
    const l4 = p.l4Ofs;
    const len = p.size - l4;
    const crc = sctpCrc(p.bytes, l4, len);
    for (let i = 0; i < 4; i++) p.bytes[l4 + 8 + i] = (crc >>> (8 * i)) & 0xff;
    expect(badChecksums(p)).toEqual([]);
    const out = exec(p, [odpSet("sctp", { src: 5000, dst: 0x3800 }, { src: 0xffff, dst: 0xff00 })]);
    expect([get(out, M.tpSrc), get(out, M.tpDst)]).toEqual([5000, 0x3802]);
    expect(badChecksums(out)).toEqual([]);
    p.bytes[l4 + 8] = (p.bytes[l4 + 8] ?? 0) ^ 0x5a;
    const bad = exec(p, [odpSet("sctp", { src: 5000, dst: 3 })]);
    expect(badChecksums(bad)).toEqual(["sctp"]);
    const le = (b: Uint8Array): number => ((b[l4 + 8]! | (b[l4 + 9]! << 8) | (b[l4 + 10]! << 16) | (b[l4 + 11]! << 24)) >>> 0);
    expect((le(bad.bytes) ^ sctpCrc(bad.bytes, l4, len)) >>> 0).toBe(0x5a);
  });
});

describe("set(icmp/icmpv6)", () => {
  it("ICMP type and code with the checksum", () => {
    const out = exec(packet("icmp,icmp_type=8,icmp_code=0"), [odpSet("icmp", { type: 0, code: 3 })]);
    expect([get(out, M.tpSrc), get(out, M.tpDst)]).toEqual([0, 3]);
    expect(badChecksums(out)).toEqual([]);
  });

  it("ICMPv6 type and code with the checksum", () => {
    const out = exec(packet("icmp6,ipv6_src=::1,ipv6_dst=::2,icmp_type=128,icmp_code=0"), [odpSet("icmpv6", { type: 129, code: 0 })]);
    expect(get(out, M.tpSrc)).toBe(129);
    expect(badChecksums(out)).toEqual([]);
  });
});

describe("set(arp)", () => {
  it("sip, tip, op, sha, tha under masks", () => {
    const p = packet("arp,arp_op=1,arp_spa=10.0.0.1,arp_tpa=10.0.0.2,arp_sha=00:00:00:00:00:01,arp_tha=00:00:00:00:00:00");
    const set = odpSet(
      "arp",
      { sip: 0x0a000063, tip: 0x0a000001, op: 2, sha: 0xaabbccddeeff, tha: 0x000000000002 },
      { sip: 0xffffffff, tip: 0xffffffff, op: 0xffff, sha: 0xffffffffff00, tha: 0xffffffffffff },
    );
    const out = exec(p, [set]);
    const k = flow(out);
    expect([readSmall(k, M.nwSrc), readSmall(k, M.nwDst), readSmall(k, M.nwProto)]).toEqual([0x0a000063, 0x0a000001, 2]);
    expect(readMember(k, M.arpSha)).toBe(0xaabbccddee01n);
    expect(readMember(k, M.arpTha)).toBe(2n);
  });
});

describe("set(nd)", () => {
  it("NS: target and SLL, ICMPv6 checksum follows", () => {
    const p = packet("icmp6,ipv6_src=fe80::1,ipv6_dst=ff02::1:ff00:2,icmp_type=135,icmp_code=0,nd_target=fe80::2,nd_sll=00:00:00:00:00:01");
    const out = exec(p, [odpSet("nd", { target: v6("fe80::77"), sll: 0x0a0b0c0d0e0f, tll: 0 }, { target: (1n << 128n) - 1n, sll: 0xffffffffffff, tll: 0 })]);
    const k = flow(out);
    expect(Array.from(k.subarray(W.ND_TARGET, W.ND_TARGET + 4))).toEqual(in6Words("fe80::77"));
    expect(readMember(k, M.arpSha)).toBe(0x0a0b0c0d0e0fn);
    expect(badChecksums(out)).toEqual([]);
  });

  it("NA: unmasked set writes the TLL option (the first link-layer option only)", () => {
    const p = packet("icmp6,ipv6_src=fe80::2,ipv6_dst=fe80::1,icmp_type=136,icmp_code=0,nd_target=fe80::2,nd_tll=00:00:00:00:00:02");
    const out = exec(p, [odpSet("nd", { target: v6("fe80::2"), sll: 0x111111111111, tll: 0x222222222222 })]);
    const k = flow(out);
    expect(readMember(k, M.arpTha)).toBe(0x222222222222n);
    expect(readMember(k, M.arpSha)).toBe(0n);
    expect(badChecksums(out)).toEqual([]);
  });
});

describe("set(skb_priority / skb_mark) and set(eth)", () => {
  it("metadata is written (masked) and carried to the output and through push_vlan", () => {
    const p = packet("ip,nw_src=10.0.0.1");
    const out = exec(p, [
      odpSet("skb_priority", { value: 0x10005 }),
      odpSet("skb_mark", { value: 0xab00 }, { value: 0xff00 }),
      { type: "push_vlan", tpid: 0x8100, tci: 0x1001 },
    ]);
    expect([out.skbPriority, out.pktMark]).toEqual([0x10005, 0xab00]);
    expect([p.skbPriority, p.pktMark]).toEqual([0, 0]);
  });

  it("eth under a partial mask; a clone's edits stay in the clone", () => {
    const p = packet("ip,dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02");
    const r = odpExecute(p, [
      { type: "clone", actions: [odpSet("eth", { src: 0xaabbcc000000, dst: 0 }, { src: 0xffffff000000, dst: 0 }), { type: "output", port: 1 }] },
      { type: "output", port: 2 },
    ]);
    expect(readMember(flow(r.outputs[0]!.packet), M.dlSrc)).toBe(0xaabbcc000001n);
    expect(readMember(flow(r.outputs[1]!.packet), M.dlSrc)).toBe(1n);
    expect(readMember(flow(r.outputs[1]!.packet), M.dlDst)).toBe(2n);
  });
});
