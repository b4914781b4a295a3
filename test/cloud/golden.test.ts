/**
 * fixtures/cloud: every cloud file run through createCloud and the step
 * runner with the ported Neutron agent (src/agent/ovs-agent.ts), its output
 * compared with what the real Neutron agent and real OVS printed (NAME.out,
 * recorded by ../shared/neutron-oracle/neutron-run), block by block, after
 * golden-normalise.ts (cookies, line order, the host prefix).
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseCloudFile } from "../../src/cloud/cloud-file.js";
import { createCloud } from "../../src/cloud/cloud.js";
import type { Block } from "./golden-normalise.js";
import { cloudBlocks } from "./golden-normalise.js";

const DIR = new URL("../../fixtures/cloud/", import.meta.url);
const files = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .sort();



interface Run {
  readonly got: Block[];
  readonly want: Block[];
  readonly stderr: string[];
  readonly ok: boolean;
}

const runs = new Map<string, Run>();

/** Runs `file` once (memoised): ovsim's blocks and the golden's. */
function run(file: string): Run {
  const done = runs.get(file);
  if (done !== undefined) return done;
  const text = readFileSync(new URL(file, DIR), "utf8");
  const spec = parseCloudFile(text);
  const cloud = createCloud(spec);
  const result = cloud.run();
  const host = spec.hosts[0]?.name ?? "";
  const r: Run = {
    got: cloudBlocks(cloud.stdout.join("\n"), host),
    want: cloudBlocks(readFileSync(new URL(file.replace(/\.json$/, ".out"), DIR), "utf8")),
    stderr: cloud.stderr,
    ok: result.ok,
  };
  runs.set(file, r);
  return r;
}

describe("fixtures/cloud goldens (real Neutron agent + real OVS)", () => {
  for (const file of files) {
    describe(file, () => {
      it("runs every step and prints the golden's commands in order", () => {
        const r = run(file);
        expect(r.stderr.filter((l) => l.startsWith("ovsim cloud:"))).toEqual([]);
        expect(r.got.map((b) => b.command)).toEqual(r.want.map((b) => b.command));
      });
      const golden = cloudBlocks(readFileSync(new URL(file.replace(/\.json$/, ".out"), DIR), "utf8"));
      golden.forEach((b, i) => {
        it(`block ${i}: ${b.command}`, () => {
          const got = run(file).got[i];
          expect(got?.command).toBe(b.command);
          expect(got?.lines).toEqual(b.lines);
        });
      });
    });
  }
});
