/**
 * A host's own IP stack: what the Linux kernel of a Neutron compute node does
 * around Open vSwitch's kernel datapath. The host's NICs (`eth0` carrying the
 * tunnel address, `local_ip`) are NOT ports of any bridge: the agent sees the
 * same ports, ofports and flows as without them.
 *
 * - NICs: a MAC, IPv4 addresses (each gives a connected route; the switch is
 *   told, `Switch.addHostAddress`, so `ovs/route/show` lists them as OVS reads
 *   them from the kernel), plugged into an underlay segment — or, for a
 *   bridge's internal port holding the host's address (`br-ex` on a netdev
 *   host), into that OVS port (`attachSink`: the host feeds what the stack
 *   sends into the switch, and gives it what the switch outputs there).
 * - Routes: the connected ones, plus any added (a default route through a
 *   gateway); longest prefix wins.
 * - Neighbours: ARP on the NICs. A request for one of the host's addresses is
 *   answered (and its sender learned, as Linux does); a reply is learned.
 *   Packets for a next hop not yet resolved wait (at most MAX_PENDING per next
 *   hop, as Linux's unresolved queue) while an ARP request goes out, again
 *   after ARP_RETRY_US.
 * - Tunnel devices (the vports `vxlan_sys_4789`, `gre_sys`, `genev_sys_6081`):
 *   a packet the datapath outputs to one with its tunnel key
 *   (`set(tunnel(...))`) is encapsulated (src/datapath/tunnel-encap.ts, the
 *   native path's tnl_push header code), routed by its outer destination and
 *   sent out of the route's NIC. A key with a source address that is not the
 *   host's, no route, or an IPv6 key: dropped (counted).
 * - Receive: a UDP datagram for one of the host's addresses whose destination
 *   port has a VXLAN / Geneve vport in the datapath, or a GRE packet with
 *   gre_sys there, is decapsulated and handed to the datapath on that vport
 *   with its tunnel key (tun_id, tun_src, tun_dst, tos, ttl, ports, key / csum
 *   flags: `Switch.receiveTunnel`); the datapath finds the tunnel port as OVS's
 *   tnl_port_receive. ICMP echo requests to the host's addresses are answered.
 *   Anything else is dropped (counted).
 *
 * Everything takes no virtual time but the segment's latency; every frame is
 * charged to the event loop's budget.
 */
import type { TunnelKey } from "../actions/xlate/odp-tunnel.js";
import type { EventLoop } from "../datapath/event-loop.js";
import { formatIpv4, parseIpv4, parseMac } from "../datapath/endpoint.js";
import { tnlDecap } from "../datapath/odp-tnl-pop.js";
import { get16, get32 } from "../datapath/packet/bytes.js";
import { buildArp, buildIcmpEcho } from "../datapath/packet/build.js";
import { Packet, parseHexBytes, toHex } from "../datapath/packet/packet.js";
import { PcapCapture } from "../datapath/pcap.js";
import { encapsulate, vportKind } from "../datapath/tunnel-encap.js";
import type { UnderlaySegment } from "../datapath/underlay.js";
import { ETH_TYPE, IPPROTO } from "../flowtable/protocols.js";
import type { Switch } from "../vswitchd/switch.js";

/** Packets kept per unresolved next hop (Linux's unres_qlen is per bytes; a few frames here). */
export const MAX_PENDING = 16;
/** Time between ARP requests for a next hop that does not answer (Linux's retrans_time, 1 s). */
export const ARP_RETRY_US = 1_000_000;

const BROADCAST = 0xffffffffffff;

/** What the stack needs of its host. */
export interface IpStackHost {
  readonly name: string;
  readonly loop: EventLoop;
  readonly switch: Switch;
}

/** A NIC of the host (outside OVS). */
export interface NicOptions {
  /**
   * Its MAC, `aa:bb:cc:dd:ee:ff`; default `52:54:00` and the low three bytes of its first
   * IPv4 address (else of its position among the host's NICs).
   */
  readonly mac?: string;
  /** Its IPv4 addresses, `172.31.0.1/24`. */
  readonly addresses?: readonly string[];
}

interface Nic {
  readonly name: string;
  readonly mac: number;
  readonly addresses: Array<{ readonly ip: number; readonly plen: number }>;
  /** Where the NIC's frames go: its segment, or an OVS port. */
  sink: ((frame: Uint8Array) => void) | null;
  /** The segment it is plugged into, and its handle there (null: none, or an OVS port). */
  segment: { readonly name: string; readonly handle: number } | null;
  capture: PcapCapture | null;
}

/** An IP stack's state as plain JSON data (src/sim/snapshot.ts): NICs without their sinks, routes, the ARP cache, what waits for it. */
export interface IpStackSnapshot {
  /** NICs in the order they were added; `mac` as a number, addresses as `a.b.c.d/len`. */
  readonly nics: readonly { readonly name: string; readonly mac: number; readonly addresses: readonly string[] }[];
  /** Longest prefix first, as kept. */
  readonly routes: readonly IpRoute[];
  /** IPv4 → MAC, in learning order. */
  readonly neighbours: readonly (readonly [number, number])[];
  /** Per unresolved next hop: the NIC, the frames waiting (hex), when it was last asked (µs). */
  readonly pending: readonly { readonly nextHop: number; readonly dev: string; readonly frames: readonly string[]; readonly askedUs: number }[];
  readonly stats: { readonly [K in keyof IpStackStats]: number };
}

interface IpRoute {
  readonly prefix: number;
  readonly plen: number;
  readonly dev: string;
  readonly gw: number;
}

/** What the stack did, for tests and dumps. */
export class IpStackStats {
  /** Packets the datapath sent to a tunnel vport that went out encapsulated. */
  encapsulated = 0;
  /** Tunnel packets received and handed to the datapath. */
  decapsulated = 0;
  /** Tunnel packets from the datapath with no route (or a foreign source, or an IPv6 key). */
  noRoute = 0;
  /** Packets for the host that no tunnel vport takes, or that are not tunnel packets. */
  dropped = 0;
  arpRequests = 0;
  arpReplies = 0;
}

function prefixMask(plen: number): number {
  return plen === 0 ? 0 : (0xffffffff << (32 - plen)) >>> 0;
}

function parseCidr(s: string): { ip: number; plen: number } {
  const slash = s.indexOf("/");
  const ip = parseIpv4(slash < 0 ? s : s.slice(0, slash));
  const plen = slash < 0 ? 32 : Number(s.slice(slash + 1));
  if (!Number.isInteger(plen) || plen < 0 || plen > 32) throw new Error(`bad prefix length: ${s}`);
  return { ip, plen };
}

function fromHex(s: string): Uint8Array {
  return parseHexBytes(s).bytes;
}

function macAt(b: Uint8Array, i: number): number {
  return get16(b, i) * 0x100000000 + get32(b, i + 2);
}

function putMac(b: Uint8Array, i: number, mac: number): void {
  const hi = Math.floor(mac / 0x100000000);
  b[i] = (hi >>> 8) & 0xff;
  b[i + 1] = hi & 0xff;
  b[i + 2] = (mac >>> 24) & 0xff;
  b[i + 3] = (mac >>> 16) & 0xff;
  b[i + 4] = (mac >>> 8) & 0xff;
  b[i + 5] = mac & 0xff;
}

export class IpStack {
  readonly stats = new IpStackStats();
  /** The ARP cache: IPv4 -> MAC. */
  readonly neighbours = new Map<number, number>();
  private readonly nics = new Map<string, Nic>();
  private readonly routes: IpRoute[] = [];
  /** Frames (without their Ethernet destination yet) waiting for a next hop's MAC, and when it was last asked. */
  private readonly pending = new Map<number, { dev: string; frames: Uint8Array[]; askedUs: number }>();

  constructor(private readonly host: IpStackHost) {}

  /** Adds NIC `name` with its MAC and addresses. */
  addNic(name: string, options: NicOptions): void {
    if (this.nics.has(name)) throw new Error(`${this.host.name}: NIC ${name} exists`);
    const first = options.addresses?.[0];
    const low = first !== undefined ? parseCidr(first).ip & 0xffffff : this.nics.size + 1;
    const mac = options.mac !== undefined ? parseMac(options.mac) : 0x525400000000 + low;
    this.nics.set(name, { name, mac, addresses: [], sink: null, segment: null, capture: null });
    for (const a of options.addresses ?? []) this.addAddress(name, a);
  }

  /** Adds address `cidr` to NIC `dev`: its connected route, and the switch hears of it. */
  addAddress(dev: string, cidr: string): void {
    const nic = this.nic(dev);
    const a = parseCidr(cidr);
    nic.addresses.push(a);
    this.addRouteEntry({ prefix: (a.ip & prefixMask(a.plen)) >>> 0, plen: a.plen, dev, gw: 0 });
    this.host.switch.addHostAddress(dev, `${formatIpv4(a.ip)}/${a.plen}`);
  }

  /** Adds route `cidr` (`0.0.0.0/0`) out of `dev`, through `gateway` if given; the switch hears of it. */
  addRoute(cidr: string, dev: string, gateway?: string): void {
    this.nic(dev);
    const a = parseCidr(cidr);
    const gw = gateway === undefined ? 0 : parseIpv4(gateway);
    this.addRouteEntry({ prefix: (a.ip & prefixMask(a.plen)) >>> 0, plen: a.plen, dev, gw });
    this.host.switch.addHostRoute(`${formatIpv4(a.ip)}/${a.plen}`, dev, gateway);
  }

  /** Plugs NIC `dev` into `segment`. */
  attach(dev: string, segment: UnderlaySegment): void {
    const nic = this.nic(dev);
    const handle = segment.attach({ name: `${this.host.name}:${dev}`, deliver: (bytes) => this.receive(dev, bytes) });
    nic.sink = (frame) => segment.send(handle, frame);
    nic.segment = { name: segment.name, handle };
  }

  /** The NICs plugged into a segment, with their handles there. */
  segmentMemberships(): { readonly dev: string; readonly segment: string; readonly handle: number }[] {
    const out: { dev: string; segment: string; handle: number }[] = [];
    for (const nic of this.nics.values()) if (nic.segment !== null) out.push({ dev: nic.name, segment: nic.segment.name, handle: nic.segment.handle });
    return out;
  }

  /** The stack's state (see IpStackSnapshot); NICs with a capture running cannot be saved (a PcapCapture is not data): listed in `captured`. */
  saveState(): IpStackSnapshot {
    return {
      nics: [...this.nics.values()].map((n) => ({ name: n.name, mac: n.mac, addresses: n.addresses.map((a) => `${formatIpv4(a.ip)}/${a.plen}`) })),
      routes: this.routes.map((r) => ({ ...r })),
      neighbours: [...this.neighbours],
      pending: [...this.pending].map(([nextHop, p]) => ({ nextHop, dev: p.dev, frames: p.frames.map(toHex), askedUs: p.askedUs })),
      stats: { ...this.stats },
    };
  }

  /** NICs with a capture running. */
  capturedNics(): string[] {
    return [...this.nics.values()].filter((n) => n.capture !== null).map((n) => n.name);
  }

  /**
   * Puts back what `saveState` saved, in a new stack whose switch is restored too (it already
   * knows the addresses and routes: it is not told again). The NICs come unplugged: plug them
   * with `attach` / `attachSink` as before.
   */
  loadState(s: IpStackSnapshot): void {
    if (this.nics.size > 0) throw new Error(`${this.host.name}: the IP stack is not new`);
    for (const n of s.nics) this.nics.set(n.name, { name: n.name, mac: n.mac, addresses: n.addresses.map(parseCidr), sink: null, segment: null, capture: null });
    this.routes.push(...s.routes.map((r) => ({ ...r })));
    for (const [ip, mac] of s.neighbours) this.neighbours.set(ip, mac);
    for (const p of s.pending) this.pending.set(p.nextHop, { dev: p.dev, frames: p.frames.map(fromHex), askedUs: p.askedUs });
    Object.assign(this.stats, s.stats);
  }

  /** Sends what NIC `dev` transmits to `send` (an OVS internal port); what arrives comes in by `receive(dev, ...)`. */
  attachSink(dev: string, send: (frame: Uint8Array) => void): void {
    this.nic(dev).sink = send;
  }

  /** Captures every frame in and out of NIC `dev`. */
  capture(dev: string): PcapCapture {
    const nic = this.nic(dev);
    nic.capture ??= new PcapCapture(`${this.host.name}:${dev}`);
    return nic.capture;
  }

  /** Whether `ip` is one of the host's addresses. */
  isLocal(ip: number): boolean {
    for (const nic of this.nics.values()) if (nic.addresses.some((a) => a.ip === ip)) return true;
    return false;
  }

  /** The NIC names. */
  nicNames(): string[] {
    return [...this.nics.keys()];
  }

  /**
   * The datapath outputs `bytes` to tunnel vport `vport` with tunnel key `tunnel`: the
   * vport's device encapsulates, the stack routes and sends (see the file comment).
   */
  sendTunnel(vport: string, bytes: Uint8Array, tunnel: TunnelKey | null): void {
    const kind = vportKind(vport);
    if (kind === null || tunnel === null || tunnel.ipv4Dst === 0) {
      this.stats.noRoute++;
      return;
    }
    const route = this.route(tunnel.ipv4Dst);
    if (route === null || (tunnel.ipv4Src !== 0 && !this.isLocal(tunnel.ipv4Src))) {
      this.stats.noRoute++;
      return;
    }
    const nic = this.nic(route.dev);
    const src = tunnel.ipv4Src !== 0 ? tunnel.ipv4Src : this.sourceFor(nic, tunnel.ipv4Dst);
    // The destination MAC is filled in when the next hop is resolved.
    const out = encapsulate(new Packet(bytes.slice()), kind, tunnel, { src: nic.mac, dst: 0 }, src);
    if (out === null) {
      this.stats.noRoute++;
      return;
    }
    this.stats.encapsulated++;
    this.output(nic, route.gw !== 0 ? route.gw : tunnel.ipv4Dst, out.data());
  }

  /** A frame arrives on NIC `dev` from its segment. */
  receive(dev: string, bytes: Uint8Array): void {
    const nic = this.nic(dev);
    this.host.loop.charge();
    nic.capture?.add(this.host.loop.nowUs, bytes);
    if (bytes.length < 14) return;
    const dst = macAt(bytes, 0);
    if (dst !== nic.mac && (bytes[0]! & 1) === 0) return; // not for this NIC (a flood on the segment)
    const type = get16(bytes, 12);
    if (type === ETH_TYPE.ARP) this.receiveArp(nic, bytes);
    else if (type === ETH_TYPE.IP && dst === nic.mac) this.receiveIpv4(nic, bytes);
  }

  // ---- routing and neighbours

  private nic(dev: string): Nic {
    const n = this.nics.get(dev);
    if (n === undefined) throw new Error(`${this.host.name}: no NIC ${dev}`);
    return n;
  }

  private addRouteEntry(r: IpRoute): void {
    const i = this.routes.findIndex((x) => x.prefix === r.prefix && x.plen === r.plen);
    if (i >= 0) this.routes.splice(i, 1);
    this.routes.push(r);
    this.routes.sort((a, b) => b.plen - a.plen);
  }

  /** The longest-prefix route to `dst`, or null. */
  private route(dst: number): IpRoute | null {
    for (const r of this.routes) if (((dst & prefixMask(r.plen)) >>> 0) === r.prefix) return r;
    return null;
  }

  /** The NIC's address in `dst`'s subnet, else its first (Linux's preferred source). */
  private sourceFor(nic: Nic, dst: number): number {
    for (const a of nic.addresses) if (((a.ip ^ dst) & prefixMask(a.plen)) === 0) return a.ip;
    return nic.addresses[0]?.ip ?? 0;
  }

  /** Sends `frame` (its destination MAC still to fill) to next hop `nextHop` out of `nic`, resolving it first if needed. */
  private output(nic: Nic, nextHop: number, frame: Uint8Array): void {
    const mac = this.neighbours.get(nextHop);
    if (mac !== undefined) {
      putMac(frame, 0, mac);
      this.transmit(nic, frame);
      return;
    }
    let p = this.pending.get(nextHop);
    const now = this.host.loop.nowUs;
    if (p === undefined) {
      p = { dev: nic.name, frames: [], askedUs: -ARP_RETRY_US };
      this.pending.set(nextHop, p);
    }
    if (p.frames.length < MAX_PENDING) p.frames.push(frame);
    else this.stats.noRoute++;
    if (now - p.askedUs >= ARP_RETRY_US) {
      p.askedUs = now;
      this.stats.arpRequests++;
      this.transmit(nic, buildArp({ src: nic.mac, dst: BROADCAST }, 1, this.sourceFor(nic, nextHop), nextHop).data());
    }
  }

  /** Learns `ip` at `mac` and sends what waited for it. */
  private learn(ip: number, mac: number): void {
    this.neighbours.set(ip, mac);
    const p = this.pending.get(ip);
    if (p === undefined) return;
    this.pending.delete(ip);
    const nic = this.nic(p.dev);
    for (const f of p.frames) {
      putMac(f, 0, mac);
      this.transmit(nic, f);
    }
  }

  private transmit(nic: Nic, frame: Uint8Array): void {
    nic.capture?.add(this.host.loop.nowUs, frame);
    if (nic.sink === null) return;
    nic.sink(frame);
  }

  // ---- receive

  private receiveArp(nic: Nic, b: Uint8Array): void {
    if (b.length < 42 || get16(b, 14) !== 1 || get16(b, 16) !== ETH_TYPE.IP) return;
    const op = get16(b, 20);
    const sha = macAt(b, 22);
    const spa = get32(b, 28);
    const tpa = get32(b, 38);
    if (!nic.addresses.some((a) => a.ip === tpa)) return;
    if (op === 1) {
      this.stats.arpReplies++;
      this.learn(spa, sha);
      this.transmit(nic, buildArp({ src: nic.mac, dst: sha }, 2, tpa, spa, sha).data());
    } else if (op === 2) {
      this.learn(spa, sha);
    }
  }

  private receiveIpv4(nic: Nic, b: Uint8Array): void {
    if (b.length < 34) return;
    const ihl = ((b[14] ?? 0) & 0x0f) * 4;
    const l4 = 14 + ihl;
    const proto = b[23];
    const src = get32(b, 26);
    const dst = get32(b, 30);
    if (!this.isLocal(dst)) {
      this.stats.dropped++;
      return;
    }
    if (proto === IPPROTO.ICMP && b[l4] === 8) {
      this.echoReply(nic, b, l4, src, dst);
      return;
    }
    const vport = proto === IPPROTO.GRE ? (this.hasVport("gre_sys") ? "gre_sys" : null) : proto === IPPROTO.UDP && b.length >= l4 + 8 ? this.udpVport(get16(b, l4 + 2)) : null;
    if (vport === null) {
      this.stats.dropped++;
      return;
    }
    const kind = vportKind(vport);
    const d = tnlDecap(new Packet(b.slice()), kind?.type === "geneve" ? kind.udpPort : -1);
    if (d === null) {
      this.stats.dropped++;
      return;
    }
    this.stats.decapsulated++;
    this.host.switch.receiveTunnel(vport, d.packet.data(), d.tunnel);
  }

  /** The vport of the host's datapaths that takes UDP port `port` (VXLAN or Geneve), or null; GRE's is `gre_sys`. */
  private udpVport(port: number): string | null {
    for (const name of [`vxlan_sys_${port}`, `genev_sys_${port}`]) {
      if (this.hasVport(name)) return name;
    }
    return null;
  }

  private hasVport(name: string): boolean {
    return this.host.switch.vswitchd.openDatapaths().some((dp) => dp.port(name) !== undefined);
  }

  private echoReply(nic: Nic, b: Uint8Array, l4: number, src: number, dst: number): void {
    const totLen = get16(b, 16);
    const data = b.slice(l4 + 8, 14 + totLen);
    const reply = buildIcmpEcho({
      src: nic.mac,
      dst: 0,
      srcIp: dst,
      dstIp: src,
      ident: get16(b, l4 + 4),
      seq: get16(b, l4 + 6),
      reply: true,
      payload: data,
    }).data();
    const route = this.route(src);
    if (route === null) return;
    this.output(this.nic(route.dev), route.gw !== 0 ? route.gw : src, reply);
  }
}
