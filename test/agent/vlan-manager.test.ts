/**
 * The local VLAN manager and pool (src/agent/vlan-manager.ts): lvm
 * bookkeeping as vlanmanager.py, and the order in which real Neutron hands
 * out VLANs (fixtures/cloud: multi-network 1..5, unplug-reclaim 3 and 4
 * after 1 is given back).
 */
import { describe, expect, it } from "vitest";
import { hintKey, LocalVlanManager, LocalVlanPool } from "../../src/agent/vlan-manager.js";

describe("LocalVlanPool", () => {
  it("takes VLANs lowest first, one network after another (multi-network: 1..5)", () => {
    const pool = new LocalVlanPool();
    expect([1, 2, 3, 4, 5].map((n) => pool.take(`net-${n}/None`))).toEqual([1, 2, 3, 4, 5]);
  });

  it("does not hand a reclaimed VLAN out again at once (unplug-reclaim: 1 freed, then 3 and 4)", () => {
    const pool = new LocalVlanPool();
    expect([pool.take("a/1001"), pool.take("b/301")]).toEqual([1, 2]);
    pool.give(1);
    expect([pool.take("c/1003"), pool.take("d/302")]).toEqual([3, 4]);
  });

  it("gives a restarted agent's segments their old VLANs and returns unclaimed hints to the pool", () => {
    const pool = new LocalVlanPool();
    pool.restore(hintKey("net-a", "1001"), 7);
    pool.restore(hintKey("net-b", null), 3);
    expect(pool.take(hintKey("net-a", 1001))).toBe(7);
    expect(pool.take("other/None")).toBe(1);
    pool.disposeHints();
    expect(pool.available.has(3)).toBe(true);
    expect(pool.available.has(7)).toBe(false);
  });

  it("runs out after 4094 VLANs", () => {
    const pool = new LocalVlanPool();
    for (let i = 0; i < 4094; i++) expect(pool.take(`n${i}/None`)).toBeDefined();
    expect(pool.take("last/None")).toBeUndefined();
  });
});

describe("LocalVlanManager", () => {
  it("maps (network, segment) to an lvm, finds a port's segment, pops the network with its last segment", () => {
    const m = new LocalVlanManager();
    const lvm = m.add("net", 1, "vxlan", null, 1001);
    expect(() => m.add("net", 2, "vxlan", null, 1001)).toThrow(/already exists/);
    lvm.vifPorts.set("port-1", { portName: "tap1", ofport: 2, vifId: "port-1", vifMac: "fa:16:3e:00:00:01" });
    expect(m.getNetAndSegmentationId("port-1")).toEqual({ netId: "net", segmentationId: 1001 });
    expect(m.get("net", null)).toBeUndefined();
    expect(m.pop("net", 1001)).toBe(lvm);
    expect(m.has("net")).toBe(false);
  });

  it("follows a one-segment network's new segmentation id", () => {
    const m = new LocalVlanManager();
    m.add("net", 4, "vlan", "physnet1", 301);
    const r = m.updateSegmentationId("net", 302);
    expect(r?.old).toBe(301);
    expect(m.get("net", 302)?.vlan).toBe(4);
    expect(m.updateSegmentationId("net", 302)).toBeNull();
  });
});
