/**
 * Translation of `sample(...)` (OVS's xlate_sample_action with
 * compose_sample_action): per-flow IPFIX sampling.
 *
 * - Nothing at all unless the bridge exports IPFIX (`XlateBridge.ipfix`): a
 *   bridge without a Flow_Sample_Collector_Set (with an IPFIX target) naming
 *   it translates sample to no datapath action. With one, every sample
 *   action samples, whatever collector_set_id it names.
 * - The 16-bit probability becomes the same fraction of UINT32_MAX
 *   (`p << 16 | p`); at 65535 (100%) the action is a bare
 *   `userspace(pid=0,flow_sample(...))`, else it is wrapped in
 *   `sample(sample=P%,actions(...))`.
 * - sampling_port names the output port the sample describes (`output_port`
 *   in the cookie, a datapath port), unless it is the input port; a port the
 *   bridge lacks (or without a datapath port) is a trace error and no action.
 * - Pending header changes are committed first, so the sampled packet is the
 *   packet as the actions so far made it.
 * - Egress tunnel sampling: when sampling_port is a tunnel port and the
 *   flow exporter with the action's collector_set_id samples tunnels, the
 *   port's tunnel metadata is written into the flow (tnl_port_send; it stays
 *   there) and, without native tunnelling, committed as `set(tunnel(...))`
 *   before the sample, whose userspace action names `tunnel_out_port`.
 *
 * Not modelled: the controller's slow-path meter, and the per-bridge IPFIX
 * sampling a Bridge's own `ipfix` column adds at input and outputs.
 */
import { M, readSmall } from "../../flowtable/flow-layout.js";
import { OFPP_NONE } from "../../flowtable/ports.js";
import type { SampleAction } from "../action-types.js";
import { sameTunnelKey, tunnelDstIsSet } from "./odp-tunnel.js";
import type { OdpUserspaceAction } from "./odp-userspace.js";
import type { XlatePort } from "./xlate-bridge.js";
import type { XlateCtx } from "./xlate-context.js";
import { copyTunnel, tnlPortSend, tunnelKeyOfFlow } from "./xlate-tunnel-send.js";

/** ODPP_NONE: no datapath port. */
const ODPP_NONE = 0xffffffff;
const UINT32_MAX = 0xffffffff;

/** The tunnel metadata of sampling port `port`, as xlate_sample_action's emit_set_tunnel. */
function setSamplingTunnel(ctx: XlateCtx, port: XlatePort): void {
  tnlPortSend(ctx, port);
  if (ctx.bridge.nativeTunnel !== undefined && ctx.bridge.tunnelPushPop !== false) return;
  // commit_odp_tunnel_action, as an output to a kernel tunnel commits it.
  const key = tunnelKeyOfFlow(ctx.flow);
  if (tunnelDstIsSet(key) && !sameTunnelKey(key, ctx.committedTunnel)) {
    ctx.committedTunnel = key;
    copyTunnel(ctx.flow, ctx.base);
    ctx.odp.push({ type: "set_tunnel", key });
  }
}

export function xlateSample(a: SampleAction, ctx: XlateCtx): void {
  const ipfix = ctx.bridge.ipfix;
  if (ipfix === undefined || ipfix === null) return;
  const probability = ((a.probability << 16) | a.probability) >>> 0;
  let outputPort = ODPP_NONE;
  let tunnelPort: XlatePort | null = null;
  if (a.samplingPort !== OFPP_NONE && a.samplingPort !== readSmall(ctx.flow, M.inPort)) {
    const port = ctx.bridge.port(a.samplingPort);
    if (port === undefined || port.odpPort === null) {
      ctx.reportError(`can't use unknown port ${a.samplingPort} in flow sample action`);
      return;
    }
    outputPort = port.odpPort;
    if (ipfix.tunnelSampling.has(a.collectorSetId) && port.tunnel !== null) tunnelPort = port;
  }
  ctx.commit();
  if (tunnelPort !== null) setSamplingTunnel(ctx, tunnelPort);
  const userspace: OdpUserspaceAction = {
    type: "userspace",
    pid: 0,
    cookie: {
      kind: "flow_sample",
      probability: a.probability,
      collectorSetId: a.collectorSetId,
      obsDomainId: a.obsDomainId,
      obsPointId: a.obsPointId,
      outputPort,
      direction: a.direction === "default" ? null : a.direction,
    },
    actions: false,
    tunnelOutPort: tunnelPort === null ? null : outputPort,
  };
  ctx.odp.push(probability === UINT32_MAX ? userspace : { type: "sample", probability, actions: [userspace] });
}
