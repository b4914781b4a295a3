/**
 * ovs-ofctl's offline flow parsers, `parse-flow FLOW` and `parse-flows FILE`:
 * no switch, only ovs-ofctl's own side of add-flow. Every flow is parsed (no
 * port names: there is no switch to ask), its actions checked against its
 * match; the flow formats all of them can travel in are printed
 * (`usable protocols: ...`), the first of those the options allow is chosen
 * (`chosen protocol: ...`, the lowest bit, as ofctl_parse_flows__), and each
 * flow_mod is printed as ofp-print decodes it after encoding in that format
 * (`OFPT_FLOW_MOD (xid=0x1): ADD ...`), one transaction id each from 1.
 * None usable: `ovs-ofctl: no usable protocol` after the first line.
 */
import { actionsAsDumped, parseFlowActions } from "../actions/flow-actions.js";
import type { ActionList } from "../actions/action-types.js";
import { FlowParseError } from "../flowtable/errors.js";
import type { ParsedFlow } from "../flowtable/flow-mod-parse.js";
import { parseFlow } from "../flowtable/flow-mod-parse.js";
import { submitFlow } from "../flowtable/flow-mod-submit.js";
import { P_ANY, protocolName, protocolsToString } from "../flowtable/openflow-protocols.js";
import type { CommandResult } from "./command-result.js";
import { readFlowFile } from "./flow-file.js";
import { preprocessedLines } from "./ofctl-file-lines.js";
import { formatFlowModBody, header, requestName, versionOfProtocol } from "./ofctl-messages.js";
import type { OfctlOptions } from "./ofctl-options.js";

/** One flow as ovs-ofctl parsed it, before a flow format is chosen. */
interface OfflineFlow {
  readonly parsed: ParsedFlow;
  readonly actions: ActionList;
}

/** parse_ofp_flow_mod_str for an add, offline: the flow and its actions checked against the match. */
function parseOffline(text: string): OfflineFlow {
  const parsed = parseFlow(text, "add");
  if (parsed.actions === null) return { parsed, actions: [] };
  const fa = parseFlowActions(parsed.actions, { match: parsed.match, tableId: parsed.tableId, usableProtocols: parsed.usableProtocols });
  return { parsed: { ...parsed, usableProtocols: parsed.usableProtocols & fa.usableProtocols }, actions: fa.actions };
}

/** ofctl_parse_flows__: the usable formats, the chosen one, each flow_mod as sent in it. */
function printFlowMods(flows: readonly OfflineFlow[], o: OfctlOptions): CommandResult {
  let usable = P_ANY;
  for (const f of flows) usable &= f.parsed.usableProtocols;
  const stdout = [`usable protocols: ${protocolsToString(usable)}`];
  const candidates = usable & o.flowFormats;
  if (candidates === 0) return { stdout, stderr: ["ovs-ofctl: no usable protocol"], ok: false };
  const protocol = candidates & -candidates;
  stdout.push(`chosen protocol: ${protocolName(protocol)}`);
  const v = versionOfProtocol(protocol);
  flows.forEach((f, i) => {
    const sub = submitFlow(f.parsed, f.actions, protocol);
    if (!sub.ok) {
      // The match cannot be encoded in the chosen format: ofp-print cannot decode what was sent.
      stdout.push(`${header(requestName(protocol), v, i + 1)} ***decode error: ${"ofperr" in sub ? sub.ofperr : sub.ofctlError}***`);
      return;
    }
    const flowMod = { ...sub.flowMod, actions: actionsAsDumped(f.actions, protocol, sub.flowMod.match) };
    stdout.push(`${header(requestName(protocol), v, i + 1)}${formatFlowModBody({ parsed: f.parsed, flowMod, protocol }, undefined, o.more)}`);
  });
  return { stdout, stderr: [], ok: true };
}

function parseError(e: unknown, prefix: string): CommandResult {
  if (e instanceof FlowParseError) return { stdout: [], stderr: [`ovs-ofctl: ${prefix}${e.message}`], ok: false };
  throw e;
}

/** `parse-flow FLOW`. */
export function parseFlowCommand(text: string, o: OfctlOptions): CommandResult {
  let flow: OfflineFlow;
  try {
    flow = parseOffline(text);
  } catch (e) {
    return parseError(e, "");
  }
  return printFlowMods([flow], o);
}

/** `parse-flows FILE`: the file read as add-flows reads it (`#` comments, blank lines skipped). */
export function parseFlowsCommand(path: string, o: OfctlOptions): CommandResult {
  const flows: OfflineFlow[] = [];
  let text: string;
  try {
    text = readFlowFile(path);
  } catch (e) {
    return parseError(e, "");
  }
  for (const { line, number } of preprocessedLines(text)) {
    try {
      flows.push(parseOffline(line));
    } catch (e) {
      return parseError(e, `${path}:${number}: `);
    }
  }
  return printFlowMods(flows, o);
}
