/*
 * Classifier.lookupAt: a key read from an offset of a larger array, as OVS's callers pass a
 * pointer into an array of struct flow. It finds the same rule and reports the same megaflow
 * as lookup on a copy of the key, wherever the key lies in the array and whatever the
 * neighbouring words hold (prefix tries and ports tries included), and refuses an offset
 * whose key would not fit.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Classifier, ClassifierRule } from "../../src/flowtable/classifier.js";
import { FLOW_WORDS, M, writeMember } from "../../src/flowtable/flow-layout.js";
import { propertyRuns } from "../../src/testing/runs.js";

const RUNS = propertyRuns(150);

/** Flow-key masks over metadata, L2, L3 (nw_src/nw_dst CIDR prefixes: the tries) and ports. */
const FIELD_MASKS: readonly ((m: Uint32Array) => void)[] = [
  (m) => writeMember(m, M.inPort, 0xffffffffn),
  (m) => writeMember(m, M.metadata, 0xffffffffffffffffn),
  (m) => writeMember(m, M.dlType, 0xffffn),
  (m) => writeMember(m, M.dlDst, 0xffffffffffffn),
  (m) => writeMember(m, M.nwSrc, 0xffffff00n),
  (m) => writeMember(m, M.nwSrc, 0xffff0000n),
  (m) => writeMember(m, M.nwDst, 0xffffffffn),
  (m) => writeMember(m, M.nwProto, 0xffn),
  (m) => writeMember(m, M.tpDst, 0xffffn),
  (m) => writeMember(m, M.tpSrc, 0xff00n),
];

const VALUE_WORDS = [0, 1, 0x0a000001, 0x0a000102, 0x08000000, 0xffffffff, 0x12345678, 80, 0x00500016];

/** A random value in every word a field mask may touch, from a small pool (so that rules and keys share bits). */
const keyArb = fc.array(fc.constantFrom(...VALUE_WORDS), { minLength: FLOW_WORDS, maxLength: FLOW_WORDS }).map((ws) => Uint32Array.from(ws));

const maskArb = fc.uniqueArray(fc.nat(FIELD_MASKS.length - 1), { minLength: 1, maxLength: 4 }).map((fields) => {
  const m = new Uint32Array(FLOW_WORDS);
  for (const f of fields) FIELD_MASKS[f]!(m);
  return m;
});

const rulesArb = fc.record({
  masks: fc.array(maskArb, { minLength: 1, maxLength: 8 }),
  specs: fc.array(fc.record({ mask: fc.nat(), key: keyArb, priority: fc.nat(50) }), { maxLength: 40 }),
});

function build(r: { masks: Uint32Array[]; specs: { mask: number; key: Uint32Array; priority: number }[] }): Classifier<number> {
  const cls = new Classifier<number>(FLOW_WORDS);
  r.specs.forEach((s, i) => {
    const mask = r.masks[s.mask % r.masks.length]!;
    cls.insert(new ClassifierRule(s.key.map((v, j) => v & mask[j]!), mask, s.priority, i));
  });
  return cls;
}

describe("Classifier.lookupAt", () => {
  it("finds the rule lookup finds, with the same megaflow, wherever the key lies", () => {
    fc.assert(
      fc.property(rulesArb, fc.array(keyArb, { minLength: 1, maxLength: 5 }), fc.nat(7), (rules, keys, pad) => {
        const cls = build(rules);
        // The keys one after the other, `pad` words apart, in one array.
        const stride = FLOW_WORDS + pad;
        const store = new Uint32Array(keys.length * stride + pad).fill(0xa5a5a5a5);
        keys.forEach((k, i) => store.set(k, pad + i * stride));
        keys.forEach((k, i) => {
          const wcA = new Uint32Array(FLOW_WORDS);
          const wcB = new Uint32Array(FLOW_WORDS);
          const a = cls.lookupAt(store, pad + i * stride, wcA);
          const b = cls.lookup(k.slice(), wcB);
          expect(a).toBe(b);
          expect(wcA).toEqual(wcB);
          expect(cls.lookupAt(store, pad + i * stride, null)).toBe(cls.lookup(k, null));
        });
      }),
      { numRuns: RUNS },
    );
  });

  it("refuses an offset whose key would not fit", () => {
    const cls = new Classifier<number>(FLOW_WORDS);
    const store = new Uint32Array(2 * FLOW_WORDS);
    expect(cls.lookupAt(store, FLOW_WORDS, null)).toBeNull();
    expect(() => cls.lookupAt(store, FLOW_WORDS + 1, null)).toThrow(RangeError);
    expect(() => cls.lookupAt(store, -1, null)).toThrow(RangeError);
    expect(() => cls.lookupAt(store, 0.5, null)).toThrow(RangeError);
  });
});
