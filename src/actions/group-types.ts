/**
 * Groups as OpenFlow carries them (OVS's struct ofputil_group_mod,
 * ofputil_bucket, ofputil_group_props): shared by the group_mod text
 * (group-text.ts), the bridge's group table (src/datapath/group-table.ts)
 * and translation (xlate-group.ts).
 */
import type { ActionList } from "./action-types.js";

export type GroupType = "all" | "select" | "indirect" | "ff";

/** OFPG_MAX: the highest group id. */
export const OFPG_MAX = 0xffffff00;
/** OFPG_ALL: every group (delete, stats). */
export const OFPG_ALL = 0xfffffffc;
/** OFPG_ANY: no group (a bucket's watch_group default). */
export { OFPG_ANY } from "../flowtable/flow-mod-parse.js";
/** OFPP_ANY (= OFPP_NONE in OVS's 16-bit port space): no watch port. */
export const WATCH_PORT_NONE = 0xffff;
/** OFPP_CONTROLLER as a watch port (alive while the bridge has a controller). */
export const WATCH_PORT_CONTROLLER = 0xfffd;

export interface GroupBucket {
  readonly bucketId: number;
  /** Select groups: relative weight (default 1; 0 = never chosen). Others 0. */
  readonly weight: number;
  readonly watchPort: number;
  readonly watchGroup: number;
  readonly actions: ActionList;
}

/** A select group's selection_method properties (OpenFlow 1.5 / Nicira). */
export interface GroupProps {
  /** "" (default), "hash" or "dp_hash". */
  readonly selectionMethod: string;
  readonly selectionMethodParam: bigint;
  /** Field names for selection_method=hash, with optional masks, as given. */
  readonly fields: readonly GroupHashField[];
}

export interface GroupHashField {
  /** Canonical field name (printed). */
  readonly name: string;
  /** Mask as text (`/0xff`), or null for the whole field. */
  readonly mask: string | null;
}

export const NO_PROPS: GroupProps = { selectionMethod: "", selectionMethodParam: 0n, fields: [] };

export type GroupModCommand = "add" | "modify" | "add_or_mod" | "delete" | "insert_bucket" | "remove_bucket";

/** OpenFlow 1.5's command_bucket_id values beyond the bucket ids (OFPG15_BUCKET_*). */
export const BUCKET_MAX = 0xffffff00;
export const BUCKET_FIRST = 0xfffffffd;
export const BUCKET_LAST = 0xfffffffe;
export const BUCKET_ALL = 0xffffffff;

export interface GroupMod {
  readonly command: GroupModCommand;
  readonly groupId: number;
  readonly type: GroupType;
  readonly buckets: readonly GroupBucket[];
  readonly props: GroupProps;
  /** insert_bucket / remove_bucket: the bucket id the command is about (BUCKET_FIRST, BUCKET_LAST, BUCKET_ALL or an id). */
  readonly commandBucketId?: number;
}

