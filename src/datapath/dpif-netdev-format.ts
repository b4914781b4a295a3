/**
 * Datapath flows as `ovs-appctl dpctl/dump-flows` prints them (lib/dpctl.c
 * with lib/odp-util.c's odp_flow_format, not verbose):
 *
 *   recirc_id(0),in_port(1),packet_type(ns=0,id=0),eth_type(0x0800),ipv4(src=10.0.0.1/255.255.255.0,proto=17,frag=no),udp(dst=80), packets:1, bytes:106, used:0.000s, actions:2
 *
 * Not verbose means: an attribute whose mask is all zero is left out, and so
 * is a field of an attribute whose mask is zero; an exact field prints its
 * value, a partial one `value/mask`. recirc_id, in_port and packet_type
 * always print. A packet with a VLAN header prints `eth_type(0x8100),
 * vlan(...),encap(...)` with the rest inside encap.
 *
 * A packet that came out of a tunnel prints first `tunnel(tun_id=..,src=..,
 * dst=..,[geneve(),]flags(..))` (format_odp_tun_attr: the attributes the
 * key has — tos and ttl only when non-zero, and ovsim keeps neither — with a
 * mask; flags as `-df-csum+key` over the masked flags).
 *
 * An MPLS packet prints `mpls(label=..,tc=..,ttl=..,bos=..[,label=..])`, one
 * group per label stack entry of the key.
 *
 * `tcp_flags(...)` follows a TCP packet's `tcp(...)` when its mask has bits
 * (format_flags_masked: `+syn-ack` for a partial mask, `syn|ack` for an
 * exact one).
 *
 * `formatOdpKey` prints a packet's whole key without a mask, as
 * odp_flow_key_format does (dp_netdev_upcall's "miss upcall" log): every
 * attribute the key has, each field's value, flags as `ack|syn` or `0`.
 */
import type { OdpKeyAttr, OdpSetAction, OdpValue } from "../actions/xlate/odp-set.js";
import { formatOdpKeyAttr, hexAlt } from "../actions/xlate/odp-set.js";
import { countMplsLabels, ethTypeMpls, lseAt } from "../actions/xlate/flow-mpls.js";
import { formatOdpActions } from "../actions/xlate/odp-actions.js";
import { XM } from "../actions/xlate/odp-metadata.js";
import type { FlowMember } from "../flowtable/flow-layout.js";
import { M, readMember, tunnelDstIsSet } from "../flowtable/flow-layout.js";
import { formatIpv4, formatIpv6 } from "../flowtable/field-values.js";
import type { Megaflow } from "./megaflow-cache.js";
import { DP_KEY_WORDS } from "./megaflow-cache.js";
import type { KeyRoot } from "./megaflow-cache.js";
import { TCP_FLAG_NAMES } from "../flowtable/flag-names.js";
import { packetFieldsMask } from "../flowtable/flow-print.js";

const VLAN_CFI = 0x1000;

function num(words: Uint32Array, m: FlowMember): number {
  return Number(readMember(words, m));
}

/**
 * Whether the key is printed verbose (odp_flow_format's `verbose`, as
 * lib/dpif.c's log_flow_message prints a flow): every attribute and field
 * the key has, an empty mask as `/0`. Set only while formatMegaflowKey runs.
 */
let verboseFormat = false;
/** Whether the key is printed alone (formatOdpKey): its attributes are those of its values, not of a mask. */
let keyOnlyFormat = false;

/** An attribute printed as a masked set prints: fields with mask bits only (all of them, verbose). */
function attr(name: OdpKeyAttr, values: OdpValue[], masks: OdpValue[]): string | null {
  if (!verboseFormat && masks.every((m) => m === 0 || m === 0n)) return null;
  const a: OdpSetAction = { type: "set", attr: name, masked: true, values, masks };
  return formatOdpKeyAttr(a, verboseFormat);
}

function vals(key: Uint32Array, mask: Uint32Array, members: readonly FlowMember[], wide: readonly boolean[]): { v: OdpValue[]; m: OdpValue[] } {
  const v: OdpValue[] = [];
  const m: OdpValue[] = [];
  members.forEach((mem, i) => {
    const kv = readMember(key, mem);
    const mv = readMember(mask, mem);
    // dpif-netdev keeps the packet's whole key: values print unmasked.
    v.push(wide[i] === true ? kv : Number(kv));
    m.push(wide[i] === true ? mv : Number(mv));
  });
  return { v, m };
}

/** ODP fragment type of nw_frag bits (FLOW_NW_FRAG_ANY 1, LATER 2): no, first, later. */
function odpFrag(nwFrag: number): number {
  return (nwFrag & 1) === 0 ? 0 : (nwFrag & 2) === 0 ? 1 : 2;
}

function formatVlan(tci: number, mask: number): string {
  // format_vlan_tci: a partial mask is always `/0x%x` (`pcp=7/0x0`).
  const parts: string[] = [];
  const vid = tci & 0xfff;
  const vidMask = mask & 0xfff;
  if (vid !== 0 || vidMask !== 0) parts.push(`vid=${vid}${vidMask === 0xfff ? "" : `/0x${vidMask.toString(16)}`}`);
  const pcp = (tci >>> 13) & 7;
  const pcpMask = (mask >>> 13) & 7;
  if (pcp !== 0 || pcpMask !== 0) parts.push(`pcp=${pcp}${pcpMask === 7 ? "" : `/0x${pcpMask.toString(16)}`}`);
  if ((tci & VLAN_CFI) === 0) parts.push("cfi=0");
  return `vlan(${parts.join(",")})`;
}

/**
 * `mpls(...)` (format_mpls): one `label=,tc=,ttl=,bos=` group per entry the
 * key's stack has (flow_count_mpls_labels of the key), each field with its
 * mask unless the whole attribute is exact; null when nothing is matched.
 */
function formatMpls(key: Uint32Array, mask: Uint32Array): string | null {
  const n = countMplsLabels(key);
  const masks = Array.from({ length: n }, (_, i) => lseAt(mask, i));
  if (masks.every((m) => m === 0)) return null;
  const exact = masks.every((m) => m === 0xffffffff);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = lseAt(key, i);
    const m = masks[i] ?? 0;
    const [label, tc, ttl, bos] = [k >>> 12, (k >>> 9) & 7, k & 0xff, (k >>> 8) & 1];
    if (exact) parts.push(`label=${label},tc=${tc},ttl=${ttl},bos=${bos}`);
    else {
      const hex = (v: number): string => v.toString(16);
      parts.push(`label=${label}/0x${hex(m >>> 12)},tc=${tc}/${hex((m >>> 9) & 7)},ttl=${ttl}/0x${hex(m & 0xff)},bos=${bos}/${hex((m >>> 8) & 1)}`);
    }
  }
  return `mpls(${parts.join(",")})`;
}

/** OVS's format_flags: the set bits' names joined by `|`, `0` when none. */
function formatFlagBits(flags: number, names: ReadonlyMap<number, string>): string {
  if (flags === 0) return "0";
  const out: string[] = [];
  let bad = 0;
  for (let bit = 1; bit !== 0 && bit <= flags; bit <<= 1) {
    if ((flags & bit) === 0) continue;
    const n = names.get(bit);
    if (n === undefined) bad |= bit;
    else out.push(n);
  }
  if (bad !== 0) out.push(`0x${bad.toString(16)}`);
  return out.join("|");
}

/** OVS's format_flags_masked: exact as format_flags, else `+name-name` over the mask's bits. */
function formatFlagsMasked(flags: number, mask: number, max: number, names: ReadonlyMap<number, string>): string {
  if (mask === max) return formatFlagBits(flags, names);
  if (mask === 0) return "0/0";
  let out = "";
  for (let bit = 1; bit !== 0 && bit <= mask; bit <<= 1) {
    if ((mask & bit) !== 0) out += `${(flags & bit) !== 0 ? "+" : "-"}${names.get(bit) ?? "[Unknown]"}`;
  }
  return out;
}

/** `tcp_flags(...)` of a TCP key, or null when its mask is empty. */
function formatTcpFlags(flags: number, mask: number): string | null {
  if (mask === 0 && !verboseFormat) return null;
  return `tcp_flags(${formatFlagsMasked(flags, mask, 0x0fff, TCP_FLAG_NAMES)})`;
}

/** ICMP type and code are 8 bits in the datapath key (ovs_key_icmp): the flow's 16-bit masks narrowed. */
function icmpMasks(m: OdpValue[]): OdpValue[] {
  return m.map((x) => Number(x) & 0xff);
}

function l3AndL4(key: Uint32Array, mask: Uint32Array, out: string[]): void {
  const dlType = num(key, M.dlType);
  const proto = num(key, M.nwProto);
  const push = (s: string | null): void => {
    if (s !== null) out.push(s);
  };
  if (dlType === 0x0800 || dlType === 0x86dd) {
    const fragMask = num(mask, M.nwFrag) !== 0 ? 0xff : 0;
    const frag = odpFrag(num(key, M.nwFrag));
    if (dlType === 0x0800) {
      const { v, m } = vals(key, mask, [M.nwSrc, M.nwDst, M.nwProto, M.nwTos, M.nwTtl], []);
      push(attr("ipv4", [...v, frag], [...m, fragMask]));
    } else {
      const { v, m } = vals(key, mask, [M.ipv6Src, M.ipv6Dst, M.ipv6Label, M.nwProto, M.nwTos, M.nwTtl], [true, true]);
      push(attr("ipv6", [...v, frag], [...m, fragMask]));
    }
    if ((num(key, M.nwFrag) & 2) !== 0) return;
    const tp = vals(key, mask, [M.tpSrc, M.tpDst], []);
    if (proto === 6) {
      push(attr("tcp", tp.v, tp.m));
      // The key has the attribute when the flow's flags or their mask are not zero (odp_flow_key_from_flow).
      const flags = num(key, M.tcpFlags) & 0x0fff;
      const flagsMask = keyOnlyFormat ? 0 : num(mask, M.tcpFlags) & 0x0fff;
      if (flags !== 0 || flagsMask !== 0) push(formatTcpFlags(flags, keyOnlyFormat ? 0x0fff : flagsMask));
    }
    else if (proto === 17) push(attr("udp", tp.v, tp.m));
    else if (proto === 132) push(attr("sctp", tp.v, tp.m));
    else if (proto === 1 && dlType === 0x0800) push(attr("icmp", tp.v, icmpMasks(tp.m)));
    else if (proto === 58 && dlType === 0x86dd) {
      push(attr("icmpv6", tp.v, icmpMasks(tp.m)));
      const type = num(key, M.tpSrc) & 0xff;
      if (type === 135 || type === 136) {
        const nd = vals(key, mask, [M.ndTarget, M.arpSha, M.arpTha], [true]);
        push(attr("nd", nd.v, nd.m));
      }
    }
  } else if (dlType === 0x0806 || dlType === 0x8035) {
    const { v, m } = vals(key, mask, [M.nwSrc, M.nwDst, M.nwProto, M.arpSha, M.arpTha], []);
    // The ARP opcode is 16 bits in the datapath key, 8 in the flow.
    if (m[2] === 0xff) m[2] = 0xffff;
    push(attr("arp", v, m));  } else if (ethTypeMpls(dlType)) {
    push(formatMpls(key, mask));
  }
}

const TNL_FLAG_NAMES: ReadonlyArray<readonly [number, string]> = [
  [1 << 0, "oam"],
  [1 << 1, "df"],
  [1 << 2, "csum"],
  [1 << 3, "key"],
];

function masked(v: number | bigint, m: number | bigint, full: number | bigint, text: (x: number | bigint) => string): string {
  return m === full ? text(v) : `${text(v)}/${text(m)}`;
}

/** `tunnel(...)` of a key with tunnel fields (format_odp_tun_attr, not verbose), or null. */
function formatTunnel(key: Uint32Array, mask: Uint32Array, geneve: boolean): string | null {
  if (!tunnelDstIsSet(key)) return null;
  const parts: string[] = [];
  const id = readMember(key, M.tunId);
  const idMask = readMember(mask, M.tunId);
  const flags = num(key, M.tunFlags);
  const hex = (x: number | bigint): string => `0x${x.toString(16)}`;
  if ((flags & (1 << 3)) !== 0 && idMask !== 0n) parts.push(`tun_id=${masked(id, idMask, 0xffffffffffffffffn, hex)}`);
  const ip = (x: number | bigint): string => formatIpv4(BigInt(x));
  const srcMask = num(mask, M.tunSrc);
  if (srcMask !== 0) parts.push(`src=${masked(num(key, M.tunSrc), srcMask, 0xffffffff, ip)}`);
  const dstMask = num(mask, M.tunDst);
  if (dstMask !== 0 && num(key, M.tunDst) !== 0) parts.push(`dst=${masked(num(key, M.tunDst), dstMask, 0xffffffff, ip)}`);
  const ip6 = (x: number | bigint): string => formatIpv6(BigInt(x));
  const all128 = (1n << 128n) - 1n;
  for (const [name, m] of [["ipv6_src", M.tunIpv6Src], ["ipv6_dst", M.tunIpv6Dst]] as const) {
    const v = readMember(key, m);
    const vm = readMember(mask, m);
    if (v !== 0n && vm !== 0n) parts.push(`${name}=${masked(v, vm, all128, ip6)}`);
  }
  // The TOS attribute is in the key only when non-zero (tun_key_to_attr); tnl_wc_init makes it exact.
  const tos = num(key, XM.tunTos);
  const tosMask = num(mask, XM.tunTos);
  if (tos !== 0 && tosMask !== 0) parts.push(`tos=${masked(tos, tosMask, 0xff, hex)}`);
  // TTL is always in the key, the UDP ports when set; each prints when its mask has bits
  // (a flow put by hand may match them; translation never does).
  const dec = (v: number, m: number, full: number): string => (m === full ? String(v) : `${v}/${hexAlt(m)}`);
  const ttlMask = num(mask, XM.tunTtl);
  if (ttlMask !== 0) parts.push(`ttl=${dec(num(key, XM.tunTtl), ttlMask, 0xff)}`);
  for (const [name, m] of [["tp_src", XM.tunTpSrc], ["tp_dst", XM.tunTpDst]] as const) {
    const v = num(key, m);
    const vm = num(mask, m);
    if (v !== 0 && vm !== 0) parts.push(`${name}=${dec(v, vm, 0xffff)}`);
  }
  if (geneve) parts.push("geneve()");
  const flagsMask = num(mask, M.tunFlags);
  if (flagsMask !== 0) {
    const f = TNL_FLAG_NAMES.filter(([bit]) => (flagsMask & bit) !== 0).map(([bit, name]) => `${(flags & bit) !== 0 ? "+" : "-"}${name}`);
    parts.push(`flags(${f.join("")})`);
  }
  return `tunnel(${parts.join(",")})`;
}

/**
 * The megaflow's key and mask as odp_flow_format prints them (not verbose);
 * `geneve`: the key's in_port is a Geneve vport (its tunnel prints `geneve()`).
 */
export function formatMegaflowKey(key: Uint32Array, mask: Uint32Array, geneve = false, keyOnly = false, verbose = false, root: KeyRoot = "packet_type"): string {
  verboseFormat = verbose;
  keyOnlyFormat = keyOnly;
  try {
    return formatKey(key, mask, geneve, keyOnly, verbose, root);
  } finally {
    verboseFormat = false;
    keyOnlyFormat = false;
  }
}

/** `value` or `value/mask` of a u32 metadata attribute (%#x), null when the mask is empty and not verbose. */
function metaU32(name: string, v: number, m: number, verbose: boolean): string | null {
  if (m === 0 && !verbose) return null;
  return `${name}(${hexAlt(v)}${m === 0xffffffff ? "" : `/${hexAlt(m)}`})`;
}

/**
 * `root` other than `packet_type`: a flow put by hand without `packet_type(...)`:
 * odp_flow_format leaves the wildcarded packet_type out and prints the Ethernet attribute the
 * key has even when wildcarded (`eth()`; a key of L3 packets has none), and recirc_id only
 * when its mask has bits (not verbose).
 */
function formatKey(key: Uint32Array, mask: Uint32Array, geneve: boolean, keyOnly: boolean, verbose: boolean, root: KeyRoot = "packet_type"): string {
  const packetTypeWild = root !== "packet_type";
  const out: string[] = [];
  const tunnel = formatTunnel(key, mask, geneve);
  if (tunnel !== null) out.push(tunnel);
  const push = (s: string | null): void => {
    if (s !== null) out.push(s);
  };
  push(metaU32("skb_priority", num(key, XM.skbPriority), num(mask, XM.skbPriority), verbose));
  push(metaU32("skb_mark", num(key, M.pktMark), num(mask, M.pktMark), verbose));
  out.push(...formatConntrackKey(key, mask, keyOnly, verbose));
  const recircMask = num(mask, XM.recircId);
  if (!packetTypeWild || recircMask !== 0 || verbose) out.push(`recirc_id(${hexAlt(num(key, XM.recircId))}${packetTypeWild && recircMask !== 0xffffffff ? `/${hexAlt(recircMask)}` : ""})`);
  // OVS prints the installing packet's whole dp_hash with the mask.
  push(metaU32("dp_hash", num(key, XM.dpHash), num(mask, XM.dpHash), verbose));
  out.push(`in_port(${num(key, M.inPort)})`);
  if (!packetTypeWild || verbose) out.push("packet_type(ns=0,id=0)");
  const eth = vals(key, mask, [M.dlSrc, M.dlDst], []);
  const e = attr("eth", eth.v, eth.m);
  if (e !== null) out.push(e);
  else if (root === "eth") out.push("eth()");
  const tci = num(key, M.vlanTci);
  const inner: string[] = [];
  const dlTypeMask = num(mask, M.dlType);
  if ((tci & VLAN_CFI) !== 0) {
    const tpid = num(key, XM.vlanTpid) || 0x8100;
    out.push(`eth_type(0x${tpid.toString(16).padStart(4, "0")})`);
    out.push(formatVlan(tci, num(mask, M.vlanTci)));
    const tci1 = num(key, M.vlanTci1);
    const target: string[] = [];
    if ((tci1 & VLAN_CFI) !== 0) {
      const tpid1 = num(key, XM.vlanTpid1) || 0x8100;
      target.push(`eth_type(0x${tpid1.toString(16).padStart(4, "0")})`);
      target.push(formatVlan(tci1, num(mask, M.vlanTci1)));
      const deeper: string[] = [];
      if (dlTypeMask !== 0) deeper.push(`eth_type(0x${num(key, M.dlType).toString(16).padStart(4, "0")})`);
      l3AndL4(key, mask, deeper);
      target.push(`encap(${deeper.join(",")})`);
    } else {
      if (dlTypeMask !== 0) target.push(`eth_type(0x${num(key, M.dlType).toString(16).padStart(4, "0")})`);
      l3AndL4(key, mask, target);
    }
    out.push(`encap(${target.join(",")})`);
    return out.join(",");
  }
  if (dlTypeMask !== 0) inner.push(`eth_type(0x${num(key, M.dlType).toString(16).padStart(4, "0")})`);
  l3AndL4(key, mask, inner);
  out.push(...inner);
  return out.join(",");
}

/** OVS's odp_format_ufid: a megaflow's ufid as `ufid:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (ovsim's: its insertion number). */
export function formatUfid(seq: number, mega: boolean): string {
  const hex = (seq >>> 0).toString(16).padStart(8, "0");
  return `${mega ? "mega_" : ""}ufid:${hex}-0000-0000-0000-${mega ? "0001" : "0000"}00000000`;
}

/** `used:` as dpctl prints it: seconds since the last hit, or never. */
export function formatUsed(used: number, now: number): string {
  return used < 0 ? "never" : `${((now - used) / 1000).toFixed(3)}s`;
}

/** ODP's conntrack state flags (odp_ct_state_to_string), low bit first. */
const ODP_CT_STATE_NAMES = ["new", "est", "rel", "rpl", "inv", "trk", "snat", "dnat"] as const;

/** `ct_state(+new+trk)`, `ct_zone(0x5)`, `ct_mark(0x1/0xff)`, `ct_label(0x1/0x1)`: the conntrack attributes the megaflow matches. */
function formatConntrackKey(key: Uint32Array, mask: Uint32Array, keyOnly: boolean, verbose = false): string[] {
  const out: string[] = [];
  const stateMask = num(mask, M.ctState);
  if (keyOnly) {
    out.push(`ct_state(${formatFlagBits(num(key, M.ctState), ODP_CT_STATE_BITS)})`);
  } else if (verbose) {
    // The attribute is 32 bits: ovsim's 8-bit mask is never exact.
    out.push(`ct_state(${hexAlt(num(key, M.ctState))}/${hexAlt(stateMask)})`);
  } else if (stateMask !== 0) {
    const state = num(key, M.ctState);
    const flags = ODP_CT_STATE_NAMES.map((n, i) => ((stateMask >> i) & 1 ? `${(state >> i) & 1 ? "+" : "-"}${n}` : "")).join("");
    out.push(`ct_state(${flags})`);
  }
  for (const [name, m, full] of [["ct_zone", M.ctZone, 0xffff], ["ct_mark", M.ctMark, 0xffffffff]] as const) {
    const mk = num(mask, m);
    if (mk !== 0 || verbose) out.push(`${name}(${hexAlt(num(key, m))}${mk === full ? "" : `/${hexAlt(mk)}`})`);
  }
  // format_u128: hex without leading zeros, `/mask` unless all ones.
  const labelMask = readMember(mask, M.ctLabel);
  if (labelMask !== 0n || verbose) {
    const hex = (v: bigint): string => (v === 0n ? "0" : `0x${v.toString(16)}`);
    out.push(`ct_label(${hex(readMember(key, M.ctLabel))}${labelMask === U128_ONES ? "" : `/${hex(labelMask)}`})`);
  }
  return out;
}

const U128_ONES = (1n << 128n) - 1n;

const ODP_CT_STATE_BITS: ReadonlyMap<number, string> = new Map(ODP_CT_STATE_NAMES.map((n, i) => [1 << i, n]));

/**
 * The mask of every field a packet with datapath key `key` has
 * (flow_wildcards_init_for_packet): the datapath metadata (skb_priority,
 * recirc_id, dp_hash) exact, and the packet's own fields. A datapath flow
 * put without a mask matches this (odp_flow_key_to_mask), and so do the
 * flows installed while megaflows are disabled.
 */
export function exactKeyMask(key: Uint32Array): Uint32Array {
  const mask = new Uint32Array(DP_KEY_WORDS);
  mask.set(packetFieldsMask(key));
  for (const m of [XM.skbPriority, XM.recircId, XM.dpHash]) mask[m.word] = 0xffffffff;
  return mask;
}

/** A packet's whole datapath key without a mask (odp_flow_key_format), as the "miss upcall" log prints it. */
export function formatOdpKey(key: Uint32Array, geneve = false): string {
  return formatMegaflowKey(key, exactKeyMask(key), geneve, true);
}

/** One line of `dpctl/dump-flows`. */
export function formatMegaflow(m: Megaflow, now: number, geneve = false): string {
  const stats = `packets:${m.packets}, bytes:${m.bytes}, used:${formatUsed(m.used, now)}`;
  return `${formatMegaflowKey(m.flow, m.subtable.mask, geneve, false, false, m.keyRoot)}, ${stats}, actions:${formatOdpActions(m.actions)}`;
}

