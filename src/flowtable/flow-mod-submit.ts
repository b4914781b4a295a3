/**
 * The path a parsed flow takes from ovs-ofctl to the switch: pick a flow format
 * the connection allows, log a normalization as ovs-ofctl does, and deliver the
 * match as the switch would decode it. The result is a FlowMod ready for
 * `FlowTables.apply`, or the error ovs-ofctl or the switch would report.
 */
import type { FlowMod } from "./flow-tables.js";
import type { ParsedFlow } from "./flow-mod-parse.js";
import { normalizationLog } from "./match-normalize.js";
import { transmitMatch } from "./match-transmit.js";
import { chooseProtocol, matchProtocolOf } from "./openflow-protocols.js";

export type SubmitResult<A> =
  | { ok: true; flowMod: FlowMod<A>; protocol: number; log: string[] }
  /** `ofctlError`: ovs-ofctl refuses before sending; `ofperr`: the switch answers with an error. */
  | { ok: false; ofctlError: string; log: string[] }
  | { ok: false; ofperr: string; protocol: number; log: string[] };

export function submitFlow<A>(parsed: ParsedFlow, actions: A, allowedProtocols: number): SubmitResult<A> {
  const log = normalizationLog(parsed.match);
  const choice = chooseProtocol(parsed.usableProtocols, allowedProtocols);
  if (!choice.ok) return { ok: false, ofctlError: choice.error, log };
  const sent = transmitMatch(parsed.match, matchProtocolOf(choice.protocol));
  if (!sent.ok) return { ok: false, ofperr: sent.ofperr, protocol: choice.protocol, log };
  const flowMod: FlowMod<A> = {
    command: parsed.purpose === "stats" ? "delete" : parsed.purpose,
    match: sent.match,
    priority: sent.priority ?? parsed.priority,
    tableId: parsed.tableId,
    cookie: parsed.cookie,
    cookieMask: parsed.cookieMask,
    newCookie: parsed.newCookie,
    modifyCookie: parsed.modifyCookie,
    idleTimeout: parsed.idleTimeout,
    hardTimeout: parsed.hardTimeout,
    importance: parsed.importance,
    flags: parsed.flags,
    outPort: parsed.outPort,
    outGroup: parsed.outGroup,
    actions,
  };
  return { ok: true, flowMod, protocol: choice.protocol, log };
}
