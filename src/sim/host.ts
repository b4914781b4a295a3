/**
 * A simulated host (hypervisor): one `World` — its config DB, vswitchd,
 * bridges and datapath, exactly what `ovsim run` drives — plus what plugs
 * into its ports from outside: VM endpoints (endpoint.ts) on VM ports and
 * underlay segments (underlay.ts) on physical ports.
 *
 * The way a frame goes through a host:
 *   port (endpoint or NIC) ─▶ `receive(port, bytes)`: rx counters, capture,
 *   flow extraction, the datapath (megaflow cache; a miss is an upcall to
 *   translation) ─▶ datapath actions ─▶ `execute` (execute.ts) ─▶ each output
 *   ─▶ `transmit(port, bytes)`: tx counters, capture, then the endpoint (after
 *   the VIF latency) or the segment; a port with nothing attached (a bridge's
 *   internal port) drops it, counted in `nUnattached`.
 * Processing inside the datapath takes no virtual time; every frame in is
 * charged to the event loop's packet budget.
 *
 * Scripts (`run`) are the same ovs-vsctl / ovs-ofctl / ovs-appctl lines as
 * `ovsim run` reads, run against this host's world.
 */
import type { ScriptOutput } from "../cli/run-script.js";
import { runScript } from "../cli/run-script.js";
import { World } from "../cli/world.js";
import { dpifOf, pushAllStats, revalidateAll } from "../cli/appctl-dpif.js";
import { worldVlanLimit } from "../cli/appctl-trace.js";
import { XLATE_FLOW_WORDS, XM } from "../actions/xlate/odp-metadata.js";
import type { Bridge } from "../datapath/bridge.js";
import type { BridgePort } from "../datapath/bridge-port.js";
import type { Datapath } from "../datapath/dpif.js";
import type { Endpoint } from "../datapath/endpoint.js";
import type { EventLoop } from "../datapath/event-loop.js";
import { DP_KEY_WORDS } from "../datapath/megaflow-cache.js";
import { extractFlow } from "../datapath/packet/extract.js";
import { Packet } from "../datapath/packet/packet.js";
import { PcapCapture } from "../datapath/pcap.js";
import type { UnderlaySegment } from "../datapath/underlay.js";
import type { FlowMember } from "../flowtable/flow-layout.js";
import { M, readMember, W, writeMember } from "../flowtable/flow-layout.js";
import type { DatapathExecute, ExecuteContext } from "./execute.js";

/** Latency between a VM and its bridge port, each way, µs. */
export const DEFAULT_VIF_LATENCY_US = 10;

/** Recirculations of one packet at most (OVS's MAX_RECIRC_DEPTH is 6): a tnl_pop loop stops here. */
export const RECIRC_LIMIT = 6;
/** What a recirculated packet keeps besides its bytes: the tunnel metadata tnl_pop sets. */
const TUNNEL_METADATA: readonly FlowMember[] = [M.tunId, M.tunSrc, M.tunDst, M.tunFlags];

type Attachment =
  | { readonly kind: "endpoint"; readonly endpoint: Endpoint }
  | { readonly kind: "nic"; readonly segment: UnderlaySegment; readonly handle: number };

export class Host {
  readonly name: string;
  /** The switch of this host: config DB, bridges, datapath (the per-host unit of `ovsim run`). */
  readonly world = new World();
  vifLatencyUs = DEFAULT_VIF_LATENCY_US;
  /** Frames output to a port with nothing attached (a bridge's internal port...). */
  nUnattached = 0;
  private readonly loop: EventLoop;
  private readonly execute: DatapathExecute;
  private readonly attachments = new Map<string, Attachment>();
  private readonly captures = new Map<string, PcapCapture>();

  constructor(name: string, loop: EventLoop, execute: DatapathExecute) {
    this.name = name;
    this.loop = loop;
    this.execute = execute;
  }

  /** Runs a script of ovs-vsctl / ovs-ofctl / ovs-appctl lines against this host. */
  run(script: string): ScriptOutput {
    return runScript(script, this.world);
  }

  /** Plugs `endpoint` into port `port` (the port may be created by a script later). */
  attachEndpoint(port: string, endpoint: Endpoint): void {
    this.attachments.set(port, { kind: "endpoint", endpoint });
  }

  /** Plugs port `port` (a physical port) into `segment`. */
  attachNic(port: string, segment: UnderlaySegment): void {
    const handle = segment.attach({ name: `${this.name}:${port}`, deliver: (bytes) => this.receive(port, bytes) });
    this.attachments.set(port, { kind: "nic", segment, handle });
  }

  /** Captures every frame received on or transmitted to `port` (the capture is shared if called twice). */
  capturePort(port: string): PcapCapture {
    let c = this.captures.get(port);
    if (c === undefined) {
      c = new PcapCapture(`${this.name}:${port}`);
      this.captures.set(port, c);
    }
    return c;
  }

  /** Advances the switch's clock to `nowMs` (flows and MACs expire; a revalidator round when asked). */
  advanceTo(nowMs: number, revalidate: boolean): void {
    if (nowMs > this.world.now) this.world.advance(nowMs - this.world.now);
    if (revalidate) revalidateAll(this.world);
  }

  /** Pushes pending megaflow stats to the rules (before reading counters). */
  sync(): void {
    pushAllStats(this.world);
  }

  /** A frame arrives on `port` from outside (an endpoint, a segment): it goes through the datapath. */
  receive(port: string, bytes: Uint8Array): void {
    this.captures.get(port)?.add(this.loop.nowUs, bytes);
    this.process(port, bytes);
  }

  /** The datapath processes a frame that arrived on `port`. */
  private process(port: string, bytes: Uint8Array): void {
    this.loop.charge();
    const found = this.findPort(port);
    if (found === undefined) return;
    const { port: bp, datapath } = found;
    bp.stats.rxPackets++;
    bp.stats.rxBytes += bytes.length;
    if (bp.odpPort === null) return;
    this.datapathInput(datapath, new Packet(bytes.slice()), bp.odpPort, bp.ofport, null, 0, 0);
  }

  /**
   * A packet enters datapath `datapath` on datapath port `odpPort`: key
   * extraction (metadata words from `metadata`, a flow key holding tunnel
   * fields, when the packet comes back from tnl_pop), the datapath, the
   * executor, then each output. `depth` counts recirculations (OVS's
   * MAX_RECIRC_DEPTH, 6... cut here at RECIRC_LIMIT).
   */
  private datapathInput(datapath: Datapath, packet: Packet, odpPort: number, ofport: number, metadata: Uint32Array | null, depth: number, recircId: number): void {
    const flow = new Uint32Array(XLATE_FLOW_WORDS);
    extractFlow(packet, ofport, flow, worldVlanLimit(this.world));
    if (metadata !== null) for (const m of TUNNEL_METADATA) writeMember(flow, m, readMember(metadata, m));
    const key = new Uint32Array(DP_KEY_WORDS);
    key.set(flow.subarray(0, DP_KEY_WORDS));
    key[W.IN_PORT] = odpPort;
    key[XM.recircId.word] = recircId;
    key[XM.dpHash.word] = packet.dpHash;
    const actions = dpifOf(this.world, datapath).receive(key, packet.size, this.world.now);
    const ctx: ExecuteContext = {
      now: this.world.now,
      datapath,
      inPort: odpPort,
      recirculate: (p, inPort, md, rid = 0) => {
        if (depth >= RECIRC_LIMIT) return;
        this.loop.charge();
        this.datapathInput(datapath, p, inPort, inPort, md, depth + 1, rid);
      },
    };
    const outputs = this.execute(packet, actions, ctx);
    for (const o of outputs) {
      const name = datapath.portByNumber(o.port)?.name;
      if (name !== undefined) this.transmit(name, o.packet.data());
    }
  }

  /** The datapath outputs `bytes` to `port`: counters, capture, then whatever is attached. */
  transmit(port: string, bytes: Uint8Array): void {
    const found = this.findPort(port);
    if (found !== undefined) {
      found.port.stats.txPackets++;
      found.port.stats.txBytes += bytes.length;
    }
    this.captures.get(port)?.add(this.loop.nowUs, bytes);
    const a = this.attachments.get(port);
    if (a === undefined) {
      this.nUnattached++;
      return;
    }
    if (a.kind === "nic") {
      a.segment.send(a.handle, bytes);
      return;
    }
    const frame = bytes.slice();
    const ep = a.endpoint;
    this.loop.schedule(this.vifLatencyUs, () => ep.receive(frame));
  }

  /** An endpoint on `port` sends a frame: it reaches the bridge port after the VIF latency. */
  fromEndpoint(port: string, bytes: Uint8Array): void {
    const frame = bytes.slice();
    this.loop.charge();
    this.captures.get(port)?.add(this.loop.nowUs, frame); // captured as the VM sends it (the port's rx)
    this.loop.schedule(this.vifLatencyUs, () => this.process(port, frame));
  }

  /** The bridge port named `name` and its datapath. */
  findPort(name: string): { bridge: Bridge; port: BridgePort; datapath: Datapath } | undefined {
    for (const bridge of this.world.bridges.values()) {
      const port = bridge.portByName(name);
      if (port === undefined) continue;
      const datapath = this.world.ofproto(bridge.name)?.datapath;
      if (datapath === undefined) return undefined;
      return { bridge, port, datapath };
    }
    return undefined;
  }
}
