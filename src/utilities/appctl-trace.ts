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
 * `--ct-next FLAGS` (repeatable) gives the ct_state each conntrack
 * recirculation resumes with, in order.
 *
 * `--names` (or `-names`) prints ports by name: OpenFlow ports in flows, rules and
 * actions, datapath ports in the datapath actions.
 *
 * Not modelled: `--l7`, `--l7-len`: refused with an ovsim message.
 */
import { parseApplyActionText } from "../actions/action-parse.js";
import type { ActionList } from "../actions/action-types.js";
import type { Packet } from "../datapath/packet/packet.js";
import { FlowParseError } from "../flowtable/errors.js";
import { packetFromHex } from "../datapath/packet/packet.js";
import { TraceError } from "../vswitchd/errors.js";
import type { Switch } from "../vswitchd/switch.js";
import { parseCtNext, parseTraceFlow, parseTraceOdpFlow, traceFlow } from "../vswitchd/trace.js";
import type { TraceOptions } from "../vswitchd/trace.js";
import { serverError } from "./appctl-bridge.js";
import type { CommandResult } from "./command-result.js";
import { output } from "./command-result.js";

const UNSUPPORTED_OPTIONS = new Set(["--l7", "--l7-len"]);

export function ofprotoTraceCommand(sw: Switch, argv: readonly string[], actions?: ActionList): CommandResult {
  const args: string[] = [];
  const ctNext: number[] = [];
  let generate = false;
  let names = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (a === "--ct-next") {
      const flags = argv[++i];
      if (flags === undefined) return serverError("Missing argument for option --ct-next");
      try {
        ctNext.push(parseCtNext(flags));
      } catch (e) {
        if (e instanceof TraceError) return serverError(e.message);
        throw e;
      }
    } else if (a === "-generate" || a === "--generate") generate = true;
    else if (a === "-names" || a === "--names") names = true;
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
  const given = { ...(actions === undefined ? {} : { actions }), ...(names ? { names } : {}) };
  const options: TraceOptions = packet === null ? { generate, ctNext, ...given } : { generate, ctNext, packet, ...given };
  try {
    // The datapath ("dpif backer") the arguments name, if any.
    const datapaths = sw.vswitchd.openDatapaths();
    let dp = undefined;
    if (args.length === 2) {
      const first = args[0] ?? "";
      const type = first.startsWith("ovs-") ? first.slice(4) : first;
      dp = datapaths.find((d) => d.type === type);
    } else if (datapaths.length === 1) dp = datapaths[0];
    const flowText = args[args.length - 1] ?? "";
    const odp = parseTraceOdpFlow(sw, dp, flowText);
    if (!("error" in odp)) return output([...traceFlow(sw, odp.bridge, odp.flow, options).text]);
    if (args.length !== 2) return serverError(`${odp.error} (or the bridge name was omitted)`);
    const bridgeName = args[0] ?? "";
    return output([...traceFlow(sw, bridgeName, parseTraceFlow(sw, bridgeName, flowText), options).text]);
  } catch (e) {
    if (e instanceof TraceError) return serverError(e.message);
    throw e;
  }
}

/**
 * `ovs-appctl ofproto/trace-packet-out [-consistent] {[DPNAME] ODP_FLOW | BRIDGE BR_FLOW}
 * [-generate|PACKET] ACTIONS` (OVS's ofproto_unixctl_trace_actions): the trace of a
 * packet-out, ACTIONS (the last argument) translated in place of table 0. `-consistent`
 * is accepted; ovsim checks no flow/action consistency here.
 */
export function ofprotoTracePacketOutCommand(sw: Switch, argv: readonly string[]): CommandResult {
  const args = argv[0] === "-consistent" ? argv.slice(1) : [...argv];
  const text = args.pop();
  if (text === undefined || args.length === 0) return serverError("Syntax error");
  let actions: ActionList;
  try {
    actions = parseApplyActionText(text).actions;
  } catch (e) {
    if (e instanceof FlowParseError) return serverError(e.message);
    throw e;
  }
  return ofprotoTraceCommand(sw, args, actions);
}
