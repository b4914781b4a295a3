/*
 * The reference of OVS's tests/test-classifier.c: a trivial classifier (OVS's `tcls`) that
 * keeps its rules in one array, priority descending, and answers a lookup by a linear scan
 * for the first rule that matches. It reads rules in the abstract form of cls-fields.ts
 * (which fields are wildcarded, which value each other field has) and shares no code with
 * ovsim's classifier, key layout or match code, so that the two can be compared.
 */

import { ALL_FIELDS } from "./cls-fields.js";

/** A test rule (OVS's `struct test_rule`): an abstract match, a priority and an auxiliary number. */
export interface TestRule {
  /** The fields the rule wildcards (bit i: CLS_FIELDS[i]). */
  readonly wild: number;
  /** For each matched field, which of its two values (bits of wildcarded fields are 0). */
  readonly pat: number;
  readonly priority: number;
  /** Tells apart rules with equal matches (OVS's `aux`). */
  readonly aux: number;
}

/** A rule of `wild` and `pat` (bits of wildcarded fields dropped), at `priority`. */
export function testRule(wild: number, pat: number, priority: number, aux = 0): TestRule {
  return { wild: wild & ALL_FIELDS, pat: pat & ~wild & ALL_FIELDS, priority, aux };
}

/** OVS's cls_rule_equal: same match and priority (aux aside). */
export function sameRule(a: TestRule, b: TestRule): boolean {
  return a.wild === b.wild && a.pat === b.pat && a.priority === b.priority;
}

/** Whether `rule` matches lookup flow `x` (a 13-bit value pattern). */
export function ruleMatches(rule: TestRule, x: number): boolean {
  return ((x ^ rule.pat) & ~rule.wild & ALL_FIELDS) === 0;
}

export class Tcls {
  /** The rules, priority descending; among equal priorities, in insertion order. */
  readonly rules: TestRule[] = [];

  get size(): number {
    return this.rules.length;
  }

  /** Adds `rule`, replacing a rule equal to it (OVS's tcls_insert). */
  insert(rule: TestRule): void {
    let i = 0;
    for (; i < this.rules.length; i++) {
      const pos = this.rules[i]!;
      if (sameRule(pos, rule)) {
        this.rules[i] = rule;
        return;
      }
      if (pos.priority < rule.priority) break;
    }
    this.rules.splice(i, 0, rule);
  }

  /** Removes `rule` (by identity); it must be present. */
  remove(rule: TestRule): void {
    const i = this.rules.indexOf(rule);
    if (i < 0) throw new Error("tcls: removing a rule it does not hold");
    this.rules.splice(i, 1);
  }

  /** The first (highest-priority) rule matching flow `x`, or null. */
  lookup(x: number): TestRule | null {
    for (const r of this.rules) if (ruleMatches(r, x)) return r;
    return null;
  }

  /**
   * Removes every rule that `target` selects loosely (OVS's tcls_delete_matches): a rule that
   * matches at least the fields `target` matches, with `target`'s values on them.
   */
  deleteMatches(target: TestRule): void {
    for (let i = 0; i < this.rules.length; ) {
      const r = this.rules[i]!;
      const covers = (r.wild & ~target.wild) === 0;
      if (covers && ((r.pat ^ target.pat) & ~target.wild & ALL_FIELDS) === 0) this.rules.splice(i, 1);
      else i++;
    }
  }

  /** Number of rules hidden in a list under an equal match of higher priority (OVS's "dups"). */
  dups(): number {
    const seen = new Set<number>();
    let n = 0;
    for (const r of this.rules) {
      const k = r.wild * (ALL_FIELDS + 1) + r.pat;
      if (seen.has(k)) n++;
      else seen.add(k);
    }
    return n;
  }

  /** Number of distinct masks (sets of wildcarded fields): the subtables a classifier needs. */
  nMasks(): number {
    return new Set(this.rules.map((r) => r.wild)).size;
  }
}
