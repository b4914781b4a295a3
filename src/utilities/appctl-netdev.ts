/**
 * `ovs-appctl netdev-dummy/receive NETDEV FLOW [--len N]...`: a packet
 * arrives on a dummy port (src/vswitchd/netdev-dummy.ts), and the datapath hands it to
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
 *   recirculation. They are also recorded (`Switch.io.takeReceived`).
 *
 * The packet goes through its datapath (src/datapath/dpif-netdev.ts, wired
 * in appctl-dpif.ts): a megaflow hit counts in the megaflow and `dpif/show`'s
 * hit:, its rule counters, MAC refreshes and learn refreshes arrive when the
 * stats are pushed (revalidators: `revalidator/wait`, every `time/warp`
 * step, any change), as in OVS; a miss is an upcall (translation with side
 * effects, counters at once) that installs a megaflow. `--qid` is accepted
 * and ignored.
 */
import type { BridgePort } from "../datapath/bridge-port.js";
import { OFPPC } from "../datapath/bridge-port.js";
import { packetFromHex } from "../datapath/packet/packet.js";
import { strtoll10 } from "../flowtable/c-strto.js";
import { ETH_TOTAL_MIN, MAX_PACKET_LEN, findDummyPort, receiveOdpFlow } from "../vswitchd/netdev-dummy.js";
import type { Switch } from "../vswitchd/switch.js";
import { changeDummyPortNumber } from "../vswitchd/dpif-dummy.js";
import { dpctlDelFlow, dpctlPutFlow } from "./appctl-dpctl-put.js";
import { dpctlDelFlows, dpctlDumpFlows, dpctlGetFlow, dpifDumpFlows, revalidatorPurge, revalidatorWait } from "./appctl-dpif.js";
import { serverError } from "./appctl-bridge.js";
import type { AppctlCommand } from "./appctl-command.js";
import type { CommandResult } from "./command-result.js";
import { output } from "./command-result.js";

/** `netdev-dummy/receive NETDEV [--qid N] PACKET|FLOW [--len N]...`. */
export function netdevDummyReceive(sw: Switch, args: readonly string[]): CommandResult {
  const [name = "", ...rest] = args;
  const found = findDummyPort(sw, name);
  if (found === undefined) return serverError("no such dummy netdev");
  let i = 0;
  if (rest.length > 2 && rest[0] === "--qid") i = 2;
  for (; i < rest.length; i++) {
    const arg = rest[i] ?? "";
    const hex = packetFromHex(arg);
    if (hex.ok) {
      sw.io.receive(found.bridge, found.port, hex.packet);
      continue;
    }
    let len = 0;
    if (rest[i + 1] === "--len") {
      // OVS: `int packet_size = strtol(arg, NULL, 10)`, so 4294967297 is 1 (too small).
      len = Number(BigInt.asIntN(32, strtoll10(rest[i + 2] ?? "")));
      if (len < ETH_TOTAL_MIN) return serverError("too small packet len");
      if (len > MAX_PACKET_LEN) return serverError(`too large packet len (ovsim composes packets of at most ${MAX_PACKET_LEN} bytes)`);
      i += 2;
    }
    const error = receiveOdpFlow(sw, found.bridge, found.port, arg, len);
    if (error !== null) return serverError(error);
  }
  return output([]);
}

/**
 * `netdev-dummy/set-admin-state [NETDEV] up|down`: a dummy netdev's (without NETDEV: every
 * dummy netdev's) admin state, which for ofproto is the port's PORT_DOWN config bit, as
 * `ovs-ofctl mod-port` sets it (a port that is down has no carrier: bundle skips it).
 */
export function netdevDummySetAdminState(sw: Switch, args: readonly string[]): CommandResult {
  const state = (args[args.length - 1] ?? "").toLowerCase();
  if (state !== "up" && state !== "down") return serverError("Invalid Admin State");
  let ports: BridgePort[];
  if (args.length > 1) {
    const found = findDummyPort(sw, args[0] ?? "");
    if (found === undefined) return serverError("Unknown Dummy Interface");
    ports = [found.port];
  } else {
    ports = [...sw.bridges.values()].flatMap((b) => b.ports().filter((p) => findDummyPort(sw, p.name)?.port === p));
  }
  // A change translation depends on: pending stats first, then every megaflow is revalidated.
  sw.datapaths.pushStats(sw.now);
  for (const p of ports) p.config = state === "down" ? p.config | OFPPC.PORT_DOWN : p.config & ~OFPPC.PORT_DOWN;
  sw.datapaths.noteConfigChange();
  // ovs-vswitchd's next main-loop pass notices the carrier change (bond_run).
  sw.bonds.run();
  return output(["OK"]);
}

/**
 * `netdev-dummy/conn-state [NETDEV]`: a dummy netdev's stream link state (netdev-dummy-stream.ts),
 * "unknown" for a name that is no dummy netdev; without NETDEV, every dummy netdev whose state
 * is known.
 */
export function netdevDummyConnState(sw: Switch, args: readonly string[]): CommandResult {
  if (args.length > 0) {
    const name = args[0] ?? "";
    const found = findDummyPort(sw, name);
    return output([`${name}: ${found === undefined ? "unknown" : sw.streams.connState(found.port)}`]);
  }
  const lines: string[] = [];
  for (const b of sw.bridges.values()) {
    for (const p of b.ports()) {
      if (findDummyPort(sw, p.name)?.port !== p) continue;
      const state = sw.streams.connState(p);
      if (state !== "unknown") lines.push(`${p.name}: ${state}`);
    }
  }
  return output(lines);
}

/** `dpif-dummy/change-port-number DP PORT NUMBER` (src/vswitchd/dpif-dummy.ts). */
function dpifDummyChangePortNumber(sw: Switch, [dp = "", port = "", n = ""]: readonly string[]): CommandResult {
  const error = changeDummyPortNumber(sw, dp, port, n);
  return error === null ? output([]) : serverError(error);
}

/** The commands of this file and appctl-dpif.ts for appctl.ts's table. */
export const NETDEV_COMMANDS: ReadonlyArray<readonly [string, AppctlCommand]> = [
  ["netdev-dummy/receive", { usage: "name [--qid queue_id] packet|flow [--len packet_len]", minArgs: 2, maxArgs: Number.MAX_SAFE_INTEGER, run: netdevDummyReceive }],
  ["netdev-dummy/set-admin-state", { usage: "[netdev] up|down", minArgs: 1, maxArgs: 2, run: netdevDummySetAdminState }],
  ["netdev-dummy/conn-state", { usage: "[netdev]", minArgs: 0, maxArgs: 1, run: netdevDummyConnState }],
  ["dpif-dummy/change-port-number", { usage: "dp port new-number", minArgs: 3, maxArgs: 3, run: dpifDummyChangePortNumber }],
  ["revalidator/wait", { usage: "", minArgs: 0, maxArgs: 0, run: (sw) => revalidatorWait(sw) }],
  ["revalidator/purge", { usage: "", minArgs: 0, maxArgs: 0, run: (sw) => revalidatorPurge(sw) }],
  ["dpctl/dump-flows", { usage: "[-m] [--names] [dp] [filter=..] [type=..] [pmd=..]", minArgs: 0, maxArgs: 4, run: (sw, args) => dpctlDumpFlows(sw, args) }],
  ["dpctl/add-flow", { usage: "[dp] flow actions", minArgs: 2, maxArgs: 3, run: (sw, args) => dpctlPutFlow(sw, args, "create") }],
  ["dpctl/mod-flow", { usage: "[dp] flow actions", minArgs: 2, maxArgs: 3, run: (sw, args) => dpctlPutFlow(sw, args, "modify") }],
  ["dpctl/get-flow", { usage: "[dp] ufid", minArgs: 1, maxArgs: 2, run: (sw, args) => dpctlGetFlow(sw, args) }],
  ["dpctl/del-flow", { usage: "[dp] flow", minArgs: 1, maxArgs: 2, run: (sw, args) => dpctlDelFlow(sw, args) }],
  ["dpctl/del-flows", { usage: "[dp] [file]", minArgs: 0, maxArgs: 2, run: (sw, args) => dpctlDelFlows(sw, args) }],
  ["dpif/dump-flows", { usage: "[-m] [--names | --no-names] bridge", minArgs: 1, maxArgs: 4, run: (sw, args) => dpifDumpFlows(sw, args) }],
];
