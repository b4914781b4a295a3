/**
 * Flow limits: what real OVS 3.1 printed for fixtures/reliability/flow-limits.ovs
 * (Flow_Table flow_limit, src/flowtable/table-eviction.ts: refuse, evict,
 * groups, importance, a lowered limit, learn into a full table) and
 * datapath-flow-limit.ovs (other_config:flow-limit and max-idle,
 * src/datapath/dpif-netdev.ts) and mac-table-size.ovs (fair MAC eviction,
 * src/datapath/mac-learning.ts), and invariants of random add sequences on a
 * limited table.
 */
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { OpenFlowError } from "../../src/flowtable/errors.js";
import type { FlowEntry } from "../../src/flowtable/flow-entry.js";
import { FlowTables, defaultFlowMod } from "../../src/flowtable/flow-tables.js";
import type { FlowRemoved } from "../../src/flowtable/flow-tables.js";
import { FIELDS } from "../../src/flowtable/fields.js";
import { OFPG_ANY } from "../../src/flowtable/flow-mod-parse.js";
import { Match } from "../../src/flowtable/match.js";
import { OFPP_NONE } from "../../src/flowtable/ports.js";
import { parseSubfield } from "../../src/flowtable/subfield.js";
import { runScript } from "../../src/utilities/run-script.js";
import { loadRecording } from "../support/recordings.js";
import { propertyRuns } from "../../src/testing/runs.js";

const dir = new URL("../../fixtures/reliability/", import.meta.url);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe.each(["flow-limits", "datapath-flow-limit", "mac-table-size"])("limits as real OVS applies them (fixtures/reliability/%s.ovs)", (name) => {
  const recording = loadRecording(name, dir);
  const out = runScript(readFileSync(new URL(`${name}.ovs`, dir), "utf8"));

  it("runs the same commands", () => {
    expect(out.lines.map((l) => l.command)).toEqual(recording.map((r) => r.command));
  });

  it.each(recording.map((r, i) => [i, r.command] as const))("command %i: %s", (i) => {
    const want = recording[i]!;
    const got = out.lines[i]!.result.stdout.filter((l) => !UUID.test(l));
    const expected = want.output.filter((l) => !UUID.test(l));
    // OVS prints flows in hash order: flow dumps are compared as sets.
    if (/dump-flows/.test(want.command)) expect([...got].sort()).toEqual([...expected].sort());
    else expect(got).toEqual(expected);
  });
});

/** A table of flows `in_port=N` (priority N), some with timeouts, under a limit. */
interface AddOp {
  readonly port: number;
  readonly hard: number;
  readonly idle: number;
  readonly importance: number;
}

const addOp = fc.record({
  port: fc.integer({ min: 1, max: 12 }),
  hard: fc.constantFrom(0, 0, 10, 20, 30),
  idle: fc.constantFrom(0, 0, 15),
  importance: fc.constantFrom(0, 0, 5),
});

type Tables = FlowTables<readonly string[]>;
const semantics = { equal: () => true, outputsToPort: () => false, outputsToGroup: () => false };
const hasTimeout = (e: FlowEntry<unknown>): boolean => e.hardTimeout !== 0 || e.idleTimeout !== 0;
const ALL = { tableId: 0, match: Match.catchall(), cookie: 0n, cookieMask: 0n, outPort: OFPP_NONE, outGroup: OFPG_ANY };

function inPort(port: number): Match {
  const m = Match.catchall();
  m.setFieldExact(FIELDS.in_port, BigInt(port));
  return m;
}

function addFlow(tables: Tables, op: AddOp, now: number): FlowRemoved<readonly string[]>[] {
  const fm = defaultFlowMod<readonly string[]>({ command: "add", match: inPort(op.port), priority: op.port, tableId: 0, actions: [] });
  return [...tables.apply({ ...fm, hardTimeout: op.hard, idleTimeout: op.idle, importance: op.importance }, now).removed];
}

/**
 * Runs `ops` on a table limited to `max` flows and checks OVS's rules after each add: never
 * more than `max` flows; only flows with a timeout are evicted, at most one per add and only
 * by an add that creates a flow into a full table; TABLE_FULL only when the table is full and
 * (with evict) holds no flow with a timeout; the victim has the lowest importance among them.
 */
function checkLimitedTable(tables: Tables, ops: readonly AddOp[], max: number, evict: boolean): void {
  tables.setTableLimit(0, { maxFlows: max, evict, groups: [] }, 0);
  ops.forEach((op, i) => {
    const before = tables.select(ALL);
    const exists = before.some((e) => e.priority === op.port);
    let removed: FlowRemoved<readonly string[]>[];
    try {
      removed = addFlow(tables, op, i * 100);
    } catch (e) {
      expect(e).toBeInstanceOf(OpenFlowError);
      expect((e as OpenFlowError).message).toContain("OFPFMFC_TABLE_FULL");
      expect(exists).toBe(false);
      expect(before.length).toBe(max);
      if (evict) expect(before.some(hasTimeout)).toBe(false);
      return;
    }
    expect(tables.count(0)).toBeLessThanOrEqual(max);
    expect(removed.length).toBeLessThanOrEqual(!exists && before.length === max ? 1 : 0);
    for (const r of removed) {
      expect(r.reason).toBe("eviction");
      expect(hasTimeout(r.entry)).toBe(true);
      expect(r.entry.importance).toBe(Math.min(...before.filter(hasTimeout).map((e) => e.importance)));
    }
  });
}

const limitedTableProperty = (make: () => Tables) =>
  fc.property(fc.array(addOp, { maxLength: 40 }), fc.integer({ min: 1, max: 6 }), fc.boolean(), (ops, max, evict) => checkLimitedTable(make(), ops, max, evict));

/** The planted bug: a full table that makes room by dropping its oldest flow (FIFO), timeouts or not. */
class FifoTables extends FlowTables<readonly string[]> {
  override apply(fm: Parameters<Tables["apply"]>[0], now: number): ReturnType<Tables["apply"]> {
    try {
      return super.apply(fm, now);
    } catch (e) {
      const oldest = this.select(ALL).sort((a, b) => a.id - b.id)[0];
      if (!(e instanceof OpenFlowError) || oldest === undefined) throw e;
      this.setTableLimit(0, { ...this.tableLimit(0), maxFlows: this.tableLimit(0).maxFlows + 1 }, now);
      super.apply(defaultFlowMod({ command: "delete_strict", match: oldest.match, priority: oldest.priority, tableId: 0, actions: [] }), now);
      this.setTableLimit(0, { ...this.tableLimit(0), maxFlows: this.tableLimit(0).maxFlows - 1 }, now);
      const r = super.apply(fm, now);
      return { ...r, removed: [{ entry: oldest, reason: "eviction", time: now }] };
    }
  }
}

describe("a limited table's invariants over random adds", () => {
  it("refuse and evict keep OVS's rules", () => {
    fc.assert(limitedTableProperty(() => new FlowTables<readonly string[]>(semantics)), { numRuns: propertyRuns(200) });
  });

  it("has teeth: a FIFO table that drops flows without a timeout fails, shrunk to a few adds", () => {
    const r = fc.check(limitedTableProperty(() => new FifoTables(semantics)), { numRuns: 200, seed: 42 });
    expect(r.failed).toBe(true);
    const [ops] = r.counterexample ?? [[]];
    expect(ops.length).toBeLessThanOrEqual(3);
  });
});

describe("eviction groups", () => {
  it("evict from the largest group, by importance then expiry", () => {
    const tables = new FlowTables<readonly string[]>(semantics);
    const groups = [parseSubfield("NXM_OF_IN_PORT[]")].flatMap((r) => (r.ok ? [r.sf] : []));
    expect(groups).toHaveLength(1);
    tables.setTableLimit(0, { maxFlows: 4, evict: true, groups }, 0);
    const add = (port: number, priority: number, hard: number, importance = 0): void => {
      const fm = defaultFlowMod<readonly string[]>({ command: "add", match: inPort(port), priority, tableId: 0, actions: [] });
      tables.apply({ ...fm, hardTimeout: hard, importance }, 0);
    };
    add(1, 1, 5);
    add(2, 2, 50);
    add(2, 3, 40, 1);
    add(2, 4, 60);
    // Full: in_port=2's group (3 flows) gives the victim although in_port=1's flow expires first;
    // within it importance 0 goes before 1, then the earlier expiry (50 s before 60 s).
    add(3, 5, 0);
    expect(tables.select(ALL).map((e) => e.priority).sort()).toEqual([1, 3, 4, 5]);
  });
});
