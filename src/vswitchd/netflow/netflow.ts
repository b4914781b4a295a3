/**
 * A bridge's NetFlow exporting, as OVS's ofproto/netflow.c does it.
 *
 * NetFlow keeps one record per "NetFlow flow" of IPv4 traffic: the input port, source and
 * destination addresses, TOS byte, protocol and transport ports (for ICMP the type and code,
 * which OVS keeps in tp_src / tp_dst). Translation makes every datapath flow of a NetFlow
 * bridge exact on those fields (src/actions/xlate/xlate-netflow.ts), so the stats of one
 * datapath flow always belong to one record. The record also holds the output interface of its
 * last translation (a port, or NF_OUT_FLOOD / NF_OUT_MULTI / NF_OUT_DROP), when it was created
 * and last used, its packet, byte and TCP-flag counts since it was last exported.
 *
 * Counts come from translations with stats (`flowUpdate`, OVS's netflow_flow_update, called by
 * xlate_actions): the upcall of a flow's first packet, and every revalidator push of a
 * datapath flow's new packets. A record whose output interface changes is exported first and
 * starts again. A record is exported and forgotten (`flowClear`, netflow_flow_clear) when its
 * datapath flow is deleted, and when a revalidator translates that flow anew after a change
 * (OVS clears the flow's xlate cache then, and the cache's NetFlow entry clears the record).
 *
 * Active timeout (`run`, netflow_run, every pass of ovs-vswitchd's main loop): once a second,
 * a record last exported more than `active_timeout` seconds ago is exported (a long-lived flow
 * is still accounted for); one unused since then is forgotten too, in case its datapath flow's
 * deletion was missed. A record with no new packets is not exported, only its clock moves.
 *
 * Export (gen_netflow_rec): records gather in one NetFlow v5 datagram (netflow-v5.ts) whose
 * header is filled when its first record goes in: sysuptime is the time since the exporter was
 * created, unix_secs / unix_nsecs the wall clock, flow_seq the number of records sent before.
 * A datagram is sent to every collector when it holds 30 records, and otherwise at the next
 * `run`. Counters over 32 bits are split over several records. With add_id_to_interface, the
 * 7 low bits of engine_id go into the top bits of the 16-bit interface numbers (ports keep 9
 * bits). The record's TOS is the DSCP part only; nexthop, AS numbers and masks are 0.
 *
 * Active timeouts walk the records in the order of OVS's hash map of them (netflow_flow_hash
 * over the key fields; HmapOrder), which orders the records that expire in the same pass.
 */
import type { XlateNetflow } from "../../actions/xlate/xlate-bridge.js";
import { M, readSmall } from "../../flowtable/flow-layout.js";
import { hashFinish, mhashAdd } from "../../flowtable/hash.js";
import { HmapOrder } from "../../flowtable/hmap-order.js";
import type { NetflowV5Header, NetflowV5Record } from "./netflow-v5.js";
import { encodeNetflowV5, NETFLOW_V5_VERSION, netflowV5Record } from "./netflow-v5.js";

/** NF_ACTIVE_TIMEOUT_DEFAULT: seconds, when the NetFlow row's active_timeout is unset or negative. */
export const NF_ACTIVE_TIMEOUT_DEFAULT = 600;

/** A NetFlow v5 datagram holds at most this many records. */
const MAX_RECORDS = 30;
const ETH_TYPE_IP = 0x0800;
const IPPROTO_ICMP = 1;
const IP_DSCP_MASK = 0xfc;
const UINT32_MAX = 0xffffffff;
/**
 * A record's `used` and `lastExpired` before they are first set (OVS's 0: its clock never reads
 * 0, ovsim's starts there).
 */
const NEVER = -1;

/** The NetFlow row's settings (OVS's struct netflow_options). */
export interface NetflowOptions {
  /** The collectors, "IP:PORT" ("[IPv6]:PORT"), as the row's `targets`. */
  readonly collectors: readonly string[];
  readonly engineType: number;
  readonly engineId: number;
  /** Seconds; negative: NF_ACTIVE_TIMEOUT_DEFAULT; 0: no active timeout. */
  readonly activeTimeout: number;
  readonly addIdToInterface: boolean;
}

/** Where an exporter's datagrams go: collectors.c over the simulated host's UDP. */
export interface NetflowTransport {
  /**
   * Opens a collector (inet_open_active for a datagram socket); an error text (as strerror
   * words) when it cannot be opened.
   */
  open(target: string): { readonly ok: true; readonly id: string } | { readonly ok: false; readonly error: string };
  send(id: string, bytes: Uint8Array): void;
  /** collectors.c's warning when a collector cannot be opened. */
  warn(message: string): void;
}

interface NfFlow {
  readonly key: string;
  lastExpired: number;
  created: number;
  outputIface: number;
  tcpFlags: number;
  readonly inPort: number;
  readonly nwSrc: number;
  readonly nwDst: number;
  readonly nwTos: number;
  readonly nwProto: number;
  readonly tpSrc: number;
  readonly tpDst: number;
  packetCount: number;
  byteCount: number;
  used: number;
}

/** The fields a NetFlow flow is looked up by (netflow_flow_lookup), in netflow_flow_hash's order. */
const KEY_FIELDS = [M.inPort, M.nwSrc, M.nwDst, M.nwTos, M.nwProto, M.tpSrc, M.tpDst];

function flowKey(flow: Uint32Array): string {
  return KEY_FIELDS.map((m) => readSmall(flow, m)).join(",");
}

/** netflow_flow_hash: the key fields (host byte order) through hash_add, then hash_finish(28). */
function flowHash(flow: Uint32Array): number {
  let hash = 0;
  for (const m of KEY_FIELDS) hash = mhashAdd(hash, readSmall(flow, m) >>> 0);
  return hashFinish(hash, 28);
}

export class Netflow implements XlateNetflow {
  private engineType = 0;
  private engineId = 0;
  private addIdToIface = false;
  private readonly bootTime: number;
  private collectors: string[] = [];
  private netflowCnt = 0;
  /** The datagram being filled: its header and records. */
  private packet: { header: NetflowV5Header; records: NetflowV5Record[] } | null = null;
  /** ms. */
  private activeTimeout = 0;
  private nextTimeout = 0;
  private reconfigTime = 0;
  private readonly flows = new Map<string, NfFlow>();
  /** The same records in OVS's hmap order (netflow_flow_hash). */
  private readonly order = new HmapOrder<NfFlow>();
  /** Flows of datapath flows deleted since the last `run`, cleared there. */
  private deleted: Uint32Array[] = [];

  constructor(
    private readonly now: () => number,
    private readonly transport: NetflowTransport,
  ) {
    this.bootTime = now();
  }

  /** netflow_set_options: new settings; the collectors are opened again. */
  setOptions(o: NetflowOptions): void {
    this.engineType = o.engineType & 0xff;
    this.engineId = o.engineId & 0xff;
    this.addIdToIface = o.addIdToInterface;
    this.collectors = [];
    for (const target of o.collectors) {
      const c = this.transport.open(target);
      if (c.ok) this.collectors.push(c.id);
      else this.transport.warn(`couldn't open connection to collector ${target} (${c.error})`);
    }
    const old = this.activeTimeout;
    this.activeTimeout = (o.activeTimeout >= 0 ? o.activeTimeout : NF_ACTIVE_TIMEOUT_DEFAULT) * 1000;
    if (old !== this.activeTimeout) {
      this.reconfigTime = this.now();
      this.nextTimeout = this.now();
    }
  }

  flowUpdate(flow: Uint32Array, outputIface: number, stats: { readonly packets: number; readonly bytes: number; readonly tcpFlags: number; readonly used: number }): void {
    if (readSmall(flow, M.dlType) !== ETH_TYPE_IP) return;
    const key = flowKey(flow);
    let f = this.flows.get(key);
    if (f === undefined) {
      f = {
        key,
        lastExpired: NEVER,
        created: stats.used,
        outputIface,
        tcpFlags: 0,
        inPort: readSmall(flow, M.inPort),
        nwSrc: readSmall(flow, M.nwSrc),
        nwDst: readSmall(flow, M.nwDst),
        nwTos: readSmall(flow, M.nwTos),
        nwProto: readSmall(flow, M.nwProto),
        tpSrc: readSmall(flow, M.tpSrc),
        tpDst: readSmall(flow, M.tpDst),
        packetCount: 0,
        byteCount: 0,
        used: NEVER,
      };
      this.flows.set(key, f);
      this.order.insert(f, flowHash(flow));
    }
    if (f.outputIface !== outputIface) {
      this.expire(f);
      f.created = stats.used;
      f.outputIface = outputIface;
    }
    f.packetCount += stats.packets;
    f.byteCount += stats.bytes;
    f.tcpFlags |= stats.tcpFlags;
    const used = Math.max(f.used, stats.used);
    if (f.used !== used) {
      f.used = used;
      // Keeps the record's clock current, so that it does not expire over and over later.
      if (this.activeTimeout === 0 || f.lastExpired === NEVER || this.reconfigTime > f.lastExpired) f.lastExpired = this.now();
    }
  }

  flowClear(flow: Uint32Array, deleted: boolean): void {
    if (deleted) {
      this.deleted.push(flow.slice());
      return;
    }
    this.clear(flow);
  }

  /** netflow_flow_clear. */
  private clear(flow: Uint32Array): void {
    const key = flowKey(flow);
    const f = this.flows.get(key);
    if (f === undefined) return;
    this.expire(f);
    this.forget(key, f);
  }

  private forget(key: string, f: NfFlow): void {
    this.flows.delete(key);
    this.order.remove(f);
  }

  /**
   * netflow_run: sends the datagram being filled; once a second, the active timeouts (what
   * they export is sent at once: the main loop wakes again at once for it); then the records
   * of the datapath flows deleted since the last pass (their ukeys are freed after an RCU
   * grace period), which the next pass sends.
   */
  run(): void {
    const now = this.now();
    this.send();
    if (this.activeTimeout !== 0 && now >= this.nextTimeout) {
      this.nextTimeout = now + 1000;
      for (const f of this.order.values()) {
        if (now > f.lastExpired + this.activeTimeout) {
          const idle = f.used < f.lastExpired;
          this.expire(f);
          // Unused for a while: the datapath flow may have gone without a word.
          if (idle) this.forget(f.key, f);
        }
      }
      this.send();
    }
    const deleted = this.deleted;
    this.deleted = [];
    for (const flow of deleted) this.clear(flow);
  }

  /** netflow_expire__: the record's counts since its last export become records. */
  private expire(f: NfFlow): void {
    let pkts = f.packetCount;
    let bytes = f.byteCount;
    f.lastExpired += this.activeTimeout;
    if (pkts === 0) return;
    // OVS refuses byte counts over 175 * 2^32 (a bug elsewhere) with a warning; ovsim's never are.
    while (bytes > 0) {
      const nRecs = Math.ceil(bytes / UINT32_MAX);
      const pktCount = Math.floor(pkts / nRecs);
      const byteCount = Math.floor(bytes / nRecs);
      this.genRecord(f, pktCount, byteCount);
      pkts -= pktCount;
      bytes -= byteCount;
    }
    f.packetCount = 0;
    f.byteCount = 0;
    f.tcpFlags = 0;
  }

  /** gen_netflow_rec. */
  private genRecord(f: NfFlow, packetCount: number, byteCount: number): void {
    if (this.packet === null) {
      const now = this.now();
      this.packet = {
        header: {
          version: NETFLOW_V5_VERSION,
          count: 0,
          sysUptime: now - this.bootTime,
          unixSecs: Math.floor(now / 1000),
          unixNsecs: (now % 1000) * 1_000_000,
          flowSeq: 0,
          engineType: this.engineType,
          engineId: this.engineId,
          samplingInterval: 0,
        },
        records: [],
      };
    }
    const p = this.packet;
    p.header = { ...p.header, count: p.header.count + 1, flowSeq: this.netflowCnt++ >>> 0 };
    const iface = (port: number): number => (this.addIdToIface ? ((this.engineId & 0x7f) << 9) | (port & 0x1ff) : port & 0xffff);
    // NetFlow puts ICMP's type and code together in the destination port.
    const icmp = f.nwProto === IPPROTO_ICMP;
    p.records.push(
      netflowV5Record({
        srcAddr: f.nwSrc,
        dstAddr: f.nwDst,
        input: iface(f.inPort),
        output: iface(f.outputIface),
        packetCount,
        byteCount,
        initTime: f.created - this.bootTime,
        usedTime: Math.max(f.created, f.used) - this.bootTime,
        srcPort: icmp ? 0 : f.tpSrc,
        dstPort: icmp ? ((f.tpSrc & 0xff) << 8) | (f.tpDst & 0xff) : f.tpDst,
        tcpFlags: f.tcpFlags & 0xff,
        ipProto: f.nwProto,
        ipTos: f.nwTos & IP_DSCP_MASK,
      }),
    );
    if (p.header.count >= MAX_RECORDS) this.run();
  }

  /** collectors_send of the datagram being filled, if any. */
  private send(): void {
    const p = this.packet;
    if (p === null) return;
    this.packet = null;
    const bytes = encodeNetflowV5(p.header, p.records);
    for (const c of this.collectors) this.transport.send(c, bytes);
  }
}
