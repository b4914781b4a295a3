/*
 * Compact keys (ClassifierOptions.compactKeys, as FlowTables uses them): rules keep their key
 * only in the classifier while inside it. The classifier must behave exactly like a linear
 * scan, rules must read back their keys and masks unchanged while in it, and rules that
 * leave it (removed or displaced) must keep their keys.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Classifier, ClassifierRule } from "../../src/flowtable/classifier.js";
import { propertyRuns } from "../../src/testing/runs.js";

const RUNS = propertyRuns(200);
const N = 5;

const maskWord = fc.oneof(
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 4, arbitrary: fc.constantFrom(0xffffffff, 0xffff0000, 0x000000ff) },
);
const valueWord = fc.constantFrom(0, 1, 0xffffffff, 0x80000000, 0xdeadbeef);
const words = (w: fc.Arbitrary<number>) =>
  fc.array(w, { minLength: N, maxLength: N }).map((ws) => Uint32Array.from(ws));

type Op =
  | { kind: "insert"; mask: number; words: Uint32Array; priority: number }
  | { kind: "remove"; pick: number }
  | { kind: "lookup"; noise: Uint32Array; from: number | null };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("insert" as const), mask: fc.nat(), words: words(valueWord), priority: fc.integer({ min: 0, max: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("remove" as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("lookup" as const), noise: words(valueWord), from: fc.option(fc.nat()) }) },
);

interface Saved {
  rule: ClassifierRule<number>;
  key: Uint32Array;
  mask: Uint32Array;
}

const matches = (s: Saved, k: Uint32Array) => s.key.every((v, i) => ((k[i]! & s.mask[i]!) >>> 0) === v);

describe("Classifier with compact keys", () => {
  it("agrees with a linear scan; rules keep their keys in and out of it", () => {
    fc.assert(
      fc.property(fc.array(words(maskWord), { minLength: 1, maxLength: 4 }), fc.array(opArb, { maxLength: 60 }), (masks, ops) => {
        const cls = new Classifier<number>(N, { compactKeys: true });
        let live: Saved[] = [];
        const gone: Saved[] = [];
        let id = 0;
        for (const op of ops) {
          if (op.kind === "insert") {
            const mask = masks[op.mask % masks.length]!;
            const key = op.words.map((v, i) => v & mask[i]!);
            const rule = new ClassifierRule(key.slice(), mask.slice(), op.priority, id++);
            const displaced = cls.insert(rule);
            const same = live.find((s) => s.rule.priority === op.priority && s.key.every((v, i) => v === key[i]) && s.mask.every((v, i) => v === mask[i]));
            expect(displaced).toBe(same?.rule ?? null);
            if (same !== undefined) {
              live = live.filter((s) => s !== same);
              gone.push(same);
            }
            live.push({ rule, key, mask });
          } else if (op.kind === "remove") {
            if (live.length === 0) continue;
            const s = live[op.pick % live.length]!;
            expect(cls.remove(s.rule)).toBe(true);
            expect(cls.remove(s.rule)).toBe(false);
            live = live.filter((x) => x !== s);
            gone.push(s);
          } else {
            const from = op.from === null || live.length === 0 ? null : live[op.from % live.length]!;
            const k = from === null ? op.noise : from.key.map((v, i) => v | (op.noise[i]! & ~from.mask[i]!));
            const best = live.filter((s) => matches(s, k)).reduce((p, s) => Math.max(p, s.rule.priority), -1);
            const got = cls.lookup(k, null);
            expect(got === null ? -1 : got.priority).toBe(best);
          }
          expect(cls.size).toBe(live.length);
        }
        for (const s of [...live, ...gone]) {
          expect([...s.rule.key]).toEqual([...s.key]);
          expect([...s.rule.mask]).toEqual([...s.mask]);
        }
        for (const s of gone) expect(cls.remove(s.rule)).toBe(false);
        // Removed rules can go back in, with their keys.
        for (const s of gone) {
          if (live.some((l) => l.rule.priority === s.rule.priority && l.key.every((v, i) => v === s.key[i]) && l.mask.every((v, i) => v === s.mask[i]))) continue;
          expect(cls.insert(s.rule)).toBeNull();
          expect(cls.findExactly(s.key, s.mask, s.rule.priority)).toBe(s.rule);
          live.push(s);
        }
        expect(new Set(cls.rules())).toEqual(new Set(live.map((s) => s.rule)));
      }),
      { numRuns: RUNS },
    );
  });

  it("refuses a rule that is in another classifier", () => {
    const a = new Classifier<number>(2, { compactKeys: true });
    const b = new Classifier<number>(2, { compactKeys: true });
    const r = new ClassifierRule(Uint32Array.of(1, 0), Uint32Array.of(0xff, 0), 1, 0);
    expect(a.insert(r)).toBeNull();
    expect(a.insert(r)).toBe(r);
    expect(() => b.insert(r)).toThrow(RangeError);
    expect(b.remove(r)).toBe(false);
    expect(a.remove(r)).toBe(true);
    expect(b.insert(r)).toBeNull();
  });
});
