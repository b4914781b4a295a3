/**
 * Fuzzing the text entry points below the command lines: match text, action
 * text, whole flows (Switch.addFlow), datapath flow text (parseOdpFlow and
 * Switch.traceDatapathFlow), packets in hex (through a switch's datapath),
 * and Ryu's packet strings. Seeds are the fixtures' texts of each kind
 * (fuzz-support.ts), mutated with hostile names, numbers, characters and
 * nesting.
 *
 * (a) each gives a value or a typed error (an OvsimError, or OVS's error
 *     text in a result object); (b) what it builds is bounded by the input
 *     (printed sizes, frames sent, bytes encoded); (c) a refused flow leaves
 *     the switch as it was.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatActions } from "../../src/actions/action-text.js";
import { parseActionText } from "../../src/actions/action-parse.js";
import { parseOdpFlow } from "../../src/datapath/odp-flow-parse.js";
import { extractFlow } from "../../src/datapath/packet/extract.js";
import { packetFromHex } from "../../src/datapath/packet/packet.js";
import { XLATE_FLOW_WORDS } from "../../src/actions/xlate/odp-metadata.js";
import { OvsimError } from "../../src/flowtable/errors.js";
import { parseExactFlow } from "../../src/flowtable/exact-flow-parse.js";
import { parseFlow } from "../../src/flowtable/flow-mod-parse.js";
import { formatMatch } from "../../src/flowtable/match-format.js";
import { encodePacket } from "../../src/ryu/packet-encode.js";
import { CLASSES, parsePacket } from "../../src/ryu/packet-desc.js";
import { MAX_PY_BYTES } from "../../src/ryu/py-expr.js";
import { runLine } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";
import type { OfVersion } from "../../src/vswitchd/flow-mod-text.js";
import {
  ACTION_TEXTS,
  expectNoBugWords,
  expectUnchanged,
  FLOW_TEXTS,
  fuzzHexPacket,
  fuzzText,
  HEX_PACKETS,
  MATCH_TEXTS,
  ODP_FLOW_TEXTS,
  params,
  RUNS,
  snapshot,
  type Snapshot,
  timeoutFor,
  typed,
} from "./fuzz-support.js";

/** Printed text may be this much longer than the text it came from (a field's canonical name, a mask, `0x` hex...). */
const growth = (input: string): number => 4096 + 32 * input.length;

/** A switch with two bridges, dummy and patch ports, a group and a meter: the flows refer to them. */
function flowSwitch(): Switch {
  const sw = new Switch();
  for (const l of [
    "ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy",
    "ovs-vsctl add-port br0 p1 -- set interface p1 type=dummy ofport_request=1",
    "ovs-vsctl add-port br0 p2 -- set interface p2 type=dummy ofport_request=2",
    "ovs-vsctl add-port br0 patch-int -- set interface patch-int type=patch options:peer=patch-tun",
    "ovs-vsctl add-br br1 -- set bridge br1 datapath_type=dummy",
    "ovs-vsctl add-port br1 patch-tun -- set interface patch-tun type=patch options:peer=patch-int",
    "ovs-vsctl add-port br1 p3 -- set interface p3 type=dummy ofport_request=3",
    "ovs-ofctl -O OpenFlow13 add-meter br0 meter=1,kbps,band=type=drop,rate=1000",
    "ovs-ofctl -O OpenFlow15 add-group br0 group_id=1,type=select,bucket=output:1,bucket=output:2",
    "ovs-ofctl add-flow br0 priority=1,actions=NORMAL",
    "ovs-ofctl add-flow br1 priority=1,actions=NORMAL",
  ]) {
    const r = runLine(sw, l);
    if (!r.ok) throw new Error(`setup line failed: ${l}: ${r.stderr.join(" ")}`);
  }
  return sw;
}

/** Packets in the pipeline of FIXTURE flows: a switch whose br0 holds flows of every kind the fixtures add. */
function pipelineSwitch(): Switch {
  const sw = flowSwitch();
  for (const f of FLOW_TEXTS.slice(0, 400)) {
    try {
      sw.addFlow("br0", f, { version: 15 });
    } catch {
      // Flows that need another setup (their ports, tunnels) are left out.
    }
  }
  return sw;
}

const versions: readonly OfVersion[] = [10, 13, 15];

describe("fuzz: text entry points", () => {
  it(
    `match text: ${RUNS} texts parse (parseFlow, parseExactFlow) to a match or OVS's error`,
    () => {
      fc.assert(
        fc.property(fuzzText(MATCH_TEXTS), (text) => {
          const r = typed(text, () => parseFlow(text, "stats"));
          if (!(r instanceof OvsimError)) {
            const printed = formatMatch(r.match, r.priority);
            expect(printed.length).toBeLessThanOrEqual(growth(text));
            expectNoBugWords(text, [printed]);
          }
          const exact = typed(text, () => parseExactFlow(text));
          if (!(exact instanceof OvsimError) && !exact.ok) expect(typeof exact.error).toBe("string");
        }),
        params(),
      );
    },
    timeoutFor(0.5),
  );

  it(
    `actions text: ${RUNS} texts parse to actions or OVS's error, and print back`,
    () => {
      fc.assert(
        fc.property(fuzzText(ACTION_TEXTS), (text) => {
          const r = typed(text, () => parseActionText(text));
          if (r instanceof OvsimError) return;
          const printed = typed(text, () => formatActions(r.actions));
          if (typeof printed === "string") {
            expect(printed.length).toBeLessThanOrEqual(growth(text));
            expectNoBugWords(text, [printed]);
          }
        }),
        params(),
      );
    },
    timeoutFor(0.5),
  );

  it(
    `whole flows: ${RUNS} flows are added (Switch.addFlow) or refused with a typed error that changes nothing`,
    () => {
      let sw = flowSwitch();
      let n = 0;
      // After a refusal the state is the state before it (checked): it serves as the next "before".
      let current: Snapshot | null = null;
      fc.assert(
        fc.property(fuzzText(FLOW_TEXTS), fc.constantFrom(...versions), (text, version) => {
          if (++n % 100 === 0) {
            sw = flowSwitch();
            current = null;
          }
          const before = current ?? snapshot(sw);
          current = null;
          const r = typed(text, () => sw.addFlow("br0", text, { version }));
          if (r instanceof OvsimError) {
            current = snapshot(sw);
            expectUnchanged(text, before, current);
          } else for (const l of r) expect(l.length).toBeLessThanOrEqual(growth(text));
        }),
        params(),
      );
    },
    timeoutFor(3),
  );

  it(
    `datapath flow text: ${RUNS} texts parse (parseOdpFlow) and trace (Switch.traceDatapathFlow), or give OVS's error`,
    () => {
      const sw = flowSwitch();
      const names = new Map([
        ["p1", 1],
        ["p2", 2],
      ]);
      fc.assert(
        fc.property(fuzzText(ODP_FLOW_TEXTS), (text) => {
          const r = typed(text, () => parseOdpFlow(text, names));
          if (!(r instanceof OvsimError) && !r.ok) expect(r.error.startsWith("syntax error at ")).toBe(true);
          const t = typed(text, () => sw.traceDatapathFlow(text));
          if (!(t instanceof OvsimError)) {
            expect(t.text.join("\n").length).toBeLessThanOrEqual(1_000_000);
            expectNoBugWords(text, t.text);
          }
        }),
        params(),
      );
    },
    timeoutFor(2),
  );

  it(
    `packets in hex: ${RUNS} packets parse (packetFromHex), extract, and go through a switch's datapath, with a bounded number of frames out`,
    () => {
      let sw = pipelineSwitch();
      let frames = 0;
      const attach = (s: Switch): void => {
        for (const p of ["p1", "p2", "p3"]) s.attach(p, () => void frames++);
      };
      attach(sw);
      let n = 0;
      fc.assert(
        fc.property(fuzzHexPacket(HEX_PACKETS), fc.constantFrom("p1", "p2", "p3"), (text, port) => {
          if (++n % 500 === 0) {
            sw = pipelineSwitch();
            attach(sw);
          }
          const r = typed(text, () => packetFromHex(text));
          if (r instanceof OvsimError || !r.ok) return;
          typed(text, () => extractFlow(r.packet, 1, new Uint32Array(XLATE_FLOW_WORDS)));
          frames = 0;
          typed(text, () => sw.receive(port, r.packet.data()));
          // xlate's limits (resubmits, depth, recirculations) bound the copies a packet makes.
          expect(frames).toBeLessThanOrEqual(10_000);
        }),
        params(),
      );
    },
    timeoutFor(2),
  );

  it(
    `Ryu packet strings: ${RUNS} strings parse (parsePacket) and encode (encodePacket), or give a typed error`,
    () => {
      fc.assert(
        fc.property(fuzzText(RYU_PACKETS), (text) => {
          const layers = typed(text, () => parsePacket(text));
          if (layers instanceof OvsimError) return;
          const bytes = typed(text, () => encodePacket(layers));
          if (!(bytes instanceof OvsimError)) expect(bytes.length).toBeLessThanOrEqual(4 * MAX_PY_BYTES + 65_536);
        }),
        params(),
      );
    },
    timeoutFor(0.5),
  );
});

/** Each Ryu class with every argument given a small value: seeds whose numbers the mutations make hostile. */
function everyArgument(): string[] {
  const value = (kind: string): string | null =>
    kind === "int" ? "1" : kind === "mac" ? "'00:00:00:00:00:01'" : kind === "ipv4" ? "'10.0.0.1'" : kind === "ipv6" ? "'::1'" : kind === "bytes" ? "b'\\x00' * 4" : null;
  return [...CLASSES].map(([cls, args]) => {
    const given = [...args].flatMap(([name, arg]) => {
      const v = value(arg.kind);
      return v === null ? [] : [`${name}=${v}`];
    });
    return `ethernet(ethertype=2048) / ${cls}(${given.join(", ")})`;
  });
}

/** Ryu packet strings as the corpus writes them (src/ryu/packet-desc.ts): one per layer, or stacked with `/`. */
const RYU_PACKETS: readonly string[] = [
  ...everyArgument(),
  "ethernet(dst='22:22:22:22:22:22', src='12:11:11:11:11:11', ethertype=33024)",
  "vlan(pcp=3, cfi=0, vid=100, ethertype=2048)",
  "ipv4(tos=32, proto=6, src='192.168.10.10', dst='192.168.20.20', ttl=64)",
  "tcp(dst_port=2222, option=bytes(b'\\x00' * 4), src_port=11111)",
  "b'\\x01\\x02\\x03'",
  "ethernet.ethernet(dst='22:22:22:22:22:22',src='12:11:11:11:11:11',ethertype=33024) / vlan.vlan(pcp=3,vid=100,ethertype=2048) / ipv4.ipv4(tos=32,proto=6,src='192.168.10.10',dst='192.168.20.20',ttl=64) / tcp.tcp(dst_port=2222,option=str('\\x00' * 4),src_port=11111) / b'\\x01\\x02\\x03'",
  "ethernet(dst='ff:ff:ff:ff:ff:ff', src='12:11:11:11:11:11', ethertype=2054) / arp(hwtype=1, proto=2048, hlen=6, plen=4, opcode=1, src_mac='12:11:11:11:11:11', src_ip='10.0.0.1', dst_mac='00:00:00:00:00:00', dst_ip='10.0.0.2')",
  "ethernet(ethertype=34525) / ipv6(src='20::20', dst='10::10', nxt=58, hop_limit=255) / icmpv6(type_=135, data=nd_neighbor(dst='10::10', option=nd_option_sla(hw_src='12:11:11:11:11:11')))",
  "ethernet(ethertype=2048) / ipv4(proto=1) / icmp(type_=8, data=echo(id_=1, seq=2, data=bytes(b'\\x11' * (1500 - 54))))",
  "ethernet(ethertype=34887) / mpls(label=100, bos=1, ttl=64) / ipv4(proto=17) / udp(src_port=1, dst_port=2)",
  "ethernet(ethertype=2048) / ipv4(proto=132) / sctp(src_port=1, dst_port=2, chunks=[chunk_data(payload_data=b'\\x00' * 4)])",
  "ethernet(src=netaddr.EUI(randint(0, 2 ** 48 - 1) & 0xfeffffffffff)) / ipv4(src=netaddr.IPAddress(randint(1, 2 ** 32 - 2)))",
  "svlan(ethertype=33024, vid=10) / vlan(vid=20) / ipv6(ext_hdrs=[hop_opts(nxt=6)])",
];
