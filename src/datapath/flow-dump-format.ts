/**
 * A datapath flow as the dump commands print it with their options
 * (ofproto-dpif.c ofproto_unixctl_dpif_dump_flows, lib/dpctl.c
 * format_dpif_flow):
 *
 *   [ufid:UUID ]KEY, packets:N, bytes:N, used:Xs, actions:ACTIONS
 *
 * - `verbose` (`-m`): the flow's ufid first, and the key printed verbose
 *   (every attribute, an empty mask as `/0`: odp_flow_format's verbose);
 * - `names` (`--names`, or `-m` for dpif/dump-flows): datapath ports by
 *   name (odp_portno_names): the key's `in_port(p1)` and each output
 *   action, in nested action lists too; a port without a name stays a
 *   number.
 */
import type { OdpAction } from "../actions/xlate/odp-actions.js";
import { formatOdpAction } from "../actions/xlate/odp-actions.js";
import { formatMegaflowKey, formatUfid, formatUsed } from "./dpif-netdev-format.js";
import type { Megaflow } from "./megaflow-cache.js";

export interface FlowDumpOptions {
  readonly verbose: boolean;
  /** Datapath port names by number, or null: numbers. */
  readonly names: ReadonlyMap<number, string> | null;
  /** The flow's in_port is a Geneve vport (its tunnel prints `geneve()`). */
  readonly geneve: boolean;
}

/** format_odp_actions with port names: outputs by name, nested lists too. */
export function formatOdpActionsNamed(list: readonly OdpAction[], names: ReadonlyMap<number, string>): string {
  if (list.length === 0) return "drop";
  return list.map((a) => formatNamed(a, names)).join(",");
}

function formatNamed(a: OdpAction, names: ReadonlyMap<number, string>): string {
  switch (a.type) {
    case "output":
      return names.get(a.port) ?? String(a.port);
    case "clone":
      return `clone(${formatOdpActionsNamed(a.actions, names)})`;
    case "check_pkt_len":
      return `check_pkt_len(size=${a.size},gt(${formatOdpActionsNamed(a.greater, names)}),le(${formatOdpActionsNamed(a.lessEqual, names)}))`;
    case "sample":
      return `sample(sample=${((100 * a.probability) / 0xffffffff).toFixed(1)}%,actions(${formatOdpActionsNamed(a.actions, names)}))`;
    default:
      return formatOdpAction(a);
  }
}

/** One dumped flow. */
export function formatDumpedFlow(m: Megaflow, now: number, o: FlowDumpOptions): string {
  let key = formatMegaflowKey(m.flow, m.subtable.mask, o.geneve, false, o.verbose, m.keyRoot);
  const actions = o.names === null ? formatOdpActionsNamed(m.actions, new Map()) : formatOdpActionsNamed(m.actions, o.names);
  if (o.names !== null) {
    const names = o.names;
    key = key.replace(/(^|,)in_port\((\d+)\)/, (_all, lead: string, n: string) => `${lead}in_port(${names.get(Number(n)) ?? n})`);
  }
  const ufid = o.verbose ? `${formatUfid(m.seq, false)} ` : "";
  return `${ufid}${key}, packets:${m.packets}, bytes:${m.bytes}, used:${formatUsed(m.used, now)}, actions:${actions}`;
}
