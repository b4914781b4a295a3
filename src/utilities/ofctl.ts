/**
 * `ovs-ofctl`: add-flow, add-flows, mod-flows, del-flows, replace-flows,
 * diff-flows, dump-flows, dump-aggregate, show, dump-ports and mod-port, with
 * --strict, --no-stats and -O/--protocols OpenFlow10..15. Flows go through
 * the same path as in OVS: parse, choose a flow format, normalize or check
 * prerequisites, then the bridge's flow_mod semantics; a refusal prints as
 * OVS prints an OFPT_ERROR (ofctl-messages.ts).
 */
import type { Bridge } from "../datapath/bridge.js";
import { FlowParseError, OpenFlowError } from "../flowtable/errors.js";
import type { FlowModCommand } from "../flowtable/flow-mod-parse.js";
import type { CommandResult } from "./command-result.js";
import { failure, output } from "./command-result.js";
import { diffFlows, replaceFlows } from "./ofctl-diff.js";
import { readFlowFile } from "./flow-file.js";
import type { OfVersion, SentFlowMod } from "./ofctl-messages.js";
import { dumpXid, flowModErrorLines, header } from "./ofctl-messages.js";
import { dumpGroupFeatures, dumpGroups, dumpGroupStats, groupMod } from "./ofctl-group.js";
import { dumpMeters, meterFeatures, meterMod, meterStats } from "./ofctl-meter.js";
import { dumpPorts, modPort, showBridge } from "./ofctl-ports.js";
import { formatFlowLine, selectFlows } from "../vswitchd/flow-dump.js";
import { applyFlowMod, FlowModError, prepareFlowMod } from "../vswitchd/flow-mod-text.js";
import type { Switch } from "../vswitchd/switch.js";

export interface OfctlOptions {
  strict: boolean;
  noStats: boolean;
  version: OfVersion;
}

const VERSION_NAMES: ReadonlyArray<readonly [string, OfVersion]> = [
  ["openflow10", 10],
  ["openflow11", 11],
  ["openflow12", 12],
  ["openflow13", 13],
  ["openflow14", 14],
  ["openflow15", 15],
];

/** The version a `-O` list negotiates with ovs-vswitchd (which speaks all): the highest listed. */
function parseVersions(list: string): OfVersion | string {
  let best: OfVersion | null = null;
  for (const word of list.split(",")) {
    const v = VERSION_NAMES.find(([n]) => n === word.trim().toLowerCase())?.[1];
    if (v === undefined) return `${word}: unknown OpenFlow version`;
    if (best === null || v > best) best = v;
  }
  return best ?? 10;
}


/** The switch answered a request with an error: what ovs-ofctl prints for it. */
export class OfctlReplyError extends Error {
  readonly code = "OFCTL_REPLY";
  readonly lines: string[];
  constructor(lines: string[]) {
    super(lines[0] ?? "OFPT_ERROR");
    this.lines = lines;
  }
}

/** What ovs-ofctl prints for a refused flow_mod: the OFPT_ERROR and the request decoded. */
export function flowModErrorText(e: FlowModError): string[] {
  return flowModErrorLines(e.ofperr, e.sent, undefined, e.decodeError);
}

function flowMod(sw: Switch, br: Bridge, text: string, command: FlowModCommand, o: OfctlOptions, log: string[]): void {
  applyFlowMod(br, prepareFlowMod(br, text, command, o.version, log), sw.now);
}

function dumpFlows(sw: Switch, br: Bridge, text: string | undefined, o: OfctlOptions): string[] {
  const { flows, protocol } = selectFlows(br, text ?? "", o.version);
  const lines = flows.map((f) => ` ${formatFlowLine(br, f, protocol, { noStats: o.noStats, version: o.version }, sw.now)}`);
  if (o.noStats) return lines;
  const name = o.version === 10 ? "NXST_FLOW reply" : "OFPST_FLOW reply";
  return [header(name, o.version, dumpXid(o.version, text !== undefined)), ...lines];
}

function dumpAggregate(br: Bridge, text: string | undefined, o: OfctlOptions): string[] {
  const { flows } = selectFlows(br, text ?? "", o.version);
  let packets = 0;
  let bytes = 0;
  for (const f of flows) {
    packets += f.nPackets;
    bytes += f.nBytes;
  }
  const name = o.version === 10 ? "NXST_AGGREGATE reply" : "OFPST_AGGREGATE reply";
  return [`${header(name, o.version, dumpXid(o.version, text !== undefined))} packet_count=${packets} byte_count=${bytes} flow_count=${flows.length}`];
}

/**
 * Parses every flow of a file (add-flows / replace-flows / diff-flows) before
 * anything is sent, as ovs-ofctl does: blank lines and `#` comments skipped; a
 * bad line fails the whole command with `FILE:LINE: message`.
 */
export function prepareFlowFile(br: Bridge, path: string, o: OfctlOptions, log: string[]): SentFlowMod[] {
  const text = readFlowFile(path);
  const out: SentFlowMod[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "");
    if (line.trim() === "" || line.trimStart().startsWith("#")) return;
    try {
      out.push(prepareFlowMod(br, line, "add", o.version, log));
    } catch (e) {
      if (e instanceof FlowParseError) throw new FlowParseError(`${path}:${i + 1}: ${e.message}`, line);
      throw e;
    }
  });
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
  "  add-group SWITCH GROUP      add group described by GROUP",
  "  mod-group SWITCH GROUP      modify specific group",
  "  del-groups SWITCH [GROUP]   delete matching GROUPs",
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
  "Options (ovsim implements these of ovs-ofctl's):",
  "  --strict                    use strict match for flow commands",
  "  --no-stats                  do not print flow statistics",
  "  -O, --protocols=LIST        OpenFlow versions to use (OpenFlow10..OpenFlow15)",
  "  --names, --no-names, --read-only   accepted, no effect",
  "  -h, --help                  display this help message",
];

export function runOfctl(sw: Switch, argv: string[]): CommandResult {
  const o: OfctlOptions = { strict: false, noStats: false, version: 10 };
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    let versions: string | null = null;
    if (a === "--help" || a === "-h") return output([...USAGE]);
    if (a === "--strict") o.strict = true;
    else if (a === "--no-stats") o.noStats = true;
    else if (a === "--names" || a === "--no-names" || a === "--read-only") continue;
    else if (a === "-O" || a === "--protocols") versions = argv[++i] ?? "";
    else if (a.startsWith("--protocols=")) versions = a.slice("--protocols=".length);
    else if (a.startsWith("-O")) versions = a.slice(2);
    else args.push(a);
    if (versions !== null) {
      const v = parseVersions(versions);
      if (typeof v === "string") return failure(`ovs-ofctl: ${v}`);
      o.version = v;
    }
  }
  const [cmd, brName = "", ...rest] = args;
  if (cmd === undefined) return failure("ovs-ofctl: missing command name; use --help for help");
  if (cmd === "diff-flows") return diffFlows(sw, brName, rest[0] ?? "", o);
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
        for (const sent of prepareFlowFile(br, arg ?? "", o, log)) applyFlowMod(br, sent, sw.now);
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
        return rt ? dumpPorts(br, rt, o.version, arg, sw.now) : failure(`ovs-ofctl: ${brName} is not a bridge or a socket`);
      }
      case "mod-port":
        return modPort(br, arg ?? "", rest[1] ?? "");
      case "add-group":
        return groupMod(sw, br, arg ?? "", "add", o);
      case "mod-group":
        return groupMod(sw, br, arg ?? "", "modify", o);
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
    if (e instanceof FlowModError) return { stdout: [], stderr: [...log, ...flowModErrorText(e)], ok: false };
    if (e instanceof OpenFlowError) return { stdout: [], stderr: [...log, `OFPT_ERROR: ${e.ofperr}`], ok: false };
    throw e;
  }
}
