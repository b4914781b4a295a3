/**
 * The generic database commands every OVS *ctl shares (lib/db-ctl-base.c):
 * get, set, add, remove, clear, list, find, create, destroy — on any table
 * and column, with OVS's table and column name abbreviations, record names
 * (a bridge's name, a uuid or its prefix, `.` for the only row), `key:value`
 * map access, and OVS's error texts.
 */
import type { Row, TableName } from "../datapath/config-db.js";
import { TABLE_NAMES, tableSchema } from "../datapath/config-db.js";
import type { Atom, ColumnSchema, ColumnType } from "../datapath/config-db-types.js";
import { Datum, compareAtoms } from "../datapath/config-db-types.js";
import { DataError, atomFromString, atomToString, datumFromString, datumToString, parseToken } from "../datapath/config-db-data.js";
import type { CommandInvocation, VsctlContext } from "./vsctl-context.js";
import { VsctlError, str } from "./vsctl-context.js";
import type { OutTable } from "./vsctl-table.js";

function lowerUnderscore(c: string): string {
  return c === "-" ? "_" : c.toLowerCase();
}

/** score_partial_match. */
function score(name: string, s: string): number {
  if (name === s) return Number.MAX_SAFE_INTEGER;
  let i = 0;
  for (; ; i++) {
    const a = name[i];
    const b = s[i];
    if (a === undefined && b === undefined) return Number.MAX_SAFE_INTEGER - 1;
    if (a === undefined || b === undefined || lowerUnderscore(a) !== lowerUnderscore(b)) break;
  }
  return i === s.length ? i : 0;
}

function bestMatch<T extends string>(names: readonly T[], s: string): T[] {
  let best = 0;
  let matches: T[] = [];
  for (const n of names) {
    const sc = score(n, s);
    if (sc && sc >= best) {
      if (sc > best) matches = [];
      matches.push(n);
      best = sc;
    }
  }
  return matches;
}

export function getTable(name: string): TableName {
  const m = bestMatch(TABLE_NAMES, name);
  if (m.length === 0) throw new VsctlError(`unknown table "${name}"`);
  if (m.length > 1) throw new VsctlError(`"${name}" matches multiple table names: ${[...m].sort().join(", ")}`);
  return m[0] as TableName;
}

export function getColumn(t: TableName, name: string): ColumnSchema {
  const cols = tableSchema(t).columns;
  const m = bestMatch(
    cols.map((c) => c.name),
    name,
  );
  if (m.length === 0) throw new VsctlError(`${t} does not contain a column whose name matches "${name}"`);
  if (m.length > 1) throw new VsctlError(`${t} contains more than one column whose name matches "${name}": ${[...m].sort().join(", ")}`);
  return cols.find((c) => c.name === m[0]) as ColumnSchema;
}

/** How a table's rows are named on the command line (ovs-vsctl.c `tables[]`). */
const ROW_IDS: Partial<Record<TableName, { via?: TableName; nameCol: string; refCol?: string }[]>> = {
  Bridge: [{ nameCol: "name" }],
  Port: [{ nameCol: "name" }],
  Interface: [{ nameCol: "name" }],
  Mirror: [{ nameCol: "name" }],
  Flow_Table: [{ nameCol: "name" }],
  Manager: [{ nameCol: "target" }],
  Controller: [{ via: "Bridge", nameCol: "name", refCol: "controller" }],
  NetFlow: [{ via: "Bridge", nameCol: "name", refCol: "netflow" }],
  sFlow: [{ via: "Bridge", nameCol: "name", refCol: "sflow" }],
  IPFIX: [{ via: "Bridge", nameCol: "name", refCol: "ipfix" }],
  QoS: [{ via: "Port", nameCol: "name", refCol: "qos" }],
  SSL: [{ via: "Open_vSwitch", nameCol: "", refCol: "ssl" }],
  Flow_Sample_Collector_Set: [{ nameCol: "id" }],
};

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** ctl_get_row. */
export function getRow(ctx: VsctlContext, t: TableName, id: string, mustExist: boolean): Row | undefined {
  const db = ctx.db;
  let row: Row | undefined;
  if (UUID_RE.test(id)) row = db.row(t, id.toLowerCase());
  if (!row && id === ".") {
    const rows = db.rows(t);
    if (rows.length === 1) row = rows[0];
  }
  if (!row) {
    for (const rid of ROW_IDS[t] ?? []) {
      const from = rid.via ?? t;
      const hits = db.rows(from).filter((r) => rid.nameCol !== "" && str(r.cols.get(rid.nameCol)) === id && r.cols.get(rid.nameCol)?.size === 1);
      if (hits.length > 1) throw new VsctlError(`multiple rows in ${from} match "${id}"`);
      const hit = hits[0];
      if (!hit) continue;
      if (rid.refCol) {
        const ref = hit.cols.get(rid.refCol);
        row = ref?.size === 1 ? db.row(t, String(ref.first())) : undefined;
      } else row = hit;
      if (row) break;
    }
  }
  if (!row && /^[0-9a-fA-F-]{4,}$/.test(id) && id.replace(/-/g, "").length >= 4) {
    const hits = db.rows(t).filter((r) => r.uuid.startsWith(id.toLowerCase()));
    if (hits.length > 1) {
      throw new VsctlError(`${t} contains 2 or more rows whose UUIDs begin with ${id}: at least ${hits[0]?.uuid} and ${hits[1]?.uuid}`);
    }
    row = hits[0];
  }
  if (mustExist && !row) throw new VsctlError(`no row "${id}" in table ${t}`);
  return row;
}

function check<T>(v: T | DataError): T {
  if (v instanceof DataError) throw new VsctlError(v.message);
  return v;
}

interface ColumnKeyValue {
  column: ColumnSchema;
  key: string | null;
  op: string | null;
  value: string | null;
}

/** parse_column_key_value: `column[:key][op value]`. */
function parseColumnKeyValue(t: TableName, arg: string, operators: readonly string[] | null): ColumnKeyValue {
  const ct = check(parseToken(arg, 0));
  if (ct.token === "") throw new VsctlError(`${arg}: missing column name`);
  const column = getColumn(t, ct.token);
  let p = ct.pos;
  let key: string | null = null;
  if (arg[p] === ":") {
    const kt = check(parseToken(arg, p + 1));
    key = kt.token;
    p = kt.pos;
  }
  if (operators === null) {
    if (p < arg.length) throw new VsctlError(`${arg}: trailing garbage "${arg.slice(p)}" in argument`);
    return { column, key, op: null, value: null };
  }
  let best: string | null = null;
  for (const op of operators) {
    if ((best === null || op.length > best.length) && arg.startsWith(op, p) && p + op.length < arg.length) best = op;
  }
  if (best === null) {
    const ops = operators.map((o) => `"${o}"`);
    const list = ops.length === 1 ? ops[0] : ops.length === 2 ? `${ops[0]} or ${ops[1]}` : `${ops.slice(0, -1).join(", ")}, or ${ops[ops.length - 1]}`;
    throw new VsctlError(`${arg}: argument does not end in ${list} followed by a value.`);
  }
  return { column, key, op: best, value: arg.slice(p + best.length) };
}

function checkMutable(t: TableName, c: ColumnSchema): void {
  if (!c.mutable) throw new VsctlError(`cannot modify read-only column ${c.name} in table ${t}`);
}

/** set_column: `column=value` or `column:key=value`. */
export function setColumn(ctx: VsctlContext, t: TableName, row: Row, arg: string): void {
  const kv = parseColumnKeyValue(t, arg, ["="]);
  const c = kv.column;
  // ovsdb_idl_is_mutable: a row this transaction inserted takes any column.
  if (!ctx.inserted.has(row.uuid)) checkMutable(t, c);
  if (kv.key !== null) {
    if (c.type.value === null) throw new VsctlError(`cannot specify key to set for non-map column ${c.name}`);
    const k = check(atomFromString(c.type.key, kv.key, ctx))[0] as Atom;
    const v = check(atomFromString(c.type.value, kv.value as string, ctx))[0] as Atom;
    const cur = ctx.get(t, row.uuid, c.name);
    ctx.set(t, row.uuid, c.name, Datum.map([...cur.pairs(), [k, v]]));
  } else {
    ctx.set(t, row.uuid, c.name, check(datumFromString(c.type, kv.value as string, ctx)));
  }
}

function optColumns(inv: CommandInvocation): string | null {
  return inv.options.get("--columns") ?? null;
}

function listColumns(t: TableName, spec: string | null): (ColumnSchema | null)[] {
  if (spec === null) return [null, ...tableSchema(t).columns];
  const names = spec.split(/[, ]+/).filter((s) => s !== "");
  if (names.length === 0) throw new VsctlError("must specify at least one column name");
  return names.map((n) => (n.toLowerCase() === "_uuid" ? null : getColumn(t, n)));
}

const UUID_TYPE: ColumnType = { key: { type: "uuid" }, value: null, min: 1, max: 1 };

function makeTable(ctx: VsctlContext, t: TableName, cols: (ColumnSchema | null)[], rows: Row[]): OutTable {
  return {
    headings: cols.map((c) => (c ? c.name : "_uuid")),
    rows: rows.map((r) =>
      cols.map((c) => (c ? { datum: ctx.get(t, r.uuid, c.name), type: c.type } : { datum: Datum.scalar(r.uuid), type: UUID_TYPE })),
    ),
  };
}

export function cmdList(ctx: VsctlContext, inv: CommandInvocation): OutTable {
  const t = getTable(inv.args[0] as string);
  const cols = listColumns(t, optColumns(inv));
  const mustExist = !inv.options.has("--if-exists");
  const rows =
    inv.args.length > 1
      ? inv.args.slice(1).flatMap((id) => {
          const r = getRow(ctx, t, id, mustExist);
          return r ? [r] : [];
        })
      : ctx.db.rows(t);
  return makeTable(ctx, t, cols, rows);
}

const RELOPS = ["=", "!=", "<", ">", "<=", ">=", "{=}", "{!=}", "{<}", "{>}", "{<=}", "{>=}", "{in}", "{not-in}"];

function compareDatums(a: Datum, b: Datum): number {
  const n = Math.min(a.size, b.size);
  for (let i = 0; i < n; i++) {
    const c = compareAtoms(a.keys[i] as Atom, b.keys[i] as Atom);
    if (c) return c;
    if (a.values && b.values) {
      const d = compareAtoms(a.values[i] as Atom, b.values[i] as Atom);
      if (d) return d;
    }
  }
  return a.size - b.size;
}

function includesAll(a: Datum, b: Datum): boolean {
  return a.keys.every((k, i) => {
    const j = b.indexOf(k);
    return j >= 0 && (a.values === null || compareAtoms(a.values[i] as Atom, (b.values as Atom[])[j] as Atom) === 0);
  });
}

function excludesAll(a: Datum, b: Datum): boolean {
  return a.keys.every((k, i) => {
    const j = b.indexOf(k);
    return j < 0 || (a.values !== null && compareAtoms(a.values[i] as Atom, (b.values as Atom[])[j] as Atom) !== 0);
  });
}

function relop(a: Datum, b: Datum, op: string): boolean {
  const c = (): number => compareDatums(a, b);
  switch (op) {
    case "=":
    case "{=}":
      return c() === 0;
    case "!=":
    case "{!=}":
      return c() !== 0;
    case "<":
      return c() < 0;
    case ">":
      return c() > 0;
    case "<=":
      return c() <= 0;
    case ">=":
      return c() >= 0;
    case "{<}":
      return b.size > a.size && includesAll(a, b);
    case "{>}":
      return a.size > b.size && includesAll(b, a);
    case "{<=}":
    case "{in}":
      return includesAll(a, b);
    case "{>=}":
      return includesAll(b, a);
    default:
      return excludesAll(a, b);
  }
}

/** OVS's check_condition: whether `row` satisfies `COLUMN[:KEY]OP VALUE` (find, wait-until). */
export function checkCondition(ctx: VsctlContext, t: TableName, row: Row, arg: string): boolean {
  const kv = parseColumnKeyValue(t, arg, RELOPS);
  const c = kv.column;
  const op = kv.op as string;
  const have = ctx.get(t, row.uuid, c.name);
  const anySize: ColumnType = { ...c.type, max: Infinity };
  if (kv.key !== null) {
    if (c.type.value === null) throw new VsctlError(`cannot specify key to check for non-map column ${c.name}`);
    const k = check(atomFromString(c.type.key, kv.key, ctx))[0] as Atom;
    const want = check(datumFromString({ key: c.type.value, value: null, min: anySize.min, max: Infinity }, kv.value as string, ctx));
    const v = have.get(k);
    if (v === undefined && !op.startsWith("{")) return false;
    return relop(v === undefined ? Datum.EMPTY_SET : Datum.scalar(v), want, op);
  }
  return relop(have, check(datumFromString(anySize, kv.value as string, ctx)), op);
}

export function cmdFind(ctx: VsctlContext, inv: CommandInvocation): OutTable {
  const t = getTable(inv.args[0] as string);
  const cols = listColumns(t, optColumns(inv));
  const rows = ctx.db.rows(t).filter((r) => inv.args.slice(1).every((a) => checkCondition(ctx, t, r, a)));
  return makeTable(ctx, t, cols, rows);
}

export function cmdGet(ctx: VsctlContext, inv: CommandInvocation): string[] {
  const t = getTable(inv.args[0] as string);
  const id = inv.args[1] as string;
  const mustExist = !inv.options.has("--if-exists");
  const row = getRow(ctx, t, id, mustExist);
  if (!row) return [];
  const out: string[] = [];
  const symbol = inv.options.get("--id");
  if (symbol) {
    if (!symbol.startsWith("@")) throw new VsctlError(`row id "${symbol}" does not begin with "@"`);
    if (ctx.symbols.has(symbol)) throw new VsctlError(`row id "${symbol}" specified on "get" command was used before it was defined`);
    ctx.symbols.set(symbol, { uuid: row.uuid, created: true });
  }
  for (const arg of inv.args.slice(2)) {
    if (arg.toLowerCase() === "_uuid" || arg.toLowerCase() === "-uuid") {
      out.push(row.uuid);
      continue;
    }
    const kv = parseColumnKeyValue(t, arg, null);
    const c = kv.column;
    const d = ctx.get(t, row.uuid, c.name);
    if (kv.key !== null) {
      if (c.type.value === null) throw new VsctlError(`cannot specify key to get for non-map column ${c.name}`);
      const k = check(atomFromString(c.type.key, kv.key, ctx))[0] as Atom;
      const v = d.get(k);
      if (v === undefined) {
        if (mustExist) throw new VsctlError(`no key "${kv.key}" in ${t} record "${id}" column ${c.name}`);
        out.push("");
      } else out.push(atomToString(v, c.type.value));
    } else out.push(datumToString(d, c.type));
  }
  return out;
}

export function cmdSet(ctx: VsctlContext, inv: CommandInvocation): void {
  const t = getTable(inv.args[0] as string);
  const row = getRow(ctx, t, inv.args[1] as string, !inv.options.has("--if-exists"));
  if (!row) return;
  for (const a of inv.args.slice(2)) setColumn(ctx, t, row, a);
}

function parseValues(ctx: VsctlContext, c: ColumnSchema, texts: readonly string[], forRemove: boolean): Datum {
  // "remove" of a map accepts keys alone or key=value pairs.
  let keys: Atom[] = [];
  let pairs: [Atom, Atom][] = [];
  let set: Atom[] = [];
  for (const s of texts) {
    if (c.type.value !== null && forRemove) {
      const asMap = datumFromString({ ...c.type, min: 0, max: Infinity }, s, ctx);
      if (!(asMap instanceof DataError)) {
        pairs = [...pairs, ...asMap.pairs()];
        continue;
      }
      const asKeys = check(datumFromString({ key: c.type.key, value: null, min: 0, max: Infinity }, s, ctx));
      keys = [...keys, ...asKeys.keys];
    } else {
      const d = check(datumFromString({ ...c.type, min: 0, max: Infinity }, s, ctx));
      if (d.isMap) pairs = [...pairs, ...d.pairs()];
      else set = [...set, ...d.keys];
    }
  }
  if (c.type.value === null) return Datum.set(set);
  if (forRemove) return Datum.map([...pairs, ...keys.map((k): [Atom, Atom] => [k, "\u0000key-only"])]);
  return Datum.map(pairs);
}

function sizeError(op: string, n: number, c: ColumnSchema, t: TableName): VsctlError {
  const isMap = c.type.value !== null;
  const limit = op === "add" ? c.type.max : c.type.min;
  const what = isMap ? (n === 1 ? "pair" : "pairs") : n === 1 ? "value" : "values";
  return new VsctlError(
    `"${op}" operation would put ${n} ${what} in column ${c.name} of table ${t} but the ${op === "add" ? "maximum" : "minimum"} number is ${limit}`,
  );
}

/**
 * The column an `add` / `remove` changes: TABLE RECORD COLUMN VALUE..., with
 * the record's current value; null when --if-exists and there is no record.
 */
function mutationTarget(ctx: VsctlContext, inv: CommandInvocation) {
  const [tn, id, colName, ...values] = inv.args as string[];
  const t = getTable(tn as string);
  const row = getRow(ctx, t, id as string, !inv.options.has("--if-exists"));
  if (!row) return null;
  const c = getColumn(t, colName as string);
  checkMutable(t, c);
  return { t, row, c, values, cur: ctx.get(t, row.uuid, c.name) };
}

export function cmdAdd(ctx: VsctlContext, inv: CommandInvocation): void {
  const target = mutationTarget(ctx, inv);
  if (!target) return;
  const { t, row, c, values, cur } = target;
  const add = parseValues(ctx, c, values, false);
  let next: Datum;
  if (c.type.value === null) next = Datum.set([...cur.keys, ...add.keys]);
  else {
    // Adding a pair whose key exists replaces its value (as OVS 3.1 does).
    next = Datum.map([...cur.pairs(), ...add.pairs()]);
  }
  if (next.size > c.type.max) throw sizeError("add", next.size, c, t);
  ctx.set(t, row.uuid, c.name, next);
}

export function cmdRemove(ctx: VsctlContext, inv: CommandInvocation): void {
  const target = mutationTarget(ctx, inv);
  if (!target) return;
  const { t, row, c, values, cur } = target;
  const rm = parseValues(ctx, c, values, true);
  let next: Datum;
  if (c.type.value === null) next = Datum.set(cur.keys.filter((k) => !rm.has(k)));
  else {
    next = Datum.map(
      cur.pairs().filter(([k, v]) => {
        const r = rm.get(k);
        return r === undefined || (r !== "\u0000key-only" && compareAtoms(r, v) !== 0);
      }),
    );
  }
  if (next.size < c.type.min) throw sizeError("remove", next.size, c, t);
  ctx.set(t, row.uuid, c.name, next);
}

export function cmdClear(ctx: VsctlContext, inv: CommandInvocation): void {
  const [tn, id, ...cols] = inv.args as string[];
  const t = getTable(tn as string);
  const row = getRow(ctx, t, id as string, !inv.options.has("--if-exists"));
  if (!row) return;
  for (const cn of cols) {
    const c = getColumn(t, cn);
    checkMutable(t, c);
    if (c.type.min > 0) {
      throw new VsctlError(`"clear" operation cannot be applied to column ${c.name} of table ${t}, which is not allowed to be empty`);
    }
    ctx.set(t, row.uuid, c.name, Datum.empty(c.type));
  }
}

export function cmdCreate(ctx: VsctlContext, inv: CommandInvocation): string[] {
  const t = getTable(inv.args[0] as string);
  const symbol = inv.options.get("--id") ?? null;
  let reserved: string | undefined;
  if (symbol !== null) {
    if (!symbol.startsWith("@")) throw new VsctlError(`row id "${symbol}" does not begin with "@"`);
    const s = ctx.symbols.get(symbol);
    if (s?.created) throw new VsctlError(`row id "${symbol}" may only be specified on one --id option`);
    reserved = ctx.resolve(symbol, { type: "uuid" });
    ctx.symbols.set(symbol, { uuid: reserved, created: true });
  }
  const { db, uuid } = ctx.db.insert(t, {}, reserved);
  ctx.db = db;
  ctx.inserted.add(uuid);
  const row = ctx.db.row(t, uuid) as Row;
  for (const a of inv.args.slice(1)) setColumn(ctx, t, row, a);
  return [uuid];
}

export function cmdDestroy(ctx: VsctlContext, inv: CommandInvocation): void {
  const t = getTable(inv.args[0] as string);
  const all = inv.options.has("--all");
  const ifExists = inv.options.has("--if-exists");
  if (all && inv.args.length > 1) throw new VsctlError("--all and records argument should not be specified together");
  if (all && ifExists) throw new VsctlError("--all and --if-exists should not be specified together");
  const rows = all ? ctx.db.rows(t) : inv.args.slice(1).flatMap((id) => getRow(ctx, t, id, !ifExists) ?? []);
  for (const r of rows) ctx.db = ctx.db.delete(t, r.uuid);
}

