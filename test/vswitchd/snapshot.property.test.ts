/**
 * The snapshot property (issue 14): for random cases A then B — a generated
 * pipeline, packets, flow_mods, port and config changes, time warps that
 * expire flows, MAC entries and connections — running A, saving the switch,
 * `JSON.stringify` / `JSON.parse`, loading it into a fresh switch and running
 * B prints exactly what running A then B on the one switch prints, every
 * command's text (durations, ages, counters, megaflows, conntrack included).
 * Packets are sent without `revalidator/wait`, so snapshots are taken with
 * megaflow stats still pending. Two universes: the generated cases of
 * ovsim/testing (`cases`: pipelines with learn, packets, flow_mods, port and
 * config events) with a conntrack flow and short MAC aging added, and a fixed
 * setup (a VXLAN port over a native tunnel, a netdev datapath with conntrack
 * and NAT, a dp_hash select group, a meter) with random lines from a menu.
 *
 * The property can fail: `plant` below breaks one restored field (a flow's
 * idle timer base, a MAC entry's age) and the suite checks that fast-check
 * then finds a case.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toHex } from "../../src/datapath/packet/packet.js";
import { cases, entryPorts, packetBytes, propertyRuns, propertyTimeout } from "../../src/testing/index.js";
import type { Case } from "../../src/testing/index.js";
import { pipelineScript } from "../../src/testing/pipeline.js";
import { runLine } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";

/** What every case checks along the way and at its end. */
function observations(c: Case): string[] {
  const out = ["ovs-appctl dpctl/dump-flows", "ovs-appctl dpctl/dump-conntrack", "ovs-appctl time/warp 0"];
  for (const b of c.pipeline.bridges) {
    out.push(`ovs-ofctl dump-flows ${b.name}`, `ovs-appctl fdb/show ${b.name}`, `ovs-ofctl dump-ports ${b.name}`);
  }
  return out;
}

/** The case as script lines: setup (pipeline, short MAC aging, a conntrack flow), then each step. */
function caseLines(c: Case, warps: readonly number[]): { setup: string[]; steps: string[] } {
  const setup = pipelineScript(c.pipeline);
  for (const b of c.pipeline.bridges) {
    setup.push(`ovs-vsctl set bridge ${b.name} other_config:mac-aging-time=15`);
    setup.push(`ovs-ofctl add-flow ${b.name} 'table=0,priority=65000,udp,idle_timeout=7,actions=ct(commit,zone=3),NORMAL'`);
  }
  const steps: string[] = [];
  c.steps.forEach((s, i) => {
    steps.push(s.kind === "line" ? s.line : `ovs-appctl netdev-dummy/receive ${s.packet.port} ${toHex(packetBytes(s.packet))}`);
    const w = warps[i % Math.max(1, warps.length)] ?? 0;
    if (w > 0) steps.push(`ovs-appctl time/warp ${w}`);
  });
  return { setup, steps };
}

function run(sw: Switch, lines: readonly string[]): string[] {
  return lines.map((l) => {
    const r = runLine(sw, l);
    return `### ${l}\n${[...r.stdout, ...r.stderr].join("\n")}`;
  });
}

interface Input {
  readonly c: Case;
  readonly warps: readonly number[];
  readonly cut: number;
  readonly looks: readonly number[];
}

const arb: fc.Arbitrary<Input> = fc.record({
  c: cases({ flowMods: true, portConfig: true, steps: 14 }).filter((c) => entryPorts(c.pipeline).length > 0),
  warps: fc.array(fc.constantFrom(0, 0, 400, 1000, 3000, 8000, 16000, 31000), { minLength: 1, maxLength: 6 }),
  cut: fc.nat({ max: 1000 }),
  looks: fc.array(fc.nat({ max: 1000 }), { maxLength: 3 }),
});

/** Whether save → JSON → load → B prints what A → B prints; `plant` may break the loaded switch. */
function sameAfterLoad(input: Input, plant?: (sw: Switch) => void): boolean {
  const { c, warps, cut, looks } = input;
  const { setup, steps } = caseLines(c, warps);
  const at = cut % (steps.length + 1);
  const obs = observations(c);
  const b = [...steps.slice(at)];
  for (const k of looks) b.splice(k % (b.length + 1), 0, obs[k % obs.length]!);
  b.push(...obs);
  const one = new Switch();
  run(one, [...setup, ...steps.slice(0, at)]);
  const text = JSON.stringify(one.saveSnapshot());
  const two = Switch.loadSnapshot(JSON.parse(text));
  plant?.(two);
  const expected = run(one, b);
  const got = run(two, b);
  expect(got).toEqual(expected);
  return true;
}

/**
 * A second universe: two bridges on two datapaths (dummy with a VXLAN port over a native
 * tunnel, netdev with conntrack and NAT), a select group over dp_hash, a meter, learn, and a
 * menu of lines (packets, flow_mods, group and meter mods, port changes, warps, dumps) drawn
 * at random for A and for B.
 */
const RICH_SETUP = [
  "ovs-vsctl add-br br-phy -- set bridge br-phy datapath_type=dummy other_config:hwaddr=aa:55:aa:55:00:01",
  "ovs-vsctl add-port br-phy eth0 -- set interface eth0 type=dummy",
  "ovs-appctl netdev-dummy/ip4addr br-phy 172.31.0.1/24",
  "ovs-appctl ovs/route/add 172.31.0.0/24 br-phy",
  "ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy other_config:mac-aging-time=15",
  "ovs-vsctl add-port br0 p1 -- set interface p1 type=dummy ofport_request=1",
  "ovs-vsctl add-port br0 p2 -- set interface p2 type=dummy ofport_request=2",
  "ovs-vsctl add-port br0 vx1 -- set interface vx1 type=vxlan options:remote_ip=172.31.0.2 options:key=100",
  "ovs-ofctl -O OpenFlow13 add-group br0 group_id=1,type=select,bucket=output:1,bucket=output:2",
  "ovs-ofctl -O OpenFlow13 add-meter br0 meter=1,pktps,band=type=drop,rate=2",
  "ovs-vsctl add-br br1 -- set bridge br1 datapath_type=netdev fail-mode=secure",
  "ovs-vsctl add-port br1 q1 -- set interface q1 type=dummy",
  "ovs-vsctl add-port br1 q2 -- set interface q2 type=dummy",
  "ovs-ofctl add-flow br1 'table=0,priority=10,tcp,ct_state=-trk,actions=ct(table=1,zone=7)'",
  "ovs-ofctl add-flow br1 'table=1,priority=10,tcp,ct_state=+trk+new,actions=ct(commit,zone=7,nat(src=192.168.0.1:1000-1010)),output:q2'",
  "ovs-ofctl add-flow br1 'table=1,priority=5,tcp,ct_state=+trk+est,idle_timeout=9,actions=output:q2'",
];
const l4 = (src: number, dst: number, proto: string): string => {
  const mac = (n: number): string => `00:00:00:00:00:0${n}`;
  const ips = `src=10.0.0.${src},dst=10.0.0.${dst}`;
  const rest =
    proto === "udp" ? "proto=17,tos=0,ttl=64,frag=no),udp(src=1000,dst=2000)" : proto === "tcp" ? "proto=6,tos=0,ttl=64,frag=no),tcp(src=1000,dst=80)" : "proto=1,tos=0,ttl=64,frag=no),icmp(type=8,code=0)";
  return `eth(src=${mac(src)},dst=${mac(dst)}),eth_type(0x0800),ipv4(${ips},${rest}`;
};
const RICH_MENU = [
  `ovs-appctl netdev-dummy/receive p1 'in_port(1),${l4(1, 2, "udp")}'`,
  `ovs-appctl netdev-dummy/receive p1 'in_port(1),${l4(1, 2, "tcp")}'`,
  `ovs-appctl netdev-dummy/receive p2 'in_port(2),${l4(2, 1, "tcp")}'`,
  `ovs-appctl netdev-dummy/receive p1 'in_port(1),${l4(1, 2, "icmp")}'`,
  `ovs-appctl netdev-dummy/receive p2 'in_port(2),${l4(2, 3, "icmp")}'`,
  "ovs-appctl netdev-dummy/receive p2 'in_port(2),eth(src=00:00:00:00:00:02,dst=ff:ff:ff:ff:ff:ff),eth_type(0x0806),arp(sip=10.0.0.2,tip=10.0.0.1,op=1,sha=00:00:00:00:00:02,tha=00:00:00:00:00:00)'",
  `ovs-appctl netdev-dummy/receive q1 'in_port(1),${l4(1, 2, "tcp")},tcp_flags(syn)'`,
  `ovs-appctl netdev-dummy/receive q1 'in_port(1),${l4(1, 2, "tcp")},tcp_flags(ack)'`,
  `ovs-appctl netdev-dummy/receive q1 'in_port(1),${l4(3, 2, "tcp")},tcp_flags(syn)'`,
  "ovs-ofctl add-flow br0 table=0,priority=200,udp,idle_timeout=6,actions=ct(commit,zone=5),output:2",
  "ovs-ofctl add-flow br0 table=0,priority=150,tcp,idle_timeout=30,hard_timeout=12,actions=learn(table=10,idle_timeout=5,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[]),NORMAL",
  "ovs-ofctl -O OpenFlow13 add-flow br0 table=0,priority=140,icmp,actions=meter:1,group:1",
  "ovs-ofctl add-flow br0 table=0,priority=130,arp,actions=output:vx1,NORMAL",
  "ovs-ofctl del-flows br0 tcp",
  "ovs-ofctl -O OpenFlow13 mod-group br0 group_id=1,type=select,bucket=output:2,bucket=output:1,bucket=output:vx1",
  "ovs-ofctl -O OpenFlow13 mod-meter br0 meter=1,pktps,band=type=drop,rate=5",
  "ovs-ofctl mod-port br0 p2 no-flood",
  "ovs-vsctl add-port br0 p3 -- set interface p3 type=dummy",
  "ovs-vsctl --if-exists del-port br0 p3",
  "ovs-appctl tnl/arp/set br-phy 172.31.0.2 aa:55:aa:55:00:02",
  "ovs-appctl fdb/flush br0",
  "ovs-appctl revalidator/wait",
  "ovs-appctl time/warp 1000",
  "ovs-appctl time/warp 5000 1000",
  "ovs-appctl time/warp 13000",
  "ovs-appctl time/warp 40000 10000",
];
const RICH_LOOKS = [
  "ovs-ofctl dump-flows br0",
  "ovs-ofctl dump-flows br1",
  "ovs-ofctl -O OpenFlow13 dump-group-stats br0",
  "ovs-ofctl -O OpenFlow13 meter-stats br0",
  "ovs-appctl fdb/show br0",
  "ovs-appctl dpctl/dump-flows dummy@ovs-dummy",
  "ovs-appctl dpctl/dump-flows netdev@ovs-netdev",
  "ovs-appctl dpctl/dump-conntrack dummy@ovs-dummy",
  "ovs-appctl dpctl/dump-conntrack netdev@ovs-netdev",
  "ovs-appctl tnl/neigh/show",
  "ovs-ofctl dump-ports br0",
  "ovs-appctl dpif/show",
];
const richArb = fc.record({
  a: fc.array(fc.nat({ max: RICH_MENU.length - 1 }), { maxLength: 14 }),
  b: fc.array(fc.nat({ max: RICH_MENU.length + RICH_LOOKS.length - 1 }), { maxLength: 14 }),
});

describe("snapshot property: A, save, JSON, load, B prints what A then B prints", () => {
  it("holds on random lines over tunnels, two datapaths, groups, meters and NAT", { timeout: propertyTimeout(240_000) }, () => {
    const menu = [...RICH_MENU, ...RICH_LOOKS];
    fc.assert(
      fc.property(richArb, ({ a, b }) => {
        const one = new Switch();
        run(one, [...RICH_SETUP, ...a.map((k) => RICH_MENU[k]!)]);
        const two = Switch.loadSnapshot(JSON.parse(JSON.stringify(one.saveSnapshot())));
        const rest = [...b.map((k) => menu[k]!), ...RICH_LOOKS];
        expect(run(two, rest)).toEqual(run(one, rest));
      }),
      { numRuns: propertyRuns(60) },
    );
  });

  it("holds on random cases", { timeout: propertyTimeout(240_000) }, () => {
    fc.assert(fc.property(arb, (input) => sameAfterLoad(input)), { numRuns: propertyRuns(60) });
  });

  it("fails when the loaded flows lose their idle timers' base (planted bug)", { timeout: propertyTimeout(240_000) }, () => {
    const plant = (sw: Switch): void => {
      for (const name of sw.bridgeNames()) for (const e of sw.bridge(name)!.tables.entries()) e.used = sw.now;
    };
    expect(() => fc.assert(fc.property(arb, (input) => sameAfterLoad(input, plant)), { numRuns: propertyRuns(200) })).toThrow(/Property failed/);
  });

  it("fails when the loaded MAC entries lose their ages (planted bug)", { timeout: propertyTimeout(240_000) }, () => {
    const plant = (sw: Switch): void => {
      for (const name of sw.bridgeNames()) {
        const t = sw.bridge(name)!.macTable;
        t.restore({ ...t.save(), entries: t.save().entries.map((e) => ({ ...e, expires: Math.floor(sw.now / 1000) + t.idleTime })) });
      }
    };
    expect(() => fc.assert(fc.property(arb, (input) => sameAfterLoad(input, plant)), { numRuns: propertyRuns(200) })).toThrow(/Property failed/);
  });
});
