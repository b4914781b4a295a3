/**
 * Translation against real OVS 3.1: every `ovs-appctl ofproto/trace` of the
 * scenario scripts in fixtures/xlate (recorded by record.sh through
 * ../shared/ovs-oracle/ovs-run) must print exactly what OVS printed — Flow,
 * the bridge/table/action lines, Final flow, Datapath actions (datapath port
 * numbers from the recording's dpif/show, mapped by port name) — except:
 *
 * - Megaflow lines (the classifier's prefix tries, ports tries, staged lookup
 *   and conjunctive matches, as OVS's) may differ only where listed in
 *   MEGAFLOW_DIFFERS, with the reason (none today);
 * - traces that need a part another module supplies are listed in PENDING.
 */
import { describe, expect, it } from "vitest";
import { runScenario, scenarioNames } from "./xlate-harness.js";

/** "scenario|flow": why OVS's megaflow is narrower (or wider) than ovsim's. */
const MEGAFLOW_DIFFERS: ReadonlyMap<string, string> = new Map([]);

/** Scenarios whose traces need a part not in src/actions yet. */
const PENDING: ReadonlyMap<string, string> = new Map([]);

function flowOf(command: string): string {
  const m = /'([^']*)'\s*$/.exec(command);
  return m?.[1] ?? "";
}

const names = scenarioNames();

describe("ofproto/trace against real OVS (fixtures/xlate)", () => {
  it("has at least 60 scenarios", () => expect(names.length).toBeGreaterThanOrEqual(60));

  for (const name of names) {
    it.skipIf(PENDING.has(name))(name, () => {
      const traces = runScenario(name);
      expect(traces.length).toBeGreaterThan(0);
      for (const t of traces) {
        const key = `${name}|${flowOf(t.command)}`;
        const strip = (lines: readonly string[]): string[] => lines.filter((l) => !l.startsWith("Megaflow: "));
        expect(strip(t.actual), t.command).toEqual(strip(t.expected));
        const em = t.expected.filter((l) => l.startsWith("Megaflow: "));
        const am = t.actual.filter((l) => l.startsWith("Megaflow: "));
        if (MEGAFLOW_DIFFERS.has(key)) expect(am, `${t.command}: documented difference now matches`).not.toEqual(em);
        else expect(am, t.command).toEqual(em);
      }
    });
  }
});
