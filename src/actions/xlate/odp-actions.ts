/**
 * Datapath actions: what translation installs in the datapath and what
 * `ofproto/trace` prints after `Datapath actions:` (OVS's `OVS_ACTION_ATTR_*`
 * netlink attributes, printed by `format_odp_actions` in lib/odp-util.c).
 *
 * Design:
 * - One discriminated union, `OdpAction`, of immutable plain objects; one
 *   table of formatters keyed by `type` (`FORMAT`), so a new member cannot
 *   compile until it prints.
 * - Values are what the netlink attribute carries (datapath port numbers, not
 *   OpenFlow ports; TCIs with the CFI bit), so two actions that print alike
 *   are structurally equal.
 * - Header rewrites live in `odp-set.ts`, tunnel headers in `odp-tnl-push.ts`,
 *   tunnel metadata (`set(tunnel(...))`) in `odp-tunnel.ts`,
 *   conntrack in `odp-ct.ts`, upcalls in `odp-userspace.ts`; this file joins them.
 * - An empty list prints `drop`, as OVS prints no actions; `{ type: "drop" }`
 *   is OVS_ACTION_ATTR_DROP, an explicit drop that also prints `drop`.
 */
import type { OdpCtAction } from "./odp-ct.js";
import { formatCt } from "./odp-ct.js";
import type { OdpSetAction } from "./odp-set.js";
import { formatOdpKeyAttr } from "./odp-set.js";
import type { OdpTnlPushAction } from "./odp-tnl-push.js";
import { formatTnlPush } from "./odp-tnl-push.js";
import type { OdpSetTunnelAction } from "./odp-tunnel.js";
import { formatSetTunnel } from "./odp-tunnel.js";
import type { OdpUserspaceAction } from "./odp-userspace.js";
import { formatUserspace } from "./odp-userspace.js";

/** Output to a datapath port (printed as the bare number). */
export interface OdpOutputAction {
  readonly type: "output";
  readonly port: number;
}

/** `push_vlan(tpid=0x88a8,vid=..,pcp=..)`; the TPID prints only when not 0x8100. */
export interface OdpPushVlanAction {
  readonly type: "push_vlan";
  readonly tpid: number;
  /** The TCI pushed, CFI (0x1000) included. */
  readonly tci: number;
}

export interface OdpPopVlanAction {
  readonly type: "pop_vlan";
}

/** `push_mpls(label=..,tc=..,ttl=..,bos=..,eth_type=0x8847)`: `lse` is the whole label stack entry. */
export interface OdpPushMplsAction {
  readonly type: "push_mpls";
  readonly lse: number;
  readonly ethertype: number;
}

/** `pop_mpls(eth_type=0x800)`: the ethertype the packet gets. */
export interface OdpPopMplsAction {
  readonly type: "pop_mpls";
  readonly ethertype: number;
}

/** `set(mpls(label=..,tc=..,ttl=..,bos=..))`: rewrites the outermost label stack entry. */
export interface OdpSetMplsAction {
  readonly type: "set_mpls";
  readonly lse: number;
}

/** `recirc(0x1)`: run the packet through the datapath again with this recirc_id. */
export interface OdpRecircAction {
  readonly type: "recirc";
  readonly id: number;
}

/** The datapath hash functions (OVS's OVS_HASH_ALG_L4 and OVS_HASH_ALG_SYM_L4). */
export type DpHashAlg = "l4" | "sym_l4";

/** `hash(l4(0))`: compute dp_hash (for select groups / bonds). */
export interface OdpHashAction {
  readonly type: "hash";
  readonly alg: DpHashAlg;
  readonly basis: number;
}

export interface OdpCtClearAction {
  readonly type: "ct_clear";
}

/** `tnl_pop(P)`: decapsulate and continue as if received on tunnel vport P. */
export interface OdpTnlPopAction {
  readonly type: "tnl_pop";
  readonly port: number;
}

/** `clone(...)`: run the nested actions on a copy of the packet. */
export interface OdpCloneAction {
  readonly type: "clone";
  readonly actions: readonly OdpAction[];
}

/** `sample(sample=50.0%,actions(...))`; probability is out of UINT32_MAX. */
export interface OdpSampleAction {
  readonly type: "sample";
  readonly probability: number;
  readonly actions: readonly OdpAction[];
}

/** `trunc(N)`: truncate the packet to N bytes for the next output. */
export interface OdpTruncAction {
  readonly type: "trunc";
  readonly maxLen: number;
}

export interface OdpMeterAction {
  readonly type: "meter";
  readonly id: number;
}

/** `check_pkt_len(size=N,gt(...),le(...))`. */
export interface OdpCheckPktLenAction {
  readonly type: "check_pkt_len";
  readonly size: number;
  readonly greater: readonly OdpAction[];
  readonly lessEqual: readonly OdpAction[];
}

/** OVS_ACTION_ATTR_DROP: an explicit drop. */
export interface OdpDropAction {
  readonly type: "drop";
}

export type OdpAction =
  | OdpOutputAction
  | OdpPushVlanAction
  | OdpPopVlanAction
  | OdpPushMplsAction
  | OdpPopMplsAction
  | OdpSetMplsAction
  | OdpSetAction
  | OdpSetTunnelAction
  | OdpUserspaceAction
  | OdpRecircAction
  | OdpHashAction
  | OdpCtAction
  | OdpCtClearAction
  | OdpTnlPushAction
  | OdpTnlPopAction
  | OdpCloneAction
  | OdpSampleAction
  | OdpTruncAction
  | OdpMeterAction
  | OdpCheckPktLenAction
  | OdpDropAction;

export type OdpActionType = OdpAction["type"];

const UINT32_MAX = 0xffffffff;
const VLAN_CFI = 0x1000;

/** OVS's `format_vlan_tci` with an exact mask and verbose off: vid and pcp always, `cfi=0` when clear. */
function formatPushVlan(a: OdpPushVlanAction): string {
  const tpid = a.tpid === 0x8100 ? "" : `tpid=0x${a.tpid.toString(16).padStart(4, "0")},`;
  const cfi = (a.tci & VLAN_CFI) === 0 ? ",cfi=0" : "";
  return `push_vlan(${tpid}vid=${a.tci & 0xfff},pcp=${(a.tci >>> 13) & 7}${cfi})`;
}

/** OVS's format_mpls_lse. */
export function formatMplsLse(lse: number): string {
  return `label=${lse >>> 12},tc=${(lse >>> 9) & 7},ttl=${lse & 0xff},bos=${(lse >>> 8) & 1}`;
}

function formatSample(a: OdpSampleAction, names?: OdpPortNames): string {
  const percent = ((100 * a.probability) / UINT32_MAX).toFixed(1);
  return `sample(sample=${percent}%,actions(${formatOdpActions(a.actions, names)}))`;
}

/**
 * Datapath port names to print in place of port numbers (OVS's portno_names, as
 * `ofproto/trace --names` gives format_odp_actions); a port without one prints its number.
 */
export type OdpPortNames = (port: number) => string | undefined;

/** odp_portno_name_format. */
function portText(port: number, names?: OdpPortNames): string {
  return names?.(port) ?? String(port);
}

type Formatters = { readonly [K in OdpActionType]: (a: Extract<OdpAction, { type: K }>, names?: OdpPortNames) => string };

const FORMAT: Formatters = {
  output: (a, names) => portText(a.port, names),
  push_vlan: formatPushVlan,
  pop_vlan: () => "pop_vlan",
  push_mpls: (a) => `push_mpls(${formatMplsLse(a.lse)},eth_type=0x${a.ethertype.toString(16)})`,
  pop_mpls: (a) => `pop_mpls(eth_type=0x${a.ethertype.toString(16)})`,
  set_mpls: (a) => `set(mpls(${formatMplsLse(a.lse)}))`,
  set: (a) => `set(${formatOdpKeyAttr(a)})`,
  set_tunnel: formatSetTunnel,
  userspace: formatUserspace,
  recirc: (a) => `recirc(${a.id === 0 ? "0" : `0x${a.id.toString(16)}`})`,
  hash: (a) => `hash(${a.alg}(${a.basis}))`,
  ct: formatCt,
  ct_clear: () => "ct_clear",
  tnl_push: formatTnlPush,
  tnl_pop: (a, names) => `tnl_pop(${portText(a.port, names)})`,
  clone: (a, names) => `clone(${formatOdpActions(a.actions, names)})`,
  sample: formatSample,
  trunc: (a) => `trunc(${a.maxLen})`,
  meter: (a) => `meter(${a.id})`,
  check_pkt_len: (a, names) =>
    `check_pkt_len(size=${a.size},gt(${formatOdpActions(a.greater, names)}),le(${formatOdpActions(a.lessEqual, names)}))`,
  drop: () => "drop",
};

export function formatOdpAction(a: OdpAction, names?: OdpPortNames): string {
  return (FORMAT[a.type] as (a: OdpAction, names?: OdpPortNames) => string)(a, names);
}

/** The list as OVS prints it after `Datapath actions:`; an empty list is `drop`. */
export function formatOdpActions(list: readonly OdpAction[], names?: OdpPortNames): string {
  if (list.length === 0) return "drop";
  let s = "";
  for (let i = 0; i < list.length; i++) {
    if (i > 0) s += ",";
    s += formatOdpAction(list[i] as OdpAction, names);
  }
  return s;
}
