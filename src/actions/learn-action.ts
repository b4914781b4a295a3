/**
 * `learn(...)`: adds or modifies a flow from the packet being processed (OVS's
 * `lib/learn.c`). This file parses, prints and checks the action; executing
 * it comes with translation.
 *
 * A spec is one of: `F[a..b]` / `F[a..b]=G[c..d]` (match the learned flow's F
 * on the packet's G, or on its own F), `F=value` (match on a constant),
 * `load:G->F` / `load:value->F` (the learned flow's actions load F) and
 * `output:G` (the learned flow outputs to the port in G).
 */
import { allOnes, parseIntString } from "../flowtable/field-values.js";
import { parseFieldValue } from "../flowtable/field-parse.js";
import { keyValuePairs } from "../flowtable/flow-mod-parse.js";
import { Match } from "../flowtable/match.js";
import type { Subfield } from "../flowtable/subfield.js";
import { formatSubfield, parseSubfield, parseSubfieldPrefix } from "../flowtable/subfield.js";
import type { ActionOp, ParseContext } from "./action-op.js";
import { fail } from "./action-op.js";
import type { LearnAction, LearnSpec } from "./action-types.js";
import { formatFieldValue, hasNxmHeader } from "./field-text.js";
import { FlowView } from "./flow-view.js";
import { formatTableId } from "../flowtable/table-names.js";
import { atoi, hex, parseTable, strtoullLoose } from "./parse-util.js";
import { checkDest, checkSource } from "./subfield-check.js";

const DEFAULT_PRIORITY = 0x8000;
/** OFP_FLOW_PERMANENT. */
const PERMANENT = 0;

function isWholeField(sf: Subfield): boolean {
  return sf.ofs === 0 && sf.nBits === sf.field.nBits;
}

/** The immediate in `dst=value` (OVS's learn_parse_spec, immediate branch): value or error text. */
function parseImmediate(orig: string, dst: Subfield, value: string, ctx: ParseContext): bigint | { error: string } {
  if (isWholeField(dst)) {
    const p = parseFieldValue(dst.field, value, ctx.names);
    if (!p.ok) return { error: p.error };
    if (p.mask !== allOnes(dst.field.nBytes * 8)) return { error: `${value}: wildcards not allowed here` };
    return p.value;
  }
  const v = parseIntString(value, 0, dst.field.nBytes);
  if (typeof v === "string" || v.end !== value.length) return { error: `${orig}: cannot parse integer value` };
  if (v.value >> BigInt(dst.nBits) !== 0n) {
    return { error: `${orig}: value ${formatFieldValue(dst.field, v.value, undefined, ctx.names)} does not fit into ${dst.nBits} bits` };
  }
  return v.value;
}

function parseLoadSpec(name: string, value: string, ctx: ParseContext): LearnSpec {
  const arrow = value.indexOf("->");
  if (arrow === 0) fail(ctx, `${name}: missing source before \`->' in \`${value}'`);
  if (arrow < 0) fail(ctx, `${name}: missing \`->' in \`${value}'`);
  // Into a union mf_subvalue (128 bytes): a value too wide for its destination is refused after.
  const imm = parseIntString(value, 0, 128);
  if (typeof imm !== "string") {
    if (imm.end !== arrow) fail(ctx, `${name}: garbage before \`->' in \`${value}'`);
    const dstText = value.slice(arrow + 2);
    const dst = parseSubfield(dstText);
    if (!dst.ok) fail(ctx, dst.error);
    if (!hasNxmHeader(dst.sf.field)) fail(ctx, `${value}: experimenter OXM field '${dstText}' not supported`);
    if (imm.value >> BigInt(dst.sf.nBits) !== 0n) fail(ctx, `${value}: value does not fit into ${dst.sf.nBits} bits`);
    return { kind: "load_imm", dst: dst.sf, value: imm.value };
  }
  const src = parseSubfieldPrefix(value);
  if (!src.ok) fail(ctx, src.error);
  if (!src.rest.startsWith("->")) fail(ctx, `${value}: missing \`->' following source`);
  const dst = parseSubfield(src.rest.slice(2));
  if (!dst.ok) fail(ctx, dst.error);
  if (src.sf.nBits !== dst.sf.nBits) {
    fail(ctx, `${value}: source field is ${src.sf.nBits} bits wide but destination is ${dst.sf.nBits} bits wide`);
  }
  return { kind: "load_field", src: src.sf, dst: dst.sf };
}

function parseSpec(orig: string, name: string, value: string, ctx: ParseContext): LearnSpec {
  const dst = parseSubfield(name);
  if (dst.ok) {
    if (!hasNxmHeader(dst.sf.field)) fail(ctx, `${orig}: experimenter OXM field '${name}' not supported`);
    if (value === "") return { kind: "match_field", dst: dst.sf, src: dst.sf };
    const src = parseSubfield(value);
    if (!src.ok) {
      const imm = parseImmediate(orig, dst.sf, value, ctx);
      if (typeof imm !== "bigint") {
        fail(ctx, `${orig}: ${name} value ${value} cannot be parsed as a subfield (${src.error}) or an immediate value (${imm.error})`);
      }
      return { kind: "match_imm", dst: dst.sf, value: imm };
    }
    if (src.sf.nBits !== dst.sf.nBits) {
      fail(ctx, `${orig}: bit widths of ${name} (${src.sf.nBits}) and ${value} (${dst.sf.nBits}) differ`);
    }
    return { kind: "match_field", dst: dst.sf, src: src.sf };
  }
  if (name === "load") return parseLoadSpec(name, value, ctx);
  if (name === "output") {
    const src = parseSubfield(value);
    if (!src.ok) fail(ctx, src.error);
    return { kind: "output", src: src.sf };
  }
  return fail(ctx, `${orig}: unknown keyword ${name}`);
}

function formatSpec(s: LearnSpec, names: ParseContext["names"]): string {
  switch (s.kind) {
    case "match_imm":
      return isWholeField(s.dst)
        ? `${s.dst.field.name}=${formatFieldValue(s.dst.field, s.value, undefined, names)}`
        : `${formatSubfield(s.dst)}=${hex(s.value)}`;
    case "match_field":
      return s.src.field === s.dst.field && s.src.ofs === s.dst.ofs
        ? formatSubfield(s.dst)
        : `${formatSubfield(s.dst)}=${formatSubfield(s.src)}`;
    case "load_imm":
      return `load:${hex(s.value)}->${formatSubfield(s.dst)}`;
    case "load_field":
      return `load:${formatSubfield(s.src)}->${formatSubfield(s.dst)}`;
    case "output":
      return `output:${formatSubfield(s.src)}`;
  }
}

/** Writes `value` into subfield `sf` of `match` (OVS's mf_write_subfield_value). */
function writeSubfield(match: Match, sf: Subfield, value: bigint): void {
  const cur = match.getField(sf.field);
  const bits = allOnes(sf.nBits) << BigInt(sf.ofs);
  match.setField(sf.field, (cur.value & ~bits) | (value << BigInt(sf.ofs)), cur.mask | bits);
}

export const learn: ActionOp<LearnAction> = {
  name: "learn",
  instruction: "apply_actions",
  parse: (arg, ctx) => {
    const orig = arg;
    let table = 1;
    let priority = DEFAULT_PRIORITY;
    let idleTimeout = PERMANENT;
    let hardTimeout = PERMANENT;
    let finIdleTimeout = 0;
    let finHardTimeout = 0;
    let cookie = 0n;
    let sendFlowRem = false;
    let deleteLearned = false;
    let limit = 0;
    let resultDst: Subfield | null = null;
    const specs: LearnSpec[] = [];
    const u16 = (v: string): number => atoi(v) & 0xffff;
    for (const [name, value] of keyValuePairs(arg)) {
      if (name === "table") {
        const t = parseTable(value, ctx.names);
        if (t === undefined) fail(ctx, `unknown table "${value}"`);
        if (t === 255) fail(ctx, `${orig}: table id 255 not valid for \`learn' action`);
        table = t;
      } else if (name === "priority") priority = u16(value);
      else if (name === "idle_timeout") idleTimeout = u16(value);
      else if (name === "hard_timeout") hardTimeout = u16(value);
      else if (name === "fin_idle_timeout") finIdleTimeout = u16(value);
      else if (name === "fin_hard_timeout") finHardTimeout = u16(value);
      else if (name === "cookie") cookie = strtoullLoose(value);
      else if (name === "send_flow_rem") sendFlowRem = true;
      else if (name === "delete_learned") deleteLearned = true;
      else if (name === "limit") limit = atoi(value) >>> 0;
      else if (name === "result_dst") {
        const sf = parseSubfield(value);
        if (!sf.ok) fail(ctx, sf.error);
        if (!sf.sf.field.writable) fail(ctx, `${value} is read-only`);
        if (sf.sf.nBits !== 1) fail(ctx, "result_dst in 'learn' action must be a single bit");
        resultDst = sf.sf;
      } else {
        specs.push(parseSpec(orig, name, value, ctx));
      }
    }
    return {
      type: "learn",
      table,
      priority,
      idleTimeout,
      hardTimeout,
      finIdleTimeout,
      finHardTimeout,
      cookie,
      sendFlowRem,
      deleteLearned,
      limit,
      resultDst,
      specs,
    };
  },
  format: (a, ctx) => {
    const parts = [`table=${formatTableId(a.table, ctx.names?.tables)}`];
    if (a.idleTimeout !== PERMANENT) parts.push(`idle_timeout=${a.idleTimeout}`);
    if (a.hardTimeout !== PERMANENT) parts.push(`hard_timeout=${a.hardTimeout}`);
    if (a.finIdleTimeout !== 0) parts.push(`fin_idle_timeout=${a.finIdleTimeout}`);
    if (a.finHardTimeout !== 0) parts.push(`fin_hard_timeout=${a.finHardTimeout}`);
    if (a.priority !== DEFAULT_PRIORITY) parts.push(`priority=${a.priority}`);
    if (a.sendFlowRem) parts.push("send_flow_rem");
    if (a.deleteLearned) parts.push("delete_learned");
    if (a.cookie !== 0n) parts.push(`cookie=${hex(a.cookie)}`);
    if (a.limit !== 0) parts.push(`limit=${a.limit}`);
    if (a.resultDst !== null) parts.push(`result_dst=${formatSubfield(a.resultDst)}`);
    for (const s of a.specs) parts.push(formatSpec(s, ctx.names));
    return `learn(${parts.join(",")})`;
  },
  check: (a, ctx) => {
    // OVS's learn_check: sources against the flow, destinations against the learned match so far.
    const learned = Match.catchall();
    for (const s of a.specs) {
      const dstView = FlowView.of(learned);
      if (s.kind === "match_field" || s.kind === "load_field" || s.kind === "output") {
        const e = checkSource(s.src, ctx.flow);
        if (e !== null) return e;
      }
      if (s.kind === "match_imm" || s.kind === "match_field") {
        const e = checkSource(s.dst, dstView);
        if (e !== null) return e;
        if (s.kind === "match_imm") writeSubfield(learned, s.dst, s.value);
      } else if (s.kind === "load_imm" || s.kind === "load_field") {
        const e = checkDest(s.dst, dstView);
        if (e !== null) return e;
      }
    }
    return null;
  },
  wire: (a) => [a],
};
