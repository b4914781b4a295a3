/**
 * ovs-ofctl's bundles: `--bundle` with the flow and group commands
 * (add-flow[s], mod-flows, del-flows, replace-flows, add-group[s], mod-group,
 * del-groups, insert-buckets, remove-buckets) and the `bundle SWITCH FILE` command, as
 * utilities/ovs-ofctl.c and lib/vconn.c's vconn_bundle_transact run them:
 * every message is parsed first (a parse error sends nothing), then the
 * bundle is opened, each message added, a barrier sent; any error so far
 * discards the bundle, else it is committed (src/vswitchd/bundle.ts decides
 * what the switch refuses, and when).
 *
 * What it prints is bundle_print_errors': each error the switch sent as
 * `Error OFPxxx for: ` and the request it refers to as ofp-print shows it
 * (`OFPT_FLOW_MOD (OF1.4) (xid=0x8): ADD udp actions=group:1235`); a failed
 * commit adds OFPBFC_MSG_FAILED for the commit request, then ovs-ofctl
 * gives up "talking to" the switch (exit status 1).
 *
 * Transaction ids, as one ovs-ofctl process hands them out: the messages
 * 6, 7, ... in order (encoded before the bundle opens), then the open
 * request, the barrier and the commit (or discard) request.
 */
import type { ActionList } from "../actions/action-types.js";
import type { GroupModCommand } from "../actions/group-types.js";
import type { Bridge } from "../datapath/bridge.js";
import { FlowParseError } from "../flowtable/errors.js";
import type { FlowModCommand } from "../flowtable/flow-mod-parse.js";
import type { FlowMod } from "../flowtable/flow-tables.js";
import { formatMatch } from "../flowtable/match-format.js";
import { protocolsForVersion } from "../flowtable/openflow-protocols.js";
import type { PortNameMap } from "../flowtable/ports.js";
import { checkGroupMod } from "../actions/group-check.js";
import type { BundleEntry } from "../vswitchd/bundle.js";
import { bundleAddError, commitBundle } from "../vswitchd/bundle.js";
import { bridgePortNames } from "../vswitchd/flow-dump.js";
import { FlowModError, prepareFlowMod } from "../vswitchd/flow-mod-text.js";
import { receiveGroupMod } from "../vswitchd/group-meter-mods.js";
import type { Switch } from "../vswitchd/switch.js";
import type { CommandResult } from "./command-result.js";
import { failure, output } from "./command-result.js";
import { readFlowFile } from "./flow-file.js";
import { groupModClientError, groupModRequestLines } from "./ofctl-group.js";
import { flowFileLineCommand, groupFileLineCommand, preprocessedLines } from "./ofctl-file-lines.js";
import type { OfVersion, SentFlowMod } from "./ofctl-messages.js";
import { formatFlowModBody, header, requestName, versionOfProtocol } from "./ofctl-messages.js";
import type { OfctlOptions } from "./ofctl-options.js";

/** The first transaction id of a bundle's messages (see the file comment). */
const FIRST_XID = 6;

/** A bundle's flow_mods carry their groups and meters unchecked until the commit (ofproto_check_ofpacts). */
export const BUNDLE_RESOURCES = { hasGroup: (): boolean => true, hasMeter: (): boolean => true };

/** replace-flows' first flow_mod xid: its flow dump came first (recorded from OVS 3.1 over OpenFlow 1.3, 1.4 and 1.5). */
const REPLACE_FIRST_XID = 7;

/** One message as ovs-ofctl encoded it: what the switch gets (or the error decoding it) and its ofp-print text. */
interface BundleMessage {
  /** What the switch adds to the bundle, or null when it cannot decode the message. */
  readonly entry: BundleEntry | null;
  /** The switch's error adding it (decoding, or the mod's init), or null. */
  readonly addError: string | null;
  /** The request as ofp-print shows it with transaction id `xid`. */
  readonly request: (xid: number) => string[];
}

/** A flow line (`command` fixed) as a bundle message; FlowParseError when ovs-ofctl cannot parse it. */
function flowMessage(br: Bridge, text: string, command: FlowModCommand, o: OfctlOptions, log: string[], names: PortNameMap | undefined): BundleMessage {
  let sent: SentFlowMod;
  let decodeError: string | null = null;
  try {
    sent = prepareFlowMod(br, text, command, o.version, log, o, BUNDLE_RESOURCES);
  } catch (e) {
    if (!(e instanceof FlowModError)) throw e;
    sent = e.sent;
    decodeError = e.decodeError ?? e.ofperr;
  }
  return sentFlowMessage(sent, decodeError, names);
}

/** A flow_mod ovs-ofctl encoded (`decodeError`: the switch cannot decode it) as a bundle message. */
function sentFlowMessage(sent: SentFlowMod, decodeError: string | null, names: PortNameMap | undefined): BundleMessage {
  const v = versionOfProtocol(sent.protocol);
  const request = (xid: number): string[] => [
    `${header(requestName(sent.protocol), v, xid)}${decodeError === null ? formatFlowModBody(sent, names) : ` ***decode error: ${decodeError}***`}`,
  ];
  if (decodeError !== null) return { entry: null, addError: decodeError, request };
  const entry: BundleEntry = { kind: "flow", mod: sent.flowMod };
  return { entry, addError: bundleAddError(entry), request };
}

/**
 * `--bundle replace-flows`: the strict deletes of the switch's flows the file
 * lacks, then the file's adds, in one bundle (ofctl_replace_flows).
 */
export function bundleReplaceFlows(
  sw: Switch,
  br: Bridge,
  deletes: readonly FlowMod<ActionList>[],
  adds: readonly SentFlowMod[],
  o: OfctlOptions,
  log: string[],
): CommandResult {
  const names = o.names ? bridgePortNames(br) : undefined;
  const messages: BundleMessage[] = [
    ...deletes.map((mod): BundleMessage => {
      const entry: BundleEntry = { kind: "flow", mod };
      const table = mod.tableId !== 0 ? ` table:${mod.tableId}` : "";
      const request = (xid: number): string[] => [`${header("OFPT_FLOW_MOD", o.version, xid)} DEL_STRICT${table} ${formatMatch(mod.match, mod.priority, names)} actions=drop`];
      return { entry, addError: bundleAddError(entry), request };
    }),
    ...adds.map((sent) => sentFlowMessage(sent, null, names)),
  ];
  return transact(sw, br, messages, o.version, log, REPLACE_FIRST_XID);
}

/** A group line as a bundle message; a string is ovs-ofctl's own refusal. FlowParseError for bad text. */
function groupMessage(br: Bridge, text: string, command: GroupModCommand, o: OfctlOptions): BundleMessage | string {
  const mod = receiveGroupMod(br, text, command, o.version);
  const refused = groupModClientError(mod, command, o);
  if (refused !== null) return refused;
  const decodeError = checkGroupMod(mod);
  const request = (xid: number): string[] => groupModRequestLines(mod, o, xid, decodeError);
  if (decodeError !== null) return { entry: null, addError: decodeError, request };
  const entry: BundleEntry = { kind: "group", mod };
  return { entry, addError: bundleAddError(entry), request };
}

/** `Error OFPxxx for: ` and the request's lines, its first on the same line. */
function errorFor(ofperr: string, request: readonly string[]): string[] {
  const [first = "", ...more] = request;
  return [`Error ${ofperr} for: ${first}`, ...more];
}

/** vconn_bundle_transact and bundle_print_errors over OpenFlow `version` (1.3+); the messages' xids start at `firstXid`. */
function transact(sw: Switch, br: Bridge, messages: readonly BundleMessage[], version: OfVersion, log: string[], firstXid = FIRST_XID): CommandResult {
  const errors: string[] = [];
  messages.forEach((m, i) => {
    if (m.addError !== null) errors.push(...errorFor(m.addError, m.request(firstXid + i)));
  });
  const n = messages.length;
  const talking = `ovs-ofctl: talking to unix:/var/run/openvswitch/${br.name}.mgmt (Protocol error)`;
  // An error while adding: the bundle is discarded, which the switch answers without error.
  if (errors.length > 0) return { stdout: [], stderr: [...log, ...errors, talking], ok: false };
  const entries = messages.map((m) => m.entry as BundleEntry);
  const failed = commitBundle(br, entries, sw.now, sw.vlog.get("ofproto_dpif"));
  if (failed === null) return output([], log);
  const control = header(version === 13 ? "ONFT_BUNDLE_CONTROL" : "OFPT_BUNDLE_CONTROL", version, firstXid + n + 2);
  return {
    stdout: [],
    stderr: [
      ...log,
      ...errorFor(failed.ofperr, (messages[failed.index] as BundleMessage).request(firstXid + failed.index)),
      `Error OFPBFC_MSG_FAILED for: ${control}`,
      " bundle_id=0 type=COMMIT_REQUEST flags=atomic ordered",
      talking,
    ],
    ok: false,
  };
}

/** The lines of a file ovs-ofctl reads, each with its `FILE:LINE: ` prefix for errors. */
function fileLines(path: string): { readonly line: string; readonly where: string }[] {
  return preprocessedLines(readFlowFile(path)).map(({ line, number }) => ({ line, where: `${path}:${number}: ` }));
}

/** Runs `parse` on each line, a FlowParseError prefixed with the line's place. */
function parseLines<T>(lines: readonly { readonly line: string; readonly where: string }[], parse: (line: string) => T): T[] {
  return lines.map(({ line, where }) => {
    try {
      return parse(line);
    } catch (e) {
      if (e instanceof FlowParseError) throw new FlowParseError(`${where}${e.message}`, line);
      throw e;
    }
  });
}

const FLOW_COMMANDS: ReadonlyMap<string, FlowModCommand> = new Map([["add-flow", "add"], ["add-flows", "add"], ["mod-flows", "modify"], ["del-flows", "delete"]]);
const GROUP_COMMANDS: ReadonlyMap<string, GroupModCommand> = new Map([
  ["add-group", "add"],
  ["add-groups", "add"],
  ["mod-group", "modify"],
  ["del-groups", "delete"],
  ["insert-buckets", "insert_bucket"],
  ["remove-buckets", "remove_bucket"],
]);

/**
 * `--bundle` with a flow or group command (`arg` its FLOW, GROUP or FILE, `-`
 * a file on standard input): the command's messages in one bundle. Null when
 * `cmd` sends no flow or group mods (it then runs as without `--bundle`).
 */
export function runBundled(sw: Switch, br: Bridge, cmd: string, arg: string | undefined, o: OfctlOptions, log: string[]): CommandResult | null {
  const names = o.names ? bridgePortNames(br) : undefined;
  const flowCommand = FLOW_COMMANDS.get(cmd);
  if (flowCommand !== undefined) {
    let command = flowCommand;
    if (command === "modify" && o.strict) command = "modify_strict";
    if (command === "delete" && o.strict) command = "delete_strict";
    const fromFile = cmd === "add-flows" || arg === "-";
    const lineCommands = fromFile && command === "add";
    const messages = fromFile
      ? parseLines(fileLines(arg ?? ""), (line) => {
          const c = lineCommands ? flowFileLineCommand(line) : { command, rest: line };
          return flowMessage(br, c.rest, c.command, o, log, names);
        })
      : [flowMessage(br, arg ?? "", command, o, log, names)];
    return transact(sw, br, messages, o.version, log);
  }
  const groupCommand = GROUP_COMMANDS.get(cmd);
  if (groupCommand === undefined) return null;
  let command = groupCommand;
  if (command === "modify" && o.mayCreate) command = "add_or_mod";
  const fromFile = cmd === "add-groups" || arg === "-";
  const parsed = fromFile
    ? parseLines(fileLines(arg ?? ""), (line) => {
        const c = command === "add" ? groupFileLineCommand(line) : { command, rest: line };
        return groupMessage(br, c.rest.replace(/^[, \t\r\n]+/, ""), c.command, o);
      })
    : [groupMessage(br, arg ?? "", command, o)];
  const refused = parsed.find((m): m is string => typeof m === "string");
  if (refused !== undefined) return failure(refused);
  return transact(sw, br, parsed as BundleMessage[], o.version, log);
}

/**
 * `bundle SWITCH FILE`: a file of `flow ...` and `group ...` lines (each may
 * begin with its command, as in add-flows / add-groups) in one bundle. Without
 * an OpenFlow 1.3+ version allowed, ovs-ofctl allows OpenFlow 1.4 alone.
 */
export function bundleFile(sw: Switch, br: Bridge, path: string, given: OfctlOptions, log: string[]): CommandResult {
  const o: OfctlOptions = given.version >= 13 ? given : { ...given, version: 14, flowFormats: protocolsForVersion("OpenFlow14") };
  const names = o.names ? bridgePortNames(br) : undefined;
  const parsed = parseLines(fileLines(path), (line) => {
    const s = line.replace(/^[ \t\r\n]+/, "");
    const len = /^[^, \t\r\n]*/.exec(s)?.[0].length ?? 0;
    const word = s.slice(0, len);
    const rest = s.slice(len);
    // parse_ofp_bundle_file compares the first word with each type over the word's length (strncmp).
    if ("flow".startsWith(word)) {
      const c = flowFileLineCommand(rest);
      return flowMessage(br, c.rest, c.command, o, log, names);
    }
    if ("group".startsWith(word)) {
      const c = groupFileLineCommand(rest);
      return groupMessage(br, c.rest.replace(/^[, \t\r\n]+/, ""), c.command, o);
    }
    if ("packet-out".startsWith(word)) throw new FlowParseError("packet-out in a bundle is not supported by ovsim", line);
    throw new FlowParseError(`Unsupported bundle message type: ${word}`, line);
  });
  const refused = parsed.find((m): m is string => typeof m === "string");
  if (refused !== undefined) return failure(refused);
  return transact(sw, br, parsed as BundleMessage[], o.version, log);
}
