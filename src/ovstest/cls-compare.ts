/*
 * The checks of OVS's tests/test-classifier.c, run on a classifier under test against the
 * reference (tcls.ts): compare_classifiers (random lookups, both answers equal) and
 * check_tables (counts and structure, as far as ovsim's classifier shows them).
 *
 * compareClassifiers draws `CONFIDENCE` lookup flows, then one flow per reference rule that
 * the rule matches (an addition to OVS's test, whose random flows seldom hit a rule exact on
 * all thirteen fields), and checks, for each, that the
 * classifier and the linear scan find the same rule (same match, priority and aux) or both
 * none, that a lookup with megaflow tracking (`wc`) and one without agree, and that `wc`
 * covers the found rule's mask (a megaflow narrower than the rule would be unsound; OVS's
 * test leaves this one out). A difference throws ClassifierCheckError naming the step and
 * the differing lookup.
 */

import type { ClassifierRule } from "../flowtable/classifier.js";
import type { PrefixField } from "../flowtable/cls-tries.js";
import { OvsimError } from "../flowtable/errors.js";
import { FLOW_WORDS } from "../flowtable/flow-layout.js";
import { flowKey, N_FLOW_VALUES, patternText } from "./cls-fields.js";
import type { TestRandom } from "./random.js";
import type { Tcls, TestRule } from "./tcls.js";
import { sameRule } from "./tcls.js";

/** Lookups per comparison (OVS's `confidence`). */
export const CONFIDENCE = 500;

/** What test-classifier needs of a classifier: the part of ovsim's Classifier it exercises. */
export interface ClassifierUnderTest {
  readonly size: number;
  readonly nSubtables: number;
  setPrefixFields(fields: readonly PrefixField[]): boolean;
  insert(rule: ClassifierRule<TestRule>): ClassifierRule<TestRule> | null;
  remove(rule: ClassifierRule<TestRule>): boolean;
  lookup(key: Uint32Array, wc: Uint32Array | null): ClassifierRule<TestRule> | null;
  findExactly(key: Uint32Array, mask: Uint32Array, priority: number): ClassifierRule<TestRule> | null;
  rules(): IterableIterator<ClassifierRule<TestRule>>;
}

/** A check of test-classifier failed: the message names the step and what differed. */
export class ClassifierCheckError extends OvsimError {
  readonly code = "CLASSIFIER_CHECK";
}

/** A test rule as text: `priority=N,aux=N,field=value,...`. */
export function ruleText(r: TestRule | null): string {
  return r === null ? "no rule" : `priority=${r.priority},aux=${r.aux},${patternText(r.wild, r.pat)}`;
}

function fail(step: string, what: string): never {
  throw new ClassifierCheckError(`${step}: ${what}`);
}

const wc = new Uint32Array(FLOW_WORDS);

/** OVS's compare_classifiers: CONFIDENCE random lookups, each answered alike by both. */
export function compareClassifiers(cls: ClassifierUnderTest, tcls: Tcls, random: TestRandom, step: string): void {
  if (cls.size !== tcls.size) fail(step, `classifier holds ${cls.size} rules, the linear scan ${tcls.size}`);
  const rules = tcls.rules;
  for (let i = 0; i < CONFIDENCE + rules.length; i++) {
    // After OVS's random flows, one flow each reference rule matches (its wildcarded fields
    // random): random flows alone miss a rule exact on many fields most of the time.
    const r = i < CONFIDENCE ? null : rules[i - CONFIDENCE]!;
    const x = r === null ? random.range(N_FLOW_VALUES) : r.pat | (random.range(N_FLOW_VALUES) & r.wild);
    const key = flowKey(x);
    wc.fill(0);
    const cr0 = cls.lookup(key, wc);
    const want = tcls.lookup(x);
    const got = cr0 === null ? null : cr0.value;
    if ((got === null) !== (want === null) || (got !== null && want !== null && (!sameRule(got, want) || got.aux !== want.aux))) {
      fail(step, `lookup of ${patternText(0, x)}: classifier found ${ruleText(got)}, the linear scan ${ruleText(want)}`);
    }
    if (cr0 !== null) {
      const mask = cr0.mask;
      for (let w = 0; w < FLOW_WORDS; w++) {
        if ((mask[w]! & ~wc[w]!) !== 0) fail(step, `lookup of ${patternText(0, x)}: the megaflow mask misses bits of the found rule's mask (word ${w}: mask 0x${mask[w]!.toString(16)}, wc 0x${wc[w]!.toString(16)})`);
      }
    }
    const cr2 = cls.lookup(key, null);
    if (cr2 !== cr0) fail(step, `lookup of ${patternText(0, x)}: without wildcards the classifier found ${ruleText(cr2 === null ? null : cr2.value)}, with them ${ruleText(got)}`);
  }
}

/**
 * OVS's check_tables, on what ovsim's classifier shows: `nTables` subtables holding rules
 * (-1: any), `nRules` rules (-1: any), `nDups` rules hidden under an equal match of higher
 * priority (-1: any); and always: as many subtables as distinct masks in the reference, as
 * many rules iterated as counted, each found again by findExactly.
 */
export function checkTables(cls: ClassifierUnderTest, tcls: Tcls, nTables: number, nRules: number, nDups: number, step: string): void {
  if (nTables >= 0 && cls.nSubtables !== nTables) fail(step, `classifier has ${cls.nSubtables} subtables, expected ${nTables}`);
  if (cls.nSubtables !== tcls.nMasks()) fail(step, `classifier has ${cls.nSubtables} subtables for ${tcls.nMasks()} distinct masks`);
  if (nRules >= 0 && cls.size !== nRules) fail(step, `classifier counts ${cls.size} rules, expected ${nRules}`);
  let found = 0;
  const lists = new Map<string, number>();
  for (const rule of cls.rules()) {
    found++;
    const key = rule.key;
    if (cls.findExactly(key, rule.mask, rule.priority) !== rule) fail(step, `rule ${ruleText(rule.value)} is not found exactly`);
    const list = `${key.join(",")}/${rule.mask.join(",")}`;
    lists.set(list, (lists.get(list) ?? 0) + 1);
  }
  if (found !== cls.size) fail(step, `classifier iterates ${found} rules but counts ${cls.size}`);
  let dups = 0;
  for (const n of lists.values()) dups += n - 1;
  const wantDups = nDups >= 0 ? nDups : tcls.dups();
  if (dups !== wantDups) fail(step, `classifier has ${dups} rules under an equal match of higher priority, expected ${wantDups}`);
}
