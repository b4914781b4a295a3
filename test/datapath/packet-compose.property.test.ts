/**
 * flowCompose and extractFlow agree: for random flows, the packet OVS's
 * flow_compose would build extracts to the flow on every field such a packet
 * carries (composedFlow, the model of that), and its checksums verify.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { vlanTpid, XLATE_FLOW_WORDS, XM } from "../../src/actions/xlate/odp-metadata.js";
import { composedFlow } from "../../src/datapath/flow-compose.js";
import { flowCompose } from "../../src/datapath/packet/compose.js";
import { csum, csumContinue, csumFinish, pseudoHeaderV4, pseudoHeaderV6 } from "../../src/datapath/packet/csum.js";
import { extractFlow } from "../../src/datapath/packet/extract.js";
import { M, writeMember } from "../../src/flowtable/flow-layout.js";
import { formatFlow } from "../../src/flowtable/flow-print.js";
import { propertyRuns } from "../../src/testing/runs.js";

const u = (bits: number): fc.Arbitrary<bigint> => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n });

const flowArb = fc
  .record({
    dlSrc: u(48),
    dlDst: u(48),
    dlType: fc.constantFrom(0x0800, 0x86dd, 0x0806, 0x8035, 0x05ff, 0x88cc, 0x0100, 0x8847, 0x8848),
    vlans: fc.constantFrom(0, 1, 2),
    tci0: u(16),
    tci1: u(16),
    tpid0: fc.constantFrom(0x8100, 0x88a8),
    nwSrc: u(32),
    nwDst: u(32),
    ipv6Src: u(128),
    ipv6Dst: u(128),
    label: u(20),
    proto: fc.constantFrom(6, 17, 1, 58, 132, 2, 47, 0),
    tos: u(8),
    ttl: u(8),
    frag: fc.constantFrom(0, 1, 3),
    tpSrc: u(16),
    tpDst: u(16),
    icmpType: fc.constantFrom(0n, 8n, 3n, 128n, 129n, 135n, 136n),
    icmpCode: fc.constantFrom(0n, 0n, 1n),
    tcpFlags: u(12),
    arpOp: fc.constantFrom(1n, 2n, 3n, 0n),
    sha: fc.oneof(fc.constant(0n), u(48)),
    tha: fc.oneof(fc.constant(0n), u(48)),
    target: u(128),
    // Label stack entries, each with a 1 in 3 chance of the bottom-of-stack bit.
    lses: fc.array(fc.tuple(u(32), fc.constantFrom(0n, 0n, 0x100n)), { minLength: 3, maxLength: 3 }),
  })
  .map((r) => {
    const f = new Uint32Array(XLATE_FLOW_WORDS);
    writeMember(f, M.dlSrc, r.dlSrc);
    writeMember(f, M.dlDst, r.dlDst);
    writeMember(f, M.dlType, BigInt(r.dlType));
    if (r.vlans >= 1) writeMember(f, M.vlanTci, r.tci0 | 0x1000n);
    if (r.vlans >= 2) writeMember(f, M.vlanTci1, r.tci1 | 0x1000n);
    writeMember(f, XM.vlanTpid, BigInt(r.tpid0));
    if (r.dlType === 0x0806 || r.dlType === 0x8035) {
      writeMember(f, M.nwProto, r.arpOp);
      writeMember(f, M.nwSrc, r.nwSrc);
      writeMember(f, M.nwDst, r.nwDst);
      writeMember(f, M.arpSha, r.sha);
      writeMember(f, M.arpTha, r.tha);
      return f;
    }
    if (r.dlType === 0x8847 || r.dlType === 0x8848) {
      const members = [M.mplsLse, M.mplsLse1, M.mplsLse2];
      r.lses.forEach(([v, bos], i) => writeMember(f, members[i]!, (v & ~0x100n) | bos));
      return f;
    }
    if (r.dlType === 0x0800) {
      writeMember(f, M.nwSrc, r.nwSrc);
      writeMember(f, M.nwDst, r.nwDst);
    } else if (r.dlType === 0x86dd) {
      writeMember(f, M.ipv6Src, r.ipv6Src);
      writeMember(f, M.ipv6Dst, r.ipv6Dst);
      writeMember(f, M.ipv6Label, r.label);
    } else return f;
    // IPv6 proto 0 would be a hop-by-hop header flow_compose does not write (extraction then fails, as in OVS).
    const v6 = r.dlType === 0x86dd;
    const proto = v6 && r.proto === 1 ? 58 : v6 && r.proto === 0 ? 59 : !v6 && r.proto === 58 ? 1 : r.proto;
    writeMember(f, M.nwProto, BigInt(proto));
    writeMember(f, M.nwTos, r.tos);
    writeMember(f, M.nwTtl, r.ttl);
    // OVS composes no IPv6 fragment header: IPv6 flows here are never fragments.
    writeMember(f, M.nwFrag, BigInt(r.dlType === 0x86dd ? 0 : r.frag));
    if (proto === 1 || proto === 58 || proto === 2) {
      writeMember(f, M.tpSrc, r.icmpType);
      writeMember(f, M.tpDst, r.icmpCode);
      if (proto === 58 && r.icmpCode === 0n && (r.icmpType === 135n || r.icmpType === 136n)) {
        writeMember(f, M.ndTarget, r.target);
        writeMember(f, M.arpSha, r.sha);
        writeMember(f, M.arpTha, r.tha);
      }
    } else {
      writeMember(f, M.tpSrc, r.tpSrc);
      writeMember(f, M.tpDst, r.tpDst);
      if (proto === 6) writeMember(f, M.tcpFlags, r.tcpFlags);
    }
    return f;
  });

describe("flowCompose / extractFlow", () => {
  it("extracting a composed packet gives back the flow's packet fields", () => {
    fc.assert(
      fc.property(flowArb, (flow) => {
        const pkt = flowCompose(flow);
        const got = new Uint32Array(XLATE_FLOW_WORDS);
        extractFlow(pkt, 7, got, 2);
        const want = composedFlow(flow, 7);
        // ND's first link-layer option type lands in tcp_flags (OVS's nd_options_type): not modelled by composedFlow.
        if (want[M.nwProto.word] !== undefined && got[M.tcpFlags.word] !== 0 && (got[M.nwProto.word]! >>> 24) === 58) {
          got[M.tcpFlags.word] = 0;
        }
        // A TPID of 0 reads as 0x8100: compare TPIDs by value.
        for (const i of [0, 1] as const) expect(vlanTpid(got, i)).toBe(vlanTpid(want, i));
        got[XM.vlanTpid.word] = want[XM.vlanTpid.word] = 0;
        expect(formatFlow(got)).toBe(formatFlow(want));
        expect(Array.from(got)).toEqual(Array.from(want));
      }),
      { numRuns: propertyRuns(500) },
    );
  });

  it("composed packets carry valid IPv4 and L4 checksums", () => {
    fc.assert(
      fc.property(flowArb, (flow) => {
        const pkt = flowCompose(flow);
        const key = new Uint32Array(XLATE_FLOW_WORDS);
        extractFlow(pkt, 1, key, 2);
        const b = pkt.bytes;
        const l3 = pkt.l3Ofs;
        const l4 = pkt.l4Ofs;
        const dlType = key[M.dlType.word]! >>> 16;
        if (dlType === 0x0800 && l3 !== 0xffff) {
          expect(csum(b, l3, 20)).toBe(0);
          const frag = key[M.nwFrag.word]! & 0xff;
          const proto = b[l3 + 9];
          const len = pkt.size - l4;
          if ((frag & 2) === 0 && (proto === 6 || proto === 17)) expect(csumFinish(csumContinue(pseudoHeaderV4(b, l3), b, l4, len))).toBe(0);
          if ((frag & 2) === 0 && proto === 1) expect(csum(b, l4, len)).toBe(0);
        } else if (dlType === 0x86dd && l3 !== 0xffff) {
          const proto = b[l3 + 6] ?? 0;
          const len = pkt.size - l4;
          if (proto === 6 || proto === 17 || proto === 58) {
            expect(csumFinish(csumContinue(pseudoHeaderV6(b, l3, proto, len), b, l4, len))).toBe(0);
          }
        }
      }),
      { numRuns: propertyRuns(300) },
    );
  });
});
