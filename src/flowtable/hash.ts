/*
 * 32-bit hashing of flow-key words, modelled on OVS lib/hash.h (the portable murmurhash3
 * flavour: mhash_add / mhash_finish / hash_words). The values equal OVS's non-SSE4.2 build
 * for the same words and basis.
 *
 * All arithmetic is int32: Math.imul for products, `>>>` for logical shifts and rotations,
 * and `>>> 0` to return an unsigned 32-bit result. Nothing here allocates.
 *
 * Typed-array reads carry `!`: every index is in range by construction (word indices come
 * from the mask of the same width), and a checked read would add a branch per word.
 */

/** 32-bit rotate left by k (0 < k < 32). */
function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** OVS mhash_add: mixes one 32-bit word into `hash`. Returns uint32. */
export function mhashAdd(hash: number, data: number): number {
  // As mhash_add__: a zero word leaves the hash unchanged before the rotate-multiply-add.
  if (data !== 0) {
    data = Math.imul(data, 0xcc9e2d51);
    data = rotl(data, 15);
    data = Math.imul(data, 0x1b873593);
    hash ^= data;
  }
  hash = rotl(hash, 13);
  return (Math.imul(hash, 5) + 0xe6546b64) >>> 0;
}

/** OVS mhash_finish: final avalanche. Returns uint32. */
export function mhashFinish(hash: number): number {
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** OVS hash_finish (portable flavour): mixes in the byte count, then avalanches. */
export function hashFinish(hash: number, final: number): number {
  return mhashFinish(hash ^ final);
}

/** OVS hash_words: hash of words[0..n) from `basis`. Returns uint32. */
export function hashWords(words: Uint32Array, n: number, basis: number): number {
  let hash = basis;
  for (let i = 0; i < n; i++) hash = mhashAdd(hash, words[i]!);
  return hashFinish(hash, n * 4);
}

/**
 * Hash of `key[w] & mask[w]` for each word index w in `indices` (in that order), from
 * `basis`. This is what a classifier subtable hashes: only the words its mask touches.
 *
 * For a key that is already masked (a rule's key), `hashWordsAt(key, indices, basis)` gives
 * the same value, so stored rules and probing packets meet in the same bucket.
 */
export function hashMaskedWords(
  key: Uint32Array,
  mask: Uint32Array,
  indices: Int32Array,
  basis: number,
): number {
  const n = indices.length;
  let hash = basis;
  for (let i = 0; i < n; i++) {
    const w = indices[i]!;
    hash = mhashAdd(hash, key[w]! & mask[w]!);
  }
  return hashFinish(hash, n * 4);
}

/**
 * As hashMaskedWords, with the mask packed: `packedMask[i]` is the mask of word
 * `indices[i]`. Saves one indirection per word; equals
 * `hashMaskedWords(key, mask, indices, basis)` when `packedMask[i] === mask[indices[i]]`,
 * and `hashWords(packed, n, basis)` of the packed masked words.
 */
export function hashMaskedWordsPacked(
  key: Uint32Array,
  indices: Int32Array,
  packedMask: Uint32Array,
  basis: number,
): number {
  const n = indices.length;
  let hash = basis;
  for (let i = 0; i < n; i++) hash = mhashAdd(hash, key[indices[i]!]! & packedMask[i]!);
  return hashFinish(hash, n * 4);
}

/** Hash of `words[w]` for each w in `indices`; equals hashMaskedWords for a masked key. */
export function hashWordsAt(words: Uint32Array, indices: Int32Array, basis: number): number {
  const n = indices.length;
  let hash = basis;
  for (let i = 0; i < n; i++) hash = mhashAdd(hash, words[indices[i]!]!);
  return hashFinish(hash, n * 4);
}

/** OVS hash_int (= hash_2words(x, basis)): hash of one 32-bit integer. Returns uint32. */
export function hashInt(x: number, basis: number): number {
  return hashFinish(mhashAdd(mhashAdd(x, 0), basis), 8);
}

/*
 * The classifier's own hash of a subtable's key words. OVS's murmur mixing (above) chains
 * every word through the running hash, so each subtable a lookup probes pays for mixing all
 * of its words again, though subtables mostly share their words (in_port, metadata, MACs,
 * addresses). Here each word is mixed on its own, together with its position, into a
 * *column value* (`mixColumn`: murmur3's fmix32 of the word xor a per-position salt), and a
 * subtable's hash is the sum of its column values, finished (`finishColumnHash`). A lookup
 * mixes each distinct (word, mask) column once and every probe just adds; a rule's hash
 * comes out the same from its own key words. Sums of independently mixed words collide only
 * by accident (about 2^-32 per pair of keys), unlike a plain sum or xor of the words.
 *
 * It is not OVS's value for the same words: only ovsim's own tables use it. Everything is
 * int32: a hash kept as a small integer stays an unboxed 32-bit value in V8, where an
 * unsigned value >= 2^31 would be a heap number when stored in an object or a plain array.
 * Staged lookup finishes a copy of the partial sum at each stage boundary.
 */

/** The salt of word index `word` in column values (precomputed by hot loops). */
export function columnSalt(word: number): number {
  return Math.imul(word + 1, 0x9e3779b9);
}

/**
 * The column value of `value` (a masked key word) at the word whose salt is `salt`
 * (columnSalt of its index). Returns int32.
 */
export function mixColumn(value: number, salt: number): number {
  let h = value ^ salt;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The multiplicative inverse of odd `k` modulo 2^32 (Newton's iteration; 5 steps suffice). */
function inverse32(k: number): number {
  let x = k;
  for (let i = 0; i < 5; i++) x = Math.imul(x, 2 - Math.imul(k, x));
  return x;
}
const UNMIX_1 = inverse32(0xc2b2ae35);
const UNMIX_2 = inverse32(0x85ebca6b);

/**
 * The masked word whose column value at the word salted `salt` is `h`: mixColumn is a
 * bijection for a given salt (xor-shifts by >= half the width undo themselves, xor-shift 13
 * is undone by shifting 13 and 26, odd multipliers have inverses), so a column value stands
 * for its word. Returns int32.
 */
export function unmixColumn(h: number, salt: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, UNMIX_1);
  h ^= (h >>> 13) ^ (h >>> 26);
  h = Math.imul(h, UNMIX_2);
  h ^= h >>> 16;
  return h ^ salt;
}

/** Finishes a sum of column values into a hash. Returns int32. */
export function finishColumnHash(sum: number): number {
  const h = Math.imul(sum ^ (sum >>> 15), 0x2c1b3c6d);
  return h ^ (h >>> 12);
}
