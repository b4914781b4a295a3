/**
 * The bundled examples' pipelines built through the typed switch API alone
 * (no command lines), checked against what real OVS printed for the same
 * pipelines (fixtures/examples/*.ovs.out) and against `ovsim run` on the
 * scripts: the same flows, the same trace.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildUdp4 } from "../../src/datapath/packet/build.js";
import { FlowParseError } from "../../src/flowtable/errors.js";
import { runScript } from "../../src/utilities/run-script.js";
import { FlowModError } from "../../src/vswitchd/flow-mod-text.js";
import { OvsdbError, SwitchError, TraceError } from "../../src/vswitchd/errors.js";
import { Switch } from "../../src/vswitchd/switch.js";
import { goldenOutput } from "../support/golden-blocks.js";

const examples = new URL("../../fixtures/examples/", import.meta.url);
const read = (name: string): string => readFileSync(new URL(name, examples), "utf8");

/** What `ovsim run SCRIPT` printed for its command containing `fragment`. */
function ovsimOutput(script: string, fragment: string, n = 0): string[] {
  const hits = runScript(read(script)).lines.filter((l) => l.command.includes(fragment));
  return [...(hits[n]?.result.stdout ?? [])];
}

function quickstart(): { sw: Switch; log: readonly string[] } {
  const sw = new Switch();
  sw.addBridge("br0", { datapathType: "dummy" });
  sw.deleteFlows("br0");
  sw.addFlow("br0", "table=0,priority=100,ip,nw_src=10.0.0.0/255.255.255.0,actions=resubmit(,1)");
  sw.addFlow("br0", "table=0,priority=50,arp,actions=NORMAL");
  sw.addFlow("br0", "table=0,priority=0,actions=drop");
  sw.addFlow("br0", "table=1,priority=10,tcp,tp_dst=0x50,actions=output:2");
  sw.addFlow("br0", "table=1,priority=10,dl_vlan=5,udp,actions=output:3");
  sw.addFlow("br0", "table=1,cookie=0x2a,priority=5,ip,tp_dst=53,actions=LOCAL");
  const log = sw.addFlow("br0", "table=1,priority=1,tp_dst=22,actions=drop");
  return { sw, log };
}

describe("quickstart.ovs through the typed API", () => {
  it("dumps the flows real OVS dumped, in the same text as ovsim run", () => {
    const { sw, log } = quickstart();
    const golden = goldenOutput(read("quickstart.ovs.out"), "dump-flows br0", 0);
    const lines = sw.dumpFlows("br0").map((f) => ` ${f.text}`);
    expect([...lines].sort()).toEqual([...golden].sort());
    expect([...lines].sort()).toEqual(ovsimOutput("quickstart.ovs", "dump-flows br0", 0).sort());
    // OVS's normalization log for tp_dst without a transport protocol.
    expect(log).toEqual(goldenOutput(read("quickstart.ovs.out"), "tp_dst=22"));
  });

  it("reads flows as typed views", () => {
    const { sw } = quickstart();
    const dns = sw.dumpFlows("br0", "table=1").find((f) => f.cookie === 0x2an);
    expect(dns).toMatchObject({ tableId: 1, priority: 5, match: "ip", actions: "LOCAL", nPackets: 0 });
  });

  it("deletes by cookie as del-flows does", () => {
    const { sw } = quickstart();
    sw.deleteFlows("br0", "cookie=0x2a/-1");
    const golden = goldenOutput(read("quickstart.ovs.out"), "dump-flows br0 table=1");
    expect(sw.dumpFlows("br0", "table=1").map((f) => ` ${f.text}`).sort()).toEqual([...golden].sort());
  });
});

function tracePipeline(): Switch {
  const sw = new Switch();
  sw.addBridge("br0", { datapathType: "dummy" });
  sw.addBridge("br1", { datapathType: "dummy" });
  sw.addPort("br0", "vm1", { type: "dummy", ofportRequest: 1 });
  sw.addPort("br0", "patch-int", { type: "patch", options: { peer: "patch-tun" }, ofportRequest: 2 });
  sw.addPort("br1", "patch-tun", { type: "patch", options: { peer: "patch-int" }, ofportRequest: 1 });
  sw.addPort("br1", "eth0", { type: "dummy", ofportRequest: 2 });
  sw.deleteFlows("br0");
  sw.deleteFlows("br1");
  sw.addFlow("br0", "table=0,priority=10,in_port=1,actions=mod_vlan_vid:100,resubmit(,1)");
  sw.addFlow("br0", "table=1,priority=10,ip,nw_dst=10.0.0.0/24,actions=output:2");
  sw.addFlow("br0", "table=1,priority=0,actions=drop");
  sw.addFlow("br1", "priority=10,in_port=1,dl_vlan=100,actions=mod_vlan_vid:7,dec_ttl,output:2");
  return sw;
}

describe("trace.ovs through the typed API", () => {
  const flow = "in_port=1,ip,nw_src=10.0.0.5,nw_dst=10.0.0.7,nw_ttl=64";

  it("prints the trace real OVS printed, and ovsim run's", () => {
    const t = tracePipeline().trace("br0", flow);
    expect([...t.text]).toEqual(goldenOutput(read("trace.ovs.out"), flow));
    expect([...t.text]).toEqual(ovsimOutput("trace.ovs", flow));
  });

  it("reads the trace as a typed object", () => {
    const t = tracePipeline().trace("br0", flow);
    expect(t.steps.map((s) => [s.bridge, s.table, s.rule?.priority])).toEqual([
      ["br0", 0, 10],
      ["br0", 1, 10],
      ["br1", 0, 10],
    ]);
    expect(t.steps[0]?.rule?.match).toBe("in_port=1");
    expect(t.steps[0]?.actions).toEqual(["mod_vlan_vid:100", "resubmit(,1)"]);
    expect(t.steps[2]?.rule?.actions).toBe("mod_vlan_vid:7,dec_ttl,output:2");
    expect(t.datapathActions).toBe("push_vlan(vid=7,pcp=0),2");
    expect(t.megaflow).toBe("recirc_id=0,eth,ip,in_port=1,nw_dst=10.0.0.0/24,nw_proto=0,nw_ttl=64,nw_frag=no");
    expect(t.finalFlow).toContain("dl_vlan=100");
    expect(t.outputs).toEqual([{ odpPort: 2, bridge: "br1", port: "eth0", ofport: 2 }]);
    expect(t.error).toBeNull();
  });

  it("names a miss and a drop", () => {
    const t = tracePipeline().trace("br0", "in_port=1,ip,nw_dst=192.168.0.1");
    expect(t.steps.map((s) => s.rule?.priority)).toEqual([10, 0]);
    expect(t.datapathActions).toBe("drop");
    expect(t.outputs).toEqual([]);
    const miss = tracePipeline().trace("br1", "in_port=2");
    expect(miss.steps).toEqual([{ bridge: "br1", table: 0, rule: null, actions: ["drop"] }]);
  });

  it("names LOCAL by its port name, not datapath port 100", () => {
    const sw = new Switch();
    sw.addBridge("br0", { datapathType: "dummy" });
    sw.addPort("br0", "p1", { type: "dummy", ofportRequest: 1 });
    sw.deleteFlows("br0");
    sw.addFlow("br0", "in_port=1,actions=LOCAL");
    expect(sw.trace("br0", "in_port=1").outputs).toEqual([{ odpPort: 100, bridge: "br0", port: "br0", ofport: 65534 }]);
  });

  it("traces a datapath flow key the same as the OpenFlow flow", () => {
    const sw = tracePipeline();
    const t = sw.traceDatapathFlow("in_port(1),eth(src=00:00:00:00:00:00,dst=00:00:00:00:00:00),eth_type(0x0800),ipv4(src=10.0.0.5,dst=10.0.0.7,proto=0,tos=0,ttl=64,frag=no)");
    expect(t.bridge).toBe("br0");
    expect(t.datapathActions).toBe("push_vlan(vid=7,pcp=0),2");
  });
});

describe("packets through the typed API", () => {
  it("delivers a received frame to what is attached to the output port, and counts it", () => {
    const sw = tracePipeline();
    const got: Uint8Array[] = [];
    sw.attach("eth0", (bytes) => got.push(bytes));
    const frame = buildUdp4({ src: 1, dst: 2 }, { src: 0x0a000005, dst: 0x0a000007, ttl: 64 }, 5000, 53).data();
    sw.receive("vm1", frame);
    expect(got).toHaveLength(1);
    // A VLAN tag (0x8100, vid 7) pushed after the MACs, the TTL decremented.
    expect(Buffer.from(got[0]!.subarray(12, 16)).toString("hex")).toBe("81000007");
    expect(got[0]![22 + 4]).toBe(0x3f);
    expect(sw.dumpFlows("br1")[0]?.nPackets).toBe(1);
  });
});

describe("config DB through the typed API", () => {
  it("gives ofports, columns and port events", () => {
    const sw = new Switch();
    const events: string[] = [];
    sw.onPortEvent((e) => events.push(`${e.kind} ${e.name} ${e.ofport} ${e.externalIds["iface-id"] ?? ""}`));
    sw.addBridge("br-int", { datapathType: "dummy", failMode: "secure" });
    const ofport = sw.addPort("br-int", "tap1", { type: "dummy", externalIds: { "iface-id": "port-1" } });
    expect(ofport).toBe(1);
    sw.set("Port", "tap1", "tag", 5);
    expect(sw.get("Port", "tap1", "tag")).toBe(5);
    expect(sw.get("Interface", "tap1", "external_ids")).toEqual({ "iface-id": "port-1" });
    expect(sw.get("Bridge", "br-int", "fail_mode")).toBe("secure");
    expect(sw.ports("br-int").map((p) => [p.name, p.ofport])).toEqual([
      ["tap1", 1],
      ["br-int", 65534],
    ]);
    sw.deletePort("tap1");
    expect(events).toEqual(["added br-int 65534 ", "added tap1 1 port-1", "removed tap1 1 port-1"]);
    expect(sw.ofport("tap1")).toBeUndefined();
  });

  it("refuses what OVS refuses, with its words, changing nothing", () => {
    const sw = tracePipeline();
    const before = sw.db;
    expect(() => sw.addBridge("vm1")).toThrow(new OvsdbError("cannot create a bridge named vm1 because a port named vm1 already exists on bridge br0"));
    expect(() => sw.addPort("br9", "p9")).toThrow(new OvsdbError("no bridge named br9"));
    expect(() => sw.deletePort("nope")).toThrow(new OvsdbError("no port named nope"));
    expect(() => sw.set("Port", "vm1", "tag", "x")).toThrow(OvsdbError);
    expect(sw.db).toBe(before);
    expect(() => sw.addFlow("br0", "prio=1,actions=drop")).toThrow(FlowParseError);
    expect(() => sw.addFlow("br0", "prio=1,actions=drop")).toThrow("unknown keyword prio");
    expect(() => sw.addFlow("br0", "table=254,actions=drop")).toThrow(FlowModError);
    expect(() => sw.addFlow("br9", "actions=drop")).toThrow(new SwitchError("br9 is not a bridge or a socket"));
    expect(() => sw.trace("br0", "in_port=1,bogus=2")).toThrow(TraceError);
    expect(() => sw.receive("nope", new Uint8Array(60))).toThrow(SwitchError);
  });
});

describe("groups and meters through the typed API", () => {
  const groups = new URL("../../fixtures/groups/", import.meta.url);
  const meters = new URL("../../fixtures/meters/", import.meta.url);

  function fourPorts(): Switch {
    const sw = new Switch();
    sw.addBridge("br0", { datapathType: "dummy" });
    for (const i of [1, 2, 3, 4]) sw.addPort("br0", `p${i}`, { type: "dummy", ofportRequest: i });
    return sw;
  }

  it("deletes the flows of a deleted group, as real OVS (del-group-deletes-flows.ovs)", () => {
    const golden = readFileSync(new URL("del-group-deletes-flows.ovs.out", groups), "utf8");
    const sw = fourPorts();
    const of13 = { version: 13 } as const;
    sw.addGroup("br0", "group_id=2,type=all,bucket=output:2", of13);
    sw.addFlow("br0", "in_port=1,actions=group:2", of13);
    sw.addFlow("br0", "in_port=3,actions=output:2", of13);
    expect(() => sw.addFlow("br0", "in_port=2,actions=group:77", of13)).toThrow(FlowModError);
    expect(sw.dumpFlows("br0", "", of13).map((f) => ` ${f.text}`).sort()).toEqual([...goldenOutput(golden, "dump-flows br0", 0)].sort());
    expect(sw.groups("br0").map((g) => [g.groupId, g.type])).toEqual([[2, "all"]]);
    sw.groupMod("br0", "delete", "group_id=2", of13);
    expect(sw.dumpFlows("br0", "", of13).map((f) => ` ${f.text}`).sort()).toEqual([...goldenOutput(golden, "dump-flows br0", 1)].sort());
    expect(sw.groups("br0")).toEqual([]);
  });

  it("lists meters as real OVS dumps them (add-dump.ovs)", () => {
    const golden = readFileSync(new URL("add-dump.ovs.out", meters), "utf8");
    const sw = fourPorts();
    sw.addMeter("br0", "meter=1,kbps,band=type=drop,rate=1000");
    sw.addMeter("br0", "meter=2,pktps,burst,stats,band=type=drop,rate=10,burst_size=20");
    const dumped = sw.meters("br0").map((m) => m.text.join("\n")).join("\n\n").split("\n");
    expect(dumped).toEqual(goldenOutput(golden, "dump-meters br0", 0).slice(1));
  });
});
