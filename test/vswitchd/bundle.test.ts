/**
 * src/vswitchd/bundle.ts's invariant: a bundle that fails at commit leaves the
 * bridge's flows and groups as they were, whatever its messages did before the
 * failing one (adds, modifies, deletes, a group delete that took flows along).
 * Real OVS's texts for bundles are checked by fixtures/groups/bundle-*.ovs
 * (test/cli/group-meter-golden.test.ts); OVS 3.1 itself crashes reverting a
 * group delete, so that case is only checked here, against the state before.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runLine } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";

function setUp(): Switch {
  const sw = new Switch();
  for (const line of [
    "ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy",
    "ovs-vsctl add-port br0 p1 -- set Interface p1 type=dummy ofport_request=1",
    "ovs-vsctl add-port br0 p2 -- set Interface p2 type=dummy ofport_request=2",
    "ovs-ofctl -O OpenFlow13 add-group br0 group_id=7,type=all,bucket=output:2",
    "ovs-ofctl -O OpenFlow13 add-group br0 group_id=8,type=select,bucket=output:1,bucket=output:2",
    "ovs-ofctl add-flow br0 in_port=1,actions=group:7",
    "ovs-ofctl add-flow br0 in_port=2,priority=5,actions=output:1",
    "ovs-ofctl add-flow br0 table=3,tcp,actions=group:8",
  ]) {
    expect(runLine(sw, line).ok, line).toBe(true);
  }
  return sw;
}

function state(sw: Switch): string[] {
  return [
    ...runLine(sw, "ovs-ofctl --no-stats --sort dump-flows br0").stdout,
    ...runLine(sw, "ovs-ofctl -O OpenFlow15 dump-groups br0").stdout,
  ];
}

function bundleFile(lines: readonly string[]): string {
  const path = join(mkdtempSync(join(tmpdir(), "ovsim-bundle-")), "bundle.txt");
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

describe("bundles: a failed commit changes nothing", () => {
  const failingLast = "group modify group_id=99,type=all,bucket=output:1";
  const prefixes: readonly (readonly string[])[] = [
    ["group delete group_id=7"],
    ["flow add in_port=3 actions=output:2", "flow delete in_port=2", "group delete group_id=all"],
    ["flow modify in_port=1 actions=output:2", "group insert_bucket group_id=8,command_bucket_id=last,bucket=bucket_id:9,actions=output:1"],
    ["group add group_id=9,type=all,bucket=output:1", "flow add table=3,udp actions=group:9", "flow delete_strict in_port=2,priority=5"],
  ];
  it.each(prefixes.map((p) => [p.join("; "), p] as const))("%s", (_name, prefix) => {
    const sw = setUp();
    const before = state(sw);
    const r = runLine(sw, `ovs-ofctl -O OpenFlow15 bundle br0 ${bundleFile([...prefix, failingLast])}`);
    expect(r.ok).toBe(false);
    expect(r.stderr.some((l) => l.startsWith("Error OFPGMFC_UNKNOWN_GROUP for: OFPT_GROUP_MOD (OF1.5)"))).toBe(true);
    expect(state(sw)).toEqual(before);
  });

  it("the same messages without the failing one all take effect", () => {
    for (const prefix of prefixes) {
      const sw = setUp();
      const before = state(sw);
      expect(runLine(sw, `ovs-ofctl -O OpenFlow15 bundle br0 ${bundleFile(prefix)}`).ok).toBe(true);
      expect(state(sw)).not.toEqual(before);
    }
  });
});
