/**
 * IPFIX statistics, rev_reconfigure and the datapath's drop counters against real OVS 3.1
 * (fixtures/ipfix, recorded by its record.sh): each NAME.ovs runs line by line through ovsim,
 * "### line" then its standard output and error, and must print what NAME.ovs.out recorded
 * (UUIDs, which differ from run to run, compared as <uuid>).
 *
 * - bridge-stats.ovs: NXST_IPFIX_BRIDGE with no collector listening (src/vswitchd/ipfix.ts):
 *   flows, sampled packets, IPv4 / IPv6 ok and errors, tx pkts / tx errs of the sends to a
 *   loopback collector (every other one refused), NXST_NOT_CONFIGURED; the sampling actions
 *   (input and output, enable-*-sampling read as OVS 3.1 reads them, the sample wrapper at
 *   sampling 4).
 * - flow-stats.ovs: NXST_IPFIX_FLOW, one line per collector set in the exporters' hmap order.
 * - rev-reconfigure.ovs, rev-reconfigure-2.ovs: which reconfigurations count rev_reconfigure
 *   (src/vswitchd/backer-revalidation.ts) and which do not (a flow table change or STP wins).
 * - datapath-drops.ovs: datapath_drop_meter and datapath_drop_invalid_port.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runLine } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";

const dir = new URL("../../fixtures/ipfix/", import.meta.url);
const read = (name: string): string => readFileSync(new URL(name, dir), "utf8");
const commands = (name: string): string[] => read(name).split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"));
const uuids = (s: string): string => s.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<uuid>");

describe("IPFIX and coverage counters against real OVS (fixtures/ipfix)", () => {
  it.each(["bridge-stats.ovs", "flow-stats.ovs", "rev-reconfigure.ovs", "rev-reconfigure-2.ovs", "datapath-drops.ovs"])("%s", (name) => {
    const sw = new Switch();
    let got = "";
    for (const line of commands(name)) {
      const r = runLine(sw, line);
      got += [`### ${line}`, ...r.stdout, ...r.stderr].map((l) => `${l}\n`).join("");
    }
    expect(uuids(got)).toBe(uuids(read(`${name}.out`)));
  });
});
