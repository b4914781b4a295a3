/**
 * What OpenFlow table_mods configure of a bridge's tables besides eviction
 * (which lives with the flow limits, flowtable/flow-tables.ts): ofproto.c's
 * oftable `miss_config` (OpenFlow 1.1/1.2 `controller`, `continue`, `drop`)
 * and its vacancy events (OpenFlow 1.4 `vacancy:DOWN,UP`, `novacancy`), as a
 * table description (OFPST_TABLE_DESC) reports them.
 *
 * Also a table's name as OpenFlow set it (`mod-table T name:N`, a table
 * features modify): ofproto's oftable_set_name at level 1. A Flow_Table row's
 * `name` (level 2) takes precedence and replaces it for good; while a row
 * names a table, OpenFlow may only "set" that same name (else
 * OFPTFFC_EPERM).
 *
 * ovsim sends no vacancy events (it has no controller connections);
 * translation reads the miss config (XlateBridge.tableMiss).
 */

/** An oftable's table-miss behaviour (ofputil_table_miss). */
export type TableMiss = "default" | "controller" | "continue" | "drop";

/** An oftable's vacancy events: off, or on with its thresholds (percent). */
export interface TableVacancy {
  readonly on: boolean;
  readonly down: number;
  readonly up: number;
}

const VACANCY_OFF: TableVacancy = { on: false, down: 0, up: 0 };

export class TableConfigs {
  private readonly miss = new Map<number, TableMiss>();
  private readonly vacancy = new Map<number, TableVacancy>();
  /** Names set through OpenFlow (level 1), by table. */
  private readonly names = new Map<number, string>();

  /** Table `tableId`'s name set through OpenFlow, "" for none. */
  openflowName(tableId: number): string {
    return this.names.get(tableId) ?? "";
  }

  /** Sets (or with "" unsets) table `tableId`'s OpenFlow name. */
  setOpenflowName(tableId: number, name: string): void {
    if (name === "") this.names.delete(tableId);
    else this.names.set(tableId, name);
  }

  missOf(tableId: number): TableMiss {
    return this.miss.get(tableId) ?? "default";
  }

  setMiss(tableId: number, miss: TableMiss): void {
    if (miss === "default") this.miss.delete(tableId);
    else this.miss.set(tableId, miss);
  }

  vacancyOf(tableId: number): TableVacancy {
    return this.vacancy.get(tableId) ?? VACANCY_OFF;
  }

  setVacancy(tableId: number, v: TableVacancy): void {
    if (!v.on && v.down === 0 && v.up === 0) this.vacancy.delete(tableId);
    else this.vacancy.set(tableId, v);
  }

  /** The tables with a setting other than the default, for snapshots. */
  save(): TableConfigState[] {
    const ids = [...new Set([...this.miss.keys(), ...this.vacancy.keys(), ...this.names.keys()])].sort((a, b) => a - b);
    return ids.map((table) => ({ table, miss: this.missOf(table), vacancy: { ...this.vacancyOf(table) }, name: this.openflowName(table) }));
  }

  /** Takes what `save` gave. */
  restore(state: readonly TableConfigState[]): void {
    this.miss.clear();
    this.vacancy.clear();
    this.names.clear();
    for (const t of state) {
      this.setMiss(t.table, t.miss);
      this.setVacancy(t.table, t.vacancy);
      this.setOpenflowName(t.table, t.name);
    }
  }
}

/** One table's settings in a snapshot. */
export interface TableConfigState {
  readonly table: number;
  readonly miss: TableMiss;
  readonly vacancy: TableVacancy;
  /** The OpenFlow name, "" for none. */
  readonly name: string;
}

/**
 * oftable_vacancy: the percentage of a table still free, 100 without a limit
 * (OVS's limit is then UINT_MAX, so one flow already makes it 99).
 */
export function tableVacancy(nFlows: number, maxFlows: number): number {
  const max = maxFlows === Infinity ? 0xffffffff : maxFlows;
  if (max === 0) return 100;
  if (nFlows >= max) return 0;
  return Math.trunc(((max - nFlows) * 100) / max);
}
