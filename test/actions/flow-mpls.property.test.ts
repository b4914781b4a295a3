/**
 * MPLS label stacks end to end: a random sequence of push_mpls / pop_mpls /
 * set_mpls_label applied to a flow as translation applies them (flow-mpls.ts),
 * committed against the packet's original flow (commit_mpls_action), executed
 * on the packet's bytes and extracted again, gives back the stack the flow
 * holds. Plus OVS's counting rules (flow_count_mpls_labels), which the
 * fixtures show only through their effects.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  countCommonMplsLabels,
  countMplsLabels,
  ethTypeMpls,
  flowPopMpls,
  flowPushMpls,
  lseAt,
  MPLS_LABEL_MASK,
  setLseAt,
} from "../../src/actions/xlate/flow-mpls.js";
import type { OdpAction } from "../../src/actions/xlate/odp-actions.js";
import { commitOdpActions } from "../../src/actions/xlate/odp-commit.js";
import { XLATE_FLOW_WORDS } from "../../src/actions/xlate/odp-metadata.js";
import { odpExecute } from "../../src/datapath/odp-execute.js";
import { flowCompose } from "../../src/datapath/packet/compose.js";
import { extractFlow } from "../../src/datapath/packet/extract.js";
import { FLOW_MAX_MPLS_LABELS, M, readSmall, writeMember } from "../../src/flowtable/flow-layout.js";
import { propertyRuns } from "../../src/testing/runs.js";

const BOS = 0x100;

function mplsFlow(lses: readonly number[]): Uint32Array {
  const f = new Uint32Array(XLATE_FLOW_WORDS);
  writeMember(f, M.dlType, 0x8847n);
  lses.forEach((l, i) => setLseAt(f, i, l));
  return f;
}

describe("flow_count_mpls_labels", () => {
  it("stops at the bottom of stack, else counts the non-zero entries", () => {
    expect(countMplsLabels(mplsFlow([BOS]))).toBe(1);
    expect(countMplsLabels(mplsFlow([0x64000, 0xc8000 | BOS]))).toBe(2);
    expect(countMplsLabels(mplsFlow([0x64000, 0, 0x12c000]))).toBe(2);
    expect(countMplsLabels(mplsFlow([0, 0, 0]))).toBe(0);
    expect(countMplsLabels(mplsFlow([1, 2, 3]))).toBe(3);
  });

  it("un-wildcards the BOS bit of each entry it reads", () => {
    const wc = new Uint32Array(XLATE_FLOW_WORDS);
    countMplsLabels(mplsFlow([0x64000, 0xc8000 | BOS, 5]), wc);
    expect([0, 1, 2].map((i) => lseAt(wc, i))).toEqual([BOS, BOS, 0]);
  });

  it("shares entries from the innermost", () => {
    const a = mplsFlow([7, 0x64000, 0xc8000 | BOS]);
    const b = mplsFlow([0x64000, 0xc8000 | BOS]);
    expect(countCommonMplsLabels(a, 3, b, 2)).toBe(2);
    expect(countCommonMplsLabels(b, 2, mplsFlow([0xc8000 | BOS]), 1)).toBe(1);
  });
});

type Op = { readonly kind: "push"; readonly ethType: number } | { readonly kind: "pop"; readonly ethType: number } | { readonly kind: "set"; readonly label: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("push" as const), ethType: fc.constantFrom(0x8847, 0x8848) }),
  fc.record({ kind: fc.constant("pop" as const), ethType: fc.constantFrom(0x8847, 0x8848, 0x0800) }),
  fc.record({ kind: fc.constant("set" as const), label: fc.integer({ min: 0, max: 0xfffff }) }),
);

const lseArb = fc.integer({ min: 0, max: 0xffffffff }).map((l) => (l & ~BOS) >>> 0);

describe("push / pop / set, committed and executed", () => {
  it("the executed packet extracts to the translated flow's stack", () => {
    fc.assert(
      fc.property(fc.array(lseArb, { minLength: 1, maxLength: FLOW_MAX_MPLS_LABELS }), fc.array(opArb, { maxLength: 6 }), (stack, ops) => {
        const lses = stack.map((l, i) => (i === stack.length - 1 ? l | BOS : l) >>> 0);
        const flow = mplsFlow(lses);
        const packet = flowCompose(flow);
        const base = flow.slice();
        const actions: OdpAction[] = [];
        for (const op of ops) {
          if (!ethTypeMpls(readSmall(flow, M.dlType))) break;
          const n = countMplsLabels(flow);
          if (op.kind === "push" && n < FLOW_MAX_MPLS_LABELS) {
            // As compose_mpls_push_action: a first entry commits what came before.
            if (n === 0) commitOdpActions(flow, base, actions);
            flowPushMpls(flow, n, op.ethType, undefined, true);
          } else if (op.kind === "pop") {
            // Popping the last entry to an MPLS ethertype leaves an empty stack that neither
            // OVS's commit nor its datapath can describe (the packet and the flow then disagree
            // in OVS too): not a case this property is about.
            if (n === 1 && ethTypeMpls(op.ethType)) continue;
            flowPopMpls(flow, n, op.ethType);
          }
          else if (op.kind === "set") setLseAt(flow, 0, (lseAt(flow, 0) & ~MPLS_LABEL_MASK) | (op.label << 12));
        }
        commitOdpActions(flow, base, actions);
        actions.push({ type: "output", port: 1 });
        const out = odpExecute(packet, actions).outputs[0];
        expect(out).toBeDefined();
        const got = new Uint32Array(XLATE_FLOW_WORDS);
        extractFlow(out!.packet, 1, got);
        // OVS commits an ethertype only with a push_mpls or pop_mpls: a stack rewritten by
        // set(mpls) alone keeps the packet's MPLS ethertype (unicast / multicast) as it was.
        const dlType = readSmall(flow, M.dlType);
        if (ethTypeMpls(dlType)) expect(ethTypeMpls(readSmall(got, M.dlType))).toBe(true);
        else expect(readSmall(got, M.dlType)).toBe(dlType);
        const n = countMplsLabels(flow);
        expect(countMplsLabels(got)).toBe(n);
        for (let i = 0; i < n; i++) expect(lseAt(got, i)).toBe(lseAt(flow, i));
      }),
      { numRuns: propertyRuns(500) },
    );
  });
});
