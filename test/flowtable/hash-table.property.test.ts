import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hashInt, hashWords } from "../../src/flowtable/hash.js";
import { HashTable, MAX_LOAD, MIN_BUCKETS } from "../../src/flowtable/hash-table.js";
import type { HashNode } from "../../src/flowtable/hash-table.js";
import { propertyRuns } from "../../src/testing/runs.js";

/** A node keyed by a small integer. */
class Node implements HashNode<Node> {
  hash: number;
  next: Node | null;
  readonly key: number;
  constructor(key: number, hash: number) {
    this.hash = hash;
    this.next = null;
    this.key = key;
  }
}

/**
 * Hash functions to test with: a good one, and deliberately poor ones so that equal hashes
 * for different keys (not only equal buckets) happen all the time.
 */
const hashers: Record<string, (k: number) => number> = {
  good: (k) => hashInt(k, 0),
  fewValues: (k) => hashInt(k % 7, 0),
  highBitsOnly: (k) => ((k & 3) << 30) >>> 0,
};

function find(t: HashTable<Node>, hash: number, key: number): Node | null {
  for (let n = t.firstWithHash(hash); n !== null; n = t.nextWithHash(n)) {
    if (n.key === key) return n;
  }
  return null;
}

type Op = { kind: "insert" | "remove" | "find"; key: number };

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom<Op["kind"]>("insert", "insert", "remove", "find"),
  key: fc.integer({ min: 0, max: 300 }),
});

/** Bulk phases: fill up (several doublings), then drain (several halvings). */
const phasesArb = fc.array(
  fc.oneof(
    fc.array(opArb, { maxLength: 200 }),
    fc.integer({ min: 0, max: 300 }).map((n): Op[] =>
      Array.from({ length: n }, (_, i) => ({ kind: "insert", key: i })),
    ),
    fc.integer({ min: 0, max: 300 }).map((n): Op[] =>
      Array.from({ length: n }, (_, i) => ({ kind: "remove", key: i })),
    ),
  ),
  { maxLength: 6 },
);

describe("HashTable agrees with Map", () => {
  for (const [name, hashOf] of Object.entries(hashers)) {
    it(`random insert/remove/find sequences (${name} hash)`, () => {
      fc.assert(
        fc.property(phasesArb, (phases) => {
          const t = new HashTable<Node>();
          const model = new Map<number, Node>();
          let maxBuckets = t.nBuckets;
          for (const op of phases.flat()) {
            const h = hashOf(op.key);
            const found = find(t, h, op.key);
            expect(found).toBe(model.get(op.key) ?? null);
            if (op.kind === "insert" && found === null) {
              const node = new Node(op.key, h);
              t.insert(node);
              model.set(op.key, node);
            } else if (op.kind === "remove") {
              expect(found === null ? false : t.remove(found)).toBe(model.delete(op.key));
              if (found !== null) expect(t.remove(found)).toBe(false);
            }
            expect(t.size).toBe(model.size);
            expect(t.size).toBeLessThanOrEqual(Math.max(t.nBuckets * MAX_LOAD, MIN_BUCKETS));
            maxBuckets = Math.max(maxBuckets, t.nBuckets);
          }
          // Iteration yields exactly the model's nodes.
          const seen = new Set<Node>();
          for (const n of t) seen.add(n);
          expect(seen.size).toBe(model.size);
          for (const n of model.values()) expect(seen.has(n)).toBe(true);
          let viaForEach = 0;
          t.forEach(() => viaForEach++);
          expect(viaForEach).toBe(model.size);
          // Every node is in the bucket of its hash (head() reaches it).
          for (const n of model.values()) {
            let m = t.head(n.hash);
            while (m !== null && m !== n) m = m.next;
            expect(m).toBe(n);
          }
          return maxBuckets >= MIN_BUCKETS;
        }),
        { numRuns: propertyRuns(250) },
      );
    });
  }

  it("grows through several doublings and shrinks back", () => {
    const t = new HashTable<Node>();
    const nodes: Node[] = [];
    for (let k = 0; k < 5000; k++) {
      const n = new Node(k, hashInt(k, 0));
      nodes.push(n);
      t.insert(n);
    }
    expect(t.nBuckets).toBeGreaterThanOrEqual(5000 / MAX_LOAD);
    for (const n of nodes) expect(find(t, n.hash, n.key)).toBe(n);
    for (const n of nodes) expect(t.remove(n)).toBe(true);
    expect(t.size).toBe(0);
    expect(t.nBuckets).toBe(MIN_BUCKETS);
  });

  it("replace keeps the chain position and rejects an absent node", () => {
    const t = new HashTable<Node>();
    const a = new Node(1, 5);
    const b = new Node(2, 5);
    t.insert(a);
    t.insert(b);
    const c = new Node(3, 5);
    expect(t.replace(a, c)).toBe(true);
    expect([...t].map((n) => n.key).sort()).toEqual([2, 3]);
    expect(t.replace(a, new Node(4, 5))).toBe(false);
    expect(t.size).toBe(2);
  });

  it("hashWords matches values computed from OVS's portable hash_words", () => {
    // Independent transcription of lib/hash.h (mhash) used as the oracle, on BigInt.
    const M = 0xffffffffn;
    const rot = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & M;
    const add = (h: bigint, d: bigint) => {
      if (d !== 0n) {
        d = (d * 0xcc9e2d51n) & M;
        d = rot(d, 15n);
        d = (d * 0x1b873593n) & M;
        h ^= d;
      }
      h = rot(h, 13n);
      return (h * 5n + 0xe6546b64n) & M;
    };
    const fin = (h: bigint) => {
      h ^= h >> 16n;
      h = (h * 0x85ebca6bn) & M;
      h ^= h >> 13n;
      h = (h * 0xc2b2ae35n) & M;
      h ^= h >> 16n;
      return h;
    };
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 12 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (ws, basis) => {
          let h = BigInt(basis);
          for (const w of ws) h = add(h, BigInt(w));
          const expected = Number(fin(h ^ BigInt(ws.length * 4)));
          expect(hashWords(Uint32Array.from(ws), ws.length, basis)).toBe(expected);
        },
      ),
      { numRuns: propertyRuns(200) },
    );
  });
});
