/**
 * One OpenFlow flow entry (OVS's `struct rule`): its match and priority in a
 * table, cookie, timeouts, flags, actions, and the counters and times that
 * dump-flows reports. Times are virtual-clock milliseconds.
 *
 * Memory: the match is not kept as a Match (two 56-word typed arrays, about
 * 800 bytes with their objects) but in the entry's classifier rule, which in
 * FlowTables' classifiers keeps its key only in the subtable's record and
 * shares the subtable's mask; `match` rebuilds a Match on each read.
 */
import { ClassifierRule } from "./classifier.js";
import type { FlowModFlags } from "./flow-mod-parse.js";
import { Match } from "./match.js";

export class FlowEntry<A> {
  /** Order of creation within its bridge: dumps list equal-priority flows in this order. */
  readonly id: number;
  readonly tableId: number;
  readonly priority: number;
  cookie: bigint;
  /** Seconds; 0 = never. */
  idleTimeout: number;
  hardTimeout: number;
  importance: number;
  flags: FlowModFlags;
  actions: A;
  /** When the entry was added (kept across modify, reset by add). */
  created: number;
  /** When the entry was last added or modified: hard_timeout counts from here. */
  modified: number;
  /** When a packet last hit the entry: idle_timeout counts from here. */
  used: number;
  nPackets: number;
  nBytes: number;
  /** The entry's classifier rule (its match and priority; in a table or not). */
  readonly rule: ClassifierRule<FlowEntry<A>>;

  constructor(
    id: number,
    tableId: number,
    match: Match,
    priority: number,
    cookie: bigint,
    idleTimeout: number,
    hardTimeout: number,
    importance: number,
    flags: FlowModFlags,
    actions: A,
    now: number,
  ) {
    this.id = id;
    this.tableId = tableId;
    this.priority = priority;
    this.cookie = cookie;
    this.idleTimeout = idleTimeout;
    this.hardTimeout = hardTimeout;
    this.importance = importance;
    this.flags = flags;
    this.actions = actions;
    this.created = now;
    this.modified = now;
    this.used = now;
    this.nPackets = 0;
    this.nBytes = 0;
    this.rule = new ClassifierRule(match.key, match.mask, priority, this);
  }

  /** The entry's match: a fresh copy on each read (see "Memory"). */
  get match(): Match {
    return new Match(this.rule.key.slice(), this.rule.mask.slice());
  }

  /** Credits a hit of `packets` packets and `bytes` bytes at time `now`. */
  credit(packets: number, bytes: number, now: number): void {
    this.nPackets += packets;
    this.nBytes += bytes;
    if (now > this.used) this.used = now;
  }

  /** Why the entry has expired at `now`, or null (OVS's `rule_expire`: strictly after). */
  expiry(now: number): "hard_timeout" | "idle_timeout" | null {
    if (this.hardTimeout !== 0 && now > this.modified + this.hardTimeout * 1000) return "hard_timeout";
    if (this.idleTimeout !== 0 && now > this.used + this.idleTimeout * 1000) return "idle_timeout";
    return null;
  }

  /**
   * OVS's ofproto_rule_reduce_timeouts (the fin_timeout action): a non-zero
   * `idle` (`hard`) lowers an idle (hard) timeout that is 0 or greater to it.
   */
  reduceTimeouts(idle: number, hard: number): void {
    if (idle !== 0 && (this.idleTimeout === 0 || this.idleTimeout > idle)) this.idleTimeout = idle;
    if (hard !== 0 && (this.hardTimeout === 0 || this.hardTimeout > hard)) this.hardTimeout = hard;
  }

  /** The earliest virtual time at which `expiry` can become non-null, or Infinity. */
  nextExpiry(): number {
    let t = Infinity;
    if (this.hardTimeout !== 0) t = Math.min(t, this.modified + this.hardTimeout * 1000 + 1);
    if (this.idleTimeout !== 0) t = Math.min(t, this.used + this.idleTimeout * 1000 + 1);
    return t;
  }
}
