/**
 * The Ryu runner writes OXM IPv6 masks in a text ovs-ofctl's parser reads
 * (src/ryu/openflow-json.ts, ofctlIpv6Mask): the same bits, never a form
 * OVS 3.1's own ovs-ofctl refuses. fixtures/ryu/ipv6-mask-text.ovs is real
 * OVS's verdict on those forms; ovsim must print the same.
 */
import { describe, expect, it } from "vitest";
import { runLine } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";
import { parseIpv6, parseIpv6Masked } from "../../src/flowtable/field-values.js";
import { messageLine, ofctlIpv6Mask } from "../../src/ryu/openflow-json.js";
import { loadRecording } from "../support/recordings.js";

const dir = new URL("../../fixtures/ryu/", import.meta.url);

describe("IPv6 masks for ovs-ofctl", () => {
  it.each([
    ["0:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
    ["0:0:ff00:0:0:0:0:ffff", "::ff00:0:0:0:0:ffff"],
    ["0:0:0:0:0:0:0:0", "::"],
    ["0fff:0:0:0:0:0:0:ffff", "fff:0:0:0:0:0:0:ffff"],
    ["8000::", "1"],
    ["ffff:ffff::", "ffff:ffff::"],
    ["::ffff", "::ffff"],
    // No text of these bits starts with anything but a digit: left for ovs-ofctl to refuse.
    ["1234::1", "1234::1"],
  ])("%s -> %s, the same bits, readable by ipv6_parse_masked", (mask, text) => {
    expect(ofctlIpv6Mask(mask)).toBe(text);
    const parsed = parseIpv6Masked(`::20/${text}`);
    if (mask === "1234::1") expect(parsed.ok).toBe(false);
    else expect(parsed.ok && parsed.mask).toBe(parseIpv6(mask));
  });

  it("a Ryu flow_mod with such a mask becomes an accepted add-flow", () => {
    const msg = {
      OFPFlowMod: {
        table_id: 0,
        match: {
          OFPMatch: {
            oxm_fields: [
              { OXMTlv: { field: "eth_type", value: 34525 } },
              { OXMTlv: { field: "ipv6_dst", mask: "0:ffff:ffff:ffff:ffff:ffff:ffff:ffff", value: "0::20" } },
            ],
          },
        },
        instructions: [{ OFPInstructionActions: { actions: [{ OFPActionOutput: { port: 2 } }], type: 4 } }],
      },
    };
    const line = messageLine(msg, "OpenFlow13", "br0");
    expect(line).toContain("ipv6_dst=0::20/::ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    const world = new Switch();
    expect(runLine(world, "ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy").ok).toBe(true);
    expect(runLine(world, line).ok).toBe(true);
  });

  it("ovsim prints what real OVS printed for fixtures/ryu/ipv6-mask-text.ovs", () => {
    const world = new Switch();
    for (const c of loadRecording("ipv6-mask-text", dir)) {
      const r = runLine(world, c.command);
      expect([...r.stdout, ...r.stderr], c.command).toEqual(c.output);
    }
  });
});
