/**
 * A connection as a dump shows it (OVS's struct ct_dpif_entry, filled by
 * conn_to_ct_dpif_entry) and its text as `ovs-appctl dpctl/dump-conntrack`
 * prints it (ct_dpif_format_entry):
 *
 *   tcp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=1024,dport=80),reply=(src=10.0.0.2,dst=10.0.0.1,sport=80,dport=1024),zone=5,mark=17,labels=0x22,protoinfo=(state=ESTABLISHED)
 *
 * `-m` (verbose) adds `id=0` and `status=0` (the userspace datapath has
 * neither) and prints both TCP peers' states; `-s` (statistics) adds
 * `timeout=N`, the whole seconds left (the userspace datapath keeps no
 * packet counters or timestamps, so nothing else appears). The zone, mark
 * (decimal) and labels (hex, no leading zeros) appear only when non-zero;
 * protoinfo only for TCP, the one protocol whose state userspace reports.
 */
import { formatIpv4Word, formatIpv6Words } from "./conn-key.js";
import type { ConnKey } from "./conn-key.js";
import type { Conn } from "./conn.js";
import { IPPROTO_ICMP, IPPROTO_ICMPV6 } from "./ct-consts.js";
import { labelValue } from "./ct-label.js";

export interface CtEntry {
  /** The original-direction tuple (immutable). */
  readonly orig: ConnKey;
  /** The reply-direction tuple, after NAT (immutable). */
  readonly reply: ConnKey;
  readonly zone: number;
  readonly mark: number;
  readonly labels: bigint;
  /** The `protoinfo=(...)` contents, plain and verbose; "" when none. */
  readonly protoinfo: string;
  readonly protoinfoVerbose: string;
  /** Whole seconds until expiry (0 when due). */
  readonly timeout: number;
  readonly helper: string | null;
}

/** OVS's conn_to_ct_dpif_entry. */
export function entryOf(c: Conn, now: number): CtEntry {
  const left = c.expiration - now;
  return {
    orig: c.fwd.key,
    reply: c.rev.key,
    zone: c.fwd.key.zone,
    mark: c.mark,
    labels: labelValue(c.label),
    protoinfo: c.l4.protoinfo(false),
    protoinfoVerbose: c.l4.protoinfo(true),
    timeout: left > 0 ? Math.floor(left / 1000) : 0,
    helper: c.alg,
  };
}

/** OVS's ct_dpif_format_ipproto. */
export function formatIpProto(proto: number): string {
  switch (proto) {
    case 1:
      return "icmp";
    case 58:
      return "icmpv6";
    case 6:
      return "tcp";
    case 17:
      return "udp";
    case 132:
      return "sctp";
    case 136:
      return "udplite";
    case 33:
      return "dccp";
    case 2:
      return "igmp";
    default:
      return String(proto);
  }
}

/** OVS's ct_dpif_format_tuple: `src=..,dst=..` then `sport=..,dport=..` or `id=..,type=..,code=..`. */
export function formatCtTuple(k: ConnKey): string {
  const addrs = k.isIpv4
    ? `src=${formatIpv4Word(k.src(0))},dst=${formatIpv4Word(k.dst(0))}`
    : `src=${formatIpv6Words(k.src(0), k.src(1), k.src(2), k.src(3))},dst=${formatIpv6Words(k.dst(0), k.dst(1), k.dst(2), k.dst(3))}`;
  if (k.proto === IPPROTO_ICMP || k.proto === IPPROTO_ICMPV6) return `${addrs},id=${k.srcPort},type=${k.icmpType},code=${k.icmpCode}`;
  return `${addrs},sport=${k.srcPort},dport=${k.dstPort}`;
}

export interface CtFormatOptions {
  /** `-m`: id, status, both TCP states and flags. */
  readonly verbose?: boolean;
  /** `-s`: the timeout. */
  readonly stats?: boolean;
}

/** One line of `ovs-appctl dpctl/dump-conntrack [-m] [-s]` (OVS's ct_dpif_format_entry). */
export function formatConntrackEntry(e: CtEntry, o: CtFormatOptions = {}): string {
  const verbose = o.verbose === true;
  let s = `${formatIpProto(e.orig.proto)},orig=(${formatCtTuple(e.orig)}),reply=(${formatCtTuple(e.reply)})`;
  if (verbose) s += ",id=0";
  if (e.zone !== 0) s += `,zone=${e.zone}`;
  if (verbose) s += ",status=0";
  if (o.stats === true) s += `,timeout=${e.timeout}`;
  if (e.mark !== 0) s += `,mark=${e.mark >>> 0}`;
  if (e.labels !== 0n) s += `,labels=0x${e.labels.toString(16)}`;
  const info = verbose ? e.protoinfoVerbose : e.protoinfo;
  if (info !== "") s += `,protoinfo=(${info})`;
  if (e.helper !== null) s += `,helper=${e.helper}`;
  return s;
}
