/**
 * tun_metadata0..63 as fields that actions read and write (OVS's
 * MFF_TUN_METADATA* in lib/meta-flow.c, its vl_mff_map, and
 * tun_metadata_read / tun_metadata_write of lib/tun-metadata.c).
 *
 * A tun_metadata field is variable-length (`variable_len`): it has two forms,
 * as in OVS.
 *
 * - The generic field, which ovs-ofctl knows (no TLV table): 124 bytes
 *   (TLV_MAX_OPT_SIZE), 992 bits, named `tun_metadata<N>` and by the header
 *   `NXM_NX_TUN_METADATA<N>`. Subfields are checked against 992 bits.
 * - The mapped field, which the switch makes when it decodes an action
 *   naming the field (mf_vl_mff_mf_from_nxm_header): an unmapped field is
 *   NXFMFC_INVALID_TLV_FIELD; a mapped one is `optionLen` bytes wide, so a
 *   subfield beyond it is OFPBAC_BAD_SET_LEN (mf_check__), and it carries the
 *   byte positions of the option in the flow's 256-byte option space.
 *
 * Reading a mapped field reads its option bytes whether or not the option is
 * present; writing one writes them and sets the option's present bit
 * (memcpy_to_metadata). Un-wildcarding one (mf_mask_field_masked, which
 * writes the mask as a value) un-wildcards the bytes and the present bit.
 * The flow key's `member` of these specs is never read: code that reads or
 * writes fields checks `tunMetadata` first (xlate-fields.ts).
 */
import type { FieldSpec } from "./fields.js";
import { W } from "./flow-layout.js";
import type { TunMetadataTable } from "./tun-metadata-table.js";
import { TLV_MAX_OPT_SIZE, TUN_METADATA_NUM_OPTS } from "./tun-metadata-table.js";

/** What makes a FieldSpec a tun_metadata field. */
export interface TunMdRef {
  /** N of tun_metadata<N>. */
  readonly index: number;
  /** Mapped: the option-space byte of each value byte, most significant first; null: the generic field. */
  readonly offsets: readonly number[] | null;
}

function spec(index: number, nBytes: number, offsets: readonly number[] | null): FieldSpec {
  const nBits = nBytes * 8;
  return {
    name: `tun_metadata${index}`,
    aliases: [],
    nxm: `NXM_NX_TUN_METADATA${index}`,
    oxm: null,
    nBytes,
    nBits,
    maskable: true,
    format: "hexadecimal",
    prereq: "none",
    writable: true,
    of10: "none",
    member: { name: `tun_metadata${index}`, word: W.TUN_MD_OPTS, shift: 0, bits: 128 },
    memberMask: nBits === 0 ? 0n : (1n << BigInt(nBits)) - 1n,
    shift: 0,
    impliedBits: 0n,
    tunMetadata: { index, offsets },
  };
}

const GENERIC: readonly FieldSpec[] = Array.from({ length: TUN_METADATA_NUM_OPTS }, (_, i) => spec(i, TLV_MAX_OPT_SIZE, null));
const byName = new Map<string, FieldSpec>();
for (const f of GENERIC) {
  byName.set(f.name, f);
  if (f.nxm !== null) byName.set(f.nxm, f);
}

/** The generic field named `tun_metadata<N>` or `NXM_NX_TUN_METADATA<N>` (N < 64), or undefined. */
export function tunMetadataFieldByName(name: string): FieldSpec | undefined {
  return byName.get(name);
}

/** The byte positions in the option space of tun_metadata<index>'s value, by `table`, or undefined when unmapped. */
function optionOffsets(table: TunMetadataTable, index: number): number[] | undefined {
  const e = table.entry(index);
  if (e === undefined) return undefined;
  const out: number[] = [];
  for (const c of e.chunks) for (let i = 0; i < c.len; i++) out.push(c.offset + i);
  return out;
}

/**
 * The switch's form of `f` by its `table` (OVS's mf_get_vl_mff): `f` itself
 * when it is no tun_metadata field, the mapped field, or undefined when the
 * table does not map it (NXFMFC_INVALID_TLV_FIELD).
 */
export function mapTunMetadataField(f: FieldSpec, table: TunMetadataTable): FieldSpec | undefined {
  const ref = f.tunMetadata;
  if (ref === undefined) return f;
  const at = optionOffsets(table, ref.index);
  return at === undefined ? undefined : spec(ref.index, at.length, at);
}

/** Where byte `k` of the option space is in a key (as tun-metadata-match.ts lays it out). */
function optWord(k: number): number {
  return W.TUN_MD_OPTS + (k >> 2);
}
function optShift(k: number): number {
  return (3 - (k & 3)) * 8;
}

function presentWordBit(index: number): { word: number; bit: number } {
  return index < 32 ? { word: W.TUN_MD_PRESENT + 1, bit: (1 << index) >>> 0 } : { word: W.TUN_MD_PRESENT, bit: (1 << (index - 32)) >>> 0 };
}

/** tun_metadata_read: the mapped field's option bytes in `words` (a flow or a mask), present or not. */
export function readTunMetadata(words: Uint32Array, f: FieldSpec): bigint {
  let v = 0n;
  for (const k of f.tunMetadata?.offsets ?? []) v = (v << 8n) | BigInt(((words[optWord(k)] ?? 0) >>> optShift(k)) & 0xff);
  return v;
}

/** tun_metadata_write (memcpy_to_metadata): writes the mapped field's option bytes and sets its present bit. */
export function writeTunMetadata(words: Uint32Array, f: FieldSpec, value: bigint): void {
  const ref = f.tunMetadata;
  if (ref === undefined || ref.offsets === null) return;
  const at = ref.offsets;
  for (let i = at.length - 1, v = value; i >= 0; i--, v >>= 8n) {
    const k = at[i] as number;
    const w = optWord(k);
    const sh = optShift(k);
    words[w] = (((words[w] ?? 0) & ~(0xff << sh)) | (Number(v & 0xffn) << sh)) >>> 0;
  }
  const { word, bit } = presentWordBit(ref.index);
  words[word] = ((words[word] ?? 0) | bit) >>> 0;
}

/** tun_metadata_delete: clears the field's present bit in `flow` (its bytes stay). */
export function deleteTunMetadata(flow: Uint32Array, f: FieldSpec): void {
  if (f.tunMetadata === undefined) return;
  const { word, bit } = presentWordBit(f.tunMetadata.index);
  flow[word] = ((flow[word] ?? 0) & ~bit) >>> 0;
}
