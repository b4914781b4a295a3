/**
 * Freezing and thawing translation (OVS's frozen_state, freeze_unroll_actions,
 * finish_freezing__ and xlate_actions' thaw, ofproto-dpif-xlate.c /
 * ofproto-dpif-rid.c).
 *
 * A select group with dp_hash stops translation (`ctx.freezing`, `ctx.exit`):
 * the group action and every action after it, level by level as the
 * resubmits unwind, are recorded in `ctx.frozen` (with `unroll_xlate`
 * markers that restore the table id and rule cookie), and translation ends
 * with `hash(alg(basis)),recirc(N)`. N names the frozen state (bridge, frozen
 * actions, action set, metadata): the same state gets the same id while a
 * datapath flow holds it (`RecircIds.ref`), else a fresh one, as OVS's
 * recirc_alloc_id_ctx. When the packet comes back with recirc_id N and its
 * dp_hash, translation thaws the state and runs the frozen actions; the group
 * then picks `dpHashTable(group)[dp_hash & mask]`.
 */
import { M, readSmall, TUNNEL_EXTRA_WORDS } from "../../flowtable/flow-layout.js";
import { FIELDS } from "../../flowtable/fields.js";
import { OFPP_IN_PORT } from "../../flowtable/ports.js";
import { XM } from "./odp-metadata.js";
import { formatActions } from "../action-text.js";
import type { Action, ActionList } from "../action-types.js";
import type { XlateBridge } from "./xlate-bridge.js";
import type { XlateCtx } from "./xlate-context.js";
import type { StackEntry } from "./xlate-stack.js";
import { stackKey } from "./xlate-stack.js";

/** One frozen action, or OVS's OFPACT_UNROLL_XLATE (restore table id and cookie). */
export type FrozenEntry = { readonly kind: "unroll"; readonly table: number; readonly cookie: bigint } | { readonly kind: "action"; readonly action: Action };

/** OVS's struct frozen_state (what ovsim needs of it). */
export interface FrozenState {
  readonly bridge: XlateBridge;
  readonly table: number;
  readonly actions: readonly FrozenEntry[];
  readonly actionSet: ActionList;
  /** metadata and reg0..15 words of the flow when frozen (frozen_metadata). */
  readonly metadata: Uint32Array;
  /** in_port and the tunnel words of the flow when frozen (frozen_metadata's in_port and tunnel): frozenPort(). */
  readonly port: Uint32Array;
  readonly conntracked: boolean;
  /** The push / pop stack (OVS's frozen_state stack), bottom first. */
  readonly stack: readonly StackEntry[];
  /** The mirrors the packet was already sent to (OVS's frozen_state mirrors, xlate-mirror.ts); absent: none. */
  readonly mirrors?: number;
}

const META_FIRST = M.metadata.word;
const META_WORDS = 2 + 16;

/** ofpacts_format of frozen actions (`unroll_xlate(table=0, cookie=0),group:1`: format_UNROLL_XLATE's decimal cookie). */
export function formatFrozen(entries: readonly FrozenEntry[]): string {
  return entries.map((e) => (e.kind === "unroll" ? `unroll_xlate(table=${e.table}, cookie=${e.cookie})` : formatActions([e.action]))).join(",");
}

/** OVS's freeze_put_unroll_xlate. */
function putUnroll(ctx: XlateCtx): void {
  const h = ctx.frozenHeader;
  if (h === null || h.table !== ctx.tableId || h.cookie !== ctx.ruleCookie) {
    const u = { kind: "unroll", table: ctx.tableId, cookie: ctx.ruleCookie } as const;
    ctx.frozen.push(u);
    ctx.frozenHeader = u;
  }
}

/** OVS's freeze_unroll_actions: records `list[from..]` for the thawed translation. */
export function freezeUnrollActions(list: ActionList, from: number, ctx: XlateCtx): void {
  for (let i = from; i < list.length; i++) {
    const a = list[i]!;
    switch (a.type) {
      case "output_reg":
      case "output_trunc":
      case "group":
      case "output":
      case "controller":
      case "dec_ttl":
        putUnroll(ctx);
        break;
      case "resubmit":
        if (a.table === 0xff) putUnroll(ctx);
        break;
      // Instructions become the equivalent actions: goto_table a resubmit, write_metadata a set_field.
      case "goto_table":
        ctx.frozen.push({ kind: "action", action: { type: "resubmit", inPort: OFPP_IN_PORT, table: a.table, withCt: false } });
        continue;
      case "write_metadata":
        ctx.frozen.push({ kind: "action", action: { type: "set_field", field: FIELDS.metadata, value: a.metadata, mask: a.mask, raw: "set_field" } });
        continue;
      // Not needed after thawing.
      case "note":
      case "conjunction":
        continue;
      default:
        break;
    }
    ctx.frozen.push({ kind: "action", action: a });
  }
}

/** The metadata words (metadata, registers) a frozen state keeps. */
export function frozenMetadata(flow: Uint32Array): Uint32Array {
  return flow.slice(META_FIRST, META_FIRST + META_WORDS);
}

/**
 * in_port, tun_flags, the outer TOS/TTL and UDP ports, the IPv6, ERSPAN, GBP and GTP-U tunnel words and
 * tun_id..tun_dst of `flow`: what frozen_metadata keeps besides metadata and registers.
 */
export function frozenPort(flow: Uint32Array): Uint32Array {
  const t = flow.subarray(M.tunId.word, M.tunDst.word + 1);
  const extra = TUNNEL_EXTRA_WORDS.map((w) => flow[w] ?? 0);
  return Uint32Array.of(flow[M.inPort.word] ?? 0, readSmall(flow, M.tunFlags), flow[XM.tunTos.word] ?? 0, flow[XM.tunTpSrc.word] ?? 0, ...extra, ...t);
}

/** Restores frozen metadata into `flow` (frozen_metadata_to_flow): metadata, registers, and in_port and the tunnel (a state frozen in a patch peer resumes on its port there). */
export function thawMetadata(state: FrozenState, flow: Uint32Array): void {
  flow.set(state.metadata, META_FIRST);
  const p = state.port;
  flow[M.inPort.word] = p[0] ?? 0;
  flow[M.tunFlags.word] = (((flow[M.tunFlags.word] ?? 0) & 0xffff0000) | (p[1] ?? 0)) >>> 0;
  flow[XM.tunTos.word] = p[2] ?? 0;
  flow[XM.tunTpSrc.word] = p[3] ?? 0;
  const extraEnd = 4 + TUNNEL_EXTRA_WORDS.length;
  TUNNEL_EXTRA_WORDS.forEach((w, i) => (flow[w] = p[4 + i] ?? 0));
  flow.set(p.subarray(extraEnd), M.tunId.word);
}

/**
 * What makes two frozen states equal (recirc_alloc_id_ctx's frozen_state_equal): the bridge, the table
 * to resume at, the frozen actions and action set, the frozen metadata (metadata, registers, in_port
 * and the tunnel: packets from two ports never share an id), whether conntrack ran and the push / pop
 * stack. The rest of
 * the flow (ct_state, pkt_mark, the headers) is not part of it: the packet brings that back itself.
 */
export function frozenStateKey(state: FrozenState): string {
  return [state.bridge.name, state.table, formatFrozen(state.actions), formatActions(state.actionSet), state.metadata.join(","), state.port.join(","), state.conntracked ? 1 : 0, stackKey(state.stack), state.mirrors ?? 0].join("|");
}

/** OVS's finish_freezing: commit, allocate the state's recirc id, emit `hash(...),recirc(N)`. */
export function finishFreezing(ctx: XlateCtx): void {
  ctx.commit();
  const state: FrozenState = {
    bridge: ctx.bridge,
    table: 0,
    actions: ctx.frozen.slice(),
    actionSet: ctx.actionSet.slice(),
    metadata: frozenMetadata(ctx.flow),
    port: frozenPort(ctx.flow),
    conntracked: ctx.conntracked,
    stack: ctx.stack.contents(),
    mirrors: ctx.mirrors,
  };
  const id = ctx.recircIds.freeze(frozenStateKey(state), state);
  if (ctx.freezeHash !== null) ctx.odp.push({ type: "hash", alg: ctx.freezeHash.alg, basis: ctx.freezeHash.basis });
  ctx.odp.push({ type: "recirc", id });
  ctx.freezing = false;
  ctx.freezeHash = null;
  ctx.frozen = [];
  ctx.frozenHeader = null;
}
