/**
 * A simulated host (hypervisor): one `Switch` (src/vswitchd) — its config
 * DB, bridges and datapath, exactly what `ovsim run` drives — plus what plugs
 * into its ports from outside: VM endpoints (endpoint.ts) on VM ports and
 * underlay segments (underlay.ts) on physical ports, and the host's own IP
 * stack (ip-stack.ts: NICs outside OVS, routes, ARP, the kernel's tunnel
 * devices, which take what the datapath outputs to a tunnel vport). On a
 * netdev host the stack's address sits on a bridge's internal port instead
 * (`addBridgeNic`): OVS tunnels natively through that bridge, and the ARP
 * requests its translation sends on a neighbour miss enter the bridge from
 * that port (`Switch.tunnels.neighbourRequestSink`).
 *
 * The way a frame goes through a host:
 *   port (endpoint or NIC) ─▶ `receive(port, bytes)`: capture, then the
 *   switch's packet path (rx counters, flow extraction, the datapath, the
 *   datapath actions on the bytes, recirculation: src/vswitchd/packet-io.ts)
 *   ─▶ each output ─▶ the port's sink: capture, then the endpoint (after the
 *   VIF latency) or the segment; a port with nothing attached (a bridge's
 *   internal port) drops it, counted in `nUnattached`.
 * Processing inside the datapath takes no virtual time; every frame in, and
 * every recirculation, is charged to the event loop's packet budget. A
 * datapath action the executor does not perform throws
 * UnsupportedDatapathAction, so a scenario that needs more says so instead
 * of silently dropping.
 */
import type { Endpoint } from "../datapath/endpoint.js";
import type { EventLoop } from "../datapath/event-loop.js";
import { Packet } from "../datapath/packet/packet.js";
import { PcapCapture } from "../datapath/pcap.js";
import type { UnderlaySegment } from "../datapath/underlay.js";
import { OvsimError } from "../flowtable/errors.js";
import type { PortSink, VportSink } from "../vswitchd/packet-io.js";
import type { SwitchSnapshot } from "../vswitchd/snapshot.js";
import { Switch } from "../vswitchd/switch.js";
import type { NicOptions } from "./ip-stack.js";
import { IpStack } from "./ip-stack.js";
import { defineOwn } from "../flowtable/own-property.js";

/** Latency between a VM and its bridge port, each way, µs. */
export const DEFAULT_VIF_LATENCY_US = 10;

/** A datapath action the switch's executor does not model. */
export class UnsupportedDatapathAction extends OvsimError {
  readonly code = "UNSUPPORTED_DATAPATH_ACTION";
  readonly action: string;
  constructor(action: string) {
    super(`datapath action not supported by the simulation's executor: ${action}`);
    this.action = action;
  }
}

/** How a host starts. */
export interface HostOptions {
  /**
   * The host's datapath is the kernel one Neutron hosts run (tnl_push_pop off): output to a
   * tunnel port is `set(tunnel(...))` to its vport, and the host's IP stack encapsulates,
   * routes and sends it out of a NIC (`addNic`); tunnel packets arriving on a NIC for the
   * host's addresses go to the datapath on their vport. Default: the sandbox's userspace
   * datapath, native tunnelling through a bridge port.
   */
  readonly kernelDatapath?: boolean;
  /**
   * The host's switch is the one this snapshot saved (`Switch.loadSnapshot`), with the
   * host's sinks attached again, instead of a new switch (a host restored: src/sim/snapshot.ts).
   */
  readonly switchSnapshot?: SwitchSnapshot;
}

/** Where a host's port or NIC is plugged into a segment: its place among the segment's members. */
export interface SegmentMembership {
  readonly port: string;
  /** "port": an OVS port of the host's switch; "nic": a NIC of its IP stack. */
  readonly kind: "port" | "nic";
  readonly segment: string;
  readonly handle: number;
}

type Attachment =
  | { readonly kind: "endpoint"; readonly endpoint: Endpoint }
  | { readonly kind: "stack" }
  | { readonly kind: "nic"; readonly segment: UnderlaySegment; readonly handle: number };

export class Host {
  readonly name: string;
  /** The switch of this host: config DB, bridges, datapath (the per-host unit of `ovsim run`). */
  readonly switch: Switch;
  /** The host's own IP stack: NICs outside OVS, routes, ARP, the kernel's tunnel devices (ip-stack.ts). */
  readonly ip: IpStack;
  /** The host runs the kernel datapath (HostOptions.kernelDatapath). */
  readonly kernelDatapath: boolean;
  vifLatencyUs = DEFAULT_VIF_LATENCY_US;
  private readonly loop: EventLoop;
  private readonly attachments = new Map<string, Attachment>();
  private readonly captures = new Map<string, PcapCapture>();
  /** Frames output to a captured port with nothing attached. */
  private nCapturedUnattached = 0;

  constructor(name: string, loop: EventLoop, options: HostOptions = {}) {
    this.name = name;
    this.loop = loop;
    this.kernelDatapath = options.kernelDatapath === true;
    const switchOptions = this.kernelDatapath ? { datapathFeatures: { tnl_push_pop: "false" } } : {};
    // What the datapath outputs to a tunnel vport goes to the kernel's tunnel device: the IP stack.
    const vportSink: VportSink = (vport, bytes, tunnel) => this.ip.sendTunnel(vport, bytes, tunnel);
    // Native tunnelling's ARP requests enter their bridge from the route's device, after the packet that asked.
    const neighbourRequestSink = (_bridge: string, port: string, frame: Uint8Array): void => {
      this.loop.charge();
      this.loop.schedule(0, () => this.process(port, frame));
    };
    const saved = options.switchSnapshot;
    if (saved === undefined) {
      this.switch = new Switch(switchOptions);
      this.switch.attachTunnelVports(vportSink);
      this.switch.tunnels.neighbourRequestSink = neighbourRequestSink;
    } else {
      const sinks: Record<string, PortSink> = {};
      for (const port of saved.attached.ports) defineOwn(sinks, port, (bytes) => this.transmit(port, bytes));
      this.switch = Switch.loadSnapshot(saved, {
        ...switchOptions,
        sinks,
        ...(saved.attached.vports ? { vportSink } : {}),
        ...(saved.attached.neighbourRequests ? { neighbourRequestSink } : {}),
      });
    }
    this.ip = new IpStack({ name, loop, switch: this.switch });
    this.switch.io.onRecirculate = () => this.loop.charge();
  }

  /** Frames output to a port with nothing attached (a bridge's internal port...). */
  get nUnattached(): number {
    return this.switch.io.nUnattached + this.nCapturedUnattached;
  }

  /** Plugs `endpoint` into port `port` (the port may be created by a script later). */
  attachEndpoint(port: string, endpoint: Endpoint): void {
    this.attachments.set(port, { kind: "endpoint", endpoint });
    this.plug(port);
  }

  /** Unplugs what is attached to `port` (a VM that left): frames output there count as unattached from now on. */
  detach(port: string): void {
    this.attachments.delete(port);
  }

  /** Plugs port `port` (a physical port) into `segment`. */
  attachNic(port: string, segment: UnderlaySegment): void {
    const handle = segment.attach({ name: `${this.name}:${port}`, deliver: (bytes) => this.receive(port, bytes) });
    this.attachments.set(port, { kind: "nic", segment, handle });
    this.plug(port);
  }

  /**
   * A NIC of the host outside OVS (`eth0` with the tunnel address, as on a Neutron compute
   * node), with its MAC and addresses, plugged into `segment` if given: see ip-stack.ts.
   * The switch is told of its addresses (`Switch.addHostAddress`).
   */
  addNic(name: string, options: NicOptions, segment?: UnderlaySegment): void {
    this.ip.addNic(name, options);
    if (segment !== undefined) this.ip.attach(name, segment);
  }

  /**
   * The host's IP stack holds `options.addresses` on OVS internal port `port` (a bridge's
   * own port, `br-ex`): what the stack sends enters the switch there, what the switch
   * outputs there reaches the stack. The switch is told of the addresses.
   */
  addBridgeNic(port: string, options: NicOptions): void {
    this.ip.addNic(port, options);
    this.attachStack(port);
  }

  /** The IP stack's NIC `port` is OVS internal port `port` (addBridgeNic without the NIC: a restored host's). */
  attachStack(port: string): void {
    this.ip.attachSink(port, (frame) => {
      const copy = frame.slice();
      this.loop.charge();
      this.loop.schedule(0, () => this.process(port, copy));
    });
    this.attachments.set(port, { kind: "stack" });
    this.plug(port);
  }

  /** The ports the IP stack holds an address on (`addBridgeNic`). */
  stackPorts(): string[] {
    return [...this.attachments].filter(([, a]) => a.kind === "stack").map(([port]) => port);
  }

  /** Every port and NIC of the host plugged into a segment. */
  segmentMemberships(): SegmentMembership[] {
    const out: SegmentMembership[] = [];
    for (const [port, a] of this.attachments) if (a.kind === "nic") out.push({ port, kind: "port", segment: a.segment.name, handle: a.handle });
    for (const m of this.ip.segmentMemberships()) out.push({ port: m.dev, kind: "nic", segment: m.segment, handle: m.handle });
    return out;
  }

  /** Ports with a capture running (a snapshot cannot hold them). */
  capturedPorts(): string[] {
    return [...this.captures.keys()];
  }

  /** Frames output to a captured port with nothing attached (a restored host continues the count). */
  get capturedUnattached(): number {
    return this.nCapturedUnattached;
  }

  set capturedUnattached(n: number) {
    this.nCapturedUnattached = n;
  }

  /** Captures every frame received on or transmitted to `port` (the capture is shared if called twice). */
  capturePort(port: string): PcapCapture {
    let c = this.captures.get(port);
    if (c === undefined) {
      c = new PcapCapture(`${this.name}:${port}`);
      this.captures.set(port, c);
      this.plug(port);
    }
    return c;
  }

  /** Advances the switch's clock to `nowMs` (flows and MACs expire; a revalidator round when asked). */
  advanceTo(nowMs: number, revalidate: boolean): void {
    this.switch.setClock(nowMs);
    if (revalidate) this.switch.datapaths.revalidate(this.switch.now);
  }

  /** Pushes pending megaflow stats to the rules (before reading counters). */
  sync(): void {
    this.switch.datapaths.pushStats(this.switch.now);
  }

  /** A frame arrives on `port` from outside (an endpoint, a segment): it goes through the datapath. */
  receive(port: string, bytes: Uint8Array): void {
    this.captures.get(port)?.add(this.loop.nowUs, bytes);
    this.process(port, bytes);
  }

  /** An endpoint on `port` sends a frame: it reaches the bridge port after the VIF latency. */
  fromEndpoint(port: string, bytes: Uint8Array): void {
    const frame = bytes.slice();
    this.loop.charge();
    this.captures.get(port)?.add(this.loop.nowUs, frame); // captured as the VM sends it (the port's rx)
    this.loop.schedule(this.vifLatencyUs, () => this.process(port, frame));
  }

  /** The switch processes a frame that arrived on `port`. */
  private process(port: string, bytes: Uint8Array): void {
    this.loop.charge();
    const found = this.switch.findPort(port);
    if (found === undefined) return;
    this.switch.io.receive(found.bridge, found.port, new Packet(bytes.slice()));
    // A neighbour native tunnelling learned (OVS's tnl_conf_seq changes): the revalidators run at once.
    if (this.switch.tunnels.takeNeighboursChanged()) this.switch.datapaths.revalidate(this.switch.now);
    const unhandled = this.switch.io.takeUnhandled();
    if (unhandled.length > 0) throw new UnsupportedDatapathAction(unhandled.join(", "));
  }

  /** Registers the sink of `port` with the switch: capture, then the endpoint or segment. */
  private plug(port: string): void {
    this.switch.io.attach(port, (bytes) => this.transmit(port, bytes));
  }

  /** The switch outputs `bytes` to `port`: capture, then whatever is attached. */
  private transmit(port: string, bytes: Uint8Array): void {
    this.captures.get(port)?.add(this.loop.nowUs, bytes);
    const a = this.attachments.get(port);
    if (a === undefined) {
      this.nCapturedUnattached++;
      return;
    }
    if (a.kind === "nic") {
      a.segment.send(a.handle, bytes);
      return;
    }
    if (a.kind === "stack") {
      this.ip.receive(port, bytes.slice());
      return;
    }
    const frame = bytes.slice();
    const ep = a.endpoint;
    this.loop.schedule(this.vifLatencyUs, () => ep.receive(frame));
  }
}
