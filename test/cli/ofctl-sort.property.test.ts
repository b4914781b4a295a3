/**
 * `ovs-ofctl --sort=FIELD` / `--rsort=FIELD` against the rules OVS's
 * compare_flows states (the goldens in fixtures/ofctl-options/sort.ovs pin
 * them on a few flows; this checks them on random flow sets):
 *
 * - the sorted dump holds the same flows as the plain dump;
 * - flows that match on FIELD come before those that do not, in both directions;
 * - among the first, FIELD's values go up (--sort) or down (--rsort);
 * - flows with equal values (or all without FIELD) go by priority, highest first.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { propertyRuns } from "../../src/testing/runs.js";
import { runLine } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";

interface Flow {
  readonly priority: number;
  readonly inPort: number | null;
  readonly tpDst: number | null;
}

const flowArb: fc.Arbitrary<Flow> = fc.record({
  priority: fc.integer({ min: 1, max: 5 }),
  inPort: fc.option(fc.integer({ min: 1, max: 4 }), { nil: null }),
  tpDst: fc.option(fc.integer({ min: 1, max: 4 }), { nil: null }),
});

function flowText(f: Flow, i: number): string {
  // A distinct nw_dst per flow keeps every flow its own (no two replace each other).
  let s = `priority=${f.priority},ip,nw_dst=10.0.0.${i + 1}`;
  if (f.tpDst !== null) s = `priority=${f.priority},tcp,nw_dst=10.0.0.${i + 1},tp_dst=${f.tpDst}`;
  if (f.inPort !== null) s += `,in_port=${f.inPort}`;
  return `${s},actions=drop`;
}

/** A flow line's value of `field`, or null when it does not match on it. */
function valueOf(line: string, field: "in_port" | "tp_dst"): number | null {
  const m = new RegExp(`[ ,]${field}=(\\d+)`).exec(line);
  return m ? Number(m[1]) : null;
}

function priorityOf(line: string): number {
  return Number(/priority=(\d+)/.exec(line)?.[1] ?? "32768");
}

describe("ovs-ofctl --sort / --rsort", () => {
  it("orders by the field (missing last either way), then by priority, highest first", () => {
    fc.assert(
      fc.property(fc.array(flowArb, { minLength: 1, maxLength: 12 }), fc.constantFrom("in_port", "tp_dst" as const), fc.boolean(), (flows, field, descending) => {
        const sw = new Switch();
        runLine(sw, "ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy");
        runLine(sw, "ovs-ofctl del-flows br0");
        flows.forEach((f, i) => expect(runLine(sw, `ovs-ofctl add-flow br0 '${flowText(f, i)}'`).ok).toBe(true));
        const plain = runLine(sw, "ovs-ofctl --no-stats dump-flows br0").stdout;
        const sorted = runLine(sw, `ovs-ofctl --no-stats --${descending ? "rsort" : "sort"}=${field} dump-flows br0`).stdout;
        expect([...sorted].sort()).toEqual([...plain].sort());
        for (let i = 1; i < sorted.length; i++) {
          const a = sorted[i - 1] as string;
          const b = sorted[i] as string;
          const va = valueOf(a, field);
          const vb = valueOf(b, field);
          expect(va === null && vb !== null, `${a} before ${b}`).toBe(false);
          if (va !== null && vb !== null && va !== vb) expect(descending ? va > vb : va < vb, `${a} before ${b}`).toBe(true);
          else if (va === vb) expect(priorityOf(a) >= priorityOf(b), `${a} before ${b}`).toBe(true);
        }
      }),
      { numRuns: propertyRuns(60) },
    );
  });
});
