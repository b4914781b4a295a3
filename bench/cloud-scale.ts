/*
 * Clouds at scale (issue 10's benchmark): a generated cloud of H hosts and V VMs, built through
 * the public API (`createCloud` with a CloudSpec from `parseCloudFile`), booted, converged, then
 * pinged. Shared by bench/cloud.bench.ts (mitata, `npm run bench`) and bench/cloud-sweep.ts
 * (`npm run bench:cloud`, the hosts × VMs table).
 *
 * The cloud: VXLAN everywhere, `l2pop: auto` with the ARP responder, every host on one underlay
 * segment (its tunnel NIC carries its local_ip, a /16), VMs spread round-robin over the hosts and
 * over NETWORKS networks (VM i on host i mod H, network i mod N), each VM a file port with a
 * fixed MAC and IP. "Boot" is one plug_ports step of every port (Nova plugging all VIFs at once,
 * the agents finding them in their next loop iteration); it returns once the server has every
 * port's up report (plus the runner's two settle iterations). "Converged" is checked, not
 * assumed: every port ACTIVE on the server, no cast left undelivered, and on every host a VXLAN
 * port to every other host that has a VM on one of its networks (what l2pop's flooding entries
 * create). Pings: random pairs of VMs on the same network (seeded), one echo each.
 *
 * Times are wall-clock ms (performance.now), and the process's CPU time for start to converged
 * (process.cpuUsage: on a shared machine, what one core spends, without the waits); memory is the JS heap used after a full GC
 * (node --expose-gc), less the same reading taken just before the cloud was built (the empty
 * process with every module loaded), divided by the hosts.
 *
 * "Converged" looks at the switches, not at the agent's state: each host's br-tun has the
 * tunnel port Neutron names `vxlan-<remote IP in hex>` for every remote it must reach.
 */
import type * as Ovsim from "../src/index.js";
import type { Cloud, CloudSpec } from "../src/index.js";

/**
 * The library the cloud is built with: ovsim's public entry (`../src/index.js`), or the same
 * entry of another checkout (a baseline tree, for before/after in one run: bench/cloud-sweep.ts).
 */
export type OvsimApi = Pick<typeof Ovsim, "createCloud" | "parseCloudFile">;

/** Networks the VMs are spread over. */
export const NETWORKS = 4;

export interface ScaleResult {
  readonly hosts: number;
  readonly vms: number;
  /** createCloud: bridges, agents, two loop iterations. */
  readonly startMs: number;
  /** The plug_ports step of every VM, until every port is reported up (plus settle). */
  readonly bootMs: number;
  /** startMs + bootMs + the convergence check's extra ticks (if any). */
  readonly convergeMs: number;
  /** CPU time (user + system) of the same span: what it costs one core, however busy the machine. */
  readonly convergeCpuMs: number;
  /** Virtual seconds the boot took. */
  readonly virtualSeconds: number;
  /** Heap used after GC, per host, over the baseline (null without --expose-gc). */
  readonly bytesPerHost: number | null;
  readonly pings: number;
  readonly pingsPerSecond: number;
  /** Flows on all hosts' bridges (br-int + br-tun), a sanity figure. */
  readonly flows: number;
}

const mac = (i: number): string => `fa:16:3e:${hex((i >> 16) & 255)}:${hex((i >> 8) & 255)}:${hex(i & 255)}`;
const hex = (n: number): string => n.toString(16).padStart(2, "0");
/** A uuid that differs in its first 11 characters (a port's tap name is `tap` + those). */
const uuid = (kind: number, i: number): string => `${i.toString(16).padStart(8, "0")}-${kind.toString(16).padStart(4, "0")}-4000-8000-000000000000`;
const hostIp = (h: number): string => `10.0.${(h + 1) >> 8}.${(h + 1) & 255}`;
/** VM i's address on its network: 10.(100+net).x.y, from .2. */
const vmIp = (net: number, n: number): string => `10.${100 + net}.${(n + 2) >> 8}.${(n + 2) & 255}`;

export function hostName(h: number): string {
  return `hv${h}`;
}

export function portId(i: number): string {
  return uuid(0xb0b0, i);
}

/** The cloud file (format 1) of `hosts` hosts and `vms` VMs. */
export function cloudFile(hosts: number, vms: number, networks = NETWORKS): unknown {
  return {
    format: 1,
    seed: 1,
    l2pop: "auto",
    hosts: Array.from({ length: hosts }, (_, h) => ({
      name: hostName(h),
      agent: { local_ip: hostIp(h), tunnel_types: ["vxlan"], l2_population: true, arp_responder: true },
      underlay: { address: `${hostIp(h)}/16` },
    })),
    networks: Array.from({ length: networks }, (_, n) => ({
      id: uuid(0xc0ffee, n),
      name: `net${n}`,
      network_type: "vxlan",
      segmentation_id: 1000 + n,
      mtu: 1450,
      subnet: { id: uuid(0x50b, n), cidr: `10.${100 + n}.0.0/16` },
    })),
    ports: Array.from({ length: vms }, (_, i) => ({
      id: portId(i),
      host: hostName(i % hosts),
      network_id: uuid(0xc0ffee, i % networks),
      mac: mac(i + 1),
      fixed_ips: [vmIp(i % networks, Math.floor(i / networks))],
    })),
    steps: [],
  };
}

export function cloudSpec(api: OvsimApi, hosts: number, vms: number, networks = NETWORKS): CloudSpec {
  return api.parseCloudFile(cloudFile(hosts, vms, networks));
}

/** A started cloud (createCloud), output discarded. */
export function startCloud(api: OvsimApi, spec: CloudSpec): Cloud {
  return api.createCloud(spec, { stdout: () => {}, stderr: () => {} });
}

/** Plugs every port of the spec in one step and waits for the up reports. */
export function bootAll(cloud: Cloud): void {
  cloud.step({ index: -1, op: "plug_ports", ports: cloud.spec.ports.map((p) => p.id) });
}

/** Why the cloud is not converged, or null: every port ACTIVE, no cast pending, every VXLAN mesh port in place. */
export function notConverged(cloud: Cloud): string | null {
  for (const p of cloud.spec.ports) if (cloud.server.status(p.id) !== "ACTIVE") return `port ${p.id} is ${cloud.server.status(p.id) ?? "gone"}`;
  if (cloud.server.pending > 0) return `${cloud.server.pending} casts pending`;
  // Hosts per network, then per host the remote hosts it must tunnel to.
  const hostsOf = new Map<string, Set<string>>();
  for (const p of cloud.spec.ports) {
    let s = hostsOf.get(p.networkId);
    if (s === undefined) hostsOf.set(p.networkId, (s = new Set()));
    s.add(p.host);
  }
  const tunnelOf = new Map(cloud.spec.hosts.map((h) => [h.name, tunnelName(h.agent.localIp ?? "")]));
  for (const h of cloud.spec.hosts) {
    const want = new Set<string>();
    for (const s of hostsOf.values()) if (s.has(h.name)) for (const o of s) if (o !== h.name) want.add(tunnelOf.get(o) ?? "");
    const have = new Set(cloud.switchOf(h.name).ports(h.agent.tunnelBridge).map((p) => p.name));
    for (const name of want) if (!have.has(name)) return `${h.name} has no tunnel port ${name}`;
  }
  return null;
}

/** Neutron's tunnel port name for a VXLAN tunnel to an IPv4 `ip` (`vxlan-` + its 8 hex digits). */
function tunnelName(ip: string): string {
  const n = ip.split(".").reduce((a, b) => a * 256 + Number(b), 0);
  return `vxlan-${n.toString(16).padStart(8, "0")}`;
}

/** Ticks (virtual seconds) until converged; throws after `limit`. Returns the ticks taken. */
export function converge(cloud: Cloud, limit = 30): number {
  for (let t = 0; ; t++) {
    const why = notConverged(cloud);
    if (why === null) return t;
    if (t >= limit) throw new Error(`not converged after ${limit} more virtual seconds: ${why}`);
    cloud.tick();
  }
}

/** A seeded xorshift stream for the ping pairs. */
function pairs(cloud: Cloud, n: number, seed: number): [string, string][] {
  const byNet = new Map<string, string[]>();
  for (const p of cloud.spec.ports) {
    let l = byNet.get(p.networkId);
    if (l === undefined) byNet.set(p.networkId, (l = []));
    l.push(p.id);
  }
  const nets = [...byNet.values()].filter((l) => l.length > 1);
  let x = seed | 1;
  const next = (m: number): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % m;
  };
  const out: [string, string][] = [];
  for (let i = 0; i < n && nets.length > 0; i++) {
    const l = nets[next(nets.length)] ?? [];
    const a = l[next(l.length)] ?? "";
    let b = l[next(l.length)] ?? "";
    if (b === a) b = l[(l.indexOf(a) + 1) % l.length] ?? "";
    out.push([a, b]);
  }
  return out;
}

/** Pings `n` random same-network pairs (one echo each); throws if one is not answered. Returns pings per wall second. */
export function pingRandomPairs(cloud: Cloud, n: number, seed = 7): number {
  const todo = pairs(cloud, n, seed);
  const t0 = performance.now();
  for (const [a, b] of todo) {
    const ok = cloud.step({ index: -1, op: "ping", from: a, to: b, count: 1, expect: "ok" });
    if (!ok) throw new Error(`ping ${a} -> ${b} failed`);
  }
  const ms = performance.now() - t0;
  return todo.length / (ms / 1000);
}

function flowCount(cloud: Cloud): number {
  let n = 0;
  for (const h of cloud.spec.hosts) for (const br of cloud.switchOf(h.name).bridgeNames()) n += cloud.switchOf(h.name).dumpFlows(br).length;
  return n;
}

const gc = (globalThis as { gc?: () => void }).gc;

function heapUsed(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

/** One full measurement of H × V: start, boot, converge, memory, pings. */
export function measureScale(api: OvsimApi, hosts: number, vms: number, pings = 200): ScaleResult {
  const spec = cloudSpec(api, hosts, vms);
  const base = heapUsed();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const cloud = startCloud(api, spec);
  const t1 = performance.now();
  const v0 = cloud.nowMs;
  bootAll(cloud);
  const t2 = performance.now();
  converge(cloud);
  const t3 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const virtualSeconds = (cloud.nowMs - v0) / 1000;
  const bytesPerHost = gc === undefined ? null : (heapUsed() - base) / hosts;
  const pingsPerSecond = pingRandomPairs(cloud, pings);
  return {
    hosts,
    vms,
    startMs: t1 - t0,
    bootMs: t2 - t1,
    convergeMs: t3 - t0,
    convergeCpuMs: (cpu.user + cpu.system) / 1000,
    virtualSeconds,
    bytesPerHost,
    pings,
    pingsPerSecond,
    flows: flowCount(cloud),
  };
}
