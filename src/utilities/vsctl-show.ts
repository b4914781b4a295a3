/**
 * `ovs-vsctl show` (lib/db-ctl-base.c cmd_show with ovs-vsctl's
 * cmd_show_tables): the Open_vSwitch row's uuid, then managers, bridges and
 * ovs_version; each bridge with its controllers, fail_mode, datapath_type and
 * ports; each port with tag, trunks and interfaces; each interface with type,
 * options, error and bfd_status — columns printed only when not default,
 * referenced rows in uuid order.
 */
import type { ConfigDb, Row, TableName } from "../datapath/config-db.js";
import { columnSchema } from "../datapath/config-db.js";
import type { ColumnSchema } from "../datapath/config-db-types.js";
import { datumToString } from "../datapath/config-db-data.js";

const SHOW: Partial<Record<TableName, { name: string | null; columns: string[] }>> = {
  Open_vSwitch: { name: null, columns: ["manager_options", "bridges", "ovs_version"] },
  Bridge: { name: "name", columns: ["controller", "fail_mode", "datapath_type", "ports"] },
  Port: { name: "name", columns: ["tag", "trunks", "interfaces"] },
  Interface: { name: "name", columns: ["type", "options", "error", "bfd_status"] },
  Controller: { name: "target", columns: ["is_connected"] },
  Manager: { name: "target", columns: ["is_connected"] },
};

function isDefault(db: ConfigDb, row: Row, c: ColumnSchema): boolean {
  const d = db.get(row.table, row.uuid, c.name);
  if (c.type.min === 0 || c.type.value !== null) return d.size === 0;
  const a = d.first();
  return a === 0 || a === false || a === "";
}

function showRow(db: ConfigDb, row: Row, level: number, shown: Set<string>, out: string[]): void {
  const show = SHOW[row.table];
  const pad = " ".repeat(level * 4);
  if (show?.name) {
    const c = columnSchema(row.table, show.name) as ColumnSchema;
    out.push(`${pad}${row.table} ${datumToString(db.get(row.table, row.uuid, show.name), c.type)}`);
  } else out.push(`${pad}${row.uuid}`);
  if (!show || shown.has(row.table)) return;
  shown.add(row.table);
  for (const name of show.columns) {
    const c = columnSchema(row.table, name) as ColumnSchema;
    const d = db.get(row.table, row.uuid, name);
    const ref = c.type.key.refTable as TableName | undefined;
    if (c.type.key.type === "uuid" && ref !== undefined && SHOW[ref]) {
      for (const u of d.keys) {
        const r = db.row(ref, String(u));
        if (r) showRow(db, r, level + 1, shown, out);
      }
      continue;
    }
    if (!isDefault(db, row, c)) out.push(`${pad}    ${name}: ${datumToString(d, c.type)}`);
  }
  shown.delete(row.table);
}

export function showLines(db: ConfigDb): string[] {
  const out: string[] = [];
  for (const r of db.rows("Open_vSwitch")) showRow(db, r, 0, new Set(), out);
  return out;
}
