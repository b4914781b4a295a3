/**
 * A host's own IP stack (src/sim/ip-stack.ts) on its own: ARP for its
 * addresses answered and learned, tunnel packets routed through a gateway
 * (resolved first, the packet waiting), dropped without a route or with a
 * source address that is not the host's, tunnel packets for a UDP port no
 * vport takes dropped, ICMP echo to the host's address answered, and the
 * switch told of the addresses and routes.
 */
import { describe, expect, it } from "vitest";
import { tunnelKey, TNL_F } from "../../src/actions/xlate/odp-tunnel.js";
import { parseIpv4 } from "../../src/datapath/endpoint.js";
import { get16, get32 } from "../../src/datapath/packet/bytes.js";
import { buildArp, buildIcmpEcho, buildUdp4 } from "../../src/datapath/packet/build.js";
import { Simulation } from "../../src/sim/simulation.js";
import { runLine } from "../../src/utilities/run-script.js";

const INNER = buildIcmpEcho({ src: 0xfa163e000001, dst: 0xfa163e000002, srcIp: 0x0a000001, dstIp: 0x0a000002, ident: 1, seq: 1 }).data();

function oneHost() {
  const sim = new Simulation();
  sim.addSegment("u");
  const wire = sim.captureSegment("u");
  const host = sim.addHost("hv1", { kernelDatapath: true });
  sim.addNic("hv1", "eth0", "u", { mac: "52:54:00:00:00:01", addresses: ["172.31.0.1/24"] });
  host.ip.addRoute("0.0.0.0/0", "eth0", "172.31.0.254");
  runLine(host.switch, "ovs-vsctl add-br br0 -- set bridge br0 datapath_type=system");
  runLine(host.switch, "ovs-vsctl add-port br0 vx -- set interface vx type=vxlan options:remote_ip=flow options:key=flow");
  return { sim, wire, host };
}

const ip = (b: Uint8Array, at: number): string => [0, 1, 2, 3].map((i) => b[at + i]).join(".");

describe("a host's IP stack", () => {
  it("tells the switch its addresses and routes as the kernel's (Cached)", () => {
    const { host } = oneHost();
    expect(runLine(host.switch, "ovs-appctl ovs/route/show").stdout).toEqual([
      "Route Table:",
      "Cached: 172.31.0.1/32 dev eth0 SRC 172.31.0.1 local",
      "Cached: 172.31.0.0/24 dev eth0 SRC 172.31.0.1",
      "Cached: 0.0.0.0/0 dev eth0 GW 172.31.0.254 SRC 172.31.0.1",
    ]);
  });

  it("answers ARP for its address and learns the asker", () => {
    const { sim, wire, host } = oneHost();
    host.ip.receive("eth0", buildArp({ src: 0x525400000009, dst: 0xffffffffffff }, 1, parseIpv4("172.31.0.9"), parseIpv4("172.31.0.1")).data());
    sim.run();
    const reply = wire.frames.at(-1)!.bytes;
    expect([get16(reply, 20), ip(reply, 28), ip(reply, 38)]).toEqual([2, "172.31.0.1", "172.31.0.9"]);
    expect(host.ip.neighbours.get(parseIpv4("172.31.0.9"))).toBe(0x525400000009);
  });

  it("routes a tunnel packet through the gateway, resolving it first; the packet waits for the reply", () => {
    const { sim, wire, host } = oneHost();
    const key = tunnelKey({ tunId: 5n, ipv4Dst: parseIpv4("10.9.9.9"), ttl: 64, tpDst: 4789, flags: TNL_F.DF | TNL_F.KEY });
    host.ip.sendTunnel("vxlan_sys_4789", INNER, key);
    sim.run();
    expect(wire.frames.length).toBe(1);
    const req = wire.frames[0]!.bytes;
    expect([get16(req, 20), ip(req, 28), ip(req, 38)]).toEqual([1, "172.31.0.1", "172.31.0.254"]);
    host.ip.receive("eth0", buildArp({ src: 0x5254000000fe, dst: 0x525400000001 }, 2, parseIpv4("172.31.0.254"), parseIpv4("172.31.0.1"), 0x525400000001).data());
    sim.run();
    const tun = wire.frames.at(-1)!.bytes;
    expect(get16(tun, 0) * 0x100000000 + get32(tun, 2)).toBe(0x5254000000fe);
    expect([ip(tun, 26), ip(tun, 30), get16(tun, 36)]).toEqual(["172.31.0.1", "10.9.9.9", 4789]);
    expect(host.ip.stats.encapsulated).toBe(1);
  });

  it("drops a tunnel packet whose source address is not the host's, and one for a port no vport takes", () => {
    const { host } = oneHost();
    host.ip.sendTunnel("vxlan_sys_4789", INNER, tunnelKey({ ipv4Src: parseIpv4("172.31.0.7"), ipv4Dst: parseIpv4("172.31.0.2"), ttl: 64 }));
    expect(host.ip.stats.noRoute).toBe(1);
    const udp = buildUdp4({ src: 0x525400000002, dst: 0x525400000001 }, { src: parseIpv4("172.31.0.2"), dst: parseIpv4("172.31.0.1") }, 5555, 4790).data();
    host.ip.receive("eth0", udp);
    expect(host.ip.stats.dropped).toBe(1);
    expect(host.ip.stats.decapsulated).toBe(0);
  });

  it("answers ICMP echo to its address", () => {
    const { sim, wire, host } = oneHost();
    host.ip.receive("eth0", buildArp({ src: 0x525400000002, dst: 0xffffffffffff }, 1, parseIpv4("172.31.0.2"), parseIpv4("172.31.0.1")).data());
    host.ip.receive("eth0", buildIcmpEcho({ src: 0x525400000002, dst: 0x525400000001, srcIp: parseIpv4("172.31.0.2"), dstIp: parseIpv4("172.31.0.1"), ident: 7, seq: 3 }).data());
    sim.run();
    const reply = wire.frames.at(-1)!.bytes;
    expect([ip(reply, 26), ip(reply, 30), reply[34], get16(reply, 38), get16(reply, 40)]).toEqual(["172.31.0.1", "172.31.0.2", 0, 7, 3]);
  });
});
