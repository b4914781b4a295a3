/**
 * `ovs-appctl ofproto/trace` output (OVS's ofproto_trace / ofproto_trace__ in
 * ofproto/ofproto-dpif-trace.c):
 *
 *   Flow: <flow>
 *   <blank line>
 *   bridge("br0")            (the trace tree, trace.ts)
 *   -------------
 *    0. <match>, priority N[, cookie 0x..]
 *       <actions>
 *   <blank line>
 *   Final flow: <flow> | unchanged
 *   Megaflow: recirc_id=0,eth,<megaflow match>
 *   Datapath actions: <odp actions>
 *   [Translation failed (<error>), packet is dropped.]
 *
 * followed, for each conntrack recirculation (`ct(table=N)`), by a section
 * that resumes the packet at table N with ct_state=trk|new.
 */
import { FLOW_WORDS, M, readMember, readSmall, tunnelDstIsSet } from "../../flowtable/flow-layout.js";
import { Match } from "../../flowtable/match.js";
import { CT_STATE_NAMES } from "../../flowtable/flag-names.js";
import { formatMatch } from "../../flowtable/match-format.js";
import { OFPP_UNSET } from "../../flowtable/ports.js";
import { formatOdpActions } from "./odp-actions.js";
import type { OdpPortNames } from "./odp-actions.js";
import type { PortNameMap } from "../../flowtable/ports.js";
import { XM } from "./odp-metadata.js";
import { formatTraceNodes } from "./trace.js";
import { simulateNat } from "./trace-nat.js";
import type { XlateBridge } from "./xlate-bridge.js";
import type { Recirculation, XlateOptions } from "./xlate-context.js";
import { bridgePortNames, XLATE_ERRORS } from "./xlate-context.js";
import type { XlateResult } from "./xlate.js";
import { recirculationFlow, xlate } from "./xlate.js";
import { vswitchdTunMdView } from "../../flowtable/tun-metadata-match.js";
import { formatTraceFlow, hexAlt, withMeta } from "./xlate-flow-format.js";

export { formatTraceFlow };

/** The Megaflow line's match (OVS's match_format of the input flow under `wc`). */
export function formatMegaflow(r: XlateResult, names?: PortNameMap): string {
  const key = new Uint32Array(FLOW_WORDS);
  const mask = r.wc.slice(0, FLOW_WORDS);
  for (let i = 0; i < FLOW_WORDS; i++) key[i] = (r.initialFlow[i] ?? 0) & (mask[i] ?? 0);
  const skbMask = readSmall(r.wc, XM.skbPriority);
  const tunTable = r.bridge.tunMetadata;
  let text = formatMatch(new Match(key, mask), undefined, names, tunTable === undefined ? undefined : vswitchdTunMdView(tunTable));
  // tnl_wc_init makes the outer TOS exact for a tunnel packet; it lives in the translation
  // flow's metadata words, so it is written where OVS's match_format prints it.
  const tunnelMasked = readSmall(mask, M.tunDst) !== 0 || readMember(mask, M.tunIpv6Dst) !== 0n;
  if (tunnelDstIsSet(r.initialFlow) && tunnelMasked && readSmall(r.wc, XM.tunTos) !== 0) {
    text = text.replace(/(^|,)(tun_erspan_ver|gtpu_flags|gtpu_msgtype|tun_flags)=/, `$1tun_tos=${readSmall(r.initialFlow, XM.tunTos).toString(16)},$2=`);
  }
  const hashMask = readSmall(r.wc, XM.dpHash);
  const hashValue = readSmall(r.initialFlow, XM.dpHash) & hashMask;
  const dpHash = hashMask === 0 ? null : hashMask === 0xffffffff ? hexAlt(hashValue) : `${hexAlt(hashValue)}/${hexAlt(hashMask)}`;
  return withMeta(text, r.recircId, skbMask === 0 ? null : readSmall(r.initialFlow, XM.skbPriority), dpHash);
}

function sameFlow(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The trace's Final flow, or null when it is unchanged. */
export function formatFinalFlow(r: XlateResult, names?: PortNameMap): string | null {
  return sameFlow(r.initialFlow, r.finalFlow) && r.actsetOutput === OFPP_UNSET ? null : formatTraceFlow(r.finalFlow, r.recircId, r.bridge.tunMetadata, names);
}

/** One translation's ofproto/trace text (no recirculations), as lines. */
export function formatTrace(r: XlateResult, names?: { readonly odp: OdpPortNames }): string[] {
  // `--names`: the traced bridge's port names in flows, the datapath's in datapath actions.
  const ports = names === undefined ? undefined : bridgePortNames(r.bridge);
  let s = `Flow: ${formatTraceFlow(r.initialFlow, r.recircId, r.bridge.tunMetadata, ports)}\n`;
  s += formatTraceNodes(r.trace);
  s += `\nFinal flow: ${formatFinalFlow(r, ports) ?? "unchanged"}\n`;
  s += `Megaflow: ${formatMegaflow(r, ports)}\n`;
  s += `Datapath actions: ${formatOdpActions(r.odpActions, names?.odp)}`;
  if (r.error !== null) s += `\nTranslation failed (${XLATE_ERRORS[r.error]}), packet is dropped.\n`;
  else if (r.slow) s += "\nThis flow is handled by the userspace slow path because it:\n  - Uses action(s) not supported by datapath.";
  const lines = s.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** ct_state bits as OVS's format_flags(ct_state_to_string, '|') prints them (`est|trk`). */
export function formatCtStateFlags(state: number): string {
  return [...CT_STATE_NAMES].filter(([bit]) => (state & bit) !== 0).map(([, name]) => name).join("|");
}

/** OVS's recirculation limit in ofproto/trace. */
const MAX_RECIRCULATIONS = 4096;

/**
 * `ofproto/trace BRIDGE FLOW`: translates with side effects suppressed, then
 * follows conntrack recirculations (ct_state=trk|new, as OVS's default).
 */
export function ofprotoTrace(bridge: XlateBridge, flow: Uint32Array, options: XlateOptions = {}): string[] {
  return ofprotoTraceRun(bridge, flow, options).lines;
}

/**
 * ofprotoTrace's text and its first translation: the datapath actions a
 * traced packet goes through (OVS executes the trace's own actions, so a
 * frozen state keeps the recirculation id the trace printed).
 */
export function ofprotoTraceRun(
  bridge: XlateBridge,
  flow: Uint32Array,
  options: XlateOptions = {},
  ctNext: readonly number[] = [],
): { readonly lines: string[]; readonly first: XlateResult; readonly results: readonly XlateResult[] } {
  const first = xlate(bridge, flow, { ...options, trace: true });
  const results = [first];
  const out = formatTrace(first, options.names);
  // Each queued recirculation holds its id (oftrace_add_recirc_node), so an equal frozen state shares it.
  const hold = (rcs: readonly Recirculation[], delta: number): void => {
    for (const rc of rcs) options.recircIds?.ref(rc.id, delta);
  };
  const queue = [...first.recirculations];
  hold(queue, 1);
  let n = 0;
  const next = [...ctNext];
  while (queue.length > 0 && n++ <= MAX_RECIRCULATIONS) {
    const rc = queue.shift()!;
    const rule = "=".repeat(79);
    // Each --ct-next state goes to the next recirculation, in order; then OVS's default.
    const state = next.shift();
    out.push("", rule);
    out.push(
      state === undefined
        ? `recirc(${hexAlt(rc.id)}) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)`
        : `recirc(${hexAlt(rc.id)}) - resume conntrack with ct_state=${formatCtStateFlags(state)}`,
    );
    const flow = recirculationFlow(rc, state);
    if (rc.nat !== null) out.push(...simulateNat(flow, rc.nat));
    out.push(rule, "");
    const r = xlate(rc.bridge, flow, { ...options, trace: true, resume: { table: rc.table, recircId: rc.id } });
    results.push(r);
    out.push(...formatTrace(r, options.names));
    hold(r.recirculations, 1);
    queue.push(...r.recirculations);
    hold([rc], -1);
  }
  hold(queue, -1);
  return { lines: out, first, results };
}

