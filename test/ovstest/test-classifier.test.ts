/**
 * `ovstest test-classifier` (src/ovstest/test-classifier.ts): ovsim's classifier passes OVS's
 * checks, and the checks are not vacuous: each planted bug below (a classifier wrapper that
 * answers a lower-priority match, probes one subtable only, forgets removals, keeps a displaced rule, or answers
 * differently with megaflow tracking) makes the command fail, naming the step and the
 * differing lookup. The slow subcommands (single-rule, rule-replacement, the n-tables ones)
 * run on the real classifier in the converted OVS tests (fixtures/ovs-tests/classifier/).
 */
import { describe, expect, it } from "vitest";
import { Classifier } from "../../src/flowtable/classifier.js";
import type { ClassifierRule } from "../../src/flowtable/classifier.js";
import type { PrefixField } from "../../src/flowtable/cls-tries.js";
import { FLOW_WORDS } from "../../src/flowtable/flow-layout.js";
import type { ClassifierUnderTest } from "../../src/ovstest/cls-compare.js";
import { ClassifierCheckError } from "../../src/ovstest/cls-compare.js";
import { runTestClassifier, VersionsNotModelled } from "../../src/ovstest/test-classifier.js";
import type { TestRule } from "../../src/ovstest/tcls.js";
import { runLine } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";

type Rule = ClassifierRule<TestRule>;

/** ovsim's classifier behind the interface test-classifier uses; subclasses plant bugs. */
class Wrapped implements ClassifierUnderTest {
  readonly inner = new Classifier<TestRule>(FLOW_WORDS, { compactKeys: true });
  get size(): number {
    return this.inner.size;
  }
  get nSubtables(): number {
    return this.inner.nSubtables;
  }
  setPrefixFields(fields: readonly PrefixField[]): boolean {
    return this.inner.setPrefixFields(fields);
  }
  insert(rule: Rule): Rule | null {
    return this.inner.insert(rule);
  }
  remove(rule: Rule): boolean {
    return this.inner.remove(rule);
  }
  lookup(key: Uint32Array, wc: Uint32Array | null): Rule | null {
    return this.inner.lookup(key, wc);
  }
  findExactly(key: Uint32Array, mask: Uint32Array, priority: number): Rule | null {
    return this.inner.findExactly(key, mask, priority);
  }
  rules(): IterableIterator<Rule> {
    return this.inner.rules();
  }
}

function matches(rule: Rule, key: Uint32Array): boolean {
  const k = rule.key;
  const m = rule.mask;
  return k.every((w, i) => ((key[i]! & m[i]!) >>> 0) === w);
}

/** Bug: answers the lowest-priority matching rule instead of the highest. */
class LowerPriority extends Wrapped {
  override lookup(key: Uint32Array, wc: Uint32Array | null): Rule | null {
    const best = this.inner.lookup(key, wc);
    let low = best;
    for (const r of this.inner.rules()) if (matches(r, key) && low !== null && r.priority < low.priority) low = r;
    return low;
  }
}

/** Bug: probes only the first subtable (the rules of the first mask in lookup order). */
class FirstSubtableOnly extends Wrapped {
  override lookup(key: Uint32Array, wc: Uint32Array | null): Rule | null {
    this.inner.lookup(key, wc);
    let first: Uint32Array | null = null;
    let best: Rule | null = null;
    for (const r of this.inner.rules()) {
      first ??= r.mask;
      if (!r.mask.every((w, i) => w === first![i])) break;
      if (matches(r, key) && (best === null || r.priority > best.priority)) best = r;
    }
    return best;
  }
}

/** Bug: remove says yes but keeps the rule. */
class ForgetfulRemove extends Wrapped {
  override remove(rule: Rule): boolean {
    return this.inner.findExactly(rule.key, rule.mask, rule.priority) === rule;
  }
}

/** Bug: an equal rule does not displace the one present (the new one is dropped). */
class NoReplace extends Wrapped {
  override insert(rule: Rule): Rule | null {
    const old = this.inner.findExactly(rule.key, rule.mask, rule.priority);
    return old !== null ? old : this.inner.insert(rule);
  }
}

/** Bug: without megaflow tracking, lookups skip rules of priority 0. */
class PlainSkipsLowest extends Wrapped {
  override lookup(key: Uint32Array, wc: Uint32Array | null): Rule | null {
    const r = this.inner.lookup(key, wc);
    return wc === null && r !== null && r.priority === 0 ? null : r;
  }
}

function failureOf(command: string, make: () => ClassifierUnderTest): string {
  try {
    runTestClassifier(command, { makeClassifier: make });
  } catch (e) {
    expect(e).toBeInstanceOf(ClassifierCheckError);
    return (e as Error).message;
  }
  return "passed";
}

describe("ovstest test-classifier on ovsim's classifier", () => {
  it("passes empty, destroy-null, many-rules-in-one-list and many-rules-in-one-table", () => {
    for (const c of ["empty", "destroy-null", "many-rules-in-one-list", "many-rules-in-one-table"]) {
      expect(() => runTestClassifier(c)).not.toThrow();
    }
  }, 120_000);

  it("passes through a wrapper that changes nothing (the planted bugs below are what fails)", () => {
    expect(failureOf("many-rules-in-one-list", () => new Wrapped())).toBe("passed");
  }, 60_000);

  it("is answered by runLine as OVS's program: no output, status 0", () => {
    const r = runLine(new Switch(), "ovstest test-classifier empty");
    expect(r).toEqual({ ok: true, stdout: [], stderr: [] });
  });
});

describe("ovstest test-classifier catches planted bugs", () => {
  it("a lower-priority match: names the step and both answers", () => {
    const m = failureOf("many-rules-in-one-list", () => new LowerPriority());
    expect(m).toMatch(/^rules of priorities .*, operation \d+ \(insert rule \d, priority \d\): lookup of tun_id=.*: classifier found priority=(\d),aux=0,.*, the linear scan priority=(?!\1)\d,aux=0,/);
  });

  it("a lookup that stops at the first subtable, in many rules over two masks", () => {
    expect(failureOf("many-rules-in-two-tables", () => new FirstSubtableOnly())).toMatch(/^iteration \d+, inserted rule \d+ .*: lookup of .*: classifier found no rule, the linear scan priority=\d+,aux=0,/);
  });

  it("a removal that does not remove", () => {
    expect(failureOf("many-rules-in-one-table", () => new ForgetfulRemove())).toMatch(/^iteration 0, removed rule 0 .*: classifier holds 20 rules, the linear scan 19$/);
  });

  it("a replacement that keeps the old rule", () => {
    expect(failureOf("rule-replacement", () => new NoReplace())).toMatch(/^replacing priority=0,aux=0,.*, replaced: lookup of .*: classifier found priority=0,aux=0,.*, the linear scan priority=0,aux=10,/);
  });

  it("lookups that differ with and without megaflow tracking", () => {
    expect(failureOf("many-rules-in-one-list", () => new PlainSkipsLowest())).toMatch(/: lookup of .*: without wildcards the classifier found no rule, with them priority=0,/);
  });

  it("runLine fails with the message on standard error", () => {
    const r = runLine(new Switch(), "ovstest test-classifier --versioned many-rules-in-one-list");
    expect(r.ok).toBe(false);
    expect(r.stderr.join("\n")).toMatch(/ovsim's classifier has no rule versions/);
  });
});

describe("what ovsim does not model", () => {
  it("refuses --versioned for the subcommands that use versions", () => {
    expect(() => runTestClassifier("many-rules-in-one-table", { versioned: true })).toThrow(VersionsNotModelled);
  });

  it("refuses the miniflow subcommands and other test programs", () => {
    const sw = new Switch();
    expect(runLine(sw, "ovstest test-classifier miniflow").stderr.join("")).toMatch(/ovsim has no miniflow/);
    expect(runLine(sw, "ovstest test-hmap").stderr.join("")).toBe("ovsim: ovstest test-hmap: command not supported");
    expect(runLine(sw, "ovstest test-classifier nonesuch").stderr.join("")).toBe("ovstest: unknown command 'nonesuch'; use --help for help");
  });
});
