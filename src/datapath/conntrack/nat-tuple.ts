/**
 * Choosing a NATted connection's reply tuple (OVS's nat_get_unique_tuple
 * and its helpers in lib/conntrack.c).
 *
 * What the `nat(...)` of a committing ct action asks for becomes a
 * `NatInfo` (dpif-netdev's nat_action_info_t): SRC or DST, an address range
 * (min..max; max defaults to min), a port range (which adds SRC_PORT or
 * DST_PORT). A bare `nat` is a NatInfo with no bits at all: it reverses an
 * existing mapping, and on a new connection OVS still runs the tuple choice
 * with it (the reply key's source address becomes 0.0.0.0 — OVS's own
 * behaviour, kept).
 *
 * The reply key is the forward key reversed, then:
 * - SNAT: its destination address is an address of the range (the original
 *   source when none is given); its destination port is the original
 *   source port if free, else the next free one in the port range, or with
 *   no range in 1-511, 600-1023 or 1024-65535 after the original port's
 *   class (the original port is tried first even outside the range);
 * - DNAT: its source address is an address of the range; its source port is
 *   from the port range if one is given (else the original destination
 *   port); if no free tuple is found that way, the reply's destination port
 *   (the original source port) is moved in the ephemeral classes as SNAT does.
 * "Free" means no live connection has that key. An address (or a port of a
 * range) is picked by a hash of the key and the range: OVS salts it with a
 * random basis, ovsim with a fixed one, so which one is picked is
 * deterministic here and random in OVS. After 128 tries a range is retried
 * from a random point with half as many tries (a seeded generator here).
 *
 * Not a hot path: it runs once per new NATted connection (IPv6 address
 * arithmetic uses bigint).
 */
import type { OdpNat } from "../../actions/xlate/odp-ct.js";
import { mhashAdd, mhashFinish } from "../../flowtable/hash.js";
import { IPPROTO_TCP, IPPROTO_UDP, NAT_ACTION } from "./ct-consts.js";
import type { ConnKey } from "./conn-key.js";

/** OVS's struct nat_action_info_t. */
export interface NatInfo {
  /** NAT_ACTION_* bits; 0 for a bare `nat`. */
  readonly natAction: number;
  /** Address range as 4 words each (IPv4 in word 0); all zero: none. */
  readonly minAddr: Uint32Array;
  readonly maxAddr: Uint32Array;
  readonly minPort: number;
  readonly maxPort: number;
}

const natInfoCache = new WeakMap<OdpNat, NatInfo>();

function v6Words(v: bigint): Uint32Array {
  const w = new Uint32Array(4);
  for (let i = 0; i < 4; i++) w[i] = Number((v >> BigInt(96 - 32 * i)) & 0xffffffffn);
  return w;
}

/** dpif-netdev's reading of OVS_CT_ATTR_NAT: the NatInfo of a datapath `nat(...)` (cached per action). */
export function natInfoOf(n: OdpNat): NatInfo {
  const cached = natInfoCache.get(n);
  if (cached !== undefined) return cached;
  let natAction = n.kind === "src" ? NAT_ACTION.SRC : n.kind === "dst" ? NAT_ACTION.DST : 0;
  let minAddr: Uint32Array = new Uint32Array(4);
  let maxAddr: Uint32Array = new Uint32Array(4);
  if (n.addrs !== null) {
    if (n.addrs.v === 4) {
      minAddr[0] = n.addrs.min >>> 0;
      maxAddr[0] = (n.addrs.max !== 0 ? n.addrs.max : n.addrs.min) >>> 0;
    } else {
      minAddr = v6Words(n.addrs.min);
      maxAddr = v6Words(n.addrs.max !== 0n ? n.addrs.max : n.addrs.min);
    }
  }
  const minPort = n.protoMin;
  const maxPort = n.protoMin !== 0 && n.protoMax === 0 ? n.protoMin : n.protoMax;
  if (n.protoMin !== 0 || n.protoMax !== 0) {
    if ((natAction & NAT_ACTION.SRC) !== 0) natAction |= NAT_ACTION.SRC_PORT;
    else if ((natAction & NAT_ACTION.DST) !== 0) natAction |= NAT_ACTION.DST_PORT;
  }
  const info: NatInfo = { natAction, minAddr, maxAddr, minPort, maxPort };
  natInfoCache.set(n, info);
  return info;
}

/** OVS's MIN/MAX_NAT_EPHEMERAL_PORT. */
const MIN_NAT_EPHEMERAL_PORT = 1024;
const MAX_NAT_EPHEMERAL_PORT = 65535;

/** OVS's nat_range_hash (with ovsim's fixed basis). */
function natRangeHash(fwd: ConnKey, basis: number, ni: NatInfo): number {
  let h = basis;
  for (let i = 0; i < 4; i++) h = mhashAdd(h, ni.minAddr[i]!);
  for (let i = 0; i < 4; i++) h = mhashAdd(h, ni.maxAddr[i]!);
  h = mhashAdd(h, ((ni.maxPort << 16) | ni.minPort) >>> 0);
  for (let i = 0; i < 12; i++) h = mhashAdd(h, fwd.w[i]!);
  return mhashFinish(h);
}

function isZero(a: Uint32Array): boolean {
  return a[0] === 0 && a[1] === 0 && a[2] === 0 && a[3] === 0;
}

function toBig(a: Uint32Array): bigint {
  let v = 0n;
  for (let i = 0; i < 4; i++) v = (v << 32n) | BigInt(a[i]!);
  return v;
}

/** OVS's nat_ipv6_addrs_delta: max - min, capped at 0xfffffffe. */
function ipv6Delta(min: Uint32Array, max: Uint32Array): number {
  const d = toBig(max) - toBig(min);
  if (d < 0n || d > 0xfffffffen) return 0xfffffffe;
  return Number(d);
}

/** OVS's find_addr + get_addr_in_range: the NAT address (4 words). */
function findAddr(fwd: ConnKey, ni: NatInfo, hash: number, out: Uint32Array): void {
  out.fill(0);
  if (isZero(ni.minAddr)) {
    if ((ni.natAction & NAT_ACTION.SRC) !== 0) for (let i = 0; i < 4; i++) out[i] = fwd.src(i);
    else if ((ni.natAction & NAT_ACTION.DST) !== 0) for (let i = 0; i < 4; i++) out[i] = fwd.dst(i);
    return;
  }
  if (fwd.isIpv4) {
    const range = ((ni.maxAddr[0]! - ni.minAddr[0]!) >>> 0) + 1;
    out[0] = (ni.minAddr[0]! + (hash % range)) >>> 0;
    return;
  }
  const range = ipv6Delta(ni.minAddr, ni.maxAddr) + 1;
  const v = toBig(ni.minAddr) + BigInt(hash % range);
  for (let i = 0; i < 4; i++) out[i] = Number((v >> BigInt(96 - 32 * i)) & 0xffffffffn);
}

/** A port range with the port to try first. */
interface PortRange {
  curr: number;
  min: number;
  max: number;
}

/** OVS's set_sport_range. */
function sportRange(ni: NatInfo, fwd: ConnKey, hash: number, r: PortRange): void {
  if ((ni.natAction & (NAT_ACTION.SRC | NAT_ACTION.SRC_PORT)) === NAT_ACTION.SRC || (ni.natAction & NAT_ACTION.DST) !== 0) {
    r.curr = fwd.srcPort;
    if (r.curr < 512) {
      r.min = 1;
      r.max = 511;
    } else if (r.curr < 1024) {
      r.min = 600;
      r.max = 1023;
    } else {
      r.min = MIN_NAT_EPHEMERAL_PORT;
      r.max = MAX_NAT_EPHEMERAL_PORT;
    }
  } else {
    r.min = ni.minPort;
    r.max = ni.maxPort;
    r.curr = (r.min + (hash % (r.max - r.min + 1))) & 0xffff;
  }
}

/** OVS's set_dport_range. */
function dportRange(ni: NatInfo, fwd: ConnKey, hash: number, r: PortRange): void {
  if ((ni.natAction & NAT_ACTION.DST_PORT) !== 0) {
    r.min = ni.minPort;
    r.max = ni.maxPort;
    r.curr = (r.min + (hash % (r.max - r.min + 1))) & 0xffff;
  } else {
    r.curr = fwd.dstPort;
    r.min = r.max = r.curr;
  }
}

/** Whether a live connection already has key `k`. */
export type KeyInUse = (k: ConnKey) => boolean;

/**
 * OVS's nat_get_unique_l4: sets the port of `rev` (`which`: its source or
 * destination) to the first port from `r.curr` in `r.min..r.max` that makes
 * the key free. False (port restored) when none is.
 */
function uniqueL4(rev: ConnKey, which: "src" | "dst", r: PortRange, inUse: KeyInUse, random: () => number): boolean {
  const MAX_ATTEMPTS = 128;
  const range = (r.max - r.min + 1) & 0xffff;
  const orig = r.curr;
  let curr = r.curr;
  let attempts = Math.min(range, MAX_ATTEMPTS);
  const set = which === "src" ? (p: number): void => rev.setSrcPort(p) : (p: number): void => rev.setDstPort(p);
  for (;;) {
    let i = 0;
    // FOR_EACH_PORT_IN_RANGE: an out-of-range first port counts as one more attempt.
    const inRange = (c: number): boolean => c >= r.min && c <= r.max;
    let n = (inRange(curr) ? r.max - r.min + 1 : r.max - r.min + 2) & 0xffff;
    for (; n > 0; n--) {
      if (i++ >= attempts) break;
      set(curr);
      if (!inUse(rev)) return true;
      curr = !inRange(curr) || curr === r.max ? r.min : curr + 1;
    }
    if (attempts < range && attempts >= 16) {
      attempts = Math.floor(attempts / 2);
      curr = r.min + (random() % range);
      continue;
    }
    break;
  }
  set(orig);
  return false;
}

/**
 * OVS's nat_get_unique_tuple: fills `rev` (the reverse of `fwd` on entry)
 * with the NATted reply tuple. False when the tuple space is exhausted.
 */
export function natGetUniqueTuple(fwd: ConnKey, rev: ConnKey, ni: NatInfo, basis: number, inUse: KeyInUse, random: () => number): boolean {
  const patProto = fwd.proto === IPPROTO_TCP || fwd.proto === IPPROTO_UDP;
  const hash = natRangeHash(fwd, basis, ni);
  const addr = new Uint32Array(4);
  findAddr(fwd, ni, hash, addr);
  const sport: PortRange = { curr: 0, min: 0, max: 0 };
  const dport: PortRange = { curr: 0, min: 0, max: 0 };
  sportRange(ni, fwd, hash, sport);
  dportRange(ni, fwd, hash, dport);
  if (patProto) {
    rev.setSrcPort(dport.curr);
    rev.setDstPort(sport.curr);
  }
  // store_addr_to_key: SNAT changes the reply's destination, anything else its source.
  const base = (ni.natAction & NAT_ACTION.SRC) !== 0 ? 5 : 0;
  for (let i = 0; i < 4; i++) rev.w[base + i] = addr[i]!;
  if (!patProto) return !inUse(rev);
  let found = false;
  if ((ni.natAction & NAT_ACTION.DST_PORT) !== 0) found = uniqueL4(rev, "src", dport, inUse, random);
  if (!found) found = uniqueL4(rev, "dst", sport, inUse, random);
  return found;
}
