/**
 * l2population kept consistent, for random clouds: three hosts, two VXLAN
 * networks, random sequences of boot / delete / migrate / admin down and up
 * (the server's `l2pop: auto`). After every step, each host's FDB — built
 * from the add / remove messages it received, as the agent's l2population
 * code builds it (own IP and networks without a local port ignored, a
 * network's entries dropped with its last local port; stub-agent.ts) —
 * holds exactly, for each network it has an ACTIVE port on, every other
 * host with an ACTIVE port there: its flooding entry and its ports'
 * [mac, ip]. That is what Neutron's l2pop driver exists to guarantee.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCloudFile } from "../../src/cloud/cloud-file.js";
import type { CloudStep } from "../../src/cloud/cloud-types.js";
import type { Cloud } from "../../src/cloud/cloud.js";
import { createCloud } from "../../src/cloud/cloud.js";
import { stubFactory } from "./stub-agent.js";

const HOSTS = ["h1", "h2", "h3"] as const;
const NETS = ["blue", "green"] as const;

const spec = parseCloudFile({
  l2pop: "auto",
  hosts: HOSTS.map((name, i) => ({ name, agent: { local_ip: `192.0.2.${i + 1}`, tunnel_types: ["vxlan"], l2_population: true } })),
  networks: NETS.map((id, i) => ({ id, network_type: "vxlan", segmentation_id: 100 + i, subnet: { id: `s-${id}`, cidr: `10.${i}.0.0/24` } })),
});

type Op =
  | { readonly kind: "boot"; readonly host: number; readonly net: number }
  | { readonly kind: "delete" | "admin"; readonly vm: number }
  | { readonly kind: "migrate"; readonly vm: number; readonly host: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("boot" as const), host: fc.nat(2), net: fc.nat(1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("delete" as const), vm: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("admin" as const), vm: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("migrate" as const), vm: fc.nat(20), host: fc.nat(2) }) },
);

/** What each host's FDB should hold, from the server's ports: network -> remote IP -> entries. */
function expected(cloud: Cloud, host: string): Record<string, Record<string, string[]>> {
  const active = cloud.server.ports().filter((p) => cloud.server.status(p.id) === "ACTIVE");
  const out: Record<string, Record<string, string[]>> = {};
  for (const net of NETS) {
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

describe("l2pop auto keeps every host's FDB equal to the cloud's ACTIVE ports", () => {
  it("after any sequence of boots, deletes, migrations and admin state changes", () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 10 }), (ops) => {
        const { factory, agents } = stubFactory();
        const cloud = createCloud(spec, { agent: factory });
        const vms: { name: string; host: string; up: boolean }[] = [];
        let n = 0;
        ops.forEach((o, index) => {
          let step: CloudStep | null = null;
          const vm = o.kind === "boot" ? undefined : vms[o.vm % Math.max(1, vms.length)];
          if (o.kind === "boot") {
            const name = `vm${n++}`;
            step = { op: "boot", index, vm: name, host: HOSTS[o.host]!, port: null, newPort: { networkId: NETS[o.net]!, mac: null, fixedIps: [], securityGroups: [], portSecurityEnabled: true, allowedAddressPairs: [], adminStateUp: true, deviceOwner: "compute:nova" } };
            vms.push({ name, host: HOSTS[o.host]!, up: true });
          } else if (vm !== undefined && o.kind === "delete") {
            step = { op: "delete", index, vm: vm.name };
            vms.splice(vms.indexOf(vm), 1);
          } else if (vm !== undefined && o.kind === "admin") {
            vm.up = !vm.up;
            step = { op: "update_port", index, port: vm.name, changes: { adminStateUp: vm.up } };
          } else if (vm !== undefined && o.kind === "migrate" && HOSTS[o.host] !== vm.host) {
            vm.host = HOSTS[o.host]!;
            step = { op: "migrate", index, vm: vm.name, host: vm.host };
          }
          if (step === null) return;
          expect(cloud.step(step)).toBe(true);
          for (const h of HOSTS) {
            const agent = agents.get(h)!.at(-1)!;
            expect(agent.fdbState(), `${h} after step ${index} (${step.op})`).toEqual(expected(cloud, h));
          }
        });
        expect(cloud.stderr).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });
});
