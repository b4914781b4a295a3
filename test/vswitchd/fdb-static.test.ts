/**
 * Static MAC entries and fair eviction: what real OVS 3.1 printed for
 * fixtures/reliability/fdb-static.ovs (fdb/add, fdb/del, fdb/show "static",
 * fdb/flush keeping static entries, fdb/stats-show's static count, the
 * mac_learning_static_none_move counter) and fdb-evict.ovs (evict_mac_entry_fairly
 * with ties between ports and static entries, src/datapath/port-usage-heap.ts),
 * recorded with fixtures/reliability/record.sh; and a snapshot keeps it all.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runLine, runScript } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";
import { loadRecording } from "../support/recordings.js";

const dir = new URL("../../fixtures/reliability/", import.meta.url);

describe.each(["fdb-static", "fdb-static-vlan", "fdb-evict"])("MAC table as real OVS keeps it (fixtures/reliability/%s.ovs)", (name) => {
  const recording = loadRecording(name, dir);
  const out = runScript(readFileSync(new URL(`${name}.ovs`, dir), "utf8"));

  it("runs the same commands", () => {
    expect(out.lines.map((l) => l.command)).toEqual(recording.map((r) => r.command));
  });

  it.each(recording.map((r, i) => [i, r.command] as const))("command %i: %s", (i) => {
    expect(out.lines[i]!.result.stdout).toEqual(recording[i]!.output);
  });
});

describe.each(["fdb-static", "fdb-static-vlan", "fdb-evict"])("a snapshot keeps static entries, counters and the eviction order (%s.ovs)", (name) => {
  const recording = loadRecording(name, dir);
  const commands = readFileSync(new URL(`${name}.ovs`, dir), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));

  it.each([6, 12, 20, 30, 40].filter((n) => n < commands.length))("saved and loaded after command %i, the rest prints as OVS", (cut) => {
    let sw = new Switch();
    for (const c of commands.slice(0, cut)) runLine(sw, c);
    sw = Switch.loadSnapshot(JSON.parse(JSON.stringify(sw.saveSnapshot())));
    for (let i = cut; i < commands.length; i++) expect(runLine(sw, commands[i]!).stdout, commands[i]).toEqual(recording[i]!.output);
  });
});
