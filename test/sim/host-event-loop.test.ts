import { runScript } from "../../src/utilities/run-script.js";
import { describe, expect, it } from "vitest";
import { parseIpv4 } from "../../src/datapath/endpoint.js";
import { EventLoop, PacketBudgetExceeded } from "../../src/datapath/event-loop.js";
import { decodePcap, encodePcap } from "../../src/datapath/pcap.js";
import { Simulation } from "../../src/sim/simulation.js";

describe("event loop", () => {
  it("processes events in time order, ties in scheduling order", () => {
    const loop = new EventLoop();
    const seen: string[] = [];
    loop.schedule(30, () => seen.push("c"));
    loop.schedule(10, () => {
      seen.push("a");
      loop.schedule(0, () => seen.push("a2"));
      loop.schedule(20, () => seen.push("c2"));
    });
    loop.schedule(10, () => seen.push("b"));
    expect(loop.run()).toBe(5);
    expect(seen).toEqual(["a", "b", "a2", "c", "c2"]);
    expect(loop.nowUs).toBe(30);
  });

  it("stops at untilUs and when done holds", () => {
    const loop = new EventLoop();
    let n = 0;
    for (let i = 1; i <= 10; i++) loop.schedule(i * 100, () => n++);
    loop.run({ untilUs: 450 });
    expect([n, loop.nowUs, loop.pending]).toEqual([4, 450, 6]);
    loop.run({ done: () => n === 6 });
    expect([n, loop.nowUs]).toEqual([6, 600]);
  });

  it("cuts a runaway loop with PacketBudgetExceeded and is usable afterwards", () => {
    const loop = new EventLoop({ packetBudget: 100 });
    const forever = (): void => {
      loop.charge();
      loop.schedule(1, forever);
    };
    loop.schedule(0, forever);
    expect(() => loop.run()).toThrow(PacketBudgetExceeded);
    expect(loop.pending).toBe(0);
    let ran = false;
    loop.schedule(5, () => (ran = true));
    loop.run();
    expect(ran).toBe(true);
  });
});

describe("pcap", () => {
  it("round-trips frames with µs timestamps", () => {
    const frames = [
      { atUs: 0, bytes: Uint8Array.from([1, 2, 3]) },
      { atUs: 2_500_001, bytes: new Uint8Array(60).fill(7) },
    ];
    const file = encodePcap(frames);
    expect(file.length).toBe(24 + 16 + 3 + 16 + 60);
    expect([...file.subarray(0, 4)]).toEqual([0xd4, 0xc3, 0xb2, 0xa1]);
    expect(decodePcap(file)).toEqual({ linktype: 1, frames });
  });
});

/** Two hosts whose br0s are joined by two segments (a loop), with a VM on hv1: a broadcast storms. */
function loopedHosts(sim: Simulation): ReturnType<Simulation["addEndpoint"]> {
  for (const h of ["hv1", "hv2"]) {
    const ok = runScript(
      [
        "ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy",
        "ovs-vsctl add-port br0 eth0 -- set interface eth0 type=dummy",
        "ovs-vsctl add-port br0 eth1 -- set interface eth1 type=dummy",
        "ovs-vsctl add-port br0 tap1 -- set interface tap1 type=dummy",
      ].join("\n"),
      sim.addHost(h).switch,
    ).ok;
    expect(ok).toBe(true);
  }
  sim.addSegment("s0");
  sim.addSegment("s1");
  for (const h of ["hv1", "hv2"]) {
    sim.connect(h, "eth0", "s0");
    sim.connect(h, "eth1", "s1");
  }
  return sim.addEndpoint("vm1", "hv1", "tap1", "fa:16:3e:00:00:01", "10.0.0.1");
}

describe("a broadcast storm across two hosts joined twice", () => {
  it("is cut per packet: the storm's frames stop at the per-packet budget, the loop goes on", () => {
    const sim = new Simulation({ perPacketBudget: 2_000 });
    const cuts: number[] = [];
    sim.loop.onStormCut = (c) => cuts.push(c.frames);
    const vm = loopedHosts(sim);
    const before = sim.loop.processed;
    const r = vm.ping(parseIpv4("10.0.0.9"));
    expect(r.resolved).toBe(false);
    // One lineage (the ARP request and all its copies) was cut once, soon after 2000 frames.
    expect(sim.loop.stormsCut).toBe(1);
    expect(cuts).toHaveLength(1);
    expect(cuts[0]).toBeGreaterThan(2_000);
    expect(sim.loop.processed - before).toBeLessThan(4_000);
    expect(sim.loop.pending).toBe(0);
  });

  it("ends with PacketBudgetExceeded, not a hang, when the run's budget is the lower", () => {
    const sim = new Simulation({ packetBudget: 5_000 });
    const vm = loopedHosts(sim);
    const err = (() => {
      try {
        vm.ping(parseIpv4("10.0.0.9"));
        return null;
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(PacketBudgetExceeded);
    expect((err as PacketBudgetExceeded).code).toBe("PACKET_BUDGET_EXCEEDED");
    expect(sim.loop.pending).toBe(0);
  });
});

describe("the per-packet budget", () => {
  it("cuts only the lineage that storms: a packet injected from outside starts its own", () => {
    const loop = new EventLoop({ perPacketBudget: 50 });
    let stormFrames = 0;
    let quietFrames = 0;
    const storm = (): void => {
      loop.charge();
      stormFrames++;
      loop.schedule(1, storm);
      loop.schedule(1, storm);
    };
    const quiet = (n: number): void => {
      loop.charge();
      quietFrames++;
      if (n > 0) loop.schedule(1, () => quiet(n - 1));
    };
    loop.schedule(0, storm);
    loop.schedule(0, () => quiet(30));
    loop.run();
    expect(loop.stormsCut).toBe(1);
    // The storm doubles each hop: cut within one hop after 50 frames.
    expect(stormFrames).toBeGreaterThan(50);
    expect(stormFrames).toBeLessThanOrEqual(100);
    // The other packet's 31 frames, moving through the same loop at the same times, all moved: its lineage is its own.
    expect(quietFrames).toBe(31);
    expect(loop.pending).toBe(0);
  });
});
