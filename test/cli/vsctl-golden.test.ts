/**
 * Every fixtures/vsctl/*.ovs script prints, line for line, what real Open
 * vSwitch 3.1 printed for it (*.ovs.out, recorded by fixtures/vsctl/record.sh),
 * modulo the values OVS makes random (see vsctl-normalise.ts).
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runScript } from "../../src/utilities/run-script.js";
import { normaliseTranscript } from "./vsctl-normalise.js";

const dir = new URL("../../fixtures/vsctl/", import.meta.url);
const scripts = readdirSync(dir).filter((f) => f.endsWith(".ovs"));

describe("ovs-vsctl scripts against real OVS", () => {
  it("has at least 40 recorded scripts", () => expect(scripts.length).toBeGreaterThanOrEqual(40));

  it.each(scripts)("%s", (name) => {
    const expected = readFileSync(new URL(`${name}.out`, dir), "utf8");
    const out = runScript(readFileSync(new URL(name, dir), "utf8"));
    const got = out.lines.flatMap(({ command, result }) => [`### ${command}`, ...result.stdout]).join("\n") + "\n";
    expect(normaliseTranscript(got)).toBe(normaliseTranscript(expected));
  });
});
