/**
 * The ofproto side of a datapath's upcalls (OVS's ofproto-dpif-upcall.c):
 * maps a datapath key's input port to its bridge and OpenFlow port,
 * translates (xlate), and tells the datapath when anything translation
 * depends on has changed (`generation`).
 *
 * Generation = `epoch` (bumped by the owner on port and bridge changes:
 * `ovsim run` bumps it after every ovs-vsctl / ovs-ofctl command) + every
 * bridge's FlowTables.version (flow_mods, learned and expired flows) + every
 * MAC table's version (learning, moves, aging, flushes). All only grow, so
 * the sum changes whenever one does. Reading it walks a small array: no
 * allocation per packet.
 */
import type { OdpAction } from "../actions/xlate/odp-actions.js";
import type { PacketIn, XlateOptions } from "../actions/xlate/xlate-context.js";
import { RecircIds } from "../actions/xlate/xlate-context.js";
import type { XlateResult } from "../actions/xlate/xlate.js";
import { xlate } from "../actions/xlate/xlate.js";
import { XM } from "../actions/xlate/odp-metadata.js";
import { W } from "../flowtable/flow-layout.js";
import { OFPP_CONTROLLER, OFPP_NONE } from "../flowtable/ports.js";
import type { Bridge } from "./bridge.js";
import type { BridgePort } from "./bridge-port.js";
import type { DpifUpcall, UpcallResult } from "./dpif-netdev.js";
import { tnlPortReceive } from "./tnl-port-receive.js";
import type { UpcallLogs } from "./upcall-trace-log.js";
import { logFailedUpcall } from "./upcall-trace-log.js";

/** What a flow the datapath cannot run itself installs: `userspace(pid=0,slow_path(action))`. */
const SLOW_PATH_ACTION: OdpAction = { type: "userspace", pid: 0, cookie: { kind: "slow_path", reasons: ["action"] }, actions: false, tunnelOutPort: null };

/**
 * Whether the actions send the packet to the controller anywhere, nested actions included (OVS's
 * SLOW_CONTROLLER: such a flow is slow-pathed, each packet translated anew). Other userspace
 * actions (an IPFIX flow_sample) stay in the megaflow.
 */
function sendsToController(actions: readonly OdpAction[]): boolean {
  for (const a of actions) {
    if (a.type === "userspace" && a.cookie?.kind === "controller") return true;
    if ((a.type === "clone" || a.type === "sample") && sendsToController(a.actions)) return true;
    if (a.type === "check_pkt_len" && (sendsToController(a.greater) || sendsToController(a.lessEqual))) return true;
  }
  return false;
}

export class BridgeUpcall implements DpifUpcall {
  /** Bumped by the owner on any change the versions below do not see (ports, bridges, port config). */
  epoch = 0;
  readonly recircIds: RecircIds;
  private bridges: Bridge[] = [];
  /** Datapath port -> bridge and port, rebuilt when `epoch` moves. */
  private ports = new Map<number, { bridge: Bridge; port: BridgePort }>();
  private portsEpoch = -1;
  /** Datapath tunnel vport -> every tunnel port sharing it (vxlan_sys_4789...). */
  private tunnels = new Map<number, Array<{ bridge: Bridge; port: BridgePort }>>();
  /** Where a packet's translation logs (the switch's ofproto_dpif_xlate and ofproto_dpif_upcall); null: nowhere. */
  logs: UpcallLogs | null = null;

  constructor(bridges: readonly Bridge[] = [], recircIds: RecircIds = new RecircIds()) {
    this.recircIds = recircIds;
    this.setBridges(bridges);
  }

  /** The bridges of this datapath (bumps the epoch). */
  setBridges(bridges: readonly Bridge[]): void {
    this.bridges = [...bridges];
    this.epoch++;
  }

  generation(): number {
    let g = this.epoch;
    const list = this.bridges;
    for (let i = 0; i < list.length; i++) {
      const b = list[i]!;
      g += b.tables.version + b.macTable.version;
    }
    return g;
  }

  /** The bridge and port of datapath port `odpPort`. */
  portOf(odpPort: number): { bridge: Bridge; port: BridgePort } | undefined {
    if (this.portsEpoch !== this.epoch) {
      this.ports.clear();
      this.tunnels.clear();
      for (const b of this.bridges) {
        for (const p of b.ports()) {
          if (p.odpPort === null) continue;
          this.ports.set(p.odpPort, { bridge: b, port: p });
          if (p.tunnel === null) continue;
          const list = this.tunnels.get(p.odpPort) ?? [];
          list.push({ bridge: b, port: p });
          this.tunnels.set(p.odpPort, list);
        }
      }
      this.portsEpoch = this.epoch;
    }
    return this.ports.get(odpPort);
  }

  /**
   * The bridge and port a packet with datapath key `key` arrived on. On a
   * tunnel vport (shared by every tunnel port of its type and UDP port), the
   * receiving tunnel port is OVS's tnl_port_receive (tnl-port-receive.ts).
   * None: undefined.
   */
  receivingPort(key: Uint32Array): { bridge: Bridge; port: BridgePort } | undefined {
    const odpPort = key[W.IN_PORT] ?? 0;
    const found = this.portOf(odpPort);
    const list = this.tunnels.get(odpPort);
    if (found === undefined || list === undefined) return found;
    return tnlPortReceive(list, key);
  }

  refRecirc(id: number, delta: number): void {
    this.recircIds.ref(id, delta);
  }

  recircHeld(id: number): boolean {
    return this.recircIds.held(id);
  }

  upcall(key: Uint32Array, bytes: number, now: number): UpcallResult | null {
    const r = this.translate(key, true, { packets: 1, bytes }, now, false, bytes);
    if (r === null) return null;
    for (const pin of r.packetIns) this.queuePacketIn(pin);
    return this.result(r);
  }

  slowPath(key: Uint32Array, bytes: number, now: number): readonly OdpAction[] {
    const r = this.translate(key, true, null, now, false, bytes);
    if (r === null) return [];
    for (const pin of r.packetIns) this.queuePacketIn(pin);
    return r.odpActions;
  }

  revalidate(key: Uint32Array, packets: number, bytes: number, now: number, tcpFlags = 0, used = now): UpcallResult | null {
    const r = this.translate(key, packets > 0, packets > 0 ? { packets, bytes, tcpFlags, used } : null, now, true);
    return r === null ? null : this.result(r);
  }

  /** netflow_flow_clear for the bridge the key's packets enter (the datapath flow went or is translated anew). */
  flowCleared(key: Uint32Array, deleted: boolean): void {
    if ((key[XM.recircId.word] ?? 0) !== 0) return;
    const found = this.receivingPort(key);
    const netflow = found?.bridge.netflow;
    if (found === undefined || netflow === undefined || netflow === null) return;
    const flow = key.slice();
    flow[W.IN_PORT] = found.port.ofport;
    netflow.flowClear(flow, deleted);
  }

  private queuePacketIn(pin: PacketIn): void {
    for (const b of this.bridges) if (b.name === pin.bridge) b.queuePacketIn(pin);
  }

  private translate(
    key: Uint32Array,
    sideEffects: boolean,
    stats: { packets: number; bytes: number; tcpFlags?: number; used?: number } | null,
    now: number,
    revalidation = false,
    packetSize: number | null = null,
  ): XlateResult | null {
    const found = this.receivingPort(key);
    const bridge = found?.bridge ?? this.packetOutBridge(key);
    if (bridge === undefined) return null;
    const flow = key.slice();
    flow[W.IN_PORT] = found?.port.ofport ?? OFPP_NONE;
    // A packet's translation logs (upcall-trace-log.ts); a revalidator's has no packet and logs nothing.
    const logs = packetSize !== null ? this.logs : null;
    const options: XlateOptions = {
      allowSideEffects: sideEffects,
      revalidation,
      now,
      recircIds: this.recircIds,
      ...(packetSize !== null ? { packetSize } : {}),
      ...(logs !== null ? { log: logs.xlate } : {}),
    };
    const r = xlate(bridge, logs !== null ? flow.slice() : flow, { ...options, ...(stats !== null ? { resubmitStats: stats } : {}) });
    if (logs !== null && r.error !== null) logFailedUpcall(logs, bridge, flow, r, options);
    return r;
  }

  /**
   * xlate_lookup_ofproto_ for a recirculated packet on no port: a frozen state whose in_port is
   * OFPP_NONE or OFPP_CONTROLLER (a packet-out's) names its bridge, and the thaw restores the
   * in_port. Any other frozen in_port needs the packet's datapath port, as in OVS 3.1.
   */
  private packetOutBridge(key: Uint32Array): Bridge | undefined {
    const id = key[XM.recircId.word] ?? 0;
    const state = id === 0 ? undefined : this.recircIds.state(id);
    const inPort = state?.port[0];
    if (state === undefined || (inPort !== OFPP_NONE && inPort !== OFPP_CONTROLLER)) return undefined;
    return this.bridges.find((b) => b.name === state.bridge.name);
  }

  private result(r: XlateResult): UpcallResult {
    const mask = r.megaflowMask.slice();
    mask[W.IN_PORT] = 0xffffffff;
    // A slow flow's datapath actions send every packet up (OVS's compose_slow_path, SLOW_ACTION).
    const slowPath = r.slow || sendsToController(r.odpActions);
    const avoid = r.avoidCaching ? { avoidCaching: true } : {};
    return r.slow ? { actions: [SLOW_PATH_ACTION], mask, slowPath, packetActions: r.odpActions, ...avoid } : { actions: r.odpActions, mask, slowPath, ...avoid };
  }
}
