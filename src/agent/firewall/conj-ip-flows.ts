/**
 * The address side of remote-group conjunctions (firewall.py
 * ConjIPFlowManager, with the driver's delete_flows_for_flow_state and
 * delete_flow_for_ip).
 *
 * Flows of the form `reg6=VLAN,nw_src=MEMBER → conjunction(ID,1/2)` depend
 * on a network and on remote groups' members, not on one port, and one flow
 * serves every port of the network whose rules name a member's group: it
 * lists all their conj_ids (of one priority). So they are kept per network:
 *
 * - `conjIds[vlan][(direction, ethertype)][remote group]`: the conj_ids the
 *   network's ports use for that remote group (add() records them, from the
 *   port side);
 * - `flowState[vlan][(direction, ethertype)]`: per member address, the
 *   conj_ids its flows were last written with.
 *
 * updateFlowsForVlan rewrites a network's address flows from those: flows of
 * addresses gone are deleted (non-strictly, any cookie: every flow of that
 * address and state, whatever its conj_ids), flows whose conj_ids changed
 * (or whose address shares a CIDR with one that went) are written again.
 * Addresses are (IP, MAC) pairs as the server sends them; flows are per
 * CIDR, so a fixed IP and an allowed pair of the same address share flows.
 */
import type { Direction, Ethertype } from "./constants.js";
import { ConjIdMap } from "./conj-id-map.js";
import type { FirewallBridge } from "./flow-writer.js";
import { cidrText } from "./ip-address.js";
import type { MemberAddress } from "./rule-flows.js";
import { createFlowsForIpAddress } from "./rule-flows.js";
import type { SGPortMap } from "./sg-port-map.js";

type DirEth = `${Direction}|${Ethertype}`;

/** A member address as a map key. */
function addrKey(a: MemberAddress): string {
  return `${a.ip}\u0000${a.mac ?? ""}`;
}

/** Per address (by key): the address and its conj_ids. */
type AddrConj = Map<string, { readonly addr: MemberAddress; readonly ids: number[] }>;

function getOrSet<K, V>(m: Map<K, V>, k: K, make: () => V): V {
  let v = m.get(k);
  if (v === undefined) {
    v = make();
    m.set(k, v);
  }
  return v;
}

function sameIds(a: readonly number[] | undefined, b: readonly number[]): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

export class ConjIpFlowManager {
  readonly conjIdMap: ConjIdMap;
  /** vlan → (direction, ethertype) → remote group → conj_ids. */
  readonly conjIds = new Map<number, Map<DirEth, Map<string, Set<number>>>>();
  /** vlan → (direction, ethertype) → address → conj_ids its flows carry. */
  private readonly flowState = new Map<number, Map<DirEth, AddrConj>>();

  constructor(
    private readonly portMap: SGPortMap,
    private readonly br: FirewallBridge,
    /** [agent] explicitly_egress_direct (deletes of gone addresses are doubled then, as Neutron's). */
    private readonly explicitlyEgressDirect: boolean,
    /** The highest conj_id on the bridge when the firewall (re)started. */
    maxConjIdOnBridge: number,
  ) {
    this.conjIdMap = new ConjIdMap(maxConjIdOnBridge);
  }

  /**
   * add(): the conj_id of (sg, remote group, direction, ethertype) at a
   * priority offset, recorded for the network; updateFlowsForVlan makes the
   * address flows.
   */
  add(vlanTag: number, sgId: string, remoteId: string, direction: Direction, ethertype: Ethertype, priorityOffset: number): number {
    const key = { sgId, remoteId, direction, ethertype };
    const conjId = this.conjIdMap.getConjId(key) + priorityOffset * 2;
    const byDir = getOrSet(this.conjIds, vlanTag, () => new Map<DirEth, Map<string, Set<number>>>());
    getOrSet(getOrSet(byDir, `${direction}|${ethertype}`, () => new Map<string, Set<number>>()), remoteId, () => new Set<number>()).add(conjId);
    this.conjIdMap.noteGroupId(key, conjId);
    return conjId;
  }

  /** _build_addr_conj_id_map: each member address of the remote groups, with the conj_ids naming its group. */
  private addrToConj(ethertype: Ethertype, byRemote: Map<string, Set<number>>): AddrConj {
    const out: AddrConj = new Map();
    for (const [remoteId, ids] of byRemote) {
      const group = this.portMap.getSg(remoteId);
      if (group === undefined || !group.hasMembers()) continue;
      for (const addr of group.addressesOf(ethertype)) getOrSet(out, addrKey(addr), () => ({ addr, ids: [] })).ids.push(...ids);
    }
    return out;
  }

  /** update_flows_for_vlan: rewrites a network's address flows (`ofport`: the port they are committed with). */
  updateFlowsForVlan(vlanTag: number, ofport: number | null, conjIdsToRemove: ReadonlyArray<ReadonlySet<number>> = []): void {
    const byDir = this.conjIds.get(vlanTag);
    if (byDir === undefined) return;
    const states = getOrSet(this.flowState, vlanTag, () => new Map<DirEth, AddrConj>());
    for (const [dirEth, byRemote] of byDir) {
      const [direction, ethertype] = dirEth.split("|") as [Direction, Ethertype];
      const addrs = this.addrToConj(ethertype, byRemote);
      this.updateSubr(direction, ethertype, vlanTag, states.get(dirEth) ?? new Map(), addrs, conjIdsToRemove, ofport);
      states.set(dirEth, addrs);
    }
  }

  private updateSubr(
    direction: Direction,
    ethertype: Ethertype,
    vlanTag: number,
    state: AddrConj,
    addrs: AddrConj,
    conjIdsToRemove: ReadonlyArray<ReadonlySet<number>>,
    ofport: number | null,
  ): void {
    this.deleteFlowsForFlowState(state, addrs, direction, ethertype, vlanTag);
    for (const remove of conjIdsToRemove) {
      for (const { addr, ids } of state.values()) this.deleteFlowForIp(addr, direction, ethertype, vlanTag, ids.filter((id) => remove.has(id)));
    }
    const removedCidrs = new Set([...state].filter(([k]) => !addrs.has(k)).map(([, v]) => cidrText(v.addr.ip)));
    const idsOfCidr = new Map<string, Set<number>>();
    for (const { addr, ids } of addrs.values()) {
      const set = getOrSet(idsOfCidr, cidrText(addr.ip), () => new Set<number>());
      for (const id of ids) set.add(id);
    }
    for (const [k, { addr }] of addrs) {
      const cidr = cidrText(addr.ip);
      const ids = [...(idsOfCidr.get(cidr) ?? [])].sort((a, b) => a - b);
      // Neutron compares with the unsorted list it stored: an unchanged set may be written again, which changes nothing
      if (sameIds(state.get(k)?.ids, ids) && !removedCidrs.has(cidr)) continue;
      for (const flow of createFlowsForIpAddress(addr, direction, ethertype, vlanTag, ids)) this.br.addFlow(flow, ofport);
    }
  }

  /** delete_flows_for_flow_state: the flows of addresses no longer members. */
  private deleteFlowsForFlowState(state: AddrConj, addrs: AddrConj, direction: Direction, ethertype: Ethertype, vlanTag: number): void {
    const removed = [...state].filter(([k]) => !addrs.has(k)).map(([, v]) => v);
    for (const { addr, ids } of removed) this.deleteFlowForIp(addr, direction, ethertype, vlanTag, ids);
    if (!this.explicitlyEgressDirect) return;
    // Neutron deletes once more with a stand-in conj_id (it selects the same flows)
    for (const { addr } of removed) this.deleteFlowForIp(addr, direction, ethertype, vlanTag, [0]);
  }

  /** delete_flow_for_ip: non-strict deletes of an address's flows of these conj_ids' priorities (match only, any cookie). */
  private deleteFlowForIp(addr: MemberAddress, direction: Direction, ethertype: Ethertype, vlanTag: number, conjIds: readonly number[]): void {
    for (const f of createFlowsForIpAddress(addr, direction, ethertype, vlanTag, conjIds)) this.br.deleteFlows({ table: f.table, match: f.match, cookie: "any" });
  }

  /**
   * sg_removed: a security group is gone from this host. Its blocks are freed
   * and every network drops its conj_ids (those where it was the remote group
   * also lose their address flows), then each network's address flows are
   * rewritten.
   */
  sgRemoved(sgId: string): void {
    const unused = new Map<string, Set<number>>();
    for (const [remote, id] of this.conjIdMap.deleteSg(sgId)) getOrSet(unused, remote, () => new Set<number>()).add(id);
    for (const [vlanTag, byDir] of this.conjIds) {
      let update = false;
      const toRemove: Array<Set<number>> = [];
      for (const byRemote of byDir.values()) {
        for (const [remote, ids] of unused) {
          const have = byRemote.get(remote);
          if (have === undefined) continue;
          const gone = new Set([...have].filter((id) => ids.has(id)));
          if (gone.size === 0) continue;
          if (remote === sgId) toRemove.push(gone);
          for (const id of gone) have.delete(id);
          if (have.size === 0) byRemote.delete(remote);
          update = true;
        }
      }
      if (update) this.updateFlowsForVlan(vlanTag, null, toRemove);
    }
  }
}
