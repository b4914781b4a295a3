/**
 * Flushing a datapath's connection tracker as OVS's ct_dpif_flush
 * (lib/ct-dpif.c) does, for `ovs-appctl dpctl/flush-conntrack` and for the
 * OpenFlow NXT_CT_FLUSH_ZONE / NXT_CT_FLUSH requests (`ovs-ofctl
 * ct-flush-zone`, `ct-flush`; ofproto-dpif's ct_flush on the bridge's
 * datapath). At DBG the `ct_dpif` module logs what is flushed, naming the
 * datapath as dpif_name does (`TYPE@NAME`):
 *   - a non-empty match: `ct_flush: zone=Z 'ORIG,ct_nw_proto=P' 'REPLY'`
 *     (Z 0 when no zone is given);
 *   - only a zone: `ct_flush: zone Z`;
 *   - nothing: `ct_flush: <all>`.
 * The OpenFlow requests answer nothing and ignore the tracker's result
 * (ofproto.c: a full tuple that names no connection is not an error there).
 */
import type { Datapath } from "../datapath/dpif.js";
import type { CtMatch } from "../datapath/conntrack/ct-match.js";
import { ctMatchIsZero } from "../datapath/conntrack/ct-match.js";
import { formatCtMatch } from "../datapath/conntrack/ct-match-format.js";
import type { VlogModule } from "./vlog.js";

/** OVS's ct_dpif_flush: logs (see above) and flushes; false as the tracker's flush (a full tuple not found). */
export function ctDpifFlush(log: VlogModule, dp: Datapath, now: number, zone: number | undefined, match: CtMatch | undefined): boolean {
  if (log.dbg) {
    const name = `${dp.type}@${dp.name}`;
    if (match !== undefined && !ctMatchIsZero(match)) log.debug(`${name}: ct_flush: zone=${zone ?? 0} ${formatCtMatch(match)}`);
    else if (zone !== undefined) log.debug(`${name}: ct_flush: zone ${zone}`);
    else log.debug(`${name}: ct_flush: <all>`);
  }
  return dp.conntrack.flush(now, zone, match);
}
