/**
 * Datapath-visible packet metadata that OpenFlow cannot match, so the flow key
 * (`flow-layout.ts`) has no member for it, but that translation changes and
 * commits to the datapath all the same:
 *
 * - `skb_priority` (OVS's `flow->skb_priority`): the queue chosen by
 *   `set_queue` / `enqueue`, committed as `set(skb_priority(...))`;
 * - `recirc_id` and `dp_hash`: set by the datapath when a packet recirculates
 *   (`hash(...),recirc(N)` of a select group);
 * - the TPID of each VLAN header (OVS's `flow->vlans[i].tpid`): 0x8100, or
 *   0x88a8 after `push_vlan:0x88a8`, printed as `push_vlan(tpid=0x88a8,...)`;
 * - the outer TOS and TTL of a tunnelled packet (OVS's `flow->tunnel.ip_tos`
 *   and `ip_ttl`) and its UDP ports (`tp_src`, `tp_dst`): what the tunnel vport
 *   or tnl_pop read from the outer headers, and what tnl_port_send chooses for
 *   a tunnel output. `ofproto/trace` prints the first two as `tun_tos=` /
 *   `tun_ttl=`; a tunnel packet's megaflow matches the TOS exactly (tnl_wc_init).
 *
 * A *translation flow* is a flow key followed by these words
 * (`XLATE_FLOW_WORDS` long). Code that only knows flow keys keeps working on
 * the first `FLOW_WORDS` words; a plain `FLOW_WORDS`-long key reads as
 * priority 0 and 802.1Q headers (typed arrays answer `undefined` past their
 * end, and ignore writes there). A TPID of 0 means 0x8100, so keys built from
 * matches need no fix-up.
 *
 * skb_priority and the outer TOS / TTL are match fields too (ofproto/trace reads them):
 * flow-layout.ts places them (DPM), for the field registry. Should the flow layout grow
 * these members, only this file and DPM change.
 */
import type { FlowMember } from "../../flowtable/flow-layout.js";
import { DATAPATH_METADATA_WORDS, DPM, FLOW_WORDS } from "../../flowtable/flow-layout.js";

/** Length of a translation flow: the flow key plus the datapath-only words below. */
export const XLATE_FLOW_WORDS = FLOW_WORDS + DATAPATH_METADATA_WORDS;

export const ETH_TYPE_VLAN_8021Q = 0x8100;
export const ETH_TYPE_VLAN_8021AD = 0x88a8;

/** Datapath-only members, addressed like `M` members (`readSmall`, `writeMember`). */
export const XM = {
  skbPriority: DPM.skbPriority,
  /** TPID of the outer VLAN header (vlans[0]); 0 reads as 0x8100. */
  vlanTpid: { name: "vlan_tpid", word: FLOW_WORDS + 1, shift: 16, bits: 16 },
  /** TPID of the inner VLAN header (vlans[1]); 0 reads as 0x8100. */
  vlanTpid1: { name: "vlan_tpid1", word: FLOW_WORDS + 1, shift: 0, bits: 16 },
  /** The recirculation id a packet re-enters the datapath with (0: a fresh packet). */
  recircId: { name: "recirc_id", word: FLOW_WORDS + 2, shift: 0, bits: 32 },
  /** The dp_hash the datapath's `hash(...)` action computed (0: none). */
  dpHash: { name: "dp_hash", word: FLOW_WORDS + 3, shift: 0, bits: 32 },
  /** The tunnel's outer IP TOS (flow->tunnel.ip_tos). */
  tunTos: DPM.tunTos,
  /** The tunnel's outer IP TTL (flow->tunnel.ip_ttl). */
  tunTtl: DPM.tunTtl,
  /**
   * The tunnel's outer UDP ports (flow->tunnel.tp_src / tp_dst): never matched (tnl_wc_init
   * leaves them wildcarded), but a tunnel output keeps the received tp_src in its key.
   */
  tunTpSrc: { name: "tun_tp_src", word: FLOW_WORDS + 5, shift: 16, bits: 16 },
  tunTpDst: { name: "tun_tp_dst", word: FLOW_WORDS + 5, shift: 0, bits: 16 },
} as const satisfies Record<string, FlowMember>;

/** A translation flow holding `key` (a flow key or a translation flow), metadata zero. */
export function xlateFlowOf(key: Uint32Array): Uint32Array {
  const out = new Uint32Array(XLATE_FLOW_WORDS);
  out.set(key.length > XLATE_FLOW_WORDS ? key.subarray(0, XLATE_FLOW_WORDS) : key);
  return out;
}

/** The TPID of VLAN header `i` (0 outer, 1 inner), 0x8100 when unset. */
export function vlanTpid(flow: Uint32Array, i: 0 | 1): number {
  const w = flow[XM.vlanTpid.word] ?? 0;
  const tpid = i === 0 ? w >>> 16 : w & 0xffff;
  return tpid === 0 ? ETH_TYPE_VLAN_8021Q : tpid;
}
