/**
 * A bridge (OVS's ofproto): a name, its OpenFlow tables, its fail mode, its
 * ports and its MAC learning table. Its configuration is its Bridge record
 * in the config DB (config-db.ts); Switch keeps `datapathType`, `failMode`,
 * the ports and the MAC table settings in step with the DB after each commit.
 *
 * It is what translation sees of a bridge (XlateBridge): ports by OpenFlow
 * number, patch peers resolved across the bridges of the same datapath.
 *
 * Like ofproto-dpif, a bridge starts with four read-only flows in the hidden
 * table 254 (add_internal_flows): the miss flow (`reg0=0x1`, send to the
 * controller), the no-packet-in flow (`reg0=0x2`, drop), the fragment-drop
 * flow (`reg0=0x3`, drop) and `priority=2,recirc_id=0 actions=drop`. ovsim's
 * flow key has no recirc_id member and ovsim does not recirculate, so every
 * packet has recirc_id 0: that flow is installed as a catch-all and printed
 * with OVS's text (see `isRecircDropFlow`).
 */
import type { XlateNativeTunnel } from "../actions/xlate/xlate-tunnel.js";
import type { ActionList } from "../actions/action-types.js";
import { actionSemantics } from "../actions/action-semantics.js";
import type { FragHandling, XlateBridge, XlateIpfix, XlateNetflow, XlateNormalApi, XlatePort } from "../actions/xlate/xlate-bridge.js";
import type { NormalBond, NormalSwitch } from "../actions/xlate/xlate-normal.js";
import type { PacketIn } from "../actions/xlate/xlate-context.js";
import { xlateNormalSwitch } from "../actions/xlate/xlate-normal.js";
import type { FlowEntry } from "../flowtable/flow-entry.js";
import type { FlowMod } from "../flowtable/flow-tables.js";
import { defaultFlowMod, FlowTables, N_TABLES, TABLE_INTERNAL } from "../flowtable/flow-tables.js";
import { TABLE_ALL } from "../flowtable/flow-mod-parse.js";
import { Match } from "../flowtable/match.js";
import { parseFlow } from "../flowtable/flow-mod-parse.js";
import { OFPP_NORMAL } from "../flowtable/ports.js";
import { TunMetadataTable } from "../flowtable/tun-metadata-table.js";
import type { BridgePort } from "./bridge-port.js";
import type { MacEntry } from "./mac-learning.js";
import { MacLearningTable } from "./mac-learning.js";
import type { Group } from "./group-table.js";
import { GroupTable } from "./group-table.js";
import type { DpMeters } from "./dp-meter.js";
import { MeterTable, OFPM13_SLOWPATH } from "./meter-table.js";
import { MirrorTable } from "./mirrors.js";
import { TableConfigs } from "./table-config.js";
import type { TableMiss } from "./table-config.js";
import type { XlateMirrors } from "../actions/xlate/xlate-mirror.js";
import type { XlateSflow } from "../actions/xlate/xlate-sflow.js";

export type FailMode = "standalone" | "secure";

/** Packet-ins a bridge keeps for its controllers (older ones are dropped first). */
export const MAX_QUEUED_PACKET_INS = 1024;

function flowMod(command: FlowMod<ActionList>["command"], match: Match, priority: number, tableId: number, actions: ActionList): FlowMod<ActionList> {
  return defaultFlowMod({ command, match, priority, tableId, actions });
}

export class Bridge implements XlateBridge, NormalSwitch {
  readonly name: string;
  readonly tables: FlowTables<ActionList>;
  datapathType: string;
  failMode: FailMode;
  /** Whether a controller is configured (a table miss then sends a packet-in). */
  hasControllers: boolean;
  readonly macTable = new MacLearningTable();
  /** OpenFlow groups (group-table.ts). */
  readonly groupTable = new GroupTable();
  /** OpenFlow meters (meter-table.ts), run by the datapath's meters. */
  readonly meterTable: MeterTable;
  /** The bridge's IPFIX exporting (XlateBridge.ipfix), set by the switch from the config DB; null: none. */
  ipfix: XlateIpfix | null = null;

  /** XlateBridge.slowpathMeterId: the datapath id of OpenFlow meter `slowpath` (OFPM13_SLOWPATH), else UINT32_MAX. */
  slowpathMeterId(): number {
    return this.meterTable.get(OFPM13_SLOWPATH)?.dpId ?? 0xffffffff;
  }
  /** The bridge's NetFlow exporting (XlateBridge.netflow), set by the switch from the config DB; null: none. */
  netflow: XlateNetflow | null = null;
  /** The bridge's sFlow agent (XlateBridge.sflow), set by the switch from the config DB; null: none. */
  sflow: XlateSflow | null = null;
  /** The bridge's port mirrors (mirrors.ts), configured by the switch from its Mirror rows. */
  readonly mirrorTable = new MirrorTable();
  /** Bridge other_config:forward-bpdu: NORMAL forwards frames to reserved MACs. */
  forwardBpdu = false;
  /** The tunnel metadata (Geneve TLV) map: OVS's ofproto->metadata_tab, changed by NXT_TLV_TABLE_MOD (src/vswitchd/tlv-table-mod.ts). */
  tunMetadata: TunMetadataTable = TunMetadataTable.EMPTY;
  /** The switch's routes and neighbours for native tunnels (XlateBridge.nativeTunnel); none: tunnels output to their vport. */
  nativeTunnel: XlateNativeTunnel | undefined = undefined;
  /** The features of the bridge's datapath (dpif.ts `Datapath`), set by the switch; none: native tunnelling. */
  dpFeatures: { readonly tnlPushPop: boolean; readonly checkPktLen: boolean; readonly cloneAction: boolean; readonly sampleNesting: number } | undefined = undefined;
  /**
   * Packet-ins sent by translations of received packets, oldest first, for a
   * controller connection to take (none is modelled yet). At most
   * MAX_QUEUED_PACKET_INS are kept, as OVS bounds its packet-in queues.
   */
  readonly packetIns: PacketIn[] = [];
  /** Ports by OpenFlow port number. */
  private portMap = new Map<number, BridgePort>();
  private sortedPorts: BridgePort[] = [];
  /**
   * The ports in the order OVS's xlate layer lists its bundles: the order they
   * were created in (a new port goes to the end; ports created together are
   * taken in port number order). NORMAL floods in this order.
   */
  private bundleOrder: BridgePort[] = [];
  /** The internal `priority=2,recirc_id=0` flow (printed with its recirc_id match). */
  private recircDrop: FlowEntry<ActionList> | null = null;
  /** Fragment handling (OFPT_SET_CONFIG, `ovs-ofctl set-frags`), for translation (XlateBridge.fragHandling). */
  fragHandling: FragHandling = "normal";
  /** The internal `reg0=0x3` flow, ofproto-dpif's drop_frags_rule (XlateBridge.dropFragsRule). */
  dropFragsRule: FlowEntry<ActionList> | null = null;
  /** Table-miss and vacancy settings from OpenFlow table_mods (table-config.ts). */
  readonly tableConfig = new TableConfigs();
  /** Per table, packets looked up there with a rule found (ofproto's n_matched) and without (n_missed). */
  readonly tableMatched = new Float64Array(N_TABLES);
  readonly tableMissed = new Float64Array(N_TABLES);

  /** `meters`: the bridge's datapath's meters (dpif.ts `Datapath.meters`); a set of its own when it has none. */
  constructor(name: string, now: number, meters?: DpMeters) {
    this.name = name;
    this.meterTable = new MeterTable(meters);
    this.tables = new FlowTables<ActionList>(actionSemantics);
    this.datapathType = "";
    this.failMode = "standalone";
    this.hasControllers = false;
    this.installInternalFlows(now);
    this.installFailOpenFlow(now);
  }

  get packetInOnMiss(): boolean {
    return this.hasControllers;
  }

  /** The mirrors, for translation (XlateBridge.mirrors): null while there are none. */
  get mirrors(): XlateMirrors | null {
    return this.mirrorTable.hasMirrors ? this.mirrorTable : null;
  }

  /** A group, for translation (XlateBridge.group). */
  group(id: number): Group | undefined {
    return this.groupTable.get(id);
  }

  /** Whether the datapath pushes and pops tunnel headers (XlateBridge.tunnelPushPop). */
  get tunnelPushPop(): boolean {
    return this.dpFeatures?.tnlPushPop ?? true;
  }

  /** Whether the datapath has the check_pkt_len action (XlateBridge.checkPktLen). */
  get checkPktLen(): boolean {
    return this.dpFeatures?.checkPktLen ?? true;
  }

  /** Whether the datapath has the clone action (XlateBridge.cloneAction). */
  get cloneAction(): boolean {
    return this.dpFeatures?.cloneAction ?? true;
  }

  /** How deep the datapath nests sample actions (XlateBridge.sampleNesting). */
  get sampleNesting(): number {
    return this.dpFeatures?.sampleNesting ?? 10;
  }

  /** Table `tableId`'s table-miss config (XlateBridge.tableMiss). */
  tableMiss(tableId: number): TableMiss {
    return this.tableConfig.missOf(tableId);
  }

  /** A table lookup made with stats (XlateBridge.countTableLookup). */
  countTableLookup(tableId: number, matched: boolean, packets: number): void {
    const counts = matched ? this.tableMatched : this.tableMissed;
    counts[tableId] = (counts[tableId] ?? 0) + packets;
  }

  /** A tunnel or patch port's rx / tx counters, counted in translation (XlateBridge.countTunnel). */
  countTunnel(port: XlatePort, dir: "rx" | "tx", packets: number, bytes: number): void {
    const p = this.portMap.get(port.ofport);
    if (p === undefined || p.name !== port.name) return;
    if (dir === "rx") {
      p.stats.rxPackets += packets;
      p.stats.rxBytes += bytes;
    } else {
      p.stats.txPackets += packets;
      p.stats.txBytes += bytes;
    }
  }

  /** The datapath meter id of OpenFlow meter `id`, for translation (XlateBridge.meterDpId). */
  meterDpId(id: number): number | undefined {
    return this.meterTable.get(id)?.dpId;
  }

  port(ofport: number): BridgePort | undefined {
    return this.portMap.get(ofport);
  }

  portByName(name: string): BridgePort | undefined {
    return this.sortedPorts.find((p) => p.name === name);
  }

  /** Every port, in OpenFlow port number order. */
  ports(): readonly BridgePort[] {
    return this.sortedPorts;
  }

  /** The ports in OVS's bundle list order (NORMAL's flood order). */
  bundles(): readonly BridgePort[] {
    return this.bundleOrder;
  }

  /** Queues a packet-in for the controllers, dropping the oldest past MAX_QUEUED_PACKET_INS. */
  queuePacketIn(p: PacketIn): void {
    this.packetIns.push(p);
    if (this.packetIns.length > MAX_QUEUED_PACKET_INS) this.packetIns.shift();
  }

  /** The bonds of this bridge's ports (set by vswitchd's bonds, src/vswitchd/bonds.ts); null: no bonds. */
  bondLookup: ((ofport: number) => NormalBond | null) | null = null;

  /**
   * Rules of table 254 the classifier does not hold: balance-tcp bonds' post-recirculation rules
   * (set by vswitchd's bonds, src/vswitchd/bonds.ts), each with its match text; null: none.
   */
  internalRules: {
    lookup(tableId: number, flow: Uint32Array, wc: Uint32Array): FlowEntry<ActionList> | null;
    list(): readonly { readonly entry: FlowEntry<ActionList>; readonly match: string }[];
  } | null = null;

  /** XlateBridge.internalLookup: the internal rules first (bonds' post-recirculation rules). */
  internalLookup(tableId: number, flow: Uint32Array, wc: Uint32Array): FlowEntry<ActionList> | null {
    return this.internalRules === null ? null : this.internalRules.lookup(tableId, flow, wc);
  }

  /** NORMAL's view of the bond port `ofport` is a member of (NormalSwitch.bondOf). */
  bondOf(ofport: number): NormalBond | null {
    return this.bondLookup === null ? null : this.bondLookup(ofport);
  }

  /** OFPP_NORMAL: the MAC learning switch (xlate-normal.ts). */
  normal(api: XlateNormalApi): void {
    xlateNormalSwitch(api, this);
  }

  /**
   * Replaces the port set (Switch, after each commit). Ports that went away
   * leave the MAC table, and so do the MACs of a port whose VLAN settings
   * changed (ofproto-dpif's bundle_set flushes them). Returns the entries of
   * the ports that went away: OVS forgets those MACs in every other bridge
   * too (bundle_flush_macs with all_ofprotos), which the caller does.
   */
  setPorts(ports: readonly BridgePort[]): MacEntry[] {
    const next = new Map(ports.map((p) => [p.ofport, p]));
    const gone: MacEntry[] = [];
    for (const [ofport, old] of this.portMap) {
      const now = next.get(ofport);
      if (!now || now.name !== old.name) gone.push(...this.macTable.flushPort(ofport));
      else if (now !== old) {
        // The OpenFlow port config (mod-port) stays with a port that stays.
        now.config = old.config;
        if (JSON.stringify(now.vlan) !== JSON.stringify(old.vlan)) this.macTable.flushPort(ofport);
      }
    }
    this.portMap = next;
    this.sortedPorts = [...ports].sort((a, b) => a.ofport - b.ofport);
    const names = new Set(ports.map((p) => p.name));
    const kept = this.bundleOrder.filter((p) => names.has(p.name)).map((p) => p.name);
    const keptSet = new Set(kept);
    const byName = new Map(ports.map((p) => [p.name, p]));
    const added = this.sortedPorts.filter((p) => !keptSet.has(p.name));
    // The bridge's own internal port is its first bundle.
    added.sort((a, b) => (a.name === this.name ? -1 : b.name === this.name ? 1 : 0));
    this.bundleOrder = [...kept.map((n) => byName.get(n)!), ...added];
    return gone;
  }

  /**
   * Takes a snapshot's flows (`FlowTables.restore`); `recircDropId` names the internal
   * recirc_id=0 flow among them.
   */
  restoreFlows(entries: readonly FlowEntry<ActionList>[], nextId: number, version: number, recircDropId: number | null): void {
    this.tables.restore(entries, nextId, version);
    this.recircDrop = entries.find((e) => e.id === recircDropId) ?? null;
    const dropFrags = parseFlow("reg0=3,actions=drop", "add").match;
    this.dropFragsRule = entries.find((e) => e.tableId === TABLE_INTERNAL && e.priority === 0 && e.match.equals(dropFrags)) ?? null;
  }

  /** The id of the internal recirc_id=0 flow (snapshots). */
  get recircDropId(): number | null {
    return this.recircDrop?.id ?? null;
  }

  /** Puts the ports in bundle order `names` (a snapshot's; names of no port are skipped). */
  restoreBundleOrder(names: readonly string[]): void {
    const byName = new Map(this.sortedPorts.map((p) => [p.name, p]));
    this.bundleOrder = names.flatMap((n) => byName.get(n) ?? []);
  }

  /** Whether `e` is the internal recirc_id=0 flow. */
  isRecircDropFlow(e: FlowEntry<ActionList>): boolean {
    return e === this.recircDrop;
  }

  /**
   * Deletes every flow, then re-adds the fail-open flow if it applies: what
   * OVS does when the fail mode changes, or when the bridge gains its first
   * controller or loses its last one (connmgr_set_fail_mode, ofproto_flush).
   */
  flush(now: number, hasControllers: boolean): void {
    this.tables.apply(flowMod("delete", Match.catchall(), 0, TABLE_ALL, []), now);
    if (!hasControllers) this.installFailOpenFlow(now);
  }

  /**
   * In standalone fail mode OVS keeps a "priority=0 actions=NORMAL" flow in
   * table 0 while no controller is connected (what a fresh bridge shows).
   */
  installFailOpenFlow(now: number): void {
    if (this.failMode !== "standalone") return;
    this.tables.apply(flowMod("add", Match.catchall(), 0, 0, [{ type: "output", port: OFPP_NORMAL, maxLen: 0 }]), now);
  }

  /** ofproto-dpif's add_internal_flows, in its order. */
  private installInternalFlows(now: number): void {
    const reg0 = (id: number): Match => parseFlow(`reg0=${id},actions=drop`, "add").match;
    const miss: ActionList = [
      { type: "controller", maxLen: 0xffff, reason: "implicit_miss", controllerId: 0, userdata: [], pause: false, meterId: 0xffffffff },
    ];
    this.tables.installInternal(flowMod("add", reg0(1), 0, TABLE_INTERNAL, miss), now);
    this.tables.installInternal(flowMod("add", reg0(2), 0, TABLE_INTERNAL, []), now);
    this.dropFragsRule = this.tables.installInternal(flowMod("add", reg0(3), 0, TABLE_INTERNAL, []), now);
    this.recircDrop = this.tables.installInternal(flowMod("add", Match.catchall(), 2, TABLE_INTERNAL, []), now);
  }
}
