/**
 * `ovstest test-netflow [OPTIONS] PORT[:IP]`, OVS's NetFlow collector test program
 * (tests/test-netflow.c), as a daemon of the simulated host (ovstest-daemon.ts).
 *
 * It binds a UDP socket on IP (default 0.0.0.0; "[::1]" for IPv6) and PORT (0: an ephemeral
 * port) of the switch's virtual UDP (src/vswitchd/host-udp.ts), logs
 * "PORT:IP: listening on port N" (socket_util's INFO line, which OVS's tests read from
 * test-netflow.log to learn the port), and from then on prints each datagram it receives, a
 * blank line between two, as print_netflow does:
 *
 *   header: v5, uptime U, now SECS.NSECS, seq S, engine T,I[, interval N]
 *   seq S: A.B.C.D > E.F.G.H, if IN > OUT, P pkts, B bytes, <protocol part>[, flags X]
 *       [, src_port N][, dst_port N][, TOS X], time INIT...USED[, nexthop IP][, AS S > D]
 *       [, mask S > D][, pad1 N][, pad N, N]
 *
 * where the protocol part is "TCP SRC > DST" with the TCP flags (packet_format_tcp_flags) when
 * any, "UDP SRC > DST", "SCTP SRC > DST", "ICMP TYPE:CODE" (from the destination port; a
 * non-zero source port follows as ", src_port=N"), or "proto N". `ovs-appctl -t test-netflow
 * exit` stops it.
 */
import type { CommandResult } from "./command-result.js";
import type { LineIo } from "./ovstest-daemon.js";
import { startUdpCollector } from "./ovstest-daemon.js";
import { decodeNetflowV5 } from "../vswitchd/netflow/netflow-v5.js";
import type { Switch } from "../vswitchd/switch.js";

const NAME = "test-netflow";

function ip(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

/** packet_format_tcp_flags. */
export function formatTcpFlags(flags: number): string {
  if (flags === 0) return "none";
  const names: readonly (readonly [number, string])[] = [
    [0x002, "S"], [0x001, "F"], [0x008, "P"], [0x004, "R"], [0x020, "U"], [0x010, "."], [0x040, "E"], [0x080, "C"], [0x100, "N"],
    [0x200, "[200]"], [0x400, "[400]"], [0x800, "[800]"],
  ];
  return names.filter(([bit]) => (flags & bit) !== 0).map(([, s]) => s).join("");
}

/** print_netflow: one datagram as test-netflow prints it (lines, each ending in a newline). */
export function formatNetflowDatagram(bytes: Uint8Array): string {
  const d = decodeNetflowV5(bytes);
  const h = d.header;
  if (h === null) return "truncated NetFlow packet header\n";
  let out = `header: v${h.version}, uptime ${h.sysUptime}, now ${h.unixSecs}.${String(h.unixNsecs).padStart(9, "0")}, seq ${h.flowSeq}, engine ${h.engineType},${h.engineId}`;
  if (h.samplingInterval !== 0) out += `, interval ${h.samplingInterval}`;
  out += "\n";
  for (const r of d.records) {
    let line = `seq ${h.flowSeq}: ${ip(r.srcAddr)} > ${ip(r.dstAddr)}, if ${r.input} > ${r.output}, ${r.packetCount} pkts, ${r.byteCount} bytes`;
    switch (r.ipProto) {
      case 6:
        line += `, TCP ${r.srcPort} > ${r.dstPort}`;
        if (r.tcpFlags !== 0) line += ` ${formatTcpFlags(r.tcpFlags)}`;
        break;
      case 17:
        line += `, UDP ${r.srcPort} > ${r.dstPort}`;
        break;
      case 132:
        line += `, SCTP ${r.srcPort} > ${r.dstPort}`;
        break;
      case 1:
        line += `, ICMP ${r.dstPort >> 8}:${r.dstPort & 0xff}`;
        if (r.srcPort !== 0) line += `, src_port=${r.srcPort}`;
        break;
      default:
        line += `, proto ${r.ipProto}`;
    }
    if (r.ipProto !== 6 && r.tcpFlags !== 0) line += `, flags ${r.tcpFlags.toString(16)}`;
    if (![6, 17, 132, 1].includes(r.ipProto)) {
      if (r.srcPort !== 0) line += `, src_port ${r.srcPort}`;
      if (r.dstPort !== 0) line += `, dst_port ${r.dstPort}`;
    }
    if (r.ipTos !== 0) line += `, TOS ${r.ipTos.toString(16)}`;
    line += `, time ${r.initTime}...${r.usedTime}`;
    if (r.nexthop !== 0) line += `, nexthop ${ip(r.nexthop)}`;
    if (r.srcAs !== 0 || r.dstAs !== 0) line += `, AS ${r.srcAs} > ${r.dstAs}`;
    if (r.srcMask !== 0 || r.dstMask !== 0) line += `, mask ${r.srcMask} > ${r.dstMask}`;
    if (r.pad1 !== 0) line += `, pad1 ${r.pad1}`;
    if (r.pad[0] !== 0 || r.pad[1] !== 0) line += `, pad ${r.pad[0]}, ${r.pad[1]}`;
    out += `${line}\n`;
  }
  if (d.truncated) out += "truncated NetFlow records\n";
  else if (d.extra > 0) out += `${d.extra} extra bytes after last record\n`;
  return out;
}

/** `ovstest test-netflow ARGS`: starts the collector daemon (a blank line between datagrams). */
export function testNetflow(sw: Switch, args: readonly string[], io: LineIo | undefined): CommandResult {
  let n = 0;
  return startUdpCollector(sw, NAME, args, io, (bytes) => `${n++ > 0 ? "\n" : ""}${formatNetflowDatagram(bytes)}`);
}
