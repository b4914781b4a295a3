/**
 * `ovs-ofctl packet-out` (OVS's ofctl_packet_out and parse_ofp_packet_out_str),
 * in its two forms:
 *
 *   packet-out SWITCH "in_port=PORT packet=HEX actions=ACTIONS"
 *       key=value pairs: in_port (a port, LOCAL, NONE or CONTROLLER; default
 *       CONTROLLER), packet (the frame in hex, required), pipeline fields
 *       (registers, metadata, tunnel fields), then everything after `actions=`
 *   packet-out SWITCH IN_PORT ACTIONS PACKET...
 *       the old form: one packet-out per PACKET, in order (a bad one stops the
 *       command after the earlier ones were sent)
 *
 * Two arguments after SWITCH are "Too many arguments (4)", as in OVS. Pipeline
 * fields besides in_port travel only in OpenFlow 1.5's packet-out: over an older
 * version the switch never sees them. The switch's refusal prints as ovs-ofctl
 * prints the OFPT_ERROR and the request (data_len and the packet decoded).
 */
import { formatActions } from "../actions/action-text.js";
import { parseApplyActionText } from "../actions/action-parse.js";
import { packetToString } from "../datapath/upcall-log.js";
import type { Packet } from "../datapath/packet/packet.js";
import { packetFromHex } from "../datapath/packet/packet.js";
import { FlowParseError, OpenFlowError } from "../flowtable/errors.js";
import { parseFieldValue } from "../flowtable/field-parse.js";
import type { FieldSpec } from "../flowtable/fields.js";
import { FIELDS, fieldByName } from "../flowtable/fields.js";
import { keyValuePairs } from "../flowtable/flow-mod-parse.js";
import { M } from "../flowtable/flow-layout.js";
import { Match } from "../flowtable/match.js";
import { formatMatch } from "../flowtable/match-format.js";
import { chooseProtocol, P, P_ANY, P_OF10_STD_ANY, protocolsForVersion } from "../flowtable/openflow-protocols.js";
import type { PortNameMap } from "../flowtable/ports.js";
import { OFPP_CONTROLLER, OFPP_LOCAL, OFPP_MAX, OFPP_NONE, parsePort } from "../flowtable/ports.js";
import type { Bridge } from "../datapath/bridge.js";
import { bridgeNames } from "../vswitchd/flow-mod-text.js";
import type { PacketOut } from "../vswitchd/packet-out.js";
import type { Switch } from "../vswitchd/switch.js";
import type { CommandResult } from "./command-result.js";
import { failure, output } from "./command-result.js";
import { flowModXid, header, versionOfProtocol } from "./ofctl-messages.js";
import type { OfctlOptions } from "./ofctl-options.js";

/** OVS's mf_is_pipeline_field: what a packet-out may set besides the packet's own headers. */
const PIPELINE = /^(tun_(id|src|dst|ipv6_src|ipv6_dst|flags|gbp_id|gbp_flags|erspan_ver|erspan_idx|erspan_dir|erspan_hwid|gtpu_flags|gtpu_msgtype|metadata\d+)|metadata|in_port|in_port_oxm|x{0,2}reg\d+|packet_type)$/;

/** A packet-out as ovs-ofctl built it, with the flow formats that can carry it. */
interface Request {
  readonly inPort: number;
  /** in_port and the pipeline fields given. */
  readonly match: Match;
  readonly actions: PacketOut["actions"];
  readonly usable: number;
}

function fail(message: string, text: string): never {
  throw new FlowParseError(message, text);
}

function inPortMatch(inPort: number): Match {
  const m = Match.catchall();
  m.setFieldExact(FIELDS.in_port, BigInt(inPort));
  return m;
}

/** OVS's parse_ofp_packet_out_str: the request and its packet. */
function parseNewForm(text: string, names: PortNameMap): { request: Request; packet: Packet } {
  const at = text.indexOf("action");
  const eq = at < 0 ? -1 : text.indexOf("=", at + 1);
  const pairs = at < 0 ? text : text.slice(0, at);
  const actText = at < 0 || eq < 0 ? null : text.slice(eq + 1);
  const match = inPortMatch(OFPP_CONTROLLER);
  let inPort = OFPP_CONTROLLER;
  let usable = P_ANY;
  let packet: Packet | null = null;
  for (const [name, value] of keyValuePairs(pairs)) {
    if (value === "") fail(`field ${name} missing value`, text);
    if (name === "in_port") {
      const port = parsePort(value, names);
      if (port === undefined) fail(`${value} is not a valid OpenFlow port`, text);
      if (port > OFPP_MAX && port !== OFPP_LOCAL && port !== OFPP_NONE && port !== OFPP_CONTROLLER) fail(`${value} is not a valid OpenFlow port for PACKET_OUT`, text);
      inPort = port;
      match.setFieldExact(FIELDS.in_port, BigInt(port));
    } else if (name === "packet") {
      const hex = packetFromHex(value);
      if (!hex.ok) fail(`packet: ${hex.error}`, text);
      packet = hex.packet;
    } else if (name === "packet_type") {
      fail("ovsim: packet-out with packet_type is not supported", text);
    } else {
      const f: FieldSpec | undefined = fieldByName(name);
      if (f === undefined) fail(`unknown keyword ${name}`, text);
      const p = parseFieldValue(f, value, names);
      if (!p.ok) fail(p.error, text);
      match.setField(f, p.value, p.mask);
      if (!PIPELINE.test(f.name)) fail(`${name} is not a valid pipeline field for PACKET_OUT`, text);
      if (f.of10 === "none") usable &= ~(P_OF10_STD_ANY | P.OF11_STD);
    }
  }
  if (packet === null) fail("must specify packet", text);
  let actions: PacketOut["actions"] = [];
  if (actText !== null) {
    const parsed = parseApplyActionText(actText, names);
    actions = parsed.actions;
    usable &= parsed.usableProtocols;
  }
  return { request: { inPort, match, actions, usable }, packet };
}

/** Sends one packet-out; the switch's refusal as ovs-ofctl prints it. */
function send(sw: Switch, br: Bridge, r: Request, packet: Packet, o: OfctlOptions): string[] | null {
  const chosen = chooseProtocol(r.usable, protocolsForVersion(`OpenFlow${o.version}`) & o.flowFormats);
  if (!chosen.ok) fail(chosen.error, "");
  const version = versionOfProtocol(chosen.protocol);
  // Only OpenFlow 1.5's packet-out has a match to carry pipeline fields in.
  const match = version === 15 ? r.match : inPortMatch(r.inPort);
  const metadata = match.clone();
  metadata.clearMember(M.inPort);
  try {
    sw.packetOut(br.name, { inPort: r.inPort, packet, actions: r.actions, metadata });
    return null;
  } catch (e) {
    if (!(e instanceof OpenFlowError)) throw e;
    const xid = flowModXid(chosen.protocol);
    return [
      `${header("OFPT_ERROR", version, xid)} ${e.ofperr}`,
      `${header("OFPT_PACKET_OUT", version, xid)} ${formatMatch(match)} actions=${formatActions(r.actions)} data_len=${packet.size}`,
      packetToString(new Uint32Array(0), packet),
    ];
  }
}

/** `ovs-ofctl packet-out SWITCH ARGS...` (`rest`: the arguments after SWITCH). */
export function packetOutCommand(sw: Switch, br: Bridge, rest: readonly string[], o: OfctlOptions): CommandResult {
  const names = bridgeNames(br);
  if (rest.length === 0) return failure("ovs-ofctl: 'packet-out' command requires at least 2 arguments");
  if (rest.length === 1) {
    const { request, packet } = parseNewForm(rest[0] ?? "", names);
    const err = send(sw, br, request, packet, o);
    return err === null ? output([]) : { stdout: [], stderr: err, ok: false };
  }
  if (rest.length === 2) return failure("ovs-ofctl: Too many arguments (4)");
  const [portText = "", actText = "", ...packets] = rest;
  const actions = parseApplyActionText(actText, names);
  const inPort = parsePort(portText) ?? parsePort(portText, names);
  if (inPort === undefined) fail(`${br.name}: unknown port \`${portText}'`, portText);
  const request: Request = { inPort, match: inPortMatch(inPort), actions: actions.actions, usable: actions.usableProtocols };
  for (const hex of packets) {
    const p = packetFromHex(hex);
    if (!p.ok) fail(p.error, hex);
    const err = send(sw, br, request, p.packet, o);
    if (err !== null) return { stdout: [], stderr: err, ok: false };
  }
  return output([]);
}
