/**
 * Translation: a packet's flow through a bridge's OpenFlow pipeline into
 * datapath actions, a megaflow mask and a trace (OVS's xlate_actions in
 * ofproto/ofproto-dpif-xlate.c). The design essay is in xlate-context.ts;
 * per-action translation in xlate-actions.ts (one row per action type).
 *
 *   const r = xlate(bridge, flowKey, { trace: true });
 *   formatOdpActions(r.odpActions)   // "push_vlan(vid=5,pcp=0),2"
 *   formatTrace(r)                   // ofproto/trace's text (xlate-trace-format.ts)
 *
 * Megaflow. `wc` holds every bit the result depended on: the classifier's
 * consulted bits, fields actions read or wrote (OVS's un-wildcarding rules),
 * minus what OVS's xlate_wc_finish takes out (metadata and registers, which
 * the datapath never sees; VLAN and tunnel bits of packets without those
 * headers). Any packet equal to the input on `wc`'s bits translates to the
 * same datapath actions.
 */
import { odpActionsNeedSlowPath } from "./odp-actions-size.js";
import type { FlowTables, FlowMod } from "../../flowtable/flow-tables.js";
import type { FlowMember } from "../../flowtable/flow-layout.js";
import { M, MPLS_LSE_WORDS, W, readSmall, TUNNEL_EXTRA_WORDS, tunnelDstIsSet, writeMember } from "../../flowtable/flow-layout.js";
import { OFPP_UNSET } from "../../flowtable/ports.js";
import { TUN_MD_OPTS_WORDS } from "../../flowtable/tun-metadata-match.js";
import type { Action, ActionList } from "../action-types.js";
import { isMplsFlow } from "./flow-mpls.js";
import type { OdpAction } from "./odp-actions.js";
import { XM, xlateFlowOf } from "./odp-metadata.js";
import type { TraceNode } from "./trace.js";
import type { XlateBridge } from "./xlate-bridge.js";
import { doXlateActions } from "./xlate-actions.js";
import { freezeUnrollActions } from "./xlate-freeze.js";
import type { PacketIn, Recirculation, XlateErrorCode, XlateOptions } from "./xlate-context.js";
import { tnlProcessEcn, XlateCtx } from "./xlate-context.js";
import type { FrozenState } from "./xlate-freeze.js";
import { finishFreezing, formatFrozen, thawMetadata } from "./xlate-freeze.js";
import { XlateStack } from "./xlate-stack.js";
import { isMirrorOutput, mirrorIngressPacket } from "./xlate-mirror.js";
import { composeSflowAction, fixSflowAction } from "./xlate-sflow.js";
import { composeIpfixAction, ODPP_NONE_SAMPLE } from "./xlate-sample.js";

export interface XlateResult {
  readonly bridge: XlateBridge;
  /** Datapath actions (empty = drop). */
  readonly odpActions: readonly OdpAction[];
  /**
   * The megaflow mask as OVS computes it (what ofproto/trace prints), a
   * translation flow's worth of words (flow key + odp metadata).
   */
  readonly wc: Uint32Array;
  /**
   * The mask a datapath must install the megaflow with: `wc` plus what OVS's
   * datapath flow key encodes structurally — whether each VLAN header is
   * present (the CFI bits) and whether the packet came from a tunnel (tun_dst).
   * A packet equal to `initialFlow` on these bits translates to `odpActions`.
   */
  readonly megaflowMask: Uint32Array;
  /** The input flow as a translation flow. */
  readonly initialFlow: Uint32Array;
  /** The flow after translation (ofproto/trace's Final flow). */
  readonly finalFlow: Uint32Array;
  /** The trace tree (empty unless `trace` was asked for). */
  readonly trace: readonly TraceNode[];
  /** OVS's translation error, or null; with an error the actions are a drop. */
  readonly error: XlateErrorCode | null;
  readonly packetIns: readonly PacketIn[];
  /** Flows installed by learn (side effects allowed only). */
  readonly learnedFlowMods: readonly FlowMod<ActionList>[];
  /** OVS's SLOW_ACTION: the datapath cannot execute these actions itself (ARP/ICMP/ND rewrites). */
  readonly slow: boolean;
  /** xout->avoid_caching (xlate-learn.ts): a datapath flow must not keep these actions. */
  readonly avoidCaching: boolean;
  /** Conntrack recirculations (ct with table=N), in order. */
  readonly recirculations: readonly Recirculation[];
  /** The recirculation id this translation resumed (0 = a fresh packet). */
  readonly recircId: number;
  /**
   * OVS's flow->actset_output after translation: the output port the action
   * set holds (OFPP_UNSET when none). Part of the flow OVS compares for
   * "Final flow: unchanged".
   */
  readonly actsetOutput: number;
  /** OVS's ctx->nf_output_iface: the output interface a NetFlow record of this flow names (xlate-netflow.ts). */
  readonly nfOutputIface: number;
}

const CS_NEW = 0x01;
const CS_TRACKED = 0x20;

function clearMember(wc: Uint32Array, word: number, n: number): void {
  wc.fill(0, word, word + n);
}

/** Wildcards a member that shares its word (OVS's `wc->masks.actset_output = 0`). */
function wildcardMember(wc: Uint32Array, m: FlowMember): void {
  wc[m.word] = ((wc[m.word] ?? 0) & ~(((1 << m.bits) - 1) << m.shift)) >>> 0;
}

/** OVS's xlate_wc_finish. */
function finishWc(ctx: XlateCtx, initial: Uint32Array): void {
  const wc = ctx.wc;
  clearMember(wc, M.metadata.word, 2);
  clearMember(wc, M.regs[0]!.word, 16);
  wildcardMember(wc, M.actsetOutput);
  wc[M.conjId.word] = 0;
  const f = ctx.flow;
  const dlType = readSmall(f, M.dlType);
  const proto = readSmall(f, M.nwProto);
  if ((dlType === 0x0800 && proto === 1) || (dlType === 0x86dd && proto === 58)) {
    wc[M.tpSrc.word] = (wc[M.tpSrc.word] ?? 0) & ((0xff << M.tpSrc.shift) | (0xff << M.tpDst.shift));
  }
  for (const m of [M.vlanTci, M.vlanTci1]) {
    if (readSmall(wc, m) !== 0) wc[m.word] = ((wc[m.word] ?? 0) | (0x1000 << m.shift)) >>> 0;
  }
  if ((readSmall(f, M.nwFrag) & 2) !== 0) wc[M.tpSrc.word] = 0;
  // Label stack entries, VLAN headers the packet did not arrive with, and tunnel bits of a non-tunnel packet.
  if (!isMplsFlow(initial)) for (const w of MPLS_LSE_WORDS) wc[w] = 0;
  if ((readSmall(initial, M.vlanTci) & 0x1000) === 0) {
    wc[M.vlanTci.word] = (wc[M.vlanTci.word] ?? 0) & ~0xffff;
    wc[XM.vlanTpid.word] = (wc[XM.vlanTpid.word] ?? 0) & 0xffff;
  }
  if ((readSmall(initial, M.vlanTci1) & 0x1000) === 0) {
    wc[M.vlanTci1.word] = 0;
    wc[XM.vlanTpid.word] = (wc[XM.vlanTpid.word] ?? 0) & 0xffff0000;
  }
  if (!tunnelDstIsSet(initial)) {
    clearMember(wc, M.tunId.word, 4);
    wc[M.tunFlags.word] = (wc[M.tunFlags.word] ?? 0) & 0xffff0000;
    for (const w of TUNNEL_EXTRA_WORDS) wc[w] = 0;
    // Tunnel metadata (Geneve options and their present bits) is flow->tunnel too.
    wc.fill(0, W.TUN_MD_PRESENT, W.TUN_MD_OPTS + TUN_MD_OPTS_WORDS);
  }
}

/** OVS's xlate_optimize_odp_actions: a trailing clone's actions need no clone. */
function optimize(odp: OdpAction[]): OdpAction[] {
  const last = odp[odp.length - 1];
  if (last !== undefined && last.type === "clone") return [...odp.slice(0, -1), ...last.actions];
  return odp;
}

/**
 * Translates `flow` (a flow key, or a translation flow with skb_priority /
 * VLAN TPIDs) through `bridge`'s pipeline from table 0. Never throws on a
 * valid bridge; always terminates (OVS's resource limits).
 */
export function xlate(receivingBridge: XlateBridge, flow: Uint32Array, options: XlateOptions = {}): XlateResult {
  const f = xlateFlowOf(flow);
  // OVS's xlate_in_init: the action set starts empty, whatever the flow said.
  const aw = M.actsetOutput.word;
  f[aw] = (((f[aw] ?? 0) & ~(0xffff << M.actsetOutput.shift)) | (OFPP_UNSET << M.actsetOutput.shift)) >>> 0;
  const initial = f.slice();
  const resume = options.resume;
  const recircId = resume?.recircId ?? readSmall(f, XM.recircId);
  const frozen = resume === undefined && recircId !== 0 ? options.recircIds?.state(recircId) : undefined;
  // OVS's xlate_actions: a thawed translation goes on in the bridge that froze it (a ct() in
  // br-int of a packet that came in on br-tun's tunnel port resumes in br-int).
  const bridge = frozen?.bridge ?? receivingBridge;
  const ctx = new XlateCtx(bridge, f, options);
  ctx.initWc();
  const b = ctx.report("bridge", `bridge("${bridge.name}")`);
  if (b !== null) ctx.trace = b.subs;
  // A frozen state without actions (conntrack's) resumes with a table lookup, as OVS's xlate_actions.
  const lookupAfterThaw = frozen !== undefined && frozen.actions.length === 0;
  if (resume === undefined && recircId !== 0) {
    if (frozen === undefined) {
      ctx.reportError(`Recirculation context not found for ID ${recircId}`);
      ctx.error = "no_recirculation_context";
    } else if (lookupAfterThaw) {
      const t = ctx.report("thaw", "thaw");
      t?.add("thaw", `Resuming from table ${frozen.table}`);
      thawMetadata(frozen, ctx.flow);
      thawMetadata(frozen, ctx.base);
      ctx.tableId = frozen.table;
      ctx.conntracked = true;
      ctx.mirrors = frozen.mirrors ?? 0;
      ctx.actionSet = frozen.actionSet.slice();
      ctx.stack = new XlateStack(frozen.stack);
    } else {
      thaw(ctx, frozen);
    }
  } else if (resume !== undefined) {
    const t = ctx.report("thaw", "thaw");
    t?.add("thaw", `Resuming from table ${resume.table}`);
    ctx.tableId = resume.table;
    ctx.conntracked = true;
  } else if ((readSmall(f, M.ctState) & CS_TRACKED) !== 0) {
    ctx.conntracked = true;
  }
  const inPort = readSmall(f, M.inPort);
  // OVS's xin->ofpacts (a packet-out): these actions instead of a table 0 lookup.
  const given = resume === undefined && recircId === 0 ? options.actions : undefined;
  const r = resume === undefined && recircId !== 0 && !lookupAfterThaw ? "thawed" : given !== undefined ? { given } : ctx.lookup(ctx.tableId, inPort, true);
  if (r !== "thawed") {
    if (typeof r === "string" || !("given" in r)) ctx.reportTable(r, ctx.tableId);
    const inXport = bridge.port(inPort);
    if (inXport !== undefined && inXport.tunnel !== null && ctx.resubmitStats !== null) {
      bridge.countTunnel?.(inXport, "rx", ctx.resubmitStats.packets, ctx.resubmitStats.bytes);
    }
    // Sampling is done on initial reception, not again after thawing (compose_sflow_action).
    const sflow = inXport !== undefined && isMirrorOutput(ctx, inPort) ? null : recircId === 0 && resume === undefined ? composeSflowAction(ctx) : null;
    if (!(inXport !== undefined && isMirrorOutput(ctx, inPort)) && recircId === 0 && resume === undefined) composeIpfixAction(ctx, ODPP_NONE_SAMPLE);
    if (inXport !== undefined && isMirrorOutput(ctx, inPort)) {
      ctx.reportError(`dropping packet received on port ${inXport.name}, which is reserved exclusively for mirroring`);
    } else if (tnlProcessEcn(ctx.flow) && (inXport === undefined || !inXport.noReceive)) {
      if (typeof r !== "string" && "given" in r) {
        mirrorIngressPacket(ctx);
        doXlateActions(r.given, ctx, true);
      } else if (typeof r === "string") {
        ctx.ruleCookie = 0n;
        mirrorIngressPacket(ctx);
        doXlateActions(r === "miss" ? [] : MISS, ctx, true);
      } else {
        if (ctx.resubmitStats !== null) r.credit(ctx.resubmitStats.packets, ctx.resubmitStats.bytes, ctx.now);
        ctx.rule = r;
        ctx.ruleCookie = r.cookie;
        mirrorIngressPacket(ctx);
        doXlateActions(r.actions, ctx, true);
      }
      if (ctx.error === null) finishPipeline(ctx);
    }
    if (sflow !== null) fixSflowAction(ctx, sflow);
  }
  if (ctx.error === null) finishWc(ctx, initial);
  // Update NetFlow for non-frozen traffic (OVS's xlate_actions), with the stats being pushed.
  const stats = options.resubmitStats;
  if (bridge.netflow !== undefined && bridge.netflow !== null && frozen === undefined && resume === undefined && stats !== undefined) {
    const tcpFlags = stats.tcpFlags ?? readSmall(initial, M.tcpFlags);
    bridge.netflow.flowUpdate(initial, ctx.nfOutputIface, { packets: stats.packets, bytes: stats.bytes, tcpFlags, used: stats.used ?? ctx.now });
  }
  // Actions too big for Netlink or with too many outputs are slow-pathed (odp-actions-size.ts).
  if (ctx.error === null && odpActionsNeedSlowPath(ctx.odp)) ctx.slow = true;
  const odp = ctx.error !== null ? [] : optimize(ctx.odp);
  const mf = ctx.wc.slice();
  // dpif-netdev's handle_packet_upcall: the Netlink key cannot wildcard the
  // presence of a VLAN tag, so an unmatched outer TCI becomes VID|CFI exact.
  if (readSmall(mf, M.vlanTci) === 0) mf[M.vlanTci.word] = ((mf[M.vlanTci.word] ?? 0) | (0x1fff << M.vlanTci.shift)) >>> 0;
  mf[M.vlanTci1.word] = ((mf[M.vlanTci1.word] ?? 0) | (0x1000 << M.vlanTci1.shift)) >>> 0;
  mf[M.tunDst.word] = 0xffffffff;
  writeMember(mf, M.tunIpv6Dst, (1n << 128n) - 1n);
  // Packets reach the datapath without an action set: never part of a datapath flow, even after an error.
  wildcardMember(mf, M.actsetOutput);
  mf[XM.recircId.word] = 0xffffffff;
  return {
    bridge,
    odpActions: odp,
    wc: ctx.wc,
    megaflowMask: mf,
    initialFlow: initial,
    finalFlow: ctx.flow,
    trace: ctx.root,
    error: ctx.error,
    packetIns: ctx.packetIns,
    learnedFlowMods: ctx.learned,
    slow: ctx.slow,
    avoidCaching: ctx.avoidCaching,
    recirculations: ctx.recircs,
    recircId,
    actsetOutput: ctx.actsetOutput,
    nfOutputIface: ctx.nfOutputIface,
  };
}

/** The end of a pass: the action set, or the recirculation of a frozen translation. */
function finishPipeline(ctx: XlateCtx): void {
  if (!ctx.freezing) ctx.executeActionSet();
  // The action set may freeze too (a dp_hash select group in it).
  if (ctx.freezing) finishFreezing(ctx);
}

/**
 * OVS's thaw in xlate_actions: restore the frozen metadata, action set and
 * conntrack state, then run the frozen actions (`unroll_xlate` entries restore
 * the table id and rule cookie, as OVS's xlate_ofpact_unroll_xlate).
 */
function thaw(ctx: XlateCtx, state: FrozenState): void {
  const t = ctx.report("thaw", "thaw");
  t?.add("thaw", `Resuming from table ${state.table}`);
  if (state.actions.length > 0) t?.add("thaw", `Restoring actions: ${formatFrozen(state.actions)}`);
  thawMetadata(state, ctx.flow);
  thawMetadata(state, ctx.base);
  ctx.tableId = state.table;
  ctx.conntracked = state.conntracked;
  ctx.mirrors = state.mirrors ?? 0;
  ctx.actionSet = state.actionSet.slice();
  ctx.stack = new XlateStack(state.stack);
  // The frozen mirrors hold those the packet went to before it was frozen: it is not mirrored twice.
  mirrorIngressPacket(ctx);
  const n = state.actions.length;
  let i = 0;
  while (i < n && ctx.error === null && !ctx.exit) {
    const e = state.actions[i]!;
    if (e.kind === "unroll") {
      ctx.report("action", `unroll_xlate(table=${e.table}, cookie=${e.cookie})`);
      ctx.tableId = e.table;
      ctx.ruleCookie = e.cookie;
      ctx.report("thaw", `restored state: table=${e.table}, cookie=${e.cookie === 0n ? "0" : `0x${e.cookie.toString(16)}`}`);
      i++;
      continue;
    }
    let j = i;
    const run: Action[] = [];
    while (j < n && state.actions[j]!.kind === "action") {
      const x = state.actions[j]!;
      if (x.kind === "action") run.push(x.action);
      j++;
    }
    doXlateActions(run, ctx, j === n);
    i = j;
    // Translation froze again: the rest of the frozen list is frozen too, its unroll_xlate
    // entries copied as they are (OVS runs them as one action list: freeze_unroll_actions).
    if (ctx.error === null && ctx.exit && ctx.freezing) {
      for (; i < n; i++) {
        const e = state.actions[i]!;
        if (e.kind === "unroll") ctx.frozen.push(e);
        else freezeUnrollActions([e.action], 0, ctx);
      }
    }
  }
  if (ctx.error === null) finishPipeline(ctx);
}

const MISS: ActionList = [
  { type: "controller", maxLen: 0xffff, reason: "implicit_miss", controllerId: 0, userdata: [], pause: false, meterId: 0xffffffff },
];

/** The flow ofproto/trace resumes a conntrack recirculation with (ct_state=trk|new, the ct zone). */
export function recirculationFlow(r: Recirculation, ctState: number = CS_TRACKED | CS_NEW): Uint32Array {
  const f = r.flow.slice();
  f[M.ctState.word] = (((f[M.ctState.word] ?? 0) & ~0xff) | (ctState & 0xff)) >>> 0;
  const w = M.ctZone.word;
  f[w] = (((f[w] ?? 0) & 0xffff) | (r.zone << 16)) >>> 0;
  return f;
}

export type { FlowTables };
