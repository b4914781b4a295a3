/**
 * The runner takes any OpenFlow version folder of Ryu's corpus: here a small
 * hand-written corpus in the layout and JSON shape of Ryu's of14 folder
 * (test/ryu/of14-fixture), sent with `-O OpenFlow14`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { UnknownVersionFolderError, corpusFiles, locateCorpus, runCorpus } from "../../src/ryu/corpus.js";
import { messageLine } from "../../src/ryu/openflow-json.js";

const fixture = fileURLToPath(new URL("./of14-fixture", import.meta.url));

describe("OpenFlow 1.4 corpus folders", () => {
  it("finds of14 files as OpenFlow 1.4, by category", () => {
    expect(locateCorpus("/", { RYU_SWITCH_TESTS: fixture })).toEqual({ dir: fixture });
    expect(corpusFiles(fixture).map((f) => [f.name, f.version, f.category])).toEqual([
      ["of14/action/00_OUTPUT.json", "OpenFlow14", "of14/action"],
      ["of14/group/00_INDIRECT.json", "OpenFlow14", "of14/group"],
      ["of14/match/02_METADATA_Mask.json", "OpenFlow14", "of14/match"],
    ]);
  });

  it("sends OpenFlow 1.4 messages as OpenFlow 1.4", () => {
    expect(messageLine({ OFPGroupMod: { group_id: 1, type: 2, buckets: [{ OFPBucket: { actions: [{ OFPActionOutput: { port: 2 } }] } }] } }, "OpenFlow14", "br0")).toBe(
      "ovs-ofctl -O OpenFlow14 add-group br0 'group_id=1,type=indirect,bucket=actions=output:2'",
    );
  });

  it("passes the of14 cases: egress, set_field, a group's packet-in, metadata and a table miss, each read back", () => {
    const results = runCorpus(fixture);
    expect(results.map((r) => `${r.file}#${r.index}: ${r.verdict} ${r.reason}`)).toEqual([
      "of14/action/00_OUTPUT.json#1: pass ",
      "of14/action/00_OUTPUT.json#2: pass ",
      "of14/group/00_INDIRECT.json#1: pass ",
      "of14/match/02_METADATA_Mask.json#1: pass ",
      "of14/match/02_METADATA_Mask.json#2: pass ",
    ]);
  });

  it("refuses a version folder it does not speak, by name", () => {
    const dir = mkdtempSync(join(tmpdir(), "ryu-of99-"));
    try {
      mkdirSync(join(dir, "of99", "action"), { recursive: true });
      writeFileSync(join(dir, "of99", "action", "x.json"), '["x"]');
      expect(() => corpusFiles(dir)).toThrow(UnknownVersionFolderError);
      expect(() => corpusFiles(dir)).toThrow(/'of99' is not one the runner speaks \(of10, of13, of14\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
