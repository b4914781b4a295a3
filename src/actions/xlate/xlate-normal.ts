/**
 * OFPP_NORMAL: OVS's L2 learning switch (xlate_normal and its helpers in
 * ofproto/ofproto-dpif-xlate.c), as a bridge's `normal` hook runs it.
 *
 * What a frame goes through, in OVS's order:
 *
 * 1. Un-wildcard dl_src, dl_dst and the outer VLAN's VID and CFI: NORMAL's
 *    decision depends on them whatever happens next.
 * 2. The input port's bundle (a port, or the bond it is a member of). An unknown input port drops ("no input bundle"); OFPP_NONE
 *    and OFPP_CONTROLLER use OVS's `ofpp_none_bundle`, a trunk of all VLANs
 *    that learns nothing.
 * 3. A frame whose dl_type is a TPID but whose VLAN header has no CFI is a
 *    partial VLAN tag and dropped.
 * 4. The VLAN: the input port's mode decides which VIDs it admits
 *    (input_vid_is_valid) and what VLAN the frame is in inside the bridge
 *    (xvlan_input_translate): an access port's tag, a trunk's VID as
 *    received, a native port's tag for untagged frames.
 * 5. Reserved destination MACs (STP, LACP, CDP, ...) drop unless the bridge
 *    has other_config:forward-bpdu=true.
 * 6. Learning: with side effects allowed (a real packet: netdev-dummy/receive,
 *    `ofproto/trace -generate`), the source MAC is learned on (VLAN, input
 *    port); a new or moved entry prints "learned that ..." in a trace.
 * 7. Forwarding: a learned destination goes to its port (unless that is the
 *    input port); an unknown, multicast or broadcast destination floods to
 *    every port in the VLAN but the input port, skipping no-flood ports, in
 *    OVS's bundle list order (the order the ports were created).
 * 8. Each output rewrites the VLAN headers for the output port's mode
 *    (xvlan_output_translate): access ports get untagged frames, trunks the
 *    tag, native-untagged ports untagged frames of their native VLAN. The
 *    datapath push_vlan / pop_vlan / set(vlan) actions come from the commit
 *    at output; the flow's VLAN headers are restored afterwards.
 *
 * Mirrors (xlate-mirror.ts): a frame received on a mirror's output port
 * drops, floods skip mirror output ports, and a MAC learned on one drops;
 * mirroring itself reuses this file's VLAN handling and output_normal.
 *
 * Bonds (src/vswitchd/bonds.ts): a bond is one bundle; it admits frames by
 * bond_check_admissibility, learns on the bond, floods once, and leaves by the member its
 * mode chooses for the flow (`NormalBond`).
 *
 * A dot1q-tunnel port's outer tag has its other_config:qinq-ethtype TPID and it carries only
 * its `cvlans` (when set); a port with other_config:priority-tags keeps a frame's priority in
 * a VID-0 tag (xvlan_put).
 *
 * Not modelled: multicast snooping (OVS's default is off), STP/RSTP port states, protected
 * ports.
 */
import { M, readSmall } from "../../flowtable/flow-layout.js";
import { OFPP_CONTROLLER, OFPP_NONE } from "../../flowtable/ports.js";
import { ETH_TYPE_VLAN_8021AD, ETH_TYPE_VLAN_8021Q, XM } from "./odp-metadata.js";
import type { XlateNormalApi, XlatePort, XlateVlanConfig } from "./xlate-bridge.js";
import { maskMember } from "./xlate-fields.js";
import { ETH_TYPE } from "../../flowtable/protocols.js";

/** What NORMAL needs of a MAC learning table (src/datapath's MacLearningTable). */
export interface NormalMacTable {
  /** The OpenFlow port (MAC, VLAN) was learned on, or null. */
  lookup(mac: number, vlan: number): number | null;
  /** Learns (MAC, VLAN) on a port at `nowMs`; true when the entry is new or moved. */
  learn(mac: number, vlan: number, port: number, nowMs: number): boolean;
  /** VLANs on which nothing is learned and everything floods (Bridge flood_vlans). */
  readonly floodVlans: ReadonlySet<number>;
}

/** What NORMAL needs of its bridge. */
export interface NormalSwitch {
  readonly macTable: NormalMacTable;
  port(ofport: number): XlatePort | undefined;
  /** The ports as OVS's bundle list holds them: the order they were created in. */
  bundles(): readonly XlatePort[];
  /** Bridge other_config:forward-bpdu. */
  readonly forwardBpdu: boolean;
  /** The bond port `ofport` is a member of (ofproto/bond.c), or null: the port is its own bundle. */
  bondOf?(ofport: number): NormalBond | null;
}

/** bond_check_admissibility's verdicts (enum bond_verdict). */
export type BondVerdict = "accept" | "drop" | "drop-if-moved";

/**
 * A bond as NORMAL sees it: one bundle of several member ports. Frames it admits
 * (bond_check_admissibility) are learned on the bond (`learnPort` stands for it in the MAC
 * table, as OVS learns on the bundle); a frame to the bond (flooded, or to a MAC learned on it)
 * leaves by the member the bond chooses (bond_choose_output_member) for its flow and VLAN.
 */
export interface NormalBond {
  readonly name: string;
  /** The OpenFlow port the MAC table records for the bond. */
  readonly learnPort: number;
  /** bond_check_admissibility of a frame received on member `ofport` for `dlDst`. */
  admissibility(ofport: number, dlDst: number): BondVerdict;
  /**
   * The member a frame of `flow` in output VLAN `vlan` leaves by, or null: none can carry it.
   * Un-wildcards in `wc` what the choice looked at. `recirc`: a balance-tcp bond that
   * recirculates (its id and hash basis): the datapath then picks the member by dp_hash.
   * `sideEffects`: the translation may update the bond (its post-recirculation rules).
   */
  outputMember(flow: Uint32Array, wc: Uint32Array, vlan: number, sideEffects: boolean): BondOutput | null;
}

/** Where a frame to a bond goes: the member, and for a recirculating bond its recirculation id and hash basis. */
export interface BondOutput {
  readonly ofport: number;
  readonly recirc: { readonly recircId: number; readonly basis: number } | null;
}

/** The port `out` is sent by (for a bond: the member chosen for `flow` in output VLAN `vlan`; null: the bond drops it). */
function bondOutput(api: XlateNormalApi, sw: NormalSwitch, out: XlatePort, vlan: number): { port: XlatePort; recirc: BondOutput["recirc"] } | null {
  const bond = sw.bondOf?.(out.ofport) ?? null;
  if (bond === null) return { port: out, recirc: null };
  const m = bond.outputMember(api.flow, api.wc, vlan, api.allowSideEffects);
  const port = m === null ? undefined : sw.port(m.ofport);
  return port === undefined || m === null ? null : { port, recirc: m.recirc };
}

/** Whether ports `a` and `b` are one bundle (the same port, or members of one bond). */
function sameBundle(sw: NormalSwitch, a: XlatePort | null, b: XlatePort): boolean {
  if (a === null) return false;
  if (a === b) return true;
  const ba = sw.bondOf?.(a.ofport) ?? null;
  return ba !== null && ba === (sw.bondOf?.(b.ofport) ?? null);
}

const VLAN_CFI = 0x1000;
const VLAN_VID_MASK = 0x0fff;
const VLAN_PCP_MASK = 0xe000;

/** One VLAN header as NORMAL handles it (OVS's struct xvlan_single); tpid 0 = none given. */
interface XvlanHdr {
  tpid: number;
  vid: number;
  pcp: number;
}
export type Xvlan = [XvlanHdr, XvlanHdr];

function emptyXvlan(): Xvlan {
  return [
    { tpid: 0, vid: 0, pcp: 0 },
    { tpid: 0, vid: 0, pcp: 0 },
  ];
}

function copyXvlan(x: Xvlan): Xvlan {
  return [{ ...x[0] }, { ...x[1] }];
}

/** A bundle's VLAN settings as ofproto-dpif's bundle_set derives them from the Port row. */
export interface Bundle {
  readonly port: XlatePort | null;
  readonly name: string;
  readonly mode: XlateVlanConfig["mode"];
  /** The access / native VLAN (OVS's bundle->vlan): -1 for trunks. */
  readonly vlan: number;
  /** Trunked VLANs, null = all. */
  readonly trunks: ReadonlySet<number> | null;
  /** A dot1q-tunnel port's customer VLANs, null = all. */
  readonly cvlans: ReadonlySet<number> | null;
  /** A dot1q-tunnel port's outer TPID (qinq-ethtype). */
  readonly qinqEthtype: number;
  /** other_config:priority-tags (use_priority_tags). */
  readonly priorityTags: "never" | "if-nonzero" | "always";
}

const bundles = new WeakMap<XlateVlanConfig, Bundle>();

export function bundleOf(port: XlatePort): Bundle {
  const cached = bundles.get(port.vlan);
  if (cached !== undefined && cached.port === port) return cached;
  const b = makeBundle(port);
  bundles.set(port.vlan, b);
  return b;
}

function makeBundle(port: XlatePort): Bundle {
  const { mode, tag, trunks } = port.vlan;
  const vlan = mode === "trunk" ? -1 : tag !== null && tag >= 0 && tag <= 4095 ? tag : 0;
  let set: Set<number> | null = null;
  if (mode === "trunk") set = trunks.length > 0 ? new Set(trunks) : null;
  else if (mode === "native-tagged" || mode === "native-untagged") {
    set = trunks.length > 0 ? new Set(trunks) : null;
    // OVS forces the native VLAN into the trunks and VLAN 0 out of them.
    if (vlan !== 0 && (set === null || !set.has(vlan) || set.has(0))) {
      set = set === null ? new Set(Array.from({ length: 4096 }, (_, i) => i)) : new Set(set);
      set.add(vlan);
      set.delete(0);
    }
  }
  const cvlans = mode === "dot1q-tunnel" && (port.vlan.cvlans?.length ?? 0) > 0 ? new Set(port.vlan.cvlans) : null;
  return { port, name: port.name, mode, vlan, trunks: set, cvlans, qinqEthtype: port.vlan.qinqEthtype ?? ETH_TYPE_VLAN_8021AD, priorityTags: port.vlan.priorityTags ?? "never" };
}

/** OVS's ofpp_none_bundle: the input bundle of OFPP_NONE / OFPP_CONTROLLER. */
export const NONE_BUNDLE: Bundle = { port: null, name: "OFPP_NONE", mode: "trunk", vlan: -1, trunks: null, cvlans: null, qinqEthtype: ETH_TYPE_VLAN_8021AD, priorityTags: "never" };

/** xbundle_allows_cvlan. */
function allowsCvlan(b: Bundle, vid: number): boolean {
  return b.cvlans === null || b.cvlans.has(vid);
}

function trunksVlan(b: Bundle, vid: number): boolean {
  return b.mode !== "access" && (b.trunks === null || b.trunks.has(vid));
}

export function includesVlan(b: Bundle, x: Xvlan): boolean {
  switch (b.mode) {
    case "access":
      return x[0].vid === b.vlan && x[1].vid === 0;
    case "trunk":
    case "native-tagged":
    case "native-untagged":
      return trunksVlan(b, x[0].vid);
    case "dot1q-tunnel":
      return x[0].vid === b.vlan && allowsCvlan(b, x[1].vid);
  }
}

function macOf(flow: Uint32Array, word: number): number {
  return (flow[word] ?? 0) * 2 ** 32 + (flow[word + 1] ?? 0);
}

function formatMac(mac: number): string {
  const out: string[] = [];
  for (let i = 5; i >= 0; i--) out.push((Math.floor(mac / 2 ** (8 * i)) & 0xff).toString(16).padStart(2, "0"));
  return out.join(":");
}

function isMulticast(mac: number): boolean {
  return (Math.floor(mac / 2 ** 40) & 1) !== 0;
}

const RESERVED_MACS: ReadonlySet<number> = new Set([
  ...Array.from({ length: 16 }, (_, i) => 0x0180c2000000 + i),
  0x00e02b000000, 0x00e02b000004, 0x00e02b000006,
  0x01000c000000, 0x01000ccccccc, 0x01000ccccccd, 0x01000ccdcdcd,
  ...Array.from({ length: 8 }, (_, i) => 0x01000cccccc0 + i),
]);

/** OVS's eth_addr_is_reserved. */
export function isReservedMac(mac: number): boolean {
  return RESERVED_MACS.has(mac);
}

function tpidOf(flow: Uint32Array, i: 0 | 1): number {
  const w = flow[XM.vlanTpid.word] ?? 0;
  const t = i === 0 ? w >>> 16 : w & 0xffff;
  return t === 0 ? ETH_TYPE_VLAN_8021Q : t;
}

/** OVS's xvlan_extract: the VLAN headers the flow carries (those with CFI set). */
export function extractXvlan(flow: Uint32Array): Xvlan {
  const x = emptyXvlan();
  const tcis = [readSmall(flow, M.vlanTci), readSmall(flow, M.vlanTci1)];
  for (let i = 0; i < 2; i++) {
    const tci = tcis[i] ?? 0;
    if ((tci & VLAN_CFI) === 0) break;
    const h = x[i as 0 | 1];
    h.tpid = tpidOf(flow, i as 0 | 1);
    h.vid = tci & VLAN_VID_MASK;
    h.pcp = tci & VLAN_PCP_MASK;
  }
  return x;
}

/** OVS's xvlan_put: writes the headers into the flow (with priority tags "always", a header with a TPID even when its TCI is 0). */
function putXvlan(flow: Uint32Array, x: Xvlan, priorityTags: Bundle["priorityTags"] = "never"): void {
  let tpidWord = flow[XM.vlanTpid.word] ?? 0;
  const members = [M.vlanTci, M.vlanTci1];
  for (let i = 0; i < 2; i++) {
    const h = x[i as 0 | 1];
    let tci = h.vid | (h.pcp & VLAN_PCP_MASK);
    if (tci !== 0 || (priorityTags === "always" && h.tpid !== 0)) {
      tci |= VLAN_CFI;
      const tpid = h.tpid === 0 || h.tpid === ETH_TYPE_VLAN_8021Q ? 0 : h.tpid;
      tpidWord = i === 0 ? (tpidWord & 0xffff) | (tpid << 16) : (tpidWord & 0xffff0000) | tpid;
    }
    const m = members[i]!;
    flow[m.word] = (((flow[m.word] ?? 0) & ~(0xffff << m.shift)) | (tci << m.shift)) >>> 0;
  }
  flow[XM.vlanTpid.word] = tpidWord >>> 0;
}

/** OVS's input_vid_is_valid, with its trace errors. */
export function inputVidIsValid(api: Pick<XlateNormalApi, "note">, vid: number, b: Bundle): boolean {
  if (b === NONE_BUNDLE) return true;
  switch (b.mode) {
    case "access":
      if (vid !== 0) {
        api.note("error", `dropping VLAN ${vid} tagged packet received on port ${b.name} configured as VLAN ${b.vlan} access port`);
        return false;
      }
      return true;
    case "native-tagged":
    case "native-untagged":
    case "trunk":
      // A native port always carries its native VLAN untagged.
      if (vid === 0 && b.mode !== "trunk") return true;
      if (!trunksVlan(b, vid)) {
        api.note("error", `dropping VLAN ${vid} packet received on port ${b.name} not configured for trunking VLAN ${vid}`);
        return false;
      }
      return true;
    case "dot1q-tunnel":
      if (!allowsCvlan(b, vid)) {
        api.note("error", `dropping VLAN ${vid} packet received on dot1q-tunnel port ${b.name} that excludes this VLAN`);
        return false;
      }
      return true;
  }
}

/** OVS's xvlan_input_translate: the VLANs of the frame inside the bridge. */
export function inputTranslate(b: Bundle, inX: Xvlan): Xvlan {
  switch (b.mode) {
    case "access": {
      const x = emptyXvlan();
      x[0] = { tpid: inX[0].tpid !== 0 ? inX[0].tpid : ETH_TYPE_VLAN_8021Q, vid: b.vlan, pcp: inX[0].pcp };
      return x;
    }
    case "trunk":
      return copyXvlan(inX);
    case "native-tagged":
    case "native-untagged": {
      const x = copyXvlan(inX);
      if (inX[0].vid === 0) x[0] = { tpid: inX[0].tpid !== 0 ? inX[0].tpid : ETH_TYPE_VLAN_8021Q, vid: b.vlan, pcp: inX[0].pcp };
      return x;
    }
    case "dot1q-tunnel":
      return [{ tpid: b.qinqEthtype, vid: b.vlan, pcp: 0 }, { ...inX[0] }];
  }
}

/** OVS's xvlan_output_translate: the VLANs the frame leaves `b` with. */
function outputTranslate(b: Bundle, x: Xvlan): Xvlan {
  switch (b.mode) {
    case "access":
      return emptyXvlan();
    case "trunk":
    case "native-tagged":
      return copyXvlan(x);
    case "native-untagged":
      return x[0].vid === b.vlan ? [{ ...x[1] }, { tpid: 0, vid: 0, pcp: 0 }] : copyXvlan(x);
    case "dot1q-tunnel":
      return [{ ...x[1] }, { tpid: 0, vid: 0, pcp: 0 }];
  }
}

/** OVS's output_normal: VLAN headers for `out`, output (a recirculating bond's hash and recirc), VLAN headers back. */
export function outputNormal(api: Pick<XlateNormalApi, "flow" | "output" | "outputBondRecirc"> & { readonly wc?: Uint32Array }, out: Bundle, x: Xvlan, recirc: BondOutput["recirc"] = null): void {
  if (out.port === null) return;
  const flow = api.flow;
  // check_and_set_cvlan_mask: a dot1q-tunnel port with customer VLANs looked at the inner TCI.
  if (out.mode === "dot1q-tunnel" && out.cvlans !== null && api.wc !== undefined) api.wc[M.vlanTci1.word] = ((api.wc[M.vlanTci1.word] ?? 0) | (0xffff << M.vlanTci1.shift)) >>> 0;
  const saved = [flow[M.vlanTci.word] ?? 0, flow[M.vlanTci1.word] ?? 0, flow[XM.vlanTpid.word] ?? 0];
  const outX = outputTranslate(out, x);
  // A port with priority tags keeps the frame's priority in a VID-0 tag.
  if (out.priorityTags !== "never") outX[0].pcp = readSmall(flow, M.vlanTci) & VLAN_PCP_MASK;
  putXvlan(flow, outX, out.priorityTags);
  if (recirc !== null && api.outputBondRecirc !== undefined) api.outputBondRecirc(out.port.ofport, recirc.recircId, recirc.basis);
  else api.output(out.port.ofport);
  flow[M.vlanTci.word] = saved[0]!;
  flow[M.vlanTci1.word] = saved[1]!;
  flow[XM.vlanTpid.word] = saved[2]!;
}

/**
 * OVS's is_gratuitous_arp, with its un-wildcarding (the MAC table's gratuitous-ARP lock for
 * bonds is not modelled: an SLB bond's moved-MAC check lets every gratuitous ARP through).
 */
function isGratuitousArp(flow: Uint32Array, wc: Uint32Array): boolean {
  if (readSmall(flow, M.dlType) !== ETH_TYPE.ARP) return false;
  maskMember(wc, M.dlDst);
  if (macOf(flow, M.dlDst.word) !== 0xffffffffffff) return false;
  maskMember(wc, M.nwProto);
  const op = readSmall(flow, M.nwProto);
  if (op === 2) return true;
  if (op !== 1) return false;
  maskMember(wc, M.nwSrc);
  maskMember(wc, M.nwDst);
  return readSmall(flow, M.nwSrc) === readSmall(flow, M.nwDst);
}

/** OVS's xbundle_mirror_out: the mirrors that output to `port` (0: none). */
function mirrorOut(api: XlateNormalApi, port: XlatePort): number {
  return api.bridge.mirrors?.outMirrors(port.ofport) ?? 0;
}

/** OVS's xlate_normal_flood. */
function flood(api: XlateNormalApi, sw: NormalSwitch, inBundle: Bundle, x: Xvlan): void {
  const bondsDone = new Set<NormalBond>();
  for (const p of sw.bundles()) {
    if (sameBundle(sw, inBundle.port, p) || p.noFlood || mirrorOut(api, p) !== 0) continue;
    // A bond is one bundle: it floods once, by its output member.
    const bond = sw.bondOf?.(p.ofport) ?? null;
    if (bond !== null) {
      if (bondsDone.has(bond)) continue;
      bondsDone.add(bond);
    }
    const pb = bundleOf(p);
    if (!includesVlan(pb, x)) continue;
    const out = bondOutput(api, sw, p, outputTranslate(pb, x)[0].vid);
    if (out !== null) outputNormal(api, bundleOf(out.port), x, out.recirc);
  }
  api.flooded?.();
}

/** OVS's xlate_normal. */
export function xlateNormalSwitch(api: XlateNormalApi, sw: NormalSwitch): void {
  const { flow, wc } = api;
  maskMember(wc, M.dlSrc);
  maskMember(wc, M.dlDst);
  wc[M.vlanTci.word] = ((wc[M.vlanTci.word] ?? 0) | ((VLAN_VID_MASK | VLAN_CFI) << M.vlanTci.shift)) >>> 0;

  const inPort = readSmall(flow, M.inPort);
  const inXport = sw.port(inPort);
  let inBundle: Bundle;
  if (inXport !== undefined) inBundle = bundleOf(inXport);
  else if (inPort === OFPP_CONTROLLER || inPort === OFPP_NONE) inBundle = NONE_BUNDLE;
  else {
    api.note("error", `received packet on unknown port ${inPort}`);
    api.note("warn", "no input bundle, dropping");
    return;
  }
  // A bond member's bundle is the bond: OVS names it in its notes and learns on it.
  const inBond = inXport === undefined ? null : (sw.bondOf?.(inXport.ofport) ?? null);
  if (inBond !== null) inBundle = { ...inBundle, name: inBond.name };

  const dlType = readSmall(flow, M.dlType);
  if ((dlType === ETH_TYPE_VLAN_8021Q || dlType === ETH_TYPE_VLAN_8021AD) && (readSmall(flow, M.vlanTci) & VLAN_CFI) === 0) {
    if (api.allowSideEffects) api.note("error", `dropping packet with partial VLAN tag received on port ${inBundle.name}`);
    api.note("warn", "partial VLAN tag, dropping");
    return;
  }

  if (inXport !== undefined && mirrorOut(api, inXport) !== 0) {
    if (api.allowSideEffects) api.note("error", `dropping packet received on port ${inBundle.name}, which is reserved exclusively for mirroring`);
    api.note("warn", "input port is mirror output port, dropping");
    return;
  }

  const inX = extractXvlan(flow);
  if (!inputVidIsValid(api, inX[0].vid, inBundle)) {
    api.note("warn", "disallowed VLAN VID for this input port, dropping");
    return;
  }
  const x = inputTranslate(inBundle, inX);
  const vlan = x[0].vid;

  const dst = macOf(flow, M.dlDst.word);
  if (inXport !== undefined && !sw.forwardBpdu && isReservedMac(dst)) {
    api.note("detail", "packet has reserved destination MAC, dropping");
    return;
  }

  const src = macOf(flow, M.dlSrc.word);
  const table = sw.macTable;
  if (inXport !== undefined && inBond !== null) {
    const verdict = inBond.admissibility(inXport.ofport, dst);
    if (verdict === "drop") {
      api.note("detail", "bonding refused admissibility, dropping");
      return;
    }
    if (verdict === "drop-if-moved") {
      const at = table.lookup(src, vlan);
      if (at !== null && (sw.bondOf?.(at) ?? null) !== inBond && !isGratuitousArp(flow, wc)) {
        api.note("detail", "SLB bond thinks this packet looped back, dropping");
        return;
      }
    }
  }

  isGratuitousArp(flow, wc);
  if (api.allowSideEffects && inXport !== undefined) {
    if (table.learn(src, vlan, inBond?.learnPort ?? inXport.ofport, api.now)) {
      api.note("detail", `learned that ${formatMac(src)} is on port ${inBundle.name} in VLAN ${vlan}`);
    }
  }

  const learned = isMulticast(dst) || table.floodVlans.has(vlan) ? null : table.lookup(dst, vlan);
  if (learned === null) {
    api.note("detail", "no learned MAC for destination, flooding");
    flood(api, sw, inBundle, x);
    return;
  }
  const outPort = sw.port(learned);
  if (outPort !== undefined && mirrorOut(api, outPort) !== 0) api.note("warn", "learned port is a mirror port, dropping");
  else if (outPort === undefined) api.note("warn", "learned port is unknown, dropping");
  else if (sameBundle(sw, inBundle.port, outPort)) api.note("detail", "learned port is input port, dropping");
  else {
    api.note("detail", "forwarding to learned port");
    const ob = bundleOf(outPort);
    const out = bondOutput(api, sw, outPort, outputTranslate(ob, x)[0].vid);
    if (out !== null) outputNormal(api, bundleOf(out.port), x, out.recirc);
  }
}
