/**
 * The state one ovs-vsctl invocation works on: the database version being
 * edited (committed only if every command succeeds, as one OVSDB
 * transaction), each command's output, the `--id=@name` symbols, and
 * ovs-vsctl's view of bridges / ports / interfaces (fake VLAN bridges
 * included), rebuilt whenever the database changes (ovs-vsctl.c
 * `vsctl_context_populate_cache`).
 */
import type { ConfigDb, Row, TableName } from "../datapath/config-db.js";
import type { BaseType } from "../datapath/config-db-types.js";
import { Datum } from "../datapath/config-db-types.js";
import type { SymbolTable } from "../datapath/config-db-data.js";

/** A command failed: ovs-vsctl prints `ovs-vsctl: <message>` and exits with `exitCode`, committing nothing. */
export class VsctlError extends Error {
  readonly code = "VSCTL_ERROR";
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

export interface VsBridge {
  readonly name: string;
  /** The Bridge row; for a fake bridge, its parent's. */
  readonly row: Row;
  readonly parent: VsBridge | null;
  readonly vlan: number;
  readonly ports: VsPort[];
}

export interface VsPort {
  readonly name: string;
  readonly row: Row;
  readonly bridge: VsBridge;
  readonly ifaces: VsIface[];
}

export interface VsIface {
  readonly name: string;
  readonly row: Row;
  readonly port: VsPort;
}

export interface VsCache {
  readonly bridges: Map<string, VsBridge>;
  readonly ports: Map<string, VsPort>;
  readonly ifaces: Map<string, VsIface>;
}

export function str(d: Datum | undefined): string {
  const a = d?.first();
  return a === undefined ? "" : String(a);
}

function isFakeBridgePort(p: Row): boolean {
  const tag = p.cols.get("tag")?.first();
  return p.cols.get("fake_bridge")?.first() === true && typeof tag === "number" && tag >= 0 && tag <= 4095;
}

function buildCache(db: ConfigDb): VsCache {
  const bridges = new Map<string, VsBridge>();
  const ports = new Map<string, VsPort>();
  const ifaces = new Map<string, VsIface>();
  const ovs = db.rows("Open_vSwitch")[0];
  const brRows = (ovs?.cols.get("bridges")?.keys ?? []).map((u) => db.row("Bridge", String(u))).filter((r): r is Row => !!r);
  const portRowsOf = (br: Row): Row[] =>
    (br.cols.get("ports")?.keys ?? []).map((u) => db.row("Port", String(u))).filter((r): r is Row => !!r);
  const seenPorts = new Set<string>();
  for (const br of brRows) {
    const name = str(br.cols.get("name"));
    if (bridges.has(name)) continue;
    const vb: VsBridge = { name, row: br, parent: null, vlan: 0, ports: [] };
    bridges.set(name, vb);
    for (const p of portRowsOf(br)) {
      const pn = str(p.cols.get("name"));
      if (seenPorts.has(pn)) continue;
      seenPorts.add(pn);
      if (isFakeBridgePort(p) && !bridges.has(pn)) {
        const vlan = p.cols.get("tag")?.first() as number;
        if (![...bridges.values()].some((b) => b.parent === vb && b.vlan === vlan)) {
          bridges.set(pn, { name: pn, row: br, parent: vb, vlan, ports: [] });
        }
      }
    }
  }
  for (const br of brRows) {
    const vb = bridges.get(str(br.cols.get("name")));
    if (!vb || vb.row !== br || vb.parent) continue;
    for (const p of portRowsOf(br)) {
      const pn = str(p.cols.get("name"));
      if (ports.has(pn)) continue;
      let owner = vb;
      const tag = p.cols.get("tag")?.first();
      if (typeof tag === "number" && tag >= 0 && tag <= 4095) {
        const child = [...bridges.values()].find((b) => b.parent === vb && b.vlan === tag);
        if (child) owner = child;
      }
      const vp: VsPort = { name: pn, row: p, bridge: owner, ifaces: [] };
      owner.ports.push(vp);
      ports.set(pn, vp);
      for (const iu of p.cols.get("interfaces")?.keys ?? []) {
        const ir = db.row("Interface", String(iu));
        if (!ir) continue;
        const iname = str(ir.cols.get("name"));
        if (ifaces.has(iname)) continue;
        const vi: VsIface = { name: iname, row: ir, port: vp };
        vp.ifaces.push(vi);
        ifaces.set(iname, vi);
      }
    }
  }
  return { bridges, ports, ifaces };
}

export interface CommandInvocation {
  readonly name: string;
  readonly args: readonly string[];
  /** Options given before the command name: `--may-exist`, `--columns=name` ... (value null if none). */
  readonly options: ReadonlyMap<string, string | null>;
}

export class VsctlContext implements SymbolTable {
  db: ConfigDb;
  /** The Open_vSwitch row's uuid. */
  readonly ovsUuid: string;
  /** Interfaces created by this invocation (checked after vswitchd reconfigures). */
  readonly newIfaces: string[] = [];
  /** `--id=@name` symbols: name -> uuid, and whether a row was created for it. */
  readonly symbols = new Map<string, { uuid: string; created: boolean }>();
  /** Rows this transaction inserted: their read-only columns may still be set (ovsdb_idl_is_mutable). */
  readonly inserted = new Set<string>();
  private cacheFor: ConfigDb | null = null;
  private cacheValue: VsCache | null = null;

  constructor(db: ConfigDb, ovsUuid: string) {
    this.db = db;
    this.ovsUuid = ovsUuid;
  }

  get cache(): VsCache {
    if (this.cacheFor !== this.db || this.cacheValue === null) {
      this.cacheValue = buildCache(this.db);
      this.cacheFor = this.db;
    }
    return this.cacheValue;
  }

  resolve(name: string, _base: BaseType): string {
    let s = this.symbols.get(name);
    if (!s) {
      const { db, uuid } = this.db.reserveUuid();
      this.db = db;
      s = { uuid, created: false };
      this.symbols.set(name, s);
    }
    return s.uuid;
  }

  /** Inserts a row; returns its uuid. */
  insert(t: TableName, values: Readonly<{ [col: string]: Datum }> = {}): string {
    const { db, uuid } = this.db.insert(t, values);
    this.db = db;
    this.inserted.add(uuid);
    return uuid;
  }

  set(t: TableName, uuid: string, col: string, value: Datum): void {
    this.db = this.db.set(t, uuid, col, value);
  }

  get(t: TableName, uuid: string, col: string): Datum {
    return this.db.get(t, uuid, col);
  }

  findBridge(name: string, mustExist: boolean): VsBridge | undefined {
    const br = this.cache.bridges.get(name);
    if (mustExist && !br) throw new VsctlError(`no bridge named ${name}`);
    return br;
  }

  findRealBridge(name: string, mustExist: boolean): VsBridge | undefined {
    const br = this.findBridge(name, mustExist);
    if (br?.parent) throw new VsctlError(`${name} is a fake bridge`);
    return br;
  }

  findPort(name: string, mustExist: boolean): VsPort | undefined {
    let p = this.cache.ports.get(name);
    if (p && p.bridge.name === name) p = undefined;
    if (mustExist && !p) throw new VsctlError(`no port named ${name}`);
    return p;
  }

  findIface(name: string, mustExist: boolean): VsIface | undefined {
    let i = this.cache.ifaces.get(name);
    if (i && i.port.bridge.name === name) i = undefined;
    if (mustExist && !i) throw new VsctlError(`no interface named ${name}`);
    return i;
  }

  checkConflicts(name: string, msg: string): void {
    if (this.cache.bridges.has(name)) throw new VsctlError(`${msg} because a bridge named ${name} already exists`);
    const p = this.cache.ports.get(name);
    if (p) throw new VsctlError(`${msg} because a port named ${name} already exists on bridge ${p.bridge.name}`);
    const i = this.cache.ifaces.get(name);
    if (i) throw new VsctlError(`${msg} because an interface named ${name} already exists on bridge ${i.port.bridge.name}`);
  }

  /** Adds `uuid` to a set column. */
  addToSet(t: TableName, row: string, col: string, uuid: string): void {
    this.set(t, row, col, Datum.set([...this.get(t, row, col).keys, uuid]));
  }

  removeFromSet(t: TableName, row: string, col: string, uuid: string): void {
    this.set(t, row, col, Datum.set(this.get(t, row, col).keys.filter((k) => k !== uuid)));
  }
}
