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
import { DEFAULT_FLOW_LIMIT, DEFAULT_MAX_IDLE_MS } from "../datapath/dpif-netdev.js";
import { vlanLimitOf } from "../datapath/packet/packet-flow.js";
import { TunnelEnv } from "../datapath/tunnel-env.js";
import { parseIpv4Strict } from "../flowtable/field-values.js";
import type { ActionList } from "../actions/action-types.js";
import type { TableName } from "../datapath/config-db.js";
import { Packet, packetFromHex } from "../datapath/packet/packet.js";
import type { FlowEntry } from "../flowtable/flow-entry.js";
import type { FlowMod } from "../flowtable/flow-tables.js";
import { formatMatch } from "../flowtable/match-format.js";
import { formatActions } from "../actions/action-text.js";
import { formatGroup } from "../actions/group-text.js";
import type { GroupModCommand } from "../actions/group-types.js";
import type { MeterModCommand } from "../datapath/meter-table.js";
import { formatMeterConfig, parseMeterMod } from "../datapath/meter-text.js";
import { Datapaths } from "./datapaths.js";
import type { DatapathLimits } from "./datapaths.js";
import { applyGroupMod, applyMeterMod, protocolOfVersion, receiveGroupMod } from "./group-meter-mods.js";
import { SwitchError, TraceError } from "./errors.js";
import { LimitError } from "../flowtable/errors.js";
import { formatFlowLine, selectFlows } from "./flow-dump.js";
import type { OfVersion } from "./flow-mod-text.js";
import { applyFlowMod, prepareFlowMod } from "./flow-mod-text.js";
import { Ofprotos } from "./ofprotos.js";
import { refreshMirrorStats } from "./mirror-config.js";
import type { BridgeOptions, DbValue, PortOptions } from "./ovsdb-ops.js";
import { addBridge, addPort, datumOf, deleteBridge, deletePort, findRecord, valueOf } from "./ovsdb-ops.js";
import type { PortSink, VportSink } from "./packet-io.js";
import type { TunnelKey } from "../actions/xlate/odp-tunnel.js";
import { PacketIo } from "./packet-io.js";
import type { PacketOut } from "./packet-out.js";
import { packetOut } from "./packet-out.js";
import type { Trace, TraceOptions } from "./trace.js";
import { parseCtNext, parseTraceFlow, parseTraceOdpFlow, traceFlow } from "./trace.js";
import { formatConntrackEntry } from "../datapath/conntrack/ct-entry.js";
import type { LoadSnapshotOptions, SwitchSnapshot } from "./snapshot.js";
import type { SwitchParts } from "./snapshot-save.js";
import { saveSwitch } from "./snapshot-save.js";
import { loadSwitch } from "./snapshot-load.js";
import { MonitorThread, ThreadNames } from "./ofproto-dpif-monitor.js";
import { lldpReceive } from "./lldp-receive.js";
import { Vlog } from "./vlog.js";
import { DummyStreams } from "./netdev-dummy-stream.js";
import { Bonds } from "./bonds.js";
import type { IpfixExporters } from "./ipfix.js";
import { ipfixUpcall } from "./ipfix-upcall.js";
import type { RevalidateReason } from "./backer-revalidation.js";

/** The revalidation reasons whose coverage counters ovsim counts (src/vswitchd/coverage.ts). */
/** How often OVS's revalidators wake while the clock runs (ofproto-dpif-upcall.c: MIN(max-idle, 500) ms). */
const REVALIDATOR_PERIOD_MS = 500;

const COUNTED_REVALIDATIONS: ReadonlySet<RevalidateReason> = new Set(["rev_reconfigure"]);
import { HostUdp } from "./host-udp.js";
import { Netflows } from "./netflow/netflows.js";
import { SflowBridges } from "./sflow/sflow-bridges.js";

/**
 * Most steps one `advance` (`time/warp TOTAL STEP`) runs. OVS has no limit,
 * but each of its warp steps takes at least 10 ms of real time (timewarp_work
 * polls), so 100000 steps are a quarter of an hour there; OVS's own tests warp
 * a few hundred steps at most. More would let one line run for ever.
 */
export const MAX_WARP_STEPS = 100_000;

/**
 * How far the virtual clock goes: 2^53 microseconds, so that times in
 * microseconds (meters) and milliseconds stay exact integers (285 years).
 * OVS's clock overflows on `time/warp 99999999999999999999`.
 */
export const MAX_CLOCK_MS = Math.floor(Number.MAX_SAFE_INTEGER / 1000);

/** `a.b.c.d[/len]` as numbers; RangeError when malformed. */
function parseCidr(s: string): { ip: number; plen: number } {
  const slash = s.indexOf("/");
  const ip = parseIpv4Strict(slash < 0 ? s : s.slice(0, slash));
  const plen = slash < 0 ? 32 : /^\d+$/.test(s.slice(slash + 1)) ? Number(s.slice(slash + 1)) : NaN;
  if (ip === null || !(plen >= 0 && plen <= 32)) throw new RangeError(`bad IPv4 address or prefix: ${s}`);
  return { ip: Number(ip), plen };
}

/** A fresh database as `ovs-vsctl --no-wait init` leaves it: one Open_vSwitch row, next_cfg 0. */
function initialDb(): { db: ConfigDb; ovsUuid: string } {
  const { db, uuid } = Db.empty().insert("Open_vSwitch", { next_cfg: Datum.scalar(0), cur_cfg: Datum.scalar(0) });
  return { db, ovsUuid: uuid };
}

/** A port of a bridge as the switch opened it. */
export interface PortInfo {
  readonly name: string;
  /** The OpenFlow port number (LOCAL is 65534). */
  readonly ofport: number;
  /** The datapath port number (null for patch ports). */
  readonly odpPort: number | null;
  /** The Interface type ("" for system, internal, dummy, patch, vxlan...). */
  readonly type: string;
  readonly mac: string;
}

/** A flow as dump-flows shows it. */
export interface FlowView {
  readonly tableId: number;
  readonly priority: number;
  readonly cookie: bigint;
  /** The match as dump-flows prints it (without priority). */
  readonly match: string;
  readonly actions: string;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  readonly nPackets: number;
  readonly nBytes: number;
  /** Milliseconds since the flow was added. */
  readonly durationMs: number;
  /** The line `ovs-ofctl --no-stats dump-flows` prints for it (without its leading space). */
  readonly text: string;
}

/** How a flow_mod travels: the OpenFlow version (`-O OpenFlow13`), default OpenFlow 1.0 as ovs-ofctl's. */
export interface FlowModOptions {
  readonly version?: OfVersion;
  /** modify / delete: strict (`--strict`): the exact match and priority only. */
  readonly strict?: boolean;
}

/** How `trace` runs: a packet (bytes or hex) and `generate` give it side effects; `ctNext` (`--ct-next`, e.g. "trk,est") the ct_state of each conntrack recirculation. */
export interface SwitchTraceOptions {
  readonly packet?: Uint8Array | string;
  readonly generate?: boolean;
  readonly ctNext?: readonly string[];
}

/** A group as dump-groups shows it. */
export interface GroupView {
  readonly groupId: number;
  readonly type: string;
  readonly packets: number;
  readonly bytes: number;
  /** The line dump-groups prints for it (without its leading space). */
  readonly text: string;
}

/** A meter as dump-meters shows it. */
export interface MeterView {
  readonly meterId: number;
  readonly packets: number;
  readonly bytes: number;
  /** The lines dump-meters prints for it. */
  readonly text: readonly string[];
}

/** A port event as an OVSDB monitor of the Interface table shows it (Neutron's polling reads these). */
export interface PortEvent {
  readonly kind: "added" | "removed" | "modified";
  readonly name: string;
  /** The ofport after the change (-1 when it failed to open; the last one for a removal). */
  readonly ofport: number;
  readonly externalIds: Readonly<Record<string, string>>;
  /** The Interface columns that changed (modified only). */
  readonly columns: readonly string[];
}

/** How a switch starts (`new Switch(options)`). */
export interface SwitchOptions {
  /** Datapath feature values each datapath starts with, by feature name (`{ tnl_push_pop: "false" }`). */
  readonly datapathFeatures?: Readonly<Record<string, string>>;
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
  /** netdev-dummy's stream links between dummy ports (netdev-dummy-stream.ts). @internal */
  readonly streams: DummyStreams;
  /** Bonds: Port rows of several interfaces, their members and active member (bonds.ts). @internal */
  readonly bonds: Bonds;
  /** ovs-vswitchd's log (`vlog/set`, the text of ovs-vswitchd.log): vlog.ts. Not part of snapshots. */
  readonly vlog: Vlog = new Vlog(() => this.clock);
  /** The serial numbers of the threads vswitchd creates (their names in the log): ofproto-dpif-monitor.ts. @internal */
  readonly threads = new ThreadNames();
  /** `ovs-appctl time/stop` was run: the clock moves only by time/warp, not with real time (realTimePasses). @internal */
  timeStopped = false;
  /** ofproto-dpif's BFD / CFM / LLDP monitor thread: runs while a port has one of them. */
  private readonly monitorThread = new MonitorThread();
  /** The simulated host's UDP sockets (host-udp.ts): collectors listen there. @internal */
  readonly udp = new HostUdp();
  /** The bridges' NetFlow exporters (netflow/netflows.ts). @internal */
  readonly netflows: Netflows;
  /** The bridges' sFlow agents (sflow/sflow-bridges.ts). @internal */
  readonly sflow: SflowBridges;
  private current: ConfigDb;
  private readonly ofprotos: Ofprotos;
  private readonly monitors = new Set<DbMonitor>();
  private clock = 0;
  /**
   * Per bridge, when its flows can next expire, valid while its tables'
   * `version` is the one recorded: a clock step before then has nothing to
   * expire, and skips the scan of every flow (a cloud moves each host's
   * clock at every event of its event loop). A lower bound: packets only
   * push idle expiry later, and any flow added or removed changes `version`.
   */
  private readonly expiryHints = new WeakMap<object, { version: number; at: number }>();

  /**
   * `options.datapathFeatures`: feature values each datapath starts with (as
   * `dpif/set-dp-features` would set them); `{ tnl_push_pop: "false" }` is a host whose
   * datapath does not push tunnel headers itself, as the kernel datapath Neutron hosts
   * run: output to a tunnel port is `set(tunnel(...))` to its vport.
   */
  constructor(options: SwitchOptions = {}) {
    for (const [k, v] of Object.entries(options.datapathFeatures ?? {})) this.vswitchd.datapathFeatures.set(k, v);
    this.vswitchd.log = this.vlog.get("bridge");
    const init = initialDb();
    this.ovsUuid = init.ovsUuid;
    this.tunnels = new TunnelEnv(() => this.tunnelViews());
    this.ofprotos = new Ofprotos(this.vswitchd, this.tunnels, init.db);
    this.netflows = new Netflows({ now: () => this.clock, udp: this.udp, bridgeLog: this.vlog.get("bridge"), collectorsLog: this.vlog.get("collectors") });
    this.sflow = new SflowBridges({
      udp: this.udp,
      log: this.vlog.get("sflow"),
      datapathOf: (name) => this.ofprotos.runtime(name)?.datapath,
      datapathId: (name) => String(this.current.findByName("Bridge", name)[0]?.cols.get("datapath_id")?.first() ?? ""),
      deviceAddresses: (dev) => this.tunnels.routes.addressesOf(dev).map((a) => a.ip),
      routeSource: (dst) => this.tunnels.route(dst, 0, 0)?.src ?? null,
      lacp: (port) => this.bonds.lacpMemberStats(port),
    });
    this.current = this.vswitchd.reconfigure(init.db, this.clock);
    this.datapaths = new Datapaths({
      openDatapaths: () => this.vswitchd.openDatapaths(),
      bridgesOf: (dp) => this.bridgesOf(dp),
      recircIds: this.recircIds,
      dpifLog: this.vlog.get("dpif_netdev"),
      revalidatorLog: this.vlog.get("dpif"),
      upcallLogs: { xlate: this.vlog.get("ofproto_dpif_xlate"), upcall: this.vlog.get("ofproto_dpif_upcall") },
    });
    this.io = new PacketIo({
      now: () => this.clock,
      vlanLimit: () => this.vlanLimit(),
      bridges: () => this.ofprotos.bridges.values(),
      datapathOf: (name) => this.ofprotos.runtime(name)?.datapath,
      dpif: (dp) => this.datapaths.dpif(dp),
      coverage: this.vswitchd.coverage,
      userspaceUpcall: (dp, u, inPort, md) => {
        const input = this.bridgesOf(dp).find((b) => b.ports().some((p) => p.odpPort === inPort))?.name;
        ipfixUpcall(this.ofprotos.ipfix, this.ofprotos.bridges, input, u, inPort, md, this.vlanLimit(), this.clock);
      },
      sflowUpcall: (bridge, u, inPort, tunnelMd, actions) => this.sflow.upcall(bridge, u, inPort, tunnelMd, actions),
      special: (port, bytes) => this.bonds.receiveSpecial(port, bytes) || lldpReceive(this.current, port.name, bytes, this.vlog.get("lldp")),
    });
    this.streams = new DummyStreams({ bridges: () => this.ofprotos.bridges.values(), version: () => this.current, receive: (b, p, packet) => this.io.receive(b, p, packet) });
    this.io.linkSend = (port, bytes) => this.streams.send(port, bytes);
    this.io.onIdle = () => this.streams.drain();
    this.bonds = new Bonds({
      db: () => this.current,
      now: () => this.clock,
      bridges: () => this.ofprotos.bridges.values(),
      allocRecircId: () => this.recircIds.alloc(),
      freeRecircId: () => undefined,
      changed: () => this.datapaths.noteConfigChange(),
      send: (bridge, port, bytes) => {
        if (port.odpPort !== null) this.io.execute(bridge, new Packet(bytes), [{ type: "output", port: port.odpPort }], false, 0);
      },
    });
    this.recircIds.owned = this.bonds.frozenStates;
  }

  /**
   * The switch's whole state as a snapshot document (snapshot.ts, docs/snapshots.md): plain
   * JSON data, the same text for the same state. Saving changes nothing.
   */
  saveSnapshot(): SwitchSnapshot {
    return saveSwitch(this.parts());
  }

  /**
   * A new switch with the state of snapshot `s` (a SwitchSnapshot, or what `JSON.parse` gave
   * of one): it continues exactly as the saved switch would have. `options`: the
   * constructor's, and the sinks to attach (functions are not saved). Throws SnapshotError
   * naming the JSON path of the first bad field.
   */
  static loadSnapshot(s: unknown, options: LoadSnapshotOptions = {}): Switch {
    const sw = new Switch(options);
    loadSwitch(sw.parts(), s, options);
    return sw;
  }

  private parts(): SwitchParts {
    return {
      sw: this,
      ofprotos: this.ofprotos,
      db: () => this.current,
      setDb: (db) => {
        this.current = db;
      },
      clock: () => this.clock,
      setClock: (ms) => {
        this.clock = ms;
      },
      monitors: () => this.monitors.size,
    };
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

  /** `other_config:flow-limit` and `max-idle` (bridge.c: smap_get_uint, OVS's defaults when absent or not a number). */
  private datapathLimits(): DatapathLimits {
    const oc = this.current.get("Open_vSwitch", this.ovsUuid, "other_config");
    const uint = (name: string, def: number): number => {
      const v = oc.get(name);
      return v !== undefined && /^\d+$/.test(String(v)) && Number(v) <= 0xffffffff ? Number(v) : def;
    };
    return { flowLimit: uint("flow-limit", DEFAULT_FLOW_LIMIT), maxIdle: uint("max-idle", DEFAULT_MAX_IDLE_MS) };
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
    this.netflows.sync(this.current, this.ofprotos.bridges);
    this.sflow.sync(this.current, this.ofprotos.bridges, this.clock);
    this.datapaths.noteConfigChange();
    this.datapaths.configure(this.datapathLimits());
    this.bonds.run();
    this.monitorThread.sync(this.current, this.threads, this.vlog.get("ofproto_dpif_monitor"));
    this.runBackers();
    if (this.monitors.size === 0) return;
    const changes = diff(before, this.current);
    if (changes.length > 0) for (const m of [...this.monitors]) m(changes, this.current, before);
  }

  /** ofproto-dpif's type_run for every open backer: each counts its revalidation reason (backer-revalidation.ts). */
  private runBackers(): void {
    this.ofprotos.revalidation.run(
      this.vswitchd.openDatapaths().map((dp) => dp.type),
      this.vswitchd.coverage,
      COUNTED_REVALIDATIONS,
    );
  }

  /**
   * dpif-netdev's tunnel configuration moved (tnl_conf_seq: a tunnel neighbour or route was
   * set or flushed): every backer revalidates at its next run. @internal
   */
  tunnelConfChanged(): void {
    this.ofprotos.revalidation.tunnelConfChanged(this.vswitchd.openDatapaths().map((dp) => dp.type));
    this.runBackers();
  }

  /**
   * An OpenFlow port_mod changed a port config bit of bridge `name` (NO_RECV, NO_FWD,
   * NO_FLOOD, NO_PACKET_IN...): ofproto-dpif's port_reconfigured revalidates its backer. @internal
   */
  portReconfigured(name: string): void {
    const rt = this.ofprotos.runtime(name);
    if (rt !== undefined) this.ofprotos.revalidation.set(rt.dpType, "rev_reconfigure");
    this.runBackers();
  }

  /** Each bridge's IPFIX exporters (`ovs-ofctl dump-ipfix-bridge` / `dump-ipfix-flow`). @internal */
  get ipfixExporters(): IpfixExporters {
    return this.ofprotos.ipfix;
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
        this.expireFlows(br.tables);
        br.macTable.run(this.clock);
      }
      this.bonds.run();
      this.sflow.run(this.clock);
    }
  }

  /** Expires `tables`' flows at the current clock, unless its expiry hint says none can have expired. */
  private expireFlows(tables: Bridge["tables"]): void {
    const hint = this.expiryHints.get(tables);
    if (hint !== undefined && hint.version === tables.version && this.clock < hint.at) return;
    tables.expire(this.clock);
    this.expiryHints.set(tables, { version: tables.version, at: tables.nextExpiry() });
  }

  /**
   * Real time passes for the daemon (a test script's `sleep`): OVS's clock runs with it, so
   * its main loop and revalidators run as a `time/warp` in steps of the revalidators' 500 ms
   * would make them; after `time/stop` (timeStopped) the clock stands and nothing runs.
   * @internal
   */
  realTimePasses(msecs: number): void {
    if (this.timeStopped || !(msecs > 0)) return;
    this.advance(msecs, REVALIDATOR_PERIOD_MS);
  }

  /**
   * `ovs-appctl time/warp MSECS [STEP]`: pending megaflow stats are pushed,
   * then each step advances the clock (flows and MAC entries expire) and runs
   * a revalidator round. A LimitError, changing nothing, for more than
   * MAX_WARP_STEPS steps or a clock past MAX_CLOCK_MS.
   */
  advance(msecs: number, step: number = msecs): void {
    if (!(msecs >= 0) || !(step > 0)) throw new RangeError(`advance: msecs must be >= 0 and step > 0 (got ${msecs}, ${step})`);
    const steps = Math.ceil(msecs / step);
    if (steps > MAX_WARP_STEPS) {
      throw new LimitError("MAX_WARP_STEPS", `${msecs} ms in steps of ${step} ms is more than ${MAX_WARP_STEPS} steps, ovsim's limit for one warp`);
    }
    if (this.clock + msecs > MAX_CLOCK_MS) {
      throw new LimitError("MAX_CLOCK_MS", `the clock would pass ${MAX_CLOCK_MS} ms (285 years), as far as ovsim's clock goes`);
    }
    // With NetFlow, the revalidator round after the first step pushes them, as OVS's (its
    // records' clocks are the push's time).
    if (!this.netflows.active()) this.datapaths.pushStats(this.clock);
    const end = this.clock + msecs;
    while (this.clock < end) {
      const before = this.clock;
      this.advanceClock(Math.min(step, end - this.clock));
      this.datapaths.revalidate(this.clock);
      this.netflows.run();
      this.runStatsUpdate(before);
    }
  }

  /**
   * ovs-vswitchd's run_stats_update, for a clock step from `before`: when the step passes a
   * multiple of other_config:stats-update-interval (5000 ms at least, OVS's floor and default),
   * the Mirror rows get their counters (mirror-config.ts). OVS's timer runs from its last
   * update; multiples of the interval from 0 are the same times for a switch whose clock
   * moves only by time/warp, and need no state.
   */
  private runStatsUpdate(before: number): void {
    const ovs = this.current.rows("Open_vSwitch")[0];
    const set = Number(ovs?.cols.get("other_config")?.get("stats-update-interval") ?? 5000);
    const interval = Math.max(Number.isInteger(set) ? set : 5000, 5000);
    if (Math.floor(before / interval) === Math.floor(this.clock / interval)) return;
    const db = refreshMirrorStats(this.current, this.ofprotos.bridges.values());
    if (db !== this.current) this.commit(db);
  }

  /**
   * A pass of ovs-vswitchd's main loop after a command (runLine): with a NetFlow exporter, the
   * revalidators woken by a change revalidate the datapath flows at once (their records expire
   * then, as OVS's), and NetFlow sends what it gathered (netflow_run). Without one, revalidation
   * waits for the next use or clock step, where nothing can tell the difference. @internal
   */
  runMainLoop(): void {
    if (!this.netflows.active()) return;
    this.datapaths.revalidateIfChanged(this.clock);
    this.netflows.run();
  }

  /** Sets the clock forward to `ms` (a simulation's event loop owns time). @internal */
  setClock(ms: number): void {
    if (ms > this.clock) this.advanceClock(ms - this.clock);
  }

  // ---- config DB (OVSDB transactions, as ovs-vsctl and ovsdbapp make them)

  /**
   * Runs `edit` on the current DB version as one transaction: when it
   * changes anything, next_cfg moves and the switch reconfigures (`commit`).
   * A throw leaves the switch as it was.
   */
  transact(edit: (db: ConfigDb) => ConfigDb): void {
    const before = this.current;
    let after = edit(before).commit();
    if (after.equals(before.commit())) return;
    const next = Number(after.get("Open_vSwitch", this.ovsUuid, "next_cfg").first() ?? 0) + 1;
    after = after.set("Open_vSwitch", this.ovsUuid, "next_cfg", Datum.scalar(next));
    this.datapaths.pushStats(this.clock);
    this.commit(after);
  }

  /** `ovs-vsctl add-br NAME` with its Bridge columns. */
  addBridge(name: string, options: BridgeOptions = {}): void {
    this.transact((db) => addBridge(db, this.ovsUuid, name, options));
  }

  /** `ovs-vsctl del-br NAME`: the bridge, its ports and interfaces. */
  deleteBridge(name: string, options: { readonly ifExists?: boolean } = {}): void {
    this.transact((db) => deleteBridge(db, this.ovsUuid, name, options.ifExists === true));
  }

  /** `ovs-vsctl add-port BRIDGE PORT` with its Interface and Port columns; the ofport vswitchd gave it (-1: it failed to open). */
  addPort(bridge: string, port: string, options: PortOptions = {}): number {
    this.transact((db) => addPort(db, bridge, port, options));
    return this.ofport(port) ?? -1;
  }

  /** `ovs-vsctl del-port PORT`. */
  deletePort(port: string, options: { readonly ifExists?: boolean } = {}): void {
    this.transact((db) => deletePort(db, port, options.ifExists === true));
  }

  /** `ovs-vsctl set TABLE RECORD COLUMN=VALUE` (RECORD: a name, a uuid, or "." for Open_vSwitch). */
  set(table: TableName, record: string, column: string, value: DbValue): void {
    this.transact((db) => db.set(table, findRecord(db, table, record).uuid, column, datumOf(table, column, value)));
  }

  /** `ovs-vsctl get TABLE RECORD COLUMN`: a scalar column's value (or null), a set as an array, a map as a record. */
  get(table: TableName, record: string, column: string): DbValue | null {
    const row = findRecord(this.current, table, record);
    return valueOf(table, column, this.current.get(table, row.uuid, column));
  }

  /** The ofport of interface `name` (its Interface row's `ofport`), or undefined when there is no such interface. */
  ofport(name: string): number | undefined {
    const row = this.current.rows("Interface").find((r) => String(r.cols.get("name")?.first() ?? "") === name);
    const v = row?.cols.get("ofport")?.first();
    return row === undefined ? undefined : typeof v === "number" ? v : -1;
  }

  /** The bridges' names, sorted. */
  bridgeNames(): string[] {
    return [...this.ofprotos.bridges.keys()].sort();
  }

  /** The open ports of `bridge`, by OpenFlow port number. */
  ports(bridge: string): PortInfo[] {
    return this.requireBridge(bridge)
      .ports()
      .map((p) => ({ name: p.name, ofport: p.ofport, odpPort: p.odpPort, type: p.type, mac: p.mac }))
      .sort((a, b) => a.ofport - b.ofport);
  }

  /** Calls `listener` with each port added, removed or changed (the Interface rows of each commit). Returns a function that stops it. */
  onPortEvent(listener: (e: PortEvent) => void): () => void {
    return this.monitor((changes, after, before) => {
      for (const c of changes) {
        if (c.table !== "Interface") continue;
        const row = (c.kind === "delete" ? before : after).row("Interface", c.uuid);
        if (row === undefined) continue;
        const ofport = row.cols.get("ofport")?.first();
        listener({
          kind: c.kind === "insert" ? "added" : c.kind === "delete" ? "removed" : "modified",
          name: String(row.cols.get("name")?.first() ?? ""),
          ofport: typeof ofport === "number" ? ofport : -1,
          externalIds: Object.fromEntries((row.cols.get("external_ids")?.pairs() ?? []).map(([k, v]) => [String(k), String(v)])),
          columns: c.kind === "modify" ? c.columns : [],
        });
      }
    });
  }

  // ---- OpenFlow (flow_mods and flow stats, as ovs-ofctl sends them)

  /**
   * Adds a flow: ovs-ofctl's flow text (`table=0,priority=10,ip,actions=...`)
   * or a typed FlowMod (an OpenFlow message: it is applied as the switch
   * receives it). Returns OVS's log lines (`ofp_match|INFO|normalization
   * changed ofp_match...`). Throws FlowParseError (text ovs-ofctl refuses) or
   * FlowModError / OpenFlowError (what the switch answers with an OFPT_ERROR).
   */
  addFlow(bridge: string, flow: string | FlowMod<ActionList>, options: FlowModOptions = {}): readonly string[] {
    if (typeof flow !== "string") return this.flowMod(bridge, flow);
    return this.textFlowMod(bridge, flow, "add", options);
  }

  /** Applies a typed flow_mod (any command) as the switch receives it. */
  flowMod(bridge: string, mod: FlowMod<ActionList>): readonly string[] {
    const br = this.requireBridge(bridge);
    this.datapaths.pushStats(this.clock);
    br.tables.apply(mod, this.clock);
    return [];
  }

  /** `ovs-ofctl [--strict] mod-flows BRIDGE FLOW`. */
  modifyFlows(bridge: string, flow: string, options: FlowModOptions = {}): readonly string[] {
    return this.textFlowMod(bridge, flow, options.strict === true ? "modify_strict" : "modify", options);
  }

  /** `ovs-ofctl [--strict] del-flows BRIDGE [FLOW]` (no FLOW: every flow). */
  deleteFlows(bridge: string, flow = "", options: FlowModOptions = {}): readonly string[] {
    return this.textFlowMod(bridge, flow, options.strict === true ? "delete_strict" : "delete", options);
  }

  /** `ovs-ofctl dump-flows BRIDGE [FILTER]`: the flows the filter selects, as dump-flows orders them. */
  dumpFlows(bridge: string, filter = "", options: FlowModOptions = {}): FlowView[] {
    const br = this.requireBridge(bridge);
    this.datapaths.pushStats(this.clock);
    const version = options.version ?? 10;
    const { flows, protocol } = selectFlows(br, filter, version);
    return flows.map((f) => this.flowView(br, f, protocol, version));
  }

  private flowView(br: Bridge, f: FlowEntry<ActionList>, protocol: number, version: OfVersion): FlowView {
    return {
      tableId: f.tableId,
      priority: f.priority,
      cookie: f.cookie,
      match: formatMatch(f.match, 0x8000),
      actions: formatActions(f.actions),
      idleTimeout: f.idleTimeout,
      hardTimeout: f.hardTimeout,
      nPackets: f.nPackets,
      nBytes: f.nBytes,
      durationMs: this.clock - f.created,
      text: formatFlowLine(br, f, protocol, { noStats: true, version }, this.clock),
    };
  }

  private textFlowMod(bridge: string, text: string, command: "add" | "modify" | "modify_strict" | "delete" | "delete_strict", options: FlowModOptions): readonly string[] {
    const br = this.requireBridge(bridge);
    const log: string[] = [];
    const sent = prepareFlowMod(br, text, command, options.version ?? 10, log);
    this.datapaths.pushStats(this.clock);
    applyFlowMod(br, sent, this.clock);
    return log;
  }

  // ---- groups and meters (OpenFlow 1.1+ / 1.3+ messages)

  /** `ovs-ofctl add-group / mod-group / del-groups BRIDGE GROUP` (`command` add, modify, add_or_mod or delete). A group that goes takes its flows along. */
  groupMod(bridge: string, command: GroupModCommand, text: string, options: FlowModOptions = {}): void {
    const br = this.requireBridge(bridge);
    const mod = receiveGroupMod(br, text, command, options.version ?? 15);
    this.datapaths.pushStats(this.clock);
    applyGroupMod(br, mod, this.clock, this.vlog.get("ofproto_dpif"));
  }

  /** `ovs-ofctl add-group BRIDGE GROUP` (`group_id=1,type=select,bucket=actions=output:1,...`). */
  addGroup(bridge: string, text: string, options: FlowModOptions = {}): void {
    this.groupMod(bridge, "add", text, options);
  }

  /** The groups of `bridge`, as dump-groups lists them. */
  groups(bridge: string, options: FlowModOptions = {}): GroupView[] {
    const br = this.requireBridge(bridge);
    const version = options.version ?? 15;
    return br.groupTable.groups().map((g) => ({
      groupId: g.groupId,
      type: g.type,
      packets: g.packets,
      bytes: g.bytes,
      text: formatGroup(g, version, protocolOfVersion(version)),
    }));
  }

  /** `ovs-ofctl -O OpenFlow13 add-meter / mod-meter / del-meters BRIDGE METER`. A meter that goes takes its flows along. */
  meterMod(bridge: string, command: MeterModCommand, text: string): void {
    const br = this.requireBridge(bridge);
    const mod = parseMeterMod(text, command);
    this.datapaths.pushStats(this.clock);
    applyMeterMod(br, mod, this.clock);
  }

  /** `ovs-ofctl -O OpenFlow13 add-meter BRIDGE METER` (`meter=1,kbps,band=type=drop,rate=1000`). */
  addMeter(bridge: string, text: string): void {
    this.meterMod(bridge, "add", text);
  }

  /** The meters of `bridge`, as dump-meters lists them. */
  meters(bridge: string): MeterView[] {
    return this.requireBridge(bridge)
      .meterTable.meters()
      .map((m) => ({ meterId: m.meterId, packets: m.packets, bytes: m.bytes, text: formatMeterConfig(m) }));
  }

  private requireBridge(name: string): Bridge {
    const br = this.ofprotos.bridges.get(name);
    if (br === undefined) throw new SwitchError(`${name} is not a bridge or a socket`);
    return br;
  }

  // ---- packets

  /** A frame arrives on port `port` (any bridge): the datapath processes it; outputs go to what is attached to their ports. */
  receive(port: string, bytes: Uint8Array): void {
    const found = this.io.findPort(port);
    if (found === undefined) throw new SwitchError(`${port}: no such port`);
    this.io.receive(found.bridge, found.port, new Packet(bytes.slice()));
  }

  /**
   * An OpenFlow packet-out to bridge `bridge` (`ovs-ofctl packet-out`): `po.actions` run on
   * `po.packet` as if it came in on `po.inPort` (packet-out.ts). Throws OpenFlowError with the
   * switch's answer (a group or meter the actions name is missing).
   */
  packetOut(bridge: string, po: PacketOut): void {
    this.requireBridge(bridge);
    packetOut(this, bridge, po);
  }

  /**
   * A packet arrives on datapath tunnel vport `vport` (`vxlan_sys_4789`, `gre_sys`,
   * `genev_sys_6081`) with its tunnel key, as a kernel tunnel device hands a decapsulated
   * packet to the datapath: the tunnel port is found by the key (in_key, remote_ip =
   * tun_src, local_ip = tun_dst, as OVS's tnl_port_receive); none takes it: a drop.
   */
  receiveTunnel(vport: string, bytes: Uint8Array, tunnel: TunnelKey): void {
    for (const dp of this.vswitchd.openDatapaths()) {
      const p = dp.port(vport);
      if (p === undefined) continue;
      this.io.receiveTunnel(dp, p.odpPort, new Packet(bytes.slice()), tunnel);
      return;
    }
    throw new SwitchError(`${vport}: no such datapath port`);
  }

  /**
   * Attaches what sits on port `port` (a VM, a link, a test's collector): it gets each frame
   * output there. A datapath tunnel vport's name (`vxlan_sys_4789`) attaches its device: it
   * gets the frames with their tunnel metadata. null detaches.
   */
  attach(port: string, sink: PortSink | null): void {
    this.io.attach(port, sink);
  }

  /**
   * Attaches the tunnel devices of the host: `sink(vport, bytes, tunnel)` gets each frame
   * the datapath outputs to a tunnel vport (`vxlan_sys_4789`, `gre_sys`, `genev_sys_6081`,
   * whichever the tunnel ports created) that has no sink of its own, with the tunnel
   * metadata `set(tunnel(...))` gave it. null detaches.
   */
  attachTunnelVports(sink: VportSink | null): void {
    this.io.attachVports(sink);
  }

  /**
   * `ovs-appctl ofproto/trace BRIDGE FLOW [PACKET]` (`-generate` with
   * `generate`): FLOW is an OpenFlow flow with every field exact
   * (`in_port=1,tcp,nw_dst=10.0.0.2,tp_dst=80`, port names allowed); a
   * packet (bytes or hex) gives the header fields and has side effects.
   */
  trace(bridge: string, flow: string, options: SwitchTraceOptions = {}): Trace {
    const key = parseTraceFlow(this, bridge, flow);
    return traceFlow(this, bridge, key, this.traceOptions(options));
  }

  /** `ovs-appctl ofproto/trace [DATAPATH] ODP_FLOW`: a datapath flow key (`in_port(1),eth(...),...`) of the datapath named (default: the only one). */
  traceDatapathFlow(odpFlow: string, options: SwitchTraceOptions & { readonly datapath?: string } = {}): Trace {
    const dps = this.vswitchd.openDatapaths();
    const want = options.datapath;
    const dp = want === undefined ? (dps.length === 1 ? dps[0] : undefined) : dps.find((d) => d.type === (want.startsWith("ovs-") ? want.slice(4) : want));
    const r = parseTraceOdpFlow(this, dp, odpFlow);
    if ("error" in r) throw new TraceError(r.error);
    return traceFlow(this, r.bridge, r.flow, this.traceOptions(options));
  }

  private traceOptions(o: SwitchTraceOptions): TraceOptions {
    const generate = o.generate === true;
    const ctNext = (o.ctNext ?? []).map(parseCtNext);
    if (o.packet === undefined) return { generate, ctNext };
    if (typeof o.packet !== "string") return { generate, ctNext, packet: new Packet(o.packet.slice()) };
    const hex = packetFromHex(o.packet);
    if (!hex.ok) throw new TraceError(hex.error);
    return { generate, ctNext, packet: hex.packet };
  }

  /** `ovs-appctl dpctl/dump-conntrack [zone=N]`: the connections of the datapath bridge `bridge` runs on, as OVS prints them. */
  dumpConntrack(bridge: string, options: { readonly zone?: number; readonly verbose?: boolean; readonly stats?: boolean } = {}): string[] {
    this.requireBridge(bridge);
    const dp = this.ofprotos.runtime(bridge)?.datapath;
    if (dp === undefined) return [];
    return dp.conntrack.dump(this.clock, options.zone).map((e) => formatConntrackEntry(e, { verbose: options.verbose === true, stats: options.stats === true }));
  }

  /**
   * The host has address `cidr` (`172.31.0.1/24`) on device `dev` (a NIC outside OVS, or a
   * bridge's internal port), as OVS hears it from the kernel (route_table.c): the address
   * on the device, and routes that `ovs/route/show` lists as `Cached: 172.31.0.1/32 dev
   * eth0 SRC 172.31.0.1 local` and `Cached: 172.31.0.0/24 dev eth0 SRC 172.31.0.1`. A
   * native tunnel whose local_ip is this address then routes (ovs_router_lookup wants the
   * source on a local route). Throws RangeError on a bad address.
   */
  addHostAddress(dev: string, cidr: string): void {
    const a = parseCidr(cidr);
    this.tunnels.addHostAddress(dev, a.ip, a.plen);
    this.datapaths.noteConfigChange();
  }

  /** The host's address `cidr` on `dev` goes, with its routes. */
  removeHostAddress(dev: string, cidr: string): void {
    const a = parseCidr(cidr);
    this.tunnels.removeHostAddress(dev, a.ip, a.plen);
    this.datapaths.noteConfigChange();
  }

  /** A route of the host's kernel (`0.0.0.0/0` through `gateway` on `dev`): `Cached:` in `ovs/route/show`. Throws RangeError when `dev` has no address to reach it from. */
  addHostRoute(cidr: string, dev: string, gateway?: string): void {
    const a = parseCidr(cidr);
    const gw = gateway === undefined ? 0 : parseCidr(gateway).ip;
    if (!this.tunnels.addHostRoute(a.ip, a.plen, dev, gw)) throw new RangeError(`addHostRoute: ${dev} has no address for ${cidr}`);
    this.datapaths.noteConfigChange();
  }

  /**
   * `ovs-appctl dpif/set-dp-features BRIDGE FEATURE VALUE`: the run-time value of a feature
   * of the datapath bridge `bridge` runs on ("tnl_push_pop", "false": tunnels as with a
   * kernel datapath, `set(tunnel(...))` to the vport). Megaflows are revalidated.
   */
  setDatapathFeature(bridge: string, feature: string, value: string): void {
    this.requireBridge(bridge);
    const dp = this.ofprotos.runtime(bridge)?.datapath;
    if (dp === undefined) return;
    this.datapaths.pushStats(this.clock);
    dp.runTimeFeatures.set(feature, value);
    this.datapaths.noteConfigChange();
  }

  /** The bridges as native tunnelling sees them (a bridge's own port has the bridge's address, bridge-hwaddr.ts). */
  private *tunnelViews(): Iterable<{ bridge: Bridge; macOf(port: BridgePort): string }> {
    for (const br of this.ofprotos.bridges.values()) yield { bridge: br, macOf: (port) => port.mac };
  }
}
