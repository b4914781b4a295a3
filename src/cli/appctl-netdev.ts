/**
 * `ovs-appctl netdev-dummy/receive NETDEV FLOW [--len N]...`: a packet
 * arrives on a dummy port (lib/netdev-dummy.c), and the datapath hands it to
 * ofproto as an upcall: translation with side effects (MAC learning, learn
 * actions, flow counters and idle timers, packet-ins).
 *
 * - FLOW is a datapath flow key in OVS's ODP text
 *   (`in_port(1),eth(src=..,dst=..),eth_type(0x0800),ipv4(...)`), the only
 *   flow form OVS 3.1 accepts here (an OpenFlow-style `in_port=1,dl_src=..`
 *   is "syntax error at ..."). Its in_port is ignored: the packet arrives on
 *   NETDEV. OVS composes a packet from the flow (flow-compose.ts) and
 *   extracts its flow again, so only header fields survive.
 * - Every rule the packet hits is credited with one packet of the composed
 *   length; NETDEV's rx counters count it too.
 * - The datapath actions are executed on the composed packet's bytes
 *   (packet/compose.ts, padded with zeros to `--len`), as on a packet given
 *   in hex (dp-execute.ts): meters, tx counters of the ports it leaves by,
 *   recirculation. They are also recorded (`takeReceivedPackets`).
 *
 * The packet goes through its datapath (src/datapath/dpif-netdev.ts, wired
 * in appctl-dpif.ts): a megaflow hit counts in the megaflow and `dpif/show`'s
 * hit:, its rule counters, MAC refreshes and learn refreshes arrive when the
 * stats are pushed (revalidators: `revalidator/wait`, every `time/warp`
 * step, any change), as in OVS; a miss is an upcall (translation with side
 * effects, counters at once) that installs a megaflow. `--qid` is accepted
 * and ignored.
 */
import type { OdpAction } from "../actions/xlate/odp-actions.js";
import type { Bridge } from "../datapath/bridge.js";
import type { BridgePort } from "../datapath/bridge-port.js";
import { composedFlow, composedLength } from "../datapath/flow-compose.js";
import { DP_KEY_WORDS } from "../datapath/megaflow-cache.js";
import { parseOdpFlow } from "../datapath/odp-flow-parse.js";
import { W } from "../flowtable/flow-layout.js";
import { dpifOf, dpctlDumpFlows, dpifDumpFlows, revalidatorPurge, revalidatorWait } from "./appctl-dpif.js";
import { XLATE_FLOW_WORDS } from "../actions/xlate/odp-metadata.js";
import { extractFlow } from "../datapath/packet/extract.js";
import { Packet, packetFromHex } from "../datapath/packet/packet.js";
import { worldVlanLimit } from "./appctl-trace.js";
import type { CommandResult } from "./command-result.js";
import { output } from "./command-result.js";
import { serverError } from "./appctl-bridge.js";
import { executeDatapathActions } from "./dp-execute.js";
import { flowCompose } from "../datapath/packet/compose.js";
import type { World } from "./world.js";

/** A packet a dummy port received and the datapath actions it got (kept for tests to read). */
export interface ReceivedPacket {
  readonly bridge: string;
  /** The input port's datapath port number. */
  readonly odpInPort: number | null;
  /** The packet's flow (a translation flow, in_port = the OpenFlow port). */
  readonly flow: Uint32Array;
  readonly bytes: number;
  readonly odpActions: readonly OdpAction[];
}

/** Received packets kept per world for the datapath (oldest dropped first past this). */
export const MAX_RECEIVED_PACKETS = 4096;
/** OVS's ETH_TOTAL_MIN: the smallest `--len`. */
const ETH_TOTAL_MIN = 60;

const received = new WeakMap<World, ReceivedPacket[]>();

/** Packets received since the last call, oldest first (the datapath's input). */
export function takeReceivedPackets(world: World): ReceivedPacket[] {
  const list = received.get(world) ?? [];
  received.set(world, []);
  return list;
}

function findDummyPort(world: World, name: string): { bridge: Bridge; port: BridgePort } | undefined {
  for (const bridge of world.bridges.values()) {
    const port = bridge.portByName(name);
    if (port !== undefined && port.netdevType.startsWith("dummy")) return { bridge, port };
  }
  return undefined;
}

/** Datapath port numbers by port name, across the bridges of `bridge`'s datapath. */
function odpPortNames(world: World, bridge: Bridge): Map<string, number> {
  const dp = world.ofproto(bridge.name)?.datapath;
  const names = new Map<string, number>();
  for (const rt of world.vswitchd.runtimes()) {
    if (rt.datapath !== dp) continue;
    for (const live of rt.ports.values()) if (live.odpPort !== null) names.set(live.name, live.odpPort);
  }
  return names;
}

function receiveOne(world: World, bridge: Bridge, port: BridgePort, flowText: string, len: number): string | null {
  const parsed = parseOdpFlow(flowText, odpPortNames(world, bridge));
  if (!parsed.ok) return parsed.error;
  // With --len OVS composes the headers without the 64-byte payload, then pads to len.
  const composed = composedLength(parsed.flow, len !== 0 ? 0 : undefined);
  if (len !== 0 && composed > len) return "";
  const bytes = len !== 0 ? len : composed;
  const actions = deliver(world, bridge, port, composedFlow(parsed.flow, port.ofport), bytes);
  executeDatapathActions(world, bridge, composedPacket(parsed.flow, len), actions, false, 0, port.odpPort ?? 0);
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

/** The upcall of a packet with `flow` (in_port = the OpenFlow port) and `bytes` length. */
function deliver(world: World, bridge: Bridge, port: BridgePort, flow: Uint32Array, bytes: number): readonly OdpAction[] {
  port.stats.rxPackets++;
  port.stats.rxBytes += bytes;
  const dp = world.ofproto(bridge.name)?.datapath;
  if (dp === undefined || port.odpPort === null) return [];
  const key = new Uint32Array(DP_KEY_WORDS);
  key.set(flow.subarray(0, DP_KEY_WORDS));
  key[W.IN_PORT] = port.odpPort;
  const odpActions = dpifOf(world, dp).receive(key, bytes, world.now);
  const list = received.get(world) ?? [];
  list.push({ bridge: bridge.name, odpInPort: port.odpPort, flow, bytes, odpActions });
  if (list.length > MAX_RECEIVED_PACKETS) list.shift();
  received.set(world, list);
  return odpActions;
}

/** A packet's bytes arrive on `port`: flow extraction, the datapath (megaflow or upcall), its actions executed. */
function receiveBytes(world: World, bridge: Bridge, port: BridgePort, packet: Packet): void {
  const flow = new Uint32Array(XLATE_FLOW_WORDS);
  extractFlow(packet, port.ofport, flow, worldVlanLimit(world));
  const actions = deliver(world, bridge, port, flow, packet.size);
  executeDatapathActions(world, bridge, packet, actions, false, 0, port.odpPort ?? 0);
}

/**
 * What `netdev-dummy/receive NETDEV HEX` does with the packet, for callers
 * that hold it as bytes already (the Ryu corpus runner): false when NETDEV is
 * not a dummy port.
 */
export function receivePacket(world: World, netdev: string, packet: Packet): boolean {
  const found = findDummyPort(world, netdev);
  if (found === undefined) return false;
  receiveBytes(world, found.bridge, found.port, packet);
  return true;
}

/** `netdev-dummy/receive NETDEV [--qid N] PACKET|FLOW [--len N]...`. */
export function netdevDummyReceive(world: World, args: readonly string[]): CommandResult {
  const [name = "", ...rest] = args;
  const found = findDummyPort(world, name);
  if (found === undefined) return serverError("no such dummy netdev");
  let i = 0;
  if (rest.length > 2 && rest[0] === "--qid") i = 2;
  for (; i < rest.length; i++) {
    const arg = rest[i] ?? "";
    const hex = packetFromHex(arg);
    if (hex.ok) {
      receiveBytes(world, found.bridge, found.port, hex.packet);
      continue;
    }
    let len = 0;
    if (rest[i + 1] === "--len") {
      len = Number.parseInt(rest[i + 2] ?? "", 10);
      if (!Number.isFinite(len) || len < ETH_TOTAL_MIN) return serverError("too small packet len");
      i += 2;
    }
    const error = receiveOne(world, found.bridge, found.port, arg, len);
    if (error !== null) return serverError(error);
  }
  return output([]);
}

interface AppctlCommand {
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly run: (world: World, args: string[]) => CommandResult;
}

/** The commands of this file and appctl-dpif.ts for appctl.ts's table. */
export const NETDEV_COMMANDS: ReadonlyArray<readonly [string, AppctlCommand]> = [
  ["netdev-dummy/receive", { minArgs: 2, maxArgs: Number.MAX_SAFE_INTEGER, run: netdevDummyReceive }],
  ["revalidator/wait", { minArgs: 0, maxArgs: 0, run: (world) => revalidatorWait(world) }],
  ["revalidator/purge", { minArgs: 0, maxArgs: 0, run: (world) => revalidatorPurge(world) }],
  ["dpctl/dump-flows", { minArgs: 0, maxArgs: 4, run: (world, args) => dpctlDumpFlows(world, args) }],
  ["dpif/dump-flows", { minArgs: 1, maxArgs: 4, run: (world, args) => dpifDumpFlows(world, args) }],
];
