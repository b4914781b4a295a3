/**
 * THE table of per-action functions, keyed by action type (OVS's OFPACTS list
 * with its parse_XXX / format_XXX / check_XXX / encode_XXX functions). The
 * mapped type makes a type without a row, or a row of the wrong shape, a
 * compile error; `opOf` is the one place that looks a row up.
 */
import type { ActionOp } from "./action-op.js";
import type { Action, ActionOf, ActionType } from "./action-types.js";
import { ct, nat } from "./ct-actions.js";
import { regMove, setField } from "./field-actions.js";
import { deleteField } from "./delete-field-action.js";
import {
  decTtl,
  setEthDst,
  setEthSrc,
  setIpDscp,
  setIpEcn,
  setIpTtl,
  setIpv4Dst,
  setIpv4Src,
  setL4DstPort,
  setL4SrcPort,
} from "./header-actions.js";
import { learn } from "./learn-action.js";
import { multipath } from "./multipath-action.js";
import { bundle } from "./bundle-action.js";
import { sample } from "./sample-action.js";
import { checkPktLarger } from "./check-pkt-larger-action.js";
import { debugRecirc, debugSlow } from "./debug-actions.js";
import { clone, conjunction, ctClear, exit, finTimeout, note, popQueue, setQueue, setTunnel } from "./misc-actions.js";
import { controller, enqueue, group, output, outputReg, outputTrunc } from "./output-actions.js";
import { clearActions, gotoTable, meter, resubmit, writeActions, writeMetadata } from "./table-actions.js";
import { decMplsTtl, popMpls, pushMpls, setMplsLabel, setMplsTc, setMplsTtl } from "./mpls-actions.js";
import { pushVlan, setVlanPcp, setVlanVid, stripVlan } from "./vlan-actions.js";
import { stackPop, stackPush } from "./stack-actions.js";

type ActionOps = { readonly [T in ActionType]: ActionOp<ActionOf<T>> };

/** In OVS's OFPACTS order: when two rows share a keyword, the first one parses it. */
export const ACTION_OPS: ActionOps = {
  output,
  group,
  controller,
  enqueue,
  output_reg: outputReg,
  set_field: setField,
  set_vlan_vid: setVlanVid,
  set_vlan_pcp: setVlanPcp,
  strip_vlan: stripVlan,
  push_vlan: pushVlan,
  set_eth_src: setEthSrc,
  set_eth_dst: setEthDst,
  set_ipv4_src: setIpv4Src,
  set_ipv4_dst: setIpv4Dst,
  set_ip_dscp: setIpDscp,
  set_ip_ecn: setIpEcn,
  set_ip_ttl: setIpTtl,
  set_l4_src_port: setL4SrcPort,
  set_l4_dst_port: setL4DstPort,
  reg_move: regMove,
  stack_push: stackPush,
  stack_pop: stackPop,
  dec_ttl: decTtl,
  set_mpls_label: setMplsLabel,
  set_mpls_tc: setMplsTc,
  set_mpls_ttl: setMplsTtl,
  dec_mpls_ttl: decMplsTtl,
  push_mpls: pushMpls,
  pop_mpls: popMpls,
  delete_field: deleteField,
  set_tunnel: setTunnel,
  set_queue: setQueue,
  pop_queue: popQueue,
  fin_timeout: finTimeout,
  resubmit,
  bundle,
  learn,
  conjunction,
  multipath,
  note,
  exit,
  ct,
  ct_clear: ctClear,
  nat,
  sample,
  output_trunc: outputTrunc,
  clone,
  check_pkt_larger: checkPktLarger,
  debug_recirc: debugRecirc,
  debug_slow: debugSlow,
  meter,
  clear_actions: clearActions,
  write_actions: writeActions,
  write_metadata: writeMetadata,
  goto_table: gotoTable,
};

/** The row for an action. */
export function opOf<A extends Action>(a: A): ActionOp<A> {
  // The mapped type guarantees ACTION_OPS[a.type] handles exactly ActionOf<typeof a.type>.
  return ACTION_OPS[a.type] as unknown as ActionOp<A>;
}

/** Rows by the keyword that parses them (OVS's `ofpact_type_from_name`, case-insensitive). */
export const OPS_BY_KEYWORD: ReadonlyMap<string, ActionOp<Action>> = (() => {
  const m = new Map<string, ActionOp<Action>>();
  for (const op of Object.values(ACTION_OPS) as ActionOp<Action>[]) {
    if (!m.has(op.name)) m.set(op.name, op);
  }
  return m;
})();
