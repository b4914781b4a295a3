/**
 * `ovs-ofctl ct-flush-zone SWITCH ZONE` and `ovs-ofctl ct-flush SWITCH
 * [zone=N] [CT-ORIG-TUPLE [CT-REPLY-TUPLE]]` (utilities/ovs-ofctl.c): the
 * arguments are parsed before the switch is opened (errors fatal, in
 * ovs-ofctl's words), then the bridge's ofproto flushes its datapath's
 * connection tracker (src/vswitchd/ct-dpif-flush.ts) and nothing is printed.
 * An empty tuple argument is skipped. The tuple match travels in an
 * NXT_CT_FLUSH message, whose decoder takes the L3 type from the addresses
 * (ct-match-format.ts).
 */
import { ovsScanDecimalInt, strToInt } from "../flowtable/c-strto.js";
import { emptyCtMatch, parseCtTuple } from "../datapath/conntrack/ct-match.js";
import { ctMatchL3FromAddresses } from "../datapath/conntrack/ct-match-format.js";
import { ctDpifFlush } from "../vswitchd/ct-dpif-flush.js";
import type { Switch } from "../vswitchd/switch.js";
import type { CommandResult } from "./command-result.js";
import { failure, output } from "./command-result.js";

function flushOn(sw: Switch, brName: string, zone: number | undefined, match: ReturnType<typeof emptyCtMatch> | undefined): CommandResult {
  const rt = sw.bridge(brName) === undefined ? undefined : sw.ofproto(brName);
  if (rt === undefined) return failure(`ovs-ofctl: ${brName} is not a bridge or a socket`);
  ctDpifFlush(sw.vlog.get("ct_dpif"), rt.datapath, sw.now, zone, match);
  return output([]);
}

/** ovs-ofctl's ofctl_ct_flush_zone (`args`: SWITCH ZONE). */
export function ctFlushZoneCommand(sw: Switch, args: readonly string[]): CommandResult {
  const [brName = "", zoneArg = ""] = args;
  const z = strToInt(zoneArg);
  if (z === undefined || z < 0 || z > 0xffff) return failure(`ovs-ofctl: invalid zone_id "${zoneArg}"`);
  return flushOn(sw, brName, z, undefined);
}

/** ovs-ofctl's ofctl_ct_flush (`args`: SWITCH [zone=N] [ORIG [REPLY]]). */
export function ctFlushCommand(sw: Switch, args: readonly string[]): CommandResult {
  const [brName = "", ...rest] = args;
  let zone: number | undefined;
  let tuples = rest;
  if (tuples[0]?.startsWith("zone=") === true) {
    const m = /^zone=\s*([+-]?\d+)/.exec(tuples[0]);
    if (m === null) return failure("ovs-ofctl: Failed to parse zone");
    zone = ovsScanDecimalInt(m[1] ?? "") & 0xffff;
    tuples = tuples.slice(1);
  }
  const match = emptyCtMatch();
  for (const [i, which] of [[0, "orig"], [1, "reply"]] as const) {
    const t = tuples[i];
    if (t === undefined || t === "") continue;
    const err = parseCtTuple(t, match, which);
    if (err !== null) return failure(`ovs-ofctl: Failed to parse ct-tuple: ${err}`);
  }
  match.l3Type = ctMatchL3FromAddresses(match);
  return flushOn(sw, brName, zone, match);
}
