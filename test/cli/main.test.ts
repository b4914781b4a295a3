/**
 * The `ovsim` command as a user runs it: a child process running
 * src/cli/main.ts under tsx (what bin/ovsim.js does with dist/), with real
 * arguments, standard input, exit status and files.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { decodePcap } from "../../src/datapath/pcap.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = join(ROOT, "src/cli/main.ts");
const QUICKSTART = join(ROOT, "fixtures/examples/quickstart.ovs");
const VLAN_SCENARIO = join(ROOT, "fixtures/scenarios/two-hosts-vlan.scn");
const tmp = mkdtempSync(join(tmpdir(), "ovsim-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `ovsim ARGS...`, with `input` on its standard input. */
function ovsim(args: readonly string[], input = ""): Run {
  const program = `const { main } = await import(${JSON.stringify(MAIN)}); process.exitCode = await main(process.argv.slice(1));`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", program, "--", ...args], {
    cwd: ROOT,
    input,
    encoding: "utf8",
    env: { ...process.env, OVSIM_TRACE: "" },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const version = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

describe("ovsim --version", () => {
  it("prints ovsim and package.json's version, exit 0", () => {
    for (const flag of ["--version", "-V"]) {
      const r = ovsim([flag]);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`ovsim ${version}\n`);
    }
  });
});

describe("ovsim run", () => {
  it("--help prints the run usage and exits 0 (not read as a file)", () => {
    const r = ovsim(["run", "--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: ovsim run \[--load SNAP\] \[--save SNAP\] SCRIPT\.\.\.\n/);
    expect(r.stdout).toContain('"-" reads the script from standard input');
    expect(r.stderr).toBe("");
  });

  it("without a SCRIPT says it is missing, prints the usage, exits 2", () => {
    const r = ovsim(["run"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^ovsim run: missing SCRIPT/);
    expect(r.stderr).toContain("usage: ovsim run [--load SNAP] [--save SNAP] SCRIPT...");
    expect(r.stderr).not.toContain("unknown command");
  });

  it("- reads the script from standard input, as a file would be", () => {
    const script = readFileSync(QUICKSTART, "utf8");
    const fromStdin = ovsim(["run", "-"], script);
    const fromFile = ovsim(["run", QUICKSTART]);
    expect(fromStdin.status).toBe(0);
    expect(fromStdin.stdout).toContain(" table=1, priority=10,tcp,tp_dst=80 actions=output:2");
    expect(fromStdin).toEqual(fromFile);
  });

  it("- with a failing command exits 1 and prints OVS's error", () => {
    const r = ovsim(["run", "-"], "ovs-vsctl add-br br0\novs-ofctl add-flow br0 prio=1,actions=drop\n");
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("ovs-ofctl: unknown keyword prio\n");
  });

  it("an unknown option is refused with the usage, exit 2", () => {
    const r = ovsim(["run", "--frobnicate", QUICKSTART]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^ovsim run: unknown option '--frobnicate'\nusage: ovsim run/);
  });
});

describe("ovsim scenario", () => {
  it("--help prints the scenario usage and exits 0", () => {
    const r = ovsim(["scenario", "--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: ovsim scenario \[--pcap-dir DIR\] SCENARIO\n/);
  });

  it("without a SCENARIO says it is missing, prints the usage, exits 2", () => {
    const r = ovsim(["scenario"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^ovsim scenario: missing SCENARIO/);
    expect(r.stderr).toContain("usage: ovsim scenario [--pcap-dir DIR] SCENARIO");
    const noDir = ovsim(["scenario", "--pcap-dir"]);
    expect(noDir.status).toBe(2);
    expect(noDir.stderr).toMatch(/^ovsim scenario: --pcap-dir needs a DIR/);
  });

  it("--pcap-dir creates a missing DIR, parents included, and writes the captures there", () => {
    const dir = join(tmp, "not", "yet", "there");
    expect(existsSync(dir)).toBe(false);
    const r = ovsim(["scenario", "--pcap-dir", dir, VLAN_SCENARIO]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("a1 -> 10.0.0.2: 3/3 received");
    expect(readdirSync(dir).sort()).toEqual(["hv2_tap-a2.pcap", "phys.pcap"]);
    const phys = decodePcap(readFileSync(join(dir, "phys.pcap")));
    expect(phys.frames.length).toBeGreaterThan(0);
  });

  it("a capture that cannot be written is reported with the pcap's path, not the scenario's", () => {
    const dir = join(tmp, "blocked");
    // A directory where a capture file should go: EISDIR, for root too.
    mkdirSync(join(dir, "hv2_tap-a2.pcap"), { recursive: true });
    const r = ovsim(["scenario", "--pcap-dir", dir, VLAN_SCENARIO]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^ovsim: .*hv2_tap-a2\.pcap: EISDIR/m);
    expect(r.stderr).toContain(`ovsim: ${join(dir, "hv2_tap-a2.pcap")}: `);
    expect(r.stderr).not.toContain(VLAN_SCENARIO);
  });

  it("a DIR that cannot be created names DIR", () => {
    const file = join(tmp, "a-file");
    writeFileSync(file, "");
    const dir = join(file, "sub");
    const r = ovsim(["scenario", "--pcap-dir", dir, VLAN_SCENARIO]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^ovsim: ${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `, "m"));
    expect(r.stderr).not.toContain(`ovsim: ${VLAN_SCENARIO}`);
  });

  it("- reads the scenario from standard input", () => {
    const r = ovsim(["scenario", "-"], readFileSync(VLAN_SCENARIO, "utf8"));
    expect(r.status).toBe(0);
    expect(r.stdout.split("\n")).toContain("a1 -> 10.0.0.12: ARP unresolved");
  });
});
