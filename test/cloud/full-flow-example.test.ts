/**
 * The README's main job: `ovsim cloud fixtures/cloud-examples/two-tenants.json`
 * (two hosts, two tenants on VXLAN with the same subnet and addresses,
 * l2_population off). Its committed output, two-tenants.ovsim.out, is
 * ovsim's own (a regression check, not a reference: no oracle can run this
 * file), so the facts that make it right are checked apart from it: each
 * network's pairs answered, no VM of the other tenant, the cross-tenant ping
 * of a shared address answered by the pinger's own tenant only, table 20 of
 * each host holding the flows learned from the other host's VMs with
 * hard_timeout=300, and none 301 s later.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createCloud } from "../../src/cloud/cloud.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FILE = join(ROOT, "fixtures/cloud-examples/two-tenants.json");
const OUT = join(ROOT, "fixtures/cloud-examples/two-tenants.ovsim.out");

/** The lines after `### HEADER` up to the next `###`. */
function block(lines: readonly string[], header: string): string[] {
  const i = lines.indexOf(`### ${header}`);
  expect(i, `no block ${header}`).toBeGreaterThanOrEqual(0);
  const rest = lines.slice(i + 1);
  const end = rest.findIndex((l) => l.startsWith("### "));
  return end < 0 ? rest : rest.slice(0, end);
}

/** A ping matrix block as cells: row VM -> column VM -> cell. */
function matrix(lines: readonly string[]): Map<string, Map<string, string>> {
  const [head, ...rows] = lines.filter((l) => !l.startsWith("* "));
  const cols = head!.split(/\s+/).slice(1).filter((c) => c !== "|");
  return new Map(
    rows.map((r) => {
      const [from, ...cells] = r.split(/\s+/).filter((c) => c !== "|");
      return [from!, new Map(cells.map((c, i) => [cols[i]!, c]))];
    }),
  );
}

describe("fixtures/cloud-examples/two-tenants.json (the README's main job)", () => {
  it("`ovsim cloud` prints exactly two-tenants.ovsim.out, exit 0, nothing on stderr", () => {
    const program = `const { main } = await import(${JSON.stringify(join(ROOT, "src/cli/main.ts"))}); process.exitCode = await main(process.argv.slice(1));`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", program, "--", "cloud", FILE], { cwd: ROOT, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(OUT, "utf8"));
  });

  it("what it prints is right: same tenant answers, the other tenant never; each host learned the other's VMs with hard_timeout=300, gone 301 s later", () => {
    const cloud = createCloud(readFileSync(FILE, "utf8"));
    expect(cloud.run()).toEqual({ ok: true, failedSteps: [] });
    const out = cloud.stdout;
    const vms = new Map([...cloud.vms.values()].map((v) => [v.name, { host: v.host, port: cloud.server.port(v.portId)! }]));
    const tenant = (name: string) => cloud.server.network(vms.get(name)!.port.networkId)!.name;
    // the same addresses in both tenants
    expect(vms.get("a1")!.port.fixedIps).toEqual(vms.get("b1")!.port.fixedIps);
    expect(vms.get("a2")!.port.fixedIps).toEqual(vms.get("b2")!.port.fixedIps);
    for (const net of ["tenant-a", "tenant-b"]) {
      const m = matrix(block(out, `ping_matrix ${net}`));
      expect([...m.keys()].sort()).toEqual([...vms.keys()].filter((v) => tenant(v) === net).sort());
      for (const [from, row] of m) {
        expect([...row.keys()].sort()).toEqual([...vms.keys()].sort());
        for (const [to, cell] of row) {
          const want = from === to ? "-" : tenant(to) === net ? "ok" : /^none\*?$/;
          if (typeof want === "string") expect(cell, `${from} -> ${to}`).toBe(want);
          else expect(cell, `${from} -> ${to}`).toMatch(want);
        }
      }
    }
    const a2mac = vms.get("a2")!.port.mac;
    expect(block(out, "ping a1 -> b2")).toEqual([`a1 -> b2 (10.0.0.3): 0/1 received; answered by a2 (${a2mac})`]);
    // learned flows: on each host, one per remote VM, with its network's VNI and hard_timeout=300
    for (const [host, remote] of [["hv1", ["a2", "b2"]], ["hv2", ["a1", "b1"]]] as const) {
      const flows = block(out, `${host}: ovs-ofctl dump-flows br-tun table=20`).filter((l) => l.includes("priority=1,"));
      expect(flows).toHaveLength(2);
      for (const vm of remote) {
        const vni = cloud.server.network(vms.get(vm)!.port.networkId)!.segmentationId!;
        const flow = flows.find((l) => l.includes(`dl_dst=${vms.get(vm)!.port.mac} `));
        expect(flow, `${host} learned ${vm}`).toMatch(new RegExp(`hard_timeout=300, .*load:0x${vni.toString(16)}->NXM_NX_TUN_ID\\[\\],output:`));
      }
    }
    // 301 virtual seconds later only the agent's default flow is left
    expect(block(out, "hv1: ovs-ofctl --no-stats dump-flows br-tun table=20")).toEqual([expect.stringMatching(/^ cookie=0x[0-9a-f]+, table=20, priority=0 actions=resubmit\(,22\)$/)]);
    // and the output is the committed one
    expect(out.join("\n") + "\n").toBe(readFileSync(OUT, "utf8"));
  });

  it.each(["README.md", "docs/cloud.md"])("the output %s shows after `npx ovsim cloud fixtures/cloud-examples/two-tenants.json` is printed, in order", (doc) => {
    const text = readFileSync(join(ROOT, doc), "utf8");
    const at = text.search(/`npx ovsim cloud fixtures\/cloud-examples\/two-tenants\.json` prints|The README shows tenant-a's matrix/);
    expect(at, `${doc} shows no output of the example`).toBeGreaterThanOrEqual(0);
    const shown = /\n```\n([\s\S]*?)\n```\n/.exec(text.slice(at))?.[1] ?? "";
    expect(shown.split("\n").length).toBeGreaterThan(5);
    const printed = readFileSync(OUT, "utf8").split("\n");
    let from = 0;
    for (const line of shown.split("\n")) {
      const i = printed.indexOf(line, from);
      expect(i, `${doc}: "${line}" is not printed (in order)`).toBeGreaterThanOrEqual(0);
      from = i + 1;
    }
  });
});
