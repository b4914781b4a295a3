/**
 * A bridge's OpenFlow meters over its datapath's meters: meter_mod checks,
 * datapath ids from the datapath's pool (shared by its bridges), counters
 * read from the datapath, MODIFY resetting them, refused ADDs keeping their
 * id (all as recorded from OVS 3.1 in fixtures/meters/dp-*.ovs).
 */
import { describe, expect, it } from "vitest";
import { DpMeters } from "../../src/datapath/dp-meter.js";
import type { MeterBand, MeterMod } from "../../src/datapath/meter-table.js";
import { MeterModError, MeterTable } from "../../src/datapath/meter-table.js";

const flags = (unit: "kbps" | "pktps", burst = false) => ({ kbps: unit === "kbps", pktps: unit === "pktps", burst, stats: false });
const drop = (rate: number, burstSize = 0): MeterBand => ({ type: "drop", rate, burstSize, precLevel: 0 });
const add = (meterId: number, bands: MeterBand[], unit: "kbps" | "pktps" = "pktps"): MeterMod => ({ command: "add", meterId, flags: flags(unit), bands });

function ofperr(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof MeterModError) return e.ofperr;
    throw e;
  }
  return "none";
}

describe("meter_mod", () => {
  it("refuses dscp_remark bands (OVS 3.1's userspace datapath has only drop), keeping the datapath id it took", () => {
    const t = new MeterTable();
    expect(ofperr(() => t.apply({ ...add(1, []), bands: [{ type: "dscp_remark", rate: 1, burstSize: 0, precLevel: 1 }] }, 0))).toBe("OFPMMFC_BAD_BAND");
    expect(t.has(1)).toBe(false);
    t.apply(add(2, [drop(1)]), 0);
    expect(t.get(2)!.dpId).toBe(1);
  });

  it("refuses too many bands before taking an id", () => {
    const t = new MeterTable();
    expect(ofperr(() => t.apply(add(1, Array.from({ length: 9 }, () => drop(1))), 0))).toBe("OFPMMFC_OUT_OF_BANDS");
    t.apply(add(2, [drop(1)]), 0);
    expect(t.get(2)!.dpId).toBe(0);
  });

  it("gives datapath ids from 0, reusing freed ones", () => {
    const t = new MeterTable();
    for (const id of [1, 2, 3]) t.apply(add(id, [drop(1)]), 0);
    t.apply({ command: "delete", meterId: 2, flags: flags("kbps"), bands: [] }, 0);
    t.apply(add(9, [drop(1)]), 0);
    expect([1, 3, 9].map((id) => t.get(id)!.dpId)).toEqual([0, 2, 1]);
  });

  it("shares the id pool between the bridges of one datapath; a cleared table frees its ids", () => {
    const dp = new DpMeters();
    const br0 = new MeterTable(dp);
    const br1 = new MeterTable(dp);
    br0.apply(add(1, [drop(10)]), 0);
    br1.apply(add(1, [drop(3)]), 0);
    expect([br0.get(1)!.dpId, br1.get(1)!.dpId]).toEqual([0, 1]);
    expect(br0.clear()).toEqual([1]);
    expect(dp.get(0)).toBeUndefined();
    br1.apply(add(2, [drop(3)]), 0);
    expect(br1.get(2)!.dpId).toBe(0);
  });

  it("reads counters from the datapath; MODIFY gives a fresh meter, a refused MODIFY changes nothing", () => {
    const t = new MeterTable();
    t.apply(add(1, [drop(1)]), 0);
    for (let i = 0; i < 3; i++) t.datapath.run(0, 0, 100);
    expect([t.get(1)!.packets, t.get(1)!.bytes, t.get(1)!.bandStats()]).toEqual([3, 300, [{ packets: 2, bytes: 200 }]]);
    expect(ofperr(() => t.apply({ ...add(1, []), command: "modify", bands: [{ type: "dscp_remark", rate: 1, burstSize: 0, precLevel: 1 }] }, 5))).toBe("OFPMMFC_BAD_BAND");
    expect(t.get(1)!.packets).toBe(3);
    t.apply({ ...add(1, [drop(2)]), command: "modify" }, 5);
    expect([t.get(1)!.dpId, t.get(1)!.packets, t.get(1)!.created, t.get(1)!.bandStats()]).toEqual([0, 0, 0, [{ packets: 0, bytes: 0 }]]);
    expect([t.datapath.run(0, 5, 1), t.datapath.run(0, 5, 1), t.datapath.run(0, 5, 1)]).toEqual(["pass", "pass", "drop"]);
  });

  it("ADD of an existing meter, MODIFY of a missing one, id 0", () => {
    const t = new MeterTable();
    t.apply(add(1, [drop(1)]), 0);
    expect(ofperr(() => t.apply(add(1, [drop(1)]), 0))).toBe("OFPMMFC_METER_EXISTS");
    expect(ofperr(() => t.apply({ ...add(2, [drop(1)]), command: "modify" }, 0))).toBe("OFPMMFC_UNKNOWN_METER");
    expect(ofperr(() => t.apply(add(0, [drop(1)]), 0))).toBe("OFPMMFC_INVALID_METER");
  });
});
