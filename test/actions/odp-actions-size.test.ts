/**
 * The limits OVS puts on datapath actions (src/actions/xlate/odp-actions-size.ts, from
 * ofproto-dpif-xlate.c): an output is 8 Netlink bytes; more than netdev_max_backlog (1000)
 * outputs, or more than 65531 bytes of actions, slow-path the flow. ofproto-dpif/223 (the
 * 64 kB of actions a resubmit chain composes) checks the end to end behaviour.
 */
import { describe, expect, it } from "vitest";
import type { OdpAction } from "../../src/actions/xlate/odp-actions.js";
import { GrowingSize, odpActionsNeedSlowPath, odpActionsSize } from "../../src/actions/xlate/odp-actions-size.js";

const outputs = (n: number): OdpAction[] => Array.from({ length: n }, (_, i) => ({ type: "output", port: (i % 7) + 1 }));

describe("datapath action size limits", () => {
  it("an output is one 8-byte Netlink attribute, nested lists add their own header", () => {
    expect(odpActionsSize(outputs(3))).toBe(24);
    expect(odpActionsSize([{ type: "clone", actions: outputs(2) }])).toBe(4 + 16);
  });

  it("more than 1000 outputs slow-path the flow; 1000 do not", () => {
    expect(odpActionsNeedSlowPath(outputs(1000))).toBe(false);
    expect(odpActionsNeedSlowPath(outputs(1001))).toBe(true);
  });

  it("more than 65531 bytes slow-path the flow whatever they are", () => {
    const pops: OdpAction[] = Array.from({ length: 16383 }, () => ({ type: "pop_vlan" }));
    expect(odpActionsSize(pops)).toBe(65532);
    expect(odpActionsNeedSlowPath(pops)).toBe(true);
    expect(odpActionsNeedSlowPath(pops.slice(1))).toBe(false);
  });

  it("measures a growing list incrementally, and a new or shorter list afresh", () => {
    const g = new GrowingSize();
    const list = outputs(2);
    expect(g.of(list)).toBe(16);
    list.push({ type: "pop_vlan" });
    expect(g.of(list)).toBe(20);
    list.splice(0, 2);
    expect(g.of(list)).toBe(4);
    expect(g.of(outputs(1))).toBe(8);
  });
});
