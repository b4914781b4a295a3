import { describe, expect, it } from "vitest";
import { ConfigDb, diff } from "../../src/datapath/config-db.js";
import { Datum } from "../../src/datapath/config-db-types.js";
import { DataError, atomToString, datumFromString, datumToString } from "../../src/datapath/config-db-data.js";
import { OfportAllocator, shashOrder } from "../../src/datapath/ofport-allocation.js";

const STR_MAP = { key: { type: "string" as const }, value: { type: "string" as const }, min: 0, max: Infinity };
const INT_SET = { key: { type: "integer" as const, minInteger: 0, maxInteger: 4095 }, value: null, min: 0, max: 4096 };

describe("config DB", () => {
  it("versions are snapshots and diff reports what changed", () => {
    const a = ConfigDb.empty().insert("Open_vSwitch").db;
    const { db: b, uuid } = a.insert("Bridge", { name: Datum.scalar("br0") });
    const c = b.set("Bridge", uuid, "fail_mode", Datum.scalar("secure"));
    expect(a.rows("Bridge")).toHaveLength(0);
    expect(b.get("Bridge", uuid, "fail_mode").size).toBe(0);
    expect(diff(a, b).map((d) => d.kind)).toEqual(["insert"]);
    expect(diff(b, c)).toEqual([{ table: "Bridge", uuid, kind: "modify", columns: ["fail_mode"] }]);
    expect(c.set("Bridge", uuid, "fail_mode", Datum.scalar("secure"))).toBe(c);
  });

  it("commit garbage-collects rows no root reaches", () => {
    const { db, uuid } = ConfigDb.empty().insert("Open_vSwitch").db.insert("Bridge", { name: Datum.scalar("br0") });
    expect(db.commit().row("Bridge", uuid)).toBeUndefined();
  });
});

describe("datum text", () => {
  it("prints as ovs-vsctl does", () => {
    expect(datumToString(Datum.map([["b", "2"], ["a", "x y"]]), STR_MAP)).toBe('{a="x y", b="2"}');
    expect(atomToString("true", { type: "string" })).toBe('"true"');
    expect(atomToString("br0", { type: "string" })).toBe("br0");
  });

  it("parses sets, ranges and constraint errors", () => {
    expect(datumFromString(INT_SET, "1,3-5")).toEqual(Datum.set([1, 3, 4, 5]));
    const e = datumFromString(INT_SET, "5000");
    expect(e).toBeInstanceOf(DataError);
    expect((e as DataError).message).toBe("constraint violation: 5000 is not in the valid range 0 to 4095 (inclusive)");
  });
});

describe("ofport allocation", () => {
  it("does not reuse a freed number until every other was used", () => {
    const a = new OfportAllocator();
    expect([a.alloc(null, 0), a.alloc(null, 0)]).toEqual([1, 2]);
    a.free(1, 10);
    expect(a.alloc(null, 20)).toBe(3);
    expect(a.alloc(1, 20)).toBe(1);
  });

  it("orders names as OVS's shash does", () => {
    // Recorded from OVS: one transaction adding p1, p2, p3, a, zz, eth0 to br0 numbered
    // them p2=1, p3=2, eth0=3, a=4, zz=5, p1=6 (bucket order of hash_string).
    const order = shashOrder(["br0", "p1", "p2", "p3", "a", "zz", "eth0"]).filter((n) => n !== "br0");
    expect(order[0]).toBe("p2");
    expect(order.slice(-2)).toEqual(["zz", "p1"]);
  });
});
