/**
 * What a dummy netdev receives (lib/netdev-dummy.c, `ovs-appctl
 * netdev-dummy/receive NETDEV PACKET|FLOW [--len N]`): a packet given as
 * bytes, or as a datapath flow key in OVS's ODP text
 * (`in_port(1),eth(src=..,dst=..),eth_type(0x0800),ipv4(...)`, the only flow
 * form OVS 3.1 accepts here). From a flow, OVS composes a packet
 * (flow-compose.ts) and extracts its flow again, so only header fields
 * survive; the flow's in_port is ignored (the packet arrives on NETDEV); with
 * `--len` the headers are composed without the 64-byte payload and padded
 * with zeros to the length.
 *
 * Every rule the packet hits is credited with one packet of the composed
 * length; NETDEV's rx counters count it too; the datapath actions run on the
 * composed bytes (packet-io.ts).
 */
import { composedFlow, composedLength } from "../datapath/flow-compose.js";
import { parseOdpFlow } from "../datapath/odp-flow-parse.js";
import { flowCompose } from "../datapath/packet/compose.js";
import { Packet } from "../datapath/packet/packet.js";
import type { Bridge } from "../datapath/bridge.js";
import type { BridgePort } from "../datapath/bridge-port.js";
import type { Switch } from "./switch.js";

/** OVS's ETH_TOTAL_MIN: the smallest `--len`. */
export const ETH_TOTAL_MIN = 60;

/**
 * The largest `--len` ovsim composes. OVS takes any `int` (up to 2 GB, its
 * memory the only bound); ovsim refuses more than 1 MiB, far above any frame
 * (a 64 KB IP datagram, a 9 KB jumbo frame), so that one line cannot
 * allocate gigabytes.
 */
export const MAX_PACKET_LEN = 1 << 20;

/**
 * The dummy-netdev port named `name` (the ports netdev-dummy/receive can feed), with its bridge.
 * The sandbox runs `ovs-vswitchd --enable-dummy=system`, which backs `system` netdevs (an
 * interface added without a type) with netdev-dummy, so they are fed as dummy ones; `tap`,
 * tunnel and patch ports are not.
 */
export function findDummyPort(sw: Switch, name: string): { bridge: Bridge; port: BridgePort } | undefined {
  const found = sw.findPort(name);
  const type = found?.port.netdevType ?? "";
  return found !== undefined && (type.startsWith("dummy") || type === "system") ? found : undefined;
}

/** Datapath port numbers by port name, across the bridges of `bridge`'s datapath. */
function odpPortNames(sw: Switch, bridge: Bridge): Map<string, number> {
  const dp = sw.ofproto(bridge.name)?.datapath;
  const names = new Map<string, number>();
  for (const rt of sw.vswitchd.runtimes()) {
    if (rt.datapath !== dp) continue;
    for (const live of rt.ports.values()) if (live.odpPort !== null) names.set(live.name, live.odpPort);
  }
  return names;
}

/**
 * A packet composed from ODP flow text `flowText` arrives on `port`
 * (`len` 0: its natural length): null, or OVS's error text ("" when a
 * `--len` shorter than the headers makes OVS drop it silently).
 */
export function receiveOdpFlow(sw: Switch, bridge: Bridge, port: BridgePort, flowText: string, len: number): string | null {
  const parsed = parseOdpFlow(flowText, odpPortNames(sw, bridge));
  if (!parsed.ok) return parsed.error;
  const composed = composedLength(parsed.flow, len !== 0 ? 0 : undefined);
  if (len !== 0 && composed > len) return "";
  const bytes = len !== 0 ? len : composed;
  const packet = composedPacket(parsed.flow, len);
  const actions = sw.io.deliver(bridge, port, composedFlow(parsed.flow, port.ofport), bytes, packet);
  sw.io.execute(bridge, packet, actions, false, 0, port.odpPort ?? 0);
  return null;
}

/** The packet netdev-dummy builds from a flow: flow_compose, then with --len padded with zeros (packet_expand). */
function composedPacket(flow: Uint32Array, len: number): Packet {
  if (len === 0) return flowCompose(flow);
  const p = flowCompose(flow, 0);
  const padded = new Uint8Array(Math.max(len, p.size));
  padded.set(p.data());
  const out = new Packet(padded);
  out.l3Ofs = p.l3Ofs;
  out.l4Ofs = p.l4Ofs;
  out.l2_5Ofs = p.l2_5Ofs;
  return out;
}
