/**
 * The kernel datapath's tunnel pieces below translation: `set(tunnel(...))`
 * carried by the executor to the vport output (and kept inside a clone), the
 * tunnel key's text, and what a kernel tunnel device does with it
 * (src/datapath/tunnel-encap.ts: outer headers from the key, checksums with
 * the csum flag) undone by `tnlDecap` into the same key.
 */
import { describe, expect, it } from "vitest";
import type { OdpAction } from "../../src/actions/xlate/odp-actions.js";
import { formatOdpActions } from "../../src/actions/xlate/odp-actions.js";
import { formatTunnelKey, TNL_F, tunnelKey } from "../../src/actions/xlate/odp-tunnel.js";
import { odpExecute } from "../../src/datapath/odp-execute.js";
import { tnlDecap } from "../../src/datapath/odp-tnl-pop.js";
import { get16 } from "../../src/datapath/packet/bytes.js";
import { csumContinue, csumFinish, pseudoHeaderV4 } from "../../src/datapath/packet/csum.js";
import { packetFromHex } from "../../src/datapath/packet/packet.js";
import { encapsulate, vportKind } from "../../src/datapath/tunnel-encap.js";

const INNER = "00000000000200000000000108004500002400004000400126d70a0000010a0000020800f7fd000100010000000000000000";

function inner() {
  const r = packetFromHex(INNER);
  if (!r.ok) throw new Error(r.error);
  return r.packet;
}

const KEY = tunnelKey({ tunId: 0x3e9n, ipv4Src: 0xac1f0001, ipv4Dst: 0xac1f0002, tos: 0x10, ttl: 33, tpDst: 4789, flags: TNL_F.DF | TNL_F.KEY });
const ETH = { src: 0x525400000001, dst: 0x525400000002 };

describe("set(tunnel(...))", () => {
  it("prints as OVS's format_odp_tun_attr", () => {
    expect(formatTunnelKey(KEY)).toBe("tunnel(tun_id=0x3e9,src=172.31.0.1,dst=172.31.0.2,tos=0x10,ttl=33,tp_dst=4789,flags(df|key))");
    expect(formatTunnelKey(tunnelKey({ ipv4Dst: 0xc0000204, ttl: 64, tpDst: 6081 }))).toBe("tunnel(dst=192.0.2.4,ttl=64,tp_dst=6081,flags(0))");
    expect(formatTunnelKey(tunnelKey({ ipv6Dst: 0x20010db8000000000000000000000002n, ttl: 64, flags: TNL_F.DF | TNL_F.CSUM }))).toBe(
      "tunnel(ipv6_dst=2001:db8::2,ttl=64,flags(df|csum))",
    );
  });

  it("is the metadata each later output carries; a clone's stays in the clone", () => {
    const other = tunnelKey({ ...KEY, ipv4Dst: 0xac1f0003 });
    const actions: OdpAction[] = [
      { type: "output", port: 1 },
      { type: "set_tunnel", key: KEY },
      { type: "output", port: 4789 },
      { type: "clone", actions: [{ type: "set_tunnel", key: other }, { type: "output", port: 4789 }] },
      { type: "output", port: 4790 },
    ];
    expect(formatOdpActions(actions)).toBe(
      "1,set(tunnel(tun_id=0x3e9,src=172.31.0.1,dst=172.31.0.2,tos=0x10,ttl=33,tp_dst=4789,flags(df|key))),4789," +
        "clone(set(tunnel(tun_id=0x3e9,src=172.31.0.1,dst=172.31.0.3,tos=0x10,ttl=33,tp_dst=4789,flags(df|key))),4789),4790",
    );
    const r = odpExecute(inner(), actions);
    expect(r.unhandled).toEqual([]);
    expect(r.outputs.map((o) => [o.odpPort, o.tunnel === null ? null : o.tunnel.ipv4Dst])).toEqual([
      [1, null],
      [4789, 0xac1f0002],
      [4789, 0xac1f0003],
      [4790, 0xac1f0002],
    ]);
    // The bytes are untouched: the vport's device encapsulates.
    expect(r.outputs[1]!.packet.data()).toEqual(inner().data());
  });
});

describe("the kernel tunnel devices", () => {
  it("name their vports as netdev-vport does", () => {
    expect(vportKind("vxlan_sys_4789")).toEqual({ type: "vxlan", udpPort: 4789 });
    expect(vportKind("genev_sys_6081")).toEqual({ type: "geneve", udpPort: 6081 });
    expect(vportKind("gre_sys")).toEqual({ type: "gre", udpPort: 0 });
    expect(vportKind("p1")).toBeNull();
  });

  for (const [vport, flags] of [
    ["vxlan_sys_4789", TNL_F.DF | TNL_F.KEY],
    ["vxlan_sys_4790", TNL_F.CSUM | TNL_F.KEY],
    ["genev_sys_6081", TNL_F.DF | TNL_F.CSUM | TNL_F.KEY],
    ["gre_sys", TNL_F.DF | TNL_F.CSUM | TNL_F.KEY],
    ["gre_sys", 0],
  ] as const) {
    it(`${vport} with flags ${flags}: encapsulated and decapsulated back to the same key`, () => {
      const kind = vportKind(vport)!;
      const key = tunnelKey({ ...KEY, tpDst: 0, flags });
      const out = encapsulate(inner(), kind, key, ETH, key.ipv4Src)!;
      const b = out.data();
      expect(get16(b, 20)).toBe((flags & TNL_F.DF) !== 0 ? 0x4000 : 0);
      expect([b[15], b[22]]).toEqual([0x10, 33]);
      const l4 = 34;
      const end = 14 + get16(b, 16);
      if ((flags & TNL_F.CSUM) !== 0) {
        // A valid checksum sums to zero (with the UDP pseudo-header).
        const partial = kind.type === "gre" ? 0 : pseudoHeaderV4(b, 14);
        expect(csumFinish(csumContinue(partial, b, l4, end - l4))).toBe(0);
      }
      const d = tnlDecap(out, kind.type === "geneve" ? kind.udpPort : -1)!;
      expect(d.packet.data()).toEqual(inner().data());
      expect(d.tunnel.tunId).toBe((flags & TNL_F.KEY) !== 0 || kind.type !== "gre" ? 0x3e9n : 0n);
      expect([d.tunnel.ipv4Src, d.tunnel.ipv4Dst, d.tunnel.tos, d.tunnel.ttl]).toEqual([0xac1f0001, 0xac1f0002, 0x10, 33]);
      // No df on receive (neither the kernel nor OVS's pop sets it); key when there is one; csum as sent.
      const keyed = kind.type !== "gre" || (flags & TNL_F.KEY) !== 0;
      expect(d.tunnel.flags).toBe((keyed ? TNL_F.KEY : 0) | (flags & TNL_F.CSUM));
      if (kind.type !== "gre") expect(d.tunnel.tpDst).toBe(kind.udpPort);
    });
  }

  it("an IPv6 key is not encapsulated (IPv6 underlays are not modelled)", () => {
    expect(encapsulate(inner(), vportKind("vxlan_sys_4789")!, tunnelKey({ ipv6Dst: 1n, ttl: 64 }), ETH, 0)).toBeNull();
  });
});
