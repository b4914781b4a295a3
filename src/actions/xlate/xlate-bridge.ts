/**
 * What translation needs from a bridge and its ports: the narrow interface
 * through which src/actions/xlate talks to bridges (src/datapath implements
 * it; translation never imports the datapath). Modelled on what OVS's
 * ofproto-dpif-xlate keeps in its `xbridge` / `xport` records.
 */
import type { ActionList } from "../action-types.js";
import type { XlateGroup } from "./xlate-group.js";
import type { XlateMirrors } from "./xlate-mirror.js";
import type { XlateNativeTunnel } from "./xlate-tunnel.js";
import type { FlowTables } from "../../flowtable/flow-tables.js";
import type { FlowEntry } from "../../flowtable/flow-entry.js";
import type { TunMetadataTable } from "../../flowtable/tun-metadata-table.js";
import type { XlateSflow } from "./xlate-sflow.js";

/** Port VLAN configuration, for NORMAL (OVS's Port.vlan_mode / tag / trunks). */
export interface XlateVlanConfig {
  readonly mode: "access" | "trunk" | "native-tagged" | "native-untagged" | "dot1q-tunnel";
  /** Access VLAN or native VLAN; null when none. */
  readonly tag: number | null;
  /** Trunked VLANs; empty means all. */
  readonly trunks: readonly number[];
  /** A dot1q-tunnel port's customer VLANs (Port cvlans); absent or empty means all. */
  readonly cvlans?: readonly number[];
  /** A dot1q-tunnel port's outer TPID (other_config:qinq-ethtype: 0x8100 for "802.1q", else 0x88a8); absent: 0x88a8. */
  readonly qinqEthtype?: number;
  /** other_config:priority-tags ("if-nonzero" or "true", "always"); absent: never. */
  readonly priorityTags?: "if-nonzero" | "always";
}

/** An ERSPAN tunnel's `options:erspan_ver` / `erspan_idx` / `erspan_dir` / `erspan_hwid`: a value, or "flow" (from the flow's tun_erspan_*). */
export interface XlateErspanConfig {
  /** 1 or 2 (anything else: no header can be built); "flow" makes the other three "flow" too. */
  readonly ver: number | "flow";
  readonly idx: number | "flow";
  readonly dir: number | "flow";
  readonly hwid: number | "flow";
}

/** Tunnel configuration of a tunnel port (Interface.options). */
export interface XlateTunnelConfig {
  /** The header it pushes; "stt" and "lisp" have no native push / pop (kernel datapath only). */
  readonly type: "vxlan" | "gre" | "geneve" | "erspan" | "stt" | "lisp";
  readonly remoteIp: string | "flow";
  readonly localIp: string | "flow" | null;
  /** `key` / `out_key`: a number, or "flow" (tun_id comes from the flow). */
  readonly outKey: bigint | "flow";
  readonly inKey: bigint | "flow";
  /** Whether `key` / `out_key` is set at all (GRE carries a key only then). */
  readonly outKeyPresent: boolean;
  readonly dstPort: number;
  /** Outer TTL (`options:ttl`, default 64) or "inherit". */
  readonly ttl: number | "inherit";
  /** Outer TOS (`options:tos`, default 0) or "inherit". */
  readonly tos: number | "inherit";
  /** `options:egress_pkt_mark`: the pkt_mark a packet leaves through the tunnel with, or null (unset). */
  readonly egressPktMark: number | null;
  /** `options:csum=true`: the outer header carries a checksum (the tunnel key's csum flag). */
  readonly csum?: boolean;
  /** `options:df_default` (default true): the outer header's don't-fragment bit (the df flag). */
  readonly dfDefault?: boolean;
  /** An ERSPAN port's options (absent for the other types). */
  readonly erspan?: XlateErspanConfig;
}

/** What translation tells a bridge's NetFlow exporting (OVS's netflow_flow_update). */
export interface XlateNetflow {
  /**
   * A packet count of `flow` (a translation flow: in_port is the OpenFlow port) went out of
   * `outputIface` (a port, or NF_OUT_FLOOD / MULTI / DROP); `used` is when it was last seen.
   */
  flowUpdate(flow: Uint32Array, outputIface: number, stats: { readonly packets: number; readonly bytes: number; readonly tcpFlags: number; readonly used: number }): void;
  /**
   * The datapath flow of `flow` is translated anew after a change (`deleted` false), or was
   * deleted (true): OVS's netflow_flow_clear, its record expired and forgotten (for a deleted
   * flow when its ukey is freed, after the main loop's next NetFlow pass).
   */
  flowClear(flow: Uint32Array, deleted: boolean): void;
}

/** What translation needs of a bridge's IPFIX exporting (OVS's struct dpif_ipfix). */
export interface XlateIpfix {
  /**
   * The collector set ids of the flow exporters that sample egress tunnels (their IPFIX's
   * other_config:enable-tunnel-sampling, default true).
   */
  readonly tunnelSampling: ReadonlySet<number>;
  /**
   * The bridge exporter (the Bridge's own `ipfix`, with targets), null when none: compose_ipfix_action
   * samples every packet at input and at each output with `probability` (out of UINT32_MAX).
   * Absent: none.
   */
  readonly bridgeExporter?: XlateIpfixBridgeExporter | null;
}

/** What translation needs of a bridge exporter (dpif_ipfix_get_bridge_exporter_*). */
export interface XlateIpfixBridgeExporter {
  /** MAX(1, UINT32_MAX / sampling). */
  readonly probability: number;
  readonly inputSampling: boolean;
  readonly outputSampling: boolean;
  readonly tunnelSampling: boolean;
}

export interface XlatePort {
  readonly name: string;
  readonly ofport: number;
  /** Datapath port number; null for ports the datapath does not have (patch ports). */
  readonly odpPort: number | null;
  /** Interface type as in the config DB: "", "internal", "patch", "vxlan", "gre", "geneve", "dummy"... */
  readonly type: string;
  /** For a patch port with a usable peer: the peer's bridge and OpenFlow port number. */
  readonly patchPeer: { readonly bridge: XlateBridge; readonly ofport: number } | null;
  readonly vlan: XlateVlanConfig;
  readonly tunnel: XlateTunnelConfig | null;
  /** OpenFlow port config bits that translation honours. */
  readonly noFlood: boolean;
  readonly noForward: boolean;
  readonly noReceive: boolean;
  /** Optional: `mod-port ... no-packet-in` (OFPPC_NO_PACKET_IN). Absent: false. */
  readonly noPacketIn?: boolean;
  /**
   * Optional (added with bundle): OVS's port `may_enable`, whether the port's link is up
   * (not `mod-port ... down`, not administratively down). Absent: true.
   */
  readonly mayEnable?: boolean;
  /**
   * Optional (added with QoS queues): the DSCP (already shifted into the TOS byte) that
   * output to this port sets for each skb_priority, from the `dscp` of its QoS's Queue rows
   * (OVS's xport->skb_priorities; the netdev datapath's priority of queue N is N). Absent: none.
   */
  readonly queueDscp?: ReadonlyMap<number, number>;
}

/**
 * What NORMAL (OVS's `xlate_normal`) gets from translation: the packet as the
 * actions so far have made it, the megaflow mask to un-wildcard what it looks
 * at, and output / trace primitives. Implemented by translation
 * (xlate-context.ts); used by the bridge's `normal` hook.
 */
export interface XlateNormalApi {
  /** The bridge translating (for a patch peer: the peer). */
  readonly bridge: XlateBridge;
  /** The translation flow (flow key + odp-metadata words); NORMAL may edit VLAN fields and must restore them. */
  readonly flow: Uint32Array;
  /** The megaflow mask: OR in every bit NORMAL's decision depends on. */
  readonly wc: Uint32Array;
  /** False in ofproto/trace: no MAC learning then (OVS's allow_side_effects). */
  readonly allowSideEffects: boolean;
  /** Virtual time, ms (MAC aging). */
  readonly now: number;
  /**
   * Outputs to an OpenFlow port as OVS's compose_output_action does: commits
   * pending header changes, follows patch ports, skips nonexistent ports (with
   * the trace note), never checks "output to input port" (NORMAL does that).
   */
  output(ofport: number): void;
  /**
   * Optional (added with bonds): outputs to member `ofport` of a balance-tcp bond as OVS's
   * compose_output_action with an xlate_bond_recirc: `hash(l4(basis)),recirc(recircId)` where
   * the output would be.
   */
  outputBondRecirc?(ofport: number, recircId: number, basis: number): void;
  /** Optional (added with NetFlow): NORMAL flooded the packet (the NetFlow output interface becomes NF_OUT_FLOOD). */
  flooded?(): void;
  /** Adds a trace line under the current table: "detail" prints ` -> text`, "warn" ` >> text`, "error" ` >>>> text <<<<`. */
  note(kind: "detail" | "warn" | "error", text: string): void;
}

/** OpenFlow's fragment handling modes as ofproto-dpif supports them (not "reassemble"). */
export type FragHandling = "normal" | "drop" | "nx-match";

export interface XlateBridge {
  readonly name: string;
  readonly tables: FlowTables<ActionList>;
  /** The bridge's TLV map, which places and prints tun_metadata fields (none: an empty map). */
  readonly tunMetadata?: TunMetadataTable;
  readonly failMode: "standalone" | "secure";
  port(ofport: number): XlatePort | undefined;
  /** Every port, in OpenFlow port number order (FLOOD and ALL: xlate-output.ts floodOrder). */
  ports(): readonly XlatePort[];
  /**
   * Optional (added with translation): OFPP_NORMAL. Absent, NORMAL
   * translates to nothing (a drop) with the trace note
   * ">> NORMAL is not implemented by this bridge".
   */
  normal?(api: XlateNormalApi): void;
  /**
   * Optional (added with bonds): a rule of the bridge's that the classifier does not hold, looked
   * up before it in table `tableId` (a balance-tcp bond's post-recirculation rules in table 254,
   * which match recirc_id and dp_hash); un-wildcards what it looked at. Null: none matches.
   */
  internalLookup?(tableId: number, flow: Uint32Array, wc: Uint32Array): FlowEntry<ActionList> | null;
  /**
   * Optional (added with translation): whether a table miss sends a packet-in
   * (OVS's connmgr_wants_packet_in_on_miss: a controller is configured whose
   * connection is not OpenFlow 1.3+). Absent means false: a miss is
   * "No match." and a drop, as on a bridge without controllers.
   */
  readonly packetInOnMiss?: boolean;
  /**
   * Optional: the bridge's fragment handling (OFPT_SET_CONFIG, `ovs-ofctl set-frags`; ofproto-dpif's
   * rule_dpif_lookup_from_table). "normal" (absent): an IP fragment is looked up with transport
   * ports 0; "drop": it meets `dropFragsRule` instead of the tables; "nx-match": as it is.
   */
  readonly fragHandling?: FragHandling;
  /**
   * Optional: table `tableId`'s table-miss config from OpenFlow 1.1/1.2 table_mods (ofproto's
   * miss_config): "continue" goes on to the next table, "controller" sends a packet-in, "drop"
   * drops; "default" (absent) sends a packet-in only when `packetInOnMiss`.
   */
  tableMiss?(tableId: number): "default" | "controller" | "continue" | "drop";
  /** Optional: ofproto-dpif's drop_frags_rule (the internal `reg0=0x3` flow), for "drop". */
  readonly dropFragsRule?: FlowEntry<ActionList> | null;
  /**
   * Optional (added with sample): the bridge's IPFIX exporting (OVS's xbridge->ipfix), null when
   * it exports none (no Flow_Sample_Collector_Set with an IPFIX target names it, and its own
   * IPFIX has no target). Absent or null: sample actions translate to nothing.
   */
  readonly ipfix?: XlateIpfix | null;
  /**
   * Optional: the datapath meter id of the bridge's `slowpath` meter (ofproto's slowpath_meter_id),
   * UINT32_MAX or absent when it has none: sampling actions run it before their userspace action.
   */
  slowpathMeterId?(): number;
  /**
   * Optional (added with NetFlow): the bridge's NetFlow exporting (OVS's xbridge->netflow), null
   * when none; translation then un-wildcards what a NetFlow record is keyed on and reports each
   * translation's stats to it (xlate-netflow.ts).
   */
  readonly netflow?: XlateNetflow | null;
  /**
   * Optional (added with sFlow): the bridge's sFlow agent (OVS's xbridge->sflow), null when none;
   * translation then puts the sampling action first (xlate-sflow.ts).
   */
  readonly sflow?: XlateSflow | null;
  /** Optional (added with groups): the group with this id. Absent: every group is missing. */
  group?(id: number): XlateGroup | undefined;
  /** Optional (added with meters): OpenFlow meter `id`'s datapath meter id; undefined when no such meter. */
  meterDpId?(id: number): number | undefined;
  /** Optional (added with native tunnels): routes and neighbours for output to tunnel ports (xlate-tunnel.ts). */
  readonly nativeTunnel?: XlateNativeTunnel | undefined;
  /**
   * Optional (added with kernel tunnels): whether the bridge's datapath pushes and pops
   * tunnel headers itself (the `tnl_push_pop` datapath feature). Native tunnelling needs it
   * and `nativeTunnel`; otherwise output to a tunnel port is `set(tunnel(...))` to its
   * vport, as with a kernel datapath (xlate-tunnel.ts). Absent: true.
   */
  readonly tunnelPushPop?: boolean;
  /**
   * Optional (added with check_pkt_larger): whether the datapath has the check_pkt_len action
   * (the `check_pkt_len` datapath feature). Without it check_pkt_larger sets its bit from the
   * packet being translated and the flow goes to the slow path. Absent: true.
   */
  readonly checkPktLen?: boolean;
  /**
   * Optional (added with dpif/set-dp-features): whether the datapath has the clone action
   * (feature `clone`); without it a clone of irreversible actions is a 100% `sample`, if the
   * datapath nests samples deeper than 3 (`sampleNesting`), else an error. Absent: true, 10.
   */
  readonly cloneAction?: boolean;
  readonly sampleNesting?: number;
  /**
   * Optional (added with kernel tunnels): counts packets sent (`tx`) or received (`rx`)
   * through tunnel or patch port `port`, as OVS's netdev_vport_inc_tx / inc_rx do during
   * translation with stats (the upcall's packet, then pushed megaflow stats).
   */
  countTunnel?(port: XlatePort, dir: "rx" | "tx", packets: number, bytes: number): void;
  /**
   * Optional: counts a table lookup made with stats (rule_dpif_lookup_from_table's n_matched /
   * n_missed, which `ovs-ofctl dump-tables` shows as matched and lookup).
   */
  countTableLookup?(tableId: number, matched: boolean, packets: number): void;
  /**
   * Optional (added with mirrors): the bridge's port mirrors (xlate-mirror.ts), null when it has
   * none (OVS's mbridge_has_mirrors). Absent or null: nothing is mirrored.
   */
  readonly mirrors?: XlateMirrors | null;
  /**
   * Optional (added with mirrors): the ports in OVS's bundle list order (the order they were
   * created in), where an output VLAN mirror sends its copies. Absent: `ports()`.
   */
  bundles?(): readonly XlatePort[];
}
