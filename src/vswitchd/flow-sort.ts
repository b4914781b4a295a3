/**
 * The order `ovs-ofctl --sort[=FIELD]` / `--rsort[=FIELD]` prints flows in
 * (utilities/ovs-ofctl.c `compare_flows`): criteria in turn, each a field or
 * the priority, ascending or descending. A flow that does not match on a
 * field (the field is all wildcards, or its prerequisites do not hold in the
 * flow) sorts after every flow that does, in either direction; two flows
 * that match on it compare by their values as unsigned numbers (OVS compares
 * the values' network-order bytes). Flows equal on every criterion keep the
 * order the switch replied in.
 */
import type { ActionList } from "../actions/action-types.js";
import type { FieldSpec } from "../flowtable/fields.js";
import type { FlowEntry } from "../flowtable/flow-entry.js";
import { prereqOk } from "../flowtable/prereqs.js";
import { tunMdFieldsOf, tunMdSortValue } from "../flowtable/tun-metadata-match.js";
import { TunMetadataTable } from "../flowtable/tun-metadata-table.js";

/** One criterion: a field, or null for the priority (or `tunMetadata`: N of tun_metadata<N>). */
export interface SortCriterion {
  readonly field: FieldSpec | null;
  readonly descending: boolean;
  readonly tunMetadata?: number;
}

/** A tun_metadata field's value as ovs-ofctl reads it from a flow (get_match_field), or null when the flow does not match on it. */
function tunMdValue(e: FlowEntry<ActionList>, index: number, table: TunMetadataTable): bigint | null {
  const f = tunMdFieldsOf(e.match, table).find((g) => g.index === index);
  return f === undefined ? null : tunMdSortValue(f);
}

function compareOne(a: FlowEntry<ActionList>, b: FlowEntry<ActionList>, c: SortCriterion, table: TunMetadataTable): number {
  let ret: number;
  if (c.tunMetadata !== undefined) {
    const va = tunMdValue(a, c.tunMetadata, table);
    const vb = tunMdValue(b, c.tunMetadata, table);
    if ((va === null) !== (vb === null)) return va !== null ? -1 : 1;
    ret = va === null || vb === null ? 0 : va < vb ? -1 : va > vb ? 1 : 0;
  } else if (c.field === null) ret = Math.sign(a.priority - b.priority);
  else {
    const f = c.field;
    const ina = prereqOk(f.prereq, a.match.key) && a.match.hasField(f);
    const inb = prereqOk(f.prereq, b.match.key) && b.match.hasField(f);
    // Missing fields go last whatever the direction.
    if (ina !== inb) return ina ? -1 : 1;
    const va = a.match.getField(f).value;
    const vb = b.match.getField(f).value;
    ret = va < vb ? -1 : va > vb ? 1 : 0;
  }
  return c.descending ? -ret : ret;
}

/**
 * `flows` in the order of `criteria` (a stable sort: ties keep the reply's
 * order); `table`: the switch's TLV map, to read tun_metadata fields.
 */
export function sortFlows(
  flows: readonly FlowEntry<ActionList>[],
  criteria: readonly SortCriterion[],
  table: TunMetadataTable = TunMetadataTable.EMPTY,
): FlowEntry<ActionList>[] {
  return [...flows].sort((a, b) => {
    for (const c of criteria) {
      const r = compareOne(a, b, c, table);
      if (r !== 0) return r;
    }
    return 0;
  });
}
