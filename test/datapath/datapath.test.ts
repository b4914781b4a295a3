/**
 * Datapath port numbering, MAC learning on the virtual clock, and bridges as
 * translation sees them (ports, patch peers across bridges of one datapath).
 * Facts recorded from OVS 3.1: fixtures/appctl/dpif-show-*.ovs.
 */
import { describe, expect, it } from "vitest";
import { runLine } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";
import { Datapath, tunnelVportName } from "../../src/datapath/dpif.js";
import { formatMac, MacLearningTable, parseMac } from "../../src/datapath/mac-learning.js";

describe("datapath port numbers", () => {
  it("dummy datapaths number ports after the digits in their names", () => {
    const dp = new Datapath("dummy");
    expect(dp.addPort("br0", "dummy-internal")).toBe(100);
    expect(dp.addPort("p3", "system")).toBe(3);
    expect(dp.addPort("eth10x20", "system")).toBe(10);
    expect(dp.addPort("q3", "system")).toBe(1);
    expect(dp.addPort("br-int", "dummy-internal")).toBe(2);
    expect(dp.addPort(tunnelVportName("vxlan", 4789), "vxlan")).toBe(4789);
    expect(dp.addPort(tunnelVportName("gre", 0), "gre")).toBe(4);
  });

  it("the netdev datapath takes the lowest free number", () => {
    const dp = new Datapath("netdev");
    expect(["br0", "p7", "x"].map((n) => dp.addPort(n, "system"))).toEqual([1, 2, 3]);
    dp.removePort("p7");
    expect(dp.addPort("y", "system")).toBe(2);
  });

  it("a tunnel vport stays while some tunnel port uses it", () => {
    const dp = new Datapath("dummy");
    dp.attachTunnel("vxlan_sys_4789", "vxlan");
    dp.attachTunnel("vxlan_sys_4789", "vxlan");
    dp.detachTunnel("vxlan_sys_4789");
    expect(dp.port("vxlan_sys_4789")?.odpPort).toBe(4789);
    dp.detachTunnel("vxlan_sys_4789");
    expect(dp.port("vxlan_sys_4789")).toBeUndefined();
  });
});

describe("MAC learning", () => {
  const mac = parseMac("50:54:00:00:00:01") as number;

  it("ages entries out after the aging time, in whole seconds of the virtual clock", () => {
    const t = new MacLearningTable();
    expect(t.learn(mac, 0, 1, 900)).toBe(true);
    expect(t.list(200_000)[0]?.age).toBe(200);
    t.run(299_999);
    expect(t.lookup(mac, 0)).toBe(1);
    t.run(300_000);
    expect(t.lookup(mac, 0)).toBeNull();
  });

  it("reports moves, refreshes on relearn, never learns multicast sources", () => {
    const t = new MacLearningTable();
    t.learn(mac, 5, 1, 0);
    expect(t.learn(mac, 5, 1, 0)).toBe(false);
    expect(t.learn(mac, 5, 2, 1000)).toBe(true);
    expect(t.totalMoved).toBe(1);
    expect(t.learn(parseMac("01:00:5e:00:00:01") as number, 5, 1, 0)).toBe(false);
    expect(formatMac(mac)).toBe("50:54:00:00:00:01");
  });

  it("a shorter aging time shortens existing entries; it is clamped to 15..3600 s", () => {
    const t = new MacLearningTable();
    t.learn(mac, 0, 1, 0);
    t.setIdleTime(5);
    expect(t.idleTime).toBe(15);
    t.run(15_000);
    expect(t.size).toBe(0);
  });
});

describe("bridges as translation sees them", () => {
  function world(lines: string[]): Switch {
    const w = new Switch();
    for (const l of lines) expect(runLine(w, l).ok).toBe(true);
    return w;
  }

  it("ports carry ofport, datapath port, VLAN and tunnel configuration", () => {
    const w = world([
      "ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy",
      "ovs-vsctl add-port br0 p1 tag=10",
      "ovs-vsctl add-port br0 p2 trunks=20,30",
      "ovs-vsctl add-port br0 vx1 -- set interface vx1 type=vxlan options:remote_ip=10.0.0.2 options:key=flow",
    ]);
    const br = w.xlateBridge("br0");
    expect(br?.ports().map((p) => [p.name, p.ofport, p.odpPort])).toEqual([
      ["p1", 1, 1],
      ["p2", 2, 2],
      ["vx1", 3, 4789],
      ["br0", 65534, 100],
    ]);
    expect(br?.port(1)?.vlan).toEqual({ mode: "access", tag: 10, trunks: [] });
    expect(br?.port(2)?.vlan).toEqual({ mode: "trunk", tag: null, trunks: [20, 30] });
    expect(br?.port(3)?.tunnel).toEqual({ type: "vxlan", remoteIp: "10.0.0.2", localIp: null, outKey: "flow", inKey: "flow", dstPort: 4789, outKeyPresent: true, ttl: 64, tos: 0, egressPktMark: null, csum: false, dfDefault: true });
  });

  it("patch peers resolve across bridges of the same datapath only", () => {
    const w = world([
      "ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy",
      "ovs-vsctl add-br br1 -- set bridge br1 datapath_type=dummy",
      "ovs-vsctl add-br br2",
      "ovs-vsctl add-port br0 a -- set interface a type=patch options:peer=b -- add-port br1 b -- set interface b type=patch options:peer=a",
      "ovs-vsctl add-port br0 c -- set interface c type=patch options:peer=d -- add-port br2 d -- set interface d type=patch options:peer=c",
    ]);
    const a = w.xlateBridge("br0")?.port(1);
    expect(a?.odpPort).toBeNull();
    expect(a?.patchPeer?.bridge.name).toBe("br1");
    expect(a?.patchPeer?.ofport).toBe(1);
    expect(w.xlateBridge("br0")?.port(2)?.patchPeer).toBeNull();
  });

  it("mod-port no-flood sets the port's noFlood bit", () => {
    const w = world(["ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy", "ovs-vsctl add-port br0 p1", "ovs-ofctl mod-port br0 p1 no-flood"]);
    expect(w.xlateBridge("br0")?.port(1)?.noFlood).toBe(true);
    runLine(w, "ovs-vsctl add-port br0 p2");
    expect(w.xlateBridge("br0")?.port(1)?.noFlood).toBe(true);
  });

  it("MAC entries expire on time/warp", () => {
    const w = world(["ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy", "ovs-vsctl add-port br0 p1"]);
    w.bridge("br0")?.macTable.learn(parseMac("50:54:00:00:00:01") as number, 0, 1, w.now);
    expect(runLine(w, "ovs-appctl fdb/show br0").stdout).toEqual([" port  VLAN  MAC                Age", "    1     0  50:54:00:00:00:01    0"]);
    runLine(w, "ovs-appctl time/warp 300000 1000");
    expect(runLine(w, "ovs-appctl fdb/show br0").stdout).toEqual([" port  VLAN  MAC                Age"]);
  });
});
