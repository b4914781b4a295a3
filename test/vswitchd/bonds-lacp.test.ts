/**
 * Bonds as OVS's ofproto/bond.c and lib/lacp.c run them (src/vswitchd/bonds.ts, lacp.ts,
 * bond-hash.ts): LACP negotiation between two bridges joined by netdev-dummy stream links,
 * balance-tcp's recirculation to its post-recirculation rules in table 254, the rebalancer,
 * and the bonds' state through a snapshot. Outputs compared with real OVS 3.1 are in
 * fixtures/netdev-links (netdev-links-golden.test.ts); these check properties of the model.
 */
import { describe, expect, it } from "vitest";
import { runScript } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";
import { BOND_BUCKETS, hashMac, rebalanceBuckets } from "../../src/vswitchd/bond-hash.js";
import type { BondEntry } from "../../src/vswitchd/bond-hash.js";

const SETUP = [
  "ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy other-config:hwaddr=aa:55:aa:55:00:00 -- add-bond br0 bond0 p1 p2 bond_mode=balance-tcp lacp=active other-config:lacp-time=fast other-config:bond-rebalance-interval=1000 -- set interface p1 type=dummy options:pstream=punix:p1.sock ofport_request=1 -- set interface p2 type=dummy options:pstream=punix:p2.sock ofport_request=2 -- add-port br0 p5 -- set interface p5 type=dummy ofport_request=5",
  "ovs-vsctl add-br br1 -- set bridge br1 other-config:hwaddr=aa:66:aa:66:00:00 -- set bridge br1 datapath-type=dummy fail-mode=secure -- add-bond br1 bond1 p3 p4 bond_mode=balance-tcp lacp=active other-config:lacp-time=fast other-config:bond-rebalance-interval=1000 -- set interface p3 type=dummy options:stream=unix:p1.sock ofport_request=3 -- set interface p4 type=dummy options:stream=unix:p2.sock ofport_request=4 -- add-port br1 p6 -- set interface p6 type=dummy ofport_request=6",
  "ovs-appctl netdev-dummy/set-admin-state up",
  "ovs-ofctl add-flow br0 actions=NORMAL",
  "ovs-ofctl add-flow br1 actions=NORMAL",
  "ovs-appctl time/stop",
];

function traffic(n: number): string[] {
  return Array.from(
    { length: n },
    (_, i) =>
      `ovs-appctl netdev-dummy/receive p5 'in_port(5),eth(src=50:54:00:00:00:05,dst=50:54:00:00:01:00),eth_type(0x0800),ipv4(src=10.0.0.2,dst=10.0.0.1,proto=6,tos=0,ttl=64,frag=no),tcp(src=8,dst=${i}),tcp_flags(ack)' --len 1000`,
  );
}

function run(sw: Switch, lines: readonly string[]): string {
  return runScript(lines.join("\n"), sw)
    .lines.flatMap(({ result }) => [...result.stdout, ...result.stderr])
    .join("\n");
}

describe("LACP between two bridges", () => {
  it("negotiates at once over the stream links, every member attached and in sync", () => {
    const sw = new Switch();
    run(sw, SETUP);
    const show = run(sw, ["ovs-appctl lacp/show"]);
    expect(show.match(/status: active negotiated/g)).toHaveLength(2);
    expect(show.match(/current attached/g)).toHaveLength(4);
    expect(run(sw, ["ovs-appctl bond/show bond0"])).toContain("lacp_status: negotiated");
    expect(run(sw, ["ovs-appctl bond/show"])).not.toContain("may_enable: false");
  });

  it("a member whose partner goes quiet expires, then defaults, and is disabled", () => {
    const sw = new Switch();
    run(sw, SETUP);
    // Without bond1, nothing answers on p1's and p2's links.
    run(sw, ["ovs-vsctl del-port br1 bond1", "ovs-appctl time/warp 3100 100"]);
    expect(run(sw, ["ovs-appctl lacp/show bond0"])).toContain("member: p1: expired");
    run(sw, ["ovs-appctl time/warp 3100 100"]);
    expect(run(sw, ["ovs-appctl lacp/show bond0"])).toContain("member: p1: defaulted detached");
    expect(run(sw, ["ovs-appctl bond/show bond0"])).toMatch(/member p1: disabled/);
    expect(run(sw, ["ovs-appctl lacp/show-stats bond0"])).toMatch(/member: p1:\n {2}TX PDUs: \d+\n {2}RX PDUs: \d+\n {2}RX Bad PDUs: 0\n {2}RX Marker Request PDUs: 0\n {2}Link Expired: 1\n {2}Link Defaulted: 1/);
  });
});

describe("balance-tcp", () => {
  it("recirculates to one post-recirculation rule per bucket, spread over the members", () => {
    const sw = new Switch();
    run(sw, SETUP);
    run(sw, traffic(64));
    const rules = run(sw, ["ovs-appctl bridge/dump-flows br0"])
      .split("\n")
      .filter((l) => l.includes("priority=20,recirc_id="));
    expect(rules).toHaveLength(BOND_BUCKETS);
    expect(rules.filter((l) => l.endsWith("actions=output:1")).length).toBe(BOND_BUCKETS / 2);
    const hit = rules.filter((l) => !l.includes("n_packets=0,"));
    expect(hit.length).toBeGreaterThan(0);
    const dp = run(sw, ["ovs-appctl dpctl/dump-flows"]);
    expect(dp).toContain("hash(l4(0)),recirc(");
    expect(dp).toMatch(/dp_hash\(0x[0-9a-f]+\/0xff\)/);
  });

  it("loads show per bucket after a rebalance interval", () => {
    const sw = new Switch();
    run(sw, SETUP);
    run(sw, traffic(32));
    run(sw, ["ovs-appctl time/warp 1000 100"]);
    expect(run(sw, ["ovs-appctl bond/show bond0"])).toMatch(/ {2}hash \d+: \d+ kB load/);
  });
});

describe("bond state in snapshots", () => {
  it("a loaded switch shows the same bonds, LACP objects and post-recirculation rules, and goes on the same", () => {
    const sw = new Switch();
    run(sw, SETUP);
    run(sw, traffic(16));
    run(sw, ["ovs-appctl time/warp 1500 100", "ovs-appctl netdev-dummy/set-admin-state p2 down", "ovs-appctl time/warp 200 100"]);
    const copy = Switch.loadSnapshot(JSON.parse(JSON.stringify(sw.saveSnapshot())));
    const probe = ["ovs-appctl bond/show", "ovs-appctl lacp/show", "ovs-appctl lacp/show-stats", "ovs-appctl bridge/dump-flows br0"];
    expect(run(copy, probe)).toBe(run(sw, probe));
    const more = ["ovs-appctl netdev-dummy/set-admin-state p2 up", ...traffic(8), "ovs-appctl time/warp 2000 100", ...probe];
    expect(run(copy, more)).toBe(run(sw, more));
  });
});

describe("the hash buckets", () => {
  it("hash_mac puts the VLAN above the MAC (values real OVS's bond/hash printed)", () => {
    expect(hashMac(0x505400000001, 0, 0) & 0xff).toBe(144);
    expect(hashMac(0x505400000001, 5, 0) & 0xff).toBe(109);
    expect(hashMac(0x505400000001, 5, 99) & 0xff).toBe(140);
    expect(hashMac(0xaabbccddeeff, 4095, 4294967295) & 0xff).toBe(154);
  });

  it("the rebalancer moves load from the heavier member until the pair is within 10% of even, and halves every load", () => {
    const hash: BondEntry[] = Array.from({ length: BOND_BUCKETS }, (_, i) => ({ member: i < 8 ? "a" : null, txBytes: i < 8 ? 1_000_000 : 0, prTxBytes: 0 }));
    const moves = rebalanceBuckets(hash, [
      { name: "a", enabled: true },
      { name: "b", enabled: true },
    ]);
    expect(moves.length).toBe(4);
    expect(hash.filter((e) => e.member === "b").length).toBe(4);
    expect(hash[0]?.txBytes).toBe(500_000);
    // A disabled member takes nothing.
    const again = rebalanceBuckets(hash, [
      { name: "a", enabled: true },
      { name: "b", enabled: false },
    ]);
    expect(again).toEqual([]);
  });
});
