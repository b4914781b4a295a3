/**
 * Reading a case's prerequisites back, as os-ken's tester does after each
 * one (tester.py `_test_exist_check`): a flow stats request after a flow
 * mod, a group desc request after a group mod, a meter config request after
 * a meter mod; the message counts as installed when some entry of the reply
 * equals it under the tester's comparison, else the case fails with the
 * tester's words ("Added incorrect flows: flow_stats(X != Y), ...").
 *
 * Both sides become the objects Ryu compares, rendered as text and compared
 * as text, as the tester compares `str()` of Ryu's objects:
 *
 * - the message as sent: Ryu's JSON with Ryu's constructor defaults
 *   (priority 0x8000, cookie/timeouts/table 0, OFPActionOutput max_len
 *   0xffe5, meter flags KBPS, band burst_size 0). Ryu builds a match from
 *   JSON by serializing and parsing it, so address values are compared as
 *   the wire carries them (`10::0` equals `10::`), and a mask given in JSON
 *   stays a mask even when it is all ones;
 * - the reply: what OVS puts in it, from ovsim's tables. Flows: the match
 *   as `nx_put_raw` writes OXM (its field order; no mask on an exact field;
 *   OVS's IP_DSCP is the DSCP bits shifted down), instructions as
 *   `ofpacts_put_openflow_instructions` encodes the actions (an apply-actions
 *   instruction only when there are apply actions). Meters: the bands the
 *   switch keeps, which for the userspace datapath have burst_size = rate
 *   when none was given (dpif_netdev_meter_set writes it back).
 *
 * The tester's rules, kept: flows compare cookie, priority, hard_timeout,
 * idle_timeout, match, then actions (1.0, sorted by action type) or
 * table_id and instructions (1.3+, instructions sorted by instruction type,
 * the actions inside them in order); OpenFlow 1.0 matches compare every
 * field's value (0 when wildcarded), not the wildcards. Meters compare
 * flags, meter_id and bands. Groups compare only the type: the tester's
 * `_compare_group` returns after its first attribute.
 *
 * One thing is not compared: `max_len` of an output to a port. The runner
 * sends flows as ovs-ofctl text (openflow-json.ts), which has no way to say
 * it (OVS stores 0 for `output:2`, Ryu sends 0xffe5); outputs to the
 * controller keep theirs (`CONTROLLER:65509`).
 */
import type { Action, ActionList } from "../actions/action-types.js";
import { actionsAsDumped } from "../actions/flow-actions.js";
import type { Bridge } from "../datapath/bridge.js";
import type { Meter } from "../datapath/meter-table.js";
import type { FieldSpec } from "../flowtable/fields.js";
import { FIELDS } from "../flowtable/fields.js";
import { formatEthernet, formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from "../flowtable/field-values.js";
import type { FlowEntry } from "../flowtable/flow-entry.js";
import type { FlowMember } from "../flowtable/flow-layout.js";
import { M } from "../flowtable/flow-layout.js";
import type { Match } from "../flowtable/match.js";
import { nxmEntries } from "../flowtable/match-transmit.js";
import { selectFlows } from "../vswitchd/flow-dump.js";
import type { Json, OfVersion } from "./openflow-json.js";
import { RyuMessageError } from "./openflow-json.js";

type Obj = { readonly [k: string]: Json };

function isObj(v: Json | undefined): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function member(o: Obj, k: string): Json | undefined {
  return Object.hasOwn(o, k) ? o[k] : undefined;
}

function tagged(v: Json | undefined): [string, Obj] {
  if (!isObj(v)) throw new RyuMessageError(`expected {"OFPxxx": {...}}, got ${JSON.stringify(v)}`);
  const [k] = Object.keys(v);
  const body = k === undefined ? undefined : member(v, k);
  if (k === undefined || !isObj(body)) throw new RyuMessageError(`expected {"OFPxxx": {...}}, got ${JSON.stringify(v)}`);
  return [k, body];
}

function list(v: Json | undefined): readonly Json[] {
  return Array.isArray(v) ? (v as readonly Json[]) : [];
}

function num(o: Obj, k: string, def: number): bigint {
  const v = member(o, k);
  if (v === undefined || v === null) return BigInt(def);
  if (typeof v === "number") return BigInt(v);
  throw new RyuMessageError(`expected a number for '${k}' in ${JSON.stringify(o)}`);
}

// ---------------------------------------------------------------------------
// Values as Ryu prints them.

const MAC_FIELDS = new Set(["eth_src", "eth_dst", "arp_sha", "arp_tha", "ipv6_nd_sll", "ipv6_nd_tll", "dl_src", "dl_dst", "dl_addr"]);
const IPV4_FIELDS = new Set(["ipv4_src", "ipv4_dst", "arp_spa", "arp_tpa", "nw_src", "nw_dst", "nw_addr"]);
const IPV6_FIELDS = new Set(["ipv6_src", "ipv6_dst", "ipv6_nd_target"]);

function showValue(field: string, v: bigint): string {
  if (MAC_FIELDS.has(field)) return `'${formatEthernet(v)}'`;
  if (IPV4_FIELDS.has(field)) return `'${formatIpv4(v)}'`;
  if (IPV6_FIELDS.has(field)) return `'${formatIpv6(v)}'`;
  return v.toString();
}

/** A field value of the sent message, as the wire carries it. */
function sentValue(field: string, v: Json | undefined): bigint {
  if (typeof v === "number") return BigInt(v);
  if (typeof v === "string") {
    const parsed = MAC_FIELDS.has(field) ? parseMacText(v) : IPV4_FIELDS.has(field) ? parseIpv4(v) : IPV6_FIELDS.has(field) ? parseIpv6(v) : null;
    if (parsed !== null) return parsed;
  }
  throw new RyuMessageError(`cannot read the value ${JSON.stringify(v)} of '${field}'`);
}

function parseMacText(s: string): bigint | null {
  const parts = s.split(":");
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p))) return null;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(parseInt(p, 16)), 0n);
}

// ---------------------------------------------------------------------------
// Matches.

interface Oxm {
  readonly field: string;
  readonly value: bigint;
  readonly mask: bigint | null;
}

function showOxm(o: Oxm): string {
  return `{'OXMTlv': {'field': '${o.field}', 'mask': ${o.mask === null ? "None" : showValue(o.field, o.mask)}, 'value': ${showValue(o.field, o.value)}}}`;
}

function showOxms(l: readonly Oxm[]): string {
  return `{'OFPMatch': {'oxm_fields': [${l.map(showOxm).join(", ")}]}}`;
}

function sentOxms(m: Json | undefined): Oxm[] {
  if (m === undefined) return [];
  const [, o] = tagged(m);
  return list(member(o, "oxm_fields")).map((t) => {
    const [, tlv] = tagged(t);
    const field = member(tlv, "field");
    if (typeof field !== "string") throw new RyuMessageError(`OXMTlv without a field: ${JSON.stringify(tlv)}`);
    const mask = member(tlv, "mask");
    return { field, value: sentValue(field, member(tlv, "value")), mask: mask === undefined || mask === null ? null : sentValue(field, mask) };
  });
}

/** OXM names (Ryu's) of ovsim's fields. */
function oxmName(f: FieldSpec): string {
  if (f === FIELDS.nw_tos) return "ip_dscp";
  if (f.oxm === null) return f.name;
  return f.oxm.replace(/^(OXM_OF_|ONFOXM_ET_)/, "").toLowerCase();
}

/** A 16-bit OpenFlow port as OpenFlow 1.1+ numbers it (ofputil_port_to_ofp11). */
function ofp11Port(p: bigint): bigint {
  return p >= 0xff00n ? p + 0xffff0000n : p;
}

/** The match as a flow stats reply carries it in OXM (nx_put_raw's fields and order). */
function replyOxms(m: Match): Oxm[] {
  return nxmEntries(m, "oxm").map((e) => {
    const shift = BigInt(e.field === FIELDS.nw_tos ? 2 : e.field.shift);
    const full = e.bits >> shift;
    let value = (m.memberValue(e.member) & e.bits) >> shift;
    const mask = (m.memberMask(e.member) & e.bits) >> shift;
    if (e.field === FIELDS.in_port) value = ofp11Port(value);
    return { field: oxmName(e.field), value, mask: mask === full ? null : mask };
  });
}

/** OpenFlow 1.0's fixed match fields, each 0 when wildcarded (Ryu's OFPMatch attributes). */
const OF10_FIELDS = ["in_port", "dl_src", "dl_dst", "dl_vlan", "dl_vlan_pcp", "dl_type", "nw_tos", "nw_proto", "nw_src", "nw_dst", "tp_src", "tp_dst"] as const;

function showOf10(values: ReadonlyMap<string, bigint>): string {
  return `{'OFPMatch': {${OF10_FIELDS.map((k) => `'${k}': ${showValue(k, values.get(k) ?? 0n)}`).join(", ")}}}`;
}

function sentOf10(m: Json | undefined): Map<string, bigint> {
  const out = new Map<string, bigint>();
  if (m === undefined) return out;
  const [, o] = tagged(m);
  for (const k of OF10_FIELDS) {
    const v = member(o, k);
    if (v !== undefined && v !== null) out.set(k, sentValue(k, v));
  }
  return out;
}

/** ofputil_match_to_ofp10_match's values (masked; 0 where wildcarded). */
function replyOf10(m: Match): Map<string, bigint> {
  const out = new Map<string, bigint>();
  const masked = (member: FlowMember): bigint => m.memberValue(member) & m.memberMask(member);
  out.set("in_port", masked(M.inPort));
  out.set("dl_src", masked(M.dlSrc));
  out.set("dl_dst", masked(M.dlDst));
  const tciMask = m.memberMask(M.vlanTci);
  const tci = m.memberValue(M.vlanTci);
  if ((tciMask & 0x1000n) !== 0n && (tci & 0x1000n) === 0n) out.set("dl_vlan", 0xffffn);
  else {
    out.set("dl_vlan", tci & tciMask & 0x0fffn);
    out.set("dl_vlan_pcp", ((tci & tciMask) >> 13n) & 7n);
  }
  out.set("dl_type", masked(M.dlType));
  out.set("nw_tos", masked(M.nwTos) & 0xfcn);
  out.set("nw_proto", masked(M.nwProto));
  out.set("nw_src", masked(M.nwSrc));
  out.set("nw_dst", masked(M.nwDst));
  out.set("tp_src", masked(M.tpSrc));
  out.set("tp_dst", masked(M.tpDst));
  return out;
}

// ---------------------------------------------------------------------------
// Actions and instructions.

/** One Ryu action or instruction: its class, OpenFlow type number, attributes in Ryu's (alphabetical) order. */
interface RyuObj {
  readonly cls: string;
  readonly type: number;
  readonly attrs: ReadonlyArray<readonly [string, string]>;
}

function show(o: RyuObj): string {
  return `${o.cls}(${o.attrs.map(([k, v]) => `${k}=${v}`).join(",")})`;
}

function showList(l: readonly RyuObj[]): string {
  return `[${l.map(show).join(", ")}]`;
}

function obj(cls: string, type: number, attrs: Array<readonly [string, string]> = []): RyuObj {
  return { cls, type, attrs: [...attrs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)) };
}

const OFPCML_MAX = 0xffe5;
const CONTROLLER_11 = 0xfffffffdn;

function outputObj(port: bigint, maxLen: bigint, of10: boolean): RyuObj {
  const controller = of10 ? port === 0xfffdn : port === CONTROLLER_11;
  // max_len of a port output: not carried by ovs-ofctl text (see the header).
  return obj("OFPActionOutput", 0, controller ? [["max_len", maxLen.toString()], ["port", port.toString()]] : [["port", port.toString()]]);
}

function setFieldObj(field: string, value: bigint): RyuObj {
  return obj("OFPActionSetField", 25, [["field", `{'${field}': ${showValue(field, value)}}`]]);
}

/** One action of the sent message (OpenFlow 1.3/1.4, or 1.0 when `of10`). */
function sentAction(a: Json, of10: boolean): RyuObj {
  const [tag, o] = tagged(a);
  const n = (k: string, def: number): string => num(o, k, def).toString();
  switch (tag) {
    case "OFPActionOutput":
      return outputObj(num(o, "port", 0), num(o, "max_len", OFPCML_MAX), of10);
    case "OFPActionGroup":
      return obj("OFPActionGroup", 22, [["group_id", n("group_id", 0)]]);
    case "OFPActionSetQueue":
      return obj("OFPActionSetQueue", 21, [["queue_id", n("queue_id", 0)]]);
    case "OFPActionPushVlan":
      return obj("OFPActionPushVlan", 17, [["ethertype", n("ethertype", 0x8100)]]);
    case "OFPActionPopVlan":
      return obj("OFPActionPopVlan", 18);
    case "OFPActionPushMpls":
      return obj("OFPActionPushMpls", 19, [["ethertype", n("ethertype", 0x8847)]]);
    case "OFPActionPopMpls":
      return obj("OFPActionPopMpls", 20, [["ethertype", n("ethertype", 0x0800)]]);
    case "OFPActionSetMplsTtl":
      return obj("OFPActionSetMplsTtl", 15, [["mpls_ttl", n("mpls_ttl", 0)]]);
    case "OFPActionDecMplsTtl":
      return obj("OFPActionDecMplsTtl", 16);
    case "OFPActionSetNwTtl":
      return obj("OFPActionSetNwTtl", 23, [["nw_ttl", n("nw_ttl", 0)]]);
    case "OFPActionDecNwTtl":
      return obj("OFPActionDecNwTtl", 24);
    case "OFPActionSetField": {
      const [, tlv] = tagged(member(o, "field") ?? null);
      const field = member(tlv, "field");
      if (typeof field !== "string") throw new RyuMessageError(`set_field without a field: ${JSON.stringify(o)}`);
      return setFieldObj(field, sentValue(field, member(tlv, "value")));
    }
    case "OFPActionVlanVid":
      return obj("OFPActionVlanVid", 1, [["vlan_vid", n("vlan_vid", 0)]]);
    case "OFPActionVlanPcp":
      return obj("OFPActionVlanPcp", 2, [["vlan_pcp", n("vlan_pcp", 0)]]);
    case "OFPActionStripVlan":
      return obj("OFPActionStripVlan", 3);
    case "OFPActionSetDlSrc":
    case "OFPActionSetDlDst":
      return obj(tag, tag === "OFPActionSetDlSrc" ? 4 : 5, [["dl_addr", showValue("dl_addr", sentValue("dl_addr", member(o, "dl_addr")))]]);
    case "OFPActionSetNwSrc":
    case "OFPActionSetNwDst":
      return obj(tag, tag === "OFPActionSetNwSrc" ? 6 : 7, [["nw_addr", showValue("nw_addr", sentValue("nw_addr", member(o, "nw_addr")))]]);
    case "OFPActionSetNwTos":
      return obj("OFPActionSetNwTos", 8, [["tos", n("tos", 0)]]);
    case "OFPActionSetTpSrc":
    case "OFPActionSetTpDst":
      return obj(tag, tag === "OFPActionSetTpSrc" ? 9 : 10, [["tp", n("tp", 0)]]);
  }
  // Actions OVS refuses (PBB, copy_ttl_*) never get this far: their flow_mod fails first.
  return obj(tag, -1, [["json", JSON.stringify(o)]]);
}

/** One action of a flow as OVS encodes it in a stats reply of the flow's version. */
function replyAction(a: Action, of10: boolean): RyuObj {
  switch (a.type) {
    case "output":
      return outputObj(of10 ? BigInt(a.port) : ofp11Port(BigInt(a.port)), BigInt(a.maxLen), of10);
    case "controller":
      return outputObj(of10 ? 0xfffdn : CONTROLLER_11, BigInt(a.maxLen), of10);
    case "group":
      return obj("OFPActionGroup", 22, [["group_id", String(a.groupId)]]);
    case "set_queue":
      return obj("OFPActionSetQueue", 21, [["queue_id", String(a.queueId)]]);
    case "push_vlan":
      return obj("OFPActionPushVlan", 17, [["ethertype", String(a.ethertype)]]);
    case "strip_vlan":
      return of10 ? obj("OFPActionStripVlan", 3) : obj("OFPActionPopVlan", 18);
    case "push_mpls":
      return obj("OFPActionPushMpls", 19, [["ethertype", String(a.ethertype)]]);
    case "pop_mpls":
      return obj("OFPActionPopMpls", 20, [["ethertype", String(a.ethertype)]]);
    case "set_mpls_ttl":
      return obj("OFPActionSetMplsTtl", 15, [["mpls_ttl", String(a.ttl)]]);
    case "dec_mpls_ttl":
      return obj("OFPActionDecMplsTtl", 16);
    case "set_ip_ttl":
      return obj("OFPActionSetNwTtl", 23, [["nw_ttl", String(a.ttl)]]);
    case "dec_ttl":
      return obj("OFPActionDecNwTtl", 24);
    case "set_field":
      return setFieldObj(oxmName(a.field), a.value);
    case "set_vlan_vid":
      return obj("OFPActionVlanVid", 1, [["vlan_vid", String(a.vid)]]);
    case "set_vlan_pcp":
      return obj("OFPActionVlanPcp", 2, [["vlan_pcp", String(a.pcp)]]);
    case "set_eth_src":
    case "set_eth_dst":
      return obj(a.type === "set_eth_src" ? "OFPActionSetDlSrc" : "OFPActionSetDlDst", a.type === "set_eth_src" ? 4 : 5, [["dl_addr", showValue("dl_addr", a.mac)]]);
    case "set_ipv4_src":
    case "set_ipv4_dst":
      return obj(a.type === "set_ipv4_src" ? "OFPActionSetNwSrc" : "OFPActionSetNwDst", a.type === "set_ipv4_src" ? 6 : 7, [["nw_addr", showValue("nw_addr", a.ip)]]);
    case "set_ip_dscp":
      return obj("OFPActionSetNwTos", 8, [["tos", String(a.dscp)]]);
    case "set_l4_src_port":
    case "set_l4_dst_port":
      return obj(a.type === "set_l4_src_port" ? "OFPActionSetTpSrc" : "OFPActionSetTpDst", a.type === "set_l4_src_port" ? 9 : 10, [["tp", String(a.port)]]);
    default:
      return obj(`ovsim:${a.type}`, -1);
  }
}

const OFPIT = { GOTO_TABLE: 1, WRITE_METADATA: 2, WRITE_ACTIONS: 3, APPLY_ACTIONS: 4, CLEAR_ACTIONS: 5, METER: 6 } as const;

function instructionObj(type: number, actions?: readonly RyuObj[]): RyuObj {
  return obj("OFPInstructionActions", type, [["actions", showList(actions ?? [])], ["type", String(type)]]);
}

/** Python's sorted(key=type): stable. */
function byType(l: readonly RyuObj[]): RyuObj[] {
  return l.map((o, i) => ({ o, i })).sort((a, b) => a.o.type - b.o.type || a.i - b.i).map((x) => x.o);
}

function sentInstructions(v: Json | undefined): RyuObj[] {
  return byType(
    list(v).map((i) => {
      const [tag, o] = tagged(i);
      switch (tag) {
        case "OFPInstructionActions": {
          const type = Number(num(o, "type", OFPIT.APPLY_ACTIONS));
          return instructionObj(type, list(member(o, "actions")).map((a) => sentAction(a, false)));
        }
        case "OFPInstructionGotoTable":
          return obj("OFPInstructionGotoTable", OFPIT.GOTO_TABLE, [["table_id", num(o, "table_id", 0).toString()]]);
        case "OFPInstructionWriteMetadata":
          return obj("OFPInstructionWriteMetadata", OFPIT.WRITE_METADATA, [["metadata", num(o, "metadata", 0).toString()], ["metadata_mask", num(o, "metadata_mask", 0).toString()]]);
        case "OFPInstructionMeter":
          return obj("OFPInstructionMeter", OFPIT.METER, [["meter_id", num(o, "meter_id", 0).toString()]]);
      }
      return obj(tag, -1, [["json", JSON.stringify(o)]]);
    }),
  );
}

/** ofpacts_put_openflow_instructions: a flow's actions as OpenFlow 1.1+ instructions. */
function replyInstructions(actions: ActionList): RyuObj[] {
  const out: RyuObj[] = [];
  const apply: RyuObj[] = [];
  for (const a of actions) {
    switch (a.type) {
      case "meter":
        out.push(obj("OFPInstructionMeter", OFPIT.METER, [["meter_id", String(a.meterId)]]));
        break;
      case "clear_actions":
        out.push(instructionObj(OFPIT.CLEAR_ACTIONS));
        break;
      case "write_actions":
        out.push(instructionObj(OFPIT.WRITE_ACTIONS, a.actions.map((x) => replyAction(x, false))));
        break;
      case "write_metadata":
        out.push(obj("OFPInstructionWriteMetadata", OFPIT.WRITE_METADATA, [["metadata", a.metadata.toString()], ["metadata_mask", a.mask.toString()]]));
        break;
      case "goto_table":
        out.push(obj("OFPInstructionGotoTable", OFPIT.GOTO_TABLE, [["table_id", String(a.table)]]));
        break;
      default:
        apply.push(replyAction(a, false));
    }
  }
  if (apply.length > 0) out.push(instructionObj(OFPIT.APPLY_ACTIONS, apply));
  return byType(out);
}

// ---------------------------------------------------------------------------
// The checks.

/** One compared attribute: its name, the reply's text, the sent message's text. */
type Attr = readonly [string, string];

/** `_compare_flow` and friends: the first attribute that differs, as `name(reply != sent)`, or null. */
function firstDifference(what: string, reply: readonly Attr[], sent: readonly Attr[]): string | null {
  for (let i = 0; i < sent.length; i++) {
    const r = reply[i]?.[1] ?? "";
    const s = sent[i]?.[1] ?? "";
    if (r !== s) return `${what}(${r} != ${s})`;
  }
  return null;
}

function sentFlowAttrs(o: Obj, version: OfVersion): Attr[] {
  const of10 = version === "OpenFlow10";
  const attrs: Attr[] = [
    ["cookie", num(o, "cookie", 0).toString()],
    ["priority", num(o, "priority", 0x8000).toString()],
    ["hard_timeout", num(o, "hard_timeout", 0).toString()],
    ["idle_timeout", num(o, "idle_timeout", 0).toString()],
    ["match", of10 ? showOf10(sentOf10(member(o, "match"))) : showOxms(sentOxms(member(o, "match")))],
  ];
  if (of10) attrs.push(["actions", showList(byType(list(member(o, "actions")).map((a) => sentAction(a, true))))]);
  else attrs.push(["table_id", num(o, "table_id", 0).toString()], ["instructions", showList(sentInstructions(member(o, "instructions")))]);
  return attrs;
}

function replyFlowAttrs(f: FlowEntry<ActionList>, protocol: number, version: OfVersion): Attr[] {
  const of10 = version === "OpenFlow10";
  const m = f.match;
  const actions = actionsAsDumped(f.actions, protocol, m);
  const attrs: Attr[] = [
    ["cookie", f.cookie.toString()],
    ["priority", String(f.priority)],
    ["hard_timeout", String(f.hardTimeout)],
    ["idle_timeout", String(f.idleTimeout)],
    ["match", of10 ? showOf10(replyOf10(m)) : showOxms(replyOxms(m))],
  ];
  if (of10) attrs.push(["actions", showList(byType(actions.map((a) => replyAction(a, true))))]);
  else attrs.push(["table_id", String(f.tableId)], ["instructions", showList(replyInstructions(actions))]);
  return attrs;
}

const OFPMF = { KBPS: 1, PKTPS: 2, BURST: 4, STATS: 8 } as const;

function bandText(type: "drop" | "dscp_remark", rate: bigint, burst: bigint, precLevel: bigint): string {
  return type === "drop"
    ? `OFPMeterBandDrop(burst_size=${burst},len=16,rate=${rate},type=1)`
    : `OFPMeterBandDscpRemark(burst_size=${burst},len=16,prec_level=${precLevel},rate=${rate},type=2)`;
}

function sentMeterAttrs(o: Obj): Attr[] {
  const bands = list(member(o, "bands")).map((b) => {
    const [tag, bo] = tagged(b);
    if (tag !== "OFPMeterBandDrop" && tag !== "OFPMeterBandDscpRemark") throw new RyuMessageError(`unknown meter band ${tag}`);
    return bandText(tag === "OFPMeterBandDrop" ? "drop" : "dscp_remark", num(bo, "rate", 0), num(bo, "burst_size", 0), num(bo, "prec_level", 0));
  });
  return [
    ["flags", num(o, "flags", OFPMF.KBPS).toString()],
    ["meter_id", num(o, "meter_id", 1).toString()],
    ["bands", `[${bands.join(", ")}]`],
  ];
}

function replyMeterAttrs(m: Meter): Attr[] {
  const f = m.flags;
  const flags = (f.kbps ? OFPMF.KBPS : 0) | (f.pktps ? OFPMF.PKTPS : 0) | (f.burst ? OFPMF.BURST : 0) | (f.stats ? OFPMF.STATS : 0);
  const bands = m.bands.map((b) => bandText(b.type, BigInt(b.rate), BigInt(b.burstSize), BigInt(b.precLevel)));
  return [
    ["flags", String(flags)],
    ["meter_id", String(m.meterId)],
    ["bands", `[${bands.join(", ")}]`],
  ];
}

const GROUP_TYPE_NUMBERS: ReadonlyMap<string, number> = new Map([
  ["all", 0],
  ["select", 1],
  ["indirect", 2],
  ["ff", 3],
]);

const VERSION_NUMBER: ReadonlyMap<OfVersion, 10 | 13 | 14> = new Map([
  ["OpenFlow10", 10],
  ["OpenFlow13", 13],
  ["OpenFlow14", 14],
]);

/**
 * Reads back what one prerequisite message installed, as the tester does
 * after it: "" when the switch's reply holds it, else the tester's verdict
 * ("Added incorrect flows: ..."). Only flow_mod adds are read back: the
 * corpus sends no other command (the tester would read back any).
 */
export function readBack(br: Bridge, msg: Json, version: OfVersion): string {
  const [tag, o] = tagged(msg);
  if (tag === "OFPFlowMod") {
    if (num(o, "command", 0) !== 0n) return "";
    const sent = sentFlowAttrs(o, version);
    const { flows, protocol } = selectFlows(br, "", VERSION_NUMBER.get(version) ?? 13);
    const ng: string[] = [];
    for (const f of flows) {
      const d = firstDifference("flow_stats", replyFlowAttrs(f, protocol, version), sent);
      if (d === null) return "";
      ng.push(d);
    }
    return `Added incorrect flows: ${ng.join(", ")}`;
  }
  if (tag === "OFPMeterMod") {
    const sent = sentMeterAttrs(o);
    const ng: string[] = [];
    for (const m of br.meterTable.meters()) {
      const d = firstDifference("meter_stats", replyMeterAttrs(m), sent);
      if (d === null) return "";
      ng.push(d);
    }
    return `Added incorrect meters: ${ng.join(", ")}`;
  }
  if (tag === "OFPGroupMod") {
    const sent: Attr[] = [["type", num(o, "type", 0).toString()]];
    const ng: string[] = [];
    for (const g of br.groupTable.groups()) {
      const d = firstDifference("group_stats", [["type", String(GROUP_TYPE_NUMBERS.get(g.type) ?? -1)]], sent);
      if (d === null) return "";
      ng.push(d);
    }
    return `Added incorrect groups: ${ng.join(", ")}`;
  }
  return "";
}
