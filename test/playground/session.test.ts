/**
 * The playground's Session without a browser: flow edits applied whole or
 * not at all with errors at their place, the datapath's megaflow cache seen
 * from a sent packet, the trace's ticks, the URL state.
 */
import { describe, expect, it } from "vitest";
import { LESSONS } from "../../playground/src/lessons/index.js";
import { flowCompose } from "../../src/datapath/packet/compose.js";
import { toHex } from "../../src/datapath/packet/packet.js";
import { parseTraceFlow } from "../../src/vswitchd/trace.js";
import { decodeState, encodeState } from "../../playground/src/share.js";
import { flowLines, Session } from "../../playground/src/session.js";
import { flowFields, traceTicks } from "../../playground/src/trace-steps.js";

const lesson = (id: string) => LESSONS.find((l) => l.id === id)!;

describe("the playground's session", () => {
  it("reads back every lesson's flows from the editor text unchanged", async () => {
    for (const l of LESSONS) {
      const s = await Session.open(l);
      for (const b of s.bridges()) {
        const text = flowLines(s.sw, b);
        expect(s.applyFlows(b, text)).toEqual([]);
        expect(flowLines(s.sw, b)).toBe(text);
      }
    }
  }, 60_000);

  it("refuses an edit whole, naming the line and the column of the bad token", async () => {
    const s = await Session.open(lesson("acl"));
    const before = flowLines(s.sw, "br0");
    const errors = s.applyFlows("br0", "table=0,actions=drop\ntable=1,tcp,tp_dst=80,actions=outptu:2");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ line: 2, column: "table=1,tcp,tp_dst=80,actions=".length + 1 });
    expect(errors[0]!.message).toMatch(/outptu/);
    expect(flowLines(s.sw, "br0")).toBe(before);
  });

  it("sees the megaflow cache: the first packet misses, the second hits; learn adds a flow", async () => {
    const l = lesson("learn");
    const s = await Session.open(l);
    const first = s.send(l.packet.bridge, l.packet.flow);
    expect(first.hit).toBe(false);
    expect(first.added).toEqual(["br0 table=10, priority=32768,dl_dst=00:00:00:00:00:01 actions=load:0x1->NXM_NX_REG0[0..15]"]);
    const second = s.send(l.packet.bridge, l.packet.flow);
    expect(second.hit).toBe(true);
    expect(second.counters.map((c) => [c.table, c.before, c.after])).toEqual([
      [0, 1, 2],
      [2, 1, 2],
    ]);
  });

  it("steps through a trace: a lookup, then each action; fields change where the trace says, and end as the final flow", async () => {
    const l = lesson("neutron");
    const s = await Session.open(l);
    const t = s.trace(l.packet.bridge, s.resolve(l.packet.flow));
    const ticks = traceTicks(t);
    expect(ticks.length).toBe(t.steps.length + t.steps.reduce((n, x) => n + x.actions.length, 0) + 1);
    const op = ticks.find((k) => k.text === "set_field:2->arp_op")!;
    expect([...op.changed]).toEqual(["arp_op"]);
    expect(op.fields.get("arp_op")).toBe("2");
    const tha = ticks.find((k) => k.text.includes("NXM_NX_ARP_THA[] is now"))!;
    expect([...tha.changed]).toEqual(["arp_tha"]);
    const last = ticks.at(-1)!;
    expect(last.fields).toEqual(flowFields(t.finalFlow ?? t.flow));
  });

  it("reads a packet given as hex bytes into the flow the trace uses", async () => {
    const l = lesson("acl");
    const s = await Session.open(l);
    const hex = toHex(flowCompose(parseTraceFlow(s.sw, "br0", l.packet.flow)).data());
    const flow = s.packetFlow({ bridge: "br0", inPort: "1", hex });
    expect(flow).toMatch(/^tcp,in_port=1,.*nw_src=10\.0\.0\.5,nw_dst=10\.0\.1\.9,.*tp_dst=80/);
    expect(s.trace("br0", flow).datapathActions).toBe(s.trace("br0", l.packet.flow).datapathActions);
    expect(() => s.packetFlow({ bridge: "br0", inPort: "1", hex: "00" })).toThrow(/too short/);
  });

  it("keeps a state in a URL hash", () => {
    const state = { lesson: "acl", flows: { "/br0": "table=0,actions=drop \u2014 ü" }, packet: { bridge: "br0", flow: "in_port=1" }, steps: [{ op: "boot", vm: "x", host: "hv1" }] };
    expect(decodeState(encodeState(state))).toEqual(state);
    expect(decodeState("#s=!!")).toBeNull();
    expect(decodeState("#other")).toBeNull();
  });
});
