/**
 * LACP, the Link Aggregation Control Protocol (IEEE 802.1AX), as OVS's lib/lacp.c runs it for
 * a bond whose Port row sets `lacp=active` or `lacp=passive`.
 *
 * Each end of an aggregated link is an *actor*; what it last heard from the other end is its
 * *partner*. Both describe themselves in a `LacpInfo` (system priority and id, aggregation
 * key, port priority and id, and a state byte of flags: activity, short timeout, aggregation,
 * synchronization, collecting, distributing, defaulted, expired) and exchange them in LACP PDUs:
 * Ethernet frames to 01:80:c2:00:00:02 of type 0x8809 holding the actor's info and its view
 * of the partner.
 *
 * - A member's *status* is current (a PDU arrived within 3 transmit intervals), expired (it
 *   went quiet once: the partner info is kept but marked out of sync, and the short timeout
 *   is asked for) or defaulted (quiet twice, or never heard: no partner).
 * - lacp_update_attached picks a *lead* among the members (current and attached first, then
 *   by the LinkAggregation priority of the higher-priority system of each pair), and attaches
 *   every member whose partner is the same system with the same key. The bond is *negotiated*
 *   when there is a lead.
 * - A member may carry traffic (`mayEnable`) when attached and its partner says it is in
 *   sync (or, with lacp-fallback-ab, when it is defaulted).
 * - `run` (lacp_run) ages the receive timers, re-attaches when something changed, and sends a
 *   PDU on each member that may transmit (carrier up, and active or hearing a partner) when
 *   its transmit timer expired or its actor info changed in a way the partner must hear
 *   (info_tx_equal). The interval is 1 s if the partner asked for the short timeout, else 30 s.
 *
 * Members are kept in registration order where OVS walks its hash map (the lead choice only
 * depends on it between equals).
 */

/** LACP_STATE_* flags of LacpInfo.state. */
export const LACP_STATE = { ACT: 0x01, TIME: 0x02, AGG: 0x04, SYNC: 0x08, COL: 0x10, DIST: 0x20, DEF: 0x40, EXP: 0x80 } as const;

const FAST_TIME_TX = 1000;
const SLOW_TIME_TX = 30000;
const RX_MULTIPLIER = 3;

/** The LACP destination MAC (eth_addr_lacp) and EtherType (ETH_TYPE_LACP). */
export const ETH_ADDR_LACP = 0x0180c2000002;
export const ETH_TYPE_LACP = 0x8809;
/** sizeof(struct lacp_pdu). */
export const LACP_PDU_LEN = 110;

/** struct lacp_info. */
export interface LacpInfo {
  sysPriority: number;
  /** The system id, a MAC as a number. */
  sysId: number;
  key: number;
  portPriority: number;
  portId: number;
  state: number;
}

export type LacpMemberStatus = "current" | "expired" | "defaulted";

/** One member (lacp.c's struct member). */
export interface LacpMember {
  readonly name: string;
  portId: number;
  portPriority: number;
  key: number;
  status: LacpMemberStatus;
  attached: boolean;
  carrierUp: boolean;
  partner: LacpInfo;
  /** The actor info last sent (or the partner's view of us): a change forces a PDU. */
  nttActor: LacpInfo;
  /** When the transmit timer expires (virtual ms). */
  tx: number;
  /** When the receive timer expires (virtual ms). */
  rx: number;
  countRxPdus: number;
  countRxPdusBad: number;
  countRxPdusMarker: number;
  countTxPdus: number;
  countLinkExpired: number;
  countLinkDefaulted: number;
  countCarrierChanged: number;
}

/** struct lacp_settings. */
export interface LacpSettings {
  readonly name: string;
  readonly sysId: number;
  readonly sysPriority: number;
  readonly active: boolean;
  readonly fast: boolean;
  readonly fallbackAb: boolean;
}

/** struct lacp_member_settings. */
export interface LacpMemberSettings {
  readonly name: string;
  readonly portId: number;
  readonly portPriority: number;
  readonly key: number;
}

/** The counters of one member (lacp_get_member_stats / `lacp/show-stats`), for sFlow's LACP structures and others. */
export interface LacpMemberStats {
  readonly actorSystemId: number;
  readonly partnerSystemId: number;
  readonly attachedAggId: number;
  readonly actorAdminState: number;
  readonly partnerAdminState: number;
  readonly actorOperState: number;
  readonly partnerOperState: number;
  readonly rxPdus: number;
  readonly rxPdusBad: number;
  readonly txPdus: number;
}

function zeroInfo(): LacpInfo {
  return { sysPriority: 0, sysId: 0, key: 0, portPriority: 0, portId: 0, state: 0 };
}

function infoEqual(a: LacpInfo, b: LacpInfo): boolean {
  return a.sysPriority === b.sysPriority && a.sysId === b.sysId && a.key === b.key && a.portPriority === b.portPriority && a.portId === b.portId && a.state === b.state;
}

/** info_tx_equal: whether `a` and `b` differ in nothing a partner must be told about. */
function infoTxEqual(a: LacpInfo, b: LacpInfo): boolean {
  const flags = LACP_STATE.ACT | LACP_STATE.TIME | LACP_STATE.SYNC | LACP_STATE.AGG;
  return ((a.state ^ b.state) & flags) === 0 && a.portId === b.portId && a.portPriority === b.portPriority && a.key === b.key && a.sysPriority === b.sysPriority && a.sysId === b.sysId;
}

/** The 15 bytes of a struct lacp_info, network order, for memcmp-like comparisons and PDUs. */
function infoBytes(i: LacpInfo): number[] {
  const out = [(i.sysPriority >> 8) & 0xff, i.sysPriority & 0xff];
  for (let k = 5; k >= 0; k--) out.push(Math.floor(i.sysId / 2 ** (8 * k)) & 0xff);
  out.push((i.key >> 8) & 0xff, i.key & 0xff, (i.portPriority >> 8) & 0xff, i.portPriority & 0xff, (i.portId >> 8) & 0xff, i.portId & 0xff, i.state & 0xff);
  return out;
}

function infoFromBytes(b: Uint8Array, at: number): LacpInfo {
  const u16 = (o: number): number => ((b[at + o] ?? 0) << 8) | (b[at + o + 1] ?? 0);
  let sysId = 0;
  for (let k = 0; k < 6; k++) sysId = sysId * 256 + (b[at + 2 + k] ?? 0);
  return { sysPriority: u16(0), sysId, key: u16(8), portPriority: u16(10), portId: u16(12), state: b[at + 14] ?? 0 };
}

/** memcmp of two infos: negative when `a` sorts first. */
function infoCompare(a: LacpInfo, b: LacpInfo): number {
  const x = infoBytes(a);
  const y = infoBytes(b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

export function formatMac(mac: number): string {
  const out: string[] = [];
  for (let i = 5; i >= 0; i--) out.push((Math.floor(mac / 2 ** (8 * i)) & 0xff).toString(16).padStart(2, "0"));
  return out.join(":");
}

/** An Ethernet frame carrying a LACP PDU from `srcMac` (send_pdu_cb's eth_compose + compose_lacp_pdu). */
export function composeLacpFrame(srcMac: number, actor: LacpInfo, partner: LacpInfo): Uint8Array {
  const f = new Uint8Array(14 + LACP_PDU_LEN);
  for (let k = 0; k < 6; k++) {
    f[k] = Math.floor(ETH_ADDR_LACP / 2 ** (8 * (5 - k))) & 0xff;
    f[6 + k] = Math.floor(srcMac / 2 ** (8 * (5 - k))) & 0xff;
  }
  f[12] = ETH_TYPE_LACP >> 8;
  f[13] = ETH_TYPE_LACP & 0xff;
  const p = 14;
  f[p] = 1; // subtype
  f[p + 1] = 1; // version
  f[p + 2] = 1; // actor_type
  f[p + 3] = 20;
  f.set(infoBytes(actor), p + 4);
  f[p + 22] = 2; // partner_type
  f[p + 23] = 20;
  f.set(infoBytes(partner), p + 24);
  f[p + 42] = 3; // collector_type
  f[p + 43] = 16;
  return f;
}

/** Whether `frame` is a LACP frame (ETH_TYPE_LACP to the LACP address), as process_special looks for. */
export function isLacpFrame(frame: Uint8Array): boolean {
  if (frame.length < 14) return false;
  let dst = 0;
  for (let k = 0; k < 6; k++) dst = dst * 256 + (frame[k] ?? 0);
  return dst === ETH_ADDR_LACP && (((frame[12] ?? 0) << 8) | (frame[13] ?? 0)) === ETH_TYPE_LACP;
}

/** A LACP object (struct lacp). */
export class Lacp {
  name = "";
  sysId = 0;
  sysPriority = 0;
  active = false;
  fast = false;
  negotiated = false;
  update = false;
  fallbackAb = false;
  readonly members = new Map<string, LacpMember>();
  keyMember: string | null = null;

  /** lacp_configure. */
  configure(s: LacpSettings): void {
    this.name = s.name;
    if (this.sysId !== s.sysId || this.sysPriority !== s.sysPriority) {
      this.sysId = s.sysId;
      this.sysPriority = s.sysPriority;
      this.update = true;
    }
    this.active = s.active;
    this.fast = s.fast;
    if (this.fallbackAb !== s.fallbackAb) {
      this.fallbackAb = s.fallbackAb;
      this.update = true;
    }
  }

  /** lacp_status. */
  status(): "negotiated" | "configured" {
    return this.negotiated ? "negotiated" : "configured";
  }

  /** lacp_member_register. */
  registerMember(s: LacpMemberSettings, now: number): void {
    let m = this.members.get(s.name);
    if (m === undefined) {
      m = {
        name: s.name, portId: 0, portPriority: 0, key: 0, status: "defaulted", attached: false, carrierUp: false, partner: zeroInfo(), nttActor: zeroInfo(),
        tx: 0, rx: 0, countRxPdus: 0, countRxPdusBad: 0, countRxPdusMarker: 0, countTxPdus: 0, countLinkExpired: 0, countLinkDefaulted: 0, countCarrierChanged: 0,
      };
      this.members.set(s.name, m);
      this.setDefaulted(m);
      if (this.keyMember === null) this.keyMember = s.name;
    }
    if (m.portId !== s.portId || m.portPriority !== s.portPriority || m.key !== s.key) {
      m.portId = s.portId;
      m.portPriority = s.portPriority;
      m.key = s.key;
      this.update = true;
      if (this.active || this.negotiated) this.setExpired(m, now);
    }
  }

  /** lacp_member_unregister. */
  unregisterMember(name: string): void {
    if (!this.members.delete(name)) return;
    this.update = true;
    if (this.keyMember === name) this.keyMember = this.members.keys().next().value ?? null;
  }

  /** lacp_member_carrier_changed. */
  carrierChanged(name: string, up: boolean, now: number): void {
    const m = this.members.get(name);
    if (m === undefined) return;
    if (m.status === "current" || this.active) this.setExpired(m, now);
    if (m.carrierUp !== up) {
      m.carrierUp = up;
      m.countCarrierChanged++;
    }
  }

  /** lacp_process_packet: a frame of type ETH_TYPE_LACP received on member `name`. */
  processPacket(name: string, frame: Uint8Array, now: number): void {
    const m = this.members.get(name);
    if (m === undefined) return;
    m.countRxPdus++;
    const p = 14;
    const sub = frame.length >= p + LACP_PDU_LEN ? frame[p] : undefined;
    if (sub === 1 && frame[p + 2] === 1 && frame[p + 3] === 20 && frame[p + 22] === 2 && frame[p + 23] === 20) {
      // A LACP PDU.
    } else if (sub === 2) {
      m.countRxPdusMarker++;
      return;
    } else {
      m.countRxPdusBad++;
      return;
    }
    if (!m.carrierUp) return;
    m.status = "current";
    m.rx = now + RX_MULTIPLIER * (this.fast ? FAST_TIME_TX : SLOW_TIME_TX);
    m.nttActor = infoFromBytes(frame, p + 24);
    const actor = infoFromBytes(frame, p + 4);
    if (!infoEqual(m.partner, actor)) {
      this.update = true;
      m.partner = actor;
    }
  }

  /** member_may_enable__. */
  private mayEnable__(m: LacpMember): boolean {
    return m.attached && ((m.partner.state & LACP_STATE.SYNC) !== 0 || (this.fallbackAb && m.status === "defaulted"));
  }

  /** lacp_member_may_enable (asked only while the carrier is up). */
  mayEnable(name: string): boolean {
    const m = this.members.get(name);
    if (m === undefined) return false;
    m.carrierUp = true;
    return this.mayEnable__(m);
  }

  /** lacp_member_is_current. */
  isCurrent(name: string): boolean {
    const m = this.members.get(name);
    return m !== undefined && m.status !== "defaulted";
  }

  /** lacp_run: ages partners, re-attaches, and sends the PDUs due (`send(member, frame-less PDU parts)`). */
  run(now: number, send: (member: string, actor: LacpInfo, partner: LacpInfo) => void): void {
    for (const m of this.members.values()) {
      if (now < m.rx) continue;
      if (m.status === "current") {
        this.setExpired(m, now);
        m.countLinkExpired++;
      } else if (m.status === "expired") {
        this.setDefaulted(m);
        m.countLinkDefaulted++;
      }
    }
    if (this.update) this.updateAttached();
    for (const m of this.members.values()) {
      if (!this.mayTx(m)) continue;
      const actor = this.actorOf(m);
      if (now >= m.tx || !infoTxEqual(actor, m.nttActor)) {
        m.nttActor = actor;
        send(m.name, actor, { ...m.partner });
        m.countTxPdus++;
        m.tx = now + ((m.partner.state & LACP_STATE.TIME) !== 0 ? FAST_TIME_TX : SLOW_TIME_TX);
      }
    }
  }

  /** The soonest time a timer of this object expires (lacp_wait), or null. */
  nextWake(): number | null {
    let t: number | null = null;
    for (const m of this.members.values()) {
      if (this.mayTx(m)) t = t === null ? m.tx : Math.min(t, m.tx);
      if (m.status !== "defaulted") t = t === null ? m.rx : Math.min(t, m.rx);
    }
    return t;
  }

  private mayTx(m: LacpMember): boolean {
    return m.carrierUp && (this.active || m.status !== "defaulted");
  }

  private setDefaulted(m: LacpMember): void {
    m.partner = zeroInfo();
    this.update = true;
    m.status = "defaulted";
  }

  private setExpired(m: LacpMember, now: number): void {
    m.status = "expired";
    m.partner = { ...m.partner, state: (m.partner.state | LACP_STATE.TIME) & ~LACP_STATE.SYNC };
    m.rx = now + RX_MULTIPLIER * FAST_TIME_TX;
  }

  /** member_get_actor. */
  actorOf(m: LacpMember): LacpInfo {
    let state = 0;
    if (this.active) state |= LACP_STATE.ACT;
    if (this.fast) state |= LACP_STATE.TIME;
    if (m.attached) state |= LACP_STATE.SYNC;
    if (m.status === "defaulted") state |= LACP_STATE.DEF;
    if (m.status === "expired") state |= LACP_STATE.EXP;
    if (this.members.size > 1) state |= LACP_STATE.AGG;
    if (m.attached || !this.negotiated) state |= LACP_STATE.COL | LACP_STATE.DIST;
    return { state, key: this.aggregationKey(), portPriority: m.portPriority, portId: m.portId, sysPriority: this.sysPriority, sysId: this.sysId };
  }

  /** The aggregation key: the key member's key, else its port id. */
  aggregationKey(): number {
    const k = this.keyMember === null ? undefined : this.members.get(this.keyMember);
    if (k === undefined) return 0;
    return k.key !== 0 ? k.key : k.portId;
  }

  /** member_get_priority: the info of the higher-priority system of the pair, key and state zeroed. */
  private priorityOf(m: LacpMember): LacpInfo {
    const partnerPriority = m.partner.sysPriority;
    let p: LacpInfo;
    if (this.sysPriority < partnerPriority) p = this.actorOf(m);
    else if (partnerPriority < this.sysPriority) p = { ...m.partner };
    else if (this.sysId < m.partner.sysId) p = this.actorOf(m);
    else p = { ...m.partner };
    return { ...p, key: 0, state: 0 };
  }

  /** lacp_update_attached. */
  private updateAttached(): void {
    this.update = false;
    let lead: LacpMember | null = null;
    let leadCurrent: LacpMember | null = null;
    let leadPri: LacpInfo = zeroInfo();
    let leadEnable = false;
    for (const m of this.members.values()) {
      if (m.status === "current" && m.attached) {
        const pri = this.priorityOf(m);
        if (leadCurrent === null || infoCompare(pri, leadPri) < 0) {
          leadCurrent = m;
          lead = m;
          leadPri = pri;
          leadEnable = true;
        }
      }
    }
    for (const m of this.members.values()) {
      m.attached = false;
      if (m.partner.sysId === this.sysId) continue; // loopback: connected to its own bond
      if (m.status === "defaulted") {
        if (this.fallbackAb) m.attached = true;
        continue;
      }
      const pri = this.priorityOf(m);
      const enable = this.mayEnable__(m);
      if (leadCurrent === null || m.partner.sysId === leadCurrent.partner.sysId) m.attached = true;
      if (m.attached && (lead === null || (enable && !leadEnable) || (enable === leadEnable && infoCompare(pri, leadPri) < 0))) {
        lead = m;
        leadEnable = enable;
        leadPri = pri;
      }
    }
    this.negotiated = lead !== null;
    if (lead !== null) {
      for (const m of this.members.values()) {
        if ((this.fallbackAb && m.status === "defaulted") || lead.partner.key !== m.partner.key || lead.partner.sysId !== m.partner.sysId) m.attached = false;
      }
    }
  }

  /** lacp_get_member_stats, or null for no such member. */
  memberStats(name: string): LacpMemberStats | null {
    const m = this.members.get(name);
    if (m === undefined) return null;
    const actor = this.actorOf(m);
    let admin = LACP_STATE.AGG as number;
    if (this.active) admin |= LACP_STATE.ACT;
    if (this.fast) admin |= LACP_STATE.TIME;
    return {
      actorSystemId: actor.sysId, partnerSystemId: m.partner.sysId, attachedAggId: this.aggregationKey(), actorAdminState: admin, partnerAdminState: 0,
      actorOperState: actor.state, partnerOperState: m.partner.state, rxPdus: m.countRxPdus, rxPdusBad: m.countRxPdusBad, txPdus: m.countTxPdus,
    };
  }

  /** The members in name order (shash_sort). */
  private sorted(): LacpMember[] {
    return [...this.members.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** lacp_print_details. */
  details(): string[] {
    const lines = [`---- ${this.name} ----`, `  status: ${this.active ? "active" : "passive"}${this.negotiated ? " negotiated" : ""}`, `  sys_id: ${formatMac(this.sysId)}`, `  sys_priority: ${this.sysPriority}`];
    lines.push(`  aggregation key: ${this.keyMember === null ? "none" : this.aggregationKey()}`, `  lacp_time: ${this.fast ? "fast" : "slow"}`);
    for (const m of this.sorted()) {
      const actor = this.actorOf(m);
      lines.push("", `member: ${m.name}: ${m.status} ${m.attached ? "attached" : "detached"}`, `  port_id: ${m.portId}`, `  port_priority: ${m.portPriority}`, `  may_enable: ${this.mayEnable__(m)}`);
      lines.push("", `  actor sys_id: ${formatMac(actor.sysId)}`, `  actor sys_priority: ${actor.sysPriority}`, `  actor port_id: ${actor.portId}`, `  actor port_priority: ${actor.portPriority}`, `  actor key: ${actor.key}`, `  actor state:${stateText(actor.state)}`, "");
      const p = m.partner;
      lines.push(`  partner sys_id: ${formatMac(p.sysId)}`, `  partner sys_priority: ${p.sysPriority}`, `  partner port_id: ${p.portId}`, `  partner port_priority: ${p.portPriority}`, `  partner key: ${p.key}`, `  partner state:${stateText(p.state)}`);
    }
    return lines;
  }

  /** lacp_print_stats. */
  statsText(): string[] {
    const lines = [`---- ${this.name} statistics ----`];
    for (const m of this.sorted()) {
      lines.push("", `member: ${m.name}:`, `  TX PDUs: ${m.countTxPdus}`, `  RX PDUs: ${m.countRxPdus}`, `  RX Bad PDUs: ${m.countRxPdusBad}`, `  RX Marker Request PDUs: ${m.countRxPdusMarker}`);
      lines.push(`  Link Expired: ${m.countLinkExpired}`, `  Link Defaulted: ${m.countLinkDefaulted}`, `  Carrier Status Changed: ${m.countCarrierChanged}`);
    }
    return lines;
  }
}

/** ds_put_lacp_state. */
function stateText(state: number): string {
  const names: [number, string][] = [
    [LACP_STATE.ACT, "activity"], [LACP_STATE.TIME, "timeout"], [LACP_STATE.AGG, "aggregation"], [LACP_STATE.SYNC, "synchronized"],
    [LACP_STATE.COL, "collecting"], [LACP_STATE.DIST, "distributing"], [LACP_STATE.DEF, "defaulted"], [LACP_STATE.EXP, "expired"],
  ];
  return names.map(([bit, n]) => ((state & bit) !== 0 ? ` ${n}` : "")).join("");
}
