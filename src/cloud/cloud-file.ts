/**
 * The cloud file (../shared/CLOUD-FORMAT.md, version 1): JSON text or a
 * parsed JSON value in, a typed CloudSpec (cloud-types.ts) out, every
 * default of the format filled in.
 *
 * Rules, as the format states them and the oracle (`neutron-run --check`)
 * applies them:
 * - every object accepts exactly its fields; an unknown field or op is a
 *   CloudFileError naming it and where it is (`steps[3].bogus`, with the
 *   step's op in the message), never silently ignored;
 * - references are checked: a port's network, host and security groups, a
 *   rule's remote group, a step's ports, hosts, networks and VMs;
 * - values are checked where a wrong one would only fail later, far from
 *   its cause: MACs, IP addresses and prefixes, network types and
 *   segmentation ids, agent options (tunnel_types needs local_ip; DVR and
 *   firewall drivers other than noop / openvswitch are not modelled).
 *
 * The file's resources are read here; its steps in cloud-steps.ts.
 * Invariant: a CloudSpec that parseCloudFile returns can be run: every name
 * it holds resolves.
 */
import type { AgentConfig } from "../agent/agent-config.js";
import { DEFAULT_AGENT_CONFIG } from "../agent/agent-config.js";
import { ownValue } from "../agent/own.js";
import type { CloudHost, CloudNetwork, CloudPort, CloudRule, CloudSecurityGroup, CloudSpec, CloudStep, HostUnderlay, NetworkType } from "./cloud-types.js";
import { NETWORK_TYPES, TUNNEL_TYPES } from "./cloud-types.js";
import type { StepsStart } from "./cloud-steps.js";
import { parseSteps } from "./cloud-steps.js";
import { CloudFileError, ipVersion, isMac, isPlainObject, JsonObject, prefixVersion, readAddressPairs, readFixedIps, stringAt } from "./file-checks.js";

export { CloudFileError } from "./file-checks.js";

const TOP_FIELDS = ["format", "description", "seed", "l2pop", "hosts", "networks", "security_groups", "ports", "steps"];
const HOST_FIELDS = ["name", "agent", "underlay"];
const AGENT_FIELDS = [
  "local_ip",
  "tunnel_types",
  "l2_population",
  "arp_responder",
  "bridge_mappings",
  "firewall_driver",
  "enable_security_group",
  "explicitly_egress_direct",
  "integration_bridge",
  "tunnel_bridge",
  "int_peer_patch_port",
  "tun_peer_patch_port",
  "vxlan_udp_port",
  "enable_distributed_routing",
  "datapath_type",
];
const UNDERLAY_FIELDS = ["segment", "nic", "address", "physical_nics", "bridge"];
const NETWORK_FIELDS = ["id", "name", "network_type", "segmentation_id", "physical_network", "mtu", "subnet"];
const SUBNET_FIELDS = ["id", "cidr"];
const PORT_FIELDS = ["id", "name", "host", "network_id", "mac", "fixed_ips", "device_owner", "port_security_enabled", "allowed_address_pairs", "security_groups", "admin_state_up"];
const SG_FIELDS = ["name", "rules"];
const RULE_FIELDS = ["direction", "ethertype", "protocol", "port_range_min", "port_range_max", "remote_ip_prefix", "remote_group_id", "source_ip_prefix", "dest_ip_prefix"];

/** The largest segmentation id of each type (802.1Q VIDs; 24-bit VNIs; 32-bit GRE keys). */
const SEGMENTATION_MAX: Readonly<Record<string, number>> = { vlan: 4094, vxlan: 0xffffff, geneve: 0xffffff, gre: 0xffffffff };

/** The agent options the cloud runs agents with that the file does not set (the oracle's: 1 s polling, no state reports). */
export const CLOUD_AGENT_DEFAULTS: AgentConfig = { ...DEFAULT_AGENT_CONFIG, pollingInterval: 1, reportInterval: 0 };

/** Parses and checks a cloud file: JSON text, or the value JSON.parse made of it. Throws CloudFileError. */
export function parseCloudFile(input: string | unknown): CloudSpec {
  let doc: unknown = input;
  if (typeof input === "string") {
    try {
      doc = JSON.parse(input);
    } catch (e) {
      throw new CloudFileError("", `not JSON: ${(e as Error).message}`);
    }
  }
  const top = new JsonObject("", doc, "a cloud file", TOP_FIELDS, ["hosts"]);
  const format = top.integer("format", 1, 0, Number.MAX_SAFE_INTEGER);
  if (format !== 1) throw new CloudFileError("format", `${format} is not a version ovsim reads (1)`);
  const hosts = top.list("hosts", readHost, true);
  if (hosts.length === 0) throw new CloudFileError("hosts", "expected at least one host");
  unique(hosts.map((h) => h.name), "hosts", "name");
  const networks = top.list("networks", readNetwork);
  unique(networks.map((n) => n.id), "networks", "id");
  const securityGroups = Object.values(top.map("security_groups", (v, path, id) => readSecurityGroup(v, path, id)));
  const firstHost = hosts[0]!.name; // hosts is non-empty (checked above)
  const ports = top.list("ports", (v, path) => readPort(v, path, firstHost));
  unique(ports.map((p) => p.id), "ports", "id");
  const ctx = { hosts, networks, securityGroups, ports };
  checkReferences(ctx);
  const spec: CloudSpec = {
    format: 1,
    description: top.string("description", null),
    seed: top.integer("seed", 0, 0, Number.MAX_SAFE_INTEGER),
    l2pop: top.choice("l2pop", ["auto", "manual"], "auto"),
    hosts,
    networks,
    securityGroups,
    ports,
    steps: [],
  };
  return { ...spec, steps: parseSteps(top, spec) };
}

/** The resources of a cloud file, which a steps file (`ovsim cloud --load SNAP FILE`) must not have. */
const RESOURCE_FIELDS = ["seed", "l2pop", "hosts", "networks", "security_groups", "ports"];

/**
 * The steps of a steps file, to run on a cloud loaded from a snapshot (`ovsim cloud
 * --load SNAP FILE`): a cloud file with only `format`, `description` and `steps`, the
 * cloud's hosts, networks, ports and security groups being the snapshot's (`spec`).
 * Steps are checked as a cloud file's, against `spec` and what the loaded cloud already
 * has (`start`: VMs booted, file ports plugged). Throws CloudFileError.
 */
export function parseStepsFile(input: string | unknown, spec: CloudSpec, start: StepsStart): CloudStep[] {
  let doc: unknown = input;
  if (typeof input === "string") {
    try {
      doc = JSON.parse(input);
    } catch (e) {
      throw new CloudFileError("", `not JSON: ${(e as Error).message}`);
    }
  }
  if (isPlainObject(doc)) {
    const resource = RESOURCE_FIELDS.find((f) => Object.hasOwn(doc, f));
    if (resource !== undefined) throw new CloudFileError(resource, "with a snapshot loaded, the cloud (seed, l2pop, hosts, networks, security groups, ports) is the snapshot's: the file may hold only format, description and steps");
  }
  const top = new JsonObject("", doc, "a steps file", ["format", "description", "steps"], ["steps"]);
  const format = top.integer("format", 1, 0, Number.MAX_SAFE_INTEGER);
  if (format !== 1) throw new CloudFileError("format", `${format} is not a version ovsim reads (1)`);
  return parseSteps(top, spec, start);
}

function unique(values: readonly string[], list: string, field: string): void {
  const seen = new Set<string>();
  values.forEach((v, i) => {
    if (seen.has(v)) throw new CloudFileError(`${list}[${i}].${field}`, `duplicate ${field} ${JSON.stringify(v)}`);
    seen.add(v);
  });
}

function readHost(v: unknown, path: string): CloudHost {
  const o = new JsonObject(path, v, "a host", HOST_FIELDS, ["name"]);
  const agent = readAgent(o.raw("agent") ?? {}, o.at("agent"));
  const underlay = o.has("underlay") ? readUnderlay(o.raw("underlay"), o.at("underlay"), agent) : null;
  return { name: o.name("name"), agent, underlay };
}

function readAgent(v: unknown, path: string): AgentConfig {
  const o = new JsonObject(path, v, "an agent's options", AGENT_FIELDS);
  const d = CLOUD_AGENT_DEFAULTS;
  const localIp = o.string("local_ip", null);
  if (localIp !== null && ipVersion(localIp) === null) throw new CloudFileError(o.at("local_ip"), `not an IP address: ${JSON.stringify(localIp)}`);
  const tunnelTypes = o.list("tunnel_types", (x, p) => {
    const t = stringAt(x, p);
    if (!(TUNNEL_TYPES as readonly string[]).includes(t)) throw new CloudFileError(p, `unknown tunnel type ${JSON.stringify(t)} (known: ${TUNNEL_TYPES.join(", ")})`);
    return t;
  });
  if (new Set(tunnelTypes).size !== tunnelTypes.length) throw new CloudFileError(o.at("tunnel_types"), "a tunnel type is listed twice");
  if (tunnelTypes.length > 0 && localIp === null) throw new CloudFileError(o.at("local_ip"), "missing: tunnel_types needs local_ip");
  const bridgeMappings = o.map("bridge_mappings", (x, p) => {
    const br = stringAt(x, p);
    if (br === "") throw new CloudFileError(p, "expected a bridge name");
    return br;
  });
  if (o.boolean("enable_distributed_routing", false)) throw new CloudFileError(o.at("enable_distributed_routing"), "true (DVR) is not modelled");
  const bridgeName = (f: string, dflt: string): string => {
    const s = o.string(f, dflt);
    if (s === "") throw new CloudFileError(o.at(f), "expected a non-empty name");
    return s;
  };
  return {
    ...d,
    localIp,
    tunnelTypes,
    l2Population: o.boolean("l2_population", d.l2Population),
    arpResponder: o.boolean("arp_responder", d.arpResponder),
    bridgeMappings,
    firewallDriver: o.choice("firewall_driver", ["noop", "openvswitch"], d.firewallDriver),
    enableSecurityGroup: o.boolean("enable_security_group", d.enableSecurityGroup),
    explicitlyEgressDirect: o.boolean("explicitly_egress_direct", d.explicitlyEgressDirect),
    integrationBridge: bridgeName("integration_bridge", d.integrationBridge),
    tunnelBridge: bridgeName("tunnel_bridge", d.tunnelBridge),
    intPeerPatchPort: bridgeName("int_peer_patch_port", d.intPeerPatchPort),
    tunPeerPatchPort: bridgeName("tun_peer_patch_port", d.tunPeerPatchPort),
    vxlanUdpPort: o.integer("vxlan_udp_port", d.vxlanUdpPort, 1, 65535),
    enableDistributedRouting: false,
    datapathType: o.choice("datapath_type", ["system", "netdev"], d.datapathType),
  };
}

function readUnderlay(v: unknown, path: string, agent: AgentConfig): HostUnderlay {
  const o = new JsonObject(path, v, "a host's underlay", UNDERLAY_FIELDS);
  const address = o.string("address", agent.localIp ?? null);
  if (address !== null && prefixVersion(address) === null) throw new CloudFileError(o.at("address"), `not an IP address (or address/prefix): ${JSON.stringify(address)}`);
  const physicalNics = o.map("physical_nics", (x, p, physnet) => {
    const nic = stringAt(x, p);
    if (nic === "") throw new CloudFileError(p, "expected a NIC name");
    if (ownValue(agent.bridgeMappings, physnet) === undefined) throw new CloudFileError(p, `physical network ${physnet} is not in the agent's bridge_mappings`);
    return nic;
  });
  const segment = o.string("segment", "underlay");
  const nic = o.string("nic", "eth0");
  const bridge = o.string("bridge", "br-ex");
  for (const [f, name] of [["segment", segment], ["nic", nic], ["bridge", bridge]] as const) {
    if (name === "") throw new CloudFileError(o.at(f), "expected a non-empty name");
  }
  if (o.has("bridge") && agent.datapathType !== "netdev") throw new CloudFileError(o.at("bridge"), "only with the agent's datapath_type netdev");
  const agentBridges = [agent.integrationBridge, agent.tunnelBridge, ...Object.values(agent.bridgeMappings)];
  if (agent.datapathType === "netdev" && agentBridges.includes(bridge)) throw new CloudFileError(o.at("bridge"), `${bridge} is one of the agent's bridges`);
  return { segment, nic, address, physicalNics, bridge };
}

function readNetwork(v: unknown, path: string): CloudNetwork {
  const o = new JsonObject(path, v, "a network", NETWORK_FIELDS, ["id", "network_type"]);
  const id = o.name("id");
  const networkType: NetworkType = o.choice("network_type", NETWORK_TYPES);
  const max = SEGMENTATION_MAX[networkType];
  const segmentationId = o.integer("segmentation_id", null, max === undefined ? 0 : 1, max ?? Number.MAX_SAFE_INTEGER);
  if (max !== undefined && segmentationId === null) throw new CloudFileError(o.at("segmentation_id"), `missing: a ${networkType} network needs one`);
  const physicalNetwork = o.string("physical_network", null);
  if ((networkType === "vlan" || networkType === "flat") && physicalNetwork === null) {
    throw new CloudFileError(o.at("physical_network"), `missing: a ${networkType} network needs one`);
  }
  let subnet: CloudNetwork["subnet"] = { id: `subnet-of-${id}`, cidr: null };
  if (o.has("subnet")) {
    const s = new JsonObject(o.at("subnet"), o.raw("subnet"), "a subnet", SUBNET_FIELDS, ["id"]);
    const cidr = s.string("cidr", null);
    if (cidr !== null && (!cidr.includes("/") || prefixVersion(cidr) === null)) throw new CloudFileError(s.at("cidr"), `not a CIDR: ${JSON.stringify(cidr)}`);
    subnet = { id: s.name("id"), cidr };
  }
  return { id, name: o.string("name", null), networkType, segmentationId, physicalNetwork, mtu: o.integer("mtu", 1500, 68, 65535), subnet };
}

function readSecurityGroup(v: unknown, path: string, id: string): CloudSecurityGroup {
  const o = new JsonObject(path, v, "a security group", SG_FIELDS);
  return { id, name: o.string("name", null), rules: o.list("rules", readRule) };
}

export function readRule(v: unknown, path: string): CloudRule {
  const o = new JsonObject(path, v, "a security group rule", RULE_FIELDS, ["direction"]);
  const ethertype = o.choice("ethertype", ["IPv4", "IPv6"], "IPv4");
  const prefix = (f: string): string | null => {
    const s = o.string(f, null);
    if (s === null) return null;
    const ver = prefixVersion(s);
    if (ver === null) throw new CloudFileError(o.at(f), `not an IP prefix: ${JSON.stringify(s)}`);
    if (`IPv${ver}` !== ethertype) throw new CloudFileError(o.at(f), `${s} is not an ${ethertype} prefix (the rule's ethertype)`);
    return s;
  };
  const protocolRaw = o.raw("protocol");
  let protocol: string | null = null;
  if (typeof protocolRaw === "number" && Number.isInteger(protocolRaw) && protocolRaw >= 0 && protocolRaw <= 255) protocol = String(protocolRaw);
  else if (typeof protocolRaw === "string" && protocolRaw !== "") protocol = protocolRaw;
  else if (protocolRaw !== undefined && protocolRaw !== null) throw new CloudFileError(o.at("protocol"), "expected a protocol name or number (0..255)");
  const portRangeMin = o.integer("port_range_min", null, 0, 65535);
  const portRangeMax = o.integer("port_range_max", null, 0, 65535);
  // For ICMP the two are the type and the code, not a range.
  const icmp = protocol !== null && ["icmp", "icmpv6", "ipv6-icmp", "1", "58"].includes(protocol);
  if (!icmp && portRangeMin !== null && portRangeMax !== null && portRangeMax < portRangeMin) {
    throw new CloudFileError(o.at("port_range_max"), `${portRangeMax} is below port_range_min ${portRangeMin}`);
  }
  const rule: CloudRule = {
    direction: o.choice("direction", ["ingress", "egress"]),
    ethertype,
    protocol,
    portRangeMin,
    portRangeMax,
    remoteIpPrefix: prefix("remote_ip_prefix"),
    sourceIpPrefix: prefix("source_ip_prefix"),
    destIpPrefix: prefix("dest_ip_prefix"),
    remoteGroupId: o.string("remote_group_id", null),
  };
  if (rule.remoteIpPrefix !== null && rule.remoteGroupId !== null) {
    throw new CloudFileError(o.at("remote_group_id"), "a rule has remote_ip_prefix or remote_group_id, not both (as Neutron's API)");
  }
  const own = rule.direction === "ingress" ? "source_ip_prefix" : "dest_ip_prefix";
  if (rule.remoteIpPrefix !== null && o.has(own)) throw new CloudFileError(o.at(own), `give remote_ip_prefix or ${own}, not both`);
  return rule;
}

function readPort(v: unknown, path: string, firstHost: string): CloudPort {
  const o = new JsonObject(path, v, "a port", PORT_FIELDS, ["id", "mac", "network_id"]);
  const id = o.name("id");
  const mac = o.string("mac");
  if (!isMac(mac)) throw new CloudFileError(o.at("mac"), `not a MAC address: ${JSON.stringify(mac)}`);
  const name = o.string("name", null);
  return {
    id,
    // The oracle's `p.get('name') or ('tap' + id)[:14]`: an empty name is the default too.
    name: name === null || name === "" ? `tap${id}`.slice(0, 14) : name,
    host: o.string("host", firstHost),
    networkId: o.string("network_id"),
    mac: mac.toLowerCase(),
    fixedIps: readFixedIps(o),
    deviceOwner: o.string("device_owner", "compute:nova"),
    portSecurityEnabled: o.boolean("port_security_enabled", true),
    allowedAddressPairs: readAddressPairs(o),
    securityGroups: o.list("security_groups", stringAt),
    adminStateUp: o.boolean("admin_state_up", true),
  };
}

interface Resources {
  readonly hosts: readonly CloudHost[];
  readonly networks: readonly CloudNetwork[];
  readonly securityGroups: readonly CloudSecurityGroup[];
  readonly ports: readonly CloudPort[];
}

function checkReferences(r: Resources): void {
  const sgIds = new Set(r.securityGroups.map((s) => s.id));
  for (const sg of r.securityGroups) {
    sg.rules.forEach((rule, j) => {
      if (rule.remoteGroupId !== null && !sgIds.has(rule.remoteGroupId)) {
        throw new CloudFileError(`security_groups[${sg.id}].rules[${j}].remote_group_id`, `no such security group ${JSON.stringify(rule.remoteGroupId)}`);
      }
    });
  }
  const hostNames = new Set(r.hosts.map((h) => h.name));
  const networkIds = new Set(r.networks.map((n) => n.id));
  const tapsByHost = new Map<string, string>();
  r.ports.forEach((p, i) => {
    if (!networkIds.has(p.networkId)) throw new CloudFileError(`ports[${i}].network_id`, `no such network ${JSON.stringify(p.networkId)}`);
    if (!hostNames.has(p.host)) throw new CloudFileError(`ports[${i}].host`, `no such host ${JSON.stringify(p.host)}`);
    p.securityGroups.forEach((sg, j) => {
      if (!sgIds.has(sg)) throw new CloudFileError(`ports[${i}].security_groups[${j}]`, `no such security group ${JSON.stringify(sg)}`);
    });
    const key = `${p.host}\u0000${p.name}`;
    const other = tapsByHost.get(key);
    if (other !== undefined) throw new CloudFileError(`ports[${i}].name`, `${p.name} is also the name of port ${other} on host ${p.host}`);
    tapsByHost.set(key, p.id);
  });
}
