/**
 * `ovs-ofctl`: add-flow, add-flows, mod-flows, del-flows, replace-flows,
 * diff-flows, dump-flows, dump-aggregate, show, dump-ports and mod-port, with
 * the global options of ofctl-options.ts (-O, -F, --strict, --sort, --names,
 * --no-stats...). Flows go through
 * the same path as in OVS: parse, choose a flow format, normalize or check
 * prerequisites, then the bridge's flow_mod semantics; a refusal prints as
 * OVS prints an OFPT_ERROR (ofctl-messages.ts).
 *
 * OVS's test commands, which need no switch, have files of their own:
 * parse-nx-match / parse-nxm / parse-oxm (ofctl-nxm.ts), parse-ofp10-match /
 * parse-ofp11-match (ofctl-match-parse.ts), check-vlan, ofp-parse and
 * parse-pcap.
 */
import { tableNameMap } from "../flowtable/table-names.js";
import { bridgeOfTarget } from "./ofctl-target.js";
import { ctFlushCommand, ctFlushZoneCommand } from "./ofctl-ct-flush.js";
import type { Bridge } from "../datapath/bridge.js";
import { FlowParseError, OpenFlowError } from "../flowtable/errors.js";
import type { SwitchResources } from "../actions/flow-actions.js";
import type { GroupModCommand } from "../actions/group-types.js";
import type { FlowModCommand } from "../flowtable/flow-mod-parse.js";
import type { PortNameMap } from "../flowtable/ports.js";
import type { CommandResult } from "./command-result.js";
import { failure, output } from "./command-result.js";
import { diffFlows, replaceFlows } from "./ofctl-diff.js";
import { readFlowFile } from "./flow-file.js";
import type { SentFlowMod } from "./ofctl-messages.js";
import { dumpReplyName, dumpXid, flowModErrorLines, header } from "./ofctl-messages.js";
import type { OfctlOptions } from "./ofctl-options.js";
import { parseOfctlArgs } from "./ofctl-options.js";
import { dumpGroupFeatures, dumpGroups, dumpGroupStats, groupMod } from "./ofctl-group.js";
import { addGroups } from "./ofctl-group-file.js";
import { bundleFile, runBundled } from "./ofctl-bundle.js";
import { flowFileLineCommand, preprocessedLines } from "./ofctl-file-lines.js";
import { parseFlowCommand, parseFlowsCommand } from "./ofctl-parse.js";
import { withConsoleLog } from "./program-console.js";
import { dumpTlvMap, tlvMapCommand } from "./ofctl-tlv.js";
import { parseNxmCommand, parseOxmCommand } from "./ofctl-nxm.js";
import { parseOfp10MatchCommand, parseOfp11MatchCommand } from "./ofctl-match-parse.js";
import { checkVlanCommand } from "./ofctl-check-vlan.js";
import { ofpParseCommand } from "./ofctl-ofp-parse.js";
import { parsePcapCommand } from "./ofctl-parse-pcap.js";
import { consolePatternOption } from "./vlog-option.js";
import { standardInputText } from "./standard-input-text.js";
import { dumpMeters, meterFeatures, meterMod, meterStats } from "./ofctl-meter.js";
import { dumpPorts, dumpPortsDesc, modPort, showBridge } from "./ofctl-ports.js";
import { packetOutCommand } from "./ofctl-packet-out.js";
import { queueGetConfig, queueStats } from "./ofctl-queues.js";
import { ofctlArityError } from "./ofctl-arity.js";
import { getFrags, probe, setFrags } from "./ofctl-switch-config.js";
import { dumpTableDesc, modTable } from "./ofctl-tables.js";
import { dumpTableFeatures, dumpTables } from "./ofctl-table-stats.js";
import { bridgePortNames, formatFlowLine, selectFlows } from "../vswitchd/flow-dump.js";
import { sortFlows } from "../vswitchd/flow-sort.js";
import { applyFlowMod, FlowModError, prepareFlowMod } from "../vswitchd/flow-mod-text.js";
import type { Switch } from "../vswitchd/switch.js";
import { dumpIpfix } from "./ofctl-ipfix.js";

export type { OfctlOptions };

/** The switch answered a request with an error: what ovs-ofctl prints for it. */
export class OfctlReplyError extends Error {
  readonly code = "OFCTL_REPLY";
  readonly lines: string[];
  constructor(lines: string[]) {
    super(lines[0] ?? "OFPT_ERROR");
    this.lines = lines;
  }
}

/** What ovs-ofctl prints for a refused flow_mod: the OFPT_ERROR and the request decoded (ports named with `names`, `--names`). */
export function flowModErrorText(e: FlowModError, names?: PortNameMap): string[] {
  return flowModErrorLines(e.ofperr, e.sent, names, e.decodeError);
}

function flowMod(sw: Switch, br: Bridge, text: string, command: FlowModCommand, o: OfctlOptions, log: string[]): void {
  // ofctl_flow_mod: `-` reads the flows from standard input (an add's lines may name their command).
  if (text === "-") {
    sendFlowFile(sw, br, prepareFlowFileMessages(br, text, o, log, command === "add", command), o);
    return;
  }
  applyFlowMod(br, prepareFlowMod(br, text, command, o.version, log, o), sw.now);
}

/**
 * dump-flows: the reply's header and flows as the switch sent them, or, with
 * `--sort`/`--rsort`, `--names` or `--no-stats` (ovs-ofctl then collects the
 * reply and prints its flows itself), the flows alone, sorted.
 */
function dumpFlows(sw: Switch, br: Bridge, text: string | undefined, o: OfctlOptions): string[] {
  const { flows, protocol } = selectFlows(br, text ?? "", o.version, o);
  const collected = o.noStats || o.names || o.sort.length > 0;
  const sorted = o.sort.length > 0 ? sortFlows(flows, o.sort, br.tunMetadata) : flows;
  // OpenFlow 1.5 replies carry ages in their own stats (OXS); older ones only in the reply ovs-ofctl prints as is.
  const lo = { noStats: o.noStats, version: o.version, names: o.names, ages: !collected || o.version >= 15, ...(o.tableNames === undefined ? {} : { tables: o.tableNames }) };
  const lines = sorted.map((f) => ` ${formatFlowLine(br, f, protocol, lo, sw.now)}`);
  if (collected) return lines;
  return [header(dumpReplyName(protocol, "FLOW"), o.version, dumpXid(protocol, text !== undefined && o.portNames)), ...lines];
}

function dumpAggregate(br: Bridge, text: string | undefined, o: OfctlOptions): string[] {
  const { flows, protocol } = selectFlows(br, text ?? "", o.version, o);
  let packets = 0;
  let bytes = 0;
  for (const f of flows) {
    packets += f.nPackets;
    bytes += f.nBytes;
  }
  const head = header(dumpReplyName(protocol, "AGGREGATE"), o.version, dumpXid(protocol, text !== undefined && o.portNames));
  return [`${head} packet_count=${packets} byte_count=${bytes} flow_count=${flows.length}`];
}

/**
 * Parses every flow of a file (add-flows / replace-flows / diff-flows) before
 * anything is sent, as ovs-ofctl does: a `#` starts a comment to the end of its
 * line, blank lines are skipped; a bad line fails the whole command with
 * `FILE:LINE: message`. With `lineCommands` (add-flows) a line may begin with
 * its command (`add`, `delete`, `modify_strict`... see flowFileLineCommand).
 */
export function prepareFlowFile(
  br: Bridge,
  path: string,
  o: OfctlOptions,
  log: string[],
  lineCommands = false,
  fixed: FlowModCommand = "add",
  resources?: SwitchResources,
): SentFlowMod[] {
  return prepareFlowFileMessages(br, path, o, log, lineCommands, fixed, resources).map((m) => {
    if (m instanceof FlowModError) throw m;
    return m;
  });
}

/**
 * prepareFlowFile's messages, where a flow the switch will refuse on decoding
 * it stays in its place as that FlowModError: it is answered only when it is
 * sent (after the flows before it took effect).
 */
function prepareFlowFileMessages(
  br: Bridge,
  path: string,
  o: OfctlOptions,
  log: string[],
  lineCommands: boolean,
  fixed: FlowModCommand,
  resources?: SwitchResources,
): (SentFlowMod | FlowModError)[] {
  const out: (SentFlowMod | FlowModError)[] = [];
  for (const { line, number } of preprocessedLines(readFlowFile(path))) {
    const { command, rest } = lineCommands ? flowFileLineCommand(line) : { command: fixed, rest: line };
    try {
      out.push(prepareFlowMod(br, rest, command, o.version, log, o, resources));
    } catch (e) {
      if (e instanceof FlowParseError) throw new FlowParseError(`${path}:${number}: ${e.message}`, line);
      if (e instanceof FlowModError) out.push(e);
      else throw e;
    }
  }
  return out;
}

/**
 * Sends a file's flow_mods one by one, each followed by a barrier (OVS's
 * transact_noreply), so the k-th (from 0) has the first one's xid plus 2k;
 * the first the switch refuses stops the command.
 */
function sendFlowFile(sw: Switch, br: Bridge, messages: readonly (SentFlowMod | FlowModError)[], o: OfctlOptions): void {
  messages.forEach((m, k) => {
    try {
      if (m instanceof FlowModError) throw m;
      applyFlowMod(br, m, sw.now);
    } catch (e) {
      if (!(e instanceof FlowModError)) throw e;
      throw new OfctlReplyError(flowModErrorLines(e.ofperr, e.sent, o.names ? bridgePortNames(br) : undefined, e.decodeError, k));
    }
  });
}

/** ofctl_group_mod: one group_mod, or with `-` a file of them on standard input (an add's lines may name their command). */
function groupModOrFile(sw: Switch, br: Bridge, arg: string | undefined, command: GroupModCommand, o: OfctlOptions): CommandResult {
  if (arg === "-") return addGroups(sw, br, arg, o, command === "add" ? undefined : command);
  return groupMod(sw, br, arg ?? "", command, o);
}

/** Table `table`'s name: its Flow_Table row's `name` ("" for none). */
function flowTableName(sw: Switch, bridge: string, table: number): string {
  const row = sw.db.findByName("Bridge", bridge)[0];
  const uuid = row?.cols.get("flow_tables")?.get(table);
  const name = uuid === undefined ? undefined : sw.db.row("Flow_Table", String(uuid))?.cols.get("name")?.first();
  return name === undefined ? "" : String(name);
}

/** ovs-ofctl's usage lines (its own words) for the commands ovsim implements, in its order. */
const USAGE = [
  "ovs-ofctl: OpenFlow switch management utility",
  "usage: ovs-ofctl [OPTIONS] COMMAND [ARG...]",
  "",
  "For OpenFlow switches:",
  "  show SWITCH                 show OpenFlow information",
  "  dump-tables SWITCH          print table stats",
  "  dump-table-features SWITCH  print table features",
  "  dump-table-desc SWITCH      print table description (OF1.4+)",
  "  mod-port SWITCH IFACE ACT   modify port behavior",
  "  mod-table SWITCH MOD        modify flow table behavior",
  "      OF1.1/1.2 MOD: controller, continue, drop",
  "      OF1.4+ MOD: evict, noevict, vacancy:low,high, novacancy",
  "  get-frags SWITCH            print fragment handling behavior",
  "  set-frags SWITCH FRAG_MODE  set fragment handling behavior",
  "      FRAG_MODE: normal, drop, reassemble, nx-match",
  "  dump-ports SWITCH [PORT]    print port statistics",
  "  dump-ports-desc SWITCH [PORT]  print port descriptions",
  "  dump-flows SWITCH           print all flow entries",
  "  dump-flows SWITCH FLOW      print matching FLOWs",
  "  dump-aggregate SWITCH       print aggregate flow statistics",
  "  dump-aggregate SWITCH FLOW  print aggregate stats for FLOWs",
  "  queue-stats SWITCH [PORT [QUEUE]]  dump queue stats",
  "  add-flow SWITCH FLOW        add flow described by FLOW",
  "  add-flows SWITCH FILE       add flows from FILE",
  "  mod-flows SWITCH FLOW       modify actions of matching FLOWs",
  "  del-flows SWITCH [FLOW]     delete matching FLOWs",
  "  replace-flows SWITCH FILE   replace flows with those in FILE",
  "  diff-flows SOURCE1 SOURCE2  compare flows from two sources",
  "  packet-out SWITCH IN_PORT ACTIONS PACKET...",
  "                              execute ACTIONS on PACKET",
  "  parse-flow FLOW             parse FLOW as flow_mod, print it",
  "  parse-flows FILE            parse FILE as flow_mods, print them",
  "  add-group SWITCH GROUP      add group described by GROUP",
  "  add-groups SWITCH FILE     add group from FILE",
  "  mod-group SWITCH GROUP      modify specific group",
  "  del-groups SWITCH [GROUP]   delete matching GROUPs",
  "  insert-buckets SWITCH [GROUP] add buckets to GROUP",
  "  remove-buckets SWITCH [GROUP] remove buckets from GROUP",
  "  dump-group-features SWITCH  print group features",
  "  dump-groups SWITCH [GROUP]  print group description",
  "  dump-group-stats SWITCH [GROUP]  print group statistics",
  "  queue-get-config SWITCH [PORT]  print queue config for PORT",
  "  add-meter SWITCH METER      add meter described by METER",
  "  mod-meter SWITCH METER      modify specific METER",
  "  del-meters SWITCH [METER]   delete meters matching METER",
  "  dump-meters SWITCH [METER]  print METER configuration",
  "  meter-stats SWITCH [METER]  print meter statistics",
  "  meter-features SWITCH       print meter features",
  "",
  "For OpenFlow switches and controllers:",
  "  probe TARGET                probe whether TARGET is up",
  "SWITCH is a bridge name (ovsim has no OpenFlow connection methods).",
  "",
  "Other commands:",
  "  ofp-parse FILE              print messages read from FILE",
  "",
  "Other options (ofctl-options.ts: those marked * are accepted without effect in ovsim):",
  "  --strict                    use strict match for flow commands",
  "  --read-only                 do not execute read/write commands *",
  "  --readd                     replace flows that haven't changed",
  "  -F, --flow-format=FORMAT    force particular flow format",
  "  -P, --packet-in-format=FRMT force particular packet in format *",
  "  -m, --more                  be more verbose printing OpenFlow *",
  "  --timestamp                 (monitor, snoop) print timestamps *",
  "  -t, --timeout=SECS          give up after SECS seconds *",
  "  --sort[=field]              sort in ascending order",
  "  --rsort[=field]             sort in descending order",
  "  --names                     show port names instead of numbers",
  "  --no-names                  show port numbers, but not names",
  "  --stats, --no-stats         print flow statistics, or not",
  "  --bundle                    use OpenFlow 1.4 bundles (their version only)",
  "  --unixctl=SOCKET            set control socket name *",
  "  --color[=never|auto]        control use of color in output (ovsim: none)",
  "  -O, --protocols=LIST        OpenFlow versions to use (OpenFlow10..OpenFlow15)",
  "  -h, --help                  display this help message",
  "  -V, --version               display version information",
];

export function runOfctl(sw: Switch, argv: string[]): CommandResult {
  return withConsoleLog(sw.now, () => runOfctlCommand(sw, argv), consolePatternOption(argv));
}

function runOfctlCommand(sw: Switch, argv: string[]): CommandResult {
  const parsed = parseOfctlArgs(argv);
  if (parsed.kind === "help") return output([...USAGE]);
  if (parsed.kind === "print") return output(parsed.lines);
  if (parsed.kind === "error") return failure(parsed.message);
  const { options, args } = parsed;
  let o = options;
  const [cmd, brName = "", ...rest] = args;
  if (cmd === undefined) return failure("ovs-ofctl: missing command name; use --help for help");
  const arityError = ofctlArityError(cmd, args.length - 1);
  if (arityError !== null) return failure(arityError);
  if (cmd === "diff-flows") return diffFlows(sw, brName, rest[0] ?? "", o);
  if (cmd === "parse-flow") return parseFlowCommand(brName, o);
  if (cmd === "parse-flows") return parseFlowsCommand(brName, o);
  if (cmd === "parse-nx-match" || cmd === "parse-nxm") return parseNxmCommand(standardInputText(), 0, { strict: o.strict, more: o.more > 0 });
  if (cmd === "parse-oxm") return parseOxmCommand(standardInputText(), brName, { strict: o.strict, more: o.more > 0 });
  if (cmd === "parse-ofp10-match") return parseOfp10MatchCommand(standardInputText());
  if (cmd === "parse-ofp11-match") return parseOfp11MatchCommand(standardInputText());
  if (cmd === "check-vlan") return checkVlanCommand(brName, rest[0] ?? "");
  if (cmd === "ofp-parse") return ofpParseCommand(brName, o.more);
  if (cmd === "parse-pcap") return parsePcapCommand(args.slice(1));
  if (cmd === "ct-flush-zone") return ctFlushZoneCommand(sw, args.slice(1));
  if (cmd === "ct-flush") return ctFlushCommand(sw, args.slice(1));
  if (cmd === "add-tlv-map" && rest.length === 0) return failure("ovs-ofctl: 'add-tlv-map' command requires at least 2 arguments");
  const br = sw.bridge(bridgeOfTarget(brName));
  if (!br) return failure(`ovs-ofctl: ${brName} is not a bridge or a socket`);
  // get_table_map: the names the switch's table features give.
  o = { ...o, tableNames: tableNameMap((t) => flowTableName(sw, br.name, t) || br.tableConfig.openflowName(t)) };
  const arg = rest[0];
  const log: string[] = [];
  try {
    const bundled = o.bundle ? runBundled(sw, br, cmd, arg, o, log) : null;
    if (bundled !== null) return bundled;
    switch (cmd) {
      case "bundle":
        return bundleFile(sw, br, arg ?? "", o, log);
      case "add-flow":
        flowMod(sw, br, arg ?? "", "add", o, log);
        return output([], log);
      case "add-flows":
        sendFlowFile(sw, br, prepareFlowFileMessages(br, arg ?? "", o, log, true, "add"), o);
        return output([], log);
      case "mod-flows":
        flowMod(sw, br, arg ?? "", o.strict ? "modify_strict" : "modify", o, log);
        return output([], log);
      case "del-flows":
        flowMod(sw, br, arg ?? "", o.strict ? "delete_strict" : "delete", o, log);
        return output([], log);
      case "replace-flows":
        return replaceFlows(sw, br, arg ?? "", o, log);
      case "dump-flows":
        return output(dumpFlows(sw, br, arg, o), log);
      case "dump-aggregate":
        return output(dumpAggregate(br, arg, o), log);
      case "show": {
        const dpid = String(sw.db.findByName("Bridge", br.name)[0]?.cols.get("datapath_id")?.first() ?? "");
        return output(showBridge(br, dpid, o.version));
      }
      case "dump-ports": {
        const rt = sw.ofproto(br.name);
        return rt ? dumpPorts(br, rt, o.version, arg, sw.now, o.portNames) : failure(`ovs-ofctl: ${brName} is not a bridge or a socket`);
      }
      case "add-tlv-map":
      case "del-tlv-map":
        return tlvMapCommand(br, o.version, cmd === "add-tlv-map", arg);
      case "dump-tlv-map":
        return dumpTlvMap(br, o.version);
      case "dump-ports-desc":
        return dumpPortsDesc(br, o.version, arg, o.portNames);
      case "mod-port": {
        const before = br.ports().map((p) => p.config);
        const r = modPort(br, arg ?? "", rest[1] ?? "", o.version);
        // ofproto-dpif's port_reconfigured: a changed port config bit revalidates the backer.
        if (br.ports().some((p, i) => p.config !== before[i])) sw.portReconfigured(br.name);
        return r;
      }
      case "queue-stats":
      case "queue-get-config": {
        const rt = sw.ofproto(br.name);
        if (!rt) return failure(`ovs-ofctl: ${brName} is not a bridge or a socket`);
        return cmd === "queue-stats"
          ? queueStats(br, rt, o.version, arg, rest[1], o.portNames)
          : queueGetConfig(br, rt, o.version, arg, rest[1], o.portNames);
      }
      case "dump-tables":
        return dumpTables(br, o.version, (t) => flowTableName(sw, br.name, t) || br.tableConfig.openflowName(t));
      case "dump-table-features":
        return dumpTableFeatures(br, o.version, (t) => flowTableName(sw, br.name, t) || br.tableConfig.openflowName(t));
      case "mod-table":
        return modTable(br, o.version, arg ?? "", rest[1] ?? "", sw.now, (t) => flowTableName(sw, br.name, t));
      case "dump-table-desc":
        return dumpTableDesc(br, o.version);
      case "probe":
        return probe();
      case "get-frags":
        return getFrags(br);
      case "set-frags":
        return setFrags(br, arg ?? "");
      case "add-groups":
        return addGroups(sw, br, arg ?? "", o);
      case "add-group":
        return groupModOrFile(sw, br, arg, "add", o);
      case "mod-group":
        return groupModOrFile(sw, br, arg, o.mayCreate ? "add_or_mod" : "modify", o);
      case "insert-buckets":
        return groupModOrFile(sw, br, arg, "insert_bucket", o);
      case "remove-buckets":
        return groupModOrFile(sw, br, arg, "remove_bucket", o);
      case "del-groups":
        return groupModOrFile(sw, br, arg, "delete", o);
      case "dump-groups":
        return dumpGroups(br, arg, o);
      case "dump-group-stats":
        return dumpGroupStats(sw, br, arg, o);
      case "dump-group-features":
        return dumpGroupFeatures(o);
      case "add-meter":
        return meterMod(sw, br, arg ?? "", "add", o);
      case "mod-meter":
        return meterMod(sw, br, arg ?? "", "modify", o);
      case "del-meters":
      case "del-meter":
        return meterMod(sw, br, arg ?? "", "delete", o);
      case "dump-meters":
        return dumpMeters(br, arg, o);
      case "meter-stats":
        return meterStats(sw, br, arg, o);
      case "meter-features":
        return meterFeatures(o);
      case "packet-out":
        return packetOutCommand(sw, br, rest, o);
      case "dump-ipfix-bridge":
      case "dump-ipfix-flow":
        return dumpIpfix(sw, br.name, cmd === "dump-ipfix-bridge" ? "bridge" : "flow", o.version);
      default:
        return failure(`ovs-ofctl: unknown command '${cmd}'; use --help for help`);
    }
  } catch (e) {
    if (e instanceof FlowParseError) return { stdout: [], stderr: [...log, `ovs-ofctl: ${e.message}`], ok: false };
    if (e instanceof OfctlReplyError) return { stdout: [], stderr: [...log, ...e.lines], ok: false };
    if (e instanceof FlowModError) {
      return { stdout: [], stderr: [...log, ...flowModErrorText(e, o.names ? bridgePortNames(br) : undefined)], ok: false };
    }
    if (e instanceof OpenFlowError) return { stdout: [], stderr: [...log, `OFPT_ERROR: ${e.ofperr}`], ok: false };
    throw e;
  }
}
