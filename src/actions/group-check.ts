/**
 * The switch's check of a decoded group_mod (OVS's ofputil_check_group_mod,
 * run by ofputil_decode_group_mod): what no group table state can make
 * right, so the switch refuses it as it decodes the message (ovs-ofctl then
 * prints the request as `***decode error: ...***`).
 *
 * - Bucket ids are unique (OFPGMFC_BAD_BUCKET).
 * - An indirect group has exactly one bucket (a delete needs none).
 * - remove_bucket carries no buckets.
 * - Only select groups weigh buckets (insert_bucket's buckets take the
 *   group's own type later, so they are not checked).
 * - Buckets of all and indirect groups watch nothing
 *   (OFPGMFC_WATCH_UNSUPPORTED); each fast-failover bucket watches a port or
 *   a group (its liveness).
 */
import type { GroupBucket, GroupMod } from "./group-types.js";
import { OFPG_ANY, WATCH_PORT_NONE } from "./group-types.js";

/** ofputil_bucket_has_liveness. */
function hasLiveness(b: GroupBucket): boolean {
  return b.watchPort !== WATCH_PORT_NONE || b.watchGroup !== OFPG_ANY;
}

/**
 * Whether two of `gm`'s buckets have one id: OpenFlow 1.5 and the Nicira
 * extension carry the ids, and decoding them (ofputil_pull_ofp15_buckets) logs
 * "Duplicate bucket id" and fails (over 1.1-1.4 the switch numbers the buckets).
 */
export function hasDuplicateBucketId(gm: GroupMod): boolean {
  const ids = new Set<number>();
  for (const b of gm.buckets) {
    if (ids.has(b.bucketId)) return true;
    ids.add(b.bucketId);
  }
  return false;
}

/** The ofperr the switch answers `gm` with as it decodes it, or null. */
export function checkGroupMod(gm: GroupMod): string | null {
  if (hasDuplicateBucketId(gm)) return "OFPGMFC_BAD_BUCKET";
  if (gm.type === "indirect" && gm.command !== "delete" && gm.buckets.length !== 1) return "OFPGMFC_INVALID_GROUP";
  if (gm.command === "remove_bucket" && gm.buckets.length > 0) return "OFPGMFC_BAD_BUCKET";
  for (const b of gm.buckets) {
    if (b.weight !== 0 && gm.type !== "select" && gm.command !== "insert_bucket") return "OFPGMFC_INVALID_GROUP";
    if ((gm.type === "all" || gm.type === "indirect") && hasLiveness(b)) return "OFPGMFC_WATCH_UNSUPPORTED";
    if (gm.type === "ff" && !hasLiveness(b)) return "OFPGMFC_INVALID_GROUP";
  }
  return null;
}
