/**
 * The state a pipeline carries between tables, against real OVS 3.1
 * (fixtures/pipeline-state, recorded by its record.sh with standard error):
 * the 128-bit xxreg registers, the push / pop stack (shared by resubmits,
 * copied into clones, fresh in a patch peer, frozen across a ct recirculation
 * and a select group's dp_hash recirculation, dropped from group buckets, its
 * 64 kB limit), actset_output as a match field and an action source, the
 * 32-bit OpenFlow 1.1 port numbers actions read from actset_output and
 * in_port_oxm (a learned `output:OXM_OF_IN_PORT[]` from LOCAL outputs nothing),
 * and learn's limit and result_dst. Every command prints what OVS printed, line
 * for line (dump-flows blocks sorted: OVS lists them in hash order), log
 * lines included (`meta_flow|WARN|...` before refusing actions whose fields
 * lack prerequisites; ovsim's carry a time and number, which record.sh strips
 * from OVS's), except the hex dump OVS prints after a flow_mod the switch
 * could not decode (`***decode error: ...***`), which ovsim does not encode,
 * and the log lines of ovs-ofctl's decoding of that echoed flow_mod.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runScript } from "../../src/utilities/run-script.js";
import { goldenBlocks } from "../support/golden-blocks.js";
import { recordedScripts } from "../support/recordings.js";

const DIR = new URL("../../fixtures/pipeline-state/", import.meta.url);
const LOG_LINE = /^[a-z_]+\|(WARN|INFO|ERR|DBG|EMER)\|/;
const HEX_DUMP_LINE = /^[0-9a-f]{8}  [0-9a-f]{2} /;
const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\|\d{5}\|/;

/** OVS's lines of one command, less what ovsim does not print (see above). */
function comparable(lines: string[]): string[] {
  const decodeError = lines.some((l) => l.includes("***decode error"));
  return lines.filter((l) => !HEX_DUMP_LINE.test(l) && !(decodeError && LOG_LINE.test(l)));
}

function ovsimBlocks(script: string): Array<[string, string[]]> {
  const text = runScript(script)
    .lines.flatMap(({ command, result }) => [`### ${command}`, ...result.stdout, ...result.stderr.map((l) => l.replace(STAMP, ""))])
    .join("\n");
  return goldenBlocks(`${text}\n`);
}

describe("pipeline state against real OVS (fixtures/pipeline-state)", () => {
  const names = recordedScripts(DIR);
  it("has the recordings", () => expect(names.length).toBeGreaterThanOrEqual(9));

  it.each(names)("%s", (name) => {
    const expected = goldenBlocks(readFileSync(new URL(`${name}.ovs.out`, DIR), "utf8")).map(
      ([cmd, lines]) => [cmd, comparable(lines)] as [string, string[]],
    );
    const actual = ovsimBlocks(readFileSync(new URL(`${name}.ovs`, DIR), "utf8"));
    expect(actual.map(([c]) => c)).toEqual(expected.map(([c]) => c));
    for (let i = 0; i < expected.length; i++) {
      const [cmd, lines] = expected[i]!;
      expect(actual[i]![1], cmd).toEqual(lines);
    }
  });
});
