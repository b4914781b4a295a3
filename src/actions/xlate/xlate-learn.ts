/**
 * The learn action in translation (OVS's xlate_learn_action, lib/learn.c
 * learn_mask / learn_execute): the learned flow's match, loads and output
 * come from the packet; the flow is installed with OVS's learn semantics — a
 * modify_strict flow_mod that adds the flow when it is not there and
 * otherwise refreshes it (new actions, hard timeout restarted).
 *
 * Side effects: only when allowed (a real packet). ofproto/trace, like OVS,
 * suppresses them: the megaflow still depends on the learned-from fields.
 *
 * `limit=N` (OVS's ofproto_flow_mod_learn): a flow that would be new — no
 * flow with the same match and priority, timeouts, flags, cookie and actions
 * is there to refresh — is not installed when its table already holds N or
 * more flows with the learn's cookie (any flows, learned or not: OVS counts by
 * cookie). `result_dst=F[b]` then gets 0, and 1 whenever the flow was
 * installed or refreshed; a flow_mod error (a full table) still writes 1, as
 * OVS only reports the error. Learning a flow that is already there only
 * restarts its hard timeout (the tables do not change).
 *
 * Revalidation (XlateOptions.revalidation, no side effects): the learn
 * installs nothing and result_dst gets what the limit check finds now, which
 * is what the upcall found while nothing changed (ovsim retranslates every
 * megaflow each round, OVS only those a change may have touched). Not
 * modelled: once a change has it retranslated, OVS's revalidator writes 1
 * whatever the limit (its xcache path never checks it). A limited learn whose
 * flow is not installed (expired, deleted, or never learned because of the
 * limit) sets avoid_caching: a datapath flow that needs revalidation (a change
 * since it was validated) is then deleted, so that the next packet learns
 * (dpif-netdev.ts revalidateOne).
 */
import { allOnes } from "../../flowtable/field-values.js";
import type { FlowMod } from "../../flowtable/flow-tables.js";
import type { FlowEntry } from "../../flowtable/flow-entry.js";
import type { FlowTables } from "../../flowtable/flow-tables.js";
import { defaultFlowMod, looseSelector, NO_FLOW_MOD_FLAGS } from "../../flowtable/flow-tables.js";
import { Match } from "../../flowtable/match.js";
import { formatMatch } from "../../flowtable/match-format.js";
import { OFPP_ALL, OFPP_FLOOD, OFPP_IN_PORT, OFPP_LOCAL, OFPP_MAX } from "../../flowtable/ports.js";
import type { Subfield } from "../../flowtable/subfield.js";
import { formatSubfield } from "../../flowtable/subfield.js";
import { readTunMetadata, writeTunMetadata } from "../../flowtable/tun-metadata-field.js";
import { OpenFlowError } from "../../flowtable/errors.js";
import { formatActions } from "../action-text.js";
import type { Action, ActionList, LearnAction } from "../action-types.js";
import type { XlateCtx } from "./xlate-context.js";
import { maskSubfield, readSubfield, writeSubfield } from "./xlate-fields.js";

const MAX_U64 = 0xffffffffffffffffn;

function writeMatchSubfield(m: Match, sf: Subfield, v: bigint): void {
  const f = sf.field;
  if (f.tunMetadata !== undefined) {
    // tun_metadata_set_match on a mapped field: the option's bytes, and its present bit in key and mask.
    const bits = allOnes(sf.nBits) << BigInt(sf.ofs);
    const mask = readTunMetadata(m.mask, f) | bits;
    writeTunMetadata(m.mask, f, mask);
    writeTunMetadata(m.key, f, ((readTunMetadata(m.key, f) & ~bits) | ((v << BigInt(sf.ofs)) & bits)) & mask);
    return;
  }
  const shift = BigInt(f.shift) + BigInt(sf.ofs);
  const bits = (allOnes(sf.nBits) << shift) & f.memberMask;
  m.setMemberBits(f.member, bits, v << shift, bits);
}

/** OVS's learn_execute: the flow_mod a learn action makes from the packet `flow`. */
export function learnFlowMod(learn: LearnAction, flow: Uint32Array): FlowMod<ActionList> {
  const match = Match.catchall();
  const actions: Action[] = [];
  if (learn.finIdleTimeout !== 0 || learn.finHardTimeout !== 0) {
    actions.push({ type: "fin_timeout", idleTimeout: learn.finIdleTimeout, hardTimeout: learn.finHardTimeout });
  }
  for (const spec of learn.specs) {
    const value = spec.kind === "match_field" || spec.kind === "load_field" || spec.kind === "output" ? readSubfield(flow, spec.src) : spec.value;
    switch (spec.kind) {
      case "match_imm":
      case "match_field":
        writeMatchSubfield(match, spec.dst, value);
        break;
      case "load_imm":
      case "load_field": {
        const ofs = BigInt(spec.dst.ofs);
        actions.push({
          type: "set_field",
          field: spec.dst.field,
          value: (value & allOnes(spec.dst.nBits)) << ofs,
          mask: allOnes(spec.dst.nBits) << ofs,
          raw: "reg_load",
        });
        break;
      }
      case "output": {
        const port = Number(value & 0xffffn);
        if (value <= 0xffffn && (port < OFPP_MAX || port === OFPP_IN_PORT || port === OFPP_FLOOD || port === OFPP_LOCAL || port === OFPP_ALL)) {
          actions.push({ type: "output", port, maxLen: 0 });
        }
        break;
      }
    }
  }
  return defaultFlowMod({
    command: "modify_strict",
    match,
    priority: learn.priority,
    tableId: learn.table,
    newCookie: learn.cookie,
    modifyCookie: learn.cookie !== MAX_U64,
    idleTimeout: learn.idleTimeout,
    hardTimeout: learn.hardTimeout,
    flags: { ...NO_FLOW_MOD_FLAGS, sendFlowRem: learn.sendFlowRem },
    actions,
  });
}

/** How OVS's trace shows a learned flow. */
function describe(fm: FlowMod<ActionList>): string {
  let s = `table=${fm.tableId} ${formatMatch(fm.match, 0x8000)}`.trimEnd();
  s += ` priority=${fm.priority}`;
  if (fm.newCookie !== null && fm.newCookie !== 0n) s += ` cookie=0x${fm.newCookie.toString(16)}`;
  if (fm.idleTimeout !== 0) s += ` idle=${fm.idleTimeout}`;
  if (fm.hardTimeout !== 0) s += ` hard=${fm.hardTimeout}`;
  if (fm.flags.sendFlowRem) s += " send_flow_rem";
  return `${s} actions=${formatActions(fm.actions)}`;
}

/** OVS's ofproto_flow_mod_init_for_learn: the flow identical to `fm`, if any (learning it again only refreshes it). */
function findIdentical(tables: FlowTables<ActionList>, fm: FlowMod<ActionList>): FlowEntry<ActionList> | undefined {
  const sel = { ...looseSelector(fm.match, fm.tableId), strict: { priority: fm.priority } };
  const old = tables.select(sel)[0];
  const same =
    old !== undefined &&
    old.idleTimeout === fm.idleTimeout &&
    old.hardTimeout === fm.hardTimeout &&
    old.importance === 0 &&
    old.flags.sendFlowRem === fm.flags.sendFlowRem &&
    !old.flags.noPacketCounts &&
    !old.flags.noByteCounts &&
    (!fm.modifyCookie || old.cookie === fm.newCookie) &&
    formatActions(old.actions) === formatActions(fm.actions);
  return same ? old : undefined;
}

/** OVS's learn limit check for a new flow: `limit` or more flows with the learned cookie in the learned table. */
function overLimit(tables: FlowTables<ActionList>, fm: FlowMod<ActionList>, limit: number): boolean {
  if (limit === 0) return false;
  const sel = { ...looseSelector(Match.catchall(), fm.tableId), cookie: fm.newCookie ?? 0n, cookieMask: MAX_U64 };
  return tables.select(sel).length >= limit;
}

/** Installs or refreshes the learned flow; OVS's error text when the flow_mod fails. */
function learnFlow(ctx: XlateCtx, fm: FlowMod<ActionList>, identical: FlowEntry<ActionList> | undefined, blocked: boolean): string | null {
  if (identical !== undefined) {
    // OVS's ofproto_flow_mod_learn_refresh: the same rule, its hard timeout restarted; the
    // tables do not change, so nothing is revalidated.
    identical.modified = ctx.now;
    return null;
  }
  if (blocked) return null;
  try {
    ctx.bridge.tables.apply(fm, ctx.now);
    ctx.learned.push(fm);
    return null;
  } catch (e) {
    if (!(e instanceof OpenFlowError)) throw e;
    return e.message;
  }
}

/** OVS's xlate_learn_action. */
export function xlateLearn(learn: LearnAction, ctx: XlateCtx): void {
  for (const spec of learn.specs) {
    if (spec.kind === "match_field" || spec.kind === "load_field" || spec.kind === "output") maskSubfield(ctx.wc, spec.src);
  }
  if (!ctx.allowSideEffects && !ctx.revalidation) {
    ctx.report("warn", "suppressing side effects, so learn action ignored");
    return;
  }
  // A revalidation of a limited learn (no side effects): when the learned flow is not there as
  // learned, the actions depend on learning it again, which only a packet can do: the datapath
  // flow must go (xout->avoid_caching; OVS finds the rule by match, priority and attributes).
  if (!ctx.allowSideEffects && learn.limit !== 0 && findIdentical(ctx.bridge.tables, learnFlowMod(learn, ctx.flow)) === undefined) ctx.avoidCaching = true;
  // A revalidation installs nothing: only a result_dst needs the flow worked out.
  if (!ctx.allowSideEffects && learn.resultDst === null) return;
  const fm = learnFlowMod(learn, ctx.flow);
  ctx.report("detail", describe(fm));
  const identical = findIdentical(ctx.bridge.tables, fm);
  const blocked = identical === undefined && overLimit(ctx.bridge.tables, fm, learn.limit);
  const success = !blocked;
  // Without side effects (a revalidation) nothing is installed: the result is what the upcall found.
  const error = ctx.allowSideEffects ? learnFlow(ctx, fm, identical, blocked) : null;
  if (learn.resultDst !== null) {
    writeSubfield(ctx.flow, learn.resultDst, success ? 1n : 0n);
    maskSubfield(ctx.wc, learn.resultDst);
    ctx.report("detail", `${formatSubfield(learn.resultDst)} is now ${success ? "0x1" : "0"}`);
  }
  if (!success) ctx.report("detail", "Limit exceeded, learn failed");
  if (error !== null) ctx.reportError(`LEARN action execution failed (${error}).`);
}
