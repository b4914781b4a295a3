/**
 * Property (issue 3): executing the datapath actions that translation gives
 * for random packets and random header-rewriting OpenFlow actions, on the
 * bytes of `flowCompose(flow)`, yields a packet whose extracted flow is the
 * translation's final flow on every field a packet carries (composedFlow's
 * model), whose metadata (skb_priority, pkt_mark) is the final flow's, and
 * whose checksums all verify.
 *
 * Packets: Ethernet with 0-1 VLAN headers carrying TCP, UDP, SCTP, ICMP,
 * IPv4 first/later fragments, GRE (no L4 parsing), TCP6, UDP6, ICMPv6 echo,
 * ND NS (SLL only) and NA (TLL only), ARP. OVS's set(nd) rewrites only the
 * first link-layer option, so ND packets carry one, as real ones do.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { actionSemantics } from "../../src/actions/action-semantics.js";
import type { Action, ActionList } from "../../src/actions/action-types.js";
import { formatOdpActions } from "../../src/actions/xlate/odp-actions.js";
import { XLATE_FLOW_WORDS, XM } from "../../src/actions/xlate/odp-metadata.js";
import type { XlateBridge, XlatePort } from "../../src/actions/xlate/xlate-bridge.js";
import { xlate } from "../../src/actions/xlate/xlate.js";
import { composedFlow } from "../../src/datapath/flow-compose.js";
import { odpExecute } from "../../src/datapath/odp-execute.js";
import { flowCompose } from "../../src/datapath/packet/compose.js";
import { extractFlow, MAX_VLAN_HEADERS } from "../../src/datapath/packet/extract.js";
import type { FieldSpec } from "../../src/flowtable/fields.js";
import { fieldByName } from "../../src/flowtable/fields.js";
import { FLOW_WORDS, M, readSmall } from "../../src/flowtable/flow-layout.js";
import { parseFlow } from "../../src/flowtable/flow-mod-parse.js";
import { defaultFlowMod, FlowTables } from "../../src/flowtable/flow-tables.js";
import { badChecksums, sctpCrc } from "./odp-execute-set-check.js";
import { propertyRuns } from "../../src/testing/runs.js";

const f = (name: string): FieldSpec => {
  const s = fieldByName(name);
  if (s === undefined) throw new Error(name);
  return s;
};

function port(name: string, ofport: number): XlatePort {
  return {
    name,
    ofport,
    odpPort: ofport,
    type: "",
    patchPeer: null,
    vlan: { mode: "trunk", tag: null, trunks: [] },
    tunnel: null,
    noFlood: false,
    noForward: false,
    noReceive: false,
  };
}

/** br0 with ports 1 and 2; table 0 holds one flow: the actions, then output:2. */
function bridgeWith(actions: readonly Action[]): XlateBridge {
  const tables = new FlowTables<ActionList>(actionSemantics);
  const ports = [port("p1", 1), port("p2", 2)];
  const p = parseFlow("priority=1,actions=drop", "add");
  tables.apply(
    defaultFlowMod({ command: "add", match: p.match, priority: 1, tableId: 0, flags: p.flags, actions: [...actions, { type: "output", port: 2, maxLen: 0 }] }),
    0,
  );
  return { name: "br0", tables, failMode: "secure", port: (n) => ports.find((x) => x.ofport === n), ports: () => ports };
}

const u = (bits: number): fc.Arbitrary<number> => fc.integer({ min: 0, max: 2 ** bits - 1 });
const ip4 = u(32).map((v) => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join("."));
const mac = fc.array(u(8), { minLength: 6, maxLength: 6 }).map((b) => b.map((x) => x.toString(16).padStart(2, "0")).join(":"));
const ip6 = fc.array(u(16), { minLength: 8, maxLength: 8 }).map((w) => w.map((x) => x.toString(16)).join(":"));
const big = (bits: number): fc.Arbitrary<bigint> => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n });

/** Random packets as flow text. */
const arbPacket: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom("tcp", "udp", "sctp", "icmp", "frag-first", "frag-later", "gre", "tcp6", "udp6", "icmp6", "ns", "na", "arp"),
    fc.record({ src: mac, dst: mac, s4: ip4, d4: ip4, s6: ip6, d6: ip6, tp1: u(16), tp2: u(16), tos: u(6), ecn: u(2), ttl: u(8), label: u(20) }),
    fc.option(u(12), { nil: null }),
    fc.record({ target: ip6, lla: mac, arpOp: fc.constantFrom(1, 2) }),
  )
  .map(([kind, v, vlan, nd]) => {
    const l2 = `dl_src=${v.src},dl_dst=${v.dst}${vlan === null ? "" : `,dl_vlan=${vlan}`}`;
    const ip4Hdr = `nw_src=${v.s4},nw_dst=${v.d4},nw_tos=${v.tos << 2},nw_ecn=${v.ecn},nw_ttl=${v.ttl}`;
    const ip6Hdr = `ipv6_src=${v.s6},ipv6_dst=${v.d6},ipv6_label=${v.label},nw_tos=${v.tos << 2},nw_ecn=${v.ecn},nw_ttl=${v.ttl}`;
    const tp = `tp_src=${v.tp1},tp_dst=${v.tp2}`;
    switch (kind) {
      case "tcp":
      case "udp":
      case "sctp":
        return `${l2},${kind},${ip4Hdr},${tp}`;
      case "icmp":
        return `${l2},icmp,${ip4Hdr},icmp_type=${v.tp1 & 1 ? 8 : 3},icmp_code=${v.tp2 & 3}`;
      case "frag-first":
        return `${l2},udp,${ip4Hdr},ip_frag=first,${tp}`;
      case "frag-later":
        return `${l2},tcp,${ip4Hdr},ip_frag=later`;
      case "gre":
        return `${l2},ip,nw_proto=47,${ip4Hdr}`;
      case "tcp6":
      case "udp6":
        return `${l2},${kind},${ip6Hdr},${tp}`;
      case "icmp6":
        return `${l2},icmp6,${ip6Hdr},icmp_type=128,icmp_code=0`;
      case "ns":
        return `${l2},icmp6,${ip6Hdr},icmp_type=135,icmp_code=0,nd_target=${nd.target},nd_sll=${nd.lla}`;
      case "na":
        return `${l2},icmp6,${ip6Hdr},icmp_type=136,icmp_code=0,nd_target=${nd.target},nd_tll=${nd.lla}`;
      default:
        return `${l2},arp,arp_op=${nd.arpOp},arp_spa=${v.s4},arp_tpa=${v.d4},arp_sha=${v.src},arp_tha=${nd.lla}`;
    }
  });

const FIELDS: readonly [string, number][] = [
  ["eth_src", 48],
  ["eth_dst", 48],
  ["ip_src", 32],
  ["ip_dst", 32],
  ["ipv6_src", 128],
  ["ipv6_dst", 128],
  ["ipv6_label", 20],
  ["ip_dscp", 6],
  ["nw_ecn", 2],
  ["nw_ttl", 8],
  ["tcp_src", 16],
  ["tcp_dst", 16],
  ["udp_src", 16],
  ["udp_dst", 16],
  ["sctp_src", 16],
  ["sctp_dst", 16],
  ["icmp_type", 8],
  ["icmp_code", 8],
  ["icmpv6_code", 8],
  ["arp_spa", 32],
  ["arp_tpa", 32],
  ["arp_sha", 48],
  ["arp_tha", 48],
  ["nd_target", 128],
  ["nd_sll", 48],
  ["nd_tll", 48],
  ["pkt_mark", 32],
];

const arbSetField: fc.Arbitrary<Action> = fc
  .tuple(fc.constantFrom(...FIELDS), big(128), fc.oneof(fc.constant(-1n), big(128)))
  .map(([[name, bits], v, m]) => {
    const ones = (1n << BigInt(bits)) - 1n;
    const field = f(name);
    const mask = m < 0n || !field.maskable ? ones : m & ones;
    return { type: "set_field", field, value: v & ones & mask, mask, raw: "set_field" } as Action;
  });

const arbAction: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: arbSetField },
  { weight: 1, arbitrary: fc.constant({ type: "dec_ttl", ids: [0], withIds: false } as Action) },
  { weight: 1, arbitrary: u(6).map((d) => ({ type: "set_ip_dscp", dscp: d << 2 }) as Action) },
  // Below 256: OVS's mod_tp_src/dst writes all 16 bits of an ICMP packet's tp_src/dst too, where only 8 can be committed.
  { weight: 1, arbitrary: u(8).map((p) => ({ type: "set_l4_src_port", port: p }) as Action) },
  { weight: 1, arbitrary: u(8).map((p) => ({ type: "set_l4_dst_port", port: p }) as Action) },
  { weight: 1, arbitrary: u(3).map((q) => ({ type: "set_queue", queueId: q }) as Action) },
  { weight: 1, arbitrary: u(12).map((vid) => ({ type: "set_vlan_vid", vid, pushIfNeeded: true }) as Action) },
  { weight: 1, arbitrary: fc.constant({ type: "strip_vlan", pop: false } as Action) },
);

function isNd(flow: Uint32Array): boolean {
  const type = readSmall(flow, M.tpSrc);
  return readSmall(flow, M.nwProto) === 58 && readSmall(flow, M.tpDst) === 0 && (type === 135 || type === 136);
}

describe("datapath set actions execute what translation computed", () => {
  it("extract(execute(actions, compose(flow))) = final flow; checksums verify", () => {
    fc.assert(
      fc.property(arbPacket, fc.array(arbAction, { minLength: 1, maxLength: 6 }), (text, actions) => {
        const key = parseFlow(`in_port=1,${text}`, "stats").match.key;
        const r = xlate(bridgeWith(actions), key);
        const outs = r.odpActions.filter((a) => a.type === "output");
        if (r.error !== null || outs.length !== 1) return;
        // A rewrite that turns an ICMPv6 packet into ND or back changes what its bytes mean (the
        // payload would be read as target and options): no datapath action can make that packet.
        if (isNd(key) !== isNd(r.finalFlow)) return;
        const pkt = flowCompose(key);
        if (readSmall(key, M.nwProto) === 132 && pkt.l4Ofs !== 0xffff) {
          // flow_compose leaves SCTP's CRC32c zero: make it right, so that it must stay right.
          const crc = sctpCrc(pkt.bytes, pkt.l4Ofs, pkt.size - pkt.l4Ofs);
          for (let i = 0; i < 4; i++) pkt.bytes[pkt.l4Ofs + 8 + i] = (crc >>> (8 * i)) & 0xff;
        }
        const ctx = `${text} -> ${formatOdpActions(r.odpActions)}`;
        expect(badChecksums(pkt), ctx).toEqual([]);
        const ex = odpExecute(pkt, r.odpActions);
        expect(ex.unhandled, ctx).toEqual([]);
        const out = ex.outputs[0]!.packet;
        const got = new Uint32Array(XLATE_FLOW_WORDS);
        extractFlow(out, 1, got, MAX_VLAN_HEADERS);
        got[M.tcpFlags.word] = (got[M.tcpFlags.word] ?? 0) & ~(0xffff << M.tcpFlags.shift);
        const want = composedFlow(r.finalFlow, 1);
        want[M.tcpFlags.word] = (want[M.tcpFlags.word] ?? 0) & ~(0xffff << M.tcpFlags.shift);
        // Flow-key words only: the TPID words of a parsed flow are 0 (translation's unknown), the packet's 0x8100.
        expect(Array.from(got.subarray(0, FLOW_WORDS)), ctx).toEqual(Array.from(want.subarray(0, FLOW_WORDS)));
        expect(badChecksums(out), ctx).toEqual([]);
        expect(out.skbPriority, ctx).toBe(readSmall(r.finalFlow, XM.skbPriority));
        expect(out.pktMark, ctx).toBe(readSmall(r.finalFlow, M.pktMark));
      }),
      { numRuns: propertyRuns(300) },
    );
  });
});
