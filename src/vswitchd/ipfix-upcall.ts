/**
 * The IPFIX upcalls of a datapath (ofproto-dpif-upcall.c's process_upcall for
 * IPFIX_UPCALL and FLOW_SAMPLE_UPCALL): a packet an `ipfix(...)` or
 * `flow_sample(...)` userspace action sent up is sampled by the dpif_ipfix of
 * the bridge the cookie names (its ofproto_uuid; the input port's bridge when
 * the cookie names none), with the flow extracted from the packet as the
 * actions before it left it, on the datapath port it came in on, with the
 * tunnel metadata it arrived with.
 */
import { isIpfixTunnelPort } from "../actions/xlate/xlate-sample.js";
import { XLATE_FLOW_WORDS } from "../actions/xlate/odp-metadata.js";
import type { Bridge } from "../datapath/bridge.js";
import type { OdpUpcall } from "../datapath/odp-execute.js";
import { extractFlow } from "../datapath/packet/extract.js";
import { M, readMember, writeMember } from "../flowtable/flow-layout.js";
import type { IpfixExporters } from "./ipfix.js";

const TUNNEL_KEY = [M.tunId, M.tunSrc, M.tunDst, M.tunFlags] as const;

export function ipfixUpcall(
  exporters: IpfixExporters,
  bridges: ReadonlyMap<string, Bridge>,
  inputBridge: string | undefined,
  upcall: OdpUpcall,
  inPort: number,
  tunnelMd: Uint32Array | null,
  vlanLimit: number,
  now: number,
): void {
  const cookie = upcall.action.cookie;
  if (cookie === null || (cookie.kind !== "ipfix" && cookie.kind !== "flow_sample")) return;
  const name = cookie.bridge ?? inputBridge;
  const bridge = name === undefined ? undefined : bridges.get(name);
  const di = name === undefined ? undefined : exporters.get(name);
  if (bridge === undefined || di === undefined) return;
  const flow = new Uint32Array(XLATE_FLOW_WORDS);
  extractFlow(upcall.packet, inPort, flow, vlanLimit);
  if (tunnelMd !== null) for (const m of TUNNEL_KEY) writeMember(flow, m, readMember(tunnelMd, m));
  const isTunnelPort = (odp: number): boolean => bridge.ports().some((p) => p.odpPort === odp && isIpfixTunnelPort(p));
  const tunnelOut = upcall.action.tunnelOutPort !== null;
  if (cookie.kind === "ipfix") di.bridgeSample(flow, inPort, cookie.outputPort, tunnelOut, isTunnelPort, now);
  else di.flowSample(flow, cookie, inPort, tunnelOut, isTunnelPort, now);
}
