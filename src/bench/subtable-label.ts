/**
 * A subtable's name in reports: one of its flows' match as ovs-ofctl prints it
 * (match-format.ts: protocol shorthands, OVS's field names and order), with the values
 * dropped and the masks kept, since the flows of a subtable share their mask but not their
 * values: `priority=10,icmp6,in_port=2,icmp_type=136` names the subtable
 * `icmp6,in_port,icmp_type`, `ip,nw_src=10.0.0.0/24` names `ip,nw_src/24`. A subtable of
 * catch-all flows is `(catch-all)`.
 */

import { keyValuePairs } from "../flowtable/flow-mod-parse.js";
import { formatMatch } from "../flowtable/match-format.js";
import type { Match } from "../flowtable/match.js";

export function subtableLabel(match: Match): string {
  const parts: string[] = [];
  for (const [k, v, delim] of keyValuePairs(formatMatch(match, 0))) {
    if (k === "priority") continue;
    const slash = delim === "" ? -1 : v.indexOf("/");
    parts.push(slash < 0 ? k : `${k}${v.slice(slash)}`);
  }
  return parts.length === 0 ? "(catch-all)" : parts.join(",");
}
