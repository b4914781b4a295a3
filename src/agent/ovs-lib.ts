/**
 * The OVSDB half of Neutron's `ovs_lib.OVSBridge` (agent/common/ovs_lib.py,
 * through ovsdbapp): what the agent writes to and reads from the
 * Open_vSwitch database of one bridge, over the switch API's transactions.
 *
 * ovsdbapp's semantics are kept where they show in `ovs-vsctl list`:
 * - `db_set` of a map column MERGES the given keys into the map (ovsdbapp's
 *   DbSetCommand updates the existing map), so `set_igmp_snooping_state`
 *   leaves `mac-table-size` in `other_config` and a patch port's `options`
 *   get their `peer` replaced, not the whole map;
 * - `add_br` and `add_port` are `--may-exist` (an existing bridge still gets
 *   the datapath type it is asked for); `del_port` is `--if-exists`;
 * - an empty optional column reads as `[]` (the agent's `cur_tag` tests
 *   depend on it: `[]` is falsy, a tag is not);
 * - each method is one transaction, as the agent's own `with
 *   ovsdb.transaction()` blocks are.
 *
 * What the agent reads about VM ports (`get_vif_ports`, `get_vif_port_set`,
 * `get_vifs_by_ids`...) comes from the Interface rows of the bridge's ports
 * (not its own internal port): a VIF is an Interface with `external_ids`
 * `iface-id` and `attached-mac`.
 */
import type { ConfigDb, Row, TableName } from "../datapath/config-db.js";
import { columnSchema } from "../datapath/config-db.js";
import type { Atom } from "../datapath/config-db-types.js";
import { Datum } from "../datapath/config-db-types.js";
import type { Switch } from "../vswitchd/switch.js";
import {
  BRIDGE_MAC_TABLE_SIZE,
  INITIAL_PROTOCOLS,
  INVALID_OFPORT,
  OF_INACTIVITY_PROBE_S,
  OF_LISTEN_ADDRESS,
  OF_LISTEN_PORT,
  OPENFLOW10,
  OPENFLOW13,
  OVS_DATAPATH_SYSTEM,
  TYPE_GRE,
  TYPE_VXLAN,
  VXLAN_UDP_PORT,
} from "./constants.js";
import { ipVersion } from "./ip.js";

/** ovs_lib.VifPort: a VM's port on the integration bridge. */
export interface VifPort {
  readonly portName: string;
  /** The Interface's ofport (-1 when it failed to open). */
  readonly ofport: number;
  /** external_ids:iface-id, the Neutron port id. */
  readonly vifId: string;
  /** external_ids:attached-mac. */
  readonly vifMac: string;
}

/** A column's value as ovsdbapp hands it to the agent: an atom, a list (sets, and `[]` for an empty optional column) or a map. */
export type OvsdbValue = Atom | readonly Atom[] | Readonly<Record<string, Atom>>;

const nameOf = (r: Row): string => String(r.cols.get("name")?.first() ?? "");

function named(db: ConfigDb, t: TableName, name: string): Row | undefined {
  return db.rows(t).find((r) => nameOf(r) === name);
}

/** As ovsdbapp returns a column: a map as a record, a column of at most one value as that value (`[]` when empty), a set as a list. */
function valueOf(t: TableName, column: string, d: Datum): OvsdbValue {
  if (d.isMap) return Object.fromEntries(d.pairs().map(([k, v]) => [String(k), v]));
  if (columnSchema(t, column)?.type.max === 1 && d.size === 1) return d.first()!;
  return [...d.keys];
}

function mapOf(d: Datum | undefined): Record<string, string> {
  return Object.fromEntries((d?.pairs() ?? []).map(([k, v]) => [String(k), String(v)]));
}

export class OvsBridge {
  constructor(
    readonly sw: Switch,
    readonly brName: string,
    readonly datapathType: string = OVS_DATAPATH_SYSTEM,
  ) {}

  // ---- generic column access (BaseOVS.db_get_val / set_db_attribute / clear_db_attribute)

  /** db_get_val: the column of the named record, or null when there is no such record. */
  dbGetVal(table: TableName, record: string, column: string): OvsdbValue | null {
    const row = named(this.sw.db, table, record);
    if (row === undefined) return null;
    return valueOf(table, column, row.cols.get(column) ?? Datum.EMPTY_SET);
  }

  /** set_db_attribute (ovsdbapp db_set): a map value is merged into the column's map. A missing record changes nothing (Neutron logs it). */
  setDbAttribute(table: TableName, record: string, column: string, value: Atom | readonly Atom[] | Readonly<Record<string, Atom>>): void {
    this.sw.transact((db) => setColumn(db, table, record, column, value));
  }

  /** clear_db_attribute (ovsdbapp db_clear). */
  clearDbAttribute(table: TableName, record: string, column: string): void {
    this.sw.transact((db) => clearColumn(db, table, record, column));
  }

  // ---- the bridge itself

  /**
   * create(): `add-br --may-exist` with the datapath type, `protocols` +=
   * initial_protocols, `other_config:mac-table-size`, and fail_mode secure
   * when asked, in one transaction.
   */
  create(secureMode = false): void {
    this.sw.transact((db0) => {
      let db = db0;
      let br = named(db, "Bridge", this.brName);
      if (br === undefined) {
        db = insertBridge(db, this.brName);
        br = named(db, "Bridge", this.brName)!;
      }
      db = db.set("Bridge", br.uuid, "datapath_type", Datum.scalar(this.datapathType));
      db = addToSet(db, "Bridge", br.uuid, "protocols", INITIAL_PROTOCOLS);
      db = setColumn(db, "Bridge", this.brName, "other_config", { "mac-table-size": String(BRIDGE_MAC_TABLE_SIZE) });
      if (secureMode) db = db.set("Bridge", br.uuid, "fail_mode", Datum.scalar("secure"));
      return db;
    });
  }

  setSecureMode(): void {
    this.setDbAttribute("Bridge", this.brName, "fail_mode", "secure");
  }

  bridgeExists(): boolean {
    return named(this.sw.db, "Bridge", this.brName) !== undefined;
  }

  /** add_protocols: `protocols` += the missing ones. */
  addProtocols(...protocols: string[]): void {
    this.sw.transact((db) => {
      const br = named(db, "Bridge", this.brName);
      return br === undefined ? db : addToSet(db, "Bridge", br.uuid, "protocols", protocols);
    });
  }

  /**
   * OVSAgentBridge.setup_controllers: the embedded os-ken controller
   * (`tcp:127.0.0.1:6633`) unless already set, OpenFlow 1.0 and 1.3,
   * out-of-band connection mode, the inactivity probe.
   */
  setupControllers(): void {
    const target = `tcp:${OF_LISTEN_ADDRESS}:${OF_LISTEN_PORT}`;
    const br = named(this.sw.db, "Bridge", this.brName);
    if (br === undefined) return;
    const existing = br.cols
      .get("controller")!
      .keys.map((u) => this.sw.db.get("Controller", String(u), "target").first())
      .map(String);
    if (!existing.includes(target)) {
      this.sw.transact((db0) => {
        const b = named(db0, "Bridge", this.brName)!;
        let db = db0;
        for (const u of b.cols.get("controller")!.keys) db = db.delete("Controller", String(u));
        const c = db.insert("Controller", { target: Datum.scalar(target) });
        return c.db.set("Bridge", b.uuid, "controller", Datum.set([c.uuid]));
      });
    }
    this.addProtocols(OPENFLOW10, OPENFLOW13);
    this.setControllerField("connection_mode", "out-of-band");
    this.setControllerField("inactivity_probe", OF_INACTIVITY_PROBE_S * 1000);
  }

  /** set_controller_field: the column on every controller of the bridge. */
  setControllerField(column: string, value: Atom): void {
    this.sw.transact((db0) => {
      const br = named(db0, "Bridge", this.brName);
      let db = db0;
      for (const u of br?.cols.get("controller")?.keys ?? []) db = db.set("Controller", String(u), column, Datum.scalar(value));
      return db;
    });
  }

  /** set_igmp_snooping_state: `mcast_snooping_enable` and `other_config:mcast-snooping-disable-flood-unregistered=false`. */
  setIgmpSnoopingState(state: boolean): void {
    this.sw.transact((db) => {
      const d = setColumn(db, "Bridge", this.brName, "mcast_snooping_enable", state);
      return setColumn(d, "Bridge", this.brName, "other_config", { "mcast-snooping-disable-flood-unregistered": "false" });
    });
  }

  /** set_igmp_snooping_flood: the Port's `other_config:mcast-snooping-flood(-reports)` as Python's str(bool). */
  setIgmpSnoopingFlood(portName: string, state: boolean): void {
    const s = state ? "True" : "False";
    this.setDbAttribute("Port", portName, "other_config", { "mcast-snooping-flood-reports": s, "mcast-snooping-flood": s });
  }

  // ---- ports

  /** add_port: `add-port --may-exist` plus the Interface's columns (maps merged), one transaction; the ofport. */
  addPort(portName: string, iface: Readonly<Record<string, Atom | Readonly<Record<string, Atom>>>> = {}): number {
    this.sw.transact((db0) => {
      let db = db0;
      if (named(db, "Port", portName) === undefined) db = insertPort(db, this.brName, portName);
      for (const [col, v] of Object.entries(iface)) db = setColumn(db, "Interface", portName, col, v);
      return db;
    });
    return this.getPortOfport(portName);
  }

  /** add_patch_port: a patch port whose peer is `remoteName`. */
  addPatchPort(localName: string, remoteName: string): number {
    return this.addPort(localName, { type: "patch", options: { peer: remoteName } });
  }

  /**
   * add_tunnel_port: type (GRE over IPv6 is `ip6gre` with
   * `packet_type=legacy_l2`), options `dst_port` (VXLAN off 4789 only),
   * `df_default`, `remote_ip`, `local_ip`, `in_key=flow`, `out_key=flow`,
   * `egress_pkt_mark=0`.
   */
  addTunnelPort(portName: string, remoteIp: string, localIp: string, tunnelType: string, vxlanUdpPort: number, dontFragment = true): number {
    let type = tunnelType;
    if (type === TYPE_GRE && (ipVersion(remoteIp) === 6 || ipVersion(localIp) === 6)) type = "ip6gre";
    const options: Record<string, string> = {};
    if (type === TYPE_VXLAN && vxlanUdpPort !== VXLAN_UDP_PORT) options["dst_port"] = String(vxlanUdpPort);
    options["df_default"] = dontFragment ? "true" : "false";
    options["remote_ip"] = remoteIp;
    options["local_ip"] = localIp;
    options["in_key"] = "flow";
    options["out_key"] = "flow";
    options["egress_pkt_mark"] = "0";
    if (type === "ip6gre") options["packet_type"] = "legacy_l2";
    return this.addPort(portName, { type, options });
  }

  /** delete_port: `del-port --if-exists BRIDGE PORT`. */
  deletePort(portName: string): void {
    if (!this.portNames().includes(portName)) return;
    this.sw.deletePort(portName, { ifExists: true });
  }

  /** BaseOVS.port_exists: a Port of that name on any bridge. */
  portExists(portName: string): boolean {
    return named(this.sw.db, "Port", portName) !== undefined;
  }

  /** get_port_ofport: the Interface's ofport, -1 when it has none. */
  getPortOfport(portName: string): number {
    const v = this.dbGetVal("Interface", portName, "ofport");
    return typeof v === "number" ? v : INVALID_OFPORT;
  }

  /** get_port_name_list: the bridge's ports, its own internal port left out (ovsdbapp list_ports). */
  portNames(): string[] {
    const db = this.sw.db;
    const br = named(db, "Bridge", this.brName);
    if (br === undefined) return [];
    return br.cols
      .get("ports")!
      .keys.map((u) => db.row("Port", String(u)))
      .filter((r): r is Row => r !== undefined)
      .map(nameOf)
      .filter((n) => n !== this.brName);
  }

  /** The Interface rows of the bridge's ports (get_ports_attributes('Interface', ...)), in the DB's row order. */
  private interfaceRows(): Row[] {
    const names = new Set(this.portNames());
    return this.sw.db.rows("Interface").filter((r) => names.has(nameOf(r)));
  }

  private static vif(r: Row): { name: string; ofport: number; externalIds: Record<string, string> } {
    const of = r.cols.get("ofport")?.first();
    return { name: nameOf(r), ofport: typeof of === "number" ? of : INVALID_OFPORT, externalIds: mapOf(r.cols.get("external_ids")) };
  }

  /** get_vif_ports: Interfaces with iface-id and attached-mac (ofports in `skipOfports` left out). */
  getVifPorts(skipOfports: readonly number[] = []): VifPort[] {
    const out: VifPort[] = [];
    for (const r of this.interfaceRows()) {
      const v = OvsBridge.vif(r);
      if (skipOfports.includes(v.ofport)) continue;
      const id = v.externalIds["iface-id"];
      const mac = v.externalIds["attached-mac"];
      if (id !== undefined && mac !== undefined) out.push({ portName: v.name, ofport: v.ofport, vifId: id, vifMac: mac });
    }
    return out;
  }

  /** get_vif_port_set: the iface-ids of VIFs whose ofport is valid. */
  getVifPortSet(): Set<string> {
    const out = new Set<string>();
    for (const r of this.interfaceRows()) {
      const v = OvsBridge.vif(r);
      if (v.ofport === INVALID_OFPORT) continue;
      const id = v.externalIds["iface-id"];
      if (v.externalIds["attached-mac"] !== undefined && id !== undefined) out.add(id);
    }
    return out;
  }

  /** get_vif_port_to_ofport_map: iface-id (or the name) to ofport, for every Interface of the bridge. */
  getVifPortToOfportMap(): Map<string, number> {
    const out = new Map<string, number>();
    for (const r of this.interfaceRows()) {
      const v = OvsBridge.vif(r);
      out.set(v.externalIds["iface-id"] ?? v.name, v.ofport);
    }
    return out;
  }

  /** get_port_tag_dict: port name to its tag (`[]` when untagged). */
  getPortTagDict(): Map<string, number | readonly Atom[]> {
    const out = new Map<string, number | readonly Atom[]>();
    for (const n of this.portNames()) out.set(n, tagOf(this.dbGetVal("Port", n, "tag")));
    return out;
  }

  /** get_vifs_by_ids: the VifPort of each id (null when not on the bridge). */
  getVifsByIds(ids: readonly string[]): Map<string, VifPort | null> {
    const byId = new Map<string, ReturnType<typeof OvsBridge.vif>>();
    for (const r of this.interfaceRows()) {
      const v = OvsBridge.vif(r);
      const id = v.externalIds["iface-id"];
      if (id !== undefined) byId.set(id, v);
    }
    const out = new Map<string, VifPort | null>();
    for (const id of ids) {
      const v = byId.get(id);
      out.set(id, v === undefined ? null : { portName: v.name, ofport: v.ofport, vifId: id, vifMac: v.externalIds["attached-mac"] ?? "" });
    }
    return out;
  }

  /** get_vif_port_by_id: the VIF with that iface-id on this bridge, or null. */
  getVifPortById(id: string): VifPort | null {
    return this.getVifPorts().find((p) => p.vifId === id) ?? null;
  }
}

/** A Port's tag as the agent sees it: the number, or `[]` when untagged. */
export function tagOf(v: OvsdbValue | null): number | readonly Atom[] {
  return typeof v === "number" ? v : [];
}

function addToSet(db: ConfigDb, t: TableName, uuid: string, col: string, atoms: readonly Atom[]): ConfigDb {
  const cur = db.get(t, uuid, col).keys;
  const missing = atoms.filter((a) => !cur.includes(a));
  return missing.length === 0 ? db : db.set(t, uuid, col, Datum.set([...cur, ...missing]));
}

function setColumn(db: ConfigDb, t: TableName, record: string, col: string, value: Atom | readonly Atom[] | Readonly<Record<string, Atom>>): ConfigDb {
  const row = named(db, t, record);
  if (row === undefined) return db;
  let datum: Datum;
  if (Array.isArray(value)) datum = Datum.set(value as readonly Atom[]);
  else if (typeof value === "object") {
    const merged = new Map<Atom, Atom>(row.cols.get(col)?.pairs() ?? []);
    for (const [k, v] of Object.entries(value as Record<string, Atom>)) merged.set(k, v);
    datum = Datum.map([...merged.entries()]);
  } else datum = Datum.scalar(value as Atom);
  return db.set(t, row.uuid, col, datum);
}

function clearColumn(db: ConfigDb, t: TableName, record: string, col: string): ConfigDb {
  const row = named(db, t, record);
  if (row === undefined) return db;
  const cur = row.cols.get(col);
  return db.set(t, row.uuid, col, cur?.isMap === true ? Datum.EMPTY_MAP : Datum.EMPTY_SET);
}

function insertBridge(db0: ConfigDb, name: string): ConfigDb {
  const iface = db0.insert("Interface", { name: Datum.scalar(name), type: Datum.scalar("internal") });
  const port = iface.db.insert("Port", { name: Datum.scalar(name), interfaces: Datum.set([iface.uuid]) });
  const br = port.db.insert("Bridge", { name: Datum.scalar(name), ports: Datum.set([port.uuid]) });
  const ovs = br.db.rows("Open_vSwitch")[0]!;
  return br.db.set("Open_vSwitch", ovs.uuid, "bridges", Datum.set([...ovs.cols.get("bridges")!.keys, br.uuid]));
}

function insertPort(db0: ConfigDb, bridge: string, name: string): ConfigDb {
  const br = named(db0, "Bridge", bridge);
  if (br === undefined) return db0;
  const iface = db0.insert("Interface", { name: Datum.scalar(name) });
  const port = iface.db.insert("Port", { name: Datum.scalar(name), interfaces: Datum.set([iface.uuid]) });
  return port.db.set("Bridge", br.uuid, "ports", Datum.set([...br.cols.get("ports")!.keys, port.uuid]));
}
