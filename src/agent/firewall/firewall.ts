/**
 * The openvswitch firewall proper (firewall.py OVSFirewallDriver): ports in,
 * flows out, on br-int.
 *
 * State: the SGPortMap (filtered ports, security groups with rules and
 * members, unfiltered ports), the ConjIpFlowManager (conj_ids and the
 * address side of remote-group conjunctions, per network), and the security
 * groups that may have become unused (cleaned when a deferred batch ends).
 * A filtered port is an OFPort captured when the port is first filtered;
 * later updates replace its server-side details, and a changed ofport
 * replaces it whole.
 *
 * Operations, as securitygroups_rpc drives them (driver.ts), each inside a
 * deferred batch:
 * - preparePortFilter: port security off → the unfiltered pair of flows;
 *   else the port's fixed flows (port-flows.ts), its rules' flows
 *   (rule-flows.ts), the port side of its remote-group rules and the
 *   network's address flows. A port already filtered is updated instead.
 * - updatePortFilter: the same, for a port already known: the new flows are
 *   written under a temporary cookie, the old port's flows deleted (those
 *   with the bridge's cookie), and the new ones written again with the
 *   bridge's cookie.
 * - removePortFilter: every flow of the port deleted (by MAC, by in_port, by
 *   reg5), its groups scheduled for cleanup.
 * - processTrustedPorts / removeTrustedPorts: ports the server did not
 *   describe (trusted: network:* owners) get the unfiltered flows.
 * - after filtering a port, its connections marked invalid (ct_mark 1) are
 *   deleted from the datapath's conntrack (`conntrack -D -m 1` in Neutron).
 *
 * What Neutron does and this does not: iptables hybrid-plug cleanup (no
 * hybrid plugging here).
 */
import type { ConnKey } from "../../datapath/conntrack/conn-key.js";
import type { Switch } from "../../vswitchd/switch.js";
import { parseIpv4, parseIpv6 } from "../ip.js";
// the agent's port of neutron_lib's get_interface_name (its own SHA-1: no node:crypto, so ovsim runs in a browser)
import { interfaceName } from "../names.js";
import { ownValue } from "../own.js";
import type { DeviceDetails } from "../rpc.js";
import type { Direction, Ethertype } from "./constants.js";
import {
  ACCEPTED_EGRESS_TRAFFIC_NORMAL_TABLE,
  ACCEPTED_EGRESS_TRAFFIC_TABLE,
  ACCEPTED_INGRESS_TRAFFIC_TABLE,
  BASE_EGRESS_TABLE,
  CT_MARK_INVALID,
  DROPPED_TRAFFIC_TABLE,
  OF_STATE_TRACKED,
  OVS_FIREWALL_TABLES,
  PEER_INTEGRATION_PREFIX,
  PROTO_NUM_SCTP,
  PROTO_NUM_TCP,
  PROTO_NUM_UDP,
  REG_REMOTE_GROUP,
  REQUIRED_PROTOCOLS,
} from "./constants.js";
import { ConjIpFlowManager } from "./conj-ip-flows.js";
import type { GroupedFlow } from "./flow-spec.js";
import { FirewallBridge } from "./flow-writer.js";
import type { VifPort } from "./ovsdb-port.js";
import { addProtocols, hwOffloadEnabled, portOfport, portOtherConfig, segmentationIdOf, tagOf, vifPortById, vifPortsOf } from "./ovsdb-port.js";
import {
  acceptedEgressDirectFlows,
  egressFlows,
  ingressFlows,
  noPortSecurityDeletes,
  noPortSecurityFlows,
  portFlowDeletes,
  trackedEgressFlows,
  trackedIngressFlows,
  transientFlows,
} from "./port-flows.js";
import { createAcceptFlows, createConjFlows, createFlowsFromRuleAndPort, flowPriorityOffset, substituteConjunctionActions } from "./rule-flows.js";
import { mergeCommonRules, mergePortRanges } from "./rule-merge.js";
import type { RuleConj } from "./rule-merge.js";
import type { Members } from "./sg-port-map.js";
import { OFPort, SGPortMap } from "./sg-port-map.js";
import type { FwRule, RuleDraft } from "./sg-rule.js";

/** What the firewall reads of the agent's configuration. */
export interface OvsFirewallOptions {
  /** [agent] explicitly_egress_direct. */
  readonly explicitlyEgressDirect: boolean;
  /** [ovs] int_peer_patch_port: br-int's patch to br-tun. */
  readonly intPeerPatchPort: string;
  /** [ovs] bridge_mappings: physical network → bridge. */
  readonly bridgeMappings: Readonly<Record<string, string>>;
  /** [securitygroup] permitted_ethertypes: `0x....` ethertypes ports may send unfiltered. */
  readonly permittedEthertypes: readonly string[];
}

const ETH_TYPE_IP = 0x0800;
const ETH_TYPE_IPV6 = 0x86dd;

/** An address as a conntrack key holds it: one word (IPv4) or four (IPv6); null if neither. */
function addressWords(text: string): Uint32Array | null {
  const v4 = parseIpv4(text);
  if (v4 !== null) return Uint32Array.of(v4);
  const g = parseIpv6(text);
  if (g === null) return null;
  return Uint32Array.from([0, 1, 2, 3], (i) => (g[2 * i] ?? 0) * 0x10000 + (g[2 * i + 1] ?? 0));
}

class PortNotFound extends Error {}
class TagNotFound extends Error {}

export class OvsFirewall {
  readonly br: FirewallBridge;
  /** What Neutron logs at INFO and above that a test may want to see. */
  readonly log: string[] = [];
  portMap = new SGPortMap();
  conjIpManager: ConjIpFlowManager;
  private sgToDelete = new Set<string>();

  constructor(
    readonly sw: Switch,
    readonly bridge: string,
    cookie: bigint,
    readonly options: OvsFirewallOptions,
  ) {
    this.br = new FirewallBridge(sw, bridge, cookie);
    addProtocols(sw, bridge, REQUIRED_PROTOCOLS);
    this.conjIpManager = this.initializeSg();
    this.initializeFirewall();
  }

  /** _init_firewall_callback (OVS restarted): forget ports and groups, reinstall the fixed flows. */
  reinitialize(): void {
    this.conjIpManager = this.initializeSg();
    this.initializeFirewall();
  }

  private initializeSg(): ConjIpFlowManager {
    this.portMap = new SGPortMap();
    this.sgToDelete = new Set();
    this.conjIpManager = new ConjIpFlowManager(this.portMap, this.br, this.options.explicitlyEgressDirect, this.maxConjIdOnBridge());
    return this.conjIpManager;
  }

  /** ConjIdMap._init_max_id: the highest conj_id in the firewall's tables. */
  private maxConjIdOnBridge(): number {
    let max = 0;
    for (const t of OVS_FIREWALL_TABLES) {
      for (const f of this.sw.dumpFlows(this.bridge, `table=${t}`)) {
        const m = /(?:^|,)conj_id=(\d+)/.exec(f.match);
        if (m !== null) max = Math.max(max, Number(m[1]));
      }
    }
    return max;
  }

  /** _initialize_firewall: a drop at the bottom of each table, the ct_clear loop in 71, the third-party tables. */
  private initializeFirewall(): void {
    for (const table of OVS_FIREWALL_TABLES) this.br.addFlowNow({ table, priority: 0, match: {}, actions: "drop" });
    // conntrack state from before br-int (another bridge's ct) is dropped, then the packet looks again
    this.br.addFlow({ table: BASE_EGRESS_TABLE, priority: 110, match: { ct_state: OF_STATE_TRACKED }, actions: `ct_clear,resubmit(,${BASE_EGRESS_TABLE})` });
    this.br.addFlowNow({ table: ACCEPTED_EGRESS_TRAFFIC_NORMAL_TABLE, priority: 1, match: {}, actions: "normal" });
    this.br.addFlowNow({ table: ACCEPTED_EGRESS_TRAFFIC_TABLE, priority: 1, match: {}, actions: `resubmit(,${ACCEPTED_EGRESS_TRAFFIC_NORMAL_TABLE})` });
    for (const table of [ACCEPTED_INGRESS_TRAFFIC_TABLE, DROPPED_TRAFFIC_TABLE]) this.br.addFlowNow({ table, priority: 0, match: {}, actions: "drop" });
  }

  private addFlows(flows: readonly GroupedFlow[]): void {
    for (const { flow, group } of flows) this.br.addFlow(flow, group);
  }

  /** The filtered ports' server details, by device id (firewall.ports). */
  get ports(): ReadonlyMap<string, DeviceDetails> {
    return new Map([...this.portMap.ports].map(([id, p]) => [id, p.neutronPort]));
  }

  isPortManaged(device: string): boolean {
    return this.portMap.ports.has(device);
  }

  filterDeferApplyOn(): void {
    this.br.deferOn();
  }

  filterDeferApplyOff(): void {
    if (!this.br.deferred) return;
    this.cleanupStaleSg();
    this.br.deferOff();
  }

  // ---- OVSDB

  private getOvsPort(portId: string): VifPort {
    const p = vifPortById(this.sw, this.bridge, portId);
    if (p === null) throw new PortNotFound(`Port ${portId} is not present in bridge ${this.bridge}`);
    return p;
  }

  private vlanTagOf(portName: string): number {
    const tag = tagOf(portOtherConfig(this.sw, portName));
    if (tag === null) throw new TagNotFound(`Cannot get tag for port ${portName} from its other_config`);
    return tag;
  }

  /** get_or_create_ofport: the port's OFPort, created from OVSDB on first sight, replaced when its ofport changed. */
  private getOrCreateOfport(port: DeviceDetails): OFPort {
    const ovsPort = this.getOvsPort(port.device);
    const have = this.portMap.ports.get(port.device);
    if (have === undefined) {
      const oc = portOtherConfig(this.sw, ovsPort.portName);
      const ofPort = new OFPort(port, ovsPort, this.vlanTagOf(ovsPort.portName), segmentationIdOf(oc), oc["network_type"] ?? null, oc["physical_network"] ?? null);
      this.portMap.createPort(ofPort, port);
      return ofPort;
    }
    if (have.ofport !== ovsPort.ofport) {
      this.portMap.removePort(have);
      // as Neutron: the new OFPort keeps VLAN and segment, not network type and physical network
      const ofPort = new OFPort(port, ovsPort, have.vlanTag, have.segmentId);
      this.portMap.createPort(ofPort, port);
      return ofPort;
    }
    this.portMap.updatePort(have, port);
    return have;
  }

  // ---- ports

  /** prepare_port_filter. */
  preparePortFilter(port: DeviceDetails): void {
    if (!port.portSecurityEnabled) {
      this.initializeEgressNoPortSecurity(port.device);
      return;
    }
    this.filterPort(port, "Initializing port %s that was already initialized.");
  }

  /** update_port_filter. */
  updatePortFilter(port: DeviceDetails): void {
    if (!port.portSecurityEnabled) {
      this.removePortFilter(port.device);
      this.initializeEgressNoPortSecurity(port.device);
      return;
    }
    if (!this.isPortManaged(port.device) && this.portMap.unfiltered.has(port.device)) {
      this.removeEgressNoPortSecurity(port.device);
      this.preparePortFilter(port);
      return;
    }
    if (!this.filterPort(port, null)) this.removePortFilter(port.device);
  }

  /** The common part of prepare / update: false when the port is not in OVSDB. */
  private filterPort(port: DeviceDetails, alreadyMessage: string | null): boolean {
    try {
      // As Neutron: when the ofport stays, `old` is the same object, updated in place
      // before its flows are deleted, so flows of MACs it no longer has stay behind.
      const old = this.portMap.ports.get(port.device);
      const ofPort = this.getOrCreateOfport(port);
      if (old !== undefined) {
        if (alreadyMessage !== null) this.log.push(alreadyMessage.replace("%s", port.device));
        this.updateFlowsForPort(ofPort, old);
      } else this.setPortFilters(ofPort);
      this.deleteInvalidConntrackEntriesForPort(port, ofPort);
      return true;
    } catch (e) {
      if (e instanceof PortNotFound) {
        this.log.push(`port ${port.device} does not exist in ovsdb: ${e.message}.`);
        return false;
      }
      if (e instanceof TagNotFound) {
        this.log.push(`Tag was not found for port ${port.device}: ${e.message}.`);
        return true;
      }
      throw e;
    }
  }

  /**
   * _delete_invalid_conntrack_entries_for_port: for each fixed IP of the port, IPv4 and IPv6,
   * `conntrack -D -f FAMILY -d IP -w ZONE -m 1` (its ingress) and `-s IP` (its egress), ZONE
   * being the port's local VLAN: the connections a rule no longer allowed (marked 1 by
   * table 72 / 82) go, so that the same 5-tuple may start over as a new connection. On the
   * datapath's conntrack, as a kernel datapath's host shares one with the conntrack tool.
   */
  private deleteInvalidConntrackEntriesForPort(port: DeviceDetails, ofPort: OFPort): void {
    const ct = this.sw.ofproto(this.bridge)?.datapath.conntrack;
    if (ct === undefined) return;
    const addrs = port.fixedIps.map((f) => addressWords(f.ipAddress)).filter((a): a is Uint32Array => a !== null);
    if (addrs.length === 0) return;
    const zone = ofPort.vlanTag;
    const mark = Number(CT_MARK_INVALID);
    const same = (a: Uint32Array, k: ConnKey, side: "src" | "dst"): boolean =>
      k.dlType === (a.length === 1 ? ETH_TYPE_IP : ETH_TYPE_IPV6) && a.every((w, i) => (side === "src" ? k.src(i) : k.dst(i)) === w);
    ct.deleteWhere(this.sw.now, (e) => e.zone === zone && e.mark === mark && addrs.some((a) => same(a, e.orig, "dst") || same(a, e.orig, "src")));
  }

  private setPortFilters(port: OFPort): void {
    this.initializePortFlows(port);
    this.addFlowsFromRules(port);
  }

  /** _update_flows_for_port: new flows under a temporary cookie, the old port's deleted, the new ones with the bridge's cookie. */
  private updateFlowsForPort(port: OFPort, old: OFPort): void {
    this.br.withUpdateCookie(() => this.setPortFilters(port));
    this.deleteAllPortFlows(old);
    this.setPortFilters(port);
  }

  /** remove_port_filter. */
  removePortFilter(device: string): void {
    const port = this.portMap.ports.get(device);
    if (port === undefined) return;
    this.deleteAllPortFlows(port);
    this.portMap.removePort(port);
    for (const sg of port.secGroups) this.scheduleSgDeletionMaybe(sg.id);
  }

  private deleteAllPortFlows(port: OFPort): void {
    for (const d of portFlowDeletes(port)) this.br.deleteFlows(d);
  }

  /** initialize_port_flows. */
  private initializePortFlows(port: OFPort): void {
    this.addFlows(transientFlows(port));
    this.addFlows(egressFlows(port, this.options.permittedEthertypes, (m) => this.log.push(m)));
    this.installAcceptedEgressDirectFlow(port.mac, port.vlanTag, port.ofport, port.networkType, port.physicalNetwork);
    this.addFlows(ingressFlows(port));
  }

  /** process_trusted_ports: the ports' traffic passes unfiltered (ports without tag: patch ports, left alone). */
  processTrustedPorts(portIds: readonly string[]): void {
    const vifs = vifPortsOf(this.sw, this.bridge);
    for (const id of portIds) this.initializeEgressNoPortSecurity(id, vifs);
  }

  /** remove_trusted_ports. */
  removeTrustedPorts(portIds: readonly string[]): void {
    for (const id of portIds) if (this.portMap.unfiltered.has(id)) this.removeEgressNoPortSecurity(id);
  }

  /** _initialize_egress_no_port_security. */
  private initializeEgressNoPortSecurity(portId: string, vifs?: ReadonlyMap<string, VifPort>): void {
    let ovsPort: VifPort;
    let vlanTag: number;
    try {
      const p = vifs === undefined ? this.getOvsPort(portId) : vifs.get(portId);
      if (p === undefined) throw new PortNotFound(`Port ${portId} is not present in bridge ${this.bridge}`);
      ovsPort = p;
      vlanTag = this.vlanTagOf(ovsPort.portName);
    } catch (e) {
      if (e instanceof TagNotFound) return;
      if (e instanceof PortNotFound) {
        this.log.push(`Initializing unfiltered port ${portId} that does not exist in ovsdb: ${e.message}.`);
        return;
      }
      throw e;
    }
    this.portMap.unfiltered.set(portId, { ovsPort, vlanTag });
    this.addFlows(noPortSecurityFlows(ovsPort.ofport, vlanTag));
    const oc = portOtherConfig(this.sw, ovsPort.portName);
    this.installAcceptedEgressDirectFlow(ovsPort.vifMac, vlanTag, ovsPort.ofport, oc["network_type"] ?? null, oc["physical_network"] ?? null);
  }

  /** _remove_egress_no_port_security. */
  private removeEgressNoPortSecurity(portId: string): void {
    const u = this.portMap.unfiltered.get(portId);
    if (u === undefined) return;
    for (const d of noPortSecurityDeletes(u.ovsPort.ofport, u.ovsPort.vifMac, u.vlanTag)) this.br.deleteFlows(d);
    this.portMap.unfiltered.delete(portId);
  }

  /** install_accepted_egress_direct_flow (explicitly_egress_direct only): the patch of a tunnel or VLAN network. */
  private installAcceptedEgressDirectFlow(mac: string, vlanTag: number, dstPort: number, networkType: string | null, physicalNetwork: string | null): void {
    if (!this.options.explicitlyEgressDirect) return;
    let patch: number | null = null;
    if (networkType === "vxlan" || networkType === "gre" || networkType === "geneve") {
      patch = portOfport(this.sw, this.options.intPeerPatchPort);
    } else if (networkType === "vlan") {
      if (!physicalNetwork) return;
      const bridge = ownValue(this.options.bridgeMappings, physicalNetwork);
      // Neutron would look up "int-None" for an unmapped network and find no such port
      if (bridge !== undefined) patch = portOfport(this.sw, interfaceName(bridge, PEER_INTEGRATION_PREFIX));
    }
    this.addFlows(acceptedEgressDirectFlows(mac, vlanTag, dstPort, patch));
  }

  // ---- security groups

  updateSecurityGroupRules(sgId: string, rules: readonly FwRule[]): void {
    this.portMap.updateRules(sgId, rules);
  }

  updateSecurityGroupMembers(sgId: string, members: Members): void {
    this.portMap.updateMembers(sgId, members);
    if (Object.keys(members).length === 0) this.scheduleSgDeletionMaybe(sgId);
  }

  /** A group with no members or no ports here may be gone: checked again when the batch ends. */
  private scheduleSgDeletionMaybe(sgId: string): void {
    const sg = this.portMap.getOrCreateSg(sgId);
    if (!sg.hasMembers() || sg.ports.size === 0) this.sgToDelete.add(sgId);
  }

  private cleanupStaleSg(): void {
    const candidates = this.sgToDelete;
    this.sgToDelete = new Set();
    for (const id of candidates) {
      const sg = this.portMap.getSg(id);
      if (sg === undefined || (sg.hasMembers() && sg.ports.size > 0)) continue;
      this.conjIpManager.sgRemoved(id);
      this.portMap.deleteSg(id);
    }
  }

  // ---- rules

  /** add_flows_from_rules: the rules tables' fixed flows, each plain rule's accept flows, then the remote-group ones. */
  private addFlowsFromRules(port: OFPort): void {
    this.addFlows(trackedIngressFlows(port, hwOffloadEnabled(this.sw) && !this.options.explicitlyEgressDirect));
    this.addFlows(trackedEgressFlows(port));
    for (const sg of port.secGroups) {
      for (const rule of sg.rawRules) {
        for (const flow of createFlowsFromRuleAndPort(rule, port)) for (const f of createAcceptFlows(flow)) this.br.addFlow(f);
      }
    }
    this.addNonIpConjFlows(port);
    this.conjIpManager.updateFlowsForVlan(port.vlanTag, port.ofport);
  }

  /**
   * _add_non_ip_conj_flows: the port side of remote-group rules. Per
   * (direction, ethertype, protocol), the rules' conj_ids (allocated per
   * group and remote group), merged into non-overlapping 2/2 flows, and each
   * conj_id's accept flows (storing it in reg7).
   */
  private addNonIpConjFlows(port: OFPort): void {
    const byKey = new Map<string, { direction: Direction; ethertype: Ethertype; protocol: number | string | undefined; list: RuleConj[] }>();
    for (const sg of port.secGroups) {
      for (const rule of sg.remoteRules) {
        const conjId = this.conjIpManager.add(port.vlanTag, sg.id, rule.remoteGroupId ?? "", rule.direction, rule.ethertype, flowPriorityOffset(rule));
        const { remoteGroupId: _remote, ...rest } = rule;
        const rule1: RuleDraft = { ...rest };
        const k = JSON.stringify([rule.direction, rule.ethertype, rule.protocol ?? null]);
        const e = byKey.get(k) ?? { direction: rule.direction, ethertype: rule.ethertype, protocol: rule.protocol, list: [] };
        e.list.push([rule1, conjId]);
        byKey.set(k, e);
      }
    }
    for (const { direction, ethertype, protocol, list } of byKey.values()) {
      const allIds = [...new Set(list.map(([, id]) => id))];
      const merged = protocol === PROTO_NUM_TCP || protocol === PROTO_NUM_UDP || protocol === PROTO_NUM_SCTP ? mergePortRanges(list) : mergeCommonRules(list);
      for (const [rule, ids] of merged) {
        for (const f of substituteConjunctionActions(createFlowsFromRuleAndPort(rule, port, true), 2, ids)) this.br.addFlow(f);
      }
      for (const id of allIds) {
        for (const f of createConjFlows(port, id, direction, ethertype)) {
          this.br.addFlow({ ...f, actions: `set_field:${String(f.match["conj_id"])}->reg${REG_REMOTE_GROUP},${f.actions}` });
        }
      }
    }
  }
}
