/**
 * Tunnels on a datapath without tnl_push/tnl_pop (a kernel datapath) against
 * real OVS 3.1: every script of fixtures/tunnels-kernel (recorded by its
 * record.sh through ../shared/ovs-oracle/ovs-run, `dpif/set-dp-features BRIDGE
 * tnl_push_pop false`) runs through `ovsim run`'s line runner and each command
 * must print what OVS printed: `set(tunnel(...))` before the vport output for
 * vxlan / gre / geneve with every option that shapes the tunnel key, IPv6
 * endpoints, "Not tunneling to our own address", the receive side (a packet on
 * the vport with its tunnel key, mapped to the tunnel port as tnl_port_receive
 * does), outer ECN, datapath flows and counters, and switching native
 * tunnelling back on.
 *
 * Normalised: dump lines compared as sets, `duration=` dropped, `used:` ages
 * (wall clock in the recordings) and the sandbox's log directory blurred.
 */
import { describe, expect, it } from "vitest";
import type { RecordedCommand } from "../support/recordings.js";
import { loadRecording, recordedScripts } from "../support/recordings.js";
import { runLine } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";

const DIR = new URL("../../fixtures/tunnels-kernel/", import.meta.url);
const names = recordedScripts(DIR);

const load = (name: string): readonly RecordedCommand[] => loadRecording(name, DIR);

function comparable(command: string, lines: readonly string[]): string[] {
  const out = lines.map((l) =>
    l
      .replace(/duration=[0-9.]+s, /, "")
      .replace(/used:[0-9.]+s/, "used:<age>")
      .replace(/The default log directory is ".*"\./, 'The default log directory is "<logdir>".'),
  );
  return /dump-flows/.test(command) ? [...out].sort() : out;
}

function differences(name: string): string[] {
  const world = new Switch();
  const diffs: string[] = [];
  for (const c of load(name)) {
    const r = runLine(world, c.command);
    const got = comparable(c.command, [...r.stdout, ...r.stderr]);
    const want = comparable(c.command, c.output);
    if (JSON.stringify(got) !== JSON.stringify(want)) diffs.push(`${c.command}\n--- ovsim\n${got.join("\n")}\n--- ovs\n${want.join("\n")}`);
  }
  return diffs;
}

describe("kernel-datapath tunnels against real OVS (fixtures/tunnels-kernel)", () => {
  it("has at least 12 scripts", () => expect(names.length).toBeGreaterThanOrEqual(12));

  for (const name of names) it(name, () => expect(differences(name)).toEqual([]));
});
