/**
 * A bridge's OpenFlow tables with OVS's flow_mod semantics (ofproto.c):
 *
 * - add: a flow with the same match and priority is replaced (its counters are
 *   kept unless `reset_counts`, its last-used time always; its cookie, unless
 *   all-ones, timeouts, flags and actions are the new ones); `check_overlap`
 *   refuses a flow that overlaps another of the same priority; table 255
 *   ("any") means table 0.
 * - modify / modify --strict: every selected flow gets the new actions and keeps
 *   its match, priority, timeouts, flags, creation and last-used time; its
 *   cookie changes only when `modifyCookie` (see flow-mod-submit.ts for when
 *   the switch sets it). Its hard timeout restarts (`modified` = now). With
 *   nothing selected and a new cookie but no cookie mask, the flow is added.
 * - delete / delete --strict: selected flows go, reported with reason "delete".
 * - selection: loose = the flow's match is at least as specific as the given
 *   match and agrees with it; strict = same match and priority; both filtered
 *   by cookie/mask, and delete also by out_port / out_group.
 * - table 254 is OVS's hidden, read-only internal table: its flows are
 *   installed with `installInternal` (ofproto-dpif's add_internal_flows);
 *   adds to it are OFPBRC_EPERM; a modify or delete that selects only
 *   read-only flows is OFPBRC_EPERM (ofproto.c collect_rules_loose). "All
 *   tables" means the visible ones (0..253), except when the cookie mask is
 *   all-ones: OVS then finds flows through its cookie index, which includes
 *   table 254 (so `del-flows br0 cookie=0/-1` on a bridge with no other
 *   cookie-0 flow is refused, and `dump-flows br0 cookie=0/-1` shows them).
 *
 * Time is passed in (virtual milliseconds); nothing here reads a clock.
 * Actions are opaque (`A`): callers supply how to compare them and whether they
 * output to a port or group.
 */
import { Classifier } from "./classifier.js";
import type { ClassifierRule } from "./classifier.js";
import type { PrefixField } from "./cls-tries.js";
import { lookupConjunctive } from "./conjunctive-lookup.js";
import type { Conjunction } from "./conjunctive-lookup.js";
import { OpenFlowError } from "./errors.js";
import { FlowEntry } from "./flow-entry.js";
import { FLOW_WORDS, M } from "./flow-layout.js";
import type { FlowModCommand, FlowModFlags } from "./flow-mod-parse.js";
import { OFPG_ANY, TABLE_ALL } from "./flow-mod-parse.js";
import { Match } from "./match.js";
import { OFPP_NONE } from "./ports.js";
import { chooseFlowToEvict, NO_TABLE_LIMIT } from "./table-eviction.js";
import type { TableLimit } from "./table-eviction.js";

/** Number of OpenFlow tables per bridge (0..254), as OVS. */
export const N_TABLES = 255;
/** OVS's hidden, read-only internal table. */
export const TABLE_INTERNAL = 254;

export interface ActionSemantics<A> {
  equal(a: A, b: A): boolean;
  /** Whether the actions output to OpenFlow port `port` (the out_port filter). */
  outputsToPort(actions: A, port: number): boolean;
  /** Whether the actions send to group `group` (the out_group filter). */
  outputsToGroup(actions: A, group: number): boolean;
  /**
   * The (table, cookie) of each `learn(...,delete_learned)` among the actions
   * (top level only, as OVS's next_learn_with_delete). When the last flow
   * holding such a learn goes, OVS deletes every flow of that table with that
   * cookie (ofproto.c's learned_cookies). Absent: no learns.
   */
  learnedCookies?(actions: A): readonly (readonly [tableId: number, cookie: bigint])[];
  /**
   * Whether the actions make a *soft* rule (only `conjunction(...)` actions: xlate-conj.ts).
   * Present: the tables count soft rules per table as flows come and go (`hasSoftRules`).
   */
  isSoft?(actions: A): boolean;
}

export interface FlowMod<A> {
  readonly command: FlowModCommand;
  readonly match: Match;
  readonly priority: number;
  /** TABLE_ALL for "any table". */
  readonly tableId: number;
  readonly cookie: bigint;
  readonly cookieMask: bigint;
  /** Cookie for new flows; null = none given (modify keeps cookies and adds nothing). */
  readonly newCookie: bigint | null;
  /** Whether a modify gives the flows it modifies `newCookie` (OVS's `modify_cookie`, as the switch decodes it). */
  readonly modifyCookie: boolean;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  readonly importance: number;
  readonly flags: FlowModFlags;
  readonly outPort: number;
  readonly outGroup: number;
  readonly actions: A;
}

/** The flags of a flow_mod that sets none. */
export const NO_FLOW_MOD_FLAGS: FlowModFlags = {
  sendFlowRem: false,
  checkOverlap: false,
  resetCounts: false,
  noPacketCounts: false,
  noByteCounts: false,
};

/**
 * A flow_mod built in code (not parsed from text): the given fields, and for the others
 * what ovs-ofctl sends when they are not written (cookie 0, no timeouts, importance 0, no
 * flags, out_port and out_group any).
 */
export function defaultFlowMod<A>(m: Pick<FlowMod<A>, "command" | "match" | "priority" | "tableId" | "actions"> & Partial<FlowMod<A>>): FlowMod<A> {
  return {
    cookie: 0n,
    cookieMask: 0n,
    newCookie: 0n,
    modifyCookie: false,
    idleTimeout: 0,
    hardTimeout: 0,
    importance: 0,
    flags: NO_FLOW_MOD_FLAGS,
    outPort: OFPP_NONE,
    outGroup: OFPG_ANY,
    ...m,
  };
}

export type RemovalReason = "idle_timeout" | "hard_timeout" | "delete" | "group_delete" | "meter_delete" | "eviction";

export interface FlowRemoved<A> {
  readonly entry: FlowEntry<A>;
  readonly reason: RemovalReason;
  /** Virtual time of removal, ms. */
  readonly time: number;
}

export interface FlowModResult<A> {
  /** Entries created (by add, by modify, or as replacements). */
  readonly added: readonly FlowEntry<A>[];
  /** Entries that left the tables: replaced, modified (old version) or deleted. */
  readonly replaced: readonly FlowEntry<A>[];
  readonly removed: readonly FlowRemoved<A>[];
}

/** Which flows a stats request or a dump selects. */
export interface FlowSelector {
  readonly tableId: number;
  readonly match: Match;
  readonly cookie: bigint;
  readonly cookieMask: bigint;
  readonly outPort: number;
  readonly outGroup: number;
  /** With `strict`, only the flow with exactly this match and priority. */
  readonly strict?: { priority: number };
}

const MAX_U64 = 0xffffffffffffffffn;

/** Selects every flow of `tableId` (default: all visible tables) whose match is at least `match`. */
export function looseSelector(match: Match = Match.catchall(), tableId: number = TABLE_ALL): FlowSelector {
  return { tableId, match, cookie: 0n, cookieMask: 0n, outPort: OFPP_NONE, outGroup: OFPG_ANY };
}

export class FlowTables<A> {
  private readonly tables: Classifier<FlowEntry<A>>[];
  private readonly ops: ActionSemantics<A>;
  private nextId = 0;
  /** Bumped on every change, so caches built on the tables can tell they are stale. */
  version = 0;
  /** OVS's learned_cookies: "table/cookie" -> flows holding a delete_learned learn of it. */
  private readonly learnedCookieCounts = new Map<string, number>();
  /** learned_cookies whose count reached 0, to flush after the current operation. */
  private deadCookies: (readonly [number, bigint])[] = [];
  /** Each table's flow limit and eviction (table-eviction.ts); absent: none. */
  private readonly limits = new Map<number, TableLimit>();
  /**
   * Tables whose eviction an OpenFlow 1.4 table_mod turned on (ofproto.c's EVICTION_OPENFLOW
   * bit, `ovs-ofctl mod-table T evict`): a full table evicts when this or its Flow_Table's
   * `overflow_policy=evict` (EVICTION_CLIENT) says so.
   */
  private readonly openflowEviction = new Set<number>();
  /** Per table, its soft rules (`ops.isSoft`), kept as flows come and go. */
  private readonly softCounts = new Int32Array(N_TABLES);

  constructor(ops: ActionSemantics<A>) {
    this.ops = ops;
    // Compact keys: an entry's match lives in its classifier's records (see flow-entry.ts).
    // Each table has OVS's default prefix tries (ip_dst, ip_src) and ports tries.
    this.tables = Array.from({ length: N_TABLES }, () => new Classifier<FlowEntry<A>>(FLOW_WORDS, { compactKeys: true }));
  }

  /** Number of flows in `tableId`, or in all visible tables. */
  count(tableId?: number): number {
    if (tableId !== undefined) return this.table(tableId).size;
    let n = 0;
    for (let t = 0; t < TABLE_INTERNAL; t++) n += this.table(t).size;
    return n;
  }

  /** The highest-priority flow of `tableId` matching `key`; ORs consulted bits into `wc`. */
  lookup(tableId: number, key: Uint32Array, wc: Uint32Array | null): FlowEntry<A> | null {
    const rule = this.table(tableId).lookup(key, wc);
    return rule === null ? null : rule.value;
  }

  /**
   * `lookup` with conjunctive matches (conjunctive-lookup.ts): `conjunctionsOf` tells a soft
   * flow's conjunctions from its actions (null for an ordinary flow).
   */
  lookupConjunctive(
    tableId: number,
    key: Uint32Array,
    wc: Uint32Array | null,
    conjunctionsOf: (actions: A) => readonly Conjunction[] | null,
  ): FlowEntry<A> | null {
    const rule = lookupConjunctive(this.table(tableId), key, wc, (e) => conjunctionsOf(e.actions), M.conjId.word);
    return rule === null ? null : rule.value;
  }

  /**
   * Sets the prefix fields of table `tableId`'s tries (OVS's classifier_set_prefix_fields,
   * from a Flow_Table's `prefixes`: prefix-fields.ts). Flows stay, and `version` does not
   * move: megaflows already installed are not revalidated (OVS's ofproto_configure_table
   * has an "XXX: Trigger revalidation" there).
   */
  setPrefixFields(tableId: number, fields: readonly PrefixField[]): void {
    this.table(tableId).setPrefixFields(fields);
  }

  /**
   * Sets table `tableId`'s flow limit (a Flow_Table's flow_limit, overflow_policy and groups).
   * A table above its new limit evicts down to it where it can (OVS's ofproto_evict); the
   * evicted flows are returned.
   */
  setTableLimit(tableId: number, limit: TableLimit, now: number): FlowRemoved<A>[] {
    const cls = this.table(tableId);
    if (limit.maxFlows === Infinity && !limit.evict && limit.groups.length === 0) this.limits.delete(tableId);
    else this.limits.set(tableId, limit);
    const removed: FlowRemoved<A>[] = [];
    const effective = this.tableLimit(tableId);
    while (cls.size > limit.maxFlows) {
      const victim = chooseFlowToEvict(this.entriesOf(cls), effective);
      if (victim === null) break;
      this.removeEntry(victim);
      removed.push({ entry: victim, reason: "eviction", time: now });
    }
    removed.push(...this.flushLearnedCookies(now));
    return removed;
  }

  /** Whether table `tableId` holds a soft rule; undefined when the actions' semantics do not say (no `isSoft`). */
  hasSoftRules(tableId: number): boolean | undefined {
    return this.ops.isSoft === undefined ? undefined : (this.softCounts[tableId] ?? 0) > 0;
  }

  /** Table `tableId`'s flow limit (its eviction on when either bit is). */
  tableLimit(tableId: number): TableLimit {
    const limit = this.limits.get(tableId) ?? NO_TABLE_LIMIT;
    return !limit.evict && this.openflowEviction.has(tableId) ? { ...limit, evict: true } : limit;
  }

  /** Whether an OpenFlow table_mod turned table `tableId`'s eviction on (a table description's `eviction=on`). */
  evictionByOpenflow(tableId: number): boolean {
    return this.openflowEviction.has(tableId);
  }

  /** The tables whose eviction an OpenFlow table_mod turned on, ascending (snapshots). */
  evictionByOpenflowTables(): number[] {
    return [...this.openflowEviction].sort((a, b) => a - b);
  }

  /** Takes a snapshot's `evictionByOpenflowTables` (the flows are the snapshot's own: nothing is evicted). */
  restoreEvictionByOpenflow(tableIds: readonly number[]): void {
    this.openflowEviction.clear();
    for (const t of tableIds) this.openflowEviction.add(t);
  }

  /** An OpenFlow table_mod's eviction setting for table `tableId` (a table over its limit evicts down to it, as ofproto_evict). */
  setEvictionByOpenflow(tableId: number, on: boolean, now: number): FlowRemoved<A>[] {
    if (on) this.openflowEviction.add(tableId);
    else this.openflowEviction.delete(tableId);
    const limit = this.tableLimit(tableId);
    const cls = this.table(tableId);
    const removed: FlowRemoved<A>[] = [];
    while (cls.size > limit.maxFlows) {
      const victim = chooseFlowToEvict(this.entriesOf(cls), limit);
      if (victim === null) break;
      this.removeEntry(victim);
      removed.push({ entry: victim, reason: "eviction", time: now });
    }
    removed.push(...this.flushLearnedCookies(now));
    return removed;
  }

  /** The prefix fields of table `tableId`. */
  prefixFields(tableId: number): readonly PrefixField[] {
    return this.table(tableId).prefixFields;
  }

  /** Applies a flow_mod at virtual time `now`. Throws OpenFlowError as OVS would answer. */
  apply(fm: FlowMod<A>, now: number): FlowModResult<A> {
    if (fm.tableId !== TABLE_ALL && fm.tableId >= N_TABLES) throw new OpenFlowError("OFPBRC_BAD_TABLE_ID");
    const r = this.applyCommand(fm, now);
    const flushed = this.flushLearnedCookies(now);
    return flushed.length === 0 ? r : { ...r, removed: [...r.removed, ...flushed] };
  }

  private applyCommand(fm: FlowMod<A>, now: number): FlowModResult<A> {
    switch (fm.command) {
      case "add":
        return this.add(fm, now);
      case "modify":
      case "modify_strict":
        return this.modify(fm, now);
      case "delete":
      case "delete_strict":
        return this.delete(fm, now);
    }
  }

  /**
   * The per-entry counts, called once as each entry enters (+1) and leaves (-1) a table: its
   * table's soft rules, and OVS's learned_cookies_update__ (`delta` for each delete_learned
   * learn of `e`).
   */
  private countEntry(e: FlowEntry<A>, delta: number): void {
    if (this.ops.isSoft?.(e.actions) === true) this.softCounts[e.tableId] = (this.softCounts[e.tableId] ?? 0) + delta;
    const learns = this.ops.learnedCookies?.(e.actions) ?? [];
    for (const [tableId, cookie] of learns) {
      const key = `${tableId}/${cookie}`;
      const n = (this.learnedCookieCounts.get(key) ?? 0) + delta;
      if (n > 0) this.learnedCookieCounts.set(key, n);
      else {
        this.learnedCookieCounts.delete(key);
        this.deadCookies.push([tableId, cookie]);
      }
    }
  }

  /** OVS's learned_cookies_flush: deletes the flows of dead learned cookies (which may kill more). */
  private flushLearnedCookies(now: number): FlowRemoved<A>[] {
    const removed: FlowRemoved<A>[] = [];
    while (this.deadCookies.length > 0) {
      const [tableId, cookie] = this.deadCookies.shift()!;
      const sel = { tableId, match: Match.catchall(), cookie, cookieMask: MAX_U64, outPort: OFPP_NONE, outGroup: OFPG_ANY };
      for (const e of readWrite(this.select(sel))) {
        this.removeEntry(e);
        removed.push({ entry: e, reason: "delete", time: now });
      }
    }
    return removed;
  }

  /**
   * Adds a flow to the read-only internal table 254, as ofproto-dpif does for
   * its own flows at bridge creation. Not an OpenFlow operation.
   */
  installInternal(fm: FlowMod<A>, now: number): FlowEntry<A> {
    const entry = this.newEntry(TABLE_INTERNAL, fm.match, fm.priority, fm.newCookie ?? 0n, fm, now);
    this.insertEntry(entry);
    return entry;
  }

  /** Every entry of every table (254 included), by id: what a snapshot saves, with `nextId` and `version`. */
  entries(): FlowEntry<A>[] {
    const out: FlowEntry<A>[] = [];
    for (const cls of this.tables) for (const rule of cls.rules()) out.push(rule.value);
    return out.sort((a, b) => a.id - b.id);
  }

  /**
   * Per table with more than one subtable, the lookup order of its subtables as the id of one
   * entry of each (snapshots: see Classifier.subtableOrder).
   */
  subtableOrders(): [number, number[]][] {
    const out: [number, number[]][] = [];
    this.tables.forEach((cls, t) => {
      if (cls.nSubtables > 1) out.push([t, cls.subtableOrder((r) => r.value.id).map((r) => r.value.id)]);
    });
    return out;
  }

  /** Puts table `tableId`'s subtables in the order of the entries `ids` (after `restore`); false when it cannot. */
  restoreSubtableOrder(tableId: number, ids: readonly number[]): boolean {
    const cls = this.tables[tableId];
    if (cls === undefined) return false;
    const byId = new Map<number, FlowEntry<A>>();
    for (const rule of cls.rules()) byId.set(rule.value.id, rule.value);
    const rules = ids.map((id) => byId.get(id)?.rule);
    return rules.every((r) => r !== undefined) && cls.restoreSubtableOrder(rules as ClassifierRule<FlowEntry<A>>[]);
  }

  /** The id the next entry gets. */
  get nextEntryId(): number {
    return this.nextId;
  }

  /**
   * Replaces every entry (table 254's too) with `entries`, inserted by id, as a snapshot
   * restores them (ids below `nextId`, no two with one match and priority in a table);
   * `version` takes the value given. Limits and prefix fields stay.
   */
  restore(entries: readonly FlowEntry<A>[], nextId: number, version: number): void {
    for (const cls of this.tables) for (const rule of [...cls.rules()]) cls.remove(rule);
    this.learnedCookieCounts.clear();
    this.deadCookies = [];
    this.softCounts.fill(0);
    for (const e of [...entries].sort((a, b) => a.id - b.id)) {
      e.flags = internFlags(e.flags);
      this.insertEntry(e);
    }
    this.nextId = nextId;
    this.version = version;
  }

  /** Flows selected by `sel`, in dump order: table, then priority (high first), then age. */
  select(sel: FlowSelector): FlowEntry<A>[] {
    const out: FlowEntry<A>[] = [];
    for (const t of this.tableIds(sel.tableId, sel.cookieMask)) {
      if (sel.strict) {
        const rule = this.table(t).findExactly(sel.match.key, sel.match.mask, sel.strict.priority);
        if (rule && this.passesFilters(rule.value, sel)) out.push(rule.value);
        continue;
      }
      for (const rule of this.table(t).rules()) {
        if (isLooseMatchWords(rule.key, rule.mask, sel.match) && this.passesFilters(rule.value, sel)) out.push(rule.value);
      }
    }
    return out.sort((a, b) => a.tableId - b.tableId || b.priority - a.priority || a.id - b.id);
  }

  /** Removes and returns every flow whose idle or hard timeout has passed at `now`. */
  expire(now: number): FlowRemoved<A>[] {
    const removed: FlowRemoved<A>[] = [];
    for (let t = 0; t < N_TABLES; t++) {
      const cls = this.table(t);
      if (cls.isEmpty) continue;
      const expired: FlowEntry<A>[] = [];
      for (const rule of cls.rules()) if (rule.value.expiry(now) !== null) expired.push(rule.value);
      for (const e of expired) {
        removed.push({ entry: e, reason: e.expiry(now) as RemovalReason, time: now });
        this.removeEntry(e);
      }
    }
    removed.push(...this.flushLearnedCookies(now));
    return removed;
  }

  /** The earliest virtual time at which some flow can expire, or Infinity. */
  nextExpiry(): number {
    let t = Infinity;
    for (const cls of this.tables) for (const rule of cls.rules()) t = Math.min(t, rule.value.nextExpiry());
    return t;
  }

  private add(fm: FlowMod<A>, now: number): FlowModResult<A> {
    const tableId = fm.tableId === TABLE_ALL ? 0 : fm.tableId;
    if (tableId === TABLE_INTERNAL) throw new OpenFlowError("OFPBRC_EPERM");
    const cls = this.table(tableId);
    const old = cls.findExactly(fm.match.key, fm.match.mask, fm.priority)?.value ?? null;
    if (old === null && fm.flags.checkOverlap && this.overlaps(cls, fm.match, fm.priority)) {
      throw new OpenFlowError("OFPFMFC_OVERLAP");
    }
    const evicted = old === null ? this.makeRoom(tableId, cls, now) : [];
    // OVS's replace_rule_start: an all-ones cookie does not replace the old one.
    const cookie = old !== null && fm.newCookie === MAX_U64 ? old.cookie : (fm.newCookie ?? 0n);
    const entry = this.newEntry(tableId, fm.match, fm.priority, cookie, fm, now);
    if (old !== null) {
      // OVS's rule_insert: the last-used time always carries over, counters unless reset_counts.
      entry.used = old.used;
      if (!fm.flags.resetCounts) {
        entry.nPackets = old.nPackets;
        entry.nBytes = old.nBytes;
      }
    }
    this.insertEntry(entry);
    if (old !== null) this.countEntry(old, -1);
    return { added: [entry], replaced: old ? [old] : [], removed: evicted };
  }

  /** Room for one more flow in a table at its limit: a flow evicted, or OFPFMFC_TABLE_FULL. */
  private makeRoom(tableId: number, cls: Classifier<FlowEntry<A>>, now: number): FlowRemoved<A>[] {
    if (!this.limits.has(tableId)) return [];
    const limit = this.tableLimit(tableId);
    if (cls.size < limit.maxFlows) return [];
    const victim = chooseFlowToEvict(this.entriesOf(cls), limit);
    if (victim === null) throw new OpenFlowError("OFPFMFC_TABLE_FULL");
    this.removeEntry(victim);
    return [{ entry: victim, reason: "eviction", time: now }];
  }

  private *entriesOf(cls: Classifier<FlowEntry<A>>): IterableIterator<FlowEntry<A>> {
    for (const rule of cls.rules()) yield rule.value;
  }

  private modify(fm: FlowMod<A>, now: number): FlowModResult<A> {
    const strict = fm.command === "modify_strict";
    const selected = this.select({
      tableId: fm.tableId,
      match: fm.match,
      cookie: fm.cookie,
      cookieMask: fm.cookieMask,
      outPort: OFPP_NONE,
      outGroup: OFPG_ANY,
      ...(strict ? { strict: { priority: fm.priority } } : {}),
    });
    const olds = readWrite(selected);
    if (olds.length === 0) {
      if (fm.newCookie !== null && fm.newCookie !== MAX_U64 && fm.cookieMask === 0n) return this.add(fm, now);
      return { added: [], replaced: [], removed: [] };
    }
    const added: FlowEntry<A>[] = [];
    for (const old of olds) {
      const changeCookie = fm.modifyCookie && fm.newCookie !== null && fm.newCookie !== MAX_U64;
      const e = this.newEntry(old.tableId, old.match, old.priority, changeCookie ? (fm.newCookie as bigint) : old.cookie, fm, now);
      e.idleTimeout = old.idleTimeout;
      e.hardTimeout = old.hardTimeout;
      e.importance = old.importance;
      e.flags = old.flags;
      e.created = old.created;
      e.used = old.used;
      if (!fm.flags.resetCounts) {
        e.nPackets = old.nPackets;
        e.nBytes = old.nBytes;
      }
      this.insertEntry(e);
      this.countEntry(old, -1);
      added.push(e);
    }
    return { added, replaced: olds, removed: [] };
  }

  private delete(fm: FlowMod<A>, now: number): FlowModResult<A> {
    const selected = this.select({
      tableId: fm.tableId,
      match: fm.match,
      cookie: fm.cookie,
      cookieMask: fm.cookieMask,
      outPort: fm.outPort,
      outGroup: fm.outGroup,
      ...(fm.command === "delete_strict" ? { strict: { priority: fm.priority } } : {}),
    });
    const victims = readWrite(selected);
    for (const e of victims) this.removeEntry(e);
    return { added: [], replaced: [], removed: victims.map((entry) => ({ entry, reason: "delete" as const, time: now })) };
  }

  private newEntry(tableId: number, match: Match, priority: number, cookie: bigint, fm: FlowMod<A>, now: number): FlowEntry<A> {
    return new FlowEntry<A>(
      this.nextId++,
      tableId,
      match,
      priority,
      cookie,
      fm.idleTimeout,
      fm.hardTimeout,
      fm.importance,
      // OVS keeps check_overlap among a flow's flags (OpenFlow 1.3 dumps show it).
      internFlags(fm.flags),
      fm.actions,
      now,
    );
  }

  /** Inserts `e`, replacing any entry with the same match and priority. */
  private insertEntry(e: FlowEntry<A>): void {
    this.table(e.tableId).insert(e.rule);
    this.countEntry(e, +1);
    this.version++;
  }

  private removeEntry(e: FlowEntry<A>): void {
    if (this.table(e.tableId).remove(e.rule)) {
      this.countEntry(e, -1);
      this.version++;
    }
  }

  private overlaps(cls: Classifier<FlowEntry<A>>, m: Match, priority: number): boolean {
    for (const rule of cls.rules()) {
      if (rule.priority !== priority) continue;
      // Read once: with compact keys, each read of rule.key rebuilds it.
      const key = rule.key;
      const mask = rule.mask;
      let disjoint = false;
      for (let i = 0; i < FLOW_WORDS && !disjoint; i++) {
        disjoint = ((key[i]! ^ m.key[i]!) & mask[i]! & m.mask[i]!) !== 0;
      }
      if (!disjoint) return true;
    }
    return false;
  }

  private passesFilters(e: FlowEntry<A>, sel: FlowSelector): boolean {
    if ((e.cookie & sel.cookieMask) !== (sel.cookie & sel.cookieMask)) return false;
    if (sel.outPort !== OFPP_NONE && !this.ops.outputsToPort(e.actions, sel.outPort)) return false;
    if (sel.outGroup !== OFPG_ANY && !this.ops.outputsToGroup(e.actions, sel.outGroup)) return false;
    return true;
  }

  /**
   * The tables a table id names: for TABLE_ALL the visible ones, or every
   * table when the cookie mask is all-ones (OVS's cookie-index search).
   */
  private tableIds(tableId: number, cookieMask: bigint): number[] {
    if (tableId !== TABLE_ALL) return [tableId];
    return Array.from({ length: cookieMask === MAX_U64 ? N_TABLES : TABLE_INTERNAL }, (_, i) => i);
  }

  private table(tableId: number): Classifier<FlowEntry<A>> {
    const t = this.tables[tableId];
    if (t === undefined) throw new OpenFlowError("OFPBRC_BAD_TABLE_ID");
    return t;
  }
}

/**
 * The flows of `selected` a flow_mod may change: all but the read-only
 * (table 254) ones. If it selected only read-only flows, OVS answers
 * OFPBRC_EPERM.
 */
function readWrite<A>(selected: FlowEntry<A>[]): FlowEntry<A>[] {
  const rw = selected.filter((e) => e.tableId !== TABLE_INTERNAL);
  if (rw.length === 0 && selected.length > 0) throw new OpenFlowError("OFPBRC_EPERM");
  return rw;
}

/**
 * OVS's `cls_rule_is_loose_match`: `rule` is selected by `criteria` when it
 * matches at least the bits the criteria match, with the same values there.
 */
export function isLooseMatch(rule: Match, criteria: Match): boolean {
  return isLooseMatchWords(rule.key, rule.mask, criteria);
}

/** isLooseMatch for a rule given as key and mask words. */
function isLooseMatchWords(key: Uint32Array, mask: Uint32Array, criteria: Match): boolean {
  for (let i = 0; i < FLOW_WORDS; i++) {
    const cm = criteria.mask[i]!;
    if ((cm & ~mask[i]!) !== 0) return false;
    if (((key[i]! ^ criteria.key[i]!) & cm) !== 0) return false;
  }
  return true;
}

/** One shared, frozen object per combination of flags: entries only ever replace theirs. */
const sharedFlags = new Map<string, Readonly<FlowModFlags>>();

function internFlags(f: FlowModFlags): FlowModFlags {
  const id = JSON.stringify(f);
  let shared = sharedFlags.get(id);
  if (shared === undefined) {
    shared = Object.freeze({ ...f });
    sharedFlags.set(id, shared);
  }
  return shared;
}
