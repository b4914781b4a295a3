/**
 * ClassBench filter sets as OpenFlow flows. ClassBench (Taylor and Turner's packet
 * classification benchmark) writes one 5-tuple filter a line:
 *
 *   @SRC_IP/LEN  DST_IP/LEN  SPORT_LO : SPORT_HI  DPORT_LO : DPORT_HI  PROTO/MASK  [FLAGS/MASK...]
 *
 * e.g. `@10.0.0.0/8 192.168.1.7/32 0 : 65535 1024 : 2047 0x06/0xFF`. Filters are ordered
 * (the first that matches wins), so the conversion gives them descending priorities: the
 * first line gets priority N, the last 1. Each filter becomes the flows a user would write:
 *
 * - addresses become `nw_src=` / `nw_dst=` prefixes (nothing for /0);
 * - protocol 0xNN/0xFF becomes `tcp`, `udp`, `sctp`, `icmp` or `ip,nw_proto=NN`; 0x00/0x00 (any)
 *   becomes `ip`;
 * - each port range becomes prefix pieces (port-ranges.ts) on the protocol's port fields
 *   (`tcp_dst=0x400/0xfc00`), and the filter the cross
 *   product of its source and destination pieces, one flow each (same priority);
 * - port ranges on a filter of any protocol: OpenFlow matches ports only under TCP, UDP or
 *   SCTP, so the filter becomes its TCP and its UDP flows; a filter of another single
 *   protocol (ICMP: no ports, its type and code are other fields) keeps no port match;
 * - the trailing flags column of some filter sets (`0x0000/0x0200`) is read and ignored.
 *
 * Every flow's actions are `drop`: the benchmark measures classification, not actions.
 */

import { FlowBenchError } from "./errors.js";
import { formatPortPiece, splitPortRange } from "./port-ranges.js";
import type { PortPiece } from "./port-ranges.js";

/** Highest priority a converted filter can get (OpenFlow priorities are 16 bits). */
export const MAX_CLASSBENCH_FILTERS = 0xffff;

/** One ClassBench filter, as read. */
export interface ClassBenchFilter {
  /** 1-based line in the file. */
  readonly line: number;
  readonly src: { readonly addr: string; readonly len: number };
  readonly dst: { readonly addr: string; readonly len: number };
  readonly sport: readonly [number, number];
  readonly dport: readonly [number, number];
  /** Protocol number and mask (0xff exact, 0 any). */
  readonly proto: number;
  readonly protoMask: number;
}

/** A filter set converted to ovs-ofctl flow lines. */
export interface ClassBenchFlows {
  readonly filters: readonly ClassBenchFilter[];
  /** ovs-ofctl `add-flows` lines, filters in file order. */
  readonly flows: readonly string[];
  /** For each flow, the 1-based line of the filter it comes from. */
  readonly flowLines: readonly number[];
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
/** Protocols with transport ports OpenFlow matches, by their ovs-ofctl shorthands. */
const PORT_PROTOS: ReadonlyMap<number, string> = new Map([
  [6, "tcp"],
  [17, "udp"],
  [132, "sctp"],
]);
/** Other protocols with a shorthand. */
const OTHER_PROTOS: ReadonlyMap<number, string> = new Map([[1, "icmp"]]);

function prefix(text: string, line: number): { addr: string; len: number } {
  const slash = text.indexOf("/");
  const addr = slash < 0 ? text : text.slice(0, slash);
  const len = slash < 0 ? 32 : Number(text.slice(slash + 1));
  const m = IPV4.exec(addr);
  if (m === null || m.slice(1).some((o) => Number(o) > 255)) throw new FlowBenchError(`bad IPv4 address '${addr}'`, line);
  if (!Number.isInteger(len) || len < 0 || len > 32) throw new FlowBenchError(`bad prefix length in '${text}'`, line);
  return { addr, len };
}

function port(text: string | undefined, line: number): number {
  const n = Number(text);
  if (text === undefined || !/^\d+$/.test(text) || n > 0xffff) throw new FlowBenchError(`bad port '${text ?? ""}'`, line);
  return n;
}

function hexPair(text: string | undefined, line: number): [number, number] {
  const m = text === undefined ? null : /^0x([0-9a-f]+)\/0x([0-9a-f]+)$/i.exec(text);
  if (m === null) throw new FlowBenchError(`expected 0xVALUE/0xMASK, got '${text ?? ""}'`, line);
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16)];
}

/** Reads one filter line (without blank-line or comment handling). */
export function parseClassBenchLine(text: string, line: number): ClassBenchFilter {
  const t = text.trim();
  if (!t.startsWith("@")) throw new FlowBenchError("a ClassBench filter starts with '@'", line);
  // Ranges are written `lo : hi`; join them so that every field is one token.
  const tok = t.slice(1).replace(/\s*:\s*/g, ":").split(/\s+/);
  if (tok.length < 5) throw new FlowBenchError(`a ClassBench filter has 5 fields, got ${tok.length}`, line);
  const range = (s: string): [number, number] => {
    const [a, b, extra] = s.split(":");
    if (extra !== undefined) throw new FlowBenchError(`bad port range '${s}'`, line);
    const lo = port(a, line);
    const hi = port(b, line);
    if (lo > hi) throw new FlowBenchError(`port range ${lo} : ${hi} is empty`, line);
    return [lo, hi];
  };
  const [proto, protoMask] = hexPair(tok[4], line);
  if (proto > 0xff || (protoMask !== 0 && protoMask !== 0xff)) {
    throw new FlowBenchError(`protocol ${tok[4]!}: expected 0xNN/0xFF or 0x00/0x00`, line);
  }
  for (const extra of tok.slice(5)) hexPair(extra, line);
  return {
    line,
    src: prefix(tok[0]!, line),
    dst: prefix(tok[1]!, line),
    sport: range(tok[2]!),
    dport: range(tok[3]!),
    proto: proto & protoMask,
    protoMask,
  };
}

const FULL: readonly PortPiece[] = [{ value: 0, mask: 0 }];
const isFull = (r: readonly [number, number]) => r[0] === 0 && r[1] === 0xffff;

/** The flows of one filter at `priority`. */
export function classBenchFilterFlows(f: ClassBenchFilter, priority: number): string[] {
  const head = [`priority=${priority}`];
  const portsMatter = !isFull(f.sport) || !isFull(f.dport);
  let protos: string[];
  if (f.protoMask === 0) protos = portsMatter ? ["tcp", "udp"] : ["ip"];
  else protos = [PORT_PROTOS.get(f.proto) ?? OTHER_PROTOS.get(f.proto) ?? `ip,nw_proto=${f.proto}`];
  const addrs: string[] = [];
  if (f.src.len > 0) addrs.push(`nw_src=${f.src.addr}${f.src.len === 32 ? "" : `/${f.src.len}`}`);
  if (f.dst.len > 0) addrs.push(`nw_dst=${f.dst.addr}${f.dst.len === 32 ? "" : `/${f.dst.len}`}`);
  const out: string[] = [];
  for (const proto of protos) {
    const hasPorts = (f.protoMask !== 0 && PORT_PROTOS.has(f.proto)) || (f.protoMask === 0 && portsMatter);
    const sp = hasPorts ? splitPortRange(f.sport[0], f.sport[1]) : FULL;
    const dp = hasPorts ? splitPortRange(f.dport[0], f.dport[1]) : FULL;
    for (const s of sp) {
      for (const d of dp) {
        const parts = [...head, proto, ...addrs];
        const st = formatPortPiece(s);
        const dt = formatPortPiece(d);
        // The protocol's own port fields (tcp_dst, udp_dst, sctp_dst), not the tp_dst alias.
        if (st !== null) parts.push(`${proto}_src=${st}`);
        if (dt !== null) parts.push(`${proto}_dst=${dt}`);
        parts.push("actions=drop");
        out.push(parts.join(","));
      }
    }
  }
  return out;
}

/** Reads a ClassBench filter file (blank lines and `#` comments skipped) and converts it. */
export function classBenchToFlows(text: string): ClassBenchFlows {
  const filters: ClassBenchFilter[] = [];
  text.split("\n").forEach((raw, i) => {
    const t = raw.trim();
    if (t === "" || t.startsWith("#")) return;
    filters.push(parseClassBenchLine(t, i + 1));
  });
  if (filters.length > MAX_CLASSBENCH_FILTERS) {
    throw new FlowBenchError(`${filters.length} filters: at most ${MAX_CLASSBENCH_FILTERS} fit OpenFlow's 16-bit priorities`);
  }
  const flows: string[] = [];
  const flowLines: number[] = [];
  filters.forEach((f, i) => {
    for (const fl of classBenchFilterFlows(f, filters.length - i)) {
      flows.push(fl);
      flowLines.push(f.line);
    }
  });
  return { filters, flows, flowLines };
}
