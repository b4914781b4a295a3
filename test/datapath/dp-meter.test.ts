/**
 * The datapath's meters (src/datapath/dp-meter.ts) against a tiny reference
 * model: dp_netdev_run_meter (lib/dpif-netdev.c, OVS 3.1) transcribed as it
 * is written — a batch of packets at one time, uint64 buckets as BigInt,
 * a microsecond clock, the batch shortcuts (drain the bucket for the whole
 * batch; pktps `bucket / 1000` packets pass and `bucket %= 1000`). ovsim
 * meters one packet at a time on a millisecond clock; both must give the
 * same verdicts and counters. Then the boundaries recorded from real OVS
 * (fixtures/meters/dp-boundaries.ovs) and the executor's handling of a drop.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { OdpAction } from "../../src/actions/xlate/odp-actions.js";
import type { DpMeterBandConfig } from "../../src/datapath/dp-meter.js";
import { DpMeter, DpMeters } from "../../src/datapath/dp-meter.js";
import { odpExecute } from "../../src/datapath/odp-execute.js";
import { Packet } from "../../src/datapath/packet/packet.js";
import { propertyRuns } from "../../src/testing/runs.js";

interface RefBand {
  readonly rate: bigint;
  readonly burst: bigint;
  bucket: bigint;
  packets: number;
  bytes: number;
}

/** dp_netdev_run_meter and dpif_netdev_meter_set, as written in C. */
class RefMeter {
  used: bigint;
  maxDelta = 0n;
  packets = 0;
  bytes = 0;
  readonly bands: RefBand[];

  constructor(
    readonly pktps: boolean,
    bands: readonly DpMeterBandConfig[],
    nowUs: bigint,
  ) {
    this.used = nowUs;
    this.bands = bands.map((b) => {
      const burst = BigInt(b.burstSize === 0 ? b.rate : b.burstSize);
      const band = { rate: BigInt(b.rate), burst, bucket: burst * 1000n, packets: 0, bytes: 0 };
      const d = band.bucket / band.rate;
      if (d > this.maxDelta) this.maxDelta = d;
      return band;
    });
  }

  /** One batch at `nowUs`; true for each packet that passes. */
  run(nowUs: bigint, sizes: readonly number[]): boolean[] {
    const cnt = sizes.length;
    let longDelta = nowUs / 1000n - this.used / 1000n;
    if (longDelta < 0n) longDelta = 0n;
    const delta = longDelta > this.maxDelta ? this.maxDelta : longDelta;
    this.used = nowUs;
    this.packets += cnt;
    const bytes = sizes.reduce((a, b) => a + b, 0);
    this.bytes += bytes;
    const volume = this.pktps ? BigInt(cnt) * 1000n : BigInt(bytes) * 8n;
    const exceededBand = sizes.map(() => -1);
    const exceededRate = sizes.map(() => 0n);
    this.bands.forEach((band, m) => {
      const max = band.burst * 1000n;
      band.bucket += delta * band.rate;
      if (band.bucket > max) band.bucket = max;
      if (band.bucket >= volume) {
        band.bucket -= volume;
        return;
      }
      const fire = (i: number): void => {
        if (band.rate > (exceededRate[i] ?? 0n)) {
          exceededRate[i] = band.rate;
          exceededBand[i] = m;
        }
      };
      if (this.pktps) {
        const first = Number(band.bucket / 1000n);
        band.bucket %= 1000n;
        for (let i = first; i < cnt; i++) fire(i);
      } else {
        sizes.forEach((size, i) => {
          const bits = BigInt(size) * 8n;
          if (band.bucket >= bits) band.bucket -= bits;
          else fire(i);
        });
      }
    });
    return sizes.map((size, j) => {
      const m = exceededBand[j] ?? -1;
      const band = this.bands[m];
      if (band === undefined) return true;
      band.packets++;
      band.bytes += size;
      return false;
    });
  }
}

const bandArb = fc.record({
  type: fc.constant("drop" as const),
  rate: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 0xffffffff })),
  burstSize: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 0xffffffff })),
});
const batchArb = fc.record({
  gapUs: fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 3_000_000 })),
  sizes: fc.array(fc.integer({ min: 14, max: 1600 }), { minLength: 1, maxLength: 6 }),
});

describe("datapath meter vs dp_netdev_run_meter", () => {
  it("per packet on a ms clock = OVS's batches on a µs clock: verdicts and every counter (property)", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(bandArb, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 5000 }), fc.array(batchArb, { maxLength: 40 }), (pktps, bands, startUs, batches) => {
        const ref = new RefMeter(pktps, bands, BigInt(startUs));
        const meter = new DpMeter({ pktps, bands }, startUs / 1000);
        let us = startUs;
        for (const b of batches) {
          us += b.gapUs;
          const want = ref.run(BigInt(us), b.sizes);
          const got = b.sizes.map((size) => meter.run(us / 1000, size) === "pass");
          expect(got).toEqual(want);
        }
        expect(meter.stats()).toEqual({ packets: ref.packets, bytes: ref.bytes, bands: ref.bands.map((x) => ({ packets: x.packets, bytes: x.bytes })) });
      }),
      { numRuns: propertyRuns(300) },
    );
  });
});

describe("band arithmetic at its boundaries (as recorded from OVS 3.1)", () => {
  const drop = (rate: number, burstSize = 0): DpMeterBandConfig => ({ type: "drop", rate, burstSize });

  it("kbps: a packet of exactly the bucket's bits passes, one byte more does not", () => {
    const m = new DpMeter({ pktps: false, bands: [drop(8)] }, 0); // 8000 bits
    expect(m.run(10_668, 1001)).toBe("drop");
    expect(m.run(10_668, 1000)).toBe("pass");
    expect(m.run(10_668, 60)).toBe("drop");
    expect(m.run(10_727, 60)).toBe("drop"); // 59 ms * 8 = 472 bits < 480
    expect(m.run(10_728, 60)).toBe("pass"); // 480 bits: exactly
    expect(m.stats()).toEqual({ packets: 5, bytes: 2181, bands: [{ packets: 3, bytes: 1121 }] });
  });

  it("pktps: the refill after an idle is capped at max_delta_t (3 pkt/s, burst 1: 333 ms, 999/1000 of a packet)", () => {
    const m = new DpMeter({ pktps: true, bands: [drop(3, 1)] }, 0);
    expect(m.run(0, 106)).toBe("pass");
    expect(m.run(10_000, 106)).toBe("drop");
    expect(m.run(10_001, 106)).toBe("pass");
    expect(m.run(10_334, 106)).toBe("drop");
    expect(m.run(10_668, 106)).toBe("pass");
    expect(m.stats().bands).toEqual([{ packets: 2, bytes: 212 }]);
  });

  it("elapsed time is whole milliseconds of each reading (0.9 ms -> 1.1 ms is 1 ms)", () => {
    const m = new DpMeter({ pktps: true, bands: [drop(1000, 1)] }, 0.9);
    expect(m.run(0.9, 64)).toBe("pass");
    expect(m.run(1.1, 64)).toBe("pass");
    expect(m.run(1.9, 64)).toBe("drop");
  });

  it("the exceeded band with the highest rate counts the drop, the first one on a tie", () => {
    const m = new DpMeter({ pktps: true, bands: [drop(10, 4), drop(20, 2), drop(20, 1)] }, 0);
    expect([m.run(0, 1), m.run(0, 1), m.run(0, 1)]).toEqual(["pass", "drop", "drop"]);
    expect(m.stats().bands.map((b) => b.packets)).toEqual([0, 1, 1]);
  });

  it("a clock that goes back refills nothing", () => {
    const m = new DpMeter({ pktps: true, bands: [drop(1, 1)] }, 1000);
    expect(m.run(1000, 1)).toBe("pass");
    expect(m.run(500, 1)).toBe("drop");
    expect(m.run(1499, 1)).toBe("drop");
    expect(m.run(2499, 1)).toBe("pass");
  });
});

describe("datapath meters", () => {
  it("an id without a meter passes every packet", () => {
    expect(new DpMeters().run(7, 0, 100)).toBe("pass");
  });

  it("ids: lowest free from 0, freed ids come back first", () => {
    const dp = new DpMeters();
    expect([dp.allocId(), dp.allocId(), dp.allocId()]).toEqual([0, 1, 2]);
    dp.freeId(1);
    dp.freeId(0);
    expect([dp.allocId(), dp.allocId(), dp.allocId()]).toEqual([0, 1, 3]);
  });

  it("executing meter(N): a dropped packet's actions end there; in a clone only the clone's copy", () => {
    const dp = new DpMeters();
    dp.set(0, { pktps: true, bands: [{ type: "drop", rate: 1, burstSize: 1 }] }, 0);
    const env = { meters: dp, now: 0 };
    const pkt = new Packet(new Uint8Array(60));
    const actions: OdpAction[] = [{ type: "meter", id: 0 }, { type: "output", port: 2 }];
    expect(odpExecute(pkt, actions, 1, env).outputs.map((o) => o.odpPort)).toEqual([2]);
    expect(odpExecute(pkt, actions, 1, env).outputs).toEqual([]);
    const cloned: OdpAction[] = [{ type: "clone", actions }, { type: "output", port: 3 }];
    expect(odpExecute(pkt, cloned, 1, env).outputs.map((o) => o.odpPort)).toEqual([3]);
    expect(dp.get(0)!.stats()).toEqual({ packets: 3, bytes: 180, bands: [{ packets: 2, bytes: 120 }] });
    // Without the datapath's meters the executor says it did not meter.
    expect(odpExecute(pkt, actions, 1).unhandled).toEqual(["meter"]);
  });
});
