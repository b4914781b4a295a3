/**
 * Bad input is refused with a typed error carrying OVS's message, and changes
 * nothing.
 *
 * The cases and their messages come from fixtures/flowtable/semantics/bad-input.ovs
 * as real OVS 3.1 answered it (bad-input.out): unknown fields and keywords, bad
 * values, bad masks, missing prerequisites on the NXM/OXM path, bad tables,
 * overlaps, cookie misuse, flow formats. Each refused line is sent here through
 * the same path ovs-ofctl takes (parseFlow, submitFlow, FlowTables.apply) into
 * tables holding two flows, and must fail at the same stage with the same text:
 *
 * - ovs-ofctl refuses the text: parseFlow throws FlowParseError (code FLOW_PARSE)
 *   whose message is OVS's after "ovs-ofctl: ", or submitFlow answers
 *   `ofctlError` with it (no usable flow format);
 * - the switch answers OFPT_ERROR: submitFlow answers `ofperr` (the match could
 *   not be decoded), or FlowTables.apply throws OpenFlowError (code OPENFLOW)
 *   with that ofperr.
 *
 * Afterwards the tables' version and their dump (with counters and times) are
 * exactly as before.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FlowParseError, OpenFlowError } from "../../src/flowtable/errors.js";
import { formatFlowStats } from "../../src/flowtable/flow-format.js";
import type { ParsedFlow } from "../../src/flowtable/flow-mod-parse.js";
import { OFPG_ANY, parseFlow, TABLE_ALL } from "../../src/flowtable/flow-mod-parse.js";
import { submitFlow } from "../../src/flowtable/flow-mod-submit.js";
import type { FlowTables } from "../../src/flowtable/flow-tables.js";
import { Match } from "../../src/flowtable/match.js";
import { protocolsForVersion } from "../../src/flowtable/openflow-protocols.js";
import { OFPP_NONE } from "../../src/flowtable/ports.js";
import type { OfctlFlowMod } from "./semantics-player.js";
import { parseOfctlFlowMod, parseRecording, SemanticsPlayer } from "./semantics-player.js";

const dir = new URL("../../fixtures/flowtable/semantics/", import.meta.url);
const recording = parseRecording(readFileSync(new URL("bad-input.out", dir), "utf8"));

/** What OVS said went wrong: ovs-ofctl's message, or the switch's OFPT_ERROR code. */
type Refusal = { by: "ovs-ofctl"; message: string } | { by: "switch"; ofperr: string };

function refusalIn(output: readonly string[]): Refusal | null {
  for (const line of output) {
    if (line.startsWith("ovs-ofctl: ")) return { by: "ovs-ofctl", message: line.slice("ovs-ofctl: ".length) };
    const err = /^OFPT_ERROR (?:\(OF1\.\d\) )?\(xid=0x[0-9a-f]+\): (\w+)$/.exec(line);
    if (err) return { by: "switch", ofperr: err[1] as string };
  }
  return null;
}

/** The refused commands of the recording: the tables are set up by the commands before the first. */
const setup: string[] = [];
const refused: { line: string; fm: OfctlFlowMod; refusal: Refusal; info: string[] }[] = [];
for (const step of recording) {
  const refusal = refusalIn(step.output);
  const fm = parseOfctlFlowMod(step.command);
  if (refusal && fm) {
    const info = step.output.filter((l) => l.startsWith("ofp_match|INFO|")).map((l) => l.slice("ofp_match|INFO|".length));
    refused.push({ line: step.command, fm, refusal, info });
  } else if (refused.length === 0) {
    setup.push(step.command);
  }
}

function tablesAfterSetup(): FlowTables<string> {
  const p = new SemanticsPlayer();
  for (const line of setup) p.run(line);
  return p.tables;
}

/** Everything a dump shows, at a fixed time, plus the version counter. */
function snapshot(t: FlowTables<string>): { version: number; flows: string[] } {
  const flows = t
    .select({ tableId: TABLE_ALL, match: Match.catchall(), cookie: 0n, cookieMask: 0n, outPort: OFPP_NONE, outGroup: OFPG_ANY })
    .map((e) => formatFlowStats(e, { showStats: true, now: 0, ofVersion: 13, formatActions: (a) => a }));
  return { version: t.version, flows };
}

type Outcome = { stage: "parse" | "submit" | "apply"; refusal: Refusal; info: string[] } | { stage: "accepted" };

/** Sends one flow_mod down ovs-ofctl's path; records where and how it was refused. */
function attempt(t: FlowTables<string>, fm: OfctlFlowMod): Outcome {
  let parsed: ParsedFlow;
  try {
    parsed = parseFlow(fm.text, fm.command);
  } catch (e) {
    expect(e).toBeInstanceOf(FlowParseError);
    const err = e as FlowParseError;
    expect(err.code).toBe("FLOW_PARSE");
    expect(err.text).toBe(fm.text);
    return { stage: "parse", refusal: { by: "ovs-ofctl", message: err.message }, info: [] };
  }
  const sub = submitFlow(parsed, parsed.actions ?? "", protocolsForVersion(fm.version));
  if (!sub.ok) {
    const refusal: Refusal = "ofctlError" in sub ? { by: "ovs-ofctl", message: sub.ofctlError } : { by: "switch", ofperr: sub.ofperr };
    return { stage: "submit", refusal, info: sub.log };
  }
  try {
    t.apply(sub.flowMod, 0);
  } catch (e) {
    expect(e).toBeInstanceOf(OpenFlowError);
    const err = e as OpenFlowError;
    expect(err.code).toBe("OPENFLOW");
    return { stage: "apply", refusal: { by: "switch", ofperr: err.ofperr }, info: sub.log };
  }
  return { stage: "accepted" };
}

describe("bad input against real OVS (fixtures/flowtable/semantics/bad-input.out)", () => {
  it("has a setup with flows and refused lines of every kind", () => {
    expect(snapshot(tablesAfterSetup()).flows).toHaveLength(2);
    expect(refused.length).toBeGreaterThanOrEqual(30);
    const ofperrs = new Set(refused.flatMap((r) => (r.refusal.by === "switch" ? [r.refusal.ofperr] : [])));
    expect([...ofperrs].sort()).toEqual(["OFPBMC_BAD_PREREQ", "OFPBMC_BAD_VALUE", "OFPBRC_EPERM", "OFPFMFC_OVERLAP"]);
  });

  it.each(refused.map((r) => [r.line, r] as const))("%s", (_line, r) => {
    const t = tablesAfterSetup();
    const before = snapshot(t);
    const got = attempt(t, r.fm);
    expect(got.stage).not.toBe("accepted");
    if (got.stage === "accepted") return;
    expect(got.refusal).toEqual(r.refusal);
    expect(got.info).toEqual(r.info);
    expect(snapshot(t)).toEqual(before);
  });

  it("refuses each at the stage OVS does: ovs-ofctl's messages before sending, OFPT_ERRORs after", () => {
    const stages = refused.map((r) => {
      const got = attempt(tablesAfterSetup(), r.fm);
      return `${got.stage}:${r.refusal.by}`;
    });
    for (const s of stages) expect(["parse:ovs-ofctl", "submit:ovs-ofctl", "submit:switch", "apply:switch"]).toContain(s);
    // Decoding the match (prerequisites, values) fails before the tables see it; table and overlap checks in them.
    const bySwitch = refused.filter((r) => r.refusal.by === "switch");
    for (const r of bySwitch) {
      const got = attempt(tablesAfterSetup(), r.fm);
      const ofperr = r.refusal.by === "switch" ? r.refusal.ofperr : "";
      expect(got.stage).toBe(ofperr.startsWith("OFPBMC_") ? "submit" : "apply");
    }
  });
});

describe("FlowTables.apply refuses bad flow_mods without side effects", () => {
  function baseFlowMod(text: string, command: "add" | "modify" | "delete" = "add") {
    const parsed = parseFlow(text, command);
    const sub = submitFlow(parsed, parsed.actions ?? "", protocolsForVersion("OpenFlow10"));
    if (!sub.ok) throw new Error(`not submitted: ${text}`);
    return sub.flowMod;
  }

  it.each([
    ["a table id beyond 254 (add)", { ...baseFlowMod("priority=5,actions=drop"), tableId: 300 }, "OFPBRC_BAD_TABLE_ID"],
    ["a table id beyond 254 (delete)", { ...baseFlowMod("ip", "delete"), tableId: 256 }, "OFPBRC_BAD_TABLE_ID"],
    ["the internal table 254 (add)", { ...baseFlowMod("priority=5,actions=drop"), tableId: 254 }, "OFPBRC_EPERM"],
    ["an overlapping add with check_overlap", baseFlowMod("priority=10,ip,nw_src=10.0.0.1,check_overlap,actions=drop"), "OFPFMFC_OVERLAP"],
  ])("%s", (_name, fm, ofperr) => {
    const t = tablesAfterSetup();
    const before = snapshot(t);
    expect(() => t.apply(fm, 1_000)).toThrow(OpenFlowError);
    try {
      t.apply(fm, 1_000);
    } catch (e) {
      expect((e as OpenFlowError).ofperr).toBe(ofperr);
      expect((e as OpenFlowError).message).toBe(ofperr);
    }
    expect(snapshot(t)).toEqual(before);
  });
});
