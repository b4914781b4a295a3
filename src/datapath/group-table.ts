/**
 * A bridge's group table (OVS's ofproto `groups` cmap plus ofproto.c's
 * group_mod semantics).
 *
 * Semantics, as ofproto.c's add_group_start / modify_group_start /
 * delete_groups_start: ADD of an existing id is OFPGMFC_GROUP_EXISTS, an id
 * above OFPG_MAX is OFPGMFC_INVALID_GROUP; MODIFY of a missing id is
 * OFPGMFC_UNKNOWN_GROUP (ADD_OR_MOD adds it); a modify may change the type;
 * DELETE of a missing id is no error, `group_id=all` deletes every group.
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
import { OFPG_ALL, OFPG_MAX } from "../actions/group-types.js";

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
        const g = new Group(gm, old.created);
        this.list[this.list.indexOf(old)] = g;
        this.byId.set(g.groupId, g);
        return [];
      }
    }
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
