/**
 * A cloud: the hosts of a cloud file, each a simulated host (src/sim: one
 * Switch, its VMs and NICs) with its Neutron OVS agent, one fake Neutron
 * server (server.ts) for all of them, and the runner of the file's steps
 * (steps.ts), all on one virtual clock.
 *
 *   const cloud = createCloud(text, { agent: factory });   // agents started
 *   const { ok } = cloud.run();                            // the file's steps
 *   cloud.stdout;                                          // what `ovsim cloud` prints
 *
 * Time: the agents run as neutron's rpc_loop with polling_interval=1: a
 * `tick()` moves the simulation's clock by one virtual second (frames in
 * flight are delivered, every host's switch clock follows: flows and MAC
 * entries expire), then runs one loop iteration of every agent, in the
 * file's host order, delivering the server's casts after each. A step that
 * waits for the agents (plug, unplug, boot...) ticks until the server has
 * the reports it waits for, then two more ticks, as the oracle waits; it
 * gives up after `timeoutSeconds` of virtual time (the oracle's 90 s), a
 * CloudStepError.
 *
 * Start-up, as the oracle's: the bridges of each agent's bridge_mappings
 * are created first (an operator's job: `ovs-vsctl add-br`), then each
 * agent is constructed (its __init__: bridges set up), then two ticks (two
 * loop iterations) before the first step.
 *
 * The underlay (a host's `underlay`) must not change what the agent sees.
 * A host with one runs the kernel datapath Neutron hosts run (tunnel output
 * goes to the host's IP stack, src/sim/ip-stack.ts) and gets its tunnel NIC
 * outside OVS (`nic`, with `address`, default the agent's local_ip, /24
 * unless given, on `segment`): tunnels cross hosts through it. A physical
 * NIC is plugged into its mapped bridge only after the agent has set that
 * bridge up (its patch port keeps ofport 1), and joins the segment named
 * after its physical network, so that VLAN and flat networks reach other
 * hosts. A host whose agent runs `datapath_type: netdev` (as DPDK
 * deployments do) holds its tunnel address on an OVS bridge instead
 * (`underlay.bridge`, default br-ex, netdev): the NIC is a port of that
 * bridge on the segment, the bridge's own port has the address and the
 * host's IP stack behind it, and OVS tunnels natively (tnl_push after a
 * route lookup and an ARP-learned tnl/neigh entry; tnl_pop of what comes
 * back). Hosts without an underlay (every oracle file) are the oracle's
 * sandbox: nothing leaves them, and steps that would need it (a ping between
 * hosts) say so and fail instead of timing out. IPv6 tunnel endpoints are
 * not routed by the host IP stack yet (TODO once it does).
 */
import { ownValue } from "../agent/own.js";
import type { Endpoint } from "../datapath/endpoint.js";
import { parseIpv4 } from "../datapath/endpoint.js";
import { formatMac } from "../datapath/mac-learning.js";
import { OvsimError } from "../flowtable/errors.js";
import type { Host } from "../sim/host.js";
import { Simulation } from "../sim/simulation.js";
import type { Switch } from "../vswitchd/switch.js";
import { ovsAgentFactory } from "./agent-factory.js";
import type { AgentFactory, AgentLike } from "./agent-factory.js";
import { parseCloudFile } from "./cloud-file.js";
import { ipVersion } from "./file-checks.js";
import type { CloudHost, CloudSpec, CloudStep, HostUnderlay } from "./cloud-types.js";
import { SeededRandom } from "./seeded-random.js";
import { NeutronServer } from "./server.js";
import { runStep } from "./steps.js";
import type { CloudHostSnapshot, CloudSnapshot } from "./snapshot.js";
import { encodeServer } from "./snapshot.js";
import { SNAPSHOT_VERSION, SnapshotError } from "../vswitchd/snapshot.js";
import { defineOwn } from "../flowtable/own-property.js";

/** The oracle's NEUTRON_RUN_TIMEOUT: how long a step waits for an agent's report, in (virtual) seconds. */
export const DEFAULT_TIMEOUT_SECONDS = 90;
/** Loop iterations after the awaited reports (the oracle's `settle(2)`), and at start-up. */
export const SETTLE_ITERATIONS = 2;
/** The seeded stream of the cloud's own draws (port ids, MACs), apart from the hosts' streams (0, 1, ...). */
const CLOUD_STREAM = 0x7fffffff;

/** A step the cloud could not carry out (an agent never reported, a port not plugged...): the run stops. */
export class CloudStepError extends OvsimError {
  readonly code = "CLOUD_STEP";
  /** The step's index in the file (-1 for a step run from code or at start-up). */
  readonly step: number;
  readonly op: string;
  constructor(step: number, op: string, message: string) {
    super(message);
    this.step = step;
    this.op = op;
  }
}

export interface CloudOptions {
  /** Builds each host's agent (default: the ported Neutron agent, agent-factory.ts's ovsAgentFactory). */
  readonly agent?: AgentFactory;
  /** Where stdout lines go (run blocks, pings, traces); default: collected in `cloud.stdout`. */
  readonly stdout?: (line: string) => void;
  /** Where stderr lines go (command errors, failed steps, progress); default: collected in `cloud.stderr`. */
  readonly stderr?: (line: string) => void;
  /** Progress lines on stderr (`[12 s] step 2 plug_ports done`). */
  readonly progress?: boolean;
  readonly timeoutSeconds?: number;
  /** Frames one run of the event loop may move (src/datapath/event-loop.ts). */
  readonly packetBudget?: number;
}

/** A VM: a port plugged into a host's integration bridge (by plug_ports, or by Nova's boot). */
export interface Vm {
  /** The VM's name (boot), or the port's name (plug_ports). */
  readonly name: string;
  readonly portId: string;
  host: string;
  /** Booted by a boot step (else plugged by plug_ports). */
  readonly booted: boolean;
  /** Nova created the port (boot on a network): deleting the VM deletes it; otherwise it is only unbound. */
  readonly ownsPort: boolean;
  /** The instance's uuid (the VIF's external_ids:vm-uuid; a plugged port's is its port id, as in the oracle). */
  readonly vmUuid: string;
  /** The endpoint answering ARP and ping (null: the port has no IPv4 address). */
  endpoint: Endpoint | null;
}

/** What a snapshot gives back to build a cloud on (load-cloud.ts). @internal */
export interface RestoredParts {
  readonly sim: Simulation;
  readonly server: NeutronServer;
  readonly random: SeededRandom;
  readonly hostRandoms: ReadonlyMap<string, SeededRandom>;
}

export interface RunResult {
  /** False when a step or command failed. */
  readonly ok: boolean;
  /** The indices of the steps that failed. */
  readonly failedSteps: readonly number[];
}

export class Cloud {
  readonly spec: CloudSpec;
  readonly sim: Simulation;
  readonly server: NeutronServer;
  /** What was printed, when no `stdout` / `stderr` option took it. */
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  /** Plugged ports by port id (VMs booted and ports plugged). */
  readonly vms = new Map<string, Vm>();
  readonly timeoutSeconds: number;
  /** The cloud's own draws (ids, MACs of booted VMs). */
  readonly random: SeededRandom;
  private readonly options: CloudOptions;
  private readonly agents = new Map<string, AgentLike>();
  /** Per host, the agent errors already said on stderr. */
  private readonly errorsSaid = new Map<string, number>();
  private readonly hostRandoms = new Map<string, SeededRandom>();
  private started = false;

  /** `restored`: the parts a snapshot gave back (load-cloud.ts), instead of new ones. @internal */
  constructor(spec: CloudSpec, options: CloudOptions, restored?: RestoredParts) {
    this.spec = spec;
    this.options = options;
    this.timeoutSeconds = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    if (restored !== undefined) {
      this.sim = restored.sim;
      this.server = restored.server;
      this.random = restored.random;
      for (const [host, r] of restored.hostRandoms) this.hostRandoms.set(host, r);
      return;
    }
    // A netdev host drops the first packet to a peer whose neighbour entry it lacks (OVS's native
    // tunnelling): its VMs retransmit their ARP requests, as Linux does.
    const netdev = spec.hosts.some((h) => h.underlay !== null && h.agent.datapathType === "netdev");
    this.sim = new Simulation({ ...(options.packetBudget === undefined ? {} : { packetBudget: options.packetBudget }), ...(netdev ? { arpRetransmit: true } : {}) });
    this.server = new NeutronServer(spec);
    this.random = SeededRandom.stream(spec.seed, CLOUD_STREAM);
    spec.hosts.forEach((h, i) => {
      // A host with an underlay runs the kernel datapath Neutron hosts run: tunnel packets go through its IP stack.
      // A netdev host's datapath pushes and pops tunnel headers itself (native tunnelling).
      this.sim.addHost(h.name, h.underlay === null || h.agent.datapathType === "netdev" ? {} : { kernelDatapath: true });
      this.hostRandoms.set(h.name, SeededRandom.stream(spec.seed, i));
    });
  }

  /**
   * The whole cloud as one versioned JSON document (snapshot.ts), between steps: the
   * simulation (switches, IP stacks, segments, endpoints, clock), every agent's state, the
   * server's DB, the VMs, the seeded streams' positions. Throws SnapshotError: the cloud is
   * not started, frames are in flight, or an agent cannot be saved (no `saveState`).
   */
  saveSnapshot(): CloudSnapshot {
    if (!this.started) throw new SnapshotError("the cloud is not started (createCloud starts it)");
    const sim = this.sim.saveSnapshot();
    const hosts: Record<string, CloudHostSnapshot> = {};
    for (const h of this.spec.hosts) {
      const agent = this.agent(h.name);
      if (agent.saveState === undefined) throw new SnapshotError(`host ${h.name}: its agent has no saveState (an agent built by options.agent must provide one to be saved)`);
      const random = this.hostRandoms.get(h.name);
      if (random === undefined) throw new SnapshotError(`host ${h.name} has no seeded stream`);
      defineOwn(hosts, h.name, { random: random.position, agent: agent.saveState(), errorsSaid: this.errorsSaid.get(h.name) ?? 0 });
    }
    return {
      format: "ovsim-cloud",
      version: SNAPSHOT_VERSION,
      clock: this.sim.nowMs,
      spec: { ...this.spec, steps: [] },
      random: this.random.position,
      sim,
      hosts,
      server: encodeServer(this.server, this.server.attachedAgents),
      vms: [...this.vms.values()].map((v) => ({ name: v.name, portId: v.portId, host: v.host, booted: v.booted, ownsPort: v.ownsPort, vmUuid: v.vmUuid, endpoint: this.endpointName(v) })),
    };
  }

  /** The name of the simulation's endpoint that is `vm`'s (null: none). */
  private endpointName(vm: Vm): string | null {
    if (vm.endpoint === null) return null;
    for (const [name, ep] of this.sim.endpoints) if (ep === vm.endpoint) return name;
    throw new SnapshotError(`VM ${vm.name}: its endpoint is not the simulation's`);
  }

  /**
   * A loaded cloud's agent of `host` (an AgentRestorer's), attached to the server, with the
   * count of its errors already printed; the cloud counts as started. @internal (load-cloud.ts)
   */
  adoptAgent(host: string, agent: AgentLike, errorsSaid: number): void {
    this.agents.set(host, agent);
    this.errorsSaid.set(host, errorsSaid);
    this.server.attachAgent(host, agent);
    this.started = true;
  }

  /** Several hosts: run blocks print `### HOST: COMMAND`. */
  get multiHost(): boolean {
    return this.spec.hosts.length > 1;
  }

  /** Virtual time, ms. */
  get nowMs(): number {
    return this.sim.nowMs;
  }

  out(line: string): void {
    if (this.options.stdout !== undefined) this.options.stdout(line);
    else this.stdout.push(line);
  }

  err(line: string): void {
    if (this.options.stderr !== undefined) this.options.stderr(line);
    else this.stderr.push(line);
  }

  note(line: string): void {
    if (this.options.progress === true) this.err(`ovsim cloud: [${(this.nowMs / 1000).toFixed(1)} s] ${line}`);
  }

  hostSpec(name: string): CloudHost {
    const h = this.spec.hosts.find((x) => x.name === name);
    if (h === undefined) throw new CloudStepError(-1, "", `no host ${name}`);
    return h;
  }

  host(name: string): Host {
    return this.sim.host(name);
  }

  switchOf(name: string): Switch {
    return this.sim.host(name).switch;
  }

  agent(host: string): AgentLike {
    const a = this.agents.get(host);
    if (a === undefined) throw new CloudStepError(-1, "", `host ${host} has no agent`);
    return a;
  }

  /** Bridges, agents, NICs, then two loop iterations (createCloud calls it). */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const h of this.spec.hosts) {
      const sw = this.switchOf(h.name);
      for (const br of new Set(Object.values(h.agent.bridgeMappings))) sw.addBridge(br, { mayExist: true });
      this.plugTunnelNic(h);
    }
    for (const h of this.spec.hosts) this.startAgent(h.name);
    for (const h of this.spec.hosts) this.plugPhysicalNics(h);
    this.note(`agents up on ${this.spec.hosts.map((h) => h.name).join(", ")}`);
    for (let i = 0; i < SETTLE_ITERATIONS; i++) this.tick();
  }

  /** Constructs (again, for a restart) the agent of `host` and attaches it to the server. */
  startAgent(host: string): AgentLike {
    const spec = this.hostSpec(host);
    const random = this.hostRandoms.get(host) ?? new SeededRandom(this.spec.seed);
    this.agents.get(host)?.stop?.();
    const agent = (this.options.agent ?? ovsAgentFactory)({ switch: this.switchOf(host), host, config: spec.agent, plugin: this.server, random });
    this.agents.set(host, agent);
    this.errorsSaid.set(host, 0);
    this.server.attachAgent(host, agent);
    return agent;
  }

  /** The host's tunnel NIC, outside OVS, with its address, on the underlay segment (IPv4 only: the host IP stack's). */
  private plugTunnelNic(h: CloudHost): void {
    const u = h.underlay;
    if (u === null || u.address === null || ipVersion(u.address.split("/")[0] ?? "") !== 4) return;
    if (!this.sim.segments.has(u.segment)) this.sim.addSegment(u.segment);
    const cidr = u.address.includes("/") ? u.address : `${u.address}/24`;
    if (h.agent.datapathType === "netdev") this.plugUnderlayBridge(h, u, cidr);
    else this.sim.addNic(h.name, u.nic, u.segment, { addresses: [cidr] });
  }

  /**
   * A netdev host's underlay bridge: `u.bridge` (netdev, its MAC fixed by
   * other_config:hwaddr as the IP stack's NIC MAC), the NIC a port of it on the
   * segment, the address on the bridge's own port with the host's IP stack behind it.
   */
  private plugUnderlayBridge(h: CloudHost, u: HostUnderlay, cidr: string): void {
    const sw = this.switchOf(h.name);
    const ip = parseIpv4(cidr.split("/")[0] ?? "");
    const mac = formatMac(0x525400000000 + (ip & 0xffffff));
    sw.addBridge(u.bridge, { mayExist: true, datapathType: "netdev", otherConfig: { hwaddr: mac } });
    sw.addPort(u.bridge, u.nic, { mayExist: true });
    this.sim.connect(h.name, u.nic, u.segment);
    this.host(h.name).addBridgeNic(u.bridge, { mac, addresses: [cidr] });
  }

  /**
   * After ovs-vswitchd restarted on `host` (its flows gone): a netdev host's
   * underlay bridge, standalone without a controller, gets back the NORMAL
   * flow ofproto gives such a bridge, and what lived in the daemon's memory
   * starts empty: the tunnel neighbour cache, to be learned again, and the
   * userspace datapath's megaflows.
   */
  afterOvsRestart(host: string): void {
    const h = this.hostSpec(host);
    if (h.underlay === null || h.agent.datapathType !== "netdev") return;
    const sw = this.switchOf(host);
    if (sw.bridgeNames().includes(h.underlay.bridge)) sw.addFlow(h.underlay.bridge, "priority=0,actions=NORMAL");
    sw.tunnels.neighbours.flush();
    sw.datapaths.purge(sw.now);
  }

  private plugPhysicalNics(h: CloudHost): void {
    for (const [physnet, nic] of Object.entries(h.underlay?.physicalNics ?? {})) {
      const bridge = ownValue(h.agent.bridgeMappings, physnet);
      if (bridge === undefined) continue; // the file check refuses it
      this.switchOf(h.name).addPort(bridge, nic, { mayExist: true });
      if (!this.sim.segments.has(physnet)) this.sim.addSegment(physnet);
      this.sim.connect(h.name, nic, physnet);
    }
  }

  /** One virtual second, then one loop iteration of every agent (the server's casts delivered after each). */
  tick(): void {
    this.sim.run(this.sim.nowMs + 1000);
    this.deliver();
    for (const h of this.spec.hosts) {
      this.agents.get(h.name)?.iterate();
      this.deliver();
    }
  }

  /** The server's queued casts to their agents; then what went wrong in the agents, on stderr. */
  deliver(): void {
    this.server.deliver();
    for (const [host, agent] of this.agents) {
      const errors = agent.errors ?? [];
      const said = this.errorsSaid.get(host) ?? 0;
      for (const e of errors.slice(said)) this.err(`ovsim cloud: ${host}: agent error: ${e instanceof Error ? e.message : String(e)}`);
      this.errorsSaid.set(host, errors.length);
    }
  }

  /**
   * Ticks until every `ports` has been reported since report `since` (down;
   * or up, when `up` is accepted), then SETTLE_ITERATIONS more ticks.
   */
  waitForReports(step: CloudStep | null, ports: readonly string[], since: number, up: boolean): void {
    // The server's `reported(p, since, up)` for every port, reading each report once (a thousand ports, a thousand reports).
    const seen = new Set<string>();
    let read = since;
    const missing = (): string[] => {
      for (const reports = this.server.reports; read < reports.length; read++) {
        const r = reports[read];
        if (r === undefined) continue;
        for (const p of r.down) seen.add(p);
        if (up) for (const p of r.up) seen.add(p);
      }
      return ports.filter((p) => !seen.has(p));
    };
    for (let waited = 0; missing().length > 0; waited++) {
      if (waited >= this.timeoutSeconds) {
        throw new CloudStepError(step?.index ?? -1, step?.op ?? "", `timeout (${this.timeoutSeconds} s of virtual time) waiting for the agent to report ${missing().join(", ")} ${up ? "up" : "down"}`);
      }
      this.tick();
    }
    this.settle(SETTLE_ITERATIONS);
  }

  settle(n: number): void {
    for (let i = 0; i < n; i++) this.tick();
  }

  /** The plugged port or VM `ref` names: a VM name, a port id, or a plugged port's name. */
  findVm(ref: string): Vm | undefined {
    const byId = this.vms.get(ref);
    if (byId !== undefined) return byId;
    for (const v of this.vms.values()) if (v.name === ref) return v;
    return undefined;
  }

  /** Runs one step; false when it failed without stopping the run (a command, a ping's expectation). Throws CloudStepError. */
  step(step: CloudStep): boolean {
    this.start();
    const ok = runStep(this, step);
    this.note(`step ${step.index} ${step.op} ${ok ? "done" : "failed"}`);
    return ok;
  }

  /** Runs the file's steps (or `steps`: a steps file's, on a loaded cloud) in order; a CloudStepError stops the run (said on stderr). */
  run(steps: readonly CloudStep[] = this.spec.steps): RunResult {
    const failed: number[] = [];
    for (const s of steps) {
      try {
        if (!this.step(s)) failed.push(s.index);
      } catch (e) {
        if (!(e instanceof CloudStepError || e instanceof OvsimError)) throw e;
        this.err(`ovsim cloud: step ${s.index} (${s.op}): ${e.message}`);
        failed.push(s.index);
        break;
      }
    }
    return { ok: failed.length === 0, failedSteps: failed };
  }
}

/**
 * A cloud from a cloud file (JSON text, its parsed value, or a CloudSpec
 * from parseCloudFile), started: bridges, agents, two loop iterations.
 * Throws CloudFileError for a bad file.
 */
export function createCloud(input: string | CloudSpec | unknown, options: CloudOptions = {}): Cloud {
  const spec = isCloudSpec(input) ? input : parseCloudFile(input);
  const cloud = new Cloud(spec, options);
  cloud.start();
  return cloud;
}

/** A typed spec (parsed or built from code) rather than the file's JSON: JSON has no `hosts[].agent.localIp`. */
function isCloudSpec(x: unknown): x is CloudSpec {
  if (typeof x !== "object" || x === null || !("hosts" in x) || !Array.isArray(x.hosts)) return false;
  const h: unknown = x.hosts[0];
  return typeof h === "object" && h !== null && "agent" in h && typeof h.agent === "object" && h.agent !== null && "integrationBridge" in h.agent;
}
