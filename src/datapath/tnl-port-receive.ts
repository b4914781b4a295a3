/**
 * Which tunnel port a packet arriving on a tunnel vport belongs to (OVS's
 * tnl_port_receive / tnl_find in ofproto/tunnel.c). Every tunnel port of one
 * type and UDP port shares the vport (`vxlan_sys_4789`), so the vport alone
 * does not say; the packet's tunnel key does, matched against each port's
 * configuration in OVS's order of match kinds:
 *
 * - in_key: an exact key (= tun_id) before key=flow;
 * - remote_ip: an exact address (= the packet's tun_src, or tun_ipv6_src for an
 *   IPv6 one) before remote_ip=flow;
 * - local_ip: a configured address (= the packet's tun_dst / tun_ipv6_dst) before
 *   none before local_ip=flow.
 *
 * The upcall (upcall.ts) and ofproto/trace's datapath form (src/vswitchd/trace.ts)
 * both ask here; no port: the packet is dropped (trace: "no OpenFlow tunnel port
 * for this packet").
 */
import { parseIpv4, parseIpv6 } from "../flowtable/field-values.js";
import { M, readMember, readSmall } from "../flowtable/flow-layout.js";
import type { Bridge } from "./bridge.js";
import type { BridgePort } from "./bridge-port.js";

export interface TunnelPortRef {
  readonly bridge: Bridge;
  readonly port: BridgePort;
}

/** Whether address option `s` (IPv4 or IPv6) is the packet's address: `v4`, else `v6`. */
function sameAddress(s: string | null, v4: number, v6: bigint): boolean {
  if (s === null) return false;
  const a = parseIpv4(s);
  if (a !== null) return Number(a) === v4;
  const a6 = s.includes(":") ? parseIpv6(s) : null;
  return a6 !== null && v4 === 0 && a6 === v6;
}

/** The port of `candidates` (the tunnel ports on the packet's vport) whose configuration takes a packet with tunnel fields `key`. */
export function tnlPortReceive(candidates: readonly TunnelPortRef[], key: Uint32Array): TunnelPortRef | undefined {
  const tunId = readMember(key, M.tunId);
  const tunSrc = readSmall(key, M.tunSrc);
  const tunDst = readSmall(key, M.tunDst);
  const tunSrc6 = readMember(key, M.tunIpv6Src);
  const tunDst6 = readMember(key, M.tunIpv6Dst);
  for (let keyFlow = 0; keyFlow < 2; keyFlow++) {
    for (let dstFlow = 0; dstFlow < 2; dstFlow++) {
      for (let src = 0; src < 3; src++) {
        for (const e of candidates) {
          const t = e.port.tunnel;
          if (t === null) continue;
          if ((t.inKey === "flow") !== (keyFlow === 1)) continue;
          if (t.inKey !== "flow" && t.inKey !== tunId) continue;
          if ((t.remoteIp === "flow") !== (dstFlow === 1)) continue;
          if (t.remoteIp !== "flow" && !sameAddress(t.remoteIp, tunSrc, tunSrc6)) continue;
          const local = t.localIp === null ? 1 : t.localIp === "flow" ? 2 : 0;
          if (local !== src) continue;
          if (local === 0 && !sameAddress(t.localIp, tunDst, tunDst6)) continue;
          return e;
        }
      }
    }
  }
  return undefined;
}
