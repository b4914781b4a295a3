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
import type { NormalBond } from "../actions/xlate/xlate-normal.js";

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

  /** Whether bond `b` is a balanced one (bond_is_balanced; LACP is not modelled, so never falling back). */
  static isBalanced(b: BondState): boolean {
    return b.rebalanceInterval !== 0 && b.mode !== "active-backup";
  }

  /** bond_may_recirc. */
  static mayRecirc(b: BondState): boolean {
    return b.mode === "balance-tcp" && b.recircId !== 0;
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

  /** One main-loop pass: bonds reconfigured from the DB (bond_reconfigure), then bond_run on each. */
  run(): void {
    const now = this.owner.now();
    const ports = new Map<string, BridgePort>();
    for (const b of this.owner.bridges()) for (const p of b.ports()) ports.set(p.name, p);
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
        const names = new Set<string>();
        for (const i of ifaces) {
          const n = String(i.cols.get("name")?.first() ?? "");
          if (!ports.has(n)) continue;
          names.add(n);
          // bond_member_register: a new member is enabled at once when its link is up.
          const up = ports.get(n)?.mayEnable ?? false;
          if (!bond.members.has(n)) bond.members.set(n, { name: n, enabled: up, mayEnable: up, delayExpires: null });
        }
        for (const n of [...bond.members.keys()]) {
          if (names.has(n)) continue;
          bond.members.delete(n);
          if (bond.active === n) bond.active = null;
        }
        this.runBond(bond, ports, now);
      }
    }
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
   * bundle_send_learning_packets, when due (bond_should_send_learning_packets): for each MAC
   * its bridge learned on another port, oldest first, a RARP from that MAC out of the active
   * member, so that the switches beyond the bond learn where the MAC is now. Active-backup
   * bonds only (a balanced bond's member choice is not modelled).
   */
  private sendLearningPackets(bond: BondState, ports: ReadonlyMap<string, BridgePort>): void {
    if (!bond.sendLearning) return;
    bond.sendLearning = false;
    if (bond.active === null || bond.mode !== "active-backup") return;
    const out = ports.get(bond.active);
    if (out === undefined) return;
    for (const br of this.owner.bridges()) {
      if (br.portByName(bond.active) !== out) continue;
      const members = new Set<number>();
      for (const m of bond.members.keys()) {
        const p = br.portByName(m);
        if (p !== undefined) members.add(p.ofport);
      }
      const frames = br.macTable
        .list(this.owner.now())
        .filter(({ entry }) => !members.has(entry.port))
        .map(({ entry }) => composeRarp(entry.mac, entry.vlan));
      for (const f of frames) this.owner.send(br, out, f);
    }
  }

  /**
   * Gives each bridge NORMAL's view of its bonds: an active-backup or balance-tcp bond is one
   * bundle. balance-tcp's hash buckets are not modelled: it sends by its active member (OVS
   * spreads the flows over the enabled members by dp_hash), but as OVS's it admits nothing
   * without LACP. A balance-slb bond's members are still bundles of their own (its source-MAC
   * buckets are not modelled yet).
   */
  private attach(ports: ReadonlyMap<string, BridgePort>): void {
    const byOfport = new Map<Bridge, Map<number, NormalBond>>();
    for (const b of this.owner.bridges()) byOfport.set(b, new Map());
    for (const bond of this.bonds.values()) {
      if (bond.mode === "balance-slb") continue;
      const view = this.view(bond);
      for (const m of bond.members.keys()) {
        for (const [br, map] of byOfport) {
          const p = br.portByName(m);
          if (p !== undefined && p === ports.get(m)) map.set(p.ofport, view);
        }
      }
    }
    for (const [br, map] of byOfport) br.bondLookup = map.size === 0 ? null : (ofport) => map.get(ofport) ?? null;
  }

  private view(bond: BondState): NormalBond {
    let v = this.views.get(bond.name);
    if (v !== undefined) return v;
    const name = bond.name;
    const current = (): BondState | undefined => this.bonds.get(name);
    v = {
      name,
      // bond_check_admissibility with LACP off (ovsim models no LACP): balance-tcp drops
      // everything; multicast is taken from the active member only (unless all-members-active);
      // active-backup takes frames from its active member only. (SLB's drop-if-moved check is
      // not modelled.)
      admits: (ofport, multicast) => {
        const b = current();
        if (b === undefined || b.mode === "balance-tcp") return false;
        const active = b.active;
        const isActive = active !== null && this.ports.get(active)?.ofport === ofport;
        if (multicast && !isActive && !b.allMembersActive) return false;
        return b.mode !== "active-backup" || isActive;
      },
      outputMember: () => {
        const b = current();
        const active = b?.active ?? null;
        if (active === null) return null;
        const m = b?.members.get(active);
        return m !== undefined && m.enabled ? (this.ports.get(active)?.ofport ?? null) : null;
      },
    };
    this.views.set(name, v);
    return v;
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
        nextRebalance: now + rebalance, sendLearning: false,
      };
      this.bonds.set(name, bond);
    }
    const basis = intOf(oc?.get("bond-hash-basis"), 0) >>> 0;
    const primary = primaryAtom === undefined ? null : String(primaryAtom);
    const useLbOutput = mode === "balance-tcp" && boolOf(oc?.get("lb-output-action"));
    // bond_reconfigure's `revalidate`: then bond_entry_reset restarts the rebalance timer.
    const revalidate =
      bond.mode !== mode || bond.basis !== basis || bond.rebalanceInterval !== rebalance || bond.lacpFallbackAb !== fallback || bond.primary !== primary || bond.useLbOutput !== useLbOutput;
    if (revalidate || mode === "active-backup") bond.nextRebalance = now + rebalance;
    bond.mode = mode;
    bond.updelay = Math.max(0, intOf(row.cols.get("bond_updelay")?.first(), 0));
    bond.downdelay = Math.max(0, intOf(row.cols.get("bond_downdelay")?.first(), 0));
    bond.basis = basis;
    bond.rebalanceInterval = rebalance;
    bond.lacpFallbackAb = fallback;
    bond.primary = primary;
    bond.useLbOutput = useLbOutput;
    bond.allMembersActive = mode === "balance-slb" && boolOf(oc?.get("all-members-active"));
    if (mode !== "active-backup") {
      if (bond.recircId === 0) bond.recircId = this.owner.allocRecircId();
    } else if (bond.recircId !== 0) {
      this.owner.freeRecircId(bond.recircId);
      bond.recircId = 0;
    }
    return bond;
  }

  /** bond_run: link status of each member, then the active member. */
  private runBond(bond: BondState, ports: ReadonlyMap<string, BridgePort>, now: number): void {
    let primary: BondMember | null = null;
    for (const m of this.sortedMembers(bond)) {
      const port = ports.get(m.name);
      m.mayEnable = port !== undefined && port.mayEnable;
      const up = m.mayEnable;
      if ((up === m.enabled) !== (m.delayExpires === null)) {
        if (up === m.enabled) m.delayExpires = null;
        else m.delayExpires = now + (up ? bond.updelay : bond.downdelay);
      }
      if (m.delayExpires !== null && now >= m.delayExpires) {
        m.delayExpires = null;
        if (m.enabled && !up) bond.sendLearning = true;
        m.enabled = up;
      }
      if (bond.mode === "active-backup" && m.name === bond.primary && m.enabled) primary = m;
    }
    const active = bond.active === null ? undefined : bond.members.get(bond.active);
    if (active === undefined || !active.enabled || (primary !== null && active !== primary)) this.chooseActive(bond, ports);
    if (Bonds.isBalanced(bond) && now >= bond.nextRebalance) {
      const k = Math.floor((now - bond.nextRebalance) / bond.rebalanceInterval) + 1;
      bond.nextRebalance += k * bond.rebalanceInterval;
    }
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
    if (!pick.enabled) {
      pick.delayExpires = null;
      pick.enabled = true;
    }
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
