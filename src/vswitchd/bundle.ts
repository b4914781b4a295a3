/**
 * OpenFlow bundles as ofproto.c handles them (handle_bundle_add,
 * do_bundle_commit): a list of flow and group mods applied all or none.
 *
 * Two moments, as in OVS, and each refuses different things:
 * - Adding a message (bundleAddError): what the switch checks when it
 *   decodes the message and initialises the mod (ofputil_decode_group_mod's
 *   ofputil_check_group_mod; add_flow_init's read-only table 254). A refused
 *   message is not added, the others still are; the client then discards the
 *   bundle (ovs-ofctl never commits a bundle with an error).
 * - Committing (commitBundle): the mods run in order against the live tables
 *   (ofproto_flow_mod_start / ofproto_group_mod_start): a flow's groups and
 *   meters must exist by then (ofproto_check_ofpacts, so a group added earlier
 *   in the same bundle counts), a group_mod meets the group table's rules.
 *   The first refusal undoes every change made so far (flows, groups and the
 *   flows a deleted group took along) and is reported with the index of the
 *   message; OVS answers it, then OFPBFC_MSG_FAILED for the commit.
 *
 * Invariant: after a failed commit the bridge's flows and groups are those it
 * had before (the tables' version still moves on, so cached megaflows are
 * revalidated rather than trusted).
 */
import type { ActionList } from "../actions/action-types.js";
import { missingResource } from "../actions/flow-actions.js";
import { checkGroupMod } from "../actions/group-check.js";
import type { GroupMod } from "../actions/group-types.js";
import type { Bridge } from "../datapath/bridge.js";
import { GroupModError } from "../datapath/group-table.js";
import { OpenFlowError } from "../flowtable/errors.js";
import type { FlowMod } from "../flowtable/flow-tables.js";
import { TABLE_INTERNAL } from "../flowtable/flow-tables.js";
import { applyGroupMod } from "./group-meter-mods.js";
import type { VlogModule } from "./vlog.js";

/** One message of a bundle: a flow_mod or a group_mod as the switch decoded it. */
export type BundleEntry = { readonly kind: "flow"; readonly mod: FlowMod<ActionList> } | { readonly kind: "group"; readonly mod: GroupMod };

/** A commit the switch refused: the message (its index in the bundle) and OVS's error for it. */
export interface BundleFailure {
  readonly index: number;
  readonly ofperr: string;
}

/** The error the switch answers a BUNDLE_ADD_MESSAGE carrying `entry` with, or null when it is added. */
export function bundleAddError(entry: BundleEntry): string | null {
  if (entry.kind === "group") return checkGroupMod(entry.mod);
  const fm = entry.mod;
  // add_flow_init: the internal table is read-only to OpenFlow.
  if (fm.command === "add" && fm.tableId === TABLE_INTERNAL) return "OFPBRC_EPERM";
  return null;
}

/**
 * Commits `entries` to `br` atomically (OFPBF_ATOMIC | OFPBF_ORDERED): null
 * when every message applied, else the first failure, with nothing changed.
 */
export function commitBundle(br: Bridge, entries: readonly BundleEntry[], now: number, log: VlogModule): BundleFailure | null {
  const flows = br.tables.entries();
  const nextId = br.tables.nextEntryId;
  const subtableOrders = br.tables.subtableOrders();
  const recircDropId = br.recircDropId;
  const groups = br.groupTable.groups();
  for (let index = 0; index < entries.length; index++) {
    const ofperr = start(br, entries[index] as BundleEntry, now, log);
    if (ofperr === null) continue;
    br.restoreFlows(flows, nextId, br.tables.version + 1, recircDropId);
    for (const [table, ids] of subtableOrders) br.tables.restoreSubtableOrder(table, ids);
    br.groupTable.restore(groups);
    return { index, ofperr };
  }
  return null;
}

/** One message's start: applied, or the error that stops the commit. */
function start(br: Bridge, entry: BundleEntry, now: number, log: VlogModule): string | null {
  try {
    if (entry.kind === "group") {
      applyGroupMod(br, entry.mod, now, log);
      return null;
    }
    const fm = entry.mod;
    const r = br.tables.apply(fm, now);
    // ofproto_check_ofpacts runs for a mod that adds or changes flows, against the tables as they are now.
    if (r.added.length > 0) {
      return missingResource(fm.actions, { hasGroup: (id) => br.groupTable.has(id), hasMeter: (id) => br.meterTable.has(id) });
    }
    return null;
  } catch (e) {
    if (e instanceof GroupModError || e instanceof OpenFlowError) return e.ofperr;
    throw e;
  }
}
