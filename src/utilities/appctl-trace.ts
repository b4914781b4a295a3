/**
 * `ovs-appctl ofproto/trace` (OVS's ofproto_unixctl_trace and
 * parse_flow_and_packet in ofproto/ofproto-dpif-trace.c), in the forms OVS 3.1
 * accepts:
 *
 *   ofproto/trace BRIDGE BR_FLOW           an exact OpenFlow flow (exact-flow-parse.ts)
 *   ofproto/trace [DPNAME] ODP_FLOW        a datapath flow key (odp-flow-parse.ts);
 *                                          DPNAME `ovs-dummy` or `dummy`, optional when
 *                                          there is one datapath
 *   ... -generate                          translate with side effects (learn installs
 *                                          flows, NORMAL learns MACs, rule counters move)
 *
 * As in OVS the datapath form is tried first: a second argument that parses
 * as a datapath flow needs a datapath named by the first ("Cannot find the
 * datapath" otherwise); one that does not is an OpenFlow flow for the bridge
 * named by the first. A datapath in_port maps to the bridge and OpenFlow port
 * that own it ("no OpenFlow port for datapath port N").
 *
 * A packet given in hex after the flow (`BRIDGE FLOW HEX`, `[DPNAME] ODP_FLOW
 * HEX`) is traced as OVS does: its metadata (in_port, tunnel, mark, conntrack)
 * from the flow, every header field from its bytes (src/datapath/packet), and
 * with side effects allowed (NORMAL learns MACs, learn() installs flows), as
 * with -generate.
 *
 * Not modelled: `--l7`, `--l7-len`, `--ct-next`, `-names`: refused with an
 * ovsim message.
 */
import { XM, xlateFlowOf } from "../actions/xlate/odp-metadata.js";
import { ofprotoTraceRun } from "../actions/xlate/xlate-trace-format.js";
import { parseOdpFlow } from "../datapath/odp-flow-parse.js";
import type { Packet } from "../datapath/packet/packet.js";
import { packetFromHex } from "../datapath/packet/packet.js";
import { flowCompose } from "../datapath/packet/compose.js";
import { flowOfPacket } from "../datapath/packet/packet-flow.js";
import { parseExactFlow } from "../flowtable/exact-flow-parse.js";
import { M, writeMember } from "../flowtable/flow-layout.js";
import type { PortNameMap } from "../flowtable/ports.js";
import { serverError } from "./appctl-bridge.js";
import type { CommandResult } from "./command-result.js";
import { output } from "./command-result.js";
import type { Switch } from "../vswitchd/switch.js";

const UNSUPPORTED_OPTIONS = new Set(["--l7", "--l7-len", "--ct-next", "-names", "--names"]);

function trace(world: Switch, bridgeName: string, flowIn: Uint32Array, generate: boolean, packet: Packet | null): CommandResult {
  const br = world.xlateBridge(bridgeName);
  if (br === undefined) return serverError(`${bridgeName}: unknown bridge`);
  const flow = packet === null ? flowIn : flowOfPacket(packet, flowIn, world.vlanLimit());
  // As OVS's xlate_in_init: a trace with a packet (given or generated) has side effects.
  const { lines, first } = ofprotoTraceRun(br, flow, { recircIds: world.recircIds, now: world.now, allowSideEffects: generate || packet !== null });
  // OVS's execute_actions_except_outputs: a given packet, or the one
  // -generate composes from the flow (flow_compose), really goes through the
  // datapath actions but their outputs and recirculations (meters count it;
  // tnl_pop's packet goes on).
  const bridge = world.bridge(bridgeName);
  const executed = packet ?? (generate ? flowCompose(flow) : null);
  if (executed !== null && bridge !== undefined) world.io.execute(bridge, executed, first.odpActions, true, 0);
  return output(lines);
}

function portNames(world: Switch, bridgeName: string): PortNameMap {
  const br = world.bridge(bridgeName);
  return {
    numberOf: (n) => br?.portByName(n)?.ofport,
    nameOf: (n) => br?.port(n)?.name,
  };
}

export function ofprotoTraceCommand(world: Switch, argv: readonly string[]): CommandResult {
  const args: string[] = [];
  let generate = false;
  for (const a of argv) {
    if (a === "-generate" || a === "--generate") generate = true;
    else if (UNSUPPORTED_OPTIONS.has(a)) return serverError(`ovsim: ofproto/trace option ${a} is not supported`);
    else if (a.startsWith("-")) return serverError(`${a}: unknown option`);
    else if (args.length >= 3) return serverError("too many arguments");
    else args.push(a);
  }
  let packet: Packet | null = null;
  if (!generate && args.length > 1) {
    const hex = packetFromHex(args[args.length - 1] ?? "");
    if (hex.ok) {
      packet = hex.packet;
      args.pop();
    } else if (args.length > 2) return serverError(hex.error);
  }
  if (args.length === 0) return serverError("Syntax error");

  // The datapath ("dpif backer") the arguments name, if any.
  const datapaths = world.vswitchd.openDatapaths();
  let dp = undefined;
  if (args.length === 2) {
    const first = args[0] ?? "";
    const type = first.startsWith("ovs-") ? first.slice(4) : first;
    dp = datapaths.find((d) => d.type === type);
  } else if (datapaths.length === 1) dp = datapaths[0];
  const odpNames = new Map((dp?.ports() ?? []).map((p) => [p.name, p.odpPort]));

  const flowText = args[args.length - 1] ?? "";
  const odp = parseOdpFlow(flowText, odpNames);
  if (odp.ok) {
    if (dp === undefined) return serverError("Cannot find the datapath");
    const inPort = odp.odpInPort ?? 0xffffffff;
    for (const rt of world.vswitchd.runtimes()) {
      if (rt.datapath !== dp) continue;
      for (const live of rt.ports.values()) {
        if (live.odpPort !== inPort || live.type === "patch") continue;
        writeMember(odp.flow, M.inPort, BigInt(live.ofport));
        return trace(world, rt.name, odp.flow, generate, packet);
      }
    }
    return serverError(`no OpenFlow port for datapath port ${inPort}`);
  }
  if (args.length !== 2) return serverError(`${odp.error} (or the bridge name was omitted)`);
  const bridgeName = args[0] ?? "";
  if (world.xlateBridge(bridgeName) === undefined) return serverError(`${bridgeName}: unknown bridge`);
  // recirc_id and dp_hash are datapath metadata, not members of ovsim's flow key.
  const meta: { recircId: number; dpHash: number } = { recircId: 0, dpHash: 0 };
  const rest = flowText
    .split(",")
    .filter((tok) => {
      const m = /^\s*(recirc_id|dp_hash)=(0x[0-9a-f]+|\d+)\s*$/i.exec(tok);
      if (m === null) return true;
      const v = Number(m[2]) >>> 0;
      if (m[1]!.toLowerCase() === "recirc_id") meta.recircId = v;
      else meta.dpHash = v;
      return false;
    })
    .join(",");
  const exact = parseExactFlow(rest, portNames(world, bridgeName));
  if (!exact.ok) return serverError(`Bad openflow flow syntax: ${exact.error}`);
  const key = xlateFlowOf(exact.key);
  key[XM.recircId.word] = meta.recircId;
  key[XM.dpHash.word] = meta.dpHash;
  return trace(world, bridgeName, key, generate, packet);
}
