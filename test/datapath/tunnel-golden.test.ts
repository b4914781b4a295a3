/**
 * Native tunnelling against real OVS 3.1: every script of fixtures/tunnels
 * (written by gen.py, recorded by record.sh through
 * ../shared/ovs-oracle/ovs-run) runs through `ovsim run`'s line runner and
 * each command must print what OVS printed: netdev-dummy/ip4addr,
 * ovs/route/*, tnl/arp/*, and ofproto/trace of output to vxlan / gre /
 * geneve ports (tnl_push headers, the underlay bridge's section, no route /
 * no neighbour drops).
 *
 * Scripts in PENDING are not modelled yet (the reason beside each); they are
 * checked to still differ, so one that starts passing must leave the list.
 * Normalised: dump lines compared as sets, `duration=` dropped, `used:` ages
 * (wall clock in the recordings) blurred. What an interface sends is compared
 * through the dummy netdev's `options:tx_pcap` and `ovs-pcap` (runWithPcap).
 */
import { describe, expect, it } from "vitest";
import type { RecordedCommand } from "../support/recordings.js";
import { loadRecording, recordedScripts } from "../support/recordings.js";
import { runLine } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";

const DIR = new URL("../../fixtures/tunnels/", import.meta.url);
const names = recordedScripts(DIR);

/** Not modelled yet, with why. */
const PENDING: ReadonlyMap<string, string> = new Map([
  ["erspan-receive", "ERSPAN decapsulation and the tun_erspan_* metadata (`erspan(idx=0x3/0)` in datapath flows) are not modelled"],
  ["erspan-receive-fixed", "ERSPAN decapsulation is not modelled"],
]);

const load = (name: string): readonly RecordedCommand[] => loadRecording(name, DIR);

function comparable(command: string, lines: readonly string[]): string[] {
  // The recordings ran on a wall clock (no time/stop): a flow's `used:` age is not reproducible.
  const out = lines.map((l) => l.replace(/duration=[0-9.]+s, /, "").replace(/used:[0-9.]+s/, "used:<age>"));
  if (/dump-flows/.test(command)) return [...out].sort();
  // The neighbour cache is a cmap with a random hash basis: OVS's own order changes from run to run.
  if (/tnl\/(arp|neigh)\/show/.test(command)) return [...out.slice(0, 2), ...out.slice(2).sort()];
  return out;
}

const TX_PCAP = / options:tx_pcap=\$OVS_RUNDIR\/(\S+)/;

/**
 * The dummy netdev's `options:tx_pcap=FILE` and `ovs-pcap FILE` (one hex line per frame sent),
 * which `ovsim run` does not have: the option is dropped from the line and a sink on the
 * interface collects what it sends.
 */
function runWithPcap(world: Switch, captures: Map<string, string[]>, command: string): { stdout: readonly string[]; stderr: readonly string[] } {
  const pcap = /^ovs-pcap \$OVS_RUNDIR\/(\S+)$/.exec(command);
  if (pcap !== null) return { stdout: captures.get(pcap[1] ?? "") ?? [], stderr: [] };
  const m = TX_PCAP.exec(command);
  const r = runLine(world, command.replace(TX_PCAP, ""));
  if (m !== null) {
    const iface = /set interface (\S+) [^-]*options:tx_pcap/.exec(command)?.[1] ?? "";
    const frames: string[] = [];
    captures.set(m[1] ?? "", frames);
    world.attach(iface, (bytes) => frames.push(Buffer.from(bytes).toString("hex")));
  }
  return r;
}

function differences(name: string): string[] {
  const world = new Switch();
  const captures = new Map<string, string[]>();
  const diffs: string[] = [];
  for (const c of load(name)) {
    const command = c.command.replace(/ \| sort$/, "");
    const r = runWithPcap(world, captures, command);
    const got = comparable(command, [...r.stdout, ...r.stderr]);
    const want = comparable(command, c.output);
    if (JSON.stringify(got) !== JSON.stringify(want)) diffs.push(`${command}\n--- ovsim\n${got.join("\n")}\n--- ovs\n${want.join("\n")}`);
  }
  return diffs;
}

describe("native tunnels against real OVS (fixtures/tunnels)", () => {
  it("has at least 25 scripts", () => expect(names.length).toBeGreaterThanOrEqual(25));

  for (const name of names) {
    const pending = PENDING.get(name);
    if (pending !== undefined) {
      it(`${name} (pending: ${pending})`, () => expect(differences(name).length).toBeGreaterThan(0));
    } else {
      it(name, () => expect(differences(name)).toEqual([]));
    }
  }
});
