/**
 * Two hosts as Neutron deploys them: the kernel datapath (tnl_push_pop off),
 * br-int and br-tun joined by patch ports, a tunnel port to the other host
 * with local_ip / remote_ip, and the tunnel address on a NIC outside OVS
 * (eth0, the host's IP stack: src/sim/ip-stack.ts) on one underlay segment.
 * A VM on each host pings the other over VXLAN, then over GRE; the underlay
 * pcap holds outer IPv4/UDP 4789/VXLAN (or GRE) between the host addresses,
 * decoded with ovsim's pcap reader (and tshark where it is installed). The
 * same as a scenario file: fixtures/scenarios/two-hosts-kernel.scn.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { get16, get32 } from "../../src/datapath/packet/bytes.js";
import { decodePcap, LINKTYPE_ETHERNET } from "../../src/datapath/pcap.js";
import { parseIpv4 } from "../../src/datapath/endpoint.js";
import { formatPing, runScenario } from "../../src/sim/scenario.js";
import { Simulation } from "../../src/sim/simulation.js";
import { runLine } from "../../src/utilities/run-script.js";

const hasTshark = spawnSync("tshark", ["--version"], { stdio: "ignore" }).status === 0;
if (!hasTshark) console.log("skipping the tshark decode tests: tshark is not installed (scripts/setup-tshark.sh installs it)");
const dir = mkdtempSync(join(tmpdir(), "ovsim-kernel-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tshark(pcap: Uint8Array, fields: readonly string[]): string[][] {
  const file = join(dir, `cap-${Math.random().toString(36).slice(2)}.pcap`);
  writeFileSync(file, pcap);
  const out = execFileSync("tshark", ["-r", file, "-T", "fields", "-E", "separator=|", ...fields.flatMap((f) => ["-e", f])], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  return out
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split("|"));
}

const HOSTS = [
  { name: "hv1", ip: "172.31.0.1", mac: "52:54:00:00:00:01", vmMac: "fa:16:3e:00:00:01", vmIp: "10.0.0.1" },
  { name: "hv2", ip: "172.31.0.2", mac: "52:54:00:00:00:02", vmMac: "fa:16:3e:00:00:02", vmIp: "10.0.0.2" },
] as const;

/** Two kernel-datapath hosts with br-int / br-tun and a `type` tunnel (key 0x64) to each other. */
function twoHosts(type: "vxlan" | "gre") {
  const sim = new Simulation();
  sim.addSegment("underlay");
  const underlay = sim.captureSegment("underlay");
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
      `ovs-vsctl add-port br-tun tun-peer -- set interface tun-peer type=${type} ofport_request=2 options:df_default=true options:remote_ip=${peer.ip} options:local_ip=${h.ip} options:in_key=flow options:out_key=flow options:egress_pkt_mark=0`,
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
    for (const line of lines) {
      const r = runLine(host.switch, line);
      expect(r.ok, `${h.name}: ${line}: ${r.stderr.join(" ")}`).toBe(true);
    }
    sim.addEndpoint(`vm-${h.name}`, h.name, "tap1", h.vmMac, h.vmIp);
  }
  return { sim, underlay };
}

describe.each(["vxlan", "gre"] as const)("two kernel-datapath hosts over %s", (type) => {
  const { sim, underlay } = twoHosts(type);
  const r = sim.endpoint("vm-hv1").ping(parseIpv4("10.0.0.2"), { count: 3 });
  sim.run();
  const frames = decodePcap(underlay.toBytes());
  const ip = (b: Uint8Array, at: number): string => [0, 1, 2, 3].map((i) => b[at + i]).join(".");

  it("the ping succeeds", () => {
    expect(r.resolved).toBe(true);
    expect(r.received).toBe(3);
  });

  it("the hosts resolved each other's tunnel address with ARP on the underlay (the NIC answers, not OVS)", () => {
    const arps = frames.frames.filter((f) => get16(f.bytes, 12) === 0x0806).map((f) => `${get16(f.bytes, 20)} ${ip(f.bytes, 28)} -> ${ip(f.bytes, 38)}`);
    expect(arps).toEqual(["1 172.31.0.1 -> 172.31.0.2", "2 172.31.0.2 -> 172.31.0.1"]);
    expect(sim.host("hv1").ip.neighbours.get(parseIpv4("172.31.0.2"))).toBe(0x525400000002);
  });

  it("every other underlay frame is the tunnel between the host addresses, carrying VNI / key 0x64", () => {
    expect(frames.linktype).toBe(LINKTYPE_ETHERNET);
    const tunnel = frames.frames.filter((f) => get16(f.bytes, 12) === 0x0800);
    // ARP request + reply for the VMs, then 3 echo requests and 3 replies, each once over the tunnel.
    expect(tunnel.length).toBe(8);
    for (const f of tunnel) {
      const b = f.bytes;
      expect([ip(b, 26), ip(b, 30)].sort()).toEqual(["172.31.0.1", "172.31.0.2"]);
      expect(get16(b, 20)).toBe(0x4000); // df_default=true: DF set
      if (type === "vxlan") {
        expect(b[23]).toBe(17);
        expect(get16(b, 36)).toBe(4789);
        expect(b[42]).toBe(0x08); // VNI present
        expect(get32(b, 46) >>> 8).toBe(0x64);
      } else {
        expect(b[23]).toBe(47);
        expect(get16(b, 34)).toBe(0x2000); // key present
        expect(get16(b, 36)).toBe(0x6558);
        expect(get32(b, 38)).toBe(0x64);
      }
    }
  });

  it("the agent's view is unchanged: eth0 is no bridge port, ovs/route/show lists the host's addresses", () => {
    const sw = sim.host("hv1").switch;
    expect(sw.ports("br-tun").map((p) => p.name)).toEqual(["patch-int", "tun-peer", "br-tun"]);
    expect(runLine(sw, "ovs-appctl ovs/route/show").stdout).toEqual([
      "Route Table:",
      "Cached: 172.31.0.1/32 dev eth0 SRC 172.31.0.1 local",
      "Cached: 172.31.0.0/24 dev eth0 SRC 172.31.0.1",
    ]);
  });

  it("the datapath's megaflows send with set(tunnel(...)) to the vport and take the tunnel key on the way in", () => {
    const dump = runLine(sim.host("hv1").switch, "ovs-appctl dpctl/dump-flows").stdout.join("\n");
    const vport = type === "vxlan" ? "4789" : "gre_sys";
    expect(dump).toContain(`set(tunnel(tun_id=0x64,src=172.31.0.1,dst=172.31.0.2,ttl=64,${type === "vxlan" ? "tp_dst=4789," : ""}flags(df|key)))`);
    expect(vport).toBeTruthy();
    expect(sim.host("hv1").ip.stats.encapsulated).toBeGreaterThan(0);
    expect(sim.host("hv1").ip.stats.decapsulated).toBeGreaterThan(0);
  });

  it.skipIf(!hasTshark)("tshark finds the ICMP echo requests and replies inside the tunnel", () => {
    const rows = tshark(underlay.toBytes(), [type === "vxlan" ? "vxlan.vni" : "gre.key", "ip.src", "ip.dst", "icmp.type"]).filter((x) => x[3] !== "");
    const key = type === "vxlan" ? "100" : "0x00000064";
    expect(rows).toEqual([
      [key, "172.31.0.1,10.0.0.1", "172.31.0.2,10.0.0.2", "8"],
      [key, "172.31.0.2,10.0.0.2", "172.31.0.1,10.0.0.1", "0"],
      [key, "172.31.0.1,10.0.0.1", "172.31.0.2,10.0.0.2", "8"],
      [key, "172.31.0.2,10.0.0.2", "172.31.0.1,10.0.0.1", "0"],
      [key, "172.31.0.1,10.0.0.1", "172.31.0.2,10.0.0.2", "8"],
      [key, "172.31.0.2,10.0.0.2", "172.31.0.1,10.0.0.1", "0"],
    ]);
  });
});

describe("the scenario file (two-hosts-kernel.scn: `host NAME kernel`, `nic`)", () => {
  const r = runScenario(readFileSync(join(import.meta.dirname, "../../fixtures/scenarios/two-hosts-kernel.scn"), "utf8"));

  it("runs every command and pings across VXLAN and GRE, not across networks", () => {
    expect(r.commands.filter((c) => !c.result.ok).map((c) => `${c.host}: ${c.command}`)).toEqual([]);
    expect(r.pings.map(formatPing)).toEqual([
      "a1 -> 10.0.0.2: 2/2 received, rtt 0.24 0.24 ms",
      "b2 -> 10.0.0.11: 2/2 received, rtt 0.24 0.24 ms",
      "a1 -> 10.0.0.12: ARP unresolved",
    ]);
  });

  it.skipIf(!hasTshark)("tshark finds the echo requests and replies inside VXLAN (VNI 100) and GRE (key 200)", () => {
    const rows = tshark(r.captures.get("underlay")?.toBytes() ?? new Uint8Array(), ["vxlan.vni", "gre.key", "icmp.type"]).filter((x) => x[2] !== "");
    expect(rows).toEqual([
      ["100", "", "8"],
      ["100", "", "0"],
      ["100", "", "8"],
      ["100", "", "0"],
      ["", "0x000000c8", "8"],
      ["", "0x000000c8", "0"],
      ["", "0x000000c8", "8"],
      ["", "0x000000c8", "0"],
    ]);
  });
});
