/**
 * The cloud file parser (src/cloud/cloud-file.ts, cloud-steps.ts): every
 * field of CLOUD-FORMAT.md and of ovsim's own steps, the defaults, and
 * errors that name where (`path`) and what — including, as a property, any
 * unknown field anywhere.
 */
import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CloudFileError, parseCloudFile } from "../../src/cloud/cloud-file.js";
import { isIpv6, prefixVersion } from "../../src/cloud/file-checks.js";
import { propertyRuns } from "../../src/testing/runs.js";

const NET = "aaaaaaaa-0000-4000-8000-000000000001";
const SG = "dddddddd-0000-4000-8000-00000000000a";
const PORT = "c0c0c0c0-0000-4000-8000-0000000000a1";

/** The example of CLOUD-FORMAT.md. */
function example(): Record<string, unknown> {
  return {
    format: 1,
    hosts: [
      {
        name: "compute-1",
        agent: {
          local_ip: "192.0.2.1",
          tunnel_types: ["vxlan"],
          l2_population: true,
          arp_responder: true,
          bridge_mappings: { physnet1: "br-phys" },
          firewall_driver: "noop",
          explicitly_egress_direct: false,
          integration_bridge: "br-int",
          tunnel_bridge: "br-tun",
          int_peer_patch_port: "patch-tun",
          tun_peer_patch_port: "patch-int",
          vxlan_udp_port: 4789,
          enable_distributed_routing: false,
        },
      },
    ],
    networks: [{ id: NET, name: "blue", network_type: "vxlan", segmentation_id: 1001, physical_network: null, mtu: 1450, subnet: { id: "bbbbbbbb-0000-4000-8000-000000000001", cidr: "10.1.0.0/24" } }],
    security_groups: {
      [SG]: {
        rules: [
          { direction: "ingress", ethertype: "IPv4", protocol: "icmp", remote_ip_prefix: "0.0.0.0/0" },
          { direction: "egress", ethertype: "IPv4" },
        ],
      },
    },
    ports: [
      {
        id: PORT,
        name: "tapc0c0c0c0-00",
        host: "compute-1",
        network_id: NET,
        mac: "fa:16:3e:0a:00:01",
        fixed_ips: ["10.1.0.5"],
        device_owner: "compute:nova",
        port_security_enabled: true,
        allowed_address_pairs: [],
        security_groups: [SG],
        admin_state_up: true,
      },
    ],
    steps: [
      { op: "plug_ports", ports: [PORT] },
      {
        op: "l2pop_fdb_add",
        host: "compute-1",
        entries: [
          { network_id: NET, network_type: "vxlan", segmentation_id: 1001, remote_ip: "192.0.2.9", mac: "00:00:00:00:00:00", ip: "0.0.0.0", flooding_entry: true },
          { network_id: NET, network_type: "vxlan", segmentation_id: 1001, remote_ip: "192.0.2.9", mac: "fa:16:3e:0a:09:01", ip: "10.1.0.9", flooding_entry: false },
        ],
      },
      { op: "run", host: "compute-1", commands: ["ovs-ofctl --no-stats dump-flows br-int", "ovs-ofctl --no-stats dump-flows br-tun"] },
      { op: "unplug_ports", ports: [PORT] },
    ],
  };
}

/** The smallest file: one host, one network, one port. */
function minimal(): Record<string, unknown> {
  return { hosts: [{ name: "h1" }], networks: [{ id: "n1", network_type: "local" }], ports: [{ id: PORT, mac: "FA:16:3E:00:00:01", network_id: "n1" }] };
}

function withSteps(steps: unknown[], base = minimal()): Record<string, unknown> {
  return { ...base, steps };
}

/** The CloudFileError parsing `doc` throws. */
function errorOf(doc: unknown): CloudFileError {
  try {
    parseCloudFile(doc);
  } catch (e) {
    if (e instanceof CloudFileError) return e;
    throw e;
  }
  throw new Error(`accepted: ${JSON.stringify(doc)}`);
}

describe("parseCloudFile: the format's example and the goldens", () => {
  it("reads CLOUD-FORMAT.md's example into typed records", () => {
    const s = parseCloudFile(JSON.stringify(example()));
    expect(s.hosts[0]?.agent).toMatchObject({ localIp: "192.0.2.1", tunnelTypes: ["vxlan"], l2Population: true, arpResponder: true, bridgeMappings: { physnet1: "br-phys" }, firewallDriver: "noop", vxlanUdpPort: 4789 });
    expect(s.networks[0]).toEqual({ id: NET, name: "blue", networkType: "vxlan", segmentationId: 1001, physicalNetwork: null, mtu: 1450, subnet: { id: "bbbbbbbb-0000-4000-8000-000000000001", cidr: "10.1.0.0/24" } });
    expect(s.securityGroups[0]?.rules[0]).toEqual({ direction: "ingress", ethertype: "IPv4", protocol: "icmp", portRangeMin: null, portRangeMax: null, remoteIpPrefix: "0.0.0.0/0", sourceIpPrefix: null, destIpPrefix: null, remoteGroupId: null });
    expect(s.steps.map((x) => x.op)).toEqual(["plug_ports", "l2pop_fdb_add", "run", "unplug_ports"]);
    expect(s.steps[1]).toMatchObject({ op: "l2pop_fdb_add", host: "compute-1", entries: [{ floodingEntry: true, mac: "00:00:00:00:00:00" }, { floodingEntry: false, ip: "10.1.0.9" }] });
  });

  it("reads every fixtures/cloud file and the oracle's example", () => {
    const dir = new URL("../../fixtures/cloud/", import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
    expect(files.length).toBe(19);
    for (const f of files) expect(() => parseCloudFile(readFileSync(new URL(f, dir), "utf8")), f).not.toThrow();
    expect(() => parseCloudFile(readFileSync("/work/shared/neutron-oracle/example.json", "utf8"))).not.toThrow();
  });
});

describe("parseCloudFile: defaults", () => {
  const s = parseCloudFile(minimal());

  it("top: format 1, seed 0, l2pop auto, empty lists", () => {
    expect(s).toMatchObject({ format: 1, seed: 0, l2pop: "auto", description: null, securityGroups: [], steps: [] });
  });

  it("agent: Neutron's defaults, firewall_driver noop, the oracle's 1 s polling and no state reports", () => {
    expect(s.hosts[0]?.agent).toEqual({
      localIp: null,
      tunnelTypes: [],
      l2Population: false,
      arpResponder: false,
      bridgeMappings: {},
      firewallDriver: "noop",
      enableSecurityGroup: true,
      explicitlyEgressDirect: false,
      integrationBridge: "br-int",
      tunnelBridge: "br-tun",
      intPeerPatchPort: "patch-tun",
      tunPeerPatchPort: "patch-int",
      vxlanUdpPort: 4789,
      enableDistributedRouting: false,
      pollingInterval: 1,
      reportInterval: 0,
      datapathType: "system",
    });
    expect(s.hosts[0]?.underlay).toBeNull();
  });

  it("network: mtu 1500, subnet subnet-of-ID without a cidr", () => {
    expect(s.networks[0]).toEqual({ id: "n1", name: null, networkType: "local", segmentationId: null, physicalNetwork: null, mtu: 1500, subnet: { id: "subnet-of-n1", cidr: null } });
  });

  it("port: name tap + 11 characters of the id, the first host, compute:nova, port security on, admin up, MAC lower case", () => {
    expect(s.ports[0]).toEqual({
      id: PORT,
      name: "tapc0c0c0c0-00",
      host: "h1",
      networkId: "n1",
      mac: "fa:16:3e:00:00:01",
      fixedIps: [],
      deviceOwner: "compute:nova",
      portSecurityEnabled: true,
      allowedAddressPairs: [],
      securityGroups: [],
      adminStateUp: true,
    });
    expect(parseCloudFile({ ...minimal(), ports: [{ id: "p", name: "", mac: "fa:16:3e:00:00:01", network_id: "n1" }] }).ports[0]?.name).toBe("tapp");
  });

  it("rule: ethertype IPv4; RPC prefixes kept; protocol numbers as text", () => {
    const doc = { ...minimal(), security_groups: { sg: { rules: [{ direction: "egress", protocol: 6, dest_ip_prefix: "10.0.0.0/8" }, { direction: "ingress", ethertype: "IPv6", source_ip_prefix: "2001:db8::/32" }] } } };
    const rules = parseCloudFile(doc).securityGroups[0]?.rules;
    expect(rules?.[0]).toMatchObject({ ethertype: "IPv4", protocol: "6", destIpPrefix: "10.0.0.0/8", remoteIpPrefix: null });
    expect(rules?.[1]).toMatchObject({ ethertype: "IPv6", sourceIpPrefix: "2001:db8::/32" });
  });

  it("allowed address pair without mac_address: null (the server answers with the port's MAC)", () => {
    const doc = { ...minimal(), ports: [{ id: PORT, mac: "fa:16:3e:00:00:01", network_id: "n1", allowed_address_pairs: [{ ip_address: "10.0.0.0/24" }, { ip_address: "10.9.9.9", mac_address: "FA:16:3E:00:00:09" }] }] };
    expect(parseCloudFile(doc).ports[0]?.allowedAddressPairs).toEqual([
      { ipAddress: "10.0.0.0/24", macAddress: null },
      { ipAddress: "10.9.9.9", macAddress: "fa:16:3e:00:00:09" },
    ]);
  });

  it("underlay: segment underlay, nic eth0, address the local_ip, bridge br-ex (netdev hosts only)", () => {
    const doc = { ...minimal(), hosts: [{ name: "h1", agent: { local_ip: "192.0.2.1", bridge_mappings: { physnet1: "br-phys" } }, underlay: { physical_nics: { physnet1: "eth1" } } }] };
    expect(parseCloudFile(doc).hosts[0]?.underlay).toEqual({ segment: "underlay", nic: "eth0", address: "192.0.2.1", physicalNics: { physnet1: "eth1" }, bridge: "br-ex" });
  });

  it("steps: host the first host; fdb entries default to the network's type and segment, flooding to 00:..:00 / 0.0.0.0", () => {
    const base = { ...minimal(), networks: [{ id: "n1", network_type: "vxlan", segmentation_id: 7 }] };
    const s2 = parseCloudFile(withSteps([{ op: "l2pop_fdb_remove", entries: [{ network_id: "n1", remote_ip: "192.0.2.9", flooding_entry: true }] }, { op: "run", commands: [] }], base));
    expect(s2.steps[0]).toEqual({ op: "l2pop_fdb_remove", index: 0, host: "h1", entries: [{ networkId: "n1", remoteIp: "192.0.2.9", networkType: "vxlan", segmentationId: 7, mac: "00:00:00:00:00:00", ip: "0.0.0.0", floodingEntry: true }] });
    expect(s2.steps[1]).toEqual({ op: "run", index: 1, host: "h1", commands: [] });
  });
});

describe("parseCloudFile: ovsim's own steps", () => {
  const base = { ...minimal(), hosts: [{ name: "h1" }, { name: "h2" }], security_groups: { [SG]: {} } };

  it("reads each op with its defaults", () => {
    const s = parseCloudFile(
      withSteps(
        [
          { op: "boot", vm: "vm1", network_id: "n1" },
          { op: "boot", vm: "vm2", host: "h2", port: PORT },
          { op: "advance", seconds: 2.5 },
          { op: "ping", from: "vm1", to: "vm2" },
          { op: "ping", from: "vm1", to: "10.0.0.9", count: 3, expect: "fail" },
          { op: "ping_all", network_id: "n1", expect: "ok" },
          { op: "trace", from: "vm1", to: "tapc0c0c0c0-00" },
          { op: "update_port", port: "vm1", admin_state_up: false, security_groups: [SG] },
          { op: "restart_agent" },
          { op: "restart_ovs", host: "h2" },
          { op: "migrate", vm: "vm1", host: "h2" },
          { op: "delete", vm: "vm1" },
          { op: "delete", vm: "vm2" },
          { op: "delete_network", network_id: "n1" },
        ],
        base,
      ),
    );
    expect(s.steps).toEqual([
      { op: "boot", index: 0, vm: "vm1", host: null, port: null, newPort: { networkId: "n1", mac: null, fixedIps: [], securityGroups: [], portSecurityEnabled: true, allowedAddressPairs: [], adminStateUp: true, deviceOwner: "compute:nova" } },
      { op: "boot", index: 1, vm: "vm2", host: "h2", port: PORT, newPort: null },
      { op: "advance", index: 2, seconds: 2.5 },
      { op: "ping", index: 3, from: "vm1", to: "vm2", count: 1, expect: null },
      { op: "ping", index: 4, from: "vm1", to: "10.0.0.9", count: 3, expect: "fail" },
      { op: "ping_all", index: 5, networkId: "n1", count: 1, expect: "ok" },
      { op: "trace", index: 6, from: "vm1", to: PORT },
      { op: "update_port", index: 7, port: "vm1", changes: { adminStateUp: false, securityGroups: [SG] } },
      { op: "restart_agent", index: 8, host: "h1" },
      { op: "restart_ovs", index: 9, host: "h2" },
      { op: "migrate", index: 10, vm: "vm1", host: "h2" },
      { op: "delete", index: 11, vm: "vm1" },
      { op: "delete", index: 12, vm: "vm2" },
      { op: "delete_network", index: 13, networkId: "n1" },
    ]);
  });

  it("a VM's name is free again once it is deleted; a port booted on is plugged until its VM is deleted", () => {
    const steps = [
      { op: "boot", vm: "a", port: PORT },
      { op: "delete", vm: "a" },
      { op: "plug_ports", ports: [PORT] },
      { op: "unplug_ports", ports: [PORT] },
      { op: "boot", vm: "a", port: PORT },
    ];
    expect(parseCloudFile(withSteps(steps, base)).steps).toHaveLength(5);
  });
});

describe("parseCloudFile: errors name the place and the problem", () => {
  const tunnel = (agent: Record<string, unknown>): Record<string, unknown> => ({ ...minimal(), hosts: [{ name: "h1", agent }] });
  const net = (n: Record<string, unknown>): Record<string, unknown> => ({ ...minimal(), networks: [{ id: "n1", ...n }], ports: [] });
  const port = (p: Record<string, unknown>): Record<string, unknown> => ({ ...minimal(), ports: [{ id: PORT, mac: "fa:16:3e:00:00:01", network_id: "n1", ...p }] });
  const rule = (r: Record<string, unknown>): Record<string, unknown> => ({ ...minimal(), security_groups: { [SG]: { rules: [{ direction: "ingress", ...r }] } } });
  const cases: Array<[string, unknown, string, RegExp]> = [
    ["not JSON", "{", "", /not JSON/],
    ["a list", [], "", /expected a cloud file \(a JSON object\), got a list/],
    ["no hosts", {}, "hosts", /missing/],
    ["empty hosts", { hosts: [] }, "hosts", /at least one host/],
    ["unknown top field", { ...minimal(), flavor: 1 }, "flavor", /unknown field of a cloud file \(known: format, description, seed/],
    ["format 2", { ...minimal(), format: 2 }, "format", /2 is not a version ovsim reads \(1\)/],
    ["seed not an integer", { ...minimal(), seed: 1.5 }, "seed", /expected an integer, got 1.5/],
    ["l2pop", { ...minimal(), l2pop: "sometimes" }, "l2pop", /expected one of auto, manual, got "sometimes"/],
    ["duplicate host", { ...minimal(), hosts: [{ name: "h1" }, { name: "h1" }] }, "hosts[1].name", /duplicate name "h1"/],
    ["unknown host field", { ...minimal(), hosts: [{ name: "h1", flavor: "m1" }] }, "hosts[0].flavor", /unknown field of a host \(known: name, agent, underlay\)/],
    ["unknown agent option", tunnel({ polling_interval: 2 }), "hosts[0].agent.polling_interval", /unknown field of an agent's options/],
    ["unknown tunnel type", tunnel({ local_ip: "192.0.2.1", tunnel_types: ["stt"] }), "hosts[0].agent.tunnel_types[0]", /unknown tunnel type "stt"/],
    ["tunnels without local_ip", tunnel({ tunnel_types: ["gre"] }), "hosts[0].agent.local_ip", /tunnel_types needs local_ip/],
    ["bad local_ip", tunnel({ local_ip: "192.0.2.300" }), "hosts[0].agent.local_ip", /not an IP address/],
    ["firewall driver", tunnel({ firewall_driver: "iptables_hybrid" }), "hosts[0].agent.firewall_driver", /expected one of noop, openvswitch/],
    ["DVR", tunnel({ enable_distributed_routing: true }), "hosts[0].agent.enable_distributed_routing", /DVR\) is not modelled/],
    ["option type", tunnel({ l2_population: "yes" }), "hosts[0].agent.l2_population", /expected true or false/],
    ["vxlan_udp_port range", tunnel({ vxlan_udp_port: 70000 }), "hosts[0].agent.vxlan_udp_port", /out of range/],
    ["underlay physnet not mapped", { ...minimal(), hosts: [{ name: "h1", underlay: { physical_nics: { physnet9: "eth1" } } }] }, "hosts[0].underlay.physical_nics[physnet9]", /not in the agent's bridge_mappings/],
    ["unknown underlay field", { ...minimal(), hosts: [{ name: "h1", underlay: { mtu: 9000 } }] }, "hosts[0].underlay.mtu", /unknown field of a host's underlay/],
    ["network type", net({ network_type: "vxlan6" }), "networks[0].network_type", /expected one of vxlan, gre, geneve, vlan, flat, local/],
    ["network without a type", net({}), "networks[0].network_type", /missing/],
    ["vxlan without segment", net({ network_type: "vxlan" }), "networks[0].segmentation_id", /a vxlan network needs one/],
    ["vlan id range", net({ network_type: "vlan", segmentation_id: 4095, physical_network: "p" }), "networks[0].segmentation_id", /4095 is out of range \(1\.\.4094\)/],
    ["flat without physnet", net({ network_type: "flat" }), "networks[0].physical_network", /a flat network needs one/],
    ["bad cidr", net({ network_type: "local", subnet: { id: "s", cidr: "10.0.0.0/40" } }), "networks[0].subnet.cidr", /not a CIDR/],
    ["subnet without id", net({ network_type: "local", subnet: { cidr: "10.0.0.0/24" } }), "networks[0].subnet.id", /missing/],
    ["duplicate network", { ...minimal(), networks: [{ id: "n1", network_type: "local" }, { id: "n1", network_type: "local" }] }, "networks[1].id", /duplicate id/],
    ["port without mac", { ...minimal(), ports: [{ id: "p", network_id: "n1" }] }, "ports[0].mac", /missing: a port needs mac/],
    ["bad mac", port({ mac: "fa:16:3e:00:01" }), "ports[0].mac", /not a MAC address/],
    ["unknown network", port({ network_id: "n9" }), "ports[0].network_id", /no such network "n9"/],
    ["unknown host", port({ host: "h9" }), "ports[0].host", /no such host "h9"/],
    ["bad fixed ip", port({ fixed_ips: ["10.0.0.256"] }), "ports[0].fixed_ips[0]", /not an IP address/],
    ["unknown security group", port({ security_groups: ["sg9"] }), "ports[0].security_groups[0]", /no such security group "sg9"/],
    ["pair field", port({ allowed_address_pairs: [{ ip_address: "10.0.0.1", mac: "x" }] }), "ports[0].allowed_address_pairs[0].mac", /unknown field of an allowed address pair/],
    ["pair address", port({ allowed_address_pairs: [{ ip_address: "ten" }] }), "ports[0].allowed_address_pairs[0].ip_address", /not an IP address or CIDR/],
    ["unknown port field", port({ binding_host: "h1" }), "ports[0].binding_host", /unknown field of a port/],
    ["same tap twice on a host", { ...minimal(), ports: [{ id: "p1", name: "tap1", mac: "fa:16:3e:00:00:01", network_id: "n1" }, { id: "p2", name: "tap1", mac: "fa:16:3e:00:00:02", network_id: "n1" }] }, "ports[1].name", /tap1 is also the name of port p1 on host h1/],
    ["rule direction", rule({ direction: "both" }), `security_groups[${SG}].rules[0].direction`, /expected one of ingress, egress/],
    ["rule unknown field", rule({ id: "r1" }), `security_groups[${SG}].rules[0].id`, /unknown field of a security group rule/],
    ["rule prefix version", rule({ remote_ip_prefix: "::/0" }), `security_groups[${SG}].rules[0].remote_ip_prefix`, /::\/0 is not an IPv4 prefix/],
    ["rule remote group", rule({ remote_group_id: "sg9" }), `security_groups[${SG}].rules[0].remote_group_id`, /no such security group "sg9"/],
    ["rule prefix and group", { ...minimal(), security_groups: { [SG]: { rules: [{ direction: "ingress", remote_ip_prefix: "10.0.0.0/8", remote_group_id: SG }] } } }, `security_groups[${SG}].rules[0].remote_group_id`, /not both/],
    ["rule ports reversed", rule({ protocol: "tcp", port_range_min: 90, port_range_max: 80 }), `security_groups[${SG}].rules[0].port_range_max`, /80 is below port_range_min 90/],
    ["rule protocol", rule({ protocol: 300 }), `security_groups[${SG}].rules[0].protocol`, /protocol name or number/],
  ];
  it.each(cases)("%s", (_, doc, path, message) => {
    const e = errorOf(doc);
    expect(e.code).toBe("CLOUD_FILE");
    expect(e.path).toBe(path);
    expect(e.message).toMatch(message);
    expect(e.message.startsWith(path === "" ? "" : `${path}: `)).toBe(true);
  });

  const stepCases: Array<[string, unknown[], string, RegExp]> = [
    ["unknown op", [{ op: "reboot" }], "steps[0].op", /unknown op "reboot" \(known: plug_ports, unplug_ports, l2pop_fdb_add, l2pop_fdb_remove, run, boot/],
    ["no op", [{ ports: [] }], "steps[0].op", /missing: every step has an op/],
    ["step not an object", ["plug"], "steps[0]", /expected a step/],
    ["unknown field names the op", [{ op: "plug_ports", ports: [], host: "h1" }], "steps[0].host", /unknown field of a plug_ports step \(known: op, ports\)/],
    ["missing field", [{ op: "run" }], "steps[0].commands", /missing: a run step needs commands/],
    ["bad value names the op", [{ op: "plug_ports", ports: "p" }], "steps[0].ports", /^steps\[0\]\.ports: plug_ports: expected a list/],
    ["unknown port", [{ op: "plug_ports", ports: ["p9"] }], "steps[0].ports[0]", /plug_ports: no such port "p9"/],
    ["plugged twice", [{ op: "plug_ports", ports: [PORT] }, { op: "plug_ports", ports: [PORT] }], "steps[1].ports[0]", /is already plugged/],
    ["unplug not plugged", [{ op: "unplug_ports", ports: [PORT] }], "steps[0].ports[0]", /is not plugged/],
    ["port listed twice", [{ op: "plug_ports", ports: [PORT, PORT] }], "steps[0].ports[1]", /port .* is listed twice/],
    ["run host", [{ op: "run", host: "h9", commands: [] }], "steps[0].host", /run: no such host "h9"/],
    ["run commands", [{ op: "run", commands: ["ovs-vsctl show", 3] }], "steps[0].commands[1]", /expected a string, got 3/],
    ["fdb unknown network", [{ op: "l2pop_fdb_add", entries: [{ network_id: "n9", remote_ip: "192.0.2.9", flooding_entry: true }] }], "steps[0].entries[0].network_id", /unknown network "n9" \(give network_type and segmentation_id\)/],
    ["fdb unicast without ip", [{ op: "l2pop_fdb_add", entries: [{ network_id: "n1", remote_ip: "192.0.2.9", mac: "fa:16:3e:00:00:09", segmentation_id: 1 }] }], "steps[0].entries[0]", /a non-flooding entry needs mac and ip/],
    ["fdb field", [{ op: "l2pop_fdb_remove", entries: [{ network_id: "n1", remote_ip: "192.0.2.9", port: 1 }] }], "steps[0].entries[0].port", /unknown field of an fdb entry/],
    ["boot without port or network", [{ op: "boot", vm: "a" }], "steps[0].port", /boot needs port .* or network_id/],
    ["boot port and new-port fields", [{ op: "boot", vm: "a", port: PORT, mac: "fa:16:3e:00:00:02" }], "steps[0].mac", /only with network_id/],
    ["boot twice", [{ op: "boot", vm: "a", network_id: "n1" }, { op: "boot", vm: "a", network_id: "n1" }], "steps[1].vm", /VM a is already booted/],
    ["delete unknown VM", [{ op: "delete", vm: "a" }], "steps[0].vm", /no VM "a" \(boot it in an earlier step\)/],
    ["migrate unknown host", [{ op: "boot", vm: "a", network_id: "n1" }, { op: "migrate", vm: "a", host: "h9" }], "steps[1].host", /no such host/],
    ["ping unknown VM", [{ op: "ping", from: "a", to: "10.0.0.1" }], "steps[0].from", /no VM or port "a"/],
    ["ping to nowhere", [{ op: "ping", from: PORT, to: "b" }], "steps[0].to", /no VM or port "b" \(nor an IPv4 address\)/],
    ["ping count", [{ op: "ping", from: PORT, to: PORT, count: 0 }], "steps[0].count", /out of range/],
    ["ping expect", [{ op: "ping", from: PORT, to: PORT, expect: "maybe" }], "steps[0].expect", /expected one of ok, fail/],
    ["advance", [{ op: "advance", seconds: 0 }], "steps[0].seconds", /above 0/],
    ["update nothing", [{ op: "update_port", port: PORT }], "steps[0]", /nothing to update/],
    ["update unknown port", [{ op: "update_port", port: "p9", admin_state_up: false }], "steps[0].port", /no port or VM "p9"/],
    ["unplug a VM's port", [{ op: "boot", vm: "a", port: PORT }, { op: "unplug_ports", ports: [PORT] }], "steps[1].ports[0]", /is VM a's/],
    ["delete_network unknown", [{ op: "delete_network", network_id: "n9" }], "steps[0].network_id", /no such network/],
  ];
  it.each(stepCases)("step: %s", (_, steps, path, message) => {
    const e = errorOf(withSteps(steps));
    expect(e.path).toBe(path);
    expect(e.message).toMatch(message);
  });

  it("any unknown field, anywhere, is refused at its path", () => {
    const places: Array<[string, (d: Record<string, unknown>) => Record<string, unknown>]> = [
      ["", (d) => d],
      ["hosts[0]", (d) => (d["hosts"] as Record<string, unknown>[])[0]!],
      ["hosts[0].agent", (d) => (d["hosts"] as Array<Record<string, Record<string, unknown>>>)[0]!["agent"]!],
      ["networks[0]", (d) => (d["networks"] as Record<string, unknown>[])[0]!],
      ["networks[0].subnet", (d) => (d["networks"] as Array<Record<string, Record<string, unknown>>>)[0]!["subnet"]!],
      ["ports[0]", (d) => (d["ports"] as Record<string, unknown>[])[0]!],
      [`security_groups[${SG}]`, (d) => (d["security_groups"] as Record<string, Record<string, unknown>>)[SG]!],
      [`security_groups[${SG}].rules[1]`, (d) => ((d["security_groups"] as Record<string, Record<string, Record<string, unknown>[]>>)[SG]!["rules"]!)[1]!],
      ["steps[0]", (d) => (d["steps"] as Record<string, unknown>[])[0]!],
      ["steps[1].entries[0]", (d) => ((d["steps"] as Array<Record<string, Record<string, unknown>[]>>)[1]!["entries"]!)[0]!],
      ["steps[2]", (d) => (d["steps"] as Record<string, unknown>[])[2]!],
    ];
    const known = new Set(["format", "description", "seed", "l2pop", "hosts", "networks", "security_groups", "ports", "steps", "name", "agent", "underlay", "id", "network_type", "segmentation_id", "physical_network", "mtu", "subnet", "cidr", "host", "network_id", "mac", "fixed_ips", "device_owner", "port_security_enabled", "allowed_address_pairs", "admin_state_up", "rules", "direction", "ethertype", "protocol", "port_range_min", "port_range_max", "remote_ip_prefix", "remote_group_id", "source_ip_prefix", "dest_ip_prefix", "op", "ports", "entries", "commands", "remote_ip", "ip", "flooding_entry", "local_ip", "tunnel_types", "l2_population", "arp_responder", "bridge_mappings", "firewall_driver", "enable_security_group", "explicitly_egress_direct", "integration_bridge", "tunnel_bridge", "int_peer_patch_port", "tun_peer_patch_port", "vxlan_udp_port", "enable_distributed_routing", "vm", "port", "seconds", "from", "to", "count", "expect"]);
    fc.assert(
      fc.property(fc.constantFrom(...places), fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !known.has(s) && s !== "__proto__"), ([path, at], field) => {
        const doc = example();
        at(doc)[field] = 1;
        const e = errorOf(doc);
        expect(e.path).toBe(path === "" ? field : `${path}.${field}`);
        expect(e.message).toMatch(/unknown field of /);
      }),
      { numRuns: propertyRuns(200) },
    );
  });
});

describe("address checks", () => {
  it("IPv6 addresses and prefixes", () => {
    for (const ok of ["::", "::1", "fe80::f816:3eff:fe3f:19d0", "2001:db8:0:0:0:0:0:1", "::ffff:10.0.0.1", "2001:db8::"]) expect(isIpv6(ok), ok).toBe(true);
    for (const bad of [":", ":1", "1:2:3:4:5:6:7:8:9", "2001:db8:::1", "g::1", "1::2::3", "::ffff:10.0.0.300"]) expect(isIpv6(bad), bad).toBe(false);
    expect(prefixVersion("2001:db8::/32")).toBe(6);
    expect(prefixVersion("2001:db8::/129")).toBeNull();
    expect(prefixVersion("10.0.0.0/8")).toBe(4);
    expect(prefixVersion("10.0.0.0/33")).toBeNull();
    expect(prefixVersion("10.0.0.01")).toBeNull();
  });
});
