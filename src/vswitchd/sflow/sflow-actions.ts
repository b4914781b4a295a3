/**
 * What an sFlow sample says about where the packet went, read from the
 * datapath actions of its flow (OVS's dpif_sflow_read_actions): the egress
 * tunnel (a `set(tunnel(...))` for a kernel tunnel port, or the headers of a
 * `tnl_push`), the datapath port of the last output, and the MPLS label stack
 * the packet leaves with (the input stack, then each push_mpls, pop_mpls and
 * set(mpls)). More than one level of encapsulation, or a tnl_pop, drops the
 * tunnel annotation (`tunnelErr`), as OVS does; an impossible MPLS sequence
 * drops the stack (`mplsErr`).
 *
 * Stacks are kept innermost first, each entry as its 32-bit word (BOS bit as
 * it was; the encoder sets it on the innermost only).
 */
import type { OdpAction } from "../../actions/xlate/odp-actions.js";
import type { TunnelKey } from "../../actions/xlate/odp-tunnel.js";

/** OVS's FLOW_MAX_MPLS_LABELS. */
export const FLOW_MAX_MPLS_LABELS = 3;
const ODPP_NONE = 0xffffffff;

/** The egress tunnel as the sample reports it (struct flow_tnl's fields that sFlow uses). */
export interface SflowTunnel {
  ipSrc: number;
  ipDst: number;
  tos: number;
  ttl: number;
  tpSrc: number;
  tpDst: number;
  tunId: bigint;
}

export interface SflowActions {
  outPort: number;
  tunnel: SflowTunnel;
  /** IP protocol of the tunnel when the actions tell it (tnl_push), else 0. */
  tunnelIpProto: number;
  encapDepth: number;
  tunnelErr: boolean;
  /** Innermost first. */
  mplsStack: number[];
  mplsErr: boolean;
}

export function emptySflowActions(): SflowActions {
  return {
    outPort: ODPP_NONE,
    tunnel: { ipSrc: 0, ipDst: 0, tos: 0, ttl: 0, tpSrc: 0, tpDst: 0, tunId: 0n },
    tunnelIpProto: 0,
    encapDepth: 0,
    tunnelErr: false,
    mplsStack: [],
    mplsErr: false,
  };
}

function fromTunnelKey(k: TunnelKey): SflowTunnel {
  return { ipSrc: k.ipv4Src, ipDst: k.ipv4Dst, tos: k.tos, ttl: k.ttl, tpSrc: k.tpSrc, tpDst: k.tpDst, tunId: k.tunId };
}

function readTnlPush(a: Extract<OdpAction, { type: "tnl_push" }>, s: SflowActions): void {
  s.outPort = a.outPort;
  if (a.ip.version !== 4) return;
  s.tunnel.ipSrc = a.ip.src;
  s.tunnel.ipDst = a.ip.dst;
  s.tunnel.tos = a.ip.tos;
  s.tunnel.ttl = a.ip.ttl;
  s.tunnelIpProto = a.ip.proto;
  const e = a.encap;
  if (e.type === "vxlan" || e.type === "geneve") {
    s.tunnel.tpSrc = e.udp.src;
    s.tunnel.tpDst = e.udp.dst;
    s.tunnel.tunId = BigInt(e.vni);
  } else if (e.type === "gre" && e.key !== null) {
    s.tunnel.tunId = BigInt(e.key >>> 0);
  }
}

/**
 * Reads `actions` into `s` (dpif_sflow_read_actions). `inputMpls`: the packet's label stack as it
 * arrived, outermost first, when the caller wants it as the starting stack (OVS's capture_mpls).
 */
export function readSflowActions(actions: readonly OdpAction[], s: SflowActions, inputMpls: readonly number[] | null): void {
  if (actions.length === 0) return;
  if (inputMpls !== null && inputMpls.length > 0) s.mplsStack = [...inputMpls].reverse();
  for (const a of actions) {
    switch (a.type) {
      case "output":
        s.outPort = a.port;
        break;
      case "tnl_pop":
        s.tunnelErr = true;
        break;
      case "tnl_push":
        if (++s.encapDepth > 1) s.tunnelErr = true;
        else readTnlPush(a, s);
        break;
      case "set_tunnel":
        if (++s.encapDepth > 1) s.tunnelErr = true;
        else s.tunnel = fromTunnelKey(a.key);
        break;
      case "set_mpls":
        // A set(mpls) rewrites the outermost entry: OVS's dpif_sflow_set_mpls with one entry.
        s.mplsStack = [a.lse];
        break;
      case "push_mpls":
        if (s.mplsStack.length >= FLOW_MAX_MPLS_LABELS) s.mplsErr = true;
        else s.mplsStack.push(a.lse);
        break;
      case "pop_mpls":
        if (s.mplsStack.length === 0) s.mplsErr = true;
        else s.mplsStack.pop();
        break;
      case "clone":
        readSflowActions(a.actions, s, null);
        break;
      default:
        break;
    }
  }
}
