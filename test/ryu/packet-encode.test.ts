/**
 * The runner's Ryu serializer against Ryu's own: each expected hex string is
 * what ryu/lib/packet (faucetsdn/ryu d6cda4f, the corpus's commit) serializes
 * the description to, SCTP's CRC32c taken over the bytes as Python 2 Ryu did.
 * (All 257 distinct fixed packets of the corpus were checked the same way
 * when the serializer was written.)
 */
import { describe, expect, it } from "vitest";
import { toHex } from "../../src/datapath/packet/packet.js";
import { RyuEncodeError } from "../../src/ryu/encode-util.js";
import { parsePacket } from "../../src/ryu/packet-desc.js";
import { encodePacket } from "../../src/ryu/packet-encode.js";

const ETH = (type: number): string => `ethernet(dst='22:22:22:22:22:22', src='12:11:11:11:11:11', ethertype=${type})`;
const hex = (layers: readonly string[]): string => toHex(encodePacket(parsePacket(layers)));

describe("Ryu packet serializer", () => {
  it("computes IPv4, UDP lengths and checksums, and pads Ethernet to 60 bytes", () => {
    expect(hex([ETH(33024), "vlan(pcp=3, cfi=0, vid=100, ethertype=2048)", "ipv4(tos=32, proto=17, src='192.168.10.10', dst='192.168.20.20', ttl=64)", "udp(dst_port=2222, src_port=11111)", "b'\\x01\\x02\\x03'"])).toBe(
      "2222222222221211111111118100606408004520001f000000004011db3fc0a80a0ac0a814142b6708ae000b28520102030000000000000000000000",
    );
  });

  it("computes an ICMP checksum over the message (explicit csum=0 means computed)", () => {
    expect(hex([ETH(2048), "ipv4(tos=32, proto=1, src='192.168.10.10', dst='192.168.20.20', ttl=64)", "icmp(code=0,csum=0,data=echo(data=b'\\x01\\x23\\x45\\x67\\x89\\xab\\xcd\\xef'),type_=8)"])).toBe(
      "222222222222121111111111080045200024000000004001db4ac0a80a0ac0a81414080059da000000000123456789abcdef00000000000000000000",
    );
  });

  it("computes SCTP's CRC32c over the header and chunks", () => {
    expect(hex([ETH(2048), "ipv4(tos=32, proto=132, src='192.168.10.10', dst='192.168.20.20', ttl=64)", "sctp(chunks=[chunk_data(payload_data=b'\\x01\\x23\\x45\\x67\\x89\\xab\\xcd\\xef')], dst_port=2222, src_port=11111)"])).toBe(
      "222222222222121111111111080045200038000000004084dab3c0a80a0ac0a814142b6708ae00000000c2a9f2df000000180000000000000000000000000123456789abcdef",
    );
  });

  it("writes IPv6 extension headers and ND options, the ICMPv6 pseudo-header taking ipv6.nxt as Ryu does", () => {
    expect(hex([ETH(34525), "ipv6(dst='20::20', ext_hdrs=[hop_opts(nxt=51), auth(nxt=58)], flow_label=100, src='10::10', nxt=0, hop_limit=64)", "icmpv6(code=0,data=nd_neighbor(option=nd_option_sla(hw_src='22:22:22:22:22:22'),dst='20::20'),type_=135)"])).toBe(
      "22222222222212111111111186dd6000006400380040001000000000000000000000000000100020000000000000000000000000002033000104000000003a020000000000000000000000000000870010d800000000002000000000000000000000000000200101222222222222",
    );
  });

  it("writes MPLS, I-TAG and a TCP segment's data offset and checksum", () => {
    expect(hex([ETH(34887), "mpls(bsb=1, label=100, exp=3, ttl=64)", "ipv6(dst='20::20', flow_label=100, src='10::10', nxt=6, hop_limit=64, traffic_class=32)", "tcp(dst_port=2222, option=bytes(b'\\x00' * 4), src_port=11111)", "b'\\x01\\x02\\x03'"])).toBe(
      "22222222222212111111111188470006474062000064001b064000100000000000000000000000000010002000000000000000000000000000202b6708ae0000000000000000600000006767000000000000010203",
    );
    expect(hex([ETH(35047), "itag(sid=100)", ETH(2054), "arp(dst_ip='192.168.20.20',dst_mac='22:22:22:22:22:22', opcode=1, src_ip='192.168.10.10',src_mac='12:11:11:11:11:11')"])).toBe(
      "22222222222212111111111188e70000006422222222222212111111111108060001080006040001121111111111c0a80a0a222222222222c0a81414000000000000000000000000000000000000",
    );
  });

  it("keeps explicit lengths and checksums", () => {
    const b = encodePacket(parsePacket([ETH(2048), "ipv4(proto=17, total_length=99)", "udp(csum=4660, total_length=7)"]));
    expect([b[16], b[17]]).toEqual([0, 99]);
    expect([b[38], b[39], b[40], b[41]]).toEqual([0, 7, 0x12, 0x34]);
  });

  it("refuses what Ryu could not serialize", () => {
    expect(() => encodePacket(parsePacket([ETH(2048), "ipv4(tos=256)"]))).toThrow(RyuEncodeError);
    expect(() => encodePacket(parsePacket([ETH(34887), "mpls()", "tcp()"]))).toThrow(/needs the IP header before it/);
  });
});
