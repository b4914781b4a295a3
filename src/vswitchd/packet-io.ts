/**
 * Packets in and out of one switch's datapaths, as bytes (OVS's
 * dpif-netdev input path and odp_execute_actions):
 *
 *   port ─▶ `receive(port, packet)` (or a tunnel vport ─▶ `receiveTunnel`, with
 *   the packet's tunnel key): rx counters, flow extraction, the
 *   datapath (megaflow hit, or an upcall to translation) ─▶ datapath actions
 *   ─▶ `execute`: the actions run on the bytes (src/datapath/odp-execute.ts)
 *   with the datapath's meters at the switch's time; each packet output
 *   credits its port's tx counters and goes to what is attached to the port
 *   (`attach`), with its tunnel metadata (`set(tunnel(...))`: a tunnel vport's
 *   sink encapsulates), or nowhere; each packet tnl_pop decapsulated or `recirc(N)`
 *   sent back goes through the datapath again (on the tunnel vport with its
 *   tunnel metadata, or on the same port with recirc_id N and its dp_hash),
 *   at most MAX_RECIRC_DEPTH times.
 *
 * A trace's actions run as OVS's execute_actions_except_outputs: without
 * their outputs and recirculations, in clones too (their meters do count).
 * A tap (`setTap`) sees every packet leaving a port and every packet a
 * userspace(controller) action sends up (the Ryu runner is the wire and the
 * controller). Packets received are recorded (the last MAX_RECEIVED_PACKETS)
 * with their datapath actions, for tests to read.
 */
import type { OdpAction } from "../actions/xlate/odp-actions.js";
import { XLATE_FLOW_WORDS, XM } from "../actions/xlate/odp-metadata.js";
import type { UserspaceCookie } from "../actions/xlate/odp-userspace.js";
import type { TunnelKey } from "../actions/xlate/odp-tunnel.js";
import type { Bridge } from "../datapath/bridge.js";
import type { BridgePort } from "../datapath/bridge-port.js";
import type { Datapath } from "../datapath/dpif.js";
import { isTunnelType } from "../datapath/dpif.js";
import type { DpifNetdev } from "../datapath/dpif-netdev.js";
import { writeCtFlowFields } from "../datapath/conntrack/ct-metadata.js";
import { DP_KEY_WORDS } from "../datapath/megaflow-cache.js";
import { odpExecute } from "../datapath/odp-execute.js";
import type { OdpUpcall } from "../datapath/odp-execute.js";
import type { CoverageCounts } from "../datapath/coverage-counts.js";
import { writeTunnelFields } from "../datapath/odp-tnl-pop.js";
import type { OdpRecirculation } from "../datapath/odp-execute.js";
import { extractFlow } from "../datapath/packet/extract.js";
import type { PcapAppend } from "./dummy-pcap.js";
import { DummyPcapFiles } from "./dummy-pcap.js";
import type { Packet } from "../datapath/packet/packet.js";
import type { FlowMember } from "../flowtable/flow-layout.js";
import { M, readMember, W, writeMember } from "../flowtable/flow-layout.js";

/** OVS's MAX_RECIRC_DEPTH: recirculations of one packet at most (a tnl_pop loop stops here). */
export const MAX_RECIRC_DEPTH = 6;
/** Received packets kept for `takeReceived` (oldest dropped first past this). */
export const MAX_RECEIVED_PACKETS = 4096;
/** What a recirculated packet keeps besides its bytes: the tunnel metadata tnl_pop sets. */
const TUNNEL_METADATA: readonly FlowMember[] = [M.tunId, M.tunSrc, M.tunDst, M.tunFlags, XM.tunTos, XM.tunTtl, XM.tunTpSrc, XM.tunTpDst, M.tunIpv6Src, M.tunIpv6Dst, M.tunErspanVer, M.tunErspanDir, M.tunErspanHwid, M.tunErspanIdx];

export type ControllerCookie = Extract<UserspaceCookie, { readonly kind: "controller" }>;

/** Watches what leaves the datapaths, packet by packet. */
export interface DatapathTap {
  /** A packet leaves datapath `dp` by its port `odpPort`, as it leaves (headers pushed, trunc applied). */
  output(dp: Datapath, odpPort: number, packet: Packet): void;
  /** A packet goes up to ovs-vswitchd for a packet-in (`cookie`: reason, max_len, ...). */
  controller(dp: Datapath, packet: Packet, cookie: ControllerCookie): void;
}

/**
 * What sits on a port: it is handed each frame the switch outputs there (bytes it may
 * keep; never edited later) and the packet's tunnel metadata (null unless the datapath
 * set one with `set(tunnel(...))`). Attached to a datapath tunnel vport (by its name,
 * `vxlan_sys_4789`, `gre_sys`, `genev_sys_6081`), it is the vport's device: it
 * encapsulates the frame with that metadata (src/sim/ip-stack.ts). A sink that only
 * wants bytes takes one argument.
 */
export type PortSink = (bytes: Uint8Array, tunnel: TunnelKey | null) => void;

/** What takes the packets output to tunnel vports: the vport's name (`vxlan_sys_4789`), the frame, its tunnel metadata. */
export type VportSink = (vport: string, bytes: Uint8Array, tunnel: TunnelKey | null) => void;

/** A packet a port received and the datapath actions it got. */
export interface ReceivedPacket {
  readonly bridge: string;
  /** The input port's datapath port number. */
  readonly odpInPort: number | null;
  /** The packet's flow (a translation flow, in_port = the OpenFlow port). */
  readonly flow: Uint32Array;
  readonly bytes: number;
  readonly odpActions: readonly OdpAction[];
}

/** What the packet path needs of its switch. */
export interface PacketIoOwner {
  now(): number;
  /** `other_config:vlan-limit`, as flow extraction applies it. */
  vlanLimit(): number;
  bridges(): Iterable<Bridge>;
  datapathOf(bridge: string): Datapath | undefined;
  dpif(dp: Datapath): DpifNetdev;
  /** ovs-vswitchd's coverage counts: the datapath's drops (datapath_drop_*) count there. */
  readonly coverage?: CoverageCounts;
  /**
   * A packet a `userspace(...)` action sent up that is no packet-in (ofproto-dpif-upcall.c's
   * process_upcall for IPFIX and flow-sample upcalls), with the datapath port it came in on.
   */
  userspaceUpcall?(dp: Datapath, upcall: OdpUpcall, inPort: number, tunnelMd: Uint32Array | null): void;
  /**
   * A packet an sFlow `userspace(...sFlow(...))` action sent up (process_upcall's SFLOW_UPCALL), with
   * the bridge whose actions ran, the datapath port it came in on and the flow's datapath actions.
   */
  sflowUpcall?(bridge: Bridge, upcall: OdpUpcall, inPort: number, tunnelMd: Uint32Array | null, actions: readonly OdpAction[]): void;
  /**
   * ofproto-dpif-xlate's process_special for a frame received on `port` (LACP PDUs of a LACP
   * bond's members, src/vswitchd/bonds.ts): true when it consumed the frame, which then goes
   * no further than the port's rx counters.
   */
  special?(port: BridgePort, bytes: Uint8Array): boolean;
}

/** What the packet path keeps between packets, as data (snapshots): counters and the records tests read. */
export interface PacketIoState {
  readonly nUnattached: number;
  readonly unhandled: readonly string[];
  readonly received: readonly ReceivedPacket[];
}

export class PacketIo {
  /** Frames output to a port with nothing attached (a bridge's internal port...). */
  nUnattached = 0;
  /** Datapath actions no executor step performs (ct, sample...), as text, since the last `takeUnhandled`. */
  private unhandled: string[] = [];
  private tap: DatapathTap | null = null;
  /** Called for each packet sent through a datapath again (tnl_pop, recirc): a simulation's packet budget. */
  onRecirculate: (() => void) | null = null;
  /** netdev-dummy's stream links (netdev-dummy-stream.ts): takes a frame output to a port without a sink, true when the port is linked. */
  linkSend: ((port: string, bytes: Uint8Array) => boolean) | null = null;
  /** Called when a packet's actions have all run (depth 0): the links deliver what was sent meanwhile. */
  onIdle: (() => void) | null = null;
  private readonly sinks = new Map<string, PortSink>();
  /** Takes what is output to a tunnel vport with no sink of its own (the host's tunnel devices). */
  private vportSink: VportSink | null = null;
  private received: ReceivedPacket[] = [];
  /** What dummy ports with capture options received and sent (dummy-pcap.ts), until taken (takePcapWrites). */
  private readonly pcapFiles = new DummyPcapFiles();
  /** Packets whose actions are running (execute at depth 0), for `busy`. */
  private executing = 0;

  constructor(private readonly owner: PacketIoOwner) {}

  save(): PacketIoState {
    return { nUnattached: this.nUnattached, unhandled: [...this.unhandled], received: [...this.received] };
  }

  restore(s: PacketIoState): void {
    this.nUnattached = s.nUnattached;
    this.unhandled = [...s.unhandled];
    this.received = [...s.received];
  }

  /** What the caller attached that a snapshot cannot hold: ports with a sink, a vport sink, a tap, a recirculation hook. */
  attachments(): { ports: string[]; vports: boolean; tap: boolean; recirculate: boolean } {
    return { ports: [...this.sinks.keys()].sort(), vports: this.vportSink !== null, tap: this.tap !== null, recirculate: this.onRecirculate !== null };
  }

  setTap(tap: DatapathTap | null): void {
    this.tap = tap;
  }

  attach(port: string, sink: PortSink | null): void {
    if (sink === null) this.sinks.delete(port);
    else this.sinks.set(port, sink);
  }

  /** Attaches the device of every tunnel vport without a sink of its own (`attach` by name wins). null detaches. */
  attachVports(sink: VportSink | null): void {
    this.vportSink = sink;
  }

  /** Packets received since the last call, oldest first. */
  takeReceived(): ReceivedPacket[] {
    const list = this.received;
    this.received = [];
    return list;
  }

  /** Datapath actions left unexecuted since the last call. */
  takeUnhandled(): string[] {
    const list = this.unhandled;
    this.unhandled = [];
    return list;
  }

  /** The port named `name` of any bridge, with its bridge. */
  findPort(name: string): { bridge: Bridge; port: BridgePort } | undefined {
    for (const bridge of this.owner.bridges()) {
      const port = bridge.portByName(name);
      if (port !== undefined) return { bridge, port };
    }
    return undefined;
  }

  /** A packet's bytes arrive on `port` of `bridge`: extraction, the datapath, its actions executed. */
  receive(bridge: Bridge, port: BridgePort, packet: Packet): void {
    if (this.owner.special?.(port, packet.bytes.subarray(0, packet.size)) === true) {
      port.stats.rxPackets++;
      port.stats.rxBytes += packet.size;
      return;
    }
    const flow = new Uint32Array(XLATE_FLOW_WORDS);
    extractFlow(packet, port.ofport, flow, this.owner.vlanLimit());
    const actions = this.deliver(bridge, port, flow, packet.size, packet);
    this.execute(bridge, packet, actions, false, 0, port.odpPort ?? 0);
  }

  /**
   * A packet a tunnel vport decapsulated arrives with its tunnel key (the way the kernel's
   * vxlan / gre / geneve device hands it to the datapath): on datapath `dp`'s port
   * `odpPort` (the vport), flow extraction with the tunnel fields, the datapath (whose
   * upcall finds the tunnel port by the key: tnl_port_receive), the actions executed. The
   * tunnel port's rx counters count in translation. False when no bridge runs on `dp`.
   */
  receiveTunnel(dp: Datapath, odpPort: number, packet: Packet, tunnel: TunnelKey): boolean {
    let bridge: Bridge | undefined;
    for (const br of this.owner.bridges()) {
      if (this.owner.datapathOf(br.name) === dp) {
        bridge = br;
        break;
      }
    }
    if (bridge === undefined) return false;
    const flow = new Uint32Array(XLATE_FLOW_WORDS);
    extractFlow(packet, odpPort, flow, this.owner.vlanLimit());
    writeTunnelFields(flow, tunnel);
    const key = new Uint32Array(DP_KEY_WORDS);
    key.set(flow.subarray(0, DP_KEY_WORDS));
    key[W.IN_PORT] = odpPort;
    const actions = this.owner.dpif(dp).receive(key, packet.size, this.owner.now(), true, packet);
    this.execute(bridge, packet, actions, false, 0, odpPort, flow);
    return true;
  }

  /** The datapath pass of a packet with `flow` (in_port = the OpenFlow port) and `bytes` length: its datapath actions. `packet`: its bytes, when the caller has them (for the datapath's log). */
  deliver(bridge: Bridge, port: BridgePort, flow: Uint32Array, bytes: number, packet: Packet | null = null): readonly OdpAction[] {
    port.stats.rxPackets++;
    port.stats.rxBytes += bytes;
    if (packet !== null) this.pcapFiles.received(port, packet, this.owner.now());
    const dp = this.owner.datapathOf(bridge.name);
    if (dp === undefined || port.odpPort === null) return [];
    const key = new Uint32Array(DP_KEY_WORDS);
    key.set(flow.subarray(0, DP_KEY_WORDS));
    key[W.IN_PORT] = port.odpPort;
    const odpActions = this.owner.dpif(dp).receive(key, bytes, this.owner.now(), true, packet);
    this.received.push({ bridge: bridge.name, odpInPort: port.odpPort, flow, bytes, odpActions });
    if (this.received.length > MAX_RECEIVED_PACKETS) this.received.shift();
    return odpActions;
  }

  /**
   * Runs `actions` on `packet` in `bridge`'s datapath; outputs are credited and delivered, recirculated packets go through it again.
   * `tunnelMd`: a flow holding the tunnel metadata the packet arrived with (null: none); a `recirc(N)` keeps it, as OVS's
   * recirculation keeps the packet's md.tunnel (a conntrack pass of a decapsulated packet resumes on its tunnel port).
   */
  execute(bridge: Bridge, packet: Packet, actions: readonly OdpAction[], pruneOutputs: boolean, depth: number, inPort = 0, tunnelMd: Uint32Array | null = null): void {
    if (depth !== 0) return this.executeActions(bridge, packet, actions, pruneOutputs, depth, inPort, tunnelMd);
    this.executing++;
    try {
      this.executeActions(bridge, packet, actions, pruneOutputs, depth, inPort, tunnelMd);
    } finally {
      this.executing--;
    }
    if (this.executing === 0) this.onIdle?.();
  }

  /** Whether a packet's actions are running (its outputs reach sinks now): no snapshot then. */
  /** The capture files of dummy ports (options:pcap, rxq_pcap, tx_pcap) and the frames to append to each since the last call. */
  takePcapWrites(): PcapAppend[] {
    const ports: BridgePort[] = [];
    for (const br of this.owner.bridges()) ports.push(...br.ports());
    return this.pcapFiles.take(ports);
  }

  get busy(): boolean {
    return this.executing > 0;
  }

  private executeActions(bridge: Bridge, packet: Packet, actions: readonly OdpAction[], pruneOutputs: boolean, depth: number, inPort: number, tunnelMd: Uint32Array | null): void {
    const dp = this.owner.datapathOf(bridge.name);
    if (dp === undefined) return;
    const tap = pruneOutputs ? null : this.tap;
    const r = odpExecute(packet, pruneOutputs ? prune(actions) : actions, inPort, { meters: dp.meters, conntrack: dp.conntrack, now: this.owner.now(), greSeqnos: dp.greSeqnos, random: () => dp.random.uint32() });
    if (r.unhandled.length > 0) this.unhandled.push(...r.unhandled);
    for (const d of r.drops) this.owner.coverage?.add(d);
    for (const o of r.outputs) {
      const name = this.creditOutput(dp, o.odpPort, o.packet);
      tap?.output(dp, o.odpPort, o.packet);
      if (pruneOutputs) continue;
      if (name === undefined) {
        // dp_execute_output_action: no port of that number to send on.
        this.owner.coverage?.add("datapath_drop_invalid_port");
        continue;
      }
      const sink = this.sinks.get(name);
      if (sink !== undefined) {
        sink(o.packet.data(), o.tunnel);
        continue;
      }
      const tunnelVport = isTunnelType(dp.portByNumber(o.odpPort)?.type ?? "");
      if (this.vportSink !== null && tunnelVport) this.vportSink(name, o.packet.data(), o.tunnel);
      else if (this.linkSend !== null && this.linkSend(name, o.packet.data().slice())) continue;
      else {
        // A userspace datapath's tunnel vport has no transmit queue (pmd_send_port_cache holds
        // only ports with one): dpif-netdev drops what is output to it. A vport with a device
        // attached (a kernel-like host, docs/simulation.md) sends it, as above.
        if (tunnelVport) this.owner.coverage?.add("datapath_drop_invalid_port");
        this.nUnattached++;
      }
    }
    if (!pruneOutputs) {
      // process_upcall's sampling upcalls (a controller's are the tap's, below).
      for (const u of r.upcalls) {
        const kind = u.action.cookie?.kind;
        if (kind === "ipfix" || kind === "flow_sample") this.owner.userspaceUpcall?.(dp, u, inPort, tunnelMd);
        else if (kind === "sflow") this.owner.sflowUpcall?.(bridge, u, inPort, tunnelMd, actions);
      }
    }
    if (tap !== null) {
      for (const u of r.upcalls) if (u.action.cookie?.kind === "controller") tap.controller(dp, u.packet, u.action.cookie);
    }
    for (const d of r.recirculations) this.recirculate(bridge, dp, d, depth + 1, tunnelMd);
    // The upcalls of this packet and of its recirculations install their megaflows now, after execution (handle_packet_upcall).
    if (depth === 0) this.owner.dpif(dp).release(this.owner.now());
  }

  /**
   * Credits the tx counters of the port of `dp` numbered `odpPort` with one packet of
   * `bytes`; the name its sink is attached under. A tunnel vport (shared by the tunnel
   * ports of its type and UDP port) is the datapath port's name (`vxlan_sys_4789`): its
   * tunnel ports count their packets in translation (XlateBridge.countTunnel), as OVS's.
   */
  private creditOutput(dp: Datapath, odpPort: number, packet: Packet): string | undefined {
    for (const br of this.owner.bridges()) {
      if (this.owner.datapathOf(br.name) !== dp) continue;
      const p = br.ports().find((q) => q.odpPort === odpPort);
      if (p === undefined) continue;
      if (p.tunnel !== null) break;
      p.stats.txPackets++;
      p.stats.txBytes += packet.size;
      this.pcapFiles.sent(p, packet, this.owner.now());
      return p.name;
    }
    return dp.portByNumber(odpPort)?.name;
  }

  private recirculate(bridge: Bridge, dp: Datapath, d: OdpRecirculation, depth: number, tunnelMd: Uint32Array | null): void {
    if (depth > MAX_RECIRC_DEPTH) {
      this.owner.coverage?.add("datapath_drop_recirc_error");
      return;
    }
    this.onRecirculate?.();
    const flow = new Uint32Array(XLATE_FLOW_WORDS);
    extractFlow(d.packet, d.inPort, flow, this.owner.vlanLimit());
    // tnl_pop: the tunnel fields it decapsulated; recirc(N): those the packet arrived with.
    const md = d.recircId === undefined || tunnelMd === null ? d.metadata : tunnelMd;
    for (const m of TUNNEL_METADATA) writeMember(flow, m, readMember(md, m));
    // miniflow_extract reads ct_state, ct_zone, ct_mark and ct_label from the packet's metadata.
    writeCtFlowFields(d.packet, flow);
    const key = new Uint32Array(DP_KEY_WORDS);
    key.set(flow.subarray(0, DP_KEY_WORDS));
    key[W.IN_PORT] = d.inPort;
    key[XM.recircId.word] = d.recircId ?? 0;
    key[XM.dpHash.word] = d.packet.dpHash;
    const actions = this.owner.dpif(dp).receive(key, d.packet.size, this.owner.now(), true, d.packet);
    this.execute(bridge, d.packet, actions, false, depth, d.inPort, md);
  }
}

/** OVS's prune_output_actions: no output or recirc, in clones too. */
function prune(actions: readonly OdpAction[]): OdpAction[] {
  const out: OdpAction[] = [];
  for (const a of actions) {
    if (a.type === "clone") out.push({ ...a, actions: prune(a.actions) });
    else if (a.type !== "output" && a.type !== "recirc") out.push(a);
  }
  return out;
}
