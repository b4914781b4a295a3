/**
 * `ovsim run --save SNAP` then `ovsim run --load SNAP`: the second run
 * continues where the first stopped, printing what one run of both scripts
 * prints; a bad snapshot file exits 2 with `ovsim run: FILE: <why>`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = join(ROOT, "src/cli/main.ts");
const tmp = mkdtempSync(join(tmpdir(), "ovsim-snap-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function ovsim(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const program = `const { main } = await import(${JSON.stringify(MAIN)}); process.exitCode = await main(process.argv.slice(1));`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", program, "--", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, OVSIM_TRACE: "1" },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const A = `ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy
ovs-vsctl add-port br0 p1 -- set interface p1 type=dummy
ovs-vsctl add-port br0 p2 -- set interface p2 type=dummy
ovs-ofctl add-flow br0 priority=10,idle_timeout=10,actions=NORMAL
ovs-appctl netdev-dummy/receive p1 'in_port(1),eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=1,dst=2)'
ovs-appctl time/warp 4000
ovs-ofctl add-flow br0 nosuchfield=1,actions=drop
`;
const B = `ovs-ofctl dump-flows br0
ovs-appctl fdb/show br0
ovs-appctl dpctl/dump-flows
ovs-appctl time/warp 7000
ovs-ofctl dump-flows br0
`;

describe("ovsim run --save / --load", () => {
  it("a saved run continues as one run of both scripts", () => {
    const a = join(tmp, "a.ovs");
    const b = join(tmp, "b.ovs");
    const snap = join(tmp, "snap.json");
    writeFileSync(a, A);
    writeFileSync(b, B);
    const first = ovsim(["run", "--save", snap, a]);
    expect(first.status).toBe(1); // a command failed; the snapshot is saved anyway
    const saved = JSON.parse(readFileSync(snap, "utf8")) as { format: string; clock: number };
    expect(saved.format).toBe("ovsim-switch");
    expect(saved.clock).toBe(4000);
    const second = ovsim(["run", `--load=${snap}`, b]);
    const both = ovsim(["run", "--save", join(tmp, "both.json"), a, b]);
    expect(second.status).toBe(0);
    expect(both.stdout.endsWith(second.stdout)).toBe(true);
    expect(second.stdout).toContain("idle_timeout=10, idle_age=4, priority=10 actions=NORMAL");
    expect(second.stdout.split("### ovs-ofctl dump-flows br0")[2]).not.toContain("priority=10");
  });

  it("a bad snapshot exits 2 naming the file and the problem", () => {
    const b = join(tmp, "b2.ovs");
    writeFileSync(b, B);
    const bad = join(tmp, "bad.json");
    writeFileSync(bad, JSON.stringify({ format: "ovsim-switch", version: 99 }));
    const r = ovsim(["run", "--load", bad, b]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`ovsim run: ${bad}: $.version: snapshot version 99 is newer than the version this ovsim reads (1)\n`);
    writeFileSync(bad, "{");
    expect(ovsim(["run", "--load", bad, b]).stderr).toMatch(/^ovsim run: .*bad\.json: not JSON \(/);
    expect(ovsim(["run", "--save"]).status).toBe(2);
  });
});
