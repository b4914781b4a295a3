/**
 * The length in bytes of a Ryu packet description as Ryu serializes it (for
 * throughput checks and counters): fixed header sizes, options, nested
 * objects and payload; Ethernet frames shorter than 60 bytes are padded.
 */
import type { Layer } from "./packet-desc.js";
import { num } from "./packet-desc.js";

const FIXED: Readonly<Record<string, number>> = {
  ethernet: 14,
  vlan: 4,
  svlan: 4,
  mpls: 4,
  itag: 4,
  arp: 28,
  ipv4: 20,
  ipv6: 40,
  tcp: 20,
  udp: 8,
  sctp: 12,
  icmp: 4,
  icmpv6: 4,
  echo: 4,
  icmpv6echo: 4,
  dest_unreach: 4,
  nd_neighbor: 20,
  nd_option_sla: 2,
  nd_option_tla: 2,
  chunk_data: 16,
  payload: 0,
};

function pad8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/** Bytes of one layer (with its nested objects and byte fields). */
export function layerLength(l: Layer): number {
  if (l.cls === "hop_opts" || l.cls === "dst_opts") return 8 * (Number(num(l, "size")) + 1);
  if (l.cls === "auth") return 4 * (Number(num(l, "size")) + 2);
  let n = FIXED[l.cls] ?? 0;
  let extra = 0;
  for (const v of l.f.values()) {
    if (v instanceof Uint8Array) extra += v.length;
    else if (Array.isArray(v)) for (const x of v as readonly Layer[]) extra += layerLength(x);
    else if (typeof v === "object") extra += layerLength(v as Layer);
  }
  if (l.cls === "nd_option_sla" || l.cls === "nd_option_tla") return pad8(n + 6 + extra);
  if (l.cls === "chunk_data") return Math.ceil((n + extra) / 4) * 4;
  n += extra;
  return n;
}

/** Bytes of a packet on the wire (at least 60, Ethernet's minimum without FCS). */
export function packetLength(layers: readonly Layer[]): number {
  let n = 0;
  for (const l of layers) n += layerLength(l);
  return Math.max(60, n);
}
