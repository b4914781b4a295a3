/**
 * Conjunction ids (firewall.py ConjIdMap).
 *
 * One block of 8 ids per (security group, remote group, direction,
 * ethertype): 4 priority offsets × 2 (the `+est-rel-rpl` id and its
 * `+new-est` twin). Blocks are handed out upwards from the highest conj_id
 * already on br-int (rounded down to a block, read once when the firewall
 * (re)starts): on a fresh bridge that is 0, so the first block is 16 (the
 * start skips one block, as Neutron's `_next_max_id` runs once at start and
 * once per allocation). Freed blocks (a security group gone) are reused
 * first, oldest first. Past 2^32 - 8 the count wraps to 0.
 *
 * Neutron makes this a process-wide singleton that each firewall (re)start
 * re-initialises; here each firewall owns one, created at each (re)start.
 */
import type { Direction, Ethertype } from "./constants.js";

export const CONJ_ID_BLOCK_SIZE = 8;
export const MAX_CONJ_ID = 2 ** 32 - 8;

/** The tuple a block is allocated for. */
export interface ConjKey {
  readonly sgId: string;
  readonly remoteId: string;
  readonly direction: Direction;
  readonly ethertype: Ethertype;
}

function keyText(k: ConjKey): string {
  return JSON.stringify([k.sgId, k.remoteId, k.direction, k.ethertype]);
}

export class ConjIdMap {
  /** Allocated blocks by tuple, in allocation order. */
  private readonly idMap = new Map<string, { key: ConjKey; base: number }>();
  /** The conj_ids handed out per tuple (base + 2 × offset), for freeing (id_map_group). */
  readonly idMapGroup = new Map<string, { key: ConjKey; ids: Set<number> }>();
  /** Freed blocks, reused first. */
  private readonly idFree: number[] = [];
  private maxId: number;

  /** `maxOnBridge`: the highest conj_id in the firewall's tables when the firewall starts. */
  constructor(maxOnBridge: number) {
    this.maxId = ConjIdMap.next(maxOnBridge - (maxOnBridge % CONJ_ID_BLOCK_SIZE));
  }

  private static next(id: number): number {
    const n = id + CONJ_ID_BLOCK_SIZE;
    return n >= MAX_CONJ_ID ? 0 : n;
  }

  /** The block of a tuple (a multiple of 8), allocated on first use. */
  getConjId(key: ConjKey): number {
    const k = keyText(key);
    const have = this.idMap.get(k);
    if (have !== undefined) return have.base;
    let base = this.idFree.shift();
    if (base === undefined) {
      this.maxId = ConjIdMap.next(this.maxId);
      base = this.maxId;
    }
    this.idMap.set(k, { key, base });
    return base;
  }

  /** Records a conj_id handed out for a tuple. */
  noteGroupId(key: ConjKey, conjId: number): void {
    const k = keyText(key);
    const e = this.idMapGroup.get(k) ?? { key, ids: new Set<number>() };
    e.ids.add(conjId);
    this.idMapGroup.set(k, e);
  }

  /** Frees every block whose tuple names `sgId` (as group or remote group): the (remote group, conj_id) pairs no longer used. */
  deleteSg(sgId: string): Array<[string, number]> {
    const out = new Map<string, [string, number]>();
    const add = (remote: string, id: number): void => void out.set(`${remote}\u0000${id}`, [remote, id]);
    for (const [k, { key, base }] of [...this.idMap]) {
      if (key.sgId !== sgId && key.remoteId !== sgId) continue;
      this.idMap.delete(k);
      add(key.remoteId, base);
      this.idFree.push(base);
    }
    for (const [k, { key, ids }] of [...this.idMapGroup]) {
      if (key.sgId !== sgId && key.remoteId !== sgId) continue;
      this.idMapGroup.delete(k);
      for (const id of ids) add(key.remoteId, id);
    }
    return [...out.values()];
  }
}
