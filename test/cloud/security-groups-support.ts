/**
 * What the security-group packet tests share: a cloud with
 * `firewall_driver: openvswitch` on one or two hosts (joined by an
 * underlay, VXLAN between them), ports plugged as the cloud's plug_ports
 * step plugs them, and real frames sent from the VMs' endpoints
 * (src/datapath/endpoint.ts: ARP and ICMP echo answered by the endpoint
 * itself; TCP and UDP built here and looked for among the frames the
 * other endpoint received).
 */
import { buildEthernet, buildIpv4, tcpSegment, udpDatagram } from "../../src/datapath/packet/build.js";
import { parseIpv4, parseMac } from "../../src/datapath/endpoint.js";
import type { Endpoint } from "../../src/datapath/endpoint.js";
import { createCloud } from "../../src/cloud/cloud.js";
import type { Cloud } from "../../src/cloud/cloud.js";

export const NET = "6c0ffee0-0000-4000-8000-0000000000aa";

/** TCP flags. */
export const SYN = 0x02;
export const ACK = 0x10;
export const RST = 0x04;

export interface PortDef {
  readonly id: string;
  readonly host?: string;
  readonly ip: string;
  readonly groups?: readonly string[];
  readonly portSecurity?: boolean;
  readonly pairs?: readonly { ip_address: string; mac_address?: string }[];
}

/** A rule in the cloud file's form. */
export type Rule = Record<string, unknown>;

/** MAC of port number `n` (its id's last two digits). */
export function macOf(id: string): string {
  return `fa:16:3e:00:00:${id.slice(-2)}`;
}

/** The network the ports are on: VXLAN (default), or a provider network on physnet1 (br-phys, the hosts' eth1). */
export type NetKind = "vxlan" | "vlan" | "flat";

/** The file of a cloud with `ports` on hv1 (and hv2) and the security groups `groups` (id -> rules). */
export function sgFile(groups: Readonly<Record<string, readonly Rule[]>>, ports: readonly PortDef[], kind: NetKind = "vxlan", egressDirect = false): Record<string, unknown> {
  const host = (name: string, ip: string) => ({
    name,
    agent: {
      local_ip: ip,
      tunnel_types: ["vxlan"],
      l2_population: true,
      arp_responder: false,
      firewall_driver: "openvswitch",
      explicitly_egress_direct: egressDirect,
      bridge_mappings: { physnet1: "br-phys" },
    },
    underlay: { physical_nics: { physnet1: "eth1" } },
  });
  const segment = kind === "vxlan" ? { segmentation_id: 1001 } : kind === "vlan" ? { segmentation_id: 301, physical_network: "physnet1" } : { physical_network: "physnet1" };
  return {
    hosts: [host("hv1", "192.0.2.1"), host("hv2", "192.0.2.2")],
    networks: [{ id: NET, name: "net", network_type: kind, ...segment, subnet: { id: "5b0b0b0b-0000-4000-8000-0000000000aa", cidr: "10.0.0.0/24" } }],
    security_groups: Object.fromEntries(Object.entries(groups).map(([id, rules]) => [id, { name: id, rules }])),
    ports: ports.map((p) => ({
      id: p.id,
      host: p.host ?? "hv1",
      network_id: NET,
      mac: macOf(p.id),
      fixed_ips: [p.ip],
      security_groups: p.groups ?? [],
      ...(p.portSecurity === false ? { port_security_enabled: false } : {}),
      ...(p.pairs !== undefined ? { allowed_address_pairs: p.pairs } : {}),
    })),
    steps: [{ op: "plug_ports", ports: ports.map((p) => p.id) }],
  };
}

/** The cloud of sgFile, its plug step run (every port ACTIVE). */
export function sgCloud(groups: Readonly<Record<string, readonly Rule[]>>, ports: readonly PortDef[], kind: NetKind = "vxlan", egressDirect = false): Cloud {
  const cloud = createCloud(sgFile(groups, ports, kind, egressDirect));
  const r = cloud.run();
  if (!r.ok) throw new Error(`plug failed: ${cloud.stderr.join("\n")}`);
  return cloud;
}

export function endpointOf(cloud: Cloud, port: string): Endpoint {
  const ep = cloud.findVm(port)?.endpoint ?? null;
  if (ep === null) throw new Error(`no endpoint on ${port}`);
  return ep;
}

/** `from` pings `toIp` once (ARP first): the echo replies received. */
export function ping(cloud: Cloud, from: string, toIp: string): number {
  return endpointOf(cloud, from).ping(parseIpv4(toIp)).received;
}

export interface L4 {
  readonly proto: "tcp" | "udp";
  readonly sport: number;
  readonly dport: number;
  /** TCP only. */
  readonly flags?: number;
  readonly seq?: number;
  readonly ack?: number;
  /** Source addresses other than the port's own (spoofing). */
  readonly srcIp?: string;
  readonly srcMac?: string;
  /** Destination MAC (default the destination port's). */
  readonly dstMac?: string;
}

/**
 * `from`'s VM sends one TCP or UDP frame to `to` (a port id: its MAC and
 * IP); the loop runs 50 virtual ms. True when `to`'s endpoint received a
 * frame with exactly these addresses and ports.
 */
export function send(cloud: Cloud, from: string, to: string, toIp: string, l4: L4): boolean {
  const src = endpointOf(cloud, from);
  const dst = endpointOf(cloud, to);
  const srcIp = l4.srcIp === undefined ? src.ip : parseIpv4(l4.srcIp);
  const srcMac = l4.srcMac === undefined ? src.mac : parseMac(l4.srcMac);
  const dstMac = l4.dstMac === undefined ? dst.mac : parseMac(l4.dstMac);
  const seg =
    l4.proto === "tcp"
      ? tcpSegment(l4.sport, l4.dport, l4.flags ?? SYN, { seq: l4.seq ?? 1000, ack: l4.ack ?? 0 })
      : udpDatagram(l4.sport, l4.dport, new Uint8Array([1, 2, 3, 4]));
  const ip = buildIpv4({ src: srcIp, dst: parseIpv4(toIp), proto: l4.proto === "tcp" ? 6 : 17 }, seg);
  return sendFrame(cloud, from, to, buildEthernet({ src: srcMac, dst: dstMac }, 0x0800, ip).data());
}

/**
 * A TCP handshake from `client` (at `clientIp`, port 41000) to `server` (at `serverIp`, port 22),
 * after a ping each way (ARP resolved): whether each of SYN, SYN|ACK and ACK was delivered.
 */
export function handshake(cloud: Cloud, client: string, clientIp: string, server: string, serverIp: string): [boolean, boolean, boolean] {
  ping(cloud, client, serverIp);
  ping(cloud, server, clientIp);
  const cli = { proto: "tcp", sport: 41000, dport: 22 } as const;
  const srv = { proto: "tcp", sport: 22, dport: 41000 } as const;
  return [
    send(cloud, client, server, serverIp, { ...cli, flags: SYN, seq: 1000 }),
    send(cloud, server, client, clientIp, { ...srv, flags: SYN | ACK, seq: 5000, ack: 1001 }),
    send(cloud, client, server, serverIp, { ...cli, flags: ACK, seq: 1001, ack: 5001 }),
  ];
}

/** `from`'s VM sends `frame` (Ethernet, IPv4); the loop runs 50 virtual ms. True when `to`'s endpoint received it (its IPv4 addresses, protocol and first L4 bytes). */
export function sendFrame(cloud: Cloud, from: string, to: string, frame: Uint8Array): boolean {
  const dst = endpointOf(cloud, to);
  const before = dst.received.length;
  endpointOf(cloud, from).send(frame);
  cloud.sim.run(cloud.sim.nowMs + 50);
  return dst.received.slice(before).some((f) => sameL4(f.bytes, frame));
}

/** The same IPv4 addresses, protocol and first four L4 bytes (ports; ICMP type, code, checksum): what a frame keeps across the network, MACs and TTL aside. */
function sameL4(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length < 38 || b.length < 38 || a[12] !== 0x08 || a[13] !== 0x00) return false;
  for (let i = 23; i < 38; i++) if (i !== 24 && i !== 25 && a[i] !== b[i]) return false;
  return true;
}

/** `ovs-appctl dpctl/dump-conntrack` on `host`'s switch, one line per connection. */
export function dumpConntrack(cloud: Cloud, host: string): string[] {
  const before = cloud.stdout.length;
  cloud.step({ index: -1, op: "run", host, commands: ["ovs-appctl dpctl/dump-conntrack"] });
  return cloud.stdout.slice(before).filter((l) => !l.startsWith("###"));
}
