/**
 * PySet (src/agent/py-set.ts) against CPython 3.11's set: the cases in
 * fixtures/py-set-cases.json were recorded from the interpreter
 * python3-neutron runs on (fixtures/py-set-cases.py), and the facts of the
 * agent's local VLAN pool that fixtures/cloud shows.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PySet } from "../../src/agent/py-set.js";
import { propertyRuns } from "../../src/testing/runs.js";

interface Case {
  init: { range?: [number, number]; values?: number[] };
  ops: [string, number | null][];
  head: number[];
  tail: number[];
  size: number;
}
const recorded = JSON.parse(readFileSync(new URL("./fixtures/py-set-cases.json", import.meta.url), "utf8")) as { python: string; cases: Case[] };

describe("PySet as CPython's set of small ints", () => {
  it.each(recorded.cases.map((c, i) => [i, c] as const))("recorded case %i: pops, size and iteration order", (_i, c) => {
    const s = c.init.range !== undefined ? PySet.range(c.init.range[0], c.init.range[1]) : new PySet(c.init.values ?? []);
    for (const [op, v] of c.ops) {
      if (op === "pop") expect(s.pop() ?? null).toBe(v);
      else if (op === "add") s.add(v!);
      else s.discard(v!);
    }
    const order = s.toArray();
    expect(s.size).toBe(c.size);
    expect(order.slice(0, 32)).toEqual(c.head);
    expect(order.slice(-32)).toEqual(c.tail);
  });

  it("pops the VLAN pool 1, 2, 3... and hands a reclaimed VLAN out only after the scan wraps (unplug-reclaim)", () => {
    const pool = PySet.range(1, 4095);
    expect([pool.pop(), pool.pop()]).toEqual([1, 2]);
    pool.add(1);
    expect([pool.pop(), pool.pop()]).toEqual([3, 4]);
    expect(pool.has(1)).toBe(true);
  });

  it("re-adds into the last dummy slot it passes (1 lands in slot 2, then 2 goes to the end)", () => {
    const s = PySet.range(1, 4095);
    s.pop();
    s.pop();
    s.add(1);
    s.add(2);
    const order = s.toArray();
    expect(order.slice(0, 3)).toEqual([1, 3, 4]);
    expect(order[order.length - 1]).toBe(2);
  });

  it("iterates ofports by slot, as flood flows list them: ascending below 8, not beyond (9 sits in slot 1)", () => {
    expect(new PySet([5, 2, 3]).toArray()).toEqual([2, 3, 5]);
    const s = new PySet();
    for (const p of [9, 2, 17, 3]) s.add(p);
    expect(s.toArray()).toEqual([9, 2, 3, 17]); // CPython 3.11: list({9, 2, 17, 3}) built in that order
  });

  it("keeps set semantics under any sequence of operations (a model: a JS Set)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom("add", "discard", "pop"), fc.integer({ min: 0, max: 300 })), { maxLength: 200 }), (ops) => {
        const s = new PySet();
        const model = new Set<number>();
        for (const [op, v] of ops) {
          if (op === "add") {
            s.add(v);
            model.add(v);
          } else if (op === "discard") expect(s.discard(v)).toBe(model.delete(v));
          else {
            const p = s.pop();
            if (model.size === 0) expect(p).toBeUndefined();
            else expect(model.delete(p!)).toBe(true);
          }
          expect(s.size).toBe(model.size);
        }
        expect(new Set(s.toArray())).toEqual(model);
      }),
      { numRuns: propertyRuns(200) },
    );
  });
});
