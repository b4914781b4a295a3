/**
 * The action AST: one discriminated union of every action ovsim knows, modelled
 * on OVS's `struct ofpact` family (`include/openvswitch/ofp-actions.h`).
 *
 * Design:
 * - Each member is an immutable plain object whose `type` names it. Values are
 *   what OVS's ofpact holds after parsing or decoding, so two lists that print
 *   the same are structurally equal too.
 * - Some actions remember *how they arrived* (OVS's `ofpact.raw`) because that
 *   decides how they print and travel: `strip_vlan` vs `pop_vlan`,
 *   `set_field` vs `load`, `set_tunnel` vs `set_tunnel64`, `dec_ttl` with or
 *   without controller ids. Nothing else is stored.
 * - Instructions (OpenFlow 1.1+: meter, clear_actions, write_actions,
 *   write_metadata, goto_table) are members of the same list, in OVS's order,
 *   exactly as OVS keeps them.
 * - Everything per type (parse, format, check, wire encoding) lives in ONE
 *   table keyed by `type` (`action-ops.ts`); a new member cannot compile until
 *   it has its row there.
 */
import type { FieldSpec } from "../flowtable/fields.js";
import type { Subfield } from "../flowtable/subfield.js";

export interface OutputAction {
  readonly type: "output";
  /** OpenFlow port number (reserved ports: NORMAL, FLOOD, LOCAL, ...). */
  readonly port: number;
  /** Bytes of the packet sent to the controller (CONTROLLER only; 0 otherwise). */
  readonly maxLen: number;
}

/** `output:NXM_NX_REG0[0..15]`: output to the port number held in a subfield. */
export interface OutputRegAction {
  readonly type: "output_reg";
  readonly src: Subfield;
  readonly maxLen: number;
}

/** `output(port=N,max_len=M)`: output truncated to M bytes. */
export interface OutputTruncAction {
  readonly type: "output_trunc";
  readonly port: number;
  readonly maxLen: number;
}

export interface EnqueueAction {
  readonly type: "enqueue";
  readonly port: number;
  readonly queue: number;
}

/**
 * The packet-in reasons a `controller(...)` action may name, and the two
 * misses no action text names (OVS prints both as `reason=`):
 * "explicit_miss" (OFPR_EXPLICIT_MISS, what a table-miss flow's packet-in
 * becomes) and "implicit_miss" (OFPR_IMPLICIT_MISS, the reason of
 * ofproto-dpif's internal table-254 miss flow, its miss_rule).
 */
export type PacketInReason = "no_match" | "action" | "invalid_ttl" | "action_set" | "group" | "packet_out" | "explicit_miss" | "implicit_miss";

/** `controller(...)` with anything beyond max_len (else it is an output to CONTROLLER). */
export interface ControllerAction {
  readonly type: "controller";
  readonly maxLen: number;
  readonly reason: PacketInReason;
  readonly controllerId: number;
  readonly userdata: readonly number[];
  readonly pause: boolean;
  /** NX_CTLR_NO_METER (0xffffffff) when none. */
  readonly meterId: number;
}

export interface GroupAction {
  readonly type: "group";
  readonly groupId: number;
}

export interface ResubmitAction {
  readonly type: "resubmit";
  /** Port to look up as in_port; OFPP_IN_PORT keeps the packet's. */
  readonly inPort: number;
  /** Table to look up; 255 means the current table. */
  readonly table: number;
  /** `resubmit(,N,ct)`: look up with the conntrack original direction tuple. */
  readonly withCt: boolean;
}

export interface SetVlanVidAction {
  readonly type: "set_vlan_vid";
  readonly vid: number;
  /** `mod_vlan_vid` (and OpenFlow 1.0): push a VLAN header if there is none. */
  readonly pushIfNeeded: boolean;
}

export interface SetVlanPcpAction {
  readonly type: "set_vlan_pcp";
  readonly pcp: number;
  readonly pushIfNeeded: boolean;
}

export interface StripVlanAction {
  readonly type: "strip_vlan";
  /** Arrived as `pop_vlan` (OpenFlow 1.1+), which prints differently. */
  readonly pop: boolean;
}

export interface PushVlanAction {
  readonly type: "push_vlan";
  readonly ethertype: number;
}

/** push_mpls / pop_mpls: the ethertype the packet gets (MPLS for push; the payload's for pop). */
export interface MplsEthertypeAction<T extends "push_mpls" | "pop_mpls" = "push_mpls" | "pop_mpls"> {
  readonly type: T;
  readonly ethertype: number;
}

export interface SetMplsLabelAction {
  readonly type: "set_mpls_label";
  readonly label: number;
}

export interface SetMplsTcAction {
  readonly type: "set_mpls_tc";
  readonly tc: number;
}

export interface SetMplsTtlAction {
  readonly type: "set_mpls_ttl";
  readonly ttl: number;
}

export interface DecMplsTtlAction {
  readonly type: "dec_mpls_ttl";
}

export interface SetEthAction<T extends "set_eth_src" | "set_eth_dst" = "set_eth_src" | "set_eth_dst"> {
  readonly type: T;
  readonly mac: bigint;
}

export interface SetIpv4Action<T extends "set_ipv4_src" | "set_ipv4_dst" = "set_ipv4_src" | "set_ipv4_dst"> {
  readonly type: T;
  readonly ip: bigint;
}

/** `mod_nw_tos`: the DSCP bits, as the TOS byte (low two bits zero). */
export interface SetIpDscpAction {
  readonly type: "set_ip_dscp";
  readonly dscp: number;
}

export interface SetIpEcnAction {
  readonly type: "set_ip_ecn";
  readonly ecn: number;
}

export interface SetIpTtlAction {
  readonly type: "set_ip_ttl";
  readonly ttl: number;
}

export interface SetL4PortAction<T extends "set_l4_src_port" | "set_l4_dst_port" = "set_l4_src_port" | "set_l4_dst_port"> {
  readonly type: T;
  readonly port: number;
}

export interface RegMoveAction {
  readonly type: "reg_move";
  readonly src: Subfield;
  readonly dst: Subfield;
}

/** `delete_field:F` (NXAST_DELETE_FIELD): takes tun_metadata<N>'s option off the packet (delete-field-action.ts). */
export interface DeleteFieldAction {
  readonly type: "delete_field";
  readonly field: FieldSpec;
}

/** `push:F[a..b]` / `pop:F[a..b]` (NXAST_STACK_PUSH / NXAST_STACK_POP): bits onto or off the translation's stack. */
export interface StackAction<T extends "stack_push" | "stack_pop" = "stack_push" | "stack_pop"> {
  readonly type: T;
  readonly subfield: Subfield;
}

/** How a set_field arrived: as set_field, NXAST_REG_LOAD (`load`) or NXAST_REG_LOAD2. */
export type SetFieldRaw = "set_field" | "reg_load" | "reg_load2";

/** `set_field:V/M->F` and `load:V->F[a..b]`: value and mask in the field's units. */
export interface SetFieldAction {
  readonly type: "set_field";
  readonly field: FieldSpec;
  readonly value: bigint;
  readonly mask: bigint;
  readonly raw: SetFieldRaw;
}

export interface DecTtlAction {
  readonly type: "dec_ttl";
  /** Controller ids to notify when the TTL expires. */
  readonly ids: readonly number[];
  /** Written `dec_ttl(ids)` (printed with its ids even when they are just `0`). */
  readonly withIds: boolean;
}

export interface SetTunnelAction {
  readonly type: "set_tunnel";
  readonly tunId: bigint;
  /** Written `set_tunnel64` (printed so even for a small id). */
  readonly is64: boolean;
}

export interface SetQueueAction {
  readonly type: "set_queue";
  readonly queueId: number;
}

export interface PopQueueAction {
  readonly type: "pop_queue";
}

export interface FinTimeoutAction {
  readonly type: "fin_timeout";
  readonly idleTimeout: number;
  readonly hardTimeout: number;
}

export interface NoteAction {
  readonly type: "note";
  readonly data: readonly number[];
}

export interface ExitAction {
  readonly type: "exit";
}

export interface ConjunctionAction {
  readonly type: "conjunction";
  readonly id: number;
  /** 1-based clause number, as written (`conjunction(id,k/n)`). */
  readonly clause: number;
  readonly nClauses: number;
}

export interface CloneAction {
  readonly type: "clone";
  readonly actions: ActionList;
}

/** One `learn` spec: what the learned flow matches, loads or outputs. */
export type LearnSpec =
  /** Match `dst` against an immediate value (`eth_dst=...`, `NXM_NX_REG0[0..3]=5`). */
  | { readonly kind: "match_imm"; readonly dst: Subfield; readonly value: bigint }
  /** Match `dst` against the packet's `src` (`NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[]`). */
  | { readonly kind: "match_field"; readonly dst: Subfield; readonly src: Subfield }
  | { readonly kind: "load_imm"; readonly dst: Subfield; readonly value: bigint }
  | { readonly kind: "load_field"; readonly dst: Subfield; readonly src: Subfield }
  | { readonly kind: "output"; readonly src: Subfield };

export interface LearnAction {
  readonly type: "learn";
  readonly table: number;
  readonly priority: number;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  readonly finIdleTimeout: number;
  readonly finHardTimeout: number;
  readonly cookie: bigint;
  readonly sendFlowRem: boolean;
  readonly deleteLearned: boolean;
  readonly limit: number;
  /** One bit that receives whether the learn succeeded (with `limit`), or null. */
  readonly resultDst: Subfield | null;
  readonly specs: readonly LearnSpec[];
}

export interface NatRange {
  readonly family: "ipv4" | "ipv6";
  readonly addrMin: bigint;
  /** 0 when no range was given. */
  readonly addrMax: bigint;
  /** 0 when no port was given. */
  readonly portMin: number;
  readonly portMax: number;
}

export interface NatAction {
  readonly type: "nat";
  /** null: plain `nat` (use the connection's existing NAT). */
  readonly kind: "src" | "dst" | null;
  readonly range: NatRange | null;
  readonly persistent: boolean;
  readonly hash: boolean;
  readonly random: boolean;
}

export interface CtAction {
  readonly type: "ct";
  readonly commit: boolean;
  readonly force: boolean;
  /** Table to recirculate to, or 255 (NX_CT_RECIRC_NONE). */
  readonly table: number;
  readonly zoneImm: number;
  /** Zone taken from a subfield (`zone=NXM_NX_REG0[0..15]`), else null. */
  readonly zoneSrc: Subfield | null;
  /** 0, 21 (ftp) or 69 (tftp). */
  readonly alg: number;
  /** A leading `nat` and the `exec(...)` actions. */
  readonly actions: ActionList;
}

export interface CtClearAction {
  readonly type: "ct_clear";
}

/** OVS's OFPACT_DEBUG_RECIRC (debug-actions.ts). */
export interface DebugRecircAction {
  readonly type: "debug_recirc";
}

/** OVS's OFPACT_DEBUG_SLOW (debug-actions.ts). */
export interface DebugSlowAction {
  readonly type: "debug_slow";
}

export interface MeterAction {
  readonly type: "meter";
  readonly meterId: number;
}

export interface ClearActionsAction {
  readonly type: "clear_actions";
}

export interface WriteActionsAction {
  readonly type: "write_actions";
  readonly actions: ActionList;
}

export interface WriteMetadataAction {
  readonly type: "write_metadata";
  readonly metadata: bigint;
  readonly mask: bigint;
}

export interface GotoTableAction {
  readonly type: "goto_table";
  readonly table: number;
}

/**
 * The packet fields multipath and bundle hash (OVS's `enum nx_hash_fields`),
 * by the names ovs-ofctl parses and prints.
 */
export type HashFields = "eth_src" | "symmetric_l4" | "symmetric_l3l4" | "symmetric_l3l4+udp" | "nw_src" | "nw_dst" | "symmetric_l3";

/** NXAST_MULTIPATH: a link number 0..n_links-1 chosen from a flow hash, loaded into `dst`. */
export interface MultipathAction {
  readonly type: "multipath";
  readonly fields: HashFields;
  /** uint16 hash basis. */
  readonly basis: number;
  readonly algorithm: "modulo_n" | "hash_threshold" | "hrw" | "iter_hash";
  /** n_links - 1 (0..65535). */
  readonly maxLink: number;
  /** iter_hash's modulo (uint32; the other algorithms ignore it). */
  readonly arg: number;
  readonly dst: Subfield;
}

/** NXAST_BUNDLE / NXAST_BUNDLE_LOAD: one live member port, output to (`dst` null) or loaded into `dst`. */
export interface BundleAction {
  readonly type: "bundle";
  readonly fields: HashFields;
  readonly basis: number;
  readonly algorithm: "active_backup" | "hrw";
  /** OpenFlow port numbers, in the order given. */
  readonly members: readonly number[];
  /** bundle_load's destination; null for bundle. */
  readonly dst: Subfield | null;
}

/** NXAST_SAMPLE / SAMPLE2 / SAMPLE3: sample packets to an IPFIX collector set. */
export interface SampleAction {
  readonly type: "sample";
  /** Packets sampled out of 65535 (1..65535). */
  readonly probability: number;
  readonly collectorSetId: number;
  readonly obsDomainId: number;
  readonly obsPointId: number;
  /** OpenFlow port, OFPP_NONE when not given. */
  readonly samplingPort: number;
  readonly direction: "default" | "ingress" | "egress";
}

/** NXAST_CHECK_PKT_LARGER: sets the 1-bit `dst` to whether the packet is longer than `pktLen` bytes. */
export interface CheckPktLargerAction {
  readonly type: "check_pkt_larger";
  readonly pktLen: number;
  readonly dst: Subfield;
}

export type Action =
  | OutputAction
  | OutputRegAction
  | OutputTruncAction
  | EnqueueAction
  | ControllerAction
  | GroupAction
  | ResubmitAction
  | SetVlanVidAction
  | SetVlanPcpAction
  | StripVlanAction
  | PushVlanAction
  | SetEthAction<"set_eth_src">
  | SetEthAction<"set_eth_dst">
  | SetIpv4Action<"set_ipv4_src">
  | SetIpv4Action<"set_ipv4_dst">
  | SetIpDscpAction
  | SetIpEcnAction
  | SetIpTtlAction
  | SetL4PortAction<"set_l4_src_port">
  | SetL4PortAction<"set_l4_dst_port">
  | RegMoveAction
  | StackAction<"stack_push">
  | StackAction<"stack_pop">
  | SetFieldAction
  | DecTtlAction
  | DeleteFieldAction
  | SetMplsLabelAction
  | SetMplsTcAction
  | SetMplsTtlAction
  | DecMplsTtlAction
  | MplsEthertypeAction<"push_mpls">
  | MplsEthertypeAction<"pop_mpls">
  | SetTunnelAction
  | SetQueueAction
  | PopQueueAction
  | FinTimeoutAction
  | NoteAction
  | ExitAction
  | ConjunctionAction
  | CloneAction
  | LearnAction
  | NatAction
  | CtAction
  | CtClearAction
  | MeterAction
  | ClearActionsAction
  | WriteActionsAction
  | WriteMetadataAction
  | GotoTableAction
  | MultipathAction
  | BundleAction
  | SampleAction
  | CheckPktLargerAction
  | DebugRecircAction
  | DebugSlowAction;

export type ActionType = Action["type"];

/** The member of the union with a given `type`. */
export type ActionOf<T extends ActionType> = Extract<Action, { readonly type: T }>;

/** A flow's actions (and instructions); empty means drop. */
export type ActionList = readonly Action[];
