/**
 * ovsim's own sFlow scenarios (fixtures/ovs-tests/sflow/NNN-*.sh, written in the form of the
 * converted OVS tests and recorded from real OVS 3.1 by fixtures/ovs-tests/record.sh into
 * NNN-*.rec.json) run against ovsim through the same runner and shim as OVS's own tests
 * (test/ovs-tests/harness.ts): every check must exit and print as it did against real OVS.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { TestRun } from "../../scripts/ovs-tests/results.js";
import { FIXTURES, runOnOvsim } from "../ovs-tests/harness.js";

const DIR = join(FIXTURES, "sflow");
const scripts = readdirSync(DIR).filter((f) => f.endsWith(".sh")).sort();

describe("sFlow scenarios recorded from real OVS", () => {
  it("has scenarios", () => {
    expect(scripts.length).toBeGreaterThan(0);
  });
  for (const script of scripts) {
    it(script, async () => {
      const want = JSON.parse(readFileSync(join(DIR, script.replace(/\.sh$/, ".rec.json")), "utf8")) as TestRun;
      const got = await runOnOvsim(join(DIR, script));
      expect(got.timedOut).toBe(false);
      expect(got.checks.map((c) => ({ id: c.id, status: c.status, stdout: c.stdout }))).toEqual(want.checks.map((c) => ({ id: c.id, status: c.status, stdout: c.stdout })));
      expect(got.done).toBe(want.done);
    }, 60_000);
  }
});
