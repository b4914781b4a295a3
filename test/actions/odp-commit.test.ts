/**
 * Datapath actions from the commit logic, against real OVS 3.1: for each case
 * of fixtures/actions/odp/cases.tsv (recorded by record.sh), the packet's key
 * is built from the trace input, the flow's stored actions are applied by a
 * test-only translator that commits before each output, and the printed
 * datapath actions must be OVS's `Datapath actions:` line exactly.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { OdpAction } from "../../src/actions/xlate/odp-actions.js";
import { formatOdpActions } from "../../src/actions/xlate/odp-actions.js";
import { commitOdpActions } from "../../src/actions/xlate/odp-commit.js";
import { M, readSmall, writeMember } from "../../src/flowtable/flow-layout.js";
import type { FlowMember } from "../../src/flowtable/flow-layout.js";
import { parseFlow } from "../../src/flowtable/flow-mod-parse.js";
import { formatFlow } from "../../src/flowtable/flow-print.js";
import { XLATE_FLOW_WORDS, XM, xlateFlowOf } from "../../src/actions/xlate/odp-metadata.js";
import { applyActions } from "./odp-apply.js";

interface Case {
  readonly packet: string;
  readonly flow: string;
  readonly stored: string;
  readonly flowLine: string;
  readonly finalFlow: string;
  readonly datapath: string;
}

const cases: Case[] = readFileSync(new URL("../../fixtures/actions/odp/cases.tsv", import.meta.url), "utf8")
  .split("\n")
  .filter((l) => l !== "")
  .map((l) => {
    const [packet, flow, , stored, flowLine, finalFlow, , datapath] = l.split("\t") as [
      string, string, string, string, string, string, string, string,
    ];
    return { packet, flow, stored, flowLine, finalFlow, datapath };
  });

function full(wc: Uint32Array, m: FlowMember, bits?: bigint): void {
  writeMember(wc, m, bits ?? (1n << BigInt(m.bits)) - 1n);
}

/** OVS's xlate_wc_init plus the bits the classifier consulted for the one rule. */
function initialWc(packetKey: Uint32Array, flowText: string): Uint32Array {
  const wc = parseFlow(flowText, "add").match.mask.slice();
  full(wc, M.inPort);
  full(wc, M.dlType);
  const dlType = readSmall(packetKey, M.dlType);
  if (dlType === 0x0800 || dlType === 0x86dd) full(wc, M.nwFrag, 3n);
  return wc;
}

describe("commitOdpActions against real OVS datapath actions", () => {
  it("has recorded cases", () => expect(cases.length).toBeGreaterThanOrEqual(60));

  it.each(cases)("$flow on $packet", (c) => {
    const key = parseFlow(c.packet, "stats").match.key;
    expect(formatFlow(key)).toBe(c.flowLine);
    const r = applyActions(key, initialWc(key, c.flow), c.stored);
    expect(formatOdpActions(r.actions)).toBe(c.datapath);

    // The test translator is right about the packet it ends with.
    const priority = readSmall(r.flow, XM.skbPriority);
    const priorityText = /(^|,)skb_priority=(0x[0-9a-f]+),/.exec(c.finalFlow);
    const final = c.finalFlow.replace(/(^|,)skb_priority=0x[0-9a-f]+,/, "$1");
    const changed = final !== "unchanged";
    if (changed) expect(formatFlow(r.flow.subarray(0, key.length))).toBe(final);
    expect(priorityText?.[2] ?? "0x0").toBe(`0x${priority.toString(16)}`);
  });
});

describe("what commit un-wildcards (OVS's Megaflow lines of the same cases)", () => {
  const packet = (text: string): Uint32Array => xlateFlowOf(parseFlow(text, "stats").match.key);

  it("an ICMP set is a full set and un-wildcards type and code (icmp_type=0x8/0xff,icmp_code=0x0/0xff)", () => {
    const base = packet("in_port=1,icmp,icmp_type=8,icmp_code=0");
    const flow = base.slice();
    writeMember(flow, M.tpSrc, 0n);
    const wc = new Uint32Array(XLATE_FLOW_WORDS);
    const out: OdpAction[] = [];
    expect(commitOdpActions(flow, base, out, wc)).toBe(true);
    expect(formatOdpActions(out)).toBe("set(icmp(type=0,code=0))");
    expect([readSmall(wc, M.tpSrc), readSmall(wc, M.tpDst)]).toEqual([0xff, 0xff]);
  });

  it("a field whose changes wc misses is written whole; unchanged fields stay wildcarded", () => {
    const base = packet("in_port=1,tcp,nw_src=10.0.0.1,nw_dst=10.0.0.2");
    const flow = base.slice();
    writeMember(flow, M.nwSrc, 0x01020304n);
    const wc = new Uint32Array(XLATE_FLOW_WORDS);
    const out: OdpAction[] = [];
    expect(commitOdpActions(flow, base, out, wc)).toBe(false);
    expect(formatOdpActions(out)).toBe("set(ipv4(src=1.2.3.4))");
    expect([readSmall(wc, M.nwSrc), readSmall(wc, M.nwDst), readSmall(wc, M.nwProto)]).toEqual([0xffffffff, 0, 0]);
  });

  it("a popped VLAN header is un-wildcarded whole (dl_vlan=5,dl_vlan_pcp=0)", () => {
    const base = packet("in_port=1,dl_vlan=5,ip");
    const flow = base.slice();
    writeMember(flow, M.vlanTci, 0n);
    const wc = new Uint32Array(XLATE_FLOW_WORDS);
    const out: OdpAction[] = [];
    commitOdpActions(flow, base, out, wc);
    expect(formatOdpActions(out)).toBe("pop_vlan");
    expect(readSmall(wc, M.vlanTci)).toBe(0xffff);
  });

  it("without wc a changed field is written whole; unmasked sets when the datapath has no masked sets", () => {
    const base = packet("in_port=1,udp,nw_src=10.0.0.1,nw_ttl=64");
    const flow = base.slice();
    writeMember(flow, M.nwTos, 0x20n);
    let out: OdpAction[] = [];
    commitOdpActions(flow, base.slice(), out);
    expect(formatOdpActions(out)).toBe("set(ipv4(tos=0x20))");
    out = [];
    commitOdpActions(flow, base.slice(), out, undefined, false);
    expect(formatOdpActions(out)).toBe("set(ipv4(src=10.0.0.1,dst=0.0.0.0,proto=17,tos=0x20,ttl=64,frag=no))");
  });
});
