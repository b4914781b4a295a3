/**
 * `ovs-ofctl queue-stats SWITCH [PORT [QUEUE]]` and `queue-get-config SWITCH
 * [PORT [QUEUE]]`: the bridge's queues (vswitchd/port-queues.ts) printed as
 * ofp-print prints OFPST_QUEUE, OFPT_QUEUE_GET_CONFIG_REPLY (OpenFlow 1.0-1.3)
 * and OFPST_QUEUE_DESC (1.4+) replies. A refused request prints, on standard
 * output with success, as the OFPT_ERROR and the request decoded.
 *
 * The requests' limits are their versions': OpenFlow 1.0's queue config
 * request names one port below OFPP_MAX, so for every port ovs-ofctl asks
 * each such port in turn (features reply order, xids from 4); 1.1-1.3 take
 * ANY too; neither carries a queue (all). The switch cannot decode a request
 * for another port (LOCAL...): ofp-print shows the request's bytes.
 */
import type { Bridge } from "../datapath/bridge.js";
import type { BridgeRuntime } from "../datapath/config-db-vswitchd.js";
import { formatPort, OFPP_MAX, OFPP11_OFFSET, parsePort } from "../flowtable/ports.js";
import type { PortQueue, QueueReply } from "../vswitchd/port-queues.js";
import { OFPP_ANY, OFPQ_ALL, portsInHashOrder, selectQueues } from "../vswitchd/port-queues.js";
import type { CommandResult } from "./command-result.js";
import { failure, output } from "./command-result.js";
import type { OfVersion } from "./ofctl-messages.js";
import { header } from "./ofctl-messages.js";

/** C's atoi as an unsigned 32-bit queue id: leading blanks, a sign, digits; anything else ends it. */
function atoiU32(s: string): number {
  const m = /^\s*([+-]?)(\d*)/.exec(s);
  const digits = m?.[2] ?? "";
  if (digits === "") return 0;
  const n = Number(BigInt(digits) & 0xffffffffn);
  return (m?.[1] === "-" ? -n : n) >>> 0;
}

function queueName(q: number): string {
  return q === OFPQ_ALL ? "ALL" : String(q);
}

/**
 * str_to_port_no: a port number, reserved name or (looked up, unless `--no-names`) port name;
 * `byName` when the lookup cost a request.
 */
function portArg(br: Bridge, s: string, portNames: boolean): { port: number; byName: boolean } | undefined {
  const reserved = parsePort(s);
  if (reserved !== undefined) return { port: reserved, byName: false };
  if (!portNames) return undefined;
  const n = parsePort(s, { numberOf: (name) => br.portByName(name)?.ofport, nameOf: () => undefined });
  return n === undefined ? undefined : { port: n, byName: true };
}

function unknownPort(br: Bridge, s: string): CommandResult {
  return failure(`ovs-ofctl: ${br.name}: unknown port \`${s}'`);
}

/** `queue-stats SWITCH [PORT [QUEUE]]` (PORT and QUEUE `all`, or empty, for every one). */
export function queueStats(
  br: Bridge,
  rt: BridgeRuntime,
  v: OfVersion,
  portText: string | undefined,
  queueText: string | undefined,
  portNames = true,
): CommandResult {
  let port = OFPP_ANY;
  let byName = false;
  if (portText !== undefined && portText !== "" && portText.toLowerCase() !== "all") {
    const p = portArg(br, portText, portNames);
    if (!p) return unknownPort(br, portText);
    ({ port, byName } = p);
  }
  const queue = queueText !== undefined && queueText !== "" && queueText.toLowerCase() !== "all" ? atoiU32(queueText) : OFPQ_ALL;
  const xid = byName ? 4 : 2;
  const reply = selectQueues(br, rt, port, queue);
  if (!reply.ok) {
    return output([`${header("OFPT_ERROR", v, xid)} ${reply.error}`, `${header("OFPST_QUEUE request", v, xid)} port=${formatPort(port)} queue=${queueName(queue)}`]);
  }
  const lines = [`${header("OFPST_QUEUE reply", v, xid)} ${reply.queues.length} queues`];
  for (const q of reply.queues) lines.push(`  port ${formatPort(q.port)} queue ${queueName(q.queue)}: bytes=?, pkts=?, errors=?, duration=?`);
  return output(lines);
}

/** ovs_hex_dump of one message of at most 16 bytes, with its ASCII column. */
function hexDumpLine(bytes: readonly number[]): string {
  let hex = "";
  let ascii = "";
  for (let i = 0; i < 16; i++) {
    const b = bytes[i];
    hex += b === undefined ? "   " : `${b.toString(16).padStart(2, "0")}${i === 7 ? "-" : " "}`;
    ascii += b === undefined ? " " : b >= 32 && b < 127 ? String.fromCharCode(b) : ".";
  }
  return `00000000  ${hex}|${ascii}|`;
}

/** The OpenFlow 1.0-1.3 queue config request's bytes (for ofp-print's decode-error dump). */
function configRequestBytes(v: OfVersion, xid: number, port: number): number[] {
  const be = (n: number, len: number): number[] => Array.from({ length: len }, (_, i) => Math.floor(n / 2 ** (8 * (len - 1 - i))) & 0xff);
  if (v === 10) return [0x01, 20, ...be(12, 2), ...be(xid, 4), ...be(port, 2), 0, 0];
  const p11 = port >= OFPP_MAX ? port + OFPP11_OFFSET : port;
  return [v - 9, 22, ...be(16, 2), ...be(xid, 4), ...be(p11, 4), 0, 0, 0, 0];
}

/**
 * A queue config reply's body as ofputil_queue_get_config_reply_format prints it:
 * queues sorted by port and id, `port=P` before each port's first. Before 1.4
 * a reply's queues all carry the request's port.
 */
function configReplyLines(head: string, queues: readonly PortQueue[]): string[] {
  const sorted = [...queues].sort((a, b) => a.port - b.port || a.queue - b.queue);
  const body: string[] = [];
  let prev = 0;
  for (const q of sorted) {
    if (q.port !== prev) body.push(`port=${formatPort((prev = q.port))}`);
    body.push(`queue ${q.queue}:`);
  }
  return body.length === 0 ? [head] : [`${head} ${body[0] as string}`, ...body.slice(1)];
}

function configReply(v: OfVersion, xid: number, reqPort: number, reply: Extract<QueueReply, { ok: true }>): string[] {
  if (v >= 14) return configReplyLines(header("OFPST_QUEUE_DESC reply", v, xid), reply.queues);
  return configReplyLines(
    header("OFPT_QUEUE_GET_CONFIG_REPLY", v, xid),
    reply.queues.map((q) => ({ port: reqPort, queue: q.queue })),
  );
}

/** `queue-get-config SWITCH [PORT [QUEUE]]` (PORT `any` by default; QUEUE, 1.4+ only, `all`). */
export function queueGetConfig(br: Bridge, rt: BridgeRuntime, v: OfVersion, portText = "any", queueText = "all", portNames = true): CommandResult {
  const p = portArg(br, portText, portNames);
  if (!p) return unknownPort(br, portText);
  const { port, byName } = p;
  const queue = v >= 14 && queueText.toLowerCase() !== "all" ? atoiU32(queueText) : OFPQ_ALL;
  if (port === OFPP_ANY && v === 10) {
    const lines: string[] = [];
    let xid = 4;
    for (const bp of portsInHashOrder(br, rt)) {
      if (bp.ofport >= OFPP_MAX) continue;
      const reply = selectQueues(br, rt, bp.ofport, OFPQ_ALL);
      if (reply.ok) lines.push(...configReply(v, xid, bp.ofport, reply));
      xid++;
    }
    return output(lines);
  }
  const xid = byName ? 4 : 2;
  if (v < 14 && port !== OFPP_ANY && port >= OFPP_MAX) {
    return output([
      `${header("OFPT_ERROR", v, xid)} OFPQOFC_BAD_PORT`,
      `${header("OFPT_QUEUE_GET_CONFIG_REQUEST", v, xid)} ***decode error: OFPQOFC_BAD_PORT***`,
      hexDumpLine(configRequestBytes(v, xid, port)),
    ]);
  }
  const reply = selectQueues(br, rt, port, queue);
  if (!reply.ok) {
    const request =
      v >= 14
        ? `${header("OFPST_QUEUE_DESC request", v, xid)} port=${formatPort(port)}${queue === OFPQ_ALL ? "" : ` queue=${queueName(queue)}`}`
        : `${header("OFPT_QUEUE_GET_CONFIG_REQUEST", v, xid)} port=${formatPort(port)}`;
    return output([`${header("OFPT_ERROR", v, xid)} ${reply.error}`, request]);
  }
  return output(configReply(v, xid, port, reply));
}
