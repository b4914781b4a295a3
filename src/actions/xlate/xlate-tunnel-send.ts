/**
 * OVS's tnl_port_send (ofproto/tunnel.c): the tunnel metadata a tunnel
 * port's configuration gives a packet it outputs, written into the flow's
 * tunnel fields, for both ways a tunnel leaves the switch (xlate-tunnel.ts:
 * native `tnl_push`, or the kernel's `set(tunnel(...))` to the vport):
 *
 * - tun_src / tun_dst, tun_ipv6_src / tun_ipv6_dst: local_ip / remote_ip
 *   unless "flow" (an address of one family zeroes the other's field);
 *   tp_dst: the port's UDP port (0 for GRE);
 * - tun_id: out_key unless "flow";
 * - TTL and TOS: the option's value, or with "inherit" the inner IP header's
 *   TTL / DSCP (un-wildcarded; 64 / 0 for a non-IP packet); ECN always follows
 *   the inner header's (CE becomes ECT(0)), un-wildcarding nw_ecn;
 * - flags: the public ones (oam) kept, then df (df_default), csum, key
 *   (out_key present);
 * - egress_pkt_mark: the packet's mark, matched exactly.
 *
 * `saveTunnel` / `restoreTunnel` keep the flow's tunnel fields around an
 * output (OVS restores flow->tunnel, not pkt_mark).
 */
import { parseIpv4, parseIpv6 } from "../../flowtable/field-values.js";
import type { FlowMember } from "../../flowtable/flow-layout.js";
import { M, readMember, readSmall, TUNNEL_EXTRA_WORDS, writeMember } from "../../flowtable/flow-layout.js";
import { XM } from "./odp-metadata.js";
import type { TunnelKey } from "./odp-tunnel.js";
import { TNL_F, tunnelKey } from "./odp-tunnel.js";
import type { XlatePort } from "./xlate-bridge.js";
import type { XlateCtx } from "./xlate-context.js";
import { isIpAny, maskMember } from "./xlate-fields.js";
import type { GeneveOption } from "../../flowtable/tun-metadata-match.js";

const IP_ECN_MASK = 0x03;
const IP_DSCP_MASK = 0xfc;
const IP_ECN_ECT_0 = 0x02;
const DEFAULT_TTL = 64;

export function writeSmall(flow: Uint32Array, m: FlowMember, v: number): void {
  const mask = m.bits === 32 ? 0xffffffff : ((1 << m.bits) - 1) << m.shift;
  flow[m.word] = (((flow[m.word] ?? 0) & ~mask) | ((v << m.shift) & mask)) >>> 0;
}

/** An address option as tnl_port's match holds it: IPv4 or IPv6, 0 for unset / "flow" / junk. */
function addressOf(s: string | null): { v4: number; v6: bigint } {
  if (s === null || s === "flow") return { v4: 0, v6: 0n };
  const v4 = parseIpv4(s);
  if (v4 !== null) return { v4: Number(v4), v6: 0n };
  const v6 = s.includes(":") ? parseIpv6(s) : null;
  return { v4: 0, v6: v6 ?? 0n };
}

/** The tunnel words of a flow: tun_id, tun_src, tun_dst, the IPv6 and ERSPAN words, tun_flags and the outer TOS/TTL/ports. */
const TUNNEL_WORDS: readonly number[] = [
  M.tunId.word,
  M.tunId.word + 1,
  M.tunSrc.word,
  M.tunDst.word,
  ...TUNNEL_EXTRA_WORDS,
  XM.tunTos.word,
  XM.tunTpSrc.word,
];

export interface SavedTunnel {
  readonly words: readonly number[];
  readonly flags: number;
}

export function saveTunnel(flow: Uint32Array): SavedTunnel {
  return { words: TUNNEL_WORDS.map((w) => flow[w] ?? 0), flags: readSmall(flow, M.tunFlags) };
}

export function restoreTunnel(flow: Uint32Array, s: SavedTunnel): void {
  TUNNEL_WORDS.forEach((w, i) => (flow[w] = s.words[i] ?? 0));
  writeSmall(flow, M.tunFlags, s.flags);
}

/** Copies the tunnel fields of `from` into `to` (the base flow after a committed tunnel key). */
export function copyTunnel(from: Uint32Array, to: Uint32Array): void {
  for (const w of TUNNEL_WORDS) to[w] = from[w] ?? 0;
  writeSmall(to, M.tunFlags, readSmall(from, M.tunFlags));
}

/** OVS's tnl_port_send: fills the flow's tunnel fields (and pkt_mark) from `port`'s configuration. */
export function tnlPortSend(ctx: XlateCtx, port: XlatePort): void {
  const cfg = port.tunnel!; // the caller checked port.tunnel
  const flow = ctx.flow;
  if (cfg.localIp !== "flow") {
    const a = addressOf(cfg.localIp);
    writeSmall(flow, M.tunSrc, a.v4);
    writeMember(flow, M.tunIpv6Src, a.v6);
  }
  if (cfg.remoteIp !== "flow") {
    const a = addressOf(cfg.remoteIp);
    writeSmall(flow, M.tunDst, a.v4);
    writeMember(flow, M.tunIpv6Dst, a.v6);
  }
  writeSmall(flow, XM.tunTpDst, cfg.type === "gre" ? 0 : cfg.dstPort);
  if (cfg.outKey !== "flow") {
    flow[M.tunId.word] = Number(cfg.outKey >> 32n) >>> 0;
    flow[M.tunId.word + 1] = Number(cfg.outKey & 0xffffffffn) >>> 0;
  }
  const ip = isIpAny(flow);
  const nwTos = readSmall(flow, M.nwTos);
  let ttl = cfg.ttl === "inherit" ? DEFAULT_TTL : cfg.ttl;
  if (cfg.ttl === "inherit" && ip) {
    maskMember(ctx.wc, M.nwTtl);
    ttl = readSmall(flow, M.nwTtl);
  }
  let tos = cfg.tos === "inherit" ? 0 : cfg.tos;
  if (cfg.tos === "inherit" && ip) {
    ctx.wc[M.nwTos.word] = ((ctx.wc[M.nwTos.word] ?? 0) | (IP_DSCP_MASK << M.nwTos.shift)) >>> 0;
    tos = nwTos & IP_DSCP_MASK;
  }
  if (ip) {
    ctx.wc[M.nwTos.word] = ((ctx.wc[M.nwTos.word] ?? 0) | (IP_ECN_MASK << M.nwTos.shift)) >>> 0;
    tos |= (nwTos & IP_ECN_MASK) === IP_ECN_MASK ? IP_ECN_ECT_0 : nwTos & IP_ECN_MASK;
  }
  writeSmall(flow, XM.tunTtl, ttl & 0xff);
  writeSmall(flow, XM.tunTos, tos & 0xff);
  const keyPresent = cfg.outKey === "flow" || cfg.outKeyPresent;
  const flags =
    (readSmall(flow, M.tunFlags) & TNL_F.OAM) |
    (cfg.dfDefault !== false ? TNL_F.DF : 0) |
    (cfg.csum === true ? TNL_F.CSUM : 0) |
    (keyPresent ? TNL_F.KEY : 0);
  writeSmall(flow, M.tunFlags, flags);
  // Every tunnel port writes its ERSPAN options (0 for the other types) unless "flow".
  const e = cfg.erspan;
  const erspanOption = (v: number | "flow" | undefined, m: FlowMember): void => {
    if (v !== "flow") writeMember(flow, m, BigInt(v ?? 0));
  };
  erspanOption(e?.ver, M.tunErspanVer);
  erspanOption(e?.idx, M.tunErspanIdx);
  erspanOption(e?.dir, M.tunErspanDir);
  erspanOption(e?.hwid, M.tunErspanHwid);
  if (cfg.egressPktMark !== null) {
    writeSmall(flow, M.pktMark, cfg.egressPktMark);
    maskMember(ctx.wc, M.pktMark);
  }
}

/**
 * The tunnel key the flow's tunnel fields (after tnl_port_send) stand for; `erspan`: the
 * port is an ERSPAN one (tun_key_to_attr puts ERSPAN metadata only for those); `geneve`:
 * the options a Geneve port sends (geneveOptionsOfFlow).
 */
export function tunnelKeyOfFlow(flow: Uint32Array, erspan = false, geneve: readonly GeneveOption[] = []): TunnelKey {
  return tunnelKey({
    geneve,
    tunId: readMember(flow, M.tunId),
    ipv4Src: readSmall(flow, M.tunSrc),
    ipv4Dst: readSmall(flow, M.tunDst),
    ipv6Src: readSmall(flow, M.tunSrc) === 0 ? readMember(flow, M.tunIpv6Src) : 0n,
    ipv6Dst: readSmall(flow, M.tunDst) === 0 ? readMember(flow, M.tunIpv6Dst) : 0n,
    tos: readSmall(flow, XM.tunTos),
    ttl: readSmall(flow, XM.tunTtl),
    tpSrc: readSmall(flow, XM.tunTpSrc),
    tpDst: readSmall(flow, XM.tunTpDst),
    flags: readSmall(flow, M.tunFlags) & (TNL_F.OAM | TNL_F.DF | TNL_F.CSUM | TNL_F.KEY),
    erspanVer: erspan ? readSmall(flow, M.tunErspanVer) : 0,
    erspanIdx: readSmall(flow, M.tunErspanIdx),
    erspanDir: readSmall(flow, M.tunErspanDir),
    erspanHwid: readSmall(flow, M.tunErspanHwid),
  });
}
