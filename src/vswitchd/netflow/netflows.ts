/**
 * The NetFlow exporters of a switch's bridges, configured from the DB as ovs-vswitchd's
 * bridge_configure_netflow and ofproto-dpif's set_netflow do.
 *
 * A bridge whose `netflow` column names a NetFlow row exports NetFlow; its exporter is created
 * with the bridge's ofproto (its uptime counts from then) and goes when the column is cleared
 * or the ofproto goes. From the row:
 * - engine_type / engine_id, when set; otherwise the datapath's ids (dpif-netdev: the 16-bit
 *   hash_string of the datapath's name, high byte the type, low byte the id);
 * - active_timeout in seconds: 0 or unset means OVS's default (600 s), as does a negative
 *   value (with a warning);
 * - add_id_to_interface;
 * - targets, the collectors: "IP:PORT" or "[IPv6]:PORT" (an empty port is port 0, which
 *   nothing receives); a target without a port cannot be opened (collectors.c warns "couldn't
 *   open connection to collector T (Address family not supported by protocol)", which is what
 *   OVS 3.1 on Linux says).
 * Datagrams go over the simulated host's UDP (host-udp.ts) to whatever listens there (an
 * `ovstest test-netflow`). `run` is netflow_run for every exporter (a main-loop pass).
 */
import type { Bridge } from "../../datapath/bridge.js";
import type { ConfigDb, Row } from "../../datapath/config-db.js";
import { hashFinish, mhashAdd } from "../../flowtable/hash.js";
import type { HostUdp } from "../host-udp.js";
import type { VlogModule } from "../vlog.js";
import type { NetflowOptions } from "./netflow.js";
import { Netflow } from "./netflow.js";

/** What the exporters need of their switch. */
export interface NetflowEnv {
  readonly now: () => number;
  readonly udp: HostUdp;
  /** The bridge module (bridge.c's warnings). */
  readonly bridgeLog: VlogModule;
  /** The collectors module (collectors.c's warnings). */
  readonly collectorsLog: VlogModule;
}

/** OVS's hash_string (hash_bytes over the name's bytes, little-endian words, basis 0). */
function hashString(s: string): number {
  const bytes = new TextEncoder().encode(s);
  let hash = 0;
  let i = 0;
  for (; i + 4 <= bytes.length; i += 4) hash = mhashAdd(hash, ((bytes[i] ?? 0) | ((bytes[i + 1] ?? 0) << 8) | ((bytes[i + 2] ?? 0) << 16) | ((bytes[i + 3] ?? 0) << 24)) >>> 0);
  if (i < bytes.length) {
    let tmp = 0;
    for (let k = 0; i + k < bytes.length; k++) tmp |= (bytes[i + k] ?? 0) << (8 * k);
    hash = mhashAdd(hash, tmp >>> 0);
  }
  return hashFinish(hash, bytes.length);
}

/** A collector target as inet_parse_active splits it: address and port, or null without a port. */
export function parseCollectorTarget(target: string): { readonly addr: string; readonly port: number } | null {
  const m = /^\[([^\]]*)\](?::(\d*))?$/.exec(target) ?? /^([^:]*)(?::(\d*))?$/.exec(target);
  if (m === null || m[2] === undefined) return null;
  const port = m[2] === "" ? 0 : Number(m[2]);
  if (!(port >= 0 && port <= 0xffff)) return null;
  return { addr: m[1] ?? "", port };
}

export class Netflows {
  /** Per bridge (its ofproto): the exporter and the NetFlow row it was configured from. */
  private readonly exporters = new Map<Bridge, { nf: Netflow; row: Row }>();

  constructor(private readonly env: NetflowEnv) {}

  /** bridge_configure_netflow for every bridge at DB version `db`. */
  sync(db: ConfigDb, bridges: ReadonlyMap<string, Bridge>): void {
    const seen = new Set<Bridge>();
    for (const r of db.rows("Bridge")) {
      const br = bridges.get(String(r.cols.get("name")?.first() ?? ""));
      if (br === undefined) continue;
      const ref = r.cols.get("netflow")?.first();
      const row = ref === undefined ? undefined : db.row("NetFlow", String(ref));
      if (row === undefined) {
        br.netflow = null;
        continue;
      }
      seen.add(br);
      let e = this.exporters.get(br);
      if (e === undefined) {
        e = { nf: this.create(), row };
        this.exporters.set(br, e);
        e.nf.setOptions(this.options(br, row));
      } else if (e.row !== row) {
        e.row = row;
        e.nf.setOptions(this.options(br, row));
      }
      br.netflow = e.nf;
    }
    for (const br of [...this.exporters.keys()]) if (!seen.has(br)) this.exporters.delete(br);
  }

  /** Whether any bridge exports NetFlow. */
  active(): boolean {
    return this.exporters.size > 0;
  }

  /** netflow_run of every exporter. */
  run(): void {
    for (const e of this.exporters.values()) e.nf.run();
  }

  private create(): Netflow {
    const udp = this.env.udp;
    return new Netflow(this.env.now, {
      open: (target) => {
        const t = parseCollectorTarget(target);
        if (t === null) return { ok: false, error: "Address family not supported by protocol" };
        return { ok: true, id: `${t.addr}\n${t.port}` };
      },
      send: (id, bytes) => {
        const [addr = "", port = "0"] = id.split("\n");
        udp.send(addr, Number(port), bytes);
      },
      warn: (message) => this.env.collectorsLog.warn(message),
    });
  }

  private options(br: Bridge, row: Row): NetflowOptions {
    const id = hashString(datapathName(br)) & 0xffff;
    const engineType = row.cols.get("engine_type")?.first();
    const engineId = row.cols.get("engine_id")?.first();
    const at = row.cols.get("active_timeout")?.first();
    let activeTimeout = typeof at === "number" ? at : 0;
    if (activeTimeout === 0) activeTimeout = -1;
    else if (activeTimeout < 0) {
      this.env.bridgeLog.warn(`bridge ${br.name}: active timeout interval set to negative value, using default instead (600 seconds)`);
      activeTimeout = -1;
    }
    const addId = row.cols.get("add_id_to_interface")?.first() === true;
    const eid = typeof engineId === "number" ? engineId : id & 0xff;
    if (addId && eid > 0x7f) {
      this.env.bridgeLog.warn(`bridge ${br.name}: NetFlow port mangling may conflict with another vswitch, choose an engine id less than 128`);
    }
    return {
      collectors: [...new Set((row.cols.get("targets")?.keys ?? []).map(String))].sort(),
      engineType: typeof engineType === "number" ? engineType : id >>> 8,
      engineId: eid,
      activeTimeout,
      addIdToInterface: addId,
    };
  }
}

/** The name of the datapath a bridge's ofproto runs on (dpif-netdev's dp->name: "ovs-" and its type, "system" by default). */
function datapathName(br: Bridge): string {
  return `ovs-${br.datapathType === "" ? "system" : br.datapathType}`;
}
