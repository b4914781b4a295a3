/**
 * What a kernel tunnel device (the vport behind `vxlan_sys_4789`, `gre_sys`,
 * `genev_sys_6081`) does with a packet the datapath outputs to it with its
 * tunnel key: the outer headers the key asks for, built by the same code as
 * the userspace datapath's `tnl_push` (odp-execute.ts `tnlPush` over an
 * `OdpTnlPushAction`), and the checksums the key's csum flag asks for (tnlPush fills them in, as OVS's push does).
 *
 * From the key: VXLAN / Geneve VNI = the low 24 bits of tun_id, GRE key = its
 * low 32 bits when the key flag is set; outer IPv4 source and destination,
 * TOS, TTL (0: 64, the kernel's default), DF when the df flag is set; UDP
 * destination port = tp_dst (0: the vport's port), source port = tp_src or a
 * hash of the inner headers (what OVS and Linux do, not the same hash).
 * The Ethernet addresses are the caller's (its route and neighbour).
 *
 * `vportKind` reads a vport's type and UDP port from its name, as netdev-vport
 * names them. Not modelled: IPv6 outer headers, Geneve options, GRE
 * sequence numbers, ERSPAN, GTP-U.
 */
import type { OdpTnlPushAction, TnlEncapHeader } from "../actions/xlate/odp-tnl-push.js";
import type { TunnelKey } from "../actions/xlate/odp-tunnel.js";
import { TNL_F } from "../actions/xlate/odp-tunnel.js";
import { ETH_TYPE, IPPROTO } from "../flowtable/protocols.js";
import { tnlPush } from "./odp-execute.js";
import type { Packet } from "./packet/packet.js";

/** A tunnel vport: its tunnel type and UDP port (0 for GRE). */
export interface VportKind {
  readonly type: "vxlan" | "gre" | "geneve";
  readonly udpPort: number;
}

const DEFAULT_TTL = 64;
const GRE_CSUM = 0x8000;
const GRE_KEY = 0x2000;
const VXLAN_FLAGS_VNI = 0x08000000;

/** The vport named `name` (`vxlan_sys_4789`, `genev_sys_6081`, `gre_sys`), or null for any other name. */
export function vportKind(name: string): VportKind | null {
  const m = /^(vxlan|genev)_sys_(\d+)$/.exec(name);
  if (m !== null) return { type: m[1] === "vxlan" ? "vxlan" : "geneve", udpPort: Number(m[2]) & 0xffff };
  return name === "gre_sys" ? { type: "gre", udpPort: 0 } : null;
}

/** The outer Ethernet addresses of an encapsulated packet (48-bit numbers). */
export interface OuterEthernet {
  readonly src: number;
  readonly dst: number;
}

function encapHeader(kind: VportKind, k: TunnelKey): TnlEncapHeader {
  const vni = Number(k.tunId & 0xffffffn);
  const csum = (k.flags & TNL_F.CSUM) !== 0;
  // A checksum field of 0xffff asks tnlPush for the real checksum (netdev_tnl_push_udp_header).
  const udp = { src: k.tpSrc, dst: k.tpDst !== 0 ? k.tpDst : kind.udpPort, csum: csum ? 0xffff : 0 };
  switch (kind.type) {
    case "vxlan":
      return { type: "vxlan", udp, flags: VXLAN_FLAGS_VNI, vni };
    case "geneve":
      return { type: "geneve", udp, oam: (k.flags & TNL_F.OAM) !== 0, critical: false, vni };
    case "gre": {
      const key = (k.flags & TNL_F.KEY) !== 0;
      return {
        type: "gre",
        flags: (csum ? GRE_CSUM : 0) | (key ? GRE_KEY : 0),
        proto: ETH_TYPE.TEB,
        csum: csum ? 0 : null,
        key: key ? Number(k.tunId & 0xffffffffn) >>> 0 : null,
        seq: null,
      };
    }
  }
}

/** The tnl_push header a kernel tunnel device puts on a packet with key `k` from `src` (null: an IPv6 key, not modelled). */
export function kernelTunnelHeader(kind: VportKind, k: TunnelKey, eth: OuterEthernet, src: number): OdpTnlPushAction | null {
  if (k.ipv4Dst === 0) return null;
  return {
    type: "tnl_push",
    tnlPort: 0,
    eth: { dst: eth.dst, src: eth.src, ethType: ETH_TYPE.IP },
    ip: {
      version: 4,
      src,
      dst: k.ipv4Dst,
      proto: kind.type === "gre" ? IPPROTO.GRE : IPPROTO.UDP,
      tos: k.tos,
      ttl: k.ttl !== 0 ? k.ttl : DEFAULT_TTL,
      fragOff: (k.flags & TNL_F.DF) !== 0 ? 0x4000 : 0,
    },
    encap: encapHeader(kind, k),
    outPort: 0,
  };
}

/**
 * Encapsulates `inner` (an Ethernet frame) as vport `kind` does for key `k`, from IPv4
 * address `src` (the key's source, else the route's), between `eth`'s addresses; null for
 * an IPv6 key. With the csum flag the UDP (or GRE) checksum is filled in.
 */
export function encapsulate(inner: Packet, kind: VportKind, k: TunnelKey, eth: OuterEthernet, src: number): Packet | null {
  const header = kernelTunnelHeader(kind, k, eth, src);
  if (header === null) return null;
  return tnlPush(inner, header);
}
