/**
 * Runs the firewall part of a cloud file (fixtures/cloud, format 1) for its
 * first host, until the agent's port exists: a Switch with br-int (and the
 * bridges and patches the agent would create, so that ofports are the
 * golden's), the openvswitch firewall driver, a fake server answering
 * security_group_info_for_devices as ../shared/neutron-oracle's does, and
 * each step played as the agent plays it for the firewall:
 *
 * - plug_ports: `add-port br-int TAP` with os-vif's external_ids; then what
 *   the agent's port_bound writes (Port tag and other_config: taken from the
 *   golden's `list Port`), then setup_port_filters → prepareDevicesFilter
 *   with every device of the step (the driver asks the server and treats the
 *   devices it does not describe as trusted);
 * - unplug_ports: `del-port`, then removeDevicesFilter;
 * - l2pop steps: nothing (the firewall does not hear them);
 * - run: br-int's flows are captured at each `dump-flows br-int`.
 *
 * It also extracts from the golden what the comparison needs: br-int's dumps,
 * the lines of the tables the firewall owns, the Port and Bridge listings.
 */
import { readFileSync } from "node:fs";
import type { AgentConfig } from "../../../src/agent/agent-config.js";
import { DEFAULT_AGENT_CONFIG } from "../../../src/agent/agent-config.js";
import { OvsFirewallDriver } from "../../../src/agent/firewall/driver.js";
import { interfaceName } from "../../../src/agent/names.js";
import type { DeviceDetails, PluginRpc, SecurityGroupInfo, SecurityGroupRule } from "../../../src/agent/rpc.js";
import { Switch } from "../../../src/vswitchd/switch.js";
import { goldenBlocks } from "../../support/golden-blocks.js";

export const CLOUD_DIR = new URL("../../../fixtures/cloud/", import.meta.url);

// ---- the cloud file (the fields the firewall needs)

interface CloudRule {
  direction: "ingress" | "egress";
  ethertype?: "IPv4" | "IPv6";
  protocol?: string | number | null;
  port_range_min?: number | null;
  port_range_max?: number | null;
  remote_ip_prefix?: string | null;
  source_ip_prefix?: string | null;
  dest_ip_prefix?: string | null;
  remote_group_id?: string | null;
}

interface CloudPort {
  id: string;
  name?: string;
  host?: string;
  network_id: string;
  mac: string;
  fixed_ips?: string[];
  device_owner?: string;
  port_security_enabled?: boolean;
  allowed_address_pairs?: Array<{ ip_address: string; mac_address?: string }>;
  security_groups?: string[];
  admin_state_up?: boolean;
}

interface CloudNetwork {
  id: string;
  network_type: string;
  segmentation_id: number | null;
  physical_network: string | null;
  mtu?: number;
  subnet?: { id: string; cidr: string };
}

interface CloudStep {
  op: string;
  ports?: string[];
  host?: string;
  commands?: string[];
}

export interface CloudFile {
  hosts: Array<{ name: string; agent?: Record<string, unknown> }>;
  networks: CloudNetwork[];
  security_groups: Record<string, { name?: string; rules: CloudRule[] }>;
  ports: CloudPort[];
  steps: CloudStep[];
}

/** The firewall's own recordings (fixtures/cloud/record.sh FILE.json), for what fixtures/cloud leaves out. */
export const OWN_DIR = new URL("./fixtures/", import.meta.url);

export function loadCloud(name: string, dir: URL = CLOUD_DIR): { cloud: CloudFile; golden: string } {
  return {
    cloud: JSON.parse(readFileSync(new URL(`${name}.json`, dir), "utf8")) as CloudFile,
    golden: readFileSync(new URL(`${name}.out`, dir), "utf8"),
  };
}

/** The host's agent options over Neutron's defaults. */
export function agentConfigOf(agent: Record<string, unknown> = {}): AgentConfig {
  const pick = <T>(k: string, d: T): T => (agent[k] === undefined ? d : (agent[k] as T));
  const c = DEFAULT_AGENT_CONFIG;
  return {
    ...c,
    localIp: pick("local_ip", c.localIp),
    tunnelTypes: pick("tunnel_types", c.tunnelTypes),
    l2Population: pick("l2_population", c.l2Population),
    arpResponder: pick("arp_responder", c.arpResponder),
    bridgeMappings: pick("bridge_mappings", c.bridgeMappings),
    firewallDriver: pick("firewall_driver", c.firewallDriver),
    enableSecurityGroup: pick("enable_security_group", c.enableSecurityGroup),
    explicitlyEgressDirect: pick("explicitly_egress_direct", c.explicitlyEgressDirect),
    integrationBridge: pick("integration_bridge", c.integrationBridge),
    tunnelBridge: pick("tunnel_bridge", c.tunnelBridge),
    intPeerPatchPort: pick("int_peer_patch_port", c.intPeerPatchPort),
    tunPeerPatchPort: pick("tun_peer_patch_port", c.tunPeerPatchPort),
    vxlanUdpPort: pick("vxlan_udp_port", c.vxlanUdpPort),
  };
}

// ---- the golden

/** One CSV line (ovs-vsctl --format=csv) as fields. */
export function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** An OVSDB map as ovs-vsctl prints it: `{a=b, c="d"}`. */
export function ovsdbMap(text: string): Record<string, string> {
  const inner = text.replace(/^\{|\}$/g, "").trim();
  if (inner === "") return {};
  return Object.fromEntries(
    inner.split(", ").map((kv) => {
      const eq = kv.indexOf("=");
      return [kv.slice(0, eq), kv.slice(eq + 1).replace(/^"(.*)"$/, "$1")];
    }),
  );
}

/** The golden's blocks (dump lines sorted). */
export function blocksOf(golden: string): Array<[string, string[]]> {
  return goldenBlocks(golden);
}

/** Each `list Port` of the golden: name → [tag, other_config]. */
export function portListings(golden: string): Array<Map<string, { tag: number | null; otherConfig: Record<string, string> }>> {
  return blocksOf(golden)
    .filter(([cmd]) => / list Port$/.test(cmd))
    .map(([, lines]) => {
      const m = new Map<string, { tag: number | null; otherConfig: Record<string, string> }>();
      for (const l of lines) {
        const [name = "", tag = "", oc = ""] = csvFields(l);
        m.set(name, { tag: /^\d+$/.test(tag) ? Number(tag) : null, otherConfig: ovsdbMap(oc) });
      }
      return m;
    });
}

/** Each `list Interface` of the golden: name → ofport. */
export function interfaceOfports(golden: string): Array<Map<string, number>> {
  return blocksOf(golden)
    .filter(([cmd]) => / list Interface$/.test(cmd))
    .map(([, lines]) => new Map(lines.map((l) => csvFields(l)).map(([name = "", ofport = ""]) => [name, Number(ofport)])));
}

/** Each `list Bridge` of the golden: name → protocols (as printed). */
export function bridgeProtocols(golden: string): Array<Map<string, string>> {
  return blocksOf(golden)
    .filter(([cmd]) => / list Bridge$/.test(cmd))
    .map(([, lines]) => new Map(lines.map((l) => csvFields(l)).map(([name = "", , protocols = ""]) => [name, protocols])));
}

/** Each `dump-flows BRIDGE` of the golden, lines sorted. */
export function goldenDumps(golden: string, bridge: string): string[][] {
  return blocksOf(golden)
    .filter(([cmd]) => cmd === `ovs-ofctl --no-stats dump-flows ${bridge}`)
    .map(([, lines]) => lines);
}

/** `cookie=0x...` replaced, as CLOUD-FORMAT.md compares dumps. */
export function normaliseCookie(line: string): string {
  return line.replace(/cookie=0x[0-9a-f]+/g, "cookie=COOKIE");
}

const FIREWALL_ONLY_TABLES = new Set([71, 72, 73, 81, 82, 91, 92, 93, 94]);

/**
 * Whether a br-int dump line is the firewall's: tables 71-94 are the
 * firewall's alone; in table 60 (the agent's TRANSIENT_TABLE, NORMAL at
 * priority 3, egress-direct goto at 4 and 9 with a non-OpenFlow firewall)
 * the firewall owns priorities 90 and 100.
 */
export function isFirewallLine(line: string): boolean {
  const table = Number(/ table=(\d+),/.exec(line)?.[1] ?? "0");
  if (FIREWALL_ONLY_TABLES.has(table)) return true;
  const priority = Number(/ priority=(\d+)/.exec(line)?.[1] ?? "-1");
  return table === 60 && (priority === 90 || priority === 100);
}

// ---- the fake server

function rpcRule(sgId: string, r: CloudRule): SecurityGroupRule {
  const prefix = r.remote_ip_prefix ?? null;
  return {
    securityGroupId: sgId,
    direction: r.direction,
    ethertype: r.ethertype ?? "IPv4",
    protocol: r.protocol === undefined || r.protocol === null ? null : String(r.protocol),
    portRangeMin: r.port_range_min ?? null,
    portRangeMax: r.port_range_max ?? null,
    sourceIpPrefix: r.source_ip_prefix ?? (r.direction === "ingress" ? prefix : null),
    destIpPrefix: r.dest_ip_prefix ?? (r.direction === "egress" ? prefix : null),
    remoteGroupId: r.remote_group_id ?? null,
  };
}

function isV6(ip: string): boolean {
  return ip.includes(":");
}

/** The oracle's device_details: the port as the server describes it (a pair without MAC gets the port's, as the server fills it). */
export function deviceDetailsOf(cloud: CloudFile, p: CloudPort): DeviceDetails {
  const net = cloud.networks.find((n) => n.id === p.network_id);
  if (net === undefined) throw new Error(`port ${p.id}: no network ${p.network_id}`);
  const subnetId = net.subnet?.id ?? `subnet-of-${net.id}`;
  return {
    device: p.id,
    portId: p.id,
    networkId: net.id,
    macAddress: p.mac,
    adminStateUp: p.admin_state_up ?? true,
    networkType: net.network_type,
    segmentationId: net.segmentation_id,
    physicalNetwork: net.physical_network,
    mtu: net.mtu ?? 1500,
    fixedIps: (p.fixed_ips ?? []).map((ipAddress) => ({ subnetId, ipAddress })),
    deviceOwner: p.device_owner ?? "compute:nova",
    allowedAddressPairs: (p.allowed_address_pairs ?? []).map((a) => ({ ipAddress: a.ip_address, macAddress: a.mac_address ?? p.mac })),
    portSecurityEnabled: p.port_security_enabled ?? true,
    securityGroups: p.security_groups ?? [],
  };
}

/**
 * The oracle's FakeSGServer: every requested port it has bound (plugged,
 * network:* ones too), the rules of their groups (remote_ip_prefix as
 * source/dest by direction), an empty member list for each of their groups
 * and, for each remote group a rule names, the fixed IPs (no MAC: "" here)
 * and allowed pairs (with MAC) of every port of the file in it.
 */
export class FakeSgServer implements Pick<PluginRpc, "securityGroupInfoForDevices"> {
  /** Ports plugged on the host under test (the oracle's PORTS). */
  readonly bound = new Map<string, CloudPort>();
  readonly calls: string[][] = [];

  constructor(private readonly cloud: CloudFile) {}

  private memberIps(sgId: string): Record<"IPv4" | "IPv6", Array<readonly [string, string]>> {
    const out: Record<"IPv4" | "IPv6", Array<readonly [string, string]>> = { IPv4: [], IPv6: [] };
    for (const p of this.cloud.ports) {
      if (!(p.security_groups ?? []).includes(sgId)) continue;
      for (const ip of p.fixed_ips ?? []) out[isV6(ip) ? "IPv6" : "IPv4"].push([ip, ""]);
      for (const a of p.allowed_address_pairs ?? []) out[isV6(a.ip_address) ? "IPv6" : "IPv4"].push([a.ip_address, a.mac_address ?? p.mac]);
    }
    return out;
  }

  securityGroupInfoForDevices(devices: readonly string[]): SecurityGroupInfo {
    this.calls.push([...devices]);
    const devs: Record<string, DeviceDetails> = {};
    const sgs: Record<string, SecurityGroupRule[]> = {};
    const members: Record<string, Record<"IPv4" | "IPv6", Array<readonly [string, string]>>> = {};
    for (const d of devices) {
      const p = this.bound.get(d);
      if (p === undefined) continue;
      devs[d] = deviceDetailsOf(this.cloud, p);
      for (const sg of p.security_groups ?? []) {
        const rules = this.cloud.security_groups[sg]?.rules ?? [];
        sgs[sg] = rules.map((r) => rpcRule(sg, r));
        members[sg] ??= { IPv4: [], IPv6: [] };
        for (const r of rules) if (r.remote_group_id) members[r.remote_group_id] = this.memberIps(r.remote_group_id);
      }
    }
    return { devices: devs, securityGroups: sgs, sgMemberIps: members };
  }
}

function pluginOf(server: FakeSgServer): PluginRpc {
  const no = (): never => {
    throw new Error("not used by the firewall");
  };
  return {
    getDevicesDetailsListAndFailedDevices: no,
    updateDeviceList: no,
    tunnelSync: no,
    reportState: no,
    securityGroupInfoForDevices: (devices) => server.securityGroupInfoForDevices(devices),
  };
}

// ---- the run

export interface FirewallRun {
  readonly sw: Switch;
  readonly driver: OvsFirewallDriver;
  readonly server: FakeSgServer;
  readonly config: AgentConfig;
  /** br-int's dump at each `dump-flows br-int` of a run step (leading space, as ovs-ofctl prints). */
  readonly dumps: string[][];
}

export interface RunOptions {
  /** Hand port-security-off and network:* ports to processTrustedPorts instead (what the FirewallDriver contract also allows). */
  readonly splitTrusted?: boolean;
  /** Where the file is (default fixtures/cloud). */
  readonly dir?: URL;
}

/** Plays a cloud file's steps for its first host (see the essay above). */
export function runFirewallCloud(name: string, options: RunOptions = {}): FirewallRun & { golden: string; cloud: CloudFile } {
  const { cloud, golden } = loadCloud(name, options.dir);
  const host = cloud.hosts[0]!;
  const config = agentConfigOf(host.agent);
  const intBr = config.integrationBridge;
  const cookieHex = /cookie=(0x[0-9a-f]+)/.exec(goldenDumps(golden, intBr)[0]?.[0] ?? "")?.[1] ?? "0x1";
  const listings = portListings(golden);
  const bindingOf = (portName: string): { tag: number | null; otherConfig: Record<string, string> } | undefined =>
    listings.map((l) => l.get(portName)).find((x) => x !== undefined);

  const sw = new Switch();
  // setup_integration_br: br-int secure, OpenFlow 1.0, 1.3, 1.4
  sw.addBridge(intBr, { datapathType: "system", failMode: "secure", protocols: ["OpenFlow10", "OpenFlow13", "OpenFlow14"] });
  sw.deleteFlows(intBr);
  // setup_physical_bridges, then setup_tunnel_br: the patches, in the agent's order
  for (const bridge of Object.values(config.bridgeMappings)) {
    sw.addBridge(bridge, { datapathType: "system", failMode: "secure" });
    const intPatch = interfaceName(bridge, "int-");
    const phyPatch = interfaceName(bridge, "phy-");
    sw.addPort(intBr, intPatch, { type: "patch", options: { peer: phyPatch } });
    sw.addPort(bridge, phyPatch, { type: "patch", options: { peer: intPatch } });
  }
  if (config.tunnelTypes.length > 0) {
    sw.addBridge(config.tunnelBridge, { datapathType: "system", failMode: "secure" });
    sw.addPort(intBr, config.intPeerPatchPort, { type: "patch", options: { peer: config.tunPeerPatchPort } });
    sw.addPort(config.tunnelBridge, config.tunPeerPatchPort, { type: "patch", options: { peer: config.intPeerPatchPort } });
  }
  const server = new FakeSgServer(cloud);
  const driver = new OvsFirewallDriver({ switch: sw, integrationBridge: intBr, plugin: pluginOf(server), cookie: BigInt(cookieHex), config });

  const portById = new Map(cloud.ports.map((p) => [p.id, p]));
  const nameOf = (p: CloudPort): string => p.name ?? `tap${p.id.slice(0, 11)}`;
  const local = (ids: readonly string[]): CloudPort[] =>
    ids.map((id) => portById.get(id)!).filter((p) => (p.host ?? host.name) === host.name);
  const dumps: string[][] = [];

  for (const step of cloud.steps) {
    if (step.op === "plug_ports") {
      const ports = local(step.ports ?? []);
      for (const p of ports) {
        sw.addPort(intBr, nameOf(p), { externalIds: { "iface-id": p.id, "iface-status": "active", "attached-mac": p.mac, "vm-uuid": p.id } });
        server.bound.set(p.id, p);
      }
      // port_bound: the Port's tag and other_config, as the golden shows them
      for (const p of ports) {
        const b = bindingOf(nameOf(p));
        if (b === undefined) continue;
        if (b.tag !== null) sw.set("Port", nameOf(p), "tag", b.tag);
        sw.set("Port", nameOf(p), "other_config", b.otherConfig);
      }
      const details = ports.map((p) => deviceDetailsOf(cloud, p));
      if (options.splitTrusted === true) {
        const trusted = (d: DeviceDetails): boolean => d.deviceOwner.startsWith("network:") || !d.portSecurityEnabled;
        driver.prepareDevicesFilter(details.filter((d) => !trusted(d)));
        driver.processTrustedPorts(details.filter(trusted));
      } else driver.prepareDevicesFilter(details);
    } else if (step.op === "unplug_ports") {
      const ports = local(step.ports ?? []);
      for (const p of ports) sw.deletePort(nameOf(p));
      for (const p of ports) server.bound.delete(p.id);
      driver.removeDevicesFilter(ports.map((p) => p.id));
    } else if (step.op === "run" && (step.host ?? host.name) === host.name) {
      for (const cmd of step.commands ?? []) {
        if (cmd === `ovs-ofctl --no-stats dump-flows ${intBr}`) dumps.push(sw.dumpFlows(intBr).map((f) => ` ${f.text}`));
      }
    }
  }
  return { sw, driver, server, config, dumps, golden, cloud };
}
