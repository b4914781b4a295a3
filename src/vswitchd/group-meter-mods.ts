/**
 * Group and meter mods as the switch applies them (ofproto's
 * handle_group_mod / handle_meter_mod): a group_mod's bucket actions are
 * kept as the switch decoded them from the version's wire format; a group or
 * meter that goes takes every flow that uses it along (a flow whose actions
 * output to the group, or run the meter). Refusals are the tables' typed
 * GroupModError / MeterModError with OVS's ofperr.
 */
import { actionsAsDumped } from "../actions/flow-actions.js";
import { groupModAsSent, parseGroupMod } from "../actions/group-text.js";
import type { GroupMod, GroupModCommand } from "../actions/group-types.js";
import type { Bridge } from "../datapath/bridge.js";
import type { MeterMod } from "../datapath/meter-table.js";
import { TABLE_ALL } from "../flowtable/flow-mod-parse.js";
import { defaultFlowMod } from "../flowtable/flow-tables.js";
import { Match } from "../flowtable/match.js";
import { P } from "../flowtable/openflow-protocols.js";
import { OFPP_NONE } from "../flowtable/ports.js";
import { OFPG_ANY } from "../flowtable/flow-mod-parse.js";
import type { OfVersion } from "./flow-mod-text.js";
import { bridgeNames } from "./flow-mod-text.js";
import type { VlogModule } from "./vlog.js";
import { logSelectGroupConstruction } from "./vlog-group.js";

/** The flow format group actions travel in for an OpenFlow version. */
export function protocolOfVersion(v: OfVersion): number {
  switch (v) {
    case 10:
      return P.OF10_NXM;
    case 11:
      return P.OF11_STD;
    case 12:
      return P.OF12_OXM;
    case 13:
      return P.OF13_OXM;
    case 14:
      return P.OF14_OXM;
    default:
      return P.OF15_OXM;
  }
}

/** A group_mod from ovs-ofctl's text, as the switch receives it over `version` (FlowParseError for bad text). */
export function receiveGroupMod(br: Bridge, text: string, command: GroupModCommand, version: OfVersion): GroupMod {
  const parsed = parseGroupMod(text, command, bridgeNames(br));
  const protocol = protocolOfVersion(version);
  const sent = groupModAsSent(parsed.groupMod, version);
  return { ...sent, buckets: sent.buckets.map((b) => ({ ...b, actions: actionsAsDumped(b.actions, protocol, Match.catchall()) })) };
}

/**
 * Applies a group_mod; the flows that output to a deleted group go too. A select group
 * added or modified is constructed anew, which `log` (ofproto_dpif) hears at DBG.
 */
export function applyGroupMod(br: Bridge, mod: GroupMod, now: number, log: VlogModule): void {
  for (const id of br.groupTable.apply(mod, now)) {
    br.tables.apply(defaultFlowMod({ command: "delete", match: Match.catchall(), priority: 0, tableId: TABLE_ALL, outGroup: id, actions: [] }), now);
  }
  const g = mod.command === "delete" ? undefined : br.groupTable.get(mod.groupId);
  if (g !== undefined && g.type === "select") logSelectGroupConstruction(log, g);
}

/** Applies a meter_mod; the flows that run a deleted meter go too. */
export function applyMeterMod(br: Bridge, mod: MeterMod, now: number): void {
  for (const id of br.meterTable.apply(mod, now)) {
    const all = br.tables.select({ tableId: TABLE_ALL, match: Match.catchall(), cookie: 0n, cookieMask: 0n, outPort: OFPP_NONE, outGroup: OFPG_ANY });
    for (const f of all) {
      if (!f.actions.some((a) => a.type === "meter" && a.meterId === id)) continue;
      br.tables.apply(defaultFlowMod({ command: "delete_strict", match: f.match, priority: f.priority, tableId: f.tableId, actions: [] }), now);
    }
  }
}
