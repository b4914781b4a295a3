/**
 * Table lookup with conjunctive matches (OVS's classifier_lookup__ with
 * `allow_conjunctive_matches`, lib/classifier.c).
 *
 * A flow whose actions are only `conjunction(id,k/n)` (and notes) is a
 * *soft* rule: matching it says "clause k of conjunction id holds", not
 * "use me". A lookup finds the best ordinary (*hard*) match; if soft matches
 * of higher priority exist, it takes the highest priority P among them and,
 * when for some id every clause 1..n is matched by a soft rule of priority P,
 * looks the table up again with conj_id = id (soft rules ignored); that rule
 * wins. Otherwise it drops to the next soft priority (OVS also walks down
 * chains of rules with identical matches; so do we).
 *
 * Tables without soft rules use the classifier directly (the fast path). A
 * table with soft rules is searched linearly over its distinct matches —
 * minimal but exact semantics — and the megaflow mask gets every match's mask
 * in that table (sound, wider than OVS's). The per-table analysis is cached
 * and rebuilt when the tables' version changes.
 */
import type { FlowEntry } from "../../flowtable/flow-entry.js";
import { FLOW_WORDS, M } from "../../flowtable/flow-layout.js";
import type { FlowTables } from "../../flowtable/flow-tables.js";
import { looseSelector, N_TABLES } from "../../flowtable/flow-tables.js";
import type { ActionList, ConjunctionAction } from "../action-types.js";

type Entry = FlowEntry<ActionList>;

/** Rules with one match (mask + key), priority descending (OVS's cls_match list). */
interface Chain {
  readonly key: Uint32Array;
  readonly mask: Uint32Array;
  readonly rules: readonly Entry[];
}

interface TableInfo {
  version: number;
  /** Per table: null when it has no soft rule, else its chains. */
  readonly chains: (readonly Chain[] | null)[];
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
    i = { version: tables.version, chains: new Array<readonly Chain[] | null>(N_TABLES).fill(null) };
    cache.set(tables, i);
    for (const e of tables.select(looseSelector(undefined))) {
      if (conjunctionsOf(e.actions) !== null) i.chains[e.tableId] = [];
    }
    for (let t = 0; t < N_TABLES; t++) if (i.chains[t] !== null) i.chains[t] = buildChains(tables, t);
  }
  return i;
}

function buildChains(tables: FlowTables<ActionList>, tableId: number): Chain[] {
  const byMatch = new Map<string, Entry[]>();
  for (const e of tables.select(looseSelector(undefined, tableId))) {
    const k = `${e.match.mask.join(",")}|${e.match.key.join(",")}`;
    let l = byMatch.get(k);
    if (l === undefined) byMatch.set(k, (l = []));
    l.push(e);
  }
  return [...byMatch.values()].map((rules) => ({ key: rules[0]!.match.key, mask: rules[0]!.match.mask, rules }));
}

function matches(c: Chain, flow: Uint32Array): boolean {
  for (let i = 0; i < FLOW_WORDS; i++) if ((((flow[i] ?? 0) & c.mask[i]!) ^ c.key[i]!) !== 0) return false;
  return true;
}

/** The best hard rule (chain heads only, soft heads skipped): OVS's lookup without conjunctions. */
function bestHard(chains: readonly Chain[], flow: Uint32Array): Entry | null {
  let best: Entry | null = null;
  for (const c of chains) {
    const head = c.rules[0]!;
    if (conjunctionsOf(head.actions) !== null || !matches(c, flow)) continue;
    if (best === null || head.priority > best.priority) best = head;
  }
  return best;
}

function lookupConj(chains: readonly Chain[], flow: Uint32Array, wc: Uint32Array | null): Entry | null {
  if (wc !== null) {
    for (const c of chains) for (let i = 0; i < FLOW_WORDS; i++) wc[i] = (wc[i]! | c.mask[i]!) >>> 0;
    wc[M.conjId.word] = 0xffffffff;
  }
  let hard: Entry | null = null;
  // Per matching chain: the position of its current soft candidate.
  const soft: { chain: Chain; pos: number }[] = [];
  for (const c of chains) {
    if (!matches(c, flow)) continue;
    const head = c.rules[0]!;
    if (conjunctionsOf(head.actions) === null) {
      if (hard === null || head.priority > hard.priority) hard = head;
    } else {
      soft.push({ chain: c, pos: 0 });
    }
  }
  const hardPri = (): number => (hard === null ? -1 : hard.priority);
  for (;;) {
    const live = soft.filter((s) => s.pos >= 0 && s.chain.rules[s.pos]!.priority > hardPri());
    if (live.length === 0) break;
    let softPri = -1;
    for (const s of live) softPri = Math.max(softPri, s.chain.rules[s.pos]!.priority);
    const atPri = live.filter((s) => s.chain.rules[s.pos]!.priority === softPri);
    const clauses = new Map<number, bigint>();
    for (const s of atPri) {
      const conjs = conjunctionsOf(s.chain.rules[s.pos]!.actions) ?? [];
      for (const c of conjs) {
        if (c.nClauses > atPri.length) continue;
        const all = (1n << BigInt(c.nClauses)) - 1n;
        const got = (clauses.get(c.id) ?? 0n) | (1n << BigInt(c.clause - 1));
        clauses.set(c.id, got);
        if (got === all) {
          const saved = flow[M.conjId.word] ?? 0;
          flow[M.conjId.word] = c.id;
          const r = bestHard(chains, flow);
          flow[M.conjId.word] = saved;
          if (r !== null) return r;
        }
      }
    }
    // Drop to the next rule of each top-priority chain.
    for (const s of atPri) {
      const next = s.pos + 1;
      if (next >= s.chain.rules.length) {
        s.pos = -1;
        continue;
      }
      const r = s.chain.rules[next]!;
      if (conjunctionsOf(r.actions) === null) {
        if (r.priority > hardPri()) hard = r;
        s.pos = -1;
      } else {
        s.pos = next;
      }
    }
    for (const s of soft) if (s.pos >= 0 && s.chain.rules[s.pos]!.priority <= hardPri()) s.pos = -1;
  }
  return hard;
}

/** FlowTables.lookup with OVS's conjunctive match semantics. */
export function lookupWithConjunctions(
  tables: FlowTables<ActionList>,
  tableId: number,
  flow: Uint32Array,
  wc: Uint32Array | null,
): Entry | null {
  const chains = info(tables).chains[tableId] ?? null;
  if (chains === null) return tables.lookup(tableId, flow, wc);
  return lookupConj(chains, flow, wc);
}
