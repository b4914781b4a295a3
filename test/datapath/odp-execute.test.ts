import { describe, expect, it } from "vitest";
import type { OdpAction } from "../../src/actions/xlate/odp-actions.js";
import { odpExecute } from "../../src/datapath/odp-execute.js";
import { extractFlow } from "../../src/datapath/packet/extract.js";
import { packetFromHex } from "../../src/datapath/packet/packet.js";
import { csum } from "../../src/datapath/packet/csum.js";
import { M, readSmall } from "../../src/flowtable/flow-layout.js";
import { XLATE_FLOW_WORDS } from "../../src/actions/xlate/odp-metadata.js";

const INNER = "00000000000200000000000108004500002400004000400126d70a0000010a0000020800f7fd000100010000000000000000";

function inner() {
  const r = packetFromHex(INNER);
  if (!r.ok) throw new Error(r.error);
  return r.packet;
}

const push = (encap: "vxlan" | "gre"): OdpAction => ({
  type: "tnl_push",
  tnlPort: 4789,
  eth: { dst: 0xaa55aa550002, src: 0xaa55aa550001, ethType: 0x0800 },
  ip: { version: 4, src: 0xac1f0001, dst: 0xac1f0002, proto: encap === "gre" ? 47 : 17, tos: 0, ttl: 64, fragOff: 0x4000 },
  encap:
    encap === "gre"
      ? { type: "gre", flags: 0x2000, proto: 0x6558, csum: null, key: 0x1234, seq: null }
      : { type: "vxlan", udp: { src: 0, dst: 4789, csum: 0 }, flags: 0x08000000, vni: 0x64 },
  outPort: 2,
});

describe("odpExecute", () => {
  it("tnl_push prepends VXLAN headers with lengths and IPv4 checksum right", () => {
    const { outputs, unhandled } = odpExecute(inner(), [push("vxlan"), { type: "output", port: 1 }]);
    expect(unhandled).toEqual([]);
    expect(outputs.length).toBe(1);
    const out = outputs[0]!;
    expect(out.odpPort).toBe(1);
    expect(out.packet.size).toBe(50 + inner().size);
    const key = new Uint32Array(XLATE_FLOW_WORDS);
    extractFlow(out.packet, 1, key);
    expect(readSmall(key, M.nwSrc)).toBe(0xac1f0001);
    expect(readSmall(key, M.nwDst)).toBe(0xac1f0002);
    expect(readSmall(key, M.nwProto)).toBe(17);
    expect(readSmall(key, M.tpDst)).toBe(4789);
    expect(csum(out.packet.bytes, 14, 20)).toBe(0);
    const b = out.packet.bytes;
    expect((b[38]! << 8) | b[39]!).toBe(out.packet.size - 34);
  });

  it("tnl_push builds GRE with its key; clone keeps the original for later actions", () => {
    const { outputs } = odpExecute(inner(), [{ type: "clone", actions: [push("gre"), { type: "output", port: 1 }] }, { type: "output", port: 3 }]);
    expect(outputs.map((o) => [o.odpPort, o.packet.size])).toEqual([
      [1, 42 + inner().size],
      [3, inner().size],
    ]);
    expect(Array.from(outputs[0]!.packet.bytes.subarray(34, 42))).toEqual([0x20, 0, 0x65, 0x58, 0, 0, 0x12, 0x34]);
  });

  it("push_vlan / pop_vlan round-trip", () => {
    const { outputs } = odpExecute(inner(), [
      { type: "push_vlan", tpid: 0x8100, tci: 0x1000 | 5 },
      { type: "output", port: 1 },
      { type: "pop_vlan" },
      { type: "output", port: 2 },
    ]);
    const key = new Uint32Array(XLATE_FLOW_WORDS);
    extractFlow(outputs[0]!.packet, 1, key);
    expect(readSmall(key, M.vlanTci)).toBe(0x1005);
    expect(Array.from(outputs[1]!.packet.data())).toEqual(Array.from(inner().data()));
  });
});
