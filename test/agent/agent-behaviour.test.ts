/**
 * What the agent does beyond the goldens' steps, each as Neutron 21's
 * ovs_neutron_agent.py does it: a restarted agent (new cookies, VLANs kept
 * from the ports, stale flows cleaned after the first sync), OVS losing its
 * flows (the canary), admin state and port deletion through the server's
 * casts, the heartbeat on the virtual clock, egress-direct cleanup on
 * unplug, tunnels without l2pop, l2pop's chg_ip, device reports.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_AGENT_CONFIG } from "../../src/agent/agent-config.js";
import { OvsNeutronAgent } from "../../src/agent/ovs-agent.js";
import type { AgentState } from "../../src/agent/rpc.js";
import { Switch } from "../../src/vswitchd/switch.js";
import type { FilePort } from "./oracle-harness.js";
import { FakeServer, HarnessHost, normalise } from "./oracle-harness.js";

const DIR = new URL("../../fixtures/cloud/", import.meta.url);
const fixture = (name: string): string => new URL(`${name}.json`, DIR).pathname;
const flows = (h: HarnessHost, br: string): string[] => h.sw.dumpFlows(br).map((f) => f.text);
const normalised = (h: HarnessHost, brs: readonly string[]): string[] => normalise(h.run(brs.map((b) => `ovs-ofctl --no-stats dump-flows ${b}`)).join("\n"));
const hexCookie = (c: bigint): string => `cookie=0x${c.toString(16)}`;

describe("agent restart (a new agent on the same switch)", () => {
  it("re-installs its flows with new cookies, keeps each network's VLAN, and cleans the old agent's flows after its first sync", () => {
    const h = new HarnessHost(fixture("vxlan-l2pop"), 1);
    h.playSteps();
    const before = normalised(h, ["br-int", "br-tun"]);
    const old = h.agent;
    const oldCookies = [old.intBr.defaultCookie, old.state.tunBr!.defaultCookie];
    const agent = h.startAgent(2);
    expect(agent.errors).toEqual([]);
    const newInt = agent.intBr.defaultCookie;
    const newTun = agent.state.tunBr!.defaultCookie;
    expect(oldCookies).not.toContain(newInt);
    expect(flows(h, "br-int").every((l) => l.startsWith(hexCookie(newInt)))).toBe(true);
    expect(flows(h, "br-tun").every((l) => l.startsWith(hexCookie(newTun)))).toBe(true);
    // the ports kept VLAN 1 (restored from their Port rows), and were reported up with refresh_tunnels at iteration 0
    expect(h.sw.get("Port", "tapb37523a5-3b", "tag")).toBe(1);
    expect(agent.reports[0]?.iteration).toBe(0);
    // br-int is as before; br-tun lost the l2pop flows (old cookie) until the server sends the fdb again
    expect(normalised(h, ["br-int"])[0]).toBe(before[0]);
    expect(flows(h, "br-tun").some((l) => l.includes("table=20, priority=2"))).toBe(false);
    const fdb = h.file.steps!.find((s) => s.op === "l2pop_fdb_add");
    if (fdb?.op !== "l2pop_fdb_add") throw new Error("no fdb step");
    h.fdb("add", fdb.entries);
    expect(normalised(h, ["br-int", "br-tun"])).toEqual(before);
  });
});

describe("OVS restart (the canary flow is gone)", () => {
  it("rebuilds every bridge and re-binds every port; physical bridges get new bridge objects (new cookies)", () => {
    const h = new HarnessHost(fixture("multi-network"), 1);
    h.playSteps();
    const brs = ["br-int", "br-tun", "br-phys"];
    const before = normalised(h, brs);
    const intCookie = h.agent.intBr.defaultCookie;
    const physCookie = h.agent.state.physBrs.get("physnet1")!.defaultCookie;
    for (const b of brs) h.sw.deleteFlows(b);
    h.tick();
    expect(h.agent.errors).toEqual([]);
    expect(h.agent.intBr.defaultCookie).toBe(intCookie);
    expect(h.agent.state.physBrs.get("physnet1")!.defaultCookie).not.toBe(physCookie);
    // l2pop state is re-sent by the server after a restart; until then br-tun floods nowhere
    const fdb = h.file.steps!.find((s) => s.op === "l2pop_fdb_add");
    if (fdb?.op !== "l2pop_fdb_add") throw new Error("no fdb step");
    h.fdb("add", fdb.entries);
    expect(normalised(h, brs)).toEqual(before);
  });

  it("does nothing while br-int cannot be reached (OVS dead), and sets it up again when it is back", () => {
    const h = new HarnessHost(fixture("local"), 1);
    h.playSteps();
    const before = normalised(h, ["br-int"]);
    h.sw.deleteBridge("br-int");
    const n = h.agent.iterations;
    h.tick();
    expect(h.agent.iterations).toBe(n + 1);
    expect(h.agent.errors).toEqual([]);
    h.sw.addBridge("br-int");
    h.tick();
    expect(h.sw.bridgeNames()).toContain("br-int");
    expect(flows(h, "br-int").some((l) => l.includes("table=23, priority=0 actions=drop"))).toBe(true);
    expect(normalised(h, ["br-int"])[0]!.split("\n").length).toBeLessThanOrEqual(before[0]!.split("\n").length);
  });
});

describe("a mapped physical bridge deleted and made again", () => {
  it("is set up again (new cookie, patch pair, drops) and its networks re-provisioned; stale flows cleaned", () => {
    const h = new HarnessHost(fixture("vlan-provider"), 1);
    h.playSteps();
    const before = normalised(h, ["br-int", "br-phys"]);
    const old = h.agent.state.physBrs.get("physnet1")!.defaultCookie;
    h.sw.deleteBridge("br-phys");
    h.tick();
    h.sw.addBridge("br-phys");
    h.tick();
    expect(h.agent.errors).toEqual([]);
    const cookie = h.agent.state.physBrs.get("physnet1")!.defaultCookie;
    expect(cookie).not.toBe(old);
    expect(flows(h, "br-phys").every((l) => l.startsWith(hexCookie(cookie)))).toBe(true);
    expect(normalised(h, ["br-int", "br-phys"])).toEqual(before);
    expect(h.sw.get("Interface", "phy-br-phys", "options")).toEqual({ peer: "int-br-phys" });
  });
});

describe("the server's casts", () => {
  it("admin_state_up=false on a bound port: dead VLAN and a drop flow, reported down; back up: tag and flows restored, reported up", () => {
    const h = new HarnessHost(fixture("vxlan-l2pop"), 1);
    h.playSteps();
    const port = h.server.plugged.get("b37523a5-3b4a-4ee2-a463-513755ac0ecd")!;
    const ofport = h.sw.ofport("tapb37523a5-3b");
    h.server.plugged.set(port.id, { ...port, admin_state_up: false });
    h.agent.portUpdate({ id: port.id, networkId: port.network_id, adminStateUp: false, macAddress: port.mac });
    h.tick();
    expect(h.agent.devicesDown).toContain(port.id);
    expect(h.sw.get("Port", "tapb37523a5-3b", "tag")).toBe(4095);
    expect(flows(h, "br-int").some((l) => l.endsWith(`priority=2,in_port=${ofport} actions=drop`))).toBe(true);

    h.server.plugged.set(port.id, port);
    h.agent.portUpdate({ id: port.id, networkId: port.network_id, adminStateUp: true, macAddress: port.mac });
    h.tick();
    expect(h.agent.devicesUp).toContain(port.id);
    expect(h.sw.get("Port", "tapb37523a5-3b", "tag")).toBe(1);
    expect(flows(h, "br-int").some((l) => l.includes(`priority=2,in_port=${ofport} `))).toBe(false);
    expect(h.agent.errors).toEqual([]);
  });

  it("port_delete: the port goes to the dead VLAN and its network's VLAN is reclaimed with its last port", () => {
    const h = new HarnessHost(fixture("gre-l2pop"), 1);
    h.playSteps();
    const id = [...h.server.plugged.keys()][0]!;
    const name = h.portName(h.server.plugged.get(id)!);
    expect(flows(h, "br-tun").some((l) => l.includes("table=3, priority=1,tun_id="))).toBe(true);
    h.agent.portDelete(id);
    h.tick();
    expect(h.sw.get("Port", name, "tag")).toBe(4095);
    expect(flows(h, "br-tun").some((l) => l.includes("table=3, priority=1,tun_id="))).toBe(false);
    expect(flows(h, "br-tun").some((l) => l.includes("table=22, priority=1"))).toBe(false);
    expect(h.agent.state.vlanManager.has(h.server.details(h.server.plugged.get(id)!).networkId)).toBe(false);
  });

  it("without l2pop, tunnel_update adds a tunnel and floods to it; tunnel_delete removes the port and its in_port flow", () => {
    const h = new HarnessHost(fixture("vxlan-gre-no-l2pop"), 1);
    h.playSteps();
    h.agent.tunnelUpdate("192.0.2.99", "vxlan");
    const ofport = h.sw.ofport("vxlan-c0000263")!;
    expect(ofport).toBeGreaterThan(0);
    expect(h.sw.get("Interface", "vxlan-c0000263", "options")).toMatchObject({ remote_ip: "192.0.2.99", local_ip: "192.0.2.11", in_key: "flow", out_key: "flow" });
    expect(flows(h, "br-tun").some((l) => l.includes(`priority=1,in_port=${ofport} actions=resubmit(,4)`))).toBe(true);
    expect(flows(h, "br-tun").find((l) => l.includes("table=22, priority=1,dl_vlan=1"))).toMatch(new RegExp(`output:${ofport}$`));
    h.agent.tunnelUpdate("192.0.2.11", "vxlan"); // its own endpoint: ignored
    h.agent.tunnelUpdate("192.0.2.98", "geneve"); // not a type of this agent: ignored
    expect(h.sw.ofport("geneve-c0000262")).toBeUndefined();
    h.agent.tunnelDelete("192.0.2.99", "vxlan");
    expect(h.sw.ofport("vxlan-c0000263")).toBeUndefined();
    expect(flows(h, "br-tun").some((l) => l.includes(`in_port=${ofport} `))).toBe(false);
    expect(h.agent.errors).toEqual([]);
  });

  it("l2pop chg_ip moves an ARP responder entry; fdb entries of unknown networks and of the agent's own IP are ignored", () => {
    const h = new HarnessHost(fixture("vxlan-l2pop"), 1);
    h.playSteps();
    const net = "566bf9d7-c55a-45f8-a1a6-e55e9b9b1325";
    const before = flows(h, "br-tun");
    h.agent.addFdbEntries({ "no-such-net": { networkType: "vxlan", segmentationId: 1001, ports: { "192.0.2.50": [["fa:16:3e:00:00:50", "10.10.1.50"]] } } });
    h.agent.addFdbEntries({ [net]: { networkType: "vxlan", segmentationId: 1001, ports: { "192.0.2.11": [["fa:16:3e:00:00:51", "10.10.1.51"]] } } });
    expect(flows(h, "br-tun")).toEqual(before);
    h.agent.updateFdbEntries({ chgIp: { [net]: { "192.0.2.12": { before: [["fa:16:3e:9a:d4:cd", "10.10.1.21"]], after: [["fa:16:3e:9a:d4:cd", "10.10.1.99"]] } } } });
    const t21 = flows(h, "br-tun").filter((l) => l.includes("table=21, priority=1"));
    expect(t21.some((l) => l.includes("arp_tpa=10.10.1.99"))).toBe(true);
    expect(t21.some((l) => l.includes("arp_tpa=10.10.1.21"))).toBe(false);
    expect(h.agent.errors).toEqual([]);
  });
});

describe("unplug with explicitly_egress_direct", () => {
  it("deletes the port's table 60/61/62 flows and keeps the other port's", () => {
    const h = new HarnessHost(fixture("egress-direct-noop"), 1);
    h.playSteps();
    const gone = h.server.plugged.get("553ca79e-9de8-446c-83a0-dd2e1fb4b2b2") as FilePort;
    h.unplug([gone.id]);
    const t = flows(h, "br-int").filter((l) => / table=6[012], priority=(9|10|12),/.test(l));
    expect(t.some((l) => l.includes(gone.mac))).toBe(false);
    expect(t.filter((l) => l.includes("fa:16:3e:26:23:ac")).length).toBe(4);
    expect(h.agent.reports.some((r) => r.down.includes(gone.id))).toBe(true);
    expect(h.agent.errors).toEqual([]);
  });
});

describe("heartbeat and reports", () => {
  it("reports state at start and every report_interval of virtual time; start_flag goes after the first report made past iteration 0", () => {
    const sw = new Switch();
    const file = { hosts: [{ name: "h1", agent: {} }] };
    const states: AgentState[] = [];
    const server = new (class extends FakeServer {
      override reportState(_host: string, s: AgentState): void {
        states.push(s);
      }
    })(file);
    const agent = new OvsNeutronAgent({ switch: sw, host: "h1", config: { ...DEFAULT_AGENT_CONFIG, reportInterval: 30 }, plugin: server, random: () => 0.5 });
    expect(states.length).toBe(1);
    expect(states[0]?.startFlag).toBe(true);
    for (let i = 0; i < 61; i++) {
      sw.advance(1000);
      agent.iterate();
    }
    expect(states.length).toBe(3);
    // _report_state pops start_flag after a report made when iter_num > 0: the report at 30 s still carries it
    expect(states.map((s) => s.startFlag)).toEqual([true, true, false]);
    expect(states[2]?.configurations["devices"]).toBe(0);
  });

  it("records every report with its iteration; devicesUp is what the last iteration reported", () => {
    const h = new HarnessHost(fixture("vxlan-l2pop"), 1);
    h.playSteps();
    const up = h.agent.reports.filter((r) => r.up.length > 0);
    expect(up.length).toBe(1);
    expect([...up[0]!.up].sort()).toEqual(["aed09b82-4ca8-4fc2-8fb6-37dd5bae2d26", "b37523a5-3b4a-4ee2-a463-513755ac0ecd"]);
    expect(h.agent.devicesUp).toEqual([]);
  });

  it("a mapped bridge that does not exist stops the agent (Neutron exits)", () => {
    const sw = new Switch();
    const server = new FakeServer({ hosts: [{ name: "h1" }] });
    expect(() => new OvsNeutronAgent({ switch: sw, host: "h1", config: { ...DEFAULT_AGENT_CONFIG, bridgeMappings: { physnet1: "br-missing" } }, plugin: server })).toThrow(/br-missing.*does not exist/);
  });
});
