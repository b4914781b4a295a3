/**
 * Checkers over a running cloud, each one line in a test:
 *
 *   expect(checkIsolation(cloud)).toEqual([]);
 *
 * Each returns the violations it finds (violation.ts; empty: the cloud
 * passes) and states an invariant of a Neutron cloud, not an expected
 * output:
 * - isolation: every frame a VM received comes from a port of its own
 *   network (local networks: of its own host), untagged, never from or to
 *   an admin-down port (the dead VLAN), never its own frame back;
 * - reachability: every ordered pair of VMs that should talk can ping
 *   (`shouldReach`: one network, both ports up, on one host for a local
 *   network, and the openvswitch firewall's rules allowing ICMP);
 * - no storms: a broadcast from each VM (an ARP request nobody answers)
 *   reaches each other VM at most once, its sender never, at most `bound`
 *   VMs in all, and the event loop stays within its packet budget;
 * - learned flows expire: after a quiet time longer than a learn action's
 *   timeouts, no flow it learned is left (the learn actions of the
 *   bridges' own flows say where learned flows go: table and priority);
 * - no leaks: after everything was deleted, every bridge holds exactly the
 *   flows a fresh cloud of the same file (fresh agents, same config) holds
 *   after start-up, cookies aside (and what Neutron itself leaves:
 *   `neutronLeftover`).
 *
 * Reachability and the storm check send traffic (pings); the learned-flow
 * check lets time pass. The runner (runner.ts) calls them in that order,
 * after a sequence of events.
 */
import { buildArp } from "../../datapath/packet/build.js";
import { formatIpv4 } from "../../datapath/endpoint.js";
import type { Endpoint } from "../../datapath/endpoint.js";
import { OvsimError } from "../../flowtable/errors.js";
import { DROPPED_TRAFFIC_TABLE, RULES_EGRESS_TABLE, RULES_INGRESS_TABLE } from "../../agent/constants.js";
import type { AgentFactory } from "../../cloud/agent-factory.js";
import { ovsAgentFactory } from "../../cloud/agent-factory.js";
import type { CloudPort } from "../../cloud/cloud-types.js";
import type { Cloud, Vm } from "../../cloud/cloud.js";
import { createCloud } from "../../cloud/cloud.js";
import { crossHostProblem } from "../../cloud/traffic.js";
import type { CloudViolation } from "./violation.js";
import { hex } from "./violation.js";

const ETH_VLAN = 0x8100;
const ETH_QINQ = 0x88a8;
const BROADCAST = 0xffffffffffff;

/** The port's traffic goes through the openvswitch firewall of its host. */
function firewalled(cloud: Cloud, vm: Vm, p: CloudPort): boolean {
  const agent = cloud.hostSpec(vm.host).agent;
  return agent.firewallDriver === "openvswitch" && agent.enableSecurityGroup && p.portSecurityEnabled;
}

/** The security groups' rules allow `a` to send ICMP to `b` (openvswitch firewall), or no firewall stands between them. */
function firewallAllows(cloud: Cloud, a: Vm, pa: CloudPort, b: Vm, pb: CloudPort): boolean {
  const rules = (p: CloudPort) => p.securityGroups.flatMap((g) => cloud.spec.securityGroups.find((s) => s.id === g)?.rules ?? []);
  const icmpOk = (r: { readonly ethertype: string; readonly protocol: string | null; readonly remoteIpPrefix: string | null; readonly remoteGroupId: string | null }) =>
    r.ethertype === "IPv4" && (r.protocol === null || r.protocol === "icmp" || r.protocol === "1") && r.remoteIpPrefix === null && r.remoteGroupId === null;
  const out = !firewalled(cloud, a, pa) || rules(pa).some((r) => r.direction === "egress" && icmpOk(r));
  const inn = !firewalled(cloud, b, pb) || rules(pb).some((r) => r.direction === "ingress" && icmpOk(r));
  return out && inn;
}

/** The default expectation of `checkReachability`: `a` should be able to ping `b`. */
export function shouldReach(cloud: Cloud, a: Vm, b: Vm): boolean {
  const pa = cloud.server.port(a.portId);
  const pb = cloud.server.port(b.portId);
  if (pa === undefined || pb === undefined || pa.networkId !== pb.networkId || !pa.adminStateUp || !pb.adminStateUp) return false;
  if (a.endpoint === null || b.endpoint === null) return false;
  if (cloud.server.network(pa.networkId)?.networkType === "local" && a.host !== b.host) return false;
  return firewallAllows(cloud, a, pa, b, pb);
}

export interface ReachabilityOptions {
  /** Which ordered pairs must ping (default `shouldReach`); other pairs are pinged but not judged. */
  readonly shouldReach?: (cloud: Cloud, a: Vm, b: Vm) => boolean;
}

/**
 * Reachability: each ordered pair of VMs of each network pings once, in the
 * order of the cloud's `ping_all` step (networks in file order, VMs in plug
 * order; pairs the simulation cannot carry skipped as it skips them), and
 * every pair that should reach must get its reply.
 */
export function checkReachability(cloud: Cloud, options: ReachabilityOptions = {}): CloudViolation[] {
  const judge = options.shouldReach ?? shouldReach;
  const out: CloudViolation[] = [];
  for (const net of cloud.spec.networks) {
    if (cloud.server.network(net.id) === undefined) continue;
    const vms = [...cloud.vms.values()].filter((v) => cloud.server.port(v.portId)?.networkId === net.id && v.endpoint !== null);
    for (const a of vms) {
      for (const b of vms) {
        if (a === b || a.endpoint === null || b.endpoint === null || crossHostProblem(cloud, a, b) !== null) continue;
        const r = a.endpoint.ping(b.endpoint.ip, { count: 1 });
        if (r.received === 1 || !judge(cloud, a, b)) continue;
        const why = r.resolved ? "no echo reply" : "ARP unresolved";
        out.push({ check: "reachability", message: `${a.name} on ${a.host} cannot ping ${b.name} (${formatIpv4(b.endpoint.ip)}) on ${b.host} over ${net.id} (${net.networkType}): ${why}`, from: a.name, to: b.name });
      }
    }
  }
  return out;
}

/** Where a previous isolation check stopped, per endpoint (frames already checked). */
export type IsolationCursor = WeakMap<Endpoint, number>;

/** The MAC at `offset` of a frame, as text. */
function macOf(b: Uint8Array, offset: number): string {
  return [...b.subarray(offset, offset + 6)].map((x) => x.toString(16).padStart(2, "0")).join(":");
}

/** The port has a VLAN tag on its bridge (an access port; without one OVS makes it a trunk). */
function tagged(cloud: Cloud, vm: Vm, p: CloudPort): boolean {
  return typeof cloud.switchOf(vm.host).get("Port", p.name, "tag") === "number";
}

function portsByMac(cloud: Cloud): Map<string, CloudPort> {
  return new Map(cloud.server.ports().map((p) => [p.mac, p]));
}

function netOf(cloud: Cloud, p: CloudPort): string {
  const n = cloud.server.network(p.networkId);
  return `${p.networkId}${n === undefined ? "" : ` (${n.networkType})`}`;
}

export interface IsolationOptions {
  /** Where the previous check stopped; moved on to the frames checked now. */
  readonly cursor?: IsolationCursor;
  /**
   * Also fail what Neutron 21 itself lets through to and from admin-down
   * ports (default false: accepted, as ovsim's port does the same):
   * - port_dead moves a port to VLAN 4095 and adds a priority-2 drop of
   *   its in_port in table 0, but a port that was bound keeps its
   *   anti-spoofing flows there (priority 10 for ARP, 9 for the rest), which
   *   come first: its frames still reach NORMAL, on VLAN 4095, which every
   *   dead port of the host shares; so admin-down ports of one host, of
   *   any network, reach each other;
   * - the openvswitch firewall reads a port's network from its
   *   other_config `tag`, which port_dead leaves, so ACCEPT_OR_INGRESS
   *   still outputs unicast frames for its MAC straight to it;
   * - port_dead retags only a port that has a tag ("don't kill a port if
   *   it's already dead"): a port plugged while admin-down (booted so, or
   *   migrated so) keeps no tag, and OVS makes a port without a tag a
   *   trunk of every VLAN: it receives the floods of every local VLAN of
   *   its host, tagged.
   */
  readonly strictDeadPorts?: boolean;
}

/**
 * Isolation: every frame the cloud's VMs received (since `cursor`, which it
 * moves on) comes from a port of the receiver's network and host rules.
 * Frame sources are judged by source MAC with the server's ports as they
 * are now: call it after each event, as the runner does, when ports come
 * and go, once the frames in flight have landed.
 */
export function checkIsolation(cloud: Cloud, options: IsolationOptions = {}): CloudViolation[] {
  const cursor = options.cursor;
  const out: CloudViolation[] = [];
  const byMac = portsByMac(cloud);
  for (const vm of cloud.vms.values()) {
    const ep = vm.endpoint;
    const me = cloud.server.port(vm.portId);
    if (ep === null || me === undefined) continue;
    const from = cursor?.get(ep) ?? 0;
    cursor?.set(ep, ep.received.length);
    const lenient = options.strictDeadPorts !== true;
    if (lenient && !me.adminStateUp && !tagged(cloud, vm, me)) continue;
    for (const f of ep.received.slice(from)) {
      const b = f.bytes;
      const say = (message: string, sender?: string): void => {
        out.push({ check: "isolation", message: `${vm.name} on ${vm.host} (${netOf(cloud, me)}) ${message}`, to: vm.name, frame: hex(b), ...(sender === undefined ? {} : { from: sender }) });
      };
      if (b.length < 14) {
        say(`received a runt frame of ${b.length} bytes`);
        continue;
      }
      const src = macOf(b, 6);
      const type = ((b[12] ?? 0) << 8) | (b[13] ?? 0);
      const sender = byMac.get(src);
      const senderVm = sender === undefined ? undefined : cloud.vms.get(sender.id);
      const senderName = senderVm?.name ?? sender?.id ?? src;
      if (type === ETH_VLAN || type === ETH_QINQ) say(`received a VLAN-tagged frame (ethertype 0x${type.toString(16)}) from ${senderName}`, senderName);
      if (src === me.mac) {
        say("received its own frame back", vm.name);
        continue;
      }
      if (sender === undefined) {
        say(`received a frame from ${src}, the MAC of no port`);
        continue;
      }
      const deadPair = !me.adminStateUp && !sender.adminStateUp && senderVm !== undefined && senderVm.host === vm.host;
      if (lenient && deadPair) continue;
      if (sender.networkId !== me.networkId) say(`received a frame from ${senderName} of network ${netOf(cloud, sender)}`, senderName);
      else if (!me.adminStateUp && !(lenient && firewalled(cloud, vm, me) && macOf(b, 0) === me.mac)) {
        say(`received a frame from ${senderName} while admin-down (the dead VLAN)`, senderName);
      } else if (!sender.adminStateUp) say(`received a frame from ${senderName}, which is admin-down (the dead VLAN)`, senderName);
      else if (cloud.server.network(me.networkId)?.networkType === "local" && senderVm !== undefined && senderVm.host !== vm.host) {
        say(`received a frame from ${senderName} on ${senderVm.host} over a local network`, senderName);
      }
    }
  }
  return out;
}

/** An IPv4 address of `ip`'s /24 that no port of the cloud has, from .254 down (null: none left). */
function unusedAddress(cloud: Cloud, ip: number): number | null {
  const used = new Set(cloud.server.ports().flatMap((p) => p.fixedIps));
  const base = ip - (ip % 256);
  for (let host = 254; host > 0; host--) if (!used.has(formatIpv4(base + host))) return base + host;
  return null;
}

export interface StormOptions {
  /** At most this many VMs may get one broadcast (default: every other VM). */
  readonly bound?: number;
  /** Told of each broadcast before it is sent (the runner writes it in the replay file as a `ping` step). */
  readonly onBroadcast?: (from: Vm, to: string) => void;
}

/**
 * No storms: each VM in turn pings an address of its subnet that nobody
 * has, so its ARP request is a broadcast nobody answers; each other VM
 * gets it at most once, the sender never, at most `bound` VMs in all, and
 * the event loop stays within its packet budget (a forwarding loop
 * exhausts it).
 */
export function checkNoStorms(cloud: Cloud, options: StormOptions = {}): CloudViolation[] {
  const out: CloudViolation[] = [];
  const vms = [...cloud.vms.values()].filter((v) => v.endpoint !== null);
  const limit = options.bound ?? Math.max(0, vms.length - 1);
  for (const s of vms) {
    const ep = s.endpoint;
    const target = ep === null ? null : unusedAddress(cloud, ep.ip);
    if (ep === null || target === null) continue;
    const before = new Map(vms.map((v) => [v, v.endpoint?.received.length ?? 0]));
    // The ARP request the endpoint sends first (endpoint.ts ping).
    const h = hex(buildArp({ src: ep.mac, dst: BROADCAST }, 1, ep.ip, target).data());
    options.onBroadcast?.(s, formatIpv4(target));
    try {
      ep.ping(target, { count: 1 });
      cloud.sim.run();
    } catch (e) {
      if (!(e instanceof OvsimError)) throw e;
      out.push({ check: "noStorms", message: `a broadcast from ${s.name} on ${s.host}: ${e.message}`, from: s.name, frame: h });
      continue;
    }
    let total = 0;
    for (const v of vms) {
      const copies = (v.endpoint?.received.slice(before.get(v) ?? 0) ?? []).filter((f) => hex(f.bytes) === h).length;
      total += copies;
      if (v === s && copies > 0) out.push({ check: "noStorms", message: `a broadcast from ${s.name} came back to it ${copies} time(s)`, from: s.name, to: v.name, frame: h });
      else if (copies > 1) out.push({ check: "noStorms", message: `a broadcast from ${s.name} on ${s.host} reached ${v.name} on ${v.host} ${copies} times`, from: s.name, to: v.name, frame: h });
    }
    if (total > limit) out.push({ check: "noStorms", message: `a broadcast from ${s.name} was delivered ${total} times (bound ${limit})`, from: s.name, frame: h });
  }
  return out;
}

/** Where a bridge's learn actions put their flows: "table/priority" (OVS's defaults: table 1, priority 32768). */
function learnTargets(actions: string): string[] {
  const out: string[] = [];
  for (const m of actions.matchAll(/learn\(([^()]*(?:\([^()]*\)[^()]*)*)\)/g)) {
    const body = m[1] ?? "";
    const table = /(?:^|,)table=(\d+)/.exec(body)?.[1] ?? "1";
    const priority = /(?:^|,)priority=(\d+)/.exec(body)?.[1] ?? "32768";
    out.push(`${table}/${priority}`);
  }
  return out;
}

/**
 * Learned flows are gone: no flow is left where a learn action of the same
 * bridge puts its flows (its table and priority). Call it after a quiet
 * time longer than the learn actions' timeouts (`checkLearnedFlowsExpire`
 * lets the time pass itself).
 */
export function checkNoLearnedFlows(cloud: Cloud): CloudViolation[] {
  const out: CloudViolation[] = [];
  for (const h of cloud.spec.hosts) {
    const sw = cloud.switchOf(h.name);
    for (const br of sw.bridgeNames()) {
      const flows = sw.dumpFlows(br);
      const targets = new Set(flows.flatMap((f) => learnTargets(f.actions)));
      for (const f of flows) {
        if (!targets.has(`${f.tableId}/${f.priority}`) || f.actions.includes("learn(")) continue;
        out.push({ check: "learnedFlowsExpire", message: `${h.name} ${br}: a learned flow outlived its timeouts (${(f.durationMs / 1000).toFixed(0)} s old): ${f.text}`, host: h.name });
      }
    }
  }
  return out;
}

/**
 * Lets `seconds` of quiet virtual time pass, then `checkNoLearnedFlows`.
 * The time passes on the simulation's clock (every switch expires its
 * flows, revalidators run) without the agents' idle loop iterations, which
 * change no flow in a quiet cloud and cost more than the rest of a run; an
 * `advance` step of the same length, which runs them, is its replay.
 */
export function checkLearnedFlowsExpire(cloud: Cloud, seconds = 301): CloudViolation[] {
  cloud.sim.run(cloud.nowMs + seconds * 1000);
  return checkNoLearnedFlows(cloud);
}

/** Each host's bridges' flows as `checkNoLeaks` compares them: host -> bridge -> lines. */
export type FlowSnapshot = ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;

/** The flows of every host's bridges now, as `checkNoLeaks` compares them. */
export function flowSnapshot(cloud: Cloud): FlowSnapshot {
  return new Map(cloud.spec.hosts.map((h) => [h.name, new Map(cloud.switchOf(h.name).bridgeNames().map((br) => [br, flowLines(cloud, h.name, br)]))]));
}

export interface LeakOptions {
  /** The agent the fresh reference cloud runs (default the ported Neutron agent). */
  readonly reference?: AgentFactory;
  /** The fresh flows to compare with, instead of a fresh cloud's: e.g. `flowSnapshot` of the same cloud taken right after `createCloud`, when its agents are the reference. */
  readonly fresh?: FlowSnapshot;
  /** Flows (bridge, and line as compared: no cookie) left on purpose (default `neutronLeftover`). */
  readonly ignore?: (bridge: string, line: string) => boolean;
}

/**
 * What Neutron 21's own agent leaves behind, so a faithful port does too:
 * the openvswitch firewall's invalid-state drops (`ct_state=+inv+trk` at
 * priority 50 in RULES_EGRESS_TABLE and RULES_INGRESS_TABLE), added for
 * each port by `_initialize_tracked_egress` / `_initialize_tracked_ingress`
 * without a reg5 (port) match, so that `delete_all_port_flows`, which
 * removes a port's flows by its ofport, never removes them.
 */
export function neutronLeftover(_bridge: string, line: string): boolean {
  const m = /^table=(\d+), priority=50,ct_state=\+inv\+trk actions=resubmit\(,(\d+)\)$/.exec(line);
  return m !== null && (Number(m[1]) === RULES_EGRESS_TABLE || Number(m[1]) === RULES_INGRESS_TABLE) && Number(m[2]) === DROPPED_TRAFFIC_TABLE;
}

/** A bridge's flows as comparable lines: `dump-flows --no-stats` text without cookies (the flow's, a learn action's), sorted. */
function flowLines(cloud: Cloud, host: string, br: string): string[] {
  return cloud
    .switchOf(host)
    .dumpFlows(br)
    .map((f) => f.text.replace(/^cookie=0x[0-9a-f]+, /, "").replace(/([(,])cookie=0x[0-9a-f]+,/g, "$1cookie=COOKIE,"))
    .sort();
}

/**
 * No leaks: each host's bridges hold exactly the flows a fresh cloud of the
 * same file holds after start-up (its agents, with the same config, set up
 * their default flows and tunnels; no VM, no step). Call it after deleting
 * every VM and network. Cookies are left out: a restarted agent has new ones.
 */
export function checkNoLeaks(cloud: Cloud, options: LeakOptions = {}): CloudViolation[] {
  const reference = options.reference ?? ovsAgentFactory;
  const ignore = options.ignore ?? neutronLeftover;
  const fresh = options.fresh ?? freshFlows(cloud, reference);
  const out: CloudViolation[] = [];
  for (const h of cloud.spec.hosts) {
    const wantByBridge = fresh.get(h.name) ?? new Map<string, readonly string[]>();
    const bridges = [...new Set([...cloud.switchOf(h.name).bridgeNames(), ...wantByBridge.keys()])].sort();
    for (const br of bridges) {
      const has = cloud.switchOf(h.name).bridge(br) === undefined ? [] : flowLines(cloud, h.name, br);
      const left = new Map<string, number>();
      for (const l of wantByBridge.get(br) ?? []) left.set(l, (left.get(l) ?? 0) + 1);
      for (const l of has) {
        const n = left.get(l) ?? 0;
        if (n > 0) left.set(l, n - 1);
        else if (!ignore(br, l)) out.push({ check: "noLeaks", message: `${h.name} ${br}: leaked flow ${l}`, host: h.name });
      }
      for (const [l, n] of left) for (let i = 0; i < n; i++) out.push({ check: "noLeaks", message: `${h.name} ${br}: missing default flow ${l}`, host: h.name });
    }
  }
  return out;
}

/** Fresh clouds' flows by file (hosts and l2pop: what start-up depends on) and reference agent; a few kept, as property runs repeat files while shrinking. */
const FRESH_CACHE_SIZE = 32;
const freshCache = new WeakMap<AgentFactory, Map<string, FlowSnapshot>>();

/** Host -> bridge -> flow lines of a fresh cloud with `cloud`'s hosts, started with `reference`. */
function freshFlows(cloud: Cloud, reference: AgentFactory): FlowSnapshot {
  const key = JSON.stringify({ hosts: cloud.spec.hosts, l2pop: cloud.spec.l2pop });
  let byKey = freshCache.get(reference);
  if (byKey === undefined) {
    byKey = new Map();
    freshCache.set(reference, byKey);
  }
  const hit = byKey.get(key);
  if (hit !== undefined) return hit;
  const flows = flowSnapshot(createCloud({ ...cloud.spec, steps: [] }, { agent: reference }));
  if (byKey.size >= FRESH_CACHE_SIZE) {
    const oldest = byKey.keys().next().value;
    if (oldest !== undefined) byKey.delete(oldest);
  }
  byKey.set(key, flows);
  return flows;
}
