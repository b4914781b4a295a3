/**
 * Connection tracking: `ct(...)` and the `nat(...)` it may carry. Parsed and
 * printed as ovs-ofctl does; executing them comes with translation.
 */
import { formatIpv4, formatIpv6, parseIpv6 } from "../flowtable/field-values.js";
import { keyValuePairs } from "../flowtable/flow-mod-parse.js";
import { formatSubfield, parseSubfield } from "../flowtable/subfield.js";
import { strToInt } from "../flowtable/c-strto.js";
import type { ActionOp, ParseContext } from "./action-op.js";
import { fail, WireDecodeError } from "./action-op.js";
import type { Action, ActionList, CtAction, NatAction, NatRange } from "./action-types.js";
import { parseTable } from "./parse-util.js";
import { formatTableId } from "../flowtable/table-names.js";
import { checkSource } from "./subfield-check.js";

/** NX_CT_RECIRC_NONE. */
const RECIRC_NONE = 255;
const IPPORT_FTP = 21;
const IPPORT_TFTP = 69;
const CS_INVALID = 0x10;

/** IP_SCAN_FMT: four `%hhu` (each wrapping modulo 256) separated by dots, at the start of `s`. */
function scanIpv4(s: string): { value: bigint; len: number } | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)/.exec(s);
  if (!m) return null;
  let v = 0n;
  for (let i = 1; i <= 4; i++) v = (v << 8n) | (BigInt(m[i] as string) & 0xffn);
  return { value: v, len: m[0].length };
}

/** IPV6_SCAN_FMT, bare or in brackets, then inet_pton. */
function scanIpv6(s: string): { value: bigint; len: number } | null {
  const bare = /^[0-9a-fA-F:.]{1,46}/.exec(s);
  const text = bare ? bare[0] : /^\[([0-9a-fA-F:.]{1,46})\]/.exec(s)?.[1];
  if (text === undefined) return null;
  const v = parseIpv6(text);
  if (v === null) return null;
  return { value: v, len: bare ? text.length : text.length + 2 };
}

function scanPort(s: string): { value: number; len: number } | null {
  const m = /^\s*\+?(\d+)/.exec(s);
  if (!m) return null;
  return { value: Number(BigInt(m[1] as string) & 0xffffn), len: m[0].length };
}

/** OVS's `str_to_nat_range`. */
function parseNatRange(ctx: ParseContext, s: string): NatRange | null {
  const bad = (): never => fail(ctx, `invalid nat range "${s}"`);
  let n = 0;
  let family: NatRange["family"] | null = null;
  let addrMin = 0n;
  let addrMax = 0n;
  let portMin = 0;
  let portMax = 0;
  const v4 = scanIpv4(s);
  if (v4) {
    family = "ipv4";
    addrMin = v4.value;
    n = v4.len;
    if (s[n] === "-") {
      const max = scanIpv4(s.slice(n + 1));
      if (!max || max.value < addrMin) bad();
      else {
        addrMax = max.value;
        n += 1 + max.len;
      }
    }
  } else {
    const v6 = scanIpv6(s);
    if (v6) {
      family = "ipv6";
      addrMin = v6.value;
      n = v6.len;
      if (s[n] === "-") {
        const max = scanIpv6(s.slice(n + 1));
        if (!max || max.value < addrMin) bad();
        else {
          addrMax = max.value;
          n += 1 + max.len;
        }
      }
    }
  }
  if (family !== null && s[n] === ":") {
    const min = scanPort(s.slice(n + 1));
    if (!min) bad();
    else {
      portMin = min.value;
      n += 1 + min.len;
      if (s[n] === "-") {
        const max = scanPort(s.slice(n + 1));
        if (!max || max.value < portMin) bad();
        else {
          portMax = max.value;
          n += 1 + max.len;
        }
      }
    }
  }
  if (n !== s.length) fail(ctx, `garbage (${s.slice(n)}) after nat range "${s}" (pos: ${n})`);
  return family === null ? null : { family, addrMin, addrMax, portMin, portMax };
}

export const nat: ActionOp<NatAction> = {
  name: "nat",
  instruction: "apply_actions",
  parse: (arg, ctx) => {
    let kind: NatAction["kind"] = null;
    let both = false;
    let range: NatRange | null = null;
    let persistent = false;
    let hash = false;
    let random = false;
    for (const [key, value] of keyValuePairs(arg)) {
      if (key === "src" || key === "dst") {
        if (kind !== null && kind !== key) both = true;
        kind = key;
        range = parseNatRange(ctx, value);
      } else if (key === "persistent") persistent = true;
      else if (key === "hash") hash = true;
      else if (key === "random") random = true;
      else fail(ctx, `invalid key "${key}" in "nat" argument`);
    }
    if (both) fail(ctx, 'May only specify one of "src" or "dst".');
    if (kind === null) {
      if (persistent || hash || random) fail(ctx, 'Flags allowed only with "src" or "dst".');
      if (range !== null) fail(ctx, 'Range allowed only with "src" or "dst".');
    }
    if (hash && random) fail(ctx, 'Both "hash" and "random" are not allowed.');
    return { type: "nat", kind, range, persistent, hash, random };
  },
  format: (a) => {
    if (a.kind === null) return "nat";
    let s = `nat(${a.kind}`;
    const r = a.range;
    if (r !== null) {
      s += "=";
      if (r.family === "ipv4") {
        s += formatIpv4(r.addrMin);
        if (r.addrMax !== 0n && r.addrMax !== r.addrMin) s += `-${formatIpv4(r.addrMax)}`;
      } else {
        const br = (v: bigint): string => (r.portMin !== 0 ? `[${formatIpv6(v)}]` : formatIpv6(v));
        s += br(r.addrMin);
        if (r.addrMax !== 0n && r.addrMax !== r.addrMin) s += `-${br(r.addrMax)}`;
      }
      if (r.portMin !== 0) {
        s += `:${r.portMin}`;
        if (r.portMax !== 0 && r.portMax !== r.portMin) s += `-${r.portMax}`;
      }
      if (a.persistent) s += ",persistent";
      if (a.hash) s += ",hash";
      if (a.random) s += ",random";
    }
    return `${s})`;
  },
  check: (a, ctx) => {
    const dl = ctx.flow.dlType;
    const bad =
      !ctx.flow.isIpAny || (a.range?.family === "ipv4" && dl !== 0x0800) || (a.range?.family === "ipv6" && dl !== 0x86dd);
    return bad ? "OFPBAC_MATCH_INCONSISTENT" : null;
  },
  wire: (a) => [a],
};

export const ct: ActionOp<CtAction> = {
  name: "ct",
  instruction: "apply_actions",
  parse: (arg, ctx) => {
    let commit = false;
    let force = false;
    let table = RECIRC_NONE;
    let zoneImm = 0;
    let zoneSrc: CtAction["zoneSrc"] = null;
    let alg = 0;
    const actions: Action[] = [];
    for (const [key, value] of keyValuePairs(arg)) {
      if (key === "commit") commit = true;
      else if (key === "force") force = true;
      else if (key === "table") {
        const t = parseTable(value, ctx.names);
        if (t === undefined) fail(ctx, `unknown table ${value}`);
        if (t === RECIRC_NONE) fail(ctx, "invalid table 0xff");
        table = t;
      } else if (key === "zone") {
        const z = strToInt(value);
        if (z !== undefined && z >= 0 && z <= 0xffff) {
          zoneImm = z;
        } else {
          const sf = parseSubfield(value);
          if (!sf.ok) fail(ctx, sf.error);
          zoneSrc = sf.sf;
        }
      } else if (key === "alg") {
        if (value === "ftp") alg = IPPORT_FTP;
        else if (value === "tftp") alg = IPPORT_TFTP;
        else fail(ctx, `invalid conntrack helper "${value}"`);
      } else if (key === "nat") {
        actions.push(nat.parse(value, ctx));
      } else if (key === "exec") {
        actions.push(...ctx.parseNested(value, "ct"));
      } else {
        fail(ctx, `invalid argument to "ct" action: \`${key}'`);
      }
    }
    if (force && !commit) fail(ctx, '"force" flag requires "commit" flag.');
    return { type: "ct", commit, force, table, zoneImm, zoneSrc, alg, actions };
  },
  format: (a, ctx) => {
    const parts: string[] = [];
    if (a.commit) parts.push("commit");
    if (a.force) parts.push("force");
    if (a.table !== RECIRC_NONE) parts.push(`table=${formatTableId(a.table, ctx.names?.tables)}`);
    if (a.zoneSrc !== null) parts.push(`zone=${formatSubfield(a.zoneSrc)}`);
    else if (a.zoneImm !== 0) parts.push(`zone=${a.zoneImm}`);
    let rest: ActionList = a.actions;
    const first = rest[0];
    if (first?.type === "nat") {
      parts.push(nat.format(first, ctx));
      rest = rest.slice(1);
    }
    if (rest.length > 0) parts.push(`exec(${ctx.formatList(rest)})`);
    if (a.alg === IPPORT_FTP) parts.push("alg=ftp");
    else if (a.alg === IPPORT_TFTP) parts.push("alg=tftp");
    else if (a.alg !== 0) parts.push(`alg=${a.alg}`);
    return `ct(${parts.join(",")})`;
  },
  check: (a, ctx) => {
    const f = ctx.flow;
    if (
      !f.isIpAny ||
      ((f.ctState & CS_INVALID) !== 0 && a.commit) ||
      (a.alg === IPPORT_FTP && f.nwProto !== 6) ||
      (a.alg === IPPORT_TFTP && f.nwProto !== 17)
    ) {
      return "OFPBAC_MATCH_INCONSISTENT";
    }
    if (a.zoneSrc !== null) return checkSource(a.zoneSrc, f);
    return ctx.checkNested(a.actions, ctx, true);
  },
  wire: (a, ctx) => {
    // The switch refuses a ct without commit that does more than a plain nat.
    if (!a.commit && a.actions.some((x) => x.type !== "nat" || x.kind !== null || x.range !== null)) {
      throw new WireDecodeError("OFPBAC_BAD_ARGUMENT");
    }
    return [{ ...a, actions: ctx.wireList(a.actions) }];
  },
};
