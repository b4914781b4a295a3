/*
 * Lookup with conjunctive matches (OVS's classifier_lookup__ with allow_conjunctive_matches,
 * lib/classifier.c), on the classifier's own main loop (Classifier.scan), so that a table
 * holding conjunction flows un-wildcards what OVS's does: the subtables probed, staged and
 * narrowed by the prefix tries, as in any lookup.
 *
 * A *soft* rule (one whose actions are only `conjunction(id,k/n)`) says "clause k of
 * conjunction id holds", not "use me". The main loop keeps the best *hard* (ordinary) match
 * and collects soft matches; only hard matches raise the priority below which subtables are
 * not probed. If some soft match is above the hard one, the soft match loop takes the
 * highest soft priority P: when, among the soft matches at P, every clause of some
 * conjunction id is matched, the table is looked up again with conj_id = id and soft rules
 * ignored, and a rule found there wins. Otherwise each soft match at P drops to the next
 * lower-priority rule with the same match (a hard one competes with the hard match) and the
 * loop goes on.
 */

import type { Classifier, ClassifierRule } from "./classifier.js";

/** One `conjunction(id, clause/nClauses)` of a soft rule (clause 1-based, as written). */
export interface Conjunction {
  readonly id: number;
  readonly clause: number;
  readonly nClauses: number;
}

/** A rule's conjunctions, or null for a hard rule. */
export type ConjunctionsOf<T> = (value: T) => readonly Conjunction[] | null;

/**
 * OVS's find_conjunctive_match: records the clauses `conjs` satisfies in `matches` (id ->
 * bits of the clauses seen, with the bits past nClauses already set) and returns a
 * conjunction id whose clauses are now all matched, or null. `maxClauses` is the number of
 * soft matches at this priority: a conjunction with more clauses cannot be complete.
 */
function findConjunctiveMatch(conjs: readonly Conjunction[], maxClauses: number, matches: Map<number, bigint>): number | null {
  if (maxClauses < Math.min(...conjs.map((c) => c.nClauses))) return null;
  const all = (1n << 64n) - 1n;
  for (const c of conjs) {
    if (c.nClauses > maxClauses) continue;
    const seen = matches.get(c.id) ?? ((all << BigInt(c.nClauses & 63)) & all);
    const now = seen | (1n << BigInt(c.clause - 1));
    matches.set(c.id, now);
    if (now === all) return c.id;
  }
  return null;
}

/**
 * The highest-priority rule of `cls` matching `key` under conjunctive match semantics, or
 * null; ORs into `wc` what the answer depended on. `conjIdWord` is the key word of conj_id,
 * which the lookup sets (and restores) for its inner lookups.
 */
export function lookupConjunctive<T>(
  cls: Classifier<T>,
  key: Uint32Array,
  wc: Uint32Array | null,
  conjunctionsOf: ConjunctionsOf<T>,
  conjIdWord: number,
  allowConjunctive = true,
): ClassifierRule<T> | null {
  let hard: ClassifierRule<T> | null = null;
  let hardPri = -1;
  const soft: (ClassifierRule<T> | null)[] = [];
  let softPri = -1;
  cls.scan(key, wc, -1, (rule) => {
    if (conjunctionsOf(rule.value) === null) {
      hard = rule;
      hardPri = rule.priority;
    } else if (allowConjunctive) {
      soft.push(rule);
      softPri = Math.max(softPri, rule.priority);
    }
    return hardPri;
  });
  if (hardPri >= softPri) return hard;

  for (;;) {
    // Forget soft matches that are gone or not above the hard match (swap-remove, as OVS).
    for (let i = 0; i < soft.length; ) {
      const s = soft[i]!;
      if (s === null || s.priority <= hardPri) {
        soft[i] = soft[soft.length - 1]!;
        soft.pop();
      } else {
        i++;
      }
    }
    if (soft.length === 0) break;
    softPri = -1;
    let nSoftPri = 0;
    for (const s of soft) {
      if (s!.priority > softPri) {
        softPri = s!.priority;
        nSoftPri = 1;
      } else if (s!.priority === softPri) {
        nSoftPri++;
      }
    }
    // A real match among the highest-priority soft matches?
    const matches = new Map<number, bigint>();
    for (const s of soft) {
      if (s!.priority !== softPri) continue;
      const id = findConjunctiveMatch(conjunctionsOf(s!.value)!, nSoftPri, matches);
      if (id === null) continue;
      const saved = key[conjIdWord]!;
      key[conjIdWord] = id;
      const rule = lookupConjunctive(cls, key, wc, conjunctionsOf, conjIdWord, false);
      key[conjIdWord] = saved;
      if (rule !== null) return rule;
    }
    // None: each soft match at that priority drops to its next lower rule with the same match.
    for (let i = 0; i < soft.length; i++) {
      const s = soft[i]!;
      if (s.priority !== softPri) continue;
      const next = s.lower;
      if (next !== null && conjunctionsOf(next.value) === null) {
        if (next.priority > hardPri) {
          hard = next;
          hardPri = next.priority;
        }
        soft[i] = null;
      } else {
        soft[i] = next;
      }
    }
  }
  return hard;
}
