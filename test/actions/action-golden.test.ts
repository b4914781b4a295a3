/**
 * Golden: every line of fixtures/actions/action-lines.txt was added to a real
 * Open vSwitch 3.1 with `ovs-ofctl [-O OpenFlow13] add-flow` and dumped with
 * `--no-stats dump-flows` (fixtures/actions/record-action-golden.mjs). ovsim,
 * driven through the same command lines, must accept and print exactly what
 * OVS accepted and printed, and refuse what OVS refused with the same message
 * (ovs-ofctl's own error text, or the OFPT_ERROR code the switch answered).
 * Accepted flows are also dumped over the other OpenFlow version (1.3 for
 * lines added over 1.0 and the reverse), where actions print as that version
 * carries them (`load:` vs `set_field:`, `mod_dl_src` vs `set_field:...->eth_src`).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ActionGoldenEntry } from "./golden-runner.js";
import { dumpLines, otherDumpComparable, runGoldenLine } from "./golden-runner.js";

const golden: ActionGoldenEntry[] = JSON.parse(
  readFileSync(new URL("../../fixtures/actions/action-golden.json", import.meta.url), "utf8"),
);

describe("action syntax against real OVS (fixtures/actions/action-golden.json)", () => {
  it("covers at least 300 accepted and 50 rejected lines, both OpenFlow versions", () => {
    expect(golden.filter((g) => g.accepted).length).toBeGreaterThanOrEqual(300);
    expect(golden.filter((g) => !g.accepted).length).toBeGreaterThanOrEqual(50);
    expect(golden.filter((g) => g.version === "OpenFlow13").length).toBeGreaterThanOrEqual(50);
    expect(golden.filter(otherDumpComparable).length).toBeGreaterThanOrEqual(300);
  });

  it.each(golden.map((g) => [`${g.version === "OpenFlow13" ? "[OF1.3] " : ""}${g.input}`, g] as const))("%s", (_name, g) => {
    const got = runGoldenLine(g);
    if (g.accepted) {
      expect(got.accepted).toBe(true);
      if (!got.accepted) return;
      expect(got.flows).toEqual(g.flows);
      if (otherDumpComparable(g)) expect(got.otherFlows).toEqual(dumpLines(g.otherFlows));
    } else {
      expect(got.accepted).toBe(false);
      if (!got.accepted) {
        expect(got.error).not.toBe("");
        expect(g.messages.join("\n")).toContain(got.error);
      }
    }
  });
});
