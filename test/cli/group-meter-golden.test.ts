/**
 * Every fixtures/groups/*.ovs and fixtures/meters/*.ovs script prints, line
 * for line, what real Open vSwitch 3.1 printed for it (*.ovs.out, recorded by
 * each folder's record.sh), compared through runScript. Normalised on both
 * sides as switch-normalise.ts does, plus meter-stats' `duration:0.065s` and
 * the run directory in `talking to unix:DIR/br0.mgmt`;
 * dpctl/dump-flows lines are compared in sorted order (OVS dumps in hash order).
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runScript } from "../../src/utilities/run-script.js";
import { normaliseSwitchTranscript } from "./switch-normalise.js";

const dirs = ["groups", "meters"].map((d) => new URL(`../../fixtures/${d}/`, import.meta.url));
const scripts = dirs.flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith(".ovs")).map((name) => ({ dir, name })));

function sortGroupLines(text: string): string {
  const out: string[] = [];
  let groups: string[] = [];
  for (const l of text.split("\n")) {
    if (l.startsWith(" group_id=")) {
      groups.push(l);
      continue;
    }
    out.push(...groups.sort(), l);
    groups = [];
  }
  out.push(...groups.sort());
  return out.join("\n");
}

/** Datapath flow dumps come in OVS's hash order (random per run): their lines are sorted. */
function sortDatapathFlows(text: string): string {
  const out: string[] = [];
  let flows: string[] = [];
  for (const l of text.split("\n")) {
    if (/^(ufid:|recirc_id\()/.test(l)) {
      flows.push(l);
      continue;
    }
    out.push(...flows.sort(), l);
    flows = [];
  }
  out.push(...flows.sort());
  return out.join("\n");
}

/** The switch's management socket lies in OVS's run directory (a temporary one when recorded). */
function normaliseRunDir(text: string): string {
  return text.replace(/talking to unix:\S*\/([^/\s]+\.mgmt)/g, "talking to unix:<rundir>/$1");
}

function normalise(text: string): string {
  return sortDatapathFlows(sortGroupLines(normaliseSwitchTranscript(normaliseRunDir(text.replace(/duration:\d+(?:\.\d+)?s/g, "duration:<t>")))));
}

describe("group and meter scripts against real OVS", () => {
  it("has at least 30 recorded scripts", () => expect(scripts.length).toBeGreaterThanOrEqual(30));

  it.each(scripts.map((s) => [`${s.dir.pathname.split("/").at(-2)}/${s.name}`, s] as const))("%s", (_label, { dir, name }) => {
    const expected = readFileSync(new URL(`${name}.out`, dir), "utf8");
    const out = runScript(readFileSync(new URL(name, dir), "utf8"));
    const got = out.lines.flatMap(({ command, result }) => [`### ${command}`, ...result.stdout]).join("\n") + "\n";
    expect(normalise(got)).toBe(normalise(expected));
  });
});
