/*
 * Prefix trie: a longest-prefix-match tree over bit strings of up to 128 bits (OVS's
 * lib/classifier.c trie_node / trie_insert_prefix / trie_remove_prefix / trie_lookup_value).
 * The classifier keeps one per prefix field (nw_dst, nw_src, ...) holding the field's prefix
 * of every rule whose mask on the field is a CIDR prefix, and each subtable one over its
 * transport ports (cls-tries.ts, subtable.ts).
 *
 * Values are read from a word array: bit 0 is the most significant bit of `value[base]`,
 * bit 32 the most significant of `value[base + 1]`, and so on, as OVS reads a big-endian
 * field from struct flow.
 *
 * Structure (as OVS): path-compressed. A node holds up to TRIE_PREFIX_BITS bits of prefix
 * (left-aligned in `prefix`), a count of the prefixes that end exactly at it (`nRules`),
 * and two children chosen by the next bit. A longer run of bits is a chain of full nodes.
 * Removal prunes childless empty nodes and merges an empty node into its only child when
 * their bits fit in one node. Nodes live in parallel typed arrays (TrieNodes), not as
 * objects: an OpenFlow table holds a trie node or two per flow with an address prefix, and
 * an object with a 32-bit prefix (a boxed number) would cost several times the 17 bytes.
 *
 * What a lookup answers does not depend on the shape, only on the set of prefixes held:
 * - `plens` gets bit L-1 set for each length L such that the value's first L bits are a
 *   prefix held (OVS's match_plens);
 * - the return value (OVS's maskbits) is the number of leading bits of the value that decide
 *   that answer: with m the length of the longest run of leading bits that some held prefix
 *   starts with, m + 1 if some held prefix goes on past those m bits (it then differs at bit
 *   m, which must be looked at), else m; nBits when the whole value was matched. Every value
 *   agreeing with this one on that many leading bits gets the same `plens`.
 */

/** Bits a node holds at most (OVS's TRIE_PREFIX_BITS). */
export const TRIE_PREFIX_BITS = 32;

/** "No node": node numbers start at 1. */
const NIL = 0;

/**
 * The nodes of one trie (OVS's struct trie_node), by number: `prefix` (the node's bits,
 * left-aligned, bits past nBits zero), `nBits` (0..TRIE_PREFIX_BITS), `nRules` (prefixes that
 * end exactly here), `edge0` / `edge1` (the child after a 0 / 1 bit, NIL for none). Freed
 * numbers are reused (a free node's edge0 links the next free one).
 */
class TrieNodes {
  prefix = new Int32Array(0);
  nBits = new Uint8Array(0);
  nRules = new Int32Array(0);
  edge0 = new Int32Array(0);
  edge1 = new Int32Array(0);
  /** The first number never handed out. */
  private fresh = 1;
  private freeList = NIL;

  alloc(prefix: number, nBits: number, nRules: number): number {
    let n = this.freeList;
    if (n !== NIL) this.freeList = this.edge0[n]!;
    else {
      if (this.fresh >= this.prefix.length) this.grow(Math.max(8, this.prefix.length * 2));
      n = this.fresh++;
    }
    this.prefix[n] = prefix;
    this.nBits[n] = nBits;
    this.nRules[n] = nRules;
    this.edge0[n] = NIL;
    this.edge1[n] = NIL;
    return n;
  }

  free(n: number): void {
    this.edge0[n] = this.freeList;
    this.edge1[n] = NIL;
    this.freeList = n;
  }

  child(n: number, bit: number): number {
    return bit === 0 ? this.edge0[n]! : this.edge1[n]!;
  }

  setChild(n: number, bit: number, c: number): void {
    if (bit === 0) this.edge0[n] = c;
    else this.edge1[n] = c;
  }

  isLeaf(n: number): boolean {
    return this.edge0[n] === NIL && this.edge1[n] === NIL;
  }

  private grow(size: number): void {
    const grown = <A extends Int32Array | Uint8Array>(a: A, b: A): A => {
      b.set(a);
      return b;
    };
    this.prefix = grown(this.prefix, new Int32Array(size));
    this.nBits = grown(this.nBits, new Uint8Array(size));
    this.nRules = grown(this.nRules, new Int32Array(size));
    this.edge0 = grown(this.edge0, new Int32Array(size));
    this.edge1 = grown(this.edge1, new Int32Array(size));
  }
}

/** x << n and x >>> n for n in 0..32 (JavaScript shifts count modulo 32). */
function shl(x: number, n: number): number {
  return n >= 32 ? 0 : (x << n) >>> 0;
}
function shr(x: number, n: number): number {
  return n >= 32 ? 0 : x >>> n;
}

/** The bit at offset `ofs` of the value at `base`, 0 or 1 (OVS's be_get_bit_at). */
export function bitAt(value: Uint32Array, base: number, ofs: number): number {
  return (value[base + (ofs >>> 5)]! >>> (31 - (ofs & 31))) & 1;
}

/** Sets bit `ofs` (offset 0 = bit 31 of word 0) of `bits` (OVS's be_set_bit_at). */
export function setBitAt(bits: Uint32Array, ofs: number): void {
  const w = ofs >>> 5;
  bits[w] = (bits[w]! | (0x80000000 >>> (ofs & 31))) >>> 0;
}

/**
 * At least `plen` (<= 32) bits of the value at `base` from bit offset `ofs`, left-aligned,
 * with unspecified bits after them (OVS's raw_get_prefix). Reads past `ofs + plen` bits only
 * within the word that holds bit `ofs + plen - 1`.
 */
function rawGetPrefix(value: Uint32Array, base: number, ofs: number, plen: number): number {
  const w = base + (ofs >>> 5);
  const skip = ofs & 31;
  let prefix = shl(value[w]!, skip);
  if (plen > 32 - skip) prefix = (prefix | (value[w + 1]! >>> (32 - skip))) >>> 0;
  return prefix;
}

/** min(TRIE_PREFIX_BITS, plen) bits from offset `ofs`, left-aligned, the rest zero (trie_get_prefix). */
function trieGetPrefix(value: Uint32Array, base: number, ofs: number, plen: number): number {
  if (plen === 0) return 0;
  const n = Math.min(plen, TRIE_PREFIX_BITS);
  return (rawGetPrefix(value, base, ofs, n) & shl(0xffffffff, 32 - n)) >>> 0;
}

/** How many of the first `nBits` bits of `prefix` equal the value's bits from `ofs` (prefix_equal_bits). */
function prefixEqualBits(prefix: number, nBits: number, value: Uint32Array, base: number, ofs: number): number {
  if (nBits === 0) return 0;
  const diff = (prefix ^ rawGetPrefix(value, base, ofs, nBits)) >>> 0;
  return Math.min(Math.clz32(diff), nBits);
}

export class PrefixTrie {
  private readonly t = new TrieNodes();
  private root = NIL;

  get isEmpty(): boolean {
    return this.root === NIL;
  }

  /** Replaces `parent`'s child `bit` (the root when parent is NIL). */
  private setEdge(parent: number, bit: number, node: number): void {
    if (parent === NIL) this.root = node;
    else this.t.setChild(parent, bit, node);
  }

  /** A new branch holding bits [ofs, ofs + plen) of the value, `nRules` at its end (trie_branch_create). */
  private branchCreate(value: Uint32Array, base: number, ofs: number, plen: number, nRules: number): number {
    const t = this.t;
    if (plen <= TRIE_PREFIX_BITS) return t.alloc(trieGetPrefix(value, base, ofs, plen), plen, nRules);
    // Longer than a node: a full node, then the rest below it.
    const node = t.alloc(trieGetPrefix(value, base, ofs, plen), TRIE_PREFIX_BITS, 0);
    const sub = this.branchCreate(value, base, ofs + TRIE_PREFIX_BITS, plen - TRIE_PREFIX_BITS, nRules);
    t.setChild(node, t.prefix[sub]! >>> 31, sub);
    return node;
  }

  /** Adds the prefix made of the first `mlen` (>= 1) bits of the value at `base` (trie_insert_prefix). */
  insert(value: Uint32Array, base: number, mlen: number): void {
    const t = this.t;
    let parent = NIL;
    let bit = 0;
    let ofs = 0;
    for (let node = this.root; node !== NIL; node = t.child(node, bit)) {
      const nBits = t.nBits[node]!;
      const eqbits = prefixEqualBits(t.prefix[node]! >>> 0, Math.min(nBits, mlen - ofs), value, base, ofs);
      ofs += eqbits;
      if (eqbits < nBits) {
        // Mismatch (or the prefix ends) inside the node: a new node goes above it.
        const oldBranch = (t.prefix[node]! >>> (31 - eqbits)) & 1;
        const newParent = this.branchCreate(value, base, ofs - eqbits, eqbits, ofs === mlen ? 1 : 0);
        t.prefix[node] = shl(t.prefix[node]! >>> 0, eqbits);
        t.nBits[node] = nBits - eqbits;
        t.setChild(newParent, oldBranch, node);
        if (ofs < mlen) t.setChild(newParent, oldBranch ^ 1, this.branchCreate(value, base, ofs, mlen - ofs, 1));
        this.setEdge(parent, bit, newParent);
        return;
      }
      if (ofs === mlen) {
        t.nRules[node]!++;
        return;
      }
      parent = node;
      bit = bitAt(value, base, ofs);
    }
    this.setEdge(parent, bit, this.branchCreate(value, base, ofs, mlen - ofs, 1));
  }

  /**
   * Removes one count of the prefix of `mlen` bits of the value at `base`, pruning what is
   * left empty (trie_remove_prefix). Returns false when the prefix is not held.
   */
  remove(value: Uint32Array, base: number, mlen: number): boolean {
    const t = this.t;
    const path: number[] = [];
    let ofs = 0;
    for (let node = this.root; node !== NIL; node = t.child(node, bitAt(value, base, ofs))) {
      const nBits = t.nBits[node]!;
      const eqbits = prefixEqualBits(t.prefix[node]! >>> 0, Math.min(nBits, mlen - ofs), value, base, ofs);
      if (eqbits < nBits) return false;
      ofs += eqbits;
      path.push(node);
      if (ofs !== mlen) continue;
      if (t.nRules[node] === 0) return false;
      t.nRules[node]!--;
      let depth = path.length - 1;
      while (t.nRules[node] === 0) {
        const e0 = t.edge0[node]!;
        const e1 = t.edge1[node]!;
        if (e0 !== NIL && e1 !== NIL) break; // a branching point stays
        const next = e0 !== NIL ? e0 : e1;
        if (next !== NIL) {
          if (t.nBits[node]! + t.nBits[next]! > TRIE_PREFIX_BITS) break; // cannot combine
          t.prefix[next] = t.prefix[node]! | shr(t.prefix[next]! >>> 0, t.nBits[node]!);
          t.nBits[next] = t.nBits[next]! + t.nBits[node]!;
        }
        const parent = depth > 0 ? path[depth - 1]! : NIL;
        this.setEdge(parent, parent === NIL ? 0 : t.edge0[parent] === node ? 0 : 1, next);
        t.free(node);
        if (next !== NIL || parent === NIL) break;
        node = parent;
        depth--;
      }
      return true;
    }
    return false;
  }

  /**
   * Looks the value at `base` (`nBits` bits wide) up: ORs into `plens` the lengths of the
   * held prefixes it starts with and returns how many of its leading bits decide that (see
   * the header; OVS's trie_lookup_value). Does not allocate.
   */
  lookup(value: Uint32Array, base: number, nBits: number, plens: Uint32Array): number {
    const t = this.t;
    let prev = NIL;
    let matchLen = 0;
    for (let node = this.root; node !== NIL; node = t.child(node, bitAt(value, base, matchLen))) {
      const n = t.nBits[node]!;
      const eqbits = prefixEqualBits(t.prefix[node]! >>> 0, n, value, base, matchLen);
      matchLen += eqbits;
      // Bit matchLen differed: it is needed to tell this value from the node's prefixes.
      if (eqbits < n) return matchLen + 1;
      if (t.nRules[node]! > 0) setBitAt(plens, matchLen - 1);
      if (matchLen >= nBits) return nBits;
      prev = node;
    }
    // Fell off an edge: if the other branch exists, the bit that chose this one counts.
    return prev === NIL || t.isLeaf(prev) ? matchLen : matchLen + 1;
  }

  /**
   * `lookup` for a 32-bit value given as a number (nw_src, the ports word): the same answer
   * without reading a word array, as lookups with megaflow tracking do it once per prefix
   * field and once per ports miss. `plens` (bit L-1 of word 0) may be null when unwanted.
   */
  lookup32(value: number, plens: Uint32Array | null): number {
    const { prefix, nBits, nRules, edge0, edge1 } = this.t;
    let prev = NIL;
    let matchLen = 0;
    let node = this.root;
    while (node !== NIL) {
      const n = nBits[node]!;
      // The value's bits from matchLen on, left-aligned, against the node's.
      const eqbits = n === 0 ? 0 : Math.min(Math.clz32((prefix[node]! ^ shl(value, matchLen)) >>> 0), n);
      matchLen += eqbits;
      if (eqbits < n) return matchLen + 1;
      if (nRules[node]! > 0 && plens !== null) plens[0] = (plens[0]! | (0x80000000 >>> (matchLen - 1))) >>> 0;
      if (matchLen >= 32) return 32;
      prev = node;
      node = ((value >>> (31 - matchLen)) & 1) === 0 ? edge0[node]! : edge1[node]!;
    }
    return prev === NIL || (edge0[prev] === NIL && edge1[prev] === NIL) ? matchLen : matchLen + 1;
  }
}
