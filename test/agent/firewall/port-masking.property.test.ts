/**
 * port_rule_masking against the naive model: the ports its value/mask pairs
 * match are exactly [min, max], no port matched twice; and Neutron's own
 * examples (neutron/tests/unit/common/test_utils.py TestPortRuleMasking).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { portRuleMasking } from "../../../src/agent/firewall/port-masking.js";
import { propertyRuns } from "../../../src/testing/runs.js";

function parse(m: string): [number, number] {
  const [v = "", mask] = m.split("/");
  return [parseInt(v, 16), mask === undefined ? 0xffff : parseInt(mask, 16)];
}

describe("port_rule_masking", () => {
  it.each<[number, number, string[]]>([
    [5, 12, ["0x0005", "0x0006/0xfffe", "0x0008/0xfffc", "0x000c"]],
    [20, 130, ["0x0014/0xfffc", "0x0018/0xfff8", "0x0020/0xffe0", "0x0040/0xffc0", "0x0080/0xfffe", "0x0082"]],
    [4501, 33057, ["0x1195", "0x1196/0xfffe", "0x1198/0xfff8", "0x11a0/0xffe0", "0x11c0/0xffc0", "0x1200/0xfe00", "0x1400/0xfc00", "0x1800/0xf800", "0x2000/0xe000", "0x4000/0xc000", "0x8000/0xff00", "0x8100/0xffe0", "0x8120/0xfffe"]],
    [8000, 8080, ["0x1f40/0xffc0", "0x1f80/0xfff0", "0x1f90"]],
    [22, 22, ["0x0016"]],
    [0, 65535, ["0x0000/0x0000"]],
    [1, 65535, ["0x0001", "0x0002/0xfffe", "0x0004/0xfffc", "0x0008/0xfff8", "0x0010/0xfff0", "0x0020/0xffe0", "0x0040/0xffc0", "0x0080/0xff80", "0x0100/0xff00", "0x0200/0xfe00", "0x0400/0xfc00", "0x0800/0xf800", "0x1000/0xf000", "0x2000/0xe000", "0x4000/0xc000", "0x8000/0x8000"]],
  ])("%i-%i", (min, max, want) => {
    // as a set: the order only orders the flows
    expect(portRuleMasking(min, max).sort()).toEqual(want.sort());
  });

  it("refuses max < min", () => {
    expect(() => portRuleMasking(10, 9)).toThrow("'port_max' is smaller than 'port_min'");
  });

  it("matches every port of the range once and nothing else", () => {
    const count = new Uint8Array(65536);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 }), (a, b) => {
        const [min, max] = a <= b ? [a, b] : [b, a];
        count.fill(0);
        for (const m of portRuleMasking(min, max)) {
          const [v, mask] = parse(m);
          expect(v & ~mask & 0xffff).toBe(0);
          // the ports matching v/mask: v | every subset of the wildcard bits
          const wild = ~mask & 0xffff;
          for (let sub = wild; ; sub = (sub - 1) & wild) {
            count[v | sub]! += 1;
            if (sub === 0) break;
          }
        }
        for (let p = 0; p < 65536; p++) if (count[p] !== (p >= min && p <= max ? 1 : 0)) return false;
        return true;
      }),
      { numRuns: propertyRuns(200) },
    );
  });
});
