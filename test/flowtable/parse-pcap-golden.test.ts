/**
 * `ovs-ofctl parse-pcap` against real OVS 3.1 (fixtures/flowtable/parse-pcap.ovs,
 * recorded with ../shared/ovs-oracle/ovs-run into parse-pcap.ovs.out): OVS
 * captured four packets fed with netdev-dummy/receive on a dummy port with
 * options:pcap, then printed the capture. ovsim does not write dummy ports'
 * captures, so the test composes the same four packets from the same ODP flow
 * text (as netdev-dummy/receive composes them), writes them as a pcap file and
 * parses that. A missing file gives OVS's warning and error.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseOdpFlow } from "../../src/datapath/odp-flow-parse.js";
import { flowCompose } from "../../src/datapath/packet/compose.js";
import { encodePcap } from "../../src/datapath/pcap.js";
import { runScript } from "../../src/utilities/run-script.js";

const dir = new URL("../../fixtures/flowtable/", import.meta.url);

describe("ovs-ofctl parse-pcap matches real OVS", () => {
  it("prints each captured packet's flow as OVS does, and OVS's error for a missing file", () => {
    const script = readFileSync(new URL("parse-pcap.ovs", dir), "utf8");
    const want = readFileSync(new URL("parse-pcap.ovs.out", dir), "utf8").split("\n");
    const flows = [...script.matchAll(/netdev-dummy\/receive p1 '([^']*)'/g)].map((m) => m[1] ?? "");
    expect(flows).toHaveLength(4);
    const frames = flows.map((text) => {
      const parsed = parseOdpFlow(text, new Map([["p1", 1]]));
      if (!parsed.ok) throw new Error(parsed.error);
      return { atUs: 0, bytes: flowCompose(parsed.flow).data() };
    });
    const work = mkdtempSync(join(tmpdir(), "ovsim-parse-pcap-"));
    writeFileSync(join(work, "p1.pcap"), encodePcap(frames));
    const r = runScript(`ovs-ofctl parse-pcap ${join(work, "p1.pcap")}`).lines[0]?.result;
    expect(r?.stdout).toEqual(want.slice(0, 4));
    const missing = runScript("ovs-ofctl parse-pcap nonexistent.pcap").lines[0]?.result;
    const strip = (l: string): string => l.replace(/^\S+Z\|\d{5}\|/, "");
    expect(missing?.ok).toBe(false);
    expect(missing?.stderr.map(strip)).toEqual(want.slice(4, 6).map(strip));
  });
});
