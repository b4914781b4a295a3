/**
 * ofproto_dpif's debug lines when a select group is constructed (OVS's
 * group_set_selection_method and group_setup_dp_hash_table, run for every
 * group added or modified): the selection method chosen and, for dp_hash,
 * the Webster table's size and each bucket's share. OVS's tests
 * (ofproto-dpif.at "select group ...") grep them from ovs-vswitchd.log.
 * Translation makes the same choice (src/actions/xlate/xlate-group.ts,
 * `dpHashTable`); this only says it, and only when ofproto_dpif is at DBG.
 */
import { dpHashTable } from "../actions/xlate/xlate-group.js";
import type { GroupBucket, GroupProps } from "../actions/group-types.js";
import type { VlogModule } from "./vlog.js";

/** The most dp_hash slots a select group may use (MAX_SELECT_GROUP_HASH_VALUES). */
const MAX_HASH_VALUES = 256;

/** OVS_HASH_ALG_L4 and OVS_HASH_ALG_SYM_L4; __OVS_HASH_MAX is 2. */
const HASH_ALG_L4 = 0;
const HASH_ALG_SYM_L4 = 1;
const HASH_ALG_MAX = 2;

interface SelectGroup {
  readonly groupId: number;
  readonly buckets: readonly GroupBucket[];
  readonly props: GroupProps;
}

/** group_setup_dp_hash_table's lines; whether the table was set up (`maxHash` 0: up to 256 slots). */
function logDpHashTable(log: VlogModule, g: SelectGroup, maxHash: number): number | null {
  if (g.buckets.length === 0) {
    log.debug("  Don't apply dp_hash method without buckets.");
    return null;
  }
  let total = 0;
  let minWeight = 0xffff;
  for (const b of g.buckets) {
    if (b.weight > 0 && b.weight < minWeight) minWeight = b.weight;
    total += b.weight;
  }
  if (total === 0) {
    log.debug("  Total weight is zero. No active buckets.");
    return null;
  }
  log.debug(`  Minimum weight: ${minWeight}, total weight: ${total}`);
  const map = dpHashTable(g, maxHash);
  if (map === null) {
    const minSlots = Math.ceil(total / minWeight);
    let nHash = 16;
    while (nHash < minSlots) nHash *= 2;
    log.debug(`  Too many hash values required: ${nHash}`);
    return null;
  }
  log.debug(`  Using ${map.length} hash values:`);
  for (const b of g.buckets) {
    const hits = map.filter((m) => m === b).length;
    const target = (map.length * b.weight) / total;
    log.debug(`  Bucket ${b.bucketId}: weight=${b.weight}, target=${target.toFixed(2)} hits=${hits}`);
  }
  return map.length;
}

/** Logs the construction of select group `g` in `log` (ofproto_dpif), if it is at DBG. */
export function logSelectGroupConstruction(log: VlogModule, g: SelectGroup): void {
  if (!log.dbg) return;
  log.debug(`Constructing select group ${g.groupId}`);
  const method = g.props.selectionMethod;
  if (method === "" || method === "dp_hash") {
    log.debug(method === "" ? "No selection method specified. Trying dp_hash." : "Selection method specified: dp_hash.");
    const nHash = logDpHashTable(log, g, method === "" ? MAX_HASH_VALUES : 0);
    if (nHash === null) {
      log.debug("Falling back to default hash method.");
      return;
    }
    let alg = method === "" ? HASH_ALG_SYM_L4 : Number(g.props.selectionMethodParam >> 32n);
    if (alg >= HASH_ALG_MAX) {
      log.debug(`Invalid dp_hash algorithm ${alg}. Defaulting to OVS_HASH_ALG_L4`);
      alg = HASH_ALG_L4;
    }
    log.debug(`Use dp_hash with ${nHash} hash values using algorithm ${alg}.`);
    return;
  }
  log.debug("Selection method specified: hash.");
  if (g.props.fields.length === 0) {
    log.debug("No hash fields. Falling back to default hash method.");
    return;
  }
  // oxm_format_field_array: each field's name, `=MASK` unless the mask is all ones.
  const fields = g.props.fields.map((f) => (f.mask === null ? f.name : `${f.name}=${f.mask.replace(/^\//, "")}`));
  log.debug(`Hash fields: ${fields.join(",")}`);
}
