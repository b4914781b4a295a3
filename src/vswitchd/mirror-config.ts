/**
 * A bridge's Mirror rows made into its mirrors (ovs-vswitchd's
 * bridge_configure_mirrors and mirror_configure, vswitchd/bridge.c; the
 * Mirror table in vswitchd/vswitch.xml).
 *
 * At each committed DB version: mirrors whose row left the bridge's
 * `mirrors` column go; then each row of the column, in uuid order (OVSDB's
 * order of a set, which decides the mirrors' indexes and so the order a
 * packet visits them), is configured:
 * - the output: `output_port` (a port of this bridge, else the mirror is
 *   dropped: "outputs to port not on bridge"; an `output_vlan` beside it is
 *   ignored), else `output_vlan`, else the mirror is dropped ("does not
 *   specify output");
 * - the selection: `select_all` takes every port of the bridge for both
 *   directions, otherwise `select_src_port` and `select_dst_port` (ports not
 *   on the bridge are skipped); `select_vlan` limits it to those VLANs;
 * - `snaplen`, when set, truncates each copy (0: whole packets).
 * OVS logs why a mirror is dropped; ovsim does not log these.
 *
 * Every stats-update-interval (other_config, at least 5 s, as run_stats_update),
 * each configured mirror's row gets its counters in `statistics`
 * (`refreshMirrorStats`); until the first refresh after it is created a row's
 * `statistics` is empty, as OVS's.
 */
import type { Bridge } from "../datapath/bridge.js";
import type { ConfigDb, Row } from "../datapath/config-db.js";
import { Datum } from "../datapath/config-db-types.js";
import type { MirrorSettings } from "../datapath/mirrors.js";

/** The OpenFlow ports of Port row `uuid` if it is a port of `bridge` (OVS's port_lookup by name), else null. */
function portOfports(db: ConfigDb, bridge: Bridge, bridgePorts: ReadonlySet<string>, uuid: unknown): number[] | null {
  const port = db.row("Port", String(uuid));
  if (port === undefined || !bridgePorts.has(port.uuid)) return null;
  const ofports: number[] = [];
  for (const iu of port.cols.get("interfaces")?.keys ?? []) {
    const name = String(db.row("Interface", String(iu))?.cols.get("name")?.first() ?? "");
    const p = bridge.portByName(name);
    if (p !== undefined) ofports.push(p.ofport);
  }
  return ofports;
}

/** mirror_configure: the settings of Mirror row `m`, or null when it has no usable output. */
function mirrorSettings(db: ConfigDb, bridge: Bridge, bridgePorts: ReadonlySet<string>, m: Row): MirrorSettings | null {
  const name = String(m.cols.get("name")?.first() ?? "");
  const outRef = m.cols.get("output_port")?.first();
  const outVlanAtom = m.cols.get("output_vlan")?.first();
  let outPort: number | null = null;
  let outVlan = -1;
  if (outRef !== undefined) {
    const out = portOfports(db, bridge, bridgePorts, outRef);
    // A Port without an open interface: OVS keeps the mirror and sends it nothing; ovsim drops it.
    if (out === null) return null;
    outPort = out[0] ?? null;
    if (outPort === null) return null;
  } else if (typeof outVlanAtom === "number") {
    outVlan = outVlanAtom;
  } else {
    return null;
  }
  const snaplenAtom = m.cols.get("snaplen")?.first();
  const collect = (column: string): number[] =>
    (m.cols.get(column)?.keys ?? []).flatMap((u) => portOfports(db, bridge, bridgePorts, u) ?? []);
  let srcs: number[];
  let dsts: number[];
  if (m.cols.get("select_all")?.first() === true) {
    srcs = [...bridgePorts].flatMap((u) => portOfports(db, bridge, bridgePorts, u) ?? []);
    dsts = srcs;
  } else {
    srcs = collect("select_src_port");
    dsts = collect("select_dst_port");
  }
  const vlanKeys = (m.cols.get("select_vlan")?.keys ?? []).map(Number);
  return {
    name,
    srcs,
    dsts,
    vlans: vlanKeys.length > 0 ? new Set(vlanKeys) : null,
    outPort,
    outVlan,
    snaplen: typeof snaplenAtom === "number" ? snaplenAtom : 0,
  };
}

/** bridge_configure_mirrors: `bridge`'s mirrors follow its row `br` in DB version `db`. */
export function configureMirrors(db: ConfigDb, bridge: Bridge, br: Row): void {
  const table = bridge.mirrorTable;
  const rows = (br.cols.get("mirrors")?.keys ?? []).map(String).sort();
  const wanted = new Set(rows);
  for (const key of table.keys()) if (!wanted.has(key)) table.destroy(key);
  if (rows.length === 0) return;
  const bridgePorts = new Set((br.cols.get("ports")?.keys ?? []).map(String));
  for (const uuid of rows) {
    const m = db.row("Mirror", uuid);
    const settings = m === undefined ? null : mirrorSettings(db, bridge, bridgePorts, m);
    if (settings === null) table.destroy(uuid);
    else table.set(uuid, settings);
  }
}

/**
 * mirror_refresh_stats for every configured mirror of `bridges`: its row's `statistics` become
 * `{tx_bytes=B, tx_packets=P}`. Returns `db` itself when no row changed.
 */
export function refreshMirrorStats(db: ConfigDb, bridges: Iterable<Bridge>): ConfigDb {
  let next = db;
  for (const br of bridges) {
    for (const key of br.mirrorTable.keys()) {
      const s = br.mirrorTable.stats(key);
      if (s !== undefined) next = next.set("Mirror", key, "statistics", Datum.map([["tx_bytes", s.bytes], ["tx_packets", s.packets]]));
    }
  }
  return next;
}
