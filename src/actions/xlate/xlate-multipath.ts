/**
 * Translation of `multipath` (OVS's lib/multipath.c `multipath_execute`):
 * hash the flow's selected fields (flow-hash-fields.ts), map the hash to a
 * link 0..n_links-1 with the action's algorithm, un-wildcard the hashed
 * fields and load the link into the destination (OVS's nxm_reg_load).
 *
 * The algorithms, as OVS's `multipath_algorithm`:
 * - modulo_n: hash % n_links;
 * - hash_threshold: hash / (UINT32_MAX / n_links + 1), so each link owns one
 *   contiguous range of hash values;
 * - hrw (highest random weight): the link with the largest
 *   hash_2words(hash, link); above 64 links it is iter_hash with arg 0;
 * - iter_hash: hash_2words(hash, i) % modulo for i = 0, 1, ... until a value
 *   below n_links, where modulo is `arg` when n_links <= arg <= 2 n_links,
 *   else n_links rounded up to a power of 2.
 */
import { hashInt } from "../../flowtable/hash.js";
import type { MultipathAction } from "../action-types.js";
import { flowHashFields, flowMaskHashFields } from "./flow-hash-fields.js";
import { maskSubfield, writeSubfield } from "./xlate-fields.js";

/** OVS's hash_2words(x, y), which is hash_int(x, y). */
function hash2Words(x: number, y: number): number {
  return hashInt(x >>> 0, y >>> 0);
}

function roundUpPow2(x: number): number {
  let v = x - 1;
  v |= v >>> 1;
  v |= v >>> 2;
  v |= v >>> 4;
  v |= v >>> 8;
  return v + 1;
}

function iterHash(hash: number, nLinks: number, arg: number): number {
  let modulo = arg;
  if (modulo < nLinks || Math.floor(modulo / 2) > nLinks) modulo = roundUpPow2(nLinks);
  for (let i = 0; ; i++) {
    const link = hash2Words(hash, i) % modulo;
    if (link < nLinks) return link;
  }
}

function hrw(hash: number, nLinks: number): number {
  let best = 0;
  let bestWeight = hash2Words(hash, 0);
  for (let link = 1; link < nLinks; link++) {
    const w = hash2Words(hash, link);
    if (w > bestWeight) {
      best = link;
      bestWeight = w;
    }
  }
  return best;
}

/** OVS's multipath_algorithm: the link for `hash` among `nLinks`. */
export function multipathLink(hash: number, algorithm: MultipathAction["algorithm"], nLinks: number, arg: number): number {
  switch (algorithm) {
    case "modulo_n":
      return hash % nLinks;
    case "hash_threshold":
      return nLinks === 1 ? 0 : Math.floor(hash / (Math.floor(0xffffffff / nLinks) + 1));
    case "hrw":
      return nLinks <= 64 ? hrw(hash, nLinks) : iterHash(hash, nLinks, 0);
    case "iter_hash":
      return iterHash(hash, nLinks, arg);
  }
}

/** OVS's multipath_execute on the translation flow and megaflow mask. */
export function multipathExecute(a: MultipathAction, flow: Uint32Array, wc: Uint32Array): void {
  const hash = flowHashFields(flow, a.fields, a.basis);
  const link = multipathLink(hash, a.algorithm, a.maxLink + 1, a.arg);
  flowMaskHashFields(flow, wc, a.fields);
  loadSubfield(a.dst, BigInt(link), flow, wc);
}

/** OVS's nxm_reg_load: the low bits of `value` into `dst`, un-wildcarding it. */
export function loadSubfield(dst: MultipathAction["dst"], value: bigint, flow: Uint32Array, wc: Uint32Array): void {
  maskSubfield(wc, dst);
  writeSubfield(flow, dst, value & ((1n << BigInt(dst.nBits)) - 1n));
}
