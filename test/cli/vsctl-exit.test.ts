/** Exit codes and stderr, checked by hand against OVS 3.1 (`ovs-vsctl ...; echo $?`). */
import { describe, expect, it } from "vitest";
import { exitCodeOf } from "../../src/utilities/command-result.js";
import { runLine } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";

describe("ovs-vsctl exit codes", () => {
  it("br-exists exits 2 for a missing bridge, silently", () => {
    const w = new Switch();
    runLine(w, "ovs-vsctl add-br br0");
    expect(exitCodeOf(runLine(w, "ovs-vsctl br-exists br0"))).toBe(0);
    const r = runLine(w, "ovs-vsctl br-exists br9");
    expect(exitCodeOf(r)).toBe(2);
    expect(r.stderr).toEqual([]);
  });

  it("errors exit 1 and commit nothing", () => {
    const w = new Switch();
    const before = w.db;
    const r = runLine(w, "ovs-vsctl add-br br0 -- add-br br0");
    expect(exitCodeOf(r)).toBe(1);
    expect(r.stderr).toEqual(["ovs-vsctl: cannot create a bridge named br0 because a bridge named br0 already exists"]);
    expect(w.db).toBe(before);
  });

  it("an interface vswitchd cannot set up is reported on stderr, exit 0", () => {
    const w = new Switch();
    runLine(w, "ovs-vsctl add-br br0");
    const r = runLine(w, "ovs-vsctl add-port br0 p0 -- set Interface p0 type=patch");
    expect(exitCodeOf(r)).toBe(0);
    expect(r.stderr[0]).toBe(
      "ovs-vsctl: Error detected while setting up 'p0': p0: patch type requires valid 'peer' argument.  See ovs-vswitchd log for details.",
    );
  });
});

describe("ovs-ofctl --help", () => {
  it("prints ovs-ofctl's usage for the commands ovsim implements, not a bridge error", () => {
    const r = runLine(new Switch(), "ovs-ofctl --help");
    expect(r.ok).toBe(true);
    expect(r.stdout.slice(0, 2)).toEqual(["ovs-ofctl: OpenFlow switch management utility", "usage: ovs-ofctl [OPTIONS] COMMAND [ARG...]"]);
    expect(r.stdout).toContain("  add-flow SWITCH FLOW        add flow described by FLOW");
    expect(r.stdout.join("\n")).not.toContain("not a bridge or a socket");
  });
});
