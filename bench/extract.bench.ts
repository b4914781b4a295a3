/*
 * Flow extraction (src/datapath/packet/extract.ts): ns per packet for three
 * packet kinds — a plain IPv4/TCP frame, a VLAN-tagged IPv4/UDP frame, and an
 * IPv6 neighbour solicitation with a link-layer option — against a baseline
 * that only zeroes the key (the floor every extraction pays).
 *
 * Inputs the JIT cannot fold: each iteration takes the next of N_PACKETS
 * packets of its kind round-robin, with varied addresses and ports.
 */

import { bench, do_not_optimize, group, summary as mitataSummary } from "mitata";
import { XLATE_FLOW_WORDS } from "../src/actions/xlate/odp-metadata.js";
import { M, writeMember } from "../src/flowtable/flow-layout.js";
import { flowCompose } from "../src/datapath/packet/compose.js";
import { extractFlow } from "../src/datapath/packet/extract.js";
import type { Packet } from "../src/datapath/packet/packet.js";
import type { Trial } from "./run.js";

const N_PACKETS = 256;

type Kind = "ipv4-tcp" | "vlan-ipv4-udp" | "ipv6-nd-ns";

function packets(kind: Kind): Packet[] {
  const out: Packet[] = [];
  for (let i = 0; i < N_PACKETS; i++) {
    const f = new Uint32Array(XLATE_FLOW_WORDS);
    writeMember(f, M.dlSrc, 0x0a0000000000n + BigInt(i));
    writeMember(f, M.dlDst, 0x0b0000000000n + BigInt(i * 7));
    if (kind === "ipv6-nd-ns") {
      writeMember(f, M.dlType, 0x86ddn);
      writeMember(f, M.ipv6Src, 0xfe80n << 112n | BigInt(i));
      writeMember(f, M.ipv6Dst, 0xff02n << 112n | 0x1ff000000n | BigInt(i));
      writeMember(f, M.nwProto, 58n);
      writeMember(f, M.nwTtl, 255n);
      writeMember(f, M.tpSrc, 135n);
      writeMember(f, M.ndTarget, 0xfe80n << 112n | BigInt(i * 3));
      writeMember(f, M.arpSha, 0x0a0000000000n + BigInt(i));
    } else {
      writeMember(f, M.dlType, 0x0800n);
      writeMember(f, M.nwSrc, 0x0a000000n + BigInt(i));
      writeMember(f, M.nwDst, 0x0a010000n + BigInt(i * 5));
      writeMember(f, M.nwTtl, 64n);
      writeMember(f, M.tpSrc, BigInt(1024 + i));
      writeMember(f, M.tpDst, BigInt(80 + (i & 7)));
      if (kind === "ipv4-tcp") {
        writeMember(f, M.nwProto, 6n);
        writeMember(f, M.tcpFlags, 0x10n);
      } else {
        writeMember(f, M.nwProto, 17n);
        writeMember(f, M.vlanTci, BigInt(0x1000 | (i & 0xfff)));
      }
    }
    out.push(flowCompose(f));
  }
  return out;
}

const KINDS: readonly Kind[] = ["ipv4-tcp", "vlan-ipv4-udp", "ipv6-nd-ns"];
const NAMES = KINDS.map((k) => `extract ${k}`);

export function register(): void {
  const key = new Uint32Array(XLATE_FLOW_WORDS);
  group("flow extraction (ns/packet)", () => {
    mitataSummary(() => {
      const base = packets("ipv4-tcp");
      let j = 0;
      bench("baseline: zero the key", () => {
        key.fill(0);
        key[0] = base[j++ & (N_PACKETS - 1)]?.size ?? 0;
        do_not_optimize(key);
      });
      for (const kind of KINDS) {
        const ps = packets(kind);
        let i = 0;
        bench(`extract ${kind}`, () => {
          const p = ps[i++ & (N_PACKETS - 1)];
          if (p !== undefined) extractFlow(p, 1, key, 2);
          do_not_optimize(key);
        });
      }
    });
  });
}

let last: Record<string, number> | null = null;

export function report(trials: readonly Trial[]): void {
  const ns: Record<string, number> = {};
  for (const t of trials) {
    const avg = t.runs[0]?.stats?.avg;
    if (avg !== undefined && (NAMES.includes(t.alias) || t.alias.startsWith("baseline: zero"))) ns[t.alias] = avg;
  }
  if (Object.keys(ns).length === 0) return;
  last = ns;
  console.log("\nflow extraction, ns/packet:");
  for (const [k, v] of Object.entries(ns)) console.log(`  ${k.padEnd(28)} ${v.toFixed(1)} ns  (${(1e3 / v).toFixed(1)} M packets/s)`);
}

export function summary(): Record<string, number> | null {
  return last;
}
