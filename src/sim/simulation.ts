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
import { formatIpv4 } from "../datapath/endpoint.js";
import { formatMac } from "../datapath/mac-learning.js";
import { SnapshotError } from "../vswitchd/snapshot.js";
import type { SimSnapshot } from "./snapshot.js";
import { loadEndpoint, saveEndpoint, underPath } from "./snapshot.js";

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

  /**
   * The simulation as plain JSON data (snapshot.ts): the loop must be idle (its pending
   * events are closures) and no capture running; else a SnapshotError says so.
   */
  saveSnapshot(): SimSnapshot {
    if (this.loop.pending > 0) throw new SnapshotError(`${this.loop.pending} event(s) pending in the event loop (frames in flight): run the loop, or let time pass, before saving`);
    for (const h of this.hosts.values()) {
      const captured = [...h.capturedPorts(), ...h.ip.capturedNics()];
      if (captured.length > 0) throw new SnapshotError(`host ${h.name}: a capture is running on ${captured.join(", ")} (captures are not saved)`);
    }
    for (const seg of this.segments.values()) if (seg.capture !== null) throw new SnapshotError(`segment ${seg.name}: a capture is running (captures are not saved)`);
    const owners = new Map<string, { host: string; port: string; kind: "port" | "nic" }>();
    for (const h of this.hosts.values()) for (const m of h.segmentMemberships()) owners.set(`${m.segment}\u0000${m.handle}`, { host: h.name, port: m.port, kind: m.kind });
    return {
      clockUs: this.loop.nowUs,
      processed: this.loop.processed,
      stormsCut: this.loop.stormsCut,
      lastRevalidateMs: this.lastRevalidateMs,
      arpRetransmit: this.arpRetransmit,
      hosts: [...this.hosts.values()].map((h) => ({
        name: h.name,
        kernelDatapath: h.kernelDatapath,
        vifLatencyUs: h.vifLatencyUs,
        capturedUnattached: h.capturedUnattached,
        switch: h.switch.saveSnapshot(),
        ip: h.ip.saveState(),
        stackPorts: h.stackPorts(),
      })),
      segments: [...this.segments.values()].map((seg) => ({
        name: seg.name,
        mode: seg.mode,
        latencyUs: seg.latencyUs,
        nFrames: seg.nFrames,
        members: seg.members().map((_, i) => {
          const o = owners.get(`${seg.name}\u0000${i}`);
          if (o === undefined) throw new SnapshotError(`segment ${seg.name}: member ${i} is not a host's port or NIC (plugged from outside the simulation)`);
          return o;
        }),
        fdb: seg.fdbEntries(),
      })),
      endpoints: [...this.endpoints].map(([name, ep]) => {
        const at = this.endpointPorts.get(name);
        if (at === undefined) throw new SnapshotError(`endpoint ${name} is not plugged`);
        return saveEndpoint(ep, at.host, at.port);
      }),
    };
  }

  /**
   * A new simulation from `s` (saveSnapshot's, or what `JSON.parse` gave of it): hosts with
   * their switches restored, segments with their members plugged in the saved order,
   * endpoints, the clock. `options` are the loop's (budgets). Throws SnapshotError (a
   * malformed part that fails otherwise is one too, at `at`); the snapshot's objects are all
   * new, so a failure leaves nothing half-loaded.
   */
  static loadSnapshot(s: SimSnapshot, options: SimulationOptions = {}, at = "$"): Simulation {
    try {
      return Simulation.load(s, options, at);
    } catch (e) {
      if (e instanceof SnapshotError || !(e instanceof Error)) throw e;
      throw new SnapshotError(`malformed simulation snapshot: ${e.message}`, at);
    }
  }

  private static load(s: SimSnapshot, options: SimulationOptions, at: string): Simulation {
    const sim = new Simulation({ ...options, arpRetransmit: s.arpRetransmit });
    sim.loop.nowUs = s.clockUs;
    sim.loop.processed = s.processed;
    sim.loop.stormsCut = s.stormsCut;
    sim.lastRevalidateMs = s.lastRevalidateMs;
    s.hosts.forEach((hs, i) => {
      const h = underPath(`${at}.hosts[${i}].switch`, () => new Host(hs.name, sim.loop, { kernelDatapath: hs.kernelDatapath, switchSnapshot: hs.switch }));
      if (sim.hosts.has(hs.name)) throw new SnapshotError(`host ${hs.name} twice`, `${at}.hosts[${i}].name`);
      sim.hosts.set(hs.name, h);
      h.vifLatencyUs = hs.vifLatencyUs;
      h.capturedUnattached = hs.capturedUnattached;
      h.ip.loadState(hs.ip);
      for (const port of hs.stackPorts) h.attachStack(port);
    });
    s.segments.forEach((ss, i) => {
      const seg = sim.addSegment(ss.name, { mode: ss.mode, latencyUs: ss.latencyUs });
      seg.nFrames = ss.nFrames;
      ss.members.forEach((m, j) => {
        const h = sim.hosts.get(m.host);
        if (h === undefined) throw new SnapshotError(`no host ${m.host}`, `${at}.segments[${i}].members[${j}].host`);
        if (m.kind === "port") h.attachNic(m.port, seg);
        else h.ip.attach(m.port, seg);
      });
      seg.restoreFdb(ss.fdb);
    });
    s.endpoints.forEach((es, i) => {
      if (!sim.hosts.has(es.host)) throw new SnapshotError(`no host ${es.host}`, `${at}.endpoints[${i}].host`);
      const ep = sim.addEndpoint(es.name, es.host, es.port, formatMac(es.mac), formatIpv4(es.ip));
      loadEndpoint(ep, es);
    });
    return sim;
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

