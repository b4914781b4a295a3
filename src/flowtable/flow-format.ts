/**
 * Prints a flow entry as `ovs-ofctl dump-flows` does (OVS's
 * `ofputil_flow_stats_format`): cookie, duration, table, counters, timeouts,
 * flags, importance, ages, the match and the actions. What a stats reply can
 * carry depends on the OpenFlow version: flags only from 1.3, importance only
 * from 1.4, as real dumps show.
 */
import type { FlowEntry } from "./flow-entry.js";
import { formatMatch } from "./match-format.js";
import type { TunMdView } from "./match-format.js";
import type { Match } from "./match.js";
import type { PortNameMap } from "./ports.js";
import { formatTableId } from "./table-names.js";

export interface FlowFormatOptions<A> {
  /** False for `--no-stats`. */
  readonly showStats: boolean;
  /** Virtual time of the dump (ms), for duration and ages. */
  readonly now: number;
  /** OpenFlow version of the dump (10 for OpenFlow 1.0 / NXM, 13 for 1.3...). */
  readonly ofVersion: number;
  readonly names?: PortNameMap;
  /** Whether the reply carries idle and hard ages; by default NXM (1.0) and 1.5 replies do, OpenFlow 1.0's own OFPST_FLOW does not. */
  readonly withAges?: boolean;
  /** The match to print instead of the entry's (the narrower one an OpenFlow 1.0 reply carries). */
  readonly match?: Match;
  readonly formatActions: (actions: A) => string;
  /** How the tun_metadata fields print (the switch's TLV map: tun-metadata-match.ts switchTunMdView). */
  readonly tunMd?: TunMdView;
}

/** OVS's `ofp_print_duration`: seconds with 3 decimals when there are fractions. */
export function formatDuration(ms: number): string {
  const sec = Math.floor(ms / 1000);
  const frac = ms - sec * 1000;
  return frac > 0 ? `${sec}.${String(Math.round(frac)).padStart(3, "0")}s` : `${sec}s`;
}

export function formatFlowStats<A>(e: FlowEntry<A>, o: FlowFormatOptions<A>): string {
  let s = "";
  if (o.showStats || e.cookie !== 0n) s += `cookie=0x${e.cookie.toString(16)}, `;
  if (o.showStats) s += `duration=${formatDuration(o.now - e.created)}, `;
  // A named table is printed even when it is table 0 (ofputil_flow_stats_format).
  if (o.showStats || e.tableId !== 0 || o.names?.tables?.nameOf(e.tableId) !== undefined) s += `table=${formatTableId(e.tableId, o.names?.tables)}, `;
  if (o.showStats) s += `n_packets=${e.nPackets}, n_bytes=${e.nBytes}, `;
  if (e.idleTimeout !== 0) s += `idle_timeout=${e.idleTimeout}, `;
  if (e.hardTimeout !== 0) s += `hard_timeout=${e.hardTimeout}, `;
  if (o.ofVersion >= 13) {
    if (e.flags.sendFlowRem) s += "send_flow_rem ";
    if (e.flags.checkOverlap) s += "check_overlap ";
    if (e.flags.resetCounts) s += "reset_counts ";
    if (e.flags.noPacketCounts) s += "no_packet_counts ";
    if (e.flags.noByteCounts) s += "no_byte_counts ";
  }
  if (o.ofVersion >= 14 && e.importance !== 0) s += `importance=${e.importance}, `;
  if (o.showStats) {
    // Ages are whole seconds; NXM replies carry both, OpenFlow 1.5's OXS stats only the idle
    // time (no hard age: ofputil_decode_flow_stats_reply leaves it -1), 1.1-1.4 neither.
    if (o.withAges ?? (o.ofVersion < 11 || o.ofVersion >= 15)) {
      const idleAge = Math.floor((o.now - e.used) / 1000);
      const hardAge = Math.floor((o.now - e.modified) / 1000);
      s += `idle_age=${idleAge}, `;
      if (o.ofVersion < 15 && hardAge !== Math.floor((o.now - e.created) / 1000)) s += `hard_age=${hardAge}, `;
    }
  }
  const match = formatMatch(o.match ?? e.match, e.priority, o.names, o.tunMd);
  if (match !== "") s += `${match} `;
  return `${s}actions=${o.formatActions(e.actions)}`;
}
