/**
 * The fixture scenarios (fixtures/scenarios/*.scn) end to end: pings between
 * VMs on different hosts, the underlay capture written as a pcap file and
 * decoded by tshark (Debian's package, installed by scripts/setup-tshark.sh;
 * the decode tests skip, saying why, where tshark is absent).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { decodePcap, LINKTYPE_ETHERNET } from "../../src/datapath/pcap.js";
import type { ScenarioResult } from "../../src/sim/scenario.js";
import { formatPing, runScenario } from "../../src/sim/scenario.js";
import { runLine } from "../../src/utilities/run-script.js";

const SCENARIOS = join(import.meta.dirname, "../../fixtures/scenarios");
const hasTshark = spawnSync("tshark", ["--version"], { stdio: "ignore" }).status === 0;
if (!hasTshark) console.log("skipping the tshark decode tests: tshark is not installed (scripts/setup-tshark.sh installs it)");

const dir = mkdtempSync(join(tmpdir(), "ovsim-pcap-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function scenario(name: string): ScenarioResult {
  const r = runScenario(readFileSync(join(SCENARIOS, name), "utf8"));
  const failed = r.commands.filter((c) => !c.result.ok).map((c) => `${c.host}: ${c.command}: ${c.result.stderr.join(" ")}`);
  expect(failed).toEqual([]);
  return r;
}

/** tshark's fields for each frame of `pcap`, one array per frame. */
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

describe("two hosts on a VLAN provider network (two-hosts-vlan.scn)", () => {
  const r = scenario("two-hosts-vlan.scn");
  const phys = r.captures.get("phys");

  it("pings succeed within a network and fail across networks", () => {
    expect(r.pings.map(formatPing)).toEqual([
      "a1 -> 10.0.0.2: 3/3 received, rtt 0.24 0.24 0.24 ms",
      "b2 -> 10.0.0.11: 2/2 received, rtt 0.24 0.24 ms",
      "a1 -> 10.0.0.12: ARP unresolved",
    ]);
  });

  it("no VM sees a frame of the other network", () => {
    const macs = new Map([...r.sim.endpoints.values()].map((e) => [e.name, e.mac]));
    const netOf = (name: string): string => name.slice(0, 1);
    for (const ep of r.sim.endpoints.values()) {
      for (const f of ep.received) {
        const src = Number(Buffer.from(f.bytes.subarray(6, 12)).readUIntBE(0, 6));
        const from = [...macs].find(([, m]) => m === src)?.[0];
        expect(from === undefined ? "?" : netOf(from), `${ep.name} got a frame from ${from}`).toBe(netOf(ep.name));
      }
    }
  });

  it("captures the underlay as an Ethernet pcap with virtual timestamps", () => {
    expect(phys).toBeDefined();
    const file = decodePcap(phys?.toBytes() ?? new Uint8Array());
    expect(file.linktype).toBe(LINKTYPE_ETHERNET);
    expect(file.frames).toHaveLength(15);
    // VM -> bridge port (10 µs), then eth0 -> segment (50 µs).
    expect(file.frames[0]?.atUs).toBe(60);
  });

  it.skipIf(!hasTshark)("tshark finds the echo requests and replies tagged with the provider VLANs", () => {
    const rows = tshark(phys?.toBytes() ?? new Uint8Array(), ["vlan.id", "ip.src", "ip.dst", "icmp.type", "icmp.seq"]).filter((x) => x[3] !== "");
    expect(rows).toEqual([
      ["101", "10.0.0.1", "10.0.0.2", "8", "1"],
      ["101", "10.0.0.2", "10.0.0.1", "0", "1"],
      ["101", "10.0.0.1", "10.0.0.2", "8", "2"],
      ["101", "10.0.0.2", "10.0.0.1", "0", "2"],
      ["101", "10.0.0.1", "10.0.0.2", "8", "3"],
      ["101", "10.0.0.2", "10.0.0.1", "0", "3"],
      ["102", "10.0.0.12", "10.0.0.11", "8", "1"],
      ["102", "10.0.0.11", "10.0.0.12", "0", "1"],
      ["102", "10.0.0.12", "10.0.0.11", "8", "2"],
      ["102", "10.0.0.11", "10.0.0.12", "0", "2"],
    ]);
  });

  it.skipIf(!hasTshark)("a VM port's capture is untagged", () => {
    const rows = tshark(r.captures.get("hv2:tap-a2")?.toBytes() ?? new Uint8Array(), ["vlan.id", "eth.type", "icmp.type"]);
    expect(rows.every((x) => x[0] === "")).toBe(true);
    expect(rows.filter((x) => x[2] !== "").map((x) => x[2])).toEqual(["8", "0", "8", "0", "8", "0"]);
  });
});

describe("two hosts over VXLAN and GRE tunnels (two-hosts-vxlan.scn)", () => {
  const r = scenario("two-hosts-vxlan.scn");
  const underlay = r.captures.get("underlay")?.toBytes() ?? new Uint8Array();

  it("the receiving host pops the tunnels (tnl_pop) and recirculates with the tunnel keys", () => {
    const flows = runLine(r.sim.host("hv2").switch, "ovs-appctl dpctl/dump-flows").stdout;
    expect(flows.some((l) => l.includes("actions:tnl_pop(4789)"))).toBe(true);
    expect(flows.some((l) => l.startsWith("tunnel(tun_id=0x64,src=172.31.0.1,dst=172.31.0.2,flags(-df-csum+key))"))).toBe(true);
  });

  it.skipIf(!hasTshark)("tshark finds the VMs' ARP requests inside VXLAN (VNI 100) and GRE (key 200) between the host addresses", () => {
    const rows = tshark(underlay, ["ip.src", "ip.dst", "udp.dstport", "vxlan.vni", "gre.key", "arp.src.proto_ipv4", "arp.dst.proto_ipv4"]);
    expect(rows.filter((x) => x[5] !== "" && x[0] === "172.31.0.1" && x[3] === "100")[0]).toEqual(["172.31.0.1", "172.31.0.2", "4789", "100", "", "10.0.0.1", "10.0.0.2"]);
    expect(rows.filter((x) => x[5] !== "" && x[0] === "172.31.0.2" && x[4] !== "")[0]).toEqual(["172.31.0.2", "172.31.0.1", "", "", "0x000000c8", "10.0.0.12", "10.0.0.11"]);
  });

  it("pings cross both tunnels; across networks ARP is never answered", () => {
    expect(r.pings.map((p) => formatPing(p).replace(/, rtt.*/, ""))).toEqual([
      "a1 -> 10.0.0.2: 2/2 received",
      "b2 -> 10.0.0.11: 2/2 received",
      "a1 -> 10.0.0.12: ARP unresolved",
    ]);
  });

  it.skipIf(!hasTshark)("tshark finds the inner ICMP echo requests and replies inside VXLAN and GRE", () => {
    const rows = tshark(underlay, ["vxlan.vni", "gre.key", "ip.src", "ip.dst", "icmp.type"]).filter((x) => x[4] !== "");
    const vxlan = rows.filter((x) => x[0] === "100").map((x) => `${x[2]} ${x[3]} ${x[4]}`);
    const gre = rows.filter((x) => x[1] === "0x000000c8").map((x) => `${x[2]} ${x[3]} ${x[4]}`);
    expect(vxlan).toEqual([
      "172.31.0.1,10.0.0.1 172.31.0.2,10.0.0.2 8",
      "172.31.0.2,10.0.0.2 172.31.0.1,10.0.0.1 0",
      "172.31.0.1,10.0.0.1 172.31.0.2,10.0.0.2 8",
      "172.31.0.2,10.0.0.2 172.31.0.1,10.0.0.1 0",
    ]);
    expect(gre).toEqual([
      "172.31.0.2,10.0.0.12 172.31.0.1,10.0.0.11 8",
      "172.31.0.1,10.0.0.11 172.31.0.2,10.0.0.12 0",
      "172.31.0.2,10.0.0.12 172.31.0.1,10.0.0.11 8",
      "172.31.0.1,10.0.0.11 172.31.0.2,10.0.0.12 0",
    ]);
  });
});
