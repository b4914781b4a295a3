/**
 * The state a script runs against: one simulated switch — its config DB (the
 * current version; every commit replaces it, old versions stay valid
 * snapshots), the vswitchd that reconciles it, the bridges (flow tables)
 * the DB's Bridge rows describe — and its virtual clock (milliseconds).
 */
import type { XlateBridge, XlateVlanConfig } from "../actions/xlate/xlate-bridge.js";
import { Bridge } from "../datapath/bridge.js";
import { BridgePort } from "../datapath/bridge-port.js";
import type { Row } from "../datapath/config-db.js";
import type { ConfigDb } from "../datapath/config-db.js";
import { ConfigDb as Db } from "../datapath/config-db.js";
import { Datum } from "../datapath/config-db-types.js";
import type { BridgeRuntime } from "../datapath/config-db-vswitchd.js";
import { Vswitchd } from "../datapath/config-db-vswitchd.js";
import { TunnelEnv } from "../datapath/tunnel-env.js";
import { N_TABLES } from "../flowtable/flow-tables.js";
import { configurePrefixes } from "../flowtable/prefix-fields.js";

/** A fresh database as `ovs-vsctl --no-wait init` leaves it: one Open_vSwitch row, next_cfg 0. */
function initialDb(): { db: ConfigDb; ovsUuid: string } {
  const { db, uuid } = Db.empty().insert("Open_vSwitch", { next_cfg: Datum.scalar(0), cur_cfg: Datum.scalar(0) });
  return { db, ovsUuid: uuid };
}

export class World {
  readonly bridges = new Map<string, Bridge>();
  /** Virtual time, ms. */
  now = 0;
  /** The Open_vSwitch row. */
  readonly ovsUuid: string;
  readonly vswitchd = new Vswitchd();
  /** Native tunnelling: device addresses, routes, neighbours (ovs/route/*, tnl/arp/*). */
  readonly tunnels: TunnelEnv = new TunnelEnv(() => this.tunnelViews());
  private current: ConfigDb;
  /** Per bridge: the fail mode and controller presence its flows were last set up for. */
  private readonly flowMode = new Map<string, string>();
  /** Per bridge: the vswitchd ofproto it mirrors (a new one means a new bridge: flows start over). */
  private readonly ofprotos = new Map<string, BridgeRuntime>();

  constructor() {
    const init = initialDb();
    this.ovsUuid = init.ovsUuid;
    this.current = this.vswitchd.reconfigure(init.db, this.now);
  }

  /** The current config DB version. */
  get db(): ConfigDb {
    return this.current;
  }

  bridge(name: string): Bridge | undefined {
    return this.bridges.get(name);
  }

  /** What translation needs of the bridge named `name` (ofproto/trace's entry point). */
  xlateBridge(name: string): XlateBridge | undefined {
    return this.bridges.get(name);
  }

  /** The vswitchd ofproto of a bridge: its datapath, open ports in OVS's hash order. */
  ofproto(name: string): BridgeRuntime | undefined {
    return this.ofprotos.get(name);
  }

  /** Advances the virtual clock by `msecs` in steps of `step`, expiring flows at each step. */
  advance(msecs: number, step: number = msecs): void {
    const end = this.now + msecs;
    while (this.now < end) {
      this.now = Math.min(end, this.now + step);
      for (const br of this.bridges.values()) {
        br.tables.expire(this.now);
        br.macTable.run(this.now);
      }
    }
  }

  /** The bridges as native tunnelling sees them: a bridge's own port takes `other_config:hwaddr` when set. */
  private *tunnelViews(): Iterable<{ bridge: Bridge; macOf(port: BridgePort): string }> {
    for (const br of this.bridges.values()) {
      const row = this.current.rows("Bridge").find((r) => String(r.cols.get("name")?.first() ?? "") === br.name);
      const hw = row?.cols.get("other_config")?.get("hwaddr");
      yield { bridge: br, macOf: (port) => (port.name === br.name && hw !== undefined ? String(hw) : port.mac) };
    }
  }

  /** Installs a new DB version (a committed transaction): vswitchd reconfigures, bridges follow. */
  commit(db: ConfigDb): void {
    this.current = this.vswitchd.reconfigure(db, this.now);
    this.syncBridges();
  }

  private syncBridges(): void {
    const rows = this.current.rows("Bridge");
    const names = new Set<string>();
    for (const r of rows) {
      const name = String(r.cols.get("name")?.first() ?? "");
      const rt = this.vswitchd.runtime(r.uuid);
      if (!rt) continue;
      names.add(name);
      const failMode = r.cols.get("fail_mode")?.first() === "secure" ? "secure" : "standalone";
      const hasControllers = (r.cols.get("controller")?.size ?? 0) > 0;
      const mode = `${failMode}/${hasControllers}`;
      let br = this.bridges.get(name);
      if (!br || this.ofprotos.get(name) !== rt) {
        // A new ofproto: the old one's meters leave its datapath (ofproto's meter_delete_all).
        br?.meterTable.clear();
        br = new Bridge(name, this.now, rt.datapath.meters);
        br.nativeTunnel = this.tunnels;
        this.bridges.set(name, br);
        this.ofprotos.set(name, rt);
        this.flowMode.set(name, "standalone/false");
      }
      br.datapathType = String(r.cols.get("datapath_type")?.first() ?? "");
      br.failMode = failMode;
      br.hasControllers = hasControllers;
      if (this.flowMode.get(name) !== mode) {
        br.flush(this.now, hasControllers);
        this.flowMode.set(name, mode);
      }
      this.syncMacTable(br, r);
      this.syncFlowTables(br, r);
      this.syncPorts(br, r, rt);
    }
    for (const name of [...this.bridges.keys()]) {
      if (!names.has(name)) {
        this.bridges.get(name)?.meterTable.clear();
        this.bridges.delete(name);
        this.flowMode.delete(name);
        this.ofprotos.delete(name);
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
   * tries from its Flow_Table row's `prefixes`, OVS's defaults for tables without a row.
   */
  private syncFlowTables(br: Bridge, r: Row): void {
    const rows = new Map<number, Row>();
    for (const [t, uuid] of r.cols.get("flow_tables")?.pairs() ?? []) {
      const row = this.current.row("Flow_Table", String(uuid));
      if (row !== undefined) rows.set(Number(t), row);
    }
    for (let t = 0; t < N_TABLES; t++) {
      const row = rows.get(t);
      const names = row === undefined ? null : (row.cols.get("prefixes")?.keys ?? []).map(String);
      br.tables.setPrefixFields(t, configurePrefixes(br.name, names).fields);
    }
  }

  /** The bridge's ports: what vswitchd opened, with their Port and Interface configuration. */
  private syncPorts(br: Bridge, r: Row, rt: BridgeRuntime): void {
    const db = this.current;
    const ports: BridgePort[] = [];
    const lookup = (dpType: string, peer: string): { bridge: XlateBridge; port: BridgePort } | undefined => {
      for (const [name, other] of this.bridges) {
        if (this.ofprotos.get(name)?.dpType !== dpType) continue;
        const port = other.portByName(peer);
        if (port) return { bridge: other, port };
      }
      return undefined;
    };
    for (const pu of r.cols.get("ports")?.keys ?? []) {
      const p = db.row("Port", String(pu));
      if (!p) continue;
      const vlan = vlanConfig(p);
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
          sameMap(old.options, options) &&
          JSON.stringify(old.vlan) === JSON.stringify(vlan);
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
  return { mode, tag, trunks };
}
