/**
 * The datapath's `hash(...)` action: the dp_hash value OVS's userspace
 * datapath stores in a packet's metadata (lib/odp-execute.c,
 * OVS_ACTION_ATTR_HASH), computed from the packet's flow key:
 *
 * - `hash(l4(B))`: hash_int(rss, B), where rss is the packet's RSS hash; a
 *   dummy/userspace port gives none, so dpif-netdev computes it on input as
 *   miniflow_hash_5tuple(flow, 0) (lib/flow.c: IPv4/ARP addresses or IPv6
 *   addresses, then nw_proto, then both ports for TCP/UDP/SCTP/ICMP/ICMPv6);
 * - `hash(sym_l4(B))`: flow_hash_symmetric_l3l4(flow, B, false): src^dst
 *   addresses, nw_proto, and tp_src^tp_dst for unfragmented TCP/SCTP; non-IP
 *   packets hash their L2 header symmetrically (flow_hash_symmetric_l2).
 *
 * OVS hashes the in-memory (network byte order) words of struct flow as
 * little-endian host words, so every big-endian field is byte-swapped here.
 * The hash primitives are OVS's portable ones (lib/hash.h without SSE4.2),
 * which is what the Debian build of OVS 3.1 uses.
 */
import { M, readSmall } from "../flowtable/flow-layout.js";
import { hashFinish, hashInt, mhashAdd } from "../flowtable/hash.js";
import { ETH_TYPE, IPPROTO } from "../flowtable/protocols.js";

import type { DpHashAlg } from "../actions/xlate/odp-actions.js";


function bswap32(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}
function bswap16(x: number): number {
  return ((x & 0xff) << 8) | ((x >>> 8) & 0xff);
}

/** hash_add64 of the two 64-bit halves of an IPv6 address at `word` (4 words, most significant first). */
function addIpv6(hash: number, words: (i: number) => number): number {
  let h = hash;
  for (let half = 0; half < 2; half++) {
    // A u64 in memory order: bytes 0-3 are the low host word, bytes 4-7 the high one.
    h = mhashAdd(h, bswap32(words(2 * half)));
    h = mhashAdd(h, bswap32(words(2 * half + 1)));
  }
  return h;
}

/** OVS's miniflow_hash_5tuple / flow_hash_5tuple. */
export function flowHash5Tuple(flow: Uint32Array, basis: number): number {
  let hash = basis >>> 0;
  const dlType = readSmall(flow, M.dlType);
  if (dlType === ETH_TYPE.IPV6) {
    hash = addIpv6(hash, (i) => flow[M.ipv6Src.word + i] ?? 0);
    hash = addIpv6(hash, (i) => flow[M.ipv6Dst.word + i] ?? 0);
  } else if (dlType === ETH_TYPE.IP || dlType === ETH_TYPE.ARP) {
    hash = mhashAdd(hash, bswap32(readSmall(flow, M.nwSrc)));
    hash = mhashAdd(hash, bswap32(readSmall(flow, M.nwDst)));
  } else {
    return hashFinish(hash, 42);
  }
  const proto = readSmall(flow, M.nwProto);
  hash = mhashAdd(hash, proto);
  if (proto === IPPROTO.TCP || proto === IPPROTO.UDP || proto === IPPROTO.SCTP || proto === IPPROTO.ICMP || proto === IPPROTO.ICMPV6) {
    const ports = (bswap16(readSmall(flow, M.tpSrc)) | (bswap16(readSmall(flow, M.tpDst)) << 16)) >>> 0;
    hash = mhashAdd(hash, ports);
  }
  return hashFinish(hash, 42);
}

/** OVS's flow_hash_symmetric_l2. */
export function flowHashSymmetricL2(flow: Uint32Array, basis: number): number {
  const src = flow[M.dlSrc.word] ?? 0;
  const srcLo = flow[M.dlSrc.word + 1] ?? 0;
  const dst = flow[M.dlDst.word] ?? 0;
  const dstLo = flow[M.dlDst.word + 1] ?? 0;
  // The MAC xor as 6 bytes: (hi16)(lo32).
  const x0 = (src ^ dst) & 0xffff;
  const x1 = (srcLo ^ dstLo) >>> 0;
  const mac = [(x0 >>> 8) & 0xff, x0 & 0xff, (x1 >>> 24) & 0xff, (x1 >>> 16) & 0xff, (x1 >>> 8) & 0xff, x1 & 0xff];
  const tci = (readSmall(flow, M.vlanTci) ^ readSmall(flow, M.vlanTci1)) & 0x0fff;
  const dlType = readSmall(flow, M.dlType);
  // struct { be16 eth_type; be16 vlan_tci; eth_addr; be16 pad } as three little-endian words.
  const w0 = (bswap16(dlType) | (bswap16(tci) << 16)) >>> 0;
  const w1 = (mac[0]! | (mac[1]! << 8) | (mac[2]! << 16) | (mac[3]! << 24)) >>> 0;
  const w2 = (mac[4]! | (mac[5]! << 8)) >>> 0;
  let hash = basis >>> 0;
  hash = mhashAdd(hash, w0);
  hash = mhashAdd(hash, w1);
  hash = mhashAdd(hash, w2);
  return hashFinish(hash, basis >>> 0);
}

/** OVS's flow_hash_symmetric_l3l4(flow, basis, false). */
export function flowHashSymmetricL3L4(flow: Uint32Array, basis: number): number {
  let hash = basis >>> 0;
  const dlType = readSmall(flow, M.dlType);
  if (dlType === ETH_TYPE.IP) {
    hash = mhashAdd(hash, bswap32((readSmall(flow, M.nwSrc) ^ readSmall(flow, M.nwDst)) >>> 0));
  } else if (dlType === ETH_TYPE.IPV6) {
    hash = addIpv6(hash, (i) => ((flow[M.ipv6Src.word + i] ?? 0) ^ (flow[M.ipv6Dst.word + i] ?? 0)) >>> 0);
  } else {
    return flowHashSymmetricL2(flow, basis);
  }
  const proto = readSmall(flow, M.nwProto);
  hash = mhashAdd(hash, proto);
  if ((readSmall(flow, M.nwFrag) & 3) === 0 && (proto === IPPROTO.TCP || proto === IPPROTO.SCTP)) {
    hash = mhashAdd(hash, bswap16(readSmall(flow, M.tpSrc) ^ readSmall(flow, M.tpDst)));
  }
  return hashFinish(hash, basis >>> 0);
}

/** The dp_hash a packet with flow key `flow` gets from `hash(alg(basis))` in dpif-netdev (first pass). */
export function dpHash(flow: Uint32Array, alg: DpHashAlg, basis: number): number {
  if (alg === "sym_l4") return flowHashSymmetricL3L4(flow, basis);
  return hashInt(flowHash5Tuple(flow, 0), basis >>> 0);
}
