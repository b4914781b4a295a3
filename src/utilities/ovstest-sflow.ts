/**
 * `ovstest test-sflow [OPTIONS] PORT[:IP]`, OVS's sFlow collector test program
 * (tests/test-sflow.c), as a daemon of the simulated host (ovstest-daemon.ts).
 *
 * It binds a UDP socket on IP (default 0.0.0.0; "[::1]" for IPv6) and PORT (0:
 * an ephemeral port) of the switch's virtual UDP (src/vswitchd/host-udp.ts),
 * logs "PORT:IP: listening on port N" (socket_util's INFO line, which OVS's
 * tests read from test-sflow.log), and prints every sFlow v5 datagram it
 * receives, one line per sample structure it knows, fields separated by
 * single spaces, as test-sflow.c's process_datagram does:
 *
 *   flow samples with a sampled header:
 *     HEADER dgramSeqNo= ds=AGENT>CLASS:INDEX fsSeqNo= [tunnel4_in_*=...]
 *       [tunnel4_out_*=...] [tunnel_in_vni=] [tunnel_out_vni=] [mpls_*_N=...]
 *       [in_vlan= in_priority= out_vlan= out_priority=] meanSkip= samplePool=
 *       dropEvents= in_ifindex= in_format= out_ifindex= out_format= hdr_prot=
 *       pkt_len= stripped= hdr_len= hdr=HEX-BYTES
 *   counter samples: IFCOUNTERS, LACPCOUNTERS, OPENFLOWPORT, PORTNAME,
 *     ETHCOUNTERS lines, those of the elements the sample has, in this order.
 *
 * The agent is "A.B.C.D" or "[IPv6]". A datagram that does not decode prints
 * an ERROR line (test-sflow.c names its own source line there; ovsim names
 * what was wrong). `ovs-appctl -t test-sflow exit` stops it.
 */
import type { CommandResult } from "./command-result.js";
import type { LineIo } from "./ovstest-daemon.js";
import { startUdpCollector } from "./ovstest-daemon.js";
import type { SflowAddress, SflowCounterElement, SflowCountersSample, SflowFlowElement, SflowFlowSample, SflowIpv4Tunnel } from "../vswitchd/sflow/sflow-wire.js";
import {
  decodeSflowDatagram,
  SflowDecodeError,
  SFLCOUNTERS_ETHERNET,
  SFLCOUNTERS_GENERIC,
  SFLCOUNTERS_LACP,
  SFLCOUNTERS_OPENFLOWPORT,
  SFLCOUNTERS_PORTNAME,
  SFLFLOW_EX_IPV4_TUNNEL_EGRESS,
  SFLFLOW_EX_IPV4_TUNNEL_INGRESS,
  SFLFLOW_EX_MPLS,
  SFLFLOW_EX_SWITCH,
  SFLFLOW_EX_VNI_EGRESS,
  SFLFLOW_EX_VNI_INGRESS,
  SFLFLOW_HEADER,
  SFLOW_COUNTERS_SAMPLE,
  SFLOW_COUNTERS_SAMPLE_EXPANDED,
  SFLOW_FLOW_SAMPLE,
  SFLOW_FLOW_SAMPLE_EXPANDED,
} from "../vswitchd/sflow/sflow-wire.js";
import type { Switch } from "../vswitchd/switch.js";
import { formatIpv6 as formatIpv6Value } from "../flowtable/field-values.js";

const NAME = "test-sflow";
/** SFL_MAX_PORTNAME_LEN. */
const MAX_PORTNAME_LEN = 255;
/** SFLOW_HEX_SCRATCH: print_hex stops when fewer than 10 characters of its buffer are left. */
const HEX_SCRATCH = 1024;

function ipv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

/** inet_ntop(AF_INET6) of 16 address bytes. */
export function formatIpv6(b: Uint8Array): string {
  let v = 0n;
  for (let i = 0; i < 16; i++) v = (v << 8n) | BigInt(b[i] ?? 0);
  return formatIpv6Value(v);
}

function agentText(a: SflowAddress): string {
  if (a.type === 2) return `[${formatIpv6(a.bytes)}]`;
  return ipv4((((a.bytes[0] ?? 0) << 24) | ((a.bytes[1] ?? 0) << 16) | ((a.bytes[2] ?? 0) << 8) | (a.bytes[3] ?? 0)) >>> 0);
}

function mac(b: Uint8Array): string {
  return Array.from(b.subarray(0, 6), (x) => x.toString(16).padStart(2, "0")).join(":");
}

/** print_hex: upper-case hex bytes joined by '-', cut where test-sflow's scratch buffer ends. */
function hexBytes(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) {
    if (s.length > HEX_SCRATCH - 10) break;
    s += (b[i] ?? 0).toString(16).toUpperCase().padStart(2, "0");
    if (i < b.length - 1) s += "-";
  }
  return s;
}

function tunnelText(t: SflowIpv4Tunnel, prefix: string): string {
  return (
    ` ${prefix}_length=${t.length} ${prefix}_protocol=${t.protocol} ${prefix}_src=${ipv4(t.src)} ${prefix}_dst=${ipv4(t.dst)}` +
    ` ${prefix}_src_port=${t.srcPort} ${prefix}_dst_port=${t.dstPort} ${prefix}_tcp_flags=${t.tcpFlags} ${prefix}_tos=${t.tos}`
  );
}

/** The one element of each tag a sample may have (sflowxdr_mark_unique); a second is an error. */
function unique<E extends { readonly tag: number }>(elements: readonly E[]): Map<number, E> {
  const m = new Map<number, E>();
  for (const e of elements) {
    if (m.has(e.tag)) throw new SflowDecodeError(`element ${e.tag} twice in one sample`);
    m.set(e.tag, e);
  }
  return m;
}

function flowSampleText(fs: SflowFlowSample, head: string): string {
  const m = unique(fs.elements);
  const header = m.get(SFLFLOW_HEADER) as Extract<SflowFlowElement, { tag: typeof SFLFLOW_HEADER }> | undefined;
  if (header === undefined) return "";
  let s = `HEADER dgramSeqNo=${head} fsSeqNo=${fs.sequence}`;
  const tin = m.get(SFLFLOW_EX_IPV4_TUNNEL_INGRESS);
  if (tin !== undefined && "tunnel" in tin) s += tunnelText(tin.tunnel, "tunnel4_in");
  const tout = m.get(SFLFLOW_EX_IPV4_TUNNEL_EGRESS);
  if (tout !== undefined && "tunnel" in tout) s += tunnelText(tout.tunnel, "tunnel4_out");
  const vin = m.get(SFLFLOW_EX_VNI_INGRESS);
  if (vin !== undefined && "vni" in vin) s += ` tunnel_in_vni=${vin.vni}`;
  const vout = m.get(SFLFLOW_EX_VNI_EGRESS);
  if (vout !== undefined && "vni" in vout) s += ` tunnel_out_vni=${vout.vni}`;
  const mpls = m.get(SFLFLOW_EX_MPLS);
  if (mpls !== undefined && "outStack" in mpls) {
    mpls.outStack.forEach((lse, i) => {
      s += ` mpls_label_${i}=${lse >>> 12} mpls_tc_${i}=${(lse >>> 9) & 7} mpls_ttl_${i}=${lse & 0xff} mpls_bos_${i}=${(lse >>> 8) & 1}`;
    });
  }
  const sw = m.get(SFLFLOW_EX_SWITCH);
  if (sw !== undefined && "srcVlan" in sw) s += ` in_vlan=${sw.srcVlan} in_priority=${sw.srcPriority} out_vlan=${sw.dstVlan} out_priority=${sw.dstPriority}`;
  s += ` meanSkip=${fs.samplingRate} samplePool=${fs.samplePool} dropEvents=${fs.drops}`;
  s += ` in_ifindex=${fs.input & 0x3fffffff} in_format=${fs.input >>> 30} out_ifindex=${fs.output & 0x3fffffff} out_format=${fs.output >>> 30}`;
  s += ` hdr_prot=${header.protocol} pkt_len=${header.frameLength} stripped=${header.stripped} hdr_len=${header.header.length} hdr=${hexBytes(header.header)}`;
  return `${s}\n`;
}

function countersSampleText(cs: SflowCountersSample, head: string): string {
  const m = unique(cs.elements);
  let out = "";
  const gen = m.get(SFLCOUNTERS_GENERIC) as Extract<SflowCounterElement, { tag: typeof SFLCOUNTERS_GENERIC }> | undefined;
  if (gen !== undefined && "ifIndex" in gen) {
    out +=
      `IFCOUNTERS dgramSeqNo=${head} csSeqNo=${cs.sequence} ifindex=${gen.ifIndex} type=${gen.ifType} ifspeed=${gen.ifSpeed}` +
      ` direction=${gen.ifDirection} status=${gen.ifStatus} in_octets=${gen.ifInOctets} in_unicasts=${gen.ifInUcastPkts}` +
      ` in_multicasts=${gen.ifInMulticastPkts} in_broadcasts=${gen.ifInBroadcastPkts} in_discards=${gen.ifInDiscards}` +
      ` in_errors=${gen.ifInErrors} in_unknownprotos=${gen.ifInUnknownProtos} out_octets=${gen.ifOutOctets}` +
      ` out_unicasts=${gen.ifOutUcastPkts} out_multicasts=${gen.ifOutMulticastPkts} out_broadcasts=${gen.ifOutBroadcastPkts}` +
      ` out_discards=${gen.ifOutDiscards} out_errors=${gen.ifOutErrors} promiscuous=${gen.ifPromiscuousMode}\n`;
  }
  const lacp = m.get(SFLCOUNTERS_LACP);
  if (lacp !== undefined && "actorSystemId" in lacp) {
    const [aa, ao, pa, po] = lacp.portState;
    out +=
      `LACPCOUNTERS sysID=${mac(lacp.actorSystemId)} partnerID=${mac(lacp.partnerSystemId)} aggID=${lacp.attachedAggId}` +
      ` actorAdmin=0x${aa.toString(16)} actorOper=0x${ao.toString(16)} partnerAdmin=0x${pa.toString(16)} partnerOper=0x${po.toString(16)}` +
      ` LACPDUsRx=${lacp.lacpdusRx} markerPDUsRx=${lacp.markerPdusRx} markerRespPDUsRx=${lacp.markerResponsePdusRx}` +
      ` unknownRx=${lacp.unknownRx} illegalRx=${lacp.illegalRx} LACPDUsTx=${lacp.lacpdusTx} markerPDUsTx=${lacp.markerPdusTx}` +
      ` markerRespPDUsTx=${lacp.markerResponsePdusTx}\n`;
  }
  const of = m.get(SFLCOUNTERS_OPENFLOWPORT);
  if (of !== undefined && "datapathId" in of) out += `OPENFLOWPORT datapath_id=${of.datapathId} port_no=${of.portNo}\n`;
  const pn = m.get(SFLCOUNTERS_PORTNAME);
  if (pn !== undefined && "name" in pn) {
    if (pn.name.length > MAX_PORTNAME_LEN) throw new SflowDecodeError(`port name of ${pn.name.length} bytes`);
    out += `PORTNAME portName=${String.fromCharCode(...pn.name)}\n`;
  }
  const eth = m.get(SFLCOUNTERS_ETHERNET);
  if (eth !== undefined && "counters" in eth) {
    const names = [
      "dot3StatsAlignmentErrors",
      "dot3StatsFCSErrors",
      "dot3StatsSingleCollisionFrames",
      "dot3StatsMultipleCollisionFrames",
      "dot3StatsSQETestErrors",
      "dot3StatsDeferredTransmissions",
      "dot3StatsLateCollisions",
      "dot3StatsExcessiveCollisions",
      "dot3StatsInternalMacTransmitErrors",
      "dot3StatsCarrierSenseErrors",
      "dot3StatsFrameTooLongs",
      "dot3StatsInternalMacReceiveErrors",
      "dot3StatsSymbolErrors",
    ];
    out += `ETHCOUNTERS${names.map((n, i) => ` ${n}=${eth.counters[i] ?? 0}`).join("")}\n`;
  }
  return out;
}

/** print_sflow: what test-sflow prints for one received datagram. */
export function formatSflowDatagram(bytes: Uint8Array): string {
  let out = "";
  try {
    const d = decodeSflowDatagram(bytes);
    const agent = agentText(d.agent);
    for (const s of d.samples) {
      if (!("sequence" in s)) continue;
      const head = `${d.sequence} ds=${agent}>${s.dsClass}:${s.dsIndex}`;
      if (s.format === SFLOW_FLOW_SAMPLE || s.format === SFLOW_FLOW_SAMPLE_EXPANDED) out += flowSampleText(s as SflowFlowSample, head);
      else if (s.format === SFLOW_COUNTERS_SAMPLE || s.format === SFLOW_COUNTERS_SAMPLE_EXPANDED) out += countersSampleText(s as SflowCountersSample, head);
    }
  } catch (e) {
    if (!(e instanceof SflowDecodeError)) throw e;
    out += `\n>>>>> ERROR in test-sflow: ${e.message}\n`;
  }
  return out;
}

/** `ovstest test-sflow ARGS`: starts the collector daemon. */
export function testSflow(sw: Switch, args: readonly string[], io: LineIo | undefined): CommandResult {
  return startUdpCollector(sw, NAME, args, io, formatSflowDatagram);
}
