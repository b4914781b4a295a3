/**
 * TEST-ONLY: what ../shared/neutron-oracle/neutron-run does, with ovsim's
 * switch and the ported agent in place of real OVS and the real agent, for
 * the first host of a cloud file (fixtures/cloud/*.json):
 *
 * - the mapped physical bridges are made first (`ovs-vsctl add-br BR`), then
 *   the agent (`__init__`), then two loop iterations;
 * - a fake server answers from the file: device details for plugged ports
 *   only, `update_device_list` recorded, `tunnel_sync` = every host of the
 *   file with that tunnel type;
 * - `plug_ports` = Nova's `add-port br-int TAP -- set Interface TAP
 *   external_ids:...` per port of this host, then iterations until the agent
 *   reported them all (up, or down for admin-down ports), then two more;
 *   `unplug_ports` = `del-port`, until reported down, then two more;
 *   `l2pop_fdb_*` = the agent's add/remove_fdb_entries with the wire format,
 *   then one iteration; `run` = each command through runLine, printed as
 *   `### COMMAND` and its output.
 *
 * Between two iterations the switch's clock moves 1 s (polling_interval).
 */
import { readFileSync } from "node:fs";
import type { AgentConfig } from "../../src/agent/agent-config.js";
import { DEFAULT_AGENT_CONFIG } from "../../src/agent/agent-config.js";
import { OvsNeutronAgent } from "../../src/agent/ovs-agent.js";
import type { AgentState, DeviceDetails, FdbEntries, FdbNetworkEntries, PluginRpc, SecurityGroupInfo } from "../../src/agent/rpc.js";
import { runLine } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";

export interface FileHost {
  name: string;
  agent?: Record<string, unknown>;
}
export interface FileNetwork {
  id: string;
  network_type: string;
  segmentation_id?: number | null;
  physical_network?: string | null;
  mtu?: number;
  subnet?: { id: string; cidr?: string };
}
export interface FilePort {
  id: string;
  name?: string;
  host?: string;
  network_id: string;
  mac: string;
  fixed_ips?: string[];
  device_owner?: string;
  port_security_enabled?: boolean;
  allowed_address_pairs?: { ip_address: string; mac_address?: string }[];
  security_groups?: string[];
  admin_state_up?: boolean;
}
export interface FileFdbEntry {
  network_id: string;
  remote_ip: string;
  network_type?: string;
  segmentation_id?: number;
  mac?: string;
  ip?: string;
  flooding_entry?: boolean;
}
export type FileStep =
  | { op: "plug_ports" | "unplug_ports"; ports: string[] }
  | { op: "l2pop_fdb_add" | "l2pop_fdb_remove"; host?: string; entries: FileFdbEntry[] }
  | { op: "run"; host?: string; commands: string[] };
export interface CloudFile {
  hosts: FileHost[];
  networks?: FileNetwork[];
  ports?: FilePort[];
  steps?: FileStep[];
}

/** The host's agent options, by the file's names, over Neutron's defaults (firewall noop), as the oracle runs it. */
export function agentConfigOf(agent: Record<string, unknown> = {}): AgentConfig {
  const a = agent as Record<string, never>;
  const pick = <T>(k: string, d: T): T => (k in a ? (a[k] as T) : d);
  return {
    ...DEFAULT_AGENT_CONFIG,
    localIp: pick("local_ip", null),
    tunnelTypes: pick("tunnel_types", []),
    l2Population: pick("l2_population", false),
    arpResponder: pick("arp_responder", false),
    bridgeMappings: pick("bridge_mappings", {}),
    firewallDriver: pick("firewall_driver", "noop"),
    enableSecurityGroup: pick("enable_security_group", true),
    explicitlyEgressDirect: pick("explicitly_egress_direct", false),
    integrationBridge: pick("integration_bridge", "br-int"),
    tunnelBridge: pick("tunnel_bridge", "br-tun"),
    intPeerPatchPort: pick("int_peer_patch_port", "patch-tun"),
    tunPeerPatchPort: pick("tun_peer_patch_port", "patch-int"),
    vxlanUdpPort: pick("vxlan_udp_port", 4789),
    enableDistributedRouting: pick("enable_distributed_routing", false),
    pollingInterval: 1,
    reportInterval: 0,
  };
}

/** mulberry32: a small seeded source of doubles in [0, 1), for cookies. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The oracle's fake server for one host. */
export class FakeServer implements PluginRpc {
  /** Plugged ports of this host, by id. */
  readonly plugged = new Map<string, FilePort>();
  readonly updates: { up: string[]; down: string[] }[] = [];
  private readonly nets: Map<string, FileNetwork>;

  constructor(private readonly file: CloudFile) {
    this.nets = new Map((file.networks ?? []).map((n) => [n.id, n]));
  }

  details(p: FilePort): DeviceDetails {
    const net = this.nets.get(p.network_id)!;
    const subnetId = net.subnet?.id ?? `subnet-of-${net.id}`;
    return {
      device: p.id,
      portId: p.id,
      networkId: net.id,
      macAddress: p.mac,
      adminStateUp: p.admin_state_up ?? true,
      networkType: net.network_type,
      segmentationId: net.segmentation_id ?? null,
      physicalNetwork: net.physical_network ?? null,
      mtu: net.mtu ?? 1500,
      fixedIps: (p.fixed_ips ?? []).map((ip) => ({ subnetId, ipAddress: ip })),
      deviceOwner: p.device_owner ?? "compute:nova",
      allowedAddressPairs: (p.allowed_address_pairs ?? []).map((a) => ({ ipAddress: a.ip_address, macAddress: a.mac_address ?? p.mac })),
      portSecurityEnabled: p.port_security_enabled ?? true,
      securityGroups: p.security_groups ?? [],
    };
  }

  getDevicesDetailsListAndFailedDevices(devices: readonly string[]) {
    return { devices: devices.filter((d) => this.plugged.has(d)).map((d) => this.details(this.plugged.get(d)!)), failedDevices: [] };
  }

  updateDeviceList(devicesUp: readonly string[], devicesDown: readonly string[]) {
    this.updates.push({ up: [...devicesUp], down: [...devicesDown] });
    return { devicesUp: [...devicesUp], devicesDown: [...devicesDown], failedDevicesUp: [], failedDevicesDown: [] };
  }

  tunnelSync(_ip: string, tunnelType: string) {
    const tunnels: { ipAddress: string; host: string }[] = [];
    for (const h of this.file.hosts) {
      const a = (h.agent ?? {}) as { tunnel_types?: string[]; local_ip?: string };
      if ((a.tunnel_types ?? []).includes(tunnelType) && a.local_ip !== undefined) tunnels.push({ ipAddress: a.local_ip, host: h.name });
    }
    return { tunnels };
  }

  securityGroupInfoForDevices(): SecurityGroupInfo {
    return { securityGroups: {}, sgMemberIps: {}, devices: {} };
  }

  reportState(_host: string, _state: AgentState): void {}

  /** Whether `id` was reported since update number `since`: down, or up when `up` counts. */
  reported(id: string, since: number, up: boolean): boolean {
    return this.updates.slice(since).some((u) => u.down.includes(id) || (up && u.up.includes(id)));
  }
}

/** The l2pop wire format of flat entries (the oracle's fdb_wire_format). */
export function fdbWire(entries: readonly FileFdbEntry[], nets: readonly FileNetwork[]): FdbEntries {
  const out: Record<string, { networkType: string; segmentationId: number; ports: Record<string, [string, string][]> }> = {};
  for (const e of entries) {
    const net = nets.find((n) => n.id === e.network_id);
    const n = (out[e.network_id] ??= {
      networkType: e.network_type ?? net?.network_type ?? "",
      segmentationId: e.segmentation_id ?? net?.segmentation_id ?? 0,
      ports: {},
    });
    const pair: [string, string] = e.flooding_entry === true ? [e.mac ?? "00:00:00:00:00:00", e.ip ?? "0.0.0.0"] : [e.mac!, e.ip!];
    (n.ports[e.remote_ip] ??= []).push(pair);
  }
  return out as Record<string, FdbNetworkEntries>;
}

/**
 * One host of a cloud file, with its switch, fake server and agent, played
 * step by step as neutron-run plays it.
 */
export class HarnessHost {
  readonly file: CloudFile;
  readonly host: FileHost;
  readonly config: AgentConfig;
  readonly sw = new Switch();
  readonly server: FakeServer;
  agent: OvsNeutronAgent;
  private readonly ports: Map<string, FilePort>;

  constructor(input: string | CloudFile, seed = 1, configure: (c: AgentConfig) => AgentConfig = (c) => c) {
    this.file = typeof input === "string" ? (JSON.parse(readFileSync(input, "utf8")) as CloudFile) : input;
    this.host = this.file.hosts[0]!;
    this.config = configure(agentConfigOf(this.host.agent));
    for (const br of Object.values(this.config.bridgeMappings)) this.sw.addBridge(br, { mayExist: true });
    this.server = new FakeServer(this.file);
    this.ports = new Map((this.file.ports ?? []).map((p) => [p.id, p]));
    this.agent = this.startAgent(seed);
  }

  /** A (new) agent on this host's switch: its __init__, then two loop iterations. */
  startAgent(seed: number): OvsNeutronAgent {
    this.agent = new OvsNeutronAgent({ switch: this.sw, host: this.host.name, config: this.config, plugin: this.server, random: seededRandom(seed) });
    this.settle(2);
    return this.agent;
  }

  /** One polling interval: the clock moves 1 s, the agent iterates once. */
  tick(): void {
    this.sw.advance(1000);
    this.agent.iterate();
  }

  settle(n: number): void {
    for (let i = 0; i < n; i++) this.tick();
  }

  /** Iterations until every id was reported (down, or up when `up`), then two more. */
  waitFor(ids: readonly string[], since: number, up: boolean): void {
    for (let i = 0; ids.some((id) => !this.server.reported(id, since, up)); i++) {
      if (i >= MAX_WAIT) throw new Error(`timeout waiting for ${ids.join(", ")} ${up ? "up" : "down"}`);
      this.tick();
    }
    this.settle(2);
  }

  portName(p: FilePort): string {
    return p.name ?? `tap${p.id}`.slice(0, 14);
  }

  private local(ids: readonly string[]): FilePort[] {
    return ids.map((id) => this.ports.get(id)!).filter((p) => (p.host ?? this.host.name) === this.host.name);
  }

  /** plug_ports: os-vif's add-port for each port of this host, then until reported. */
  plug(ids: readonly string[]): void {
    const ps = this.local(ids);
    if (ps.length === 0) return;
    const since = this.server.updates.length;
    for (const p of ps) {
      this.server.plugged.set(p.id, p);
      this.sw.addPort(this.config.integrationBridge, this.portName(p), {
        externalIds: { "iface-id": p.id, "iface-status": "active", "attached-mac": p.mac, "vm-uuid": p.id },
      });
    }
    this.waitFor(
      ps.map((p) => p.id),
      since,
      true,
    );
  }

  /** unplug_ports: del-port, then until reported down. */
  unplug(ids: readonly string[]): void {
    const ps = this.local(ids);
    if (ps.length === 0) return;
    const since = this.server.updates.length;
    for (const p of ps) this.sw.deletePort(this.portName(p));
    this.waitFor(
      ps.map((p) => p.id),
      since,
      false,
    );
    for (const p of ps) this.server.plugged.delete(p.id);
  }

  /** l2pop_fdb_add / l2pop_fdb_remove: the agent's handler, then one iteration. */
  fdb(op: "add" | "remove", entries: readonly FileFdbEntry[]): void {
    const wire = fdbWire(entries, this.file.networks ?? []);
    if (op === "add") this.agent.addFdbEntries(wire);
    else this.agent.removeFdbEntries(wire);
    this.settle(1);
  }

  /** run: each command's `### COMMAND` and output. */
  run(commands: readonly string[]): string[] {
    const out: string[] = [];
    for (const cmd of commands) {
      out.push(`### ${cmd}`);
      const r = runLine(this.sw, cmd);
      out.push(...r.stdout);
    }
    return out;
  }

  /** The file's steps in order; what the run steps printed. */
  playSteps(): string {
    const out: string[] = [];
    for (const step of this.file.steps ?? []) {
      switch (step.op) {
        case "plug_ports":
          this.plug(step.ports);
          break;
        case "unplug_ports":
          this.unplug(step.ports);
          break;
        case "run":
          if ((step.host ?? this.host.name) === this.host.name) out.push(...this.run(step.commands));
          break;
        default:
          if ((step.host ?? this.host.name) === this.host.name) this.fdb(step.op === "l2pop_fdb_add" ? "add" : "remove", step.entries);
      }
    }
    return out.length === 0 ? "" : `${out.join("\n")}\n`;
  }
}

export interface HarnessRun {
  readonly output: string;
  readonly agent: OvsNeutronAgent;
  readonly sw: Switch;
  readonly server: FakeServer;
  readonly host: HarnessHost;
}

const MAX_WAIT = 90;

/** neutron-run FILE for the file's first host. */
export function runCloudFile(input: string | CloudFile, seed = 1): HarnessRun {
  const h = new HarnessHost(input, seed);
  const output = h.playSteps();
  return { output, agent: h.agent, sw: h.sw, server: h.server, host: h };
}

/** The comparison the oracle's README asks for: cookies normalised (also inside learn), each block's lines sorted. */
export function normalise(text: string): string[] {
  const blocks: string[][] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("### ")) blocks.push([line]);
    else if (line !== "" && blocks.length > 0) blocks[blocks.length - 1]!.push(line.replace(/cookie=0x[0-9a-f]+/g, "cookie=COOKIE"));
  }
  return blocks.map(([head, ...rest]) => [head!, ...rest.sort()].join("\n"));
}
