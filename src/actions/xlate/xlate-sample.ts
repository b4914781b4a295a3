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
 * Per-bridge IPFIX (compose_ipfix_action): a bridge exporter (the Bridge's
 * own `ipfix`, with targets) samples each packet at its first reception
 * (`composeIpfixAction(ctx, ODPP_NONE)`, not after thawing, not a packet-out
 * from OFPP_NONE) and at each output to a datapath port that is no native
 * tunnel push or pop (`composeIpfixAction(ctx, odpPort)`), unless its
 * enable-input-sampling / enable-output-sampling turn that off; an output
 * to a tunnel vport names it as `tunnel_out_port` when the exporter samples
 * tunnels. The cookie is `ipfix(output_port=N)`, ODPP_NONE at input.
 *
 * Both go through compose_sample_action: no action at probability 0; at
 * UINT32_MAX a bare userspace action, else `sample(sample=P%,actions(...))`;
 * with a `slowpath` meter on the bridge, the sample wrapper is there whatever
 * the probability and runs `meter(N)` (the meter's datapath id) before the
 * userspace action.
 */
import { M, readSmall } from "../../flowtable/flow-layout.js";
import { OFPP_NONE } from "../../flowtable/ports.js";
import type { SampleAction } from "../action-types.js";
import { sameTunnelKey, tunnelDstIsSet } from "./odp-tunnel.js";
import type { OdpAction } from "./odp-actions.js";
import type { OdpUserspaceAction } from "./odp-userspace.js";
import type { XlatePort } from "./xlate-bridge.js";
import type { XlateCtx } from "./xlate-context.js";
import { copyTunnel, tnlPortSend, tunnelKeyOfFlow } from "./xlate-tunnel-send.js";

/** ODPP_NONE: no datapath port. */
const ODPP_NONE = 0xffffffff;
/** ODPP_NONE, for composeIpfixAction's input sampling. */
export const ODPP_NONE_SAMPLE = ODPP_NONE;
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
    if (ipfix.tunnelSampling.has(a.collectorSetId) && isIpfixTunnelPort(port)) tunnelPort = port;
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
      bridge: ctx.bridge.name,
    },
    actions: false,
    tunnelOutPort: tunnelPort === null ? null : outputPort,
  };
  composeSampleAction(ctx, probability, userspace);
}

/**
 * OVS's compose_sample_action: `userspace` sent up with probability `probability` (out of
 * UINT32_MAX), through the bridge's slow-path meter when it has one.
 */
export function composeSampleAction(ctx: XlateCtx, probability: number, userspace: OdpUserspaceAction): void {
  if (probability === 0) return;
  const meterId = ctx.bridge.slowpathMeterId?.() ?? UINT32_MAX;
  if (probability === UINT32_MAX && meterId === UINT32_MAX) {
    ctx.odp.push(userspace);
    return;
  }
  const actions: OdpAction[] = meterId === UINT32_MAX ? [userspace] : [{ type: "meter", id: meterId }, userspace];
  ctx.odp.push({ type: "sample", probability, actions });
}

/**
 * OVS's compose_ipfix_action: the bridge exporter's sample of the packet at input
 * (`outputOdpPort` ODPP_NONE) or at its output to datapath port `outputOdpPort`.
 */
export function composeIpfixAction(ctx: XlateCtx, outputOdpPort: number): void {
  const exporter = ctx.bridge.ipfix?.bridgeExporter;
  if (exporter === undefined || exporter === null) return;
  const inPort = readSmall(ctx.flow, M.inPort);
  if (outputOdpPort === ODPP_NONE && (inPort === OFPP_NONE || !exporter.inputSampling)) return;
  let tunnelOutPort: number | null = null;
  if (outputOdpPort !== ODPP_NONE) {
    if (!exporter.outputSampling) return;
    if (exporter.tunnelSampling && isTunnelOdpPort(ctx, outputOdpPort)) tunnelOutPort = outputOdpPort;
  }
  const userspace: OdpUserspaceAction = {
    type: "userspace",
    pid: 0,
    cookie: { kind: "ipfix", outputPort: outputOdpPort, bridge: ctx.bridge.name },
    actions: false,
    tunnelOutPort,
  };
  composeSampleAction(ctx, exporter.probability, userspace);
}

/** The tunnel types IPFIX knows (dpif_ipfix_tunnel_type); other tunnels are sampled as plain ports. */
const IPFIX_TUNNEL_TYPES: ReadonlySet<string> = new Set(["gre", "vxlan", "lisp", "geneve", "stt"]);

/** dpif_ipfix_find_tunnel_port: `port` is a tunnel of a type IPFIX knows. */
export function isIpfixTunnelPort(port: XlatePort): boolean {
  return port.tunnel !== null && IPFIX_TUNNEL_TYPES.has(port.tunnel.type);
}

/** dpif_ipfix_is_tunnel_port: a port of the bridge on datapath port `odpPort` is an IPFIX tunnel. */
function isTunnelOdpPort(ctx: XlateCtx, odpPort: number): boolean {
  return ctx.bridge.ports().some((p) => p.odpPort === odpPort && isIpfixTunnelPort(p));
}
