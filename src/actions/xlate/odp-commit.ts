/**
 * Commit: turn the header changes translation made into datapath actions
 * (OVS's `commit_odp_actions` in lib/odp-util.c).
 *
 * Translation edits `flow` (the packet as OpenFlow actions have made it so
 * far) and keeps `base` (the packet as the datapath will have made it when the
 * actions emitted so far have run). Before anything that looks at the packet
 * (an output, a recirculation, a userspace action...) it calls
 * `commitOdpActions(flow, base, out, wc)`, which appends the actions that turn
 * `base` into `flow` and then makes `base` equal `flow` on every field the
 * datapath can see, in OVS's order:
 *
 *   set(eth) · set(ipv4 | ipv6 [+ nd] | arp) · set(tcp | udp | sctp) ·
 *   set(icmp | icmpv6) · pop_vlan/push_vlan · set(skb_priority) · set(skb_mark)
 *
 * Masks, as OVS's userspace datapath uses them (`use_masked`):
 * - Only fields that differ take part: equal fields get a zero mask and are
 *   left out of the printed set.
 * - The mask of a changed field is what `wc` holds for it — the bits
 *   translation has matched on or written (OVS's set actions un-wildcard the
 *   bits they write: `mod_nw_tos` un-wildcards the DSCP bits, hence
 *   `set(ipv4(tos=0x20/0xfc))`). Without `wc`, or when `wc` misses some of a
 *   field's changes, the changed field is written whole.
 * - proto and frag can never be written: their mask is zero, so IPv4 and
 *   IPv6 sets are always masked sets.
 * - A set whose mask covers the whole header is an unmasked `set`, printed
 *   with every field (`set(tcp(src=1,dst=2))`); ICMP sets are always unmasked,
 *   as in OVS, and un-wildcard type and code.
 *
 * OVS quirks kept: a packet whose `nw_proto` is 0 gets no L3/L4 set at all
 * (an IP packet with protocol 0, an ARP with opcode 0); a changed VLAN header
 * is popped and pushed again (there is no set(vlan)); priority and mark come
 * last.
 *
 * `flow`, `base` and `wc` are translation flows (`odp-metadata.ts`): flow keys,
 * optionally followed by skb_priority and the VLAN TPIDs. No BigInt is used
 * except to build the value of an IPv6 set action.
 *
 * MPLS (commit_mpls_action) compares the label stacks (up to three entries,
 * flow-mpls.ts): a changed outermost entry becomes set(mpls), a removed one
 * pop_mpls, a new one push_mpls.
 *
 * Not modelled (no flow member): NSH, packet_type (encap/decap),
 * ND extensions (nd_reserved, nd_options_type), tunnel metadata (committed by
 * the tunnel code as tnl_push).
 */
import type { FlowMember } from "../../flowtable/flow-layout.js";
import { M, readSmall, tunnelDstIsSet } from "../../flowtable/flow-layout.js";
import type { OdpAction } from "./odp-actions.js";
import {
  countCommonMplsLabels,
  countMplsLabels,
  ETH_TYPE_MPLS,
  ethTypeMpls,
  flowPopMpls,
  flowPushMpls,
  isMplsFlow,
  lseAt,
  setLseAt,
} from "./flow-mpls.js";
import { XM, vlanTpid } from "./odp-metadata.js";
import type { OdpKeyAttr, OdpKeyField, OdpSetAction, OdpValue } from "./odp-set.js";
import { fullMask, ODP_KEY_FIELDS } from "./odp-set.js";
import { ETH_TYPE, IPPROTO } from "../../flowtable/protocols.js";

const VLAN_CFI = 0x1000;
const IP_ECN_MASK = 0x03;
const FLOW_NW_FRAG_ANY = 1;
const FLOW_NW_FRAG_LATER = 2;
const ODP_FRAG_NONE = 0;
const ODP_FRAG_FIRST = 1;
const ODP_FRAG_LATER = 2;

/** How a member's bits become an ODP field's value (OVS's get_*_key / put_*_key). */
const enum Conv {
  /** The member bits are the field. */
  None,
  /** nw_frag → OVS_FRAG_TYPE_* (never written). */
  Frag,
  /** nw_proto (8 bits) → arp_op (16 bits; 0xff becomes 0xffff). */
  ArpOp,
}

/** One ODP field bound to the flow member it views. */
interface Binding {
  readonly member: FlowMember;
  /** Words of the field in the ODP key: 1 (up to 32 bits), 2 (MAC), 4 (IPv6 address). */
  readonly words: 1 | 2 | 4;
  /** For 1-word fields: the member bits (after shifting down) the field covers. */
  readonly bits: number;
  readonly conv: Conv;
  /** proto and frag are carried in the key but can never be set. */
  readonly writable: boolean;
}

function bind(member: FlowMember, o: { bits?: number; conv?: Conv; writable?: boolean } = {}): Binding {
  const words = member.bits > 64 ? 4 : member.bits > 32 ? 2 : 1;
  const bits = o.bits ?? (member.bits >= 32 ? 0xffffffff : 2 ** member.bits - 1);
  return { member, words, bits, conv: o.conv ?? Conv.None, writable: o.writable ?? true };
}

interface AttrSpec {
  readonly attr: OdpKeyAttr;
  readonly fields: readonly OdpKeyField[];
  readonly bindings: readonly Binding[];
  /** Word offset of each field in the scratch key. */
  readonly offsets: readonly number[];
  readonly nWords: number;
  /** Index of the TOS / traffic class field (tunnel ECN rule), or -1. */
  readonly tosField: number;
}

function spec(attr: OdpKeyAttr, bindings: readonly Binding[]): AttrSpec {
  const fields: readonly OdpKeyField[] = ODP_KEY_FIELDS[attr];
  if (fields.length !== bindings.length) throw new Error(`odp-commit: ${attr} bindings do not match its fields`);
  const offsets: number[] = [];
  let n = 0;
  for (const b of bindings) {
    offsets.push(n);
    n += b.words;
  }
  const tosField = fields.findIndex((f) => f.name === "tos" || f.name === "tclass");
  return { attr, fields, bindings, offsets, nWords: n, tosField };
}

const TP = [bind(M.tpSrc), bind(M.tpDst)];
const ICMP = [bind(M.tpSrc, { bits: 0xff }), bind(M.tpDst, { bits: 0xff })];

const SPECS = {
  eth: spec("eth", [bind(M.dlSrc), bind(M.dlDst)]),
  ipv4: spec("ipv4", [
    bind(M.nwSrc),
    bind(M.nwDst),
    bind(M.nwProto, { writable: false }),
    bind(M.nwTos),
    bind(M.nwTtl),
    bind(M.nwFrag, { bits: 0x3, conv: Conv.Frag, writable: false }),
  ]),
  ipv6: spec("ipv6", [
    bind(M.ipv6Src),
    bind(M.ipv6Dst),
    bind(M.ipv6Label, { bits: 0xfffff }),
    bind(M.nwProto, { writable: false }),
    bind(M.nwTos),
    bind(M.nwTtl),
    bind(M.nwFrag, { bits: 0x3, conv: Conv.Frag, writable: false }),
  ]),
  arp: spec("arp", [
    bind(M.nwSrc),
    bind(M.nwDst),
    bind(M.nwProto, { conv: Conv.ArpOp }),
    bind(M.arpSha),
    bind(M.arpTha),
  ]),
  nd: spec("nd", [bind(M.ndTarget), bind(M.arpSha), bind(M.arpTha)]),
  tcp: spec("tcp", TP),
  udp: spec("udp", TP),
  sctp: spec("sctp", TP),
  icmp: spec("icmp", ICMP),
  icmpv6: spec("icmpv6", ICMP),
  skb_priority: spec("skb_priority", [bind(XM.skbPriority)]),
  skb_mark: spec("skb_mark", [bind(M.pktMark)]),
} as const satisfies Record<OdpKeyAttr, AttrSpec>;

// Scratch ODP keys (the largest, IPv6, is 13 words): commit allocates nothing
// unless it emits an action.
const KEY = new Uint32Array(16);
const BASE = new Uint32Array(16);
const MASK = new Uint32Array(16);

/** The field's value in ODP form, from member bits `raw` (1-word fields). */
function toOdp(conv: Conv, raw: number, isMask: boolean): number {
  switch (conv) {
    case Conv.None:
      return raw;
    case Conv.Frag:
      if (isMask) return raw !== 0 ? 0xff : 0;
      if ((raw & FLOW_NW_FRAG_ANY) === 0) return ODP_FRAG_NONE;
      return (raw & FLOW_NW_FRAG_LATER) !== 0 ? ODP_FRAG_LATER : ODP_FRAG_FIRST;
    case Conv.ArpOp:
      return raw === 0xff ? 0xffff : raw;
  }
}

/** Member bits of a 1-word field's ODP mask (put_*_key on a mask). */
function fromOdpMask(b: Binding, m: number): number {
  if (b.conv === Conv.None) return m & b.bits;
  return m !== 0 ? b.bits : 0;
}

/** Whether member word `w` of `wc` is there (a flow-key-sized wc has no metadata words). */
function hasWord(wc: Uint32Array, w: number): boolean {
  return w < wc.length;
}

/** Reads the field into `dst` at `off` (OVS's get_*_key); `wc` reads a mask. */
function getField(b: Binding, words: Uint32Array, dst: Uint32Array, off: number, isMask: boolean): void {
  const m = b.member;
  if (b.words === 1) {
    dst[off] = toOdp(b.conv, readSmall(words, m) & b.bits, isMask) >>> 0;
  } else if (b.words === 2) {
    dst[off] = (words[m.word] ?? 0) & 0xffff;
    dst[off + 1] = words[m.word + 1] ?? 0;
  } else {
    for (let i = 0; i < 4; i++) dst[off + i] = words[m.word + i] ?? 0;
  }
}

/** The all-ones ODP mask of a field. */
function fullField(b: Binding, f: OdpKeyField, dst: Uint32Array, off: number): void {
  if (b.words === 1) {
    dst[off] = f.bits >= 32 ? 0xffffffff : 2 ** f.bits - 1;
  } else if (b.words === 2) {
    dst[off] = 0xffff;
    dst[off + 1] = 0xffffffff;
  } else {
    dst.fill(0xffffffff, off, off + 4);
  }
}

function fieldIsExact(b: Binding, f: OdpKeyField, off: number): boolean {
  if (b.words === 1) return MASK[off] === (f.bits >= 32 ? 0xffffffff : 2 ** f.bits - 1);
  if (b.words === 2) return MASK[off] === 0xffff && MASK[off + 1] === 0xffffffff;
  return MASK[off] === 0xffffffff && MASK[off + 1] === 0xffffffff && MASK[off + 2] === 0xffffffff && MASK[off + 3] === 0xffffffff;
}

/** Copies the field's member bits from `src` to `dst` (put_*_key of the key into base). */
function copyField(b: Binding, src: Uint32Array, dst: Uint32Array): void {
  const m = b.member;
  if (b.words === 1) {
    const bits = m.bits === 32 ? b.bits >>> 0 : ((b.bits << m.shift) >>> 0);
    dst[m.word] = (((dst[m.word] ?? 0) & ~bits) | ((src[m.word] ?? 0) & bits)) >>> 0;
  } else {
    const n = b.words === 2 ? 2 : 4;
    for (let i = 0; i < n; i++) dst[m.word + i] = src[m.word + i] ?? 0;
  }
}

/** ORs the field's ODP mask (in MASK at `off`) into `wc` as member bits. */
function orMaskInto(b: Binding, wc: Uint32Array, off: number): void {
  const m = b.member;
  if (b.words === 1) {
    const bits = fromOdpMask(b, MASK[off] ?? 0);
    const shifted = m.bits === 32 ? bits >>> 0 : (bits << m.shift) >>> 0;
    wc[m.word] = ((wc[m.word] ?? 0) | shifted) >>> 0;
  } else {
    const n = b.words === 2 ? 2 : 4;
    for (let i = 0; i < n; i++) wc[m.word + i] = ((wc[m.word + i] ?? 0) | (MASK[off + i] ?? 0)) >>> 0;
  }
}

function odpValue(b: Binding, src: Uint32Array, off: number): OdpValue {
  if (b.words === 1) return src[off] ?? 0;
  if (b.words === 2) return (src[off] ?? 0) * 0x100000000 + (src[off + 1] ?? 0);
  let v = 0n;
  for (let i = 0; i < 4; i++) v = (v << 32n) | BigInt(src[off + i] ?? 0);
  return v;
}

/**
 * OVS's `commit()` for one header: compares `flow` and `base` field by field,
 * emits a masked or full set when they differ, updates `base` and `wc`.
 * Returns whether it emitted anything.
 */
function commitAttr(
  s: AttrSpec,
  flow: Uint32Array,
  base: Uint32Array,
  wc: Uint32Array | undefined,
  useMasked: boolean,
  out: OdpAction[],
): boolean {
  const { bindings, fields, offsets } = s;
  const n = bindings.length;
  for (let i = 0; i < n; i++) {
    const b = bindings[i] as Binding;
    const off = offsets[i] as number;
    getField(b, flow, KEY, off, false);
    getField(b, base, BASE, off, false);
    if (!b.writable) MASK.fill(0, off, off + b.words);
    else if (wc === undefined || !hasWord(wc, b.member.word)) fullField(b, fields[i] as OdpKeyField, MASK, off);
    else getField(b, wc, MASK, off, true);
  }
  // A tunnelled packet keeps its ECN bits unless translation changed them.
  if (s.tosField >= 0 && tunnelDstIsSet(base)) {
    const off = offsets[s.tosField] as number;
    if ((((KEY[off] ?? 0) ^ (BASE[off] ?? 0)) & IP_ECN_MASK) === 0) MASK[off] = (MASK[off] ?? 0) & ~IP_ECN_MASK;
  }
  // keycmp_mask: equal fields drop out of the mask. A changed field whose wc
  // bits miss some of its changes (OVS's set actions never let that happen) is
  // written whole.
  let differ = false;
  for (let i = 0; i < n; i++) {
    const b = bindings[i] as Binding;
    const off = offsets[i] as number;
    let same = true;
    let covered = true;
    for (let j = off; j < off + b.words; j++) {
      const d = ((KEY[j] ?? 0) ^ (BASE[j] ?? 0)) >>> 0;
      if (d !== 0) {
        same = false;
        if ((d & ~(MASK[j] ?? 0)) !== 0) covered = false;
      }
    }
    if (same) MASK.fill(0, off, off + b.words);
    else differ = true;
    if (!covered && b.writable) fullField(b, fields[i] as OdpKeyField, MASK, off);
  }
  if (!differ) return false;

  let exact = true;
  for (let i = 0; i < n && exact; i++) exact = fieldIsExact(bindings[i] as Binding, fields[i] as OdpKeyField, offsets[i] as number);
  const masked = useMasked && !exact;
  if (!masked && !exact) {
    for (let i = 0; i < n; i++) fullField(bindings[i] as Binding, fields[i] as OdpKeyField, MASK, offsets[i] as number);
  }
  const values: OdpValue[] = [];
  const masks: OdpValue[] = [];
  for (let i = 0; i < n; i++) {
    const b = bindings[i] as Binding;
    const off = offsets[i] as number;
    if (masked) {
      for (let j = off; j < off + b.words; j++) BASE[j] = ((KEY[j] ?? 0) & (MASK[j] ?? 0)) >>> 0;
      values.push(odpValue(b, BASE, off));
      masks.push(odpValue(b, MASK, off));
    } else {
      values.push(odpValue(b, KEY, off));
      masks.push(fullMask(fields[i] as OdpKeyField));
    }
  }
  const action: OdpSetAction = { type: "set", attr: s.attr, masked, values, masks };
  out.push(action);
  for (let i = 0; i < n; i++) {
    const b = bindings[i] as Binding;
    copyField(b, flow, base);
    if (wc !== undefined) orMaskInto(b, wc, offsets[i] as number);
  }
  return true;
}

function isIpAny(dlType: number): boolean {
  return dlType === ETH_TYPE.IP || dlType === ETH_TYPE.IPV6;
}

/** commit_set_nw_action: returns whether a set OVS handles in the slow path was emitted. */
function commitNw(flow: Uint32Array, base: Uint32Array, wc: Uint32Array | undefined, useMasked: boolean, out: OdpAction[]): boolean {
  // OVS checks that the flow "really has an L3 header" by its nw_proto.
  if (readSmall(flow, M.nwProto) === 0) return false;
  switch (readSmall(base, M.dlType)) {
    case ETH_TYPE.IP:
      commitAttr(SPECS.ipv4, flow, base, wc, useMasked, out);
      return false;
    case ETH_TYPE.IPV6:
      commitAttr(SPECS.ipv6, flow, base, wc, useMasked, out);
      return readSmall(base, M.nwProto) === IPPROTO.ICMPV6 && commitAttr(SPECS.nd, flow, base, wc, useMasked, out);
    case ETH_TYPE.ARP:
      return commitAttr(SPECS.arp, flow, base, wc, true, out);
    default:
      return false;
  }
}

function commitPorts(flow: Uint32Array, base: Uint32Array, wc: Uint32Array | undefined, useMasked: boolean, out: OdpAction[]): void {
  const proto = readSmall(flow, M.nwProto);
  if (proto === 0 || !isIpAny(readSmall(base, M.dlType))) return;
  const s = proto === IPPROTO.TCP ? SPECS.tcp : proto === IPPROTO.UDP ? SPECS.udp : proto === IPPROTO.SCTP ? SPECS.sctp : null;
  if (s !== null) commitAttr(s, flow, base, wc, useMasked, out);
}

function commitIcmp(flow: Uint32Array, base: Uint32Array, wc: Uint32Array | undefined, out: OdpAction[]): boolean {
  const dlType = readSmall(flow, M.dlType);
  const proto = readSmall(flow, M.nwProto);
  if (dlType === ETH_TYPE.IP && proto === IPPROTO.ICMP) return commitAttr(SPECS.icmp, flow, base, wc, false, out);
  if (dlType === ETH_TYPE.IPV6 && proto === IPPROTO.ICMPV6) return commitAttr(SPECS.icmpv6, flow, base, wc, false, out);
  return false;
}

const VLAN_TCI = bind(M.vlanTci);
const VLAN_TCI1 = bind(M.vlanTci1);

function vlanTci(flow: Uint32Array, i: number): number {
  return readSmall(flow, i === 0 ? M.vlanTci : M.vlanTci1);
}

/** OVS's flow_count_vlan_headers: headers present, outermost first, each with CFI set. */
function countVlans(flow: Uint32Array): number {
  if ((vlanTci(flow, 0) & VLAN_CFI) === 0) return 0;
  return (vlanTci(flow, 1) & VLAN_CFI) === 0 ? 1 : 2;
}

function sameQtag(a: Uint32Array, ai: number, b: Uint32Array, bi: number): boolean {
  return vlanTci(a, ai) === vlanTci(b, bi) && vlanTpid(a, ai as 0 | 1) === vlanTpid(b, bi as 0 | 1);
}

/** Un-wildcards VLAN header `i` (TCI and TPID) in `wc`. */
function maskVlan(wc: Uint32Array, i: number): void {
  const m = i === 0 ? M.vlanTci : M.vlanTci1;
  wc[m.word] = ((wc[m.word] ?? 0) | (0xffff << m.shift)) >>> 0;
  const t = i === 0 ? XM.vlanTpid : XM.vlanTpid1;
  if (hasWord(wc, t.word)) wc[t.word] = ((wc[t.word] ?? 0) | (0xffff << t.shift)) >>> 0;
}

/** commit_vlan_action: pop the headers of `base` that differ, push those of `flow`. */
function commitVlan(flow: Uint32Array, base: Uint32Array, wc: Uint32Array | undefined, out: OdpAction[]): void {
  let bn = countVlans(base) - 1;
  let fn = countVlans(flow) - 1;
  // Skip the common headers, counting from the innermost.
  while (bn >= 0 && fn >= 0 && sameQtag(base, bn, flow, fn)) {
    bn--;
    fn--;
  }
  for (; bn >= 0; bn--) {
    out.push({ type: "pop_vlan" });
    if (wc !== undefined) maskVlan(wc, bn);
  }
  for (; fn >= 0; fn--) {
    out.push({ type: "push_vlan", tpid: vlanTpid(flow, fn as 0 | 1), tci: vlanTci(flow, fn) });
  }
  // OVS copies both headers whole, present or not.
  copyField(VLAN_TCI, flow, base);
  copyField(VLAN_TCI1, flow, base);
  const t = XM.vlanTpid.word;
  if (t < base.length) base[t] = flow[t] ?? 0;
}

/**
 * OVS's commit_mpls_action (without encap): the wildcards were set by
 * translation. Entries that `base` and `flow` share from the innermost stay;
 * above them base's extra entries are popped, except that the last one may
 * be rewritten by set(mpls) when flow has an entry to put there; flow's
 * remaining entries are pushed, innermost first.
 */
function commitMpls(flow: Uint32Array, base: Uint32Array, out: OdpAction[]): void {
  let baseN = countMplsLabels(base);
  const flowN = countMplsLabels(flow);
  let commonN = countCommonMplsLabels(flow, flowN, base, baseN);
  const dlType = readSmall(flow, M.dlType);
  while (baseN > commonN) {
    if (baseN - 1 === commonN && flowN > commonN) {
      const lse = lseAt(flow, flowN - baseN);
      out.push({ type: "set_mpls", lse });
      setLseAt(base, 0, lse);
      commonN++;
    } else {
      // pop_mpls needs an MPLS ethertype while labels remain below; the last pop gives flow's.
      out.push({ type: "pop_mpls", ethertype: !ethTypeMpls(dlType) && baseN > 1 ? ETH_TYPE_MPLS : dlType });
      flowPopMpls(base, baseN, dlType);
      baseN--;
    }
  }
  while (baseN < flowN) {
    const lse = lseAt(flow, flowN - baseN - 1);
    out.push({ type: "push_mpls", lse, ethertype: dlType });
    // Keep base's L3: a patch port or group bucket may restore the flow later.
    flowPushMpls(base, baseN, dlType, undefined, false);
    setLseAt(base, 0, lse);
    baseN++;
  }
}

/**
 * Appends to `out` the datapath actions that make a packet described by `base`
 * look like `flow`, and updates `base` to match; ORs into `wc` (when given)
 * the bits OVS's commit un-wildcards. `useMasked` is the datapath's support
 * for masked sets (true for ovsim's datapath, as for OVS's userspace one).
 *
 * Returns true when a set was emitted that OVS implements only in its
 * userspace slow path (ARP, ICMP and ND rewrites: OVS's SLOW_ACTION).
 */
export function commitOdpActions(
  flow: Uint32Array,
  base: Uint32Array,
  out: OdpAction[],
  wc?: Uint32Array,
  useMasked = true,
): boolean {
  commitAttr(SPECS.eth, flow, base, wc, useMasked, out);
  // Make the packet a non-MPLS one before the L3/L4 sets, which would otherwise do nothing.
  const mplsFirst = isMplsFlow(base) && !isMplsFlow(flow);
  if (mplsFirst) commitMpls(flow, base, out);
  const slowNw = commitNw(flow, base, wc, useMasked, out);
  commitPorts(flow, base, wc, useMasked, out);
  const slowIcmp = commitIcmp(flow, base, wc, out);
  if (!mplsFirst) commitMpls(flow, base, out);
  commitVlan(flow, base, wc, out);
  commitAttr(SPECS.skb_priority, flow, base, wc, useMasked, out);
  commitAttr(SPECS.skb_mark, flow, base, wc, useMasked, out);
  return slowNw || slowIcmp;
}
