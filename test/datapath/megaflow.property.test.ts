/**
 * Cache transparency: for random pipelines (two bridges joined by patch ports, three tables
 * joined by resubmit and goto_table, NORMAL, LOCAL and the other reserved ports, header
 * rewrites, VLAN pushes, registers, learn, clone, ct) and random packet streams with random
 * flow_mods (flows added, modified to NORMAL, deleted by protocol and by bridge), port changes
 * (no-forward, an access tag, ports deleted and added back), MAC table flushes and clock warps
 * in between, the datapath actions every packet gets through the megaflow cache
 * (src/datapath/dpif-netdev.ts) equal those of translating every packet afresh (the same switch
 * with the cache disabled), and so do the OpenFlow counters and MAC tables once the stats are
 * pushed (`revalidator/wait`).
 *
 * Pipelines, packets and events all come from ovsim/testing (src/testing): `pipelines()` with
 * `corners`, `checkMegaflowTransparency()` with `flowMods` and `portConfig` events. As there,
 * each source MAC sends from one port only: a MAC moved between ports by packets that hit a
 * megaflow is learned when the hits' stats are pushed, not at the packet, in OVS as in ovsim
 * (a documented deferral, not staleness); and a frame to its own source MAC goes to broadcast
 * instead (its forwarding depends on its own learning: a hit on a megaflow revalidated after a
 * VLAN change floods where a fresh translation, having just learned the source, drops; OVS
 * behaves as ovsim's cache does). Stats are pushed after every packet, so that both twins hold
 * the same MAC table and a difference means a stale or too-wide megaflow.
 *
 * Teeth: with megaflow masks planted to forget `dl_dst`, or a revalidation planted to keep a
 * megaflow's first actions whatever changed since (flow_mods, ports, learned MACs), the property
 * fails.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { BridgeUpcall } from "../../src/datapath/upcall.js";
import type { OdpAction } from "../../src/actions/xlate/odp-actions.js";
import { M } from "../../src/flowtable/flow-layout.js";
import type { PropertyOptions } from "../../src/testing/index.js";
import { checkMegaflowTransparency, megaflowTransparencyProperty, pipelines, propertyRuns, propertyTimeout } from "../../src/testing/index.js";

/** The cases: br0 (p1-p3) and br1 (p4-p6) joined by patch ports, three tables, the corner-case actions; up to 30 steps with every kind of event. */
const CASES: PropertyOptions = {
  pipelines: pipelines({ bridges: 2, tables: 3, flowsPerTable: 2, ports: 3, corners: true }),
  steps: 30,
  flowMods: true,
  portConfig: true,
};

describe("megaflow cache transparency", () => {
  it("the cache gives every packet the actions a fresh translation gives it", () => {
    checkMegaflowTransparency({ ...CASES, numRuns: propertyRuns(200) });
  }, propertyTimeout(120_000));

  describe("with a bug planted", () => {
    const upcall = BridgeUpcall.prototype.upcall;
    const revalidate = BridgeUpcall.prototype.revalidate;
    afterEach(() => {
      BridgeUpcall.prototype.upcall = upcall;
      BridgeUpcall.prototype.revalidate = revalidate;
    });
    /**
     * Whether the property fails on smaller cases within 200 runs, stopping at the first failure
     * (shrinking and the replayable report are test/testing/ready-properties.property.test.ts's).
     */
    const fails = (o: PropertyOptions = {}): boolean =>
      fc.check(megaflowTransparencyProperty({ ...CASES, pipelines: pipelines({ bridges: 1, tables: 2, flowsPerTable: 3, corners: true }), steps: 12, ...o }), {
        numRuns: propertyRuns(200),
        seed: 1,
        endOnFailure: true,
      }).failed;

    it("fails when megaflow masks forget dl_dst", () => {
      const forget = <T extends { mask: Uint32Array } | null>(r: T): T => {
        if (r !== null) {
          // dl_dst's two words (its high 16 bits, then its low 32).
          r.mask[M.dlDst.word] = 0;
          r.mask[M.dlDst.word + 1] = 0;
        }
        return r;
      };
      BridgeUpcall.prototype.upcall = function (...a) {
        return forget(upcall.apply(this, a));
      };
      BridgeUpcall.prototype.revalidate = function (...a) {
        return forget(revalidate.apply(this, a));
      };
      expect(fails()).toBe(true);
    }, propertyTimeout(120_000));

    it("fails when revalidation keeps a megaflow's first actions (stale after flow_mods, port changes, learning)", () => {
      const first = new WeakMap<BridgeUpcall, Map<string, OdpAction[]>>();
      BridgeUpcall.prototype.revalidate = function (key, ...rest) {
        const r = revalidate.call(this, key, ...rest);
        if (r === null) return r;
        const mine = first.get(this) ?? new Map<string, OdpAction[]>();
        first.set(this, mine);
        const k = key.join(",");
        const old = mine.get(k);
        if (old === undefined) mine.set(k, [...r.actions]);
        return old === undefined ? r : { ...r, actions: old };
      };
      expect(fails()).toBe(true);
    }, propertyTimeout(120_000));
  });
});
