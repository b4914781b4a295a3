/**
 * l2population kept consistent, for random clouds (ovsim/testing's cloud
 * arbitraries: three hosts, one to three VXLAN networks, VMs booted first)
 * and random sequences of boot / delete / migrate / admin down and up
 * (cloudCommands, checked against its model), the server's `l2pop: auto`.
 * After every event, each host's FDB — built from the add / remove
 * messages it received, as the agent's l2population code builds it (own IP
 * and networks without a local port ignored, a network's entries dropped
 * with its last local port; stub-agent.ts) — holds exactly, for each
 * network it has an ACTIVE port on, every other host with an ACTIVE port
 * there: its flooding entry and its ports' [mac, ip]. That is what
 * Neutron's l2pop driver exists to guarantee.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Cloud } from "../../src/cloud/cloud.js";
import { cloudCommands, cloudFileArbitrary, runCloudScenario } from "../../src/testing/cloud/index.js";
import { propertyRuns, propertyTimeout } from "../../src/testing/runs.js";
import { stubFactory } from "./stub-agent.js";

/** What each host's FDB should hold, from the server's ports: network -> remote IP -> entries. */
function expected(cloud: Cloud, host: string): Record<string, Record<string, string[]>> {
  const active = cloud.server.ports().filter((p) => cloud.server.status(p.id) === "ACTIVE");
  const out: Record<string, Record<string, string[]>> = {};
  for (const net of cloud.spec.networks.map((n) => n.id)) {
    if (!active.some((p) => p.networkId === net && cloud.server.bindingHost(p.id) === host)) continue;
    const table: Record<string, string[]> = {};
    for (const p of active) {
      const h = cloud.server.bindingHost(p.id);
      if (p.networkId !== net || h === host || h === null || h === undefined) continue;
      const ip = cloud.hostSpec(h).agent.localIp ?? "";
      table[ip] = [...(table[ip] ?? ["00:00:00:00:00:00 0.0.0.0"]), ...p.fixedIps.map((a) => `${p.mac} ${a}`)];
    }
    if (Object.keys(table).length > 0) out[net] = Object.fromEntries(Object.entries(table).map(([ip, e]) => [ip, [...new Set(e)].sort()]));
  }
  return out;
}

const files = cloudFileArbitrary({ minHosts: 3, maxHosts: 3, networkTypes: ["vxlan"], firewall: false, initialVms: 3 }).map((f) => ({
  ...f,
  hosts: f.hosts.map((h) => ({ ...h, agent: { ...h.agent, l2_population: true } })),
}));

describe("l2pop auto keeps every host's FDB equal to the cloud's ACTIVE ports", () => {
  it("after any sequence of boots, deletes, migrations and admin state changes", { timeout: propertyTimeout(60_000) }, () => {
    fc.assert(
      fc.property(files, cloudCommands({ events: ["boot", "delete", "migrate", "admin"], maxCommands: 10 }), (file, commands) => {
        const { factory, agents } = stubFactory();
        runCloudScenario(file, commands, {
          agent: factory,
          checks: [],
          maxVms: 6,
          afterEvent: (_model, run) => {
            for (const h of run.file.hosts) {
              const agent = agents.get(h.name)?.at(-1);
              expect(agent?.fdbState(), `${h.name} after step ${run.steps.length - 1} (${run.steps.at(-1)?.op ?? "start"})`).toEqual(expected(run.cloud, h.name));
            }
          },
        });
      }),
      { numRuns: propertyRuns(100) },
    );
  });
});
