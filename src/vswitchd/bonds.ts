/**
 * Bonds (ofproto/bond.c, vswitchd/bridge.c port_configure_bond): a Port row with more than
 * one Interface is a bond, its interfaces its members. This module keeps each bond's
 * member state and active member as OVS's bond_run does, main-loop step by main-loop step
 * (`run`: after each DB commit ovsim makes, each admin-state change, each time/warp step
 * and before each bond command), so that `bond/show` and `bond/set-active-member` answer
 * as OVS's do.
 *
 * - Settings, read from the Port row: bond_mode (active-backup when absent),
 *   bond_updelay / bond_downdelay (negative reads 0), other_config:bond-hash-basis,
 *   bond-rebalance-interval (10000 ms, at least 1000 unless 0), lacp-fallback-ab,
 *   bond-primary (only for active-backup, or with lacp-fallback-ab), lb-output-action
 *   (balance-tcp only), all-members-active.
 * - A member may be enabled while its netdev has carrier (admin state up); a change in
 *   that starts its updelay or downdelay, and when the delay expires the member is enabled
 *   or disabled (bond_link_status_update).
 * - The active member is re-chosen when there is none, when it is disabled, or (active-backup)
 *   when the primary is enabled and not active: the enabled primary, else the last active
 *   member (by MAC) if enabled, else an enabled member, else the member whose updelay
 *   expires first, enabled at once (bond_choose_member).
 * - balance-tcp bonds take a recirculation id (recirc_alloc_id) for as long as they are
 *   balanced ones.
 *
 * Not modelled (yet): NORMAL's output through a bond (each member is still its own bundle
 * for translation), bond rebalancing and the hash buckets' loads, LACP (a bond with `lacp`
 * set reports lacp_status "off"), learning packets on failover, bond_active_slave written
 * back to the DB. OVS walks members and bonds in hash-map order where it picks "an enabled
 * member" or prints every bond; ovsim takes them in name order.
 */
import type { ConfigDb, Row } from "../datapath/config-db.js";
import type { Bridge } from "../datapath/bridge.js";
import type { BridgePort } from "../datapath/bridge-port.js";
import type { BondVerdict, NormalBond } from "../actions/xlate/xlate-normal.js";
import { M } from "../flowtable/flow-layout.js";
import { maskMember } from "../actions/xlate/xlate-fields.js";
import type { BondEntry } from "./bond-hash.js";
import { BOND_MASK, freshBuckets, hashMac, rebalanceBuckets } from "./bond-hash.js";
import { composeLacpFrame, isLacpFrame, Lacp } from "./lacp.js";
import type { LacpMemberStats } from "./lacp.js";
import { parseMac } from "./bond-hash.js";
import { OFPP_LOCAL, OFPP_NONE } from "../flowtable/ports.js";
import { flowHash5Tuple } from "../datapath/dp-hash.js";
import { FlowEntry } from "../flowtable/flow-entry.js";
import { Match } from "../flowtable/match.js";
import { NO_FLOW_MOD_FLAGS, TABLE_INTERNAL } from "../flowtable/flow-tables.js";
import type { ActionList } from "../actions/action-types.js";
import type { FrozenState } from "../actions/xlate/xlate-freeze.js";
import { frozenPort } from "../actions/xlate/xlate-freeze.js";
import { XLATE_FLOW_WORDS, XM } from "../actions/xlate/odp-metadata.js";

/** OVS's bond modes (enum bond_mode), by their DB names. */
export type BondMode = "active-backup" | "balance-slb" | "balance-tcp";

/** One member (struct bond_member). */
export interface BondMember {
  readonly name: string;
  /** Whether the member carries traffic now. */
  enabled: boolean;
  /** Whether its link allows it to be enabled (carrier). */
  mayEnable: boolean;
  /** When a pending up/down delay ends (virtual ms), or null (OVS's LLONG_MAX). */
  delayExpires: number | null;
}

/** One bond (struct bond). */
export interface BondState {
  readonly name: string;
  mode: BondMode;
  updelay: number;
  downdelay: number;
  basis: number;
  rebalanceInterval: number;
  lacpFallbackAb: boolean;
  primary: string | null;
  useLbOutput: boolean;
  allMembersActive: boolean;
  /** Members by name. */
  readonly members: Map<string, BondMember>;
  /** The active member's name, or null. */
  active: string | null;
  /** The Ethernet address of the last active member (00:...:00 when none). */
  activeMac: string;
  /** recirc id of a balance-tcp bond (0: none). */
  recircId: number;
  /** When the next rebalance is due (balanced bonds), virtual ms. */
  nextRebalance: number;
  /** Whether gratuitous learning packets are due (an active member chosen, a member disabled). */
  sendLearning: boolean;
  /** The hash buckets of a balanced bond (bond-hash.ts), null for active-backup. */
  hash: BondEntry[] | null;
  /** OVS's enabled_members list: the enabled members, in the order get_enabled_member rotates them. */
  enabledList: string[];
  /** The bond's LACP object (lacp.ts) when its Port row sets lacp=active|passive, else null. */
  lacp: Lacp | null;
  /** The LACP status bond_run last saw. */
  lacpStatus: LacpStatus;
  /** The post-recirculation rules of a balance-tcp bond, by bucket (update_recirc_rules). */
  readonly prRules: Map<number, FlowEntry<ActionList>>;
}

export const ETH_ADDR_ZERO = "00:00:00:00:00:00";

/** What the bonds need of their switch. */
export interface BondsOwner {
  db(): ConfigDb;
  now(): number;
  bridges(): Iterable<Bridge>;
  allocRecircId(): number;
  freeRecircId(id: number): void;
  /** What translation depends on changed (an active member): megaflows are revalidated. */
  changed(): void;
  /** Sends `bytes` out of `port` of `bridge` (ofproto_dpif_send_packet). */
  send(bridge: Bridge, port: BridgePort, bytes: Uint8Array): void;
}

/** ETH_TYPE_RARP. */
const ETH_TYPE_RARP = 0x8035;

/**
 * compose_rarp, plus eth_push_vlan when `vlan` is not 0: the gratuitous learning packet a
 * bond sends for a MAC its bridge learned elsewhere (RARP request, sender and target
 * hardware addresses the MAC, IP addresses 0).
 */
export function composeRarp(mac: number, vlan: number): Uint8Array {
  const tag = vlan !== 0 ? 4 : 0;
  const b = new Uint8Array(14 + tag + 28);
  const putMac = (at: number): void => {
    for (let i = 0; i < 6; i++) b[at + i] = Math.floor(mac / 2 ** (8 * (5 - i))) & 0xff;
  };
  b.fill(0xff, 0, 6);
  putMac(6);
  let o = 12;
  if (tag !== 0) {
    b[12] = 0x81;
    b[13] = 0x00;
    b[14] = (vlan >> 8) & 0x0f;
    b[15] = vlan & 0xff;
    o = 16;
  }
  b[o] = ETH_TYPE_RARP >> 8;
  b[o + 1] = ETH_TYPE_RARP & 0xff;
  const arp = o + 2;
  b[arp + 1] = 1; // ar_hrd: Ethernet
  b[arp + 2] = 0x08; // ar_pro: IPv4
  b[arp + 4] = 6;
  b[arp + 5] = 4;
  b[arp + 7] = 3; // ar_op: RARP request
  putMac(arp + 8);
  putMac(arp + 18);
  return b;
}

function intOf(v: unknown, def: number): number {
  if (v === undefined || v === null) return def;
  const n = Number.parseInt(String(v), 10);
  return Number.isNaN(n) ? def : n;
}

function boolOf(v: unknown): boolean {
  return String(v) === "true";
}

/** OVS's lacp_status of a bond: LACP is not modelled, so always "off" (LACP_DISABLED). */
export type LacpStatus = "off" | "configured" | "negotiated";

/** The bond's LACP status, as bond_run last saw it. */
export function lacpStatus(bond: BondState): LacpStatus {
  return bond.lacpStatus;
}

/** bond_is_falling_back_to_ab. */
function fallingBackToAb(b: BondState): boolean {
  return b.lacpFallbackAb && b.mode !== "active-backup" && b.lacpStatus === "configured";
}


function isMulticastMac(mac: number): boolean {
  return (Math.floor(mac / 2 ** 40) & 1) !== 0;
}

/** bond_check_admissibility. */
export function checkAdmissibility(bond: BondState, member: BondMember, dlDst: number): BondVerdict {
  switch (lacpStatus(bond)) {
    case "negotiated":
      return member.enabled || member.mayEnable ? "accept" : "drop";
    case "configured":
      if (!bond.lacpFallbackAb) return "drop";
      break;
    case "off":
      if (bond.mode === "balance-tcp") return "drop";
      break;
  }
  if (isMulticastMac(dlDst) && bond.active !== member.name && !bond.allMembersActive) return "drop";
  switch (bond.mode) {
    case "balance-tcp":
      if (!bond.lacpFallbackAb) return "drop";
      return bond.active === member.name ? "accept" : "drop";
    case "active-backup":
      return bond.active === member.name ? "accept" : "drop";
    case "balance-slb":
      return "drop-if-moved";
  }
}

/** A flow's source MAC (dl_src) as a number. */
function dlSrcOf(flow: Uint32Array): number {
  return (flow[M.dlSrc.word] ?? 0) * 2 ** 32 + (flow[M.dlSrc.word + 1] ?? 0);
}

/**
 * choose_output_member: active-backup (and a failed LACP bond falling back) sends by its active
 * member; balance-slb by the bucket of hash_mac(dl_src, vlan, basis), whose unassigned or
 * disabled member is replaced by the next enabled one. balance-tcp needs LACP negotiated.
 */
export function chooseOutputMember(bond: BondState, flow: Uint32Array, wc: Uint32Array | null, vlan: number): string | null {
  let mode = bond.mode;
  const lacp = lacpStatus(bond);
  if (lacp === "configured") {
    if (!bond.lacpFallbackAb) return null;
    mode = "active-backup";
  }
  if (mode === "active-backup") return bond.active;
  if (mode === "balance-tcp" && lacp !== "negotiated") return null;
  if (bond.hash === null) return null;
  let hash: number;
  if (mode === "balance-tcp") {
    // flow_hash_5tuple (its un-wildcarding, NX_HASH_FIELDS_SYMMETRIC_L3L4_UDP, is left to the
    // recirculating path: ovsim's datapath always supports recirculation).
    hash = flowHash5Tuple(flow, bond.basis);
  } else {
    if (wc !== null) maskMember(wc, M.dlSrc);
    hash = hashMac(dlSrcOf(flow), vlan, bond.basis);
  }
  const e = bond.hash[hash & BOND_MASK];
  if (e === undefined) return null;
  const m = e.member === null ? undefined : bond.members.get(e.member);
  if (m === undefined || !m.enabled) e.member = nextEnabledMember(bond);
  return e.member;
}

/** bond_enable_member: the member's delay ends; a change enters or leaves the enabled list. */
export function enableMember(bond: BondState, m: BondMember, enable: boolean): void {
  m.delayExpires = null;
  if (enable === m.enabled) return;
  m.enabled = enable;
  if (enable) bond.enabledList.push(m.name);
  else {
    bond.sendLearning = true;
    bond.enabledList = bond.enabledList.filter((n) => n !== m.name);
  }
}

/** bond_entry_reset: fresh buckets and rebalance timer for a balanced mode, none for active-backup (or falling back to it). */
function entryReset(bond: BondState, now: number): void {
  if (bond.mode !== "active-backup" && !fallingBackToAb(bond)) {
    bond.hash = freshBuckets();
    bond.nextRebalance = now + bond.rebalanceInterval;
  } else bond.hash = null;
}

/** get_enabled_member: the enabled list's first member, moved to its back (round robin), or null. */
function nextEnabledMember(bond: BondState): string | null {
  const first = bond.enabledList.shift();
  if (first === undefined) return null;
  bond.enabledList.push(first);
  return first;
}

/** RECIRC_RULE_PRIORITY. */
const RECIRC_RULE_PRIORITY = 20;
/** Post-recirculation rules' entry ids (dump order among equal priorities): after any flow_mod's. */
const PR_RULE_ID_BASE = 0x40000000;

/**
 * The bonds' post-recirculation rules as a bridge's internal rules: a packet recirculated with
 * a bond's id meets the rule of its bucket, `dp_hash & 0xff` (recirc_id exact, dp_hash masked).
 */
function internalRulesOf(bonds: readonly BondState[]): NonNullable<Bridge["internalRules"]> {
  return {
    lookup: (tableId, flow, wc) => {
      if (tableId !== TABLE_INTERNAL) return null;
      const id = flow[XM.recircId.word] ?? 0;
      if (id === 0) return null;
      for (const b of bonds) {
        if (b.recircId !== id) continue;
        wc[XM.recircId.word] = 0xffffffff;
        wc[XM.dpHash.word] = ((wc[XM.dpHash.word] ?? 0) | BOND_MASK) >>> 0;
        return b.prRules.get((flow[XM.dpHash.word] ?? 0) & BOND_MASK) ?? null;
      }
      return null;
    },
    list: () =>
      bonds.flatMap((b) =>
        [...b.prRules].map(([i, entry]) => ({ entry, match: `priority=${RECIRC_RULE_PRIORITY},recirc_id=0x${b.recircId.toString(16)},dp_hash=0x${i.toString(16)}/0xff` })),
      ),
  };
}

/** Main-loop passes one run makes at most while LACP PDUs flow. */
const MAX_PASSES = 16;

function macNumber(mac: string): number {
  return parseMac(mac) ?? 0;
}

/** smap_get_int: the decimal integer at `key` (0 when absent or not a number). */
function smapInt(row: Row, column: string, key: string): number {
  const v = row.cols.get(column)?.get(key);
  if (v === undefined || v === null) return 0;
  const n = Number.parseInt(String(v), 10);
  return Number.isNaN(n) ? 0 : n;
}

/** iface_configure_lacp: a member's LACP port id (its OpenFlow port by default), priority and key. */
function lacpMemberSettings(name: string, iface: Row, ofport: number): { name: string; portId: number; portPriority: number; key: number } {
  let portId = smapInt(iface, "other_config", "lacp-port-id");
  let priority = smapInt(iface, "other_config", "lacp-port-priority");
  let key = smapInt(iface, "other_config", "lacp-aggregation-key");
  if (portId <= 0 || portId > 0xffff) portId = ofport & 0xffff;
  if (priority <= 0 || priority > 0xffff) priority = 0xffff;
  if (key < 0 || key > 0xffff) key = 0;
  return { name, portId, portPriority: priority, key };
}

export class Bonds {
  private readonly bonds = new Map<string, BondState>();
  /** NORMAL's view of each bond, one object per bond for as long as it lives. */
  private readonly views = new Map<string, NormalBond>();
  /** The ports of every bridge by name, as of the last run. */
  private ports: ReadonlyMap<string, BridgePort> = new Map();

  constructor(private readonly owner: BondsOwner) {}

  /** The bond named `name`, after a run. */
  find(name: string): BondState | undefined {
    this.run();
    return this.bonds.get(name);
  }

  /** Every bond, in name order, after a run. */
  all(): BondState[] {
    this.run();
    return [...this.bonds.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Whether bond `b` is a balanced one (bond_is_balanced). */
  static isBalanced(b: BondState): boolean {
    return b.rebalanceInterval !== 0 && b.mode !== "active-backup" && !(b.lacpFallbackAb && b.lacpStatus === "configured");
  }

  /** bond_may_recirc. */
  static mayRecirc(b: BondState): boolean {
    return b.mode === "balance-tcp" && b.recircId !== 0 && !fallingBackToAb(b);
  }

  /** Every bond's LACP object, by bond name order (`lacp/show`). */
  lacps(): Lacp[] {
    return this.all()
      .map((b) => b.lacp)
      .filter((l): l is Lacp => l !== null);
  }

  /**
   * The LACP counters and states of interface `member` (lacp_get_member_stats), or null when
   * it is no member of a LACP bond: what sFlow's LACP counter structure reports.
   */
  lacpMemberStats(member: string): LacpMemberStats | null {
    for (const b of this.all()) if (b.lacp !== null && b.members.has(member)) return b.lacp.memberStats(member);
    return null;
  }

  /**
   * ofproto-dpif-xlate's process_special for LACP: a frame of type ETH_TYPE_LACP received on a
   * member of a LACP bond goes to its LACP object (lacp_process_packet) and nowhere else.
   * True when the frame was consumed.
   */
  receiveSpecial(port: BridgePort, frame: Uint8Array): boolean {
    if (!isLacpFrame(frame)) return false;
    for (const b of this.bonds.values()) {
      if (b.lacp === null || !b.members.has(port.name) || this.ports.get(port.name) !== port) continue;
      b.lacp.processPacket(port.name, frame, this.owner.now());
      return true;
    }
    return false;
  }

  /**
   * `bond/set-active-member BOND MEMBER`: null with OVS's reply ("done", "no change"), or its error.
   */
  setActiveMember(bondName: string, memberName: string): { ok: true; reply: string } | { ok: false; error: string } {
    const bond = this.find(bondName);
    if (bond === undefined) return { ok: false, error: "no such bond" };
    const m = bond.members.get(memberName);
    if (m === undefined) return { ok: false, error: "no such member" };
    if (!m.enabled) return { ok: false, error: "cannot make disabled member active" };
    if (bond.active === m.name) return { ok: true, reply: "no change" };
    this.setActive(bond, m.name);
    return { ok: true, reply: "done" };
  }

  /** `bond/enable-member` / `bond/disable-member` (enable_member): bond_enable_member at once. */
  enableMemberCommand(bondName: string, memberName: string, enable: boolean): { ok: true } | { ok: false; error: string } {
    const bond = this.find(bondName);
    if (bond === undefined) return { ok: false, error: "no such bond" };
    const m = bond.members.get(memberName);
    if (m === undefined) return { ok: false, error: "no such member" };
    enableMember(bond, m, enable);
    this.owner.changed();
    return { ok: true };
  }

  /** `bond/migrate BOND HASH MEMBER`: assigns an SLB bucket to an enabled member. */
  migrate(bondName: string, hashText: string, memberName: string): { ok: true } | { ok: false; error: string } {
    const bond = this.find(bondName);
    if (bond === undefined) return { ok: false, error: "no such bond" };
    if (bond.mode !== "balance-slb") return { ok: false, error: "not an SLB bond" };
    if (!/^[0-9]*$/.test(hashText)) return { ok: false, error: "bad hash" };
    const hash = Number.parseInt(hashText === "" ? "0" : hashText, 10) & BOND_MASK;
    const m = bond.members.get(memberName);
    if (m === undefined) return { ok: false, error: "no such member" };
    if (!m.enabled) return { ok: false, error: "cannot migrate to disabled member" };
    const e = bond.hash?.[hash];
    if (e !== undefined) e.member = m.name;
    this.owner.changed();
    return { ok: true };
  }

  /** The bonds' state for a snapshot (bond-snapshot.ts), in name order. */
  save(): BondState[] {
    return [...this.bonds.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Takes a snapshot's bonds (after the bridges are restored): NORMAL's views and the internal rules follow. */
  restore(bonds: readonly BondState[]): void {
    this.bonds.clear();
    this.views.clear();
    for (const b of bonds) this.bonds.set(b.name, b);
    const ports = new Map<string, BridgePort>();
    for (const br of this.owner.bridges()) for (const p of br.ports()) ports.set(p.name, p);
    this.ports = ports;
    this.attach(ports);
  }

  /** One main-loop pass: bonds reconfigured from the DB (bond_reconfigure), then bond_run on each. */
  run(): void {
    const now = this.owner.now();
    const ports = new Map<string, BridgePort>();
    for (const b of this.owner.bridges()) for (const p of b.ports()) ports.set(p.name, p);
    this.ports = ports;
    const seen = new Set<string>();
    const db = this.owner.db();
    for (const br of db.rows("Bridge")) {
      for (const u of br.cols.get("ports")?.keys ?? []) {
        const row = db.row("Port", String(u));
        if (row === undefined) continue;
        const ifaces = (row.cols.get("interfaces")?.keys ?? []).map((i) => db.row("Interface", String(i))).filter((i): i is Row => i !== undefined);
        if (ifaces.length < 2) continue;
        const name = String(row.cols.get("name")?.first() ?? "");
        seen.add(name);
        const bond = this.reconfigure(name, row, now);
        this.configureLacp(bond, row, br, ports);
        const names = new Set<string>();
        for (const i of ifaces) {
          const n = String(i.cols.get("name")?.first() ?? "");
          if (!ports.has(n)) continue;
          names.add(n);
          // bond_member_register: a new member is enabled at once when its link is up.
          const up = ports.get(n)?.mayEnable ?? false;
          if (!bond.members.has(n)) {
            const m: BondMember = { name: n, enabled: false, mayEnable: up, delayExpires: null };
            bond.members.set(n, m);
            enableMember(bond, m, up);
          }
          bond.lacp?.registerMember(lacpMemberSettings(n, i, ports.get(n)?.ofport ?? 0), now);
        }
        for (const n of [...bond.members.keys()]) {
          if (names.has(n)) continue;
          // bond_member_unregister.
          const m = bond.members.get(n);
          if (m !== undefined) enableMember(bond, m, false);
          bond.members.delete(n);
          bond.lacp?.unregisterMember(n);
          for (const e of bond.hash ?? []) if (e.member === n) e.member = null;
          if (bond.active === n) bond.active = null;
        }
      }
    }
    // The main loop's passes: port_run (carrier, may_enable), bundle_run (lacp_run, which
    // sends the PDUs due, then bond_run). A PDU reaches its peer at once (stream links), so the
    // passes repeat while PDUs flow, as OVS's main loop wakes for them.
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      let sent = false;
      for (const bond of this.bonds.values()) {
        if (!seen.has(bond.name)) continue;
        this.portRun(bond, ports);
        bond.lacp?.run(now, (member, actor, partner) => {
          const port = ports.get(member);
          if (port === undefined) return;
          sent = true;
          for (const br of this.owner.bridges()) {
            if (br.portByName(member) === port) this.owner.send(br, port, composeLacpFrame(macNumber(port.mac), actor, partner));
          }
        });
        this.runBond(bond, ports, now);
      }
      if (!sent) break;
    }
    // ofproto-dpif's run: with the bundles run and stats fresh, bond_rebalance.
    for (const bond of this.bonds.values()) if (seen.has(bond.name)) this.rebalance(bond, now);
    for (const [name, b] of this.bonds) {
      if (seen.has(name)) continue;
      if (b.recircId !== 0) this.owner.freeRecircId(b.recircId);
      this.bonds.delete(name);
      this.views.delete(name);
    }
    this.ports = ports;
    this.attach(ports);
    for (const bond of this.bonds.values()) this.sendLearningPackets(bond, ports);
  }

  /**
   * bundle_send_learning_packets, when due (bond_should_send_learning_packets: active-backup
   * and balance-slb bonds without LACP, with an active member): for each MAC its bridge
   * learned on another port, oldest first, a RARP from that MAC out of the member the bond
   * chooses for it (choose_output_member), so that the switches beyond the bond learn where
   * the MAC is now.
   */
  private sendLearningPackets(bond: BondState, ports: ReadonlyMap<string, BridgePort>): void {
    if (!bond.sendLearning) return;
    bond.sendLearning = false;
    const may = (lacpStatus(bond) === "off" && bond.mode !== "balance-tcp") || (bond.lacpFallbackAb && lacpStatus(bond) === "configured");
    if (!may || bond.active === null) return;
    const active = ports.get(bond.active);
    if (active === undefined) return;
    for (const br of this.owner.bridges()) {
      if (br.portByName(bond.active) !== active) continue;
      const members = new Set<number>();
      for (const m of bond.members.keys()) {
        const p = br.portByName(m);
        if (p !== undefined) members.add(p.ofport);
      }
      const sends: [BridgePort, Uint8Array][] = [];
      for (const { entry } of br.macTable.list(this.owner.now())) {
        if (members.has(entry.port)) continue;
        const flow = new Uint32Array(M.dlSrc.word + 2);
        flow[M.dlSrc.word] = Math.floor(entry.mac / 2 ** 32);
        flow[M.dlSrc.word + 1] = entry.mac % 2 ** 32;
        const out = ports.get(chooseOutputMember(bond, flow, null, entry.vlan) ?? "");
        if (out !== undefined) sends.push([out, composeRarp(entry.mac, entry.vlan)]);
      }
      for (const [out, f] of sends) this.owner.send(br, out, f);
    }
  }

  /**
   * bond_update_post_recirc_rules__: every bucket gets a member (one that is enabled, else the
   * active member), then, when a bucket changed or `force`, the rules follow (update_recirc_rules).
   * OVS picks a random member for each bucket (hmap_random_node); ovsim deals them out in
   * turn, bucket by bucket, in member name order, which spreads flows as evenly.
   */
  private updatePostRecircRules(bond: BondState, force: boolean): void {
    if (bond.hash === null) return;
    let update = force;
    const members = this.sortedMembers(bond);
    bond.hash.forEach((e, i) => {
      const m = e.member === null ? undefined : bond.members.get(e.member);
      if (m !== undefined && m.enabled) return;
      update = true;
      const pick = members.length === 0 ? undefined : members[i % members.length];
      e.member = pick === undefined ? null : pick.enabled ? pick.name : bond.active;
    });
    if (update) this.updateRecircRules(bond);
  }

  /** update_recirc_rules: a rule `recirc_id=ID,dp_hash=N/0xff actions=output:MEMBER` for each bucket with a member. */
  private updateRecircRules(bond: BondState): void {
    const now = this.owner.now();
    const keep = new Set<number>();
    if (bond.hash !== null && bond.recircId !== 0) {
      bond.hash.forEach((e, i) => {
        const ofport = this.ofportOf(e.member);
        if (ofport === null) return;
        keep.add(i);
        const actions: ActionList = [{ type: "output", port: ofport, maxLen: 0 }];
        const old = bond.prRules.get(i);
        if (old === undefined) {
          bond.prRules.set(i, new FlowEntry(PR_RULE_ID_BASE + i, TABLE_INTERNAL, Match.catchall(), RECIRC_RULE_PRIORITY, 0n, 0, 0, 0, { ...NO_FLOW_MOD_FLAGS }, actions, now));
          this.owner.changed();
        } else if (JSON.stringify(old.actions) !== JSON.stringify(actions)) {
          old.actions = actions;
          this.owner.changed();
        }
      });
    }
    for (const i of [...bond.prRules.keys()]) if (!keep.has(i)) bond.prRules.delete(i);
  }

  /** recirc_alloc_id's frozen state of a bond's id: resume in its bridge's table 254, in_port NONE. */
  private frozenStateOf(id: number): FrozenState | undefined {
    for (const b of this.bonds.values()) {
      if (b.recircId !== id || id === 0) continue;
      const member = b.members.keys().next().value;
      const bridge = member === undefined ? undefined : [...this.owner.bridges()].find((br) => br.portByName(member) !== undefined);
      if (bridge === undefined) return undefined;
      const flow = new Uint32Array(XLATE_FLOW_WORDS);
      flow[M.inPort.word] = OFPP_NONE;
      return { bridge, table: TABLE_INTERNAL, actions: [], actionSet: [], metadata: new Uint32Array(18), port: frozenPort(flow), conntracked: false, stack: [] };
    }
    return undefined;
  }

  /** The frozen states of the bonds' recirculation ids, for the switch's RecircIds (`owned`). */
  readonly frozenStates = (id: number): FrozenState | undefined => this.frozenStateOf(id);

  /** Gives each bridge NORMAL's view of its bonds: each bond is one bundle. */
  private attach(ports: ReadonlyMap<string, BridgePort>): void {
    const byOfport = new Map<Bridge, Map<number, NormalBond>>();
    for (const b of this.owner.bridges()) byOfport.set(b, new Map());
    for (const bond of this.bonds.values()) {
      const view = this.view(bond);
      for (const m of bond.members.keys()) {
        for (const [br, map] of byOfport) {
          const p = br.portByName(m);
          if (p !== undefined && p === ports.get(m)) map.set(p.ofport, view);
        }
      }
    }
    for (const [br, map] of byOfport) br.bondLookup = map.size === 0 ? null : (ofport) => map.get(ofport) ?? null;
    // The post-recirculation rules, in the bridge of each bond.
    for (const br of this.owner.bridges()) {
      const mine = [...this.bonds.values()].filter((b) => b.prRules.size > 0 && [...b.members.keys()].some((m) => br.portByName(m) !== undefined && br.portByName(m) === ports.get(m)));
      br.internalRules = mine.length === 0 ? null : internalRulesOf(mine);
    }
  }

  /** The OpenFlow port of member `name`, or null. */
  private ofportOf(name: string | null): number | null {
    return name === null ? null : (this.ports.get(name)?.ofport ?? null);
  }

  private view(bond: BondState): NormalBond {
    let v = this.views.get(bond.name);
    if (v !== undefined) return v;
    const name = bond.name;
    const current = (): BondState | undefined => this.bonds.get(name);
    // The port the MAC table records for the bond: its smallest member OpenFlow port (OVS
    // learns on the bundle itself and fdb/show prints one of its ports).
    const learnPort = (): number => {
      const ofports = [...(current()?.members.keys() ?? [])].map((n) => this.ofportOf(n)).filter((p): p is number => p !== null);
      return ofports.length === 0 ? -1 : Math.min(...ofports);
    };
    v = {
      name,
      get learnPort(): number {
        return learnPort();
      },
      admissibility: (ofport, dlDst) => {
        const b = current();
        if (b === undefined) return "drop";
        const member = [...b.members.values()].find((m) => this.ports.get(m.name)?.ofport === ofport);
        return member === undefined ? "drop" : checkAdmissibility(b, member, dlDst);
      },
      outputMember: (flow, wc, vlan, sideEffects) => {
        const b = current();
        if (b === undefined) return null;
        // output_normal: a balance-tcp bond that may recirculate hashes and recirculates
        // (bond_update_post_recirc_rules with side effects), and un-wildcards nothing for it.
        const recirc = Bonds.mayRecirc(b) ? { recircId: b.recircId, basis: b.basis } : null;
        if (recirc !== null && sideEffects) this.updatePostRecircRules(b, false);
        const ofport = this.ofportOf(chooseOutputMember(b, flow, recirc === null ? wc : null, vlan));
        return ofport === null ? null : { ofport, recirc };
      },
    };
    this.views.set(name, v);
    return v;
  }

  /**
   * port_configure_lacp + lacp_configure: `lacp=active|passive` makes (or keeps) the bond's LACP
   * object with its system id (other_config:lacp-system-id, else the bridge's address), system
   * priority (lacp-system-priority, else 65534 for a bond), lacp-time and lacp-fallback-ab.
   */
  private configureLacp(bond: BondState, row: Row, br: Row, ports: ReadonlyMap<string, BridgePort>): void {
    const mode = String(row.cols.get("lacp")?.first() ?? "off");
    const active = mode === "active";
    let sysId: number | null = null;
    const idText = row.cols.get("other_config")?.get("lacp-system-id");
    if (idText !== undefined && idText !== null) sysId = parseMac(String(idText));
    else {
      const brName = String(br.cols.get("name")?.first() ?? "");
      for (const b of this.owner.bridges()) if (b.name === brName) sysId = macNumber(b.port(OFPP_LOCAL)?.mac ?? ports.get(brName)?.mac ?? "");
    }
    if ((mode !== "active" && mode !== "passive") || sysId === null || sysId === 0) {
      bond.lacp = null;
      return;
    }
    const priority = smapInt(row, "other_config", "lacp-system-priority");
    const oc = row.cols.get("other_config");
    bond.lacp ??= new Lacp();
    bond.lacp.configure({
      name: bond.name,
      sysId,
      sysPriority: priority > 0 && priority <= 0xffff ? priority : 0xfffe,
      active,
      fast: String(oc?.get("lacp-time") ?? "").toLowerCase() === "fast",
      fallbackAb: boolOf(oc?.get("lacp-fallback-ab")),
    });
  }

  private reconfigure(name: string, row: Row, now: number): BondState {
    const oc = row.cols.get("other_config");
    const modeText = String(row.cols.get("bond_mode")?.first() ?? "active-backup");
    const mode: BondMode = modeText === "balance-slb" || modeText === "balance-tcp" ? modeText : "active-backup";
    let rebalance = intOf(oc?.get("bond-rebalance-interval"), 10000);
    if (rebalance !== 0 && rebalance < 1000) rebalance = 1000;
    const fallback = boolOf(oc?.get("lacp-fallback-ab"));
    const primaryAtom = mode === "active-backup" || fallback ? oc?.get("bond-primary") : undefined;
    let bond = this.bonds.get(name);
    if (bond === undefined) {
      bond = {
        name, mode, updelay: 0, downdelay: 0, basis: 0, rebalanceInterval: rebalance, lacpFallbackAb: fallback, primary: null,
        useLbOutput: false, allMembersActive: false, members: new Map(), active: null, activeMac: ETH_ADDR_ZERO, recircId: 0,
        nextRebalance: now + rebalance, sendLearning: false, hash: null, enabledList: [], lacp: null, lacpStatus: "off", prRules: new Map(),
      };
      this.bonds.set(name, bond);
    }
    const basis = intOf(oc?.get("bond-hash-basis"), 0) >>> 0;
    const primary = primaryAtom === undefined ? null : String(primaryAtom);
    const useLbOutput = mode === "balance-tcp" && boolOf(oc?.get("lb-output-action"));
    // bond_reconfigure's `revalidate`: then bond_entry_reset restarts the rebalance timer.
    const revalidate =
      bond.mode !== mode || bond.basis !== basis || bond.rebalanceInterval !== rebalance || bond.lacpFallbackAb !== fallback || bond.primary !== primary || bond.useLbOutput !== useLbOutput;
    bond.mode = mode;
    bond.updelay = Math.max(0, intOf(row.cols.get("bond_updelay")?.first(), 0));
    bond.downdelay = Math.max(0, intOf(row.cols.get("bond_downdelay")?.first(), 0));
    bond.basis = basis;
    bond.rebalanceInterval = rebalance;
    bond.lacpFallbackAb = fallback;
    bond.primary = primary;
    bond.useLbOutput = useLbOutput;
    bond.allMembersActive = mode === "balance-slb" && boolOf(oc?.get("all-members-active"));
    if (mode === "active-backup" || bond.hash === null || revalidate) entryReset(bond, now);
    if (mode !== "active-backup") {
      if (bond.recircId === 0) bond.recircId = this.owner.allocRecircId();
    } else if (bond.recircId !== 0) {
      this.owner.freeRecircId(bond.recircId);
      bond.recircId = 0;
    }
    return bond;
  }

  /**
   * port_run for each member: the member may be enabled while its carrier is up and LACP
   * allows it (may_enable_port). OVS tells LACP of a carrier change by the netdev's carrier
   * resets counter, which a dummy netdev (all ovsim has) never moves: an administratively
   * downed dummy port keeps its LACP partner, as OVS's does (lacp.ts `carrierChanged` is
   * there for netdevs that count resets).
   */
  private portRun(bond: BondState, ports: ReadonlyMap<string, BridgePort>): void {
    for (const m of bond.members.values()) {
      const carrier = ports.get(m.name)?.mayEnable ?? false;
      m.mayEnable = carrier && (bond.lacp === null || bond.lacp.mayEnable(m.name));
    }
  }

  /** bond_run: the LACP status, link status of each member, then the active member. */
  private runBond(bond: BondState, ports: ReadonlyMap<string, BridgePort>, now: number): void {
    const status: LacpStatus = bond.lacp === null ? "off" : bond.lacp.status();
    if (bond.lacpStatus !== status) {
      bond.lacpStatus = status;
      this.owner.changed();
      if (fallingBackToAb(bond) || bond.hash === null) entryReset(bond, now);
    }
    let primary: BondMember | null = null;
    for (const m of this.sortedMembers(bond)) {
      const port = ports.get(m.name);
      const up = (port?.mayEnable ?? false) && m.mayEnable;
      if ((up === m.enabled) !== (m.delayExpires === null)) {
        if (up === m.enabled) m.delayExpires = null;
        else m.delayExpires = now + (up ? bond.updelay : bond.downdelay);
      }
      if (m.delayExpires !== null && now >= m.delayExpires) enableMember(bond, m, up);
      if (bond.mode === "active-backup" && m.name === bond.primary && m.enabled) primary = m;
    }
    const active = bond.active === null ? undefined : bond.members.get(bond.active);
    if (active === undefined || !active.enabled || (primary !== null && active !== primary)) this.chooseActive(bond, ports);
    if (Bonds.mayRecirc(bond)) this.updatePostRecircRules(bond, false);
    else if (bond.prRules.size > 0) this.updateRecircRules(bond);
  }

  /**
   * bond_rebalance, when due: a recirculating bond first accounts each bucket's new bytes from
   * its post-recirculation rule (bond_recirculation_account), then the buckets' loads are
   * evened out (bond-hash.ts's rebalanceBuckets) and a recirculating bond's rules follow.
   * (balance-slb's per-flow accounting, bond_account, is not modelled: its buckets carry no load.)
   */
  private rebalance(bond: BondState, now: number): void {
    if (!Bonds.isBalanced(bond) || now < bond.nextRebalance || bond.hash === null) return;
    bond.nextRebalance = now + bond.rebalanceInterval;
    const useRecirc = Bonds.mayRecirc(bond);
    if (useRecirc) {
      bond.hash.forEach((e, i) => {
        const rule = bond.prRules.get(i);
        if (rule === undefined || e.member === null) return;
        e.txBytes += rule.nBytes - e.prTxBytes;
        e.prTxBytes = rule.nBytes;
      });
    }
    const moves = rebalanceBuckets(bond.hash, [...bond.members.values()]);
    if (moves.length === 0) return;
    this.owner.changed();
    if (useRecirc) this.updatePostRecircRules(bond, true);
  }

  private sortedMembers(bond: BondState): BondMember[] {
    return [...bond.members.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** bond_choose_active_member. */
  private chooseActive(bond: BondState, ports: ReadonlyMap<string, BridgePort>): void {
    const members = this.sortedMembers(bond);
    const byMac = members.find((m) => ports.get(m.name)?.mac === bond.activeMac);
    let pick: BondMember | undefined =
      members.find((m) => m.name === bond.primary && m.enabled) ?? (byMac?.enabled ? byMac : undefined) ?? members.find((m) => m.enabled);
    if (pick === undefined) {
      for (const m of members) {
        if (m.delayExpires !== null && m.mayEnable && (pick === undefined || m.delayExpires < (pick.delayExpires as number))) pick = m;
      }
    }
    const old = bond.active;
    if (pick?.name !== old) this.owner.changed();
    if (pick === undefined) {
      bond.active = null;
      if (old !== null) bond.activeMac = ETH_ADDR_ZERO;
      return;
    }
    if (!pick.enabled) enableMember(bond, pick, true);
    bond.sendLearning = true;
    bond.active = pick.name;
    if (pick.name !== old) bond.activeMac = ports.get(pick.name)?.mac ?? ETH_ADDR_ZERO;
  }

  private setActive(bond: BondState, name: string): void {
    bond.active = name;
    bond.sendLearning = true;
    this.owner.changed();
    for (const b of this.owner.bridges()) {
      const p = b.portByName(name);
      if (p !== undefined) bond.activeMac = p.mac;
    }
  }
}
