/**
 * Merging the port side of remote-group rules (rules.py merge_common_rules,
 * merge_port_ranges).
 *
 * A port's remote-group rules with the same direction, ethertype and
 * protocol differ only in their ports (or ICMP type/code) and their conj_ids.
 * Their 2/2 flows must not overlap — a packet matching two conjunction flows
 * of one priority would take only one — so they are rewritten as rules with
 * disjoint port ranges, each carrying every conj_id whose range covers it:
 * tcp 1-100 (id 16) and 50-200 (id 24) become 1-49 [16], 50-100 [16, 24],
 * 101-200 [24]. Without ports (other protocols) rules with equal (min, max)
 * share one rule. Rules that differ in anything else cannot be merged:
 * Neutron raises, and so does this.
 */
import type { FwRule, RuleDraft } from "./sg-rule.js";
import { ruleKeyWithoutPorts } from "./sg-rule.js";

export type RuleConj = readonly [FwRule, number];
export type RuleConjs = readonly [FwRule, readonly number[]];

function withoutPorts(r: FwRule): RuleDraft {
  const { portRangeMin: _min, portRangeMax: _max, ...rest } = r;
  return { ...rest };
}

function assertMergeable(list: readonly RuleConj[]): void {
  const key = ruleKeyWithoutPorts(list[0]![0]);
  for (const [rule] of list.slice(1)) {
    if (ruleKeyWithoutPorts(rule) !== key) {
      throw new Error(`Incompatible SG rules detected: ${JSON.stringify(list[0]![0])} and ${JSON.stringify(rule)}. They cannot be merged. This should not happen.`);
    }
  }
}

/** rules.merge_common_rules: rules with equal (min, max) share one rule, in first-seen order. */
export function mergeCommonRules(list: readonly RuleConj[]): RuleConjs[] {
  if (list.length === 1) return [[list[0]![0], [list[0]![1]]]];
  assertMergeable(list);
  const byRange = new Map<string, { min: number | undefined; max: number | undefined; ids: number[] }>();
  for (const [rule, id] of list) {
    const k = `${rule.portRangeMin}/${rule.portRangeMax}`;
    const e = byRange.get(k) ?? { min: rule.portRangeMin, max: rule.portRangeMax, ids: [] };
    e.ids.push(id);
    byRange.set(k, e);
  }
  const tmpl = withoutPorts(list[0]![0]);
  return [...byRange.values()].map(({ min, max, ids }) => {
    const rule: RuleDraft = { ...tmpl };
    if (min !== undefined) rule.portRangeMin = min;
    if (max !== undefined) rule.portRangeMax = max;
    return [rule, ids];
  });
}

/** rules.merge_port_ranges: disjoint ranges, each with the conj_ids covering it (a missing bound is 1 / 65535). */
export function mergePortRanges(list: readonly RuleConj[]): RuleConjs[] {
  if (list.length === 1) return [[list[0]![0], [list[0]![1]]]];
  assertMergeable(list);
  const edges: Array<{ port: number; min: boolean; id: number }> = [];
  for (const [rule, id] of list) {
    edges.push({ port: rule.portRangeMin ?? 1, min: true, id });
    edges.push({ port: rule.portRangeMax ?? 65535, min: false, id });
  }
  // by port, a range's start before any end at the same port (a stable sort, as Python's)
  edges.sort((a, b) => a.port * 2 + (a.min ? 0 : 1) - (b.port * 2 + (b.min ? 0 : 1)));
  const tmpl = list[0]![0];
  const ranged = (min: number, max: number): RuleDraft => ({ ...tmpl, portRangeMin: min, portRangeMax: max });
  const out: Array<[RuleDraft, number[]]> = [];
  const active = new Map<number, number>();
  let curMin = 0;
  for (const { port, min, id } of edges) {
    if (min) {
      const n = active.get(id);
      if (n !== undefined) {
        active.set(id, n + 1);
        continue;
      }
      if (active.size > 0 && curMin !== port) out.push([ranged(curMin, port - 1), [...active.keys()]]);
      curMin = port;
      active.set(id, 1);
    } else {
      const n = active.get(id) ?? 0;
      if (n > 1) {
        active.set(id, n - 1);
        continue;
      }
      if (curMin <= port) {
        out.push([ranged(curMin, port), [...active.keys()]]);
        // the next range starts after `port`
        curMin = port + 1;
      }
      active.delete(id);
    }
  }
  const only = out.length === 1 ? out[0] : undefined;
  if (only !== undefined && only[0].portRangeMin === 1 && only[0].portRangeMax === 65535) only[0] = withoutPorts(only[0]);
  return out;
}
