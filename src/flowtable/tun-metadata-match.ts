/**
 * The fields tun_metadata0..63 in matches (OVS's lib/tun-metadata.c and the
 * variable-length fields of lib/meta-flow.c / lib/nx-match.c).
 *
 * A tun_metadata field has no fixed place or width: the bridge's tunnel
 * metadata table (tun-metadata-table.ts) maps field N to a Geneve option of
 * some length and to bytes of the flow's 256-byte option space. So the field
 * lives in two forms, as in OVS:
 *
 * - ovs-ofctl's (OVS's `match->tun_md`, a per-match allocation): parsed with
 *   no table, each field as the significant bytes of its value (and mask):
 *   `tun_metadata0=0xab` is one byte, `tun_metadata0` alone is zero bytes
 *   with a zero mask (the option must be present). That is what NXM carries
 *   (`Match.tunMd`, `TunMdField`) and what ovs-ofctl prints.
 * - the switch's: in the flow key, a 64-bit map of the options that must be
 *   present (W.TUN_MD_PRESENT) and the option bytes at their table location
 *   (W.TUN_MD_OPTS), so that the classifier matches them like any other
 *   words. The switch decodes a received field into its mapped length
 *   (nx-match.c copy_entry_value: the first bytes of the payload, right
 *   aligned), refusing unmapped fields (NXFMFC_INVALID_TLV_FIELD), and
 *   encodes it back at that length for replies.
 *
 * Key layout cost. The 66 words sit at the end of the key and in the lookup's
 * metadata stage; the classifier hashes and compares only a subtable's
 * non-zero mask words, so flows and packets without tunnel metadata pay no
 * lookup work for them (only the wider key arrays).
 */
import { strtoull } from "./c-strto.js";
import { W } from "./flow-layout.js";
import type { Match } from "./match.js";
import type { TunMetadataTable } from "./tun-metadata-table.js";
import { TUN_METADATA_NUM_OPTS, TUN_METADATA_TOT_OPT_SIZE } from "./tun-metadata-table.js";

/** The width of the generic (unmapped) field, OVS's mf->n_bytes for tun_metadata: TLV_MAX_OPT_SIZE. */
const FIELD_BYTES = 124;

/** One tun_metadata field as NXM carries it. */
export interface TunMdField {
  /** N of tun_metadata<N>. */
  readonly index: number;
  /** The value's bytes, most significant first (its length is the field's length on the wire). */
  readonly value: Uint8Array;
  /** The mask, as long as the value; null: exact. */
  readonly mask: Uint8Array | null;
}

/** N of a field name `tun_metadata<N>` (N < 64), or undefined. */
export function tunMetadataIndex(name: string): number | undefined {
  const m = /^tun_metadata(\d+)$/.exec(name);
  if (m === null) return undefined;
  const n = Number(m[1]);
  return n < TUN_METADATA_NUM_OPTS && String(n) === m[1] ? n : undefined;
}

/** OVS's parse_int_string into `width` bytes: undefined for bad syntax, "range" when too large. */
function parseIntBytes(s: string, width: number): { bytes: Uint8Array; rest: string } | "syntax" | "range" {
  const bytes = new Uint8Array(width);
  if (/^0[xX]/.test(s)) {
    let i = 2;
    const digits: number[] = [];
    for (;;) {
      while (i < s.length && " \t\r\n".includes(s[i] as string)) i++;
      const d = i < s.length ? parseInt(s[i] as string, 16) : NaN;
      if (Number.isNaN(d)) break;
      if (d !== 0 || digits.length > 0) {
        if (Math.ceil((digits.length + 1) / 2) > width) return "range";
        digits.push(d);
      }
      i++;
    }
    let at = width;
    for (let k = digits.length - 1; k >= 0; k -= 2) {
      at--;
      bytes[at] = (digits[k] as number) + (k > 0 ? (digits[k - 1] as number) << 4 : 0);
    }
    return { bytes, rest: s.slice(i) };
  }
  const r = strtoull(s, 0, 0);
  if (r.end === 0) return "syntax";
  if (r.overflow) return "range";
  let v = r.value;
  for (let k = width - 1; k >= 0; k--) {
    bytes[k] = Number(v & 0xffn);
    v >>= 8n;
  }
  return { bytes, rest: s.slice(r.end) };
}

/** The number of bytes from the first non-zero one (meta-flow.c field_len). */
function significant(b: Uint8Array): number {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  return b.length - i;
}

const allOnesBytes = (b: Uint8Array): boolean => b.every((x) => x === 0xff);
const allZeroBytes = (b: Uint8Array): boolean => b.every((x) => x === 0);

/**
 * A field as a program without a table holds it (tun_metadata_set_match with
 * no map): value and mask of `FIELD_BYTES` bytes cut to their significant
 * length; masked unless the mask is all ones.
 */
function unmappedField(index: number, value: Uint8Array, mask: Uint8Array | null): TunMdField {
  const masked = mask !== null && !allOnesBytes(mask);
  const len = Math.max(significant(value), masked ? significant(mask) : 0);
  const cut = (b: Uint8Array): Uint8Array => b.slice(b.length - len);
  return { index, value: cut(value), mask: masked ? cut(mask) : null };
}

/**
 * ovs-ofctl's parse of `tun_metadata<index>=text` (mf_from_integer_string):
 * the field, or OVS's error text.
 */
export function parseTunMetadata(index: number, text: string): TunMdField | string {
  const name = `tun_metadata${index}`;
  const syntax = (what: string, r: "syntax" | "range"): string =>
    r === "range" ? `${text}: ${what} too large for ${FIELD_BYTES}-byte field ${name}` : `${text}: bad syntax for ${name} ${what}`;
  const v = parseIntBytes(text, FIELD_BYTES);
  if (typeof v === "string") return syntax("value", v);
  if (v.rest !== "" && !v.rest.startsWith("/")) return syntax("value", "syntax");
  let mask: Uint8Array | null = null;
  if (v.rest.startsWith("/")) {
    const m = parseIntBytes(v.rest.slice(1), FIELD_BYTES);
    if (typeof m === "string") return syntax("mask", m);
    if (m.rest !== "") return syntax("mask", "syntax");
    mask = m.bytes;
  }
  const value = mask === null ? v.bytes : v.bytes.map((b, i) => b & (mask as Uint8Array)[i]!);
  return unmappedField(index, value, mask);
}

/**
 * Adds `f` to ovs-ofctl's per-match allocation `fields` (metadata_loc_from_match
 * with no table): OVS's error text when the match already has the field or the
 * fields outgrow the option space.
 */
export function addTunMdField(fields: TunMdField[], f: TunMdField): string | null {
  const name = `tun_metadata${f.index}`;
  const used = fields.reduce((n, g) => n + g.value.length, 0) + f.value.length;
  if (used > TUN_METADATA_TOT_OPT_SIZE) return `field ${name} exceeds maximum size for tunnel metadata (used ${used}, max ${TUN_METADATA_TOT_OPT_SIZE})`;
  if (fields.some((g) => g.index === f.index)) return `field ${name} set multiple times`;
  fields.push(f);
  return null;
}

/** Where byte `k` of the option space is: its word and bit shift. */
function optByte(k: number): { word: number; shift: number } {
  return { word: W.TUN_MD_OPTS + (k >> 2), shift: (3 - (k & 3)) * 8 };
}

function readOpt(words: Uint32Array, k: number): number {
  const { word, shift } = optByte(k);
  return ((words[word] ?? 0) >>> shift) & 0xff;
}

function writeOpt(words: Uint32Array, k: number, b: number): void {
  const { word, shift } = optByte(k);
  words[word] = (((words[word] ?? 0) & ~(0xff << shift)) | ((b & 0xff) << shift)) >>> 0;
}

/** The word and bit of option `index` in the present map (W.TUN_MD_PRESENT: indexes 63..32, then 31..0). */
function presentBit(index: number): { word: number; bit: number } {
  return index < 32 ? { word: W.TUN_MD_PRESENT + 1, bit: (1 << index) >>> 0 } : { word: W.TUN_MD_PRESENT, bit: (1 << (index - 32)) >>> 0 };
}

/** Whether `words` (a key or mask) has option `index`'s present bit. */
export function tunMdPresent(words: Uint32Array, index: number): boolean {
  const { word, bit } = presentBit(index);
  return ((words[word] ?? 0) & bit) !== 0;
}

/** The words of the option space (W.TUN_MD_OPTS...). */
export const TUN_MD_OPTS_WORDS = TUN_METADATA_TOT_OPT_SIZE / 4;

/** Whether a mask matches on any tunnel metadata option (or a key carries any). */
export function hasTunMd(mask: Uint32Array): boolean {
  return (mask[W.TUN_MD_PRESENT] ?? 0) !== 0 || (mask[W.TUN_MD_PRESENT + 1] ?? 0) !== 0;
}

/** The byte offsets of a mapped field's bytes, in order. */
function offsets(table: TunMetadataTable, index: number): number[] {
  const e = table.entry(index);
  if (e === undefined) return [];
  return e.chunks.flatMap((c) => Array.from({ length: c.len }, (_, i) => c.offset + i)).slice(0, e.optionLen);
}

/**
 * The switch's decode of received fields into `key` / `mask` by its `table`:
 * NXFMFC_INVALID_TLV_FIELD for a field the table does not map.
 */
export function placeTunMd(fields: readonly TunMdField[], table: TunMetadataTable, key: Uint32Array, mask: Uint32Array): string | null {
  for (const f of fields) {
    const e = table.entry(f.index);
    if (e === undefined) return "NXFMFC_INVALID_TLV_FIELD";
    const len = e.optionLen;
    const copy = Math.min(f.value.length, len);
    const at = offsets(table, f.index);
    for (let i = 0; i < len; i++) {
      const src = i - (len - copy);
      const v = src >= 0 ? (f.value[src] as number) : 0;
      const m = f.mask === null ? 0xff : src >= 0 ? (f.mask[src] as number) : 0;
      writeOpt(key, at[i] as number, v & m);
      writeOpt(mask, at[i] as number, m);
    }
    const { word, bit } = presentBit(f.index);
    key[word] = ((key[word] ?? 0) | bit) >>> 0;
    mask[word] = ((mask[word] ?? 0) | bit) >>> 0;
  }
  return null;
}

/**
 * The fields of a switch's match as it encodes them in replies
 * (tun_metadata_to_nx_match): each matched option at its mapped length,
 * masked when its mask is not all ones (a zero-length option always is).
 * Options the key says must be absent (`=NP`, megaflows only) are left out.
 */
export function tunMdOfKey(key: Uint32Array, mask: Uint32Array, table: TunMetadataTable): TunMdField[] {
  const out: TunMdField[] = [];
  for (let i = 0; i < TUN_METADATA_NUM_OPTS; i++) {
    if (!tunMdPresent(mask, i) || !tunMdPresent(key, i)) continue;
    const at = offsets(table, i);
    const value = Uint8Array.from(at, (k) => readOpt(key, k));
    const m = Uint8Array.from(at, (k) => readOpt(mask, k));
    out.push({ index: i, value, mask: at.length === 0 || !allOnesBytes(m) ? m : null });
  }
  return out;
}

const hexBytes = (b: Uint8Array): string => {
  // ds_put_hex: 0x and the bytes without leading zeros; "0" when all are zero.
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  s = s.replace(/^0+/, "");
  return s === "" ? "0" : `0x${s}`;
};

/**
 * The `tun_metadata<N>...` parts of a printed match (tun_metadata_match_format
 * in ovs-ofctl, which re-reads each field at its significant length): `=NP`
 * for an option that must be absent, the bare name for presence only.
 */
export function formatTunMd(fields: readonly TunMdField[], absent: readonly number[] = []): string[] {
  const parts: { index: number; text: string }[] = absent.map((i) => ({ index: i, text: `tun_metadata${i}=NP` }));
  for (const f of fields) {
    const g = unmappedField(f.index, pad(f.value), f.mask === null ? null : pad(f.mask));
    const name = `tun_metadata${f.index}`;
    if (g.mask !== null && allZeroBytes(g.mask)) {
      parts.push({ index: f.index, text: name });
      continue;
    }
    const masked = g.mask !== null && !allOnesBytes(g.mask);
    parts.push({ index: f.index, text: `${name}=${hexBytes(g.value)}${masked ? `/${hexBytes(g.mask as Uint8Array)}` : ""}` });
  }
  return parts.sort((a, b) => a.index - b.index).map((p) => p.text);
}

/** `b` right-aligned in FIELD_BYTES bytes (copy_entry_value into the generic field). */
function pad(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(FIELD_BYTES);
  const n = Math.min(b.length, FIELD_BYTES);
  out.set(b.subarray(0, n), FIELD_BYTES - n);
  return out;
}

/** Options that `key` / `mask` require to be absent (`tun_metadata<N>=NP`). */
export function absentTunMd(key: Uint32Array, mask: Uint32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < TUN_METADATA_NUM_OPTS; i++) if (tunMdPresent(mask, i) && !tunMdPresent(key, i)) out.push(i);
  return out;
}

/** A field's value as a number, for sorting (`--sort=tun_metadata<N>`). */
export function tunMdSortValue(f: TunMdField): bigint {
  let v = 0n;
  for (const b of f.value) v = (v << 8n) | BigInt(b);
  return v;
}

/**
 * How ovs-vswitchd itself prints a match's tun_metadata fields (traces: the
 * Flow line, the rules, the megaflow): at the mapped length, a mask printed
 * unless all ones (no re-reading at the significant length, as ovs-ofctl does).
 */
export function vswitchdTunMdView(table: TunMetadataTable): (match: Match) => string[] {
  return (match) => {
    if (!hasTunMd(match.mask)) return [];
    const parts: { index: number; text: string }[] = absentTunMd(match.key, match.mask).map((i) => ({ index: i, text: `tun_metadata${i}=NP` }));
    for (const f of tunMdOfKey(match.key, match.mask, table)) {
      const name = `tun_metadata${f.index}`;
      if (f.mask !== null && allZeroBytes(f.mask)) parts.push({ index: f.index, text: name });
      else parts.push({ index: f.index, text: `${name}=${hexBytes(f.value)}${f.mask !== null && !allOnesBytes(f.mask) ? `/${hexBytes(f.mask)}` : ""}` });
    }
    return parts.sort((a, b) => a.index - b.index).map((p) => p.text);
  };
}

/** How ovs-ofctl prints the tun_metadata fields of a switch's matches, read by the switch's TLV map. */
export function switchTunMdView(table: TunMetadataTable): (match: Match) => string[] {
  return (match) => {
    if (match.tunMd.length > 0) return formatTunMd(match.tunMd);
    if (!hasTunMd(match.mask)) return [];
    return formatTunMd(tunMdOfKey(match.key, match.mask, table), absentTunMd(match.key, match.mask));
  };
}

/**
 * diff-flows' view (ovs-ofctl.c generate_tun_metadata / remap_match): the
 * flows of both sources, as ovs-ofctl holds them, are remapped into one table
 * where each field is as long as its longest occurrence rounded up to 4
 * bytes, and print from it: a masked field's mask is zero above its own bytes.
 */
export function commonTunMdView(matches: readonly (readonly TunMdField[])[]): (fields: readonly TunMdField[]) => string[] {
  const lens = new Map<number, number>();
  for (const fields of matches) {
    for (const f of fields) {
      const g = unmappedField(f.index, pad(f.value), f.mask === null ? null : pad(f.mask));
      lens.set(f.index, Math.max(lens.get(f.index) ?? 0, g.value.length));
    }
  }
  return (fields) =>
    [...fields]
      .sort((a, b) => a.index - b.index)
      .map((f) => {
        const g = unmappedField(f.index, pad(f.value), f.mask === null ? null : pad(f.mask));
        const len = Math.ceil((lens.get(f.index) ?? 0) / 4) * 4;
        const value = pad(g.value).slice(FIELD_BYTES - len);
        const mask = g.mask === null ? new Uint8Array(len).fill(0xff) : pad(g.mask).slice(FIELD_BYTES - len);
        const name = `tun_metadata${f.index}`;
        if (len === 0 || (g.mask !== null && allZeroBytes(mask))) return name;
        return `${name}=${hexBytes(value)}${allOnesBytes(mask) ? "" : `/${hexBytes(mask)}`}`;
      });
}

/** A match's tun_metadata fields as ovs-ofctl holds them: parsed, or read from a switch's key by its map. */
export function tunMdFieldsOf(match: Match, table: TunMetadataTable): TunMdField[] {
  if (match.tunMd.length > 0) return match.tunMd.map((f) => unmappedField(f.index, pad(f.value), f.mask === null ? null : pad(f.mask)));
  if (!hasTunMd(match.mask)) return [];
  return tunMdOfKey(match.key, match.mask, table).map((f) => unmappedField(f.index, pad(f.value), f.mask === null ? null : pad(f.mask)));
}

/** One Geneve option as a tunnel carries it. */
export interface GeneveOption {
  readonly optionClass: number;
  readonly optionType: number;
  /** The option's body (a multiple of 4 bytes, at most 124). */
  readonly value: Uint8Array;
}

/**
 * OVS's tun_metadata_from_geneve_udpif: the options a bridge's TLV map knows
 * go into `flow` (present bit and bytes at the option's place); the others
 * are left out. An option whose length differs from its mapping is left out
 * too (OVS refuses the whole packet then).
 */
export function applyGeneveOptions(flow: Uint32Array, options: readonly GeneveOption[], table: TunMetadataTable): void {
  for (const o of options) {
    const e = table.entryByOption(o.optionClass, o.optionType);
    if (e === undefined || e.optionLen !== o.value.length) continue;
    const at = offsets(table, e.index);
    for (let i = 0; i < at.length; i++) writeOpt(flow, at[i] as number, o.value[i] as number);
    const { word, bit } = presentBit(e.index);
    flow[word] = ((flow[word] ?? 0) | bit) >>> 0;
  }
}

/** OVS's tun_metadata_to_geneve: the options `flow` carries by `table`, in field order. */
export function geneveOptionsOfFlow(flow: Uint32Array, table: TunMetadataTable): GeneveOption[] {
  const out: GeneveOption[] = [];
  if (!hasTunMd(flow)) return out;
  for (let i = 0; i < TUN_METADATA_NUM_OPTS; i++) {
    if (!tunMdPresent(flow, i)) continue;
    const e = table.entry(i);
    if (e === undefined) continue;
    out.push({ optionClass: e.optionClass, optionType: e.optionType, value: Uint8Array.from(offsets(table, i), (k) => readOpt(flow, k)) });
  }
  return out;
}
