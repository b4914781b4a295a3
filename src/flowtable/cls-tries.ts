/*
 * The classifier's prefix tries (OVS's cls->tries, trie_ctx and check_tries in
 * lib/classifier.c): one PrefixTrie per configured prefix field (at most CLS_MAX_TRIES),
 * holding the field's prefix of every rule whose mask on that field is a CIDR prefix of
 * length > 0.
 *
 * Why. A subtable whose mask has an n-bit prefix on the field cannot match a packet unless
 * some rule in the classifier has those n bits; the trie tells, from a few leading bits of
 * the packet's field, which prefix lengths could match. When the subtable's length is not
 * among them, the lookup skips the rest of the subtable and un-wildcards only those leading
 * bits (`maskbits`) instead of the subtable's whole mask: `nw_src=10.2.0.0/15` rather than
 * `nw_src=10.2.0.1`.
 *
 * How (check_tries). A staged probe calls `check` for a stage (OVS: before hashing it;
 * ovsim: when the stage found nothing, which gives the same answers, subtable.ts), naming
 * the tries whose field lies in that stage and has a prefix in the subtable's mask. A trie is
 * looked up at most once per classifier lookup (on demand; `beginLookup` forgets the
 * previous lookup's answers). For the first such trie whose answer rules out the subtable's
 * prefix length plen:
 * - if maskbits <= plen, those maskbits bits of the field go into `wc` and the subtable is
 *   skipped (never more bits than the subtable itself would have un-wildcarded);
 * - else, if `wc` already holds those maskbits bits (an earlier subtable un-wildcarded
 *   them), it is skipped too;
 * - else the trie is no help for this subtable: the next trie is tried, then the probe
 *   goes on.
 * A packet that fails the field's prerequisite (not IPv4, for nw_src) gets every prefix
 * length: no skipping.
 *
 * Soundness. Every key agreeing with the packet on the first maskbits bits of the field gets
 * the same trie answer (prefix-trie.ts), so the same skip. OVS relies on the prerequisite
 * (the Ethernet type) being in `wc` already, as translation un-wildcards it before any
 * lookup; ovsim ORs the prerequisite's bits in on a skip, which changes nothing there and
 * keeps a bare classifier sound.
 */

import { bitAt, PrefixTrie } from "./prefix-trie.js";

/** OVS's CLS_MAX_TRIES: prefix fields per classifier. */
export const CLS_MAX_TRIES = 3;

/** A field the classifier may keep a prefix trie for (OVS: a field with a flow_be32ofs). */
export interface PrefixField {
  /** OVS's canonical field name (`ip_dst`). */
  readonly name: string;
  /** The field's first word in the key; it spans bits / 32 words, most significant first. */
  readonly word: number;
  /** Width in bits: a multiple of 32, at most 128. */
  readonly bits: number;
  /**
   * The prerequisite a key must meet for the trie to be consulted (OVS's
   * mf_are_prereqs_ok): `key[word] & mask` equals `value`. Null when there is none.
   */
  readonly prereq: { readonly word: number; readonly mask: number; readonly value: number } | null;
}

/**
 * The prefix length of `mask` on `field`: n when the field's bits in the mask are n leading
 * ones then zeros, 0 when they are not contiguous from the top (OVS's
 * minimask_get_prefix_len).
 */
export function prefixLen(mask: Uint32Array, field: PrefixField): number {
  let n = 0;
  let ended = false;
  for (let w = field.word; w < field.word + field.bits / 32; w++) {
    const m = mask[w]! >>> 0;
    if (ended) {
      if (m !== 0) return 0;
    } else {
      const inv = ~m >>> 0;
      if ((inv & (inv + 1)) >>> 0 !== 0) return 0; // not leading ones
      const ones = m === 0 ? 0 : 1 + Math.clz32(m & -m); // 32 - trailing zeros
      n += ones;
      if (ones < 32) ended = true;
    }
  }
  return n;
}

/** ORs the first `n` bits of the field at `word` into `wc` (OVS's mask_set_prefix_bits). */
function setPrefixBits(wc: Uint32Array, word: number, n: number): void {
  let w = word;
  for (; n >= 32; n -= 32) wc[w++] = 0xffffffff;
  if (n > 0) wc[w] = (wc[w]! | (0xffffffff << (32 - n))) >>> 0;
}

/** Whether `wc` holds the first `n` bits of the field at `word` (OVS's mask_prefix_bits_set). */
function prefixBitsSet(wc: Uint32Array, word: number, n: number): boolean {
  let w = word;
  for (; n >= 32; n -= 32) if (wc[w++] !== 0xffffffff) return false;
  if (n === 0) return true;
  const need = (0xffffffff << (32 - n)) >>> 0;
  return ((wc[w]! & need) >>> 0) === need;
}

export class ClsTries {
  /** The prefix fields, in configuration order (the order `check` tries them). */
  readonly fields: readonly PrefixField[];
  private readonly tries: PrefixTrie[];
  /**
   * Per trie, this lookup's answer (OVS's trie_ctx), valid while doneIn[j] is the current
   * lookup's number (`lookupNo`: a counter, so starting a lookup writes nothing per trie).
   * maskbits -1: the key fails the field's prerequisite, every prefix length may match.
   */
  private readonly doneIn: Int32Array;
  private lookupNo: number;
  private readonly maskbits: Int32Array;
  /** Per trie, 4 words: bit L-1 set when rules with an L-bit prefix may match. */
  private readonly matchPlens: Uint32Array[];

  constructor(fields: readonly PrefixField[]) {
    if (fields.length > CLS_MAX_TRIES) throw new RangeError(`at most ${CLS_MAX_TRIES} prefix fields, got ${fields.length}`);
    for (const f of fields) {
      if (f.bits % 32 !== 0 || f.bits < 32 || f.bits > 128) throw new RangeError(`prefix field ${f.name}: width must be 32, 64, 96 or 128 bits`);
    }
    this.fields = fields.slice();
    this.tries = fields.map(() => new PrefixTrie());
    this.doneIn = new Int32Array(fields.length).fill(-1);
    this.lookupNo = 0;
    this.maskbits = new Int32Array(fields.length);
    this.matchPlens = fields.map(() => new Uint32Array(4));
  }

  get n(): number {
    return this.fields.length;
  }

  /** Each field's prefix length in `mask` (0: no trie for that field in this mask). */
  plensOf(mask: Uint32Array): Int32Array {
    return Int32Array.from(this.fields, (f) => prefixLen(mask, f));
  }

  /** Adds a rule with (masked) `key` to the tries its subtable has prefixes for (`plens`). */
  insert(key: Uint32Array, plens: Int32Array): void {
    for (let j = 0; j < plens.length; j++) if (plens[j]! > 0) this.tries[j]!.insert(key, this.fields[j]!.word, plens[j]!);
  }

  /** Takes a rule added with `insert` out again. */
  remove(key: Uint32Array, plens: Int32Array): void {
    for (let j = 0; j < plens.length; j++) if (plens[j]! > 0) this.tries[j]!.remove(key, this.fields[j]!.word, plens[j]!);
  }

  /** A new classifier lookup: no trie looked up yet. */
  beginLookup(): void {
    this.lookupNo = (this.lookupNo + 1) & 0x3fffffff;
  }

  /**
   * OVS's check_tries: whether the subtable with prefix lengths `plens` can be skipped for
   * the key at `key[o..]`, looking at the tries whose bit is set in `which` (those of the stage at hand).
   * On true, `wc` holds the bits the skip depended on (see the header).
   */
  check(plens: Int32Array, which: number, key: Uint32Array, o: number, wc: Uint32Array): boolean {
    for (let j = 0; which !== 0; j++, which >>>= 1) {
      if ((which & 1) === 0) continue;
      if (this.doneIn[j] !== this.lookupNo) this.lookUp(j, key, o);
      const maskbits = this.maskbits[j]!;
      const plen = plens[j]!;
      if (maskbits < 0 || bitAt(this.matchPlens[j]!, 0, plen - 1) !== 0) continue;
      const field = this.fields[j]!;
      if (maskbits <= plen) setPrefixBits(wc, field.word, maskbits);
      else if (!prefixBitsSet(wc, field.word, maskbits)) continue;
      const pre = field.prereq;
      if (pre !== null) wc[pre.word] = (wc[pre.word]! | pre.mask) >>> 0;
      return true;
    }
    return false;
  }

  /** Trie j's answer for `key`, for the rest of this lookup (OVS's on-demand trie_lookup). */
  private lookUp(j: number, key: Uint32Array, o: number): void {
    this.doneIn[j] = this.lookupNo;
    const field = this.fields[j]!;
    const pre = field.prereq;
    if (pre !== null && ((key[o + pre.word]! & pre.mask) >>> 0) !== pre.value) {
      this.maskbits[j] = -1; // all prefix lengths may match: no skipping
      return;
    }
    const trie = this.tries[j]!;
    const match = this.matchPlens[j]!;
    if (field.bits === 32) {
      match[0] = 0;
      this.maskbits[j] = trie.lookup32(key[o + field.word]!, match);
    } else {
      for (let w = 0; w < field.bits >>> 5; w++) match[w] = 0;
      this.maskbits[j] = trie.lookup(key, o + field.word, field.bits, match);
    }
  }
}
