/**
 * Parses ovs-ofctl flow text (`table=1,priority=5,tcp,tp_dst=80,actions=drop`)
 * into a flow_mod description, as OVS's `parse_ofp_str__` does: the same
 * keywords per command, the same defaults, the same error texts. Actions are
 * returned as text; `src/actions` parses them.
 *
 * It also works out which flow formats can carry the flow (`usableProtocols`),
 * because ovs-ofctl picks one of them and that decides how the switch treats a
 * match whose prerequisites are missing (see `match-transmit.ts`).
 */
import { strToInt, strToU64 } from "./c-strto.js";
import { FlowParseError } from "./errors.js";
import { allOnes, cidrBits, parseIntString } from "./field-values.js";
import { parseFieldValue } from "./field-parse.js";
import type { FieldSpec } from "./fields.js";
import { FIELDS, fieldByName } from "./fields.js";
import { Match } from "./match.js";
import { fieldOf11Ok } from "./of11-match.js";
import { OFP_DEFAULT_PRIORITY } from "./match-format.js";
import type { PortNameMap } from "./ports.js";
import { OFPP_NONE, parsePort } from "./ports.js";
import {
  P,
  P_ANY,
  P_NXM_OF11_UP,
  P_NXM_OXM_ANY,
  P_OF11_UP,
  P_OF12_UP,
  P_OF13_UP,
  P_OF10_STD_ANY,
  P_TID,
} from "./openflow-protocols.js";
import { ETH_TYPE, PROTOCOL_SHORTHANDS } from "./protocols.js";
import { parseSubfieldPrefix } from "./subfield.js";
import { addTunMdField, parseTunMetadata, tunMetadataIndex } from "./tun-metadata-match.js";
import { TLV_MAX_OPT_SIZE } from "./tun-metadata-table.js";
import { parseTableId } from "./table-names.js";
import { MASK_IS_VALUE } from "./nxm-pull.js";

export type FlowModCommand = "add" | "modify" | "modify_strict" | "delete" | "delete_strict";

/** What the text is for: a flow_mod command, or a flow stats request (dump-flows filters). */
export type FlowTextPurpose = FlowModCommand | "stats";

/** Table id meaning "all tables" / "not given" (OVS's 0xff). */
export const TABLE_ALL = 0xff;
/** OFPG_ANY: no out_group filter. */
export const OFPG_ANY = 0xffffffff;

export interface FlowModFlags {
  sendFlowRem: boolean;
  checkOverlap: boolean;
  resetCounts: boolean;
  noPacketCounts: boolean;
  noByteCounts: boolean;
}

export interface ParsedFlow {
  readonly purpose: FlowTextPurpose;
  readonly match: Match;
  readonly priority: number;
  /** TABLE_ALL when not given. */
  readonly tableId: number;
  /** Cookie and mask to select flows (modify/delete/stats); mask 0 selects all. */
  readonly cookie: bigint;
  readonly cookieMask: bigint;
  /** Cookie to give added or modified flows; null keeps the flows' cookies. */
  readonly newCookie: bigint | null;
  /**
   * True when `cookie=` (without a mask) was given (ovs-ofctl's own flag). Whether
   * a modify replaces cookies depends on the flow format: see flow-mod-submit.ts.
   */
  readonly modifyCookie: boolean;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  readonly importance: number;
  readonly flags: FlowModFlags;
  readonly outPort: number;
  readonly outGroup: number;
  /** Action text after `actions=`, or null when the command takes none. */
  readonly actions: string | null;
  /** The flow formats that can express this flow (`openflow-protocols.ts`). */
  readonly usableProtocols: number;
}

const F_OUT_PORT = 1;
const F_ACTIONS = 2;
const F_IMPORTANCE = 4;
const F_TIMEOUT = 8;
const F_PRIORITY = 16;
const F_FLAGS = 32;

const KEYWORDS: Record<FlowTextPurpose, number> = {
  stats: F_OUT_PORT,
  add: F_ACTIONS | F_TIMEOUT | F_PRIORITY | F_FLAGS | F_IMPORTANCE,
  delete: F_OUT_PORT,
  delete_strict: F_OUT_PORT | F_PRIORITY,
  modify: F_ACTIONS | F_TIMEOUT | F_PRIORITY | F_FLAGS,
  modify_strict: F_ACTIONS | F_TIMEOUT | F_PRIORITY | F_FLAGS,
};

/**
 * Splits `key=value` pairs as OVS's `ofputil_parse_key_value`: separators are
 * commas and white space; a value runs to the next separator, or for `key(...)`
 * to the matching parenthesis. Yields [key, value, delimiter] (delimiter `=`,
 * `:`, `(` or "" for a bare key), so callers that care how a value was written
 * (group buckets) can tell.
 */
export function* keyValuePairs(s: string): Generator<[string, string, string]> {
  let i = 0;
  const isSep = (c: string | undefined): boolean => c !== undefined && ", \t\r\n".includes(c);
  while (i < s.length) {
    while (isSep(s[i])) i++;
    if (i >= s.length) return;
    let k = i;
    while (k < s.length && !":=(, \t\r\n".includes(s[k] as string)) k++;
    const key = s.slice(i, k);
    const delim = s[k] ?? "";
    i = k + (delim === "" ? 0 : 1);
    if (delim !== ":" && delim !== "=" && delim !== "(") {
      yield [key, "", ""];
      continue;
    }
    const end = delim === "(" ? ")" : ", \t\r\n";
    let v = i;
    let depth = 0;
    while (v < s.length && (depth > 0 || !end.includes(s[v] as string))) {
      if (s[v] === "(") depth++;
      else if (s[v] === ")") depth--;
      v++;
    }
    // OVS's special case `key(x)->y` (check_pkt_larger): the value is `x)->y`.
    if (delim === "(" && s[v] === ")" && s.startsWith("->", v + 1)) {
      while (v < s.length && (depth > 0 || !", \t\r\n".includes(s[v] as string))) {
        if (s[v] === "(") depth++;
        else if (s[v] === ")" && depth > 0) depth--;
        v++;
      }
    }
    yield [key, s.slice(i, v), delim];
    i = v + (v < s.length ? 1 : 0);
  }
}

function fieldOf10Ok(f: FieldSpec, mask: bigint): boolean {
  if (mask === 0n) return true;
  if (f.of10 === "none") return false;
  if (mask === allOnes(f.nBytes * 8)) return true;
  return f.of10 === "cidr" && cidrBits(mask, f.nBits) >= 0;
}

/** Parses the value of a 16-bit keyword (priority, timeouts): OVS's `str_to_u16`. */
function u16(name: string, value: string, text: string): number {
  const n = strToInt(value);
  if (n === undefined || n < 0 || n > 65535) throw new FlowParseError(`invalid ${name} "${value}"`, text, value);
  return n;
}

function u64(value: string, text: string): bigint {
  if (value === "") throw new FlowParseError("missing required numeric argument", text, value);
  const v = strToU64(value);
  if (v === undefined) throw new FlowParseError(`invalid numeric format ${value}`, text, value);
  return v;
}

/**
 * Parses flow text for `purpose`. Throws FlowParseError with OVS's message on
 * bad input. `names` resolves port names (`in_port=eth0`, `out_port=eth0`).
 */
export function parseFlow(text: string, purpose: FlowTextPurpose, names?: PortNameMap): ParsedFlow {
  const fields = KEYWORDS[purpose];
  let matchText = text;
  let actions: string | null = null;
  if ((fields & F_ACTIONS) !== 0) {
    // OVS's ofp_extract_actions: everything after the first "action...=".
    const at = text.indexOf("action");
    const eq = at < 0 ? -1 : text.indexOf("=", at + 1);
    if (at < 0 || eq < 0) throw new FlowParseError("must specify an action", text);
    matchText = text.slice(0, at);
    actions = text.slice(eq + 1);
  }

  const match = Match.catchall();
  let priority = OFP_DEFAULT_PRIORITY;
  let tableId = TABLE_ALL;
  let cookie = 0n;
  let cookieMask = 0n;
  let newCookie: bigint | null = purpose === "modify" || purpose === "modify_strict" ? null : 0n;
  let modifyCookie = false;
  let idleTimeout = 0;
  let hardTimeout = 0;
  let importance = 0;
  let outPort = OFPP_NONE;
  let outGroup = OFPG_ANY;
  let usable = P_ANY;
  const flags: FlowModFlags = {
    sendFlowRem: false,
    checkOverlap: false,
    resetCounts: false,
    noPacketCounts: false,
    noByteCounts: false,
  };

  for (const [name, value] of keyValuePairs(matchText)) {
    const proto = PROTOCOL_SHORTHANDS.get(name);
    if (proto) {
      match.setFieldExact(FIELDS.eth_type, BigInt(proto.dlType));
      if (proto.nwProto !== 0) match.setFieldExact(FIELDS.nw_proto, BigInt(proto.nwProto));
      continue;
    }
    if ((fields & F_FLAGS) !== 0 && name === "send_flow_rem") {
      flags.sendFlowRem = true;
      continue;
    }
    if ((fields & F_FLAGS) !== 0 && name === "check_overlap") {
      flags.checkOverlap = true;
      continue;
    }
    if ((fields & F_FLAGS) !== 0 && name === "reset_counts") {
      flags.resetCounts = true;
      usable &= P_OF12_UP;
      continue;
    }
    if ((fields & F_FLAGS) !== 0 && (name === "no_packet_counts" || name === "no_byte_counts")) {
      if (name === "no_packet_counts") flags.noPacketCounts = true;
      else flags.noByteCounts = true;
      usable &= P_OF13_UP;
      continue;
    }
    if (name === "no_readonly_table" || name === "allow_hidden_fields") continue;

    const tunMd = tunMetadataIndex(name);
    if (tunMd !== undefined) {
      const f = parseTunMetadata(tunMd, value === "" ? "0/0" : value);
      if (typeof f === "string") throw new FlowParseError(f, text, value);
      const error = addTunMdField(match.tunMd, f);
      if (error !== null) throw new FlowParseError(error, text, name);
      usable &= P_NXM_OXM_ANY;
      continue;
    }
    const field = fieldByName(name);
    if (field) {
      const p = parseFieldValue(field, value === "" ? "0/0" : value, names);
      if (!p.ok) throw new FlowParseError(p.error, text, value);
      // mf_set as OVS 3.1 has it: the ERSPAN and GTP-U setters take the value as the mask (0 wildcards).
      if (MASK_IS_VALUE.has(field) && p.mask !== 0n) match.setMemberBits(field.member, allOnes(field.member.bits), p.value & p.mask, p.value);
      else match.setField(field, p.value, p.mask);
      if (!fieldOf10Ok(field, p.mask)) usable &= ~P_OF10_STD_ANY;
      if (!fieldOf11Ok(field, p.mask)) usable &= ~P.OF11_STD;
      // mf_set: a field no flow format carries leaves none usable, unless wildcarded.
      if (field.datapathOnly === true && p.mask !== 0n) usable = 0;
      continue;
    }
    if (name.includes("[")) {
      parseSubfieldMatch(match, name, value, text);
      usable &= P_NXM_OXM_ANY;
      continue;
    }
    if (value === "") throw new FlowParseError(`field ${name} missing value`, text, name);

    if (name === "table") {
      const t = parseTableId(value, names?.tables);
      if (t === undefined) throw new FlowParseError(`unknown table "${value}"`, text, value);
      tableId = t;
      if (t !== TABLE_ALL) usable &= P_TID;
    } else if ((fields & F_OUT_PORT) !== 0 && name === "out_port") {
      const port = parsePort(value, names);
      if (port === undefined) throw new FlowParseError(`${value} is not a valid OpenFlow port`, text, value);
      outPort = port;
    } else if ((fields & F_OUT_PORT) !== 0 && name === "out_group") {
      usable &= P_OF11_UP;
      const g = value.toUpperCase() === "ANY" || value.toUpperCase() === "ALL" ? undefined : strToU64(value);
      if (value.toUpperCase() === "ANY") outGroup = OFPG_ANY;
      else if (value.toUpperCase() === "ALL") outGroup = 0xfffffffc;
      else if (g === undefined || g > 0xffffff00n) throw new FlowParseError(`${value} is not a valid OpenFlow group`, text, value);
      else outGroup = Number(g);
    } else if ((fields & F_PRIORITY) !== 0 && name === "priority") {
      priority = u16(name, value, text);
    } else if ((fields & F_TIMEOUT) !== 0 && name === "idle_timeout") {
      idleTimeout = u16(name, value, text);
    } else if ((fields & F_TIMEOUT) !== 0 && name === "hard_timeout") {
      hardTimeout = u16(name, value, text);
    } else if ((fields & F_IMPORTANCE) !== 0 && name === "importance") {
      importance = u16(name, value, text);
    } else if (name === "cookie") {
      const slash = value.indexOf("/");
      if (slash >= 0) {
        if (purpose === "add") throw new FlowParseError("flow additions cannot use a cookie mask", text, value);
        cookie = u64(value.slice(0, slash), text);
        cookieMask = u64(value.slice(slash + 1), text);
        if (cookieMask !== 0n) usable &= P_NXM_OF11_UP;
      } else {
        if (purpose !== "add" && purpose !== "modify" && purpose !== "modify_strict") {
          throw new FlowParseError(
            `cannot set cookie (to match on a cookie, specify a mask, e.g. cookie=${value}/-1)`,
            text,
            value,
          );
        }
        newCookie = u64(value, text);
        modifyCookie = true;
      }
    } else if (["duration", "n_packets", "n_bytes", "idle_age", "hard_age"].includes(name)) {
      // Ignored so that dump-flows output can be fed back in.
    } else {
      throw new FlowParseError(`unknown keyword ${name}`, text, name);
    }
  }

  // Only NXM and OXM can carry L3/L4 fields of IPv6 flows.
  if (match.getField(FIELDS.eth_type).value === BigInt(ETH_TYPE.IPV6)) {
    const nw = match.hasField(FIELDS.nw_proto) || match.hasField(FIELDS.nw_tos) || match.hasField(FIELDS.nw_ecn);
    if (nw || match.hasField(FIELDS.tcp_src) || match.hasField(FIELDS.tcp_dst)) usable &= P_NXM_OXM_ANY;
  }
  if ((purpose === "modify" || purpose === "modify_strict") && newCookie === null && cookieMask === 0n) {
    // A modify that adds a missing flow gives it cookie 0 unless one was given.
    newCookie = 0n;
  }
  return {
    purpose,
    match,
    priority,
    tableId,
    cookie,
    cookieMask,
    newCookie,
    modifyCookie,
    idleTimeout,
    hardTimeout,
    importance,
    flags,
    outPort,
    outGroup,
    actions,
    usableProtocols: usable,
  };
}

/** `reg0[0..3]=5`: sets those bits of the field exactly (OVS's `parse_subfield`). */
/**
 * `tun_metadata<N>[a..b]=V` (OVS's parse_subfield into the generic 124-byte
 * field, then tun_metadata_set_match with no table): the value and the
 * subfield's bits as a value/mask pair, each field at most once.
 */
function parseTunMdSubfieldMatch(match: Match, index: number, ofs: number, nBits: number, name: string, value: string, text: string): void {
  const p = parseIntString(value, 0, TLV_MAX_OPT_SIZE);
  if (typeof p === "string" || p.end !== value.length) throw new FlowParseError(`${name}: cannot parse integer value: ${value}`, text, value);
  if (p.value >> BigInt(nBits) !== 0n) {
    throw new FlowParseError(`${name}: value 0x${p.value.toString(16)} does not fit into ${nBits} bits`, text, value);
  }
  const f = parseTunMetadata(index, `0x${(p.value << BigInt(ofs)).toString(16)}/0x${(allOnes(nBits) << BigInt(ofs)).toString(16)}`);
  if (typeof f === "string") throw new FlowParseError(f, text, value);
  const error = addTunMdField(match.tunMd, f);
  if (error !== null) throw new FlowParseError(error, text, name);
}

function parseSubfieldMatch(match: Match, name: string, value: string, text: string): void {
  const r = parseSubfieldPrefix(name);
  if (!r.ok) throw new FlowParseError(r.error, text, name);
  if (r.rest !== "") throw new FlowParseError("unexpected input following field syntax", text, name);
  const { field, ofs, nBits } = r.sf;
  if (field.tunMetadata !== undefined) {
    parseTunMdSubfieldMatch(match, field.tunMetadata.index, ofs, nBits, name, value, text);
    return;
  }
  const v = strToU64(value);
  if (v === undefined || v >= 1n << BigInt(field.nBytes * 8)) {
    throw new FlowParseError(`${name}: cannot parse integer value: ${value}`, text, value);
  }
  if (v >> BigInt(nBits) !== 0n) {
    throw new FlowParseError(`${name}: value ${v} does not fit into ${nBits} bits`, text, value);
  }
  const cur = match.getField(field);
  const bits = allOnes(nBits) << BigInt(ofs);
  match.setField(field, (cur.value & ~bits) | (v << BigInt(ofs)), cur.mask | bits);
}
