/**
 * The typed config-DB operations of the switch API: what Neutron's ovs_lib
 * (through ovsdbapp's AddBrCommand, AddPortCommand, DbSetCommand...) and
 * ovs-vsctl do to the Open_vSwitch database, as one transaction each
 * (`Switch.transact`). Rows are shaped as ovs-vsctl shapes them: a bridge
 * gets a Port and an internal Interface of its own name; a port gets one
 * Interface of its name; names are unique across bridges, ports and
 * interfaces (ovs-vsctl's conflict rule, with its words).
 *
 * Records are named as ovs-vsctl names them: a Bridge, Port or Interface
 * by its name, any row by its uuid; the Open_vSwitch table's one row by
 * ".". Values are plain TypeScript values converted by the column's schema:
 * a string, number or boolean for a scalar column, an array for a set, a
 * string record for a map.
 */
import type { ConfigDb, Row, TableName } from "../datapath/config-db.js";
import { columnSchema } from "../datapath/config-db.js";
import type { Atom, BaseType } from "../datapath/config-db-types.js";
import { Datum } from "../datapath/config-db-types.js";
import { OvsdbError } from "./errors.js";

/** A column value as the API takes and gives it. */
export type DbValue = string | number | boolean | readonly (string | number | boolean)[] | Readonly<Record<string, string | number | boolean>>;

export interface BridgeOptions {
  /** `datapath_type`: "" (system), "system", "netdev" or "dummy". */
  readonly datapathType?: string;
  readonly failMode?: "secure" | "standalone";
  /** `protocols`, e.g. ["OpenFlow10", "OpenFlow13"]. */
  readonly protocols?: readonly string[];
  readonly otherConfig?: Readonly<Record<string, string>>;
  readonly externalIds?: Readonly<Record<string, string>>;
  /** As `--may-exist`: an existing bridge of that name is not an error. */
  readonly mayExist?: boolean;
}

export interface PortOptions {
  /** The Interface's `type` ("" = system; internal, dummy, patch, vxlan, gre, geneve...). */
  readonly type?: string;
  /** The Interface's `options` (peer, remote_ip, local_ip, key, dst_port...). */
  readonly options?: Readonly<Record<string, string>>;
  /** The Interface's `ofport_request`. */
  readonly ofportRequest?: number;
  /** The Interface's `external_ids` (iface-id, attached-mac...). */
  readonly externalIds?: Readonly<Record<string, string>>;
  /** The Port's VLAN configuration. */
  readonly tag?: number;
  readonly trunks?: readonly number[];
  readonly vlanMode?: "access" | "trunk" | "native-tagged" | "native-untagged" | "dot1q-tunnel";
  /** The Port's `other_config` and `external_ids`. */
  readonly portOtherConfig?: Readonly<Record<string, string>>;
  readonly portExternalIds?: Readonly<Record<string, string>>;
  /** As `--may-exist`: a port of that name on that bridge is not an error. */
  readonly mayExist?: boolean;
}

const name = (r: Row): string => String(r.cols.get("name")?.first() ?? "");

/** The Bridge, Port or Interface row named `n`. */
function named(db: ConfigDb, t: TableName, n: string): Row | undefined {
  return db.rows(t).find((r) => name(r) === n);
}

/** ovs-vsctl's rule: a new bridge, port or interface name must be unused by all three. */
function checkConflicts(db: ConfigDb, n: string, what: string): void {
  if (named(db, "Bridge", n) !== undefined) throw new OvsdbError(`${what} because a bridge named ${n} already exists`);
  const port = named(db, "Port", n);
  if (port !== undefined) throw new OvsdbError(`${what} because a port named ${n} already exists on bridge ${bridgeOfPort(db, port.uuid)}`);
  const iface = named(db, "Interface", n);
  if (iface !== undefined) {
    const p = db.rows("Port").find((r) => (r.cols.get("interfaces")?.keys ?? []).includes(iface.uuid));
    throw new OvsdbError(`${what} because an interface named ${n} already exists on bridge ${p === undefined ? "" : bridgeOfPort(db, p.uuid)}`);
  }
}

function bridgeOfPort(db: ConfigDb, portUuid: string): string {
  const br = db.rows("Bridge").find((r) => (r.cols.get("ports")?.keys ?? []).includes(portUuid));
  return br === undefined ? "" : name(br);
}

function atomOf(base: BaseType, v: string | number | boolean, what: string): Atom {
  switch (base.type) {
    case "integer": {
      const n = typeof v === "number" ? v : Number(v);
      if (!Number.isInteger(n)) throw new OvsdbError(`${what}: "${String(v)}" is not a valid integer`);
      return n;
    }
    case "real": {
      const n = typeof v === "number" ? v : Number(v);
      if (!Number.isFinite(n)) throw new OvsdbError(`${what}: "${String(v)}" is not a valid real number`);
      return n;
    }
    case "boolean":
      if (typeof v === "boolean") return v;
      if (v === "true" || v === "false") return v === "true";
      throw new OvsdbError(`${what}: "${String(v)}" is not a valid boolean (use "true" or "false")`);
    default:
      return String(v);
  }
}

/** `value` as a datum of column `col` of table `t`. */
export function datumOf(t: TableName, col: string, value: DbValue): Datum {
  const c = columnSchema(t, col);
  if (c === undefined) throw new OvsdbError(`${t} does not contain a column whose name matches "${col}"`);
  const what = `${t}.${col}`;
  const { key, value: valueType } = c.type;
  if (valueType !== null) {
    if (typeof value !== "object" || Array.isArray(value)) throw new OvsdbError(`${what} is a map: give a record of keys to values`);
    return Datum.map(Object.entries(value as Record<string, string | number | boolean>).map(([k, v]) => [atomOf(key, k, what), atomOf(valueType, v, what)] as const));
  }
  if (Array.isArray(value)) return Datum.set((value as readonly (string | number | boolean)[]).map((v) => atomOf(key, v, what)));
  if (typeof value === "object") throw new OvsdbError(`${what} is not a map`);
  return Datum.scalar(atomOf(key, value as string | number | boolean, what));
}

/** A datum as a plain value: scalar columns (max 1) as their atom or null, sets as arrays, maps as records. */
export function valueOf(t: TableName, col: string, d: Datum): DbValue | null {
  const c = columnSchema(t, col);
  if (c === undefined) throw new OvsdbError(`${t} does not contain a column whose name matches "${col}"`);
  if (d.isMap) return Object.fromEntries(d.pairs().map(([k, v]) => [String(k), v]));
  if (c.type.max === 1) return d.first() ?? null;
  return [...d.keys];
}

/** The row `record` names in table `t` (a name, a uuid, or "." for Open_vSwitch). */
export function findRecord(db: ConfigDb, t: TableName, record: string): Row {
  if (t === "Open_vSwitch" && record === ".") {
    const r = db.rows("Open_vSwitch")[0];
    if (r !== undefined) return r;
  }
  const byUuid = db.row(t, record);
  if (byUuid !== undefined) return byUuid;
  const byName = columnSchema(t, "name") === undefined ? undefined : named(db, t, record);
  if (byName === undefined) throw new OvsdbError(`no row "${record}" in table ${t}`);
  return byName;
}

/** Inserts an Interface and a Port holding it; the Port's uuid. */
function insertPort(db0: ConfigDb, portName: string, iface: Record<string, Datum>, port: Record<string, Datum>): { db: ConfigDb; uuid: string } {
  const i = db0.insert("Interface", { name: Datum.scalar(portName), ...iface });
  return i.db.insert("Port", { name: Datum.scalar(portName), interfaces: Datum.set([i.uuid]), ...port });
}

function addToSet(db: ConfigDb, t: TableName, row: string, col: string, uuid: string): ConfigDb {
  return db.set(t, row, col, Datum.set([...db.get(t, row, col).keys, uuid]));
}

function mapDatum(m: Readonly<Record<string, string>>): Datum {
  return Datum.map(Object.entries(m));
}

export function addBridge(db: ConfigDb, ovsUuid: string, br: string, o: BridgeOptions): ConfigDb {
  if (o.mayExist === true && named(db, "Bridge", br) !== undefined) return db;
  checkConflicts(db, br, `cannot create a bridge named ${br}`);
  const port = insertPort(db, br, { type: Datum.scalar("internal") }, {});
  const cols: Record<string, Datum> = { name: Datum.scalar(br), ports: Datum.set([port.uuid]) };
  if (o.datapathType !== undefined) cols["datapath_type"] = Datum.scalar(o.datapathType);
  if (o.failMode !== undefined) cols["fail_mode"] = Datum.scalar(o.failMode);
  if (o.protocols !== undefined) cols["protocols"] = Datum.set([...o.protocols]);
  if (o.otherConfig !== undefined) cols["other_config"] = mapDatum(o.otherConfig);
  if (o.externalIds !== undefined) cols["external_ids"] = mapDatum(o.externalIds);
  const bridge = port.db.insert("Bridge", cols);
  return addToSet(bridge.db, "Open_vSwitch", ovsUuid, "bridges", bridge.uuid);
}

export function addPort(db: ConfigDb, br: string, port: string, o: PortOptions): ConfigDb {
  const bridge = named(db, "Bridge", br);
  if (bridge === undefined) throw new OvsdbError(`no bridge named ${br}`);
  const existing = named(db, "Port", port);
  if (o.mayExist === true && existing !== undefined) {
    const on = bridgeOfPort(db, existing.uuid);
    if (on !== br) throw new OvsdbError(`"--may-exist add-port ${br} ${port}" but ${port} is actually attached to bridge ${on}`);
    return db;
  }
  if (port === "") throw new OvsdbError("port name must not be empty string");
  checkConflicts(db, port, `cannot create a port named ${port}`);
  const iface: Record<string, Datum> = {};
  if (o.type !== undefined) iface["type"] = Datum.scalar(o.type);
  if (o.options !== undefined) iface["options"] = mapDatum(o.options);
  if (o.ofportRequest !== undefined) iface["ofport_request"] = datumOf("Interface", "ofport_request", o.ofportRequest);
  if (o.externalIds !== undefined) iface["external_ids"] = mapDatum(o.externalIds);
  const cols: Record<string, Datum> = {};
  if (o.tag !== undefined) cols["tag"] = datumOf("Port", "tag", o.tag);
  if (o.trunks !== undefined) cols["trunks"] = datumOf("Port", "trunks", [...o.trunks]);
  if (o.vlanMode !== undefined) cols["vlan_mode"] = Datum.scalar(o.vlanMode);
  if (o.portOtherConfig !== undefined) cols["other_config"] = mapDatum(o.portOtherConfig);
  if (o.portExternalIds !== undefined) cols["external_ids"] = mapDatum(o.portExternalIds);
  const p = insertPort(db, port, iface, cols);
  return addToSet(p.db, "Bridge", bridge.uuid, "ports", p.uuid);
}

function deletePortRow(db0: ConfigDb, p: Row): ConfigDb {
  let db = db0;
  const br = db.rows("Bridge").find((r) => (r.cols.get("ports")?.keys ?? []).includes(p.uuid));
  if (br !== undefined) db = db.set("Bridge", br.uuid, "ports", Datum.set((br.cols.get("ports")?.keys ?? []).filter((k) => k !== p.uuid)));
  for (const i of p.cols.get("interfaces")?.keys ?? []) db = db.delete("Interface", String(i));
  return db.delete("Port", p.uuid);
}

export function deletePort(db: ConfigDb, port: string, ifExists: boolean): ConfigDb {
  const p = named(db, "Port", port);
  if (p === undefined) {
    if (ifExists) return db;
    throw new OvsdbError(`no port named ${port}`);
  }
  if (named(db, "Bridge", port) !== undefined) throw new OvsdbError(`cannot delete port ${port} because it is the local port for bridge ${port} (deleting this port requires deleting the entire bridge)`);
  return deletePortRow(db, p);
}

export function deleteBridge(db0: ConfigDb, ovsUuid: string, br: string, ifExists: boolean): ConfigDb {
  const bridge = named(db0, "Bridge", br);
  if (bridge === undefined) {
    if (ifExists) return db0;
    throw new OvsdbError(`no bridge named ${br}`);
  }
  let db = db0;
  for (const pu of bridge.cols.get("ports")?.keys ?? []) {
    const p = db.row("Port", String(pu));
    if (p !== undefined) db = deletePortRow(db, p);
  }
  db = db.set("Open_vSwitch", ovsUuid, "bridges", Datum.set(db.get("Open_vSwitch", ovsUuid, "bridges").keys.filter((k) => k !== bridge.uuid)));
  return db.delete("Bridge", bridge.uuid);
}
