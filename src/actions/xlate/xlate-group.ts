/**
 * Translation of the `group` action (OVS's xlate_group_action and friends in
 * ofproto-dpif-xlate.c, with ofproto-dpif.c's choice of selection method).
 *
 * - all / indirect: every bucket in order, each on a copy of the packet (the
 *   flow is rolled back after each bucket, as OVS's xlate_group_bucket does),
 *   group stats credited once;
 * - fast failover: the first live bucket (`-> bucket N: not live due to port
 *   P` for the others); a bucket is live when it watches a port that exists
 *   in the bridge, or a group that has a live bucket (at most
 *   MAX_LIVENESS_RECURSION links);
 * - select: as OVS 3.1 on the userspace datapath. With no selection_method,
 *   or `dp_hash`, the group gets a dp_hash table (Webster's method over the
 *   weights, 16..256 slots) and the first translation ends with
 *   `hash(sym_l4(0)),recirc(N)` (`hash(l4(B))` for dp_hash; the trace says
 *   `-> no live bucket`, and everything after the group is frozen into the
 *   recirculation); the recirculated packet carries dp_hash, which picks the
 *   slot. Weights that need more than 256 slots fall back to the default
 *   hash method; `selection_method=hash` with fields scores each live bucket
 *   as (hash_int(bucket_id, basis) & 0xffff) * weight from a hash of the
 *   listed fields and takes the best (the last on a tie), printing
 *   `-> bucket N: score S`; the default method (`hash` without fields, or
 *   weights too uneven for dp_hash) scores them likewise from the flow's
 *   symmetric L4 hash (basis 0), its fields un-wildcarded.
 *
 * Each bucket's actions run as an action set (OVS's
 * ofpacts_execute_action_set), under a `bucket N` trace node.
 */
import { allFields, fieldByName } from "../../flowtable/fields.js";
import type { FieldSpec } from "../../flowtable/fields.js";
import { hashFinish, hashInt, mhashAdd } from "../../flowtable/hash.js";
import type { GroupBucket, GroupProps, GroupType } from "../group-types.js";
import { OFPG_ANY, WATCH_PORT_CONTROLLER, WATCH_PORT_NONE } from "../group-types.js";
import type { XlateCtx } from "./xlate-context.js";
import { getField, maskFieldMasked, prereqsOk } from "./xlate-fields.js";
import { readSmall } from "../../flowtable/flow-layout.js";
import { XM } from "./odp-metadata.js";
import { finishFreezing } from "./xlate-freeze.js";
import { flowHashFields, flowMaskHashFields } from "./flow-hash-fields.js";

/** What translation needs of a group (src/datapath's Group implements it). */
export interface XlateGroup {
  readonly groupId: number;
  readonly type: GroupType;
  readonly buckets: readonly GroupBucket[];
  readonly props: GroupProps;
  /** group_dpif_credit_stats: `bucket` null for all / indirect groups. */
  credit(bucket: GroupBucket | null, packets: number, bytes: number): void;
}

/** OVS's MAX_LIVENESS_RECURSION: watch_group links followed before giving up. */
export const MAX_LIVENESS_RECURSION = 128;
/** ofproto-dpif's MAX_SELECT_GROUP_HASH_VALUES. */
const MAX_HASH_VALUES = 256;

/** The hooks translation of a bucket needs (set by xlate-actions.ts, which imports this file). */
export const groupHooks: {
  run: (list: import("../action-types.js").ActionList, ctx: XlateCtx, last: boolean) => void;
  order: (set: import("../action-types.js").ActionList) => import("../action-types.js").ActionList;
} = {
  run: () => undefined,
  order: (s) => s,
};

function groupIsAlive(ctx: XlateCtx, id: number, depth: number): boolean {
  const g = ctx.bridge.group?.(id);
  return g !== undefined && firstLiveBucket(ctx, g, depth) !== null;
}

function bucketIsAlive(ctx: XlateCtx, g: XlateGroup, b: GroupBucket, depth: number): boolean {
  if (depth >= MAX_LIVENESS_RECURSION) {
    ctx.reportError(`bucket chaining exceeded ${MAX_LIVENESS_RECURSION} links`);
    return false;
  }
  if (g.type === "select" && b.weight === 0) return false;
  const hasLiveness = b.watchPort !== WATCH_PORT_NONE || b.watchGroup !== OFPG_ANY;
  return (
    !hasLiveness ||
    (b.watchPort !== WATCH_PORT_NONE && b.watchPort !== WATCH_PORT_CONTROLLER && ctx.bridge.port(b.watchPort) !== undefined) ||
    (b.watchGroup !== OFPG_ANY && groupIsAlive(ctx, b.watchGroup, depth + 1)) ||
    (b.watchPort === WATCH_PORT_CONTROLLER && ctx.bridge.packetInOnMiss === true)
  );
}

function reportNotLive(ctx: XlateCtx, b: GroupBucket): void {
  if (ctx.trace === null) return;
  let s = "";
  if (b.watchPort !== WATCH_PORT_NONE) s += `port ${b.watchPort}`;
  if (b.watchGroup !== OFPG_ANY) s += `${s.length > 0 ? " and " : ""}port ${b.watchGroup}`;
  ctx.report("detail", `bucket ${b.bucketId}: not live due to ${s}`);
}

/** OVS's group_first_live_bucket (it reports dead buckets of watched groups too). */
function firstLiveBucket(ctx: XlateCtx, g: XlateGroup, depth: number): GroupBucket | null {
  for (const b of g.buckets) {
    if (bucketIsAlive(ctx, g, b, depth)) return b;
    reportNotLive(ctx, b);
  }
  return null;
}

function bestLiveBucket(ctx: XlateCtx, g: XlateGroup, basis: number): GroupBucket | null {
  let best: GroupBucket | null = null;
  let bestScore = 0;
  for (const b of g.buckets) {
    if (bucketIsAlive(ctx, g, b, 0)) {
      const score = (hashInt(b.bucketId, basis) & 0xffff) * b.weight;
      if (score >= bestScore) {
        best = b;
        bestScore = score;
      }
      ctx.report("detail", `bucket ${b.bucketId}: score ${score}`);
    } else reportNotLive(ctx, b);
  }
  return best;
}

/** OVS hash_bytes on a little-endian host: 4-byte chunks read as host words. */
function hashBytes(bytes: readonly number[], basis: number): number {
  let hash = basis;
  let i = 0;
  for (; i + 4 <= bytes.length; i += 4) {
    hash = mhashAdd(hash, ((bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0));
  }
  if (i < bytes.length) {
    let tmp = 0;
    for (let k = 0; i + k < bytes.length; k++) tmp |= bytes[i + k]! << (8 * k);
    hash = mhashAdd(hash, tmp >>> 0);
  }
  return hashFinish(hash, bytes.length);
}

/** OVS hash_uint64 (portable flavour). */
function hashUint64(x: bigint): number {
  const lo = Number(x & 0xffffffffn);
  const hi = Number((x >> 32n) & 0xffffffffn);
  return hashFinish(mhashAdd(mhashAdd(0, lo), hi), 8);
}

let fieldOrder: Map<string, number> | null = null;

/** Fields in OVS's MFF id order (the hash walks the field bitmap in that order). */
function inFieldOrder(names: readonly string[]): FieldSpec[] {
  if (fieldOrder === null) fieldOrder = new Map(allFields().map((f, i) => [f.name, i]));
  const order = fieldOrder;
  return names
    .map((n) => fieldByName(n))
    .filter((f): f is FieldSpec => f !== undefined)
    .sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
}

function pickHashFields(ctx: XlateCtx, g: XlateGroup): GroupBucket | null {
  let basis = hashUint64(g.props.selectionMethodParam);
  for (const f of inFieldOrder(g.props.fields.map((x) => x.name))) {
    if (!prereqsOk(f.prereq, ctx.flow, ctx.wc)) continue;
    const v = getField(ctx.flow, f);
    const bytes: number[] = [];
    for (let k = f.nBytes - 1; k >= 0; k--) bytes.push(Number((v >> BigInt(8 * k)) & 0xffn));
    basis = hashBytes(bytes, basis);
    maskFieldMasked(ctx.wc, f, (1n << BigInt(f.nBytes * 8)) - 1n);
  }
  return bestLiveBucket(ctx, g, basis);
}

/** ofproto-dpif's group_setup_dp_hash_table: whether a dp_hash table fits in `maxHash` slots (0: 256). */
export function dpHashTable(g: { readonly buckets: readonly GroupBucket[] }, maxHash: number): GroupBucket[] | null {
  const n = g.buckets.length;
  if (n === 0) return null;
  let total = 0;
  let minWeight = 0xffff;
  for (const b of g.buckets) {
    if (b.weight > 0 && b.weight < minWeight) minWeight = b.weight;
    total += b.weight;
  }
  if (total === 0) return null;
  // OVS 3.1.0's slot count: the smallest power of two that gives the lightest bucket one slot (at least 16).
  const minSlots = Math.ceil(total / minWeight);
  let pow2 = 1;
  while (pow2 < minSlots) pow2 *= 2;
  const nHash = Math.max(16, pow2);
  if (nHash > MAX_HASH_VALUES || (maxHash !== 0 && nHash > maxHash)) return null;
  const w = g.buckets.map((b) => ({ b, divisor: 1, value: b.weight }));
  const map: GroupBucket[] = [];
  for (let h = 0; h < nHash; h++) {
    let win = w[0]!;
    for (let i = 1; i < n; i++) if (w[i]!.value > win.value) win = w[i]!;
    win.divisor += 2;
    win.value = win.b.weight / win.divisor;
    map.push(win.b);
  }
  return map;
}

/** The selection method a select group really uses (group_set_selection_method). */
export function selectionMethod(g: XlateGroup): "dp_hash" | "hash" | "default" {
  const m = g.props.selectionMethod;
  if (m === "" || m === "dp_hash") return dpHashTable(g, m === "" ? 256 : 0) !== null ? "dp_hash" : "default";
  return g.props.fields.length > 0 ? "hash" : "default";
}

function pickSelect(ctx: XlateCtx, g: XlateGroup): GroupBucket | null {
  const method = selectionMethod(g);
  if (method === "hash") return pickHashFields(ctx, g);
  if (method === "dp_hash") {
    const dpHash = readSmall(ctx.flow, XM.dpHash);
    if (dpHash === 0) {
      // The first pass: compute dp_hash in the datapath and recirculate (OVS's
      // ctx_trigger_recirculate_with_hash); this action and the rest of the
      // pipeline are frozen (xlate-freeze.ts). selection_method_param: the
      // hash algorithm in the high 32 bits (0 = l4, 1 = sym_l4, others l4),
      // the basis in the low 32 bits.
      const param = g.props.selectionMethod === "" ? 1n << 32n : g.props.selectionMethodParam;
      ctx.freezeHash = { alg: param >> 32n === 1n ? "sym_l4" : "l4", basis: Number(param & 0xffffffffn) };
      ctx.freezing = true;
      ctx.exit = true;
      return null;
    }
    // The recirculated pass (pick_dp_hash_select_group): from the slot of the
    // masked dp_hash, the first live bucket in the slot-to-bucket map.
    const map = dpHashTable(g, g.props.selectionMethod === "" ? 256 : 0) ?? [];
    const mask = map.length - 1;
    ctx.wc[XM.dpHash.word] = ((ctx.wc[XM.dpHash.word] ?? 0) | mask) >>> 0;
    for (let i = 0; i <= mask; i++) {
      const b = map[(dpHash + i) & mask];
      if (b !== undefined && bucketIsAlive(ctx, g, b, 0)) return b;
    }
    return null;
  }
  // OVS's pick_default_select_group: the symmetric L4 hash of the flow (its fields un-wildcarded)
  // scores the buckets.
  flowMaskHashFields(ctx.flow, ctx.wc, "symmetric_l4");
  return bestLiveBucket(ctx, g, flowHashFields(ctx.flow, "symmetric_l4", 0));
}

function xlateBucket(ctx: XlateCtx, b: GroupBucket, last: boolean): void {
  const oldTrace = ctx.trace;
  if (oldTrace !== null) {
    const node = ctx.report("bucket", `bucket ${b.bucketId}`);
    ctx.trace = node === null ? null : node.subs;
  }
  const saved = ctx.flow.slice();
  const oldWasMpls = ctx.wasMpls;
  ctx.depth++;
  groupHooks.run(groupHooks.order(b.actions), ctx, last);
  // A bucket that froze translation recirculates on its own (OVS's xlate_group_bucket).
  if (ctx.freezing) finishFreezing(ctx);
  ctx.depth--;
  ctx.flow.set(saved);
  // A bucket's pop_mpls has no effect after it.
  ctx.wasMpls = oldWasMpls;
  ctx.exit = false;
  // A bucket's MPLS stack error does not stop the other buckets (system limits do).
  if (ctx.error === "too_many_mpls_labels") ctx.error = null;
  ctx.trace = oldTrace;
}

/** OVS's xlate_group_action: returns true to stop the action list (a missing group). */
export function xlateGroupAction(ctx: XlateCtx, groupId: number, last: boolean): boolean {
  if (!ctx.resourceCheck()) return false;
  const g = ctx.bridge.group?.(groupId);
  if (g === undefined) {
    ctx.report("warn", `output to nonexistent group ${groupId}`);
    return true;
  }
  const stats = ctx.resubmitStats;
  if (g.type === "all" || g.type === "indirect") {
    g.buckets.forEach((b, i) => xlateBucket(ctx, b, last && i === g.buckets.length - 1));
    if (stats !== null) g.credit(null, stats.packets, stats.bytes);
    return false;
  }
  const bucket = g.type === "select" ? pickSelect(ctx, g) : firstLiveBucket(ctx, g, 0);
  if (bucket !== null) {
    ctx.report("detail", `using bucket ${bucket.bucketId}`);
    xlateBucket(ctx, bucket, last);
    if (stats !== null) g.credit(bucket, stats.packets, stats.bytes);
  } else {
    ctx.report("detail", "no live bucket");
  }
  return false;
}
