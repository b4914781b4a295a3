/**
 * Actions and instructions that move between tables or carry the pipeline's
 * state: resubmit, goto_table, write_metadata, clear_actions, write_actions
 * and meter. The last five are OpenFlow 1.1+ instructions; over OpenFlow 1.0
 * OVS sends goto_table as a resubmit and drops clear_actions, write_actions
 * and meter (as real ovs-ofctl does).
 */
import { P_NXM_OF11_UP, P_OF13_UP } from "../flowtable/openflow-protocols.js";
import { M } from "../flowtable/flow-layout.js";
import { OFPP_IN_PORT, formatPort, parsePort } from "../flowtable/ports.js";
import type { ActionOp } from "./action-op.js";
import { fail, WireDecodeError } from "./action-op.js";
import type {
  ActionType,
  ClearActionsAction,
  GotoTableAction,
  MeterAction,
  ResubmitAction,
  WriteActionsAction,
  WriteMetadataAction,
} from "./action-types.js";
import { hex, parseTable, strToU32, strToU64Or } from "./parse-util.js";
import { formatTableId } from "../flowtable/table-names.js";

const TABLE_CURRENT = 255;
/** OFPM13_MAX: the highest meter id. */
const OFPM13_MAX = 0xffff0000;
const U64_MAX = 0xffffffffffffffffn;

/** ct_state bits that imply a valid conntrack entry (OVS's `is_ct_valid` on a match). */
const CS_VALID = 0x01 | 0x02 | 0x04 | 0x08 | 0x40 | 0x80;
const CS_INVALID = 0x10;
const CS_TRACKED = 0x20;

export const resubmit: ActionOp<ResubmitAction> = {
  name: "resubmit",
  instruction: "apply_actions",
  parse: (arg, ctx) => {
    const [portText, tableText, ctText] = arg.split(",");
    let inPort = OFPP_IN_PORT;
    if (portText !== undefined && portText !== "") {
      const p = parsePort(portText, ctx.names);
      if (p === undefined) fail(ctx, `${portText}: resubmit to unknown port`);
      inPort = p;
    }
    let table = TABLE_CURRENT;
    if (tableText !== undefined && tableText !== "") {
      const t = parseTable(tableText, ctx.names);
      if (t === undefined) fail(ctx, `${tableText}: resubmit to unknown table`);
      table = t;
    }
    let withCt = false;
    if (ctText !== undefined && ctText !== "") {
      if (ctText !== "ct") fail(ctx, `${ctText}: unknown parameter`);
      withCt = true;
    }
    if (inPort === OFPP_IN_PORT && table === TABLE_CURRENT) {
      fail(ctx, 'at least one "in_port" or "table" must be specified on resubmit');
    }
    return { type: "resubmit", inPort, table, withCt };
  },
  format: (a, ctx) => {
    const port = a.inPort === OFPP_IN_PORT ? "" : formatPort(a.inPort, ctx.names);
    if (a.inPort !== OFPP_IN_PORT && a.table === TABLE_CURRENT) return `resubmit:${port}`;
    return `resubmit(${port},${a.table === TABLE_CURRENT ? "" : formatTableId(a.table, ctx.names?.tables)}${a.withCt ? ",ct" : ""})`;
  },
  check: (a, ctx) => {
    if (!a.withCt) return null;
    const state = ctx.flow.ctState;
    const mask = Number(ctx.match.memberMask(M.ctState));
    const valid =
      (state & CS_VALID) !== 0 || ((state & CS_TRACKED) !== 0 && (mask & CS_INVALID) !== 0 && (state & CS_INVALID) === 0);
    return valid ? null : "OFPBAC_MATCH_INCONSISTENT";
  },
  wire: (a) => [a],
};

export const gotoTable: ActionOp<GotoTableAction> = {
  name: "goto_table",
  instruction: "goto_table",
  parse: (arg, ctx) => {
    const t = parseTable(arg, ctx.names);
    if (t === undefined) fail(ctx, `unknown table "${arg}"`);
    return { type: "goto_table", table: t };
  },
  format: (a, ctx) => `goto_table:${formatTableId(a.table, ctx.names?.tables)}`,
  check: (a, ctx) => (ctx.tableId !== 255 && a.table <= ctx.tableId ? "OFPBIC_BAD_TABLE_ID" : null),
  wire: (a, ctx) =>
    ctx.version === 10 ? [{ type: "resubmit", inPort: OFPP_IN_PORT, table: a.table, withCt: false }] : [a],
};

export const writeMetadata: ActionOp<WriteMetadataAction> = {
  name: "write_metadata",
  instruction: "write_metadata",
  parse: (arg, ctx) => {
    ctx.usable &= P_NXM_OF11_UP;
    const slash = arg.indexOf("/");
    const mask = slash < 0 ? U64_MAX : strToU64Or(ctx, arg.slice(slash + 1));
    const metadata = strToU64Or(ctx, slash < 0 ? arg : arg.slice(0, slash));
    return { type: "write_metadata", metadata, mask };
  },
  format: (a) => `write_metadata:${hex(a.metadata)}${a.mask === U64_MAX ? "" : `/${hex(a.mask)}`}`,
  check: () => null,
  wire: (a) => [a],
};

export const clearActions: ActionOp<ClearActionsAction> = {
  name: "clear_actions",
  instruction: "clear_actions",
  parse: () => ({ type: "clear_actions" }),
  format: () => "clear_actions",
  check: () => null,
  wire: (a, ctx) => (ctx.version === 10 ? [] : [a]),
};

/**
 * The actions that set or move a field (OVS's OFPACT_SET_FIELD class in
 * ofpacts_execute_action_set): an action set runs them all, in order.
 */
export const SET_OR_MOVE_ACTIONS: ReadonlySet<ActionType> = new Set<ActionType>([
  "set_field",
  "reg_move",
  "set_eth_src",
  "set_eth_dst",
  "set_ip_dscp",
  "set_ip_ecn",
  "set_ip_ttl",
  "set_ipv4_src",
  "set_ipv4_dst",
  "set_l4_src_port",
  "set_l4_dst_port",
  "set_mpls_label",
  "set_mpls_tc",
  "set_mpls_ttl",
  "set_tunnel",
  "set_vlan_pcp",
  "set_vlan_vid",
]);

/**
 * The actions an OpenFlow 1.1+ action set may hold (OVS's
 * ofpact_is_allowed_in_actions_set): the switch refuses a Write-Actions with any
 * other (`push`, `learn`, `note`...) with OFPBAC_BAD_TYPE.
 */
const ALLOWED_IN_ACTION_SET: ReadonlySet<ActionType> = new Set<ActionType>([
  "strip_vlan",
  "pop_mpls",
  "push_mpls",
  "push_vlan",
  "dec_ttl",
  "dec_mpls_ttl",
  "ct",
  "ct_clear",
  "resubmit",
  "output",
  "group",
  "set_queue",
  ...SET_OR_MOVE_ACTIONS,
]);

export const writeActions: ActionOp<WriteActionsAction> = {
  name: "write_actions",
  instruction: "write_actions",
  parse: (arg, ctx) => ({ type: "write_actions", actions: ctx.parseNested(arg, "write_actions") }),
  format: (a, ctx) => `write_actions(${ctx.formatList(a.actions)})`,
  // An action set cannot be checked for consistency: its usable formats are dropped.
  check: (a, ctx) => ctx.checkNested(a.actions, ctx, false),
  // OpenFlow 1.0 has no action set; an empty Write-Actions instruction decodes as nothing.
  wire: (a, ctx) => {
    const actions = ctx.wireList(a.actions);
    if (ctx.version !== 10 && actions.some((w) => !ALLOWED_IN_ACTION_SET.has(w.type))) throw new WireDecodeError("OFPBAC_BAD_TYPE");
    return ctx.version === 10 || actions.length === 0 ? [] : [{ type: "write_actions", actions }];
  },
};

export const meter: ActionOp<MeterAction> = {
  name: "meter",
  instruction: "meter",
  parse: (arg, ctx) => {
    ctx.usable &= P_OF13_UP;
    return { type: "meter", meterId: strToU32(ctx, arg) };
  },
  format: (a) => `meter:${a.meterId}`,
  check: (a) => (a.meterId === 0 || a.meterId > OFPM13_MAX ? "OFPMMFC_INVALID_METER" : null),
  wire: (a, ctx) => (ctx.version >= 13 ? [a] : []),
};
