/**
 * One host's Open vSwitch as a library: what ovs-vswitchd, its OVSDB and its
 * datapaths hold for one host, driven from code as Neutron's native
 * of_interface drives a real OVS (OVSDB transactions and a monitor, OpenFlow
 * messages, packets on ports), or from text by `ovsim run` (src/cli).
 *
 * State, and who owns it:
 * - the config DB (`db`): immutable versions; `commit` installs a new one as
 *   an OVSDB transaction does, vswitchd reconfigures (ports open, ofports
 *   are allocated: config-db-vswitchd.ts), the bridges follow
 *   (ofprotos.ts), the datapaths re-read their bridges (datapaths.ts) and
 *   monitors hear what changed (`monitor`);
 * - the bridges (ofprotos): flow tables, ports, MAC learning, groups, meters;
 * - the datapaths with their megaflow caches, and packet I/O (packet-io.ts);
 * - native-tunnel state (`tunnels`: addresses, routes, neighbours);
 * - the recirculation ids (global to ovs-vswitchd, as OVS's);
 * - the virtual clock (`now`, ms): it moves only by `advance`.
 *
 * The typed API (this class's public methods, docs/api.md) covers what
 * ovs-vsctl, ovs-ofctl and ovs-appctl do; errors are the typed errors of
 * src/flowtable/errors.ts and vswitchd/errors.ts with OVS's words. Members
 * marked `@internal` are for the layers above (the CLI's text front end,
 * the simulation) and may change.
 */
import type { XlateBridge } from "../actions/xlate/xlate-bridge.js";
import { RecircIds } from "../actions/xlate/xlate-context.js";
import type { Bridge } from "../datapath/bridge.js";
import type { BridgePort } from "../datapath/bridge-port.js";
import type { ConfigDb, RowChange } from "../datapath/config-db.js";
import { ConfigDb as Db, diff } from "../datapath/config-db.js";
import { Datum } from "../datapath/config-db-types.js";
import type { BridgeRuntime } from "../datapath/config-db-vswitchd.js";
import { Vswitchd } from "../datapath/config-db-vswitchd.js";
import type { Datapath } from "../datapath/dpif.js";
import type { DpifNetdev } from "../datapath/dpif-netdev.js";
import { vlanLimitOf } from "../datapath/packet/packet-flow.js";
import { TunnelEnv } from "../datapath/tunnel-env.js";
import { Datapaths } from "./datapaths.js";
import { Ofprotos } from "./ofprotos.js";
import { PacketIo } from "./packet-io.js";

/** A fresh database as `ovs-vsctl --no-wait init` leaves it: one Open_vSwitch row, next_cfg 0. */
function initialDb(): { db: ConfigDb; ovsUuid: string } {
  const { db, uuid } = Db.empty().insert("Open_vSwitch", { next_cfg: Datum.scalar(0), cur_cfg: Datum.scalar(0) });
  return { db, ovsUuid: uuid };
}

/** Hears each committed change of the config DB: the rows that changed, the version before and after. */
export type DbMonitor = (changes: readonly RowChange[], after: ConfigDb, before: ConfigDb) => void;

export class Switch {
  /** The Open_vSwitch row's uuid. @internal */
  readonly ovsUuid: string;
  /** Opens ports and datapaths for each DB version (ofport allocation). @internal */
  readonly vswitchd = new Vswitchd();
  /** Native tunnelling: device addresses, routes, neighbours (ovs/route/*, tnl/arp/*). */
  readonly tunnels: TunnelEnv;
  /** Recirculation ids, global to the switch as OVS's (ofproto/trace and the datapaths share them). @internal */
  readonly recircIds = new RecircIds();
  /** The datapaths' megaflow caches. @internal */
  readonly datapaths: Datapaths;
  /** Packets in and out, attachments, the datapath tap. @internal */
  readonly io: PacketIo;
  private current: ConfigDb;
  private readonly ofprotos: Ofprotos;
  private readonly monitors = new Set<DbMonitor>();
  private clock = 0;

  constructor() {
    const init = initialDb();
    this.ovsUuid = init.ovsUuid;
    this.tunnels = new TunnelEnv(() => this.tunnelViews());
    this.ofprotos = new Ofprotos(this.vswitchd, this.tunnels, init.db);
    this.current = this.vswitchd.reconfigure(init.db, this.clock);
    this.datapaths = new Datapaths({
      openDatapaths: () => this.vswitchd.openDatapaths(),
      bridgesOf: (dp) => this.bridgesOf(dp),
      recircIds: this.recircIds,
    });
    this.io = new PacketIo({
      now: () => this.clock,
      vlanLimit: () => this.vlanLimit(),
      bridges: () => this.ofprotos.bridges.values(),
      datapathOf: (name) => this.ofprotos.runtime(name)?.datapath,
      dpif: (dp) => this.datapaths.dpif(dp),
    });
  }

  /** Virtual time, ms since the switch started. */
  get now(): number {
    return this.clock;
  }

  /** The current config DB version (each commit replaces it; old versions stay valid snapshots). */
  get db(): ConfigDb {
    return this.current;
  }

  /** The bridges by name. @internal */
  get bridges(): ReadonlyMap<string, Bridge> {
    return this.ofprotos.bridges;
  }

  /** The bridge named `name`. @internal */
  bridge(name: string): Bridge | undefined {
    return this.ofprotos.bridges.get(name);
  }

  /** What translation needs of the bridge named `name` (ofproto/trace's entry point). @internal */
  xlateBridge(name: string): XlateBridge | undefined {
    return this.ofprotos.bridges.get(name);
  }

  /** The vswitchd ofproto of a bridge: its datapath, open ports in OVS's hash order. @internal */
  ofproto(name: string): BridgeRuntime | undefined {
    return this.ofprotos.runtime(name);
  }

  /** The bridges whose ofproto runs on datapath `dp`. @internal */
  bridgesOf(dp: Datapath): Bridge[] {
    return [...this.ofprotos.bridges.values()].filter((b) => this.ofprotos.runtime(b.name)?.datapath === dp);
  }

  /** The megaflow cache of the datapath bridge `name` runs on. @internal */
  dpifOf(name: string): DpifNetdev | undefined {
    const dp = this.ofprotos.runtime(name)?.datapath;
    return dp === undefined ? undefined : this.datapaths.dpif(dp);
  }

  /** The port named `name` of any bridge, with its bridge. @internal */
  findPort(name: string): { bridge: Bridge; port: BridgePort } | undefined {
    return this.io.findPort(name);
  }

  /** The switch's `other_config:vlan-limit`, as flow extraction applies it. @internal */
  vlanLimit(): number {
    const v = this.current.get("Open_vSwitch", this.ovsUuid, "other_config").get("vlan-limit");
    return vlanLimitOf(v === undefined ? undefined : String(v));
  }

  /**
   * Installs a new DB version (a committed transaction): vswitchd
   * reconfigures, the bridges and datapaths follow, monitors hear the change.
   * Pending megaflow stats reach their rules first. @internal
   */
  commit(db: ConfigDb): void {
    const before = this.current;
    this.current = this.vswitchd.reconfigure(db, this.clock);
    this.ofprotos.sync(this.current, this.clock);
    this.datapaths.noteConfigChange();
    if (this.monitors.size === 0) return;
    const changes = diff(before, this.current);
    if (changes.length > 0) for (const m of [...this.monitors]) m(changes, this.current, before);
  }

  /** Calls `monitor` with every committed change from now on (as an OVSDB monitor); returns a function that stops it. */
  monitor(monitor: DbMonitor): () => void {
    this.monitors.add(monitor);
    return () => this.monitors.delete(monitor);
  }

  /**
   * Moves the clock by `msecs` in steps of `step` (flows and MAC entries
   * expire at each step) without revalidating the datapaths; `advance` is
   * what ovs-vswitchd's main loop does (time/warp). @internal
   */
  advanceClock(msecs: number, step: number = msecs): void {
    const end = this.clock + msecs;
    while (this.clock < end) {
      this.clock = Math.min(end, this.clock + step);
      for (const br of this.ofprotos.bridges.values()) {
        br.tables.expire(this.clock);
        br.macTable.run(this.clock);
      }
    }
  }

  /**
   * `ovs-appctl time/warp MSECS [STEP]`: pending megaflow stats are pushed,
   * then each step advances the clock (flows and MAC entries expire) and runs
   * a revalidator round.
   */
  advance(msecs: number, step: number = msecs): void {
    if (!(msecs >= 0) || !(step > 0)) throw new RangeError(`advance: msecs must be >= 0 and step > 0 (got ${msecs}, ${step})`);
    this.datapaths.pushStats(this.clock);
    const end = this.clock + msecs;
    while (this.clock < end) {
      this.advanceClock(Math.min(step, end - this.clock));
      this.datapaths.revalidate(this.clock);
    }
  }

  /** Sets the clock forward to `ms` (a simulation's event loop owns time). @internal */
  setClock(ms: number): void {
    if (ms > this.clock) this.advanceClock(ms - this.clock);
  }

  /** The bridges as native tunnelling sees them: a bridge's own port takes `other_config:hwaddr` when set. */
  private *tunnelViews(): Iterable<{ bridge: Bridge; macOf(port: BridgePort): string }> {
    for (const br of this.ofprotos.bridges.values()) {
      const row = this.current.rows("Bridge").find((r) => String(r.cols.get("name")?.first() ?? "") === br.name);
      const hw = row?.cols.get("other_config")?.get("hwaddr");
      yield { bridge: br, macOf: (port) => (port.name === br.name && hw !== undefined ? String(hw) : port.mac) };
    }
  }
}
