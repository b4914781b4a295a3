/**
 * A table's flow limit and eviction, as OVS's Flow_Table row configures them
 * (`flow_limit`, `overflow_policy`, `groups`; vswitchd/bridge.c
 * bridge_configure_tables) and ofproto.c applies them (an oftable's
 * `max_flows` and `eviction`).
 *
 * - An add that would create a flow in a table holding `maxFlows` flows
 *   first evicts one, when the table evicts; with nothing evictable, or
 *   with `overflow_policy=refuse`, the add fails with OFPFMFC_TABLE_FULL.
 *   Replacing a flow (same match and priority) and modifying flows never
 *   need room.
 * - Only flows with an idle or a hard timeout are evictable (ofproto.c's
 *   eviction_group_add_rule). Among them the victim comes from the largest
 *   eviction group: flows whose `groups` subfields hold the same values in
 *   their matches (prerequisites unmet count as 0); without `groups`, all
 *   flows are one group. Within a group the victim is the flow of lowest
 *   OpenFlow 1.4 `importance`, then earliest expiry, in 1.024 s units
 *   (rule_eviction_priority: `(importance << 32) + (expiration >> 10)`).
 * - Lowering a limit below a table's count evicts down to it
 *   (ofproto_evict), leaving unevictable flows.
 *
 * Ties: OVS's heaps break a tie between equal flows by insertion order (the
 * older flow wins the top) and between equal-sized groups at random
 * (eviction_group_priority adds random bits); ovsim takes the older flow
 * and, between groups, the one whose own victim is older, so that runs are
 * repeatable.
 *
 * The victim is found by a scan of the table's evictable flows (OVS keeps
 * heaps): eviction happens only at a full table, and a scan keeps no state
 * to maintain on every flow_mod.
 */
import type { FieldSpec } from "./fields.js";
import type { FlowEntry } from "./flow-entry.js";
import { readMember } from "./flow-layout.js";
import { prereqOk } from "./prereqs.js";
import type { Subfield } from "./subfield.js";

export interface TableLimit {
  /** OVS's max_flows: Infinity without `flow_limit`. */
  readonly maxFlows: number;
  /** `overflow_policy=evict`. */
  readonly evict: boolean;
  /** The eviction groups' fields (`groups`, as subfields). */
  readonly groups: readonly Subfield[];
}

export const NO_TABLE_LIMIT: TableLimit = { maxFlows: Infinity, evict: false, groups: [] };

/** Whether OVS would ever evict `e` (it has a timeout). */
function evictable(e: FlowEntry<unknown>): boolean {
  return e.hardTimeout !== 0 || e.idleTimeout !== 0;
}

/** When `e` expires, in OVS's 1.024-second units (rule_eviction_priority's expiration >> 10). */
function expiryUnits(e: FlowEntry<unknown>): number {
  let t = Infinity;
  if (e.hardTimeout !== 0) t = e.modified + e.hardTimeout * 1000;
  if (e.idleTimeout !== 0) t = Math.min(t, e.used + e.idleTimeout * 1000);
  return Math.floor(t / 1024);
}

/** True when `a` is evicted before `b` within one group. */
function evictsBefore(a: FlowEntry<unknown>, b: FlowEntry<unknown>): boolean {
  if (a.importance !== b.importance) return a.importance < b.importance;
  const ea = expiryUnits(a);
  const eb = expiryUnits(b);
  return ea !== eb ? ea < eb : a.id < b.id;
}

function fieldValue(key: Uint32Array, f: FieldSpec): bigint {
  return (readMember(key, f.member) & f.memberMask) >> BigInt(f.shift);
}

/** The eviction group of `e` (eviction_group_hash_rule, kept as text rather than a hash). */
function groupOf(e: FlowEntry<unknown>, groups: readonly Subfield[]): string {
  if (groups.length === 0) return "";
  const key = e.rule.key;
  const mask = e.rule.mask;
  const masked = key.map((w, i) => w & mask[i]!);
  return groups
    .map((sf) => (prereqOk(sf.field.prereq, masked) ? (fieldValue(masked, sf.field) >> BigInt(sf.ofs)) & ((1n << BigInt(sf.nBits)) - 1n) : 0n).toString(16))
    .join("/");
}

/** OVS's choose_rule_to_evict over a table's flows: the victim, or null when nothing is evictable. */
export function chooseFlowToEvict<A>(flows: Iterable<FlowEntry<A>>, limit: TableLimit): FlowEntry<A> | null {
  if (!limit.evict) return null;
  const groups = new Map<string, { size: number; victim: FlowEntry<A> }>();
  for (const e of flows) {
    if (!evictable(e)) continue;
    const id = groupOf(e, limit.groups);
    const g = groups.get(id);
    if (g === undefined) groups.set(id, { size: 1, victim: e });
    else {
      g.size++;
      if (evictsBefore(e, g.victim)) g.victim = e;
    }
  }
  let best: { size: number; victim: FlowEntry<A> } | null = null;
  for (const g of groups.values()) {
    if (best === null || g.size > best.size || (g.size === best.size && g.victim.id < best.victim.id)) best = g;
  }
  return best === null ? null : best.victim;
}
