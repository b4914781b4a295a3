/**
 * Actions that send the packet somewhere: output (to a port, to the port in a
 * subfield, truncated), enqueue, controller and group (OVS's OUTPUT,
 * OUTPUT_REG, OUTPUT_TRUNC, ENQUEUE, CONTROLLER, GROUP).
 */
import { keyValuePairs } from "../flowtable/flow-mod-parse.js";
import {
  OFPP_CONTROLLER,
  OFPP_IN_PORT,
  OFPP_LOCAL,
  OFPP_MAX,
  OFPP_NONE,
  OFPP_TABLE,
  OFPP_NORMAL,
  OFPP_FLOOD,
  OFPP_ALL,
  formatPort,
  parsePort,
} from "../flowtable/ports.js";
import { formatSubfield, parseSubfield } from "../flowtable/subfield.js";
import type { ActionOp, CheckContext, ParseContext } from "./action-op.js";
import { fail } from "./action-op.js";
import type {
  Action,
  ControllerAction,
  EnqueueAction,
  GroupAction,
  OutputAction,
  OutputRegAction,
  OutputTruncAction,
  PacketInReason,
} from "./action-types.js";
import { checkSource } from "./subfield-check.js";
import { formatHexBytes, parseHexBytes, strToU16, strToU32 } from "./parse-util.js";

/** NX_CTLR_NO_METER: a controller action without a meter. */
export const NO_METER = 0xffffffff;
const ETH_HEADER_LEN = 14;

/** OVS's `ofpact_check_output_port` with max_ports = OFPP_MAX. */
export function checkOutputPort(port: number): string | null {
  if ([OFPP_IN_PORT, OFPP_TABLE, OFPP_NORMAL, OFPP_FLOOD, OFPP_ALL, OFPP_CONTROLLER, OFPP_LOCAL].includes(port)) return null;
  if (port === OFPP_NONE) return "OFPBAC_BAD_OUT_PORT";
  return port < OFPP_MAX ? null : "OFPBAC_BAD_OUT_PORT";
}

function parseTrunc(arg: string, ctx: ParseContext): OutputTruncAction {
  let port = 0;
  let maxLen = 0;
  for (const [key, value] of keyValuePairs(arg)) {
    if (key === "port") {
      const p = parsePort(value, ctx.names);
      if (p === undefined) fail(ctx, `output to unknown truncate port: ${value}`);
      if (p > OFPP_MAX && p !== OFPP_LOCAL && p !== OFPP_IN_PORT) fail(ctx, `output to unsupported truncate port: ${value}`);
      port = p;
    } else if (key === "max_len") {
      maxLen = strToU32(ctx, value);
      if (maxLen < ETH_HEADER_LEN) fail(ctx, `max_len ${maxLen} is less than the minimum value ${ETH_HEADER_LEN}`);
    } else {
      fail(ctx, `invalid key '${key}' in output_trunc argument`);
    }
  }
  return { type: "output_trunc", port, maxLen };
}

/** OVS's `parse_OUTPUT`: a port, `port=..,max_len=..` (truncate) or a subfield. */
export function parseOutput(arg: string, ctx: ParseContext): Action {
  if (arg.includes("port") && arg.includes("max_len")) return parseTrunc(arg, ctx);
  const port = parsePort(arg, ctx.names);
  if (port !== undefined) return { type: "output", port, maxLen: port === OFPP_CONTROLLER ? 0xffff : 0 };
  const sf = parseSubfield(arg);
  if (sf.ok) return { type: "output_reg", src: sf.sf, maxLen: 0xffff };
  return fail(ctx, `${arg}: output to unknown port`);
}

export const output: ActionOp<OutputAction> = {
  name: "output",
  instruction: "apply_actions",
  parse: parseOutput,
  format: (a, ctx) =>
    `${a.port < OFPP_MAX ? "output:" : ""}${formatPort(a.port, ctx.names)}${a.port === OFPP_CONTROLLER ? `:${a.maxLen}` : ""}`,
  check: (a) => checkOutputPort(a.port),
  wire: (a) => [a],
};

export const outputReg: ActionOp<OutputRegAction> = {
  name: "output_reg",
  instruction: "apply_actions",
  parse: parseOutput,
  format: (a) => `output:${formatSubfield(a.src)}`,
  check: (a, ctx: CheckContext) => checkSource(a.src, ctx.flow),
  wire: (a) => [a],
};

export const outputTrunc: ActionOp<OutputTruncAction> = {
  name: "output_trunc",
  instruction: "apply_actions",
  // OVS exposes truncation only as output(port=..,max_len=..).
  parse: (arg, ctx) => fail(ctx, `unknown action ${arg}`),
  format: (a, ctx) => `output(port=${formatPort(a.port, ctx.names)},max_len=${a.maxLen})`,
  check: (a) => checkOutputPort(a.port),
  wire: (a) => [a],
};

export const enqueue: ActionOp<EnqueueAction> = {
  name: "enqueue",
  instruction: "apply_actions",
  parse: (arg, ctx) => {
    // strtok_r(arg, ":q,"): the port is the first token, the queue all that follows its delimiter.
    const delims = ":q,";
    let i = 0;
    while (i < arg.length && delims.includes(arg[i] as string)) i++;
    let j = i;
    while (j < arg.length && !delims.includes(arg[j] as string)) j++;
    const portText = arg.slice(i, j);
    const queueText = arg.slice(j + 1);
    if (portText === "" || queueText === "") {
      fail(ctx, '"enqueue" syntax is "enqueue:PORT:QUEUE" or "enqueue(PORT,QUEUE)"');
    }
    const port = parsePort(portText, ctx.names);
    if (port === undefined) fail(ctx, `${portText}: enqueue to unknown port`);
    return { type: "enqueue", port, queue: strToU32(ctx, queueText) };
  },
  format: (a, ctx) => `enqueue:${formatPort(a.port, ctx.names)}:${a.queue}`,
  check: (a) => (a.port >= OFPP_MAX && a.port !== OFPP_IN_PORT && a.port !== OFPP_LOCAL ? "OFPBAC_BAD_OUT_PORT" : null),
  // OpenFlow 1.1+ has no enqueue: OVS sends set_queue, output, pop_queue.
  wire: (a, ctx) =>
    ctx.version === 10
      ? [a]
      : [
          { type: "set_queue", queueId: a.queue },
          { type: "output", port: a.port, maxLen: 0xffff },
          { type: "pop_queue" },
        ],
};

const REASONS: readonly PacketInReason[] = ["no_match", "action", "invalid_ttl", "action_set", "group", "packet_out"];

export const controller: ActionOp<ControllerAction> = {
  name: "controller",
  instruction: "apply_actions",
  parse: (arg, ctx) => {
    let reason: PacketInReason = "action";
    let controllerId = 0;
    let maxLen = 0xffff;
    let meterId = NO_METER;
    let userdata: number[] | null = null;
    let pause = false;
    if (arg !== "" && /^\d+$/.test(arg)) {
      maxLen = strToU16(ctx, arg, "max_len");
    } else if (arg !== "") {
      for (const [name, value] of keyValuePairs(arg)) {
        if (name === "reason") {
          const r = REASONS.find((x) => x === value.toLowerCase());
          if (r === undefined) fail(ctx, `unknown reason "${value}"`);
          reason = r;
        } else if (name === "max_len") {
          maxLen = strToU16(ctx, value, "max_len");
        } else if (name === "id") {
          controllerId = strToU16(ctx, value, "id");
        } else if (name === "userdata") {
          const hex = parseHexBytes(value);
          if (!hex.complete) fail(ctx, "bad hex digit in `controller' action `userdata'");
          userdata = hex.bytes;
        } else if (name === "pause") {
          pause = true;
        } else if (name === "meter_id") {
          meterId = strToU32(ctx, value);
        } else {
          fail(ctx, `unknown key "${name}" parsing controller action`);
        }
      }
    }
    if (reason === "action" && controllerId === 0 && userdata === null && !pause && meterId === NO_METER) {
      return { type: "output", port: OFPP_CONTROLLER, maxLen };
    }
    return { type: "controller", maxLen, reason, controllerId, userdata: userdata ?? [], pause, meterId };
  },
  format: (a) => {
    if (a.reason === "action" && a.controllerId === 0 && a.userdata.length === 0 && !a.pause && a.meterId === NO_METER) {
      return `CONTROLLER:${a.maxLen}`;
    }
    const parts: string[] = [];
    if (a.reason !== "action") parts.push(`reason=${a.reason === "explicit_miss" || a.reason === "implicit_miss" ? "" : a.reason}`);
    if (a.maxLen !== 0xffff) parts.push(`max_len=${a.maxLen}`);
    if (a.controllerId !== 0) parts.push(`id=${a.controllerId}`);
    if (a.userdata.length > 0) parts.push(`userdata=${formatHexBytes(a.userdata)}`);
    if (a.pause) parts.push("pause");
    if (a.meterId !== NO_METER) parts.push(`meter_id=${a.meterId}`);
    return `controller(${parts.join(",")})`;
  },
  check: () => null,
  wire: (a) => [a],
};

export const group: ActionOp<GroupAction> = {
  name: "group",
  instruction: "apply_actions",
  parse: (arg, ctx) => ({ type: "group", groupId: strToU32(ctx, arg) }),
  format: (a) => `group:${a.groupId}`,
  check: () => null,
  wire: (a) => [a],
};
