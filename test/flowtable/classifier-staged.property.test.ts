/*
 * Staged lookup (OVS's find_match_wc): with stages, a lookup that finds a subtable's key
 * prefix absent stops probing it and un-wildcards only the stages it looked at. Properties:
 * the megaflow it reports is still sound (every key agreeing on the wc bits gets the same
 * answer), it is never wider than an unstaged lookup's and gives the same rule, and an
 * early-stage miss really leaves the later stages wildcarded.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Classifier, ClassifierRule } from "../../src/flowtable/classifier.js";
import { FLOW_WORDS, STAGE_BOUNDARIES, W } from "../../src/flowtable/flow-layout.js";
import { propertyRuns } from "../../src/testing/runs.js";

const RUNS = propertyRuns(200);
const N = 6;
/** Three stages over 6 words: [0, 2), [2, 4), [4, 6). */
const STAGES = [0, 2, 4, 6];

const maskWord = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0) },
  { weight: 4, arbitrary: fc.constantFrom(0xffffffff, 0xff000000, 0x0000ffff, 0x00000001) },
);
const valueWord = fc.constantFrom(0, 1, 0xffffffff, 0x12345678);
const words = (w: fc.Arbitrary<number>) =>
  fc.array(w, { minLength: N, maxLength: N }).map((ws) => Uint32Array.from(ws));

const rulesArb = fc
  .record({
    masks: fc.array(words(maskWord), { minLength: 1, maxLength: 6 }),
    specs: fc.array(fc.record({ mask: fc.nat(), words: words(valueWord) }), { maxLength: 40 }),
  })
  .map(({ masks, specs }) =>
    specs.map((s, i) => {
      const mask = masks[s.mask % masks.length]!;
      return { key: s.words.map((v, j) => v & mask[j]!), mask, priority: i };
    }),
  );

type Spec = { key: Uint32Array; mask: Uint32Array; priority: number };

function build(specs: Spec[], stages: number[], wordOrder?: number[]): Classifier<number> {
  const cls = new Classifier<number>(N, wordOrder === undefined ? { stages } : { stages, wordOrder });
  specs.forEach((s, i) => cls.insert(new ClassifierRule(s.key, s.mask, s.priority, i)));
  return cls;
}

/** A key that hits spec `from` (its key, `noise` where it is wildcarded), or `noise`. */
function probeKey(specs: Spec[], from: number | null, noise: Uint32Array): Uint32Array {
  if (from === null || specs.length === 0) return noise;
  const s = specs[from % specs.length]!;
  return s.key.map((k, i) => k | (noise[i]! & ~s.mask[i]!));
}

describe("staged lookup", () => {
  it("reports sound megaflows", () => {
    fc.assert(
      fc.property(
        rulesArb,
        fc.option(fc.nat()),
        words(valueWord),
        fc.array(fc.tuple(fc.option(fc.nat()), words(valueWord)), { minLength: 1, maxLength: 10 }),
        (specs, from, noise, others) => {
          const cls = build(specs, STAGES);
          const key = probeKey(specs, from, noise);
          const wc = new Uint32Array(N);
          const got = cls.lookup(key, wc);
          expect(cls.lookup(key, null)).toBe(got);
          for (const [otherFrom, random] of others) {
            const base = probeKey(specs, otherFrom, random);
            const other = base.map((v, i) => (key[i]! & wc[i]!) | (v & ~wc[i]!));
            // Unique priorities: the same rule, not just the same priority.
            expect(cls.lookup(other, null)).toBe(got);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("is never wider than an unstaged lookup, and finds the same rule", () => {
    fc.assert(
      fc.property(rulesArb, fc.option(fc.nat()), words(valueWord), (specs, from, noise) => {
        const staged = build(specs, STAGES);
        const flat = build(specs, [0, N]);
        const key = probeKey(specs, from, noise);
        const wcStaged = new Uint32Array(N);
        const wcFlat = new Uint32Array(N);
        const a = staged.lookup(key, wcStaged);
        const b = flat.lookup(key, wcFlat);
        expect(a?.value ?? null).toBe(b?.value ?? null);
        for (let i = 0; i < N; i++) expect((wcStaged[i]! & ~wcFlat[i]!) >>> 0).toBe(0);
      }),
      { numRuns: RUNS },
    );
  });

  it("with its words in another stage order: sound, never wider than unstaged, the same rule", () => {
    const order = fc.shuffledSubarray([0, 1, 2, 3, 4, 5], { minLength: N, maxLength: N });
    fc.assert(
      fc.property(rulesArb, order, fc.option(fc.nat()), words(valueWord), words(valueWord), (specs, wordOrder, from, noise, random) => {
        const staged = build(specs, STAGES, wordOrder);
        const flat = build(specs, [0, N]);
        const key = probeKey(specs, from, noise);
        const wc = new Uint32Array(N);
        const wcFlat = new Uint32Array(N);
        const got = staged.lookup(key, wc);
        expect(got?.value ?? null).toBe(flat.lookup(key, wcFlat)?.value ?? null);
        for (let i = 0; i < N; i++) expect((wc[i]! & ~wcFlat[i]!) >>> 0).toBe(0);
        const other = random.map((v, i) => (key[i]! & wc[i]!) | (v & ~wc[i]!));
        expect(staged.lookup(other, null)).toBe(got);
      }),
      { numRuns: RUNS },
    );
  });

  it("looks ct_label up in the metadata stage, as OVS (it is last in the layout)", () => {
    const cls = new Classifier<string>(FLOW_WORDS);
    const mask = new Uint32Array(FLOW_WORDS);
    mask[W.DL_TYPE_VLAN_TCI] = 0xffff0000;
    mask.fill(0xffffffff, W.CT_LABEL, W.CT_LABEL + 4);
    mask[W.TP_SRC_DST] = 0xffff;
    const key = new Uint32Array(FLOW_WORDS);
    key[W.DL_TYPE_VLAN_TCI] = 0x08000000;
    key[W.CT_LABEL + 3] = 0x1234;
    key[W.TP_SRC_DST] = 80;
    cls.insert(new ClassifierRule(key, mask, 10, "r"));
    // The label differs: only the label is un-wildcarded, not dl_type or tp_dst.
    const miss = key.slice();
    miss[W.CT_LABEL + 3] = 0x1235;
    const wc = new Uint32Array(FLOW_WORDS);
    expect(cls.lookup(miss, wc)).toBeNull();
    const only = new Uint32Array(FLOW_WORDS);
    only.fill(0xffffffff, W.CT_LABEL, W.CT_LABEL + 4);
    expect(wc).toEqual(only);
  });

  it("stops at a stage whose prefix no rule has (flow keys: metadata before L2)", () => {
    const cls = new Classifier<string>(FLOW_WORDS);
    expect(cls.stages).toEqual(STAGE_BOUNDARIES);
    const mask = new Uint32Array(FLOW_WORDS);
    mask[W.IN_PORT] = 0xffffffff;
    mask[W.DL_DST] = 0xffff;
    mask[W.DL_DST + 1] = 0xffffffff;
    mask[W.NW_DST] = 0xffffffff;
    const key = new Uint32Array(FLOW_WORDS);
    key[W.IN_PORT] = 1;
    key[W.DL_DST + 1] = 0xaabbccdd;
    key[W.NW_DST] = 0x0a000001;
    const rule = new ClassifierRule(key, mask, 10, "r");
    cls.insert(rule);

    // in_port differs: only in_port is un-wildcarded.
    const miss = key.slice();
    miss[W.IN_PORT] = 2;
    const wc = new Uint32Array(FLOW_WORDS);
    expect(cls.lookup(miss, wc)).toBeNull();
    const only = new Uint32Array(FLOW_WORDS);
    only[W.IN_PORT] = 0xffffffff;
    expect(wc).toEqual(only);

    // in_port matches, dl_dst differs: metadata and L2, not L3.
    const miss2 = key.slice();
    miss2[W.DL_DST + 1] = 1;
    wc.fill(0);
    expect(cls.lookup(miss2, wc)).toBeNull();
    expect(wc[W.NW_DST]).toBe(0);
    expect(wc[W.DL_DST + 1]).toBe(0xffffffff);

    // A hit un-wildcards the whole mask.
    wc.fill(0);
    expect(cls.lookup(key, wc)).toBe(rule);
    expect(wc).toEqual(mask);
  });

  it("rejects stages that do not ascend from 0 to the key width", () => {
    expect(() => new Classifier<number>(4, { stages: [0, 2] })).toThrow(RangeError);
    expect(() => new Classifier<number>(4, { stages: [1, 4] })).toThrow(RangeError);
    expect(() => new Classifier<number>(4, { stages: [0, 2, 2, 4] })).toThrow(RangeError);
  });

  it("rejects a word order that is not a permutation of the word indexes", () => {
    expect(() => new Classifier<number>(4, { wordOrder: [0, 1, 2] })).toThrow(RangeError);
    expect(() => new Classifier<number>(4, { wordOrder: [0, 1, 2, 2] })).toThrow(RangeError);
    expect(() => new Classifier<number>(4, { wordOrder: [0, 1, 2, 4] })).toThrow(RangeError);
  });
});
