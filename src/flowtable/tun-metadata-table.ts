/**
 * A bridge's tunnel metadata table (OVS's `struct tun_table`, lib/tun-metadata.c):
 * which Geneve option (class, type) each field `tun_metadata<N>` (N < 64)
 * carries, with its length, and where in the 256-byte option space of a flow
 * (OVS's `flow->tunnel.metadata.opts`) its bytes live.
 *
 * Invariants.
 * - At most one entry per index and per (class, type).
 * - Option space is handed out in 4-byte chunks (a 64-bit allocation map):
 *   an option of `len` bytes takes the first free run of len/4 chunks, or, if
 *   there is none that long, the longest free run and then more runs for the
 *   rest (OVS's location chain), so the space may be fragmented but never
 *   overlaps. A table that cannot place an option is full (NXTTMFC_TABLE_FULL).
 * - A table is immutable: a table mod (`applyTlvTableMod`) builds a new one or
 *   fails as a whole, as OVS's tun_metadata_table_mod, so flows and packets
 *   that hold the old table keep a consistent view.
 *
 * What may change: whether the key carries the option bytes (see the report of
 * issue 12); the table's contract (index → class, type, len, location) stays.
 */

/** TUN_METADATA_NUM_OPTS: fields tun_metadata0..63. */
export const TUN_METADATA_NUM_OPTS = 64;
/** TUN_METADATA_TOT_OPT_SIZE: bytes of option space per flow. */
export const TUN_METADATA_TOT_OPT_SIZE = 256;
/** TLV_MAX_OPT_SIZE: the longest option body a Geneve option may have. */
export const TLV_MAX_OPT_SIZE = 124;

/** One contiguous piece of an option's bytes in the option space. */
export interface TunMetadataChunk {
  /** Byte offset in the 256-byte option space (a multiple of 4). */
  readonly offset: number;
  /** Bytes (a multiple of 4). */
  readonly len: number;
}

/** One mapping, as NXT_TLV_TABLE_MOD / _REPLY carry it (struct ofputil_tlv_map). */
export interface TlvMapping {
  readonly optionClass: number;
  readonly optionType: number;
  /** Option body length in bytes (0..124, a multiple of 4). */
  readonly optionLen: number;
  /** N of tun_metadata<N>. */
  readonly index: number;
}

/** A mapped field: its mapping and where its bytes are. */
export interface TunMetadataEntry extends TlvMapping {
  readonly chunks: readonly TunMetadataChunk[];
}

/** NXTTMC_*: what a table mod does. */
export type TlvTableCommand = "add" | "delete" | "clear";

export type TlvTableModResult = { readonly ok: true; readonly table: TunMetadataTable } | { readonly ok: false; readonly ofperr: string };

const CHUNKS = TUN_METADATA_TOT_OPT_SIZE / 4;

export class TunMetadataTable {
  static readonly EMPTY = new TunMetadataTable(new Array<TunMetadataEntry | undefined>(TUN_METADATA_NUM_OPTS).fill(undefined), 0n);

  /** entries[N]: the mapping of tun_metadata<N>, if any. */
  private readonly entries: readonly (TunMetadataEntry | undefined)[];
  /** Bit i set: option-space bytes 4i..4i+3 are taken. */
  private readonly allocMap: bigint;

  private constructor(entries: readonly (TunMetadataEntry | undefined)[], allocMap: bigint) {
    this.entries = entries;
    this.allocMap = allocMap;
  }

  /** The mapping of tun_metadata<index>, if mapped. */
  entry(index: number): TunMetadataEntry | undefined {
    return this.entries[index];
  }

  /** The mapping of option (class, type), if mapped. */
  entryByOption(optionClass: number, optionType: number): TunMetadataEntry | undefined {
    return this.entries.find((e) => e !== undefined && e.optionClass === optionClass && e.optionType === optionType);
  }

  /** Every mapping, by index (tun_metadata_table_request). */
  mappings(): TunMetadataEntry[] {
    return this.entries.filter((e): e is TunMetadataEntry => e !== undefined);
  }

  /** The table as data (snapshots): its entries with their chunks, by index. */
  save(): TunMetadataEntry[] {
    return this.mappings().map((e) => ({ ...e, chunks: e.chunks.map((c) => ({ ...c })) }));
  }

  /** A table from `save()`'s entries (trusted: a snapshot reader checks their ranges). */
  static restore(entries: readonly TunMetadataEntry[]): TunMetadataTable {
    if (entries.length === 0) return TunMetadataTable.EMPTY;
    const all = new Array<TunMetadataEntry | undefined>(TUN_METADATA_NUM_OPTS).fill(undefined);
    let allocMap = 0n;
    for (const e of entries) {
      all[e.index] = e;
      for (const c of e.chunks) allocMap |= runBits(c.offset / 4, c.len / 4);
    }
    return new TunMetadataTable(all, allocMap);
  }

  /** OVS's tun_metadata_table_mod: the new table, or why the mod fails (nothing changes then). */
  mod(command: TlvTableCommand, mappings: readonly TlvMapping[]): TlvTableModResult {
    if (command === "clear") return { ok: true, table: TunMetadataTable.EMPTY };
    const entries = [...this.entries];
    let allocMap = this.allocMap;
    for (const m of mappings) {
      if (command === "delete") {
        const e = entries[m.index];
        if (e === undefined) continue;
        for (const c of e.chunks) allocMap &= ~runBits(c.offset / 4, c.len / 4);
        entries[m.index] = undefined;
        continue;
      }
      if (entries[m.index] !== undefined) return { ok: false, ofperr: "NXTTMFC_ALREADY_MAPPED" };
      if (entries.some((e) => e !== undefined && e.optionClass === m.optionClass && e.optionType === m.optionType)) {
        return { ok: false, ofperr: "NXTTMFC_DUP_ENTRY" };
      }
      const chunks: TunMetadataChunk[] = [];
      let left = m.optionLen;
      while (left > 0) {
        const run = findRun(allocMap, left / 4);
        if (run === undefined) return { ok: false, ofperr: "NXTTMFC_TABLE_FULL" };
        allocMap |= runBits(run.start, run.len);
        chunks.push({ offset: run.start * 4, len: run.len * 4 });
        left -= run.len * 4;
      }
      entries[m.index] = { ...m, chunks };
    }
    return { ok: true, table: new TunMetadataTable(entries, allocMap) };
  }
}

function runBits(start: number, len: number): bigint {
  return ((1n << BigInt(len)) - 1n) << BigInt(start);
}

/**
 * tun_metadata_alloc_chain: the first free run of `want` chunks, else the
 * longest free run (the first of the longest), else none.
 */
function findRun(allocMap: bigint, want: number): { start: number; len: number } | undefined {
  let best: { start: number; len: number } | undefined;
  let i = 0;
  while (i < CHUNKS) {
    if ((allocMap >> BigInt(i)) & 1n) {
      i++;
      continue;
    }
    let len = 0;
    while (i + len < CHUNKS && len < want && ((allocMap >> BigInt(i + len)) & 1n) === 0n) len++;
    if (len === want) return { start: i, len };
    if (best === undefined || len > best.len) best = { start: i, len };
    i += len + 1;
  }
  return best;
}
