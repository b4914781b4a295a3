/**
 * Snapshots of one switch (src/vswitchd/snapshot.ts): a switch with rich state
 * (ports added and deleted, a VXLAN port over a native-tunnel underlay, flows
 * with timeouts, learn, a select group over dp_hash with its recirculation, a
 * meter with a drop band, conntrack, MAC learning, megaflows with pending
 * stats) is saved, JSON round-tripped and loaded, and every dump prints the
 * same text on both, before and after more packets and time warps. Bad
 * documents fail with a SnapshotError naming the JSON path.
 */
import { describe, expect, it } from "vitest";
import { runLine, runScript } from "../../src/utilities/run-script.js";
import { SNAPSHOT_VERSION, SnapshotError } from "../../src/vswitchd/snapshot.js";
import type { SwitchSnapshot } from "../../src/vswitchd/snapshot.js";
import { Switch } from "../../src/vswitchd/switch.js";

const recv = (port: string, flow: string): string => `ovs-appctl netdev-dummy/receive ${port} '${flow}'`;
const ip = (src: string, dst: string, l4: string): string =>
  `eth(src=00:00:00:00:00:0${src.slice(-1)},dst=00:00:00:00:00:0${dst.slice(-1)}),eth_type(0x0800),ipv4(src=${src},dst=${dst},${l4}`;

const BUILD = [
  "ovs-vsctl add-br br-phy -- set bridge br-phy datapath_type=dummy other_config:hwaddr=aa:55:aa:55:00:01",
  "ovs-vsctl add-port br-phy eth0 -- set interface eth0 type=dummy",
  "ovs-appctl netdev-dummy/ip4addr br-phy 172.31.0.1/24",
  "ovs-appctl ovs/route/add 172.31.0.0/24 br-phy",
  "ovs-appctl tnl/arp/set br-phy 172.31.0.2 aa:55:aa:55:00:02",
  "ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy other_config:mac-aging-time=20",
  "ovs-vsctl add-port br0 p1 -- set interface p1 type=dummy ofport_request=1",
  "ovs-vsctl add-port br0 p2 -- set interface p2 type=dummy ofport_request=2",
  "ovs-vsctl add-port br0 p3 -- set interface p3 type=dummy",
  "ovs-vsctl add-port br0 vx1 -- set interface vx1 type=vxlan options:remote_ip=172.31.0.2 options:key=100",
  "ovs-vsctl del-port br0 p3",
  "ovs-vsctl add-port br0 p4 -- set interface p4 type=dummy",
  "ovs-ofctl mod-port br0 p4 no-flood",
  "ovs-ofctl -O OpenFlow13 add-group br0 group_id=1,type=select,bucket=output:1,bucket=output:2",
  "ovs-ofctl -O OpenFlow13 add-meter br0 meter=1,pktps,band=type=drop,rate=2",
  "ovs-ofctl add-flow br0 table=0,priority=200,udp,actions=ct(commit,zone=5),output:2",
  "ovs-ofctl add-flow br0 table=0,priority=150,tcp,idle_timeout=30,hard_timeout=90,cookie=0x77,actions=learn(table=10,idle_timeout=15,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[]),NORMAL",
  "ovs-ofctl -O OpenFlow13 add-flow br0 table=0,priority=140,icmp,actions=meter:1,group:1",
  "ovs-ofctl add-flow br0 table=0,priority=130,arp,actions=output:vx1",
  "ovs-ofctl add-flow br0 table=0,priority=100,idle_timeout=5,actions=NORMAL",
  recv("p1", `in_port(1),${ip("10.0.0.1", "10.0.0.2", "proto=17,tos=0,ttl=64,frag=no),udp(src=1000,dst=2000)")}`),
  recv("p1", `in_port(1),${ip("10.0.0.1", "10.0.0.2", "proto=6,tos=0,ttl=64,frag=no),tcp(src=1000,dst=80)")}`),
  recv("p2", `in_port(2),${ip("10.0.0.2", "10.0.0.1", "proto=6,tos=0,ttl=64,frag=no),tcp(src=80,dst=1000)")}`),
  ...Array.from({ length: 3 }, () => recv("p1", `in_port(1),${ip("10.0.0.1", "10.0.0.2", "proto=1,tos=0,ttl=64,frag=no),icmp(type=8,code=0)")}`)),
  recv("p4", "in_port(4),eth(src=00:00:00:00:00:04,dst=ff:ff:ff:ff:ff:ff),eth_type(0x0806),arp(sip=10.0.0.4,tip=10.0.0.1,op=1,sha=00:00:00:00:00:04,tha=00:00:00:00:00:00)"),
  "ovs-vsctl add-br br1 -- set bridge br1 datapath_type=netdev fail-mode=secure",
  "ovs-vsctl add-port br1 q1 -- set interface q1 type=dummy",
  "ovs-vsctl add-port br1 q2 -- set interface q2 type=dummy",
  "ovs-ofctl add-flow br1 'table=0,priority=10,tcp,ct_state=-trk,actions=ct(table=1,zone=7)'",
  "ovs-ofctl add-flow br1 'table=1,priority=10,tcp,ct_state=+trk+new,actions=ct(commit,zone=7,nat(src=192.168.0.1:1000-1010)),output:q2'",
  "ovs-ofctl add-flow br1 'table=1,priority=5,tcp,ct_state=+trk+est,hard_timeout=20,actions=output:q2'",
  recv("q1", `in_port(1),${ip("10.0.1.1", "10.0.1.2", "proto=6,tos=0,ttl=64,frag=no),tcp(src=3000,dst=22),tcp_flags(syn)")}`),
  "ovs-appctl time/warp 3000",
  recv("p1", `in_port(1),${ip("10.0.0.1", "10.0.0.2", "proto=6,tos=0,ttl=64,frag=no),tcp(src=1000,dst=80)")}`),
  // Mirrors whose indices the DB alone would not give back: m3 takes m1's freed index 0, below m2's.
  "ovs-vsctl -- --id=@p get port p2 -- --id=@m create mirror name=m1 select_all=true output_port=@p -- add bridge br0 mirrors @m",
  "ovs-vsctl -- --id=@p get port p4 -- --id=@m create mirror name=m2 select_all=true output_port=@p -- add bridge br0 mirrors @m",
  "ovs-vsctl -- --id=@m get mirror m1 -- remove bridge br0 mirrors @m",
  "ovs-vsctl -- --id=@p get port vx1 -- --id=@m create mirror name=m3 select_all=true output_port=@p -- add bridge br0 mirrors @m",
  recv("p1", `in_port(1),${ip("10.0.0.1", "10.0.0.2", "proto=17,tos=0,ttl=64,frag=no),udp(src=1001,dst=2000)")}`),
  "ovs-appctl vlog/set dpif_netdev:file:dbg bridge:console:warn",
  "ovs-appctl vlog/disable-rate-limit ofproto",
  recv("p1", `in_port(1),${ip("10.0.0.1", "10.0.0.2", "proto=17,tos=0,ttl=64,frag=no),udp(src=1002,dst=2000)")}`),
  recv("p1", `in_port(1),${ip("10.0.0.1", "10.0.0.2", "proto=1,tos=0,ttl=64,frag=no),icmp(type=8,code=0)")}`),
];

const DUMPS = [
  "ovs-vsctl list Mirror",
  "ovs-appctl vlog/list",
  "ovs-appctl ofproto/trace br0 in_port=1,udp,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=1003,tp_dst=2000",
  "ovs-ofctl dump-flows br0",
  "ovs-ofctl dump-flows br1",
  "ovs-appctl dpctl/dump-conntrack -m netdev@ovs-netdev",
  "ovs-appctl dpctl/dump-flows netdev@ovs-netdev",
  "ovs-ofctl dump-flows br0 cookie=0/-1",
  "ovs-ofctl -O OpenFlow13 dump-flows br0",
  "ovs-ofctl -O OpenFlow13 dump-groups br0",
  "ovs-ofctl -O OpenFlow13 dump-group-stats br0",
  "ovs-ofctl -O OpenFlow13 meter-stats br0",
  "ovs-ofctl -O OpenFlow13 dump-meters br0",
  "ovs-appctl fdb/show br0",
  "ovs-appctl fdb/stats-show br0",
  "ovs-appctl dpctl/dump-flows dummy@ovs-dummy",
  "ovs-appctl dpctl/dump-conntrack dummy@ovs-dummy",
  "ovs-appctl tnl/neigh/show",
  "ovs-appctl ovs/route/show",
  "ovs-appctl tnl/ports/show",
  "ovs-ofctl dump-ports br0",
  "ovs-ofctl -O OpenFlow13 dump-ports br0",
  "ovs-ofctl show br0",
  "ovs-vsctl show",
  "ovs-vsctl list Open_vSwitch",
  "ovs-vsctl list Bridge",
  "ovs-vsctl list Port",
  "ovs-vsctl list Interface",
  "ovs-appctl dpif/show",
  "ovs-appctl ofproto/list",
];

const CONTINUE = [
  recv("p1", `in_port(1),${ip("10.0.0.1", "10.0.0.2", "proto=1,tos=0,ttl=64,frag=no),icmp(type=8,code=0)")}`),
  recv("p2", `in_port(2),${ip("10.0.0.2", "10.0.0.1", "proto=6,tos=0,ttl=64,frag=no),tcp(src=80,dst=1000)")}`),
  "ovs-vsctl add-port br0 p5 -- set interface p5 type=dummy",
  "ovs-ofctl -O OpenFlow13 add-meter br0 meter=2,kbps,band=type=drop,rate=100",
  "ovs-ofctl -O OpenFlow13 add-group br0 group_id=2,type=all,bucket=output:1",
  recv("q1", `in_port(1),${ip("10.0.1.1", "10.0.1.2", "proto=6,tos=0,ttl=64,frag=no),tcp(src=3000,dst=22),tcp_flags(ack)")}`),
  "ovs-appctl time/warp 4000 1000",
  ...DUMPS,
  "ovs-appctl time/warp 30000 1000",
  ...DUMPS,
];

function run(sw: Switch, lines: readonly string[]): string[] {
  return lines.map((l) => {
    const r = runLine(sw, l);
    return `### ${l}\n${[...r.stdout, ...r.stderr].join("\n")}`;
  });
}

function built(): Switch {
  const sw = new Switch();
  const out = runScript(BUILD.join("\n"), sw);
  expect(out.lines.filter((l) => !l.result.ok).map((l) => l.command)).toEqual([]);
  return sw;
}

function roundTrip(sw: Switch): Switch {
  return Switch.loadSnapshot(JSON.parse(JSON.stringify(sw.saveSnapshot())));
}

/** The saved document as JSON data, to mangle. */
function doc(): { [k: string]: unknown } {
  return JSON.parse(JSON.stringify(built().saveSnapshot())) as { [k: string]: unknown };
}

function loadError(d: unknown): SnapshotError {
  try {
    Switch.loadSnapshot(d);
  } catch (e) {
    if (e instanceof SnapshotError) return e;
    throw e;
  }
  throw new Error("loaded");
}

describe("Switch snapshots", () => {
  it("load gives a switch whose every dump prints the same, now and after more packets and warps", () => {
    const sw = built();
    const copy = roundTrip(sw);
    expect(run(copy, DUMPS)).toEqual(run(sw, DUMPS));
    expect(run(copy, CONTINUE)).toEqual(run(sw, CONTINUE));
  });

  it("the log (levels, untaken file text) and the mirrors (indices, counters) survive", () => {
    const sw = built();
    const copy = roundTrip(sw);
    expect(copy.vlog.takeFileText()).toBe(sw.vlog.takeFileText());
    expect(run(copy, CONTINUE)).toEqual(run(sw, CONTINUE));
    expect(copy.vlog.takeFileText()).toBe(sw.vlog.takeFileText());
    const text = run(copy, ["ovs-appctl vlog/list", "ovs-vsctl list Mirror"]).join("\n");
    expect(text).toMatch(/dpif_netdev +OFF +INFO +DBG/);
    expect(text).toMatch(/tx_packets=[1-9]/);
  });

  it("the state is rich: what the dumps show is not empty", () => {
    const text = run(roundTrip(built()), DUMPS).join("\n");
    expect(text).toContain("udp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=1000,dport=2000)");
    expect(text).toMatch(/recirc_id\(0x[0-9a-f]+\),dp_hash\(/);
    expect(text).toContain("table=10, n_packets=0");
    expect(text).toMatch(/packet_in_count:[1-9]/);
    expect(text).toContain("172.31.0.2                                    aa:55:aa:55:00:02   br-phy");
    expect(text).toMatch(/ {4}1 {5}0 {2}00:00:00:00:00:01/);
    expect(text).toContain("reply=(src=10.0.1.2,dst=192.168.0.1,sport=22,dport=1004),id=0,zone=7,status=0,protoinfo=(state_orig=SYN_SENT");
  });

  it("saving changes nothing and is deterministic; loading and saving again gives the same text", () => {
    const sw = built();
    const a = JSON.stringify(sw.saveSnapshot());
    expect(JSON.stringify(sw.saveSnapshot())).toBe(a);
    expect(JSON.stringify(roundTrip(sw).saveSnapshot())).toBe(a);
    expect(JSON.stringify(built().saveSnapshot())).toBe(a);
  });

  it("the clock, the API's views and the document's header survive", () => {
    const sw = built();
    const s: SwitchSnapshot = sw.saveSnapshot();
    expect(s.format).toBe("ovsim-switch");
    expect(s.version).toBe(SNAPSHOT_VERSION);
    expect(s.clock).toBe(3000);
    const copy = Switch.loadSnapshot(s);
    expect(copy.now).toBe(sw.now);
    expect(copy.ports("br0")).toEqual(sw.ports("br0"));
    expect(copy.dumpFlows("br0")).toEqual(sw.dumpFlows("br0"));
    expect(copy.groups("br0")).toEqual(sw.groups("br0"));
    expect(copy.meters("br0")).toEqual(sw.meters("br0"));
    expect(copy.get("Open_vSwitch", ".", "next_cfg")).toEqual(sw.get("Open_vSwitch", ".", "next_cfg"));
  });

  it("records the caller's sinks and takes them back as options", () => {
    const sw = built();
    const seen: string[] = [];
    sw.attach("p2", () => seen.push("p2"));
    sw.monitor(() => undefined);
    const s = sw.saveSnapshot();
    expect(s.attached).toEqual({ ports: ["p2"], vports: false, neighbourRequests: false, monitors: 1, tap: false, recirculate: false });
    const got: string[] = [];
    const copy = Switch.loadSnapshot(JSON.parse(JSON.stringify(s)), { sinks: { p2: () => got.push("p2") } });
    const udp = recv("p1", `in_port(1),${ip("10.0.0.1", "10.0.0.2", "proto=17,tos=0,ttl=64,frag=no),udp(src=1000,dst=2000)")}`);
    runLine(sw, udp);
    runLine(copy, udp);
    expect(got).toEqual(seen);
    expect(got).toEqual(["p2"]);
  });

  it("refuses another format and another version", () => {
    expect(loadError({ ...doc(), format: "ovsim-cloud" }).message).toBe('$.format: not an ovsim switch snapshot (format "ovsim-cloud")');
    expect(loadError({ ...doc(), version: SNAPSHOT_VERSION + 1 }).message).toBe(
      `$.version: snapshot version ${SNAPSHOT_VERSION + 1} is newer than the version this ovsim reads (${SNAPSHOT_VERSION})`,
    );
    expect(loadError(null).message).toBe("not an object");
    expect(loadError([]).path).toBe("$");
  });

  it("names the path of a mangled field", () => {
    const mangle = (edit: (d: any) => void): SnapshotError => {
      const d = doc();
      edit(d);
      return loadError(d);
    };
    expect(mangle((d) => (d.bridges[1].flows.entries[3].idleTimeout = "5")).message).toBe("$.bridges[1].flows.entries[3].idleTimeout: not an integer in [0, 65535]");
    expect(mangle((d) => delete d.bridges[1].mac.entries[0].expires).message).toBe("$.bridges[1].mac.entries[0].expires: missing");
    expect(mangle((d) => (d.bridges[1].flows.entries[0].actions = [{ type: "no_such_action" }])).path).toBe("$.bridges[1].flows.entries[0].actions");
    expect(mangle((d) => (d.bridges[1].flows.entries[0].cookie = "0xzz")).path).toBe("$.bridges[1].flows.entries[0].cookie");
    expect(mangle((d) => (d.db.tables.Bridge[0].cols.nosuch = { keys: [], values: null })).message).toBe("$.db.tables.Bridge[0].cols.nosuch: no column nosuch in table Bridge");
    expect(mangle((d) => (d.vswitchd.datapaths[0].conntrack.conns[0].fwd = [1, 2])).message).toBe("$.vswitchd.datapaths[0].conntrack.conns[0].fwd: not 12 words");
    expect(mangle((d) => (d.datapaths.dpifs[0].dpif.cache.flows[0].flow = { $u32: [-1] })).path).toBe("$.datapaths.dpifs[0].dpif.cache.flows[0].flow.$u32");
    expect(mangle((d) => (d.bridges[1].name = "br9")).message).toBe("$.bridges[1].name: bridge br9 has no ofproto in $.vswitchd");
    expect(mangle((d) => (d.io.nUnattached = -1)).path).toBe("$.io.nUnattached");
    expect(mangle((d) => (d.datapaths.dpifs[0].dpif.cache.flows[0].actions = [{ type: "nosuch" }])).message).toMatch(
      /^\$\.datapaths\.dpifs\[0\]\.dpif\.cache\.flows\[0\]\.actions: not datapath actions/,
    );
    expect(mangle((d) => (d.bridges[1].flows.entries[1].id = d.bridges[1].flows.entries[0].id)).message).toMatch(/^\$\.bridges\[1\]\.flows\.entries\[1\]\.id: not a unique id/);
  });

  it("names from Object.prototype in the state (DB keys, port names) are saved and loaded as names, never as prototypes", () => {
    const sw = new Switch();
    for (const l of [
      "ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy external_ids:__proto__=x external_ids:constructor=y",
      "ovs-vsctl add-port br0 __proto__ -- set interface __proto__ type=dummy",
      "ovs-vsctl add-port br0 constructor -- set interface constructor type=dummy",
    ]) {
      expect(runLine(sw, l).ok).toBe(true);
    }
    sw.attach("__proto__", () => {});
    const text = JSON.stringify(sw.saveSnapshot());
    const copy = Switch.loadSnapshot(JSON.parse(text), { sinks: { ["__proto__"]: () => {} } });
    const dumps = ["ovs-vsctl list Bridge", "ovs-vsctl list Interface", "ovs-appctl dpif/show"];
    expect(run(copy, dumps)).toEqual(run(sw, dumps));
    expect(JSON.stringify(copy.saveSnapshot())).toBe(text);
    expect(Object.prototype).not.toHaveProperty("x");
  });

  it("a new switch round-trips too", () => {
    const sw = new Switch();
    const copy = roundTrip(sw);
    expect(JSON.stringify(copy.saveSnapshot())).toBe(JSON.stringify(sw.saveSnapshot()));
    const build = run(copy, BUILD.slice(0, 12));
    expect(build).toEqual(run(sw, BUILD.slice(0, 12)));
  });

  it("refuses to save in the middle of a packet", () => {
    const sw = built();
    const errors: unknown[] = [];
    sw.attach("p2", () => {
      try {
        sw.saveSnapshot();
      } catch (e) {
        errors.push(e);
      }
    });
    runLine(sw, recv("p1", `in_port(1),${ip("10.0.0.1", "10.0.0.2", "proto=17,tos=0,ttl=64,frag=no),udp(src=7,dst=8)")}`));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(SnapshotError);
    expect((errors[0] as Error).message).toBe("the switch is not quiescent: a packet is being processed");
  });

  it("a bad document is never half-applied: the switch it came from and the document are untouched", () => {
    const sw = built();
    const before = JSON.stringify(sw.saveSnapshot());
    const d = JSON.parse(before) as any;
    d.io.unhandled = [1];
    const text = JSON.stringify(d);
    expect(() => Switch.loadSnapshot(d)).toThrow(SnapshotError);
    expect(JSON.stringify(d)).toBe(text);
    expect(JSON.stringify(sw.saveSnapshot())).toBe(before);
  });
});
