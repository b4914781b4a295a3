import { runScript } from "../../src/utilities/run-script.js";
import { describe, expect, it } from "vitest";
import { parseIpv4 } from "../../src/datapath/endpoint.js";
import { Simulation } from "../../src/sim/simulation.js";

function hostScript(): string {
  return [
    "ovs-vsctl add-br br-int -- set bridge br-int datapath_type=dummy",
    "ovs-vsctl add-port br-int tap1 -- set interface tap1 type=dummy -- set port tap1 tag=101",
    "ovs-vsctl add-port br-int tap2 -- set interface tap2 type=dummy -- set port tap2 tag=102",
    "ovs-vsctl add-port br-int eth0 -- set interface eth0 type=dummy",
  ].join("\n");
}

describe("hosts on a VLAN provider underlay", () => {
  it("pings across two hosts in the same VLAN", () => {
    const sim = new Simulation();
    for (const h of ["hv1", "hv2"]) expect(runScript(hostScript(), sim.addHost(h).switch).ok).toBe(true);
    sim.addSegment("phys");
    sim.connect("hv1", "eth0", "phys");
    sim.connect("hv2", "eth0", "phys");
    const vm1 = sim.addEndpoint("vm1", "hv1", "tap1", "fa:16:3e:00:00:01", "10.0.0.1");
    sim.addEndpoint("vm2", "hv2", "tap1", "fa:16:3e:00:00:02", "10.0.0.2");
    const vm3 = sim.addEndpoint("vm3", "hv2", "tap2", "fa:16:3e:00:00:03", "10.0.0.3");
    const r = vm1.ping(parseIpv4("10.0.0.2"), { count: 3 });
    sim.run();
    expect(r).toMatchObject({ resolved: true, transmitted: 3, received: 3 });
    expect(vm3.received).toHaveLength(0);
    const r2 = vm1.ping(parseIpv4("10.0.0.3"));
    expect(r2.resolved).toBe(false);
  });
});
