/**
 * Meter enforcement on the virtual clock, against dpif-netdev's
 * dp_netdev_run_meter arithmetic: token buckets full at creation, refilled by
 * whole elapsed milliseconds times the rate, capped at burst_size * 1000.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { MeterMod } from "../../src/datapath/meter-table.js";
import { MeterModError, MeterTable } from "../../src/datapath/meter-table.js";

const flags = (unit: "kbps" | "pktps", burst = false) => ({ kbps: unit === "kbps", pktps: unit === "pktps", burst, stats: false });

function table(mm: Omit<MeterMod, "command">): MeterTable {
  const t = new MeterTable();
  t.apply({ command: "add", ...mm }, 0);
  return t;
}

describe("meter bands", () => {
  it("pktps: a 10 pkt/s band with burst 20 passes 20 packets at once, then one per 100 ms", () => {
    const t = table({ meterId: 1, flags: flags("pktps", true), bands: [{ type: "drop", rate: 10, burstSize: 20, precLevel: 0 }] });
    const at0 = Array.from({ length: 25 }, () => t.meterApply(0, 0, 64));
    expect(at0.filter((v) => v === "pass")).toHaveLength(20);
    expect(t.meterApply(0, 50, 64)).toBe("drop");
    expect(t.meterApply(0, 100, 64)).toBe("pass");
    expect(t.meterApply(0, 100, 64)).toBe("drop");
    expect(t.get(1)!.bandStats()[0]).toEqual(expect.objectContaining({ packets: 7, bytes: 448 }));
  });

  it("kbps: a 1000 kbps band (burst defaults to the rate: 1,000,000 bits) drops once its bits are spent", () => {
    const t = table({ meterId: 1, flags: flags("kbps"), bands: [{ type: "drop", rate: 1000, burstSize: 0, precLevel: 0 }] });
    // 1500-byte packets are 12000 bits: 83 fit in 1,000,000 bits.
    const verdicts = Array.from({ length: 90 }, () => t.meterApply(0, 0, 1500));
    expect(verdicts.filter((v) => v === "pass")).toHaveLength(83);
    // 12 ms refill 12000 bits: one more packet.
    expect(t.meterApply(0, 12, 1500)).toBe("pass");
    expect(t.meterApply(0, 12, 1500)).toBe("drop");
  });

  it("the highest-rate exceeded band counts the drop", () => {
    const t = table({
      meterId: 1,
      flags: flags("pktps", true),
      bands: [
        { type: "drop", rate: 10, burstSize: 1, precLevel: 0 },
        { type: "drop", rate: 30, burstSize: 1, precLevel: 0 },
      ],
    });
    expect(t.meterApply(0, 0, 10)).toBe("pass");
    expect(t.meterApply(0, 0, 10)).toBe("drop");
    const [a, b] = t.get(1)!.bandStats();
    expect([a!.packets, b!.packets]).toEqual([0, 1]);
  });

  it("passed packets never exceed burst + rate * elapsed (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 50 }), fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 200 }), (rate, burst, gaps) => {
        const t = table({ meterId: 1, flags: flags("pktps", true), bands: [{ type: "drop", rate, burstSize: burst, precLevel: 0 }] });
        let now = 0;
        let passed = 0;
        for (const g of gaps) {
          now += g;
          if (t.meterApply(0, now, 100) === "pass") passed++;
        }
        expect(passed).toBeLessThanOrEqual(burst + Math.floor((rate * now) / 1000));
      }),
    );
  });
});

describe("meter_mod", () => {
  it("refuses dscp_remark bands (OVS 3.1's userspace datapath has only drop)", () => {
    const t = new MeterTable();
    expect(() => t.apply({ command: "add", meterId: 1, flags: flags("kbps"), bands: [{ type: "dscp_remark", rate: 1, burstSize: 0, precLevel: 1 }] }, 0)).toThrow(MeterModError);
  });

  it("gives datapath ids from 0, reusing freed ones", () => {
    const t = new MeterTable();
    const band = [{ type: "drop" as const, rate: 1, burstSize: 0, precLevel: 0 }];
    for (const id of [1, 2, 3]) t.apply({ command: "add", meterId: id, flags: flags("kbps"), bands: band }, 0);
    t.apply({ command: "delete", meterId: 2, flags: flags("kbps"), bands: [] }, 0);
    t.apply({ command: "add", meterId: 9, flags: flags("kbps"), bands: band }, 0);
    expect([1, 3, 9].map((id) => t.get(id)!.dpId)).toEqual([0, 2, 1]);
  });
});
