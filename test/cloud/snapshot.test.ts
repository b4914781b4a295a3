/**
 * Cloud snapshots (src/cloud/snapshot.ts, load-cloud.ts): round trips on
 * the example clouds (two tenants on two kernel-datapath hosts; two netdev
 * hosts tunnelling natively; the openvswitch firewall with security-group
 * updates), the save's refusals, bad documents as typed errors with their
 * JSON path, user agents, and `ovsim cloud --save / --load`.
 *
 * A round trip: the file's steps (and a dump of every host at the end) run
 * on one cloud; then the same steps on a cloud saved after `k` of them,
 * JSON text, loaded, and continued: both print the same, and end in the
 * same state (their snapshots are equal, the object graphs compared as
 * values: snapshot-support.ts).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { AgentFactory } from "../../src/cloud/agent-factory.js";
import { ovsAgentFactory } from "../../src/cloud/agent-factory.js";
import { parseCloudFile } from "../../src/cloud/cloud-file.js";
import { CloudFileError } from "../../src/cloud/file-checks.js";
import type { Cloud } from "../../src/cloud/cloud.js";
import { createCloud } from "../../src/cloud/cloud.js";
import type { CloudSpec, CloudStep } from "../../src/cloud/cloud-types.js";
import { loadCloud, parseStepsFor } from "../../src/cloud/load-cloud.js";
import type { CloudSnapshot } from "../../src/cloud/snapshot.js";
import { buildArp } from "../../src/datapath/packet/build.js";
import { wrapAgentFactory } from "../../src/testing/cloud/index.js";
import { SnapshotError } from "../../src/vswitchd/snapshot.js";
import { sgFile } from "./security-groups-support.js";
import { stateText } from "./snapshot-support.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TWO_TENANTS = JSON.parse(readFileSync(join(ROOT, "fixtures/cloud-examples/two-tenants.json"), "utf8")) as Record<string, unknown>;
const NETDEV = JSON.parse(readFileSync(join(ROOT, "fixtures/cloud-examples/netdev-hosts.json"), "utf8")) as Record<string, unknown>;

/** Every host's flows, ports, MAC tables and datapath, as run steps. */
function dump(spec: CloudSpec, bridges: (host: string) => readonly string[]): unknown[] {
  return spec.hosts.map((h) => ({
    op: "run",
    host: h.name,
    commands: [...bridges(h.name).flatMap((br) => [`ovs-ofctl dump-flows ${br}`, `ovs-ofctl dump-ports ${br}`, `ovs-appctl fdb/show ${br}`]), "ovs-appctl dpctl/dump-flows", "ovs-appctl dpctl/dump-conntrack"],
  }));
}

/** The file with a dump of every host appended (bridges as a fresh run of the file leaves them). */
function withDump(file: Record<string, unknown>): CloudSpec {
  const spec = parseCloudFile(file);
  const probe = createCloud(spec);
  probe.run();
  return parseCloudFile({ ...file, steps: [...(file["steps"] as unknown[]), ...dump(spec, (h) => probe.switchOf(h).bridgeNames())] });
}

function saveText(c: Cloud): string {
  return JSON.stringify(c.saveSnapshot());
}

/** Runs `steps[0..k)`, saves, loads the JSON text, runs the rest; what both clouds printed and the end state. */
function splitRun(spec: CloudSpec, k: number): { stdout: string[]; stderr: string[]; end: string } {
  const a = createCloud({ ...spec, steps: [] });
  a.run(spec.steps.slice(0, k));
  const b = loadCloud(saveText(a));
  b.run(spec.steps.slice(k));
  return { stdout: [...a.stdout, ...b.stdout], stderr: [...a.stderr, ...b.stderr], end: stateText(b.saveSnapshot()) };
}

function roundTrips(spec: CloudSpec, splits: readonly number[]): void {
  const ref = createCloud({ ...spec, steps: [] });
  expect(ref.run(spec.steps).ok).toBe(true);
  const end = stateText(ref.saveSnapshot());
  for (const k of splits) {
    const got = splitRun(spec, k);
    expect({ k, stdout: got.stdout }).toEqual({ k, stdout: ref.stdout });
    expect({ k, stderr: got.stderr }).toEqual({ k, stderr: ref.stderr });
    expect(got.end === end, `end state after a split at step ${k}`).toBe(true);
  }
}

describe("cloud snapshots: round trips", () => {
  it("two tenants (kernel datapath, VXLAN, learned flows with hard_timeout): split at start, in the middle and at the end", () => {
    const spec = withDump(TWO_TENANTS);
    roundTrips(spec, [0, 4, spec.steps.length - 3]);
  });

  it("netdev hosts (native tunnelling: tnl/neigh learned from ARP, routes): split after the boots and after the ping", () => {
    const spec = withDump(NETDEV);
    roundTrips(spec, [2, 3]);
  });

  it("the openvswitch firewall: conjunctions, conntrack, a security-group update and a port's group change after the split", () => {
    const G = "11111111-0000-4000-8000-00000000000a";
    const R = "11111111-0000-4000-8000-00000000000b";
    const P = (n: number): string => `${n}2222222-0000-4000-8000-0000000000${String(n).padStart(2, "0")}`;
    const file = sgFile(
      { [G]: [{ direction: "egress" }, { direction: "ingress", protocol: "icmp", remote_group_id: G }], [R]: [{ direction: "egress" }, { direction: "ingress", remote_ip_prefix: "10.0.0.0/24" }] },
      [
        { id: P(1), ip: "10.0.0.11", groups: [G] },
        { id: P(2), host: "hv2", ip: "10.0.0.12", groups: [G] },
        { id: P(3), host: "hv2", ip: "10.0.0.13", groups: [R] },
      ],
    );
    const steps = [
      ...(file["steps"] as unknown[]),
      { op: "ping_all" },
      { op: "update_security_group", security_group: G, rules: [{ direction: "egress" }] },
      { op: "ping_all" },
      { op: "update_port", port: P(3), security_groups: [G] },
      { op: "advance", seconds: 5 },
      { op: "ping_all" },
    ];
    const spec = withDump({ ...file, steps });
    roundTrips(spec, [1, 2, 4]);
  });

  it("a loaded cloud saves what it loaded (save → load → save is the same text)", () => {
    const a = createCloud(TWO_TENANTS);
    a.run();
    const text = saveText(a);
    expect(saveText(loadCloud(text))).toBe(text);
  });

  it("restarts after a load: an agent restarted, then OVS restarted, draw on the hosts' saved streams", () => {
    const spec = withDump({ ...TWO_TENANTS, steps: [...(TWO_TENANTS["steps"] as unknown[]).slice(0, 4), { op: "restart_agent", host: "hv1" }, { op: "restart_ovs", host: "hv2" }, { op: "ping_matrix" }] });
    roundTrips(spec, [4]);
  });
});

describe("cloud snapshots: what cannot be saved", () => {
  it("frames in flight: a SnapshotError says events are pending; once they land the save works", () => {
    const c = createCloud(TWO_TENANTS);
    c.run((c.spec.steps as CloudStep[]).slice(0, 4));
    const vm = c.findVm("a1");
    if (vm?.endpoint === null || vm?.endpoint === undefined) throw new Error("no a1");
    vm.endpoint.send(buildArp({ src: vm.endpoint.mac, dst: 0xffffffffffff }, 1, vm.endpoint.ip, 0x0a0000fe).data());
    expect(() => c.saveSnapshot()).toThrow(SnapshotError);
    expect(() => c.saveSnapshot()).toThrow(/event\(s\) pending in the event loop/);
    c.sim.run();
    expect(() => c.saveSnapshot()).not.toThrow();
  });

  it("an agent without saveState (a user's factory): the error names the host", () => {
    const plain: AgentFactory = (ctx) => {
      const agent = ovsAgentFactory(ctx);
      return { iterate: () => agent.iterate(), ...bindHandlers(agent) };
    };
    const c = createCloud(TWO_TENANTS, { agent: plain });
    expect(() => c.saveSnapshot()).toThrow(new SnapshotError("host hv1: its agent has no saveState (an agent built by options.agent must provide one to be saved)"));
  });

  it("a wrapped factory's agents save through the wrapper; loading them needs the factory's restorer", () => {
    const wrapped = wrapAgentFactory(ovsAgentFactory, {});
    const c = createCloud(TWO_TENANTS, { agent: wrapped });
    const text = saveText(c);
    expect(() => loadCloud(text, { agent: wrapped })).toThrow(/needs its restorer \(options.restoreAgent\)/);
    expect(saveText(loadCloud(text))).toBe(text);
  });

  it("a capture running: refused, naming the host and port", () => {
    const c = createCloud(TWO_TENANTS);
    c.sim.capturePort("hv1", "eth0");
    expect(() => c.saveSnapshot()).toThrow("host hv1: a capture is running on eth0 (captures are not saved)");
  });
});

/** The AgentRpcHandlers of `agent`, bound (a plain object without saveState). */
function bindHandlers(agent: ReturnType<AgentFactory>): Omit<ReturnType<AgentFactory>, "iterate" | "saveState"> {
  return {
    portUpdate: (p) => agent.portUpdate(p),
    portDelete: (id) => agent.portDelete(id),
    networkUpdate: (id) => agent.networkUpdate?.(id),
    networkDelete: (id) => agent.networkDelete?.(id),
    tunnelUpdate: (ip, t) => agent.tunnelUpdate(ip, t),
    tunnelDelete: (ip, t) => agent.tunnelDelete(ip, t),
    addFdbEntries: (e) => agent.addFdbEntries(e),
    removeFdbEntries: (e) => agent.removeFdbEntries(e),
    updateFdbEntries: (u) => agent.updateFdbEntries(u),
    securityGroupsRuleUpdated: (g) => agent.securityGroupsRuleUpdated?.(g),
    securityGroupsMemberUpdated: (g) => agent.securityGroupsMemberUpdated?.(g),
  };
}

describe("cloud snapshots: bad documents are SnapshotErrors with their JSON path", () => {
  const c = createCloud(TWO_TENANTS);
  c.run((c.spec.steps as CloudStep[]).slice(0, 4));
  const good = c.saveSnapshot();
  const text = JSON.stringify(good);
  const edit = (f: (d: { -readonly [K in keyof CloudSnapshot]: CloudSnapshot[K] } & Record<string, unknown>) => void): string => {
    const d = JSON.parse(text) as { -readonly [K in keyof CloudSnapshot]: CloudSnapshot[K] } & Record<string, unknown>;
    f(d);
    return JSON.stringify(d);
  };
  const cases: readonly [string, string, string][] = [
    ["not JSON", "{", "$"],
    ["another format", edit((d) => (d["format"] = "ovsim-switch" as "ovsim-cloud")), "$.format"],
    ["another version", edit((d) => (d["version"] = 99)), "$.version"],
    ["no spec hosts", edit((d) => (d["spec"] = { ...d.spec, hosts: "hv1" } as unknown as CloudSpec)), "$.spec"],
    ["a host missing from the agents", edit((d) => (d["hosts"] = { hv1: d.hosts["hv1"] } as CloudSnapshot["hosts"])), "$.hosts.hv2"],
    ["a bad stream position", edit((d) => (d["random"] = "xyz")), "$.random"],
    ["the clock not the simulation's", edit((d) => (d["clock"] = 1)), "$.clock"],
    ["an agent graph with an unknown class", edit((d) => ((d.hosts["hv1"]?.agent as { graph: { objects: { t: string; c?: string }[] } }).graph.objects[0]!.c = "Bogus")), "$.hosts.hv1.agent.graph.objects[0].c"],
    ["an agent graph with a dangling reference", edit((d) => ((d.hosts["hv2"]?.agent as { graph: { root: unknown } }).graph.root = { $r: 1e9 })), "$.hosts.hv2.agent.graph.root"],
    ["a server graph that is not one", edit((d) => (d["server"] = { root: null } as unknown as CloudSnapshot["server"])), "$.server"],
    ["a VM on no host", edit((d) => (d["vms"] = [{ ...d.vms[0]!, host: "hv9" }])), "$.vms[0]"],
    ["a VM whose endpoint is not there", edit((d) => (d["vms"] = [{ ...d.vms[0]!, endpoint: "nobody" }])), "$.vms[0].endpoint"],
    ["a switch with a bad field", edit((d) => ((d.sim.hosts[1] as unknown as { switch: { format: string } }).switch.format = "x")), "$.sim.hosts[1].switch"],
  ];
  it.each(cases)("%s", (_what, doc, path) => {
    let err: unknown;
    try {
      loadCloud(doc);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SnapshotError);
    expect((err as SnapshotError).path.startsWith(path)).toBe(true);
  });

  it("the cloud that was saved is untouched by failed loads, and the good document still loads", () => {
    expect(saveText(c)).toBe(text);
    expect(saveText(loadCloud(text))).toBe(text);
  });
});

describe("steps on a loaded cloud", () => {
  const c = createCloud(TWO_TENANTS);
  c.run((c.spec.steps as CloudStep[]).slice(0, 4));
  const loaded = loadCloud(saveText(c));

  it("are checked against what the cloud has: its booted VMs may be pinged and deleted, not booted again", () => {
    expect(parseStepsFor(loaded, { steps: [{ op: "ping", from: "a1", to: "a2" }, { op: "delete", vm: "b1" }] }).map((s) => s.op)).toEqual(["ping", "delete"]);
    expect(() => parseStepsFor(loaded, { steps: [{ op: "boot", vm: "a1", network_id: c.spec.networks[0]!.id }] })).toThrow(new CloudFileError("steps[0].vm", "VM a1 is already booted"));
  });

  it("a steps file must not redefine the cloud", () => {
    expect(() => parseStepsFor(loaded, { hosts: [], steps: [] })).toThrow(/^hosts: with a snapshot loaded, the cloud .* is the snapshot's/);
  });
});

describe("ovsim cloud --save / --load", () => {
  const MAIN = join(ROOT, "src/cli/main.ts");
  const tmp = mkdtempSync(join(tmpdir(), "ovsim-snap-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const ovsim = (args: readonly string[]): { status: number | null; stdout: string; stderr: string } => {
    const program = `const { main } = await import(${JSON.stringify(MAIN)}); process.exitCode = await main(process.argv.slice(1));`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", program, "--", ...args], { cwd: ROOT, encoding: "utf8" });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it("the first steps saved, the rest loaded: the two outputs are the whole file's", () => {
    const steps = TWO_TENANTS["steps"] as unknown[];
    const first = join(tmp, "first.json");
    const rest = join(tmp, "rest.json");
    const snap = join(tmp, "snap.json");
    writeFileSync(first, JSON.stringify({ ...TWO_TENANTS, steps: steps.slice(0, 5) }));
    writeFileSync(rest, JSON.stringify({ format: 1, steps: steps.slice(5) }));
    const a = ovsim(["cloud", "--save", snap, first]);
    expect(a).toMatchObject({ status: 0, stderr: "" });
    const b = ovsim(["cloud", "--load", snap, rest]);
    expect(b).toMatchObject({ status: 0, stderr: "" });
    expect(a.stdout + b.stdout).toBe(readFileSync(join(ROOT, "fixtures/cloud-examples/two-tenants.ovsim.out"), "utf8"));
    expect(ovsim(["cloud", "--check", "--load", snap, rest])).toMatchObject({ status: 0, stderr: `ovsim cloud: ${rest}: ok (2 hosts, ${steps.length - 5} steps)\n` });
  });

  it("a full cloud file with --load, a bad snapshot, a missing --save name: exit 2 with the reason", () => {
    const snap = join(tmp, "snap2.json");
    const file = join(tmp, "two-tenants.json");
    writeFileSync(file, JSON.stringify({ ...TWO_TENANTS, steps: [] }));
    expect(ovsim(["cloud", "--save", snap, file]).status).toBe(0);
    const r = ovsim(["cloud", "--load", snap, file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^ovsim cloud: .*two-tenants.json: seed: with a snapshot loaded, the cloud/);
    const bad = join(tmp, "bad.json");
    writeFileSync(bad, JSON.stringify({ format: "ovsim-cloud", version: 99 }));
    expect(ovsim(["cloud", "--load", bad, file])).toMatchObject({ status: 2, stderr: `ovsim cloud: ${bad}: $.version: version 99: this ovsim reads version 1\n` });
    expect(ovsim(["cloud", "--save"]).status).toBe(2);
  });
});
