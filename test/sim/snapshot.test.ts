/**
 * Simulation snapshots (src/sim/snapshot.ts): two kernel-datapath hosts
 * with br-int / br-tun, a VXLAN tunnel between their IP stacks' eth0 on one
 * underlay segment, a VM on each (as test/sim/host-kernel-tunnel.test.ts
 * builds them). Saved after a first ping, JSON text, loaded: the second
 * ping, the flows' counters and ages, the MAC tables, the IP stacks' ARP
 * caches and counters, the segment's MAC table and the endpoints' state
 * are those of the simulation that was not saved. Also: the loop must be
 * idle, frames waiting for a next hop are kept, a bad host section is a
 * SnapshotError with its path.
 */
import { describe, expect, it } from "vitest";
import type { TunnelKey } from "../../src/actions/xlate/odp-tunnel.js";
import { tunnelKey } from "../../src/actions/xlate/odp-tunnel.js";
import { parseIpv4 } from "../../src/datapath/endpoint.js";
import type { SimSnapshot } from "../../src/sim/snapshot.js";
import { Simulation } from "../../src/sim/simulation.js";
import { runLine } from "../../src/utilities/run-script.js";
import { SnapshotError } from "../../src/vswitchd/snapshot.js";

const HOSTS = [
  { name: "hv1", ip: "172.31.0.1", mac: "52:54:00:00:00:01", vmMac: "fa:16:3e:00:00:01", vmIp: "10.0.0.1" },
  { name: "hv2", ip: "172.31.0.2", mac: "52:54:00:00:00:02", vmMac: "fa:16:3e:00:00:02", vmIp: "10.0.0.2" },
] as const;

function twoHosts(): Simulation {
  const sim = new Simulation();
  sim.addSegment("underlay");
  for (const [i, h] of HOSTS.entries()) {
    const peer = HOSTS[1 - i]!;
    const host = sim.addHost(h.name, { kernelDatapath: true });
    sim.addNic(h.name, "eth0", "underlay", { mac: h.mac, addresses: [`${h.ip}/24`] });
    const lines = [
      "ovs-vsctl add-br br-int -- set bridge br-int datapath_type=system fail-mode=secure",
      "ovs-vsctl add-br br-tun -- set bridge br-tun datapath_type=system fail-mode=secure",
      "ovs-vsctl add-port br-int patch-tun -- set interface patch-tun type=patch options:peer=patch-int",
      "ovs-vsctl add-port br-tun patch-int -- set interface patch-int type=patch options:peer=patch-tun",
      "ovs-vsctl add-port br-int tap1 -- set interface tap1 type=dummy -- set port tap1 tag=1",
      `ovs-vsctl add-port br-tun tun-peer -- set interface tun-peer type=vxlan ofport_request=2 options:remote_ip=${peer.ip} options:local_ip=${h.ip} options:in_key=flow options:out_key=flow`,
      "ovs-ofctl add-flow br-int 'table=0,priority=0,actions=NORMAL'",
      "ovs-ofctl add-flow br-tun 'table=0,priority=1,in_port=1,actions=resubmit(,2)'",
      "ovs-ofctl add-flow br-tun 'table=0,priority=1,in_port=2,actions=resubmit(,4)'",
      "ovs-ofctl add-flow br-tun 'table=2,priority=0,dl_dst=00:00:00:00:00:00/01:00:00:00:00:00,actions=resubmit(,20)'",
      "ovs-ofctl add-flow br-tun 'table=2,priority=0,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,actions=resubmit(,22)'",
      "ovs-ofctl add-flow br-tun 'table=4,priority=1,tun_id=0x64,actions=mod_vlan_vid:1,resubmit(,10)'",
      "ovs-ofctl add-flow br-tun 'table=10,priority=1,actions=learn(table=20,hard_timeout=300,priority=1,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0->NXM_OF_VLAN_TCI[],load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],output:NXM_OF_IN_PORT[]),output:1'",
      "ovs-ofctl add-flow br-tun 'table=20,priority=0,actions=resubmit(,22)'",
      "ovs-ofctl add-flow br-tun 'table=22,priority=1,dl_vlan=1,actions=strip_vlan,set_field:0x64->tun_id,output:2'",
    ];
    for (const line of lines) expect(runLine(host.switch, line).ok, line).toBe(true);
    sim.addEndpoint(`vm-${h.name}`, h.name, "tap1", h.vmMac, h.vmIp);
  }
  return sim;
}

/** What the simulation shows: a ping, then every host's flows, MAC table, stack. */
function observe(sim: Simulation): unknown[] {
  const ping = sim.endpoint("vm-hv1").ping(parseIpv4("10.0.0.2"), { count: 2 });
  sim.run(sim.nowMs + 2000);
  sim.sync();
  const out: unknown[] = [ping, sim.nowMs, [...sim.segment("underlay").macTable()], sim.segment("underlay").nFrames];
  for (const h of HOSTS) {
    const host = sim.host(h.name);
    for (const line of ["ovs-ofctl dump-flows br-tun", "ovs-ofctl dump-flows br-int", "ovs-appctl fdb/show br-int", "ovs-appctl dpctl/dump-flows"]) out.push(runLine(host.switch, line).stdout);
    out.push({ ...host.ip.stats }, [...host.ip.neighbours], host.nUnattached);
    const ep = sim.endpoint(`vm-${h.name}`);
    out.push([...ep.arpCache], ep.received.length);
  }
  return out;
}

describe("simulation snapshots", () => {
  it("save after a ping, JSON, load: the next ping and every dump are the unsaved simulation's", () => {
    const ref = twoHosts();
    ref.endpoint("vm-hv1").ping(parseIpv4("10.0.0.2"));
    ref.run();
    const text = JSON.stringify(ref.saveSnapshot());
    const copy = Simulation.loadSnapshot(JSON.parse(text) as SimSnapshot);
    expect(JSON.stringify(copy.saveSnapshot())).toBe(text);
    expect(observe(copy)).toEqual(observe(ref));
  });

  it("refuses while frames are in flight", () => {
    const sim = twoHosts();
    sim.endpoint("vm-hv1").send(new Uint8Array(60).fill(0xff));
    expect(() => sim.saveSnapshot()).toThrow(/^1 event\(s\) pending in the event loop/);
    sim.run();
    expect(() => sim.saveSnapshot()).not.toThrow();
  });

  it("keeps frames waiting for a next hop (the IP stack's unresolved queue) and when it was asked", () => {
    const sim = twoHosts();
    // A route through a gateway nobody has: the frame waits while ARP asks.
    sim.host("hv1").ip.addRoute("192.0.2.0/24", "eth0", "172.31.0.9");
    sim.host("hv1").ip.sendTunnel("vxlan_sys_4789", new Uint8Array(60), tunnelTo(parseIpv4("192.0.2.7")));
    sim.run();
    const saved = sim.saveSnapshot();
    expect(saved.hosts[0]?.ip.pending).toEqual([{ nextHop: parseIpv4("172.31.0.9"), dev: "eth0", frames: [expect.any(String)], askedUs: expect.any(Number) }]);
    const copy = Simulation.loadSnapshot(JSON.parse(JSON.stringify(saved)) as SimSnapshot);
    expect(JSON.stringify(copy.saveSnapshot())).toBe(JSON.stringify(saved));
  });

  it("a malformed section is a SnapshotError, not a TypeError", () => {
    const good = twoHosts().saveSnapshot();
    expect(() => Simulation.loadSnapshot({ ...good, segments: [{ name: "underlay", members: 5 }] } as unknown as SimSnapshot)).toThrow(SnapshotError);
  });

  it("a bad switch section is a SnapshotError under its host's path", () => {
    const s = JSON.parse(JSON.stringify(twoHosts().saveSnapshot())) as { hosts: { switch: { version: number } }[] };
    s.hosts[1]!.switch.version = 99;
    expect(() => Simulation.loadSnapshot(s as unknown as SimSnapshot)).toThrow(SnapshotError);
    try {
      Simulation.loadSnapshot(s as unknown as SimSnapshot);
    } catch (e) {
      expect((e as SnapshotError).path).toBe("$.hosts[1].switch.version");
    }
  });
});

/** A tunnel key to `dst` (VNI 0x64), as the datapath hands the IP stack. */
function tunnelTo(dst: number): TunnelKey {
  return tunnelKey({ tunId: 0x64n, ipv4Dst: dst, ttl: 64, tpDst: 4789 });
}
