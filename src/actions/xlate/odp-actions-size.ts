/**
 * How big datapath actions are in OVS's Netlink form, and the limits OVS puts
 * on them (ofproto-dpif-xlate.c):
 *
 * - while translating, a resubmit that finds more than UINT16_MAX bytes of
 *   actions already composed stops translation (xlate_resubmit_resource_check:
 *   "resubmits yielded over 64 kB of actions", not an error);
 * - at the end, actions too big for one Netlink attribute (nl_attr_oversized:
 *   more than 65531 bytes), or with more outputs than the kernel's
 *   netdev_max_backlog (1000 unless /proc says otherwise; every output is 8
 *   bytes), make the flow slow-pathed (SLOW_ACTION: no datapath flow, "Uses
 *   action(s) not supported by datapath").
 *
 * A Netlink attribute is a 4-byte header and its payload padded to 4 bytes.
 * The sizes are those of OVS's encodings (odp_put_* and commit_*): exact for
 * outputs, VLAN and MPLS actions, recirc, hash, meter, trunc and the nested
 * lists; the sizes of set(), userspace, ct and tnl_push are close estimates
 * (their variable parts as ovsim keeps them), enough for limits measured in
 * tens of kilobytes.
 */
import type { OdpAction } from "./odp-actions.js";

/** nl_attr_oversized's bound on a payload. */
export const NL_ATTR_MAX_PAYLOAD = 0xffff - 4;
/** UINT16_MAX: xlate_resubmit_resource_check's bound on the actions composed so far. */
export const XLATE_ACTIONS_MAX = 0xffff;
/** netdev_max_backlog's default (the sandbox's value too). */
export const NETDEV_MAX_BACKLOG = 1000;
/** NL_A_U32_SIZE: one output action. */
const NL_A_U32_SIZE = 8;

function nla(payload: number): number {
  return 4 + ((payload + 3) & ~3);
}

/** Netlink bytes of one action. */
export function odpActionSize(a: OdpAction): number {
  switch (a.type) {
    case "output":
    case "recirc":
    case "meter":
    case "trunc":
    case "tnl_pop":
      return nla(4);
    case "push_vlan":
      return nla(4);
    case "pop_vlan":
    case "ct_clear":
    case "drop":
      return nla(0);
    case "push_mpls":
      return nla(6);
    case "pop_mpls":
      return nla(2);
    case "set_mpls":
      return nla(nla(4));
    case "hash":
      return nla(8);
    case "clone":
      return nla(odpActionsSize(a.actions));
    case "sample":
      return nla(nla(4) + nla(odpActionsSize(a.actions)));
    case "check_pkt_len":
      return nla(nla(2) + nla(odpActionsSize(a.greater)) + nla(odpActionsSize(a.lessEqual)));
    case "set":
      // A key attribute (and its mask) inside the set: ovs_key_ipv6's 40 bytes at most.
      return nla(nla(a.masked ? 80 : 40));
    case "set_tunnel":
      return nla(nla(64));
    case "userspace":
      return nla(nla(4) + nla(48));
    case "ct":
      return nla(64);
    case "tnl_push":
      return nla(120);
  }
}

/** Netlink bytes of an action list. */
export function odpActionsSize(list: readonly OdpAction[]): number {
  let n = 0;
  for (const a of list) n += odpActionSize(a);
  return n;
}

function countOutputs(list: readonly OdpAction[]): number {
  let n = 0;
  for (const a of list) {
    if (a.type === "output") n++;
    else if (a.type === "clone") n += countOutputs(a.actions);
    else if (a.type === "sample") n += countOutputs(a.actions);
    else if (a.type === "check_pkt_len") n += countOutputs(a.greater) + countOutputs(a.lessEqual);
  }
  return n;
}

/** xlate_actions' end: actions too big for Netlink, or too many outputs (too_many_output_actions), go to the slow path. */
export function odpActionsNeedSlowPath(list: readonly OdpAction[]): boolean {
  const size = odpActionsSize(list);
  if (size > NL_ATTR_MAX_PAYLOAD) return true;
  return size / NL_A_U32_SIZE > NETDEV_MAX_BACKLOG && countOutputs(list) > NETDEV_MAX_BACKLOG;
}

/**
 * The size of a list that only grows between checks, measured incrementally (the resubmit
 * check runs at every resubmit): a list that is another one or shrank is measured again.
 */
export class GrowingSize {
  private list: readonly OdpAction[] | null = null;
  private counted = 0;
  private bytes = 0;

  of(list: readonly OdpAction[]): number {
    if (list !== this.list || list.length < this.counted) {
      this.list = list;
      this.counted = 0;
      this.bytes = 0;
    }
    for (; this.counted < list.length; this.counted++) this.bytes += odpActionSize(list[this.counted] as OdpAction);
    return this.bytes;
  }
}
