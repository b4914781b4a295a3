/**
 * `ovs-vsctl --help`, `ovs-appctl --help` and `ovs-appctl list-commands`:
 * OVS 3.1's texts (utilities/ovs-vsctl.c usage(), utilities/ovs-appctl.c
 * usage(), lib/unixctl.c unixctl_list_commands) listing what ovsim implements,
 * and nothing it does not.
 */
import { describe, expect, it } from "vitest";
import { exitCodeOf } from "../../src/utilities/command-result.js";
import { runLine } from "../../src/utilities/run-script.js";
import { VSCTL_COMMAND_NAMES } from "../../src/utilities/vsctl.js";
import { Switch } from "../../src/vswitchd/switch.js";

describe("ovs-vsctl --help", () => {
  const r = runLine(new Switch(), "ovs-vsctl --help");

  it("prints OVS's usage head and exits 0", () => {
    expect(exitCodeOf(r)).toBe(0);
    expect(r.stderr).toEqual([]);
    expect(r.stdout.slice(0, 2)).toEqual(["ovs-vsctl: ovs-vswitchd management utility", "usage: ovs-vsctl [OPTIONS] COMMAND [ARG...]"]);
    expect(runLine(new Switch(), "ovs-vsctl -h").stdout).toEqual(r.stdout);
  });

  it("lists exactly the commands ovsim implements (each accepted), in OVS's groups", () => {
    const listed = new Set(r.stdout.filter((l) => /^ {2}[a-z]/.test(l)).map((l) => l.trim().split(/\s+/)[0] ?? ""));
    const implemented = VSCTL_COMMAND_NAMES.filter((n) => n !== "comment");
    expect([...listed].sort()).toEqual([...implemented].sort());
    const groups = r.stdout.filter((l) => /^[A-Z].*:$/.test(l));
    expect(groups).toEqual([
      "Open vSwitch commands:",
      "Bridge commands:",
      "Port commands (a bond is considered to be a single port):",
      "Interface commands (a bond consists of multiple interfaces):",
      "Controller commands:",
      "Database commands:",
      "Options:",
      "Output formatting options:",
      "Other options:",
    ]);
    // What ovsim does not implement is not offered.
    for (const missing of ["emer-reset", "set-manager", "set-ssl", "add-aa-mapping"]) {
      expect(r.stdout.join("\n")).not.toContain(missing);
      expect(runLine(new Switch(), `ovs-vsctl ${missing}`).stderr[0]).toMatch(/unknown command/);
    }
  });

  it("keeps OVS's command lines verbatim", () => {
    expect(r.stdout).toContain("  add-br BRIDGE               create a new bridge named BRIDGE");
    expect(r.stdout).toContain("  del-port [BRIDGE] PORT      delete PORT (which may be bonded) from BRIDGE");
    expect(r.stdout).toContain("  set TBL REC COL[:KEY]=VALUE set COLumn values in RECord in TBL");
  });

  it("help comes before any command: a failing command line is not run", () => {
    const sw = new Switch();
    const h = runLine(sw, "ovs-vsctl --help add-br br0");
    expect(h.stdout[0]).toBe("ovs-vsctl: ovs-vswitchd management utility");
    expect(runLine(sw, "ovs-vsctl list-br").stdout).toEqual([]);
  });
});

describe("ovs-appctl", () => {
  it("--help prints a short usage in OVS's shape, exit 0", () => {
    for (const flag of ["--help", "-h"]) {
      const r = runLine(new Switch(), `ovs-appctl ${flag}`);
      expect(exitCodeOf(r)).toBe(0);
      expect(r.stdout.slice(0, 2)).toEqual(["ovs-appctl, for querying and controlling Open vSwitch daemon", "usage: ovs-appctl [TARGET] COMMAND [ARG...]"]);
      expect(r.stdout).toContain("  list-commands      List commands supported by the target");
    }
  });

  it("list-commands prints every command, sorted, with its synopsis, as unixctl does", () => {
    const r = runLine(new Switch(), "ovs-appctl list-commands");
    expect(exitCodeOf(r)).toBe(0);
    const [head, ...lines] = r.stdout;
    expect(head).toBe("The available commands are:");
    const names = lines.map((l) => l.trim().split(" ")[0] ?? "");
    expect(names).toEqual([...names].sort());
    // `%-23s %s`: a name of 23 characters or more is followed by one space.
    for (const l of lines) expect(l).toMatch(/^ {2}(\S.{22}|\S{23,}) /);
    expect(lines).toContain(`  dpctl/ct-disable-tcp-seq-chk [dp]`);
    // `  %-23s %s`, OVS 3.1's usage strings.
    expect(lines).toContain(`  ${"time/warp".padEnd(23)} [large_msecs] msecs`);
    expect(lines).toContain(`  ${"ofproto/trace".padEnd(23)} {[dp_name] odp_flow | bridge br_flow} [OPTIONS...] [-generate|packet]`);
    expect(lines).toContain(`  ${"fdb/show".padEnd(23)} bridge`);
    expect(lines).toContain(`  ${"list-commands".padEnd(23)} `);
    expect(lines).toContain(`  ${"dpif/show".padEnd(23)} `);
  });

  it("every command list-commands names is accepted (none is 'not a valid command')", () => {
    const sw = new Switch();
    const names = runLine(sw, "ovs-appctl list-commands").stdout.slice(1).map((l) => l.trim().split(/\s+/)[0] ?? "");
    expect(names.length).toBeGreaterThan(20);
    for (const n of names) {
      const r = runLine(sw, `ovs-appctl ${n} x x x x x x`);
      expect(r.stderr.join("\n"), n).not.toContain("is not a valid command");
    }
    expect(runLine(sw, "ovs-appctl coverage/show").stderr.join("\n")).toContain('"coverage/show" is not a valid command');
  });

  it("skips its own options before the command, -t TARGET included", () => {
    const r = runLine(new Switch(), "ovs-appctl -t ovs-vswitchd list-commands");
    expect(r.stdout[0]).toBe("The available commands are:");
  });
});
