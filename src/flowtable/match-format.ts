/**
 * Prints a match as ovs-ofctl does (OVS's `match_format`): the same fields in
 * the same order with the same spelling. The order is not the registry's: it is
 * OVS's, and the name printed depends on context (`nw_src` vs `arp_spa`,
 * `tcp` vs `ip,nw_proto=6`, `dl_vlan` vs `vlan_tci`).
 */
import type { FlowMember } from "./flow-layout.js";
import { M } from "./flow-layout.js";
import {
  allOnes,
  formatEthernetMasked,
  formatFlags,
  formatFlagsMasked,
  formatIpv4Masked,
  formatIpv6Masked,
} from "./field-values.js";
import type { Match } from "./match.js";
import { CT_STATE_NAMES, TCP_FLAG_NAMES, TUN_FLAG_NAMES } from "./flag-names.js";
import type { PortNameMap } from "./ports.js";
import { formatPort } from "./ports.js";
import { ETH_TYPE, IPPROTO } from "./protocols.js";
import { formatTunMd } from "./tun-metadata-match.js";

/** OpenFlow's default flow priority: not printed. */
export const OFP_DEFAULT_PRIORITY = 0x8000;

/** C's `%#x`: `0x` prefix except for zero. */
const hex = (v: bigint): string => (v === 0n ? "0" : `0x${v.toString(16)}`);

class Out {
  readonly parts: string[] = [];
  put(name: string, value: string): void {
    this.parts.push(`${name}=${value}`);
  }
  word(w: string): void {
    this.parts.push(w);
  }
}

function memberOf(match: Match, m: FlowMember): { v: bigint; m: bigint } {
  return { v: match.memberValue(m), m: match.memberMask(m) };
}

/** `%#x` with an optional `/%#x` mask (OVS's format_uint32_masked / format_be64_masked). */
function putHexMasked(out: Out, name: string, v: bigint, m: bigint, bits: number): void {
  if (m === 0n) return;
  out.put(name, m === allOnes(bits) ? hex(v) : `${hex(v)}/${hex(m)}`);
}

/** Decimal when exact, `0x%x/0x%x` otherwise (format_be16_masked). */
function putBe16Masked(out: Out, name: string, v: bigint, m: bigint): void {
  if (m === 0n) return;
  out.put(name, m === 0xffffn ? v.toString() : `0x${v.toString(16)}/0x${m.toString(16)}`);
}

/** Decimal when exact, `0x%08x/0x%08x` otherwise (format_be32_masked). */
function putBe32Masked(out: Out, name: string, x: { v: bigint; m: bigint }): void {
  if (x.m === 0n) return;
  const hex8 = (n: bigint): string => `0x${n.toString(16).padStart(8, "0")}`;
  out.put(name, x.m === 0xffffffffn ? x.v.toString() : `${hex8(x.v)}/${hex8(x.m)}`);
}

function putIpv4(out: Out, name: string, member: FlowMember, match: Match): void {
  const x = memberOf(match, member);
  if (x.m !== 0n) out.put(name, formatIpv4Masked(x.v, x.m));
}

function putIpv6(out: Out, name: string, member: FlowMember, match: Match): void {
  const x = memberOf(match, member);
  if (x.m !== 0n) out.put(name, formatIpv6Masked(x.v, x.m));
}

function putEth(out: Out, name: string, member: FlowMember, match: Match): void {
  const x = memberOf(match, member);
  if (x.m !== 0n) out.put(name, formatEthernetMasked(x.v, x.m));
}

/** dl_vlan / dl_vlan_pcp when they say it all, else vlan_tci; `suffix` numbers inner headers. */
function formatVlanHeader(out: Out, tci: bigint, mask: bigint, suffix: string): void {
  const vidMask = mask & 0x0fffn;
  const pcpMask = mask & 0xe000n;
  const cfi = mask & 0x1000n;
  const hex4 = (v: bigint): string => `0x${v.toString(16).padStart(4, "0")}`;
  if (
    cfi !== 0n &&
    (tci & 0x1000n) !== 0n &&
    (vidMask === 0n || vidMask === 0x0fffn) &&
    (pcpMask === 0n || pcpMask === 0xe000n) &&
    (vidMask !== 0n || pcpMask !== 0n)
  ) {
    if (vidMask !== 0n) out.put(`dl_vlan${suffix}`, (tci & 0x0fffn).toString());
    if (pcpMask !== 0n) out.put(`dl_vlan_pcp${suffix}`, (tci >> 13n).toString());
  } else {
    out.put(`vlan_tci${suffix}`, mask === 0xffffn ? hex4(tci) : `${hex4(tci)}/${hex4(mask)}`);
  }
}

/** The VLAN headers, outermost first, stopping at the first unmatched one (as OVS). */
function formatVlan(out: Out, match: Match): void {
  const headers = [M.vlanTci, M.vlanTci1];
  for (let i = 0; i < headers.length; i++) {
    const x = memberOf(match, headers[i] as FlowMember);
    if (x.m === 0n) break;
    formatVlanHeader(out, x.v, x.m, i === 0 ? "" : String(i));
  }
}

function formatFrag(out: Out, match: Match): void {
  const { v, m } = memberOf(match, M.nwFrag);
  const ANY = 1n;
  const LATER = 2n;
  switch (m & 3n) {
    case 3n:
      out.put("nw_frag", (v & ANY) !== 0n ? ((v & LATER) !== 0n ? "later" : "first") : (v & LATER) !== 0n ? "<error>" : "no");
      break;
    case ANY:
      out.put("nw_frag", (v & ANY) !== 0n ? "yes" : "no");
      break;
    case LATER:
      out.put("nw_frag", (v & LATER) !== 0n ? "later" : "not_later");
      break;
  }
}

/**
 * How a printer sees a match's tun_metadata fields (tun-metadata-match.ts):
 * the parts to print, in order. The default prints the fields ovs-ofctl
 * parsed (`Match.tunMd`); a switch's matches need its TLV map to be read.
 */
export type TunMdView = (match: Match) => readonly string[];

const parsedTunMd: TunMdView = (match) => (match.tunMd.length === 0 ? [] : formatTunMd(match.tunMd));

/** Appends the tunnel fields (OVS's format_flow_tunnel). */
function formatTunnel(out: Out, match: Match, tunMd: TunMdView): void {
  const id = memberOf(match, M.tunId);
  putHexMasked(out, "tun_id", id.v, id.m, 64);
  putIpv4(out, "tun_src", M.tunSrc, match);
  putIpv4(out, "tun_dst", M.tunDst, match);
  putIpv6(out, "tun_ipv6_src", M.tunIpv6Src, match);
  putIpv6(out, "tun_ipv6_dst", M.tunIpv6Dst, match);
  const alt = (v: bigint): string => (v === 0n ? "0" : `0x${v.toString(16)}`);
  const gbpId = memberOf(match, M.tunGbpId);
  putBe16Masked(out, "tun_gbp_id", gbpId.v, gbpId.m);
  // The GBP flags and, below, the ERSPAN and GTP-U fields print their values alone (C's %#x: 0 is "0").
  const gbpFlags = memberOf(match, M.tunGbpFlags);
  if (gbpFlags.m !== 0n) out.put("tun_gbp_flags", alt(gbpFlags.v));
  // The ERSPAN fields, each only for its version.
  const ver = memberOf(match, M.tunErspanVer);
  if (ver.m !== 0n) out.put("tun_erspan_ver", String(ver.v));
  const idx = memberOf(match, M.tunErspanIdx);
  if (idx.m !== 0n && ver.v === 1n) out.put("tun_erspan_idx", alt(idx.v));
  const dir = memberOf(match, M.tunErspanDir);
  if (dir.m !== 0n && ver.v === 2n) out.put("tun_erspan_dir", String(dir.v));
  const hwid = memberOf(match, M.tunErspanHwid);
  if (hwid.m !== 0n && ver.v === 2n) out.put("tun_erspan_hwid", alt(hwid.v));
  // GTP-U's, under the names format_flow_tunnel gives them.
  const gtpuFlags = memberOf(match, M.tunGtpuFlags);
  if (gtpuFlags.m !== 0n) out.put("gtpu_flags", alt(gtpuFlags.v));
  const gtpuMsgtype = memberOf(match, M.tunGtpuMsgtype);
  if (gtpuMsgtype.m !== 0n) out.put("gtpu_msgtype", String(gtpuMsgtype.v));
  const flags = memberOf(match, M.tunFlags);
  const FLOW_TNL_F_MASK = 0xf;
  if ((Number(flags.m) & FLOW_TNL_F_MASK) !== 0) {
    out.put(
      "tun_flags",
      formatFlagsMasked(Number(flags.v) & FLOW_TNL_F_MASK, Number(flags.m) & FLOW_TNL_F_MASK, FLOW_TNL_F_MASK, TUN_FLAG_NAMES),
    );
  }
  for (const part of tunMd(match)) out.word(part);
}

/**
 * Formats `match` as ovs-ofctl prints it; `priority` is printed first unless it
 * is the default (32768). Returns "" for a catch-all match at default priority.
 */
export function formatMatch(match: Match, priority: number = OFP_DEFAULT_PRIORITY, names?: PortNameMap, tunMd: TunMdView = parsedTunMd): string {
  const out = new Out();
  if (priority !== OFP_DEFAULT_PRIORITY) out.put("priority", String(priority));

  const pktMark = memberOf(match, M.pktMark);
  putHexMasked(out, "pkt_mark", pktMark.v, pktMark.m, 32);
  const conj = memberOf(match, M.conjId);
  if (conj.m !== 0n) out.put("conj_id", conj.v.toString());
  const actset = memberOf(match, M.actsetOutput);
  if (actset.m !== 0n) out.put("actset_output", formatPort(Number(actset.v), names));

  const ct = memberOf(match, M.ctState);
  if (ct.m !== 0n) {
    out.put(
      "ct_state",
      ct.m === 0xffn
        ? ct.v === 0n
          ? "0"
          : formatFlags(Number(ct.v), CT_STATE_NAMES)
        : formatFlagsMasked(Number(ct.v), Number(ct.m), 0xff, CT_STATE_NAMES),
    );
  }
  const zone = memberOf(match, M.ctZone);
  if (zone.m !== 0n) out.put("ct_zone", zone.m === 0xffffn ? zone.v.toString() : `${hex(zone.v)}/${hex(zone.m)}`);
  const ctMark = memberOf(match, M.ctMark);
  putHexMasked(out, "ct_mark", ctMark.v, ctMark.m, 32);
  const ctLabel = memberOf(match, M.ctLabel);
  putHexMasked(out, "ct_label", ctLabel.v, ctLabel.m, 128);
  // The conntrack original direction tuple; its ports only with its protocol.
  putIpv4(out, "ct_nw_src", M.ctNwSrc, match);
  putIpv6(out, "ct_ipv6_src", M.ctIpv6Src, match);
  putIpv4(out, "ct_nw_dst", M.ctNwDst, match);
  putIpv6(out, "ct_ipv6_dst", M.ctIpv6Dst, match);
  const ctNwProto = memberOf(match, M.ctNwProto);
  if (ctNwProto.m !== 0n) {
    out.put("ct_nw_proto", ctNwProto.v.toString());
    const ctTpSrc = memberOf(match, M.ctTpSrc);
    putBe16Masked(out, "ct_tp_src", ctTpSrc.v, ctTpSrc.m);
    const ctTpDst = memberOf(match, M.ctTpDst);
    putBe16Masked(out, "ct_tp_dst", ctTpDst.v, ctTpDst.m);
  }

  const dlType = memberOf(match, M.dlType);
  const proto = memberOf(match, M.nwProto);
  let skipType = false;
  let skipProto = false;
  if (dlType.m !== 0n) {
    skipType = true;
    const t = Number(dlType.v);
    if (t === ETH_TYPE.IP || t === ETH_TYPE.IPV6) {
      const v6 = t === ETH_TYPE.IPV6;
      const base = v6 ? "ipv6" : "ip";
      let word = base;
      if (proto.m !== 0n) {
        skipProto = true;
        switch (Number(proto.v)) {
          case v6 ? IPPROTO.ICMPV6 : IPPROTO.ICMP:
            word = v6 ? "icmp6" : "icmp";
            break;
          case IPPROTO.TCP:
            word = v6 ? "tcp6" : "tcp";
            break;
          case IPPROTO.UDP:
            word = v6 ? "udp6" : "udp";
            break;
          case IPPROTO.SCTP:
            word = v6 ? "sctp6" : "sctp";
            break;
          default:
            skipProto = false;
        }
      }
      out.word(word);
    } else if (t === ETH_TYPE.ARP) {
      out.word("arp");
    } else if (t === ETH_TYPE.RARP) {
      out.word("rarp");
    } else if (t === ETH_TYPE.MPLS) {
      out.word("mpls");
    } else if (t === ETH_TYPE.MPLS_MCAST) {
      out.word("mplsm");
    } else {
      skipType = false;
    }
  }

  for (let i = 0; i < 16; i++) {
    const r = memberOf(match, M.regs[i] as FlowMember);
    putHexMasked(out, `reg${i}`, r.v, r.m, 32);
  }
  formatTunnel(out, match, tunMd);
  const md = memberOf(match, M.metadata);
  putHexMasked(out, "metadata", md.v, md.m, 64);
  const inPort = memberOf(match, M.inPort);
  if (inPort.m !== 0n) out.put("in_port", formatPort(Number(inPort.v), names));
  formatVlan(out, match);
  putEth(out, "dl_src", M.dlSrc, match);
  putEth(out, "dl_dst", M.dlDst, match);
  if (!skipType && dlType.m !== 0n) out.put("dl_type", `0x${dlType.v.toString(16).padStart(4, "0")}`);

  const t = Number(dlType.v);
  const isArp = t === ETH_TYPE.ARP || t === ETH_TYPE.RARP;
  if (t === ETH_TYPE.IPV6) {
    putIpv6(out, "ipv6_src", M.ipv6Src, match);
    putIpv6(out, "ipv6_dst", M.ipv6Dst, match);
    const label = memberOf(match, M.ipv6Label);
    if (label.m !== 0n) {
      const l = `0x${label.v.toString(16).padStart(5, "0")}`;
      out.put("ipv6_label", label.m === 0xffffffffn ? l : `${l}/0x${label.m.toString(16).padStart(5, "0")}`);
    }
  } else if (isArp) {
    putIpv4(out, "arp_spa", M.nwSrc, match);
    putIpv4(out, "arp_tpa", M.nwDst, match);
  } else {
    putIpv4(out, "nw_src", M.nwSrc, match);
    putIpv4(out, "nw_dst", M.nwDst, match);
  }
  if (!skipProto && proto.m !== 0n) out.put(isArp ? "arp_op" : "nw_proto", proto.v.toString());
  if (isArp) {
    putEth(out, "arp_sha", M.arpSha, match);
    putEth(out, "arp_tha", M.arpTha, match);
  }
  const tos = memberOf(match, M.nwTos);
  if ((tos.m & 0xfcn) !== 0n) out.put("nw_tos", (tos.v & 0xfcn).toString());
  if ((tos.m & 0x03n) !== 0n) out.put("nw_ecn", (tos.v & 0x03n).toString());
  const ttl = memberOf(match, M.nwTtl);
  if (ttl.m !== 0n) out.put("nw_ttl", ttl.v.toString());
  const lse = memberOf(match, M.mplsLse);
  if ((lse.m & 0xfffff000n) !== 0n) out.put("mpls_label", (lse.v >> 12n).toString());
  if ((lse.m & 0xe00n) !== 0n) out.put("mpls_tc", ((lse.v >> 9n) & 7n).toString());
  if ((lse.m & 0xffn) !== 0n) out.put("mpls_ttl", (lse.v & 0xffn).toString());
  if ((lse.m & 0x100n) !== 0n) out.put("mpls_bos", ((lse.v >> 8n) & 1n).toString());
  // The inner entries are no OpenFlow fields: flows and megaflows print them whole (format_be32_masked).
  putBe32Masked(out, "mpls_lse1", memberOf(match, M.mplsLse1));
  putBe32Masked(out, "mpls_lse2", memberOf(match, M.mplsLse2));
  formatFrag(out, match);

  const tpSrc = memberOf(match, M.tpSrc);
  const tpDst = memberOf(match, M.tpDst);
  const p = Number(proto.v);
  if (t === ETH_TYPE.IP && p === IPPROTO.ICMP) {
    putBe16Masked(out, "icmp_type", tpSrc.v, tpSrc.m);
    putBe16Masked(out, "icmp_code", tpDst.v, tpDst.m);
  } else if (t === ETH_TYPE.IPV6 && p === IPPROTO.ICMPV6) {
    putBe16Masked(out, "icmp_type", tpSrc.v, tpSrc.m);
    putBe16Masked(out, "icmp_code", tpDst.v, tpDst.m);
    putIpv6(out, "nd_target", M.ndTarget, match);
    putEth(out, "nd_sll", M.arpSha, match);
    putEth(out, "nd_tll", M.arpTha, match);
  } else {
    putBe16Masked(out, "tp_src", tpSrc.v, tpSrc.m);
    putBe16Masked(out, "tp_dst", tpDst.v, tpDst.m);
  }
  const tcpFlags = memberOf(match, M.tcpFlags);
  if ((t === ETH_TYPE.IP || t === ETH_TYPE.IPV6) && p === IPPROTO.TCP && tcpFlags.m !== 0n) {
    out.put("tcp_flags", formatFlagsMasked(Number(tcpFlags.v) & 0xfff, Number(tcpFlags.m) & 0xfff, 0xfff, TCP_FLAG_NAMES));
  }
  return out.parts.join(",");
}

