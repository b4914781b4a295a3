/**
 * NetFlow end to end against real OVS 3.1's recordings (fixtures/netflow): each script configures
 * NetFlow on a bridge, starts an `ovstest test-netflow` collector, sends packets, moves the
 * clock, and prints what the collector received; it runs here as it ran against real OVS
 * (scripts/ovs-tests/runner.sh with ovsim's shim, test/ovs-tests/harness.ts), and every check
 * must give the recorded exit status, standard output and standard error.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { TestRun } from "../../scripts/ovs-tests/results.js";
import { runOnOvsim } from "../ovs-tests/harness.js";

const DIR = fileURLToPath(new URL("../../fixtures/netflow/", import.meta.url));
const scripts = readdirSync(DIR).filter((f) => f.endsWith(".sh") && f !== "record.sh");

describe("NetFlow fixtures recorded from real OVS", () => {
  it.each(scripts)("%s", async (script) => {
    const want = JSON.parse(readFileSync(join(DIR, script.replace(/\.sh$/, ".rec.json")), "utf8")) as TestRun;
    const got = await runOnOvsim(join(DIR, script));
    expect(got.timedOut).toBe(false);
    expect(got.checks).toEqual(want.checks);
    expect(got.done).toBe(true);
  }, 60_000);
});
