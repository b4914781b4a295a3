/**
 * The ready properties hold on ovsim, and have teeth: with a bug planted (by
 * wrapping, in this test only) they fail, shrink to a small case and report
 * it as a replayable `ovsim run` script plus the offending packet's trace.
 *
 * - megaflow transparency, planted: megaflow masks that forget `nw_dst`, a
 *   field pipelines match on (so one packet's megaflow covers another packet
 *   the pipeline treats differently);
 * - determinism, planted: a controller whose flow priorities come from a
 *   counter outside the switch (hidden state shared by runs).
 */
import { afterEach, describe, expect, it } from "vitest";
import { BridgeUpcall } from "../../src/datapath/upcall.js";
import { M } from "../../src/flowtable/flow-layout.js";
import { runScript } from "../../src/utilities/run-script.js";
import type { Controller } from "../../src/testing/index.js";
import { checkDeterminism, checkMegaflowTransparency, pipelines, PropertyFailure, propertyRuns, propertyTimeout } from "../../src/testing/index.js";

/** A controller as an agent would write one: each dummy port gets a flow sending its packets to NORMAL; removed, its flows go. */
const portController = (): Controller => (e, ctx) => {
  if (!/^p\d+$/.test(e.name)) return;
  const bridge = ctx.sw.findPort(e.name)?.bridge.name ?? (e.name === "p1" || e.name === "p2" || e.name === "p3" ? "br0" : "br1");
  if (e.kind === "added" && e.ofport > 0) ctx.addFlow(bridge, `table=0,priority=5,in_port=${e.ofport},actions=NORMAL`);
  if (e.kind === "removed") ctx.deleteFlows(bridge, `in_port=${e.ofport}`);
};

function failureOf(f: () => void): PropertyFailure {
  try {
    f();
  } catch (e) {
    if (e instanceof PropertyFailure) return e;
    throw e;
  }
  throw new Error("the property did not fail");
}

describe("megaflow cache transparency", () => {
  it("holds for random pipelines, packets and events", () => {
    checkMegaflowTransparency({ numRuns: propertyRuns(100) });
  }, propertyTimeout(300_000));

  it("holds with a controller reacting to port events", () => {
    checkMegaflowTransparency({ controller: portController, numRuns: propertyRuns(100) });
  }, propertyTimeout(300_000));

  describe("with megaflow masks planted to forget nw_dst", () => {
    const upcall = BridgeUpcall.prototype.upcall;
    const revalidate = BridgeUpcall.prototype.revalidate;
    afterEach(() => {
      BridgeUpcall.prototype.upcall = upcall;
      BridgeUpcall.prototype.revalidate = revalidate;
    });

    it("fails, shrinks to a small case, and replays as a script with the offending packet's trace", () => {
      const forget = <T extends { mask: Uint32Array } | null>(r: T): T => {
        if (r !== null) r.mask[M.nwDst.word] = 0;
        return r;
      };
      BridgeUpcall.prototype.upcall = function (...a) {
        return forget(upcall.apply(this, a));
      };
      BridgeUpcall.prototype.revalidate = function (...a) {
        return forget(revalidate.apply(this, a));
      };
      // One bridge, two tables: the default pipelines (two bridges) find it too, after ~150 runs for this seed.
      const f = failureOf(() => checkMegaflowTransparency({ pipelines: pipelines({ bridges: 1, tables: 2 }), numRuns: propertyRuns(200), seed: 1 }));
      expect(f.message).toMatch(/^megaflow cache transparency failed after \d+ run\(s\)/);
      const flows = f.script.filter((l) => l.startsWith("ovs-ofctl add-flow"));
      const received = f.script.filter((l) => l.includes("netdev-dummy/receive"));
      // Shrunk: at most two flows and three packets (one installs the megaflow, one wrongly hits it).
      expect(flows.length).toBeLessThanOrEqual(2);
      expect(received.length).toBeGreaterThanOrEqual(2);
      expect(received.length).toBeLessThanOrEqual(3);
      expect(f.script.at(-1)).toMatch(/^ovs-appctl ofproto\/trace br\d '/);
      expect(f.trace).toMatch(/Datapath actions: /);
      // Replayable: the script runs as an `ovsim run` script, every line but the trace succeeding on an unplanted ovsim.
      BridgeUpcall.prototype.upcall = upcall;
      BridgeUpcall.prototype.revalidate = revalidate;
      const replay = runScript(f.script.join("\n"));
      expect(replay.lines.filter((l) => !l.result.ok).map((l) => l.command)).toEqual([]);
      expect(replay.lines.at(-1)?.result.stdout.join("\n")).toBe(f.trace);
    }, propertyTimeout(300_000));
  });
});

describe("determinism", () => {
  it("holds for random pipelines, packets, events and a controller", () => {
    checkDeterminism({ controller: portController, numRuns: propertyRuns(100) });
  }, propertyTimeout(300_000));

  it("fails with a controller that keeps hidden state between switches, and shrinks to a one-bridge case", () => {
    let hidden = 0;
    const leaky = (): Controller => (e, ctx) => {
      if (e.kind === "added" && /^p\d+$/.test(e.name)) ctx.addFlow(ctx.sw.findPort(e.name)?.bridge.name ?? "br0", `priority=${100 + hidden++},in_port=${e.ofport},actions=NORMAL`);
    };
    const f = failureOf(() => checkDeterminism({ controller: leaky, pipelines: pipelines(), numRuns: propertyRuns(100), seed: 2 }));
    expect(f.message).toMatch(/^determinism failed/);
    expect(f.script.filter((l) => l.startsWith("ovs-vsctl add-br"))).toHaveLength(1);
    expect(f.script.filter((l) => l.startsWith("ovs-ofctl add-flow")).length).toBeGreaterThan(0);
  });
});
