/**
 * Flow table names in ovs-ofctl's flow syntax (OVS's ofputil_table_map and
 * lib/namemap.c): a table may be named where a table number goes —
 * `table=zero`, `resubmit(,one)`, `goto_table:two`, `ct(table=two)`,
 * `learn(table=three,...)` — and is printed by name with `--names`.
 *
 * The names are the ones the switch reports in its table features (a
 * bridge's Flow_Table rows' `name`, else the name set with `mod-table ...
 * name:`). As in OVS's namemap, a name two tables share names neither: it is
 * looked up as no table and neither table prints it. A name that is not a
 * letter followed by letters and digits is printed in double quotes, and
 * read back in them (`table="my table"`).
 *
 * The map travels with the port names (`PortNameMap.tables`), as OVS passes
 * its port map and table map side by side.
 */

/** A switch's flow table names, by name and by number. */
export interface TableNameMap {
  numberOf(name: string): number | undefined;
  nameOf(table: number): string | undefined;
}

/** A map of `names(table)` for tables 0..254 ("" for an unnamed table), shared names dropped (namemap_put). */
export function tableNameMap(names: (table: number) => string): TableNameMap {
  const byName = new Map<string, number | null>();
  const byNumber = new Map<number, string>();
  for (let t = 0; t < 255; t++) {
    const name = names(t);
    if (name === "") continue;
    byNumber.set(t, name);
    byName.set(name, byName.has(name) ? null : t);
  }
  return {
    numberOf: (name) => byName.get(name) ?? undefined,
    nameOf: (table) => {
      const name = byNumber.get(table);
      return name !== undefined && byName.get(name) === table ? name : undefined;
    },
  };
}

/** namemap_put_name: a port or table name, in double quotes (JSON) unless it is a letter followed by letters and digits. */
export function namemapName(name: string): string {
  return /^[A-Za-z][A-Za-z0-9]*$/.test(name) ? name : JSON.stringify(name);
}

/** OVS's ofputil_format_table: the table's name (quoted when need be) or its number. */
export function formatTableId(table: number, tables?: TableNameMap): string {
  const name = tables?.nameOf(table);
  return name === undefined ? String(table) : namemapName(name);
}

/**
 * OVS's ofputil_table_from_string: a decimal table number 0..255, or a name
 * (bare or in double quotes) from `tables`; undefined if neither.
 */
export function parseTableId(s: string, tables?: TableNameMap): number | undefined {
  if (s.startsWith("-")) return undefined;
  if (/^\s*\+?\d+$/.test(s)) {
    const v = Number(s.trim());
    return v <= 255 ? v : undefined;
  }
  let name = s;
  if (s.startsWith('"')) {
    if (s.length < 2 || !s.endsWith('"')) return undefined;
    try {
      const unquoted: unknown = JSON.parse(s);
      if (typeof unquoted !== "string") return undefined;
      name = unquoted;
    } catch {
      return undefined;
    }
  }
  return tables?.numberOf(name);
}
