import { describe, expect, it } from "vitest";
import type { OdpTnlPushAction, TnlEncapHeader } from "../../src/actions/xlate/odp-tnl-push.js";
import { tnlPush } from "../../src/datapath/odp-execute.js";
import { buildIcmpEcho } from "../../src/datapath/packet/build.js";
import { M, readMember } from "../../src/flowtable/flow-layout.js";
import { tnlPop } from "../../src/datapath/odp-tnl-pop.js";

function push(encap: TnlEncapHeader, proto: number): OdpTnlPushAction {
  return {
    type: "tnl_push",
    tnlPort: 4789,
    eth: { dst: 0xaa55aa550002, src: 0xaa55aa550001, ethType: 0x0800 },
    ip: { version: 4, src: 0xac1f0001, dst: 0xac1f0002, proto, tos: 0, ttl: 64, fragOff: 0x4000 },
    encap,
    outPort: 1,
  };
}

describe("tnl_pop decapsulation", () => {
  const inner = buildIcmpEcho({ src: 0xfa163e0000a1, dst: 0xfa163e0000a2, srcIp: 0x0a000001, dstIp: 0x0a000002, seq: 1 });
  const cases: Array<[string, OdpTnlPushAction, bigint, bigint]> = [
    ["vxlan", push({ type: "vxlan", udp: { src: 0, dst: 4789, csum: 0 }, flags: 0x8000000, vni: 100 }, 17), 100n, 8n],
    ["gre with key", push({ type: "gre", flags: 0x2000, proto: 0x6558, csum: null, key: 200, seq: null }, 47), 200n, 8n],
    ["gre without key", push({ type: "gre", flags: 0, proto: 0x6558, csum: null, key: null, seq: null }, 47), 0n, 0n],
  ];
  for (const [name, action, tunId, flags] of cases) {
    it(`undoes tnl_push (${name}) and gives the tunnel metadata`, () => {
      const d = tnlPop(tnlPush(inner, action));
      expect(d).not.toBeNull();
      expect([...(d?.packet.data() ?? [])]).toEqual([...inner.data()]);
      const md = d?.metadata ?? new Uint32Array();
      expect([readMember(md, M.tunId), readMember(md, M.tunSrc), readMember(md, M.tunDst), readMember(md, M.tunFlags)]).toEqual([tunId, 0xac1f0001n, 0xac1f0002n, flags]);
    });
  }

  it("drops what is not a tunnel packet", () => {
    expect(tnlPop(inner)).toBeNull();
  });
});
