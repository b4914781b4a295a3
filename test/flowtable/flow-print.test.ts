/**
 * `Flow:` lines: for each packet of fixtures/flowtable/flow-print/flows.tsv,
 * real OVS's `ofproto/trace` printed the flow (flow_format); ovsim prints the
 * same from the same flow key.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseFlow } from "../../src/flowtable/flow-mod-parse.js";
import { formatFlow } from "../../src/flowtable/flow-print.js";

const rows = readFileSync(new URL("../../fixtures/flowtable/flow-print/flows.tsv", import.meta.url), "utf8")
  .split("\n")
  .filter((l) => l !== "")
  .map((l) => l.split("\t") as [string, string]);

/**
 * Packets that arrived through a tunnel also print the tunnel metadata ovsim
 * does not model yet (tun_tos, tun_ttl, gbp, erspan, gtpu): that comes with
 * the tunnels of the datapath work.
 */
const needsTunnelMetadata = (flow: string): boolean => flow.includes("tun_dst=");

describe("Flow: lines against real OVS", () => {
  it("has recorded flows", () => expect(rows.length).toBeGreaterThanOrEqual(20));

  it.each(rows.filter(([input]) => !needsTunnelMetadata(input)))("%s", (input, expected) => {
    const key = parseFlow(input, "stats").match.key;
    expect(formatFlow(key)).toBe(expected);
  });
});
