/**
 * `ovsim bench flows` as a user runs it (a child process, as test/cli/main.test.ts does):
 * on a ClassBench filter set this test generates, and on flows of ours (the dump-flows
 * output of br-int after the Neutron VXLAN script of fixtures/neutron). Checks the report's
 * shape and counts, exit statuses and errors; never speed.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { classBenchText, generateFilters, generatePackets, packetFlow } from "./classbench-gen.js";
import { NEUTRON_DUMP_HEADER, neutronBrIntDump } from "./neutron-dump.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = join(ROOT, "src/cli/main.ts");
const tmp = mkdtempSync(join(tmpdir(), "ovsim-bench-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function ovsim(args: readonly string[], input = "") {
  const program = `const { main } = await import(${JSON.stringify(MAIN)}); process.exitCode = await main(process.argv.slice(1));`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", program, "--", ...args], { cwd: ROOT, input, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const NEUTRON_DUMP = join(ROOT, "test/bench/fixtures/neutron-br-int.dump");

describe("ovsim bench flows", () => {
  it("measures a generated ClassBench filter set, with a packet list", () => {
    const filters = generateFilters(30, 11);
    const file = join(tmp, "acl.cb");
    writeFileSync(file, classBenchText(filters));
    const packets = join(tmp, "acl.packets");
    writeFileSync(packets, generatePackets(filters, 50, 12).map(packetFlow).join("\n"));
    const r = ovsim(["bench", "flows", "--seconds", "0.2", "--packets", packets, file]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(/^\d+ flows from 30 ClassBench filters, 1 tables, \d+ subtables$/);
    expect(lines[1]).toMatch(/^50 packets from the packet list, \d+ found a flow; classifier and linear scan agree on every packet$/);
    expect(lines.filter((l) => /^(lookup|lookup\+wc \(megaflow\)|linear scan|megaflow cache hit|insert \(add\)|delete \(delete_strict\)) /.test(l))).toHaveLength(6);
    expect(lines.some((l) => l.startsWith("memory per flow: "))).toBe(true);
    expect(lines.some((l) => l.startsWith("table 0: "))).toBe(true);
  });

  it("measures our Neutron br-int flows from a dump-flows output on standard input", () => {
    const dump = neutronBrIntDump();
    expect(dump).toMatch(/^NXST_FLOW reply/);
    // The committed copy (docs/bench.md's example) is current.
    expect(readFileSync(NEUTRON_DUMP, "utf8")).toBe(NEUTRON_DUMP_HEADER + dump);
    const flows = dump.trimEnd().split("\n").length - 1;
    const r = ovsim(["bench", "flows", "--seconds", "0.2", "-"], dump);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout.split("\n")[0]).toMatch(new RegExp(`^${flows} flows from ${flows} lines \\(dump-flows format\\), \\d+ tables, \\d+ subtables$`));
    expect(r.stdout).toContain("4096 packets derived from the flows");
  });

  it("says what is wrong: usage errors exit 2, bad input names the file and line and exits 1", async () => {
    // In-process (the argument handling is the same; a child process costs seconds here).
    const run = async (args: string[]) => {
      let out = "";
      let err = "";
      const w = vi.spyOn(process.stdout, "write").mockImplementation((x: string | Uint8Array) => ((out += String(x)), true));
      const e = vi.spyOn(process.stderr, "write").mockImplementation((x: string | Uint8Array) => ((err += String(x)), true));
      try {
        return { status: await main(args), stdout: out, stderr: err };
      } finally {
        w.mockRestore();
        e.mockRestore();
      }
    };
    expect((await run(["bench"])).status).toBe(2);
    expect((await run(["bench", "packets", "x"])).stderr).toMatch(/^ovsim bench: unknown benchmark 'packets' \(flows\)\nusage: ovsim bench flows/);
    const bad = await run(["bench", "flows", "--format", "pcap", "x"]);
    expect([bad.status, bad.stderr.split("\n")[0]]).toEqual([2, "ovsim bench: unknown format 'pcap' (ofctl, dump or classbench)"]);
    expect((await run(["bench", "flows", "--seconds", "0", "x"])).status).toBe(2);
    expect((await run(["bench", "flows", "--help"])).stdout).toMatch(/^usage: ovsim bench flows /);
    const file = join(tmp, "bad.flows");
    writeFileSync(file, "priority=1,actions=drop\n\npriority=2,ip,bogus_field=3,actions=drop\n");
    const r = await run(["bench", "flows", file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^ovsim bench: ${file}: line 3: priority=2,ip,bogus_field=3,actions=drop: `));
    const missing = await run(["bench", "flows", join(tmp, "nope")]);
    expect([missing.status, missing.stderr]).toEqual([1, expect.stringMatching(/^ovsim: .*nope: ENOENT/)]);
    const badPackets = join(tmp, "bad.packets");
    writeFileSync(badPackets, "tcp,tcp_dst=80\ntable=300,tcp\n");
    const p = await run(["bench", "flows", "--packets", badPackets, join(ROOT, "fixtures/ofctl/flows/basic.flows")]);
    expect([p.status, p.stderr]).toEqual([1, `ovsim bench: ${badPackets}: line 2: table 300: tables are 0 to 254\n`]);
  });
});
