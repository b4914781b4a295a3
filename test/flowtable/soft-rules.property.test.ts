/**
 * FlowTables counts each table's soft rules (conjunction-only flows, which
 * translation must look up with conjunctive matching) as flows come and go
 * (`hasSoftRules`): the count must always say what a scan of the table says,
 * through adds, replacements, modifies, deletes, expiry and eviction.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FIELDS } from "../../src/flowtable/fields.js";
import { OFPG_ANY } from "../../src/flowtable/flow-mod-parse.js";
import { defaultFlowMod, FlowTables } from "../../src/flowtable/flow-tables.js";
import type { ActionSemantics } from "../../src/flowtable/flow-tables.js";
import { Match } from "../../src/flowtable/match.js";
import { OFPP_NONE } from "../../src/flowtable/ports.js";
import { propertyRuns } from "../../src/testing/runs.js";

type Actions = readonly string[];
const isSoft = (a: Actions): boolean => a.length > 0 && a.every((x) => x.startsWith("conjunction"));
const semantics: ActionSemantics<Actions> = { equal: (a, b) => a.join() === b.join(), outputsToPort: () => false, outputsToGroup: () => false, isSoft };

const op = fc.record({
  command: fc.constantFrom("add", "add", "modify_strict", "delete_strict", "delete", "expire", "limit"),
  table: fc.integer({ min: 0, max: 2 }),
  port: fc.integer({ min: 1, max: 4 }),
  soft: fc.boolean(),
  hard: fc.constantFrom(0, 1),
});

function match(port: number): Match {
  const m = Match.catchall();
  m.setFieldExact(FIELDS.in_port, BigInt(port));
  return m;
}

function scan(t: FlowTables<Actions>, tableId: number): boolean {
  return t.select({ tableId, match: Match.catchall(), cookie: 0n, cookieMask: 0n, outPort: OFPP_NONE, outGroup: OFPG_ANY }).some((e) => isSoft(e.actions));
}

describe("soft-rule counts", () => {
  it("always equal a scan of the table", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const t = new FlowTables<Actions>(semantics);
        ops.forEach((o, i) => {
          const now = i * 1000;
          const actions = o.soft ? ["conjunction(1,1/2)"] : ["drop"];
          if (o.command === "expire") t.expire(now + 5000);
          else if (o.command === "limit") t.setTableLimit(o.table, { maxFlows: 1, evict: true, groups: [] }, now);
          else {
            const fm = defaultFlowMod<Actions>({ command: o.command, match: match(o.port), priority: 10, tableId: o.table, actions });
            try {
              t.apply({ ...fm, hardTimeout: o.hard }, now);
            } catch {
              // A full table refuses the add: nothing changed.
            }
          }
          for (let table = 0; table < 3; table++) expect(t.hasSoftRules(table)).toBe(scan(t, table));
        });
      }),
      { numRuns: propertyRuns(200) },
    );
  });
});
