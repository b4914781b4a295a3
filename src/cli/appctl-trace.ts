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
 * Not modelled: a packet given as hex (flow_extract of its bytes), `--l7`,
 * `--l7-len`, `--ct-next`, `-names`: refused with an ovsim message.
 */
import { RecircIds } from "../actions/xlate/xlate-context.js";
import { ofprotoTrace } from "../actions/xlate/xlate-trace-format.js";
import { parseOdpFlow } from "../datapath/odp-flow-parse.js";
import { parseExactFlow } from "../flowtable/exact-flow-parse.js";
import { M, writeMember } from "../flowtable/flow-layout.js";
import type { PortNameMap } from "../flowtable/ports.js";
import { serverError } from "./appctl-bridge.js";
import type { CommandResult } from "./command-result.js";
import { output } from "./command-result.js";
import type { World } from "./world.js";

/** One recirculation id allocator per switch (OVS's ids are global to ovs-vswitchd). */
const RECIRC_IDS = new WeakMap<World, RecircIds>();

function recircIds(world: World): RecircIds {
  let r = RECIRC_IDS.get(world);
  if (r === undefined) {
    r = new RecircIds();
    RECIRC_IDS.set(world, r);
  }
  return r;
}

/** OVS's eth_from_hex: null when `s` is a packet in hex, else its error. */
function ethFromHexError(s: string): string | null {
  const hex = s.replace(/\s/g, "");
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) return "Trailing garbage in packet data";
  if (hex.length / 2 < 14) return "Packet data too short for Ethernet";
  return null;
}

const UNSUPPORTED_OPTIONS = new Set(["--l7", "--l7-len", "--ct-next", "-names", "--names"]);

function trace(world: World, bridgeName: string, flow: Uint32Array, generate: boolean): CommandResult {
  const br = world.xlateBridge(bridgeName);
  if (br === undefined) return serverError(`${bridgeName}: unknown bridge`);
  const lines = ofprotoTrace(br, flow, { recircIds: recircIds(world), now: world.now, allowSideEffects: generate });
  return output(lines);
}

function portNames(world: World, bridgeName: string): PortNameMap {
  const br = world.bridge(bridgeName);
  return {
    numberOf: (n) => br?.portByName(n)?.ofport,
    nameOf: (n) => br?.port(n)?.name,
  };
}

export function ofprotoTraceCommand(world: World, argv: readonly string[]): CommandResult {
  const args: string[] = [];
  let generate = false;
  for (const a of argv) {
    if (a === "-generate" || a === "--generate") generate = true;
    else if (UNSUPPORTED_OPTIONS.has(a)) return serverError(`ovsim: ofproto/trace option ${a} is not supported`);
    else if (a.startsWith("-")) return serverError(`${a}: unknown option`);
    else if (args.length >= 3) return serverError("too many arguments");
    else args.push(a);
  }
  if (!generate && args.length > 1) {
    const err = ethFromHexError(args[args.length - 1] ?? "");
    if (err === null) return serverError("ovsim: ofproto/trace with a packet in hex is not supported");
    if (args.length > 2) return serverError(err);
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
        return trace(world, rt.name, odp.flow, generate);
      }
    }
    return serverError(`no OpenFlow port for datapath port ${inPort}`);
  }
  if (args.length !== 2) return serverError(`${odp.error} (or the bridge name was omitted)`);
  const bridgeName = args[0] ?? "";
  if (world.xlateBridge(bridgeName) === undefined) return serverError(`${bridgeName}: unknown bridge`);
  const exact = parseExactFlow(flowText, portNames(world, bridgeName));
  if (!exact.ok) return serverError(`Bad openflow flow syntax: ${exact.error}`);
  return trace(world, bridgeName, exact.key, generate);
}
