/**
 * ovs-ofctl's group commands: add-group, mod-group, del-groups, dump-groups,
 * dump-group-stats, dump-group-features. Groups need OpenFlow 1.1+ or, over
 * OpenFlow 1.0, OVS's Nicira extension (NXT_GROUP_MOD, NXST_GROUP_DESC):
 * plain `ovs-ofctl add-group` works and its dumps show bucket ids, as OpenFlow
 * 1.5's do. A refusal prints as OVS prints an OFPT_ERROR with the request
 * (xid 6 over every version for a group_mod; dumps are xid 2, group stats 6).
 */
import { Match } from "../flowtable/match.js";
import { formatGroup } from "../actions/group-text.js";
import { checkGroupMod, hasDuplicateBucketId } from "../actions/group-check.js";
import { programWarn } from "../flowtable/program-log.js";
import type { GroupMod, GroupModCommand } from "../actions/group-types.js";
import { BUCKET_ALL, BUCKET_FIRST, BUCKET_LAST, OFPG_ALL } from "../actions/group-types.js";
import type { Bridge } from "../datapath/bridge.js";
import { GroupModError } from "../datapath/group-table.js";
import { OFPG_ANY, TABLE_ALL } from "../flowtable/flow-mod-parse.js";
import { OFPP_NONE } from "../flowtable/ports.js";
import { P, P_ANY, P_OF10_STD_ANY, P_OF10_NXM_ANY, P_OF13_UP, protocolsToString } from "../flowtable/openflow-protocols.js";
import type { CommandResult } from "./command-result.js";
import { failure, output } from "./command-result.js";
import type { OfVersion } from "./ofctl-messages.js";
import { header } from "./ofctl-messages.js";
import type { OfctlOptions } from "./ofctl.js";
import { applyGroupMod, protocolOfVersion, receiveGroupMod } from "../vswitchd/group-meter-mods.js";
import { OfctlReplyError } from "./ofctl.js";
import type { Switch } from "../vswitchd/switch.js";

const COMMAND_TEXT: Readonly<Record<GroupModCommand, string>> = {
  add: "ADD",
  modify: "MOD",
  add_or_mod: "ADD_OR_MOD",
  delete: "DEL",
  insert_bucket: "INSERT_BUCKET",
  remove_bucket: "REMOVE_BUCKET",
};

/**
 * What ovs-ofctl itself refuses before it sends a group_mod over `o.version`
 * (its own words), or null. Only OpenFlow 1.5 and the Nicira extension carry
 * bucket commands. Recorded from OVS 3.1: an insert with buckets gets as far
 * as encoding, anything else stops at the flow format choice.
 */
export function groupModClientError(received: GroupMod, command: GroupModCommand, o: OfctlOptions): string | null {
  const bucketCommand = command === "insert_bucket" || command === "remove_bucket";
  if (!bucketCommand || o.version === 10 || o.version >= 15) return null;
  if (command === "insert_bucket" && received.buckets.length > 0) return "ovs-ofctl: insert-bucket needs OpenFlow 1.5 or later ('-O OpenFlow15')";
  // A bundle needs OpenFlow 1.3+ (bundle_group_mod__ narrows the usable formats).
  const usable = (P_OF10_STD_ANY | P_OF10_NXM_ANY | P.OF15_OXM) & (o.bundle ? P_OF13_UP : P_ANY);
  return `ovs-ofctl: none of the usable flow formats (${protocolsToString(usable)}) is among the allowed flow formats (${protocolsToString(o.flowFormats)})`;
}

/**
 * The group_mod as ofp-print shows the request (`OFPT_GROUP_MOD (OF1.5) (xid=0x6):` and its
 * body line), or with `decodeError` the switch's decode error in its place (OVS then hex-dumps
 * the message, which ovsim does not print).
 */
export function groupModRequestLines(received: GroupMod, o: OfctlOptions, xid: number, decodeError: string | null): string[] {
  const name = header(o.version === 10 ? "NXT_GROUP_MOD" : "OFPT_GROUP_MOD", o.version, xid);
  if (decodeError !== null) {
    // ovs-ofctl decodes the request again to print it, and logs what it meets there.
    if (hasDuplicateBucketId(received)) programWarn("ofp_group", "Duplicate bucket id");
    return [`${name} ***decode error: ${decodeError}***`];
  }
  const command = received.command;
  const bucketCommand = command === "insert_bucket" || command === "remove_bucket";
  const protocol = protocolOfVersion(o.version);
  return [
    name,
    ` ${COMMAND_TEXT[command]} ${bucketCommand ? `command_bucket_id:${bucketIdText(received.commandBucketId ?? BUCKET_ALL)},` : ""}${formatGroup(received, o.version, protocol, undefined, command === "delete" || bucketCommand)}`,
  ];
}

/**
 * add-group / mod-group / del-groups with one group_mod; `nth`: its place among a file's
 * group_mods (each goes with its barrier, so its xid is 6 + 2 * nth).
 */
export function groupMod(sw: Switch, br: Bridge, text: string, command: GroupModCommand, o: OfctlOptions, nth = 0): CommandResult {
  const xid = 6 + 2 * nth;
  const received = receiveGroupMod(br, text, command, o.version);
  const refused = groupModClientError(received, command, o);
  if (refused !== null) return failure(refused);
  // The switch decodes the message first (ofputil_check_group_mod), then applies it.
  const decodeError = checkGroupMod(received);
  if (decodeError !== null) {
    throw new OfctlReplyError([`${header("OFPT_ERROR", o.version, xid)} ${decodeError}`, ...groupModRequestLines(received, o, xid, decodeError)]);
  }
  try {
    applyGroupMod(br, received, sw.now, sw.vlog.get("ofproto_dpif"));
  } catch (e) {
    if (e instanceof GroupModError) {
      throw new OfctlReplyError([`${header("OFPT_ERROR", o.version, xid)} ${e.ofperr}`, ...groupModRequestLines(received, o, xid, null)]);
    }
    throw e;
  }
  return output([]);
}

/** ofp_print_bucket_id's words for a command bucket id. */
function bucketIdText(id: number): string {
  if (id === BUCKET_FIRST) return "first";
  if (id === BUCKET_LAST) return "last";
  if (id === BUCKET_ALL) return "all";
  return String(id);
}

/** dump-groups [GROUP]: OVS 1.1-1.4 requests carry no group id, so every group prints. */
export function dumpGroups(br: Bridge, arg: string | undefined, o: OfctlOptions): CommandResult {
  const protocol = protocolOfVersion(o.version);
  let groups = br.groupTable.groups();
  if (arg !== undefined && (o.version === 10 || o.version >= 15)) {
    const id = parseGroupId(arg);
    if (id !== OFPG_ALL) groups = groups.filter((g) => g.groupId === id);
  }
  const name = o.version === 10 ? "NXST_GROUP_DESC reply" : "OFPST_GROUP_DESC reply";
  return output([header(name, o.version, 2), ...groups.map((g) => ` ${formatGroup(g, o.version, protocol)}`)]);
}

function parseGroupId(arg: string): number {
  const v = arg.replace(/^group_id=/, "");
  if (v === "all") return OFPG_ALL;
  const n = Number(v);
  return Number.isInteger(n) ? n : OFPG_ANY;
}

function duration(ms: number): string {
  return `${(Math.max(ms, 0) / 1000).toFixed(3)}s`;
}

/** dump-group-stats [group_id=N]. */
export function dumpGroupStats(sw: Switch, br: Bridge, arg: string | undefined, o: OfctlOptions): CommandResult {
  let groups = br.groupTable.groups();
  if (arg !== undefined) {
    const id = parseGroupId(arg);
    if (id !== OFPG_ALL) groups = groups.filter((g) => g.groupId === id);
  }
  const name = o.version === 10 ? "NXST_GROUP reply" : "OFPST_GROUP reply";
  const lines = groups.map((g) => {
    const refs = br.tables.select({
      tableId: TABLE_ALL,
      match: Match.catchall(),
      cookie: 0n,
      cookieMask: 0n,
      outPort: OFPP_NONE,
      outGroup: g.groupId,
    }).length;
    // OpenFlow 1.1 and 1.2 group stats carry no duration (ofp11_group_stats).
    const dur = o.version === 11 || o.version === 12 ? "" : `duration=${duration(sw.now - g.created)},`;
    let s = ` group_id=${g.groupId},${dur}ref_count=${refs},packet_count=${g.packets},byte_count=${g.bytes}`;
    g.bucketStats.forEach((b, i) => {
      s += `,bucket${i}:packet_count=${b.packets},byte_count=${b.bytes}`;
    });
    return s;
  });
  return output([header(name, o.version, 6), ...lines]);
}

/**
 * The actions a group may use, as ovs-ofctl prints the reply: OVS offers every
 * action (ofproto's group features), the reply carries them as a bitmap of
 * the version's own OpenFlow action types, and ovs-ofctl names the actions
 * those types decode to, in OVS's ofpact order (ofpact_bitmap_format). So
 * each version shows its own action set (recorded from OVS 3.1; OpenFlow 1.2
 * to 1.5 share one).
 */
function groupActions(v: OfVersion): string {
  if (v === 10) return "output enqueue set_vlan_vid set_vlan_pcp strip_vlan mod_dl_src mod_dl_dst mod_nw_src mod_nw_dst mod_nw_tos mod_tp_src mod_tp_dst";
  if (v === 11) {
    return "output group set_vlan_vid set_vlan_pcp strip_vlan push_vlan mod_dl_src mod_dl_dst mod_nw_src mod_nw_dst mod_nw_tos mod_nw_ecn mod_nw_ttl mod_tp_src mod_tp_dst dec_ttl set_mpls_label set_mpls_tc set_mpls_ttl dec_mpls_ttl push_mpls pop_mpls set_queue";
  }
  return "output group set_field strip_vlan push_vlan mod_nw_ttl dec_ttl set_mpls_ttl dec_mpls_ttl push_mpls pop_mpls set_queue";
}

/** dump-group-features: OVS's fixed group table capabilities. */
export function dumpGroupFeatures(o: OfctlOptions): CommandResult {
  // OpenFlow 1.1 has no group features request: OVS sends the Nicira one over it as over 1.0.
  const name = o.version <= 11 ? "NXST_GROUP_FEATURES reply" : "OFPST_GROUP_FEATURES reply";
  const lines = [header(name, o.version, 2), " Group table:", "    Types:  0xf", "    Capabilities:  0x7"];
  for (const t of ["all", "select", "indirect", "fast failover"]) {
    lines.push(`    ${t} group:`, "       max_groups=0xffffff00", `       actions: ${groupActions(o.version)}`);
  }
  return output(lines);
}
