/**
 * The cloud and its step runner (src/cloud/cloud.ts, nova.ts, steps.ts,
 * traffic.ts): start-up, the VIF plug, waiting for the agents, what is
 * printed, the seed, ovsim's own steps. Most run on the stub agent
 * (stub-agent.ts, a NORMAL-switching br-int); those that need the real
 * agent's flows (provider networks across hosts, the underlay) are
 * skipped, saying so, while src/agent/ovs-agent.ts does not exist.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { AgentContext, AgentLike } from "../../src/cloud/agent-factory.js";
import { ovsAgentFactory } from "../../src/cloud/agent-factory.js";
import { parseCloudFile } from "../../src/cloud/cloud-file.js";
import { CloudStepError, createCloud } from "../../src/cloud/cloud.js";
import { StubAgent, stubFactory } from "./stub-agent.js";

const P1 = "11111111-0000-4000-8000-000000000001";
const P2 = "22222222-0000-4000-8000-000000000002";
const P3 = "33333333-0000-4000-8000-000000000003";

/** Two hosts (with an underlay: a tunnel NIC with the local_ip, eth1 on physnet1), two networks, three ports. */
function file(steps: unknown[], more: Record<string, unknown> = {}, underlay = true): Record<string, unknown> {
  const host = (name: string, ip: string) => ({
    name,
    agent: { local_ip: ip, tunnel_types: ["vxlan"], l2_population: true, bridge_mappings: { physnet1: "br-phys" } },
    ...(underlay ? { underlay: { physical_nics: { physnet1: "eth1" } } } : {}),
  });
  return {
    hosts: [host("hv1", "192.0.2.1"), host("hv2", "192.0.2.2")],
    networks: [
      { id: "blue", name: "blue", network_type: "vxlan", segmentation_id: 1001, subnet: { id: "sb", cidr: "10.1.0.0/24" } },
      { id: "red", name: "red", network_type: "vlan", segmentation_id: 301, physical_network: "physnet1", subnet: { id: "sr", cidr: "10.2.0.0/24" } },
    ],
    ports: [
      { id: P1, host: "hv1", network_id: "blue", mac: "fa:16:3e:00:00:01", fixed_ips: ["10.1.0.11"] },
      { id: P2, host: "hv1", network_id: "blue", mac: "fa:16:3e:00:00:02", fixed_ips: ["10.1.0.12"] },
      { id: P3, host: "hv2", network_id: "blue", mac: "fa:16:3e:00:00:03", fixed_ips: ["10.1.0.13"] },
    ],
    steps,
    ...more,
  };
}


describe("start-up", () => {
  it("creates each host's mapped bridges before its agent, constructs the agents in host order, then runs two iterations", () => {
    const seen: string[] = [];
    const { factory, agents } = stubFactory();
    const cloud = createCloud(file([]), {
      agent: (ctx) => {
        seen.push(`${ctx.host}: ${ctx.switch.bridgeNames().join(",")} ${ctx.config.integrationBridge}`);
        return factory(ctx);
      },
    });
    expect(seen).toEqual(["hv1: br-phys br-int", "hv2: br-phys br-int"]);
    expect(cloud.nowMs).toBe(2000);
    expect(agents.get("hv1")?.[0]?.iterations).toBe(2);
    // the physical NIC comes after the agent's own ports
    expect(cloud.switchOf("hv1").ports("br-phys").map((p) => p.name)).toContain("eth1");
  });
});

describe("plug_ports and unplug_ports", () => {
  it("plugs as os-vif (external_ids), on each port's host, waits for the up report, then two iterations", () => {
    const { factory } = stubFactory();
    const cloud = createCloud(file([{ op: "plug_ports", ports: [P1, P3] }]), { agent: factory });
    expect(cloud.run().ok).toBe(true);
    expect(cloud.switchOf("hv1").get("Interface", "tap11111111-00", "external_ids")).toEqual({ "attached-mac": "fa:16:3e:00:00:01", "iface-id": P1, "iface-status": "active", "vm-uuid": P1 });
    expect(cloud.switchOf("hv1").get("Interface", "tap11111111-00", "type")).toBe("");
    expect(cloud.switchOf("hv2").ports("br-int").map((p) => p.name)).toContain("tap33333333-00");
    expect(cloud.server.status(P1)).toBe("ACTIVE");
    expect(cloud.nowMs).toBe(2000 + 1000 + 2000); // reported at the first iteration, then two more
    expect(cloud.stdout).toEqual([]);
  });

  it("unplug waits for the down report; the port goes DOWN", () => {
    const { factory } = stubFactory();
    const cloud = createCloud(file([{ op: "plug_ports", ports: [P1] }, { op: "unplug_ports", ports: [P1] }]), { agent: factory });
    expect(cloud.run().ok).toBe(true);
    expect(cloud.server.status(P1)).toBe("DOWN");
    expect(cloud.switchOf("hv1").ports("br-int").map((p) => p.name)).not.toContain("tap11111111-00");
  });

  it("gives up after the timeout when the agent never reports, stopping the run with a message naming the port", () => {
    const silent = (ctx: AgentContext): AgentLike => {
      const a = new StubAgent(ctx);
      a.iterate = () => undefined;
      return a;
    };
    const cloud = createCloud(file([{ op: "plug_ports", ports: [P1] }, { op: "run", commands: ["ovs-vsctl show"] }]), { agent: silent, timeoutSeconds: 5 });
    const r = cloud.run();
    expect(r).toEqual({ ok: false, failedSteps: [0] });
    expect(cloud.stderr).toEqual([`ovsim cloud: step 0 (plug_ports): timeout (5 s of virtual time) waiting for the agent to report ${P1} up`]);
    expect(() => cloud.step(cloud.spec.steps[0]!)).toThrow(CloudStepError);
  });
});

describe("run", () => {
  it("prints ### HOST: COMMAND with several hosts, ### COMMAND with one; a failing command fails the step, the run goes on", () => {
    const { factory } = stubFactory();
    const two = createCloud(file([{ op: "run", host: "hv2", commands: ["ovs-vsctl br-exists br-int", "ovs-ofctl dump-flows br-nope"] }, { op: "run", commands: ["ovs-vsctl list-br"] }]), { agent: factory });
    expect(two.run()).toEqual({ ok: false, failedSteps: [0] });
    expect(two.stdout).toEqual(["### hv2: ovs-vsctl br-exists br-int", "### hv2: ovs-ofctl dump-flows br-nope", "### hv1: ovs-vsctl list-br", "br-int", "br-phys"]);
    expect(two.stderr).toEqual(["hv2: ovs-ofctl: br-nope is not a bridge or a socket"]);
    const one = createCloud({ hosts: [{ name: "solo" }], steps: [{ op: "run", commands: ["ovs-vsctl list-br"] }] }, { agent: stubFactory().factory });
    one.run();
    expect(one.stdout).toEqual(["### ovs-vsctl list-br", "br-int"]);
  });
});

describe("l2pop steps", () => {
  it("hand the wire format to the host's agent, whatever its l2_population, then one iteration", () => {
    const { factory, agents } = stubFactory();
    const entries = [
      { network_id: "blue", remote_ip: "192.0.2.9", flooding_entry: true },
      { network_id: "blue", remote_ip: "192.0.2.9", mac: "fa:16:3e:00:00:09", ip: "10.1.0.9" },
    ];
    const f = file([{ op: "l2pop_fdb_add", host: "hv2", entries }, { op: "l2pop_fdb_remove", host: "hv2", entries: entries.slice(1) }], { l2pop: "manual" });
    (f["hosts"] as Array<{ agent: Record<string, unknown> }>)[1]!.agent["l2_population"] = false;
    const cloud = createCloud(f, { agent: factory });
    const before = cloud.nowMs;
    cloud.run();
    expect(cloud.nowMs - before).toBe(2000);
    const calls = agents.get("hv2")![0]!.calls.filter((c) => c.method.includes("fdb"));
    expect(calls).toEqual([
      { method: "add_fdb_entries", args: [{ blue: { networkType: "vxlan", segmentationId: 1001, ports: { "192.0.2.9": [["00:00:00:00:00:00", "0.0.0.0"], ["fa:16:3e:00:00:09", "10.1.0.9"]] } } }] },
      { method: "remove_fdb_entries", args: [{ blue: { networkType: "vxlan", segmentationId: 1001, ports: { "192.0.2.9": [["fa:16:3e:00:00:09", "10.1.0.9"]] } } }] },
    ]);
    expect(agents.get("hv1")![0]!.calls.filter((c) => c.method.includes("fdb"))).toEqual([]);
  });
});

describe("the seed", () => {
  it("same file, same seed: same cookies and booted ports; another seed: others", () => {
    const steps = [{ op: "boot", vm: "a", host: "hv1", network_id: "blue" }];
    const draw = (seed: number) => {
      const { factory, agents } = stubFactory();
      const cloud = createCloud(file(steps, { seed }), { agent: factory });
      cloud.run();
      const vm = [...cloud.vms.values()][0]!;
      return { cookies: [...agents.values()].map((a) => a[0]!.cookie), port: cloud.server.port(vm.portId) };
    };
    expect(draw(0)).toEqual(draw(0));
    expect(draw(1).cookies).not.toEqual(draw(0).cookies);
    expect(draw(0).cookies[0]).not.toEqual(draw(0).cookies[1]);
    expect(draw(0).port).toMatchObject({ mac: expect.stringMatching(/^fa:16:3e:/), fixedIps: ["10.1.0.2"], host: "hv1" });
  });
});

describe("ovsim's own steps (stub agent)", () => {
  it("boot, ping, ping_all, update_port, migrate, delete, delete_network", () => {
    const { factory } = stubFactory();
    const cloud = createCloud(
      file([
        { op: "boot", vm: "a", host: "hv1", network_id: "blue" },
        { op: "boot", vm: "b", host: "hv1", network_id: "blue", fixed_ips: ["10.1.0.50"] },
        { op: "boot", vm: "c", host: "hv2", network_id: "blue" },
        { op: "ping", from: "a", to: "b", count: 2, expect: "ok" },
        { op: "ping", from: "a", to: "10.1.0.99", expect: "fail" },
        { op: "ping_all", network_id: "blue" },
        { op: "update_port", port: "b", admin_state_up: false },
        { op: "ping", from: "a", to: "b", expect: "fail" },
        { op: "migrate", vm: "c", host: "hv1" },
        { op: "ping", from: "a", to: "c", expect: "ok" },
        { op: "delete", vm: "a" },
        { op: "delete", vm: "b" },
        { op: "delete", vm: "c" },
        { op: "delete_network", network_id: "blue" },
        { op: "delete_network", network_id: "red" },
      ], {}, false),
      { agent: factory },
    );
    const r = cloud.run();
    // ping_all: c is on another host of a vxlan network; delete_network blue: the file's own ports still use it
    expect(r).toEqual({ ok: false, failedSteps: [5, 13] });
    expect(cloud.stdout).toEqual([
      "### ping a -> b",
      "a -> b (10.1.0.50): 2/2 received, rtt 0.04 0.04 ms",
      "### ping a -> 10.1.0.99",
      "a -> 10.1.0.99: ARP unresolved",
      "### ping_all blue",
      "a -> b (10.1.0.50): 1/1 received, rtt 0.04 ms",
      "a -> c: not run: a (hv1) and c (hv2) are on different hosts of vxlan network blue, and hv1 and hv2 have no underlay with an IPv4 address to carry tunnel packets",
      "b -> a (10.1.0.2): 1/1 received, rtt 0.04 ms",
      expect.stringMatching(/^b -> c: not run: /),
      expect.stringMatching(/^c -> a: not run: /),
      expect.stringMatching(/^c -> b: not run: /),
      "### ping a -> b",
      "a -> b (10.1.0.50): 0/1 received",
      "### ping a -> c",
      "a -> c (10.1.0.3): 1/1 received, rtt 0.04 ms",
    ]);
    expect(cloud.stderr.filter((l) => !l.includes(": not run: "))).toEqual([expect.stringMatching(/^ovsim cloud: step 13 \(delete_network\): NetworkInUse: /)]);
    expect(cloud.server.network("red")).toBeUndefined();
    expect(cloud.server.ports().map((p) => p.id)).toEqual(cloud.spec.ports.map((p) => p.id)); // the booted VMs' ports were deleted with them
    expect(cloud.vms.size).toBe(0);
  });

  it("update_port admin_state_up=false: the agent reports the port down (the stub tags it 4095)", () => {
    const { factory } = stubFactory();
    const cloud = createCloud(file([{ op: "plug_ports", ports: [P1] }, { op: "update_port", port: P1, admin_state_up: false }]), { agent: factory });
    expect(cloud.run().ok).toBe(true);
    expect(cloud.switchOf("hv1").get("Port", "tap11111111-00", "tag")).toBe(4095);
    expect(cloud.server.status(P1)).toBe("DOWN");
    expect(cloud.server.reports.at(-1)).toMatchObject({ host: "hv1", down: [P1] });
  });

  it("a VM booted on a file port is unbound, not deleted, when deleted; delete_network refuses a network in use", () => {
    const { factory, agents } = stubFactory();
    const cloud = createCloud(file([{ op: "boot", vm: "v", port: P3 }, { op: "delete", vm: "v" }, { op: "delete_network", network_id: "blue" }]), { agent: factory });
    expect(cloud.run()).toEqual({ ok: false, failedSteps: [2] });
    expect(cloud.server.port(P3)).toBeDefined();
    expect(cloud.server.bindingHost(P3)).toBeNull();
    expect(cloud.stderr).toEqual(["ovsim cloud: step 2 (delete_network): NetworkInUse: Unable to complete operation on network blue. There are one or more ports still in use on the network."]);
    expect(agents.get("hv2")![0]!.calls.map((c) => c.method)).toContain("port_update");
  });

  it("restart_agent: a new agent (new cookie) that reports the host's ports again; restart_ovs: flows gone, set up again", () => {
    const { factory, agents } = stubFactory();
    const cloud = createCloud(file([{ op: "plug_ports", ports: [P1] }, { op: "restart_agent", host: "hv1" }, { op: "restart_ovs", host: "hv1" }]), { agent: factory });
    expect(cloud.run().ok).toBe(true);
    const [old, fresh] = agents.get("hv1")!;
    expect(fresh?.cookie).not.toBe(old?.cookie);
    expect(cloud.server.reports.filter((r) => r.host === "hv1" && r.up.includes(P1)).length).toBe(3);
    expect(cloud.switchOf("hv1").dumpFlows("br-int", "table=23").length).toBe(1);
  });

  it("advance moves the clock, iterating the agents every whole second", () => {
    const { factory, agents } = stubFactory();
    const cloud = createCloud(file([{ op: "advance", seconds: 3.5 }]), { agent: factory });
    cloud.run();
    expect(cloud.nowMs).toBe(5500);
    expect(agents.get("hv1")![0]!.iterations).toBe(5);
  });

  it("trace prints ofproto/trace of an ICMP echo from the VM's tap", () => {
    const { factory } = stubFactory();
    const cloud = createCloud(file([{ op: "plug_ports", ports: [P1, P2] }, { op: "trace", from: P1, to: P2 }]), { agent: factory });
    expect(cloud.run().ok).toBe(true);
    expect(cloud.stdout[0]).toBe(`### hv1: ovs-appctl ofproto/trace br-int in_port=tap11111111-00,icmp,dl_src=fa:16:3e:00:00:01,dl_dst=fa:16:3e:00:00:02,nw_src=10.1.0.11,nw_dst=10.1.0.12,nw_ttl=64,icmp_type=8,icmp_code=0`);
    expect(cloud.stdout).toContain('bridge("br-int")');
  });
});

describe("with the ported Neutron agent", () => {
  it("VMs ping across hosts: a VLAN network through the physical NICs, a vxlan network through the hosts' tunnel NICs; a trace follows the packet", () => {
    const cloud = createCloud(
      file([
        { op: "boot", vm: "r1", host: "hv1", network_id: "red" },
        { op: "boot", vm: "r2", host: "hv2", network_id: "red" },
        { op: "ping", from: "r1", to: "r2", expect: "ok" },
        { op: "plug_ports", ports: [P1, P3] },
        { op: "ping", from: P1, to: P3, expect: "ok" },
        { op: "trace", from: P1, to: P3 },
        { op: "trace", from: "r2", to: "r1" },
      ]),
      { agent: ovsAgentFactory },
    );
    expect(cloud.run()).toEqual({ ok: true, failedSteps: [] });
    expect(cloud.stdout[1]).toBe("r1 -> r2 (10.2.0.3): 1/1 received, rtt 0.24 ms");
    expect(cloud.stdout[3]).toBe(`tap11111111-00 -> tap33333333-00 (10.1.0.13): 1/1 received, rtt 0.24 ms`);
    const heads = cloud.stdout.filter((l) => l.startsWith("### hv"));
    expect(heads).toEqual([
      "### hv1: ovs-appctl ofproto/trace br-int in_port=tap11111111-00,icmp,dl_src=fa:16:3e:00:00:01,dl_dst=fa:16:3e:00:00:03,nw_src=10.1.0.11,nw_dst=10.1.0.13,nw_ttl=64,icmp_type=8,icmp_code=0",
      "### hv2: ovs-appctl ofproto/trace br-tun in_port=vxlan-c0000201,tun_id=0x3e9,tun_src=192.0.2.1,tun_dst=192.0.2.2,icmp,dl_src=fa:16:3e:00:00:01,dl_dst=fa:16:3e:00:00:03,nw_src=10.1.0.11,nw_dst=10.1.0.13,nw_ttl=64,icmp_type=8,icmp_code=0",
      expect.stringMatching(/^### hv2: ovs-appctl ofproto\/trace br-int in_port=tap/),
      expect.stringMatching(/^### hv1: ovs-appctl ofproto\/trace br-phys in_port=eth1,dl_vlan=301,icmp,/),
    ]);
  });

  it("without an underlay, VMs on different hosts of a vxlan network are not pinged: the step says why and fails", () => {
    const cloud = createCloud(file([{ op: "plug_ports", ports: [P1, P3] }, { op: "ping", from: P1, to: P3 }], {}, false), { agent: ovsAgentFactory });
    expect(cloud.run()).toEqual({ ok: false, failedSteps: [1] });
    expect(cloud.stdout[1]).toMatch(/^tap11111111-00 -> tap33333333-00: not run: .* hv1 and hv2 have no underlay/);
  });

  it("the underlay's physical NIC does not change the agent's ports: phy-br-phys keeps ofport 1, the NIC comes after", () => {
    const cloud = createCloud(file([]), { agent: ovsAgentFactory });
    expect(cloud.switchOf("hv1").ports("br-phys").map((p) => `${p.name}=${p.ofport}`)).toEqual(["phy-br-phys=1", "eth1=2", "br-phys=65534"]);
  });

  it("fixtures/cloud-examples/two-hosts.json prints what two-hosts.ovsim.out holds (cookies aside)", () => {
    const dir = new URL("../../fixtures/cloud-examples/", import.meta.url);
    const cloud = createCloud(readFileSync(new URL("two-hosts.json", dir), "utf8"), { agent: ovsAgentFactory });
    expect(cloud.run().ok).toBe(true);
    expect(cloud.stderr).toEqual([]);
    const norm = (t: string) => t.replace(/cookie[= ]0x[0-9a-f]+/g, "cookie=C").replace(/\n$/, "").split("\n");
    expect(norm(cloud.stdout.join("\n"))).toEqual(norm(readFileSync(new URL("two-hosts.ovsim.out", dir), "utf8")));
  });

  it("same file, same seed: the same output byte for byte; another seed: other cookies", () => {
    const text = readFileSync(new URL("../../fixtures/cloud/vxlan-l2pop.json", import.meta.url), "utf8");
    const out = (seed?: number) => {
      const spec = parseCloudFile(text);
      const cloud = createCloud(seed === undefined ? spec : { ...spec, seed }, { agent: ovsAgentFactory });
      cloud.run();
      return cloud.stdout.join("\n");
    };
    const first = out();
    expect(out()).toBe(first);
    const other = out(42);
    expect(other).not.toBe(first);
    expect(other.replace(/cookie=0x[0-9a-f]+/g, "")).toBe(first.replace(/cookie=0x[0-9a-f]+/g, ""));
  });

  it("update_port admin_state_up=false puts the port on the dead VLAN 4095; true brings it back", () => {
    const cloud = createCloud(
      file([
        { op: "plug_ports", ports: [P1] },
        { op: "update_port", port: P1, admin_state_up: false },
        { op: "run", host: "hv1", commands: ["ovs-vsctl get Port tap11111111-00 tag"] },
        { op: "update_port", port: P1, admin_state_up: true },
        { op: "run", host: "hv1", commands: ["ovs-vsctl get Port tap11111111-00 tag"] },
      ]),
      { agent: ovsAgentFactory },
    );
    expect(cloud.run().ok).toBe(true);
    expect(cloud.stdout).toEqual(["### hv1: ovs-vsctl get Port tap11111111-00 tag", "4095", "### hv1: ovs-vsctl get Port tap11111111-00 tag", "1"]);
    expect(cloud.server.status(P1)).toBe("ACTIVE");
  });

  it("runs the CLOUD-FORMAT example", () => {
    const spec = parseCloudFile({
      hosts: [{ name: "compute-1", agent: { local_ip: "192.0.2.1", tunnel_types: ["vxlan"], l2_population: true, arp_responder: true } }],
      networks: [{ id: "n", network_type: "vxlan", segmentation_id: 1001, mtu: 1450, subnet: { id: "s", cidr: "10.1.0.0/24" } }],
      ports: [{ id: P1, network_id: "n", mac: "fa:16:3e:0a:00:01", fixed_ips: ["10.1.0.5"] }],
      steps: [
        { op: "plug_ports", ports: [P1] },
        { op: "l2pop_fdb_add", entries: [{ network_id: "n", remote_ip: "192.0.2.9", flooding_entry: true }, { network_id: "n", remote_ip: "192.0.2.9", mac: "fa:16:3e:0a:09:01", ip: "10.1.0.9" }] },
        { op: "run", commands: ["ovs-ofctl --no-stats dump-flows br-tun table=22"] },
        { op: "unplug_ports", ports: [P1] },
      ],
    });
    const cloud = createCloud(spec, { agent: ovsAgentFactory });
    expect(cloud.run().ok).toBe(true);
    expect(cloud.stdout.map((l) => l.replace(/cookie=0x[0-9a-f]+/, "cookie=C"))).toEqual([
      "### ovs-ofctl --no-stats dump-flows br-tun table=22",
      " cookie=C, table=22, priority=1,dl_vlan=1 actions=strip_vlan,load:0x3e9->NXM_NX_TUN_ID[],output:2",
      " cookie=C, table=22, priority=0 actions=drop",
    ]);
  });
});
