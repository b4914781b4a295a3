/**
 * Flow extraction against real OVS 3.1: every packet of fixtures/packets/corpus.tsv
 * (recorded by fixtures/packets/record.sh as `ofproto/trace br0 in_port=1 HEX`'s
 * `Flow:` line, with the vlan-limit in the second column) extracts to a flow that
 * formatFlow prints exactly as OVS did.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { XLATE_FLOW_WORDS } from "../../src/actions/xlate/odp-metadata.js";
import { extractFlow } from "../../src/datapath/packet/extract.js";
import { packetFromHex } from "../../src/datapath/packet/packet.js";
import { formatFlow } from "../../src/flowtable/flow-print.js";

const corpus = readFileSync(new URL("../../fixtures/packets/corpus.tsv", import.meta.url), "utf8")
  .split("\n")
  .filter((l) => l !== "")
  .map((l) => {
    const [name = "", limit = "", hex = "", flow = ""] = l.split("\t");
    return { name, limit: Number(limit), hex, flow };
  });

describe("extractFlow matches OVS's Flow: line", () => {
  it("has a corpus", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(80);
  });
  it.each(corpus.map((c) => [`${c.name} (vlan-limit ${c.limit})`, c] as const))("%s", (_, c) => {
    const r = packetFromHex(c.hex);
    if (!r.ok) throw new Error(r.error);
    const key = new Uint32Array(XLATE_FLOW_WORDS);
    extractFlow(r.packet, 1, key, c.limit);
    expect(formatFlow(key)).toBe(c.flow);
  });
});
