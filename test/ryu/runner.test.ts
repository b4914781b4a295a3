/**
 * The runner on hand-written cases in the corpus's format (no corpus needed):
 * packets go in as bytes through the datapath, verdicts read the bytes that
 * leave port 2 or reach the controller, as Ryu's tester compares them.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runLine } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";
import { parseHexBytes, toHex } from "../../src/datapath/packet/packet.js";
import type { Json } from "../../src/ryu/openflow-json.js";
import { runCase } from "../../src/ryu/runner.js";
import { SwitchIo } from "../../src/ryu/switch-io.js";

const hexBytes = (s: string): Uint8Array => parseHexBytes(s).bytes;

const ETH = (type: number): string => `ethernet(dst='22:22:22:22:22:22', src='12:11:11:11:11:11', ethertype=${type})`;
const IP4 = "ipv4(tos=32, proto=6, src='192.168.10.10', dst='192.168.20.20', ttl=64)";
const TCP = "tcp(dst_port=2222, option=bytes(b'\\x00' * 4), src_port=11111)";
const DATA = "b'\\x01\\x02\\x03\\x04\\x05\\x06\\x07\\x08\\x09\\x0a\\x0b\\x0c\\x0d\\x0e\\x0f\\x10'";
const ARP = "arp(dst_ip='192.168.20.20',dst_mac='22:22:22:22:22:22', opcode=1, src_ip='192.168.10.10',src_mac='12:11:11:11:11:11')";

const oxm = (field: string, value: Json): Json => ({ OXMTlv: { field, value } });
function flow(fields: Json[], actions: Json[], extra: { [k: string]: Json } = {}): Json {
  const instructions: Json[] = [{ OFPInstructionActions: { actions, type: 4 } }];
  if (typeof extra["goto"] === "number") instructions.push({ OFPInstructionGotoTable: { table_id: extra["goto"] } });
  if (typeof extra["meter"] === "number") instructions.unshift({ OFPInstructionMeter: { meter_id: extra["meter"] } });
  return { OFPFlowMod: { table_id: extra["table"] ?? 0, match: { OFPMatch: { oxm_fields: fields } }, instructions } };
}
const output = (port: number): Json => ({ OFPActionOutput: { port, max_len: 65535 } });
const run = (c: Json): string => {
  const r = runCase(c, "OpenFlow13", "unit.json", 1);
  return r.reason;
};

describe("Ryu runner (bytes through the datapath)", () => {
  it("passes an egress test whose bytes leave port 2 as expected", () => {
    const c: Json = {
      description: "push_vlan, set vid, output:2",
      prerequisite: [flow([oxm("eth_type", 2048)], [{ OFPActionPushVlan: { ethertype: 33024 } }, { OFPActionSetField: { field: { OXMTlv: { field: "vlan_vid", value: 4196 } } } }, output(2)])],
      tests: [{ ingress: [ETH(2048), IP4, TCP, DATA], egress: [ETH(33024), "vlan(vid=100, ethertype=2048)", IP4, TCP, DATA] }],
    };
    expect(run(c)).toBe("");
  });

  it("compares bytes: a popped tag leaves a 56-byte frame, not Ryu's padded 60 (real OVS 3.1 sends the same 56)", () => {
    const c = (pad: string[]): Json => ({
      description: "pop_vlan of a 60-byte frame",
      prerequisite: [flow([oxm("eth_type", 2054), { OXMTlv: { field: "vlan_vid", value: 4096, mask: 4096 } }], [{ OFPActionPopVlan: {} }, output(2)])],
      tests: [{ ingress: [ETH(33024), "vlan(vid=100, ethertype=2054)", ARP, ...pad], egress: [ETH(2054), ARP, ...pad] }],
    });
    expect(run(c([]))).toMatch(/^Received incorrect packet \(expected port 2: .*got port 2: 56 bytes .* \(differs from byte 56\)/);
    // The corpus pads such packets itself, so that both sides are 60 bytes and more.
    expect(run(c(["bytes(b'\\x00' * 18)"]))).toBe("");
  });

  it("reads packet-ins from the userspace(controller) action's bytes", () => {
    const c = (expect: "PACKET_IN" | "egress"): Json => ({
      description: "output:CONTROLLER",
      prerequisite: [flow([oxm("in_port", 1)], [output(4294967293)])],
      tests: [{ ingress: [ETH(2048), IP4, TCP, DATA], [expect]: [ETH(2048), IP4, TCP, DATA] }],
    });
    expect(run(c("PACKET_IN"))).toBe("");
    // The tester's words when the packet goes elsewhere: out of port 2 (the tester switch's packet-in), or nowhere.
    const to = (port: number): Json => ({ description: "output", prerequisite: [flow([oxm("in_port", 1)], [output(port)])], tests: [{ ingress: [ETH(2048), IP4, TCP, DATA], PACKET_IN: [ETH(2048), IP4, TCP, DATA] }] });
    expect(run(to(2))).toMatch(/^Received incorrect packet-in: SW\[tester\] /);
    expect(run(to(3))).toMatch(/^Receiving timeout: no packet-in\. /);
    expect(run(c("egress"))).toMatch(/^Received incorrect packet-in: SW\[target\] \(expected port 2: .*got packet-in \(reason 1\)/);
  });

  it("follows pop_mpls's recirculation for table-miss checks, as Ryu's table stats count it", () => {
    const prerequisite = (tpDst: number): Json[] => [
      flow([oxm("eth_type", 34887)], [{ OFPActionPopMpls: { ethertype: 2048 } }], { goto: 1 }),
      flow([oxm("eth_type", 2048), oxm("ip_proto", 6), oxm("tcp_dst", tpDst)], [output(2)], { table: 1 }),
    ];
    const tests: Json = [{ ingress: [ETH(34887), "mpls(bsb=1, label=100, exp=3, ttl=64)", IP4, TCP, DATA], "table-miss": [1] }];
    expect(run({ description: "miss in table 1", prerequisite: prerequisite(80), tests })).toBe("");
    expect(run({ description: "not looked up", prerequisite: prerequisite(80), tests: [{ ingress: [ETH(34887), "mpls(bsb=1, label=100, exp=3, ttl=64)", IP4, TCP, DATA], "table-miss": [2] }] })).toMatch(/^Table-miss error: no change in lookup_count\./);
    expect(run({ description: "hit in table 1", prerequisite: prerequisite(2222), tests })).toMatch(/^Table-miss error: increment in matched_count\. \(a flow of table 1 matched/);
  });

  it("sends select-group packets through hash and recirculation", () => {
    const c: Json = {
      description: "group select, one bucket",
      prerequisite: [
        { OFPGroupMod: { group_id: 1, type: 1, buckets: [{ OFPBucket: { weight: 1, actions: [output(2)] } }] } },
        flow([oxm("in_port", 1)], [{ OFPActionGroup: { group_id: 1 } }]),
      ],
      tests: [{ ingress: [ETH(2048), IP4, TCP, DATA], egress: [ETH(2048), IP4, TCP, DATA] }],
    };
    expect(run(c)).toBe("");
  });

  it("meters a throughput test on the virtual clock through the datapath's meters", () => {
    const c = (rate: number): Json => ({
      description: "200pktps through a drop meter",
      // With the burst flag and a burst_size, the meter reads back as sent (read-back.test.ts: without, it does not).
      prerequisite: [{ OFPMeterMod: { flags: 6, meter_id: 1, bands: [{ OFPMeterBandDrop: { rate, burst_size: rate } }] } }, flow([oxm("in_port", 1)], [output(2)], { meter: 1 })],
      tests: [
        {
          ingress: { packets: { data: [ETH(2048), "ipv4(proto=6)", "tcp()", "bytes(b'\\x11' * 100)"], pktps: 200, duration_time: 30 } },
          egress: { throughput: [{ OFPMatch: { oxm_fields: [oxm("in_port", 2)] }, pktps: 100 }] },
        },
      ],
    });
    expect(run(c(100))).toBe("");
    expect(run(c(150))).toMatch(/^Received unexpected throughput: port 2: expected 100 pktps, measured 15\d pktps/);
  });
});

describe("the runner's packet path against real OVS 3.1", () => {
  it("sends and packet-ins the bytes real OVS does after pop_mpls (fixtures/ryu/short-frames.ovs)", () => {
    const out = readFileSync(new URL("../../fixtures/ryu/short-frames.ovs.out", import.meta.url), "utf8").split("\n");
    const script = readFileSync(new URL("../../fixtures/ryu/short-frames.ovs", import.meta.url), "utf8").split("\n");
    const world = new Switch();
    for (const line of script) if (/^ovs-(vsctl|ofctl -O OpenFlow13 add-flow)/.test(line)) expect(runLine(world, line.replace(/ options:tx_pcap=\S+/, "")).ok).toBe(true);
    const io = new SwitchIo(world, "br0", "p1");
    const sent = script.filter((l) => l.includes("netdev-dummy/receive p1")).map((l) => l.split(" ").pop() ?? "");
    const [pin] = io.send(hexBytes(sent[0] ?? ""));
    expect(pin?.kind === "packet-in" ? pin.bytes.length : -1).toBe(Number(/total_len=(\d+)/.exec(out.join("\n"))?.[1]));
    const [egress] = io.send(hexBytes(sent[0] ?? ""), "p3");
    const pcap = out[out.indexOf(out.find((l) => l.startsWith("### ovs-pcap")) ?? "") + 1] ?? "";
    expect(egress?.kind === "output" ? toHex(egress.bytes) : "").toBe(pcap);
  });
});
