import { describe, expect, it } from "vitest";
import { XLATE_FLOW_WORDS } from "../../src/actions/xlate/odp-metadata.js";
import { extractFlow } from "../../src/datapath/packet/extract.js";
import { Packet } from "../../src/datapath/packet/packet.js";
import { M, readMember, readSmall } from "../../src/flowtable/flow-layout.js";
import { messageLine } from "../../src/ryu/openflow-json.js";
import { parsePacket } from "../../src/ryu/packet-desc.js";
import { bytesEqual, formatPacket, formatWire } from "../../src/ryu/packet-compare.js";
import { encodePacket } from "../../src/ryu/packet-encode.js";
import { RyuSyntaxError, evalPy, seededRandInt } from "../../src/ryu/py-expr.js";

const TCP = [
  "ethernet(dst='22:22:22:22:22:22', src='12:11:11:11:11:11', ethertype=33024)",
  "vlan(pcp=3, cfi=0, vid=100, ethertype=2048)",
  "ipv4(tos=32, proto=6, src='192.168.10.10', dst='192.168.20.20', ttl=64)",
  "tcp(dst_port=2222, option=bytes(b'\\x00' * 4), src_port=11111)",
  "b'\\x01\\x02\\x03'",
];

describe("Ryu packet constructor strings", () => {
  it("evaluates the Python subset the corpus uses", () => {
    expect(evalPy("2 ** 48 - 1")).toBe(0xffffffffffffn);
    expect(evalPy("randint(0, 2 ** 48 - 1) & 0xfeffffffffff", seededRandInt(3))).toBeTypeOf("bigint");
    const b = evalPy("bytes(b'\\x11' * (1500 - 54))");
    expect(typeof b === "object" && "kind" in b && b.kind === "bytes" ? b.data.length : -1).toBe(1446);
  });

  it("parses layers with Ryu's defaults, in list or `/` form, with module prefixes", () => {
    const a = parsePacket(TCP);
    const b = parsePacket(
      "ethernet.ethernet(dst='22:22:22:22:22:22',src='12:11:11:11:11:11',ethertype=33024) / vlan.vlan(pcp=3,vid=100,ethertype=2048) / ipv4.ipv4(tos=32,proto=6,src='192.168.10.10',dst='192.168.20.20',ttl=64) / tcp.tcp(dst_port=2222,option=str('\\x00' * 4),src_port=11111) / b'\\x01\\x02\\x03'",
    );
    expect(a.map((l) => l.cls)).toEqual(["ethernet", "vlan", "ipv4", "tcp", "payload"]);
    expect(bytesEqual(encodePacket(a), encodePacket(b))).toBe(true);
    expect(formatPacket(a)).toContain("ipv4(version=4, tos=32");
    expect(encodePacket(a).length).toBe(14 + 4 + 20 + 24 + 3);
  });

  it("parses nested objects (ICMPv6 ND, IPv6 extension headers, SCTP chunks)", () => {
    const p = parsePacket([
      "ethernet(ethertype=34525)",
      "ipv6(dst='20::20',ext_hdrs=[hop_opts(nxt=51), auth(nxt=58)],flow_label=100, src='10::10', nxt=0, hop_limit=64)",
      "icmpv6(code=0,data=nd_neighbor(option=nd_option_sla(hw_src='22:22:22:22:22:22'),dst='20::20'),type_=135)",
    ]);
    // What OVS's flow extraction reads from the bytes: past the extension headers to ND.
    const key = new Uint32Array(XLATE_FLOW_WORDS);
    extractFlow(new Packet(encodePacket(p)), 1, key);
    expect(readSmall(key, M.nwProto)).toBe(58);
    expect(readSmall(key, M.tpSrc)).toBe(135);
    expect(readMember(key, M.arpSha)).toBe(0x222222222222n);
    expect(parsePacket("sctp(chunks=[chunk_data(payload_data=b'\\x01\\x23')], dst_port=2222)")[0]?.cls).toBe("sctp");
  });

  it("names the offending text and position", () => {
    expect(() => parsePacket("ethernet(dst='22:22:22:22:22:22', bogus=1)")).toThrow(/ethernet\(\) has no argument 'bogus' at position 0/);
    expect(() => parsePacket("ipv4(src='1.2.3')")).toThrow(/bad IPv4 address '1.2.3'/);
    expect(() => parsePacket("tcp(dst_port=22")).toThrow(RyuSyntaxError);
    expect(() => parsePacket("frob(x=1)")).toThrow(/unknown packet class 'frob'/);
    try {
      parsePacket("vlan(vid=1, pcp=$)");
    } catch (e) {
      expect((e as RyuSyntaxError).pos).toBe(16);
    }
  });
});

describe("Ryu OpenFlow messages and packet printing", () => {
  it("turns an OFPFlowMod into an ovs-ofctl line", () => {
    const line = messageLine(
      {
        OFPFlowMod: {
          table_id: 0,
          match: { OFPMatch: { oxm_fields: [{ OXMTlv: { field: "ipv4_src", value: "192.168.10.0", mask: "255.255.255.0" } }, { OXMTlv: { field: "in_port", value: 1 } }] } },
          instructions: [{ OFPInstructionGotoTable: { table_id: 1 } }, { OFPInstructionActions: { actions: [{ OFPActionPushVlan: { ethertype: 33024 } }, { OFPActionOutput: { port: 4294967293, max_len: 65535 } }], type: 4 } }],
        },
      },
      "OpenFlow13",
      "br0",
    );
    expect(line).toBe("ovs-ofctl -O OpenFlow13 add-flow br0 'table=0,ip_src=192.168.10.0/255.255.255.0,in_port=1,actions=push_vlan:0x8100,CONTROLLER,goto_table:1'");
  });

  it("prints bytes in hex with where they differ from the expected ones", () => {
    expect(formatWire(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 4))).toBe("3 bytes 010203 (differs from byte 2)");
    expect(formatWire(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe("2 bytes 0102");
  });
});
