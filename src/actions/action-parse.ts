/**
 * Action text to an action list, as OVS's `ofpacts_parse__` /
 * `ofpacts_parse_instructions`: key/value pairs, each an action keyword (or
 * one of the extra spellings OVS accepts: `mod_vlan_vid`, `load`, `pop_vlan`,
 * ...), a bare port (`1`, `NORMAL`, `br0`), or `drop`; then OVS's
 * `ofpacts_verify`: instruction order, conjunction exclusivity and what may be
 * nested where, with OVS's messages.
 */
import { FlowParseError } from "../flowtable/errors.js";
import { keyValuePairs } from "../flowtable/flow-mod-parse.js";
import { P, P_ANY } from "../flowtable/openflow-protocols.js";
import type { PortNameMap } from "../flowtable/ports.js";
import { parsePort } from "../flowtable/ports.js";
import type { Instruction, ParseContext } from "./action-op.js";
import { INSTRUCTIONS } from "./action-op.js";
import { ACTION_OPS, OPS_BY_KEYWORD, opOf } from "./action-ops.js";
import type { Action, ActionList, ActionType } from "./action-types.js";
import { parseBundleLoad } from "./bundle-action.js";
import { parseLoad } from "./field-actions.js";
import { fieldRequiresCt } from "./field-text.js";
import { parseVlanPcp, parseVlanVid } from "./vlan-actions.js";

/** OVS's MAX_OFPACT_PARSE_DEPTH. */
const MAX_PARSE_DEPTH = 100;

export interface ParseOutcome {
  readonly actions: ActionList;
  /** Flow formats that can carry the actions (before checking them against a match). */
  readonly usableProtocols: number;
}

/** Extra spellings `ofpacts_parse__` handles itself (a Map: keywords come from the user, and `constructor` must not find Object's). */
const SPECIAL: ReadonlyMap<string, (arg: string, ctx: ParseContext) => Action> = new Map<string, (arg: string, ctx: ParseContext) => Action>([
  ["mod_vlan_vid", (arg, ctx) => parseVlanVid(arg, true, ctx)],
  ["mod_vlan_pcp", (arg, ctx) => parseVlanPcp(arg, true, ctx)],
  ["set_nw_ttl", (arg, ctx) => ACTION_OPS.set_ip_ttl.parse(arg, ctx)],
  ["pop_vlan", () => ({ type: "strip_vlan", pop: true })],
  [
    "set_tunnel64",
    (arg, ctx) => {
      const a = ACTION_OPS.set_tunnel.parse(arg, ctx);
      return a.type === "set_tunnel" ? { ...a, is64: true } : a;
    },
  ],
  ["load", parseLoad],
  ["bundle_load", parseBundleLoad],
]);

function instructionOf(a: Action): Instruction {
  return opOf(a).instruction;
}

function verifyError(text: string, message: string): never {
  throw new FlowParseError(message, text);
}

/** OVS's `ofpacts_verify_nested`. */
function verifyNested(a: Action, outer: ActionType | null, text: string): void {
  const field = a.type === "set_field" ? a.field : a.type === "reg_move" ? a.dst.field : null;
  if (field !== null && fieldRequiresCt(field) && outer !== "ct") verifyError(text, "cannot set CT fields outside of ct action");
  if (a.type === "nat") {
    if (outer !== "ct") verifyError(text, 'Cannot have NAT action outside of "ct" action');
    return;
  }
  if (outer === null) return;
  const outerName = ACTION_OPS[outer].name;
  if (outer === "ct") {
    if (field === null) verifyError(text, `${outerName} action doesn't support nested action ${opOf(a).name}`);
    if (!fieldRequiresCt(field)) verifyError(text, `${outerName} action doesn't support nested modification of ${field.name}`);
  }
  if (a.type === "meter") verifyError(text, `${outerName} action doesn't support nested action meter`);
}

/** OVS's `ofpacts_verify`. */
function verify(list: ActionList, allowInstructions: boolean, outer: ActionType | null, text: string): void {
  let inst = 0;
  for (let i = 0; i < list.length; i++) {
    const a = list[i] as Action;
    if (a.type === "conjunction") {
      const other = list.find((x) => x.type !== "conjunction" && x.type !== "note");
      if (other !== undefined) {
        verifyError(
          text,
          `"conjunction" actions may be used along with "note" but not any other kind of action (such as the "${opOf(other).name}" action used here)`,
        );
      }
      return;
    }
    verifyNested(a, outer, text);
    const next = INSTRUCTIONS.indexOf(instructionOf(a));
    const apply = INSTRUCTIONS.indexOf("apply_actions");
    if (i > 0 && (inst === apply ? next < inst : next <= inst)) {
      const name = INSTRUCTIONS[inst] as string;
      const nextName = INSTRUCTIONS[next] as string;
      verifyError(
        text,
        next === inst
          ? `duplicate ${name} instruction not allowed, for OpenFlow 1.1+ compatibility`
          : `invalid instruction ordering: ${nextName} must appear before ${name}, for OpenFlow 1.1+ compatibility`,
      );
    }
    if (!allowInstructions && next !== apply && INSTRUCTIONS[next] !== "meter") {
      verifyError(text, `${INSTRUCTIONS[next] as string} instruction not allowed here`);
    }
    inst = next;
  }
}

function parseList(text: string, ctx: ParseContext, allowInstructions: boolean, outer: ActionType | null, depth: number): ActionList {
  if (depth >= MAX_PARSE_DEPTH) throw new FlowParseError("Action nested too deeply", ctx.text);
  const out: Action[] = [];
  let drop = false;
  const nested: ParseContext = {
    names: ctx.names,
    text: ctx.text,
    get usable() {
      return ctx.usable;
    },
    set usable(v: number) {
      ctx.usable = v;
    },
    parseNested: (inner, innerOuter) => {
      if (innerOuter === "write_actions") return parseList(inner, nested, false, innerOuter, depth + 1);
      // ofpacts_parse_copy starts the usable formats over from "any" (for clone, OVS
      // thereby forgets what the actions before it needed; ct's exec folds them back).
      const saved = ctx.usable;
      ctx.usable = P_ANY;
      const list = parseList(inner, nested, false, innerOuter, depth + 1);
      if (innerOuter === "ct") ctx.usable &= saved;
      return list;
    },
  };
  for (const [key, value] of keyValuePairs(text)) {
    const k = key.toLowerCase();
    const op = OPS_BY_KEYWORD.get(k);
    const special = SPECIAL.get(k);
    if (op !== undefined) {
      out.push(op.parse(value, nested));
      if (op.name === "meter" && !allowInstructions) ctx.usable &= P.OF15_OXM;
    } else if (special !== undefined) {
      out.push(special(value, nested));
    } else if (k === "drop") {
      drop = true;
    } else if (k === "apply_actions") {
      throw new FlowParseError("apply_actions is the default instruction", ctx.text);
    } else {
      const port = parsePort(key, ctx.names);
      if (port === undefined) throw new FlowParseError(`unknown action ${key}`, ctx.text, key);
      out.push({ type: "output", port, maxLen: 0 });
    }
  }
  if (drop && out.length > 0) {
    throw new FlowParseError('"drop" must not be accompanied by any other action or instruction', ctx.text);
  }
  verify(out, allowInstructions, outer, ctx.text);
  return out;
}

/**
 * OVS's `ofpacts_verify` as a receiver applies it to decoded actions: the
 * error text, or null when the list is in a valid order.
 */
export function verifyDecoded(list: ActionList): string | null {
  try {
    verify(list, true, null, "");
    return null;
  } catch (e) {
    if (e instanceof FlowParseError) return e.message;
    throw e;
  }
}

/**
 * Parses action text as ovs-ofctl parses a flow's `actions=` (instructions
 * allowed). Throws FlowParseError with OVS's message.
 */
export function parseActionText(text: string, names?: PortNameMap): ParseOutcome {
  const ctx: ParseContext = {
    names,
    text,
    usable: P_ANY,
    parseNested: () => [],
  };
  const actions = parseList(text, ctx, true, null, 0);
  return { actions, usableProtocols: ctx.usable };
}

/**
 * Parses an action list as OVS's `ofpacts_parse_actions` (a packet-out's
 * actions): instructions are refused (`goto_table instruction not allowed here`).
 */
export function parseApplyActionText(text: string, names?: PortNameMap): ParseOutcome {
  const ctx: ParseContext = {
    names,
    text,
    usable: P_ANY,
    parseNested: () => [],
  };
  const actions = parseList(text, ctx, false, null, 0);
  return { actions, usableProtocols: ctx.usable };
}
