/**
 * Runs Ryu OpenFlow switch test cases (ryu/tests/switch/*.json) against an
 * in-process ovsim switch, as Ryu's tester.py runs them against a real one.
 *
 * Per case: a fresh switch (`br0`, datapath_type=dummy, ports p1..p3 with
 * OpenFlow numbers 1..3, no flows); each prerequisite message sent as the
 * ovs-ofctl command that sends it (openflow-json.ts); then each test. Its
 * packets are bytes, as Ryu's serializer makes them of the descriptions
 * (packet-encode.ts), sent into port 1 (Ryu's "target recv port") the way
 * `ovs-appctl netdev-dummy/receive p1 HEX` delivers a packet: flow extracted
 * from the bytes, the datapath's megaflow cache or an upcall, its actions
 * executed on the bytes (switch-io.ts). The verdicts read what leaves the
 * ports and what reaches the controller, as Ryu's tester does:
 *
 * - `egress`: the first packet leaving port 2 (the tester switch turns it
 *   into a packet-in) equals the expected bytes, and the switch sent no
 *   packet-in itself;
 * - `PACKET_IN`: the first packet-in equals the expected bytes and has a
 *   reason Ryu accepts, and nothing left port 2;
 * - `table-miss`: the table lookups (table-lookups.ts), as Ryu reads table
 *   stats;
 * - throughput (`ingress.packets`): throughput.ts.
 *
 * A prerequisite the switch refuses fails the case with the switch's error,
 * as it does in Ryu (whose verdict for it is ERROR). One it accepts is read
 * back as the tester reads it (read-back.ts: flow stats, group desc, meter
 * config), and a difference fails the case with the tester's words.
 */
import { runLine } from "../utilities/run-script.js";
import { Switch } from "../vswitchd/switch.js";
import { OFPR } from "../actions/xlate/xlate-context.js";
import type { Json, OfVersion } from "./openflow-json.js";
import { RyuMessageError, messageLine } from "./openflow-json.js";
import { RyuCaseError, isObj, strings } from "./case-json.js";
import { RyuEncodeError } from "./encode-util.js";
import { parsePacket } from "./packet-desc.js";
import { encodePacket } from "./packet-encode.js";
import { bytesEqual, formatPacket, formatWire } from "./packet-compare.js";
import type { SwitchEvent } from "./switch-io.js";
import { SwitchIo } from "./switch-io.js";
import { readBack } from "./read-back.js";
import { tableLookups } from "./table-lookups.js";
import { checkThroughputTest } from "./throughput.js";
import type { RandInt } from "./py-expr.js";
import { RyuSyntaxError, seededRandInt } from "./py-expr.js";

/** Ryu's tester: the tested switch receives on port 1 and sends the expected egress on port 2. */
export const RECV_PORT = 1;
export const SEND_PORT = 2;
const N_PORTS = 3;
const BRIDGE = "br0";

export type Verdict = "pass" | "fail";

export interface CaseResult {
  /** The test file's path relative to the corpus root, and the case's index in it (1-based). */
  readonly file: string;
  readonly index: number;
  readonly description: string;
  readonly verdict: Verdict;
  /** Why it failed (empty when it passed). */
  readonly reason: string;
}

/** The switch under test and the tester's link to it. */
export interface TestSwitch {
  readonly switch: Switch;
  readonly io: SwitchIo;
  readonly version: OfVersion;
}

function newSwitch(version: OfVersion): TestSwitch {
  const sw = new Switch();
  const ports = Array.from({ length: N_PORTS }, (_, i) => ` -- add-port ${BRIDGE} p${i + 1} -- set Interface p${i + 1} type=dummy ofport_request=${i + 1}`).join("");
  const setup = [
    `ovs-vsctl add-br ${BRIDGE} -- set bridge ${BRIDGE} datapath_type=dummy fail-mode=secure protocols=OpenFlow10,OpenFlow13,OpenFlow14${ports}`,
    `ovs-ofctl del-flows ${BRIDGE}`,
  ];
  for (const line of setup) {
    const r = runLine(sw, line);
    if (!r.ok) throw new RyuCaseError(`switch setup failed: ${line}: ${r.stderr.join(" ")}`);
  }
  return { switch: sw, io: new SwitchIo(sw, BRIDGE, `p${RECV_PORT}`), version };
}

/**
 * The reason a packet-in carries on the controller connection (OVS's
 * encode_packet_in_reason): a table-miss flow's explicit miss is "no match"
 * from OpenFlow 1.3 on and "action" before; action_set, group and
 * packet_out are "action" before OpenFlow 1.4 and themselves from 1.4 on.
 */
function wireReason(reason: number, version: OfVersion): number {
  if (reason === OFPR.explicit_miss) return version === "OpenFlow10" ? OFPR.action : OFPR.no_match;
  if (reason === OFPR.implicit_miss) return OFPR.no_match;
  if (version === "OpenFlow14") return reason;
  if (reason === OFPR.action_set || reason === OFPR.group || reason === OFPR.packet_out) return OFPR.action;
  return reason;
}

/** Packet-in reasons Ryu's tester fails a case on (its invalid_packet_in_reason). */
const INVALID_REASONS: ReadonlySet<number> = new Set([OFPR.no_match, OFPR.invalid_ttl]);

function describeEvents(events: readonly SwitchEvent[], expected?: Uint8Array): string {
  if (events.length === 0) return "nothing (dropped)";
  return events.map((e) => (e.kind === "output" ? `port ${e.ofport}: ` : `packet-in (reason ${e.cookie.reason}): `) + formatWire(e.bytes, expected)).join("; ");
}

function checkEgress(sw: TestSwitch, ingress: Uint8Array, expected: Uint8Array, what: string): string {
  const events = sw.io.send(ingress);
  // Ryu waits for one packet-in: the tester's, made of the first packet the
  // switch sends out of port 2. Packets out of ports 1 and 3 reach the tester
  // switch on ports without flows and go nowhere, as in Ryu's setup; a
  // packet-in from the switch itself would reach Ryu too, which fails a
  // packet-in from the wrong switch (whichever comes first there: a failure here).
  const out = events.find((e) => e.kind === "output" && e.ofport === SEND_PORT);
  const pin = events.find((e) => e.kind === "packet-in");
  if (pin === undefined && out !== undefined && bytesEqual(out.bytes, expected)) return "";
  // The tester's words first (its _test_flow_matching_check / _test_no_pktin_reason_check), then what ovsim saw.
  const words = pin !== undefined ? "Received incorrect packet-in: SW[target]" : out !== undefined ? "Received incorrect packet" : "Receiving timeout: no change in tx_packets on target.";
  return `${words} (expected port ${SEND_PORT}: ${what} = ${formatWire(expected)}; got ${describeEvents(events, expected)})`;
}

/**
 * A packet out of port 2 would reach Ryu as the tester's packet-in too (which
 * comes first is timing in Ryu: a failure here). The packet-in's data is the
 * whole packet: the corpus's controller outputs all ask for max_len 65535.
 */
function checkPacketIn(sw: TestSwitch, ingress: Uint8Array, expected: Uint8Array, what: string): string {
  const events = sw.io.send(ingress);
  const pin = events.find((e) => e.kind === "packet-in");
  const out = events.find((e) => e.kind === "output" && e.ofport === SEND_PORT);
  const got = `(expected packet-in: ${what} = ${formatWire(expected)}; got ${describeEvents(events, expected)})`;
  // The tester's order: which switch sent the packet-in, its reason, its data.
  if (out !== undefined) return `Received incorrect packet-in: SW[tester] ${got}`;
  if (pin?.kind !== "packet-in") return `Receiving timeout: no packet-in. ${got}`;
  const reason = wireReason(pin.cookie.reason, sw.version);
  if (INVALID_REASONS.has(reason)) return `Received incorrect packet-in: OFPPacketIn[reason=${reason}] (a reason Ryu's tester refuses: no match / invalid TTL)`;
  if (!bytesEqual(pin.bytes, expected)) return `Received incorrect packet ${got}`;
  return "";
}

/**
 * Ryu's table-miss check (tester.py _test_flow_unmatching_check): some listed
 * table must have been looked up (else ERROR), and no listed table that was
 * looked up may have matched. A listed table the packet never reached is
 * not an error by itself, as in Ryu. The lookups are read before the packet
 * goes through the switch: what its translation meets, before its side effects.
 */
function checkTableMiss(sw: TestSwitch, ingress: Uint8Array, tables: readonly Json[]): string {
  const lookups = tableLookups(sw.switch, BRIDGE, RECV_PORT, sw.switch.bridge(BRIDGE)?.port(RECV_PORT)?.odpPort ?? 0, ingress);
  const events = sw.io.send(ingress);
  let looked = false;
  for (const tb of tables) {
    const l = typeof tb === "number" ? lookups.get(tb) : undefined;
    if (l === undefined) continue;
    looked = true;
    if (l.some((matched) => matched)) return `Table-miss error: increment in matched_count. (a flow of table ${String(tb)} matched; got ${describeEvents(events)})`;
  }
  if (!looked) return `Table-miss error: no change in lookup_count. (the packet was not looked up in table ${tables.map(String).join(", ")}; got ${describeEvents(events)})`;
  return "";
}

function checkPacketTest(sw: TestSwitch, t: { readonly [k: string]: Json }, rand: RandInt): string {
  const ingress = encodePacket(parsePacket(strings(t["ingress"], "ingress"), rand));
  for (const key of ["egress", "PACKET_IN"] as const) {
    if (t[key] === undefined) continue;
    const desc = parsePacket(strings(t[key], key), rand);
    const expected = encodePacket(desc);
    return key === "egress" ? checkEgress(sw, ingress, expected, formatPacket(desc)) : checkPacketIn(sw, ingress, expected, formatPacket(desc));
  }
  const tables = t["table-miss"];
  if (Array.isArray(tables)) return checkTableMiss(sw, ingress, tables);
  throw new RyuCaseError(`test has no egress, PACKET_IN or table-miss: ${JSON.stringify(Object.keys(t))}`);
}

/** What the tester says it failed to add, by prerequisite message. */
const WHAT_FAILED: ReadonlyMap<string, string> = new Map([
  ["OFPFlowMod", "flows"],
  ["OFPMeterMod", "meters"],
  ["OFPGroupMod", "groups"],
]);

function messageTag(msg: Json): string {
  return isObj(msg) ? (Object.keys(msg)[0] ?? "") : "";
}

/** Runs one case (`{description, prerequisite, tests}`) and says whether it passed, and why not. */
export function runCase(c: Json, version: OfVersion, file: string, index: number): CaseResult {
  const description = isObj(c) && typeof c["description"] === "string" ? c["description"] : "";
  const result = (reason: string): CaseResult => ({ file, index, description, verdict: reason === "" ? "pass" : "fail", reason });
  try {
    if (!isObj(c)) throw new RyuCaseError("a case must be an object");
    const sw = newSwitch(version);
    const prereq = c["prerequisite"];
    for (const msg of Array.isArray(prereq) ? prereq : []) {
      const line = messageLine(msg, version, BRIDGE);
      const r = runLine(sw.switch, line);
      // The tester's words ("Failed to add flows: OFPErrorMsg[...]"), then the switch's refusal.
      if (!r.ok) return result(`Failed to add ${WHAT_FAILED.get(messageTag(msg)) ?? "messages"}: ${line.replace(/^ovs-ofctl -O \S+ /, "")}: ${[...r.stderr, ...r.stdout].join(" ").trim()}`);
      const br = sw.switch.bridge(BRIDGE);
      if (br === undefined) throw new RyuCaseError(`no bridge ${BRIDGE} to read back`);
      const installed = readBack(br, msg, version);
      if (installed !== "") return result(installed);
    }
    const rand = seededRandInt(index);
    const problems: string[] = [];
    for (const t of Array.isArray(c["tests"]) ? c["tests"] : []) {
      if (!isObj(t)) throw new RyuCaseError("a test must be an object");
      const p = isObj(t["ingress"]) ? checkThroughputTest(sw.switch, sw.io, t, rand) : checkPacketTest(sw, t, rand);
      if (p !== "") problems.push(p);
    }
    return result(problems.join(" | "));
  } catch (e) {
    if (e instanceof RyuEncodeError) return result(`Ryu cannot serialize a packet of the case: ${e.message}`);
    if (e instanceof RyuSyntaxError || e instanceof RyuMessageError || e instanceof RyuCaseError) return result(`corpus not understood: ${e.message.split("\n")[0] ?? ""}`);
    throw e;
  }
}
