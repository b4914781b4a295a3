/**
 * `ovsim cloud` as a user runs it: a child process running src/cli/main.ts
 * under tsx, with real arguments, standard input and exit status (0 every
 * step succeeded, 1 a step or command failed, 2 a bad file or usage).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { cloudBlocks } from "./golden-normalise.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = join(ROOT, "src/cli/main.ts");
const tmp = mkdtempSync(join(tmpdir(), "ovsim-cloud-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function ovsim(args: readonly string[], input = ""): { status: number | null; stdout: string; stderr: string } {
  const program = `const { main } = await import(${JSON.stringify(MAIN)}); process.exitCode = await main(process.argv.slice(1));`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", program, "--", ...args], { cwd: ROOT, input, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("ovsim cloud", () => {
  it("--help prints its usage, exit 0; the main usage names it", () => {
    const r = ovsim(["cloud", "--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: ovsim cloud \[--check\] \[--progress\] \[--timeout SECONDS\] FILE\n/);
    expect(r.stdout).toContain("Exit status: 0 every step succeeded, 1 a step or command failed, 2 a bad file.");
    expect(ovsim(["--help"]).stdout).toContain("ovsim cloud [--check]");
  });

  it("usage errors exit 2: no FILE, an unknown option, a bad --timeout", () => {
    expect(ovsim(["cloud"])).toMatchObject({ status: 2, stderr: expect.stringMatching(/^ovsim cloud: missing FILE/) });
    expect(ovsim(["cloud", "--fast", "x.json"])).toMatchObject({ status: 2, stderr: expect.stringMatching(/^ovsim cloud: unknown option '--fast'/) });
    expect(ovsim(["cloud", "--timeout", "soon", "x.json"]).status).toBe(2);
  });

  it("a bad file exits 2 with a message naming the step and the field", () => {
    const bad = JSON.stringify({ hosts: [{ name: "h1" }], steps: [{ op: "run", commands: [] }, { op: "plug_ports", ports: [], host: "h1" }] });
    const r = ovsim(["cloud", "-"], bad);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("ovsim cloud: (standard input): steps[1].host: unknown field of a plug_ports step (known: op, ports)\n");
    const missing = ovsim(["cloud", join(tmp, "nope.json")]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/nope\.json: ENOENT/);
  });

  it("--check only checks the file", () => {
    const r = ovsim(["cloud", "--check", join(ROOT, "fixtures/cloud/l2pop-add-remove.json")]);
    expect(r).toMatchObject({ status: 0, stdout: "" });
    expect(r.stderr).toMatch(/l2pop-add-remove\.json: ok \(3 hosts, 9 steps\)/);
  });

  it("runs a golden's file: its blocks (### HOST: COMMAND), exit 0", () => {
    const r = ovsim(["cloud", join(ROOT, "fixtures/cloud/gre-l2pop.json")]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const want = cloudBlocks(readFileSync(join(ROOT, "fixtures/cloud/gre-l2pop.out"), "utf8"));
    expect(cloudBlocks(r.stdout, "compute-1")).toEqual(want);
  });

  it("a failed command or ping expectation exits 1, the run going on; --progress says each step", () => {
    const file = join(tmp, "fail.json");
    writeFileSync(
      file,
      JSON.stringify({
        hosts: [{ name: "h1" }],
        networks: [{ id: "n", network_type: "local", subnet: { id: "s", cidr: "10.0.0.0/24" } }],
        steps: [
          { op: "run", commands: ["ovs-ofctl dump-flows br-nope"] },
          { op: "boot", vm: "a", network_id: "n" },
          { op: "ping", from: "a", to: "10.0.0.9", expect: "ok" },
          { op: "run", commands: ["ovs-vsctl br-exists br-int"] },
        ],
      }),
    );
    const r = ovsim(["cloud", "--progress", file]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("### ovs-ofctl dump-flows br-nope\n### ping a -> 10.0.0.9\na -> 10.0.0.9: ARP unresolved\n### ovs-vsctl br-exists br-int\n");
    expect(r.stderr).toContain("ovs-ofctl: br-nope is not a bridge or a socket\n");
    expect(r.stderr).toContain("ovsim cloud: step 2 (ping): a -> 10.0.0.9: expected ok, got ARP unresolved\n");
    expect(r.stderr).toMatch(/ovsim cloud: \[5\.0 s\] step 1 boot done\n/);
  });
});
