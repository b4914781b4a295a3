/**
 * `npm run conformance:live` (scripts/conformance-live.mjs) where the oracle
 * cannot record: OVS_RUN points at a stub that behaves as
 * ../shared/ovs-oracle/ovs-run does without Open vSwitch (its apt-get hint on
 * standard error, exit 2). The script must say "OVS not installed, skipping"
 * and exit 0 before recording anything, not report every script as drift.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { oraclePath, probeOracle } from "../../scripts/ovs-oracle.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "ovsim-oracle-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** An executable shell script `name` in the temporary folder. */
function stub(name: string, body: string): string {
  const path = join(tmp, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

const noOvs = stub("ovs-run-no-ovs", 'echo "ovs-run: Open vSwitch is not installed; run: apt-get install -y openvswitch-switch" >&2\nexit 2');
const works = stub("ovs-run-ok", "exit 0");
const broken = stub("ovs-run-broken", 'echo "boom" >&2\nexit 3');

describe("probeOracle", () => {
  it("reads ovs-run's exit 2 with its apt-get hint as OVS missing", () => {
    expect(probeOracle(noOvs)).toEqual({ status: "missing", reason: "ovs-run: Open vSwitch is not installed; run: apt-get install -y openvswitch-switch" });
  });

  it("a missing oracle script counts as missing OVS", () => {
    const absent = join(tmp, "no-such-ovs-run");
    expect(probeOracle(absent)).toEqual({ status: "missing", reason: `no oracle at ${absent} (set OVS_RUN)` });
  });

  it("an oracle that runs is ok; one that fails otherwise is broken", () => {
    expect(probeOracle(works)).toEqual({ status: "ok" });
    expect(probeOracle(broken)).toMatchObject({ status: "broken" });
  });

  it("OVS_RUN names the oracle, else ../shared/ovs-oracle/ovs-run beside the repository", () => {
    expect(oraclePath({ OVS_RUN: noOvs })).toBe(noOvs);
    expect(oraclePath({})).toBe(join(ROOT, "../shared/ovs-oracle/ovs-run"));
  });
});

describe("npm run conformance:live without OVS", () => {
  it('prints "OVS not installed, skipping", exits 0 and records nothing', () => {
    const log = join(tmp, "calls.log");
    const counting = stub("ovs-run-counting", `echo "$@" >> ${JSON.stringify(log)}\necho "ovs-run: Open vSwitch is not installed; run: apt-get install -y openvswitch-switch" >&2\nexit 2`);
    const r = spawnSync(process.execPath, [join(ROOT, "scripts/conformance-live.mjs")], { cwd: ROOT, encoding: "utf8", env: { ...process.env, OVS_RUN: counting } });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^conformance:live: OVS not installed, skipping/);
    expect(r.stdout).not.toContain("DRIFT");
    expect(r.stdout).not.toContain("re-recording");
    // One call: the probe, on an empty script; no script was recorded.
    expect(readFileSync(log, "utf8").trim().split("\n")).toHaveLength(1);
  });

  it("an oracle that fails otherwise stops it with exit 2", () => {
    const r = spawnSync(process.execPath, [join(ROOT, "scripts/conformance-live.mjs")], { cwd: ROOT, encoding: "utf8", env: { ...process.env, OVS_RUN: broken } });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("the OVS oracle does not run");
  });
});
