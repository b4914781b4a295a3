/**
 * Translation of each OpenFlow action: ONE table keyed by action type (OVS's
 * `do_xlate_actions` switch). The mapped type makes a new action type a
 * compile error until it has its row here — the translation column of the
 * per-action table in action-ops.ts, kept beside the translation code it
 * needs (so the action rows never import translation).
 *
 * A row returns true to stop the current action list (OVS's `return` from
 * do_xlate_actions: a dec_ttl exception, a missing group).
 */
import { enqueueDone, NF_OUT_DROP, outputActionDone } from "./xlate-netflow.js";
import { deleteTunMetadata } from "../../flowtable/tun-metadata-field.js";
import { FLOW_L3_L4_END, FLOW_MAX_MPLS_LABELS, M, W, readMember, readSmall, writeMember } from "../../flowtable/flow-layout.js";
import {
  OFPP_ALL,
  OFPP_CONTROLLER,
  OFPP_FLOOD,
  OFPP_IN_PORT,

  OFPP_NONE,
  OFPP_NORMAL,
  OFPP_TABLE,
  OFPP_UNSET,
  formatPort,
} from "../../flowtable/ports.js";
import { formatSubfield } from "../../flowtable/subfield.js";
import { formatActions } from "../action-text.js";
import type { Action, ActionList, ActionOf, ActionType, NatAction } from "../action-types.js";
import { formatFieldValue } from "../field-text.js";
import type { OdpAction } from "./odp-actions.js";
import { CT_DEFAULTS } from "./odp-ct.js";
import type { OdpNat } from "./odp-ct.js";
import { XM } from "./odp-metadata.js";
import {
  countMplsLabels,
  ethTypeMpls,
  flowPopMpls,
  flowPushMpls,
  isMplsFlow,
  lseAt,
  MPLS_LABEL_MASK,
  MPLS_TC_MASK,
  MPLS_TTL_MASK,
  setLseAt,
} from "./flow-mpls.js";
import type { XlateCtx } from "./xlate-context.js";
import { actionSetOrderHook, runActionsHook } from "./xlate-context.js";
import {
  copySubfield,
  getField,
  isIpAny,
  maskFieldMasked,
  maskL3Prereqs,
  maskMember,
  maskSubfield,
  prereqsOk,
  readSubfield,
  setFieldMasked,
  unwildcard,
} from "./xlate-fields.js";
import { groupHooks, xlateGroupAction } from "./xlate-group.js";
import { freezeUnrollActions, frozenMetadata, frozenPort } from "./xlate-freeze.js";
import { xlateLearn } from "./xlate-learn.js";
import { loadSubfield, multipathExecute } from "./xlate-multipath.js";
import { bundleExecute, memberEnabled } from "./xlate-bundle.js";
import { xlateCheckPktLarger } from "./xlate-check-pkt-larger.js";
import { xlateSample } from "./xlate-sample.js";
import { stackPop, stackPush, XlateStack } from "./xlate-stack.js";
import { flood, xlateNormal } from "./xlate-output.js";
import { SET_OR_MOVE_ACTIONS } from "../table-actions.js";

/** TCP flag bits (lib/packets.h). */
const TCP_FIN = 0x001;
const TCP_RST = 0x004;

// ---- MPLS (the label stack: flow-mpls.ts; set_mpls_* and dec_mpls_ttl touch the outermost entry only)

function orWc(ctx: XlateCtx, bits: number): void {
  setLseAt(ctx.wc, 0, lseAt(ctx.wc, 0) | bits);
}

/** Sets the bits `mask` of the outermost LSE to `value` (already shifted into place). */
function setLse(ctx: XlateCtx, mask: number, value: number): void {
  if (!isMplsFlow(ctx.flow)) return;
  orWc(ctx, mask);
  setLseAt(ctx.flow, 0, (lseAt(ctx.flow, 0) & ~mask) | (value & mask));
}

/**
 * OVS's "dropping packet on which an MPLS ... action can't be performed":
 * reported only when translating a real packet (xin->packet, which goes with
 * allow_side_effects in OVS: not in a trace of a bare flow), an error always.
 */
function tooManyMplsLabels(ctx: XlateCtx, what: string): void {
  if (ctx.allowSideEffects) {
    ctx.reportError(`dropping packet on which an ${what} more MPLS LSEs than the ${FLOW_MAX_MPLS_LABELS} supported.`);
  }
  ctx.error = "too_many_mpls_labels";
}

/** OVS's compose_mpls_push_action. */
function xlatePushMpls(ethertype: number, ctx: XlateCtx): void {
  const n = countMplsLabels(ctx.flow, ctx.wc);
  if (n === 0) {
    ctx.commit();
  } else if (n >= FLOW_MAX_MPLS_LABELS) {
    tooManyMplsLabels(ctx, "MPLS push action can't be performed as it would have");
    return;
  }
  flowPushMpls(ctx.flow, n, ethertype, ctx.wc, true);
}

/** OVS's compose_mpls_pop_action. */
function xlatePopMpls(ethertype: number, ctx: XlateCtx): void {
  const n = countMplsLabels(ctx.flow, ctx.wc);
  if (flowPopMpls(ctx.flow, n, ethertype, ctx.wc)) {
    // The datapath supports recirculation: L3+ of the payload are read after one.
    if (!ethTypeMpls(ethertype)) ctx.wasMpls = true;
  } else if (n >= FLOW_MAX_MPLS_LABELS) {
    tooManyMplsLabels(ctx, "MPLS pop action can't be performed as it has");
    // OVS clears the whole datapath action buffer (in a clone: its own list here).
    ctx.odp.length = 0;
  }
}

/** Actions that need no recirculation after a pop_mpls (OVS's recirc_for_mpls). */
const NO_RECIRC_FOR_MPLS = new Set<ActionType>([
  "output",
  "output_trunc",
  "enqueue",
  "output_reg",
  "set_vlan_vid",
  "set_vlan_pcp",
  "set_eth_src",
  "set_eth_dst",
  "set_tunnel",
  "set_queue",
  "group",
]);

/** OVS's mf_is_l3_or_higher: IPv4 source and every field after it (the flow's L3 and L4 words). */
function isL3OrHigher(f: { readonly member: { readonly word: number } }): boolean {
  return f.member.word >= W.NW_SRC && f.member.word < FLOW_L3_L4_END;
}

/** OVS's recirc_for_mpls: freeze before an action that may need the L3+ headers of a packet that was MPLS. */
function recircForMpls(a: Action, ctx: XlateCtx): void {
  if (ctx.exit || !ctx.wasMpls) return;
  if (NO_RECIRC_FOR_MPLS.has(a.type)) return;
  if (a.type === "set_field" && !isL3OrHigher(a.field)) return;
  ctx.exit = true;
  ctx.freezing = true;
}

/** OVS's compose_dec_mpls_ttl_action: true stops the action list. */
function xlateDecMplsTtl(ctx: XlateCtx): boolean {
  if (isMplsFlow(ctx.flow)) {
    const ttl = lseAt(ctx.flow, 0) & MPLS_TTL_MASK;
    orWc(ctx, MPLS_TTL_MASK);
    if (ttl > 1) {
      setLse(ctx, MPLS_TTL_MASK, ttl - 1);
      return false;
    }
    ctx.controller(0xffff, "invalid_ttl", 0, []);
  }
  ctx.report("warn", "MPLS decrement TTL exception");
  return true;
}

/** `list` and `at`: the list being translated and a's index in it (check_pkt_larger translates the rest). */
type XlateFn<A extends Action> = (a: A, ctx: XlateCtx, last: boolean, list: ActionList, at: number) => boolean;
type XlateOps = { readonly [T in ActionType]: XlateFn<ActionOf<T>> };

const VLAN_CFI = 0x1000;
const FRAG_LATER = 2;

// ---- VLAN helpers (flow.vlans[0] = vlan_tci + TPID word high half, vlans[1] = vlan_tci1 + low half)

function tci(flow: Uint32Array, i: 0 | 1): number {
  return readSmall(flow, i === 0 ? M.vlanTci : M.vlanTci1);
}

function setTci(flow: Uint32Array, i: 0 | 1, v: number): void {
  const m = i === 0 ? M.vlanTci : M.vlanTci1;
  flow[m.word] = (((flow[m.word] ?? 0) & ~(0xffff << m.shift)) | ((v & 0xffff) << m.shift)) >>> 0;
}

function countVlans(flow: Uint32Array): number {
  if ((tci(flow, 0) & VLAN_CFI) === 0) return 0;
  return (tci(flow, 1) & VLAN_CFI) === 0 ? 1 : 2;
}

function maskVlanHeader(wc: Uint32Array, i: 0 | 1): void {
  setTci(wc, i, 0xffff);
  const w = XM.vlanTpid.word;
  wc[w] = ((wc[w] ?? 0) | (i === 0 ? 0xffff0000 : 0xffff)) >>> 0;
}

/** OVS's flow_pop_vlan. */
function popVlan(flow: Uint32Array, wc: Uint32Array): void {
  const n = countVlans(flow);
  const w = XM.vlanTpid.word;
  if (n > 1) {
    maskVlanHeader(wc, 1);
    setTci(flow, 0, tci(flow, 1));
    flow[w] = ((flow[w] ?? 0) << 16) >>> 0;
  }
  if (n > 0) {
    setTci(flow, (n - 1) as 0 | 1, 0);
    flow[w] = n - 1 === 0 ? 0 : (flow[w] ?? 0) & 0xffff0000;
  }
}

/** OVS's flow_push_vlan_uninit + the push_vlan action. */
function pushVlan(flow: Uint32Array, wc: Uint32Array, tpid: number): void {
  const n = countVlans(flow);
  if (n >= 1) maskVlanHeader(wc, 0);
  if (n >= 2) maskVlanHeader(wc, 1);
  setTci(flow, 1, tci(flow, 0));
  const w = XM.vlanTpid.word;
  flow[w] = (((flow[w] ?? 0) >>> 16) | (tpid << 16)) >>> 0;
  setTci(flow, 0, VLAN_CFI);
}

// ---- action lists

/** OVS's do_xlate_actions. */
export function doXlateActions(list: ActionList, ctx: XlateCtx, isLast: boolean): void {
  if (list.length === 0) {
    ctx.report("action", "drop");
    return;
  }
  const n = list.length;
  for (let i = 0; i < n; i++) {
    const a = list[i] as Action;
    const last = isLast && i === n - 1 && ctx.actionSet.length === 0;
    if (ctx.error !== null) break;
    recircForMpls(a, ctx);
    if (ctx.exit) {
      if (ctx.freezing) freezeUnrollActions(list, i, ctx);
      break;
    }
    if (ctx.trace !== null) ctx.report("action", formatActions([a], ctx.tracePortNames()));
    if ((XLATE[a.type] as XlateFn<Action>)(a, ctx, last, list, i)) return;
    // This action froze translation: it and the rest run after recirculation. A resubmit or
    // goto_table that froze inside is not run again (OVS's `continue` past this check): the next
    // turn of the loop freezes only the actions after it.
    if (a.type === "resubmit" || a.type === "goto_table") continue;
    if (ctx.error === null && ctx.exit && ctx.freezing && ctx.frozen.length === 0) {
      freezeUnrollActions(list, i, ctx);
      break;
    }
  }
}

/** OVS's reversible_actions: actions whose datapath effect a later action can undo. */
function reversible(list: ActionList): boolean {
  for (const a of list) {
    if (a.type === "ct" || a.type === "meter" || a.type === "nat" || a.type === "output_trunc") return false;
  }
  return true;
}

/** A datapath sample's probability out of UINT32_MAX: always. */
const SAMPLE_ALWAYS = 0xffffffff;

/** OVS's clone_xlate_actions (clone and patch ports): flow, action set and stack come back afterwards. */
export function cloneXlateActions(list: ActionList, ctx: XlateCtx, last: boolean): void {
  const savedFlow = ctx.flow.slice();
  const savedStack = ctx.stack;
  ctx.stack = new XlateStack(savedStack.contents());
  const savedSet = ctx.actionSet;
  const savedActset = ctx.actsetOutput;
  const savedHasGroup = ctx.actionSetHasGroup;
  ctx.actionSet = [];
  if (reversible(list) || last) {
    doXlateActions(list, ctx, last);
    ctx.executeActionSet();
  } else {
    ctx.commit();
    const savedBase = ctx.base.slice();
    const oldConntracked = ctx.conntracked;
    // The datapath's clone, else a sample of probability 100% (nested samples deep enough), else nothing.
    const dpClone = ctx.bridge.cloneAction ?? true;
    if (dpClone || (ctx.bridge.sampleNesting ?? 10) > 3) {
      const outer = ctx.odp;
      ctx.odp = [];
      doXlateActions(list, ctx, true);
      ctx.executeActionSet();
      const inner = ctx.odp;
      ctx.odp = outer;
      if (inner.length > 0) outer.push(dpClone ? { type: "clone", actions: inner } : { type: "sample", probability: SAMPLE_ALWAYS, actions: inner });
    } else ctx.reportError("Failed to compose clone action");
    ctx.conntracked = oldConntracked;
    ctx.base.set(savedBase);
  }
  ctx.flow.set(savedFlow);
  ctx.stack = savedStack;
  ctx.actionSet = savedSet;
  ctx.actsetOutput = savedActset;
  ctx.actionSetHasGroup = savedHasGroup;
}

runActionsHook.run = doXlateActions;
runActionsHook.clone = cloneXlateActions;

// ---- output

/** OVS's xlate_output_action. */
export function xlateOutput(
  ctx: XlateCtx,
  port: number,
  controllerLen: number,
  mayPacketIn: boolean,
  last: boolean,
  groupBucket: boolean,
): void {
  const inPort = readSmall(ctx.flow, M.inPort);
  const prevNfOutput = ctx.nfOutputIface;
  ctx.nfOutputIface = NF_OUT_DROP;
  switch (port) {
    case OFPP_IN_PORT:
      ctx.composeOutput(inPort, last);
      break;
    case OFPP_TABLE:
      ctx.tableAction(inPort, 0, mayPacketIn, false, doXlateActions);
      break;
    case OFPP_NORMAL:
      xlateNormal(ctx);
      break;
    case OFPP_FLOOD:
      flood(ctx, false, last);
      break;
    case OFPP_ALL:
      flood(ctx, true, last);
      break;
    case OFPP_CONTROLLER:
      ctx.controller(controllerLen, ctx.inPacketOut ? "packet_out" : groupBucket ? "group" : ctx.inActionSet ? "action_set" : "action", 0, []);
      break;
    case OFPP_NONE:
      break;
    default:
      if (port !== inPort) ctx.composeOutput(port, last);
      else ctx.reportInfo("skipping output to input port");
  }
  ctx.nfOutputIface = outputActionDone(prevNfOutput, ctx.nfOutputIface);
}

// ---- conntrack

function odpNat(a: NatAction): OdpNat {
  const r = a.range;
  let addrs: OdpNat["addrs"] = null;
  if (r !== null && r.family === "ipv4") {
    const min = Number(r.addrMin);
    const max = Number(r.addrMax);
    addrs = { v: 4, min, max: max > min ? max : 0 };
  } else if (r !== null) {
    addrs = { v: 6, min: r.addrMin, max: r.addrMax > r.addrMin ? r.addrMax : 0n };
  }
  const protoMin = r !== null ? r.portMin : 0;
  const protoMax = r !== null && r.portMax > r.portMin ? r.portMax : 0;
  return { kind: a.kind, addrs, protoMin, protoMax, persistent: a.persistent, hash: a.hash, random: a.random && !a.hash };
}

/** OVS's compose_conntrack_action. */
function xlateCt(a: ActionOf<"ct">, ctx: XlateCtx, last: boolean): boolean {
  let zone = a.zoneImm;
  if (a.zoneSrc !== null) {
    zone = Number(readSubfield(ctx.flow, a.zoneSrc));
    maskSubfield(ctx.wc, a.zoneSrc);
  }
  const oldMarkMask = ctx.wc[M.ctMark.word] ?? 0;
  const oldLabelMask = ctx.wc.slice(M.ctLabel.word, M.ctLabel.word + 4);
  ctx.commit();
  ctx.ctNat = null;
  ctx.wc[M.ctMark.word] = 0;
  ctx.wc.fill(0, M.ctLabel.word, M.ctLabel.word + 4);
  doXlateActions(a.actions, ctx, last);
  const markMask = ctx.wc[M.ctMark.word] ?? 0;
  const labelMask = readMember(ctx.wc, M.ctLabel);
  const nat = ctx.ctNat;
  ctx.odp.push({
    ...CT_DEFAULTS,
    commit: a.commit && !a.force,
    forceCommit: a.commit && a.force,
    zone,
    mark: markMask !== 0 ? { value: readSmall(ctx.flow, M.ctMark) & markMask, mask: markMask } : null,
    label: labelMask !== 0n ? { value: readMember(ctx.flow, M.ctLabel) & labelMask, mask: labelMask } : null,
    helper: a.alg === 21 ? "ftp" : a.alg === 69 ? "tftp" : null,
    nat: nat === null ? null : odpNat(nat),
  });
  ctx.wc[M.ctMark.word] = oldMarkMask;
  ctx.wc.set(oldLabelMask, M.ctLabel.word);
  if (a.table !== 255) {
    ctx.conntracked = true;
    // OVS's compose_recirculate_and_fork: the frozen state resumes with a lookup in `table`.
    const id = ctx.recircId("ct", a.table, {
      bridge: ctx.bridge,
      table: a.table,
      actions: [],
      actionSet: ctx.actionSet.slice(),
      metadata: frozenMetadata(ctx.flow),
      port: frozenPort(ctx.flow),
      conntracked: true,
      stack: ctx.stack.contents(),
      mirrors: ctx.mirrors,
    });
    ctx.odp.push({ type: "recirc", id });
    ctx.recircs.push({ id, bridge: ctx.bridge, table: a.table, flow: ctx.flow.slice(), zone, nat });
    ctx.report("detail", `A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table ${a.table}.`);
  }
  ctx.ctNat = null;
  ctx.clearConntrack();
  ctx.report("detail", "Sets the packet to an untracked state, and clears all the conntrack fields.");
  return false;
}

// ---- misc helpers

function hexAlt(v: number): string {
  return v === 0 ? "0" : `0x${v.toString(16)}`;
}

function reportSubfield(ctx: XlateCtx, sf: ActionOf<"reg_move">["dst"]): void {
  if (ctx.trace === null) return;
  const whole = sf.ofs === 0 && sf.nBits >= sf.field.nBits;
  const v = whole ? formatFieldValue(sf.field, getField(ctx.flow, sf.field)) : hexAlt64(readSubfield(ctx.flow, sf));
  ctx.report("detail", `${formatSubfield(sf)} is now ${v}`);
}

function hexAlt64(v: bigint): string {
  return v === 0n ? "0" : `0x${v.toString(16)}`;
}

function reportActionSet(ctx: XlateCtx, verb: "was" | "is"): void {
  if (ctx.trace === null) return;
  const list = actionSetOrderHook.order(ctx.actionSet);
  ctx.report("detail", list.length === 0 ? `action set ${verb} empty` : `action set ${verb}: ${formatActions(list)}`);
}

function setL4(ctx: XlateCtx, m: typeof M.tpSrc, port: number): void {
  const f = ctx.flow;
  if (!isIpAny(f) || (readSmall(f, M.nwFrag) & FRAG_LATER) !== 0) return;
  maskMember(ctx.wc, M.nwProto);
  maskMember(ctx.wc, m);
  f[m.word] = (((f[m.word] ?? 0) & ~(0xffff << m.shift)) | ((port & 0xffff) << m.shift)) >>> 0;
}

function setTos(ctx: XlateCtx, bits: number, value: number): void {
  const f = ctx.flow;
  if (!isIpAny(f)) return;
  maskMember(ctx.wc, M.nwProto);
  ctx.wc[M.nwTos.word] = ((ctx.wc[M.nwTos.word] ?? 0) | (bits << M.nwTos.shift)) >>> 0;
  const tos = (readSmall(f, M.nwTos) & ~bits) | (value & bits);
  f[M.nwTos.word] = (((f[M.nwTos.word] ?? 0) & ~(0xff << M.nwTos.shift)) | (tos << M.nwTos.shift)) >>> 0;
}

function setSkbPriority(ctx: XlateCtx, v: number): void {
  ctx.flow[XM.skbPriority.word] = v >>> 0;
}

const OUTPUT_TRUNC_BAD = new Set([OFPP_TABLE, OFPP_NORMAL, OFPP_FLOOD, OFPP_ALL, OFPP_CONTROLLER, OFPP_NONE]);

export const XLATE: XlateOps = {
  output: (a, ctx, last) => {
    xlateOutput(ctx, a.port, a.maxLen, true, last, false);
    return false;
  },
  output_reg: (a, ctx, last) => {
    const port = readSubfield(ctx.flow, a.src);
    if (port <= 0xffffn) {
      ctx.report("detail", `output port is ${port}`);
      maskSubfield(ctx.wc, a.src);
      xlateOutput(ctx, Number(port), a.maxLen, false, last, false);
    } else {
      ctx.report("warn", `output port ${port} is out of range`);
    }
    return false;
  },
  output_trunc: (a, ctx, last) => {
    const inPort = readSmall(ctx.flow, M.inPort);
    if (OUTPUT_TRUNC_BAD.has(a.port)) {
      ctx.report("warn", `output_trunc does not support port: ${formatPort(a.port)}`);
    } else if (a.port === inPort) {
      ctx.reportInfo("skipping output to input port");
    } else {
      const p = ctx.bridge.port(a.port);
      if (p === undefined || p.odpPort === null) {
        ctx.reportError(`output_trunc does not support patch port ${formatPort(a.port)}`);
      } else {
        ctx.odp.push({ type: "trunc", maxLen: a.maxLen });
        xlateOutput(ctx, a.port, 0, false, last, false);
      }
    }
    return false;
  },
  enqueue: (a, ctx, last) => {
    maskMember(ctx.wc, XM.skbPriority);
    const inPort = readSmall(ctx.flow, M.inPort);
    let port = a.port;
    if (port === OFPP_IN_PORT) port = inPort;
    else if (port === inPort) return false;
    const old = readSmall(ctx.flow, XM.skbPriority);
    setSkbPriority(ctx, a.queue);
    ctx.composeOutput(port, last);
    setSkbPriority(ctx, old);
    ctx.nfOutputIface = enqueueDone(ctx.nfOutputIface, port);
    return false;
  },
  controller: (a, ctx) => {
    ctx.controller(a.maxLen, a.reason, a.controllerId, a.userdata);
    return false;
  },
  group: (a, ctx, last) => xlateGroupAction(ctx, a.groupId, last),
  resubmit: (a, ctx, last) => {
    const inPort = a.inPort === OFPP_IN_PORT ? readSmall(ctx.flow, M.inPort) : a.inPort;
    const table = a.table === 255 ? ctx.tableId : a.table;
    ctx.tableAction(inPort, table, false, last, doXlateActions, a.withCt);
    return false;
  },
  goto_table: (a, ctx, last) => {
    ctx.tableAction(readSmall(ctx.flow, M.inPort), a.table, true, last, doXlateActions);
    return false;
  },
  set_vlan_vid: (a, ctx) => {
    unwildcard(ctx.wc, M.vlanTci, 0x1fffn);
    const t = tci(ctx.flow, 0);
    if ((t & VLAN_CFI) !== 0 || a.pushIfNeeded) setTci(ctx.flow, 0, (t & ~0xfff) | (a.vid & 0xfff) | VLAN_CFI);
    return false;
  },
  set_vlan_pcp: (a, ctx) => {
    unwildcard(ctx.wc, M.vlanTci, 0xf000n);
    const t = tci(ctx.flow, 0);
    if ((t & VLAN_CFI) !== 0 || a.pushIfNeeded) setTci(ctx.flow, 0, (t & ~0xe000) | ((a.pcp & 7) << 13) | VLAN_CFI);
    return false;
  },
  strip_vlan: (_a, ctx) => {
    popVlan(ctx.flow, ctx.wc);
    return false;
  },
  push_vlan: (a, ctx) => {
    pushVlan(ctx.flow, ctx.wc, a.ethertype);
    return false;
  },
  set_eth_src: (a, ctx) => {
    maskMember(ctx.wc, M.dlSrc);
    writeMember(ctx.flow, M.dlSrc, a.mac);
    return false;
  },
  set_eth_dst: (a, ctx) => {
    maskMember(ctx.wc, M.dlDst);
    writeMember(ctx.flow, M.dlDst, a.mac);
    return false;
  },
  set_ipv4_src: (a, ctx) => {
    if (readSmall(ctx.flow, M.dlType) === 0x0800) {
      maskMember(ctx.wc, M.nwSrc);
      maskMember(ctx.wc, M.nwProto);
      ctx.flow[M.nwSrc.word] = Number(a.ip) >>> 0;
    }
    return false;
  },
  set_ipv4_dst: (a, ctx) => {
    if (readSmall(ctx.flow, M.dlType) === 0x0800) {
      maskMember(ctx.wc, M.nwDst);
      maskMember(ctx.wc, M.nwProto);
      ctx.flow[M.nwDst.word] = Number(a.ip) >>> 0;
    }
    return false;
  },
  set_ip_dscp: (a, ctx) => {
    setTos(ctx, 0xfc, a.dscp);
    return false;
  },
  set_ip_ecn: (a, ctx) => {
    setTos(ctx, 0x03, a.ecn);
    return false;
  },
  set_ip_ttl: (a, ctx) => {
    if (isIpAny(ctx.flow)) {
      maskMember(ctx.wc, M.nwProto);
      maskMember(ctx.wc, M.nwTtl);
      const f = ctx.flow;
      f[M.nwTtl.word] = (((f[M.nwTtl.word] ?? 0) & ~(0xff << M.nwTtl.shift)) | ((a.ttl & 0xff) << M.nwTtl.shift)) >>> 0;
    }
    return false;
  },
  set_l4_src_port: (a, ctx) => {
    setL4(ctx, M.tpSrc, a.port);
    return false;
  },
  set_l4_dst_port: (a, ctx) => {
    setL4(ctx, M.tpDst, a.port);
    return false;
  },
  reg_move: (a, ctx) => {
    copySubfield(a.src, a.dst, ctx.flow, ctx.wc);
    reportSubfield(ctx, a.dst);
    return false;
  },
  delete_field: (a, ctx) => {
    deleteTunMetadata(ctx.flow, a.field);
    if (ctx.trace !== null) ctx.report("detail", `delete ${a.field.name}`);
    return false;
  },
  stack_push: (a, ctx) => {
    stackPush(ctx.stack, a.subfield, ctx.flow, ctx.wc);
    return false;
  },
  stack_pop: (a, ctx) => {
    if (stackPop(ctx.stack, a.subfield, ctx.flow, ctx.wc)) reportSubfield(ctx, a.subfield);
    else ctx.reportError("stack underflow");
    return false;
  },
  set_field: (a, ctx) => {
    const f = a.field;
    if (prereqsOk(f.prereq, ctx.flow, ctx.wc)) {
      maskL3Prereqs(f, ctx.flow, ctx.wc);
      maskFieldMasked(ctx.wc, f, a.mask);
      setFieldMasked(ctx.flow, f, a.value, a.mask);
    } else {
      ctx.report("warn", `unmet prerequisites for ${f.name}, set_field ignored`);
    }
    return false;
  },
  dec_ttl: (a, ctx) => {
    maskMember(ctx.wc, M.nwTtl);
    maskMember(ctx.wc, M.nwProto);
    const f = ctx.flow;
    if (!isIpAny(f)) return false;
    const ttl = readSmall(f, M.nwTtl);
    if (ttl > 1) {
      f[M.nwTtl.word] = ((f[M.nwTtl.word] ?? 0) - (1 << M.nwTtl.shift)) >>> 0;
      return false;
    }
    for (const id of a.ids) ctx.controller(0xffff, "invalid_ttl", id, []);
    ctx.report("warn", `IPv${readSmall(f, M.dlType) === 0x0800 ? 4 : 6} decrement TTL exception`);
    return true;
  },
  set_mpls_label: (a, ctx) => {
    setLse(ctx, MPLS_LABEL_MASK, a.label << 12);
    return false;
  },
  set_mpls_tc: (a, ctx) => {
    setLse(ctx, MPLS_TC_MASK, a.tc << 9);
    return false;
  },
  set_mpls_ttl: (a, ctx) => {
    setLse(ctx, MPLS_TTL_MASK, a.ttl);
    return false;
  },
  dec_mpls_ttl: (_a, ctx) => xlateDecMplsTtl(ctx),
  push_mpls: (a, ctx) => {
    xlatePushMpls(a.ethertype, ctx);
    return false;
  },
  pop_mpls: (a, ctx) => {
    xlatePopMpls(a.ethertype, ctx);
    return false;
  },
  set_tunnel: (a, ctx) => {
    writeMember(ctx.flow, M.tunId, a.tunId);
    return false;
  },
  set_queue: (a, ctx) => {
    maskMember(ctx.wc, XM.skbPriority);
    setSkbPriority(ctx, a.queueId);
    return false;
  },
  pop_queue: (_a, ctx) => {
    maskMember(ctx.wc, XM.skbPriority);
    if (readSmall(ctx.flow, XM.skbPriority) !== ctx.origSkbPriority) {
      setSkbPriority(ctx, ctx.origSkbPriority);
      ctx.report("detail", `queue = ${hexAlt(ctx.origSkbPriority)}`);
    }
    return false;
  },
  fin_timeout: (a, ctx) => {
    // OVS's xlate_fin_timeout: a packet's translation (side effects allowed), or a megaflow's
    // stats push, whose TCP flags have FIN or RST lowers the running rule's timeouts
    // (ofproto_rule_reduce_timeouts; OVS's XC_FIN_TIMEOUT for the push).
    maskMember(ctx.wc, M.nwProto);
    const tcpFlags = ctx.resubmitStats?.tcpFlags ?? readSmall(ctx.flow, M.tcpFlags);
    if (ctx.allowSideEffects && ctx.rule !== null && (tcpFlags & (TCP_FIN | TCP_RST)) !== 0) {
      ctx.rule.reduceTimeouts(a.idleTimeout, a.hardTimeout);
    }
    return false;
  },
  note: () => false,
  exit: (_a, ctx) => {
    ctx.exit = true;
    return false;
  },
  conjunction: (_a, ctx) => {
    ctx.reportError("executing no-op conjunction action");
    return false;
  },
  clone: (a, ctx, last) => {
    cloneXlateActions(a.actions, ctx, last);
    return false;
  },
  learn: (a, ctx) => {
    xlateLearn(a, ctx);
    return false;
  },
  nat: (a, ctx) => {
    ctx.ctNat = a;
    return false;
  },
  ct: xlateCt,
  ct_clear: (_a, ctx) => {
    if (ctx.conntracked) {
      ctx.clearConntrack();
      ctx.odp.push({ type: "ct_clear" });
    }
    return false;
  },
  // OVS's ctx_trigger_freeze: the actions after debug_recirc run after a recirculation.
  debug_recirc: (_a, ctx, _last, list, at) => {
    ctx.exit = true;
    ctx.freezing = true;
    freezeUnrollActions(list, at + 1, ctx);
    return true;
  },
  // OVS's SLOW_ACTION: the datapath flow sends every packet to the userspace slow path.
  debug_slow: (_a, ctx) => {
    ctx.slow = true;
    return false;
  },
  // OVS's xlate_meter_action: the meter's datapath meter, if the bridge has one.
  meter: (a, ctx) => {
    const dpId = ctx.bridge.meterDpId?.(a.meterId);
    if (dpId !== undefined) ctx.odp.push({ type: "meter", id: dpId });
    return false;
  },
  clear_actions: (_a, ctx) => {
    reportActionSet(ctx, "was");
    ctx.actionSet = [];
    ctx.actsetOutput = OFPP_UNSET;
    ctx.actionSetHasGroup = false;
    return false;
  },
  write_actions: (a, ctx) => {
    // OVS's xlate_write_actions__: actset_output follows the last output, until a group.
    if (!ctx.actionSetHasGroup) {
      for (const w of a.actions) {
        if (w.type === "output") ctx.actsetOutput = w.port;
        else if (w.type === "group") {
          ctx.actsetOutput = OFPP_UNSET;
          ctx.actionSetHasGroup = true;
          break;
        }
      }
    }
    ctx.actionSet = [...ctx.actionSet, ...a.actions];
    reportActionSet(ctx, "is");
    return false;
  },
  write_metadata: (a, ctx) => {
    const old = readMember(ctx.flow, M.metadata);
    writeMember(ctx.flow, M.metadata, (old & ~a.mask) | (a.metadata & a.mask));
    return false;
  },
  multipath: (a, ctx) => {
    multipathExecute(a, ctx.flow, ctx.wc);
    reportSubfield(ctx, a.dst);
    return false;
  },
  // OVS's xlate_bundle_action.
  bundle: (a, ctx, last) => {
    const port = bundleExecute(a, ctx.flow, ctx.wc, (p) => memberEnabled(ctx.bridge, p));
    if (a.dst === null) {
      xlateOutput(ctx, port, 0, false, last, false);
    } else {
      loadSubfield(a.dst, BigInt(port), ctx.flow, ctx.wc);
      reportSubfield(ctx, a.dst);
    }
    return false;
  },
  sample: (a, ctx) => {
    xlateSample(a, ctx);
    return false;
  },
  // The rest of the list is translated inside check_pkt_len's branches (when the datapath has it).
  check_pkt_larger: (a, ctx, _last, list, at) => xlateCheckPktLarger(a, list.slice(at + 1), ctx, doXlateActions),
};

// ---- the action set

/** OVS's ofpacts_execute_action_set: OpenFlow's action-set order. */
export function executeActionSetOrder(set: ActionList): ActionList {
  const out: Action[] = [];
  const lastOf = (t: ActionType): boolean => {
    for (let i = set.length - 1; i >= 0; i--) {
      if (set[i]!.type === t) {
        out.push(set[i]!);
        return true;
      }
    }
    return false;
  };
  lastOf("strip_vlan");
  lastOf("pop_mpls");
  lastOf("push_mpls");
  lastOf("push_vlan");
  lastOf("dec_ttl");
  lastOf("dec_mpls_ttl");
  for (const a of set) if (SET_OR_MOVE_ACTIONS.has(a.type)) out.push(a);
  lastOf("set_queue");
  if (!lastOf("group") && !lastOf("output") && !lastOf("resubmit") && !lastOf("ct")) return [];
  return out;
}

actionSetOrderHook.order = executeActionSetOrder;
groupHooks.run = doXlateActions;
groupHooks.order = executeActionSetOrder;

export type { OdpAction };
