/**
 * `ovs-ofctl show`, `dump-ports` and `mod-port`: a bridge's ports as OpenFlow
 * describes them (OFPT_FEATURES_REPLY / OFPST_PORT_DESC, OFPST_PORT), printed
 * as OVS's ofp-print does, per OpenFlow version.
 */
import type { Bridge } from "../datapath/bridge.js";
import type { BridgePort } from "../datapath/bridge-port.js";
import { OFPPC } from "../datapath/bridge-port.js";
import type { BridgeRuntime } from "../datapath/config-db-vswitchd.js";
import { OFPP_LOCAL, parsePort } from "../flowtable/ports.js";

/** The number of a reserved port name (LOCAL, IN_PORT...), any case. */
function reservedPortNumber(s: string): number | undefined {
  return parsePort(s);
}
import type { CommandResult } from "./command-result.js";
import { failure, output } from "./command-result.js";
import type { OfVersion } from "./ofctl-messages.js";
import { header } from "./ofctl-messages.js";

const CONFIG_NAMES: ReadonlyArray<readonly [number, string]> = [
  [OFPPC.PORT_DOWN, "PORT_DOWN"],
  [OFPPC.NO_STP, "NO_STP"],
  [OFPPC.NO_RECV, "NO_RECV"],
  [OFPPC.NO_RECV_STP, "NO_RECV_STP"],
  [OFPPC.NO_FLOOD, "NO_FLOOD"],
  [OFPPC.NO_FWD, "NO_FWD"],
  [OFPPC.NO_PACKET_IN, "NO_PACKET_IN"],
];
/** The config bits OpenFlow 1.1+ can carry. */
const OF11_CONFIG = OFPPC.PORT_DOWN | OFPPC.NO_RECV | OFPPC.NO_FWD | OFPPC.NO_PACKET_IN;

/** netdev-dummy's custom counters (OpenFlow 1.4+ port stats). */
const DUMMY_CUSTOM_STATS = ["rx_custom_packets_1", "rx_custom_packets_2", "rx_q0_bytes", "rx_q0_packets", "tx_q0_bytes", "tx_q0_packets"];

function portLabel(p: BridgePort): string {
  return p.ofport === OFPP_LOCAL ? "LOCAL" : String(p.ofport);
}

function configText(config: number, v: OfVersion): string {
  const bits = v === 10 ? config : config & OF11_CONFIG;
  const names = CONFIG_NAMES.filter(([b]) => (bits & b) !== 0).map(([, n]) => n);
  return names.length === 0 ? "0" : names.join(" ");
}

function portDescLines(p: BridgePort, v: OfVersion): string[] {
  const down = p.linkDown;
  const state = v === 10 ? (down ? "LINK_DOWN" : "0") : down ? "LINK_DOWN" : "LIVE";
  return [
    ` ${portLabel(p)}(${p.name}): addr:${p.mac}`,
    `     config:     ${configText(p.config, v)}`,
    `     state:      ${state}`,
    "     speed: 0 Mbps now, 0 Mbps max",
  ];
}

/** Ports as ovs-ofctl sorts them for `show`: by number, LOCAL last. */
function sortedPorts(br: Bridge): BridgePort[] {
  return [...br.ports()].sort((a, b) => a.ofport - b.ofport);
}

export function showBridge(br: Bridge, dpid: string, v: OfVersion): string[] {
  const caps =
    v === 10
      ? "FLOW_STATS TABLE_STATS PORT_STATS QUEUE_STATS ARP_MATCH_IP"
      : v === 11
        ? "FLOW_STATS TABLE_STATS PORT_STATS GROUP_STATS QUEUE_STATS ARP_MATCH_IP"
        : v <= 13
          ? "FLOW_STATS TABLE_STATS PORT_STATS GROUP_STATS QUEUE_STATS"
          : "FLOW_STATS TABLE_STATS PORT_STATS GROUP_STATS QUEUE_STATS BUNDLES";
  const out = [`${header("OFPT_FEATURES_REPLY", v, 2)} dpid:${dpid}`, "n_tables:254, n_buffers:0", `capabilities: ${caps}`];
  if (v === 10) {
    out.push(
      "actions: output enqueue set_vlan_vid set_vlan_pcp strip_vlan mod_dl_src mod_dl_dst mod_nw_src mod_nw_dst mod_nw_tos mod_tp_src mod_tp_dst",
    );
  }
  if (v >= 13) out.push(header("OFPST_PORT_DESC reply", v, 3));
  for (const p of sortedPorts(br)) out.push(...portDescLines(p, v));
  out.push(`${header("OFPT_GET_CONFIG_REPLY", v, v >= 13 ? 5 : 4)} frags=${br.fragHandling} miss_send_len=0`);
  return out;
}

/**
 * dump-ports-desc SWITCH [PORT]: the ports as `show` lists them. Only
 * OpenFlow 1.5's request names a port; older ones ask for every port.
 */
export function dumpPortsDesc(br: Bridge, v: OfVersion, portArg: string | undefined, portNames = true): CommandResult {
  let ports = sortedPorts(br);
  if (portArg !== undefined && v >= 15) {
    const n = parsePort(portArg, { numberOf: (name) => (portNames ? br.portByName(name)?.ofport : undefined), nameOf: () => undefined });
    if (n === undefined) return failure(`ovs-ofctl: ${br.name}: unknown port \`${portArg}'`);
    ports = ports.filter((p) => p.ofport === n);
  }
  // As dump-ports: a port given by name costs a features request (and its xids) first.
  const byName = portArg !== undefined && v >= 15 && !/^\d+$/.test(portArg) && reservedPortNumber(portArg) === undefined;
  return output([header("OFPST_PORT_DESC reply", v, byName ? 4 : 2), ...ports.flatMap((p) => portDescLines(p, v))]);
}

/** `%u.%03u s` as ofp-print prints a port's duration. */
function durationText(ms: number): string {
  const sec = Math.floor(ms / 1000);
  return `${sec}.${String(Math.floor(ms - sec * 1000)).padStart(3, "0")}s`;
}

function portStatsLines(p: BridgePort, v: OfVersion, now: number): string[] {
  const label = p.ofport < 10 ? ` ${portLabel(p)}` : portLabel(p);
  const s = p.stats;
  const out = [
    `  port ${label}: rx pkts=${s.rxPackets}, bytes=${s.rxBytes}, drop=?, errs=?, frame=?, over=?, crc=?`,
    `           tx pkts=${s.txPackets}, bytes=${s.txBytes}, drop=?, errs=?, coll=?`,
  ];
  if (v >= 13) out.push(`           duration=${durationText(now - p.created)}`);
  if (v >= 14 && (p.netdevType === "system" || p.netdevType === "dummy" || p.netdevType === "dummy-internal")) {
    out.push("           CUSTOM Statistics");
    for (let i = 0; i < DUMMY_CUSTOM_STATS.length; i += 3) {
      const line = DUMMY_CUSTOM_STATS.slice(i, i + 3)
        .map((n) => `${n}=0`)
        .join(", ");
      out.push(`                      ${line},`);
    }
  }
  return out;
}

/**
 * `dump-ports BRIDGE [PORT]`. Ports print in the order of OVS's port hash
 * table. `portNames` false (`--no-names`): PORT must be a number or a reserved name.
 */
export function dumpPorts(br: Bridge, rt: BridgeRuntime, v: OfVersion, portArg: string | undefined, now: number, portNames = true): CommandResult {
  let ports = rt.portsInHashOrder().flatMap((live) => br.port(live.ofport) ?? []);
  if (portArg !== undefined) {
    const n = parsePort(portArg, { numberOf: (name) => (portNames ? br.portByName(name)?.ofport : undefined), nameOf: () => undefined });
    if (n === undefined) return failure(`ovs-ofctl: ${br.name}: unknown port \`${portArg}'`);
    ports = ports.filter((p) => p.ofport === n);
  }
  // A port given by name costs ovs-ofctl a features request (and its xids) to look the name up.
  const byName = portArg !== undefined && !/^\d+$/.test(portArg) && reservedPortNumber(portArg) === undefined;
  const lines = [`${header("OFPST_PORT reply", v, byName ? 4 : 2)} ${ports.length} ports`];
  for (const p of ports) lines.push(...portStatsLines(p, v, now));
  return output(lines);
}

/** mod-port's flags: name, the OFPPC bit, the value the name sets it to (`no`/`no-` before a name inverts it). */
const MOD_PORT_FLAGS: ReadonlyArray<readonly [string, number, boolean]> = [
  ["up", OFPPC.PORT_DOWN, false],
  ["down", OFPPC.PORT_DOWN, true],
  ["stp", OFPPC.NO_STP, false],
  ["receive", OFPPC.NO_RECV, false],
  ["receive-stp", OFPPC.NO_RECV_STP, false],
  ["flood", OFPPC.NO_FLOOD, false],
  ["forward", OFPPC.NO_FWD, false],
  ["packet-in", OFPPC.NO_PACKET_IN, false],
];
/** The config bits an OpenFlow 1.0 port_mod carries (OFPPC10_ALL). */
const OF10_CONFIG = OFPPC.PORT_DOWN | OFPPC.NO_STP | OFPPC.NO_RECV | OFPPC.NO_RECV_STP | OFPPC.NO_FLOOD | OFPPC.NO_FWD | OFPPC.NO_PACKET_IN;

/**
 * `mod-port BRIDGE PORT ACTION`: ACTION is a flag name, any case, perhaps
 * after `no-` or `no` (inverted). The port_mod carries only the bits its
 * OpenFlow version has: OpenFlow 1.1 and later drop stp, receive-stp, flood.
 */
export function modPort(br: Bridge, portArg: string, action: string, v: OfVersion = 10): CommandResult {
  const n = parsePort(portArg, { numberOf: (name) => br.portByName(name)?.ofport, nameOf: () => undefined });
  const port = n === undefined ? undefined : br.port(n);
  if (!port) return failure(`ovs-ofctl: ${br.name}: couldn't find port \`${portArg}'`);
  const lower = action.toLowerCase();
  const not = lower.startsWith("no");
  const command = lower.startsWith("no-") ? lower.slice(3) : not ? lower.slice(2) : lower;
  const flag = MOD_PORT_FLAGS.find(([name]) => name === command);
  if (!flag) return failure(`ovs-ofctl: unknown mod-port command '${action}'`);
  const [, bit, on] = flag;
  const mask = bit & (v === 10 ? OF10_CONFIG : OF11_CONFIG);
  port.config = on !== not ? port.config | mask : port.config & ~mask;
  return output([]);
}
