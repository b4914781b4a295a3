/**
 * Translation of `check_pkt_larger(N)->dst` (OVS's xlate_check_pkt_larger):
 * the datapath action `check_pkt_len(size=N,gt(...),le(...))`, whose two
 * branches are the rest of the action list translated twice, once with the
 * destination bit set to 1 (the packet is longer than N bytes) and once with
 * it 0.
 *
 * As OVS does (for a datapath with check_pkt_len, which the dummy and netdev
 * datapaths have):
 * - pending header changes are committed first, so both branches start from
 *   the same packet; each branch begins from the flow and base flow as they
 *   were, and both come back after the second branch (the trace's "Final
 *   flow" is the flow before the action);
 * - the action set (and the push / pop stack) is copied once: the first branch executes (and so
 *   empties) it, the second starts from what the first left, and the
 *   original comes back afterwards, so a caller that executes it later
 *   outputs it again (OVS: `check_pkt_len(size=100,gt(2,3),le(2)),3`);
 * - the destination bit is written without un-wildcarding it (it is
 *   metadata the branches themselves look at);
 * - each branch executes its action set and finishes its own freezing
 *   (a recirculation inside a branch stays in that branch);
 * - the megaflow mask is the union of both branches';
 * - the action ends the list it is in: the caller stops after it.
 *
 * A datapath without check_pkt_len (`dpif/set-dp-features BR check_pkt_len
 * false`) gets no such action: the bit is set from the packet being
 * translated (0 when there is none, as in a trace), the rest of the list
 * runs once, and the flow goes to the slow path so that every packet is
 * translated with its own length.
 */
import type { ActionList, CheckPktLargerAction } from "../action-types.js";
import type { OdpAction } from "./odp-actions.js";
import type { RunActions, XlateCtx } from "./xlate-context.js";
import { finishFreezing } from "./xlate-freeze.js";
import { writeSubfield } from "./xlate-fields.js";
import { XlateStack } from "./xlate-stack.js";

function branch(a: CheckPktLargerAction, bit: bigint, rest: ActionList, ctx: XlateCtx, run: RunActions): OdpAction[] {
  const outer = ctx.odp;
  ctx.odp = [];
  writeSubfield(ctx.flow, a.dst, bit);
  run(rest, ctx, true);
  if (!ctx.freezing) ctx.executeActionSet();
  if (ctx.freezing) finishFreezing(ctx);
  const inner = ctx.odp;
  ctx.odp = outer;
  return inner;
}

/**
 * Appends `check_pkt_len(...)` for `a` followed by the actions `rest`; returns false when the
 * datapath lacks the action (the bit is set and the caller goes on with `rest` itself).
 */
export function xlateCheckPktLarger(a: CheckPktLargerAction, rest: ActionList, ctx: XlateCtx, run: RunActions): boolean {
  if (ctx.bridge.checkPktLen === false) {
    writeSubfield(ctx.flow, a.dst, ctx.packetSize !== null && ctx.packetSize > a.pktLen ? 1n : 0n);
    ctx.slow = true;
    return false;
  }
  // The push / pop stack is copied once too (the second branch sees the first one's pops).
  const savedStack = ctx.stack;
  ctx.stack = new XlateStack(savedStack.contents());
  const savedSet = ctx.actionSet;
  const savedActset = ctx.actsetOutput;
  const savedHasGroup = ctx.actionSetHasGroup;
  const oldFlow = ctx.flow.slice();
  ctx.commit();
  const oldBase = ctx.base.slice();
  const oldWasMpls = ctx.wasMpls;
  const oldConntracked = ctx.conntracked;
  // The flow (OVS's includes actset_output) and what translation derived from it.
  const restoreFlow = (): void => {
    ctx.base.set(oldBase);
    ctx.wasMpls = oldWasMpls;
    ctx.conntracked = oldConntracked;
    ctx.flow.set(oldFlow);
    ctx.actsetOutput = savedActset;
  };
  const greater = branch(a, 1n, rest, ctx, run);
  restoreFlow();
  // A branch that froze leaves exit set: the second branch translates all the same.
  const oldExit = ctx.exit;
  ctx.exit = false;
  const lessEqual = branch(a, 0n, rest, ctx, run);
  restoreFlow();
  ctx.actionSet = savedSet;
  ctx.actionSetHasGroup = savedHasGroup;
  ctx.stack = savedStack;
  ctx.exit = oldExit;
  ctx.odp.push({ type: "check_pkt_len", size: a.pktLen, greater, lessEqual });
  return true;
}
