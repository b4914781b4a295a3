/**
 * ofproto/trace rules found by OVS 3.1's own tests (issue 12), each with more
 * cases recorded from real OVS in fixtures/trace-extra (record.sh): double
 * VLAN tags and the vlan limit in datapath flows, `dpif/dump-flows -m` lines
 * (ufid, packet_type, masks) and lookup errors, the NAT simulation on resuming
 * a ct recirculation, QoS queues' DSCP, and clone on datapaths without it.
 * Every `ovs-appctl ofproto/trace` block (its output, standard error included)
 * must be OVS's, line for line.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runScript } from "../../src/utilities/run-script.js";

const DIR = new URL("../../fixtures/trace-extra/", import.meta.url);
const scripts = readdirSync(DIR).filter((f) => f.endsWith(".ovs"));

/** The recording's blocks: `### command` -> the lines up to the next header. */
function blocks(out: string): { command: string; lines: string[] }[] {
  const result: { command: string; lines: string[] }[] = [];
  for (const line of out.split("\n")) {
    if (line.startsWith("### ")) result.push({ command: line.slice(4), lines: [] });
    else result.at(-1)?.lines.push(line);
  }
  for (const b of result) while (b.lines.at(-1) === "") b.lines.pop();
  return result;
}

describe("ofproto/trace against real OVS (fixtures/trace-extra)", () => {
  it("has its scripts", () => expect(scripts.length).toBeGreaterThanOrEqual(5));

  for (const file of scripts) {
    it(file, () => {
      const want = blocks(readFileSync(new URL(`${file}.out`, DIR), "utf8")).filter((b) => b.command.startsWith("ovs-appctl ofproto/trace"));
      const got = runScript(readFileSync(new URL(file, DIR), "utf8")).lines.filter(({ command }) => command.startsWith("ovs-appctl ofproto/trace"));
      expect(got.map((g) => g.command)).toEqual(want.map((w) => w.command));
      got.forEach((g, i) => expect([...g.result.stdout, ...g.result.stderr], g.command).toEqual(want[i]?.lines));
    });
  }
});
