/**
 * Tables as `ovs-vsctl list` / `find` print them (lib/table.c): `--format=list`
 * (the default: `%-20s: value` per column, a blank line between records),
 * `--format=table`, `--format=csv` (table.c's table_print_csv: a cell holding
 * a comma, a double quote or a newline is quoted, quotes doubled), `--bare`
 * (= list, bare data, no headings) and
 * `--data=bare|string`, `--no-headings`.
 */
import type { ColumnType } from "../datapath/config-db-types.js";
import type { Datum } from "../datapath/config-db-types.js";
import { datumToBare, datumToString } from "../datapath/config-db-data.js";

export interface TableStyle {
  format: "list" | "table" | "csv";
  bare: boolean;
  headings: boolean;
}

export interface OutTable {
  readonly headings: readonly string[];
  readonly rows: { datum: Datum; type: ColumnType }[][];
}

/** table.c's CSV escaping: quoted when it holds `,`, `"` or a newline, each `"` doubled. */
function csvCell(s: string): string {
  return /[\n",]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function cellText(c: { datum: Datum; type: ColumnType }, style: TableStyle): string {
  return style.bare ? datumToBare(c.datum, c.type) : datumToString(c.datum, c.type);
}

/** Lines of one table; `first` is false for a table printed after another in the same invocation. */
export function formatTable(t: OutTable, style: TableStyle, first: boolean): string[] {
  const out: string[] = [];
  if (style.format === "list") {
    if (!first) out.push("");
    t.rows.forEach((row, y) => {
      if (y > 0) out.push("");
      row.forEach((cell, x) => {
        const text = cellText(cell, style);
        out.push(style.headings ? `${(t.headings[x] as string).padEnd(20)}: ${text}` : text);
      });
    });
    return out;
  }
  if (style.format === "csv") {
    if (!first) out.push("");
    if (style.headings) out.push(t.headings.map(csvCell).join(","));
    for (const row of t.rows) out.push(row.map((c) => csvCell(cellText(c, style))).join(","));
    return out;
  }
  // --format=table
  const texts = t.rows.map((r) => r.map((c) => cellText(c, style)));
  const widths = t.headings.map((h, x) => Math.max(style.headings ? h.length : 0, ...texts.map((r) => (r[x] as string).length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, x) => (x === cells.length - 1 ? c : c.padEnd(widths[x] as number))).join(" ").replace(/\s+$/, "");
  if (!first) out.push("");
  if (style.headings) {
    out.push(line(t.headings));
    out.push(widths.map((w) => "-".repeat(w)).join(" "));
  }
  for (const r of texts) out.push(line(r));
  return out;
}
