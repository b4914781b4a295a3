/**
 * Hosts on the netdev datapath (the agent's `datapath_type: netdev`, as DPDK
 * deployments run): the tunnel address sits on an OVS bridge (br-ex, the
 * underlay NIC its port) and OVS tunnels natively — `tnl_push` after a route
 * lookup and a tnl/neigh entry learned by snooping the ARP reply to the
 * request its translation sent; `tnl_pop` of what comes back. The agent's
 * bridges, ports, ofports and flows are those of a `system` run, but for
 * datapath_type.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CloudFileError, parseCloudFile } from "../../src/cloud/cloud-file.js";
import { createCloud } from "../../src/cloud/cloud.js";
import type { Cloud } from "../../src/cloud/cloud.js";
import { runLine } from "../../src/utilities/run-script.js";

const NET_A = "aaaaaaaa-0000-4000-8000-000000000001";
const NET_B = "bbbbbbbb-0000-4000-8000-000000000002";

type Dp = "system" | "netdev";

function file(tunnel: "vxlan" | "gre", dps: readonly [Dp, Dp], steps: readonly unknown[], twoTenants = false): unknown {
  const host = (name: string, ip: string, dp: Dp): unknown => ({ name, agent: { local_ip: ip, tunnel_types: [tunnel], datapath_type: dp }, underlay: {} });
  const net = (id: string, name: string, seg: number): unknown => ({
    id,
    name,
    network_type: tunnel,
    segmentation_id: seg,
    mtu: 1450,
    subnet: { id: `subnet-${name}`, cidr: "10.0.0.0/24" },
  });
  return {
    format: 1,
    seed: 10,
    hosts: [host("hv1", "192.0.2.1", dps[0]), host("hv2", "192.0.2.2", dps[1])],
    networks: twoTenants ? [net(NET_A, "tenant-a", 100), net(NET_B, "tenant-b", 200)] : [net(NET_A, "tenant-a", 100)],
    steps: [
      { op: "boot", vm: "a1", host: "hv1", network_id: NET_A },
      { op: "boot", vm: "a2", host: "hv2", network_id: NET_A },
      ...(twoTenants
        ? [
            { op: "boot", vm: "b1", host: "hv1", network_id: NET_B },
            { op: "boot", vm: "b2", host: "hv2", network_id: NET_B },
          ]
        : []),
      ...steps,
    ],
  };
}

function run(c: Cloud): void {
  const r = c.run();
  expect(c.stderr).toEqual([]);
  expect(r.failedSteps).toEqual([]);
  expect(r.ok).toBe(true);
}

function lines(c: Cloud, host: string, cmd: string): string[] {
  const r = runLine(c.switchOf(host), cmd);
  expect(r.ok).toBe(true);
  return r.stdout.filter((l) => l !== "");
}

function datapathActions(c: Cloud): string[] {
  return c.stdout.filter((l) => l.startsWith("Datapath actions:"));
}

describe("netdev hosts: native tunnelling over br-ex", () => {
  for (const tunnel of ["vxlan", "gre"] as const) {
    it(`two netdev hosts ping over ${tunnel}; the trace pushes the tunnel header itself; tnl/neigh learned the peer`, () => {
      const c = createCloud(file(tunnel, ["netdev", "netdev"], [{ op: "ping", from: "a1", to: "a2", count: 3, expect: "ok" }, { op: "trace", from: "a1", to: "a2" }]));
      // Before traffic: nothing learned, the address is on br-ex's own port as OVS reads it from the kernel.
      expect(lines(c, "hv1", "ovs-appctl tnl/neigh/show").slice(2)).toEqual([]);
      expect(lines(c, "hv1", "ovs-appctl ovs/route/show")).toContain("Cached: 192.0.2.1/32 dev br-ex SRC 192.0.2.1 local");
      run(c);
      expect(c.stdout).toContain("a1 -> a2 (10.0.0.3): 3/3 received, rtt 0.24 0.24 0.24 ms");
      const sent = datapathActions(c)[0] ?? "";
      expect(sent).toMatch(/tnl_push\(tnl_port\(\d+\),header\(.*src=192\.0\.2\.1,dst=192\.0\.2\.2,proto=(17|47)/);
      expect(sent).not.toContain("set(tunnel(");
      const macs = (host: string): string => c.host(host).ip.nicNames().join();
      expect(macs("hv1")).toBe("br-ex");
      // The peer's br-ex MAC (52:54:00 + its address' low bytes), learned on hv1's br-ex; and the other way.
      expect(lines(c, "hv1", "ovs-appctl tnl/neigh/show").slice(2).map((l) => l.split(/\s+/))).toEqual([["192.0.2.2", "52:54:00:00:02:02", "br-ex"]]);
      expect(lines(c, "hv2", "ovs-appctl tnl/neigh/show").slice(2).map((l) => l.split(/\s+/))).toEqual([["192.0.2.1", "52:54:00:00:02:01", "br-ex"]]);
      // What comes back is popped at br-ex's own port.
      expect(lines(c, "hv1", "ovs-appctl dpctl/dump-flows").some((l) => l.includes(`actions:tnl_pop(`))).toBe(true);
    });
  }

  it("the system datapath's trace of the same file sets the tunnel key for the kernel vport instead", () => {
    const c = createCloud(file("vxlan", ["system", "system"], [{ op: "ping", from: "a1", to: "a2", expect: "ok" }, { op: "trace", from: "a1", to: "a2" }]));
    run(c);
    const sent = datapathActions(c)[0] ?? "";
    expect(sent).toContain("set(tunnel(");
    expect(sent).not.toContain("tnl_push");
  });

  it("tenants stay isolated: each network's VMs answer each other and no VM of the other network", () => {
    const c = createCloud(file("vxlan", ["netdev", "netdev"], [{ op: "ping_matrix", expect: "ok" }], true));
    run(c);
    expect(c.stdout).toContain("a1      -  ok | none  none*");
    expect(c.stdout).toContain("b1      -  ok | none  none*");
  });

  it("a mixed cloud (hv1 system, hv2 netdev) pings both ways", () => {
    const c = createCloud(file("vxlan", ["system", "netdev"], [{ op: "ping", from: "a1", to: "a2", count: 2, expect: "ok" }, { op: "ping", from: "a2", to: "a1", count: 2, expect: "ok" }]));
    run(c);
    expect(c.host("hv1").ip.nicNames()).toEqual(["eth0"]);
    expect(lines(c, "hv2", "ovs-appctl tnl/neigh/show").slice(2).map((l) => l.split(/\s+/)[0])).toEqual(["192.0.2.1"]);
  });

  it("the agent's bridges, ports, ofports and flows are those of a system run, but for datapath_type", () => {
    const steps = [{ op: "ping", from: "a1", to: "a2", expect: "ok" }];
    const sys = createCloud(file("vxlan", ["system", "system"], steps));
    const net = createCloud(file("vxlan", ["netdev", "netdev"], steps));
    run(sys);
    run(net);
    const cookies = (ls: readonly string[]): string[] => ls.map((l) => l.replace(/cookie=0x[0-9a-f]+/, "cookie=C"));
    for (const host of ["hv1", "hv2"]) {
      for (const br of ["br-int", "br-tun"]) {
        const a = cookies(lines(sys, host, `ovs-ofctl --no-stats dump-flows ${br}`));
        expect(a.length).toBeGreaterThan(3);
        expect(cookies(lines(net, host, `ovs-ofctl --no-stats dump-flows ${br}`))).toEqual(a);
        const ports = (c: Cloud): string[] => lines(c, host, `ovs-ofctl show ${br}`).filter((l) => /^ (\d+|LOCAL)\(/.test(l)).map((l) => l.replace(/addr:\S+/, ""));
        expect(ports(sys).length).toBeGreaterThan(1);
        expect(ports(net)).toEqual(ports(sys));
        expect(lines(sys, host, `ovs-vsctl get bridge ${br} datapath_type`)).toEqual(["system"]);
        expect(lines(net, host, `ovs-vsctl get bridge ${br} datapath_type`)).toEqual(["netdev"]);
      }
      // The agent's bridges; br-ex is the operator's (the cloud's underlay).
      expect(lines(net, host, "ovs-vsctl list-br")).toEqual(["br-ex", ...lines(sys, host, "ovs-vsctl list-br")]);
    }
  });

  it("after restart_ovs, br-ex has its NORMAL flow back and tnl/neigh is learned again: only the first packet is lost", () => {
    const c = createCloud(
      file("vxlan", ["netdev", "netdev"], [
        { op: "ping", from: "a1", to: "a2", expect: "ok" },
        { op: "restart_ovs", host: "hv1" },
        { op: "run", host: "hv1", commands: ["ovs-appctl tnl/neigh/show"] },
        { op: "ping", from: "a1", to: "a2", count: 3 },
      ]),
    );
    run(c);
    // Right after the restart the cache is empty (the daemon's memory); the first echo request's miss sends the ARP request.
    const shown = c.stdout.indexOf("### hv1: ovs-appctl tnl/neigh/show");
    expect(c.stdout.slice(shown + 1, shown + 4)).toEqual([
      "IP                                            MAC                 Bridge",
      "==========================================================================",
      "### ping a1 -> a2",
    ]);
    expect(c.stdout).toContain("a1 -> a2 (10.0.0.3): 2/3 received, rtt 0.24 0.24 ms");
    expect(lines(c, "hv1", "ovs-ofctl --no-stats dump-flows br-ex")).toEqual([" priority=0 actions=NORMAL"]);
    expect(lines(c, "hv1", "ovs-appctl tnl/neigh/show").slice(2).map((l) => l.split(/\s+/)[0])).toEqual(["192.0.2.2"]);
  });

  it("the bundled example (fixtures/cloud-examples/netdev-hosts.json) runs: pings answered, tnl_push, the peer in tnl/neigh", () => {
    const c = createCloud(readFileSync(new URL("../../fixtures/cloud-examples/netdev-hosts.json", import.meta.url), "utf8"));
    run(c);
    expect(c.stdout).toContain("a1 -> a2 (10.0.0.3): 3/3 received, rtt 0.24 0.24 0.24 ms");
    expect(datapathActions(c)[0]).toContain("tnl_push(");
    expect(c.stdout.some((l) => /^192\.0\.2\.2\s+52:54:00:00:02:02\s+br-ex$/.test(l))).toBe(true);
  });

  it("the cloud file takes datapath_type system or netdev, and says which when given another", () => {
    const spec = parseCloudFile(file("vxlan", ["netdev", "system"], []));
    expect(spec.hosts.map((h) => h.agent.datapathType)).toEqual(["netdev", "system"]);
    expect(spec.hosts[0]?.underlay?.bridge).toBe("br-ex");
    const bad = { format: 1, hosts: [{ name: "hv1", agent: { datapath_type: "dpdk" } }] };
    expect(() => parseCloudFile(bad)).toThrow(CloudFileError);
    expect(() => parseCloudFile(bad)).toThrow(/datapath_type/);
    expect(() => parseCloudFile(bad)).toThrow(/netdev/);
    const host = (agent: object, underlay: object): unknown => ({ format: 1, hosts: [{ name: "hv1", agent: { local_ip: "192.0.2.1", ...agent }, underlay }] });
    expect(() => parseCloudFile(host({}, { bridge: "br-ex" }))).toThrow(/hosts\[0\]\.underlay\.bridge: only with the agent's datapath_type netdev/);
    expect(() => parseCloudFile(host({ datapath_type: "netdev", bridge_mappings: { physnet1: "br-ex" } }, {}))).toThrow(/br-ex is one of the agent's bridges/);
    expect(() => parseCloudFile(host({ datapath_type: "netdev" }, { bridge: "br-tun" }))).toThrow(/br-tun is one of the agent's bridges/);
    expect(parseCloudFile(host({ datapath_type: "netdev" }, { bridge: "br-underlay" })).hosts[0]?.underlay?.bridge).toBe("br-underlay");
  });
});
