/**
 * What translation does for NetFlow (OVS's ofproto-dpif-xlate.c and ofproto/netflow.c's
 * netflow_mask_wc).
 *
 * A bridge that exports NetFlow keeps one record per IPv4 "NetFlow flow": input port,
 * addresses, TOS, protocol and transport ports (the ICMP type and code for ICMP). So that every
 * packet of a datapath flow belongs to one such record, translation un-wildcards those fields
 * of every IPv4 flow from the start (xlate_wc_init): the megaflows of a NetFlow bridge are
 * exact on nw_src, nw_dst, nw_proto, the DSCP bits of nw_tos and tp_src / tp_dst (their low
 * bytes for ICMP, flow_unwildcard_tp_ports), whatever the OpenFlow tables looked at.
 *
 * Each record also carries the output interface, which translation works out as it goes
 * (ctx->nf_output_iface): it starts as NF_OUT_DROP; a datapath output to a port makes it that
 * port; FLOOD, ALL and NORMAL's flooding make it NF_OUT_FLOOD; an output action that outputs
 * to a second port makes it NF_OUT_MULTI (xlate_output_action's rule, which `outputActionDone`
 * applies); enqueue applies its own rule after its output set the port (`enqueueDone`, so
 * one enqueue alone already gives NF_OUT_MULTI, as in OVS). OVS writes these values into the record's 16-bit
 * output field as they are (65535, 65534, 65533).
 */
import { M, readSmall } from "../../flowtable/flow-layout.js";
import { maskMember, unwildcard } from "./xlate-fields.js";

/** OFPP_C(UINT16_MAX): the packet was flooded. */
export const NF_OUT_FLOOD = 0xffff;
/** The packet went out of more than one port. */
export const NF_OUT_MULTI = 0xfffe;
/** The packet was dropped (no output). */
export const NF_OUT_DROP = 0xfffd;

const ETH_TYPE_IP = 0x0800;
const IPPROTO_ICMP = 1;
const IP_DSCP_MASK = 0xfc;

/** OVS's netflow_mask_wc: the fields of an IPv4 flow a NetFlow record is keyed on, exact. */
export function netflowMaskWc(flow: Uint32Array, wc: Uint32Array): void {
  if (readSmall(flow, M.dlType) !== ETH_TYPE_IP) return;
  maskMember(wc, M.nwProto);
  maskMember(wc, M.nwSrc);
  maskMember(wc, M.nwDst);
  if (readSmall(flow, M.nwProto) !== IPPROTO_ICMP) {
    maskMember(wc, M.tpSrc);
    maskMember(wc, M.tpDst);
  } else {
    unwildcard(wc, M.tpSrc, 0xffn);
    unwildcard(wc, M.tpDst, 0xffn);
  }
  unwildcard(wc, M.nwTos, BigInt(IP_DSCP_MASK));
}

/**
 * The end of xlate_output_action: `prev` is the output interface before the action, `now`
 * what the action made it (it started the action at NF_OUT_DROP).
 */
export function outputActionDone(prev: number, now: number): number {
  if (prev === NF_OUT_FLOOD) return NF_OUT_FLOOD;
  if (now === NF_OUT_DROP) return prev;
  if (prev !== NF_OUT_DROP && now !== NF_OUT_FLOOD) return NF_OUT_MULTI;
  return now;
}

/** The end of xlate_enqueue_action: the queue's port `ofport` joins the outputs so far. */
export function enqueueDone(prev: number, ofport: number): number {
  if (prev === NF_OUT_DROP) return ofport;
  if (prev !== NF_OUT_FLOOD) return NF_OUT_MULTI;
  return prev;
}
