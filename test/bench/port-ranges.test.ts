/**
 * Port ranges as prefix pieces, against the simplest reference: every port 0..65535 is
 * checked, one by one, against the range and the pieces. A planted bug (a splitter whose
 * blocks may run past the end of the range) shows the property fails when it should.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FlowBenchError } from "../../src/bench/errors.js";
import { formatPortPiece, splitPortRange } from "../../src/bench/port-ranges.js";
import type { PortPiece } from "../../src/bench/port-ranges.js";
import { propertyRuns } from "../../src/testing/runs.js";

/** The first port covered wrongly (by no piece or several inside, any piece outside), or null. */
function coverageError(pieces: readonly PortPiece[], lo: number, hi: number): string | null {
  for (let p = 0; p <= 0xffff; p++) {
    const n = pieces.filter((x) => (p & x.mask) === x.value).length;
    const want = p >= lo && p <= hi ? 1 : 0;
    if (n !== want) return `port ${p} of [${lo}, ${hi}] covered by ${n} pieces, want ${want}`;
  }
  return null;
}

const range = fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff })).map(([a, b]): [number, number] => (a <= b ? [a, b] : [b, a]));

/** The planted bug: grows a block while aligned, without checking it stays inside the range. */
function sloppySplit(lo: number, hi: number): PortPiece[] {
  const out: PortPiece[] = [];
  for (let p = lo; p <= hi; ) {
    let size = 1;
    while (size < 0x10000 && p % (size * 2) === 0 && p + size <= hi) size *= 2;
    out.push({ value: p, mask: 0xffff & ~(size - 1) });
    p += size;
  }
  return out;
}

describe("splitPortRange", () => {
  it("covers every port of the range exactly once and none outside it", () => {
    fc.assert(
      fc.property(range, ([lo, hi]) => {
        expect(coverageError(splitPortRange(lo, hi), lo, hi)).toBeNull();
      }),
      { numRuns: propertyRuns(100) },
    );
  });

  it("needs at most 30 pieces (2w - 2 prefixes for w = 16 bits), each value inside its mask", () => {
    fc.assert(
      fc.property(range, ([lo, hi]) => {
        const pieces = splitPortRange(lo, hi);
        expect(pieces.length).toBeLessThanOrEqual(30);
        for (const p of pieces) expect(p.value & ~p.mask & 0xffff).toBe(0);
      }),
    );
    expect(splitPortRange(1, 65534)).toHaveLength(30);
  });

  it("fails the coverage property with the planted bug", () => {
    expect(coverageError(sloppySplit(0, 5), 0, 5)).toMatch(/covered by 1 pieces, want 0/);
    const found = fc.check(fc.property(range, ([lo, hi]) => coverageError(sloppySplit(lo, hi), lo, hi) === null), { numRuns: 60, seed: 7 });
    expect(found.failed).toBe(true);
  });

  it("gives the pieces a user writes for well-known ranges", () => {
    expect(splitPortRange(0, 65535).map(formatPortPiece)).toEqual([null]);
    expect(splitPortRange(80, 80).map(formatPortPiece)).toEqual(["80"]);
    expect(splitPortRange(1024, 65535).map(formatPortPiece)).toEqual(["0x400/0xfc00", "0x800/0xf800", "0x1000/0xf000", "0x2000/0xe000", "0x4000/0xc000", "0x8000/0x8000"]);
    expect(splitPortRange(0, 1023).map(formatPortPiece)).toEqual(["0x0/0xfc00"]);
  });

  it("refuses empty and out-of-range ranges with a typed error", () => {
    expect(() => splitPortRange(5, 4)).toThrow(FlowBenchError);
    expect(() => splitPortRange(0, 65536)).toThrow(/bad port range 0 : 65536/);
  });
});
