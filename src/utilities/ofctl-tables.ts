/**
 * `ovs-ofctl mod-table SWITCH TABLE SETTING` and `dump-table-desc SWITCH`
 * (lib/ofp-table.c parse_ofp_table_mod and ofputil_table_desc_format;
 * ofproto.c table_mod and query_table_desc).
 *
 * A setting belongs to the OpenFlow versions that can carry it: the table
 * miss (`controller`, `continue`, `drop`) to 1.1 and 1.2, eviction (`evict`,
 * `noevict`) and vacancy events (`vacancy:DOWN,UP`, `novacancy`) to 1.4+.
 * TABLE is a number (0-254; 255 or `all` for every table). A table
 * description lists tables 0-253: eviction `on` when a table_mod turned it
 * on (a Flow_Table's `overflow_policy=evict` evicts too, but does not show
 * here), OVS's fixed eviction flags, and the vacancy thresholds with the
 * table's current vacancy when vacancy events are on.
 */
import type { Bridge } from "../datapath/bridge.js";
import type { TableMiss } from "../datapath/table-config.js";
import { tableVacancy } from "../datapath/table-config.js";
import type { CommandResult } from "./command-result.js";
import { failure, output } from "./command-result.js";
import type { OfVersion } from "./ofctl-messages.js";
import { header } from "./ofctl-messages.js";

/** ofproto-dpif's n_tables: tables 0-253 (254 is the hidden internal table). */
const N_OF_TABLES = 254;
const OFPTT_ALL = 255;

type TableSetting =
  | { readonly kind: "miss"; readonly miss: TableMiss }
  | { readonly kind: "eviction"; readonly on: boolean }
  | { readonly kind: "vacancy"; readonly on: boolean; readonly down: number; readonly up: number }
  | { readonly kind: "name"; readonly name: string };

const MISS_VERSIONS: readonly OfVersion[] = [11, 12];
const OF14_VERSIONS: readonly OfVersion[] = [14, 15];
const NAME_VERSIONS: readonly OfVersion[] = [13, 14, 15];

/** str_to_int for a vacancy threshold: a decimal int, 0-100. */
function percent(s: string | undefined): number | undefined {
  if (s === undefined || !/^[+-]?\d+$/.test(s.trim())) return undefined;
  const n = Number(s);
  return n >= 0 && n <= 100 ? n : undefined;
}

/** parse_ofp_table_vacancy: `vacancy:DOWN,UP`. */
function parseVacancy(setting: string): TableSetting | string {
  const rest = setting.includes(":") ? setting.slice(setting.indexOf(":") + 1) : "";
  const parts = rest.split(",").filter((p) => p !== "");
  const downText = parts[0];
  if (downText === undefined) return "Vacancy down value missing";
  const down = percent(downText);
  if (down === undefined) return `Invalid vacancy down value "${downText}"`;
  const upText = parts[1];
  if (upText === undefined) return "Vacancy up value missing";
  const up = percent(upText);
  if (up === undefined) return `Invalid vacancy up value "${upText}"`;
  if (down > up) return "Invalid vacancy range, vacancy up should be greater than vacancy down (OFPBPC_BAD_VALUE)";
  return { kind: "vacancy", on: true, down, up };
}

/** parse_ofp_table_mod: the table and the setting with the versions that carry it, or OVS's error text. */
function parseTableMod(tableText: string, setting: string): { table: number; setting: TableSetting; versions: readonly OfVersion[] } | string {
  let table: number;
  if (tableText.toLowerCase() === "all") table = OFPTT_ALL;
  else if (/^\d+$/.test(tableText) && Number(tableText) <= 255) table = Number(tableText);
  else return `unknown table "${tableText}"`;
  let s: TableSetting | string;
  let versions: readonly OfVersion[];
  if (setting === "controller" || setting === "continue" || setting === "drop") {
    s = { kind: "miss", miss: setting };
    versions = MISS_VERSIONS;
  } else if (setting === "evict" || setting === "noevict") {
    s = { kind: "eviction", on: setting === "evict" };
    versions = OF14_VERSIONS;
  } else if ("vacancy".startsWith(setting.split(":")[0] as string)) {
    s = parseVacancy(setting);
    versions = OF14_VERSIONS;
  } else if (setting === "novacancy") {
    s = { kind: "vacancy", on: false, down: 0, up: 0 };
    versions = OF14_VERSIONS;
  } else if (table !== OFPTT_ALL && setting.startsWith("name:")) {
    s = { kind: "name", name: setting.slice(5) };
    versions = NAME_VERSIONS;
  } else return `invalid table_mod setting ${setting}`;
  if (typeof s === "string") return s;
  if (table === 0xfe && s.kind === "miss" && s.miss === "continue") return "last table's flow miss handling can not be continue";
  return { table, setting: s, versions };
}

/** ofp-table.h's OFP_MAX_TABLE_NAME_LEN: a name keeps at most 31 characters. */
const MAX_TABLE_NAME = 31;

/**
 * `mod-table SWITCH T name:NAME` (OpenFlow 1.3+, a table features modify;
 * ofproto.c oftable_may_set_name): refused with OFPTFFC_EPERM when a
 * Flow_Table row (`dbName`) names the table otherwise, unless NAME is empty or
 * a prefix of that name; a row's name stays in force either way.
 */
function setTableName(br: Bridge, v: OfVersion, table: number, text: string, dbName: string): CommandResult {
  if (table >= N_OF_TABLES) return failure(`ovs-ofctl: switch does not have table ${table}`);
  const name = text.slice(0, MAX_TABLE_NAME);
  if (dbName !== "" && name !== "" && !dbName.startsWith(name)) {
    // OVS goes on to print the whole table features request it sent.
    const lines = [`${header("OFPT_ERROR", v, 5)} OFPTFFC_EPERM`, header("OFPST_TABLE_FEATURES request", v, 5)];
    return { stdout: [], stderr: lines, ok: false };
  }
  if (dbName === "") br.tableConfig.setOpenflowName(table, name);
  return output([]);
}

/** `mod-table SWITCH TABLE SETTING`; `dbName` gives a table's Flow_Table name ("" for none). */
export function modTable(br: Bridge, v: OfVersion, tableText: string, settingText: string, now: number, dbName: (table: number) => string = () => ""): CommandResult {
  const parsed = parseTableMod(tableText, settingText);
  if (typeof parsed === "string") {
    // ofputil_table_from_string warns about a number out of range before the error.
    const big = /^\d+$/.test(tableText) && Number(tableText) > 255;
    const warn = big ? [`ofp_table|WARN|table ${tableText} is outside the supported range 0 through 255`] : [];
    return { stdout: [], stderr: [...warn, `ovs-ofctl: ${parsed}`], ok: false };
  }
  const { table, setting, versions } = parsed;
  if (!versions.includes(v)) {
    return failure(`ovs-ofctl: table_mod '${settingText}' requires one of the OpenFlow versions ${versions.map((x) => `OpenFlow${x}`).join(", ")}`);
  }
  if (setting.kind === "name") return setTableName(br, v, table, setting.name, dbName(table));
  if (table !== OFPTT_ALL && table >= N_OF_TABLES) {
    return failure(`${header("OFPT_ERROR", v, 2)} OFPTMFC_BAD_TABLE`);
  }
  const tables = table === OFPTT_ALL ? Array.from({ length: N_OF_TABLES }, (_, i) => i) : [table];
  for (const t of tables) {
    if (setting.kind === "miss") br.tableConfig.setMiss(t, setting.miss);
    else if (setting.kind === "eviction") br.tables.setEvictionByOpenflow(t, setting.on, now);
    else br.tableConfig.setVacancy(t, { on: setting.on, down: setting.down, up: setting.up });
  }
  return output([]);
}

/** `dump-table-desc SWITCH` (OpenFlow 1.4+). */
export function dumpTableDesc(br: Bridge, v: OfVersion): CommandResult {
  if (v < 14) return failure("ovs-ofctl: dump-table-desc needs OpenFlow 1.4 or later ('-O OpenFlow14')");
  const lines = [header("OFPST_TABLE_DESC reply", v, 2)];
  for (let t = 0; t < N_OF_TABLES; t++) {
    const vac = br.tableConfig.vacancyOf(t);
    const vacancy = vac.on
      ? `vacancy=on vacancy_down=${vac.down}% vacancy_up=${vac.up}% vacancy=${tableVacancy(br.tables.count(t), br.tables.tableLimit(t).maxFlows)}%`
      : "vacancy=off";
    // Each table's text starts on a new line: the header's line ends there, later ones leave a blank line.
    if (t > 0) lines.push("");
    lines.push(
      `  table ${t}:`,
      `   eviction=${br.tables.evictionByOpenflow(t) ? "on" : "off"} eviction_flags=OTHER|IMPORTANCE|LIFETIME`,
      `   ${vacancy}`,
    );
  }
  return output(lines);
}
