/**
 * Rewriting a packet's headers for NAT (OVS's nat_packet, nat_packet_ipv4/6,
 * pat_packet and nat_inner_packet in lib/conntrack.c, with lib/packets.c's
 * packet_set_ipv4_addr / packet_set_ipv6_addr / packet_set_tcp_port /
 * packet_set_udp_port).
 *
 * A packet of a NATted connection is rewritten to the tuple of the other
 * direction: in the original direction to the reverse key (reversed), a
 * reply to the forward key (reversed), with the NAT kind flipped for
 * replies (an SNAT connection's replies get their destination rewritten).
 *
 * Checksums are updated incrementally as OVS does (RFC 1624): the IPv4
 * header checksum, the TCP checksum and a non-zero UDP checksum (a result of
 * 0 becomes 0xffff) for address and port changes; the ICMPv6 checksum for
 * IPv6 address changes. An ICMP error related to a NATted connection gets
 * its outer address rewritten and the header it quotes un-NATted (the
 * quoted addresses and ports, the quoted IPv4 header checksum, the quoted
 * L4 checksum when enough of it is quoted), and then its ICMP checksum
 * recomputed over the whole message.
 *
 * The caller owns the bytes (odp-execute copies shared packets first).
 */
import { l4Size, recalcCsum32, setIpv4Addr as setIpv4AddrCsum, setPort, TCP_HEADER_LEN, UDP_HEADER_LEN } from "../packet/packet-set.js";
import { get16, get32, put16, put32 } from "../packet/bytes.js";
import { csum, csumContinue, csumFinish, pseudoHeaderV6 } from "../packet/csum.js";
import type { Packet } from "../packet/packet.js";
import { CS, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, NAT_ACTION } from "./ct-consts.js";
import type { Conn } from "./conn.js";
import type { ConnKey } from "./conn-key.js";



/** OVS's nat_action_reverse: SRC <-> DST (the port bits stay). */
export function natActionReverse(a: number): number {
  if ((a & NAT_ACTION.SRC) !== 0) return (a ^ NAT_ACTION.SRC) | NAT_ACTION.DST;
  if ((a & NAT_ACTION.DST) !== 0) return (a ^ NAT_ACTION.DST) | NAT_ACTION.SRC;
  return a;
}



/** packet_set_ipv4_addr, and the packet's connection is forgotten (pkt_metadata_init_conn). */
function setIpv4Addr(p: Packet, at: number, n: number): void {
  setIpv4AddrCsum(p, at, n);
  p.ctConn = null;
}

/** packet_set_ipv6_addr (with packet_update_csum128): the address at `at` becomes words `base..base+3` of `k`. */
function setIpv6Addr(p: Packet, proto: number, at: number, k: ConnKey, base: number): void {
  const b = p.bytes;
  const l4 = p.l4Ofs;
  const size = l4Size(p);
  let cs = -1;
  if (proto === IPPROTO_TCP && size >= TCP_HEADER_LEN) cs = l4 + 16;
  else if (proto === IPPROTO_UDP && size >= UDP_HEADER_LEN && get16(b, l4 + 6) !== 0) cs = l4 + 6;
  else if (proto === IPPROTO_ICMPV6 && size >= 4) cs = l4 + 2;
  for (let i = 0; i < 4; i++) {
    const o = get32(b, at + 4 * i);
    const n = k.w[base + i]!;
    if (cs >= 0) put16(b, cs, recalcCsum32(get16(b, cs), o, n));
    put32(b, at + 4 * i, n);
  }
  if (cs >= 0 && proto === IPPROTO_UDP && get16(b, cs) === 0) put16(b, cs, 0xffff);
  p.ctConn = null;
}


/** OVS's pat_packet: the ports of the packet become the key's destination and source ports. */
function patPacket(p: Packet, k: ConnKey, tail: number): void {
  const b = p.bytes;
  const l4 = p.l4Ofs;
  const src = k.dstPort;
  const dst = k.srcPort;
  if (k.proto === IPPROTO_TCP) {
    // packet_set_tcp_port writes the checksum at +16 (only when it is in the packet here).
    if (l4 + 18 <= tail) {
      setPort(b, l4, src, l4 + 16);
      setPort(b, l4 + 2, dst, l4 + 16);
    } else {
      put16(b, l4, src);
      put16(b, l4 + 2, dst);
    }
    p.ctConn = null;
  } else if (k.proto === IPPROTO_UDP) {
    if (get16(b, l4 + 6) !== 0) {
      setPort(b, l4, src, l4 + 6);
      setPort(b, l4 + 2, dst, l4 + 6);
      if (get16(b, l4 + 6) === 0) put16(b, l4 + 6, 0xffff);
    } else {
      put16(b, l4, src);
      put16(b, l4 + 2, dst);
    }
    p.ctConn = null;
  }
}

/** OVS's nat_packet_ipv4 / nat_packet_ipv6: the source (SNAT) or destination (DNAT) address from `k`. */
function natAddresses(p: Packet, k: ConnKey, natAction: number): void {
  const l3 = p.l3Ofs;
  if (k.isIpv4) {
    if ((natAction & NAT_ACTION.SRC) !== 0) setIpv4Addr(p, l3 + 12, k.dst(0));
    else if ((natAction & NAT_ACTION.DST) !== 0) setIpv4Addr(p, l3 + 16, k.src(0));
  } else if ((natAction & NAT_ACTION.SRC) !== 0) {
    setIpv6Addr(p, k.proto, l3 + 8, k, 5);
  } else if ((natAction & NAT_ACTION.DST) !== 0) {
    setIpv6Addr(p, k.proto, l3 + 24, k, 0);
  }
}

/** Scratch key for the quoted header of an ICMP error (module-level: no allocation per packet). */
let revScratch: ConnKey | null = null;

/** OVS's nat_inner_packet: un-NATs the header an ICMP error quotes, then recomputes the ICMP checksum. */
function natInnerPacket(p: Packet, key: ConnKey, natAction: number): void {
  const b = p.bytes;
  const tail = p.size - p.l2PadSize;
  const origL3 = p.l3Ofs;
  const origL4 = p.l4Ofs;
  const v4 = key.isIpv4;
  const innerL3 = origL4 + 8;
  let innerL4: number;
  if (v4) {
    innerL4 = innerL3 + (b[innerL3]! & 0x0f) * 4;
  } else {
    // The quoted IPv6 header's extension headers were checked by conn-key-extract.
    let proto = b[innerL3 + 6]!;
    let q = innerL3 + 40;
    while (proto === 0 || proto === 43 || proto === 60 || proto === 51) {
      const next = b[q]!;
      q += proto === 51 ? (b[q + 1]! + 2) * 4 : (b[q + 1]! + 1) * 8;
      proto = next;
    }
    innerL4 = q;
  }
  p.l3Ofs = innerL3;
  p.l4Ofs = innerL4;
  if (revScratch === null) revScratch = key.clone();
  const rev = revScratch;
  rev.copyFrom(key);
  rev.reverse();
  patPacket(p, rev, tail);
  natAddresses(p, rev, natAction);
  p.l3Ofs = origL3;
  p.l4Ofs = origL4;
  const icmpLen = tail - origL4;
  put16(b, origL4 + 2, 0);
  if (v4) {
    put16(b, origL4 + 2, csum(b, origL4, icmpLen));
  } else {
    put16(b, origL4 + 2, csumFinish(csumContinue(pseudoHeaderV6(b, origL3, IPPROTO_ICMPV6, icmpLen), b, origL4, icmpLen)));
  }
}

/**
 * OVS's nat_packet: rewrites `p` (a packet of `conn`, in the reply direction
 * if `reply`, an ICMP error quoting it if `related`) and sets its +snat or
 * +dnat state bit.
 */
export function natPacket(p: Packet, conn: Conn, reply: boolean, related: boolean): void {
  const key = reply ? conn.fwd.key : conn.rev.key;
  let natAction = reply ? natActionReverse(conn.natAction) : conn.natAction;
  if ((natAction & NAT_ACTION.SRC) !== 0) p.ctState |= CS.SRC_NAT;
  else if ((natAction & NAT_ACTION.DST) !== 0) p.ctState |= CS.DST_NAT;
  natAddresses(p, key, natAction);
  if ((natAction & (NAT_ACTION.SRC | NAT_ACTION.DST)) !== 0) {
    if (related) {
      natAction = natActionReverse(natAction);
      natInnerPacket(p, key, natAction);
    } else {
      patPacket(p, key, p.size - p.l2PadSize);
    }
  }
}
