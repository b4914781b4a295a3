/**
 * Flow expiry on the virtual clock, as OVS's rule_expire (ofproto/ofproto-dpif.c)
 * does it: a flow with hard_timeout H expires when now > modified + H*1000, one
 * with idle_timeout I when now > used + I*1000; the hard timeout is checked
 * first. Each fact was checked against real OVS with `time/stop` + `time/warp`
 * (fixtures/flowtable/semantics/timeouts.ovs and add-replace.ovs, replayed in
 * flow-tables.test.ts): present at the deadline, gone 1 ms later; a modify
 * restarts the hard timeout but not the idle one; a replacing add keeps the last
 * use. A property test compares expire() with a model over random histories.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FIELDS } from "../../src/flowtable/fields.js";
import type { FlowEntry } from "../../src/flowtable/flow-entry.js";
import type { FlowModCommand } from "../../src/flowtable/flow-mod-parse.js";
import { parseFlow } from "../../src/flowtable/flow-mod-parse.js";
import { submitFlow } from "../../src/flowtable/flow-mod-submit.js";
import type { FlowRemoved } from "../../src/flowtable/flow-tables.js";
import { FlowTables, looseSelector } from "../../src/flowtable/flow-tables.js";
import { protocolsForVersion } from "../../src/flowtable/openflow-protocols.js";
import { textOutputActions } from "./semantics-player.js";
import { propertyRuns } from "../../src/testing/runs.js";

function flowMod(t: FlowTables<string>, text: string, command: FlowModCommand, now: number): void {
  const parsed = parseFlow(text, command);
  const sub = submitFlow(parsed, parsed.actions ?? "", protocolsForVersion("OpenFlow10"));
  if (!sub.ok) throw new Error(`not submitted: ${text}`);
  t.apply(sub.flowMod, now);
}

function all(t: FlowTables<string>): FlowEntry<string>[] {
  return t.select(looseSelector());
}

function flowOn(t: FlowTables<string>, port: number): FlowEntry<string> {
  const e = all(t).find((f) => f.match.equals(parseFlow(`in_port=${port}`, "delete").match));
  if (!e) throw new Error(`no flow for in_port=${port}`);
  return e;
}

/** Removals as `in_port:reason@time` (in_port is all these flows match). */
const gone = (r: readonly FlowRemoved<string>[]): string[] =>
  r.map((x) => `${x.entry.match.getField(FIELDS.in_port).value}:${x.reason}@${x.time}`);

function table(...flows: string[]): FlowTables<string> {
  const t = new FlowTables<string>(textOutputActions);
  for (const f of flows) flowMod(t, f, "add", 0);
  return t;
}

describe("hard_timeout", () => {
  it("is not expired at the deadline and is expired 1 ms later", () => {
    const t = table("priority=10,in_port=1,hard_timeout=10,actions=output:2");
    expect(t.expire(10_000)).toEqual([]);
    expect(t.count()).toBe(1);
    expect(gone(t.expire(10_001))).toEqual(["1:hard_timeout@10001"]);
    expect(t.count()).toBe(0);
  });

  it("is not refreshed by packets", () => {
    const t = table("priority=10,in_port=1,hard_timeout=10,actions=output:2");
    flowOn(t, 1).credit(1, 60, 9_999);
    expect(gone(t.expire(10_001))).toEqual(["1:hard_timeout@10001"]);
  });

  it("restarts on modify (modified = time of the modify); the modify's own timeouts are ignored", () => {
    const t = table("priority=10,in_port=3,hard_timeout=10,actions=output:1");
    flowMod(t, "in_port=3,hard_timeout=100,actions=drop", "modify", 6_000);
    const e = flowOn(t, 3);
    expect([e.hardTimeout, e.created, e.modified]).toEqual([10, 0, 6_000]);
    expect(t.expire(16_000)).toEqual([]);
    expect(gone(t.expire(16_001))).toEqual(["3:hard_timeout@16001"]);
  });

  it("wins over idle_timeout when both have passed", () => {
    const t = table("priority=10,in_port=4,idle_timeout=10,hard_timeout=10,actions=output:1");
    expect(gone(t.expire(10_001))).toEqual(["4:hard_timeout@10001"]);
  });

  it("of the largest value (65535 s) is still a deadline", () => {
    const t = table("priority=10,in_port=1,hard_timeout=65535,actions=drop");
    expect(t.nextExpiry()).toBe(65_535_001);
    expect(t.expire(65_535_000)).toEqual([]);
    expect(t.expire(65_535_001)).toHaveLength(1);
  });
});

describe("idle_timeout", () => {
  it("counts from the last packet (credit): present at used + idle, gone 1 ms later", () => {
    const t = table("priority=10,in_port=2,idle_timeout=10,actions=output:1");
    flowOn(t, 2).credit(1, 34, 4_000);
    expect(t.expire(10_001)).toEqual([]);
    expect(t.expire(14_000)).toEqual([]);
    expect(gone(t.expire(14_001))).toEqual(["2:idle_timeout@14001"]);
  });

  it("never moves back when a hit is credited with an older time", () => {
    const t = table("priority=10,in_port=2,idle_timeout=10,actions=output:1");
    const e = flowOn(t, 2);
    e.credit(1, 34, 4_000);
    e.credit(1, 34, 3_000);
    expect([e.used, e.nPackets, e.nBytes]).toEqual([4_000, 2, 68]);
  });

  it("is not refreshed by a modify", () => {
    const t = table("priority=10,in_port=2,idle_timeout=10,actions=output:1");
    flowMod(t, "in_port=2,actions=drop", "modify", 6_000);
    expect(gone(t.expire(10_001))).toEqual(["2:idle_timeout@10001"]);
  });

  it("of a flow replaced by add counts from the replaced flow's last use", () => {
    const t = table("priority=10,in_port=1,idle_timeout=50,actions=output:2");
    flowMod(t, "priority=10,in_port=1,idle_timeout=5,actions=output:3", "add", 2_000);
    expect(t.expire(5_000)).toEqual([]);
    expect(gone(t.expire(5_001))).toEqual(["1:idle_timeout@5001"]);
  });
});

describe("expire() and nextExpiry()", () => {
  it("zero timeouts never expire; nextExpiry is Infinity without timeouts", () => {
    const t = table("priority=10,in_port=1,actions=drop");
    expect(t.nextExpiry()).toBe(Infinity);
    expect(t.expire(Number.MAX_SAFE_INTEGER)).toEqual([]);
  });

  it("nextExpiry is the first time expire() removes something, in every table", () => {
    const t = table(
      "table=3,priority=10,in_port=1,hard_timeout=7,actions=drop",
      "priority=10,in_port=2,idle_timeout=5,actions=drop",
      "table=200,priority=10,in_port=3,idle_timeout=9,hard_timeout=8,actions=drop",
    );
    flowOn(t, 2).credit(1, 60, 1_500);
    const times: number[] = [];
    while (t.count() > 0) {
      const next = t.nextExpiry();
      expect(t.expire(next - 1)).toEqual([]);
      const removed = t.expire(next);
      expect(removed.length).toBeGreaterThan(0);
      times.push(next);
    }
    expect(times).toEqual([6_501, 7_001, 8_001]);
  });

  it("bumps version once per removed flow and reports the removal time", () => {
    const t = table("priority=10,in_port=1,hard_timeout=1,actions=drop", "priority=10,in_port=2,hard_timeout=1,actions=drop");
    const v = t.version;
    const removed = t.expire(1_001);
    expect(removed.map((r) => [r.reason, r.time])).toEqual([
      ["hard_timeout", 1_001],
      ["hard_timeout", 1_001],
    ]);
    expect(t.version).toBe(v + 2);
  });
});

// ---- property: expire() against a model ---------------------------------------------------

/** What the model knows of one flow (keyed by its in_port). */
interface ModelFlow {
  idle: number;
  hard: number;
  modified: number;
  used: number;
}

type Event =
  | { kind: "add"; dt: number; port: number; idle: number; hard: number }
  | { kind: "modify"; dt: number; port: number }
  | { kind: "hit"; dt: number; port: number }
  | { kind: "expire"; dt: number };

const PORTS = 6;
const timeout = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 6 }));
/** Time steps, mostly whole seconds and their neighbours so that events land on deadlines. */
const dt = fc.oneof(
  { arbitrary: fc.constantFrom(0, 1, 999, 1_000, 1_001, 2_000), weight: 3 },
  { arbitrary: fc.integer({ min: 0, max: 4_000 }), weight: 1 },
);
const port = fc.integer({ min: 1, max: PORTS });
const event: fc.Arbitrary<Event> = fc.oneof(
  fc.record({ kind: fc.constant("add" as const), dt, port, idle: timeout, hard: timeout }),
  fc.record({ kind: fc.constant("modify" as const), dt, port }),
  fc.record({ kind: fc.constant("hit" as const), dt, port }),
  fc.record({ kind: fc.constant("expire" as const), dt }),
);

function modelExpiry(f: ModelFlow, now: number): string | null {
  if (f.hard !== 0 && now > f.modified + f.hard * 1000) return "hard_timeout";
  if (f.idle !== 0 && now > f.used + f.idle * 1000) return "idle_timeout";
  return null;
}

describe("property: expire(t) removes exactly the flows a model says have expired", () => {
  it("over random adds, modifies, hits and expiries", () => {
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 40 }), (events) => {
        const t = new FlowTables<string>(textOutputActions);
        const model = new Map<number, ModelFlow>();
        let now = 0;
        for (const ev of events) {
          now += ev.dt;
          switch (ev.kind) {
            case "add": {
              flowMod(t, `in_port=${ev.port},idle_timeout=${ev.idle},hard_timeout=${ev.hard},actions=drop`, "add", now);
              const old = model.get(ev.port);
              model.set(ev.port, { idle: ev.idle, hard: ev.hard, modified: now, used: old ? old.used : now });
              break;
            }
            case "modify": {
              // A modify of a missing flow adds it (same default priority as the adds), without timeouts.
              flowMod(t, `in_port=${ev.port},actions=output:1`, "modify", now);
              const old = model.get(ev.port);
              model.set(ev.port, old ? { ...old, modified: now } : { idle: 0, hard: 0, modified: now, used: now });
              break;
            }
            case "hit": {
              const m = parseFlow(`in_port=${ev.port}`, "delete").match;
              const e = t.lookup(0, m.key, null);
              expect(e !== null).toBe(model.has(ev.port));
              e?.credit(1, 60, now);
              const f = model.get(ev.port);
              if (f) f.used = Math.max(f.used, now);
              break;
            }
            case "expire": {
              const want = [...model.entries()]
                .map(([p, f]) => [p, modelExpiry(f, now)] as const)
                .filter((x): x is readonly [number, string] => x[1] !== null)
                .map(([p, reason]) => `${p}:${reason}@${now}`)
                .sort();
              expect(gone(t.expire(now)).sort()).toEqual(want);
              for (const w of want) model.delete(Number(w.split(":")[0]));
              break;
            }
          }
          // The flows, their clocks, and the next deadline agree with the model after every event.
          expect(t.count()).toBe(model.size);
          for (const [p, f] of model) {
            const e = flowOn(t, p);
            expect([e.idleTimeout, e.hardTimeout, e.modified, e.used]).toEqual([f.idle, f.hard, f.modified, f.used]);
          }
          const deadlines = [...model.values()].flatMap((f) => [
            ...(f.hard !== 0 ? [f.modified + f.hard * 1000 + 1] : []),
            ...(f.idle !== 0 ? [f.used + f.idle * 1000 + 1] : []),
          ]);
          expect(t.nextExpiry()).toBe(Math.min(Infinity, ...deadlines));
        }
      }),
      { numRuns: propertyRuns(300) },
    );
  });
});
