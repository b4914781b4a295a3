/**
 * ovsim's own clouds under the properties of ovsim/testing (issue 10):
 * random clouds of 1-2 hosts (every network type, overlapping subnets,
 * l2population and the ARP responder on or off, the openvswitch firewall
 * or noop) and random event sequences (boot, delete, migrate, admin down
 * and up, delete a network, restart an agent or OVS, time, pings), run
 * against a model; after each event the cloud agrees with the model and
 * no frame crossed a network (isolation); after the sequence every pair
 * that should reach pings (reachability), a broadcast reaches each VM at
 * most once (no storms), learned flows expire after 301 quiet seconds,
 * and once every VM and network is deleted only the start-up flows are
 * left (no leaks). One run checks all five, so each runs `runs` times.
 * OVSIM_PROPERTY_SCALE (src/testing/runs.ts; `npm run test:deep`: 10)
 * multiplies the runs.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCloudFile } from "../../src/cloud/cloud-file.js";
import { CLOUD_NETWORK_TYPES, cloudFileArbitrary, cloudProperty } from "../../src/testing/cloud/index.js";
import { propertyRuns, propertyTimeout } from "../../src/testing/runs.js";

/** CI: 100 runs of the whole property (measured: 0.25-0.45 s a run on a loaded 2-core machine). */
const RUNS = propertyRuns(100);

describe("random cloud files", () => {
  it("are valid cloud files, with every network type and overlapping subnets among them", () => {
    const seen = new Set<string>();
    let overlapping = 0;
    fc.assert(
      fc.property(cloudFileArbitrary({ maxHosts: 4, maxNetworks: 4 }), (file) => {
        const spec = parseCloudFile(file);
        expect(spec.hosts.length).toBeGreaterThanOrEqual(1);
        for (const n of spec.networks) seen.add(n.networkType);
        const cidrs = spec.networks.map((n) => n.subnet.cidr);
        if (new Set(cidrs).size < cidrs.length) overlapping++;
      }),
      { numRuns: 300 },
    );
    expect([...seen].sort()).toEqual([...CLOUD_NETWORK_TYPES].sort());
    expect(overlapping).toBeGreaterThan(0);
  });
});

describe("a cloud driven by the ported Neutron agent", () => {
  it(`keeps isolation, reachability, no storms, expiring learned flows and no leaks (${RUNS} runs)`, { timeout: propertyTimeout(120_000) }, () => {
    fc.assert(cloudProperty({ maxHosts: 2, maxNetworks: 2, maxCommands: 5, maxVms: 3 }), { numRuns: RUNS });
  });
});
