/**
 * l2population on the agent's side (Neutron's l2population_rpc
 * L2populationRpcCallBackTunnelMixin with the agent's fdb_add, fdb_remove,
 * add_fdb_flow, del_fdb_flow, _fdb_chg_ip, setup_entry_for_arp_reply).
 *
 * The server tells the agent, per network, which MAC/IP pairs sit behind
 * which remote tunnel endpoint; `00:00:00:00:00:00 / 0.0.0.0` (the flooding
 * entry) means "that host has ports on the network: flood to it". The agent:
 * - ignores networks it has no local VLAN for (no port bound here) and
 *   entries for its own endpoint;
 * - makes the tunnel port to a host on its first entry;
 * - flooding entry: the tunnel's ofport joins `lvm.tunOfports` and the
 *   VLAN's flood flow (table 22) is rewritten with all of them, in set order
 *   (once per network and message: Neutron rewrites it at each entry, so a
 *   new host's full FDB of N remotes made N flows of 1..N outputs, O(N²);
 *   nothing runs between those rewrites, so only the last one is seen);
 *   its removal rewrites or deletes that flow and deletes the tunnel port
 *   when no network floods to it any more;
 * - unicast entry: table 20 `dl_vlan,dl_dst` → the tunnel, and with the ARP
 *   responder (IPv4 only) a table-21 reply for its IP;
 * - `update_fdb_entries` (chg_ip): ARP responder entries move from the old
 *   IPs to the new.
 */
import type { AgentState } from "./agent-state.js";
import type { TunnelBridge } from "./br-tun.js";
import { FLOODING_IP, FLOODING_MAC, isTunnelType } from "./constants.js";
import { ipVersion, normalizeMac } from "./ip.js";
import type { FdbEntries, FdbUpdate } from "./rpc.js";
import { cleanupTunnelPort, setupTunnelPort } from "./tunnels.js";
import type { LocalVlanMapping } from "./vlan-manager.js";

type PortInfo = readonly [string, string];

const isFlooding = (p: PortInfo): boolean => p[0] === FLOODING_MAC && p[1] === FLOODING_IP;

/** get_agent_ports: per known network, its lvm and the entries of other hosts. */
function* agentPorts(st: AgentState, entries: FdbEntries): IterableIterator<[LocalVlanMapping, Map<string, readonly PortInfo[]>]> {
  for (const [netId, values] of Object.entries(entries)) {
    const lvm = st.vlanManager.get(netId, values.segmentationId);
    if (lvm === undefined || !isTunnelType(lvm.networkType)) continue;
    const ports = new Map(Object.entries(values.ports));
    if (st.localIp !== null) ports.delete(st.localIp);
    if (ports.size > 0) yield [lvm, ports];
  }
}

/** fdb_add. */
export function fdbAdd(st: AgentState, entries: FdbEntries): void {
  const br = st.tunBr;
  if (br === null) return;
  for (const [lvm, ports] of agentPorts(st, entries)) {
    const flood = { changed: false };
    try {
      for (const [remoteIp, infos] of ports) {
        let ofport = st.tunBrOfports.get(lvm.networkType)?.get(remoteIp) ?? 0;
        if (ofport === 0) {
          ofport = setupTunnelPort(st, br, remoteIp, lvm.networkType);
          if (ofport === 0) continue;
        }
        for (const info of infos) addFdbFlow(st, br, info, lvm, ofport, flood);
      }
    } finally {
      if (flood.changed) br.installFloodToTun(lvm.vlan, lvm.segmentationId ?? 0, lvm.tunOfports);
    }
  }
}

/** fdb_remove. */
export function fdbRemove(st: AgentState, entries: FdbEntries): void {
  const br = st.tunBr;
  if (br === null) return;
  for (const [lvm, ports] of agentPorts(st, entries)) {
    for (const [remoteIp, infos] of ports) {
      const ofport = st.tunBrOfports.get(lvm.networkType)?.get(remoteIp) ?? 0;
      if (ofport === 0) continue;
      for (const info of infos) {
        delFdbFlow(st, br, info, lvm, ofport);
        if (isFlooding(info)) cleanupTunnelPort(st, br, ofport, lvm.networkType);
      }
    }
  }
}

/** add_fdb_flow; the flood flow's rewrite is left to the caller (`flood.changed`). */
function addFdbFlow(st: AgentState, br: TunnelBridge, info: PortInfo, lvm: LocalVlanMapping, ofport: number, flood: { changed: boolean }): void {
  const seg = lvm.segmentationId ?? 0;
  if (isFlooding(info)) {
    lvm.tunOfports.add(ofport);
    flood.changed = true;
  } else {
    setupEntryForArpReply(st, br, "add", lvm.vlan, info[0], info[1]);
    br.installUnicastToTun(lvm.vlan, seg, ofport, info[0]);
  }
}

/** del_fdb_flow. */
function delFdbFlow(st: AgentState, br: TunnelBridge, info: PortInfo, lvm: LocalVlanMapping, ofport: number): void {
  if (isFlooding(info)) {
    if (!lvm.tunOfports.has(ofport)) return;
    lvm.tunOfports.remove(ofport);
    if (lvm.tunOfports.size > 0) br.installFloodToTun(lvm.vlan, lvm.segmentationId ?? 0, lvm.tunOfports);
    else br.deleteFloodToTun(lvm.vlan);
  } else {
    setupEntryForArpReply(st, br, "remove", lvm.vlan, info[0], info[1]);
    br.deleteUnicastToTun(lvm.vlan, info[0]);
  }
}

/** fdb_update's chg_ip (fdb_chg_ip_tun): ARP responder entries follow a port's IP change. */
export function fdbChgIp(st: AgentState, update: FdbUpdate): void {
  const br = st.tunBr;
  if (br === null) return;
  for (const [netId, byAgent] of Object.entries(update.chgIp)) {
    const segs = st.vlanManager.getSegments(netId);
    if (segs === undefined) continue;
    for (const lvm of segs.values()) {
      for (const [agentIp, state] of Object.entries(byAgent)) {
        if (agentIp === st.localIp) continue;
        for (const [mac, ip] of state.after) setupEntryForArpReply(st, br, "add", lvm.vlan, mac, ip);
        for (const [mac, ip] of state.before) setupEntryForArpReply(st, br, "remove", lvm.vlan, mac, ip);
      }
    }
  }
}

/** setup_entry_for_arp_reply: the ARP responder's entry for an IPv4 address (nothing without the responder). */
export function setupEntryForArpReply(st: AgentState, br: TunnelBridge, action: "add" | "remove", localVid: number, mac: string, ip: string): void {
  if (!st.arpResponderEnabled) return;
  if (ipVersion(ip) !== 4) return;
  if (action === "add") br.installArpResponder(localVid, ip, normalizeMac(mac));
  else br.deleteArpResponder(localVid, ip);
}
