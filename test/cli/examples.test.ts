/**
 * Every bundled example script prints, line for line, what real Open vSwitch
 * printed for it (fixtures/examples/*.ovs.out, recorded by
 * fixtures/examples/record.sh with OVS_RUN_TRACE=1 and 2>/dev/null).
 *
 * One allowance: OVS lists the flows of a dump in the order of its hash
 * tables, which nothing specifies, so the flow lines of each dump-flows are
 * compared as a sorted list. Everything else, `Megaflow:` lines included,
 * must be equal.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runScript } from "../../src/utilities/run-script.js";
import { goldenBlocks as blocks } from "../support/golden-blocks.js";

const dir = new URL("../../fixtures/examples/", import.meta.url);
const scripts = readdirSync(dir).filter((f) => f.endsWith(".ovs"));

describe("bundled examples against real OVS", () => {
  it("has examples", () => expect(scripts.length).toBeGreaterThan(0));

  it.each(scripts)("%s", (name) => {
    const expected = readFileSync(new URL(`${name}.out`, dir), "utf8");
    const out = runScript(readFileSync(new URL(name, dir), "utf8"));
    const got = out.lines.flatMap(({ command, result }) => [`### ${command}`, ...result.stdout]).join("\n") + "\n";
    expect(blocks(got)).toEqual(blocks(expected));
  });
});
