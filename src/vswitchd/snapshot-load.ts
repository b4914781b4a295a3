/**
 * Loading a switch snapshot (snapshot.ts): the document is read whole into
 * typed state through `In` (snapshot-read.ts), each field checked, action
 * lists decoded and printed once to prove them well formed; only then is the
 * fresh switch given the state, part by part, lowest layer first: vswitchd
 * and the datapaths, the config DB and the clock, the bridges (reconciled
 * with the DB, then their flows, ports, MAC table, groups and meters),
 * tunnels, recirculation ids, the megaflow caches, the packet path. What
 * cross-checks only the parts can make (a bridge of no ofproto, a flow
 * whose match repeats) still fails as a SnapshotError, and the new switch is
 * dropped.
 */
import type { ConfigDbState, DatumState, TableName } from "../datapath/config-db.js";
import { ConfigDb, TABLE_NAMES, columnSchema } from "../datapath/config-db.js";
import { In, atoms } from "./snapshot-read.js";
import { readBridge } from "./snapshot-read-bridge.js";
import { readDatapaths, readIo, readRecircIds, readTunnels, readVlog } from "./snapshot-read-runtime.js";
import { readVswitchd } from "./snapshot-read-vswitchd.js";
import type { SwitchParts } from "./snapshot-save.js";
import type { LoadSnapshotOptions } from "./snapshot.js";
import { SNAPSHOT_VERSION, SnapshotError } from "./snapshot.js";
import { defineOwn } from "../flowtable/own-property.js";
import { TunMetadataTable } from "../flowtable/tun-metadata-table.js";
import { readBonds } from "./bond-snapshot.js";

function readDb(i: In, ovsUuid: string): ConfigDbState {
  const tables: { [T in TableName]?: { uuid: string; cols: { [col: string]: DatumState } }[] } = {};
  const t = i.get("tables");
  for (const name of Object.keys((t.value ?? {}) as object)) {
    if (!(TABLE_NAMES as string[]).includes(name)) t.get(name).fail("no such table");
  }
  for (const name of TABLE_NAMES) {
    if (t.value === null || typeof t.value !== "object" || !Object.prototype.hasOwnProperty.call(t.value, name)) continue;
    tables[name] = t.get(name).arr().map((r) => {
      const uuid = r.get("uuid").str();
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(uuid)) r.get("uuid").fail("not a uuid");
      const c = r.get("cols");
      const cols: { [col: string]: DatumState } = {};
      for (const col of Object.keys((c.value ?? {}) as object)) {
        const d = c.get(col);
        if (columnSchema(name, col) === undefined) d.fail(`no column ${col} in table ${name}`);
        const values = d.get("values");
        const datum: DatumState = { keys: atoms(d.get("keys")), values: values.isNull() ? null : atoms(values) };
        if (datum.values !== null && datum.values.length !== datum.keys.length) values.fail("not as many values as keys");
        defineOwn(cols, col, datum);
      }
      return { uuid, cols };
    });
  }
  if (!(tables.Open_vSwitch ?? []).some((r) => r.uuid === ovsUuid)) t.get("Open_vSwitch").fail(`no Open_vSwitch row ${ovsUuid}`);
  return { nextRow: i.get("nextRow").int(1), tables };
}

export function loadSwitch(p: SwitchParts, doc: unknown, options: LoadSnapshotOptions): void {
  const root = new In(doc, "$");
  const format = root.get("format");
  if (format.value !== "ovsim-switch") format.fail(`not an ovsim switch snapshot (format ${JSON.stringify(format.value) ?? "undefined"})`);
  const version = root.get("version").int(1);
  if (version !== SNAPSHOT_VERSION) {
    root.get("version").fail(`snapshot version ${version} is ${version > SNAPSHOT_VERSION ? "newer than" : "not"} the version this ovsim reads (${SNAPSHOT_VERSION})`);
  }
  const sw = p.sw;
  const clock = root.get("clock").num();
  const db = readDb(root.get("db"), sw.ovsUuid);
  const vswitchd = readVswitchd(root.get("vswitchd"));
  const bridges = root.get("bridges").arr();
  const saved = bridges.map(readBridge);
  const names = new Set(vswitchd.bridges.map((b) => b.name));
  saved.forEach((b, i) => {
    if (!names.has(b.name)) bridges[i]!.get("name").fail(`bridge ${b.name} has no ofproto in $.vswitchd`);
  });
  const datapaths = readDatapaths(root.get("datapaths"));
  const tunnels = readTunnels(root.get("tunnels"));
  const recirc = readRecircIds(root.get("recircIds"));
  const io = readIo(root.get("io"));
  const vlog = readVlog(root.get("vlog"));
  const rootValue = root.value;
  const bonds = rootValue !== null && typeof rootValue === "object" && Object.hasOwn(rootValue, "bonds") ? readBonds(root.get("bonds").data(), "$.bonds") : null;

  try {
    apply();
  } catch (e) {
    if (e instanceof SnapshotError) throw e;
    throw new SnapshotError(`inconsistent snapshot (${e instanceof Error ? e.message : String(e)})`);
  }

  /** Gives the state to the switch, lowest layer first; what only the parts can check still throws. */
  function apply(): void {
    sw.vswitchd.restore(vswitchd);
    for (const [k, v] of Object.entries(options.datapathFeatures ?? {})) sw.vswitchd.datapathFeatures.set(k, v);
    const configDb = ConfigDb.restore(db);
    p.setDb(configDb);
    p.setClock(clock);
    p.ofprotos.restore(configDb, clock, saved.map((b) => b.name));
    p.sw.netflows.sync(configDb, p.ofprotos.bridges);
    p.sw.sflow.sync(configDb, p.ofprotos.bridges, clock);
    saved.forEach((s, i) => {
      const br = p.ofprotos.bridges.get(s.name);
      if (br === undefined) throw new SnapshotError(`bridge ${s.name} is not in the config DB`, `${bridges[i]!.path}.name`);
      br.restoreFlows(s.flows, s.nextId, s.version, s.recircDropId);
      s.subtableOrders.forEach(([table, ids], k) => {
        if (!br.tables.restoreSubtableOrder(table, ids)) {
          throw new SnapshotError(`not an order of table ${table}'s subtables`, `${bridges[i]!.path}.flows.subtableOrders[${k}]`);
        }
      });
      for (const ps of s.ports) {
        const port = br.portByName(ps.name);
        if (port === undefined) continue;
        port.config = ps.config;
        Object.assign(port.stats, ps.stats);
      }
      br.restoreBundleOrder(s.bundleOrder);
      br.tunMetadata = TunMetadataTable.restore(s.tunMetadata);
      br.macTable.restore(s.mac);
      br.groupTable.restore(s.groups);
      br.meterTable.restore(s.meters);
      br.packetIns.splice(0, br.packetIns.length, ...s.packetIns);
      if (s.openflowConfig !== null) {
        br.fragHandling = s.openflowConfig.frags;
        br.tables.restoreEvictionByOpenflow(s.openflowConfig.evictionTables);
        br.tableConfig.restore(s.openflowConfig.tables);
        for (const [t, matched, missed] of s.openflowConfig.lookups) {
          br.tableMatched[t] = matched;
          br.tableMissed[t] = missed;
        }
      }
      if (!br.mirrorTable.restore(s.mirrors)) throw new SnapshotError("not the mirrors the config DB configures", `${bridges[i]!.path}.mirrors`);
    });
    sw.tunnels.restore(tunnels);
    sw.recircIds.restore({
      ...recirc,
      states: recirc.states.map(([id, st]) => {
        const bridge = p.ofprotos.bridges.get(st.bridge);
        if (bridge === undefined) throw new SnapshotError(`no bridge ${st.bridge} for recirculation id ${id}`, "$.recircIds.states");
        return [id, { ...st, bridge }] as const;
      }),
    });
    sw.datapaths.restore(datapaths);
    if (bonds !== null) sw.bonds.restore(bonds);
    sw.io.restore(io);
    if (!sw.vlog.restore(vlog)) throw new SnapshotError("a log module this ovsim does not have", "$.vlog.modules");
    for (const [port, sink] of Object.entries(options.sinks ?? {})) sw.attach(port, sink);
    if (options.vportSink !== undefined) sw.attachTunnelVports(options.vportSink);
    if (options.neighbourRequestSink !== undefined) sw.tunnels.neighbourRequestSink = options.neighbourRequestSink;
  }
}
