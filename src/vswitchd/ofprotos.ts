/**
 * The bridges (ofprotos) of one switch, reconciled with each committed
 * config DB version as ovs-vswitchd's bridge_reconfigure does: a Bridge row
 * vswitchd opened gets a `Bridge` (its flow tables, ports, MAC table, groups
 * and meters); a bridge whose ofproto vswitchd recreated starts over (its
 * meters leave the datapath); a change of fail mode or controller presence
 * flushes its flows (ofproto's fail-open setup); each bridge follows its
 * row's MAC-table settings, its Flow_Table prefixes, and its ports' VLAN,
 * tunnel and patch configuration. A deleted port's MACs leave every bridge's
 * MAC table (bundle_flush_macs).
 */
import type { XlateBridge, XlateVlanConfig } from "../actions/xlate/xlate-bridge.js";
import { Bridge } from "../datapath/bridge.js";
import { BridgePort } from "../datapath/bridge-port.js";
import type { ConfigDb, Row } from "../datapath/config-db.js";
import type { BridgeRuntime, Vswitchd } from "../datapath/config-db-vswitchd.js";
import type { TunnelEnv } from "../datapath/tunnel-env.js";
import { N_TABLES } from "../flowtable/flow-tables.js";
import { configurePrefixes } from "../flowtable/prefix-fields.js";
import { parseSubfield } from "../flowtable/subfield.js";
import type { Subfield } from "../flowtable/subfield.js";
import { NO_TABLE_LIMIT } from "../flowtable/table-eviction.js";
import { configureMirrors } from "./mirror-config.js";
import { IpfixExporters, ipfixConfigOf, xlateIpfixOf } from "./ipfix.js";
import { BackerRevalidation } from "./backer-revalidation.js";
import type { TableLimit } from "../flowtable/table-eviction.js";

export class Ofprotos {
  /** Bridges by name. */
  readonly bridges = new Map<string, Bridge>();
  /** Per bridge: the fail mode and controller presence its flows were last set up for. */
  private readonly flowMode = new Map<string, string>();
  /** Per bridge: the vswitchd ofproto it mirrors (a new one means a new bridge: flows start over). */
  private readonly runtimes = new Map<string, BridgeRuntime>();
  /**
   * Per bridge's flow tables: the `flow_tables` column and the Flow_Table rows they were last
   * configured from. DB rows are immutable, so the same objects mean the same configuration,
   * and the 255 tables' prefixes and limits are not set again at every commit (a host adding
   * a hundred tunnel ports commits a hundred times).
   */
  private readonly tablesConfigured = new WeakMap<object, { readonly column: unknown; readonly rows: readonly Row[] }>();
  private db: ConfigDb;
  private now = 0;
  /** Each bridge's IPFIX exporters (ofproto-dpif-ipfix.c's dpif_ipfix), with their statistics. */
  readonly ipfix = new IpfixExporters();
  /** The backers' revalidation reasons (rev_reconfigure...), from what each commit changed. */
  readonly revalidation = new BackerRevalidation();

  constructor(
    private readonly vswitchd: Vswitchd,
    private readonly tunnels: TunnelEnv,
    db: ConfigDb,
  ) {
    this.db = db;
    // xlate_ofport_remove: a port's going flushes the tunnel neighbours learned on its netdev.
    vswitchd.portClosed = (name) => tunnels.neighbours.flushDevice(name);
  }

  /** The vswitchd ofproto of a bridge: its datapath, open ports in OVS's hash order. */
  runtime(name: string): BridgeRuntime | undefined {
    return this.runtimes.get(name);
  }

  /**
   * A snapshot's bridges: reconciled with `db` on a restored vswitchd (fresh bridges, whose
   * flows and tables the caller then restores), kept in the order `names` gives.
   */
  restore(db: ConfigDb, now: number, names: readonly string[]): void {
    this.sync(db, now);
    this.revalidation.settle(this.vswitchd.openDatapaths().map((dp) => dp.type));
    const order = [...names.filter((n) => this.bridges.has(n)), ...[...this.bridges.keys()].filter((n) => !names.includes(n))];
    const bridges = order.map((n) => [n, this.bridges.get(n) as Bridge] as const);
    this.bridges.clear();
    for (const [n, br] of bridges) this.bridges.set(n, br);
  }

  /** Reconciles the bridges with DB version `db` (after vswitchd has opened its ports). */
  sync(db: ConfigDb, now: number): void {
    this.db = db;
    this.now = now;
    const rows = db.rows("Bridge");
    const names = new Set<string>();
    const seen = new Map<string, { row: Row; runtime: BridgeRuntime; flowsChanged: boolean; ipfixChanged: boolean }>();
    for (const r of rows) {
      const name = String(r.cols.get("name")?.first() ?? "");
      const rt = this.vswitchd.runtime(r.uuid);
      if (!rt) continue;
      names.add(name);
      const failMode = r.cols.get("fail_mode")?.first() === "secure" ? "secure" : "standalone";
      const hasControllers = (r.cols.get("controller")?.size ?? 0) > 0;
      const mode = `${failMode}/${hasControllers}`;
      let br = this.bridges.get(name);
      const recreated = br === undefined || this.runtimes.get(name) !== rt;
      const version = br?.tables.version;
      if (!br || this.runtimes.get(name) !== rt) {
        // A new ofproto: the old one's meters leave its datapath (ofproto's meter_delete_all).
        br?.meterTable.clear();
        br = new Bridge(name, this.now, rt.datapath.meters);
        br.nativeTunnel = this.tunnels;
        br.dpFeatures = rt.datapath;
        this.bridges.set(name, br);
        this.runtimes.set(name, rt);
        this.flowMode.set(name, "standalone/false");
      }
      br.datapathType = String(r.cols.get("datapath_type")?.first() ?? "");
      br.failMode = failMode;
      br.hasControllers = hasControllers;
      const ipfixChanged = this.ipfix.configure(name, ipfixConfigOf(db, r), this.now, recreated);
      br.ipfix = xlateIpfixOf(this.ipfix.get(name));
      if (this.flowMode.get(name) !== mode) {
        br.flush(this.now, hasControllers);
        this.flowMode.set(name, mode);
      }
      this.syncMacTable(br, r);
      this.syncFlowTables(br, r);
      this.syncPorts(br, r, rt);
      configureMirrors(db, br, r);
      const flowsChanged = recreated ? br.tables.count(0) > 0 : br.tables.version !== version;
      seen.set(name, { row: r, runtime: rt, flowsChanged, ipfixChanged });
    }
    this.revalidation.observe(db, seen);
    for (const name of [...this.bridges.keys()]) {
      if (!names.has(name)) {
        this.ipfix.remove(name, this.now);
        this.bridges.get(name)?.meterTable.clear();
        this.bridges.delete(name);
        this.flowMode.delete(name);
        this.runtimes.delete(name);
      }
    }
  }

  private syncMacTable(br: Bridge, r: Row): void {
    const oc = r.cols.get("other_config");
    const aging = oc?.get("mac-aging-time");
    const n = aging === undefined ? NaN : Number(aging);
    br.macTable.setIdleTime(Number.isInteger(n) && n > 0 ? n : 300);
    const size = oc?.get("mac-table-size");
    const m = size === undefined ? NaN : Number(size);
    br.macTable.setMaxEntries(Number.isInteger(m) && m > 0 ? m : 8192);
    br.macTable.floodVlans = new Set((r.cols.get("flood_vlans")?.keys ?? []).map(Number));
    br.forwardBpdu = String(oc?.get("forward-bpdu") ?? "").toLowerCase() === "true";
  }

  /**
   * The bridge's `flow_tables` (bridge.c bridge_configure_tables): each table's prefix
   * tries from its Flow_Table row's `prefixes`, OVS's defaults for tables without a row,
   * and its flow limit (`flow_limit`, `overflow_policy`, `groups`: table-eviction.ts; a
   * group that is not a subfield is skipped, as bridge.c skips it with a warning).
   */
  private syncFlowTables(br: Bridge, r: Row): void {
    const rows = new Map<number, Row>();
    const column = r.cols.get("flow_tables");
    for (const [t, uuid] of column?.pairs() ?? []) {
      const row = this.db.row("Flow_Table", String(uuid));
      if (row !== undefined) rows.set(Number(t), row);
    }
    const last = this.tablesConfigured.get(br.tables);
    const now = [...rows.values()];
    if (last !== undefined && last.column === column && last.rows.length === now.length && last.rows.every((x, i) => x === now[i])) return;
    this.tablesConfigured.set(br.tables, { column, rows: now });
    for (let t = 0; t < N_TABLES; t++) {
      const row = rows.get(t);
      const names = row === undefined ? null : (row.cols.get("prefixes")?.keys ?? []).map(String);
      br.tables.setPrefixFields(t, configurePrefixes(br.name, names).fields);
      // oftable_set_name at level 2: a row's name replaces an OpenFlow one for good.
      if (row !== undefined && String(row.cols.get("name")?.first() ?? "") !== "") br.tableConfig.setOpenflowName(t, "");
      br.tables.setTableLimit(t, row === undefined ? NO_TABLE_LIMIT : tableLimitOf(row), this.now);
    }
  }

  /** The bridge's ports: what vswitchd opened, with their Port and Interface configuration. */
  private syncPorts(br: Bridge, r: Row, rt: BridgeRuntime): void {
    const db = this.db;
    const ports: BridgePort[] = [];
    const lookup = (dpType: string, peer: string): { bridge: XlateBridge; port: BridgePort } | undefined => {
      for (const [name, other] of this.bridges) {
        if (this.runtimes.get(name)?.dpType !== dpType) continue;
        const port = other.portByName(peer);
        if (port) return { bridge: other, port };
      }
      return undefined;
    };
    for (const pu of r.cols.get("ports")?.keys ?? []) {
      const p = db.row("Port", String(pu));
      if (!p) continue;
      const vlan = vlanConfig(p);
      const queueDscp = queueDscpOf(db, p);
      for (const iu of p.cols.get("interfaces")?.keys ?? []) {
        const iface = db.row("Interface", String(iu));
        const name = String(iface?.cols.get("name")?.first() ?? "");
        const live = rt.ports.get(name);
        if (!iface || !live) continue;
        const options = new Map((iface.cols.get("options")?.pairs() ?? []).map(([k, v]) => [String(k), String(v)]));
        const old = br.port(live.ofport);
        const same =
          old !== undefined &&
          old.name === name &&
          old.created === live.created &&
          old.odpPort === live.odpPort &&
          sameMap(old.options, options) &&
          JSON.stringify(old.vlan) === JSON.stringify(vlan) &&
          JSON.stringify([...old.queueDscp]) === JSON.stringify([...queueDscp]);
        // A netdev whose address changes stays the same port (the LOCAL port follows other_config:hwaddr).
        if (same && old.mac !== live.mac) old.mac = live.mac;
        ports.push(
          same
            ? old
            : new BridgePort(
                {
                  name,
                  ofport: live.ofport,
                  odpPort: live.odpPort,
                  type: live.type,
                  netdevType: live.netdevType,
                  mac: live.mac,
                  options,
                  vlan,
                  created: live.created,
                  datapathType: rt.dpType,
                  queueDscp,
                },
                lookup,
              ),
        );
      }
    }
    const gone = br.setPorts(ports);
    // OVS's bundle_flush_macs(all_ofprotos): a deleted port's MACs leave every bridge's table.
    for (const other of this.bridges.values()) if (other !== br) for (const e of gone) other.macTable.forget(e.mac, e.vlan);
  }
}

function sameMap(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/** A Port row's VLAN configuration as vswitchd's port_configure reads it. */
function vlanConfig(p: Row): XlateVlanConfig {
  const tagAtom = p.cols.get("tag")?.first();
  const tag = typeof tagAtom === "number" && tagAtom >= 0 && tagAtom <= 4095 ? tagAtom : null;
  const trunks = (p.cols.get("trunks")?.keys ?? []).map(Number);
  const modeAtom = p.cols.get("vlan_mode")?.first();
  const modes = ["access", "trunk", "native-tagged", "native-untagged", "dot1q-tunnel"] as const;
  const mode = modes.find((m) => m === modeAtom) ?? (tag !== null ? "access" : "trunk");
  const cvlans = (p.cols.get("cvlans")?.keys ?? []).map(Number);
  const qinq = String(p.cols.get("other_config")?.get("qinq-ethtype") ?? "") === "802.1q" ? 0x8100 : 0x88a8;
  const pt = String(p.cols.get("other_config")?.get("priority-tags") ?? "");
  const priorityTags = pt === "if-nonzero" || pt === "true" ? "if-nonzero" : pt === "always" ? "always" : null;
  return { mode, tag, trunks, ...(cvlans.length > 0 ? { cvlans } : {}), ...(qinq !== 0x88a8 ? { qinqEthtype: qinq } : {}), ...(priorityTags !== null ? { priorityTags } : {}) };
}

/**
 * A Port row's QoS queues that carry a `dscp` (vswitchd's iface_configure_qos, when the QoS
 * has a type): skb_priority (the netdev datapath's priority of queue N is N) -> the DSCP
 * shifted into the TOS byte, as ofproto-dpif's set_queues keeps it.
 */
function queueDscpOf(db: ConfigDb, p: Row): Map<number, number> {
  const out = new Map<number, number>();
  const qos = db.row("QoS", String(p.cols.get("qos")?.first() ?? ""));
  if (qos === undefined || String(qos.cols.get("type")?.first() ?? "") === "") return out;
  for (const [id, qu] of qos.cols.get("queues")?.pairs() ?? []) {
    const dscp = db.row("Queue", String(qu))?.cols.get("dscp")?.first();
    if (typeof dscp === "number") out.set(Number(id), (dscp << 2) & 0xfc);
  }
  return out;
}

/** A Flow_Table row's flow limit. */
function tableLimitOf(row: Row): TableLimit {
  const limit = row.cols.get("flow_limit")?.keys[0];
  const groups: Subfield[] = [];
  for (const g of row.cols.get("groups")?.keys ?? []) {
    const r = parseSubfield(String(g));
    if (r.ok) groups.push(r.sf);
  }
  return {
    maxFlows: limit === undefined ? Infinity : Number(limit),
    evict: String(row.cols.get("overflow_policy")?.keys[0] ?? "") === "evict",
    groups,
  };
}
