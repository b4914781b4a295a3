/**
 * Small ClassBench-format filter sets made up for tests (no third-party rule set is
 * committed): seeded, in the shapes ACL / firewall sets have (prefixes of common lengths,
 * exact ports, well-known and ephemeral port ranges, any protocol), and TCP / UDP packets
 * aimed at them. Also a model of ClassBench's semantics: the first filter that matches.
 */
import { prng } from "../../src/bench/packets.js";

export interface GenFilter {
  readonly src: number;
  readonly srcLen: number;
  readonly dst: number;
  readonly dstLen: number;
  readonly sport: readonly [number, number];
  readonly dport: readonly [number, number];
  /** -1 for any. */
  readonly proto: number;
}

export interface GenPacket {
  readonly src: number;
  readonly dst: number;
  readonly sport: number;
  readonly dport: number;
  readonly proto: 6 | 17;
}

const ip = (x: number) => `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`;
const prefixMask = (len: number) => (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0);

function range(rand: () => number): [number, number] {
  switch (rand() % 6) {
    case 0:
    case 1:
      return [0, 65535];
    case 2: {
      const p = rand() % 65536;
      return [p, p];
    }
    case 3:
      return [1024, 65535];
    case 4:
      return [0, 1023];
    default: {
      const a = rand() % 65536;
      const b = rand() % 65536;
      return a <= b ? [a, b] : [b, a];
    }
  }
}

export function generateFilters(n: number, seed: number): GenFilter[] {
  const rand = prng(seed);
  const lens = [0, 8, 16, 24, 32, 28, 20];
  return Array.from({ length: n }, () => {
    const srcLen = lens[rand() % lens.length]!;
    const dstLen = lens[rand() % lens.length]!;
    const p = rand() % 5;
    return {
      src: (rand() & prefixMask(srcLen)) >>> 0,
      srcLen,
      dst: (rand() & prefixMask(dstLen)) >>> 0,
      dstLen,
      sport: range(rand),
      dport: range(rand),
      proto: p === 0 ? -1 : p === 1 ? 17 : p === 2 ? 1 : 6,
    };
  });
}

/** The filters as a ClassBench file (tab-separated, as ClassBench writes them). */
export function classBenchText(filters: readonly GenFilter[]): string {
  return filters
    .map(
      (f) =>
        `@${ip(f.src)}/${f.srcLen}\t${ip(f.dst)}/${f.dstLen}\t${f.sport[0]} : ${f.sport[1]}\t${f.dport[0]} : ${f.dport[1]}\t` +
        (f.proto < 0 ? "0x00/0x00" : `0x${f.proto.toString(16).padStart(2, "0")}/0xFF`) +
        "\t0x0000/0x0200\n",
    )
    .join("");
}

/** Packets aimed at random filters (inside their prefixes and ranges), and some random ones. */
export function generatePackets(filters: readonly GenFilter[], n: number, seed: number): GenPacket[] {
  const rand = prng(seed);
  const inRange = (r: readonly [number, number]) => r[0] + (rand() % (r[1] - r[0] + 1));
  return Array.from({ length: n }, (_, i) => {
    const f = filters[rand() % filters.length]!;
    const aimed = i % 4 !== 3;
    const proto: 6 | 17 = aimed && f.proto === 17 ? 17 : aimed && f.proto === 6 ? 6 : rand() % 2 === 0 ? 6 : 17;
    return {
      src: aimed ? (f.src | (rand() & ~prefixMask(f.srcLen))) >>> 0 : rand() >>> 0,
      dst: aimed ? (f.dst | (rand() & ~prefixMask(f.dstLen))) >>> 0 : rand() >>> 0,
      sport: aimed ? inRange(f.sport) : rand() % 65536,
      dport: aimed ? inRange(f.dport) : rand() % 65536,
      proto,
    };
  });
}

/** The packet in ofproto/trace's flow syntax. */
export function packetFlow(p: GenPacket): string {
  // tp_src is tcp_src's alias in a flow (as in OVS): UDP ports are udp_src / udp_dst.
  const l4 = p.proto === 6 ? "tcp" : "udp";
  return `${l4},nw_src=${ip(p.src)},nw_dst=${ip(p.dst)},${l4}_src=${p.sport},${l4}_dst=${p.dport}`;
}

/** ClassBench's answer: the index of the first filter matching the packet, or -1. */
export function firstMatch(filters: readonly GenFilter[], p: GenPacket): number {
  return filters.findIndex(
    (f) =>
      ((p.src ^ f.src) & prefixMask(f.srcLen)) === 0 &&
      ((p.dst ^ f.dst) & prefixMask(f.dstLen)) === 0 &&
      p.sport >= f.sport[0] &&
      p.sport <= f.sport[1] &&
      p.dport >= f.dport[0] &&
      p.dport <= f.dport[1] &&
      (f.proto < 0 || f.proto === p.proto),
  );
}
