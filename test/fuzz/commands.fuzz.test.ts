/**
 * Fuzzing the command lines: ovs-vsctl, ovs-ofctl and ovs-appctl lines
 * through runLine, on a switch set up with bridges, patch ports, a tunnel,
 * flows (ct, learn, groups, a meter), packets and conntrack entries. The
 * lines are the fixtures' lines with hostile words mixed in (fuzz-support.ts).
 *
 * (a) runLine answers a CommandResult (a refusal with an OVS-style message),
 *     never throws; (b) it runs at most MAX_WARP_STEPS clock steps and prints
 *     a bounded amount; (c) a refused line leaves the switch as it was.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runLine } from "../../src/utilities/run-script.js";
import { MAX_WARP_STEPS, Switch } from "../../src/vswitchd/switch.js";
import type { Snapshot } from "./fuzz-support.js";
import { expectNoBugWords, expectUnchanged, expectWellFormed, fuzzLine, isRefusal, logInput, params, RUNS, snapshot, timeoutFor } from "./fuzz-support.js";

/** The switch every line runs on (fresh every RESET_EVERY lines, so that accepted lines do not pile up state). */
const SETUP = [
  "ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy protocols=OpenFlow10,OpenFlow13,OpenFlow15",
  "ovs-vsctl add-port br0 p1 -- set interface p1 type=dummy ofport_request=1",
  "ovs-vsctl add-port br0 p2 -- set interface p2 type=dummy ofport_request=2",
  "ovs-vsctl add-port br0 p3 -- set interface p3 type=dummy ofport_request=3 -- set port p3 tag=10",
  "ovs-vsctl add-port br0 patch-int -- set interface patch-int type=patch options:peer=patch-tun",
  "ovs-vsctl add-br br1 -- set bridge br1 datapath_type=dummy",
  "ovs-vsctl add-port br1 patch-tun -- set interface patch-tun type=patch options:peer=patch-int",
  "ovs-vsctl add-port br1 vx1 -- set interface vx1 type=vxlan options:remote_ip=172.31.0.2 options:key=flow ofport_request=9",
  "ovs-vsctl add-br br-phy -- set bridge br-phy datapath_type=dummy",
  "ovs-vsctl add-port br-phy eth0 -- set interface eth0 type=dummy ofport_request=7",
  "ovs-appctl netdev-dummy/ip4addr br-phy 172.31.0.1/24",
  "ovs-appctl ovs/route/add 172.31.0.0/24 br-phy",
  "ovs-appctl tnl/arp/set br-phy 172.31.0.2 aa:55:aa:55:00:02",
  "ovs-appctl time/stop",
  "ovs-ofctl -O OpenFlow13 add-meter br0 meter=1,kbps,band=type=drop,rate=1000",
  "ovs-ofctl -O OpenFlow15 add-group br0 group_id=1,type=select,bucket=output:1,bucket=output:2",
  "ovs-ofctl -O OpenFlow15 add-group br0 group_id=2,type=all,bucket=output:3,bucket=output:patch-int",
  "ovs-ofctl add-flow br0 table=0,priority=100,in_port=1,actions=resubmit(,1)",
  "ovs-ofctl add-flow br0 table=0,priority=90,in_port=2,ip,actions=ct(table=2,zone=5)",
  "ovs-ofctl add-flow br0 table=0,priority=80,arp,actions=NORMAL",
  "ovs-ofctl add-flow br0 table=0,priority=70,in_port=3,actions=learn(table=3,hard_timeout=60,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[]),group:2",
  "ovs-ofctl -O OpenFlow13 add-flow br0 table=1,priority=10,ip,nw_dst=10.0.0.0/8,actions=meter:1,group:1",
  "ovs-ofctl add-flow br0 table=1,priority=5,idle_timeout=30,tcp,tp_dst=80,actions=mod_vlan_vid:5,output:patch-int",
  "ovs-ofctl add-flow br0 table=2,ct_state=+trk+new,ip,actions=ct(commit,zone=5,exec(load:0x1->NXM_NX_CT_MARK[])),output:1",
  "ovs-ofctl add-flow br0 table=2,ct_state=+trk+est,ip,actions=output:1",
  "ovs-ofctl add-flow br1 priority=10,dl_vlan=5,actions=strip_vlan,set_field:100->tun_id,output:vx1",
  "ovs-ofctl add-flow br1 priority=5,in_port=vx1,actions=output:patch-tun",
  "ovs-appctl netdev-dummy/receive p1 'in_port(1),eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=1000,dst=80)'",
  "ovs-appctl netdev-dummy/receive p3 'in_port(3),eth(src=00:00:00:00:00:03,dst=00:00:00:00:00:02),eth_type(0x0800),ipv4(src=10.0.0.3,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=no),udp(src=1000,dst=53)'",
  "ovs-appctl netdev-dummy/receive p2 'in_port(2),eth(src=00:00:00:00:00:02,dst=00:00:00:00:00:01),eth_type(0x0800),ipv4(src=10.0.0.2,dst=10.0.0.1,proto=6,tos=0,ttl=64,frag=no),tcp(src=80,dst=1000)'",
];

const RESET_EVERY = 250;

/** A fresh switch set up by SETUP, with a counter of clock steps (property (b)). */
function freshSwitch(): { sw: Switch; steps: { n: number } } {
  const sw = new Switch();
  for (const l of SETUP) {
    const r = runLine(sw, l);
    if (!r.ok) throw new Error(`setup line failed: ${l}: ${r.stderr.join(" ")}`);
  }
  const steps = { n: 0 };
  const advanceClock = sw.advanceClock.bind(sw);
  sw.advanceClock = (msecs: number, step?: number): void => {
    steps.n++;
    advanceClock(msecs, step);
  };
  return { sw, steps };
}

/**
 * Lines whose refusal may follow a partial success, in OVS too: several
 * packets given to netdev-dummy/receive are each received before a later one
 * fails, and so are the packets of `ovs-ofctl packet-out SWITCH IN_PORT
 * ACTIONS PACKET...` (real OVS sends the first packet, then says "Trailing
 * garbage in packet data" for a bad second one); a flow file's flows are sent
 * one by one.
 */
function mayChangeWhenRefused(line: string): boolean {
  return /netdev-dummy\/receive|add-flows|replace-flows|packet-out/.test(line);
}

/**
 * Output characters a line may print: proportional to the line and to the
 * switch's state, never more. The state is its flows and what the accepted
 * lines stored (each a few DB rows; a table prints every row as wide as the
 * widest value, each of up to 64 columns).
 */
function outputBound(line: string, sw: Switch, stored: { lines: number; longest: number }): number {
  let flows = 0;
  for (const br of sw.bridges.values()) flows += br.tables.count();
  return 65_536 + 64 * line.length + 1024 * flows + 4 * 64 * (stored.lines + SETUP.length) * (stored.longest + 64);
}

function fuzzProgram(program: "ovs-vsctl" | "ovs-ofctl" | "ovs-appctl"): void {
  it(
    `${program}: ${RUNS} lines answer a result, with bounded work, and a refused line changes nothing`,
    () => {
      let { sw, steps } = freshSwitch();
      let n = 0;
      let refused = 0;
      // The state after a refused line is the state before it (checked), so it serves as the next line's "before".
      let current: Snapshot | null = null;
      // The lines the switch accepted since it was set up: what it may print back (a refused line stores nothing).
      let seen = "";
      const stored = { lines: 0, longest: 0 };
      fc.assert(
        fc.property(fuzzLine(program), (line) => {
          if (++n % RESET_EVERY === 0) {
            seen = "";
            stored.lines = 0;
            stored.longest = 0;
            ({ sw, steps } = freshSwitch());
            current = null;
          }
          // Pending megaflow stats are the revalidators' business, not the line's: push them first.
          sw.datapaths.pushStats(sw.now);
          let before = current;
          if (before === null) {
            before = snapshot(sw);
            // What earlier lines stored shows here (a group's type, a flow's actions): no bug words in it either.
            expectNoBugWords(seen, [before.text]);
          }
          current = null;
          const bound = outputBound(line, sw, stored);
          steps.n = 0;
          let r;
          logInput(program, line);
          try {
            r = runLine(sw, line);
          } catch (e) {
            throw new Error(`runLine threw on ${JSON.stringify(line.slice(0, 500))}: ${(e as Error)?.stack ?? String(e)}`);
          }
          if (r.ok) {
            seen += `\n${line}`;
            stored.lines++;
            stored.longest = Math.max(stored.longest, line.length);
          }
          expectWellFormed(line, r, `${seen}\n${line}`);
          expect(steps.n, `clock steps for ${line.slice(0, 200)}`).toBeLessThanOrEqual(MAX_WARP_STEPS);
          const printed = [...r.stdout, ...r.stderr].reduce((k, l) => k + l.length + 1, 0);
          expect(printed, `output size for ${line.slice(0, 200)}`).toBeLessThanOrEqual(bound);
          if (isRefusal(line, r) && !mayChangeWhenRefused(line)) {
            refused++;
            const after = snapshot(sw);
            expectUnchanged(line, before, after);
            current = after;
          }
        }),
        params(),
      );
      // The fuzz must reach the refusal paths, not only accepted lines.
      expect(refused).toBeGreaterThan(RUNS / 10);
    },
    timeoutFor(3),
  );
}

describe("fuzz: command lines through runLine", () => {
  fuzzProgram("ovs-vsctl");
  fuzzProgram("ovs-ofctl");
  fuzzProgram("ovs-appctl");
});
