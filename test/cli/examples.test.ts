/**
 * Every bundled example script prints, line for line, what real Open vSwitch
 * printed for it (fixtures/examples/*.ovs.out, recorded by
 * fixtures/examples/record.sh with OVS_RUN_TRACE=1 and 2>/dev/null).
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runScript } from "../../src/cli/run-script.js";

const dir = new URL("../../fixtures/examples/", import.meta.url);
const scripts = readdirSync(dir).filter((f) => f.endsWith(".ovs"));

describe("bundled examples against real OVS", () => {
  it("has examples", () => expect(scripts.length).toBeGreaterThan(0));

  it.each(scripts)("%s", (name) => {
    const expected = readFileSync(new URL(`${name}.out`, dir), "utf8");
    const out = runScript(readFileSync(new URL(name, dir), "utf8"));
    const got = out.lines.flatMap(({ command, result }) => [`### ${command}`, ...result.stdout]).join("\n") + "\n";
    expect(got).toBe(expected);
  });
});
