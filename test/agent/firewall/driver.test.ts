/**
 * The driver over time, where the oracle cannot go (it sends no rule or
 * member updates, no port updates): refresh, rule and member updates,
 * removal back to the start-up flows, trusted ports, an OVS restart, conj
 * ids past those already on br-int, ports the firewall cannot filter.
 * Expectations follow firewall.py step by step; the goldens pin the flows.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_AGENT_CONFIG } from "../../../src/agent/agent-config.js";
import { OvsFirewallDriver } from "../../../src/agent/firewall/driver.js";
import type { PluginRpc } from "../../../src/agent/rpc.js";
import { Switch } from "../../../src/vswitchd/switch.js";
import type { CloudFile } from "./cloud-harness.js";
import { deviceDetailsOf, FakeSgServer } from "./cloud-harness.js";

const NET = "aaaaaaaa-0000-4000-8000-000000000001";
const WEB = "dddddddd-0000-4000-8000-00000000000a";
const COOKIE = 0xc0ffeen;

function cloud(): CloudFile {
  return {
    hosts: [{ name: "compute-1" }, { name: "compute-2" }],
    networks: [{ id: NET, network_type: "vxlan", segmentation_id: 1001, physical_network: null, subnet: { id: "s", cidr: "10.1.0.0/24" } }],
    security_groups: {
      [WEB]: {
        rules: [
          { direction: "ingress", ethertype: "IPv4", protocol: "tcp", port_range_min: 22, port_range_max: 22 },
          { direction: "ingress", ethertype: "IPv4", remote_group_id: WEB },
          { direction: "egress", ethertype: "IPv4" },
        ],
      },
    },
    ports: [
      { id: "p-a", name: "tap-a", host: "compute-1", network_id: NET, mac: "fa:16:3e:00:00:0a", fixed_ips: ["10.1.0.10"], security_groups: [WEB] },
      { id: "p-b", name: "tap-b", host: "compute-1", network_id: NET, mac: "fa:16:3e:00:00:0b", fixed_ips: ["10.1.0.11"], security_groups: [WEB] },
      { id: "p-n", name: "tap-n", host: "compute-1", network_id: NET, mac: "fa:16:3e:00:00:0c", fixed_ips: ["10.1.0.12"], port_security_enabled: false },
      { id: "p-r", name: "tap-r", host: "compute-2", network_id: NET, mac: "fa:16:3e:00:00:0d", fixed_ips: ["10.1.0.20"], security_groups: [WEB] },
    ],
    steps: [],
  };
}

interface Setup {
  sw: Switch;
  driver: OvsFirewallDriver;
  server: FakeSgServer;
  file: CloudFile;
  plug(id: string, bind?: boolean): void;
  details(id: string): ReturnType<typeof deviceDetailsOf>;
  flows(): string[];
}

function setup(options: { enableSecurityGroup?: boolean; before?: (sw: Switch) => void } = {}): Setup {
  const file = cloud();
  const sw = new Switch();
  sw.addBridge("br-int", { datapathType: "dummy", failMode: "secure", protocols: ["OpenFlow10", "OpenFlow13", "OpenFlow14"] });
  sw.deleteFlows("br-int");
  sw.addPort("br-int", "patch-tun", { type: "patch", options: { peer: "patch-int" } });
  options.before?.(sw);
  const server = new FakeSgServer(file);
  const plugin = { securityGroupInfoForDevices: (d: readonly string[]) => server.securityGroupInfoForDevices(d) } as PluginRpc;
  const config = { ...DEFAULT_AGENT_CONFIG, firewallDriver: "openvswitch" as const, tunnelTypes: ["vxlan"], enableSecurityGroup: options.enableSecurityGroup ?? true };
  const driver = new OvsFirewallDriver({ switch: sw, integrationBridge: "br-int", plugin, cookie: COOKIE, config });
  const byId = (id: string) => file.ports.find((p) => p.id === id)!;
  return {
    sw,
    driver,
    server,
    file,
    plug(id, bind = true) {
      const p = byId(id);
      sw.addPort("br-int", p.name!, { type: "dummy", externalIds: { "iface-id": p.id, "iface-status": "active", "attached-mac": p.mac, "vm-uuid": p.id } });
      server.bound.set(p.id, p);
      if (bind) {
        sw.set("Port", p.name!, "tag", 1);
        sw.set("Port", p.name!, "other_config", { net_uuid: NET, network_type: "vxlan", physical_network: "None", segmentation_id: "1001", tag: "1" });
      }
    },
    details: (id) => deviceDetailsOf(file, byId(id)),
    flows: () => sw.dumpFlows("br-int").map((f) => f.text),
  };
}

const noCookie = (lines: readonly string[]): string[] => lines.map((l) => l.replace(/^cookie=0x[0-9a-f]+, /, "")).sort();

const START = [
  "table=71, priority=110,ct_state=+trk actions=ct_clear,resubmit(,71)",
  "table=71, priority=0 actions=drop",
  "table=72, priority=0 actions=drop",
  "table=73, priority=0 actions=drop",
  "table=81, priority=0 actions=drop",
  "table=82, priority=0 actions=drop",
  "table=91, priority=1 actions=resubmit(,94)",
  "table=92, priority=0 actions=drop",
  "table=93, priority=0 actions=drop",
  "table=94, priority=1 actions=NORMAL",
].sort();

describe("OvsFirewallDriver", () => {
  it("starts with the fixed flows, all with br-int's cookie", () => {
    const s = setup();
    expect(noCookie(s.flows())).toEqual(START);
    expect(s.flows().every((l) => l.startsWith("cookie=0xc0ffee, "))).toBe(true);
  });

  it("filters ports, and removing them all leaves the start-up flows (address flows go with their group)", () => {
    const s = setup();
    s.plug("p-a");
    s.plug("p-b");
    s.driver.prepareDevicesFilter([s.details("p-a")]);
    s.driver.prepareDevicesFilter([s.details("p-b")]);
    const flows = s.flows();
    // every member of the group, plugged here or not, on any host
    expect(flows.filter((l) => l.includes("reg6=0x1,nw_src=")).map((l) => l.replace(/^.*nw_src=/, "")).sort()).toEqual([
      "10.1.0.10 actions=conjunction(16,1/2)",
      "10.1.0.10 actions=conjunction(17,1/2)",
      "10.1.0.11 actions=conjunction(16,1/2)",
      "10.1.0.11 actions=conjunction(17,1/2)",
      "10.1.0.20 actions=conjunction(16,1/2)",
      "10.1.0.20 actions=conjunction(17,1/2)",
    ]);
    expect([...s.driver.ports.keys()]).toEqual(["p-a", "p-b"]);
    s.driver.removeDevicesFilter(["p-a"]);
    expect(s.flows().some((l) => l.includes("reg5=0x2") || l.includes("in_port=2"))).toBe(false);
    // the group still has a port here: its address flows stay
    expect(s.flows().filter((l) => l.includes("nw_src=10.1.0.10")).length).toBe(2);
    s.driver.removeDevicesFilter(["p-b"]);
    // as Neutron (fixtures/ovsfw-lifecycle.out's last dump): the invalid-state drops, shared by every port, stay
    const invalid = ["table=72, priority=50,ct_state=+inv+trk actions=resubmit(,93)", "table=82, priority=50,ct_state=+inv+trk actions=resubmit(,93)"];
    expect(noCookie(s.flows())).toEqual([...START, ...invalid].sort());
    expect(s.driver.ports.size).toBe(0);
  });

  it("writes the same flows again on a refresh without changes", () => {
    const s = setup();
    s.plug("p-a");
    s.driver.prepareDevicesFilter([s.details("p-a")]);
    const before = noCookie(s.flows());
    s.driver.refreshFirewall([s.details("p-a")]);
    expect(noCookie(s.flows())).toEqual(before);
    // a refresh of everything (no devices named) too; port flows end with br-int's cookie
    s.driver.refreshFirewall([]);
    expect(noCookie(s.flows())).toEqual(before);
    expect(s.flows().filter((l) => l.includes("reg5=0x2")).every((l) => l.startsWith("cookie=0xc0ffee, "))).toBe(true);
    expect(s.driver.log).toEqual([]);
  });

  it("prepares an already filtered port as an update (and says so)", () => {
    const s = setup();
    s.plug("p-a");
    s.driver.prepareDevicesFilter([s.details("p-a")]);
    const before = noCookie(s.flows());
    s.driver.prepareDevicesFilter([s.details("p-a")]);
    expect(noCookie(s.flows())).toEqual(before);
    expect(s.driver.log).toEqual(["Initializing port p-a that was already initialized."]);
  });

  it("follows a rule update: the removed rule's flows go, a new rule's come", () => {
    const s = setup();
    s.plug("p-a");
    s.driver.prepareDevicesFilter([s.details("p-a")]);
    expect(s.flows().filter((l) => l.includes("tp_dst=22")).length).toBe(2);
    s.file.security_groups[WEB]!.rules[0] = { direction: "ingress", ethertype: "IPv4", protocol: "udp", port_range_min: 53, port_range_max: 53 };
    s.driver.securityGroupsRuleUpdated([WEB]);
    const flows = s.flows();
    expect(flows.filter((l) => l.includes("tcp,")).length).toBe(0);
    expect(noCookie(flows.filter((l) => l.includes("udp,reg5=0x2,tp_dst=53")))).toEqual([
      "table=82, priority=77,ct_state=+est-rel-rpl,udp,reg5=0x2,tp_dst=53 actions=output:2",
      "table=82, priority=77,ct_state=+new-est,udp,reg5=0x2,tp_dst=53 actions=ct(commit,zone=NXM_NX_REG6[0..15]),output:2,resubmit(,92)",
    ]);
    // a group no port here is in: nothing to refresh
    s.driver.securityGroupsRuleUpdated(["other"]);
    expect(s.flows()).toEqual(flows);
  });

  it("follows a member update: a new member's address flows come, a gone one's go", () => {
    const s = setup();
    s.plug("p-a");
    s.driver.prepareDevicesFilter([s.details("p-a")]);
    s.file.ports.push({ id: "p-x", host: "compute-2", network_id: NET, mac: "fa:16:3e:00:00:0e", fixed_ips: ["10.1.0.30"], security_groups: [WEB] });
    s.file.ports.splice(s.file.ports.findIndex((p) => p.id === "p-r"), 1);
    s.driver.securityGroupsMemberUpdated([WEB]);
    const members = s.flows().filter((l) => l.includes("reg6=0x1,nw_src=")).map((l) => /nw_src=([\d.]+)/.exec(l)![1]);
    expect([...new Set(members)].sort()).toEqual(["10.1.0.10", "10.1.0.11", "10.1.0.30"]);
  });

  it("passes trusted and port-security-off ports unfiltered, and takes their flows away", () => {
    const s = setup();
    s.plug("p-n");
    s.driver.prepareDevicesFilter([s.details("p-n")]);
    expect(noCookie(s.flows()).filter((l) => !START.includes(l))).toEqual([
      "table=60, priority=100,in_port=2 actions=load:0x2->NXM_NX_REG5[],load:0x1->NXM_NX_REG6[],resubmit(,73)",
      "table=73, priority=80,reg5=0x2 actions=resubmit(,94)",
    ]);
    s.driver.removeDevicesFilter(["p-n"]);
    expect(noCookie(s.flows())).toEqual(START);
    // the server does not describe a device it does not know: trusted (as network:* ports)
    s.server.bound.delete("p-n");
    s.driver.prepareDevicesFilter([s.details("p-n")]);
    expect(s.flows().filter((l) => l.includes("in_port=2")).length).toBe(1);
    s.driver.removeTrustedPorts(["p-n"]);
    expect(noCookie(s.flows())).toEqual(START);
  });

  it("leaves ports it cannot filter alone: not on br-int, not bound (no other_config:tag)", () => {
    const s = setup();
    s.server.bound.set("p-a", s.file.ports[0]!);
    s.driver.prepareDevicesFilter([s.details("p-a")]);
    expect(s.driver.log).toEqual(["port p-a does not exist in ovsdb: Port p-a is not present in bridge br-int."]);
    s.plug("p-b", false);
    s.driver.prepareDevicesFilter([s.details("p-b")]);
    expect(s.driver.log[1]).toMatch(/^Tag was not found for port p-b/);
    expect(noCookie(s.flows())).toEqual(START);
  });

  it("does nothing for prepare and refresh with enable_security_group=false", () => {
    const s = setup({ enableSecurityGroup: false });
    s.plug("p-a");
    s.driver.prepareDevicesFilter([s.details("p-a")]);
    s.driver.refreshFirewall([s.details("p-a")]);
    expect(noCookie(s.flows())).toEqual(START);
    expect(s.server.calls).toEqual([]);
  });

  it("allocates conj ids past the highest one already on br-int (an agent restart)", () => {
    const s = setup({ before: (sw) => void sw.addFlow("br-int", "table=82,priority=70,conj_id=45,ip,actions=drop") });
    s.plug("p-a");
    s.driver.prepareDevicesFilter([s.details("p-a")]);
    expect(s.flows().filter((l) => l.includes("conj_id=56,")).length).toBe(1);
  });

  it("starts over after an OVS restart (initialize)", () => {
    const s = setup();
    s.plug("p-a");
    s.driver.prepareDevicesFilter([s.details("p-a")]);
    s.sw.deleteFlows("br-int");
    s.driver.initialize();
    expect(noCookie(s.flows())).toEqual(START);
    expect(s.driver.ports.size).toBe(0);
    s.driver.prepareDevicesFilter([s.details("p-a")]);
    expect(s.flows().filter((l) => l.includes("conj_id=16,")).length).toBe(1);
  });

  it("asks the server for 20 devices at a time", () => {
    const s = setup();
    const many = Array.from({ length: 45 }, (_, i) => ({ ...s.details("p-a"), device: `d${i}` }));
    s.driver.prepareDevicesFilter(many);
    expect(s.server.calls.map((c) => c.length)).toEqual([20, 20, 5]);
  });
});
