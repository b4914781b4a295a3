/**
 * Which tunnel port a packet arriving on a tunnel vport belongs to (OVS's
 * tnl_port_receive / tnl_find in ofproto/tunnel.c). Every tunnel port of one
 * type and UDP port shares the vport (`vxlan_sys_4789`), so the vport alone
 * does not say; the packet's tunnel key does, matched against each port's
 * configuration in OVS's order of match kinds:
 *
 * - in_key: an exact key (= tun_id) before key=flow;
 * - remote_ip: an exact address (= the packet's tun_src) before remote_ip=flow;
 * - local_ip: a configured address (= the packet's tun_dst) before none before
 *   local_ip=flow.
 *
 * The upcall (upcall.ts) and ofproto/trace's datapath form (src/vswitchd/trace.ts)
 * both ask here; no port: the packet is dropped (trace: "no OpenFlow tunnel port
 * for this packet").
 */
import { parseIpv4 } from "../flowtable/field-values.js";
import { M, readMember, readSmall } from "../flowtable/flow-layout.js";
import type { Bridge } from "./bridge.js";
import type { BridgePort } from "./bridge-port.js";

export interface TunnelPortRef {
  readonly bridge: Bridge;
  readonly port: BridgePort;
}

function ipOf(s: string | null): number {
  const v = s === null ? null : parseIpv4(s);
  return v === null ? -1 : Number(v);
}

/** The port of `candidates` (the tunnel ports on the packet's vport) whose configuration takes a packet with tunnel fields `key`. */
export function tnlPortReceive(candidates: readonly TunnelPortRef[], key: Uint32Array): TunnelPortRef | undefined {
  const tunId = readMember(key, M.tunId);
  const tunSrc = readSmall(key, M.tunSrc);
  const tunDst = readSmall(key, M.tunDst);
  for (let keyFlow = 0; keyFlow < 2; keyFlow++) {
    for (let dstFlow = 0; dstFlow < 2; dstFlow++) {
      for (let src = 0; src < 3; src++) {
        for (const e of candidates) {
          const t = e.port.tunnel;
          if (t === null) continue;
          if ((t.inKey === "flow") !== (keyFlow === 1)) continue;
          if (t.inKey !== "flow" && t.inKey !== tunId) continue;
          if ((t.remoteIp === "flow") !== (dstFlow === 1)) continue;
          if (t.remoteIp !== "flow" && ipOf(t.remoteIp) !== tunSrc) continue;
          const local = t.localIp === null ? 1 : t.localIp === "flow" ? 2 : 0;
          if (local !== src) continue;
          if (local === 0 && ipOf(t.localIp) !== tunDst) continue;
          return e;
        }
      }
    }
  }
  return undefined;
}
