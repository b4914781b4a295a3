/**
 * Random sequences of add-br / add-port / del-port / del-br through ovs-vsctl
 * keep the config DB coherent: every port in exactly one bridge, every
 * interface in exactly one port, no orphans, ofports unique per bridge, and
 * every earlier DB version (snapshot) unchanged by later edits.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runLine } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";
import type { ConfigDb } from "../../src/datapath/config-db.js";
import { diff } from "../../src/datapath/config-db.js";
import { propertyRuns } from "../../src/testing/runs.js";

const bridge = fc.constantFrom("br0", "br1", "br2");
const port = fc.constantFrom("p1", "p2", "p3", "p4", "p5", "br1");
const op = fc.oneof(
  bridge.map((b) => `ovs-vsctl add-br ${b}`),
  bridge.map((b) => `ovs-vsctl --may-exist add-br ${b}`),
  bridge.map((b) => `ovs-vsctl del-br ${b}`),
  fc.tuple(bridge, port).map(([b, p]) => `ovs-vsctl add-port ${b} ${p}`),
  fc.tuple(bridge, port, fc.integer({ min: 1, max: 6 })).map(
    ([b, p, n]) => `ovs-vsctl add-port ${b} ${p} -- set Interface ${p} ofport_request=${n}`,
  ),
  fc.tuple(bridge, port).map(([b, p]) => `ovs-vsctl add-port ${b} ${p} -- set Interface ${p} type=patch options:peer=p1`),
  port.map((p) => `ovs-vsctl del-port ${p}`),
  fc.tuple(bridge, port).map(([b, p]) => `ovs-vsctl --if-exists del-port ${b} ${p}`),
);

function str(d: { first(): unknown } | undefined): string {
  return String(d?.first() ?? "");
}

function checkInvariants(db: ConfigDb): void {
  const ovs = db.rows("Open_vSwitch");
  expect(ovs).toHaveLength(1);
  const brUuids = (ovs[0]?.cols.get("bridges")?.keys ?? []).map(String);
  expect(new Set(brUuids).size).toBe(db.rows("Bridge").length);
  const portOwner = new Map<string, string>();
  const ifaceOwner = new Map<string, string>();
  const brNames = new Set<string>();
  for (const br of db.rows("Bridge")) {
    expect(brUuids).toContain(br.uuid);
    brNames.add(str(br.cols.get("name")));
    const ofports: number[] = [];
    for (const pu of br.cols.get("ports")?.keys ?? []) {
      expect(portOwner.has(String(pu))).toBe(false);
      portOwner.set(String(pu), br.uuid);
      const p = db.row("Port", String(pu));
      expect(p).toBeDefined();
      for (const iu of p?.cols.get("interfaces")?.keys ?? []) {
        expect(ifaceOwner.has(String(iu))).toBe(false);
        ifaceOwner.set(String(iu), String(pu));
        const ofport = db.row("Interface", String(iu))?.cols.get("ofport")?.first();
        if (typeof ofport === "number" && ofport !== -1) ofports.push(ofport);
      }
    }
    expect(new Set(ofports).size).toBe(ofports.length);
  }
  expect(db.rows("Port").length).toBe(portOwner.size);
  expect(db.rows("Interface").length).toBe(ifaceOwner.size);
  const names = db.rows("Port").map((p) => str(p.cols.get("name")));
  expect(new Set(names).size).toBe(names.length);
  const inames = db.rows("Interface").map((p) => str(p.cols.get("name")));
  expect(new Set(inames).size).toBe(inames.length);
}

describe("config DB under random ovs-vsctl sequences", () => {
  it("keeps its invariants and its snapshots", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (lines) => {
        const world = new Switch();
        const snapshots: { db: ConfigDb; text: string }[] = [];
        for (const line of lines) {
          const before = world.db;
          snapshots.push({ db: before, text: JSON.stringify(before.rows("Interface").map((r) => r.toJS())) });
          runLine(world, line);
          checkInvariants(world.db);
          // A failed command changes nothing.
          if (diff(before, world.db).length > 0) expect(before.equals(world.db)).toBe(false);
        }
        for (const s of snapshots) expect(JSON.stringify(s.db.rows("Interface").map((r) => r.toJS()))).toBe(s.text);
      }),
      { numRuns: propertyRuns(200) },
    );
  });
});
