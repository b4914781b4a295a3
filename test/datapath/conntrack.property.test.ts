/**
 * Properties of the conntrack module (src/datapath/conntrack), each against
 * a small model written here from OVS's rules (lib/conntrack*.c), on random
 * addresses, ports, zones, protocols, sequence numbers and clocks:
 *
 * 1. The reply of a committed connection is +trk+est+rpl (UDP, ICMP echo,
 *    TCP SYN then SYN|ACK), in its zone only.
 * 2. An unsolicited TCP packet is +trk+inv when its flags are invalid
 *    (tcp_invalid_flags) or it is a SYN|ACK, else +trk+new: OVS's userspace
 *    conntrack picks up a connection from a bare ACK or RST (recorded in
 *    fixtures/conntrack/tcp-pickup-ack and tcp-unsolicited), so "non-SYN is
 *    invalid" is not OVS's rule; a SYN is always +new.
 * 3. A connection expires exactly at its state's timeout after its last
 *    packet: listed (timeout=0) 1 ms before, gone at the deadline, and its
 *    reply is no longer +est then.
 * 4. NAT is reversible: a reply to the NATted packet comes back, after
 *    ct(nat), with exactly the original packet's addresses and ports swapped
 *    (so its bytes, checksums included, equal a packet built that way).
 * 5. NAT never gives two live connections the same reply tuple.
 * 6. A connection's label is what its commits wrote, each `value | old & ~mask`
 *    (OVS's set_label), and every later packet of the connection, either
 *    direction, carries it as its ct_label, in its metadata and in the flow key
 *    a recirculation reads (writeCtFlowFields); other connections' packets
 *    carry 0.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { OdpCtAction, OdpNat } from "../../src/actions/xlate/odp-ct.js";
import { CT_DEFAULTS } from "../../src/actions/xlate/odp-ct.js";
import { Conntrack } from "../../src/datapath/conntrack/conntrack.js";
import { CS } from "../../src/datapath/conntrack/ct-consts.js";
import { labelValue } from "../../src/datapath/conntrack/ct-label.js";
import { writeCtFlowFields } from "../../src/datapath/conntrack/ct-metadata.js";
import { formatConntrackEntry } from "../../src/datapath/conntrack/ct-entry.js";
import { DpMeters } from "../../src/datapath/dp-meter.js";
import { odpExecute } from "../../src/datapath/odp-execute.js";
import { buildEthernet, buildIpv4, icmpMessage, tcpSegment, udpDatagram } from "../../src/datapath/packet/build.js";
import type { Packet } from "../../src/datapath/packet/packet.js";
import { toHex } from "../../src/datapath/packet/packet.js";
import { FLOW_WORDS, M, readMember } from "../../src/flowtable/flow-layout.js";
import { propertyRuns } from "../../src/testing/runs.js";

type Proto = "udp" | "tcp" | "icmp";

interface Tuple {
  readonly proto: Proto;
  readonly src: number;
  readonly dst: number;
  /** Ports, or the ICMP echo id in `sport`. */
  readonly sport: number;
  readonly dport: number;
}

const SYN = 0x02;
const ACK = 0x10;
const MAC_A = 0x505400000001;
const MAC_B = 0x505400000002;

function ct(a: Partial<OdpCtAction>): OdpCtAction {
  return { ...CT_DEFAULTS, ...a };
}

/** A packet of `t` (its first packet when `reply` is false, a reply with the tuple swapped otherwise). */
function packet(t: Tuple, o: { reply?: boolean; flags?: number; seq?: number; ack?: number; window?: number } = {}): Packet {
  const r = o.reply === true;
  const src = r ? t.dst : t.src;
  const dst = r ? t.src : t.dst;
  const sport = r ? t.dport : t.sport;
  const dport = r ? t.sport : t.dport;
  let l4: Uint8Array;
  let proto: number;
  if (t.proto === "udp") {
    l4 = udpDatagram(sport, dport, new Uint8Array([1, 2, 3, 4]));
    proto = 17;
  } else if (t.proto === "tcp") {
    l4 = tcpSegment(sport, dport, o.flags ?? (r ? SYN | ACK : SYN), { seq: o.seq ?? 1000, ack: o.ack ?? 0, window: o.window ?? 65535 });
    proto = 6;
  } else {
    l4 = icmpMessage(r ? 0 : 8, 0, (t.sport << 16) | 1, new Uint8Array([9, 9]));
    proto = 1;
  }
  return buildEthernet({ src: r ? MAC_B : MAC_A, dst: r ? MAC_A : MAC_B }, 0x0800, buildIpv4({ src, dst, proto }, l4));
}

const addr = fc.integer({ min: 1, max: 0xfffffffe }).map((a) => a >>> 0);
const port = fc.integer({ min: 1, max: 65535 });
const proto = fc.constantFrom<Proto>("udp", "tcp", "icmp");
const tuple: fc.Arbitrary<Tuple> = fc
  .record({ proto, src: addr, dst: addr, sport: port, dport: port })
  .filter((t) => t.src !== t.dst)
  .map((t) => (t.proto === "icmp" ? { ...t, dport: 0 } : t));
const zone = fc.integer({ min: 0, max: 65535 });

/** The packet of `t`'s reply to a SYN with sequence number `seq`, or the plain reply. */
function replyOf(t: Tuple, seq: number): Packet {
  return packet(t, { reply: true, seq: 5000, ack: (seq + 1) >>> 0 });
}

describe("conntrack properties", () => {
  it("1. the reply of a committed connection is +trk+est+rpl, in its zone only", () => {
    fc.assert(
      fc.property(tuple, zone, zone, fc.integer({ min: 0, max: 0xffffffff }), (t, z, other, seq) => {
        const c = new Conntrack();
        const first = c.execute(packet(t, { seq }), ct({ commit: true, zone: z }), 0);
        expect(first.ctState).toBe(CS.TRACKED | CS.NEW);
        const reply = c.execute(replyOf(t, seq), ct({ zone: z }), 0);
        expect(reply.ctState).toBe(CS.TRACKED | CS.ESTABLISHED | CS.REPLY_DIR);
        if (other !== z) {
          // Another zone never saw the connection: the reply is new there (a SYN|ACK invalid).
          const elsewhere = c.execute(replyOf(t, seq), ct({ zone: other }), 0);
          expect(elsewhere.ctState).toBe(CS.TRACKED | (t.proto === "tcp" ? CS.INVALID : t.proto === "icmp" ? CS.INVALID : CS.NEW));
        }
      }),
      { numRuns: propertyRuns(100) },
    );
  });

  it("2. an unsolicited TCP packet is +inv for invalid flags or SYN|ACK, else +new", () => {
    // The model: pf's flag rules as OVS applies them (tcp_invalid_flags, tcp_valid_new).
    const model = (f: number): number => {
      const syn = (f & 0x02) !== 0;
      const ackf = (f & 0x10) !== 0;
      const rst = (f & 0x04) !== 0;
      const fin = (f & 0x01) !== 0;
      const psh = (f & 0x08) !== 0;
      const urg = (f & 0x20) !== 0;
      const invalid = (syn && (rst || fin)) || (!syn && !ackf && !rst) || (!ackf && (fin || psh || urg)) || (syn && ackf);
      return CS.TRACKED | (invalid ? CS.INVALID : CS.NEW);
    };
    fc.assert(
      fc.property(tuple, fc.integer({ min: 0, max: 0xfff }), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), (t0, flags, seq, ack) => {
        const t: Tuple = { ...t0, proto: "tcp", dport: t0.dport || 1 };
        const c = new Conntrack();
        const m = c.execute(packet(t, { flags, seq, ack }), ct({ commit: true }), 0);
        expect(m.ctState).toBe(model(flags));
        // Committed only when +new.
        expect(c.size).toBe((m.ctState & CS.NEW) !== 0 ? 1 : 0);
      }),
      { numRuns: propertyRuns(100) },
    );
  });

  it("3. a connection expires exactly at its state's timeout after its last packet", () => {
    // The model: the userspace datapath's default timeout policy, in seconds.
    const scenarios = [
      { name: "udp, one packet", proto: "udp" as const, reply: false, timeout: 60 },
      { name: "udp, replied", proto: "udp" as const, reply: true, timeout: 30 },
      { name: "icmp, request", proto: "icmp" as const, reply: false, timeout: 60 },
      { name: "icmp, replied", proto: "icmp" as const, reply: true, timeout: 30 },
      { name: "tcp, SYN", proto: "tcp" as const, reply: false, timeout: 30 },
      { name: "tcp, SYN|ACK seen", proto: "tcp" as const, reply: true, timeout: 30 },
    ];
    fc.assert(
      fc.property(tuple, fc.constantFrom(...scenarios), fc.integer({ min: 0, max: 1e12 }), fc.integer({ min: 0, max: 20_000 }), (t0, s, t, gap) => {
        const tu: Tuple = { ...t0, proto: s.proto, dport: s.proto === "icmp" ? 0 : t0.dport || 1 };
        const c = new Conntrack();
        c.execute(packet(tu), ct({ commit: true }), t);
        let last = t;
        if (s.reply) {
          last = t + gap;
          c.execute(replyOf(tu, 1000), ct({}), last);
        }
        const deadline = last + s.timeout * 1000;
        const before = c.dump(deadline - 1).map((e) => formatConntrackEntry(e, { stats: true }));
        expect(before).toHaveLength(1);
        expect(before[0]).toContain(",timeout=0");
        expect(c.dump(deadline)).toHaveLength(0);
        const late = c.execute(replyOf(tu, 1000), ct({}), deadline);
        expect(late.ctState & CS.ESTABLISHED).toBe(0);
      }),
      { numRuns: propertyRuns(100) },
    );
  });

  const natArb: fc.Arbitrary<OdpNat> = fc
    .record({ kind: fc.constantFrom<"src" | "dst">("src", "dst"), a: addr, withPort: fc.boolean(), p: port })
    .map(({ kind, a, withPort, p }) => ({ kind, addrs: { v: 4 as const, min: a, max: 0 }, protoMin: withPort ? p : 0, protoMax: 0, persistent: false, hash: false, random: false }));

  /** The tuple a packet of `p` carries (addresses and ports read back from its bytes). */
  function tupleOf(p: Packet, proto: Proto): Tuple {
    const b = p.data();
    const u32 = (i: number): number => (((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0);
    const u16 = (i: number): number => (b[i]! << 8) | b[i + 1]!;
    if (proto === "icmp") return { proto, src: u32(26), dst: u32(30), sport: u16(38), dport: 0 };
    return { proto, src: u32(26), dst: u32(30), sport: u16(34), dport: u16(36) };
  }

  it("4. NAT is reversible: the reply comes back with the original tuple swapped, bytes and checksums exact", () => {
    fc.assert(
      fc.property(tuple, natArb, zone, (t, n, z) => {
        const c = new Conntrack();
        const env = { meters: new DpMeters(), now: 0, conntrack: c };
        const out = odpExecute(packet(t), [ct({ commit: true, zone: z, nat: n }), { type: "output", port: 2 }], 1, env).outputs[0]!.packet;
        const natted = tupleOf(out, t.proto);
        // The NATted packet is what the builder makes of its tuple: checksums updated right.
        expect(toHex(out.data())).toBe(toHex(packet(natted).data()));
        // The other end answers the NATted packet.
        const back = odpExecute(replyOf(natted, 1000), [ct({ zone: z, nat: { ...n, kind: null, addrs: null, protoMin: 0 } }), { type: "output", port: 1 }], 2, env)
          .outputs[0]!.packet;
        expect(back.ctState & (CS.ESTABLISHED | CS.REPLY_DIR)).toBe(CS.ESTABLISHED | CS.REPLY_DIR);
        expect(toHex(back.data())).toBe(toHex(replyOf(t, 1000).data()));
      }),
      { numRuns: propertyRuns(100) },
    );
  });

  it("5. NAT never gives two live connections the same reply tuple", () => {
    fc.assert(
      fc.property(fc.array(tuple, { minLength: 2, maxLength: 12 }), natArb, (ts, n) => {
        const c = new Conntrack();
        for (const t of ts) c.execute(packet({ ...t, dst: ts[0]!.dst, proto: "udp" }), ct({ commit: true, nat: n }), 0);
        const replies = c.dump(0).map((e) => formatConntrackEntry(e).replace(/^.*reply=/, ""));
        expect(new Set(replies).size).toBe(replies.length);
      }),
      { numRuns: propertyRuns(100) },
    );
  });

  const u128 = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });
  /** A label write: a random value under a mask of whole bytes, single bits or all ones. */
  const labelWrite = fc.record({
    value: u128,
    mask: fc.oneof(u128, fc.integer({ min: 0, max: 127 }).map((b) => 1n << BigInt(b)), fc.constant((1n << 128n) - 1n)),
  });

  it("6. every later packet of a connection carries the label its commits wrote", () => {
    fc.assert(
      fc.property(
        tuple,
        zone,
        fc.array(fc.record({ write: labelWrite, reply: fc.boolean() }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }),
        (t0, z, writes, later) => {
          const t: Tuple = { ...t0, proto: t0.proto === "tcp" ? "udp" : t0.proto };
          const c = new Conntrack();
          let model = 0n;
          const key = new Uint32Array(FLOW_WORDS);
          writes.forEach(({ write, reply }, i) => {
            // The first commit comes from the original direction (a reply alone would be another connection).
            const dir = i > 0 && reply;
            const md = c.execute(packet(t, { reply: dir, seq: 1000 }), ct({ commit: true, zone: z, label: { value: write.value & write.mask, mask: write.mask } }), i);
            model = (write.value & write.mask) | (model & ~write.mask);
            expect(labelValue(md.ctLabel)).toBe(model);
          });
          for (const [i, reply] of later.entries()) {
            const md = c.execute(packet(t, { reply, seq: 1000 }), ct({ zone: z }), writes.length + i);
            expect(labelValue(md.ctLabel)).toBe(model);
            writeCtFlowFields(md, key);
            expect(readMember(key, M.ctLabel)).toBe(model);
          }
          // Another connection (the source port moved, or another zone) has no label.
          const other = c.execute(packet({ ...t, sport: (t.sport % 65535) + 1 }), ct({ zone: z }), 99);
          writeCtFlowFields(other, key);
          expect(readMember(key, M.ctLabel)).toBe(0n);
        },
      ),
      { numRuns: propertyRuns(100) },
    );
  });
});
