/**
 * merge_port_ranges against the naive model: for every port, the conj_ids of
 * the merged rule covering it are exactly those of the input rules covering
 * it, and merged ranges do not overlap; merge_common_rules groups by range.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mergeCommonRules, mergePortRanges } from "../../../src/agent/firewall/rule-merge.js";
import type { RuleConj } from "../../../src/agent/firewall/rule-merge.js";
import type { FwRule } from "../../../src/agent/firewall/sg-rule.js";
import { propertyRuns } from "../../../src/testing/runs.js";

const tcp = (min?: number, max?: number): FwRule => ({
  direction: "ingress",
  ethertype: "IPv4",
  protocol: 6,
  ...(min === undefined ? {} : { portRangeMin: min }),
  ...(max === undefined ? {} : { portRangeMax: max }),
});

describe("merge_port_ranges", () => {
  it("splits overlapping ranges, each piece with the ids covering it", () => {
    const out = mergePortRanges([
      [tcp(1, 100), 16],
      [tcp(50, 200), 24],
    ]);
    expect(out.map(([r, ids]) => [r.portRangeMin, r.portRangeMax, ids])).toEqual([
      [1, 49, [16]],
      [50, 100, [16, 24]],
      [101, 200, [24]],
    ]);
  });

  it("keeps one rule as it is, and drops the ports of a single 1-65535 piece", () => {
    expect(mergePortRanges([[tcp(5, 6), 8]])).toEqual([[tcp(5, 6), [8]]]);
    expect(mergePortRanges([[tcp(), 8], [tcp(), 16]])).toEqual([[tcp(), [8, 16]]]);
  });

  it("refuses rules that differ in more than ports", () => {
    expect(() => mergePortRanges([[tcp(1, 2), 8], [{ ...tcp(1, 2), sourceIpPrefix: "10.0.0.0/8" }, 16]])).toThrow(/cannot be merged/);
  });

  const bound = fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined });
  const input = fc
    .array(fc.tuple(bound, bound), { minLength: 2, maxLength: 6 })
    .map((xs) => xs.map(([a, b], i): RuleConj => {
      // a missing bound is 1 / 65535; keep min <= max
      const lo = a ?? 1;
      const hi = b ?? 65535;
      return lo <= hi ? [tcp(a, b), 8 * (i + 2)] : [tcp(b, a), 8 * (i + 2)];
    }));

  it("covers each port with exactly the ids of the rules covering it, pieces disjoint", () => {
    fc.assert(
      fc.property(input, (list) => {
        const out = mergePortRanges(list);
        const pieces = out.map(([r, ids]) => ({ lo: r.portRangeMin ?? 1, hi: r.portRangeMax ?? 65535, ids: [...ids].sort() }));
        for (let i = 1; i < pieces.length; i++) expect(pieces[i]!.lo).toBeGreaterThan(pieces[i - 1]!.hi);
        for (const p of [1, 2, 3, 5, 8, 13, 20, 21, 34, 39, 40, 41, 1000, 65535]) {
          const want = list.filter(([r]) => p >= (r.portRangeMin ?? 1) && p <= (r.portRangeMax ?? 65535)).map(([, id]) => id).sort();
          const got = pieces.filter((x) => p >= x.lo && p <= x.hi).flatMap((x) => x.ids);
          expect(got.sort()).toEqual(want);
        }
      }),
      { numRuns: propertyRuns(300) },
    );
  });
});

describe("merge_common_rules", () => {
  it("groups rules by (min, max), in first-seen order", () => {
    const icmp = (t?: number): FwRule => ({ direction: "ingress", ethertype: "IPv4", protocol: 1, ...(t === undefined ? {} : { portRangeMin: t }) });
    expect(mergeCommonRules([[icmp(8), 16], [icmp(), 24], [icmp(8), 32]])).toEqual([
      [icmp(8), [16, 32]],
      [icmp(), [24]],
    ]);
  });
});
