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
import { formatFlow } from "../../flowtable/flow-print.js";
import { Match } from "../../flowtable/match.js";
import { CT_STATE_NAMES } from "../../flowtable/flag-names.js";
import { formatMatch } from "../../flowtable/match-format.js";
import { OFPP_UNSET } from "../../flowtable/ports.js";
import { formatOdpActions } from "./odp-actions.js";
import { XM } from "./odp-metadata.js";
import { formatTraceNodes } from "./trace.js";
import { simulateNat } from "./trace-nat.js";
import type { XlateBridge } from "./xlate-bridge.js";
import type { Recirculation, XlateOptions } from "./xlate-context.js";
import { XLATE_ERRORS } from "./xlate-context.js";
import type { XlateResult } from "./xlate.js";
import { recirculationFlow, xlate } from "./xlate.js";
import { vswitchdTunMdView } from "../../flowtable/tun-metadata-match.js";
import type { TunMetadataTable } from "../../flowtable/tun-metadata-table.js";

const META = /^(pkt_mark|ct_state|ct_zone|ct_mark|ct_label|ct_nw_src|ct_ipv6_src|ct_nw_dst|ct_ipv6_dst|ct_nw_proto|ct_tp_src|ct_tp_dst)=/;

function hexAlt(v: number): string {
  return v === 0 ? "0" : `0x${v.toString(16)}`;
}

/**
 * OVS's match_format order for the fields ovsim's flow key lacks: pkt_mark,
 * recirc_id, skb_priority, the conntrack fields, then `eth` (printed for
 * megaflows and recirculated flows), then the rest.
 */
function withMeta(text: string, recircId: number | null, skbPriority: number | null, dpHash: string | null = null): string {
  const tokens = text === "" ? [] : text.split(",");
  const pm: string[] = [];
  const ct: string[] = [];
  let i = 0;
  for (; i < tokens.length && META.test(tokens[i]!); i++) (tokens[i]!.startsWith("pkt_mark=") ? pm : ct).push(tokens[i]!);
  const out = [...pm];
  if (recircId !== null) out.push(`recirc_id=${hexAlt(recircId)}`);
  if (dpHash !== null) out.push(`dp_hash=${dpHash}`);
  if (skbPriority !== null) out.push(`skb_priority=${hexAlt(skbPriority)}`);
  out.push(...ct);
  if (recircId !== null) out.push("eth");
  out.push(...tokens.slice(i));
  return out.join(",");
}

/** OVS's flow_format of a translation flow (skb_priority and recirc_id included). */
export function formatTraceFlow(flow: Uint32Array, recircId = 0, tunTable?: TunMetadataTable): string {
  const skb = readSmall(flow, XM.skbPriority);
  const dpHash = readSmall(flow, XM.dpHash);
  let text = formatFlow(flow.subarray(0, FLOW_WORDS), undefined, tunTable === undefined ? undefined : vswitchdTunMdView(tunTable));
  // The outer TOS and TTL live in the translation flow's metadata words; flow_format prints them with the tunnel.
  const tos = readSmall(flow, XM.tunTos);
  const ttl = readSmall(flow, XM.tunTtl);
  if (tos !== 0 || ttl !== 0) text = text.replace(",tun_tos=0,tun_ttl=0,", `,tun_tos=${tos},tun_ttl=${ttl},`);
  return withMeta(text, recircId === 0 ? null : recircId, skb === 0 ? null : skb, dpHash === 0 ? null : hexAlt(dpHash));
}

/** The Megaflow line's match (OVS's match_format of the input flow under `wc`). */
export function formatMegaflow(r: XlateResult): string {
  const key = new Uint32Array(FLOW_WORDS);
  const mask = r.wc.slice(0, FLOW_WORDS);
  for (let i = 0; i < FLOW_WORDS; i++) key[i] = (r.initialFlow[i] ?? 0) & (mask[i] ?? 0);
  const skbMask = readSmall(r.wc, XM.skbPriority);
  const tunTable = r.bridge.tunMetadata;
  let text = formatMatch(new Match(key, mask), undefined, undefined, tunTable === undefined ? undefined : vswitchdTunMdView(tunTable));
  // tnl_wc_init makes the outer TOS exact for a tunnel packet; it lives in the translation
  // flow's metadata words, so it is written where OVS's match_format prints it.
  const tunnelMasked = readSmall(mask, M.tunDst) !== 0 || readMember(mask, M.tunIpv6Dst) !== 0n;
  if (tunnelDstIsSet(r.initialFlow) && tunnelMasked && readSmall(r.wc, XM.tunTos) !== 0) {
    text = text.replace(/(^|,)(tun_erspan_ver|tun_flags)=/, `$1tun_tos=${readSmall(r.initialFlow, XM.tunTos)},$2=`);
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
export function formatFinalFlow(r: XlateResult): string | null {
  return sameFlow(r.initialFlow, r.finalFlow) && r.actsetOutput === OFPP_UNSET ? null : formatTraceFlow(r.finalFlow, r.recircId, r.bridge.tunMetadata);
}

/** One translation's ofproto/trace text (no recirculations), as lines. */
export function formatTrace(r: XlateResult): string[] {
  let s = `Flow: ${formatTraceFlow(r.initialFlow, r.recircId, r.bridge.tunMetadata)}\n`;
  s += formatTraceNodes(r.trace);
  s += `\nFinal flow: ${formatFinalFlow(r) ?? "unchanged"}\n`;
  s += `Megaflow: ${formatMegaflow(r)}\n`;
  s += `Datapath actions: ${formatOdpActions(r.odpActions)}`;
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
  const out = formatTrace(first);
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
    out.push(...formatTrace(r));
    hold(r.recirculations, 1);
    queue.push(...r.recirculations);
    hold([rc], -1);
  }
  hold(queue, -1);
  return { lines: out, first, results };
}

