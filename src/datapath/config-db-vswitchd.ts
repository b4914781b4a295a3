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
import type { ConfigDb, Row } from "./config-db.js";
import type { Atom } from "./config-db-types.js";
import { Datum } from "./config-db-types.js";
import { OFPORT_LOCAL, OfportAllocator, shashOrder } from "./ofport-allocation.js";

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

interface LivePort {
  readonly name: string;
  readonly ofport: number;
  readonly type: string;
  readonly mac: string;
}

/** One bridge's ofproto: its allocator and the interfaces it has open. */
class BridgeRuntime {
  readonly alloc = new OfportAllocator();
  readonly ports = new Map<string, LivePort>();
}

function canonicalType(t: string): string {
  return t === "" ? "system" : t;
}

export class Vswitchd {
  private readonly bridges = new Map<string, BridgeRuntime>();
  /** netdev-dummy numbers its devices' MACs aa:55:aa:55:NN:NN in creation order. */
  private dummyCount = 0;

  private dummyMac(): string {
    const n = ++this.dummyCount;
    return `aa:55:aa:55:${((n >> 8) & 0xff).toString(16).padStart(2, "0")}:${(n & 0xff).toString(16).padStart(2, "0")}`;
  }

  /** The OpenFlow port number of an open interface of a bridge (by bridge uuid). */
  ofportOf(bridgeUuid: string, iface: string): number | undefined {
    return this.bridges.get(bridgeUuid)?.ports.get(iface)?.ofport;
  }

  /** Reconfigures after a committed change; returns the database with vswitchd's status writes. */
  reconfigure(db0: ConfigDb, now: number): ConfigDb {
    let db = db0;
    const ovs = db.rows("Open_vSwitch")[0];
    const bridgeUuids = ovs ? (ovs.cols.get("bridges")?.keys ?? []).map(String) : [];
    for (const uuid of [...this.bridges.keys()]) if (!bridgeUuids.includes(uuid)) this.bridges.delete(uuid);
    for (const bu of bridgeUuids) {
      const br = db.row("Bridge", bu);
      if (br) db = this.reconfigureBridge(db, br, now);
    }
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

  private reconfigureBridge(db0: ConfigDb, br: Row, now: number): ConfigDb {
    let db = db0;
    const brName = str(br.cols.get("name"));
    let rt = this.bridges.get(br.uuid);
    if (!rt) {
      rt = new BridgeRuntime();
      this.bridges.set(br.uuid, rt);
    }
    // Wanted interfaces, by name (the first port naming an interface wins).
    const portRows = (br.cols.get("ports")?.keys ?? []).map((u) => db.row("Port", String(u))).filter((p): p is Row => !!p);
    const wanted = new Map<string, Row>();
    const portIfaces = new Map<string, Row[]>();
    for (const p of portRows) {
      const ifaces = (p.cols.get("interfaces")?.keys ?? []).map((u) => db.row("Interface", String(u))).filter((i): i is Row => !!i);
      portIfaces.set(str(p.cols.get("name")), ifaces);
      for (const i of ifaces) if (!wanted.has(str(i.cols.get("name")))) wanted.set(str(i.cols.get("name")), i);
    }

    // Pass 1: delete ports no longer wanted, of the wrong type, now misconfigured,
    // or holding a number another interface asks for (bridge_delete_or_reconfigure_ports).
    const doomed = new Set<string>();
    const byOfport = new Map<number, LivePort>([...rt.ports.values()].map((p) => [p.ofport, p]));
    for (const live of [...rt.ports.values()].sort((a, b) => a.ofport - b.ofport)) {
      if (doomed.has(live.name)) continue;
      const iface = wanted.get(live.name);
      if (!iface || canonicalType(str(iface.cols.get("type"))) !== live.type || ifaceConfigError(iface) !== null) {
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
    for (const name of doomed) {
      const live = rt.ports.get(name) as LivePort;
      rt.ports.delete(name);
      if (live.ofport !== OFPORT_LOCAL) rt.alloc.free(live.ofport, now);
    }

    // Pass 2: open the wanted interfaces that are not open, those that ask for a
    // number first, each group in the order of OVS's hash of port names.
    const errors = new Map<string, string>();
    const order = shashOrder(portRows.map((p) => str(p.cols.get("name"))));
    for (const withRequest of [true, false]) {
      for (const portName of order) {
        for (const iface of portIfaces.get(portName) ?? []) {
          const name = str(iface.cols.get("name"));
          if ((requestOf(iface) !== null) !== withRequest || rt.ports.has(name) || wanted.get(name) !== iface) continue;
          const err = ifaceConfigError(iface);
          if (err !== null) {
            errors.set(name, err);
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
            errors.set(name, `could not add network device ${name} to ofproto (No space left on device)`);
            continue;
          }
          const mac =
            name === brName ? macFromUuid(br.uuid) : type === "patch" || TUNNEL_TYPES.has(type) ? macFromUuid(iface.uuid) : this.dummyMac();
          rt.ports.set(name, { name, ofport, type, mac });
        }
      }
    }

    // Status columns.
    for (const iface of wanted.values()) {
      const name = str(iface.cols.get("name"));
      const live = rt.ports.get(name);
      const set = (col: string, d: Datum): void => {
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
        set("mtu", vport ? Datum.EMPTY_SET : Datum.scalar(1500));
        set("mac_in_use", Datum.scalar(live.mac));
        set("statistics", Datum.map((vport ? VPORT_STATS : DUMMY_STATS).map((k): [Atom, Atom] => [k, 0])));
      } else {
        set("ofport", Datum.scalar(-1));
        set("error", Datum.scalar(errors.get(name) ?? "could not open network device"));
        for (const col of ["admin_state", "link_state", "ifindex", "link_resets", "mtu", "mac_in_use"]) set(col, Datum.EMPTY_SET);
        set("statistics", Datum.EMPTY_MAP);
      }
    }
    const dpidReq = br.cols.get("other_config")?.get("datapath-id");
    const dpid = typeof dpidReq === "string" && /^[0-9a-fA-F]{16}$/.test(dpidReq) ? dpidReq.toLowerCase() : null;
    db = db.set("Bridge", br.uuid, "datapath_id", Datum.scalar(dpid ?? `0000${macFromUuid(br.uuid).replace(/:/g, "")}`));
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
