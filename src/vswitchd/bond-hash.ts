/**
 * A bond's hash buckets (ofproto/bond.c's `struct bond_entry` array).
 *
 * A balanced bond (balance-slb, balance-tcp) spreads its traffic by hashing each flow into one
 * of BOND_BUCKETS (256) buckets; each bucket is assigned a member, and every flow that hashes
 * there leaves by it. balance-slb hashes the source MAC and the output VLAN (hash_mac with the
 * bond's hash basis); balance-tcp leaves the hashing to the datapath (`hash(l4(basis))` then
 * recirculation, the post-recirculation rules matching `dp_hash & 0xff`).
 *
 * A bucket with no member, or whose member is disabled, takes the next enabled member in
 * round-robin order (get_enabled_member: OVS's `enabled_members` list rotates by one each time
 * it is asked). The buckets are reset (all unassigned, no load) when the bond is reconfigured
 * in a way that needs revalidation (bond_entry_reset), and each bucket counts the bytes sent
 * through it (tx_bytes) for the rebalancer and for `bond/show`'s "hash N: K kB load".
 */
import { hashFinish, mhashAdd } from "../flowtable/hash.js";

/** BOND_BUCKETS, BOND_MASK. */
export const BOND_BUCKETS = 256;
export const BOND_MASK = BOND_BUCKETS - 1;

/** One bucket (struct bond_entry): its member's name (null: unassigned) and its recent load. */
export interface BondEntry {
  member: string | null;
  txBytes: number;
  /** The post-recirculation rule's byte count last accounted (pr_tx_bytes). */
  prTxBytes: number;
}

/** bond_entry_reset's fresh bucket array. */
export function freshBuckets(): BondEntry[] {
  return Array.from({ length: BOND_BUCKETS }, () => ({ member: null, txBytes: 0, prTxBytes: 0 }));
}

/** What the rebalancer needs of a member. */
export interface RebalanceMember {
  readonly name: string;
  readonly enabled: boolean;
}

/**
 * bond_rebalance's load shifting, on loads already accounted: buckets move from the most to
 * the least loaded enabled member while that helps (an overload of at least ~3% and 100000
 * bytes, and a move that brings the pair at least 10% closer to even: choose_entries_to_migrate).
 * Then every bucket's load halves (the moving average). `members` in OVS's hash-map order.
 * Returns the moves made, as (bucket, from, to), in order.
 */
export function rebalanceBuckets(hash: BondEntry[], members: readonly RebalanceMember[]): [number, string, string][] {
  const tx = new Map<string, number>();
  const entries = new Map<string, number[]>();
  for (const m of members) {
    tx.set(m.name, 0);
    entries.set(m.name, []);
  }
  // Buckets by load, heaviest first (qsort: equal loads in no particular order; ovsim keeps index order).
  const sorted = hash.map((_, i) => i).sort((a, b) => (hash[b]?.txBytes ?? 0) - (hash[a]?.txBytes ?? 0));
  for (const i of sorted) {
    const e = hash[i];
    if (e === undefined || e.member === null || e.txBytes === 0) continue;
    const list = entries.get(e.member);
    if (list === undefined) continue;
    tx.set(e.member, (tx.get(e.member) ?? 0) + e.txBytes);
    list.push(i);
  }
  const load = (n: string): number => tx.get(n) ?? 0;
  // insert_bal: descending by load, a member goes before the first lighter one.
  const bals: string[] = [];
  const insertBal = (n: string): void => {
    const at = bals.findIndex((o) => load(n) > load(o));
    if (at < 0) bals.push(n);
    else bals.splice(at, 0, n);
  };
  for (const m of members) if (m.enabled) insertBal(m.name);
  const moves: [number, string, string][] = [];
  while (bals.length > 1) {
    const from = bals[0] as string;
    const to = bals[bals.length - 1] as string;
    const overload = load(from) - load(to);
    if (overload < Math.floor(load(to) / 32) || overload < 100000) break;
    const picked = chooseEntriesToMigrate(hash, entries.get(from) ?? [], load(from), load(to));
    if (picked.length === 0) {
      bals.shift();
      continue;
    }
    for (const i of picked) {
      const e = hash[i];
      if (e === undefined) continue;
      tx.set(from, load(from) - e.txBytes);
      tx.set(to, load(to) + e.txBytes);
      e.member = to;
      moves.push([i, from, to]);
      const list = entries.get(from) ?? [];
      list.splice(list.indexOf(i), 1);
      for (const n of [from, to]) {
        bals.splice(bals.indexOf(n), 1);
        insertBal(n);
      }
    }
  }
  for (const e of hash) e.txBytes = Math.floor(e.txBytes / 2);
  return moves;
}

/** choose_entries_to_migrate: buckets of `from` (heaviest first) to move to a member carrying `toTx`. */
function chooseEntriesToMigrate(hash: readonly BondEntry[], fromEntries: readonly number[], fromTx: number, toTx: number): number[] {
  if (fromEntries.length <= 1) return [];
  const idealDelta = Math.floor((fromTx + toTx) / 2) - toTx;
  const threshold = Math.floor(idealDelta / 10);
  let delta = 0;
  const out: number[] = [];
  for (const i of fromEntries) {
    const t = hash[i]?.txBytes ?? 0;
    if (delta + t <= idealDelta) {
      out.push(i);
      delta += t;
    }
    if (idealDelta - delta < threshold) break;
  }
  if (out.length === 0) {
    const last = fromEntries[fromEntries.length - 1] as number;
    delta = hash[last]?.txBytes ?? 0;
    out.push(last);
  }
  const newLow = Math.min(fromTx - delta, toTx + delta);
  return newLow > toTx && newLow - toTx >= threshold ? out : [];
}

/** hash_add64 then hash_finish(…, 8): OVS's portable hash_uint64_basis. */
export function hashUint64Basis(lo: number, hi: number, basis: number): number {
  return hashFinish(mhashAdd(mhashAdd(basis >>> 0, lo >>> 0), hi >>> 0), 8);
}

/**
 * OVS's hash_mac (lib/packets.h): hash_uint64_basis of the MAC (48 bits, as a number) with
 * the VLAN in the top 16 bits.
 */
export function hashMac(mac: number, vlan: number, basis: number): number {
  const lo = mac % 0x100000000;
  const hi = (Math.floor(mac / 0x100000000) & 0xffff) | ((vlan & 0xffff) << 16);
  return hashUint64Basis(lo, hi >>> 0, basis);
}

/** Parses an Ethernet address "xx:xx:xx:xx:xx:xx" (ETH_ADDR_SCAN_FMT: hex digits, 1-2 per byte), or null. */
export function parseMac(s: string): number | null {
  const parts = s.split(":");
  if (parts.length !== 6) return null;
  let v = 0;
  for (const p of parts) {
    if (!/^[0-9a-fA-F]{1,2}$/.test(p)) return null;
    v = v * 256 + Number.parseInt(p, 16);
  }
  return v;
}
