/**
 * The userspace connection tracker (OVS's lib/conntrack.c): what the
 * datapath's `ct(...)` action does to a packet, and the table behind
 * `ovs-appctl dpctl/dump-conntrack` and `dpctl/flush-conntrack`.
 *
 * How a packet goes through `ct(zone=Z,...)` (conntrack_execute, process_one):
 * 1. A packet already invalid stays invalid. A packet that found its
 *    connection in an earlier `ct` of the same zone (it keeps it in its
 *    metadata, `ctConn`, as OVS's pkt_metadata.conn) takes the fast path:
 *    mark, label and NAT are applied, ct_state is left as it was.
 * 2. Otherwise its key is read from the bytes (conn-key-extract.ts); an
 *    untrackable packet (bad checksum, fragment, port 0, unknown ICMP) is
 *    `+inv+trk`. Entering a different zone than the last `ct` clears
 *    ct_state first.
 * 3. The key is looked up in both directions (a packet the last `ct` NATted
 *    is looked up by its reverse, to find its connection again). Found: the
 *    protocol updates the connection (conn-tcp/icmp/other.ts) and says
 *    valid (`+est`, `+rpl` for replies), new (`+new`, the connection is not
 *    bidirectional yet), invalid (`+inv`), or "new connection" (a TCP SYN
 *    reusing a closed connection's ports: the old one expires now). An ICMP
 *    error quoting the connection is `+rel` (`+rpl` if it goes the reply
 *    way), or `+inv` when no connection matches.
 * 4. Not found: a packet that may start a connection (TCP without SYN+ACK,
 *    an ICMP request, any other protocol) is `+new`, else `+inv`. With
 *    `commit` the connection is created, its NAT chosen (nat-tuple.ts) and
 *    applied (nat-packet.ts).
 * 5. `+trk` is set; zone, mark, label and the original-direction tuple go
 *    to the packet's metadata; the action's mark and label are written
 *    (value | old & ~mask) into both packet and connection.
 * Connections expire on the virtual clock (milliseconds given to each
 * call) after the timeout of their state (ct-consts.ts DEFAULT_TIMEOUTS_S);
 * expired connections are invisible at once and removed by `expire(now)`.
 *
 * Modelled as OVS except: no fragment reassembly (lib/ipf.c: fragments are
 * `+inv`), no ALG payload processing (helper=ftp/tftp is recorded and
 * printed, but no expectation or related data connection is created and
 * FTP payloads are not rewritten), no zone limits, one timeout policy
 * unless more are set (`setTimeoutPolicy`), a fixed hash basis (OVS's is
 * random: it decides only which address or port of a NAT range is taken)
 * and commit-order dumps (OVS's order is its cmap's, random per run).
 *
 * Hot path: execute() allocates nothing for a packet of a known
 * connection without NAT; a new connection allocates its keys and state.
 */
import type { OdpCtAction } from "../../actions/xlate/odp-ct.js";
import { FLOW_WORDS, M, readSmall } from "../../flowtable/flow-layout.js";
import { extractFlow } from "../packet/extract.js";
import type { Packet } from "../packet/packet.js";
import {
  CS,
  CT_UPDATE,
  DEFAULT_N_CONN_LIMIT,
  DEFAULT_TIMEOUTS_S,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
} from "./ct-consts.js";
import type { CtTimeout } from "./ct-consts.js";
import { Conn } from "./conn.js";
import type { ConnL4 } from "./conn.js";
import { ConnKey } from "./conn-key.js";
import type { ExtractResult } from "./conn-key-extract.js";
import { connKeyExtract } from "./conn-key-extract.js";
import { ConnTable } from "./conn-table.js";
import { ICMP_FIRST_TIMEOUT, IcmpConnState, icmp4ValidNew, icmp6ValidNew, reverseIcmp6Type, reverseIcmpType } from "./conn-icmp.js";
import { OTHER_FIRST_TIMEOUT, OtherConnState } from "./conn-other.js";
import { TCP_FIRST_TIMEOUT, tcpNewConn, tcpValidNew } from "./conn-tcp.js";
import { actionLabelWords } from "./ct-label.js";
import type { CtEntry } from "./ct-entry.js";
import { entryOf } from "./ct-entry.js";
import type { CtMatch } from "./ct-match.js";
import { ctMatchIsZero, ctMatchesEntry, ctMatchFiveTuple } from "./ct-match.js";
import { natPacket } from "./nat-packet.js";
import type { NatInfo } from "./nat-tuple.js";
import { natGetUniqueTuple, natInfoOf } from "./nat-tuple.js";
import type { ConnState } from "./conn-snapshot.js";
import { restoreConn, saveConn } from "./conn-snapshot.js";

const NAT_BITS = CS.SRC_NAT | CS.DST_NAT;

/** A packet's conntrack metadata after `execute` (the packet itself: no allocation). */
export interface CtMetadata {
  /** CS_* bits; 0 = untracked. */
  readonly ctState: number;
  readonly ctZone: number;
  readonly ctMark: number;
  /** 4 words, most significant first; null = 0. */
  readonly ctLabel: Uint32Array | null;
  /** The original-direction tuple (a ConnKey: read it with `ctOrigTuple`), or null. */
  readonly ctOrig: object | null;
}

/** The ALG control connection a packet belongs to (OVS's enum ct_alg_ctl_type). */
const ALG_NONE = 0;
const ALG_FTP = 1;
const ALG_TFTP = 2;

/** What the caller may set (dpctl/ct-set-maxconns, dpctl/ct-disable-tcp-seq-chk). */
export interface ConntrackOptions {
  /** Check TCP sequence numbers (default true). */
  readonly tcpSeqCheck?: boolean;
  /** Connections past which no new one is committed (default 3,000,000). */
  readonly maxConns?: number;
}

/** A connection tracker as data (snapshots): its connections in commit order, expired ones not yet swept included. */
export interface ConntrackState {
  readonly conns: readonly ConnState[];
  /** Timeout policies by id, in seconds by CT_TM. */
  readonly policies: readonly (readonly [number, readonly number[]])[];
  /** The NAT port picker's state. */
  readonly rng: number;
  readonly tcpSeqCheck: boolean;
  readonly maxConns: number;
  readonly warnings: readonly string[];
}

export class Conntrack {
  private readonly table: ConnTable;
  /** The lookup context (OVS's struct conn_lookup_ctx), reused for every packet. */
  private readonly key = new ConnKey();
  private hash = 0;
  private reply = false;
  private readonly extracted: ExtractResult = { icmpRelated: false };
  private readonly origKey = new ConnKey();
  private readonly flow = new Uint32Array(FLOW_WORDS);
  private readonly policies = new Map<number, readonly number[]>();
  private rng = 0x2545f491;
  /** OVS's tcp_seq_chk. */
  tcpSeqCheck: boolean;
  /** OVS's n_conn_limit. */
  maxConns: number;
  /** Warnings OVS would log (NAT exhaustion, tuple not found), oldest first; the caller drains them. */
  readonly warnings: string[] = [];

  constructor(o: ConntrackOptions = {}) {
    this.table = new ConnTable(0);
    this.tcpSeqCheck = o.tcpSeqCheck ?? true;
    this.maxConns = o.maxConns ?? DEFAULT_N_CONN_LIMIT;
    this.policies.set(0, DEFAULT_TIMEOUTS_S);
  }

  /** Number of connections in the table (expired ones not yet swept included, as OVS's n_conn). */
  get size(): number {
    return this.table.size;
  }

  /**
   * Sets timeout policy `id` (values in seconds by CT_TM, the default
   * policy's for those left out): connections committed afterwards by
   * `ct(commit,timeout=ID)` use it. (OVS reads the policy at every update, so
   * a changed policy also reaches older connections there.)
   */
  setTimeoutPolicy(id: number, seconds: Partial<Record<CtTimeout, number>>): void {
    const v = [...DEFAULT_TIMEOUTS_S];
    for (const [k, s] of Object.entries(seconds)) v[Number(k)] = s;
    this.policies.set(id, v);
  }

  /**
   * Runs `packet` through `ct(...)` at virtual time `now` (ms): updates the
   * connection table and the packet's conntrack metadata, and NATs its bytes
   * in place (the caller owns them). Returns the packet's metadata.
   */
  execute(packet: Packet, a: OdpCtAction, now: number): CtMetadata {
    const flow = this.flow;
    // dpif-netdev passes the packet's flow: dl_type and the ports (for ALG detection).
    extractFlow(packet, 0, flow);
    const dlType = readSmall(flow, M.dlType);
    const zone = a.zone & 0xffff;
    const force = a.forceCommit;
    const commit = a.commit || a.forceCommit;
    const nat = a.nat === null ? null : natInfoOf(a.nat);
    const cached = packet.ctConn instanceof Conn && !packet.ctConn.removed ? packet.ctConn : null;
    const alg = this.algCtlType(flow, a.helper);
    if (packet.ctState === CS.INVALID) {
      this.writeMetadata(packet, zone, null, null);
    } else if (cached !== null && cached.fwd.key.zone === zone && !force && alg === ALG_NONE) {
      this.processOneFast(packet, a, zone, nat, cached);
    } else if (!connKeyExtract(packet, dlType, zone, this.key, this.extracted)) {
      packet.ctState = CS.INVALID;
      this.writeMetadata(packet, zone, null, null);
    } else {
      this.hash = this.key.hash(this.table.basis);
      this.reply = false;
      this.processOne(packet, a, zone, force, commit, now, nat, alg);
    }
    return packet;
  }

  /** OVS's get_alg_ctl_type, from the packet's flow. */
  private algCtlType(flow: Uint32Array, helper: string | null): number {
    const proto = readSmall(flow, M.nwProto);
    const tpSrc = readSmall(flow, M.tpSrc);
    const tpDst = readSmall(flow, M.tpDst);
    let ftpSrc = 21;
    let ftpDst = 21;
    let tftpDst = 69;
    if (tpDst !== 0) {
      if (helper !== null && helper.startsWith("ftp")) ftpDst = tpDst;
      else if (helper !== null && helper.startsWith("tftp")) tftpDst = tpDst;
    } else if (tpSrc !== 0 && helper !== null && helper.startsWith("ftp")) {
      ftpSrc = tpSrc;
    }
    if (proto === IPPROTO_UDP && tpDst === tftpDst) return ALG_TFTP;
    if (proto === IPPROTO_TCP && (tpSrc === ftpSrc || tpDst === ftpDst)) return ALG_FTP;
    return ALG_NONE;
  }

  /** OVS's process_one_fast: a packet that already found its connection in this zone. */
  private processOneFast(p: Packet, a: OdpCtAction, zone: number, nat: NatInfo | null, conn: Conn): void {
    if (nat !== null) {
      this.handleNat(p, conn, zone, p.ctReply, p.ctIcmpRelated);
      p.ctConn = null;
    }
    p.ctZone = zone;
    p.ctMark = conn.mark;
    p.ctLabel = conn.label;
    this.setMarkAndLabel(p, a, conn);
  }

  /** OVS's process_one (the lookup context is this.key / hash / reply / extracted). */
  private processOne(p: Packet, a: OdpCtAction, zone: number, force: boolean, commit: boolean, now: number, nat: NatInfo | null, alg: number): void {
    // Entering a new zone resets ct_state.
    if (p.ctState !== 0 && p.ctZone !== zone) p.ctState = 0;
    const related = this.extracted.icmpRelated;
    let createNew = false;
    let conn = this.initialLookup(now, (p.ctState & NAT_BITS) !== 0);
    // A force commit deletes a connection found in the wrong direction.
    if (force && this.reply && conn !== null) {
      if (this.table.has(conn.fwd.key, now)) conn.expiration = 0;
      conn = null;
    }
    if (conn !== null) {
      createNew = this.updateState(p, conn, now, related);
      if (nat !== null && !createNew) this.handleNat(p, conn, zone, this.reply, related);
    } else {
      const orig = this.checkOrigTuple(p, now, nat);
      if (orig !== null) {
        conn = orig;
        createNew = this.updateState(p, conn, now, related);
      } else if (related) {
        // No connection is ever created from an ICMP error.
        p.ctState = CS.INVALID;
      } else {
        createNew = true;
      }
    }
    if (createNew && !this.table.has(this.key, now)) {
      conn = this.connNotFound(p, commit, now, nat, a, alg, related);
    }
    this.writeMetadata(p, zone, conn, this.key);
    if (conn !== null) this.setMarkAndLabel(p, a, conn);
    // set_cached_conn: the next ct of this zone takes the fast path (not after NAT).
    if (nat === null) {
      p.ctConn = conn;
      p.ctReply = this.reply;
      p.ctIcmpRelated = related;
    } else {
      p.ctConn = null;
    }
  }

  /** OVS's initial_conn_lookup: a packet NATted by an earlier ct is looked up by its reverse. */
  private initialLookup(now: number, natted: boolean): Conn | null {
    const key = this.key;
    if (natted) key.reverse();
    const conn = this.table.lookup(key, this.hash, now);
    this.reply = conn !== null && this.table.lastReply;
    if (natted) {
      if (conn !== null) {
        this.reply = !this.reply;
        key.copyFrom(this.reply ? conn.rev.key : conn.fwd.key);
        this.hash = key.hash(this.table.basis);
      } else {
        key.reverse();
      }
    }
    return conn;
  }

  /** OVS's conn_update_state: ct_state from the protocol's verdict; true when a new connection must replace `conn`. */
  private updateState(p: Packet, conn: Conn, now: number, related: boolean): boolean {
    if (related) {
      p.ctState |= CS.RELATED;
      if (this.reply) p.ctState |= CS.REPLY_DIR;
      return false;
    }
    switch (conn.l4.update(conn, p, this.reply, now, this.tcpSeqCheck)) {
      case CT_UPDATE.VALID:
        p.ctState = (p.ctState | CS.ESTABLISHED) & ~CS.NEW;
        if (this.reply) p.ctState |= CS.REPLY_DIR;
        return false;
      case CT_UPDATE.INVALID:
        p.ctState = CS.INVALID;
        return false;
      case CT_UPDATE.NEW:
        if (this.table.has(conn.fwd.key, now)) conn.expiration = 0;
        return true;
      case CT_UPDATE.VALID_NEW:
        p.ctState |= CS.NEW;
        return false;
    }
    return false;
  }

  /** OVS's handle_nat: NAT once per zone. */
  private handleNat(p: Packet, conn: Conn, zone: number, reply: boolean, related: boolean): void {
    if (conn.natAction === 0) return;
    const natted = p.ctState & NAT_BITS;
    if (natted === 0 || zone !== p.ctZone) {
      p.ctState &= ~NAT_BITS;
      natPacket(p, conn, reply, related);
    }
  }

  /**
   * OVS's check_orig_tuple: a packet NATted in this zone whose reverse
   * lookup failed is looked up by its metadata's original tuple (not when
   * this ct does NAT itself).
   */
  private checkOrigTuple(p: Packet, now: number, nat: NatInfo | null): Conn | null {
    const orig = p.ctOrig;
    if ((p.ctState & NAT_BITS) === 0 || !(orig instanceof ConnKey) || orig.proto === 0 || nat !== null) return null;
    if (orig.dlType !== this.key.dlType) return null;
    const k = this.origKey;
    k.clear();
    k.setAddr("src", orig, "src");
    k.setAddr("dst", orig, "dst");
    const proto = this.key.proto;
    if ((this.key.isIpv4 && proto === IPPROTO_ICMP) || (!this.key.isIpv4 && proto === IPPROTO_ICMPV6)) {
      const type = orig.icmpType;
      const rtype = this.key.isIpv4 ? reverseIcmpType(type) : reverseIcmp6Type(type);
      k.w[4] = ((this.key.srcPort << 16) | (type << 8)) >>> 0;
      k.w[9] = ((this.key.dstPort << 16) | (rtype << 8)) >>> 0;
    } else {
      k.setSrcPort(orig.srcPort);
      k.setDstPort(orig.dstPort);
    }
    k.setL3(this.key.dlType, p.ctZone, orig.proto);
    return this.table.lookup(k, k.hash(this.table.basis), now);
  }

  /** OVS's conn_not_found: +new or +inv, and with commit a new connection (NATted if asked). */
  private connNotFound(p: Packet, commit: boolean, now: number, nat: NatInfo | null, a: OdpCtAction, alg: number, related: boolean): Conn | null {
    const proto = this.key.proto;
    if (!validNew(p, proto)) {
      p.ctState = CS.INVALID;
      return null;
    }
    p.ctState = CS.NEW;
    if (!commit) return null;
    if (this.table.size >= this.maxConns) return null;
    const fwd = this.key.clone();
    const rev = fwd.clone();
    rev.reverse();
    const tpId = parseTimeoutId(a.timeout);
    const conn = new Conn(fwd, rev, newL4(p, proto), tpId, this.policies.get(tpId) ?? DEFAULT_TIMEOUTS_S);
    conn.updateExpiration(firstTimeout(proto), now);
    // ct_verify_helper: the helper is kept unless the packet is another ALG's control connection.
    const helper = a.helper;
    if (alg === ALG_NONE || (helper !== null && ((alg === ALG_FTP && helper.startsWith("ftp")) || (alg === ALG_TFTP && helper.startsWith("tftp"))))) {
      conn.alg = helper;
    }
    if (nat !== null) {
      conn.natAction = nat.natAction;
      const inUse = (k: ConnKey): boolean => this.table.has(k, now);
      if (!natGetUniqueTuple(fwd, rev, nat, this.table.basis, inUse, () => this.random())) {
        this.warnings.push("Unable to NAT due to tuple space exhaustion - if DoS attack, use firewalling and/or zone partitioning.");
        return null;
      }
      natPacket(p, conn, false, related);
      conn.revInTable = true;
    }
    this.table.add(conn);
    return conn;
  }

  /** OVS's write_ct_md. */
  private writeMetadata(p: Packet, zone: number, conn: Conn | null, key: ConnKey | null): void {
    p.ctState |= CS.TRACKED;
    p.ctZone = zone;
    if (conn !== null) {
      p.ctMark = conn.mark;
      p.ctLabel = conn.label;
      p.ctOrig = conn.fwd.key;
    } else {
      p.ctMark = 0;
      p.ctLabel = null;
      p.ctOrig = key === null ? null : key.clone();
    }
  }

  /** OVS's set_mark and set_label: `value | old & ~mask`, into the packet and the connection. */
  private setMarkAndLabel(p: Packet, a: OdpCtAction, conn: Conn): void {
    if (a.mark !== null) {
      p.ctMark = (a.mark.value | (p.ctMark & ~a.mark.mask)) >>> 0;
      conn.mark = p.ctMark;
    }
    const lw = actionLabelWords(a);
    if (lw !== null) {
      const old = p.ctLabel;
      const l = new Uint32Array(4);
      for (let i = 0; i < 4; i++) l[i] = (lw[i]! | ((old === null ? 0 : old[i]!) & ~lw[4 + i]!)) >>> 0;
      p.ctLabel = l;
      conn.label = l;
    }
  }

  /** A xorshift generator for NAT's retries from a random port (OVS's random_uint32). */
  private random(): number {
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0;
    return this.rng;
  }

  save(): ConntrackState {
    return {
      conns: [...this.table.conns].map(saveConn),
      policies: [...this.policies].map(([id, t]) => [id, [...t]] as const),
      rng: this.rng,
      tcpSeqCheck: this.tcpSeqCheck,
      maxConns: this.maxConns,
      warnings: [...this.warnings],
    };
  }

  /** Takes the state `save` gave, on a tracker with no connections. */
  restore(s: ConntrackState): void {
    for (const c of s.conns) this.table.add(restoreConn(c));
    this.policies.clear();
    for (const [id, t] of s.policies) this.policies.set(id, [...t]);
    this.rng = s.rng;
    this.tcpSeqCheck = s.tcpSeqCheck;
    this.maxConns = s.maxConns;
    this.warnings.splice(0, this.warnings.length, ...s.warnings);
  }

  /** The live connections (of `zone` if given), in commit order (OVS's conntrack_dump_*). */
  dump(now: number, zone?: number): CtEntry[] {
    const out: CtEntry[] = [];
    for (const c of this.table.conns) {
      if (c.expired(now)) continue;
      if (zone !== undefined && c.fwd.key.zone !== zone) continue;
      out.push(entryOf(c, now));
    }
    return out;
  }

  /**
   * OVS's ct_dpif_flush: every connection (of `zone` if given); with a
   * non-empty `match`, those it matches (a full original 5-tuple and no
   * reply tuple: the one connection with that tuple in `zone`, default 0).
   * Returns false when a full tuple matched nothing (OVS: "Tuple not found",
   * ENOENT).
   */
  flush(now: number, zone?: number, match?: CtMatch): boolean {
    if (match !== undefined && !ctMatchIsZero(match)) {
      const five = ctMatchFiveTuple(match, zone ?? 0);
      if (five !== null) return this.flushKey(five, now);
      for (const c of [...this.table.conns]) {
        if (c.expired(now)) continue;
        if (zone !== undefined && c.fwd.key.zone !== zone) continue;
        if (ctMatchesEntry(match, c)) this.table.remove(c);
      }
      return true;
    }
    for (const c of [...this.table.conns]) if (zone === undefined || c.fwd.key.zone === zone) this.table.remove(c);
    return true;
  }

  /**
   * The conntrack tool's `-D` with filters (`-w ZONE -m MARK -d ADDR`...), which Neutron's
   * firewall runs on a kernel datapath: removes the live connections `match` selects.
   * Returns how many.
   */
  deleteWhere(now: number, match: (e: CtEntry) => boolean): number {
    let n = 0;
    for (const c of [...this.table.conns]) {
      if (c.expired(now) || !match(entryOf(c, now))) continue;
      this.table.remove(c);
      n++;
    }
    return n;
  }

  /** OVS's conntrack_flush_tuple: removes the live connection with original key `k`. */
  private flushKey(k: ConnKey, now: number): boolean {
    const c = this.table.lookup(k, k.hash(this.table.basis), now);
    if (c === null) {
      this.warnings.push("Tuple not found");
      return false;
    }
    this.table.remove(c);
    return true;
  }

  /** OVS's ct_clean sweep: removes the connections expired at `now`; returns how many. */
  expire(now: number): number {
    return this.table.removeExpired(now);
  }
}

/** OVS's l4_protos[nw_proto]->valid_new. */
function validNew(p: Packet, proto: number): boolean {
  if (proto === IPPROTO_TCP) return tcpValidNew(p);
  if (proto === IPPROTO_ICMP) return icmp4ValidNew(p);
  if (proto === IPPROTO_ICMPV6) return icmp6ValidNew(p);
  return true;
}

/** OVS's l4_protos[nw_proto]->new_conn (the state part). */
function newL4(p: Packet, proto: number): ConnL4 {
  if (proto === IPPROTO_TCP) return tcpNewConn(p);
  if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) return new IcmpConnState();
  return new OtherConnState();
}

function firstTimeout(proto: number): CtTimeout {
  if (proto === IPPROTO_TCP) return TCP_FIRST_TIMEOUT;
  if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) return ICMP_FIRST_TIMEOUT;
  return OTHER_FIRST_TIMEOUT;
}

/** dpif-netdev's str_to_uint of OVS_CT_ATTR_TIMEOUT: a decimal policy id, else the default (0). */
function parseTimeoutId(s: string | null): number {
  if (s === null || !/^[0-9]+$/.test(s)) return 0;
  const n = Number(s);
  return n <= 0xffffffff ? n : 0;
}
