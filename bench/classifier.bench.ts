/*
 * Classifier benchmarks: lookup over a grid of rule counts x distinct masks against a
 * linear-scan baseline in the same run, insert/remove throughput, and the bucketed hash
 * table against a JS Map.
 *
 * Inputs the JIT cannot fold: rules and keys come from a seeded PRNG, and each benchmark
 * iteration takes the next of N_KEYS pre-generated keys round-robin. Half the keys are
 * built from a random rule (its key, random bits where it is wildcarded) so they hit; the
 * other half are random in every word.
 */

import { bench, do_not_optimize, group, summary as mitataSummary } from "mitata";
import { Classifier, ClassifierRule } from "../src/flowtable/classifier.js";
import { hashInt, hashWords } from "../src/flowtable/hash.js";
import { HashTable } from "../src/flowtable/hash-table.js";
import type { HashNode } from "../src/flowtable/hash-table.js";
import type { Trial } from "./run.js";
import { prng } from "../src/bench/packets.js";

/** Words in ovsim's flow key (the realistic width every lookup benchmark uses). */
export const KEY_WORDS = 56;
/** Pre-generated lookup keys per cell; a power of two so round-robin is a mask. */
const N_KEYS = 8192;
const RULE_COUNTS = [1_000, 10_000, 100_000] as const;
const MASK_COUNTS = [1, 8, 32] as const;
/** The cell the acceptance target is about, and the target. */
const TARGET = { rules: 10_000, masks: 8, ratio: 100 } as const;
/** Elements per insert/find benchmark of the hash table. */
const HT_N = 10_000;

// ---- inputs -----------------------------------------------------------------------------


/** Per-word mask values that flow matches use: exact, prefixes, low halves, a few bits. */
const MASK_WORDS = [0xffffffff, 0xffffffff, 0xffffff00, 0xffff0000, 0x0000ffff, 0x00000fff];

function popcount(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v !== 0; v &= v - 1) n++;
  return n;
}

/**
 * The first `n` of one fixed sequence of distinct masks (the same seed for every cell, so
 * cells with more rules or more masks differ only in that), each touching 1..4 of the
 * KEY_WORDS words with at least 24 bits, so 100k random rules stay distinct keys.
 */
function makeMasks(n: number): Uint32Array[] {
  const rand = prng(0x5eed);
  const seen = new Set<string>();
  const masks: Uint32Array[] = [];
  while (masks.length < n) {
    const m = new Uint32Array(KEY_WORDS);
    const touched = 1 + (rand() % 4);
    for (let j = 0; j < touched; j++) m[rand() % KEY_WORDS] = MASK_WORDS[rand() % MASK_WORDS.length]!;
    const id = m.join(",");
    if (seen.has(id) || m.reduce((bits, w) => bits + popcount(w), 0) < 24) continue;
    seen.add(id);
    masks.push(m);
  }
  return masks;
}

/** `n` rules spread evenly over `masks`, random values on the masked bits, priorities 0..65535. */
function makeRules(rand: () => number, masks: Uint32Array[], n: number): ClassifierRule<number>[] {
  const rules: ClassifierRule<number>[] = [];
  for (let i = 0; i < n; i++) {
    const mask = masks[i % masks.length]!;
    const key = new Uint32Array(KEY_WORDS);
    for (let w = 0; w < KEY_WORDS; w++) if (mask[w] !== 0) key[w] = rand() & mask[w]!;
    rules.push(new ClassifierRule(key, mask, rand() & 0xffff, i));
  }
  return rules;
}

/** N_KEYS keys: even indices hit a random rule, odd ones are random everywhere. */
function makeKeys(rand: () => number, rules: ClassifierRule<number>[]): Uint32Array[] {
  const keys: Uint32Array[] = [];
  for (let i = 0; i < N_KEYS; i++) {
    const k = new Uint32Array(KEY_WORDS);
    for (let w = 0; w < KEY_WORDS; w++) k[w] = rand();
    if (i % 2 === 0) {
      const r = rules[rand() % rules.length]!;
      for (let w = 0; w < KEY_WORDS; w++) k[w] = r.key[w]! | (k[w]! & ~r.mask[w]!);
    }
    keys.push(k);
  }
  return keys;
}

function makeCell(rules: number, masks: number) {
  const rand = prng(rules * 131 + masks);
  const rs = makeRules(rand, makeMasks(masks), rules);
  return { rules: rs, keys: makeKeys(rand, rs) };
}

/**
 * The baseline: every rule in one array, sorted by descending priority, each compared over
 * the whole key with an early exit on the first differing word; the first match wins.
 */
class LinearScan {
  private readonly rules: ClassifierRule<number>[];
  constructor(rules: ClassifierRule<number>[]) {
    this.rules = rules.slice().sort((a, b) => b.priority - a.priority);
  }
  lookup(key: Uint32Array): ClassifierRule<number> | null {
    const rules = this.rules;
    for (let r = 0; r < rules.length; r++) {
      const rule = rules[r]!;
      const rk = rule.key;
      const m = rule.mask;
      let i = 0;
      while (i < KEY_WORDS && ((key[i]! ^ rk[i]!) & m[i]!) === 0) i++;
      if (i === KEY_WORDS) return rule;
    }
    return null;
  }
}

// ---- benchmarks -------------------------------------------------------------------------

const lookupName = (impl: string, rules: number, masks: number) =>
  `lookup ${impl} ${rules / 1000}k rules/${masks} masks`;
const WC_CELL = { rules: 10_000, masks: 8 } as const;
const wcName = `lookup classifier+wc ${WC_CELL.rules / 1000}k rules/${WC_CELL.masks} masks`;
const INSERT_REMOVE = { rules: 10_000, masks: 8 } as const;
const insertRemoveName = `insert+remove ${INSERT_REMOVE.rules / 1000}k rules/${INSERT_REMOVE.masks} masks`;

class IntNode implements HashNode<IntNode> {
  hash: number;
  next: IntNode | null;
  readonly key: number;
  constructor(key: number) {
    this.hash = 0;
    this.next = null;
    this.key = key;
  }
}

class WordsNode implements HashNode<WordsNode> {
  hash: number;
  next: WordsNode | null;
  readonly key: Uint32Array;
  constructor(key: Uint32Array) {
    this.hash = 0;
    this.next = null;
    this.key = key;
  }
}

export function register(): void {
  for (const rules of RULE_COUNTS) {
    for (const masks of MASK_COUNTS) {
      mitataSummary(() => {
        group(`classifier lookup, ${rules} rules over ${masks} masks`, () => {
          bench(lookupName("classifier", rules, masks), function* () {
            const { rules: rs, keys } = makeCell(rules, masks);
            const cls = new Classifier<number>(KEY_WORDS);
            for (const r of rs) cls.insert(r);
            let i = 0;
            yield () => {
              i = (i + 1) & (N_KEYS - 1);
              do_not_optimize(cls.lookup(keys[i]!, null));
            };
          });
          bench(lookupName("linear", rules, masks), function* () {
            const { rules: rs, keys } = makeCell(rules, masks);
            const lin = new LinearScan(rs);
            let i = 0;
            yield () => {
              i = (i + 1) & (N_KEYS - 1);
              do_not_optimize(lin.lookup(keys[i]!));
            };
          }).baseline(true);
        });
      });
    }
  }

  group("classifier lookup with megaflow wildcards", () => {
    bench(wcName, function* () {
      const { rules: rs, keys } = makeCell(WC_CELL.rules, WC_CELL.masks);
      const cls = new Classifier<number>(KEY_WORDS);
      for (const r of rs) cls.insert(r);
      // One wc reused without clearing: ORing into it costs the same whatever it holds.
      const wc = new Uint32Array(KEY_WORDS);
      let i = 0;
      yield () => {
        i = (i + 1) & (N_KEYS - 1);
        do_not_optimize(cls.lookup(keys[i]!, wc));
      };
    });
  });

  group("classifier updates", () => {
    bench(insertRemoveName, function* () {
      const { rules } = makeCell(INSERT_REMOVE.rules, INSERT_REMOVE.masks);
      const cls = new Classifier<number>(KEY_WORDS);
      yield () => {
        for (let r = 0; r < rules.length; r++) cls.insert(rules[r]!);
        for (let r = 0; r < rules.length; r++) cls.remove(rules[r]!);
        do_not_optimize(cls.size);
      };
    });
  });

  mitataSummary(() => {
    group(`hash table vs Map: insert ${HT_N} + find ${HT_N}, integer keys`, () => {
      const rand = prng(7);
      const ints = Array.from({ length: HT_N }, () => rand() >>> 1);
      const nodes = ints.map((k) => new IntNode(k));
      bench("HashTable int keys", () => {
        const t = new HashTable<IntNode>();
        for (let i = 0; i < HT_N; i++) {
          const n = nodes[i]!;
          n.hash = hashInt(n.key, 0);
          t.insert(n);
        }
        let found = 0;
        for (let i = 0; i < HT_N; i++) {
          const k = ints[i]!;
          for (let n = t.firstWithHash(hashInt(k, 0)); n !== null; n = t.nextWithHash(n)) {
            if (n.key === k) {
              found++;
              break;
            }
          }
        }
        do_not_optimize(found);
      });
      bench("Map int keys", () => {
        const m = new Map<number, IntNode>();
        for (let i = 0; i < HT_N; i++) m.set(nodes[i]!.key, nodes[i]!);
        let found = 0;
        for (let i = 0; i < HT_N; i++) if (m.get(ints[i]!) !== undefined) found++;
        do_not_optimize(found);
      }).baseline(true);
    });
  });

  mitataSummary(() => {
    group(`hash table vs Map: insert ${HT_N} + find ${HT_N}, 4-word keys`, () => {
      const rand = prng(11);
      const keys = Array.from({ length: HT_N }, () => Uint32Array.of(rand(), rand(), rand(), rand()));
      const nodes = keys.map((k) => new WordsNode(k));
      bench("HashTable 4-word keys", () => {
        const t = new HashTable<WordsNode>();
        for (let i = 0; i < HT_N; i++) {
          const n = nodes[i]!;
          n.hash = hashWords(n.key, 4, 0);
          t.insert(n);
        }
        let found = 0;
        for (let i = 0; i < HT_N; i++) {
          const k = keys[i]!;
          for (let n = t.firstWithHash(hashWords(k, 4, 0)); n !== null; n = t.nextWithHash(n)) {
            const nk = n.key;
            if (nk[0] === k[0] && nk[1] === k[1] && nk[2] === k[2] && nk[3] === k[3]) {
              found++;
              break;
            }
          }
        }
        do_not_optimize(found);
      });
      bench("Map 4-word keys (string key)", () => {
        // What plain JS would do: a Map keyed on the words joined into a string.
        const m = new Map<string, WordsNode>();
        for (let i = 0; i < HT_N; i++) {
          const k = keys[i]!;
          m.set(`${k[0]},${k[1]},${k[2]},${k[3]}`, nodes[i]!);
        }
        let found = 0;
        for (let i = 0; i < HT_N; i++) {
          const k = keys[i]!;
          if (m.get(`${k[0]},${k[1]},${k[2]},${k[3]}`) !== undefined) found++;
        }
        do_not_optimize(found);
      }).baseline(true);
    });
  });
}

// ---- report -----------------------------------------------------------------------------

/** Classifier vs linear scan over this module's random-mask grid (for results/latest.json). */
export function summary(): { grid: { rules: number; masks: number; classifierNs: number; linearNs: number }[] } | null {
  return lastGrid.length === 0 ? null : { grid: lastGrid };
}

let lastGrid: { rules: number; masks: number; classifierNs: number; linearNs: number }[] = [];

function avgNs(trials: readonly Trial[], name: string): number | null {
  for (const t of trials) {
    if (t.alias !== name) continue;
    const stats = t.runs[0]?.stats;
    return stats === undefined ? null : stats.avg;
  }
  return null;
}

const perSec = (ns: number | null, ops = 1) => (ns === null ? NaN : (ops * 1e9) / ns);

function fmtRate(x: number): string {
  if (!Number.isFinite(x)) return "n/a";
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)}k`;
  return x.toFixed(0);
}

const fmtNs = (ns: number | null) => (ns === null ? "n/a" : `${ns.toFixed(0)} ns`);

export function report(trials: readonly Trial[]): void {
  lastGrid = [];
  for (const rules of RULE_COUNTS) {
    for (const masks of MASK_COUNTS) {
      const c = avgNs(trials, lookupName("classifier", rules, masks));
      const l = avgNs(trials, lookupName("linear", rules, masks));
      if (c !== null && l !== null) lastGrid.push({ rules, masks, classifierNs: c, linearNs: l });
    }
  }
  const lines: string[] = [];
  lines.push(`classifier lookup, ${KEY_WORDS}-word keys, ${N_KEYS} keys round-robin (half hit)`);
  lines.push("(linear = rules sorted by priority, whole-key compare with early exit, first match wins)");
  lines.push("rules    masks  classifier/s  linear/s    classifier/linear");
  for (const rules of RULE_COUNTS) {
    for (const masks of MASK_COUNTS) {
      const c = avgNs(trials, lookupName("classifier", rules, masks));
      const l = avgNs(trials, lookupName("linear", rules, masks));
      if (c === null && l === null) continue;
      const ratio = c !== null && l !== null ? `${(l / c).toFixed(0)}x` : "n/a";
      lines.push(
        `${String(rules).padEnd(8)} ${String(masks).padEnd(6)} ${fmtRate(perSec(c)).padEnd(13)} ` +
          `${fmtRate(perSec(l)).padEnd(11)} ${ratio}`,
      );
    }
  }
  const row = (rules: number) =>
    MASK_COUNTS.map((m) => `${m} masks ${fmtNs(avgNs(trials, lookupName("classifier", rules, m)))}`).join(", ");
  const col = (masks: number) =>
    RULE_COUNTS.map((r) => `${r / 1000}k ${fmtNs(avgNs(trials, lookupName("classifier", r, masks)))}`).join(", ");
  lines.push(`cost vs masks (10k rules): ${row(10_000)}`);
  lines.push(`cost vs rules (8 masks):   ${col(8)}`);
  const at = (r: number, m: number) => avgNs(trials, lookupName("classifier", r, m));
  const growth = (a: number | null, b: number | null) => (a === null || b === null ? "n/a" : `x${(b / a).toFixed(1)}`);
  lines.push(
    `lookup cost follows masks, not rules: 1 -> 32 masks (x32) at 10k rules costs ${growth(at(10_000, 1), at(10_000, 32))}; ` +
      `1k -> 10k rules (x10) at 8 masks costs ${growth(at(1_000, 8), at(10_000, 8))}, ` +
      `10k -> 100k rules costs ${growth(at(10_000, 8), at(100_000, 8))} (cache misses, not more probes)`,
  );
  const wcNs = avgNs(trials, wcName);
  if (wcNs !== null) lines.push(`${wcName}: ${fmtRate(perSec(wcNs))} lookups/s`);
  const tc = avgNs(trials, lookupName("classifier", TARGET.rules, TARGET.masks));
  const tl = avgNs(trials, lookupName("linear", TARGET.rules, TARGET.masks));
  if (tc !== null && tl !== null) {
    const ratio = tl / tc;
    lines.push(
      `target: ${TARGET.rules / 1000}k rules/${TARGET.masks} masks classifier/linear = ${ratio.toFixed(0)}x ` +
        `(need >= ${TARGET.ratio}x): ${ratio >= TARGET.ratio ? "met" : "NOT MET"}`,
    );
  }
  const ir = avgNs(trials, insertRemoveName);
  if (ir !== null) {
    lines.push(`${insertRemoveName}: ${fmtRate(perSec(ir, 2 * INSERT_REMOVE.rules))} ops/s`);
  }
  for (const [ours, theirs] of [
    ["HashTable int keys", "Map int keys"],
    ["HashTable 4-word keys", "Map 4-word keys (string key)"],
  ] as const) {
    const a = avgNs(trials, ours);
    const b = avgNs(trials, theirs);
    if (a === null || b === null) continue;
    lines.push(
      `${ours}: ${fmtRate(perSec(a, 2 * HT_N))} ops/s vs ${theirs}: ${fmtRate(perSec(b, 2 * HT_N))} ops/s ` +
        `(${(b / a).toFixed(2)}x)`,
    );
  }
  console.log(`\n${lines.join("\n")}`);
}
