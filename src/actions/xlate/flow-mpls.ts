/**
 * The MPLS label stack of a flow, as OVS's lib/flow.c keeps it: up to
 * FLOW_MAX_MPLS_LABELS (3) label stack entries, `mpls_lse[0]` outermost
 * (flow-layout's MPLS_LSE_WORDS). Translation (push_mpls / pop_mpls,
 * with a mask to un-wildcard into) and the commit to datapath actions
 * (without one) share these, so both count and shift the stack the same way.
 *
 * OVS's stack is not a packed list: flow_count_mpls_labels stops at the first
 * entry with the bottom-of-stack bit, and otherwise counts the non-zero
 * entries. A packet with more than three entries keeps the first three, none
 * of them bottom of stack: such a stack can be neither pushed onto nor popped
 * ("Too many MPLS labels").
 */
import { FLOW_L3_L4_END, FLOW_MAX_MPLS_LABELS, M, MPLS_LSE_WORDS, W, readSmall, writeMember } from "../../flowtable/flow-layout.js";
import { XM } from "./odp-metadata.js";
import { ETH_TYPE } from "../../flowtable/protocols.js";

export const MPLS_LABEL_MASK = 0xfffff000;
export const MPLS_TC_MASK = 0x00000e00;
export const MPLS_BOS_MASK = 0x00000100;
export const MPLS_TTL_MASK = 0x000000ff;

export const ETH_TYPE_MPLS = 0x8847;
export const ETH_TYPE_MPLS_MCAST = 0x8848;

export function ethTypeMpls(t: number): boolean {
  return t === ETH_TYPE_MPLS || t === ETH_TYPE_MPLS_MCAST;
}

export function isMplsFlow(flow: Uint32Array): boolean {
  return ethTypeMpls(readSmall(flow, M.dlType));
}

/** Label stack entry `i` (0 = outermost) of `flow`. */
export function lseAt(flow: Uint32Array, i: number): number {
  return (flow[MPLS_LSE_WORDS[i]!] ?? 0) >>> 0;
}

export function setLseAt(flow: Uint32Array, i: number, lse: number): void {
  flow[MPLS_LSE_WORDS[i]!] = lse >>> 0;
}

function orLse(wc: Uint32Array, i: number, bits: number): void {
  setLseAt(wc, i, lseAt(wc, i) | bits);
}

/** OVS's flow_count_mpls_labels: un-wildcards (in `wc`, when given) the BOS bit of each entry it looks at. */
export function countMplsLabels(flow: Uint32Array, wc?: Uint32Array): number {
  if (!isMplsFlow(flow)) return 0;
  let cnt = 0;
  for (let i = 0; i < FLOW_MAX_MPLS_LABELS; i++) {
    if (wc !== undefined) orLse(wc, i, MPLS_BOS_MASK);
    const lse = lseAt(flow, i);
    if ((lse & MPLS_BOS_MASK) !== 0) return i + 1;
    if (lse !== 0) cnt++;
  }
  return cnt;
}

/**
 * OVS's flow_count_common_mpls_labels: how many entries, from the innermost
 * (`an` / `bn` = countMplsLabels of `a` / `b`), the two stacks share.
 */
export function countCommonMplsLabels(a: Uint32Array, an: number, b: Uint32Array, bn: number, wc?: Uint32Array): number {
  const minN = Math.min(an, bn);
  let common = 0;
  for (let i = 0; i < minN; i++) {
    if (wc !== undefined) {
      setLseAt(wc, an - 1 - i, 0xffffffff);
      setLseAt(wc, bn - 1 - i, 0xffffffff);
    }
    if (lseAt(a, an - 1 - i) !== lseAt(b, bn - 1 - i)) break;
    common++;
  }
  return common;
}

/**
 * OVS's flow_push_mpls: a new outermost entry and the MPLS ethertype. `n` is
 * countMplsLabels(flow) and must be below FLOW_MAX_MPLS_LABELS. Onto a stack
 * the new entry copies the old outermost one without BOS; onto a non-MPLS
 * packet it is label 0 (2 for IPv6), the IP DSCP bits as TC (a 3-bit field:
 * the DSCP's low bits) and the IP TTL (64 when zero or not IP), BOS set, and
 * with `clearL3` the now opaque L3/L4 fields and dp_hash are zeroed.
 */
export function flowPushMpls(flow: Uint32Array, n: number, ethType: number, wc: Uint32Array | undefined, clearL3: boolean): void {
  if (n > 0) {
    if (wc !== undefined) for (let i = 0; i < n; i++) setLseAt(wc, i, 0xffffffff);
    for (let i = n; i >= 1; i--) setLseAt(flow, i, lseAt(flow, i - 1));
    setLseAt(flow, 0, lseAt(flow, 1) & ~MPLS_BOS_MASK);
  } else {
    const dlType = readSmall(flow, M.dlType);
    const label = dlType === ETH_TYPE.IPV6 ? 2 : 0; // IPv6 / IPv4 Explicit Null
    let tc = 0;
    let ttl = 64;
    if (dlType === ETH_TYPE.IP || dlType === ETH_TYPE.IPV6) {
      tc = (readSmall(flow, M.nwTos) & 0xfc) >> 2;
      if (wc !== undefined) {
        writeMember(wc, M.nwTos, BigInt(readSmall(wc, M.nwTos) | 0xfc));
        writeMember(wc, M.nwTtl, 0xffn);
      }
      const t = readSmall(flow, M.nwTtl);
      if (t !== 0) ttl = t;
    }
    setLseAt(flow, 0, (label << 12) | ((tc & 7) << 9) | MPLS_BOS_MASK | (ttl & 0xff));
    if (clearL3) {
      flow.fill(0, W.NW_SRC, FLOW_L3_L4_END);
      if (flow.length > XM.dpHash.word) flow[XM.dpHash.word] = 0;
    }
  }
  writeMember(flow, M.dlType, BigInt(ethType));
}

/**
 * OVS's flow_pop_mpls: removes the outermost entry and sets `ethType`; false
 * when there is nothing to pop, or when the stack is full with no BOS (what
 * was below the third entry is unknown).
 */
export function flowPopMpls(flow: Uint32Array, n: number, ethType: number, wc?: Uint32Array): boolean {
  if (n === 0) return false;
  if (n === FLOW_MAX_MPLS_LABELS) {
    if (wc !== undefined) orLse(wc, n - 1, MPLS_BOS_MASK);
    if ((lseAt(flow, n - 1) & MPLS_BOS_MASK) === 0) return false;
  }
  if (wc !== undefined) for (let i = 1; i < n; i++) setLseAt(wc, i, 0xffffffff);
  for (let i = 1; i < n; i++) setLseAt(flow, i - 1, lseAt(flow, i));
  setLseAt(flow, n - 1, 0);
  writeMember(flow, M.dlType, BigInt(ethType));
  return true;
}
