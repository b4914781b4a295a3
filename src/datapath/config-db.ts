/**
 * The configuration database (OVS's conf.db, schema Open_vSwitch 8.3.1) as a
 * persistent value.
 *
 * Goals: every change is a new version (old versions are snapshots that later
 * edits never touch, and cost nothing to keep); `diff(a, b)` tells what
 * changed between two versions (the Neutron agent's port polling reads it);
 * the generic ovs-vsctl commands (get/set/list/find/add/remove/clear) work on
 * any column of any table because rows are schema-driven.
 *
 * Representation: an Immutable.js Record holding, per table, an immutable Map
 * from row uuid to `Row`; a Row is a Record of its uuid, table and an
 * immutable Map of every column to its `Datum` (all columns present, defaults
 * as OVSDB gives them). Typed views of the columns users touch live in
 * config-db-views.ts.
 *
 * Invariants: rows of non-root tables that no strong reference reaches from a
 * root row are garbage-collected on `commit()` (as ovsdb-server does), and
 * weak references to deleted rows vanish. Uuids are deterministic: row n of a
 * database gets `nnnnnnnn-0000-4000-8000-00000000nnnn` (real OVS uses random
 * uuids, so ovsim's sort by uuid — `show`, uuid sets — is creation order).
 */
import type { RecordOf } from "immutable";
import { Map as IMap, Record, is } from "immutable";
import type { TableName } from "./config-db-schema.js";
import { VSWITCH_TABLES } from "./config-db-schema.js";
import type { ColumnSchema, TableSchema } from "./config-db-types.js";
import { Datum } from "./config-db-types.js";
import { defineOwn } from "../flowtable/own-property.js";

export type { TableName } from "./config-db-schema.js";

export const TABLE_NAMES = Object.keys(VSWITCH_TABLES) as TableName[];

export function tableSchema(t: TableName): TableSchema {
  return VSWITCH_TABLES[t];
}

export function columnSchema(t: TableName, col: string): ColumnSchema | undefined {
  return tableSchema(t).columns.find((c) => c.name === col);
}

function defaultDatum(c: ColumnSchema): Datum {
  const t = c.type;
  if (t.min === 0 || t.value !== null) return Datum.empty(t);
  switch (t.key.type) {
    case "integer":
    case "real":
      return Datum.scalar(0);
    case "boolean":
      return Datum.scalar(false);
    case "string":
      return Datum.scalar("");
    case "uuid":
      return Datum.scalar("00000000-0000-0000-0000-000000000000");
  }
}

const DEFAULT_COLS = new Map<TableName, IMap<string, Datum>>(
  TABLE_NAMES.map((t) => [t, IMap(tableSchema(t).columns.map((c) => [c.name, defaultDatum(c)] as const))]),
);

interface RowProps {
  /** The row's uuid, RFC 4122 text. */
  readonly uuid: string;
  readonly table: TableName;
  /** Every column of the table, by name. */
  readonly cols: IMap<string, Datum>;
}
export type Row = RecordOf<RowProps>;
const makeRow = Record<RowProps>({ uuid: "", table: "Open_vSwitch", cols: IMap() }, "Row");

interface DbProps {
  readonly tables: IMap<TableName, IMap<string, Row>>;
  /** Uuid counter: the next row inserted is number nextRow. */
  readonly nextRow: number;
}
const makeDb = Record<DbProps>({ tables: IMap(), nextRow: 1 }, "ConfigDb");

export function uuidForRow(n: number): string {
  const h = n.toString(16).padStart(8, "0");
  return `${h}-0000-4000-8000-${h.padStart(12, "0")}`;
}

/** A datum as data (snapshots): its keys, and its values for a map (null for a set). */
export interface DatumState {
  readonly keys: readonly (string | number | boolean)[];
  readonly values: readonly (string | number | boolean)[] | null;
}

/** A database version as data (snapshots): the uuid counter and every row of every table, columns by name. */
export interface ConfigDbState {
  readonly nextRow: number;
  readonly tables: { readonly [T in TableName]?: readonly { readonly uuid: string; readonly cols: { readonly [col: string]: DatumState } }[] };
}

export interface RowChange {
  readonly table: TableName;
  readonly uuid: string;
  readonly kind: "insert" | "delete" | "modify";
  /** Columns whose value differs (all columns for insert / delete). */
  readonly columns: readonly string[];
}

export class ConfigDb {
  private readonly state: RecordOf<DbProps>;

  private constructor(state: RecordOf<DbProps>) {
    this.state = state;
  }

  /** An empty database (no rows at all, not even Open_vSwitch). */
  static empty(): ConfigDb {
    return new ConfigDb(makeDb({ tables: IMap(TABLE_NAMES.map((t) => [t, IMap<string, Row>()] as const)) }));
  }

  /** Every row as data, tables in schema order, rows by uuid, columns in schema order. */
  save(): ConfigDbState {
    const tables: { [T in TableName]?: { uuid: string; cols: { [col: string]: DatumState } }[] } = {};
    for (const t of TABLE_NAMES) {
      const columns = tableSchema(t).columns.map((c) => c.name);
      tables[t] = this.rows(t).map((r) => {
        const cols: { [col: string]: DatumState } = {};
        const names = [...columns, ...[...r.cols.keys()].filter((c) => !columns.includes(c)).sort()];
        for (const c of names) {
          const d = r.cols.get(c);
          if (d !== undefined) defineOwn(cols, c, { keys: [...d.keys], values: d.values === null ? null : [...d.values] });
        }
        return { uuid: r.uuid, cols };
      });
    }
    return { nextRow: this.state.nextRow, tables };
  }

  /** The version `save` gave (its tables and columns checked by the caller against the schema). */
  static restore(s: ConfigDbState): ConfigDb {
    const datum = (d: DatumState): Datum =>
      d.values === null
        ? d.keys.length === 0 ? Datum.EMPTY_SET : Datum.set(d.keys)
        : d.keys.length === 0 ? Datum.EMPTY_MAP : Datum.map(d.keys.map((k, i) => [k, d.values![i]!] as const));
    const tables = IMap<TableName, IMap<string, Row>>(
      TABLE_NAMES.map((t) => {
        const rows = (s.tables[t] ?? []).map((r) => [r.uuid, makeRow({ uuid: r.uuid, table: t, cols: IMap<string, Datum>(Object.entries(r.cols).map(([c, d]) => [c, datum(d)] as const)) })] as const);
        return [t, IMap<string, Row>(rows)] as const;
      }),
    );
    return new ConfigDb(makeDb({ tables, nextRow: s.nextRow }));
  }

  private with(state: RecordOf<DbProps>): ConfigDb {
    return state === this.state ? this : new ConfigDb(state);
  }

  private rowMap(t: TableName): IMap<string, Row> {
    return this.state.tables.get(t) ?? IMap();
  }

  /** Rows of a table, by uuid. */
  rows(t: TableName): Row[] {
    return [...this.rowMap(t).values()].sort((a, b) => (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0));
  }

  row(t: TableName, uuid: string): Row | undefined {
    return this.rowMap(t).get(uuid);
  }

  /** The value of a column (the column's default if the row or column does not exist). */
  get(t: TableName, uuid: string, col: string): Datum {
    const c = this.row(t, uuid)?.cols.get(col);
    if (c) return c;
    const s = columnSchema(t, col);
    return s ? defaultDatum(s) : Datum.EMPTY_SET;
  }

  /** Rows of `t` whose `name` column is `name`. */
  findByName(t: TableName, name: string): Row[] {
    return this.rows(t).filter((r) => r.cols.get("name")?.first() === name);
  }

  /** Takes the next uuid without creating a row (for a row created later with `insert(..., uuid)`). */
  reserveUuid(): { db: ConfigDb; uuid: string } {
    return { db: new ConfigDb(this.state.set("nextRow", this.state.nextRow + 1)), uuid: uuidForRow(this.state.nextRow) };
  }

  insert(t: TableName, values: Readonly<{ [col: string]: Datum }> = {}, reserved?: string): { db: ConfigDb; uuid: string } {
    const uuid = reserved ?? uuidForRow(this.state.nextRow);
    let cols = DEFAULT_COLS.get(t) as IMap<string, Datum>;
    for (const [k, v] of Object.entries(values)) cols = cols.set(k, v);
    const row = makeRow({ uuid, table: t, cols });
    const state = this.state
      .set("tables", this.state.tables.set(t, this.rowMap(t).set(uuid, row)))
      .set("nextRow", reserved === undefined ? this.state.nextRow + 1 : this.state.nextRow);
    return { db: new ConfigDb(state), uuid };
  }

  set(t: TableName, uuid: string, col: string, value: Datum): ConfigDb {
    const row = this.row(t, uuid);
    if (!row) return this;
    const old = row.cols.get(col);
    if (old && is(old, value)) return this;
    return this.with(this.state.set("tables", this.state.tables.set(t, this.rowMap(t).set(uuid, row.set("cols", row.cols.set(col, value))))));
  }

  delete(t: TableName, uuid: string): ConfigDb {
    if (!this.row(t, uuid)) return this;
    return this.with(this.state.set("tables", this.state.tables.set(t, this.rowMap(t).delete(uuid))));
  }

  /**
   * Ends a transaction as ovsdb-server does: rows of non-root tables that no
   * strong reference reaches from a root row are deleted, and references to
   * rows that no longer exist are dropped.
   */
  commit(): ConfigDb {
    const live = new Set<string>();
    const stack: Row[] = [];
    for (const t of TABLE_NAMES) if (tableSchema(t).isRoot) stack.push(...this.rowMap(t).values());
    for (const r of stack) live.add(r.uuid);
    while (stack.length > 0) {
      const r = stack.pop() as Row;
      for (const c of tableSchema(r.table).columns) {
        const d = r.cols.get(c.name);
        const sides = [
          [c.type.key, d?.keys ?? []],
          [c.type.value, d?.values ?? []],
        ] as const;
        for (const [base, atoms] of sides) {
          if (base?.refTable === undefined || base.refType !== "strong") continue;
          for (const a of atoms) {
            const tr = this.row(base.refTable as TableName, String(a));
            if (tr && !live.has(tr.uuid)) {
              live.add(tr.uuid);
              stack.push(tr);
            }
          }
        }
      }
    }
    let db: ConfigDb = this;
    for (const t of TABLE_NAMES) {
      for (const uuid of this.rowMap(t).keys()) if (!live.has(uuid)) db = db.delete(t, uuid);
    }
    return db.dropDanglingRefs();
  }

  private dropDanglingRefs(): ConfigDb {
    let db: ConfigDb = this;
    for (const t of TABLE_NAMES) {
      const refCols = tableSchema(t).columns.filter((c) => c.type.key.refTable !== undefined || c.type.value?.refTable !== undefined);
      if (refCols.length === 0) continue;
      for (const r of this.rowMap(t).values()) {
        for (const c of refCols) {
          const d = r.cols.get(c.name) as Datum;
          const exists = (table: string | undefined, a: unknown): boolean =>
            table === undefined || db.row(table as TableName, a as string) !== undefined;
          const keep = d.keys.map((k, i) => exists(c.type.key.refTable, k) && exists(c.type.value?.refTable, d.values?.[i]));
          if (keep.every((x) => x)) continue;
          const nd = d.isMap
            ? Datum.map(d.pairs().filter((_p, i) => keep[i]))
            : Datum.set(d.keys.filter((_, i) => keep[i]));
          db = db.set(t, r.uuid, c.name, nd);
        }
      }
    }
    return db;
  }

  /** True if nothing differs (same rows, same values). */
  equals(other: ConfigDb): boolean {
    return is(this.state.tables, other.state.tables);
  }
}

/** What changed from `a` to `b`, row by row (tables in schema order, rows by uuid). */
export function diff(a: ConfigDb, b: ConfigDb): RowChange[] {
  const out: RowChange[] = [];
  for (const t of TABLE_NAMES) {
    const ra = new Map(a.rows(t).map((r) => [r.uuid, r]));
    const rb = new Map(b.rows(t).map((r) => [r.uuid, r]));
    const uuids = [...new Set([...ra.keys(), ...rb.keys()])].sort();
    for (const uuid of uuids) {
      const x = ra.get(uuid);
      const y = rb.get(uuid);
      const all = tableSchema(t).columns.map((c) => c.name);
      if (!x) out.push({ table: t, uuid, kind: "insert", columns: all });
      else if (!y) out.push({ table: t, uuid, kind: "delete", columns: all });
      else if (!is(x, y)) {
        out.push({ table: t, uuid, kind: "modify", columns: all.filter((c) => !is(x.cols.get(c), y.cols.get(c))) });
      }
    }
  }
  return out;
}
