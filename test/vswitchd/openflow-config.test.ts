/**
 * What OpenFlow configures on a bridge beyond flows (fragment handling, table_mod
 * settings, table names) and its tables' lookup counters survive a snapshot, and an old snapshot without it still loads; the
 * bridge's local address follows other_config:hwaddr as OVS's
 * bridge_pick_local_hw_addr does (the outputs themselves are checked against real
 * OVS in fixtures/ofctl/frags.ovs, table-mod.ovs and fixtures/sandbox/bridge-hwaddr.ovs).
 */
import { describe, expect, it } from "vitest";
import { pickDatapathId, pickLocalHwAddr } from "../../src/datapath/bridge-hwaddr.js";
import { runLine, runScript } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";

const BUILD = [
  "ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy",
  "ovs-vsctl add-port br0 p1 -- set interface p1 type=dummy ofport_request=1",
  "ovs-vsctl -- --id=@t create Flow_Table flow-limit=4 -- set bridge br0 flow_tables:2=@t",
  "ovs-ofctl set-frags br0 drop",
  "ovs-ofctl -O OpenFlow14 mod-table br0 2 evict",
  "ovs-ofctl -O OpenFlow14 mod-table br0 3 vacancy:10,90",
  "ovs-ofctl -O OpenFlow12 mod-table br0 5 drop",
  "ovs-ofctl add-flow br0 table=2,hard_timeout=100,priority=1,actions=drop",
  "ovs-ofctl -O OpenFlow13 mod-table br0 4 name:four",
  "ovs-appctl netdev-dummy/receive p1 'in_port(1),eth(src=50:54:00:00:00:05,dst=50:54:00:00:00:07),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=no),udp(src=1,dst=2)'",
];
const DUMPS = [
  "ovs-ofctl get-frags br0",
  "ovs-ofctl -O OpenFlow14 dump-table-desc br0",
  "ovs-ofctl -O OpenFlow12 dump-tables br0",
  "ovs-appctl ofproto/trace br0 udp,in_port=1,nw_frag=first",
];

function run(sw: Switch, lines: readonly string[]): string[] {
  return lines.map((l) => {
    const r = runLine(sw, l);
    return `### ${l}\n${[...r.stdout, ...r.stderr].join("\n")}`;
  });
}

describe("OpenFlow configuration in snapshots", () => {
  it("fragment handling, eviction, vacancy and miss settings come back", () => {
    const sw = new Switch();
    expect(runScript(BUILD.join("\n"), sw).lines.filter((l) => !l.result.ok)).toEqual([]);
    const copy = Switch.loadSnapshot(JSON.parse(JSON.stringify(sw.saveSnapshot())));
    expect(run(copy, DUMPS)).toEqual(run(sw, DUMPS));
    expect(run(copy, DUMPS).join("\n")).toContain('Packets are IP fragments and the fragment handling mode is "drop".');
    expect(copy.bridge("br0")?.tableConfig.missOf(5)).toBe("drop");
    const tables = run(copy, ["ovs-ofctl -O OpenFlow12 dump-tables br0"]).join("\n");
    expect(tables).toContain('table 4 ("four")');
    expect(tables).toContain("active=1, lookup=1, matched=1");
    // Eviction still applies after the load: a fifth flow in table 2 (limit 4) evicts one.
    const more = [1, 2, 3, 4].map((i) => `ovs-ofctl add-flow br0 table=2,hard_timeout=100,priority=${i + 1},actions=drop`);
    expect(runScript(more.join("\n"), copy).lines.every((l) => l.result.ok)).toBe(true);
    expect(copy.bridge("br0")?.tables.count(2)).toBe(4);
  });

  it("a snapshot saved without them loads with the defaults", () => {
    const sw = new Switch();
    runScript(BUILD.join("\n"), sw);
    const doc = JSON.parse(JSON.stringify(sw.saveSnapshot())) as { bridges: { [k: string]: unknown }[] };
    for (const b of doc.bridges) delete b["openflowConfig"];
    const copy = Switch.loadSnapshot(doc as unknown as ReturnType<Switch["saveSnapshot"]>);
    expect(runLine(copy, "ovs-ofctl get-frags br0").stdout).toEqual(["normal"]);
  });
});

describe("the bridge's local address (bridge_pick_local_hw_addr)", () => {
  it("takes the smallest universal unicast MAC of its ports when hwaddr is unset, skipping LOCAL and mirror outputs", () => {
    const sw = new Switch();
    runScript(
      [
        "ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy",
        "ovs-vsctl add-port br0 p1 -- set interface p1 type=dummy -- set port p1 mac=\\\"00:00:00:00:00:07\\\"",
        "ovs-vsctl add-port br0 p2 -- set interface p2 type=dummy -- set port p2 mac=\\\"00:00:00:00:00:05\\\"",
        "ovs-vsctl add-port br0 p3 -- set interface p3 type=dummy -- set port p3 mac=\\\"02:00:00:00:00:01\\\"",
      ].join("\n"),
      sw,
    );
    const db = sw.db;
    const br = db.findByName("Bridge", "br0")[0]!;
    const open = (name: string) => sw.ofproto("br0")?.ports.get(name);
    expect(pickLocalHwAddr(db, br, open, "fe:00:00:00:00:01")).toBe("00:00:00:00:00:05");
    expect(pickDatapathId(br, "00:00:00:00:00:05")).toBe("0000000000000005");
  });
});
