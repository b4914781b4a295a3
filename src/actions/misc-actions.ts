/**
 * Small actions with no family of their own: set_tunnel / set_tunnel64,
 * set_queue, pop_queue, note, exit, fin_timeout, conjunction, clone and
 * ct_clear.
 */
import { FIELDS } from "../flowtable/fields.js";
import { keyValuePairs } from "../flowtable/flow-mod-parse.js";
import type { ActionOp } from "./action-op.js";
import { fail } from "./action-op.js";
import type {
  CloneAction,
  ConjunctionAction,
  CtClearAction,
  ExitAction,
  FinTimeoutAction,
  NoteAction,
  PopQueueAction,
  SetQueueAction,
  SetTunnelAction,
} from "./action-types.js";
import { setFieldOf } from "./header-actions.js";
import { inconsistent } from "./vlan-actions.js";
import { formatHexBytes, hex, parseHexBytes, strToU16, strToU32, strToU64Or } from "./parse-util.js";
import { IPPROTO } from "../flowtable/protocols.js";


export const setTunnel: ActionOp<SetTunnelAction> = {
  name: "set_tunnel",
  instruction: "apply_actions",
  parse: (arg, ctx) => ({ type: "set_tunnel", tunId: strToU64Or(ctx, arg), is64: false }),
  format: (a) => `set_tunnel${a.tunId > 0xffffffffn || a.is64 ? "64" : ""}:${hex(a.tunId)}`,
  check: () => null,
  wire: (a, ctx) =>
    ctx.version < 12 ? [{ ...a, is64: a.is64 || a.tunId > 0xffffffffn }] : [setFieldOf(FIELDS.tun_id, a.tunId)],
};

export const setQueue: ActionOp<SetQueueAction> = {
  name: "set_queue",
  instruction: "apply_actions",
  parse: (arg, ctx) => ({ type: "set_queue", queueId: strToU32(ctx, arg) }),
  format: (a) => `set_queue:${a.queueId}`,
  check: () => null,
  wire: (a) => [a],
};

export const popQueue: ActionOp<PopQueueAction> = {
  name: "pop_queue",
  instruction: "apply_actions",
  parse: () => ({ type: "pop_queue" }),
  format: () => "pop_queue",
  check: () => null,
  wire: (a) => [a],
};

/** NXAST_NOTE: a 10-byte header, then the bytes, zero-padded to a multiple of 8 in all. */
const NOTE_HEADER = 10;

export const note: ActionOp<NoteAction> = {
  name: "note",
  instruction: "apply_actions",
  parse: (arg, ctx) => {
    const hexBytes = parseHexBytes(arg);
    if (!hexBytes.complete) fail(ctx, "bad hex digit in `note' argument");
    return { type: "note", data: hexBytes.bytes };
  },
  format: (a) => `note:${formatHexBytes(a.data)}`,
  check: () => null,
  wire: (a) => {
    const padded = Math.ceil((NOTE_HEADER + a.data.length) / 8) * 8 - NOTE_HEADER;
    return [{ type: "note", data: [...a.data, ...new Array<number>(padded - a.data.length).fill(0)] }];
  },
};

export const exit: ActionOp<ExitAction> = {
  name: "exit",
  instruction: "apply_actions",
  parse: () => ({ type: "exit" }),
  format: () => "exit",
  check: () => null,
  wire: (a) => [a],
};

export const ctClear: ActionOp<CtClearAction> = {
  name: "ct_clear",
  instruction: "apply_actions",
  parse: () => ({ type: "ct_clear" }),
  format: () => "ct_clear",
  check: () => null,
  wire: (a) => [a],
};

export const finTimeout: ActionOp<FinTimeoutAction> = {
  name: "fin_timeout",
  instruction: "apply_actions",
  parse: (arg, ctx) => {
    let idleTimeout = 0;
    let hardTimeout = 0;
    for (const [key, value] of keyValuePairs(arg)) {
      if (key === "idle_timeout") idleTimeout = strToU16(ctx, value, key);
      else if (key === "hard_timeout") hardTimeout = strToU16(ctx, value, key);
      else fail(ctx, `invalid key '${key}' in 'fin_timeout' argument`);
    }
    return { type: "fin_timeout", idleTimeout, hardTimeout };
  },
  format: (a) => {
    const parts: string[] = [];
    if (a.idleTimeout !== 0) parts.push(`idle_timeout=${a.idleTimeout}`);
    if (a.hardTimeout !== 0) parts.push(`hard_timeout=${a.hardTimeout}`);
    return `fin_timeout(${parts.join(",")})`;
  },
  check: (_a, ctx) => {
    if (ctx.flow.nwProto !== IPPROTO.TCP) inconsistent(ctx);
    return null;
  },
  wire: (a) => [a],
};

/**
 * `conjunction(id, k/n)` scanned as OVS's `"%i , %hhu / %hhu %n"`: C integer
 * syntax for the id (wrapping to 32 bits), free white space around the
 * punctuation, 8-bit clause numbers.
 */
const CONJUNCTION = /^\s*([+-]?(?:0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*))\s*,\s*\+?(\d+)\s*\/\s*\+?(\d+)\s*$/;

function cInt(s: string): bigint {
  const neg = s.startsWith("-");
  const body = s.replace(/^[+-]/, "");
  const v = body.startsWith("0x") || body.startsWith("0X") ? BigInt(body) : body.length > 1 && body.startsWith("0") ? BigInt(`0o${body.slice(1)}`) : BigInt(body);
  return neg ? -v : v;
}

export const conjunction: ActionOp<ConjunctionAction> = {
  name: "conjunction",
  instruction: "apply_actions",
  parse: (arg, ctx) => {
    const m = CONJUNCTION.exec(arg);
    if (!m) fail(ctx, '"conjunction" syntax is "conjunction(id,i/n)"');
    const id = Number(BigInt.asUintN(32, cInt(m[1] as string)));
    const clause = Number(BigInt(m[2] as string) & 0xffn);
    const nClauses = Number(BigInt(m[3] as string) & 0xffn);
    if (nClauses < 2) fail(ctx, "conjunction must have at least 2 clauses");
    if (nClauses > 64) fail(ctx, "conjunction must have at most 64 clauses");
    if (clause < 1) fail(ctx, "clause index must be positive");
    if (clause > nClauses) fail(ctx, "clause index must be less than or equal to number of clauses");
    return { type: "conjunction", id, clause, nClauses };
  },
  format: (a) => `conjunction(${a.id},${a.clause}/${a.nClauses})`,
  check: () => null,
  wire: (a) => [a],
};

export const clone: ActionOp<CloneAction> = {
  name: "clone",
  instruction: "apply_actions",
  parse: (arg, ctx) => ({ type: "clone", actions: ctx.parseNested(arg, "clone") }),
  format: (a, ctx) => `clone(${ctx.formatList(a.actions)})`,
  check: (a, ctx) => ctx.checkNested(a.actions, ctx, true),
  wire: (a, ctx) => [{ type: "clone", actions: ctx.wireList(a.actions) }],
};
