/**
 * sFlow version 5 datagrams on the wire (sflow.org/sflow_version_5.txt), as
 * OVS's sFlow library (lib/sflow_receiver.c) lays them out: XDR, every field
 * a big-endian 32-bit word (64-bit counters as two), opaque data padded to a
 * multiple of 4 bytes.
 *
 *   datagram  = version(5) agent_address sub_agent_id sequence_number uptime_ms
 *               n_samples sample*
 *   address   = type(1: IPv4, 2: IPv6) 4 or 16 bytes
 *   sample    = format length(bytes after it) body
 *     flow sample (format 1):     sequence source_id(class << 24 | index)
 *                                 sampling_rate sample_pool drops input output
 *                                 n_elements (tag length data)*
 *     counters sample (format 2): sequence source_id n_elements (tag length data)*
 *
 * OVS's library is built without SFL_USE_32BIT_INDEX, so it sends the compact
 * formats 1 and 2; the decoder also reads the expanded 3 and 4 (class and
 * index in words of their own, input and output each with a format word), as
 * OVS's test collector does. An input or output port word is FORMAT << 30 |
 * VALUE: format 0 is an ifIndex, 1 a discard reason, 2 "sent to VALUE ports".
 *
 * The elements ovs-vswitchd sends are typed here (flow: sampled header,
 * extended switch, IPv4 tunnel egress/ingress, VNI egress/ingress, MPLS;
 * counters: generic interface, Ethernet, LACP, OpenFlow port, port name, OVS
 * datapath, application resources); any other element is kept as its raw
 * bytes, so decode(encode(x)) is x for every datagram this file can encode.
 */

export const SFLOW_VERSION_5 = 5;

/** Sample formats (enterprise 0). */
export const SFLOW_FLOW_SAMPLE = 1;
export const SFLOW_COUNTERS_SAMPLE = 2;
export const SFLOW_FLOW_SAMPLE_EXPANDED = 3;
export const SFLOW_COUNTERS_SAMPLE_EXPANDED = 4;

/** Flow element tags. */
export const SFLFLOW_HEADER = 1;
export const SFLFLOW_EX_SWITCH = 1001;
export const SFLFLOW_EX_MPLS = 1006;
export const SFLFLOW_EX_IPV4_TUNNEL_EGRESS = 1023;
export const SFLFLOW_EX_IPV4_TUNNEL_INGRESS = 1024;
export const SFLFLOW_EX_VNI_EGRESS = 1029;
export const SFLFLOW_EX_VNI_INGRESS = 1030;

/** Counter element tags. */
export const SFLCOUNTERS_GENERIC = 1;
export const SFLCOUNTERS_ETHERNET = 2;
export const SFLCOUNTERS_LACP = 7;
export const SFLCOUNTERS_OPENFLOWPORT = 1004;
export const SFLCOUNTERS_PORTNAME = 1005;
export const SFLCOUNTERS_APP_RESOURCES = 2203;
export const SFLCOUNTERS_OVSDP = 2207;

/** The sampled header's protocol: Ethernet (ISO 8023). */
export const SFLHEADER_ETHERNET_ISO8023 = 1;

/** An undefined 32-bit counter or gauge (SFL_UNDEF_COUNTER). */
export const SFL_UNDEF = 0xffffffff;

/** An agent or next-hop address: IPv4 (4 bytes) or IPv6 (16). */
export interface SflowAddress {
  readonly type: 1 | 2;
  readonly bytes: Uint8Array;
}

export interface SflowIpv4Tunnel {
  readonly length: number;
  readonly protocol: number;
  /** Addresses as 32-bit numbers (network order read as big-endian). */
  readonly src: number;
  readonly dst: number;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly tcpFlags: number;
  readonly tos: number;
}

export type SflowFlowElement =
  | { readonly tag: typeof SFLFLOW_HEADER; readonly protocol: number; readonly frameLength: number; readonly stripped: number; readonly header: Uint8Array }
  | { readonly tag: typeof SFLFLOW_EX_SWITCH; readonly srcVlan: number; readonly srcPriority: number; readonly dstVlan: number; readonly dstPriority: number }
  | { readonly tag: typeof SFLFLOW_EX_IPV4_TUNNEL_EGRESS | typeof SFLFLOW_EX_IPV4_TUNNEL_INGRESS; readonly tunnel: SflowIpv4Tunnel }
  | { readonly tag: typeof SFLFLOW_EX_VNI_EGRESS | typeof SFLFLOW_EX_VNI_INGRESS; readonly vni: number }
  | { readonly tag: typeof SFLFLOW_EX_MPLS; readonly nextHop: SflowAddress; readonly inStack: readonly number[]; readonly outStack: readonly number[] }
  | SflowRawElement;

/** An element of a tag this file does not type: its bytes (a multiple of 4). */
export interface SflowRawElement {
  readonly tag: number;
  readonly raw: Uint8Array;
}

export interface SflowGenericCounters {
  readonly ifIndex: number;
  readonly ifType: number;
  readonly ifSpeed: bigint;
  readonly ifDirection: number;
  readonly ifStatus: number;
  readonly ifInOctets: bigint;
  readonly ifInUcastPkts: number;
  readonly ifInMulticastPkts: number;
  readonly ifInBroadcastPkts: number;
  readonly ifInDiscards: number;
  readonly ifInErrors: number;
  readonly ifInUnknownProtos: number;
  readonly ifOutOctets: bigint;
  readonly ifOutUcastPkts: number;
  readonly ifOutMulticastPkts: number;
  readonly ifOutBroadcastPkts: number;
  readonly ifOutDiscards: number;
  readonly ifOutErrors: number;
  readonly ifPromiscuousMode: number;
}

export interface SflowLacpCounters {
  readonly actorSystemId: Uint8Array;
  readonly partnerSystemId: Uint8Array;
  readonly attachedAggId: number;
  /** actorAdmin, actorOper, partnerAdmin, partnerOper: one byte each, in this order on the wire. */
  readonly portState: readonly [number, number, number, number];
  readonly lacpdusRx: number;
  readonly markerPdusRx: number;
  readonly markerResponsePdusRx: number;
  readonly unknownRx: number;
  readonly illegalRx: number;
  readonly lacpdusTx: number;
  readonly markerPdusTx: number;
  readonly markerResponsePdusTx: number;
}

export type SflowCounterElement =
  | ({ readonly tag: typeof SFLCOUNTERS_GENERIC } & SflowGenericCounters)
  /** The 13 dot3Stats counters, in the order of the RFC 2358 MIB (as sflow.h's SFLEthernet_counters). */
  | { readonly tag: typeof SFLCOUNTERS_ETHERNET; readonly counters: readonly number[] }
  | ({ readonly tag: typeof SFLCOUNTERS_LACP } & SflowLacpCounters)
  | { readonly tag: typeof SFLCOUNTERS_OPENFLOWPORT; readonly datapathId: bigint; readonly portNo: number }
  | { readonly tag: typeof SFLCOUNTERS_PORTNAME; readonly name: Uint8Array }
  | { readonly tag: typeof SFLCOUNTERS_OVSDP; readonly nHit: number; readonly nMissed: number; readonly nLost: number; readonly nMaskHit: number; readonly nFlows: number; readonly nMasks: number }
  | {
      readonly tag: typeof SFLCOUNTERS_APP_RESOURCES;
      readonly userTime: number;
      readonly systemTime: number;
      readonly memUsed: bigint;
      readonly memMax: bigint;
      readonly fdOpen: number;
      readonly fdMax: number;
      readonly connOpen: number;
      readonly connMax: number;
    }
  | SflowRawElement;

export interface SflowFlowSample {
  readonly format: typeof SFLOW_FLOW_SAMPLE | typeof SFLOW_FLOW_SAMPLE_EXPANDED;
  readonly sequence: number;
  readonly dsClass: number;
  readonly dsIndex: number;
  readonly samplingRate: number;
  readonly samplePool: number;
  readonly drops: number;
  /** FORMAT << 30 | VALUE words (the expanded format's separate format words folded in). */
  readonly input: number;
  readonly output: number;
  readonly elements: readonly SflowFlowElement[];
}

export interface SflowCountersSample {
  readonly format: typeof SFLOW_COUNTERS_SAMPLE | typeof SFLOW_COUNTERS_SAMPLE_EXPANDED;
  readonly sequence: number;
  readonly dsClass: number;
  readonly dsIndex: number;
  readonly elements: readonly SflowCounterElement[];
}

/** A sample of another format: its bytes. */
export interface SflowRawSample {
  readonly format: number;
  readonly raw: Uint8Array;
}

export type SflowSample = SflowFlowSample | SflowCountersSample | SflowRawSample;

export interface SflowDatagram {
  readonly agent: SflowAddress;
  readonly subAgentId: number;
  readonly sequence: number;
  readonly uptimeMs: number;
  readonly samples: readonly SflowSample[];
}

export class SflowDecodeError extends Error {}

// ---- sizes (computeFlowSampleSize / computeCountersSampleSize)

const pad4 = (n: number): number => (n + 3) & ~3;
const addressSize = (a: SflowAddress): number => (a.type === 2 ? 20 : 8);

function isRaw(e: { readonly tag: number }): e is SflowRawElement {
  return "raw" in e;
}

function flowElementSize(e: SflowFlowElement): number {
  if (isRaw(e)) return e.raw.length;
  switch (e.tag) {
    case SFLFLOW_HEADER:
      return 16 + pad4(e.header.length);
    case SFLFLOW_EX_SWITCH:
      return 16;
    case SFLFLOW_EX_IPV4_TUNNEL_EGRESS:
    case SFLFLOW_EX_IPV4_TUNNEL_INGRESS:
      return 32;
    case SFLFLOW_EX_VNI_EGRESS:
    case SFLFLOW_EX_VNI_INGRESS:
      return 4;
    case SFLFLOW_EX_MPLS:
      return addressSize(e.nextHop) + 4 + 4 * e.inStack.length + 4 + 4 * e.outStack.length;
  }
}

function counterElementSize(e: SflowCounterElement): number {
  if (isRaw(e)) return e.raw.length;
  switch (e.tag) {
    case SFLCOUNTERS_GENERIC:
      return 88;
    case SFLCOUNTERS_ETHERNET:
      return 52;
    case SFLCOUNTERS_LACP:
      return 56;
    case SFLCOUNTERS_OPENFLOWPORT:
      return 12;
    case SFLCOUNTERS_PORTNAME:
      return 4 + pad4(e.name.length);
    case SFLCOUNTERS_OVSDP:
      return 24;
    case SFLCOUNTERS_APP_RESOURCES:
      return 40;
  }
}

/** Bytes sample `s` takes in a datagram, its format and length words included. */
export function sampleSize(s: SflowSample): number {
  if ("raw" in s) return 8 + s.raw.length;
  if (s.format === SFLOW_FLOW_SAMPLE || s.format === SFLOW_FLOW_SAMPLE_EXPANDED) {
    const fs = s as SflowFlowSample;
    return (s.format === SFLOW_FLOW_SAMPLE ? 40 : 52) + fs.elements.reduce((n, e) => n + 8 + flowElementSize(e), 0);
  }
  const cs = s as SflowCountersSample;
  return (s.format === SFLOW_COUNTERS_SAMPLE ? 20 : 24) + cs.elements.reduce((n, e) => n + 8 + counterElementSize(e), 0);
}

/** Bytes of a datagram's header (version to n_samples) for agent address `agent`. */
export function datagramHeaderSize(agent: SflowAddress): number {
  return 20 + addressSize(agent);
}

// ---- encoding

class XdrWriter {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  at = 0;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  u32(v: number): void {
    this.view.setUint32(this.at, v >>> 0);
    this.at += 4;
  }
  u64(v: bigint): void {
    this.view.setBigUint64(this.at, BigInt.asUintN(64, v));
    this.at += 8;
  }
  /** Opaque bytes, zero-padded to 4. */
  opaque(b: Uint8Array): void {
    this.bytes.set(b, this.at);
    this.at += pad4(b.length);
  }
  /** Exactly `n` bytes of `b` (zero-filled past its end). */
  fixed(b: Uint8Array, n: number): void {
    this.bytes.set(b.subarray(0, n), this.at);
    this.at += n;
  }
  address(a: SflowAddress): void {
    this.u32(a.type);
    this.fixed(a.bytes, a.type === 2 ? 16 : 4);
  }
}

function putTunnel(w: XdrWriter, t: SflowIpv4Tunnel): void {
  w.u32(t.length);
  w.u32(t.protocol);
  w.u32(t.src);
  w.u32(t.dst);
  w.u32(t.srcPort);
  w.u32(t.dstPort);
  w.u32(t.tcpFlags);
  w.u32(t.tos);
}

function putFlowElement(w: XdrWriter, e: SflowFlowElement): void {
  w.u32(e.tag);
  w.u32(flowElementSize(e));
  if (isRaw(e)) {
    w.opaque(e.raw);
    return;
  }
  switch (e.tag) {
    case SFLFLOW_HEADER:
      w.u32(e.protocol);
      w.u32(e.frameLength);
      w.u32(e.stripped);
      w.u32(e.header.length);
      w.opaque(e.header);
      break;
    case SFLFLOW_EX_SWITCH:
      w.u32(e.srcVlan);
      w.u32(e.srcPriority);
      w.u32(e.dstVlan);
      w.u32(e.dstPriority);
      break;
    case SFLFLOW_EX_IPV4_TUNNEL_EGRESS:
    case SFLFLOW_EX_IPV4_TUNNEL_INGRESS:
      putTunnel(w, e.tunnel);
      break;
    case SFLFLOW_EX_VNI_EGRESS:
    case SFLFLOW_EX_VNI_INGRESS:
      w.u32(e.vni);
      break;
    case SFLFLOW_EX_MPLS:
      w.address(e.nextHop);
      w.u32(e.inStack.length);
      for (const l of e.inStack) w.u32(l);
      w.u32(e.outStack.length);
      for (const l of e.outStack) w.u32(l);
      break;
  }
}

function putCounterElement(w: XdrWriter, e: SflowCounterElement): void {
  w.u32(e.tag);
  w.u32(counterElementSize(e));
  if (isRaw(e)) {
    w.opaque(e.raw);
    return;
  }
  switch (e.tag) {
    case SFLCOUNTERS_GENERIC:
      w.u32(e.ifIndex);
      w.u32(e.ifType);
      w.u64(e.ifSpeed);
      w.u32(e.ifDirection);
      w.u32(e.ifStatus);
      w.u64(e.ifInOctets);
      w.u32(e.ifInUcastPkts);
      w.u32(e.ifInMulticastPkts);
      w.u32(e.ifInBroadcastPkts);
      w.u32(e.ifInDiscards);
      w.u32(e.ifInErrors);
      w.u32(e.ifInUnknownProtos);
      w.u64(e.ifOutOctets);
      w.u32(e.ifOutUcastPkts);
      w.u32(e.ifOutMulticastPkts);
      w.u32(e.ifOutBroadcastPkts);
      w.u32(e.ifOutDiscards);
      w.u32(e.ifOutErrors);
      w.u32(e.ifPromiscuousMode);
      break;
    case SFLCOUNTERS_ETHERNET:
      for (let i = 0; i < 13; i++) w.u32(e.counters[i] ?? SFL_UNDEF);
      break;
    case SFLCOUNTERS_LACP:
      // MACs take 8 bytes each (putMACAddress: 6 bytes, the datap moved by two words).
      w.fixed(e.actorSystemId, 6);
      w.at += 2;
      w.fixed(e.partnerSystemId, 6);
      w.at += 2;
      w.u32(e.attachedAggId);
      w.fixed(Uint8Array.from(e.portState), 4);
      w.u32(e.lacpdusRx);
      w.u32(e.markerPdusRx);
      w.u32(e.markerResponsePdusRx);
      w.u32(e.unknownRx);
      w.u32(e.illegalRx);
      w.u32(e.lacpdusTx);
      w.u32(e.markerPdusTx);
      w.u32(e.markerResponsePdusTx);
      break;
    case SFLCOUNTERS_OPENFLOWPORT:
      w.u64(e.datapathId);
      w.u32(e.portNo);
      break;
    case SFLCOUNTERS_PORTNAME:
      w.u32(e.name.length);
      w.opaque(e.name);
      break;
    case SFLCOUNTERS_OVSDP:
      w.u32(e.nHit);
      w.u32(e.nMissed);
      w.u32(e.nLost);
      w.u32(e.nMaskHit);
      w.u32(e.nFlows);
      w.u32(e.nMasks);
      break;
    case SFLCOUNTERS_APP_RESOURCES:
      w.u32(e.userTime);
      w.u32(e.systemTime);
      w.u64(e.memUsed);
      w.u64(e.memMax);
      w.u32(e.fdOpen);
      w.u32(e.fdMax);
      w.u32(e.connOpen);
      w.u32(e.connMax);
      break;
  }
}

function putSample(w: XdrWriter, s: SflowSample): void {
  w.u32(s.format);
  w.u32(sampleSize(s) - 8);
  if ("raw" in s) {
    w.opaque(s.raw);
    return;
  }
  const expanded = s.format === SFLOW_FLOW_SAMPLE_EXPANDED || s.format === SFLOW_COUNTERS_SAMPLE_EXPANDED;
  w.u32(s.sequence);
  if (expanded) {
    w.u32(s.dsClass);
    w.u32(s.dsIndex);
  } else {
    w.u32(((s.dsClass << 24) | (s.dsIndex & 0xffffff)) >>> 0);
  }
  if (s.format === SFLOW_FLOW_SAMPLE || s.format === SFLOW_FLOW_SAMPLE_EXPANDED) {
    const fs = s as SflowFlowSample;
    w.u32(fs.samplingRate);
    w.u32(fs.samplePool);
    w.u32(fs.drops);
    if (expanded) {
      w.u32(fs.input >>> 30);
      w.u32(fs.input & 0x3fffffff);
      w.u32(fs.output >>> 30);
      w.u32(fs.output & 0x3fffffff);
    } else {
      w.u32(fs.input);
      w.u32(fs.output);
    }
    w.u32(fs.elements.length);
    for (const e of fs.elements) putFlowElement(w, e);
  } else {
    const cs = s as SflowCountersSample;
    w.u32(cs.elements.length);
    for (const e of cs.elements) putCounterElement(w, e);
  }
}

/** The bytes of datagram `d`. */
export function encodeSflowDatagram(d: SflowDatagram): Uint8Array {
  const size = datagramHeaderSize(d.agent) + d.samples.reduce((n, s) => n + sampleSize(s), 0);
  const w = new XdrWriter(size);
  w.u32(SFLOW_VERSION_5);
  w.address(d.agent);
  w.u32(d.subAgentId);
  w.u32(d.sequence);
  w.u32(d.uptimeMs);
  w.u32(d.samples.length);
  for (const s of d.samples) putSample(w, s);
  return w.bytes;
}

// ---- decoding

class XdrReader {
  private readonly view: DataView;
  at = 0;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number): void {
    if (this.at + n > this.bytes.length) throw new SflowDecodeError(`truncated at byte ${this.at} (${n} more wanted, ${this.bytes.length - this.at} left)`);
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.at);
    this.at += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.at);
    this.at += 8;
    return v;
  }
  take(n: number): Uint8Array {
    this.need(n);
    const b = this.bytes.slice(this.at, this.at + n);
    this.at += n;
    return b;
  }
  opaque(n: number): Uint8Array {
    this.need(pad4(n));
    const b = this.bytes.slice(this.at, this.at + n);
    this.at += pad4(n);
    return b;
  }
  address(): SflowAddress {
    const type = this.u32();
    if (type === 1) return { type: 1, bytes: this.take(4) };
    if (type === 2) return { type: 2, bytes: this.take(16) };
    throw new SflowDecodeError(`address type ${type}`);
  }
}

function readTunnel(r: XdrReader): SflowIpv4Tunnel {
  return { length: r.u32(), protocol: r.u32(), src: r.u32(), dst: r.u32(), srcPort: r.u32(), dstPort: r.u32(), tcpFlags: r.u32(), tos: r.u32() };
}

function readFlowElement(tag: number, body: Uint8Array): SflowFlowElement {
  const r = new XdrReader(body);
  switch (tag) {
    case SFLFLOW_HEADER: {
      const protocol = r.u32();
      const frameLength = r.u32();
      const stripped = r.u32();
      const n = r.u32();
      return { tag, protocol, frameLength, stripped, header: r.opaque(n) };
    }
    case SFLFLOW_EX_SWITCH:
      return { tag, srcVlan: r.u32(), srcPriority: r.u32(), dstVlan: r.u32(), dstPriority: r.u32() };
    case SFLFLOW_EX_IPV4_TUNNEL_EGRESS:
    case SFLFLOW_EX_IPV4_TUNNEL_INGRESS:
      return { tag, tunnel: readTunnel(r) };
    case SFLFLOW_EX_VNI_EGRESS:
    case SFLFLOW_EX_VNI_INGRESS:
      return { tag, vni: r.u32() };
    case SFLFLOW_EX_MPLS: {
      const nextHop = r.address();
      const inStack = Array.from({ length: r.u32() }, () => r.u32());
      const outStack = Array.from({ length: r.u32() }, () => r.u32());
      return { tag, nextHop, inStack, outStack };
    }
    default:
      return { tag, raw: body };
  }
}

function readCounterElement(tag: number, body: Uint8Array): SflowCounterElement {
  const r = new XdrReader(body);
  switch (tag) {
    case SFLCOUNTERS_GENERIC:
      return {
        tag,
        ifIndex: r.u32(),
        ifType: r.u32(),
        ifSpeed: r.u64(),
        ifDirection: r.u32(),
        ifStatus: r.u32(),
        ifInOctets: r.u64(),
        ifInUcastPkts: r.u32(),
        ifInMulticastPkts: r.u32(),
        ifInBroadcastPkts: r.u32(),
        ifInDiscards: r.u32(),
        ifInErrors: r.u32(),
        ifInUnknownProtos: r.u32(),
        ifOutOctets: r.u64(),
        ifOutUcastPkts: r.u32(),
        ifOutMulticastPkts: r.u32(),
        ifOutBroadcastPkts: r.u32(),
        ifOutDiscards: r.u32(),
        ifOutErrors: r.u32(),
        ifPromiscuousMode: r.u32(),
      };
    case SFLCOUNTERS_ETHERNET:
      return { tag, counters: Array.from({ length: 13 }, () => r.u32()) };
    case SFLCOUNTERS_LACP: {
      const actorSystemId = r.take(8).slice(0, 6);
      const partnerSystemId = r.take(8).slice(0, 6);
      const attachedAggId = r.u32();
      const st = r.take(4);
      return {
        tag,
        actorSystemId,
        partnerSystemId,
        attachedAggId,
        portState: [st[0] ?? 0, st[1] ?? 0, st[2] ?? 0, st[3] ?? 0],
        lacpdusRx: r.u32(),
        markerPdusRx: r.u32(),
        markerResponsePdusRx: r.u32(),
        unknownRx: r.u32(),
        illegalRx: r.u32(),
        lacpdusTx: r.u32(),
        markerPdusTx: r.u32(),
        markerResponsePdusTx: r.u32(),
      };
    }
    case SFLCOUNTERS_OPENFLOWPORT:
      return { tag, datapathId: r.u64(), portNo: r.u32() };
    case SFLCOUNTERS_PORTNAME:
      return { tag, name: r.opaque(r.u32()) };
    case SFLCOUNTERS_OVSDP:
      return { tag, nHit: r.u32(), nMissed: r.u32(), nLost: r.u32(), nMaskHit: r.u32(), nFlows: r.u32(), nMasks: r.u32() };
    case SFLCOUNTERS_APP_RESOURCES:
      return {
        tag,
        userTime: r.u32(),
        systemTime: r.u32(),
        memUsed: r.u64(),
        memMax: r.u64(),
        fdOpen: r.u32(),
        fdMax: r.u32(),
        connOpen: r.u32(),
        connMax: r.u32(),
      };
    default:
      return { tag, raw: body };
  }
}

function readElements<T>(r: XdrReader, read: (tag: number, body: Uint8Array) => T): T[] {
  const n = r.u32();
  const out: T[] = [];
  for (let i = 0; i < n; i++) {
    const tag = r.u32();
    const len = r.u32();
    if (len % 4 !== 0) throw new SflowDecodeError(`element ${tag}: length ${len} is not a multiple of 4`);
    out.push(read(tag, r.take(len)));
  }
  return out;
}

function readSample(format: number, body: Uint8Array): SflowSample {
  const r = new XdrReader(body);
  const expanded = format === SFLOW_FLOW_SAMPLE_EXPANDED || format === SFLOW_COUNTERS_SAMPLE_EXPANDED;
  if (format === SFLOW_FLOW_SAMPLE || format === SFLOW_FLOW_SAMPLE_EXPANDED) {
    const sequence = r.u32();
    let dsClass: number;
    let dsIndex: number;
    if (expanded) {
      dsClass = r.u32();
      dsIndex = r.u32();
    } else {
      const ds = r.u32();
      dsClass = ds >>> 24;
      dsIndex = ds & 0xffffff;
    }
    const samplingRate = r.u32();
    const samplePool = r.u32();
    const drops = r.u32();
    let input: number;
    let output: number;
    if (expanded) {
      input = ((r.u32() << 30) | (r.u32() & 0x3fffffff)) >>> 0;
      output = ((r.u32() << 30) | (r.u32() & 0x3fffffff)) >>> 0;
    } else {
      input = r.u32();
      output = r.u32();
    }
    const elements = readElements(r, readFlowElement);
    return { format, sequence, dsClass, dsIndex, samplingRate, samplePool, drops, input, output, elements };
  }
  if (format === SFLOW_COUNTERS_SAMPLE || format === SFLOW_COUNTERS_SAMPLE_EXPANDED) {
    const sequence = r.u32();
    let dsClass: number;
    let dsIndex: number;
    if (expanded) {
      dsClass = r.u32();
      dsIndex = r.u32();
    } else {
      const ds = r.u32();
      dsClass = ds >>> 24;
      dsIndex = ds & 0xffffff;
    }
    const elements = readElements(r, readCounterElement);
    return { format, sequence, dsClass, dsIndex, elements };
  }
  return { format, raw: body };
}

/** The datagram in `bytes`; throws SflowDecodeError on anything that is not a whole sFlow v5 datagram. */
export function decodeSflowDatagram(bytes: Uint8Array): SflowDatagram {
  const r = new XdrReader(bytes);
  const version = r.u32();
  if (version !== SFLOW_VERSION_5) throw new SflowDecodeError(`version ${version}`);
  const agent = r.address();
  const subAgentId = r.u32();
  const sequence = r.u32();
  const uptimeMs = r.u32();
  const n = r.u32();
  const samples: SflowSample[] = [];
  for (let i = 0; i < n; i++) {
    const format = r.u32();
    const len = r.u32();
    if (len % 4 !== 0) throw new SflowDecodeError(`sample ${i}: length ${len} is not a multiple of 4`);
    samples.push(readSample(format, r.take(len)));
  }
  if (r.at !== bytes.length) throw new SflowDecodeError(`${bytes.length - r.at} bytes after the last sample`);
  return { agent, subAgentId, sequence, uptimeMs, samples };
}
