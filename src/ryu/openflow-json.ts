/**
 * Ryu's JSON encoding of OpenFlow messages (`{"OFPFlowMod": {...}}`, as
 * `ofproto_parser.ofp_msg_from_jsondict` reads them) turned into the
 * ovs-ofctl command lines that send the same message to a switch:
 *
 *   OFPFlowMod  -> ovs-ofctl -O OpenFlow13 add-flow br0 'table=0,...,actions=...'
 *   OFPGroupMod -> ovs-ofctl -O OpenFlow13 add-group br0 'group_id=0,type=select,bucket=...'
 *   OFPMeterMod -> ovs-ofctl -O OpenFlow13 add-meter br0 'meter=1,kbps,band=type=drop,rate=1000'
 *
 * OpenFlow 1.4 messages (the corpus's of14 folder) have 1.3's JSON shape and
 * go out with `-O OpenFlow14`.
 *
 * Going through ovs-ofctl text means every message meets the same parser and
 * checks a user's commands meet, and an unsupported field or action fails the
 * way it fails in ovsim's (and OVS's) ovs-ofctl. OXM names become OVS field
 * names (`ipv4_src` -> `ip_src`); OpenFlow 1.0 matches use OVS's 1.0 names
 * already. Anything this translator does not know is a `RyuMessageError`.
 */

import { cidrBits, parseIpv6 } from "../flowtable/field-values.js";

export type Json = null | boolean | number | string | readonly Json[] | { readonly [k: string]: Json };
type Obj = { readonly [k: string]: Json };

export class RyuMessageError extends Error {
  readonly code = "RYU_MESSAGE";
}

export type OfVersion = "OpenFlow10" | "OpenFlow13" | "OpenFlow14";

/** Ryu's corpus folder names and the versions they speak. */
export const OF_FOLDERS: ReadonlyMap<string, OfVersion> = new Map([
  ["of10", "OpenFlow10"],
  ["of13", "OpenFlow13"],
  ["of14", "OpenFlow14"],
]);

function isObj(v: Json | undefined): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Member `k` of a JSON object: its own members only (a test file's `"constructor"` is no function). */
function member(o: Obj, k: string): Json | undefined {
  return Object.hasOwn(o, k) ? o[k] : undefined;
}

/** `{"Name": {...}}` -> ["Name", {...}]. */
function tagged(v: Json | undefined, where: string): [string, Obj] {
  if (!isObj(v)) throw new RyuMessageError(`${where}: expected {"OFPxxx": {...}}, got ${JSON.stringify(v)}`);
  const keys = Object.keys(v);
  const k = keys[0];
  const body = k === undefined ? undefined : member(v, k);
  if (keys.length !== 1 || k === undefined || !isObj(body)) throw new RyuMessageError(`${where}: expected one {"OFPxxx": {...}}, got ${JSON.stringify(v)}`);
  return [k, body];
}

function list(v: Json | undefined): readonly Json[] {
  return Array.isArray(v) ? (v as readonly Json[]) : [];
}

function int(o: Obj, k: string, def?: number): number {
  const v = member(o, k);
  if (typeof v === "number") return v;
  if (v === undefined && def !== undefined) return def;
  throw new RyuMessageError(`expected a number for '${k}' in ${JSON.stringify(o)}`);
}

function hex(n: number | bigint): string {
  return `0x${n.toString(16)}`;
}

/** OXM field names (Ryu's) -> OVS field names, where they differ (a Map: field names come from the test files). */
const OXM_TO_OVS: ReadonlyMap<string, string> = new Map([
  ["ipv4_src", "ip_src"],
  ["ipv4_dst", "ip_dst"],
  ["ipv6_flabel", "ipv6_label"],
  ["icmpv4_type", "icmp_type"],
  ["icmpv4_code", "icmp_code"],
  ["ipv6_nd_target", "nd_target"],
  ["ipv6_nd_sll", "nd_sll"],
  ["ipv6_nd_tll", "nd_tll"],
  ["tunnel_id", "tun_id"],
  ["ip_ecn", "nw_ecn"],
]);

/**
 * An IPv6 mask as ovs-ofctl's text parser reads it, with the same bits.
 * OVS's ipv6_parse_masked (lib/packets.c) tries `/%d` (a prefix length)
 * before `/ADDRESS`, so a mask written with a leading decimal digit, as Ryu
 * writes `0:ffff:ffff:ffff:ffff:ffff:ffff:ffff`, reads as prefix 0 followed
 * by junk: "invalid IPv6 address" (real ovs-ofctl says the same; over the
 * OpenFlow wire the OXM mask is only bits and is accepted). Written instead:
 * a leading run of zero groups as `::` (inet_pton takes `::` for one group:
 * `::ffff:ffff:ffff:ffff:ffff:ffff:ffff`, accepted by OVS 3.1's ovs-ofctl,
 * fixtures/ryu/ipv6-mask-text.ovs), a first group with its leading zeros
 * dropped (`fff:...`), or a CIDR mask as its prefix length. A non-CIDR mask
 * whose first group starts with 1-9 has no such text and is left as it is.
 */
export function ofctlIpv6Mask(text: string): string {
  if (!/^[0-9]/.test(text)) return text;
  const m = parseIpv6(text);
  if (m === null) return text;
  const groups = Array.from({ length: 8 }, (_, i) => Number((m >> BigInt((7 - i) * 16)) & 0xffffn));
  const cidr = cidrBits(m, 128);
  if (groups[0] === 0) {
    const k = groups.findIndex((g) => g !== 0);
    return k < 0 ? "::" : `::${groups.slice(k).map((g) => g.toString(16)).join(":")}`;
  }
  if (/^[a-f]/.test((groups[0] ?? 0).toString(16))) return groups.map((g) => g.toString(16)).join(":");
  return cidr >= 0 ? String(cidr) : text;
}

/** OXM fields holding IPv6 addresses (their masks go through ofctlIpv6Mask). */
const IPV6_FIELDS = new Set(["ipv6_src", "ipv6_dst", "ipv6_nd_target"]);

function fieldValue(v: Json | undefined, mask: Json | undefined, ipv6 = false): string {
  const one = (x: Json | undefined): string => {
    // Decimal unmasked (ovs-ofctl reads port numbers in decimal only), hex with a mask.
    if (typeof x === "number") return mask === undefined || mask === null ? BigInt(x).toString() : hex(BigInt(x));
    if (typeof x === "string") return x;
    throw new RyuMessageError(`unsupported field value ${JSON.stringify(x)}`);
  };
  if (mask === undefined || mask === null) return one(v);
  return `${one(v)}/${ipv6 ? ofctlIpv6Mask(one(mask)) : one(mask)}`;
}

/** One `OXMTlv` as `name=value[/mask]`. */
function oxm(tlv: Json): { name: string; value: string } {
  const [tag, o] = tagged(tlv, "OXM field");
  if (tag !== "OXMTlv") throw new RyuMessageError(`unknown OXM element ${tag}`);
  const f = o["field"];
  if (typeof f !== "string") throw new RyuMessageError(`OXMTlv without a field name: ${JSON.stringify(o)}`);
  return { name: OXM_TO_OVS.get(f) ?? f, value: fieldValue(o["value"], o["mask"], IPV6_FIELDS.has(f)) };
}

const OF10_MATCH_FIELDS = new Set(["in_port", "dl_src", "dl_dst", "dl_vlan", "dl_vlan_pcp", "dl_type", "nw_tos", "nw_proto", "nw_src", "nw_dst", "tp_src", "tp_dst"]);

function matchText(m: Json | undefined, version: OfVersion): string[] {
  if (m === undefined) return [];
  const [tag, o] = tagged(m, "match");
  if (tag !== "OFPMatch") throw new RyuMessageError(`unknown match ${tag}`);
  if (version !== "OpenFlow10") return list(o["oxm_fields"]).map((t) => {
    const { name, value } = oxm(t);
    return `${name}=${value}`;
  });
  const out: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (k === "nw_src_mask" || k === "nw_dst_mask" || k === "wildcards") continue;
    if (!OF10_MATCH_FIELDS.has(k)) throw new RyuMessageError(`unknown OpenFlow 1.0 match field '${k}'`);
    const bits = member(o, `${k}_mask`);
    const value = typeof v === "number" ? String(v) : typeof v === "string" ? v : JSON.stringify(v);
    out.push(typeof bits === "number" ? `${k}=${value}/${bits}` : `${k}=${value}`);
  }
  return out;
}

/** OpenFlow reserved port numbers (1.3 32-bit, 1.0 16-bit) and their ovs-ofctl names. */
const RESERVED_PORTS: ReadonlyArray<readonly [number, string]> = [
  [0xfff8, "IN_PORT"],
  [0xfff9, "TABLE"],
  [0xfffa, "NORMAL"],
  [0xfffb, "FLOOD"],
  [0xfffc, "ALL"],
  [0xfffd, "CONTROLLER"],
  [0xfffe, "LOCAL"],
];

function portName(port: number): string {
  const low = port >= 0xfffffff0 ? port - 0xffff0000 : port;
  if (port >= 0xfff0 && (port <= 0xffff || port >= 0xfffffff0)) {
    const r = RESERVED_PORTS.find(([n]) => n === low);
    if (r !== undefined) return r[1];
  }
  return String(port);
}

/** Ryu's OFPActionOutput default max_len (OFPCML_MAX; 0xffe5 in its OpenFlow 1.0 parser too). */
const RYU_DEFAULT_MAX_LEN = 0xffe5;

function outputText(o: Obj): string {
  const port = int(o, "port");
  const name = portName(port);
  if (name === "CONTROLLER") {
    const maxLen = int(o, "max_len", RYU_DEFAULT_MAX_LEN);
    return maxLen === 0xffff ? "CONTROLLER" : `CONTROLLER:${maxLen}`;
  }
  return `output:${name}`;
}

/** One action as ovs-ofctl writes it. */
export function actionText(a: Json): string {
  const [tag, o] = tagged(a, "action");
  switch (tag) {
    case "OFPActionOutput":
      return outputText(o);
    case "OFPActionGroup":
      return `group:${int(o, "group_id")}`;
    case "OFPActionPushVlan":
      return `push_vlan:${hex(int(o, "ethertype"))}`;
    case "OFPActionPopVlan":
      return "pop_vlan";
    case "OFPActionPushMpls":
      return `push_mpls:${hex(int(o, "ethertype"))}`;
    case "OFPActionPopMpls":
      return `pop_mpls:${hex(int(o, "ethertype"))}`;
    case "OFPActionSetMplsTtl":
      return `set_mpls_ttl(${int(o, "mpls_ttl")})`;
    case "OFPActionDecMplsTtl":
      return "dec_mpls_ttl";
    case "OFPActionCopyTtlOut":
      return "copy_ttl_out";
    case "OFPActionCopyTtlIn":
      return "copy_ttl_in";
    case "OFPActionSetNwTtl":
      return `mod_nw_ttl:${int(o, "nw_ttl")}`;
    case "OFPActionDecNwTtl":
      return "dec_ttl";
    case "OFPActionPushPbb":
      return `push_pbb:${hex(int(o, "ethertype"))}`;
    case "OFPActionPopPbb":
      return "pop_pbb";
    case "OFPActionSetField": {
      const { name, value } = oxm(o["field"] ?? null);
      return `set_field:${value}->${name}`;
    }
    case "OFPActionSetQueue":
      return `set_queue:${int(o, "queue_id")}`;
    // OpenFlow 1.0
    case "OFPActionVlanVid":
      return `mod_vlan_vid:${int(o, "vlan_vid")}`;
    case "OFPActionVlanPcp":
      return `mod_vlan_pcp:${int(o, "vlan_pcp")}`;
    case "OFPActionStripVlan":
      return "strip_vlan";
    case "OFPActionSetDlSrc":
      return `mod_dl_src:${String(o["dl_addr"])}`;
    case "OFPActionSetDlDst":
      return `mod_dl_dst:${String(o["dl_addr"])}`;
    case "OFPActionSetNwSrc":
      return `mod_nw_src:${String(o["nw_addr"])}`;
    case "OFPActionSetNwDst":
      return `mod_nw_dst:${String(o["nw_addr"])}`;
    case "OFPActionSetNwTos":
      return `mod_nw_tos:${int(o, "tos")}`;
    case "OFPActionSetTpSrc":
      return `mod_tp_src:${int(o, "tp")}`;
    case "OFPActionSetTpDst":
      return `mod_tp_dst:${int(o, "tp")}`;
  }
  throw new RyuMessageError(`unknown action ${tag}`);
}

function actionsText(v: Json | undefined): string[] {
  return list(v).map(actionText);
}

const OFPIT_WRITE_ACTIONS = 3;
const OFPIT_APPLY_ACTIONS = 4;
const OFPIT_CLEAR_ACTIONS = 5;

/** OpenFlow 1.3 instructions in the order ovs-ofctl requires them. */
function instructionsText(v: Json | undefined): string[] {
  let meter: string | null = null;
  const apply: string[] = [];
  let clear = false;
  let write: string[] | null = null;
  let metadata: string | null = null;
  let gotoTable: string | null = null;
  for (const i of list(v)) {
    const [tag, o] = tagged(i, "instruction");
    switch (tag) {
      case "OFPInstructionActions": {
        const type = int(o, "type", OFPIT_APPLY_ACTIONS);
        if (type === OFPIT_APPLY_ACTIONS) apply.push(...actionsText(o["actions"]));
        else if (type === OFPIT_WRITE_ACTIONS) write = actionsText(o["actions"]);
        else if (type === OFPIT_CLEAR_ACTIONS) clear = true;
        else throw new RyuMessageError(`unknown OFPInstructionActions type ${type}`);
        break;
      }
      case "OFPInstructionGotoTable":
        gotoTable = `goto_table:${int(o, "table_id")}`;
        break;
      case "OFPInstructionWriteMetadata": {
        const md = o["metadata"];
        const mask = o["metadata_mask"];
        metadata = `write_metadata:${fieldValue(md, mask)}`;
        break;
      }
      case "OFPInstructionMeter":
        meter = `meter:${int(o, "meter_id")}`;
        break;
      default:
        throw new RyuMessageError(`unknown instruction ${tag}`);
    }
  }
  const out: string[] = [];
  if (meter !== null) out.push(meter);
  out.push(...apply);
  if (clear) out.push("clear_actions");
  if (write !== null) out.push(`write_actions(${write.join(",")})`);
  if (metadata !== null) out.push(metadata);
  if (gotoTable !== null) out.push(gotoTable);
  return out;
}

const FLOW_MOD_COMMANDS: Readonly<Record<number, readonly [string, boolean]>> = {
  0: ["add-flow", false],
  1: ["mod-flows", false],
  2: ["mod-flows", true],
  3: ["del-flows", false],
  4: ["del-flows", true],
};

function quote(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}

function flowModLine(o: Obj, version: OfVersion, bridge: string): string {
  const cmd = FLOW_MOD_COMMANDS[int(o, "command", 0)];
  if (cmd === undefined) throw new RyuMessageError(`unknown flow_mod command ${String(o["command"])}`);
  const parts: string[] = [];
  const table = int(o, "table_id", 0);
  if (version !== "OpenFlow10" || table !== 0) parts.push(`table=${table}`);
  const cookie = o["cookie"];
  if (typeof cookie === "number" && cookie !== 0) parts.push(`cookie=${hex(cookie)}`);
  if (typeof o["priority"] === "number") parts.push(`priority=${o["priority"]}`);
  if (typeof o["idle_timeout"] === "number" && o["idle_timeout"] !== 0) parts.push(`idle_timeout=${o["idle_timeout"]}`);
  if (typeof o["hard_timeout"] === "number" && o["hard_timeout"] !== 0) parts.push(`hard_timeout=${o["hard_timeout"]}`);
  parts.push(...matchText(o["match"], version));
  if (cmd[0] !== "del-flows") {
    const acts = version !== "OpenFlow10" ? instructionsText(o["instructions"]) : actionsText(o["actions"]);
    parts.push(`actions=${acts.length === 0 ? "drop" : acts.join(",")}`);
  }
  return `ovs-ofctl -O ${version}${cmd[1] ? " --strict" : ""} ${cmd[0]} ${bridge} ${quote(parts.join(","))}`;
}

const GROUP_TYPES = ["all", "select", "indirect", "ff"];

function groupModLine(o: Obj, version: OfVersion, bridge: string): string {
  const type = GROUP_TYPES[int(o, "type", 0)];
  if (type === undefined) throw new RyuMessageError(`unknown group type ${String(o["type"])}`);
  const parts = [`group_id=${int(o, "group_id")}`, `type=${type}`];
  for (const b of list(o["buckets"])) {
    const [tag, bo] = tagged(b, "bucket");
    if (tag !== "OFPBucket") throw new RyuMessageError(`unknown bucket ${tag}`);
    const fields: string[] = [];
    if (type === "select") fields.push(`weight:${int(bo, "weight", 1)}`);
    if (typeof bo["watch_port"] === "number" && bo["watch_port"] < 0xffffff00) fields.push(`watch_port:${bo["watch_port"]}`);
    if (typeof bo["watch_group"] === "number" && bo["watch_group"] < 0xffffff00) fields.push(`watch_group:${bo["watch_group"]}`);
    fields.push(`actions=${actionsText(bo["actions"]).join(",") || "drop"}`);
    parts.push(`bucket=${fields.join(",")}`);
  }
  return `ovs-ofctl -O ${version} add-group ${bridge} ${quote(parts.join(","))}`;
}

const OFPMF_KBPS = 1;
const OFPMF_PKTPS = 2;
const OFPMF_BURST = 4;
const OFPMF_STATS = 8;

function meterModLine(o: Obj, version: OfVersion, bridge: string): string {
  const flags = int(o, "flags", OFPMF_KBPS);
  const parts = [`meter=${int(o, "meter_id")}`];
  parts.push((flags & OFPMF_PKTPS) !== 0 ? "pktps" : "kbps");
  if ((flags & OFPMF_BURST) !== 0) parts.push("burst");
  if ((flags & OFPMF_STATS) !== 0) parts.push("stats");
  for (const b of list(o["bands"])) {
    const [tag, bo] = tagged(b, "band");
    const burst = typeof bo["burst_size"] === "number" && bo["burst_size"] !== 0 ? `,burst_size=${bo["burst_size"]}` : "";
    if (tag === "OFPMeterBandDrop") parts.push(`band=type=drop,rate=${int(bo, "rate")}${burst}`);
    else if (tag === "OFPMeterBandDscpRemark") parts.push(`band=type=dscp_remark,rate=${int(bo, "rate")}${burst},prec_level=${int(bo, "prec_level", 1)}`);
    else throw new RyuMessageError(`unknown meter band ${tag}`);
  }
  return `ovs-ofctl -O ${version} add-meter ${bridge} ${quote(parts.join(","))}`;
}

/** The ovs-ofctl command line sending one prerequisite message to `bridge`. */
export function messageLine(msg: Json, version: OfVersion, bridge: string): string {
  const [tag, o] = tagged(msg, "message");
  switch (tag) {
    case "OFPFlowMod":
      return flowModLine(o, version, bridge);
    case "OFPGroupMod":
      return groupModLine(o, version, bridge);
    case "OFPMeterMod":
      return meterModLine(o, version, bridge);
  }
  throw new RyuMessageError(`unknown message ${tag}`);
}

/** The in_port an `OFPMatch` of a throughput check names (the egress port counted). */
export function throughputPort(m: Json | undefined): number | null {
  if (!isObj(m)) return null;
  const o = m["OFPMatch"];
  if (!isObj(o)) return null;
  for (const t of list(o["oxm_fields"])) {
    const { name, value } = oxm(t);
    if (name === "in_port") return Number(value);
  }
  const p = o["in_port"];
  return typeof p === "number" ? p : null;
}
