/**
 * Table lookup with conjunctive matches (OVS's classifier_lookup__ with
 * `allow_conjunctive_matches`, lib/classifier.c).
 *
 * A flow whose actions are only `conjunction(id,k/n)` (and notes) is a
 * *soft* rule: matching it says "clause k of conjunction id holds", not
 * "use me" (flowtable/conjunctive-lookup.ts has the semantics). Tables
 * without soft rules use the classifier's plain lookup (the fast path); a
 * table with soft rules the conjunctive lookup on the same classifier, which
 * un-wildcards what OVS's does. Which tables hold soft rules is cached and
 * recomputed when the tables' version changes.
 */
import type { FlowEntry } from "../../flowtable/flow-entry.js";
import type { FlowTables } from "../../flowtable/flow-tables.js";
import { looseSelector, N_TABLES } from "../../flowtable/flow-tables.js";
import type { ActionList, ConjunctionAction } from "../action-types.js";

type Entry = FlowEntry<ActionList>;

interface TableInfo {
  version: number;
  /** Per table: whether it holds a soft rule. */
  readonly soft: boolean[];
}

const cache = new WeakMap<FlowTables<ActionList>, TableInfo>();

/** The conjunctions of a soft rule, or null for an ordinary rule. */
export function conjunctionsOf(actions: ActionList): readonly ConjunctionAction[] | null {
  let out: ConjunctionAction[] | null = null;
  for (const a of actions) {
    if (a.type === "conjunction") (out ??= []).push(a);
    else if (a.type !== "note") return null;
  }
  return out;
}

function info(tables: FlowTables<ActionList>): TableInfo {
  let i = cache.get(tables);
  if (i === undefined || i.version !== tables.version) {
    i = { version: tables.version, soft: new Array<boolean>(N_TABLES).fill(false) };
    cache.set(tables, i);
    for (const e of tables.select(looseSelector(undefined))) {
      if (conjunctionsOf(e.actions) !== null) i.soft[e.tableId] = true;
    }
  }
  return i;
}

/** FlowTables.lookup with OVS's conjunctive match semantics. */
export function lookupWithConjunctions(
  tables: FlowTables<ActionList>,
  tableId: number,
  flow: Uint32Array,
  wc: Uint32Array | null,
): Entry | null {
  // The tables count their soft rules as flows come and go; the scan is for tables that cannot.
  if (!(tables.hasSoftRules(tableId) ?? info(tables).soft[tableId])) return tables.lookup(tableId, flow, wc);
  return tables.lookupConjunctive(tableId, flow, wc, conjunctionsOf);
}
