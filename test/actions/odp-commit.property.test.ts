/**
 * Properties of commitOdpActions on random packets: `flow` and `base` are the
 * same packet (same ethertype, IP protocol, fragment type) with random
 * differences in the fields a datapath can rewrite. After a commit:
 * - `base` equals `flow` in every word (metadata words included);
 * - committing again appends nothing;
 * - a naive datapath that runs the emitted actions on the old `base` gets `flow`;
 * - masked sets carry values inside their masks, and `wc` only grows.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { OdpAction } from "../../src/actions/xlate/odp-actions.js";
import { commitOdpActions } from "../../src/actions/xlate/odp-commit.js";
import { XLATE_FLOW_WORDS, XM } from "../../src/actions/xlate/odp-metadata.js";
import type { OdpKeyAttr, OdpValue } from "../../src/actions/xlate/odp-set.js";
import { ODP_KEY_FIELDS } from "../../src/actions/xlate/odp-set.js";
import type { FlowMember } from "../../src/flowtable/flow-layout.js";
import { M, readMember, readSmall, writeMember } from "../../src/flowtable/flow-layout.js";
import { propertyRuns } from "../../src/testing/runs.js";

type Kind = "ipv4" | "ipv6" | "arp" | "other";

interface Packet {
  readonly kind: Kind;
  readonly proto: number;
  readonly frag: number;
}

const PROTOS_V4 = [1, 2, 6, 17, 132, 47];
const PROTOS_V6 = [58, 6, 17, 132, 47];

const packetArb: fc.Arbitrary<Packet> = fc.oneof(
  fc.record({ kind: fc.constant<Kind>("ipv4"), proto: fc.constantFrom(...PROTOS_V4), frag: fc.constantFrom(0, 1, 3) }),
  fc.record({ kind: fc.constant<Kind>("ipv6"), proto: fc.constantFrom(...PROTOS_V6), frag: fc.constantFrom(0, 1, 3) }),
  fc.record({ kind: fc.constant<Kind>("arp"), proto: fc.integer({ min: 1, max: 255 }), frag: fc.constant(0) }),
  fc.record({ kind: fc.constant<Kind>("other"), proto: fc.constant(0), frag: fc.constant(0) }),
);

/** Random bits for each member a packet of this kind lets the datapath rewrite. */
function writableMembers(p: Packet): FlowMember[] {
  const out: FlowMember[] = [M.dlSrc, M.dlDst, M.vlanTci, M.vlanTci1, XM.vlanTpid, XM.vlanTpid1, XM.skbPriority, M.pktMark];
  const ports = p.frag !== 3 && [6, 17, 132, 1, 58].includes(p.proto);
  if (p.kind === "ipv4") out.push(M.nwSrc, M.nwDst, M.nwTos, M.nwTtl);
  if (p.kind === "ipv6") out.push(M.ipv6Src, M.ipv6Dst, M.ipv6Label, M.nwTos, M.nwTtl);
  if (p.kind === "ipv6" && p.proto === 58) out.push(M.ndTarget, M.arpSha, M.arpTha);
  if ((p.kind === "ipv4" || p.kind === "ipv6") && ports) out.push(M.tpSrc, M.tpDst);
  if (p.kind === "arp") out.push(M.nwSrc, M.nwDst, M.nwProto, M.arpSha, M.arpTha);
  return out;
}

const DL_TYPE: Record<Kind, bigint> = { ipv4: 0x0800n, ipv6: 0x86ddn, arp: 0x0806n, other: 0x1234n };

function valueBits(p: Packet, m: FlowMember): bigint {
  if (m === M.ipv6Label) return 0xfffffn;
  if (m === XM.vlanTpid || m === XM.vlanTpid1) return 0xffffn;
  // ICMP type and code are 8 bits in the datapath's key.
  if ((m === M.tpSrc || m === M.tpDst) && (p.proto === 1 || p.proto === 58)) return 0xffn;
  return (1n << BigInt(m.bits)) - 1n;
}

const TPIDS = [0n, 0x8100n, 0x88a8n];

/** A translation flow for `p` with random values drawn from `seed` for the writable members. */
function makeFlow(p: Packet, values: readonly bigint[]): Uint32Array {
  const flow = new Uint32Array(XLATE_FLOW_WORDS);
  writeMember(flow, M.inPort, 1n);
  writeMember(flow, M.dlType, DL_TYPE[p.kind]);
  if (p.kind !== "other") writeMember(flow, M.nwProto, BigInt(p.proto));
  if (p.kind === "ipv4" || p.kind === "ipv6") writeMember(flow, M.nwFrag, BigInt(p.frag));
  writableMembers(p).forEach((m, i) => {
    const v = values[i] ?? 0n;
    if (m === XM.vlanTpid || m === XM.vlanTpid1) writeMember(flow, m, TPIDS[Number(v % 3n)] ?? 0n);
    else if (m === M.nwProto) writeMember(flow, m, (v % 255n) + 1n);
    else writeMember(flow, m, v & valueBits(p, m));
  });
  return flow;
}

const valuesArb = fc.array(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), { minLength: 20, maxLength: 20 });

/** Each member either keeps the flow's value or takes a new one. */
const caseArb = fc
  .tuple(packetArb, valuesArb, valuesArb, fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }), fc.boolean())
  .map(([p, fv, bv, keep, withWc]) => {
    const mixed = fv.map((v, i) => (keep[i] ? v : (bv[i] ?? 0n)));
    return { p, flow: makeFlow(p, fv), base: makeFlow(p, mixed), withWc };
  });

// ---- A naive datapath: runs set / push_vlan / pop_vlan on a translation flow.

const VLAN_CFI = 0x1000;

/** attr → field name → member, for the naive executor (frag and proto are never written). */
const FIELD_MEMBERS: Record<OdpKeyAttr, Record<string, FlowMember>> = {
  skb_priority: { "": XM.skbPriority },
  skb_mark: { "": M.pktMark },
  eth: { src: M.dlSrc, dst: M.dlDst },
  ipv4: { src: M.nwSrc, dst: M.nwDst, tos: M.nwTos, ttl: M.nwTtl },
  ipv6: { src: M.ipv6Src, dst: M.ipv6Dst, label: M.ipv6Label, tclass: M.nwTos, hlimit: M.nwTtl },
  tcp: { src: M.tpSrc, dst: M.tpDst },
  udp: { src: M.tpSrc, dst: M.tpDst },
  sctp: { src: M.tpSrc, dst: M.tpDst },
  icmp: { type: M.tpSrc, code: M.tpDst },
  icmpv6: { type: M.tpSrc, code: M.tpDst },
  arp: { sip: M.nwSrc, tip: M.nwDst, op: M.nwProto, sha: M.arpSha, tha: M.arpTha },
  nd: { target: M.ndTarget, sll: M.arpSha, tll: M.arpTha },
};

function execute(flow: Uint32Array, actions: readonly OdpAction[]): void {
  for (const a of actions) {
    if (a.type === "pop_vlan") {
      const inner = readMember(flow, M.vlanTci1);
      const innerTpid = readMember(flow, XM.vlanTpid1);
      writeMember(flow, M.vlanTci, (Number(readMember(flow, M.vlanTci)) & VLAN_CFI) !== 0 ? inner : 0n);
      writeMember(flow, XM.vlanTpid, innerTpid);
      writeMember(flow, M.vlanTci1, 0n);
      writeMember(flow, XM.vlanTpid1, 0n);
    } else if (a.type === "push_vlan") {
      writeMember(flow, M.vlanTci1, readMember(flow, M.vlanTci));
      writeMember(flow, XM.vlanTpid1, readMember(flow, XM.vlanTpid));
      writeMember(flow, M.vlanTci, BigInt(a.tci));
      writeMember(flow, XM.vlanTpid, BigInt(a.tpid));
    } else if (a.type === "set") {
      ODP_KEY_FIELDS[a.attr].forEach((f, i) => {
        const m = FIELD_MEMBERS[a.attr][f.name];
        if (m === undefined) return;
        const v = BigInt(a.values[i] ?? 0);
        const mask = BigInt(a.masks[i] ?? 0) & ((1n << BigInt(f.bits)) - 1n);
        writeMember(flow, m, (readMember(flow, m) & ~mask) | (v & mask));
      });
    }
  }
}

/** Compares VLAN TPIDs as the datapath sees them (0 is 0x8100) and only for present headers. */
function normalizeVlans(flow: Uint32Array): Uint32Array {
  const out = flow.slice();
  for (const [tci, tpid] of [
    [M.vlanTci, XM.vlanTpid],
    [M.vlanTci1, XM.vlanTpid1],
  ] as const) {
    const t = readMember(out, tpid);
    if (t === 0x8100n) writeMember(out, tpid, 0n);
    if ((readSmall(out, tci) & VLAN_CFI) === 0) {
      writeMember(out, tpid, 0n);
      writeMember(out, tci, 0n);
    }
  }
  // A header behind an absent outer header is invisible to the datapath.
  if ((readSmall(out, M.vlanTci) & VLAN_CFI) === 0) {
    writeMember(out, M.vlanTci1, 0n);
    writeMember(out, XM.vlanTpid1, 0n);
  }
  return out;
}

function isMaskedValueInMask(v: OdpValue, m: OdpValue): boolean {
  return (BigInt(v) & ~BigInt(m)) === 0n;
}

describe("commitOdpActions properties", () => {
  it("makes base equal flow, and a second commit adds nothing", () => {
    fc.assert(
      fc.property(caseArb, ({ flow, base: original, withWc }) => {
        const base = original.slice();
        const out: OdpAction[] = [];
        const wc = withWc ? new Uint32Array(XLATE_FLOW_WORDS) : undefined;
        commitOdpActions(flow, base, out, wc);
        expect(Array.from(base)).toEqual(Array.from(flow));
        const again: OdpAction[] = [];
        commitOdpActions(flow, base, again, wc);
        expect(again).toEqual([]);
      }),
      { numRuns: propertyRuns(300) },
    );
  });

  it("emits actions that a datapath runs from base to flow", () => {
    fc.assert(
      fc.property(caseArb, ({ flow, base: original, withWc }) => {
        const base = original.slice();
        const packet = original.slice();
        const out: OdpAction[] = [];
        const wc = withWc ? new Uint32Array(XLATE_FLOW_WORDS) : undefined;
        commitOdpActions(flow, base, out, wc);
        execute(packet, out);
        expect(Array.from(normalizeVlans(packet))).toEqual(Array.from(normalizeVlans(flow)));
        for (const a of out) {
          if (a.type !== "set" || !a.masked) continue;
          a.values.forEach((v, i) => expect(isMaskedValueInMask(v, a.masks[i] ?? 0)).toBe(true));
        }
      }),
      { numRuns: propertyRuns(300) },
    );
  });

  it("only adds bits to wc", () => {
    fc.assert(
      fc.property(caseArb, fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: XLATE_FLOW_WORDS, maxLength: XLATE_FLOW_WORDS }), ({ flow, base: original }, wcWords) => {
        const base = original.slice();
        const wc = Uint32Array.from(wcWords);
        const before = wc.slice();
        commitOdpActions(flow, base, [], wc);
        before.forEach((w, i) => expect(((wc[i] ?? 0) & w) >>> 0).toBe(w));
      }),
      { numRuns: propertyRuns(200) },
    );
  });
});
