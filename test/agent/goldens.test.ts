/**
 * fixtures/cloud with the noop firewall (firewall_driver noop or absent):
 * each file played by oracle-harness.ts (neutron-run's steps, ovsim's switch,
 * the ported agent), its output compared with what the real Neutron 21
 * agent and real OVS 3.1 printed, block by block, cookies normalised and each
 * block's lines sorted (fixtures/cloud/README.md). The openvswitch-firewall
 * files are run through src/cloud by test/cloud/golden.test.ts.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { normalise, runCloudFile } from "./oracle-harness.js";
import type { CloudFile } from "./oracle-harness.js";

const DIR = new URL("../../fixtures/cloud/", import.meta.url);
const noop = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .filter((f) => {
    const file = JSON.parse(readFileSync(new URL(f, DIR), "utf8")) as CloudFile;
    return (file.hosts[0]?.agent?.["firewall_driver"] ?? "noop") === "noop";
  });

describe("fixtures/cloud goldens, noop firewall (real Neutron 21 agent + real OVS 3.1)", () => {
  it("covers the 16 noop files", () => {
    expect(noop.length).toBe(16);
  });

  for (const f of noop) {
    it(f, () => {
      const run = runCloudFile(new URL(f, DIR).pathname);
      expect(run.agent.errors).toEqual([]);
      const got = normalise(run.output);
      const want = normalise(readFileSync(new URL(f.replace(/\.json$/, ".out"), DIR), "utf8"));
      expect(got.length).toBe(want.length);
      got.forEach((block, i) => expect(block).toBe(want[i]));
    });
  }
});
