/**
 * The megaflow cache of one datapath: OVS's dpcls (lib/dpif-netdev.c,
 * `dpcls_lookup`) built on the flowtable's bucketed hash tables.
 *
 * Goals. A packet's datapath key finds the megaflow that covers it with no
 * allocation and no closure: one subtable per distinct megaflow mask, each a
 * HashTable of the megaflows with that mask keyed by the masked key's hash;
 * a lookup probes the subtables in rank order (most hit first, re-ranked
 * every RANK_INTERVAL lookups as OVS's pmd re-sorts every second) and stops
 * at the first match.
 *
 * Invariants:
 * - a megaflow's `key` is already ANDed with its mask; `hash` is the hash of
 *   the words its subtable's mask touches;
 * - a subtable exists while it holds a megaflow (the last removal drops it);
 * - megaflows may overlap (OVS relies on the same): any covering megaflow is
 *   a correct answer because revalidation keeps every one of them current.
 */
import type { OdpAction } from "../actions/xlate/odp-actions.js";
import { XLATE_FLOW_WORDS } from "../actions/xlate/odp-metadata.js";
import { mhashAdd, hashFinish } from "../flowtable/hash.js";
import type { HashNode } from "../flowtable/hash-table.js";
import { HashTable } from "../flowtable/hash-table.js";

/**
 * How a datapath flow's key names the packet's root: `packet_type` matched exactly (every
 * upcall's megaflow; a put that names it); `eth`: a put with `eth(...)` but no packet_type
 * (wildcarded: dumps print `eth()` even when its fields are); `ethertype`: a put with no
 * `eth(...)`, a flow of L3 packets whose packet_type is wildcarded, so Ethernet packets match
 * it too (dumps print neither).
 */
export type KeyRoot = "packet_type" | "eth" | "ethertype";

/** Words of a datapath key and mask: a translation flow (flow key + skb_priority, VLAN TPIDs). */
export const DP_KEY_WORDS = XLATE_FLOW_WORDS;
/** Lookups between two re-rankings of the subtables (OVS: once a second per pmd). */
export const RANK_INTERVAL = 1 << 16;

/** One installed datapath flow (OVS's dp_netdev_flow + the ofproto side's udpif_key). */
export class Megaflow implements HashNode<Megaflow> {
  hash: number;
  next: Megaflow | null;
  /** The masked key (DP_KEY_WORDS words; in_port is the datapath port). */
  readonly key: Uint32Array;
  /** The subtable holding it (its mask). */
  readonly subtable: MegaflowSubtable;
  /** The full key of the packet whose upcall installed it (what revalidation translates). */
  readonly flow: Uint32Array;
  actions: readonly OdpAction[];
  /** Every hit needs the slow path (a `userspace(...)` action: packet-ins). */
  slowPath: boolean;
  /** Insertion number: a stable identity for dumps (OVS's ufid). */
  readonly seq: number;
  /** Datapath stats: packets that hit it (the upcall packet is not counted, as dpif-netdev). */
  packets: number;
  bytes: number;
  /** The TCP flags of the packets that hit it, ORed (dpif-netdev's flow stats tcp_flags). */
  tcpFlags = 0;
  /** Virtual ms of the last hit, -1 = never. */
  used: number;
  /** Virtual ms it was installed. */
  readonly created: number;
  /** Stats already pushed to the OpenFlow rules (udpif_key's stats). */
  pushedPackets: number;
  pushedBytes: number;
  /** In the cache's dirty list (hit since the last push). */
  dirty: boolean;
  /** The translation generation it was last validated at (dpif-netdev.ts, "Revalidation"). */
  validGen: number;
  /**
   * Put by hand (`dpctl/add-flow`, dpif-flow-put.ts): its key as given, the
   * identity `dpctl/del-flow` finds it by (OVS's ufid hashed from the key),
   * else null (an upcall's).
   */
  putKey: string | null = null;
  /** How its key names the packet's root (megaflow-cache.ts KeyRoot): upcalls' match packet_type exactly. */
  keyRoot: KeyRoot = "packet_type";
  /** Whether its OVS ukey would have an xlate cache by now (dpif-netdev.ts revalidateOne). */
  xcached = false;

  constructor(subtable: MegaflowSubtable, key: Uint32Array, hash: number, flow: Uint32Array, actions: readonly OdpAction[], slowPath: boolean, seq: number, now: number) {
    this.hash = hash;
    this.next = null;
    this.key = key;
    this.subtable = subtable;
    this.flow = flow;
    this.actions = actions;
    this.slowPath = slowPath;
    this.seq = seq;
    this.packets = 0;
    this.bytes = 0;
    this.used = -1;
    this.created = now;
    this.pushedPackets = 0;
    this.pushedBytes = 0;
    this.dirty = false;
    this.validGen = -1;
  }
}

/** The megaflows of one mask. */
export class MegaflowSubtable {
  readonly mask: Uint32Array;
  /** Words the mask touches, and the mask of each (packed). */
  readonly indices: Int32Array;
  readonly packedMask: Uint32Array;
  readonly table = new HashTable<Megaflow>();
  /** Hits since the last ranking. */
  hits = 0;
  /** The mask as text: the cache's map key. */
  readonly id: string;

  constructor(mask: Uint32Array, id: string) {
    this.mask = mask;
    this.id = id;
    const idx: number[] = [];
    for (let w = 0; w < mask.length; w++) if (mask[w] !== 0) idx.push(w);
    this.indices = Int32Array.from(idx);
    this.packedMask = Uint32Array.from(idx.map((w) => mask[w] ?? 0));
  }

  /** Hash of `key`'s words under the mask. */
  hashOf(key: Uint32Array): number {
    const idx = this.indices;
    const pm = this.packedMask;
    let h = 0;
    for (let i = 0; i < idx.length; i++) h = mhashAdd(h, (key[idx[i]!]! & pm[i]!) >>> 0);
    return hashFinish(h, idx.length * 4);
  }

  /** The megaflow covering `key`, or null. */
  find(key: Uint32Array): Megaflow | null {
    const h = this.hashOf(key);
    const idx = this.indices;
    const pm = this.packedMask;
    const n = idx.length;
    for (let m = this.table.firstWithHash(h); m !== null; m = this.table.nextWithHash(m)) {
      const mk = m.key;
      let i = 0;
      for (; i < n; i++) {
        const w = idx[i]!;
        if (((key[w]! & pm[i]!) >>> 0) !== mk[w]) break;
      }
      if (i === n) return m;
    }
    return null;
  }
}

function maskId(mask: Uint32Array): string {
  let s = "";
  for (let w = 0; w < mask.length; w++) if (mask[w] !== 0) s += `${w}:${mask[w]!.toString(16)},`;
  return s;
}

/** A megaflow as data (snapshots): its subtable (an index into the cache's), the upcall's key, actions, stats and times. */
export interface MegaflowState {
  readonly subtable: number;
  readonly flow: Uint32Array;
  readonly actions: readonly OdpAction[];
  readonly slowPath: boolean;
  readonly seq: number;
  readonly packets: number;
  readonly bytes: number;
  readonly used: number;
  readonly created: number;
  readonly pushedPackets: number;
  readonly pushedBytes: number;
  readonly tcpFlags: number;
  readonly dirty: boolean;
  readonly validGen: number;
  readonly putKey?: string | null;
  readonly keyRoot?: KeyRoot;
}

/** A megaflow cache as data (snapshots): subtables in rank order with their hits, the counters, the megaflows by seq. */
export interface MegaflowCacheState {
  readonly subtables: readonly { readonly mask: Uint32Array; readonly hits: number }[];
  readonly lookups: number;
  readonly seq: number;
  readonly flows: readonly MegaflowState[];
}

export class MegaflowCache {
  /** Subtables in rank order. */
  private ranked: MegaflowSubtable[] = [];
  private readonly byMask = new Map<string, MegaflowSubtable>();
  private lookups = 0;
  private seq = 0;
  private count = 0;

  /** Number of megaflows. */
  get size(): number {
    return this.count;
  }

  /** Number of distinct masks (subtables). */
  get nMasks(): number {
    return this.ranked.length;
  }

  /** The megaflow covering `key` (a DP_KEY_WORDS datapath key), or null. No allocation. */
  lookup(key: Uint32Array): Megaflow | null {
    if (++this.lookups >= RANK_INTERVAL) this.rank();
    const list = this.ranked;
    for (let i = 0; i < list.length; i++) {
      const st = list[i]!;
      const m = st.find(key);
      if (m !== null) {
        st.hits++;
        return m;
      }
    }
    return null;
  }

  /** Installs a megaflow for `flow` under `mask` (both DP_KEY_WORDS words). */
  insert(flow: Uint32Array, mask: Uint32Array, actions: readonly OdpAction[], slowPath: boolean, now: number): Megaflow {
    const id = maskId(mask);
    let st = this.byMask.get(id);
    if (st === undefined) {
      st = new MegaflowSubtable(mask.slice(), id);
      this.byMask.set(id, st);
      this.ranked.push(st);
    }
    const key = new Uint32Array(DP_KEY_WORDS);
    for (let w = 0; w < DP_KEY_WORDS; w++) key[w] = ((flow[w] ?? 0) & (mask[w] ?? 0)) >>> 0;
    const m = new Megaflow(st, key, st.hashOf(key), flow.slice(0, DP_KEY_WORDS), actions, slowPath, this.seq++, now);
    st.table.insert(m);
    this.count++;
    return m;
  }

  remove(m: Megaflow): void {
    const st = m.subtable;
    if (!st.table.remove(m)) return;
    this.count--;
    if (st.table.size === 0) {
      this.byMask.delete(st.id);
      this.ranked = this.ranked.filter((s) => s !== st);
    }
  }

  /** Every megaflow, in installation order. */
  flows(): Megaflow[] {
    const out: Megaflow[] = [];
    for (const st of this.ranked) for (const m of st.table) out.push(m);
    return out.sort((a, b) => a.seq - b.seq);
  }

  save(): MegaflowCacheState {
    const index = new Map(this.ranked.map((st, i) => [st, i]));
    return {
      subtables: this.ranked.map((st) => ({ mask: st.mask.slice(), hits: st.hits })),
      lookups: this.lookups,
      seq: this.seq,
      flows: this.flows().map((m) => ({
        subtable: index.get(m.subtable) as number,
        flow: m.flow.slice(),
        actions: m.actions,
        slowPath: m.slowPath,
        seq: m.seq,
        packets: m.packets,
        bytes: m.bytes,
        used: m.used,
        created: m.created,
        pushedPackets: m.pushedPackets,
        pushedBytes: m.pushedBytes,
        tcpFlags: m.tcpFlags,
        dirty: m.dirty,
        validGen: m.validGen,
        ...(m.putKey === null ? {} : { putKey: m.putKey, keyRoot: m.keyRoot }),
      })),
    };
  }

  /** Takes the state `save` gave, on an empty cache; returns the megaflows by seq. */
  restore(s: MegaflowCacheState): Map<number, Megaflow> {
    this.ranked = s.subtables.map((t) => {
      const st = new MegaflowSubtable(t.mask.slice(), maskId(t.mask));
      st.hits = t.hits;
      this.byMask.set(st.id, st);
      return st;
    });
    const bySeq = new Map<number, Megaflow>();
    for (const f of s.flows) {
      const st = this.ranked[f.subtable] as MegaflowSubtable;
      const key = new Uint32Array(DP_KEY_WORDS);
      for (let w = 0; w < DP_KEY_WORDS; w++) key[w] = ((f.flow[w] ?? 0) & (st.mask[w] ?? 0)) >>> 0;
      const m = new Megaflow(st, key, st.hashOf(key), f.flow.slice(0, DP_KEY_WORDS), f.actions, f.slowPath, f.seq, f.created);
      m.packets = f.packets;
      m.bytes = f.bytes;
      m.used = f.used;
      m.pushedPackets = f.pushedPackets;
      m.pushedBytes = f.pushedBytes;
      m.tcpFlags = f.tcpFlags;
      m.dirty = f.dirty;
      m.validGen = f.validGen;
      m.putKey = f.putKey ?? null;
      m.keyRoot = f.keyRoot ?? "packet_type";
      st.table.insert(m);
      this.count++;
      bySeq.set(m.seq, m);
    }
    this.lookups = s.lookups;
    this.seq = s.seq;
    return bySeq;
  }

  clear(): void {
    this.ranked = [];
    this.byMask.clear();
    this.count = 0;
  }

  /** Sorts the subtables by hits since the last ranking (dpcls_sort_subtable_vector). */
  private rank(): void {
    this.lookups = 0;
    this.ranked.sort((a, b) => b.hits - a.hits);
    for (const st of this.ranked) st.hits = 0;
  }
}
