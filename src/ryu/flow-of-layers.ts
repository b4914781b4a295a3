/**
 * The flow key OVS's flow_extract (lib/flow.c) reads from a packet, computed
 * from its Ryu description instead of its bytes: Ethernet, up to two VLAN
 * headers (802.1Q / 802.1ad, the TCI with OVS's "present" CFI bit), ARP,
 * IPv4 (fragment bits from flags/offset), IPv6 with its extension headers
 * (nw_proto is the last header's next-header), TCP (flags), UDP, SCTP, ICMP,
 * ICMPv6 with neighbour discovery, MPLS (the first label stack entry, then
 * nothing, as OVS). PBB stops parsing after the Ethertype (OVS has no PBB).
 *
 * This is the stand-in until src/datapath's packet module lands: then the
 * runner builds bytes from the description and extracts the flow from them.
 */
import { XM, xlateFlowOf } from "../actions/xlate/odp-metadata.js";
import { FLOW_WORDS, M, writeMember } from "../flowtable/flow-layout.js";
import type { Layer } from "./packet-desc.js";
import { num, sub } from "./packet-desc.js";

const VLAN_CFI = 0x1000n;
const FRAG_ANY = 1n;
const FRAG_LATER = 2n;
const IPV6_EXT = new Set(["hop_opts", "dst_opts", "routing", "auth", "fragment"]);

/** The translation flow (flow key + VLAN TPIDs) of a packet received on `inPort`. */
export function flowOfLayers(layers: readonly Layer[], inPort: number): Uint32Array {
  const key = xlateFlowOf(new Uint32Array(FLOW_WORDS));
  writeMember(key, M.inPort, BigInt(inPort));
  let i = 0;
  const eth = layers[i];
  if (eth?.cls !== "ethernet") return key;
  writeMember(key, M.dlDst, num(eth, "dst"));
  writeMember(key, M.dlSrc, num(eth, "src"));
  let type = num(eth, "ethertype");
  i++;
  let nVlans = 0;
  while ((type === 0x8100n || type === 0x88a8n) && nVlans < 2) {
    const v = layers[i];
    if (v === undefined || (v.cls !== "vlan" && v.cls !== "svlan")) break;
    const tci = (num(v, "pcp") << 13n) | VLAN_CFI | num(v, "vid");
    writeMember(key, nVlans === 0 ? M.vlanTci : M.vlanTci1, tci);
    writeMember(key, nVlans === 0 ? XM.vlanTpid : XM.vlanTpid1, type);
    type = num(v, "ethertype");
    nVlans++;
    i++;
  }
  writeMember(key, M.dlType, type < 0x600n ? 0x5ffn : type);
  const l3 = layers[i];
  if (l3 === undefined) return key;
  if (type === 0x8847n || type === 0x8848n) {
    // parse_mpls: the first label stack entry; nothing past the stack.
    if (l3.cls === "mpls") {
      const lse = (num(l3, "label") << 12n) | (num(l3, "exp") << 9n) | (num(l3, "bsb") << 8n) | num(l3, "ttl");
      writeMember(key, M.mplsLse, lse);
    }
    return key;
  }
  if ((type === 0x0806n || type === 0x8035n) && l3.cls === "arp") {
    if (num(l3, "hwtype") === 1n && num(l3, "proto") === 0x800n && num(l3, "hlen") === 6n && num(l3, "plen") === 4n) {
      const op = num(l3, "opcode");
      if (op <= 0xffn) writeMember(key, M.nwProto, op);
      writeMember(key, M.nwSrc, num(l3, "src_ip"));
      writeMember(key, M.nwDst, num(l3, "dst_ip"));
      writeMember(key, M.arpSha, num(l3, "src_mac"));
      writeMember(key, M.arpTha, num(l3, "dst_mac"));
    }
    return key;
  }
  let proto: bigint;
  let frag = 0n;
  if (type === 0x0800n && l3.cls === "ipv4") {
    writeMember(key, M.nwSrc, num(l3, "src"));
    writeMember(key, M.nwDst, num(l3, "dst"));
    proto = num(l3, "proto");
    writeMember(key, M.nwTos, num(l3, "tos"));
    writeMember(key, M.nwTtl, num(l3, "ttl"));
    const off = num(l3, "offset");
    if ((num(l3, "flags") & 1n) !== 0n || off !== 0n) frag |= FRAG_ANY;
    if (off !== 0n) frag |= FRAG_LATER;
  } else if (type === 0x86ddn && l3.cls === "ipv6") {
    writeMember(key, M.ipv6Src, num(l3, "src"));
    writeMember(key, M.ipv6Dst, num(l3, "dst"));
    writeMember(key, M.ipv6Label, num(l3, "flow_label") & 0xfffffn);
    writeMember(key, M.nwTos, num(l3, "traffic_class"));
    writeMember(key, M.nwTtl, num(l3, "hop_limit"));
    proto = num(l3, "nxt");
    const ext = l3.f.get("ext_hdrs");
    if (Array.isArray(ext)) {
      for (const h of ext as readonly Layer[]) {
        if (!IPV6_EXT.has(h.cls)) break;
        proto = num(h, "nxt");
      }
    }
  } else return key;
  writeMember(key, M.nwProto, proto);
  writeMember(key, M.nwFrag, frag);
  if ((frag & FRAG_LATER) !== 0n) return key;
  const l4 = layers[i + 1];
  if (l4 === undefined) return key;
  if ((proto === 6n && l4.cls === "tcp") || (proto === 17n && l4.cls === "udp") || (proto === 132n && l4.cls === "sctp")) {
    writeMember(key, M.tpSrc, num(l4, "src_port"));
    writeMember(key, M.tpDst, num(l4, "dst_port"));
    if (l4.cls === "tcp") writeMember(key, M.tcpFlags, num(l4, "bits") & 0xfffn);
  } else if ((proto === 1n && l4.cls === "icmp") || (proto === 58n && l4.cls === "icmpv6")) {
    const t = num(l4, "type_");
    const c = num(l4, "code");
    writeMember(key, M.tpSrc, t);
    writeMember(key, M.tpDst, c);
    const nd = sub(l4, "data");
    if (proto === 58n && c === 0n && (t === 135n || t === 136n) && nd?.cls === "nd_neighbor") {
      writeMember(key, M.ndTarget, num(nd, "dst"));
      const opt = sub(nd, "option");
      if (opt?.cls === "nd_option_sla" && t === 135n) writeMember(key, M.arpSha, num(opt, "hw_src"));
      if (opt?.cls === "nd_option_tla" && t === 136n) writeMember(key, M.arpTha, num(opt, "hw_src"));
    }
  }
  return key;
}
