/**
 * Port mirroring against real OVS 3.1: every script of fixtures/mirror
 * (recorded by fixtures/mirror/record.sh through ../shared/ovs-oracle/ovs-run)
 * runs through `ovsim run`'s line runner and every command must print what
 * OVS printed: SPAN mirrors (select_all, select_src_port, select_dst_port,
 * select_vlan), output VLAN (RSPAN) mirrors, snaplen truncation, the mirror
 * output port left out of floods and its received packets dropped, mirrors
 * of bridges joined by patch ports, Mirror rows without a usable output,
 * reconfiguration of a Mirror row, datapath flows after packets. Row uuids
 * (random in OVS) and the values switch-normalise.ts replaces are replaced
 * on both sides; dpctl/dump-flows lines compare as sets.
 */
import { describe, expect, it } from "vitest";
import { runLine } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";
import { normaliseSwitchOutput } from "../cli/switch-normalise.js";
import { loadRecording, recordedScripts } from "../support/recordings.js";

const DIR = new URL("../../fixtures/mirror/", import.meta.url);
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

function comparable(command: string, lines: readonly string[]): string[] {
  const out = normaliseSwitchOutput(lines.join("\n")).replace(UUID, "<uuid>").split("\n");
  return /\bdump-flows\b/.test(command) ? [...out].sort() : out;
}

describe("port mirroring against real OVS (fixtures/mirror)", () => {
  const names = recordedScripts(DIR);
  it("has the recorded scripts", () => expect(names.length).toBeGreaterThanOrEqual(4));
  for (const name of names) {
    it(name, () => {
      const sw = new Switch();
      for (const c of loadRecording(name, DIR)) {
        const r = runLine(sw, c.command);
        expect(comparable(c.command, [...r.stdout, ...r.stderr]), c.command).toEqual(comparable(c.command, c.output));
      }
    });
  }
});
