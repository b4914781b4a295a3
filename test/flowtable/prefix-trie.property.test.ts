/*
 * PrefixTrie (OVS's trie_insert_prefix / trie_remove_prefix / trie_lookup_value) against a
 * model that knows only the multiset of prefixes held: after random inserts and removes,
 * every lookup reports the prefix lengths the value starts with, and as maskbits the number
 * of leading bits that decide that (the longest run of leading bits some held prefix starts
 * with, plus one when some held prefix goes on past it), whatever shape the trie took.
 * Values are 128 bits from a small pool, so prefixes share long runs and the trie splits,
 * chains (> 32 bits per node) and merges.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PrefixTrie } from "../../src/flowtable/prefix-trie.js";
import { propertyRuns } from "../../src/testing/runs.js";

const RUNS = propertyRuns(300);
const N_BITS = 128;

function bits(v: Uint32Array, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += (v[i >>> 5]! >>> (31 - (i & 31))) & 1;
  return s;
}

/** The multiset of held prefixes as bit strings. */
class Model {
  readonly held = new Map<string, number>();

  insert(p: string): void {
    this.held.set(p, (this.held.get(p) ?? 0) + 1);
  }

  remove(p: string): boolean {
    const c = this.held.get(p);
    if (c === undefined) return false;
    if (c === 1) this.held.delete(p);
    else this.held.set(p, c - 1);
    return true;
  }

  lookup(value: string): { plens: Set<number>; maskbits: number } {
    const plens = new Set<number>();
    for (const p of this.held.keys()) if (value.startsWith(p)) plens.add(p.length);
    let m = 0;
    for (const p of this.held.keys()) {
      let l = 0;
      while (l < p.length && l < value.length && p[l] === value[l]) l++;
      m = Math.max(m, l);
    }
    if (m === value.length) return { plens, maskbits: m };
    const goesOn = [...this.held.keys()].some((p) => p.length > m && p.startsWith(value.slice(0, m)));
    return { plens, maskbits: goesOn ? m + 1 : m };
  }
}

// A pool of values that share long prefixes: a base with a few bits flipped.
const BASE = Uint32Array.of(0x20010db8, 0x00010002, 0xfe800000, 0x0000000a);
const valueArb = fc
  .array(fc.nat(N_BITS - 1), { maxLength: 3 })
  .map((flips) => {
    const v = BASE.slice();
    for (const b of flips) v[b >>> 5] = (v[b >>> 5]! ^ (0x80000000 >>> (b & 31))) >>> 0;
    return v;
  });
const lenArb = fc.oneof(fc.integer({ min: 1, max: N_BITS }), fc.constantFrom(1, 8, 16, 24, 31, 32, 33, 64, 96, 127, 128));

type Op = { kind: "insert"; value: Uint32Array; len: number } | { kind: "remove"; pick: number } | { kind: "lookup"; value: Uint32Array };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("insert" as const), value: valueArb, len: lenArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("remove" as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("lookup" as const), value: valueArb }) },
);

function expectLookup(trie: PrefixTrie, model: Model, value: Uint32Array): void {
  const plens = new Uint32Array(4);
  const maskbits = trie.lookup(value, 0, N_BITS, plens);
  const want = model.lookup(bits(value, N_BITS));
  const got = new Set<number>();
  for (let l = 1; l <= N_BITS; l++) if ((plens[(l - 1) >>> 5]! >>> (31 - ((l - 1) & 31))) & 1) got.add(l);
  expect(got).toEqual(want.plens);
  expect(maskbits).toBe(want.maskbits);
}

describe("PrefixTrie", () => {
  it("answers as the multiset of prefixes it holds, across inserts and removes", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const trie = new PrefixTrie();
        const model = new Model();
        const inserted: [Uint32Array, number][] = [];
        for (const op of ops) {
          if (op.kind === "insert") {
            trie.insert(op.value, 0, op.len);
            model.insert(bits(op.value, op.len));
            inserted.push([op.value, op.len]);
          } else if (op.kind === "remove") {
            if (inserted.length === 0) continue;
            const [v, len] = inserted.splice(op.pick % inserted.length, 1)[0]!;
            expect(trie.remove(v, 0, len)).toBe(true);
            expect(model.remove(bits(v, len))).toBe(true);
          } else {
            expectLookup(trie, model, op.value);
          }
        }
        for (const [v] of inserted) expectLookup(trie, model, v);
        for (const [v, len] of inserted) expect(trie.remove(v, 0, len)).toBe(true);
        expect(trie.isEmpty).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it("lookup32 answers as lookup on 32-bit values", () => {
    const v32 = fc.constantFrom(0x0a000000, 0x0a010203, 0x0a0102ff, 0x0b000000, 0xc0a80101, 0x00500050, 0xffffffff, 0);
    fc.assert(
      fc.property(fc.array(fc.tuple(v32, fc.integer({ min: 1, max: 32 }))), fc.array(v32, { minLength: 1 }), (prefixes, probes) => {
        const trie = new PrefixTrie();
        for (const [v, len] of prefixes) trie.insert(Uint32Array.of(v), 0, len);
        for (const v of probes) {
          const a = new Uint32Array(4);
          const b = new Uint32Array(4);
          expect(trie.lookup32(v, b)).toBe(trie.lookup(Uint32Array.of(v), 0, 32, a));
          expect(b).toEqual(a);
          expect(trie.lookup32(v, null)).toBe(trie.lookup(Uint32Array.of(v), 0, 32, a));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("refuses to remove a prefix it does not hold", () => {
    const trie = new PrefixTrie();
    const v = Uint32Array.of(0x0a010200);
    trie.insert(v, 0, 24);
    expect(trie.remove(v, 0, 16)).toBe(false);
    expect(trie.remove(Uint32Array.of(0x0a010300), 0, 24)).toBe(false);
    expect(trie.remove(v, 0, 24)).toBe(true);
    expect(trie.remove(v, 0, 24)).toBe(false);
  });

  it("reads a field at a word offset (OVS's lookups on nw_src inside struct flow)", () => {
    const trie = new PrefixTrie();
    const key = Uint32Array.of(0xdeadbeef, 0x0a000000, 0x12345678);
    trie.insert(key, 1, 8); // 10.0.0.0/8 at word 1
    const plens = new Uint32Array(4);
    // 11.x: differs at bit 7 -> 8 bits decide, no prefix matches.
    expect(trie.lookup(Uint32Array.of(0, 0x0b000001, 0), 1, 32, plens)).toBe(8);
    expect(plens[0]).toBe(0);
    // 10.x: the /8 matches; nothing goes on past it.
    expect(trie.lookup(Uint32Array.of(0, 0x0a020304, 0), 1, 32, plens)).toBe(8);
    expect(plens[0]).toBe(0x01000000);
  });
});
