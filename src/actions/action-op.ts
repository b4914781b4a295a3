/**
 * The shape of one row of the per-action table (`action-ops.ts`), modelled on
 * OVS's `parse_XXX` / `format_XXX` / `check_XXX` / `encode_XXX` + `decode_XXX`
 * families in `lib/ofp-actions.c`, and the contexts those functions get.
 *
 * Nested actions (clone, write_actions, ct's exec) go back through the list
 * functions, which the contexts carry as callbacks, so that a row never imports
 * the list code (no import cycles).
 */
import { FlowParseError } from "../flowtable/errors.js";
import type { Match } from "../flowtable/match.js";
import type { PortNameMap } from "../flowtable/ports.js";
import type { Action, ActionList, ActionType } from "./action-types.js";
import type { FlowView } from "./flow-view.js";

/**
 * OpenFlow instructions in the order OVS requires them (OVS's `enum
 * ovs_instruction_type`); every plain action belongs to apply_actions.
 */
export const INSTRUCTIONS = ["meter", "apply_actions", "clear_actions", "write_actions", "write_metadata", "goto_table"] as const;
export type Instruction = (typeof INSTRUCTIONS)[number];

export interface ParseContext {
  readonly names: PortNameMap | undefined;
  /** The whole action text, for error reports. */
  readonly text: string;
  /**
   * Flow formats that can carry what was parsed so far (OVS's
   * `usable_protocols`); parse functions narrow it.
   */
  usable: number;
  /**
   * Parses a nested action list as OVS's `ofpacts_parse_copy` (which, as in
   * OVS, restarts `usable` from "any": see `action-parse.ts`).
   */
  parseNested(text: string, outer: ActionType): ActionList;
}

export interface FormatContext {
  readonly names: PortNameMap | undefined;
  formatList(list: ActionList): string;
}

/** OVS's `struct ofpact_check_params`. */
export interface CheckContext {
  /** The flow as the actions so far leave it (OVS temporarily edits the match's flow). */
  readonly flow: FlowView;
  /** The flow's match, for prerequisite checks of subfields. */
  readonly match: Match;
  /** Narrowed when actions and match are inconsistent (OpenFlow 1.0 tolerates that). */
  usable: number;
  /** Table of the flow (255 = not given). */
  readonly tableId: number;
  /** Checks a nested list with a copy of this context; returns an ofperr name or null. */
  checkNested(list: ActionList, into: CheckContext, keepUsable: boolean): string | null;
}

/** OpenFlow wire version numbers as OVS names them (1.0 = 10, 1.3 = 13...). */
export type WireVersion = 10 | 11 | 12 | 13 | 14 | 15;

/**
 * Encoding for a version and decoding back (what the far end of a connection
 * holds). `before` is the flow as the preceding actions leave it (OVS's
 * `flow_has_vlan` / `flow_ip_proto` annotations from `ofpacts_check`).
 */
export interface WireContext {
  readonly version: WireVersion;
  readonly before: FlowView;
  /** Encodes and decodes a nested list (clone, write_actions, ct). */
  wireList(list: ActionList): ActionList;
}

/** Thrown by a wire round trip when the receiver would refuse the encoding (`decode_XXX` errors). */
export class WireDecodeError extends Error {
  readonly ofperr: string;
  constructor(ofperr: string) {
    super(ofperr);
    this.ofperr = ofperr;
  }
}

export interface ActionOp<A extends Action> {
  /** OVS's ofpact name (`ofpact_name`), also the keyword that parses it. */
  readonly name: string;
  readonly instruction: Instruction;
  /** OVS's `parse_XXX`; may produce another type (`controller` without options is an output). */
  parse(arg: string, ctx: ParseContext): Action;
  format(a: A, ctx: FormatContext): string;
  /** OVS's `check_XXX`: an ofperr name, or null; may narrow `ctx.usable` and edit `ctx.flow`. */
  check(a: A, ctx: CheckContext): string | null;
  /** `encode_XXX` for `ctx.version` then `decode_XXX`: what the receiver holds. */
  wire(a: A, ctx: WireContext): ActionList;
}

/** Throws OVS's parse error text for the action text being parsed. */
export function fail(ctx: ParseContext, message: string): never {
  throw new FlowParseError(message, ctx.text);
}
