/**
 * Tenant isolation on a VLAN provider network, for random small topologies
 * drawn by ovsim/testing's cloud arbitrary (2-3 hosts, one to three VLAN
 * networks, the VMs it boots first), built here without an agent: each
 * host's br-int has the VMs as access ports tagged with their network's
 * segmentation id and eth0 as a trunk (NORMAL switching), on one underlay
 * segment that is a learning switch or a hub; random ping sequences.
 * Every ping between VMs of the same VLAN succeeds, every ping across VLANs
 * fails at ARP, no VM ever receives a frame sent by a VM of another VLAN,
 * and the event loop always terminates.
 */
import { runScript } from "../../src/utilities/run-script.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatIpv4 } from "../../src/datapath/endpoint.js";
import { Simulation } from "../../src/sim/simulation.js";
import type { CloudFileJson } from "../../src/testing/cloud/index.js";
import { cloudDrawArbitrary, cloudFileOf } from "../../src/testing/cloud/index.js";
import { propertyRuns, propertyTimeout } from "../../src/testing/runs.js";

interface Vm {
  readonly host: number;
  readonly vlan: number;
}

/** The file's boots as VMs: host index and the VLAN (segmentation id) of their network. */
function vmsOf(file: CloudFileJson): Vm[] {
  return file.steps.map((s) => ({
    host: file.hosts.findIndex((h) => h.name === s["host"]),
    vlan: file.networks.find((n) => n.id === s["network_id"])?.segmentation_id ?? 0,
  }));
}

const scenario = cloudDrawArbitrary({ minHosts: 2, maxHosts: 3, networkTypes: ["vlan"], firewall: false, l2pop: false, initialVms: 6 })
  .filter((d) => d.vms.length >= 2)
  .chain((d) => {
    const file = cloudFileOf(d);
    const n = file.steps.length;
    return fc.record({
      file: fc.constant(file),
      hub: fc.boolean(),
      pings: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { minLength: 1, maxLength: 8 }),
    });
  });

function build(hosts: number, hub: boolean, vms: readonly Vm[]): Simulation {
  const sim = new Simulation({ packetBudget: 20_000 });
  sim.addSegment("phys", { mode: hub ? "hub" : "switch" });
  for (let h = 0; h < hosts; h++) {
    const lines = [
      "ovs-vsctl add-br br-int -- set bridge br-int datapath_type=dummy",
      "ovs-vsctl add-port br-int eth0 -- set interface eth0 type=dummy",
    ];
    vms.forEach((vm, i) => {
      if (vm.host === h) lines.push(`ovs-vsctl add-port br-int tap${i} -- set interface tap${i} type=dummy -- set port tap${i} tag=${vm.vlan}`);
    });
    expect(runScript(lines.join("\n"), sim.addHost(`hv${h}`).switch).ok).toBe(true);
    sim.connect(`hv${h}`, "eth0", "phys");
  }
  vms.forEach((vm, i) => {
    const mac = `fa:16:3e:00:01:${i.toString(16).padStart(2, "0")}`;
    sim.addEndpoint(`vm${i}`, `hv${vm.host}`, `tap${i}`, mac, formatIpv4(0x0a000001 + i));
  });
  return sim;
}

describe("tenant isolation on a VLAN provider network", () => {
  it("same-VLAN pings succeed, cross-VLAN frames never arrive, the loop terminates", { timeout: propertyTimeout(60_000) }, () => {
    fc.assert(
      fc.property(scenario, ({ file, hub, pings }) => {
        const vms = vmsOf(file);
        const sim = build(file.hosts.length, hub, vms);
        for (const [a, b] of pings) {
          if (a === b) continue;
          const src = sim.endpoint(`vm${a}`);
          const r = src.ping(0x0a000001 + b, { timeoutUs: 20_000 });
          sim.run();
          const same = vms[a]?.vlan === vms[b]?.vlan;
          expect(r.received, `vm${a} -> vm${b}`).toBe(same ? 1 : 0);
          expect(r.resolved).toBe(same);
        }
        expect(sim.loop.pending).toBe(0);
        const vlanOfMac = new Map<number, number>();
        vms.forEach((vm, i) => vlanOfMac.set(sim.endpoint(`vm${i}`).mac, vm.vlan));
        vms.forEach((vm, i) => {
          for (const f of sim.endpoint(`vm${i}`).received) {
            const src = (((f.bytes[6] ?? 0) << 8) | (f.bytes[7] ?? 0)) * 0x100000000 + Buffer.from(f.bytes.subarray(8, 12)).readUInt32BE(0);
            expect(vlanOfMac.get(src), `vm${i} (VLAN ${vm.vlan}) received a frame from another VLAN`).toBe(vm.vlan);
            expect(f.bytes.length >= 14 && ((f.bytes[12] ?? 0) << 8 | (f.bytes[13] ?? 0)) !== 0x8100).toBe(true);
          }
        });
      }),
      { numRuns: propertyRuns(200) },
    );
  });
});
