/**
 * `ovs-ofctl` flow commands: add-flow, add-flows, mod-flows, del-flows and
 * dump-flows, with --strict, --no-stats and -O/--protocols. Flows go through
 * the same path as in OVS: parse, choose a flow format, normalize or check
 * prerequisites, then the bridge's flow_mod semantics.
 */
import { readFileSync } from "node:fs";
import { formatActions } from "../actions/action-text.js";
import type { ActionList } from "../actions/action-types.js";
import type { SwitchResources } from "../actions/flow-actions.js";
import { actionsAsDumped, parseFlowActions, receiveFlowActions } from "../actions/flow-actions.js";
import type { Bridge } from "../datapath/bridge.js";
import { FlowParseError, OpenFlowError } from "../flowtable/errors.js";
import { formatFlowStats } from "../flowtable/flow-format.js";
import type { FlowModCommand } from "../flowtable/flow-mod-parse.js";
import { parseFlow } from "../flowtable/flow-mod-parse.js";
import { submitFlow } from "../flowtable/flow-mod-submit.js";
import { transmitMatch } from "../flowtable/match-transmit.js";
import { chooseProtocol, matchProtocolOf, protocolsForVersion } from "../flowtable/openflow-protocols.js";
import type { PortNameMap } from "../flowtable/ports.js";
import { OFPP_LOCAL } from "../flowtable/ports.js";
import type { CommandResult } from "./command-result.js";
import { failure, output } from "./command-result.js";
import type { World } from "./world.js";

type OfVersion = "OpenFlow10" | "OpenFlow13";

interface Options {
  strict: boolean;
  noStats: boolean;
  version: OfVersion;
}

function bridgeNames(br: Bridge): PortNameMap {
  return { numberOf: (n) => (n === br.name ? OFPP_LOCAL : undefined), nameOf: () => undefined };
}

/** ovsim bridges have no groups or meters yet: actions naming one are refused, as OVS refuses unknown ones. */
const NO_RESOURCES: SwitchResources = { hasGroup: () => false, hasMeter: () => false };

function flowMod(world: World, br: Bridge, text: string, command: FlowModCommand, o: Options, log: string[]): void {
  const names = bridgeNames(br);
  let parsed = parseFlow(text, command, names);
  let actions: ActionList = [];
  if (parsed.actions !== null) {
    // ovs-ofctl checks the actions against the match; they may narrow the usable flow formats.
    const fa = parseFlowActions(parsed.actions, {
      names,
      match: parsed.match,
      tableId: parsed.tableId,
      usableProtocols: parsed.usableProtocols,
    });
    actions = fa.actions;
    parsed = { ...parsed, usableProtocols: parsed.usableProtocols & fa.usableProtocols };
  }
  const sub = submitFlow(parsed, actions, protocolsForVersion(o.version));
  log.push(...sub.log.map((l) => `ofp_match|INFO|${l}`));
  if (!sub.ok) {
    if ("ofctlError" in sub) throw new FlowParseError(sub.ofctlError, text);
    throw new OpenFlowError(sub.ofperr);
  }
  let flowMod = sub.flowMod;
  if (parsed.actions !== null) {
    // The switch decodes the actions for the chosen format and checks them again.
    const received = receiveFlowActions(actions, sub.protocol, flowMod.match, flowMod.tableId, NO_RESOURCES);
    if (!received.ok) throw new OpenFlowError(received.ofperr);
    flowMod = { ...flowMod, actions: received.actions };
  }
  br.tables.apply(flowMod, world.now);
}

function dumpFlows(world: World, br: Bridge, text: string, o: Options): string[] {
  const names = bridgeNames(br);
  const parsed = parseFlow(text, "stats", names);
  const choice = chooseProtocol(parsed.usableProtocols, protocolsForVersion(o.version));
  if (!choice.ok) throw new FlowParseError(choice.error, text);
  const sent = transmitMatch(parsed.match, matchProtocolOf(choice.protocol));
  if (!sent.ok) throw new OpenFlowError(sent.ofperr);
  const flows = br.tables.select({
    tableId: parsed.tableId,
    match: sent.match,
    cookie: parsed.cookie,
    cookieMask: parsed.cookieMask,
    outPort: parsed.outPort,
    outGroup: parsed.outGroup,
  });
  const ofVersion = o.version === "OpenFlow13" ? 13 : 10;
  const lines = flows.map(
    (f) =>
      " " +
      formatFlowStats(f, {
        showStats: !o.noStats,
        now: world.now,
        ofVersion,
        names,
        formatActions: (a) => formatActions(actionsAsDumped(a, choice.protocol, f.match), names),
      }),
  );
  if (o.noStats) return lines;
  return [o.version === "OpenFlow13" ? "OFPST_FLOW reply (OF1.3) (xid=0x2):" : "NXST_FLOW reply (xid=0x4):", ...lines];
}

export function runOfctl(world: World, argv: string[]): CommandResult {
  const o: Options = { strict: false, noStats: false, version: "OpenFlow10" };
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--strict") o.strict = true;
    else if (a === "--no-stats") o.noStats = true;
    else if (a === "-O" || a === "--protocols") o.version = (argv[++i] ?? "OpenFlow10") as OfVersion;
    else if (a.startsWith("--protocols=")) o.version = a.slice("--protocols=".length) as OfVersion;
    else if (a.startsWith("-O")) o.version = a.slice(2) as OfVersion;
    else args.push(a);
  }
  if (o.version !== "OpenFlow10" && o.version !== "OpenFlow13") {
    return failure(`ovs-ofctl: ${o.version}: unsupported OpenFlow version in ovsim (use OpenFlow10 or OpenFlow13)`);
  }
  const [cmd, brName = "", arg] = args;
  const br = world.bridge(brName);
  if (cmd === undefined) return failure("ovs-ofctl: missing command name; use --help for help");
  if (!br) return failure(`ovs-ofctl: ${brName} is not a bridge or a socket`);
  const log: string[] = [];
  try {
    switch (cmd) {
      case "add-flow":
        flowMod(world, br, arg ?? "", "add", o, log);
        return output([], log);
      case "add-flows": {
        const text = arg === "-" || arg === undefined ? "" : readFileSync(arg, "utf8");
        for (const line of text.split("\n")) {
          if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
          flowMod(world, br, line, "add", o, log);
        }
        return output([], log);
      }
      case "mod-flows":
        flowMod(world, br, arg ?? "", o.strict ? "modify_strict" : "modify", o, log);
        return output([], log);
      case "del-flows":
        flowMod(world, br, arg ?? "", o.strict ? "delete_strict" : "delete", o, log);
        return output([], log);
      case "dump-flows":
        return output(dumpFlows(world, br, arg ?? "", o), log);
      default:
        return failure(`ovs-ofctl: unknown command '${cmd}'; use --help for help`);
    }
  } catch (e) {
    if (e instanceof FlowParseError) return { stdout: [], stderr: [...log, `ovs-ofctl: ${e.message}`], ok: false };
    if (e instanceof OpenFlowError) return { stdout: [], stderr: [...log, `OFPT_ERROR: ${e.ofperr}`], ok: false };
    throw e;
  }
}
