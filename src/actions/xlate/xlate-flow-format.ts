/**
 * OVS's flow_format of a translation flow, as ofproto/trace's `Flow:` line
 * and xlate_report_error's log message (`... while processing FLOW`) print
 * it: flow_format's order for the fields kept outside ovsim's flow key
 * (pkt_mark, recirc_id, dp_hash, skb_priority, the conntrack fields), then
 * the rest. Its own file so that translation can format a flow without
 * the trace printer (which needs translation).
 */
import { FLOW_WORDS, readSmall } from "../../flowtable/flow-layout.js";
import { formatFlow } from "../../flowtable/flow-print.js";
import { vswitchdTunMdView } from "../../flowtable/tun-metadata-match.js";
import type { TunMetadataTable } from "../../flowtable/tun-metadata-table.js";
import type { PortNameMap } from "../../flowtable/ports.js";
import { XM } from "./odp-metadata.js";

const META = /^(pkt_mark|ct_state|ct_zone|ct_mark|ct_label|ct_nw_src|ct_ipv6_src|ct_nw_dst|ct_ipv6_dst|ct_nw_proto|ct_tp_src|ct_tp_dst)=/;

export function hexAlt(v: number): string {
  return v === 0 ? "0" : `0x${v.toString(16)}`;
}

/**
 * OVS's match_format order for the fields ovsim's flow key lacks: pkt_mark,
 * recirc_id, skb_priority, the conntrack fields, then `eth` (printed for
 * megaflows and recirculated flows), then the rest.
 */
export function withMeta(text: string, recircId: number | null, skbPriority: number | null, dpHash: string | null = null): string {
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
export function formatTraceFlow(flow: Uint32Array, recircId = 0, tunTable?: TunMetadataTable, names?: PortNameMap): string {
  const skb = readSmall(flow, XM.skbPriority);
  const dpHash = readSmall(flow, XM.dpHash);
  let text = formatFlow(flow.subarray(0, FLOW_WORDS), names, tunTable === undefined ? undefined : vswitchdTunMdView(tunTable));
  // The outer TOS and TTL live in the translation flow's metadata words; flow_format prints them with the tunnel.
  const tos = readSmall(flow, XM.tunTos);
  const ttl = readSmall(flow, XM.tunTtl);
  if (tos !== 0 || ttl !== 0) text = text.replace(",tun_tos=0,tun_ttl=0,", `,tun_tos=${tos.toString(16)},tun_ttl=${ttl},`);
  return withMeta(text, recircId === 0 ? null : recircId, skb === 0 ? null : skb, dpHash === 0 ? null : hexAlt(dpHash));
}
