/**
 * The cloud checkers one by one, on small clouds built by hand: what each
 * accepts and what it reports, including the admin-down behaviours of
 * Neutron 21 that `checkIsolation` accepts unless asked to be strict
 * (properties.ts, IsolationOptions), and a storm planted as a duplicating
 * flow.
 */
import { describe, expect, it } from "vitest";
import { checkIsolation, checkNoStorms, checkReachability, CloudRun, cloudFileOf } from "../../src/testing/cloud/index.js";

const twoNetworks = cloudFileOf({ hosts: 1, networks: [{ type: "vxlan", subnet: 0 }, { type: "vlan", subnet: 0 }], l2pop: false, arpResponder: false, firewall: false, seed: 0, vms: [] });

function deadPair(): CloudRun {
  const run = new CloudRun(twoNetworks);
  run.step({ op: "boot", vm: "a", host: "hv1", network_id: "net0" });
  run.step({ op: "boot", vm: "b", host: "hv1", network_id: "net1" });
  run.step({ op: "update_port", port: "a", admin_state_up: false });
  run.step({ op: "update_port", port: "b", admin_state_up: false });
  // Both ports have 10.0.0.2 and 10.0.0.3 on their overlapping subnets: a asks for b's address.
  run.step({ op: "ping", from: "a", to: "b" });
  return run;
}

describe("checkIsolation and admin-down ports", () => {
  it("accepts, by default, what Neutron lets through between admin-down ports of one host (VLAN 4095), and reports it when strict", () => {
    const run = deadPair();
    expect(checkIsolation(run.cloud)).toEqual([]);
    // a's ARP request reached b across networks, and b's reply came back.
    const strict = checkIsolation(run.cloud, { strictDeadPorts: true }).map((v) => v.message);
    expect(strict).toContain("b on hv1 (net1 (vlan)) received a frame from a of network net0 (vxlan)");
    expect(strict).toContain("a on hv1 (net0 (vxlan)) received a frame from b of network net1 (vlan)");
  });

  it("accepts, by default, the floods an untagged admin-down port gets (plugged while admin-down: port_dead leaves it without a tag, a trunk), and reports them when strict", () => {
    const run = new CloudRun(cloudFileOf({ hosts: 2, networks: [{ type: "vxlan", subnet: 0 }], l2pop: false, arpResponder: false, firewall: false, seed: 0, vms: [] }));
    run.step({ op: "boot", vm: "a", host: "hv2", network_id: "net0" });
    run.step({ op: "update_port", port: "a", admin_state_up: false });
    run.step({ op: "migrate", vm: "a", host: "hv1" });
    run.step({ op: "boot", vm: "b", host: "hv1", network_id: "net0" });
    const tap = (vm: string): string => run.cloud.server.port(run.cloud.findVm(vm)?.portId ?? "")?.name ?? "";
    expect(run.cloud.switchOf("hv1").get("Port", tap("a"), "tag")).toBe(null);
    expect(run.cloud.switchOf("hv1").get("Port", tap("b"), "tag")).toBe(1);
    run.step({ op: "ping", from: "b", to: "a" });
    expect(checkIsolation(run.cloud)).toEqual([]);
    expect(checkIsolation(run.cloud, { strictDeadPorts: true }).map((v) => v.message)).toContain("a on hv1 (net0 (vxlan)) received a VLAN-tagged frame (ethertype 0x8100) from b");
  });

  it("reports a frame from a live port of another network", () => {
    const run = new CloudRun(twoNetworks);
    run.step({ op: "boot", vm: "a", host: "hv1", network_id: "net0" });
    run.step({ op: "boot", vm: "b", host: "hv1", network_id: "net1" });
    // A bridge that floods everything, whatever its VLAN: tenants meet.
    run.step({ op: "run", host: "hv1", commands: ["ovs-ofctl add-flow br-int table=0,priority=200,actions=FLOOD"] });
    run.step({ op: "ping", from: "a", to: "b" });
    const found = checkIsolation(run.cloud);
    expect(found.map((v) => v.message)).toContain("b on hv1 (net1 (vlan)) received a frame from a of network net0 (vxlan)");
    expect(found.find((v) => v.to === "b")?.from).toBe("a");
  });
});

describe("checkReachability and checkNoStorms", () => {
  it("pass on a two-host VXLAN network, and a duplicating flow is a storm", () => {
    const file = cloudFileOf({ hosts: 2, networks: [{ type: "vxlan", subnet: 0 }], l2pop: true, arpResponder: true, firewall: false, seed: 3, vms: [] });
    const run = new CloudRun(file);
    for (const [vm, host] of [["a", "hv1"], ["b", "hv2"], ["c", "hv2"]] as const) run.step({ op: "boot", vm, host, network_id: "net0" });
    expect(checkReachability(run.cloud)).toEqual([]);
    expect(checkNoStorms(run.cloud)).toEqual([]);
    // br-int of hv2 outputs every frame twice.
    run.step({ op: "run", host: "hv2", commands: ["ovs-ofctl add-flow br-int table=60,priority=100,actions=NORMAL,NORMAL"] });
    const storms = checkNoStorms(run.cloud);
    expect(storms.map((v) => v.message)).toContain("a broadcast from a on hv1 reached b on hv2 2 times");
  });
});
