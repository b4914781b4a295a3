/*
 * Property tests of the classifier against a linear-scan model (the shape of OVS's
 * tests/test-classifier.c compare_classifiers): small key widths with values drawn from a
 * tiny pool so that masks are shared, keys collide, and rules overlap; plus one suite at the
 * realistic 56-word width with sparse masks.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Classifier, ClassifierRule } from "../../src/flowtable/classifier.js";
import { hashMaskedWords, hashWordsAt } from "../../src/flowtable/hash.js";
import { propertyRuns } from "../../src/testing/runs.js";

const RUNS = propertyRuns(200);

// ---- the reference model ----------------------------------------------------------------

function matches(rule: ClassifierRule<number>, key: Uint32Array): boolean {
  for (let i = 0; i < key.length; i++) {
    if (((key[i]! & rule.mask[i]!) >>> 0) !== rule.key[i]) return false;
  }
  return true;
}

function sameWords(a: Uint32Array, b: Uint32Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** A list of rules, searched linearly. */
class Model {
  readonly rules: ClassifierRule<number>[] = [];

  insert(rule: ClassifierRule<number>): ClassifierRule<number> | null {
    const i = this.rules.findIndex(
      (r) => r.priority === rule.priority && sameWords(r.mask, rule.mask) && sameWords(r.key, rule.key),
    );
    if (i < 0) {
      this.rules.push(rule);
      return null;
    }
    const old = this.rules[i]!;
    this.rules[i] = rule;
    return old;
  }

  remove(rule: ClassifierRule<number>): boolean {
    const i = this.rules.indexOf(rule);
    if (i < 0) return false;
    this.rules.splice(i, 1);
    return true;
  }

  /** Highest priority among matching rules, -1 if none. */
  bestPriority(key: Uint32Array): number {
    let best = -1;
    for (const r of this.rules) if (r.priority > best && matches(r, key)) best = r.priority;
    return best;
  }
}

/** The classifier's answer for `key` is the model's. */
function expectAgrees(cls: Classifier<number>, model: Model, key: Uint32Array): void {
  const got = cls.lookup(key, null);
  const best = model.bestPriority(key);
  if (best < 0) {
    expect(got).toBeNull();
    return;
  }
  expect(got).not.toBeNull();
  expect(got!.priority).toBe(best);
  expect(matches(got!, key)).toBe(true);
  expect(model.rules.includes(got!)).toBe(true);
}

function expectSameContents(cls: Classifier<number>, model: Model): void {
  expect(cls.size).toBe(model.rules.length);
  expect(cls.isEmpty).toBe(model.rules.length === 0);
  const listed = [...cls.rules()];
  expect(listed.length).toBe(model.rules.length);
  expect(new Set(listed)).toEqual(new Set(model.rules));
  const masks = new Set(model.rules.map((r) => r.mask.join(",")));
  expect(cls.nSubtables).toBe(masks.size);
  for (const r of model.rules) expect(cls.findExactly(r.key, r.mask, r.priority)).toBe(r);
}

// ---- generators -------------------------------------------------------------------------

/** A world: key width and the pools that words, masks and priorities come from. */
interface World {
  nWords: number;
  /** Arbitrary of a mask. */
  mask: fc.Arbitrary<Uint32Array>;
  /** Arbitrary of key words (unmasked). */
  words: fc.Arbitrary<Uint32Array>;
  maxPriority: number;
}

// Mostly-wildcard masks and a tiny value pool: rules in different subtables overlap often,
// which is what exercises the priority order and the early stop.
const maskWord = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0) },
  { weight: 4, arbitrary: fc.constantFrom(0xffffffff, 0xff000000, 0x0000ffff, 0x80000000, 0x00000001) },
);
const valueWord = fc.constantFrom(0, 1, 0xffffffff, 0x80000000, 0x12345678);

function dense(nWords: number, word: fc.Arbitrary<number>): fc.Arbitrary<Uint32Array> {
  return fc.array(word, { minLength: nWords, maxLength: nWords }).map((ws) => Uint32Array.from(ws));
}

function sparse(nWords: number, word: fc.Arbitrary<number>, maxSet: number): fc.Arbitrary<Uint32Array> {
  return fc.array(fc.tuple(fc.nat(nWords - 1), word), { maxLength: maxSet }).map((pairs) => {
    const a = new Uint32Array(nWords);
    for (const [i, v] of pairs) a[i] = v;
    return a;
  });
}

const small: World = {
  nWords: 4,
  mask: dense(4, maskWord),
  words: dense(4, valueWord),
  maxPriority: 8,
};

const wide: World = {
  nWords: 56,
  mask: sparse(56, maskWord, 4),
  words: sparse(56, valueWord, 8),
  maxPriority: 8,
};

// Few masks and many distinct keys: subtables grow and shrink their slot tables and records
// between lookups while the lookup order stays put, so that lookups run on a compiled order
// refreshed after each update (lookup-order.ts) rather than recompiled.
const crowded: World = {
  nWords: 4,
  mask: dense(4, fc.constantFrom(0, 0xff, 0xffffffff)),
  words: dense(4, fc.integer({ min: 0, max: 40 })),
  maxPriority: 8,
};

function makeRule(mask: Uint32Array, words: Uint32Array, priority: number, value: number) {
  const key = words.map((w, i) => w & mask[i]!);
  return new ClassifierRule<number>(key, mask, priority, value);
}

/** `from`'s key with its wildcarded bits taken from `noise`: a key that hits `from`. */
function keyHitting(from: ClassifierRule<number>, noise: Uint32Array): Uint32Array {
  return from.key.map((k, i) => k | (noise[i]! & ~from.mask[i]!));
}

type Op =
  | { kind: "insert"; mask: number; words: Uint32Array; priority: number; value: number }
  | { kind: "remove"; pick: number }
  | { kind: "removeAbsent"; mask: number; words: Uint32Array; priority: number }
  | { kind: "replace"; pick: number; value: number }
  | { kind: "lookup"; from: number | null; noise: Uint32Array };

function opArb(w: World): fc.Arbitrary<Op> {
  const prio = fc.integer({ min: 0, max: w.maxPriority });
  return fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant("insert" as const),
        mask: fc.nat(),
        words: w.words,
        priority: prio,
        value: fc.integer(),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("remove" as const), pick: fc.nat() }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("removeAbsent" as const),
        mask: fc.nat(),
        words: w.words,
        priority: prio,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant("replace" as const), pick: fc.nat(), value: fc.integer() }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant("lookup" as const),
        from: fc.option(fc.nat()),
        noise: w.words,
      }),
    },
  );
}

function scenarioArb(w: World, maxOps: number) {
  return fc.record({
    masks: fc.array(w.mask, { minLength: 1, maxLength: 6 }),
    ops: fc.array(opArb(w), { maxLength: maxOps }),
  });
}

function rulesArb(w: World, uniquePriorities: boolean) {
  return fc
    .record({
      masks: fc.array(w.mask, { minLength: 1, maxLength: 6 }),
      specs: fc.array(
        fc.record({ mask: fc.nat(), words: w.words, priority: fc.integer({ min: 0, max: w.maxPriority }) }),
        { maxLength: 40 },
      ),
    })
    .map(({ masks, specs }) =>
      specs.map((s, i) =>
        makeRule(masks[s.mask % masks.length]!, s.words, uniquePriorities ? i : s.priority, i),
      ),
    );
}

// ---- properties -------------------------------------------------------------------------

function modelProperty(w: World, maxOps = 80): void {
  fc.assert(
    fc.property(scenarioArb(w, maxOps), ({ masks, ops }) => {
      const cls = new Classifier<number>(w.nWords);
      const model = new Model();
      for (const op of ops) {
        const n = model.rules.length;
        switch (op.kind) {
          case "insert": {
            const rule = makeRule(masks[op.mask % masks.length]!, op.words, op.priority, op.value);
            expect(cls.insert(rule)).toBe(model.insert(rule));
            break;
          }
          case "remove": {
            if (n === 0) break;
            const rule = model.rules[op.pick % n]!;
            expect(model.remove(rule)).toBe(true);
            expect(cls.remove(rule)).toBe(true);
            expect(cls.remove(rule)).toBe(false);
            break;
          }
          case "removeAbsent": {
            // Never inserted, though an equal rule (same mask, key, priority) may be present.
            const rule = makeRule(masks[op.mask % masks.length]!, op.words, op.priority, 0);
            expect(cls.remove(rule)).toBe(false);
            break;
          }
          case "replace": {
            if (n === 0) break;
            const old = model.rules[op.pick % n]!;
            const rule = new ClassifierRule<number>(old.key.slice(), old.mask, old.priority, op.value);
            expect(model.insert(rule)).toBe(old);
            expect(cls.insert(rule)).toBe(old);
            break;
          }
          case "lookup": {
            const key = op.from === null || n === 0 ? op.noise : keyHitting(model.rules[op.from % n]!, op.noise);
            expectAgrees(cls, model, key);
            // The staged path (with wc) gives the same answer.
            expect(cls.lookup(key, new Uint32Array(w.nWords))).toBe(cls.lookup(key, null));
            break;
          }
        }
        expect(cls.size).toBe(model.rules.length);
      }
      expectSameContents(cls, model);
      for (const r of model.rules) {
        expectAgrees(cls, model, r.key);
        expectAgrees(cls, model, keyHitting(r, new Uint32Array(w.nWords).fill(0xffffffff)));
      }
    }),
    { numRuns: RUNS },
  );
}

function megaflowProperty(w: World, uniquePriorities: boolean): void {
  fc.assert(
    fc.property(
      rulesArb(w, uniquePriorities),
      fc.option(fc.nat()),
      w.words,
      fc.array(fc.tuple(fc.option(fc.nat()), w.words), { minLength: 1, maxLength: 10 }),
      (rules, from, noise, others) => {
        const cls = new Classifier<number>(w.nWords);
        for (const r of rules) cls.insert(r);
        const present = [...cls.rules()];
        const key =
          from === null || present.length === 0 ? noise : keyHitting(present[from % present.length]!, noise);
        const wc = new Uint32Array(w.nWords);
        const got = cls.lookup(key, wc);
        // Same answer with or without wc.
        expect(cls.lookup(key, null)).toBe(got);
        for (const [otherFrom, random] of others) {
          // Start from a random key, or one that hits some rule, then force the wc bits.
          const base =
            otherFrom === null || present.length === 0
              ? random
              : keyHitting(present[otherFrom % present.length]!, random);
          const other = base.map((v, i) => (key[i]! & wc[i]!) | (v & ~wc[i]!));
          const got2 = cls.lookup(other, null);
          if (got === null) {
            expect(got2).toBeNull();
          } else {
            expect(got2).not.toBeNull();
            expect(got2!.priority).toBe(got.priority);
            if (uniquePriorities) expect(got2).toBe(got);
          }
        }
      },
    ),
    { numRuns: RUNS },
  );
}

function removeAllProperty(w: World): void {
  fc.assert(
    fc.property(
      rulesArb(w, false).chain((rules) =>
        fc.tuple(fc.constant(rules), fc.shuffledSubarray(rules, { minLength: rules.length })),
      ),
      w.words,
      ([rules, order], key) => {
        const cls = new Classifier<number>(w.nWords);
        const inserted = new Set<ClassifierRule<number>>();
        for (const r of rules) {
          const displaced = cls.insert(r);
          inserted.add(r);
          if (displaced !== null) inserted.delete(displaced);
        }
        expect(cls.size).toBe(inserted.size);
        for (const r of order) expect(cls.remove(r)).toBe(inserted.has(r));
        expect(cls.size).toBe(0);
        expect(cls.isEmpty).toBe(true);
        expect(cls.nSubtables).toBe(0);
        expect([...cls.rules()]).toEqual([]);
        const wc = new Uint32Array(w.nWords);
        expect(cls.lookup(key, wc)).toBeNull();
        expect(wc.every((v) => v === 0)).toBe(true);
      },
    ),
    { numRuns: RUNS },
  );
}

describe("Classifier (4-word keys)", () => {
  it("agrees with a linear scan across insert/remove/replace/lookup", () => modelProperty(small));
  it("megaflow wildcards are sound (ties allowed)", () => megaflowProperty(small, false));
  it("megaflow wildcards are sound (unique priorities: same rule)", () => megaflowProperty(small, true));
  it("removing every rule leaves it empty, with no subtables", () => removeAllProperty(small));
});

describe("Classifier (4-word keys, few masks, many keys)", () => {
  it("agrees with a linear scan while subtables grow and shrink between lookups", () => modelProperty(crowded, 300));
});

describe("Classifier (56-word keys, sparse masks)", () => {
  it("agrees with a linear scan across insert/remove/replace/lookup", () => modelProperty(wide));
  it("megaflow wildcards are sound", () => megaflowProperty(wide, true));
  it("removing every rule leaves it empty, with no subtables", () => removeAllProperty(wide));
});

describe("Classifier edges", () => {
  it("hashes a masked rule key and an unmasked probe alike", () => {
    fc.assert(
      fc.property(small.mask, small.words, fc.integer({ min: 0, max: 0xffffffff }), (mask, words, basis) => {
        const idx = Int32Array.from([...mask.keys()].filter((i) => mask[i] !== 0));
        const masked = words.map((v, i) => v & mask[i]!);
        expect(hashWordsAt(masked, idx, basis)).toBe(hashMaskedWords(words, mask, idx, basis));
      }),
      { numRuns: RUNS },
    );
  });

  it("catch-all rule (empty mask) matches everything", () => {
    const cls = new Classifier<string>(4);
    const zero = new Uint32Array(4);
    const all = new ClassifierRule(zero, zero, 0, "all");
    cls.insert(all);
    expect(cls.lookup(Uint32Array.of(1, 2, 3, 4), null)).toBe(all);
  });

  it("rejects malformed rules at the edge and changes nothing", () => {
    const cls = new Classifier<string>(2);
    const mask = Uint32Array.of(0xff, 0);
    expect(() => cls.insert(new ClassifierRule(Uint32Array.of(0x100, 0), mask, 1, "x"))).toThrow(RangeError);
    expect(() => cls.insert(new ClassifierRule(Uint32Array.of(1), Uint32Array.of(1), 1, "x"))).toThrow(RangeError);
    expect(() => cls.insert(new ClassifierRule(Uint32Array.of(1, 0), mask, -1, "x"))).toThrow(RangeError);
    expect(() => cls.insert(new ClassifierRule(Uint32Array.of(1, 0), mask, 1.5, "x"))).toThrow(RangeError);
    expect(cls.size).toBe(0);
    expect(cls.nSubtables).toBe(0);
  });

  it("keeps subtable maxima exact when the top rule goes away", () => {
    // Two subtables on disjoint words, so wc shows exactly which ones a lookup probed.
    const cls = new Classifier<string>(2);
    const m1 = Uint32Array.of(0xff, 0);
    const m2 = Uint32Array.of(0, 0xff);
    const hi = new ClassifierRule(Uint32Array.of(1, 0), m1, 100, "hi");
    const lo = new ClassifierRule(Uint32Array.of(2, 0), m1, 1, "lo");
    const mid = new ClassifierRule(Uint32Array.of(0, 3), m2, 50, "mid");
    for (const r of [hi, lo, mid]) cls.insert(r);
    const wc = new Uint32Array(2);
    expect(cls.lookup(Uint32Array.of(1, 3), wc)).toBe(hi);
    expect([...wc]).toEqual([0xff, 0]); // stopped before the subtable of max 50
    cls.remove(hi);
    wc.fill(0);
    expect(cls.lookup(Uint32Array.of(1, 3), wc)).toBe(mid);
    expect([...wc]).toEqual([0, 0xff]); // m1's max is now 1: not probed
    wc.fill(0);
    expect(cls.lookup(Uint32Array.of(2, 4), wc)).toBe(lo);
    expect([...wc]).toEqual([0xff, 0xff]);
    cls.remove(mid);
    cls.remove(lo);
    expect(cls.nSubtables).toBe(0);
  });
});
