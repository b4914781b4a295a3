/**
 * The verdict on one converted OVS test (harness.ts judge): what the .at
 * checks must equal the recording, what it ignores may differ.
 */
import { describe, expect, it } from "vitest";
import type { CheckExpectation } from "../../scripts/ovs-tests/convert.js";
import { sha256 } from "../../scripts/ovs-tests/results.js";
import type { TestRun } from "../../scripts/ovs-tests/results.js";
import { commandOf, judge } from "./harness.js";
import type { OvsimRun, OvsTest } from "./harness.js";

const check = (id: number, stdout: CheckExpectation["stdout"]["mode"], stderr: CheckExpectation["stderr"]["mode"], status: number | "ignore" = 0): CheckExpectation => ({
  id,
  command: `ovs-ofctl dump-flows br${id}`,
  status,
  stdout: { mode: stdout },
  stderr: { mode: stderr },
  unquoted: false,
});

const recording: TestRun = {
  checks: [
    { id: 1, status: 0, stdout: "a\n", stderr: "warn\n" },
    { id: 2, status: 1, stdout: "", stderr: "err\n" },
    { id: 3, status: 0, stdout: "", stderr: "", stdoutSha256: sha256("big\n") },
  ],
  skipped: false,
  done: true,
};

const test: OvsTest = {
  name: "x/001-t",
  file: "x",
  script: "/dev/null",
  recording,
  entry: { n: 1, title: "t", keywords: [], script: "001-t.sh", checks: [check(1, "check", "ignore"), check(2, "ignore", "check", "ignore"), check(3, "expout", "ignore")] },
};

const run = (patch: (c: TestRun["checks"]) => TestRun["checks"]): OvsimRun => ({
  checks: patch(recording.checks.map((c) => ({ ...c, stdout: c.stdoutSha256 === undefined ? c.stdout : "big\n" }))),
  skipped: false,
  done: true,
  timedOut: false,
  calls: 0,
  ovsimMs: 0,
});

describe("judging a converted OVS test", () => {
  it("passes the recording itself, and differences the .at ignores", () => {
    expect(judge(test, run((c) => c)).pass).toBe(true);
    expect(judge(test, run((c) => c.map((x) => (x.id === 1 ? { ...x, stderr: "other\n" } : x)))).pass).toBe(true);
    expect(judge(test, run((c) => c.map((x) => (x.id === 2 ? { ...x, status: 2, stdout: "x\n" } : x)))).pass).toBe(true);
  });

  it("compares output an .at only saves ([stdout]) through the later checks alone, as autotest does", () => {
    const saving: OvsTest = { ...test, entry: { ...test.entry, checks: test.entry.checks.map((c) => (c.id === 3 ? { ...c, stdout: { mode: "save" } } : c)) } };
    expect(judge(saving, run((c) => c.map((x) => (x.id === 3 ? { ...x, stdout: "bigger\n" } : x)))).pass).toBe(true);
    expect(judge(test, run((c) => c.map((x) => (x.id === 3 ? { ...x, stdout: "bigger\n" } : x)))).pass).toBe(false);
  });

  it("fails a different checked stdout, stderr, digest, status, or check sequence", () => {
    expect(judge(test, run((c) => c.map((x) => (x.id === 1 ? { ...x, stdout: "b\n" } : x)))).problem).toMatch(/^check 1 .*stdout line 1: OVS "a", ovsim "b"/);
    expect(judge(test, run((c) => c.map((x) => (x.id === 2 ? { ...x, stderr: "other\n" } : x)))).pass).toBe(false);
    expect(judge(test, run((c) => c.map((x) => (x.id === 3 ? { ...x, stdout: "bigger\n" } : x)))).problem).toMatch(/SHA-256/);
    expect(judge(test, run((c) => c.map((x) => (x.id === 1 ? { ...x, status: 1 } : x)))).pass).toBe(false);
    expect(judge(test, run((c) => c.slice(0, 2))).problem).toMatch(/fewer checks/);
    expect(judge({ ...test, recording: undefined } as unknown as OvsTest, run((c) => c)).cause).toBe("not recorded");
  });

  it("groups failures by the OVS command a check runs first", () => {
    expect(commandOf("ovs-ofctl -O OpenFlow13 dump-flows br0 | ofctl_strip")).toBe("ovs-ofctl dump-flows");
    expect(commandOf("ovs-appctl -t ovs-vswitchd vlog/set dpif:dbg")).toBe("ovs-appctl vlog/set");
    expect(commandOf("sed 1d < stdout")).toBe("shell");
  });
});
