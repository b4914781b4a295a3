/**
 * A firewall flow as firewall.py and rules.py build them: a dict of
 * ovs-ofctl keywords (`table`, `priority`, `dl_type`, `reg5`, `nw_src`,
 * `ct_state`, `conj_id`, ..., `actions`) that ovs_lib turns into one line of
 * `ovs-ofctl add-flows` / `del-flows` input (_build_flow_expr_str).
 *
 * Neutron writes `reg_port` / `reg_net` and renames them to reg5 / reg6
 * (create_reg_numbers) just before sending; here the builders write `reg5` /
 * `reg6` directly. `dl_type` is a number and goes out as `0x%04x`. The text
 * is ovs-ofctl's, so ovsim's parser normalises it exactly as OVS did for
 * Neutron (`dl_type=0x0800,nw_proto=6` prints as `tcp`); the order of the
 * keywords is Neutron's and changes nothing in a dump.
 */

export type FlowValue = string | number;

/** Match fields by ovs-ofctl keyword, in the order written. */
export type FlowMatch = Readonly<Record<string, FlowValue>>;

export interface FlowSpec {
  readonly table: number;
  readonly priority: number;
  readonly match: FlowMatch;
  /** ovs-ofctl action text, as Neutron writes it (`set_field:2->reg5,resubmit(,71)`). */
  readonly actions: string;
}

/** A flow_mod deleting flows (non-strict, as every delete of the firewall). */
export interface FlowDelete {
  readonly table?: number;
  readonly match: FlowMatch;
  /** `default`: only flows with the bridge's cookie (`cookie=C/-1`, ovs_lib's default); `any`: whatever their cookie (COOKIE_ANY). */
  readonly cookie: "default" | "any";
}

/** A flow and the port whose flows it is committed with (DeferredOVSBridge's flow_group_id). */
export interface GroupedFlow {
  readonly flow: FlowSpec;
  readonly group: number | null;
}

function valueText(key: string, v: FlowValue): string {
  return key === "dl_type" && typeof v === "number" ? `0x${v.toString(16).padStart(4, "0")}` : String(v);
}

function matchText(match: FlowMatch): string[] {
  return Object.entries(match).map(([k, v]) => `${k}=${valueText(k, v)}`);
}

/** The `add-flows` line of a flow with `cookie`. */
export function addFlowText(flow: FlowSpec, cookie: bigint): string {
  return [`cookie=0x${cookie.toString(16)}`, `table=${flow.table}`, `priority=${flow.priority}`, ...matchText(flow.match), `actions=${flow.actions}`].join(",");
}

/** The `del-flows` line of a delete, `cookie` being the bridge's. */
export function deleteFlowText(del: FlowDelete, cookie: bigint): string {
  const parts = del.cookie === "default" ? [`cookie=0x${cookie.toString(16)}/-1`] : [];
  if (del.table !== undefined) parts.push(`table=${del.table}`);
  return [...parts, ...matchText(del.match)].join(",");
}

/** Which port a flow belongs to when none is named: its in_port, else its reg5 (firewall.py _add_flow). */
export function defaultGroupOf(flow: FlowSpec): number | null {
  const g = flow.match["in_port"] ?? flow.match["reg5"];
  return typeof g === "number" ? g : null;
}
