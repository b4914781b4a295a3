/**
 * A bridge's group table (OVS's ofproto `groups` cmap plus ofproto.c's
 * group_mod semantics).
 *
 * Semantics, as ofproto.c's add_group_start / modify_group_start /
 * delete_groups_start: ADD of an existing id is OFPGMFC_GROUP_EXISTS, an id
 * above OFPG_MAX is OFPGMFC_INVALID_GROUP; MODIFY of a missing id is
 * OFPGMFC_UNKNOWN_GROUP (ADD_OR_MOD adds it); a modify may change the type;
 * DELETE of a missing id is no error, `group_id=all` deletes every group.
 * INSERT_BUCKET / REMOVE_BUCKET (OpenFlow 1.5, Nicira) rebuild the group
 * with its own type and properties: buckets go first, last or after a
 * given bucket id (OFPGMFC_UNKNOWN_BUCKET if it is missing, an id used
 * twice is OFPGMFC_BUCKET_EXISTS); the first, last, all or one bucket goes.
 * OVS accepts buckets naming missing groups and groups naming themselves
 * (no chaining or loop check at group_mod time: translation's depth limit
 * bounds a loop). Deleting a group deletes the flows that output to it
 * (the caller does that: the table holds no flows).
 *
 * Order: OVS keeps groups in a cmap whose rehash basis is random (chosen
 * at the first insert), so dump-groups and dump-group-stats list groups in
 * an order that changes from run to run. ovsim lists them in creation order
 * (a modified group keeps its place).
 *
 * Bucket ids: over OpenFlow 1.1-1.4 (no bucket ids on the wire) the switch
 * numbers buckets 0, 1, 2... in order; OpenFlow 1.5 and 1.0 (Nicira
 * extension) carry the ids given (or the same numbering when none is).
 */
import type { GroupBucket, GroupMod, GroupProps, GroupType } from "../actions/group-types.js";
import { BUCKET_ALL, BUCKET_FIRST, BUCKET_LAST, BUCKET_MAX, OFPG_ALL, OFPG_MAX } from "../actions/group-types.js";

export interface BucketStats {
  packets: number;
  bytes: number;
}

export class Group {
  readonly groupId: number;
  readonly type: GroupType;
  readonly buckets: readonly GroupBucket[];
  readonly props: GroupProps;
  /** Virtual time (ms) the group was created (stats duration). */
  readonly created: number;
  packets = 0;
  bytes = 0;
  readonly bucketStats: BucketStats[];

  constructor(gm: GroupMod, created: number) {
    this.groupId = gm.groupId;
    this.type = gm.type;
    this.buckets = gm.buckets;
    this.props = gm.props;
    this.created = created;
    this.bucketStats = gm.buckets.map(() => ({ packets: 0, bytes: 0 }));
  }

  /** group_dpif_credit_stats: the group, and the chosen bucket (all buckets for all/indirect). */
  credit(bucket: GroupBucket | null, packets: number, bytes: number): void {
    this.packets += packets;
    this.bytes += bytes;
    this.buckets.forEach((b, i) => {
      if (bucket === null || b === bucket) {
        const s = this.bucketStats[i]!;
        s.packets += packets;
        s.bytes += bytes;
      }
    });
  }
}

/** An OpenFlow group_mod refusal: the ofperr name OVS answers with. */
export class GroupModError extends Error {
  readonly code = "GROUP_MOD";
  readonly ofperr: string;
  constructor(ofperr: string) {
    super(ofperr);
    this.ofperr = ofperr;
  }
}

/**
 * copy_buckets_for_insert_bucket: the new buckets go first, last, or after
 * the bucket with id `at` (which must exist: OFPGMFC_UNKNOWN_BUCKET); an id
 * used twice is OFPGMFC_BUCKET_EXISTS.
 */
function insertBuckets(old: readonly GroupBucket[], added: readonly GroupBucket[], at: number): GroupBucket[] {
  if (at <= BUCKET_MAX && !old.some((b) => b.bucketId === at)) throw new GroupModError("OFPGMFC_UNKNOWN_BUCKET");
  const ids = new Set<number>();
  for (const b of [...added, ...old]) {
    if (ids.has(b.bucketId)) throw new GroupModError("OFPGMFC_BUCKET_EXISTS");
    ids.add(b.bucketId);
  }
  if (at === BUCKET_LAST) return [...old, ...added];
  if (at <= BUCKET_MAX) {
    const i = old.findIndex((b) => b.bucketId === at);
    return [...old.slice(0, i + 1), ...added, ...old.slice(i + 1)];
  }
  return [...added, ...old];
}

/** copy_buckets_for_remove_bucket: every bucket, the first, the last, or the one with id `at` (OFPGMFC_UNKNOWN_BUCKET if none). */
function removeBuckets(old: readonly GroupBucket[], at: number): GroupBucket[] {
  if (at === BUCKET_ALL) return [];
  if (at === BUCKET_FIRST) return old.slice(1);
  if (at === BUCKET_LAST) return old.slice(0, -1);
  if (!old.some((b) => b.bucketId === at)) throw new GroupModError("OFPGMFC_UNKNOWN_BUCKET");
  return old.filter((b) => b.bucketId !== at);
}

export class GroupTable {
  /** Groups in creation order. */
  private list: Group[] = [];
  private byId = new Map<number, Group>();

  get(id: number): Group | undefined {
    return this.byId.get(id);
  }

  has(id: number): boolean {
    return this.byId.has(id);
  }

  /** Every group in OVS's dump order. */
  groups(): Group[] {
    return [...this.list];
  }

  /** Replaces every group with `groups`, in dump order (a snapshot restores them). */
  restore(groups: readonly Group[]): void {
    this.list = [...groups];
    this.byId = new Map(groups.map((g) => [g.groupId, g]));
  }

  /**
   * Applies a group_mod; returns the ids of deleted groups (their flows must
   * go). Throws GroupModError.
   */
  apply(gm: GroupMod, now: number): number[] {
    switch (gm.command) {
      case "delete":
        return this.delete(gm.groupId);
      case "add":
        if (gm.groupId > OFPG_MAX) throw new GroupModError("OFPGMFC_INVALID_GROUP");
        if (this.byId.has(gm.groupId)) throw new GroupModError("OFPGMFC_GROUP_EXISTS");
        this.insert(new Group(gm, now));
        return [];
      case "modify":
      case "add_or_mod": {
        if (gm.groupId > OFPG_MAX) throw new GroupModError("OFPGMFC_INVALID_GROUP");
        const old = this.byId.get(gm.groupId);
        if (old === undefined) {
          if (gm.command === "modify") throw new GroupModError("OFPGMFC_UNKNOWN_GROUP");
          this.insert(new Group(gm, now));
          return [];
        }
        // A modified group keeps its creation time but not its counters (OVS builds a new ofgroup).
        this.replace(old, new Group(gm, old.created));
        return [];
      }
      case "insert_bucket":
      case "remove_bucket": {
        const old = this.byId.get(gm.groupId);
        if (old === undefined) throw new GroupModError("OFPGMFC_UNKNOWN_GROUP");
        const at = gm.commandBucketId ?? BUCKET_ALL;
        const buckets = gm.command === "insert_bucket" ? insertBuckets(old.buckets, gm.buckets, at) : removeBuckets(old.buckets, at);
        // The type and properties stay the group's own (EXT-570), as in modify_group_start.
        this.replace(old, new Group({ ...gm, type: old.type, props: old.props, buckets }, old.created));
        return [];
      }
    }
  }

  private replace(old: Group, g: Group): void {
    this.list[this.list.indexOf(old)] = g;
    this.byId.set(g.groupId, g);
  }

  private insert(g: Group): void {
    this.list.push(g);
    this.byId.set(g.groupId, g);
  }

  private delete(id: number): number[] {
    const gone = id === OFPG_ALL ? [...this.byId.keys()] : this.byId.has(id) ? [id] : [];
    for (const gid of gone) this.byId.delete(gid);
    this.list = this.list.filter((g) => this.byId.has(g.groupId));
    return gone;
  }
}
