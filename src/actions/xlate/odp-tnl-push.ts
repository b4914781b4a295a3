/**
 * The datapath `tnl_push(...)` action of native tunnelling: the outer headers
 * (Ethernet, IPv4 or IPv6, then UDP+VXLAN, UDP+Geneve or GRE) that the
 * datapath prepends, as a structure, and OVS's text for it
 * (`format_odp_tnl_push_action` / `format_odp_tnl_push_header`):
 *
 *   tnl_push(tnl_port(4789),header(size=50,type=4,eth(dst=..,src=..,dl_type=0x0800),
 *     ipv4(src=..,dst=..,proto=17,tos=0,ttl=64,frag=0x4000),udp(src=0,dst=4789,csum=0x0),
 *     vxlan(flags=0x8000000,vni=0x64)),out_port(100))
 *
 * `size` (the header's byte length) and `type` (OVS_VPORT_TYPE_*) follow from
 * the structure. ERSPAN (netdev_erspan_build_header) is GRE with a sequence
 * number and the ERSPAN ethertype, then the ERSPAN header: version 1 (type II)
 * with its 20-bit index, version 2 (type III) with direction and hardware id:
 *
 *   ...ipv4(...,proto=47,...),erspan(ver=1,sid=0x7b,idx=0x3)
 *   ...ipv4(...,proto=47,...),erspan(ver=2,sid=0x237,dir=1,hwid=0x7)
 *
 * Geneve TLV options and GTP-U headers are not modelled yet.
 */
import { formatEthernet, formatIpv4, formatIpv6 } from "../../flowtable/field-values.js";

export interface TnlEthHeader {
  /** MACs as 48-bit numbers. */
  readonly dst: number;
  readonly src: number;
  readonly ethType: number;
}

export interface TnlIpv4Header {
  readonly version: 4;
  readonly src: number;
  readonly dst: number;
  readonly proto: number;
  readonly tos: number;
  readonly ttl: number;
  /** The IP header's flags + fragment offset field (0x4000 = DF). */
  readonly fragOff: number;
}

export interface TnlIpv6Header {
  readonly version: 6;
  readonly src: bigint;
  readonly dst: bigint;
  readonly label: number;
  readonly proto: number;
  readonly tclass: number;
  readonly hlimit: number;
}

export interface TnlUdpHeader {
  readonly src: number;
  readonly dst: number;
  readonly csum: number;
}

export interface TnlVxlanHeader {
  readonly type: "vxlan";
  readonly udp: TnlUdpHeader;
  /** The 32-bit VXLAN flags word (0x08000000: VNI valid). */
  readonly flags: number;
  readonly vni: number;
}

export interface TnlGeneveHeader {
  readonly type: "geneve";
  readonly udp: TnlUdpHeader;
  readonly oam: boolean;
  readonly critical: boolean;
  readonly vni: number;
}

export interface TnlGreHeader {
  readonly type: "gre";
  /** GRE flags word (0x2000 key present, 0x8000 checksum, 0x1000 sequence). */
  readonly flags: number;
  readonly proto: number;
  readonly csum: number | null;
  readonly key: number | null;
  readonly seq: number | null;
}

export interface TnlErspanHeader {
  readonly type: "erspan";
  /** ERSPAN version: 1 (type II) or 2 (type III). */
  readonly ver: 1 | 2;
  /** The 10-bit session id (the tunnel's tun_id). */
  readonly sid: number;
  /** Version 1: the 20-bit port index. */
  readonly idx: number;
  /** Version 2: the direction bit (0 ingress, 1 egress). */
  readonly dir: number;
  /** Version 2: the 6-bit hardware id. */
  readonly hwid: number;
}

export type TnlEncapHeader = TnlVxlanHeader | TnlGeneveHeader | TnlGreHeader | TnlErspanHeader;

export interface OdpTnlPushAction {
  readonly type: "tnl_push";
  /** Datapath port of the tunnel vport. */
  readonly tnlPort: number;
  readonly eth: TnlEthHeader;
  readonly ip: TnlIpv4Header | TnlIpv6Header;
  readonly encap: TnlEncapHeader;
  /** Datapath port the encapsulated packet leaves by. */
  readonly outPort: number;
}

/** OVS_VPORT_TYPE_* numbers printed as `type=`. */
const VPORT_TYPE = { gre: 3, vxlan: 4, geneve: 5, erspan: 107, ip6erspan: 108, ip6gre: 109 } as const;

const ETH_HEADER_LEN = 14;
const IPV4_HEADER_LEN = 20;
const IPV6_HEADER_LEN = 40;
const UDP_HEADER_LEN = 8;
const VXLAN_HEADER_LEN = 8;
const GENEVE_HEADER_LEN = 8;
const GRE_BASE_LEN = 4;
/** ERSPAN's GRE header (flags, protocol, sequence number: ERSPAN_GREHDR_LEN) and its own. */
const ERSPAN_GRE_LEN = 8;
const ERSPAN_BASE_LEN = 4;
const ERSPAN_V1_MDSIZE = 4;
const ERSPAN_V2_MDSIZE = 8;

function hex(n: number): string {
  return n.toString(16);
}

/** Length in bytes of the pushed header (OVS's `header_len`). */
export function tnlHeaderLength(a: OdpTnlPushAction): number {
  const l3 = a.ip.version === 4 ? IPV4_HEADER_LEN : IPV6_HEADER_LEN;
  let l4: number;
  switch (a.encap.type) {
    case "vxlan":
      l4 = UDP_HEADER_LEN + VXLAN_HEADER_LEN;
      break;
    case "geneve":
      l4 = UDP_HEADER_LEN + GENEVE_HEADER_LEN;
      break;
    case "gre": {
      const options = [a.encap.csum, a.encap.key, a.encap.seq].filter((o) => o !== null).length;
      l4 = GRE_BASE_LEN + 4 * options;
      break;
    }
    case "erspan":
      l4 = ERSPAN_GRE_LEN + ERSPAN_BASE_LEN + (a.encap.ver === 1 ? ERSPAN_V1_MDSIZE : ERSPAN_V2_MDSIZE);
      break;
  }
  return ETH_HEADER_LEN + l3 + l4;
}

function vportType(a: OdpTnlPushAction): number {
  if (a.encap.type === "gre") return a.ip.version === 6 ? VPORT_TYPE.ip6gre : VPORT_TYPE.gre;
  if (a.encap.type === "erspan") return a.ip.version === 6 ? VPORT_TYPE.ip6erspan : VPORT_TYPE.erspan;
  return VPORT_TYPE[a.encap.type];
}

function formatUdp(u: TnlUdpHeader): string {
  return `udp(src=${u.src},dst=${u.dst},csum=0x${hex(u.csum)}),`;
}

function formatEncap(e: TnlEncapHeader): string {
  switch (e.type) {
    case "vxlan":
      return `${formatUdp(e.udp)}vxlan(flags=0x${hex(e.flags)},vni=0x${hex(e.vni)})`;
    case "geneve":
      return `${formatUdp(e.udp)}geneve(${e.oam ? "oam," : ""}${e.critical ? "crit," : ""}vni=0x${hex(e.vni)})`;
    case "gre": {
      let s = `gre((flags=0x${hex(e.flags)},proto=0x${hex(e.proto)})`;
      if (e.csum !== null) s += `,csum=0x${hex(e.csum)}`;
      if (e.key !== null) s += `,key=0x${hex(e.key)}`;
      if (e.seq !== null) s += `,seq=0x${hex(e.seq)}`;
      return `${s})`;
    }
    case "erspan":
      return e.ver === 1
        ? `erspan(ver=1,sid=0x${hex(e.sid)},idx=0x${hex(e.idx)})`
        : `erspan(ver=2,sid=0x${hex(e.sid)},dir=${e.dir},hwid=0x${hex(e.hwid)})`;
  }
}

function formatIp(ip: TnlIpv4Header | TnlIpv6Header): string {
  if (ip.version === 4) {
    const tos = ip.tos === 0 ? "0" : `0x${hex(ip.tos)}`;
    return (
      `ipv4(src=${formatIpv4(BigInt(ip.src))},dst=${formatIpv4(BigInt(ip.dst))},proto=${ip.proto}` +
      `,tos=${tos},ttl=${ip.ttl},frag=0x${hex(ip.fragOff)}),`
    );
  }
  return (
    `ipv6(src=${formatIpv6(ip.src)},dst=${formatIpv6(ip.dst)},label=${ip.label},proto=${ip.proto}` +
    `,tclass=0x${hex(ip.tclass)},hlimit=${ip.hlimit}),`
  );
}

/** `tnl_push(tnl_port(P),header(...),out_port(Q))` exactly as OVS prints it. */
export function formatTnlPush(a: OdpTnlPushAction, names?: (port: number) => string | undefined): string {
  const eth = `eth(dst=${formatEthernet(BigInt(a.eth.dst))},src=${formatEthernet(BigInt(a.eth.src))},dl_type=0x${a.eth.ethType.toString(16).padStart(4, "0")}),`;
  const header = `header(size=${tnlHeaderLength(a)},type=${vportType(a)},${eth}${formatIp(a.ip)}${formatEncap(a.encap)})`;
  return `tnl_push(tnl_port(${names?.(a.tnlPort) ?? a.tnlPort}),${header},out_port(${names?.(a.outPort) ?? a.outPort}))`;
}
