/**
 * Holding the corpus to real Open vSwitch's verdicts (src/ryu/verdicts.ts):
 * a case real OVS passes and ovsim fails is a regression, one real OVS
 * fails is listed whatever ovsim does, and disagreements between the corpus
 * and the verdict file are reported, not hidden.
 */
import { describe, expect, it } from "vitest";
import type { CategoryResult } from "../../src/ryu/corpus.js";
import { VerdictFileError, judge, parseVerdicts } from "../../src/ryu/verdicts.js";

const HEADER = "file\tdescription\tverdict\treason";
const result = (file: string, description: string, pass: boolean, index = 1): CategoryResult => ({
  file,
  index,
  description,
  verdict: pass ? "pass" : "fail",
  reason: pass ? "" : "ovsim's reason",
  category: file.split("/").slice(0, 2).join("/"),
});

describe("real OVS verdicts", () => {
  it("reads the verdict file's rows, reasons included", () => {
    const v = parseVerdicts(`${HEADER}\nof13/a/x.json\tcase 1\tOK\t\nof13/a/x.json\tcase 2\tERROR\tFailed to add flows: OFPErrorMsg[type=0x02, code=0x00]\n`, "v.tsv");
    expect(v).toEqual([
      { file: "of13/a/x.json", description: "case 1", ok: true, reason: "" },
      { file: "of13/a/x.json", description: "case 2", ok: false, reason: "Failed to add flows: OFPErrorMsg[type=0x02, code=0x00]" },
    ]);
  });

  it("refuses a file that is not a verdict file, naming the line", () => {
    expect(() => parseVerdicts("a\tb\tc\n", "v.tsv")).toThrow(VerdictFileError);
    expect(() => parseVerdicts(`${HEADER}\nof13/a/x.json\tcase 1\tPASSED\t\n`, "v.tsv")).toThrow(/v\.tsv:2: expected file, description, OK\|ERROR/);
  });

  it("makes a regression of every case real OVS passes and ovsim fails, and of nothing else", () => {
    const verdicts = parseVerdicts(`${HEADER}\nof13/a/x.json\tok-ok\tOK\t\nof13/a/x.json\tok-fail\tOK\t\nof13/a/x.json\terr-pass\tERROR\twhy\nof13/a/x.json\terr-fail\tERROR\twhy\n`, "v.tsv");
    const results = [result("of13/a/x.json", "ok-ok", true), result("of13/a/x.json", "ok-fail", false), result("of13/a/x.json", "err-pass", true), result("of13/a/x.json", "err-fail", false)];
    const r = judge(results, verdicts, () => true);
    expect(r.regressions.map((j) => j.result.description)).toEqual(["ok-fail"]);
    expect(r.realFails.map((j) => [j.result.description, j.result.verdict, j.real.reason])).toEqual([
      ["err-pass", "pass", "why"],
      ["err-fail", "fail", "why"],
    ]);
    expect(r.bothPass).toBe(1);
    expect(r.unmatchedVerdicts).toEqual([]);
    expect(r.unjudged).toEqual([]);
  });

  it("reports verdicts without a case (of the files run only) and cases without a verdict", () => {
    const verdicts = parseVerdicts(`${HEADER}\nof13/a/x.json\tgone\tOK\t\nof13/b/y.json\tnot run\tOK\t\n`, "v.tsv");
    const r = judge([result("of13/a/x.json", "new", true)], verdicts, (f) => f === "of13/a/x.json");
    expect(r.unmatchedVerdicts.map((v) => v.description)).toEqual(["gone"]);
    expect(r.unjudged.map((c) => c.description)).toEqual(["new"]);
    expect(r.regressions).toEqual([]);
  });

  it("matches a description repeated in one file to its rows in order", () => {
    const verdicts = parseVerdicts(`${HEADER}\nof13/a/x.json\tsame\tOK\t\nof13/a/x.json\tsame\tERROR\twhy\n`, "v.tsv");
    const r = judge([result("of13/a/x.json", "same", false, 1), result("of13/a/x.json", "same", false, 2)], verdicts, () => true);
    expect(r.regressions.map((j) => j.result.index)).toEqual([1]);
    expect(r.realFails.map((j) => j.result.index)).toEqual([2]);
  });
});
