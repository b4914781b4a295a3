/**
 * Golden: every line of fixtures/flowtable/match-lines.txt was added to a real
 * Open vSwitch 3.1 with `ovs-ofctl add-flow` and dumped with `--no-stats
 * dump-flows` (fixtures/flowtable/record-match-golden.mjs). ovsim must accept
 * and print exactly what OVS accepted and printed, and refuse what OVS refused
 * with the same message.
 *
 * Actions are not under test here (they belong to src/actions): the few lines
 * OVS rejects for their actions are counted and checked by the actions suite.
 */
import { describe, expect, it } from "vitest";
import { golden, goldenPortNames } from "./match-golden-data.js";
import { FlowParseError } from "../../src/flowtable/errors.js";
import { OpenFlowError } from "../../src/flowtable/errors.js";
import { formatFlowStats } from "../../src/flowtable/flow-format.js";
import { parseFlow } from "../../src/flowtable/flow-mod-parse.js";
import { submitFlow } from "../../src/flowtable/flow-mod-submit.js";
import { FlowTables, looseSelector } from "../../src/flowtable/flow-tables.js";
import { protocolsForVersion } from "../../src/flowtable/openflow-protocols.js";


const names = goldenPortNames;

/** Actions as opaque text; OVS prints an empty action list as "drop". */
const textActions = {
  equal: (a: string, b: string) => a === b,
  outputsToPort: () => false,
  outputsToGroup: () => false,
};

type Outcome = { accepted: true; flows: string[]; log: string[] } | { accepted: false; error: string };

function run(input: string): Outcome {
  let parsed;
  try {
    parsed = parseFlow(input, "add", names);
  } catch (e) {
    if (e instanceof FlowParseError) return { accepted: false, error: `ovs-ofctl: ${e.message}` };
    throw e;
  }
  const sub = submitFlow(parsed, parsed.actions ?? "", protocolsForVersion("OpenFlow10"));
  if (!sub.ok) return { accepted: false, error: "ofctlError" in sub ? `ovs-ofctl: ${sub.ofctlError}` : sub.ofperr };
  const tables = new FlowTables<string>(textActions);
  try {
    tables.apply(sub.flowMod, 0);
  } catch (e) {
    if (e instanceof OpenFlowError) return { accepted: false, error: e.ofperr };
    throw e;
  }
  const all = tables.select(looseSelector());
  const flows = all.map((f) =>
    formatFlowStats(f, { showStats: false, now: 0, ofVersion: 10, formatActions: (a) => (a === "" ? "drop" : a) }),
  );
  return { accepted: true, flows, log: sub.log };
}

/** OVS's log lines without the `module|LEVEL|` prefix, for the INFO normalization log. */
function infoLog(messages: string[]): string[] {
  return messages.filter((m) => m.startsWith("ofp_match|INFO|")).map((m) => m.slice("ofp_match|INFO|".length));
}

const rejectedForActions = golden.filter((g) => !g.accepted && g.messages.some((m) => m.includes("unknown action")));
const cases = golden.filter((g) => !rejectedForActions.includes(g));

describe("match syntax against real OVS (fixtures/flowtable/match-golden.json)", () => {
  it("covers at least 200 recorded lines, most of them accepted flows", () => {
    expect(cases.length).toBeGreaterThanOrEqual(600);
    expect(cases.filter((c) => c.accepted).length).toBeGreaterThanOrEqual(200);
    expect(rejectedForActions.length).toBeLessThan(5);
  });

  it.each(cases.map((c) => [c.input, c] as const))("%s", (_input, c) => {
    const got = run(c.input);
    if (c.accepted) {
      expect(got).toMatchObject({ accepted: true, flows: c.flows });
      if (got.accepted) expect(got.log).toEqual(infoLog(c.messages));
    } else {
      expect(got.accepted).toBe(false);
      if (!got.accepted) expect(c.messages.join("\n")).toContain(got.error);
    }
  });
});
