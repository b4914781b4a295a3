/*
 * `ovstest test-classifier SUBCOMMAND`: OVS's tests/test-classifier.c run on ovsim's
 * classifier (src/flowtable/classifier.ts), as an OpenFlow table uses it (compact keys,
 * ip_dst and ip_src prefix tries).
 *
 * Each subcommand builds rules over thirteen fields with two values each (cls-fields.ts),
 * inserts, replaces and removes them in the classifier and in a linear-scan reference
 * (tcls.ts), and after every step compares random lookups and the classifier's counts
 * (cls-compare.ts). It returns normally when every check holds, as OVS's program exits 0
 * silently, and throws ClassifierCheckError naming the step and the differing lookup when
 * one does not. The sequence of rules, priorities and lookup flows is OVS's, drawn from a
 * seeded generator (random.ts), so a failure repeats.
 *
 * Versions. OVS's classifier keeps each rule's range of visible versions (for atomic
 * bundles: a rule added in version N, marked invisible from version M); `--versioned` makes
 * the many-rules subcommands replace and remove rules that way. ovsim's classifier has no
 * versions (its header: "What may change"), and no other part of ovsim has such visibility,
 * so those runs fail with VersionsNotModelled rather than check something else.
 *
 * destroy-null checks that OVS's classifier_destroy(NULL) is harmless; ovsim's classifier is
 * garbage-collected and has no destroy, so it has nothing to check and succeeds.
 */

import { Classifier, ClassifierRule, MAX_RULE_PRIORITY } from "../flowtable/classifier.js";
import { OvsimError } from "../flowtable/errors.js";
import { FLOW_WORDS } from "../flowtable/flow-layout.js";
import { isLooseMatch } from "../flowtable/flow-tables.js";
import { hashInt } from "../flowtable/hash.js";
import { Match } from "../flowtable/match.js";
import { DEFAULT_PREFIX_FIELDS } from "../flowtable/prefix-fields.js";
import type { ClassifierUnderTest } from "./cls-compare.js";
import { checkTables, ClassifierCheckError, compareClassifiers, ruleText } from "./cls-compare.js";
import { ALL_FIELDS, ruleWords } from "./cls-fields.js";
import { TestRandom } from "./random.js";
import type { TestRule } from "./tcls.js";
import { Tcls, testRule } from "./tcls.js";

/** `--versioned` asked for rule versions, which ovsim's classifier does not have. */
export class VersionsNotModelled extends OvsimError {
  readonly code = "VERSIONS_NOT_MODELLED";
}

export interface TestClassifierOptions {
  /** OVS's `--versioned`. */
  readonly versioned?: boolean;
  /** The classifier to test; default: ovsim's, as an OpenFlow table configures it. */
  readonly makeClassifier?: () => ClassifierUnderTest;
  /** Seed of the generator. */
  readonly seed?: number;
}

type Rule = ClassifierRule<TestRule>;

/** A test run's state: the classifier factory and the generator. */
interface Ctx {
  readonly make: () => ClassifierUnderTest;
  readonly random: TestRandom;
  readonly versioned: boolean;
}

/** OVS's OFP_DEFAULT_PRIORITY. */
const OFP_DEFAULT_PRIORITY = 0x8000;

/** OVS's make_rule: a rule wildcarding `wild`, matching the rest with the values `pat` picks; priority 0 when it wildcards nothing. */
function makeRule(wild: number, priority: number, pat: number, aux = 0): Rule {
  const t = testRule(wild, pat, wild !== 0 ? Math.min(priority, MAX_RULE_PRIORITY) : 0, aux);
  const { key, mask } = ruleWords(t.wild, t.pat);
  return new ClassifierRule(key, mask, t.priority, t);
}

function newClassifier(ctx: Ctx): ClassifierUnderTest {
  const cls = ctx.make();
  cls.setPrefixFields(DEFAULT_PREFIX_FIELDS);
  return cls;
}

function mustRemove(cls: ClassifierUnderTest, rule: Rule, step: string): void {
  if (!cls.remove(rule)) throw new ClassifierCheckError(`${step}: removing ${ruleText(rule.value)} found no such rule in the classifier`);
}

function noVersions(ctx: Ctx, command: string): void {
  if (ctx.versioned) {
    throw new VersionsNotModelled(
      `--versioned ${command}: ovsim's classifier has no rule versions (OVS's visibility of a rule from one version to another, for bundles), so there is nothing to check`,
    );
  }
}

function testEmpty(ctx: Ctx): void {
  const cls = newClassifier(ctx);
  const tcls = new Tcls();
  if (cls.size !== 0) throw new ClassifierCheckError(`empty: a new classifier counts ${cls.size} rules`);
  compareClassifiers(cls, tcls, ctx.random, "empty");
}

function testSingleRule(ctx: Ctx): void {
  for (let wild = 0; wild <= ALL_FIELDS; wild++) {
    const rule = makeRule(wild, hashInt(wild, 0) & MAX_RULE_PRIORITY, 0);
    const cls = newClassifier(ctx);
    const tcls = new Tcls();
    tcls.insert(rule.value);
    const step = `single rule ${ruleText(rule.value)}`;
    const displaced = cls.insert(rule);
    if (displaced !== null) throw new ClassifierCheckError(`${step}: inserting into an empty classifier displaced ${ruleText(displaced.value)}`);
    compareClassifiers(cls, tcls, ctx.random, `${step}, inserted`);
    checkTables(cls, tcls, 1, 1, 0, `${step}, inserted`);
    mustRemove(cls, rule, step);
    tcls.remove(rule.value);
    compareClassifiers(cls, tcls, ctx.random, `${step}, removed`);
    checkTables(cls, tcls, 0, 0, 0, `${step}, removed`);
  }
}

function testRuleReplacement(ctx: Ctx): void {
  for (let wild = 0; wild <= ALL_FIELDS; wild++) {
    const rule1 = makeRule(wild, OFP_DEFAULT_PRIORITY, ALL_FIELDS);
    const rule2 = makeRule(wild, OFP_DEFAULT_PRIORITY, ALL_FIELDS, 10);
    const cls = newClassifier(ctx);
    let tcls = new Tcls();
    tcls.insert(rule1.value);
    const step = `replacing ${ruleText(rule1.value)}`;
    cls.insert(rule1);
    compareClassifiers(cls, tcls, ctx.random, `${step}, first rule inserted`);
    checkTables(cls, tcls, 1, 1, 0, `${step}, first rule inserted`);
    tcls = new Tcls();
    tcls.insert(rule2.value);
    const displaced = cls.insert(rule2);
    if (displaced !== rule1) {
      throw new ClassifierCheckError(`${step}: inserting an equal rule (aux=10) displaced ${displaced === null ? "no rule" : ruleText(displaced.value)}, not the first`);
    }
    compareClassifiers(cls, tcls, ctx.random, `${step}, replaced`);
    checkTables(cls, tcls, 1, 1, 0, `${step}, replaced`);
    mustRemove(cls, rule2, step);
  }
}

/** Steps `a` to its next permutation in lexicographic order; false after the last. */
function nextPermutation(a: number[]): boolean {
  for (let k = a.length - 2; k >= 0; k--) {
    if (a[k]! < a[k + 1]!) {
      let l = a.length - 1;
      while (a[l]! <= a[k]!) l--;
      [a[k], a[l]] = [a[l]!, a[k]!];
      const tail = a.splice(k + 1).reverse();
      a.push(...tail);
      return true;
    }
  }
  return false;
}

function testManyRulesInOneList(ctx: Ctx): void {
  noVersions(ctx, "many-rules-in-one-list");
  const N_RULES = 3;
  for (let nPris = N_RULES; nPris >= 1; nPris--) {
    const pris = [0];
    for (let i = 1; i < N_RULES; i++) pris.push(pris[i - 1]! + (nPris > i ? 1 : 0));
    const ops = Array.from({ length: N_RULES * 2 }, (_, i) => i >> 1);
    let nPermutations = 0;
    do {
      nPermutations++;
      const rules = pris.map((p) => makeRule(456, p, 0));
      const inTcls = rules.map(() => false);
      const priRules = rules.map(() => -1);
      const cls = newClassifier(ctx);
      const tcls = new Tcls();
      for (let i = 0; i < ops.length; i++) {
        const j = ops[i]!;
        const rule = rules[j]!;
        const step = `rules of priorities ${pris.join(",")}, operations ${ops.join(",")}, operation ${i + 1} (${inTcls[j] ? "remove" : "insert"} rule ${j}, priority ${rule.priority})`;
        if (!inTcls[j]) {
          tcls.insert(rule.value);
          inTcls[j] = true;
          const displaced = cls.insert(rule);
          const k = priRules[pris[j]!]!;
          if (k >= 0) {
            if (displaced === null || displaced === rule || displaced.priority !== pris[j]) {
              throw new ClassifierCheckError(`${step}: expected to displace rule ${k}, displaced ${displaced === null ? "none" : ruleText(displaced.value)}`);
            }
            inTcls[k] = false;
          } else if (displaced !== null) {
            throw new ClassifierCheckError(`${step}: displaced ${ruleText(displaced.value)}, expected none`);
          }
          priRules[pris[j]!] = j;
        } else {
          mustRemove(cls, rule, step);
          tcls.remove(rule.value);
          inTcls[j] = false;
          priRules[pris[j]!] = -1;
        }
        compareClassifiers(cls, tcls, ctx.random, step);
        const n = inTcls.filter((b) => b).length;
        checkTables(cls, tcls, n > 0 ? 1 : 0, n, Math.max(n - 1, 0), step);
      }
    } while (nextPermutation(ops));
    // 6! / 2^3 orders of two operations on each of three rules.
    if (nPermutations !== 90) throw new ClassifierCheckError(`many-rules-in-one-list: ${nPermutations} permutations, expected 90`);
  }
}

function countOnes(x: number): number {
  let n = 0;
  for (; x !== 0; x &= x - 1) n++;
  return n;
}

function testManyRulesInOneTable(ctx: Ctx): void {
  noVersions(ctx, "many-rules-in-one-table");
  const N_RULES = 20;
  for (let iteration = 0; iteration < 50; iteration++) {
    let wcf: number;
    let valueMask: number;
    do {
      wcf = ctx.random.uint32() & ALL_FIELDS;
      valueMask = ~wcf & ALL_FIELDS;
    } while (1 << countOnes(valueMask) < N_RULES);
    const cls = newClassifier(ctx);
    const tcls = new Tcls();
    const rules: Rule[] = [];
    const pats: number[] = [];
    for (let i = 0; i < N_RULES; i++) {
      const priority = ctx.random.range(MAX_RULE_PRIORITY);
      let pat: number;
      do pat = ctx.random.uint32() & valueMask;
      while (pats.includes(pat));
      pats.push(pat);
      const rule = makeRule(wcf, priority, pat);
      rules.push(rule);
      tcls.insert(rule.value);
      const step = `iteration ${iteration}, inserted rule ${i} (${ruleText(rule.value)})`;
      const displaced = cls.insert(rule);
      if (displaced !== null) throw new ClassifierCheckError(`${step}: displaced ${ruleText(displaced.value)}`);
      compareClassifiers(cls, tcls, ctx.random, step);
      checkTables(cls, tcls, 1, i + 1, 0, step);
    }
    for (let i = 0; i < N_RULES; i++) {
      const rule = rules[i]!;
      const step = `iteration ${iteration}, removed rule ${i} (${ruleText(rule.value)})`;
      tcls.remove(rule.value);
      mustRemove(cls, rule, step);
      compareClassifiers(cls, tcls, ctx.random, step);
      checkTables(cls, tcls, i < N_RULES - 1 ? 1 : 0, N_RULES - (i + 1), 0, step);
    }
  }
}

function testManyRulesInNTables(ctx: Ctx, nTables: number, command: string): void {
  noVersions(ctx, command);
  const MAX_RULES = 50;
  const wcfs: number[] = [];
  for (let i = 0; i < nTables; i++) {
    let w: number;
    do w = ctx.random.uint32() & ALL_FIELDS;
    while (wcfs.includes(w));
    wcfs.push(w);
  }
  for (let iteration = 0; iteration < 30; iteration++) {
    ctx.random.setSeed(iteration + 1);
    const priorities = Array.from({ length: MAX_RULES }, (_, i) => (i * 129) & MAX_RULE_PRIORITY);
    ctx.random.shuffle(priorities);
    const cls = newClassifier(ctx);
    const tcls = new Tcls();
    for (let i = 0; i < MAX_RULES; i++) {
      const wcf = wcfs[ctx.random.range(nTables)]!;
      const pat = ctx.random.uint32() & ALL_FIELDS;
      const rule = makeRule(wcf, priorities[i]!, pat);
      tcls.insert(rule.value);
      const step = `iteration ${iteration}, inserted rule ${i} (${ruleText(rule.value)})`;
      const displaced = cls.insert(rule);
      if (displaced !== null) throw new ClassifierCheckError(`${step}: displaced ${ruleText(displaced.value)}`);
      compareClassifiers(cls, tcls, ctx.random, step);
      checkTables(cls, tcls, -1, i + 1, -1, step);
    }
    while (cls.size > 0) {
      const picked = tcls.rules[ctx.random.range(tcls.size)];
      if (picked === undefined) throw new ClassifierCheckError(`iteration ${iteration}: classifier holds ${cls.size} rules, the linear scan none`);
      const target = { ...picked };
      const { key, mask } = ruleWords(target.wild, target.pat);
      const criteria = new Match(key, mask);
      const step = `iteration ${iteration}, removed the rules that ${ruleText(target)} selects`;
      // OVS's CLS_FOR_EACH_TARGET, as ovsim's OpenFlow tables select rules loosely.
      const selected = [...cls.rules()].filter((r) => isLooseMatch(new Match(r.key, r.mask), criteria));
      for (const r of selected) mustRemove(cls, r, step);
      tcls.deleteMatches(target);
      compareClassifiers(cls, tcls, ctx.random, step);
      checkTables(cls, tcls, -1, -1, -1, step);
    }
  }
}

/** The subcommands of OVS's test-classifier that ovsim runs, in OVS's order. */
const COMMANDS: ReadonlyMap<string, (ctx: Ctx) => void> = new Map([
  ["empty", testEmpty],
  ["destroy-null", () => {}],
  ["single-rule", testSingleRule],
  ["rule-replacement", testRuleReplacement],
  ["many-rules-in-one-list", testManyRulesInOneList],
  ["many-rules-in-one-table", testManyRulesInOneTable],
  ["many-rules-in-two-tables", (ctx: Ctx) => testManyRulesInNTables(ctx, 2, "many-rules-in-two-tables")],
  ["many-rules-in-five-tables", (ctx: Ctx) => testManyRulesInNTables(ctx, 5, "many-rules-in-five-tables")],
]);

/** OVS's subcommands that test its miniflow / minimask representation, which ovsim does not have. */
export const MINIFLOW_COMMANDS: readonly string[] = ["miniflow", "minimask_has_extra", "minimask_combine"];

/** Whether ovsim runs `command` of test-classifier. */
export function isTestClassifierCommand(command: string): boolean {
  return COMMANDS.has(command);
}

/** Every subcommand name ovsim runs, in OVS's order. */
export function testClassifierCommands(): readonly string[] {
  return [...COMMANDS.keys()];
}

/**
 * Runs subcommand `command`; returns when every check holds, throws ClassifierCheckError
 * (a check failed) or VersionsNotModelled (`versioned` for a subcommand that uses versions).
 */
export function runTestClassifier(command: string, options: TestClassifierOptions = {}): void {
  const run = COMMANDS.get(command);
  if (run === undefined) throw new RangeError(`unknown test-classifier command ${command}`);
  const ctx: Ctx = {
    make: options.makeClassifier ?? (() => new Classifier<TestRule>(FLOW_WORDS, { compactKeys: true })),
    random: new TestRandom(options.seed ?? 1),
    versioned: options.versioned ?? false,
  };
  run(ctx);
}
