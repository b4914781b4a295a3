/**
 * sFlow sampling in translation (OVS's compose_sflow_action and
 * fix_sflow_action, ofproto/ofproto-dpif-xlate.c).
 *
 * A bridge with an sFlow agent (`XlateBridge.sflow`) puts, in front of the
 * actions of every packet received on a port (not a thawed one: sampling is
 * done at the first reception; not a packet-out from OFPP_NONE), the action
 * that sends a sample of it to ovs-vswitchd:
 *
 *   sample(sample=P%,actions(userspace(pid=0,sFlow(vid=..,pcp=..,output=..),actions)))
 *
 * with the agent's probability (UINT32_MAX / sampling rate); at sampling rate
 * 1 the probability is UINT32_MAX and the userspace action stands alone. The
 * `actions` flag asks the datapath to pass the flow's actions up with the
 * packet (ofproto-dpif-sflow.c reads the egress tunnel and MPLS stack from
 * them).
 *
 * The cookie is a template until translation ends (fix_sflow_action): the
 * VLAN the packet leaves with (the committed flow's first TCI) and the output
 * word of sFlow's "Input/output port information": no output is
 * 0x40000000 | 256 (dropped, reason unknown); one output is that port's
 * ifindex when the agent knows one; otherwise 0x80000000 | N, N outputs.
 * Outputs are counted by compose_output_action__ (xlate-context.ts
 * `sflowOutputs` / `sflowOdpPort`): every datapath output, tunnel output,
 * tnl_pop and recirculation of an output, patch peers' outputs included.
 */
import { M, readSmall } from "../../flowtable/flow-layout.js";
import { OFPP_NONE } from "../../flowtable/ports.js";
import type { OdpAction } from "./odp-actions.js";
import type { OdpUserspaceAction } from "./odp-userspace.js";
import type { XlateCtx } from "./xlate-context.js";

/** What translation needs of a bridge's sFlow agent (OVS's struct dpif_sflow). */
export interface XlateSflow {
  /** dpif_sflow_get_probability: out of UINT32_MAX (0: sample nothing). */
  readonly probability: number;
  /** dpif_sflow_odp_port_to_ifindex: the sFlow ifindex of a datapath port, 0 when none. */
  ifindex(odpPort: number): number;
}

const UINT32_MAX = 0xffffffff;

/** The composed template: the top-level action to fix, and the userspace action in it. */
export interface SflowTemplate {
  readonly sflow: XlateSflow;
  readonly top: OdpAction;
}

function userspace(vlanTci: number, output: number): OdpUserspaceAction {
  return {
    type: "userspace",
    pid: 0,
    cookie: { kind: "sflow", vid: vlanTci & 0xfff, pcp: (vlanTci >>> 13) & 7, output },
    actions: true,
    tunnelOutPort: null,
  };
}

function wrap(probability: number, u: OdpUserspaceAction): OdpAction {
  return probability < UINT32_MAX ? { type: "sample", probability, actions: [u] } : u;
}

/** compose_sflow_action: appends the template, or returns null when the bridge samples nothing here. */
export function composeSflowAction(ctx: XlateCtx): SflowTemplate | null {
  const sflow = ctx.bridge.sflow;
  if (sflow === undefined || sflow === null) return null;
  if (readSmall(ctx.flow, M.inPort) === OFPP_NONE) return null;
  if (sflow.probability === 0) return null;
  const top = wrap(sflow.probability, userspace(0, 0));
  ctx.odp.push(top);
  return { sflow, top };
}

/** fix_sflow_action: fills the template's cookie from what translation did. */
export function fixSflowAction(ctx: XlateCtx, t: SflowTemplate): void {
  const at = ctx.odp.indexOf(t.top);
  if (at < 0) return;
  let output: number;
  if (ctx.sflowOutputs === 0) output = (0x40000000 | 256) >>> 0;
  else {
    output = ctx.sflowOutputs === 1 ? t.sflow.ifindex(ctx.sflowOdpPort) : 0;
    if (output === 0) output = (0x80000000 | ctx.sflowOutputs) >>> 0;
  }
  const tci = readSmall(ctx.base, M.vlanTci);
  ctx.odp[at] = wrap(t.sflow.probability, userspace(tci, output));
}
