/**
 * br-int's flows after the Neutron OVS agent's VXLAN script of fixtures/neutron (its traces
 * match real OVS 3.1 line for line), as `ovs-ofctl dump-flows br-int` prints them: a rule set
 * of ours for `ovsim bench flows`. test/bench/fixtures/neutron-br-int.dump holds it, with this
 * header, for docs/bench.md's worked example; bench-cli.test.ts checks the file is current, and
 * `node --import tsx test/bench/neutron-dump.ts` rewrites it.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runScript } from "../../src/utilities/run-script.js";

export const NEUTRON_DUMP_HEADER =
  "# ovs-ofctl dump-flows br-int after fixtures/neutron/vxlan-vm-to-remote.ovs (its dump-flows and\n" +
  "# ofproto/trace lines left out), run by ovsim: test/bench/neutron-dump.ts writes and checks it.\n";

export function neutronBrIntDump(): string {
  const script = readFileSync(new URL("../../fixtures/neutron/vxlan-vm-to-remote.ovs", import.meta.url), "utf8")
    .split("\n")
    .filter((l) => !/dump-flows|ofproto\/trace/.test(l))
    .join("\n");
  const out = runScript(`${script}\novs-ofctl dump-flows br-int\n`);
  const last = out.lines.at(-1);
  if (last === undefined || !last.result.ok) throw new Error("the Neutron script's dump-flows failed");
  return `${last.result.stdout.join("\n")}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(new URL("./fixtures/neutron-br-int.dump", import.meta.url), NEUTRON_DUMP_HEADER + neutronBrIntDump());
}
