/**
 * A simulation: several hosts (host.ts: each one switch, as `ovsim run`
 * drives), the underlay segments joining their physical ports
 * (src/datapath/underlay.ts), VM endpoints on their VM ports
 * (src/datapath/endpoint.ts), and one deterministic event loop on one
 * virtual clock (src/datapath/event-loop.ts) that every frame goes through.
 *
 *   const sim = new Simulation();
 *   const hv1 = sim.addHost("hv1"); hv1.switch.addBridge("br-int");
 *   sim.addSegment("phys"); sim.connect("hv1", "eth0", "phys");
 *   const vm1 = sim.addEndpoint("vm1", "hv1", "tap1", "fa:16:3e:00:00:01", "10.0.0.1");
 *   vm1.ping(parseIpv4("10.0.0.2"));          // runs the loop; RTT in virtual ms
 *   sim.captureSegment("phys").toBytes();     // a pcap of the underlay
 *
 * Clock: the loop's µs clock is the truth; when it moves, every host's
 * switch clock follows (flows and MAC entries expire), and a revalidator round
 * runs on each host every `revalidateEveryMs` of virtual time (OVS's
 * revalidators wake every 500 ms), so dump-flows counters catch up.
 */
import type { Endpoint as EndpointT } from "../datapath/endpoint.js";
import { Endpoint, parseIpv4, parseMac } from "../datapath/endpoint.js";
import { EventLoop } from "../datapath/event-loop.js";
import type { PcapCapture } from "../datapath/pcap.js";
import type { SegmentOptions } from "../datapath/underlay.js";
import { UnderlaySegment } from "../datapath/underlay.js";
import type { HostOptions } from "./host.js";
import { Host } from "./host.js";
import type { NicOptions } from "./ip-stack.js";

/** OVS's revalidator interval (ofproto-dpif-upcall.c: 500 ms). */
export const REVALIDATE_EVERY_MS = 500;

export interface SimulationOptions {
  /** Frames one run of the loop may move (event-loop.ts). */
  readonly packetBudget?: number;
  /** Frames one packet and its copies may move before they are cut as a storm (event-loop.ts). */
  readonly perPacketBudget?: number;
  /** Endpoints retransmit an unanswered ARP request within a ping's timeout (Endpoint.arpRetransmit; default off). */
  readonly arpRetransmit?: boolean;
}

export class Simulation {
  readonly loop: EventLoop;
  readonly hosts = new Map<string, Host>();
  readonly segments = new Map<string, UnderlaySegment>();
  readonly endpoints = new Map<string, EndpointT>();
  /** Where each endpoint is plugged. */
  private readonly endpointPorts = new Map<string, { readonly host: string; readonly port: string }>();
  private lastRevalidateMs = 0;
  private readonly arpRetransmit: boolean;

  constructor(options: SimulationOptions = {}) {
    this.arpRetransmit = options.arpRetransmit === true;
    this.loop = new EventLoop({
      ...(options.packetBudget !== undefined ? { packetBudget: options.packetBudget } : {}),
      ...(options.perPacketBudget !== undefined ? { perPacketBudget: options.perPacketBudget } : {}),
      onAdvance: (nowUs) => this.advanceHosts(nowUs / 1000),
    });
  }

  /** Virtual time, ms. */
  get nowMs(): number {
    return this.loop.nowMs;
  }

  /** A new host; `{ kernelDatapath: true }` for a host on the kernel datapath (host.ts HostOptions). */
  addHost(name: string, options: HostOptions = {}): Host {
    if (this.hosts.has(name)) throw new Error(`host ${name} exists`);
    const h = new Host(name, this.loop, options);
    h.switch.setClock(this.loop.nowMs);
    this.hosts.set(name, h);
    return h;
  }

  host(name: string): Host {
    const h = this.hosts.get(name);
    if (h === undefined) throw new Error(`no host ${name}`);
    return h;
  }

  addSegment(name: string, options: SegmentOptions = {}): UnderlaySegment {
    if (this.segments.has(name)) throw new Error(`segment ${name} exists`);
    const s = new UnderlaySegment(name, this.loop, options);
    this.segments.set(name, s);
    return s;
  }

  segment(name: string): UnderlaySegment {
    const s = this.segments.get(name);
    if (s === undefined) throw new Error(`no segment ${name}`);
    return s;
  }

  /** Plugs host `host`'s port `port` into segment `segment`. */
  connect(host: string, port: string, segment: string): void {
    this.host(host).attachNic(port, this.segment(segment));
  }

  /**
   * A NIC `nic` of host `host` outside OVS (its `local_ip` for tunnels, as on a Neutron
   * compute node), with `options.mac` and `options.addresses` (`["172.31.0.1/24"]`),
   * plugged into segment `segment` (ip-stack.ts).
   */
  addNic(host: string, nic: string, segment: string, options: NicOptions): void {
    this.host(host).addNic(nic, options, this.segment(segment));
  }

  /** A VM endpoint `name` with `mac` and `ip` on host `host`'s port `port`. */
  addEndpoint(name: string, host: string, port: string, mac: string, ip: string): EndpointT {
    if (this.endpoints.has(name)) throw new Error(`endpoint ${name} exists`);
    const h = this.host(host);
    const ep = new Endpoint(name, parseMac(mac), parseIpv4(ip), this.loop, (bytes) => h.fromEndpoint(port, bytes));
    ep.arpRetransmit = this.arpRetransmit;
    h.attachEndpoint(port, ep);
    this.endpoints.set(name, ep);
    this.endpointPorts.set(name, { host, port });
    return ep;
  }

  /** Unplugs and forgets endpoint `name` (a VM deleted or moved away); its name may be used again. */
  removeEndpoint(name: string): void {
    const at = this.endpointPorts.get(name);
    if (at === undefined) throw new Error(`no endpoint ${name}`);
    this.host(at.host).detach(at.port);
    this.endpoints.delete(name);
    this.endpointPorts.delete(name);
  }

  endpoint(name: string): EndpointT {
    const e = this.endpoints.get(name);
    if (e === undefined) throw new Error(`no endpoint ${name}`);
    return e;
  }

  /** Captures every frame entering segment `name`. */
  captureSegment(name: string): PcapCapture {
    return this.segment(name).startCapture();
  }

  /** Captures every frame in and out of host `host`'s port `port` (or of its NIC `port`, outside OVS). */
  capturePort(host: string, port: string): PcapCapture {
    const h = this.host(host);
    return h.ip.nicNames().includes(port) ? h.ip.capture(port) : h.capturePort(port);
  }

  /** Runs the loop until no event is left (or until `untilMs`); returns the events processed. */
  run(untilMs?: number): number {
    return this.loop.run(untilMs === undefined ? {} : { untilUs: Math.round(untilMs * 1000) });
  }

  /** Pushes every host's pending datapath stats to its rules. */
  sync(): void {
    for (const h of this.hosts.values()) h.sync();
  }

  private advanceHosts(nowMs: number): void {
    // The loop jumps over idle time: the revalidator round due inside the jump runs at its own time, as
    // OVS's does (its stats pushed then: a learned flow hit by the last packets is refreshed then, not at
    // the jump's end); the idle rounds after it have nothing to push.
    const due = this.lastRevalidateMs + REVALIDATE_EVERY_MS;
    if (nowMs > due) {
      for (const h of this.hosts.values()) h.advanceTo(due, true);
      this.lastRevalidateMs = due;
    }
    const revalidate = nowMs - this.lastRevalidateMs >= REVALIDATE_EVERY_MS;
    if (revalidate) this.lastRevalidateMs = nowMs - (nowMs % REVALIDATE_EVERY_MS);
    for (const h of this.hosts.values()) h.advanceTo(nowMs, revalidate);
  }
}
