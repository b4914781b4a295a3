/**
 * The tunnel metadata (Geneve TLV) map against real OVS 3.1
 * (fixtures/tun-metadata, recorded by its record.sh with standard error merged):
 * add-tlv-map / del-tlv-map / dump-tlv-map, the allocation of the 256-byte
 * option space in 4-byte chunks (fragmented options, a full table), OVS's
 * NXTTMFC errors with the echoed request, the decode errors' log lines and hex
 * dumps, and the mapping text's parse (numbers wrapping to their width);
 * tun_metadata<N> in matches: ovs-ofctl's parse, the switch's placement by its
 * map, printing, --sort, diff-flows' common table, maps in use by flows;
 * tun_metadata<N> in actions (actions.ovs): set_field / load / move /
 * delete_field, the switch's mapped widths and errors, trace and megaflow.
 * Every command prints what OVS printed, line for line; ovs-ofctl's log lines
 * carry a time and number in ovsim, which record.sh strips from OVS's.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runLine, runScript } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";
import { loadRecording, recordedScripts } from "../support/recordings.js";

const DIR = new URL("../../fixtures/tun-metadata/", import.meta.url);
const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\|\d{5}\|/;

describe.each(recordedScripts(DIR))("as real OVS does (fixtures/tun-metadata/%s.ovs)", (name) => {
  const recording = loadRecording(name, DIR);
  const out = runScript(readFileSync(new URL(`${name}.ovs`, DIR), "utf8"));

  it("runs the same commands", () => {
    expect(out.lines.map((l) => l.command)).toEqual(recording.map((r) => r.command));
  });

  it.each(recording.map((r, i) => [i, r.command] as const))("command %i: %s", (i) => {
    const { stdout, stderr } = out.lines[i]!.result;
    const got = [...stdout, ...stderr].map((l) => l.replace(STAMP, ""));
    while (got[got.length - 1] === "") got.pop();
    // diff-flows prints in the hash order of ovs-ofctl's classifier (src/utilities/ofctl-diff.ts).
    if (/diff-flows/.test(recording[i]!.command)) expect([...got].sort()).toEqual([...recording[i]!.output].sort());
    else expect(got).toEqual(recording[i]!.output);
  });
});

describe("the TLV map in a switch snapshot", () => {
  it("comes back with its allocation, and its flows still match and print", () => {
    const sw = new Switch();
    const run = (line: string): string[] => {
      const r = runLine(sw, line);
      return [...r.stdout, ...r.stderr];
    };
    run("ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy");
    run('ovs-ofctl add-tlv-map br0 "{class=0xffff,type=0,len=8}->tun_metadata0,{class=0xffff,type=1,len=8}->tun_metadata1"');
    run('ovs-ofctl del-tlv-map br0 "{class=0xffff,type=0,len=8}->tun_metadata0"');
    run('ovs-ofctl add-tlv-map br0 "{class=0xffff,type=2,len=12}->tun_metadata2"');
    run('ovs-ofctl add-flow br0 "tun_metadata2=0x1234,tun_metadata1=0xff/0xf0,actions=drop"');
    const copy = Switch.loadSnapshot(JSON.parse(JSON.stringify(sw.saveSnapshot())));
    const both = (line: string): [string[], string[]] => {
      const a = runLine(sw, line);
      const b = runLine(copy, line);
      return [[...a.stdout, ...a.stderr], [...b.stdout, ...b.stderr]];
    };
    for (const line of ["ovs-ofctl dump-tlv-map br0", "ovs-ofctl dump-flows br0 --no-stats", 'ovs-ofctl add-tlv-map br0 "{class=0xffff,type=3,len=8}->tun_metadata3"', "ovs-ofctl dump-tlv-map br0"]) {
      const [a, b] = both(line);
      expect(b, line).toEqual(a);
    }
    expect(run("ovs-ofctl dump-flows br0 --no-stats").some((l) => l.includes("tun_metadata2=0x1234"))).toBe(true);
  });
});
