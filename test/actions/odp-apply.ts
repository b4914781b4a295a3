/**
 * Test-only stand-in for translation: applies the header-changing OpenFlow
 * actions of the commit fixtures (as `ovs-ofctl dump-flows` prints them) to a
 * translation flow, un-wildcarding what OVS's `do_xlate_actions` un-wildcards,
 * and calls `commitOdpActions` before each output, as OVS's `compose_output_action`
 * does. It knows only the actions the fixtures use; translation proper is
 * src/actions/xlate's job.
 */
import { commitOdpActions } from "../../src/actions/xlate/odp-commit.js";
import type { OdpAction } from "../../src/actions/xlate/odp-actions.js";
import { XM, xlateFlowOf } from "../../src/actions/xlate/odp-metadata.js";
import type { FieldSpec } from "../../src/flowtable/fields.js";
import { fieldByName } from "../../src/flowtable/fields.js";
import { parseFieldValue } from "../../src/flowtable/field-parse.js";
import { parseEthernet, parseIpv4 } from "../../src/flowtable/field-values.js";
import type { FlowMember } from "../../src/flowtable/flow-layout.js";
import { M, readMember, readSmall, writeMember } from "../../src/flowtable/flow-layout.js";
import { parseSubfield } from "../../src/flowtable/subfield.js";

const VLAN_CFI = 0x1000;

export interface Applied {
  /** The packet after all actions (OVS's final flow). */
  readonly flow: Uint32Array;
  readonly actions: OdpAction[];
  readonly wc: Uint32Array;
}

function ones(bits: number): bigint {
  return (1n << BigInt(bits)) - 1n;
}

/** ORs `bits` (member units) into `wc`'s member. */
function unwildcard(wc: Uint32Array, m: FlowMember, bits: bigint = ones(m.bits)): void {
  writeMember(wc, m, readMember(wc, m) | bits);
}

function isIpAny(flow: Uint32Array): boolean {
  const t = readSmall(flow, M.dlType);
  return t === 0x0800 || t === 0x86dd;
}

/** Writes field value/mask (field units) into flow and un-wildcards the mask, as set_field does. */
function setField(flow: Uint32Array, wc: Uint32Array, f: FieldSpec, value: bigint, mask: bigint): void {
  const bits = (mask << BigInt(f.shift)) & f.memberMask;
  const v = (value << BigInt(f.shift)) & bits;
  writeMember(flow, f.member, (readMember(flow, f.member) & ~bits) | v);
  unwildcard(wc, f.member, bits);
  // OVS's flow_set_vlan_pcp marks the header present.
  if (f.name === "vlan_pcp") writeMember(flow, M.vlanTci, readMember(flow, M.vlanTci) | BigInt(VLAN_CFI));
}

function tci(flow: Uint32Array, i: 0 | 1): number {
  return readSmall(flow, i === 0 ? M.vlanTci : M.vlanTci1);
}

function countVlans(flow: Uint32Array): number {
  if ((tci(flow, 0) & VLAN_CFI) === 0) return 0;
  return (tci(flow, 1) & VLAN_CFI) === 0 ? 1 : 2;
}

function setVlan(flow: Uint32Array, i: 0 | 1, t: number, tpid: number): void {
  writeMember(flow, i === 0 ? M.vlanTci : M.vlanTci1, BigInt(t));
  writeMember(flow, i === 0 ? XM.vlanTpid : XM.vlanTpid1, BigInt(tpid));
}

function tpidRaw(flow: Uint32Array, i: 0 | 1): number {
  return readSmall(flow, i === 0 ? XM.vlanTpid : XM.vlanTpid1);
}

function popVlan(flow: Uint32Array, wc: Uint32Array): void {
  const n = countVlans(flow);
  if (n > 1) {
    unwildcard(wc, M.vlanTci1);
    unwildcard(wc, XM.vlanTpid1);
    setVlan(flow, 0, tci(flow, 1), tpidRaw(flow, 1));
  }
  if (n > 0) setVlan(flow, (n - 1) as 0 | 1, 0, 0);
}

function pushVlan(flow: Uint32Array, wc: Uint32Array, tpid: number): void {
  const n = countVlans(flow);
  if (n > 0) {
    unwildcard(wc, M.vlanTci);
    unwildcard(wc, XM.vlanTpid);
  }
  if (n > 1) {
    unwildcard(wc, M.vlanTci1);
    unwildcard(wc, XM.vlanTpid1);
  }
  setVlan(flow, 1, tci(flow, 0), tpidRaw(flow, 0));
  setVlan(flow, 0, VLAN_CFI, tpid);
}

/** mod_vlan_vid / mod_vlan_pcp: `bits` of the TCI get `value`, pushing a header if needed. */
function modVlan(flow: Uint32Array, wc: Uint32Array, bits: number, value: number): void {
  unwildcard(wc, M.vlanTci, BigInt(bits | VLAN_CFI));
  const t = tci(flow, 0);
  if (tpidRaw(flow, 0) === 0) writeMember(flow, XM.vlanTpid, 0x8100n);
  writeMember(flow, M.vlanTci, BigInt((t & ~bits) | value | VLAN_CFI));
}

function num(s: string): number {
  return Number(s);
}

function mac(s: string): bigint {
  const v = parseEthernet(s);
  if (v === null) throw new Error(`bad MAC ${s}`);
  return v;
}

function ip(s: string): bigint {
  const v = parseIpv4(s);
  if (v === null) throw new Error(`bad IP ${s}`);
  return v;
}

/** Splits a dump-flows action list at top-level commas. */
function splitActions(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const c of s) {
    if (c === "," && depth === 0) {
      out.push(cur);
      cur = "";
      continue;
    }
    if (c === "(" || c === "[") depth++;
    if (c === ")" || c === "]") depth--;
    cur += c;
  }
  if (cur !== "") out.push(cur);
  return out;
}

/**
 * Runs `actionsText` on the packet `key` (a flow key) with the megaflow mask
 * `wcInit`, committing before each output. Datapath port = OpenFlow port.
 */
export function applyActions(key: Uint32Array, wcInit: Uint32Array, actionsText: string): Applied {
  const flow = xlateFlowOf(key);
  const base = xlateFlowOf(key);
  const wc = xlateFlowOf(wcInit);
  const origPriority = readSmall(flow, XM.skbPriority);
  const actions: OdpAction[] = [];
  for (const a of splitActions(actionsText)) {
    const colon = a.indexOf(":");
    const name = colon < 0 ? a : a.slice(0, colon);
    const arg = colon < 0 ? "" : a.slice(colon + 1);
    switch (name) {
      case "output":
        commitOdpActions(flow, base, actions, wc);
        actions.push({ type: "output", port: num(arg) });
        break;
      case "mod_dl_src":
        writeMember(flow, M.dlSrc, mac(arg));
        unwildcard(wc, M.dlSrc);
        break;
      case "mod_dl_dst":
        writeMember(flow, M.dlDst, mac(arg));
        unwildcard(wc, M.dlDst);
        break;
      case "mod_nw_src":
      case "mod_nw_dst":
        if (readSmall(flow, M.dlType) === 0x0800) {
          const m = name === "mod_nw_src" ? M.nwSrc : M.nwDst;
          writeMember(flow, m, ip(arg));
          unwildcard(wc, m);
          unwildcard(wc, M.nwProto);
        }
        break;
      case "mod_nw_tos":
        if (isIpAny(flow)) {
          writeMember(flow, M.nwTos, BigInt((readSmall(flow, M.nwTos) & 0x03) | num(arg)));
          unwildcard(wc, M.nwTos, 0xfcn);
          unwildcard(wc, M.nwProto);
        }
        break;
      case "mod_nw_ttl":
        if (isIpAny(flow)) {
          writeMember(flow, M.nwTtl, BigInt(num(arg)));
          unwildcard(wc, M.nwTtl);
          unwildcard(wc, M.nwProto);
        }
        break;
      case "dec_ttl":
        if (isIpAny(flow)) {
          unwildcard(wc, M.nwTtl);
          writeMember(flow, M.nwTtl, BigInt(readSmall(flow, M.nwTtl) - 1));
        }
        break;
      case "mod_tp_src":
      case "mod_tp_dst":
        if (isIpAny(flow) && (readSmall(flow, M.nwFrag) & 2) === 0) {
          const m = name === "mod_tp_src" ? M.tpSrc : M.tpDst;
          writeMember(flow, m, BigInt(num(arg)));
          unwildcard(wc, m);
          unwildcard(wc, M.nwProto);
        }
        break;
      case "set_queue":
        writeMember(flow, XM.skbPriority, BigInt(num(arg)));
        unwildcard(wc, XM.skbPriority);
        break;
      case "pop_queue":
        writeMember(flow, XM.skbPriority, BigInt(origPriority));
        unwildcard(wc, XM.skbPriority);
        break;
      case "mod_vlan_vid":
        modVlan(flow, wc, 0x0fff, num(arg));
        break;
      case "mod_vlan_pcp":
        modVlan(flow, wc, 0xe000, num(arg) << 13);
        break;
      case "strip_vlan":
      case "pop_vlan":
        popVlan(flow, wc);
        break;
      case "push_vlan":
        pushVlan(flow, wc, num(arg));
        break;
      case "set_field": {
        const [v, fname] = arg.split("->") as [string, string];
        const f = fieldByName(fname);
        if (!f) throw new Error(`unknown field ${fname}`);
        const p = parseFieldValue(f, v);
        if (!p.ok) throw new Error(p.error);
        setField(flow, wc, f, p.value, p.mask);
        break;
      }
      case "load": {
        const [v, dst] = arg.split("->") as [string, string];
        const sf = parseSubfield(dst);
        if (!sf.ok) throw new Error(sf.error);
        const { field, ofs, nBits } = sf.sf;
        setField(flow, wc, field, BigInt(v) << BigInt(ofs), ones(nBits) << BigInt(ofs));
        break;
      }
      default:
        throw new Error(`odp-apply: action ${a} not supported`);
    }
  }
  return { flow, actions, wc };
}
