/**
 * What a revalidator round logs in the `dpif` module at DBG (lib/dpif.c
 * log_flow_message, dpif_flow_dump_next / dpif_flow_dump_destroy, from the
 * revalidator thread): `get_stats success`, then one `flow_dump` line per
 * datapath flow, `dumped all flows`, `flow_dump_destroy success`, each after
 * the datapath's full name (`dummy@ovs-dummy: `).
 *
 * A flow_dump line is the flow's ufid, then, when revalidators dump tersely
 * (the default; `upcall/disable-ufid` turns it off), `<empty>` for the key
 * and no actions; otherwise its key and mask printed verbose
 * (`skb_priority(0/0),...,ipv4(src=10.0.0.2/0.0.0.0,...)`) and its actions.
 * Its stats follow (dpif_flow_stats_format: `packets:N, bytes:N, used:Xs`
 * or `used:never`).
 *
 * A flow a revalidator deletes logs `flow_del ufid:UUID KEY, STATS` (the key
 * alone), from the main thread when `revalidator/purge` asked; a flush logs
 * `flow_flush success`.
 *
 * A revalidator that changes a flow's actions in place puts it again
 * (log_flow_put_message): `put[modify] ufid:UUID KEY, actions:NEW`, the key
 * and mask printed verbose, no stats.
 *
 * The thread is OVS's first revalidator as a sandbox with the default
 * thread counts names it (`revalidator5`: one handler, one revalidator).
 */
import { formatOdpActions } from "../actions/xlate/odp-actions.js";
import type { Datapath } from "./dpif.js";
import { formatMegaflowKey, formatOdpKey, formatUfid, formatUsed } from "./dpif-netdev-format.js";
import type { Megaflow } from "./megaflow-cache.js";

/** The revalidator thread's name in ovs-vswitchd's log (`%T`). */
export const REVALIDATOR_THREAD = "revalidator5";

/** Where the revalidators log: the `dpif` module, from their thread. */
export interface RevalidatorLog {
  readonly dbg: boolean;
  /** From the main thread (revalidator/purge, flushes). */
  debug(message: string): void;
  debugIn(thread: string, message: string): void;
}

/** One `flow_dump` message. */
export function flowDumpMessage(dpifName: string, m: Megaflow, now: number, terse: boolean): string {
  const stats = `packets:${m.packets}, bytes:${m.bytes}, used:${formatUsed(m.used, now)}`;
  const ufid = formatUfid(m.seq, false);
  if (terse) return `${dpifName}: flow_dump ${ufid} <empty>, ${stats}`;
  const key = formatMegaflowKey(m.flow, m.subtable.mask, false, false, true);
  return `${dpifName}: flow_dump ${ufid} ${key}, ${stats}, actions:${formatOdpActions(m.actions)}`;
}

/** A `put[...]` message of flow `m` (its actions as they now are). */
export function flowPutMessage(dp: Datapath, m: Megaflow, op: "create" | "modify"): string {
  const key = formatMegaflowKey(m.flow, m.subtable.mask, false, false, true);
  return `${dp.type}@${dp.name}: put[${op}] ${formatUfid(m.seq, false)} ${key}, actions:${formatOdpActions(m.actions)}`;
}

/**
 * A `flow_del` message (log_flow_del_message): the flow's ufid, its key alone (the ukey's key,
 * odp_flow_key_format) and the stats the datapath returned.
 */
export function flowDelMessage(dp: Datapath, m: Megaflow, now: number): string {
  const stats = `packets:${m.packets}, bytes:${m.bytes}, used:${formatUsed(m.used, now)}`;
  return `${dp.type}@${dp.name}: flow_del ${formatUfid(m.seq, false)} ${formatOdpKey(m.flow)}, ${stats}`;
}

/** Logs a revalidator round's dump of `flows` on `dp`. */
export function logFlowDump(log: RevalidatorLog, dp: Datapath, flows: readonly Megaflow[], now: number, terse: boolean): void {
  const name = `${dp.type}@${dp.name}`;
  log.debugIn(REVALIDATOR_THREAD, `${name}: get_stats success`);
  for (const m of flows) log.debugIn(REVALIDATOR_THREAD, flowDumpMessage(name, m, now, terse));
  log.debugIn(REVALIDATOR_THREAD, `${name}: dumped all flows`);
  log.debugIn(REVALIDATOR_THREAD, `${name}: flow_dump_destroy success`);
}
