/**
 * What ovs-vswitchd does after each change to the database (vswitchd/bridge.c
 * `bridge_reconfigure`), reduced to what shows in the database: it opens each
 * configured interface (or records why it cannot: `error`, `ofport` -1),
 * gives it an OpenFlow port number (ofport-allocation.ts), and writes the
 * status columns (`ofport`, `mac_in_use`, `link_state`, `statistics`, ...),
 * the bridges' `datapath_id` and the switch's `cur_cfg`.
 *
 * Modelled on the sandbox `ovs-run` starts (`--enable-dummy=system`): system
 * and "" interfaces are dummy devices, tunnels need `options:remote_ip`,
 * patch ports need a `peer` other than themselves, unknown types fail.
 * Values that are random in OVS (tunnel and patch `mac_in_use`, bridge MACs,
 * which OVS derives from the random bridge uuid) are derived from ovsim's
 * deterministic uuids.
 */
import { DEFAULT_MTU, updateMtus } from "./port-mtu.js";
import { CoverageCounts } from "./coverage-counts.js";
import type { ConfigDb, Row } from "./config-db.js";
import type { Atom } from "./config-db-types.js";
import { Datum } from "./config-db-types.js";
import { hashInt } from "../flowtable/hash.js";
import { Datapath, TUNNEL_DEFAULT_DST_PORT, isTunnelType, tunnelVportName } from "./dpif.js";
import type { DatapathState } from "./dpif.js";
import { HmapOrder } from "../flowtable/hmap-order.js";
import type { HmapOrderState } from "../flowtable/hmap-order.js";
import { OFPORT_LOCAL, OfportAllocator, ovsHashString, shashOrder } from "./ofport-allocation.js";
import type { OfportAllocatorState } from "./ofport-allocation.js";
import { pickDatapathId, pickLocalHwAddr } from "./bridge-hwaddr.js";

export const DATAPATH_TYPES = ["dummy", "netdev", "system"];
export const IFACE_TYPES = [
  "afxdp", "afxdp-nonpmd", "bareudp", "dummy", "dummy-internal", "dummy-pmd", "erspan", "geneve", "gre", "gtpu",
  "internal", "ip6erspan", "ip6gre", "lisp", "patch", "stt", "system", "tap", "vxlan",
];
const TUNNEL_TYPES = new Set(["bareudp", "erspan", "geneve", "gre", "gtpu", "ip6erspan", "ip6gre", "lisp", "stt", "vxlan"]);
const DUMMY_STATS = [
  "rx_bytes", "rx_custom_packets_1", "rx_custom_packets_2", "rx_packets", "rx_q0_bytes", "rx_q0_packets",
  "tx_bytes", "tx_packets", "tx_q0_bytes", "tx_q0_packets",
];
const VPORT_STATS = ["rx_bytes", "rx_packets", "tx_bytes", "tx_packets"];

function str(d: Datum | undefined): string {
  const a = d?.first();
  return a === undefined ? "" : String(a);
}

function optInt(d: Datum | undefined): number | null {
  const a = d?.first();
  return typeof a === "number" ? a : null;
}

/** The interface's requested port number, if valid (bridge.c iface_validate_ofport__). */
function requestOf(iface: Row): number | null {
  const r = optInt(iface.cols.get("ofport_request"));
  return r !== null && r >= 1 && r < 0xff00 ? r : null;
}

/** Why OVS could not open / configure this interface, or null. */
export function ifaceConfigError(iface: Row): string | null {
  const name = str(iface.cols.get("name"));
  const type = str(iface.cols.get("type"));
  const options = iface.cols.get("options") ?? Datum.EMPTY_MAP;
  if (type === "patch") {
    const peer = options.get("peer");
    if (peer === undefined) return `${name}: patch type requires valid 'peer' argument`;
    if (peer === name) return `${name}: patch peer must not be self`;
    return null;
  }
  if (TUNNEL_TYPES.has(type)) {
    if (options.get("remote_ip") === undefined) return `${name}: ${type} type requires valid 'remote_ip' argument`;
    // netdev-vport's set_tunnel_config: a source from the flow needs a destination from it too.
    if (options.get("local_ip") === "flow" && options.get("remote_ip") !== "flow") {
      return `${name}: ${type} type requires 'remote_ip=flow' with 'local_ip=flow'`;
    }
    return null;
  }
  if (type === "" || IFACE_TYPES.includes(type)) return null;
  return `could not open network device ${name} (Address family not supported by protocol)`;
}

/** The first 6 bytes of a uuid as OVS lays it out in memory, marked as a random (local, unicast) MAC. */
export function macFromUuid(uuid: string): string {
  const hex = uuid.replace(/-/g, "");
  const le = (word: string): string[] => [6, 4, 2, 0].map((i) => word.slice(i, i + 2));
  const bytes = [...le(hex.slice(0, 8)), ...le(hex.slice(8, 16))].slice(0, 6).map((b) => parseInt(b, 16));
  bytes[0] = (((bytes[0] as number) & 0xfe) | 0x02) & 0xff;
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");
}

/** An interface a bridge has open (an ofproto port). */
export interface LivePort {
  readonly name: string;
  readonly ofport: number;
  /** Interface type, "" read as "system". */
  readonly type: string;
  readonly mac: string;
  /** The datapath port it uses (a tunnel's shared vport), null for patch ports. */
  readonly odpPort: number | null;
  /** The datapath port's name (the vport for tunnels), null for patch ports. */
  readonly dpPortName: string | null;
  /** The netdev type as `dpif/show` prints it ("dummy-internal", "tap", "system", "vxlan"...). */
  readonly netdevType: string;
  /** Virtual time the port was opened (OpenFlow 1.3 port stats duration). */
  readonly created: number;
  /** Its netdev's MTU (port-mtu.ts; absent: not yet set, or no MTU), and whether it is the user's (`mtu_request`). */
  readonly mtu?: number;
  readonly userMtu?: boolean;
}


/** What pass 1 found out about a bridge's wanted interfaces, for pass 2 and the status writes. */
interface BridgePlan {
  readonly portRows: Row[];
  readonly wanted: Map<string, Row>;
  readonly portIfaces: Map<string, Row[]>;
  /** Why an interface could not be opened. */
  readonly errors: Map<string, string>;
}

/** The datapath port an interface of (canonical) `type` uses: its own name, a tunnel's vport, none for patch. */
function dpPortNameOf(iface: Row, type: string): string | null {
  if (type === "patch") return null;
  if (!TUNNEL_TYPES.has(type)) return str(iface.cols.get("name"));
  const dst = iface.cols.get("options")?.get("dst_port");
  const port = dst === undefined ? (TUNNEL_DEFAULT_DST_PORT[type] ?? 0) : atoiPort(String(dst));
  return tunnelVportName(type, port);
}

/** C's atoi, as netdev-vport reads `dst_port`, narrowed to 16 bits as htons does. */
function atoiPort(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m ? Number(BigInt.asUintN(16, BigInt(m[1] as string))) : 0;
}

/** A bridge's ofproto as data (snapshots); its datapath by type. */
export interface BridgeRuntimeState {
  readonly uuid: string;
  readonly name: string;
  readonly dpType: string;
  readonly alloc: OfportAllocatorState;
  readonly ports: readonly LivePort[];
  readonly portOrder: HmapOrderState<number>;
  /** The bridge's minimum MTU (port-mtu.ts); absent in older snapshots. */
  readonly minMtu?: number;
}

/** What vswitchd holds, as data (snapshots): bridges in creation order, hash orders, datapaths, netdev-dummy's device counter. */
export interface VswitchdState {
  readonly bridges: readonly BridgeRuntimeState[];
  readonly bridgeOrder: HmapOrderState<string>;
  readonly ofprotoOrder: HmapOrderState<string>;
  /** Open datapaths, in the order they were opened. */
  readonly datapaths: readonly DatapathState[];
  readonly dummyCount: number;
  readonly datapathFeatures: readonly (readonly [string, string])[];
  /** The coverage counts (coverage-counts.ts), by name; absent in older snapshots. */
  readonly coverage?: readonly (readonly [string, number])[];
}

/** Where vswitchd logs: ovs-vswitchd's `bridge` log module (src/vswitchd/vlog.ts). */
export interface VswitchdLog {
  info(message: string): void;
}

/** One bridge's ofproto: its allocator, datapath and the interfaces it has open. */
export class BridgeRuntime {
  readonly uuid: string;
  readonly name: string;
  /** Normalized datapath type: "system" for "". */
  readonly dpType: string;
  readonly datapath: Datapath;
  readonly alloc = new OfportAllocator();
  readonly ports = new Map<string, LivePort>();
  /** The bridge's `ofproto->ports` hmap, by hash of the OpenFlow port number (dump-ports order). */
  readonly portOrder = new HmapOrder<number>();
  /** The MTU the bridge's overridden (internal) ports follow, 0 before the first (port-mtu.ts). */
  minMtu = 0;

  constructor(uuid: string, name: string, dpType: string, datapath: Datapath) {
    this.uuid = uuid;
    this.name = name;
    this.dpType = dpType;
    this.datapath = datapath;
  }

  /** Open ports in OVS's `ofproto->ports` order. */
  portsInHashOrder(): LivePort[] {
    const byOfport = new Map([...this.ports.values()].map((p) => [p.ofport, p]));
    return this.portOrder.values().flatMap((n) => byOfport.get(n) ?? []);
  }
}

function canonicalType(t: string): string {
  return t === "" ? "system" : t;
}

/** The datapath type a Bridge row asks for, as ofproto_normalize_type: "" is "system". */
export function datapathTypeOf(br: Row): string {
  const t = str(br.cols.get("datapath_type"));
  return t === "" ? "system" : t;
}

/** netdev-dummy's first device number in the sandbox (what a fresh ovs-vswitchd --enable-dummy reaches). */
const FIRST_DUMMY_NUMBER = 0x0d;

export class Vswitchd {
  private readonly bridges = new Map<string, BridgeRuntime>();
  /** vswitchd's all_bridges hmap (bridge names, by hash): the order bridges are reconfigured in. */
  private readonly bridgeOrder = new HmapOrder<string>();
  /** ofproto's all_ofprotos hmap (by hash of the name): `ofproto/list` order. */
  private readonly ofprotoOrder = new HmapOrder<string>();
  /** Open datapaths, by type. */
  private readonly datapaths = new Map<string, Datapath>();
  /** netdev-dummy numbers its devices aa:55:aa:55:NN:NN in creation order. */
  private dummyCount = FIRST_DUMMY_NUMBER - 1;
  /**
   * Feature values every datapath opened from now on starts with (Datapath.runTimeFeatures):
   * `tnl_push_pop` "false" makes a host's datapaths kernel-like for tunnels.
   */
  readonly datapathFeatures = new Map<string, string>();
  /** Told the name of each port closed (its ofport gone), the bridge's own port included. */
  portClosed: (name: string) => void = () => undefined;
  /** The `bridge` log module: `bridge BR: added interface IFACE on port N` (bridge.c's iface_create). */
  log: VswitchdLog = { info: () => undefined };
  /** ovs-vswitchd's coverage counts of the events layers below the switch count (coverage-counts.ts). */
  readonly coverage = new CoverageCounts();

  save(): VswitchdState {
    return {
      bridges: [...this.bridges.values()].map((rt) => ({
        uuid: rt.uuid,
        name: rt.name,
        dpType: rt.dpType,
        alloc: rt.alloc.save(),
        ports: [...rt.ports.values()].map((p) => ({ ...p })),
        portOrder: rt.portOrder.save(),
        minMtu: rt.minMtu,
      })),
      bridgeOrder: this.bridgeOrder.save(),
      ofprotoOrder: this.ofprotoOrder.save(),
      datapaths: [...this.datapaths.values()].map((dp) => dp.save()),
      dummyCount: this.dummyCount,
      datapathFeatures: [...this.datapathFeatures],
      coverage: this.coverage.save(),
    };
  }

  /** Takes the state `save` gave, on a vswitchd with no bridges (every bridge's datapath among `s.datapaths`). */
  restore(s: VswitchdState): void {
    this.datapaths.clear();
    for (const d of s.datapaths) this.datapaths.set(d.type, Datapath.restore(d));
    this.bridges.clear();
    for (const b of s.bridges) {
      const rt = new BridgeRuntime(b.uuid, b.name, b.dpType, this.datapaths.get(b.dpType) as Datapath);
      rt.alloc.restore(b.alloc);
      for (const p of b.ports) rt.ports.set(p.name, { ...p });
      rt.portOrder.restore(b.portOrder);
      rt.minMtu = b.minMtu ?? 0;
      this.bridges.set(b.uuid, rt);
    }
    this.bridgeOrder.restore(s.bridgeOrder);
    this.ofprotoOrder.restore(s.ofprotoOrder);
    this.dummyCount = s.dummyCount;
    this.datapathFeatures.clear();
    for (const [k, v] of s.datapathFeatures) this.datapathFeatures.set(k, v);
    this.coverage.restore(s.coverage ?? []);
  }

  private dummyMac(): string {
    const n = ++this.dummyCount;
    return `aa:55:aa:55:${((n >> 8) & 0xff).toString(16).padStart(2, "0")}:${(n & 0xff).toString(16).padStart(2, "0")}`;
  }

  /** The OpenFlow port number of an open interface of a bridge (by bridge uuid). */
  ofportOf(bridgeUuid: string, iface: string): number | undefined {
    return this.bridges.get(bridgeUuid)?.ports.get(iface)?.ofport;
  }

  /** A bridge's ofproto, by bridge uuid. */
  runtime(bridgeUuid: string): BridgeRuntime | undefined {
    return this.bridges.get(bridgeUuid);
  }

  /** A bridge's ofproto, by bridge name. */
  runtimeByName(name: string): BridgeRuntime | undefined {
    for (const rt of this.bridges.values()) if (rt.name === name) return rt;
    return undefined;
  }

  /** Every bridge's ofproto. */
  runtimes(): BridgeRuntime[] {
    return [...this.bridges.values()];
  }

  /** Bridge names in `ofproto/list` order. */
  ofprotoNames(): string[] {
    return this.ofprotoOrder.values();
  }

  /** The open datapaths, sorted by type (dpif/show order). */
  openDatapaths(): Datapath[] {
    return [...this.datapaths.values()].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  }

  /** Reconfigures after a committed change; returns the database with vswitchd's status writes. */
  reconfigure(db0: ConfigDb, now: number): ConfigDb {
    let db = db0;
    const ovs = db.rows("Open_vSwitch")[0];
    const bridgeUuids = ovs ? (ovs.cols.get("bridges")?.keys ?? []).map(String) : [];
    const rows = bridgeUuids.map((u) => db.row("Bridge", u)).filter((r): r is Row => !!r);
    const wanted = new Map(rows.map((r) => [r.uuid, r]));
    // add_del_bridges: a bridge that is gone, renamed or changes datapath type loses its ofproto.
    for (const rt of [...this.bridges.values()]) {
      const row = wanted.get(rt.uuid);
      if (!row || str(row.cols.get("name")) !== rt.name || datapathTypeOf(row) !== rt.dpType) this.destroyBridge(rt, now);
    }
    // bridge_create for the new bridges (iterating a shash of every configured name),
    // then ofproto_create for each bridge without one, in all_bridges order.
    const byName = new Map(rows.map((r) => [str(r.cols.get("name")), r]));
    const fresh = new Set<string>();
    for (const name of shashOrder([...byName.keys()])) {
      if (this.runtimeByName(name)) continue;
      fresh.add(name);
      this.bridgeOrder.insert(name, ovsHashString(name));
    }
    for (const name of this.bridgeOrder.values()) if (fresh.has(name)) this.createBridge(byName.get(name) as Row);
    const order = this.bridgeOrder.values().flatMap((n) => this.runtimeByName(n) ?? []);
    const plans = new Map<string, BridgePlan>();
    for (const rt of order) plans.set(rt.uuid, this.deletePorts(db, wanted.get(rt.uuid) as Row, rt, now));
    for (const rt of order) this.addPorts(wanted.get(rt.uuid) as Row, rt, plans.get(rt.uuid) as BridgePlan, now);
    for (const rt of order) {
      const ifaces = (plans.get(rt.uuid) as BridgePlan).wanted;
      updateMtus(rt, (name) => {
        const req = ifaces.get(name)?.cols.get("mtu_request")?.keys[0];
        return typeof req === "number" ? req : null;
      });
    }
    for (const rt of order) db = this.writeStatus(db, wanted.get(rt.uuid) as Row, rt, plans.get(rt.uuid) as BridgePlan);
    if (ovs) {
      const set = (col: string, d: Datum): void => {
        db = db.set("Open_vSwitch", ovs.uuid, col, d);
      };
      set("cur_cfg", db.get("Open_vSwitch", ovs.uuid, "next_cfg"));
      set("datapath_types", Datum.set(DATAPATH_TYPES));
      set("iface_types", Datum.set(IFACE_TYPES));
      set("dpdk_initialized", Datum.scalar(false));
      set("dpdk_version", Datum.scalar("none"));
    }
    return db;
  }

  private createBridge(row: Row): void {
    const dpType = datapathTypeOf(row);
    let dp = this.datapaths.get(dpType);
    if (!dp) {
      dp = new Datapath(dpType);
      for (const [k, v] of this.datapathFeatures) dp.runTimeFeatures.set(k, v);
      this.datapaths.set(dpType, dp);
      // The datapath's own internal port is a netdev too.
      if (dp.isDummy) this.dummyMac();
    }
    const name = str(row.cols.get("name"));
    const rt = new BridgeRuntime(row.uuid, name, dpType, dp);
    this.bridges.set(row.uuid, rt);
    this.ofprotoOrder.insert(name, ovsHashString(name));
  }

  private destroyBridge(rt: BridgeRuntime, now: number): void {
    for (const live of [...rt.ports.values()]) this.closePort(rt, live, now);
    this.bridges.delete(rt.uuid);
    this.bridgeOrder.remove(rt.name);
    this.ofprotoOrder.remove(rt.name);
    if (![...this.bridges.values()].some((b) => b.datapath === rt.datapath)) this.datapaths.delete(rt.dpType);
  }

  private closePort(rt: BridgeRuntime, live: LivePort, now: number): void {
    rt.ports.delete(live.name);
    this.portClosed(live.name);
    rt.portOrder.remove(live.ofport);
    if (live.ofport !== OFPORT_LOCAL) rt.alloc.free(live.ofport, now);
    if (live.dpPortName === null) return;
    if (isTunnelType(live.type)) rt.datapath.detachTunnel(live.dpPortName);
    else rt.datapath.removePort(live.dpPortName);
  }

  /**
   * Pass 1 (bridge_delete_or_reconfigure_ports): closes ports no longer
   * wanted, of the wrong type, now misconfigured, or holding a number another
   * interface asks for.
   */
  private deletePorts(db: ConfigDb, br: Row, rt: BridgeRuntime, now: number): BridgePlan {
    // Wanted interfaces, by name (the first port naming an interface wins).
    const portRows = (br.cols.get("ports")?.keys ?? []).map((u) => db.row("Port", String(u))).filter((p): p is Row => !!p);
    const wanted = new Map<string, Row>();
    const portIfaces = new Map<string, Row[]>();
    for (const p of portRows) {
      const ifaces = (p.cols.get("interfaces")?.keys ?? []).map((u) => db.row("Interface", String(u))).filter((i): i is Row => !!i);
      portIfaces.set(str(p.cols.get("name")), ifaces);
      for (const i of ifaces) if (!wanted.has(str(i.cols.get("name")))) wanted.set(str(i.cols.get("name")), i);
    }
    const doomed = new Set<string>();
    const byOfport = new Map<number, LivePort>([...rt.ports.values()].map((p) => [p.ofport, p]));
    for (const live of [...rt.ports.values()].sort((a, b) => a.ofport - b.ofport)) {
      if (doomed.has(live.name)) continue;
      const iface = wanted.get(live.name);
      if (
        !iface ||
        canonicalType(str(iface.cols.get("type"))) !== live.type ||
        ifaceConfigError(iface) !== null ||
        dpPortNameOf(iface, live.type) !== live.dpPortName
      ) {
        doomed.add(live.name);
        continue;
      }
      const req = requestOf(iface);
      if (live.ofport !== OFPORT_LOCAL && req !== null && req !== live.ofport) {
        const victim = byOfport.get(req);
        if (!victim) doomed.add(live.name);
        else {
          const vIface = wanted.get(victim.name);
          if (!vIface || requestOf(vIface) !== req) {
            doomed.add(victim.name);
            doomed.add(live.name);
          }
        }
      }
    }
    for (const name of doomed) this.closePort(rt, rt.ports.get(name) as LivePort, now);
    return { portRows, wanted, portIfaces, errors: new Map() };
  }

  /**
   * Pass 2 (bridge_add_ports): opens the wanted interfaces that are not open,
   * those that ask for a number first, each group in the order of OVS's hash
   * of port names.
   */
  private addPorts(br: Row, rt: BridgeRuntime, plan: BridgePlan, now: number): void {
    const brName = rt.name;
    const order = shashOrder(plan.portRows.map((p) => str(p.cols.get("name"))));
    for (const withRequest of [true, false]) {
      for (const portName of order) {
        for (const iface of plan.portIfaces.get(portName) ?? []) {
          const name = str(iface.cols.get("name"));
          if ((requestOf(iface) !== null) !== withRequest || rt.ports.has(name) || plan.wanted.get(name) !== iface) continue;
          const err = ifaceConfigError(iface);
          if (err !== null) {
            plan.errors.set(name, err);
            continue;
          }
          const type = canonicalType(str(iface.cols.get("type")));
          let ofport: number | null;
          if (name === brName) ofport = OFPORT_LOCAL;
          else {
            const prev = optInt(iface.cols.get("ofport"));
            ofport = rt.alloc.alloc(requestOf(iface) ?? (prev !== null && prev >= 1 ? prev : null), now);
          }
          if (ofport === null) {
            plan.errors.set(name, `could not add network device ${name} to ofproto (No space left on device)`);
            continue;
          }
          const netdevType = type === "internal" ? rt.datapath.internalType() : type;
          // netdev-dummy devices (system, dummy and internal ports of the dummy datapaths) take a number each.
          const dummyMac = netdevType === "tap" || type === "patch" || TUNNEL_TYPES.has(type) ? null : this.dummyMac();
          const mac = name === brName ? macFromUuid(br.uuid) : (dummyMac ?? macFromUuid(iface.uuid));
          const dpPortName = dpPortNameOf(iface, type);
          let odpPort: number | null = null;
          if (dpPortName !== null) {
            odpPort = TUNNEL_TYPES.has(type)
              ? rt.datapath.attachTunnel(dpPortName, type)
              : rt.datapath.addPort(dpPortName, netdevType);
          }
          rt.ports.set(name, { name, ofport, type, mac, odpPort, dpPortName, netdevType, created: now });
          this.log.info(`bridge ${brName}: added interface ${name} on port ${ofport}`);
          rt.portOrder.insert(ofport, hashInt(ofport, 0));
        }
      }
    }
  }

  /** Status columns of a bridge's interfaces and the bridge. */
  private writeStatus(db0: ConfigDb, br: Row, rt: BridgeRuntime, plan: BridgePlan): ConfigDb {
    let db = db0;
    // bridge_configure_datapath_id: the LOCAL port takes the bridge's address (bridge-hwaddr.ts).
    const ea = pickLocalHwAddr(db, br, (name) => rt.ports.get(name), macFromUuid(br.uuid));
    const local = rt.ports.get(rt.name);
    if (local && local.ofport === OFPORT_LOCAL && local.mac !== ea) rt.ports.set(rt.name, { ...local, mac: ea });
    for (const iface of plan.wanted.values()) {
      const name = str(iface.cols.get("name"));
      const live = rt.ports.get(name);
      // A status column already holding `d` is left alone: every commit rewrites every interface's
      // status, and an unchanged DB version saves the commit's copies (a host with a hundred tunnels).
      const set = (col: string, d: Datum): void => {
        if (db.row("Interface", iface.uuid)?.cols.get(col)?.equals(d) === true) return;
        db = db.set("Interface", iface.uuid, col, d);
      };
      if (live) {
        const vport = live.type === "patch" || TUNNEL_TYPES.has(live.type);
        set("ofport", Datum.scalar(live.ofport));
        set("error", this.peerError(db, iface, br) ?? Datum.EMPTY_SET);
        set("admin_state", Datum.scalar("up"));
        set("link_state", Datum.scalar("up"));
        set("ifindex", Datum.scalar(0));
        set("link_resets", Datum.scalar(0));
        set("mtu", vport ? Datum.EMPTY_SET : Datum.scalar(live.mtu ?? DEFAULT_MTU));
        set("mac_in_use", Datum.scalar(live.mac));
        set("statistics", Datum.map((vport ? VPORT_STATS : DUMMY_STATS).map((k): [Atom, Atom] => [k, 0])));
      } else {
        set("ofport", Datum.scalar(-1));
        set("error", Datum.scalar(plan.errors.get(name) ?? "could not open network device"));
        for (const col of ["admin_state", "link_state", "ifindex", "link_resets", "mtu", "mac_in_use"]) set(col, Datum.EMPTY_SET);
        set("statistics", Datum.EMPTY_MAP);
      }
    }
    db = db.set("Bridge", br.uuid, "datapath_id", Datum.scalar(pickDatapathId(br, ea)));
    db = db.set("Bridge", br.uuid, "datapath_version", Datum.scalar("<built-in>"));
    return db;
  }

  /** A patch port whose peer is no interface at all: OVS opens it but records the problem. */
  private peerError(db: ConfigDb, iface: Row, br: Row): Datum | null {
    if (str(iface.cols.get("type")) !== "patch") return null;
    const peer = String(iface.cols.get("options")?.get("peer") ?? "");
    const exists = db.findByName("Interface", peer).some((r) => str(r.cols.get("type")) === "patch");
    if (exists) return null;
    const dt = str(br.cols.get("datapath_type"));
    return Datum.scalar(`No usable peer '${peer}' exists in '${dt === "" ? "system" : dt}' datapath.`);
  }
}
