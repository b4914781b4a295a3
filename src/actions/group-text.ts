/**
 * group_mod text as ovs-ofctl reads and prints it (OVS's lib/ofp-group.c:
 * parse_ofp_group_mod_str, parse_bucket_str, ofp_print_group).
 *
 * Parsing: the buckets are cut off first (`bucket=` to the next `bucket=`),
 * the rest is `group_id`, `type`, `selection_method`,
 * `selection_method_param`, `fields`; then each bucket's keys `weight`,
 * `watch_port`, `watch_group`, `bucket_id`, `actions=`, and any other key
 * is an action (`output:2` as `output(2)`, as OVS rebuilds it). Errors are
 * ovs-ofctl's texts (the caller prefixes `ovs-ofctl: `).
 *
 * Printing depends on the OpenFlow version the reply travelled over: OpenFlow
 * 1.1-1.4 carry no bucket ids and no selection method (ovs-ofctl drops them
 * when it encodes a group_mod for those versions, too).
 */
import { FlowParseError } from "../flowtable/errors.js";
import { fieldByName } from "../flowtable/fields.js";
import { keyValuePairs } from "../flowtable/flow-mod-parse.js";
import { Match } from "../flowtable/match.js";
import type { PortNameMap } from "../flowtable/ports.js";
import { formatPort, OFPP_CONTROLLER, parsePort } from "../flowtable/ports.js";
import { parseActionText } from "./action-parse.js";
import type { ActionList } from "./action-types.js";
import { formatActions } from "./action-text.js";
import { actionsAsDumped } from "./flow-actions.js";
import type { GroupBucket, GroupHashField, GroupMod, GroupModCommand, GroupProps, GroupType } from "./group-types.js";
import { BUCKET_ALL, BUCKET_FIRST, BUCKET_LAST, BUCKET_MAX } from "./group-types.js";
import { NO_PROPS, OFPG_ALL, OFPG_ANY, OFPG_MAX, WATCH_PORT_NONE } from "./group-types.js";

/** A bucket without an id (OFPG15_BUCKET_ALL in a bucket). */
const BUCKET_UNSET = BUCKET_ALL;

/** `key=value` / `key:value` / `key(value)` pairs as [key, delimiter, value]. */
function* pairs(s: string): Generator<[string, string, string]> {
  for (const [key, value, delim] of keyValuePairs(s)) yield [key, delim, value];
}

function fail(message: string, text: string): never {
  throw new FlowParseError(message, text);
}

function u32(value: string, text: string): number {
  const t = value.trim();
  const n = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : /^[0-9]+$/.test(t) ? Number(t) : NaN;
  if (!Number.isFinite(n) || n > 0xffffffff) fail(`invalid numeric format ${value}`, text);
  return n;
}

/** Group types by the names `type=` accepts (a Map: `type=constructor` must not find Object's). */
const TYPES: ReadonlyMap<string, GroupType> = new Map<string, GroupType>([
  ["all", "all"],
  ["select", "select"],
  ["indirect", "indirect"],
  ["ff", "ff"],
  ["fast_failover", "ff"],
]);

function parseFields(value: string, text: string): GroupHashField[] {
  const out: GroupHashField[] = [];
  for (const [name, , mask] of pairs(value)) {
    const f = fieldByName(name);
    if (f === undefined) fail(`${value}: unknown field ${name}`, text);
    if (out.some((x) => x.name === f.name)) fail(`${f.name}: duplicate field`, text);
    out.push({ name: f.name, mask: mask === "" ? null : mask });
  }
  return out;
}

interface ParsedBucket {
  bucket: GroupBucket;
  hasBucketId: boolean;
}

function parseBucket(s: string, type: GroupType, names: PortNameMap | undefined, text: string): ParsedBucket {
  let weight = type === "select" ? 1 : 0;
  let bucketId = BUCKET_UNSET;
  let watchPort = WATCH_PORT_NONE;
  let watchGroup = OFPG_ANY;
  const actions: string[] = [];
  for (const [key, delim, value] of pairs(s)) {
    const k = key.toLowerCase();
    if (k === "weight") {
      const n = u32(value, text);
      if (n > 0xffff) fail(`invalid weight "${value}"`, text);
      weight = n;
    } else if (k === "watch_port") {
      const p = parsePort(value, names);
      if (p === undefined || (p >= 0xff00 && p !== WATCH_PORT_NONE && p !== OFPP_CONTROLLER)) fail(`${value}: invalid watch_port`, text);
      watchPort = p;
    } else if (k === "watch_group") {
      watchGroup = u32(value, text);
      if (watchGroup > OFPG_MAX) fail(`invalid watch_group id ${watchGroup}`, text);
    } else if (k === "bucket_id") {
      bucketId = u32(value, text);
      if (bucketId > BUCKET_MAX) fail(`invalid bucket_id id ${bucketId}`, text);
    } else if (k === "action" || k === "actions") {
      actions.push(value);
    } else {
      actions.push(delim === "" ? key : `${key}(${value})`);
    }
  }
  if (actions.length === 0) fail("bucket must specify actions", text);
  if (type === "ff" && watchPort === WATCH_PORT_NONE && watchGroup === OFPG_ANY) {
    fail("fast failover bucket requires watch_port or watch_group", text);
  }
  let list: ActionList;
  try {
    list = parseActionText(actions.join(","), names).actions;
  } catch (e) {
    if (e instanceof FlowParseError) fail(e.message, text);
    throw e;
  }
  return { bucket: { bucketId, weight, watchPort, watchGroup, actions: list }, hasBucketId: bucketId !== BUCKET_UNSET };
}

/** What ovs-ofctl parsed: the group_mod and whether it needs OpenFlow 1.5 / Nicira (bucket ids, selection props). */
export interface ParsedGroupMod {
  readonly groupMod: GroupMod;
  readonly needsOf15: boolean;
}

/** parse_ofp_group_mod_str for add-group / mod-group / del-groups. Throws FlowParseError. */
export function parseGroupMod(text: string, command: GroupModCommand, names?: PortNameMap): ParsedGroupMod {
  // parse_ofp_group_mod_str__'s fields per command: a type (and properties), buckets, a command bucket id.
  const withType = command === "add" || command === "modify" || command === "add_or_mod";
  const withBuckets = withType || command === "insert_bucket";
  const withCommandBucket = command === "insert_bucket" || command === "remove_bucket";
  if (command === "delete" && text.trim() === "") {
    return { groupMod: { command, groupId: OFPG_ALL, type: "all", buckets: [], props: NO_PROPS }, needsOf15: false };
  }
  const cut = text.indexOf("bucket=");
  if (cut >= 0 && !withBuckets) fail("bucket is not needed", text);
  let commandBucketId = BUCKET_ALL;
  let hadCommandBucket = false;
  const head = cut >= 0 ? text.slice(0, cut) : text;
  let groupId = OFPG_ANY;
  let type: GroupType | null = null;
  let method = "";
  let param = 0n;
  let fields: GroupHashField[] = [];
  let needsOf15 = false;
  for (const [name, , value] of pairs(head)) {
    if (name === "command_bucket_id") {
      if (!withCommandBucket) fail("command bucket id is not needed", text);
      if (value === "all") commandBucketId = BUCKET_ALL;
      else if (value === "first") commandBucketId = BUCKET_FIRST;
      else if (value === "last") commandBucketId = BUCKET_LAST;
      else {
        commandBucketId = u32(value, text);
        if (commandBucketId > BUCKET_MAX && commandBucketId !== BUCKET_FIRST && commandBucketId !== BUCKET_LAST && commandBucketId !== BUCKET_ALL) {
          fail(`invalid command bucket id ${commandBucketId}`, text);
        }
      }
      if (commandBucketId === BUCKET_ALL && command !== "remove_bucket") fail("command_bucket_id=all is not permitted", text);
      hadCommandBucket = true;
      needsOf15 = true;
    } else if (name === "group_id") {
      if (value === "all") groupId = OFPG_ALL;
      else {
        groupId = u32(value, text);
        if (groupId !== OFPG_ALL && groupId > OFPG_MAX) fail(`invalid group id ${groupId}`, text);
      }
    } else if (name === "type") {
      if (!withType) fail("type is not needed", text);
      const t = TYPES.get(value);
      if (t === undefined) fail(`invalid group type ${value}`, text);
      type = t;
    } else if (name === "selection_method") {
      if (!withType) fail("selection method is not needed", text);
      if (value.length >= 16) fail("selection method is longer than 15 bytes long", text);
      method = value;
      needsOf15 = true;
    } else if (name === "selection_method_param") {
      if (!withType) fail("selection method param is not needed", text);
      try {
        param = BigInt(value);
      } catch {
        fail(`invalid numeric format ${value}`, text);
      }
      needsOf15 = true;
    } else if (name === "fields") {
      if (!withType) fail("fields are not needed", text);
      fields = parseFields(value, text);
      needsOf15 = true;
    } else {
      fail(`unknown keyword ${name}`, text);
    }
  }
  if (groupId === OFPG_ANY) fail("must specify a group_id", text);
  if (withType && type === null) fail("must specify a type", text);
  if (method !== "hash" && fields.length > 0) fail('fields may only be specified with "selection_method=hash"', text);
  if (method === "" && param !== 0n) fail('selection_method_param is only allowed with "selection_method"', text);
  if (command === "insert_bucket" && !hadCommandBucket) fail("must specify a command bucket id", text);
  const gtype: GroupType = type ?? "all";
  const buckets: GroupBucket[] = [];
  if (cut >= 0) {
    const parts = text.slice(cut).split("bucket=").slice(1);
    for (const part of parts) {
      const pb = parseBucket(part, gtype, names, text);
      if (pb.hasBucketId) needsOf15 = true;
      if (command !== "insert_bucket" && gtype !== "select" && pb.bucket.weight !== 0) fail("Only select groups can have bucket weights.", text);
      buckets.push(pb.bucket);
    }
  }
  if (gtype === "indirect" && buckets.length > 1) fail("Indirect groups can have at most one bucket.", text);
  const props: GroupProps = method === "" && fields.length === 0 ? NO_PROPS : { selectionMethod: method, selectionMethodParam: param, fields };
  const groupMod: GroupMod = withCommandBucket ? { command, groupId, type: gtype, buckets, props, commandBucketId } : { command, groupId, type: gtype, buckets, props };
  return { groupMod, needsOf15: needsOf15 || withCommandBucket };
}

/**
 * What the switch receives over OpenFlow `version`: versions 1.1-1.4 lose
 * the selection properties and the bucket ids (the switch numbers buckets
 * 0, 1, ...); 1.0 (Nicira) and 1.5 keep them, unset ids numbered likewise.
 */
export function groupModAsSent(gm: GroupMod, version: number): GroupMod {
  const keepIds = version === 10 || version >= 15;
  if (!keepIds) return { ...gm, buckets: gm.buckets.map((b, i) => ({ ...b, bucketId: i })), props: NO_PROPS };
  // ofputil_encode_group_mod: an unset id takes the lowest id no bucket of the mod has yet.
  const used = new Set(gm.buckets.filter((b) => b.bucketId !== BUCKET_UNSET).map((b) => b.bucketId));
  let next = 0;
  const buckets = gm.buckets.map((b) => {
    if (b.bucketId !== BUCKET_UNSET) return b;
    while (used.has(next)) next++;
    used.add(next);
    return { ...b, bucketId: next };
  });
  return { ...gm, buckets };
}

const TYPE_TEXT: Readonly<Record<GroupType, string>> = { all: "all", select: "select", indirect: "indirect", ff: "ff" };

/** The body of a group as ofp_print_group prints it (`group_id=1,type=all,bucket=...`). */
export function formatGroup(
  g: { readonly groupId: number; readonly type: GroupType; readonly buckets: readonly GroupBucket[]; readonly props: GroupProps },
  version: number,
  protocol: number,
  names?: PortNameMap,
  suppressType = false,
): string {
  let s = `group_id=${g.groupId >>> 0}`;
  if (!suppressType) s += `,type=${TYPE_TEXT[g.type]}`;
  const p = g.props;
  const showIds = version === 10 || version >= 15;
  if (showIds && p.selectionMethod !== "") {
    s += `,selection_method=${p.selectionMethod}`;
    if (p.selectionMethodParam !== 0n) s += `,selection_method_param=${p.selectionMethodParam}`;
    const f = p.fields.map((x) => (x.mask === null ? x.name : `${x.name}=${x.mask}`)).join(",");
    if (p.fields.length === 1) s += `,fields=${f}`;
    else if (p.fields.length > 1) s += `,fields(${f})`;
  }
  if (g.buckets.length === 0) return s;
  const parts = g.buckets.map((b) => {
    let t = "bucket=";
    if (showIds) t += `bucket_id:${b.bucketId},`;
    if (b.weight !== (g.type === "select" ? 1 : 0)) t += `weight:${b.weight},`;
    if (b.watchPort !== WATCH_PORT_NONE) t += `watch_port:${formatPort(b.watchPort, names)},`;
    if (b.watchGroup !== OFPG_ANY) t += `watch_group:${b.watchGroup},`;
    return `${t}actions=${formatActions(actionsAsDumped(b.actions, protocol, Match.catchall()), names)}`;
  });
  return `${s},${parts.join(",")}`;
}
