/**
 * One bridge's sFlow agent: OVS's struct dpif_sflow (ofproto/ofproto-dpif-sflow.c)
 * with the InMon library it drives (lib/sflow_agent.c, sflow_sampler.c,
 * sflow_poller.c, sflow_receiver.c), in OVS's terms.
 *
 * - Sampling is the datapath's: translation puts a `sample(...)` (or, at
 *   sampling=1, a bare `userspace(...sFlow(...),actions)`) in front of every
 *   flow's actions (xlate-sflow.ts), with probability UINT32_MAX / N. Each
 *   packet the datapath sends up is a flow sample (`received`): the sampler
 *   adds N to its sample pool ("assume the datapath's random numbers
 *   converge"), numbers it, and hands it to the receiver with the packet's
 *   first `header` bytes, the extended switch element (VLANs in and out),
 *   egress tunnel, VNI and MPLS elements when the flow's actions say so.
 * - One sampler, data source PHYSICAL_ENTITY 1000 + sub_id (the bridge's
 *   number among the bridges with sFlow); pollers for it (the global
 *   counters: datapath hits and misses, and the process's resources, sent by
 *   one agent only) and for every port with an ifindex (generic interface,
 *   LACP when bonded, port name, OpenFlow port, Ethernet counters). Pollers
 *   are kept sorted by data source, highest first, as sfl_agent_addPoller
 *   inserts them.
 * - Time: `run` is dpif_sflow_run, called as ovs-vswitchd's main loop runs
 *   (after each step of the virtual clock): once a second (time_now() in
 *   whole seconds reaching next_tick) the agent ticks: samplers, then each
 *   poller counts down (polling interval N: first poll after 1 + random() % N
 *   seconds, then every N), then the receiver sends what it holds.
 * - The receiver packs samples into datagrams of at most 1400 bytes: a sample
 *   that would reach the limit sends what is held first; a sample bigger than
 *   half of it is an error that drops what is held. Each datagram sent gets
 *   the next sequence number and the uptime in ms; it goes to every target.
 *
 * The agent does not open sockets: `send` (the switch's virtual UDP) does.
 */
import type { SflowActions } from "./sflow-actions.js";
import type { SflowAddress, SflowCounterElement, SflowCountersSample, SflowFlowElement, SflowFlowSample, SflowSample } from "./sflow-wire.js";
import {
  datagramHeaderSize,
  encodeSflowDatagram,
  sampleSize,
  SFL_UNDEF,
  SFLCOUNTERS_APP_RESOURCES,
  SFLCOUNTERS_ETHERNET,
  SFLCOUNTERS_GENERIC,
  SFLCOUNTERS_LACP,
  SFLCOUNTERS_OPENFLOWPORT,
  SFLCOUNTERS_OVSDP,
  SFLCOUNTERS_PORTNAME,
  SFLFLOW_EX_IPV4_TUNNEL_EGRESS,
  SFLFLOW_EX_IPV4_TUNNEL_INGRESS,
  SFLFLOW_EX_MPLS,
  SFLFLOW_EX_SWITCH,
  SFLFLOW_EX_VNI_EGRESS,
  SFLFLOW_EX_VNI_INGRESS,
  SFLFLOW_HEADER,
  SFLHEADER_ETHERNET_ISO8023,
  SFLOW_COUNTERS_SAMPLE,
  SFLOW_FLOW_SAMPLE,
} from "./sflow-wire.js";

export const SFL_DSCLASS_IFINDEX = 0;
export const SFL_DSCLASS_PHYSICAL_ENTITY = 2;
export const SFL_DEFAULT_DATAGRAM_SIZE = 1400;
export const SFL_DEFAULT_HEADER_SIZE = 128;
export const SFL_DEFAULT_SAMPLING_RATE = 400;
export const SFL_DEFAULT_POLLING_INTERVAL = 30;
export const SFL_DEFAULT_COLLECTOR_PORT = 6343;
const UINT32_MAX = 0xffffffff;
const ODPP_NONE = 0xffffffff;
const MPLS_BOS = 0x100;

/** OVS's struct ofproto_sflow_options. */
export interface SflowOptions {
  readonly targets: readonly string[];
  readonly samplingRate: number;
  readonly pollingInterval: number;
  readonly headerLen: number;
  readonly subId: number;
  readonly agentDevice: string | null;
  readonly controlIp: string | null;
}

export function sameSflowOptions(a: SflowOptions, b: SflowOptions): boolean {
  const ta = [...a.targets].sort();
  const tb = [...b.targets].sort();
  return (
    ta.length === tb.length &&
    ta.every((t, i) => t === tb[i]) &&
    a.samplingRate === b.samplingRate &&
    a.pollingInterval === b.pollingInterval &&
    a.headerLen === b.headerLen &&
    a.subId === b.subId &&
    a.agentDevice === b.agentDevice &&
    a.controlIp === b.controlIp
  );
}

export type SflowTunnelType = "gre" | "vxlan" | "lisp" | "geneve";

/** What the agent reads of a port (netdev and ofport) when it polls it. */
export interface SflowPortInfo {
  readonly odpPort: number;
  readonly ofport: number;
  readonly name: string;
  /** netdev_get_ifindex: > 0, or 0 for none. */
  readonly ifindex: number;
  readonly tunnelType: SflowTunnelType | null;
  /** netdev_get_stats: rx/tx packets and bytes (the other counters are unknown, all ones). */
  readonly stats: { readonly rxPackets: number; readonly rxBytes: number; readonly txPackets: number; readonly txBytes: number };
  /** Administratively up and with carrier. */
  readonly up: boolean;
  readonly carrier: boolean;
}

/** A port's LACP counters (struct lacp_member_stats), when it is in a LACP bond. */
export interface SflowLacpStats {
  readonly actorSystemId: Uint8Array;
  readonly partnerSystemId: Uint8Array;
  readonly attachedAggId: number;
  readonly actorAdmin: number;
  readonly actorOper: number;
  readonly partnerAdmin: number;
  readonly partnerOper: number;
  readonly lacpdusRx: number;
  readonly illegalRx: number;
  readonly lacpdusTx: number;
}

/** The datapath totals of the global counters (struct dpif_dp_stats summed over the datapaths). */
export interface SflowDpStats {
  readonly nHit: number;
  readonly nMissed: number;
  readonly nLost: number;
  readonly nMaskHit: number;
  readonly nFlows: number;
  readonly nMasks: number;
}

/** What the agent needs of its bridge and host. */
export interface SflowAgentHost {
  /** The bridge's port with datapath port `odpPort`, as it is now. */
  port(odpPort: number): SflowPortInfo | undefined;
  lacp(odpPort: number): SflowLacpStats | null;
  datapathId(): bigint;
  dpStats(): SflowDpStats | null;
  /** Whether this agent (by sub_id) sends the global counters (sflow_global_counters_subid_test). */
  claimGlobalCounters(subId: number): boolean;
  /** Sends a datagram to every collector. */
  send(bytes: Uint8Array): void;
  /** glibc random(), the poller's desynchronisation. */
  random(): number;
}

/** The sampled packet and what the upcall knows of its flow. */
export interface SflowPacket {
  readonly bytes: Uint8Array;
  readonly inOdpPort: number;
  /** The flow's first VLAN TCI (0: none). */
  readonly vlanTci: number;
  /** The flow's input tunnel (flow->tunnel), when it came in by one. */
  readonly tunnel: { readonly ipSrc: number; readonly ipDst: number; readonly tos: number; readonly tpSrc: number; readonly tpDst: number; readonly tunId: bigint } | null;
}

/** The userspace action's sFlow cookie. */
export interface SflowCookie {
  readonly vlanTci: number;
  readonly output: number;
}

interface Poller {
  readonly dsClass: number;
  readonly dsIndex: number;
  /** Datapath port of a port's poller; null for the bridge's (global counters). */
  readonly odpPort: number | null;
  interval: number;
  countdown: number;
  sequence: number;
}

interface AgentPort {
  readonly odpPort: number;
  /** 0: no ifindex (a tunnel port kept for its type). */
  readonly ifindex: number;
  readonly tunnelType: SflowTunnelType | null;
}

/** IP protocol of a tunnel type (dpif_sflow_tunnel_proto). */
function tunnelProto(t: SflowTunnelType | null): number {
  if (t === "gre") return 47;
  if (t === "vxlan" || t === "lisp" || t === "geneve") return 17;
  return 0;
}

function vid(tci: number): number {
  return tci & 0xfff;
}
function pcp(tci: number): number {
  return (tci >>> 13) & 7;
}

/** dpif_sflow_cookie_num_outputs. */
function cookieOutputs(output: number): number {
  const format = output >>> 30;
  const n = output & 0x3fffffff;
  if (format === 0) return n !== 0 ? 1 : 0;
  if (format === 2) return n;
  return 0;
}

const u32 = (n: number): number => (Number.isFinite(n) && n >= 0 ? Math.min(n, UINT32_MAX) >>> 0 : SFL_UNDEF);

export class SflowAgent {
  readonly options: SflowOptions;
  /** The datapath's sampling probability: UINT32_MAX / N, at least 1. */
  readonly probability: number;
  private readonly agentAddress: SflowAddress;
  private readonly ports = new Map<number, AgentPort>();
  private readonly pollers: Poller[] = [];
  private readonly samplerDsIndex: number;
  private flowSequence = 0;
  private samplePool = 0;
  // The receiver's datagram under construction.
  private held: SflowSample[] = [];
  private heldBytes: number;
  private datagramSequence = 0;
  private readonly bootSeconds: number;
  private nowSeconds: number;
  private nextTick: number;

  constructor(
    options: SflowOptions,
    agentAddress: SflowAddress,
    private readonly host: SflowAgentHost,
    nowMs: number,
    createdMs: number,
  ) {
    this.options = options;
    this.agentAddress = agentAddress;
    this.probability = Math.max(1, Math.floor(UINT32_MAX / options.samplingRate));
    this.bootSeconds = Math.floor(nowMs / 1000);
    this.nowSeconds = this.bootSeconds;
    this.nextTick = Math.floor(createdMs / 1000) + 1;
    this.heldBytes = datagramHeaderSize(agentAddress);
    this.samplerDsIndex = 1000 + options.subId;
    this.addPoller({ dsClass: SFL_DSCLASS_PHYSICAL_ENTITY, dsIndex: this.samplerDsIndex, odpPort: null, interval: 0, countdown: 0, sequence: 0 });
  }

  /** Takes over the tick time of the agent it replaces (the dpif_sflow's next_tick outlives its agents). */
  carryTick(prev: SflowAgent): void {
    this.nextTick = prev.nextTick;
  }

  /** The sFlow ifindex of datapath port `odpPort` (0 when it has none): the cookie's output. */
  ifindex(odpPort: number): number {
    return this.ports.get(odpPort)?.ifindex ?? 0;
  }

  /** dpif_sflow_add_port: a port with an ifindex gets a poller; a tunnel port is kept for its type. */
  addPort(info: SflowPortInfo): void {
    this.delPort(info.odpPort);
    if (info.ifindex <= 0 && info.tunnelType === null) return;
    this.ports.set(info.odpPort, { odpPort: info.odpPort, ifindex: Math.max(info.ifindex, 0), tunnelType: info.tunnelType });
    if (info.ifindex > 0) this.addPoller({ dsClass: SFL_DSCLASS_IFINDEX, dsIndex: info.ifindex, odpPort: info.odpPort, interval: 0, countdown: 0, sequence: 0 });
  }

  delPort(odpPort: number): void {
    const p = this.ports.get(odpPort);
    if (p === undefined) return;
    if (p.ifindex > 0) {
      const at = this.pollers.findIndex((q) => q.dsClass === SFL_DSCLASS_IFINDEX && q.dsIndex === p.ifindex);
      if (at >= 0) this.pollers.splice(at, 1);
    }
    this.ports.delete(odpPort);
  }

  /** The datapath ports the agent knows. */
  portNumbers(): number[] {
    return [...this.ports.keys()];
  }

  /** sfl_agent_addPoller: sorted by (class, index), highest first; an existing one is kept. */
  private addPoller(p: Poller): void {
    let at = 0;
    for (; at < this.pollers.length; at++) {
      const q = this.pollers[at] as Poller;
      const cmp = q.dsClass - p.dsClass || q.dsIndex - p.dsIndex;
      if (cmp === 0) return;
      if (cmp < 0) break;
    }
    // sfl_poller_set_sFlowCpInterval: the first poll 1 + random() % N ticks away.
    const n = this.options.pollingInterval;
    p.interval = n;
    p.countdown = n > 0 ? 1 + (this.host.random() % n) : 0;
    this.pollers.splice(at, 0, p);
  }

  /** dpif_sflow_run: ticks once the clock's whole seconds reach the next tick. */
  run(nowMs: number): void {
    const now = Math.floor(nowMs / 1000);
    if (now < this.nextTick) return;
    this.nowSeconds = now;
    this.tick();
    this.nextTick = now + 1;
  }

  /** sfl_agent_tick: samplers (nothing to do without back-off), pollers, then the receiver. */
  private tick(): void {
    for (const p of [...this.pollers]) {
      if (p.countdown === 0) continue;
      if (--p.countdown === 0) {
        this.poll(p);
        p.countdown = p.interval;
      }
    }
    if (this.held.length > 0) this.sendHeld();
  }

  private poll(p: Poller): void {
    const elements = p.odpPort === null ? this.globalCounters() : this.portCounters(p);
    if (elements === null) return;
    const cs: SflowCountersSample = { format: SFLOW_COUNTERS_SAMPLE, sequence: ++p.sequence, dsClass: p.dsClass, dsIndex: p.dsIndex, elements };
    this.write(cs);
  }

  private globalCounters(): SflowCounterElement[] | null {
    if (!this.host.claimGlobalCounters(this.options.subId)) return null;
    const elements: SflowCounterElement[] = [];
    const dp = this.host.dpStats();
    if (dp !== null) elements.push({ tag: SFLCOUNTERS_OVSDP, nHit: u32(dp.nHit), nMissed: u32(dp.nMissed), nLost: u32(dp.nLost), nMaskHit: u32(dp.nMaskHit), nFlows: u32(dp.nFlows), nMasks: u32(dp.nMasks) });
    // The process's resource usage: ovsim has no process; times and memory are reported as 0.
    elements.push({ tag: SFLCOUNTERS_APP_RESOURCES, userTime: 0, systemTime: 0, memUsed: 0n, memMax: BigInt(SFL_UNDEF) << 32n | BigInt(SFL_UNDEF), fdOpen: SFL_UNDEF, fdMax: SFL_UNDEF, connOpen: SFL_UNDEF, connMax: SFL_UNDEF });
    return elements;
  }

  /** sflow_agent_get_counters. */
  private portCounters(p: Poller): SflowCounterElement[] | null {
    const odpPort = p.odpPort as number;
    if (!this.ports.has(odpPort)) return null;
    const info = this.host.port(odpPort);
    if (info === undefined) return null;
    const s = info.stats;
    const elements: SflowCounterElement[] = [
      {
        tag: SFLCOUNTERS_GENERIC,
        ifIndex: p.dsIndex,
        ifType: 6,
        // netdev_get_features fails for ovsim's netdevs: OVS's fallback speed and an unknown direction.
        ifSpeed: 100000000n,
        ifDirection: 0,
        ifStatus: info.up ? (info.carrier ? 3 : 1) : 0,
        ifInOctets: BigInt(s.rxBytes),
        ifInUcastPkts: u32(s.rxPackets),
        ifInMulticastPkts: SFL_UNDEF,
        ifInBroadcastPkts: SFL_UNDEF,
        ifInDiscards: SFL_UNDEF,
        ifInErrors: SFL_UNDEF,
        ifInUnknownProtos: SFL_UNDEF,
        ifOutOctets: BigInt(s.txBytes),
        ifOutUcastPkts: u32(s.txPackets),
        ifOutMulticastPkts: SFL_UNDEF,
        ifOutBroadcastPkts: SFL_UNDEF,
        ifOutDiscards: SFL_UNDEF,
        ifOutErrors: SFL_UNDEF,
        ifPromiscuousMode: 0,
      },
    ];
    const lacp = this.host.lacp(odpPort);
    if (lacp !== null) {
      elements.push({
        tag: SFLCOUNTERS_LACP,
        actorSystemId: lacp.actorSystemId,
        partnerSystemId: lacp.partnerSystemId,
        attachedAggId: lacp.attachedAggId,
        portState: [lacp.actorAdmin, lacp.actorOper, lacp.partnerAdmin, lacp.partnerOper],
        lacpdusRx: lacp.lacpdusRx,
        markerPdusRx: SFL_UNDEF,
        markerResponsePdusRx: SFL_UNDEF,
        unknownRx: SFL_UNDEF,
        illegalRx: lacp.illegalRx,
        lacpdusTx: lacp.lacpdusTx,
        markerPdusTx: SFL_UNDEF,
        markerResponsePdusTx: SFL_UNDEF,
      });
    }
    elements.push({ tag: SFLCOUNTERS_PORTNAME, name: Uint8Array.from(info.name, (c) => c.charCodeAt(0) & 0xff) });
    elements.push({ tag: SFLCOUNTERS_OPENFLOWPORT, datapathId: this.host.datapathId(), portNo: info.ofport });
    // rx_frame_errors, rx_crc_errors and rx_oversize_errors are unknown too: every counter is all ones.
    elements.push({ tag: SFLCOUNTERS_ETHERNET, counters: new Array<number>(13).fill(SFL_UNDEF) });
    return elements;
  }

  /** dpif_sflow_received: one flow sample of a packet the datapath sent up. */
  received(pkt: SflowPacket, cookie: SflowCookie, actions: SflowActions | null): void {
    const inPort = this.ports.get(pkt.inOdpPort);
    const rate = this.options.samplingRate;
    this.samplePool = (this.samplePool + rate) >>> 0;
    const elements: SflowFlowElement[] = [];
    if (pkt.tunnel !== null && pkt.tunnel.ipDst !== 0) {
      const t = pkt.tunnel;
      elements.push({
        tag: SFLFLOW_EX_IPV4_TUNNEL_INGRESS,
        tunnel: { length: 0, protocol: tunnelProto(inPort?.tunnelType ?? null), src: t.ipSrc, dst: t.ipDst, srcPort: t.tpSrc, dstPort: t.tpDst, tcpFlags: 0, tos: t.tos },
      });
      if (t.tunId !== 0n) elements.push({ tag: SFLFLOW_EX_VNI_INGRESS, vni: Number(BigInt.asUintN(32, t.tunId)) });
    }
    const nOutputs = cookieOutputs(cookie.output);
    if (actions !== null && actions.encapDepth === 1 && !actions.tunnelErr && nOutputs === 1) {
      let proto = actions.tunnelIpProto;
      if (proto === 0 && actions.outPort !== ODPP_NONE) proto = tunnelProto(this.ports.get(actions.outPort)?.tunnelType ?? null);
      const t = actions.tunnel;
      elements.push({
        tag: SFLFLOW_EX_IPV4_TUNNEL_EGRESS,
        tunnel: { length: 0, protocol: proto, src: t.ipSrc, dst: t.ipDst, srcPort: t.tpSrc, dstPort: t.tpDst, tcpFlags: 0, tos: t.tos },
      });
      if (t.tunId !== 0n) elements.push({ tag: SFLFLOW_EX_VNI_EGRESS, vni: Number(BigInt.asUintN(32, t.tunId)) });
    }
    if (actions !== null && actions.mplsStack.length > 0 && !actions.mplsErr && nOutputs === 1) {
      // dpif_sflow_encode_mpls_stack: outermost first, BOS only on the innermost.
      const stack = [...actions.mplsStack].reverse().map((l) => (l & ~MPLS_BOS) >>> 0);
      stack[stack.length - 1] = ((stack[stack.length - 1] ?? 0) | MPLS_BOS) >>> 0;
      elements.push({ tag: SFLFLOW_EX_MPLS, nextHop: { type: 1, bytes: new Uint8Array(4) }, inStack: [], outStack: stack });
    }
    const n = Math.min(pkt.bytes.length, this.options.headerLen);
    elements.push({ tag: SFLFLOW_HEADER, protocol: SFLHEADER_ETHERNET_ISO8023, frameLength: pkt.bytes.length + 4, stripped: 4, header: pkt.bytes.slice(0, n) });
    elements.push({ tag: SFLFLOW_EX_SWITCH, srcVlan: vid(pkt.vlanTci), srcPriority: pcp(pkt.vlanTci), dstVlan: vid(cookie.vlanTci), dstPriority: pcp(cookie.vlanTci) });
    const fs: SflowFlowSample = {
      format: SFLOW_FLOW_SAMPLE,
      sequence: ++this.flowSequence,
      dsClass: SFL_DSCLASS_PHYSICAL_ENTITY,
      dsIndex: this.samplerDsIndex,
      samplingRate: rate,
      samplePool: this.samplePool,
      drops: 0,
      input: inPort?.ifindex ?? 0,
      output: cookie.output >>> 0,
      elements,
    };
    this.write(fs);
  }

  /** sfl_receiver_write{Flow,Counters}Sample. */
  private write(s: SflowSample): void {
    const size = sampleSize(s);
    if (size > SFL_DEFAULT_DATAGRAM_SIZE / 2) {
      // sflError: the sample is dropped, and so is everything held (resetSampleCollector).
      this.held = [];
      this.heldBytes = datagramHeaderSize(this.agentAddress);
      return;
    }
    if (this.heldBytes + size >= SFL_DEFAULT_DATAGRAM_SIZE) this.sendHeld();
    this.held.push(s);
    this.heldBytes += size;
  }

  /** sendSample: the held samples as the next datagram, to every collector. */
  private sendHeld(): void {
    const bytes = encodeSflowDatagram({
      agent: this.agentAddress,
      subAgentId: this.options.subId,
      sequence: ++this.datagramSequence,
      uptimeMs: ((this.nowSeconds - this.bootSeconds) * 1000) >>> 0,
      samples: this.held,
    });
    this.held = [];
    this.heldBytes = datagramHeaderSize(this.agentAddress);
    this.host.send(bytes);
  }
}
