/**
 * The cloud properties have teeth: each known bug, planted into the ported
 * Neutron agent through a wrapping agent factory (cloud-planted-bugs.ts),
 * makes its property fail, and fast-check shrinks the run to a small
 * counterexample whose replay file shows the bug again when run with the
 * planted agent, and not with the real one.
 *
 * - br-tun's flood flow without its dl_vlan match: isolation;
 * - br-int without the drop of the dead VLAN 4095: no leaks (against a
 *   fresh cloud of the real agent);
 * - br-tun's learn action without hard_timeout: learned flows expire
 *   (after the storm check's broadcasts crossed the tunnels);
 * - every l2population fdb_add lost: reachability.
 *
 * Each search runs with a fixed seed on clouds cut to what the bug needs
 * (two hosts, the network types it concerns, no firewall, three events at
 * most), so it is reproducible and finds the bug within a few runs; the
 * shrinking runs to its end (8-25 s each on a loaded 2-core machine).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ovsAgentFactory } from "../../src/cloud/agent-factory.js";
import type { AgentFactory } from "../../src/cloud/agent-factory.js";
import { createCloud } from "../../src/cloud/cloud.js";
import type { Cloud } from "../../src/cloud/cloud.js";
import type { CloudPropertyOptions } from "../../src/testing/cloud/index.js";
import { checkIsolation, checkNoLearnedFlows, checkNoLeaks, cloudProperty, CloudPropertyFailure } from "../../src/testing/cloud/index.js";
import { droppedFdbAdd, floodWithoutDlVlan, learnWithoutHardTimeout, noDeadVlanDrop } from "./cloud-planted-bugs.js";

function failure(agent: AgentFactory, options: CloudPropertyOptions, seed: number): CloudPropertyFailure {
  const r = fc.check(cloudProperty({ maxHosts: 2, maxNetworks: 2, maxVms: 3, initialVms: 3, maxCommands: 3, firewall: false, ...options, agent }), {
    numRuns: 100,
    seed,
  });
  expect(r.failed, "the planted bug went unnoticed").toBe(true);
  expect(r.errorInstance).toBeInstanceOf(CloudPropertyFailure);
  return r.errorInstance as CloudPropertyFailure;
}

/** The replay file run with `agent`. */
function replay(e: CloudPropertyFailure, agent: AgentFactory): Cloud {
  const cloud = createCloud(e.replay, { agent });
  cloud.run();
  return cloud;
}

describe("planted bugs make their property fail, with a small replayable counterexample", () => {
  it("br-tun's flood flow without dl_vlan: isolation", { timeout: 180_000 }, () => {
    const e = failure(floodWithoutDlVlan, { minHosts: 2, minNetworks: 2, networkTypes: ["vxlan"], checks: ["isolation", "noStorms"] }, 5);
    expect(e.check).toBe("isolation");
    // A broadcast of the storm check (a ping to an address nobody has) went into the other network's tunnel.
    expect(e.violations[0]?.message).toMatch(/^vm\d on hv\d \(net\d \(vxlan\)\) received a frame from vm\d of network net\d \(vxlan\)$/);
    expect(e.replay.hosts.length).toBe(2);
    expect(e.replay.networks.length).toBe(2);
    expect(e.replay.steps.filter((s) => s.op === "boot").length).toBe(3);
    expect(e.replay.steps.length).toBeLessThanOrEqual(6);
    // The trace follows the broadcast into br-tun's flood table, out of a tunnel, and into the other network on the other host.
    const trace = e.trace.join("\n");
    expect(trace).toMatch(/^22\. priority 1, cookie/m);
    expect(e.trace.filter((l) => l.startsWith("### ")).length).toBe(2);
    expect(checkIsolation(replay(e, floodWithoutDlVlan))).not.toEqual([]);
    expect(checkIsolation(replay(e, ovsAgentFactory))).toEqual([]);
  });

  it("no drop for the dead VLAN 4095: no leaks", { timeout: 120_000 }, () => {
    const e = failure(noDeadVlanDrop, { reference: ovsAgentFactory, checks: ["noLeaks"] }, 1);
    expect(e.check).toBe("noLeaks");
    expect(e.violations.map((v) => v.message)).toContain("hv1 br-int: missing default flow priority=65535,dl_vlan=4095 actions=drop");
    expect(e.replay.hosts.length).toBe(1);
    expect(e.replay.steps.filter((s) => s.op === "boot")).toEqual([]);
    expect(checkNoLeaks(replay(e, noDeadVlanDrop))).not.toEqual([]);
    expect(checkNoLeaks(replay(e, ovsAgentFactory))).toEqual([]);
  });

  it("a learn action without hard_timeout: learned flows expire", { timeout: 120_000 }, () => {
    const e = failure(learnWithoutHardTimeout, { minHosts: 2, networkTypes: ["vxlan", "gre", "geneve"], checks: ["noStorms", "learnedFlowsExpire"] }, 2);
    expect(e.check).toBe("learnedFlowsExpire");
    expect(e.violations[0]?.message).toMatch(/br-tun: a learned flow outlived its timeouts \(30\d s old\): .*table=20, priority=1,vlan_tci=/);
    expect(e.replay.hosts.length).toBe(2);
    expect(e.replay.networks.length).toBe(1);
    expect(e.replay.steps.filter((s) => s.op === "boot").length).toBe(2);
    expect(checkNoLearnedFlows(replay(e, learnWithoutHardTimeout))).not.toEqual([]);
    expect(checkNoLearnedFlows(replay(e, ovsAgentFactory))).toEqual([]);
  });

  it("lost l2population fdb_add messages: reachability", { timeout: 120_000 }, () => {
    const e = failure(droppedFdbAdd, { minHosts: 2, networkTypes: ["vxlan", "gre", "geneve"], l2pop: true, checks: ["reachability"] }, 2);
    expect(e.check).toBe("reachability");
    expect(e.violations[0]?.message).toMatch(/cannot ping .*: ARP unresolved/);
    expect(e.replay.hosts.length).toBe(2);
    expect(e.replay.networks.length).toBe(1);
    expect(e.replay.steps.filter((s) => s.op === "boot").length).toBe(2);
    // The replay ends with the failing ping (expect ok) and its trace: `ovsim cloud` fails on it with the bug, not without.
    expect(e.replay.steps.slice(-2).map((s) => s.op)).toEqual(["ping", "trace"]);
    expect(replay(e, droppedFdbAdd).run().ok).toBe(false);
    expect(createCloud(e.replay, { agent: ovsAgentFactory }).run().ok).toBe(true);
    expect(e.trace.join("\n")).toContain("22. priority 0");
  });
});
