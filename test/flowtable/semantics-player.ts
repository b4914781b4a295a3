/**
 * Plays the oracle scripts of fixtures/flowtable/semantics/*.ovs against ovsim's
 * flow tables alone (no bridge, no datapath), so that flow_mod semantics can be
 * compared with what real OVS printed for the same script (*.out).
 *
 * It understands just what those scripts use:
 * - `ovs-vsctl ...`: setup only; port pN is OpenFlow port N.
 * - `ovs-ofctl [-O OpenFlow1x] [--strict] add-flow|mod-flows|del-flows|dump-flows br0 ['FLOW']`.
 * - `ovs-appctl time/stop` (nothing: the clock only moves on warp), `time/warp MS`
 *   (advance, then expire as OVS's periodic rule_expire does), `revalidator/purge`
 *   (nothing: hits are credited at once), `netdev-dummy/receive pN HEX` (one
 *   Ethernet/IPv4 frame: looks it up in table 0 and credits the flow it hits).
 *
 * Actions are opaque text; the only action that outputs is `output:N`, which is
 * all the out_port filter needs.
 */
import { FlowParseError, OpenFlowError } from "../../src/flowtable/errors.js";
import { FIELDS } from "../../src/flowtable/fields.js";
import type { ActionSemantics } from "../../src/flowtable/flow-tables.js";
import { FlowTables } from "../../src/flowtable/flow-tables.js";
import { formatFlowStats } from "../../src/flowtable/flow-format.js";
import type { FlowModCommand } from "../../src/flowtable/flow-mod-parse.js";
import { parseFlow } from "../../src/flowtable/flow-mod-parse.js";
import { submitFlow, submitStatsRequest } from "../../src/flowtable/flow-mod-submit.js";
import { Match } from "../../src/flowtable/match.js";
import { protocolsForVersion } from "../../src/flowtable/openflow-protocols.js";

/** `output:N` actions as text, OVS's spelling; "drop" outputs nowhere. */
export const textOutputActions: ActionSemantics<string> = {
  equal: (a, b) => a === b,
  outputsToPort: (a, port) => a.split(",").some((act) => act === `output:${port}`),
  outputsToGroup: () => false,
};

export type Version = "OpenFlow10" | "OpenFlow13" | "OpenFlow14";
const VERSION_NUMBER: Record<Version, number> = { OpenFlow10: 10, OpenFlow13: 13, OpenFlow14: 14 };

/** One command of a recording and what OVS printed for it. */
export interface RecordedStep {
  readonly command: string;
  readonly output: readonly string[];
}

/** Splits an `OVS_RUN_TRACE=1` recording at its `### command` lines. */
export function parseRecording(text: string): RecordedStep[] {
  const steps: { command: string; output: string[] }[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("### ")) steps.push({ command: line.slice(4), output: [] });
    else if (line !== "") steps[steps.length - 1]?.output.push(line);
  }
  return steps;
}

/** Shell words of one script line: single-quoted strings and bare words (enough for these scripts). */
function words(line: string): string[] {
  return (line.match(/'[^']*'|\S+/g) ?? []).map((w) => (w.startsWith("'") ? w.slice(1, -1) : w)).filter((w) => w !== "2>&1");
}

/** The options and arguments of an `ovs-ofctl [-O V] [--strict] COMMAND br0 ['TEXT']` line. */
interface OfctlArgs {
  readonly cmd: string;
  readonly strict: boolean;
  readonly version: Version;
  readonly text: string;
}

function ofctlArgs(args: readonly string[]): OfctlArgs {
  let version: Version = "OpenFlow10";
  let strict = false;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "-O") version = args[++i] as Version;
    else if (a === "--strict") strict = true;
    else rest.push(a);
  }
  const [cmd = "", , text = ""] = rest;
  return { cmd, strict, version, text };
}

function flowModCommand(a: OfctlArgs): FlowModCommand | null {
  if (a.cmd === "add-flow") return "add";
  if (a.cmd === "mod-flows") return a.strict ? "modify_strict" : "modify";
  if (a.cmd === "del-flows") return a.strict ? "delete_strict" : "delete";
  return null;
}

/** An ovs-ofctl flow_mod line (add-flow, mod-flows, del-flows), taken apart; null for anything else. */
export interface OfctlFlowMod {
  readonly command: FlowModCommand;
  readonly text: string;
  readonly version: Version;
}

export function parseOfctlFlowMod(line: string): OfctlFlowMod | null {
  const [program, ...rest] = words(line);
  if (program !== "ovs-ofctl") return null;
  const a = ofctlArgs(rest);
  const command = flowModCommand(a);
  return command === null ? null : { command, text: a.text, version: a.version };
}

export class SemanticsPlayer {
  readonly tables = new FlowTables<string>(textOutputActions);
  /** Virtual time, ms. */
  now = 0;

  /** Runs one script line; returns what it prints, errors as `ovs-ofctl: ...` or `OFPT_ERROR: CODE`. */
  run(line: string): string[] {
    const [program, ...args] = words(line);
    if (program === "ovs-vsctl") return [];
    if (program === "ovs-appctl") return this.appctl(args);
    if (program === "ovs-ofctl") return this.ofctl(args);
    throw new Error(`semantics player: cannot run ${line}`);
  }

  private appctl(args: string[]): string[] {
    const [cmd, a1, a2] = args;
    switch (cmd) {
      case "time/stop":
      case "revalidator/purge":
        return [];
      case "time/warp":
        this.now += Number(a1);
        this.tables.expire(this.now);
        return ["warped"];
      case "netdev-dummy/receive":
        this.receive(Number((a1 ?? "").replace(/^p/, "")), a2 ?? "");
        return [];
      default:
        throw new Error(`semantics player: cannot run ovs-appctl ${cmd}`);
    }
  }

  private ofctl(args: string[]): string[] {
    const a = ofctlArgs(args);
    const command = flowModCommand(a);
    const log: string[] = [];
    try {
      if (command !== null) return this.flowMod(a.text, command, a.version, log);
      if (a.cmd === "dump-flows") return this.dump(a.text, a.version);
      throw new Error(`semantics player: cannot run ovs-ofctl ${a.cmd}`);
    } catch (e) {
      if (e instanceof FlowParseError) return [...log, `ovs-ofctl: ${e.message}`];
      if (e instanceof OpenFlowError) return [...log, `OFPT_ERROR: ${e.ofperr}`];
      throw e;
    }
  }

  private flowMod(text: string, command: FlowModCommand, version: Version, log: string[]): string[] {
    const parsed = parseFlow(text, command);
    const sub = submitFlow(parsed, parsed.actions ?? "", protocolsForVersion(version));
    log.push(...sub.log.map((l) => `ofp_match|INFO|${l}`));
    if (!sub.ok) {
      if ("ofctlError" in sub) throw new FlowParseError(sub.ofctlError, text);
      throw new OpenFlowError(sub.ofperr);
    }
    this.tables.apply(sub.flowMod, this.now);
    return log;
  }

  private dump(text: string, version: Version): string[] {
    const req = submitStatsRequest(parseFlow(text, "stats"), protocolsForVersion(version));
    if (!req.ok) {
      if ("ofctlError" in req) throw new FlowParseError(req.ofctlError, text);
      throw new OpenFlowError(req.ofperr);
    }
    const flows = this.tables.select(req.selector);
    const ofVersion = VERSION_NUMBER[version];
    const header = ofVersion === 10 ? "NXST_FLOW reply (xid=X):" : `OFPST_FLOW reply (OF1.${ofVersion - 10}) (xid=X):`;
    const lines = flows.map(
      (f) => ` ${formatFlowStats(f, { showStats: true, now: this.now, ofVersion, formatActions: (a) => a })}`,
    );
    return [header, ...lines];
  }

  /** An Ethernet frame (IPv4 or not) arriving on `port`: credit the table-0 flow it hits. */
  private receive(port: number, hex: string): void {
    const b = Buffer.from(hex, "hex");
    const m = Match.catchall();
    m.setFieldExact(FIELDS.in_port, BigInt(port));
    m.setFieldExact(FIELDS.eth_dst, BigInt(`0x${b.subarray(0, 6).toString("hex")}`));
    m.setFieldExact(FIELDS.eth_src, BigInt(`0x${b.subarray(6, 12).toString("hex")}`));
    const type = b.readUInt16BE(12);
    m.setFieldExact(FIELDS.eth_type, BigInt(type));
    if (type === 0x0800) {
      m.setFieldExact(FIELDS.nw_tos, BigInt(b.readUInt8(15) & 0xfc));
      m.setFieldExact(FIELDS.nw_ecn, BigInt(b.readUInt8(15) & 0x03));
      m.setFieldExact(FIELDS.nw_ttl, BigInt(b.readUInt8(22)));
      m.setFieldExact(FIELDS.nw_proto, BigInt(b.readUInt8(23)));
      m.setFieldExact(FIELDS.ip_src, BigInt(b.readUInt32BE(26)));
      m.setFieldExact(FIELDS.ip_dst, BigInt(b.readUInt32BE(30)));
    }
    this.tables.lookup(0, m.key, null)?.credit(1, b.length, this.now);
  }
}

/**
 * What a comparison looks at in OVS's output for one command: the xid of
 * replies is not compared; an OFPT_ERROR reply is its error code (the echoed
 * request that follows it, and its hex dump when it could not be decoded, are
 * dropped); ovs-ofctl's WARN log lines are dropped (ovsim does not log them).
 * Flow dumps are compared as sets: OVS lists flows in classifier order, which
 * depends on its hashing.
 */
export function normalizeOutput(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const err = /^OFPT_ERROR (?:\(OF1\.\d\) )?\(xid=0x[0-9a-f]+\): (\w+)$/.exec(line);
    if (err) {
      out.push(`OFPT_ERROR: ${err[1]}`);
      i++;
      while (i + 1 < lines.length && /^[0-9a-f]{8} {2}/.test(lines[i + 1] as string)) i++;
      continue;
    }
    if (/^\w+\|WARN\|/.test(line)) continue;
    out.push(line.replace(/\(xid=0x[0-9a-f]+\)/, "(xid=X)"));
  }
  const [first, ...rest] = out;
  return first !== undefined && /_FLOW reply/.test(first) ? [first, ...rest.sort()] : out;
}
