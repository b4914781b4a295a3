/**
 * `ovs-ofctl check-vlan` against real OVS 3.1 (fixtures/flowtable/check-vlan.ovs,
 * recorded with ../shared/ovs-oracle/ovs-run into check-vlan.ovs.out): one VLAN
 * TCI match through each of ovsim's match codecs (flow text, NXM and OXM in
 * src/flowtable/nxm-*.ts, ofp10_match and ofp11_match) prints what OVS prints,
 * OXM's refusal of a PCP after a VID without OFPVID_PRESENT included.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runScript } from "../../src/utilities/run-script.js";

const dir = new URL("../../fixtures/flowtable/", import.meta.url);

describe("ovs-ofctl check-vlan matches real OVS", () => {
  it("prints OVS's lines for every TCI/mask of check-vlan.ovs", () => {
    const script = readFileSync(new URL("check-vlan.ovs", dir), "utf8");
    const want = readFileSync(new URL("check-vlan.ovs.out", dir), "utf8").split("\n");
    if (want[want.length - 1] === "") want.pop();
    const got = runScript(script).lines.flatMap((l) => [...l.result.stdout, ...l.result.stderr]);
    expect(got).toEqual(want);
  });
});
