/**
 * Every fixtures/ofctl/*.ovs, fixtures/appctl/*.ovs, fixtures/ofctl-options/*.ovs
 * (ovs-ofctl's global options) and fixtures/sandbox/*.ovs (the sandbox's ports
 * and datapaths) script prints, line for
 * line, what real Open vSwitch 3.1 printed for it (*.ovs.out, recorded by
 * each folder's record.sh), modulo the values OVS makes random or
 * time-dependent (see switch-normalise.ts). Scripts name flow files relative
 * to the repository root, where the tests run.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runScript } from "../../src/utilities/run-script.js";
import { normaliseSwitchTranscript } from "./switch-normalise.js";

const dirs = ["ofctl", "appctl", "ofctl-options", "sandbox"].map((d) => new URL(`../../fixtures/${d}/`, import.meta.url));
const scripts = dirs.flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith(".ovs")).map((name) => ({ dir, name })));

describe("ovs-ofctl and ovs-appctl scripts against real OVS", () => {
  it("has at least 40 recorded scripts", () => expect(scripts.length).toBeGreaterThanOrEqual(40));

  it.each(scripts.map((s) => [`${s.dir.pathname.split("/").at(-2)}/${s.name}`, s] as const))("%s", (_label, { dir, name }) => {
    const expected = readFileSync(new URL(`${name}.out`, dir), "utf8");
    const out = runScript(readFileSync(new URL(name, dir), "utf8"));
    const got = out.lines.flatMap(({ command, result }) => [`### ${command}`, ...result.stdout]).join("\n") + "\n";
    expect(normaliseSwitchTranscript(got)).toBe(normaliseSwitchTranscript(expected));
  });
});
