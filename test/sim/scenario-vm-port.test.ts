/**
 * A scenario's `vm` line must name a port its host has by the time traffic
 * runs (docs/simulation.md, "Scenario files"): a port created by a later line
 * is fine, a port that never exists is a ScenarioError naming the `vm` line,
 * the host and the port.
 */
import { describe, expect, it } from "vitest";
import { ScenarioError, formatPing, runScenario } from "../../src/sim/scenario.js";

/** A scenario text from its lines (line N of the error is lines[N - 1]). */
function scenario(lines: readonly string[]): string {
  return lines.join("\n");
}

const HOST = ["host hv1", "  ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy"];
const TAP1 = "  ovs-vsctl add-port br0 tap1 -- set interface tap1 type=dummy";
const TAP2 = "  ovs-vsctl add-port br0 tap2 -- set interface tap2 type=dummy";
const VM1 = "vm vm1 hv1 tap1 fa:16:3e:00:00:01 10.0.0.1";
const VM2 = "vm vm2 hv1 tap2 fa:16:3e:00:00:02 10.0.0.2";

function errorOf(text: string): ScenarioError {
  try {
    runScenario(text);
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error("the scenario ran without an error");
}

describe("scenario vm lines on ports", () => {
  it("a VM on a port that exists pings (the baseline)", () => {
    const r = runScenario(scenario([...HOST, TAP1, TAP2, VM1, VM2, "ping vm1 10.0.0.2"]));
    expect(r.pings.map(formatPing)).toEqual(["vm1 -> 10.0.0.2: 1/1 received, rtt 0.04 ms"]);
  });

  it("a port created by a later line, before the ping, is fine", () => {
    const r = runScenario(scenario([...HOST, TAP1, VM1, VM2, "on hv1", TAP2, "ping vm1 10.0.0.2"]));
    expect(r.pings.map(formatPing)).toEqual(["vm1 -> 10.0.0.2: 1/1 received, rtt 0.04 ms"]);
  });

  it("a port missing when a ping runs is an error naming the vm line, the host and the port", () => {
    const e = errorOf(scenario([...HOST, TAP1, VM1, VM2, "ping vm1 10.0.0.2"]));
    expect(e.line).toBe(5);
    expect(e.message).toBe("line 5: vm vm2: host hv1 has no port tap2 (by the ping on line 6)");
  });

  it("a mistyped port is caught even when another VM pings, by a run line and at the end", () => {
    const typo = "vm vm2 hv1 tap-2 fa:16:3e:00:00:02 10.0.0.2";
    expect(errorOf(scenario([...HOST, TAP1, TAP2, VM1, typo, "run"])).message).toBe("line 6: vm vm2: host hv1 has no port tap-2 (by the run on line 7)");
    expect(errorOf(scenario([...HOST, TAP1, TAP2, VM1, typo])).message).toBe("line 6: vm vm2: host hv1 has no port tap-2 (at the end of the scenario)");
  });

  it("a port deleted before the ping is an error too", () => {
    const e = errorOf(scenario([...HOST, TAP1, TAP2, VM1, VM2, "on hv1", "  ovs-vsctl del-port br0 tap2", "ping vm1 10.0.0.2"]));
    expect(e.message).toBe("line 6: vm vm2: host hv1 has no port tap2 (by the ping on line 9)");
  });
});
