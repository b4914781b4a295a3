/**
 * The openvswitch firewall's flows against real Neutron 21 on real OVS 3.1
 * (fixtures/cloud, recorded by neutron-run): each file's steps played for
 * the firewall (cloud-harness.ts), and br-int's flows compared with the
 * golden's firewall lines (tables 71-94, table 60 priorities 90 and 100),
 * cookies normalised, sorted (and, the driver being given the golden's
 * cookie, byte for byte). Nothing else may be on br-int: the harness's
 * switch only has the firewall's flows. fixtures/ holds two more files
 * recorded the same way (fixtures/cloud/record.sh FILE.json) for what
 * fixtures/cloud leaves out.
 */
import { describe, expect, it } from "vitest";
import { bridgeProtocols, CLOUD_DIR, goldenDumps, interfaceOfports, isFirewallLine, normaliseCookie, OWN_DIR, runFirewallCloud } from "./cloud-harness.js";

const FILES: Array<[string, URL]> = [
  ["ovsfw-rules", CLOUD_DIR],
  ["ovsfw-provider-aap-nosec", CLOUD_DIR],
  ["egress-direct-ovsfw", CLOUD_DIR],
  // recorded the same way for this port: unplugs, merges, odd protocols, egress-direct on VLAN and flat
  ["ovsfw-lifecycle", OWN_DIR],
  ["ovsfw-egress-direct-vlan", OWN_DIR],
];

const sorted = (lines: readonly string[]): string[] => lines.map(normaliseCookie).sort();
/** The harness gives the driver the golden's own cookie: lines compare byte for byte too. */
const exact = (lines: readonly string[]): string[] => [...lines].sort();

describe.each(FILES)("%s.json", (name, dir) => {
  const run = runFirewallCloud(name, { dir });
  const intBr = run.config.integrationBridge;

  it("plugs the ports at the golden's ofports", () => {
    const want = interfaceOfports(run.golden).at(-1)!;
    for (const p of run.sw.ports(intBr)) if (want.has(p.name)) expect([p.name, p.ofport]).toEqual([p.name, want.get(p.name)]);
  });

  it("writes br-int's firewall flows as real Neutron does", () => {
    const golden = goldenDumps(run.golden, intBr);
    expect(run.dumps.length).toBe(golden.length);
    for (const [i, dump] of run.dumps.entries()) {
      expect(sorted(dump)).toEqual(sorted(golden[i]!.filter(isFirewallLine)));
      expect(exact(dump)).toEqual(exact(golden[i]!.filter(isFirewallLine)));
    }
  });

  it("adds OpenFlow 1.1 and 1.2 to br-int's protocols", () => {
    const protocols = run.sw.get("Bridge", intBr, "protocols");
    const want = bridgeProtocols(run.golden).at(-1)?.get(intBr) ?? "[OpenFlow10, OpenFlow11, OpenFlow12, OpenFlow13, OpenFlow14]";
    expect(`[${(protocols as string[]).join(", ")}]`).toBe(want);
  });

  it("logs no refused flow_mod and no missing port", () => {
    expect(run.driver.log).toEqual([]);
  });

  it("writes the same flows when port-security-off ports go to processTrustedPorts", () => {
    const split = runFirewallCloud(name, { dir, splitTrusted: true });
    expect(split.dumps.map(sorted)).toEqual(run.dumps.map(sorted));
  });
});
