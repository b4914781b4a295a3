/**
 * The state a script runs against: one simulated switch — its config DB (the
 * current version; every commit replaces it, old versions stay valid
 * snapshots), the vswitchd that reconciles it, the bridges (flow tables)
 * the DB's Bridge rows describe — and its virtual clock (milliseconds).
 */
import { Bridge } from "../datapath/bridge.js";
import type { ConfigDb } from "../datapath/config-db.js";
import { ConfigDb as Db } from "../datapath/config-db.js";
import { Datum } from "../datapath/config-db-types.js";
import { Vswitchd } from "../datapath/config-db-vswitchd.js";

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
  private current: ConfigDb;
  /** Per bridge: the fail mode and controller presence its flows were last set up for. */
  private readonly flowMode = new Map<string, string>();

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

  /** Advances the virtual clock by `msecs` in steps of `step`, expiring flows at each step. */
  advance(msecs: number, step: number = msecs): void {
    const end = this.now + msecs;
    while (this.now < end) {
      this.now = Math.min(end, this.now + step);
      for (const br of this.bridges.values()) br.tables.expire(this.now);
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
      names.add(name);
      const failMode = r.cols.get("fail_mode")?.first() === "secure" ? "secure" : "standalone";
      const hasControllers = (r.cols.get("controller")?.size ?? 0) > 0;
      const mode = `${failMode}/${hasControllers}`;
      let br = this.bridges.get(name);
      if (!br) {
        br = new Bridge(name, this.now);
        this.bridges.set(name, br);
        this.flowMode.set(name, "standalone/false");
      }
      br.datapathType = String(r.cols.get("datapath_type")?.first() ?? "");
      br.failMode = failMode;
      if (this.flowMode.get(name) !== mode) {
        br.flush(this.now, hasControllers);
        this.flowMode.set(name, mode);
      }
    }
    for (const name of [...this.bridges.keys()]) {
      if (!names.has(name)) {
        this.bridges.delete(name);
        this.flowMode.delete(name);
      }
    }
  }
}
