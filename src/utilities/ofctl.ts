/**
 * `ovs-ofctl`: add-flow, add-flows, mod-flows, del-flows, replace-flows,
 * diff-flows, dump-flows, dump-aggregate, show, dump-ports and mod-port, with
 * the global options of ofctl-options.ts (-O, -F, --strict, --sort, --names,
 * --no-stats...). Flows go through
 * the same path as in OVS: parse, choose a flow format, normalize or check
 * prerequisites, then the bridge's flow_mod semantics; a refusal prints as
 * OVS prints an OFPT_ERROR (ofctl-messages.ts).
 */
import type { Bridge } from "../datapath/bridge.js";
import { FlowParseError, OpenFlowError } from "../flowtable/errors.js";
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
import { flowFileLineCommand, preprocessedLines } from "./ofctl-file-lines.js";
import { parseFlowCommand, parseFlowsCommand } from "./ofctl-parse.js";
import { dumpMeters, meterFeatures, meterMod, meterStats } from "./ofctl-meter.js";
import { dumpPorts, dumpPortsDesc, modPort, showBridge } from "./ofctl-ports.js";
import { bridgePortNames, formatFlowLine, selectFlows } from "../vswitchd/flow-dump.js";
import { sortFlows } from "../vswitchd/flow-sort.js";
import { applyFlowMod, FlowModError, prepareFlowMod } from "../vswitchd/flow-mod-text.js";
import type { Switch } from "../vswitchd/switch.js";

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
  const sorted = o.sort.length > 0 ? sortFlows(flows, o.sort) : flows;
  // OpenFlow 1.5 replies carry ages in their own stats (OXS); older ones only in the reply ovs-ofctl prints as is.
  const lo = { noStats: o.noStats, version: o.version, names: o.names, ages: !collected || o.version >= 15 };
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
export function prepareFlowFile(br: Bridge, path: string, o: OfctlOptions, log: string[], lineCommands = false): SentFlowMod[] {
  const out: SentFlowMod[] = [];
  for (const { line, number } of preprocessedLines(readFlowFile(path))) {
    const { command, rest } = lineCommands ? flowFileLineCommand(line) : { command: "add" as const, rest: line };
    try {
      out.push(prepareFlowMod(br, rest, command, o.version, log, o));
    } catch (e) {
      if (e instanceof FlowParseError) throw new FlowParseError(`${path}:${number}: ${e.message}`, line);
      throw e;
    }
  }
  return out;
}

/** ovs-ofctl's usage lines (its own words) for the commands ovsim implements, in its order. */
const USAGE = [
  "ovs-ofctl: OpenFlow switch management utility",
  "usage: ovs-ofctl [OPTIONS] COMMAND [ARG...]",
  "",
  "For OpenFlow switches:",
  "  show SWITCH                 show OpenFlow information",
  "  mod-port SWITCH IFACE ACT   modify port behavior",
  "  dump-ports SWITCH [PORT]    print port statistics",
  "  dump-ports-desc SWITCH [PORT]  print port descriptions",
  "  dump-flows SWITCH           print all flow entries",
  "  dump-flows SWITCH FLOW      print matching FLOWs",
  "  dump-aggregate SWITCH       print aggregate flow statistics",
  "  dump-aggregate SWITCH FLOW  print aggregate stats for FLOWs",
  "  add-flow SWITCH FLOW        add flow described by FLOW",
  "  add-flows SWITCH FILE       add flows from FILE",
  "  mod-flows SWITCH FLOW       modify actions of matching FLOWs",
  "  del-flows SWITCH [FLOW]     delete matching FLOWs",
  "  replace-flows SWITCH FILE   replace flows with those in FILE",
  "  diff-flows SOURCE1 SOURCE2  compare flows from two sources",
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
  "  add-meter SWITCH METER      add meter described by METER",
  "  mod-meter SWITCH METER      modify specific METER",
  "  del-meters SWITCH [METER]   delete meters matching METER",
  "  dump-meters SWITCH [METER]  print METER configuration",
  "  meter-stats SWITCH [METER]  print meter statistics",
  "  meter-features SWITCH       print meter features",
  "SWITCH is a bridge name (ovsim has no OpenFlow connection methods).",
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
  const parsed = parseOfctlArgs(argv);
  if (parsed.kind === "help") return output([...USAGE]);
  if (parsed.kind === "print") return output(parsed.lines);
  if (parsed.kind === "error") return failure(parsed.message);
  const { options: o, args } = parsed;
  const [cmd, brName = "", ...rest] = args;
  if (cmd === undefined) return failure("ovs-ofctl: missing command name; use --help for help");
  if (cmd === "diff-flows") return diffFlows(sw, brName, rest[0] ?? "", o);
  if (cmd === "parse-flow") return parseFlowCommand(brName, o);
  if (cmd === "parse-flows") return parseFlowsCommand(brName, o);
  const br = sw.bridge(brName);
  if (!br) return failure(`ovs-ofctl: ${brName} is not a bridge or a socket`);
  const arg = rest[0];
  const log: string[] = [];
  try {
    switch (cmd) {
      case "add-flow":
        flowMod(sw, br, arg ?? "", "add", o, log);
        return output([], log);
      case "add-flows":
        for (const sent of prepareFlowFile(br, arg ?? "", o, log, true)) applyFlowMod(br, sent, sw.now);
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
      case "dump-ports-desc":
        return dumpPortsDesc(br, o.version, arg, o.portNames);
      case "mod-port":
        return modPort(br, arg ?? "", rest[1] ?? "");
      case "add-groups":
        return addGroups(sw, br, arg ?? "", o);
      case "add-group":
        return groupMod(sw, br, arg ?? "", "add", o);
      case "mod-group":
        return groupMod(sw, br, arg ?? "", o.mayCreate ? "add_or_mod" : "modify", o);
      case "insert-buckets":
        return groupMod(sw, br, arg ?? "", "insert_bucket", o);
      case "remove-buckets":
        return groupMod(sw, br, arg ?? "", "remove_bucket", o);
      case "del-groups":
        return groupMod(sw, br, arg ?? "", "delete", o);
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
