/**
 * The fake Neutron server (src/cloud/server.ts, security-group-info.ts):
 * its PluginRpc answers as the oracle's fake server gives them, port status
 * as ML2 moves it, and the casts it queues for the agents.
 */
import { describe, expect, it } from "vitest";
import type { AgentRpcHandlers } from "../../src/agent/rpc.js";
import { parseCloudFile } from "../../src/cloud/cloud-file.js";
import type { CloudSpec } from "../../src/cloud/cloud-types.js";
import { NeutronServer } from "../../src/cloud/server.js";

const A = "10000000-0000-4000-8000-00000000000a";
const B = "10000000-0000-4000-8000-00000000000b";
const C = "10000000-0000-4000-8000-00000000000c";
const D = "10000000-0000-4000-8000-00000000000d";

function spec(overrides: Record<string, unknown> = {}): CloudSpec {
  return parseCloudFile({
    hosts: [
      { name: "h1", agent: { local_ip: "192.0.2.1", tunnel_types: ["vxlan"], l2_population: true } },
      { name: "h2", agent: { local_ip: "192.0.2.2", tunnel_types: ["vxlan", "gre"], l2_population: true } },
      { name: "h3", agent: { local_ip: "192.0.2.3", tunnel_types: ["gre"] } },
      { name: "h4", agent: { bridge_mappings: { physnet1: "br-phys" } } },
    ],
    networks: [
      { id: "blue", network_type: "vxlan", segmentation_id: 1001, mtu: 1450, subnet: { id: "sub-blue", cidr: "10.1.0.0/24" } },
      { id: "red", network_type: "vlan", segmentation_id: 301, physical_network: "physnet1" },
    ],
    security_groups: {
      web: {
        rules: [
          { direction: "ingress", protocol: "tcp", port_range_min: 80, port_range_max: 80, remote_ip_prefix: "10.0.0.0/8" },
          { direction: "egress", ethertype: "IPv6", remote_ip_prefix: "::/0" },
          { direction: "ingress", remote_group_id: "db" },
          { direction: "ingress", source_ip_prefix: "192.0.2.0/24" },
        ],
      },
      db: { rules: [] },
    },
    ports: [
      { id: A, host: "h1", network_id: "blue", mac: "fa:16:3e:00:00:0a", fixed_ips: ["10.1.0.10"], security_groups: ["web"], allowed_address_pairs: [{ ip_address: "10.1.0.100" }] },
      { id: B, host: "h2", network_id: "blue", mac: "fa:16:3e:00:00:0b", fixed_ips: ["10.1.0.11", "2001:db8::b"], security_groups: ["db"], allowed_address_pairs: [{ ip_address: "10.1.0.99", mac_address: "fa:16:3e:99:99:99" }, { ip_address: "10.1.0.2" }] },
      { id: C, host: "h3", network_id: "blue", mac: "fa:16:3e:00:00:0c", fixed_ips: ["10.1.0.12"], security_groups: ["db"], admin_state_up: false },
      { id: D, host: "h4", network_id: "red", mac: "fa:16:3e:00:00:0d", device_owner: "network:dhcp", port_security_enabled: false },
    ],
    ...overrides,
  });
}

/** An agent that records the casts it hears. */
function recorder(): AgentRpcHandlers & { calls: string[] } {
  const calls: string[] = [];
  const r = (name: string) => (...args: unknown[]) => void calls.push(`${name} ${JSON.stringify(args)}`);
  return {
    calls,
    portUpdate: r("port_update"),
    portDelete: r("port_delete"),
    networkUpdate: r("network_update"),
    networkDelete: r("network_delete"),
    tunnelUpdate: r("tunnel_update"),
    tunnelDelete: r("tunnel_delete"),
    addFdbEntries: r("add_fdb_entries"),
    removeFdbEntries: r("remove_fdb_entries"),
    updateFdbEntries: r("update_fdb_entries"),
  };
}

function serverWithAgents(s = spec(), l2pop: "auto" | "manual" = "auto") {
  const server = new NeutronServer(s, { l2pop });
  const agents = new Map(s.hosts.map((h) => [h.name, recorder()]));
  for (const [h, a] of agents) server.attachAgent(h, a);
  return { server, agents };
}

describe("device details", () => {
  it("answers for ports bound to the asking host, with the file's defaults", () => {
    const server = new NeutronServer(spec());
    server.bindPort(A, "h1", false);
    const r = server.getDevicesDetailsListAndFailedDevices([A], "agent", "h1");
    expect(r.failedDevices).toEqual([]);
    expect(r.devices).toEqual([
      {
        device: A,
        portId: A,
        networkId: "blue",
        macAddress: "fa:16:3e:00:00:0a",
        adminStateUp: true,
        networkType: "vxlan",
        segmentationId: 1001,
        physicalNetwork: null,
        mtu: 1450,
        fixedIps: [{ subnetId: "sub-blue", ipAddress: "10.1.0.10" }],
        deviceOwner: "compute:nova",
        allowedAddressPairs: [{ ipAddress: "10.1.0.100", macAddress: "fa:16:3e:00:00:0a" }],
        portSecurityEnabled: true,
        securityGroups: ["web"],
      },
    ]);
  });

  it("mtu 1500 and subnet-of-NET when the file leaves them out; owner and port security as given", () => {
    const server = new NeutronServer(spec());
    server.bindPort(D, "h4", false);
    const [d] = server.getDevicesDetailsListAndFailedDevices([D], "agent", "h4").devices;
    expect(d).toMatchObject({ mtu: 1500, networkType: "vlan", segmentationId: 301, physicalNetwork: "physnet1", deviceOwner: "network:dhcp", portSecurityEnabled: false, fixedIps: [] });
  });

  it("a port unknown, or bound to another host, is a failed device", () => {
    const server = new NeutronServer(spec());
    server.bindPort(A, "h1", false);
    expect(server.getDevicesDetailsListAndFailedDevices([A, B, "nope"], "agent", "h2")).toEqual({ devices: [], failedDevices: [A, B, "nope"] });
  });

  it("moves the port BUILD (DOWN when admin down), ACTIVE on the up report, DOWN on the down report", () => {
    const server = new NeutronServer(spec());
    server.bindPort(A, "h1", false);
    server.bindPort(C, "h3", false);
    expect(server.status(A)).toBe("DOWN");
    server.getDevicesDetailsListAndFailedDevices([A, C], "agent", "h1");
    expect(server.status(A)).toBe("BUILD");
    server.getDevicesDetailsListAndFailedDevices([C], "agent", "h3");
    expect(server.status(C)).toBe("DOWN");
    const r = server.updateDeviceList([A], [C], "agent", "h1", false);
    expect(r).toEqual({ devicesUp: [A], devicesDown: [C], failedDevicesUp: [], failedDevicesDown: [] });
    expect(server.status(A)).toBe("ACTIVE");
    expect(server.reports).toEqual([{ host: "h1", up: [A], down: [C], refreshTunnels: false }]);
    expect(server.reported(A, 0, true)).toBe(true);
    expect(server.reported(A, 0, false)).toBe(false);
    expect(server.reported(C, 0, false)).toBe(true);
    expect(server.reported(A, 1, true)).toBe(false);
    server.updateDeviceList([], [A], "agent", "h1", false);
    expect(server.status(A)).toBe("DOWN");
  });
});

describe("security_group_info_for_devices", () => {
  it("rules in the RPC form, and every remote group (only those, as real Neutron) with its members on any host, plugged or not", () => {
    const server = new NeutronServer(spec());
    server.bindPort(A, "h1", false);
    const info = server.securityGroupInfoForDevices([A, B]);
    expect(Object.keys(info.devices)).toEqual([A]); // B is not bound
    expect(info.securityGroups["web"]).toEqual([
      { securityGroupId: "web", direction: "ingress", ethertype: "IPv4", protocol: "tcp", portRangeMin: 80, portRangeMax: 80, sourceIpPrefix: "10.0.0.0/8", destIpPrefix: null, remoteGroupId: null },
      { securityGroupId: "web", direction: "egress", ethertype: "IPv6", protocol: null, portRangeMin: null, portRangeMax: null, sourceIpPrefix: null, destIpPrefix: "::/0", remoteGroupId: null },
      { securityGroupId: "web", direction: "ingress", ethertype: "IPv4", protocol: null, portRangeMin: null, portRangeMax: null, sourceIpPrefix: null, destIpPrefix: null, remoteGroupId: "db" },
      { securityGroupId: "web", direction: "ingress", ethertype: "IPv4", protocol: null, portRangeMin: null, portRangeMax: null, sourceIpPrefix: "192.0.2.0/24", destIpPrefix: null, remoteGroupId: null },
    ]);
    expect(Object.keys(info.securityGroups)).toEqual(["web"]);
    expect(info.sgMemberIps).toEqual({
      // B (h2) and C (h3, admin down, never plugged): fixed IPs with Neutron's None MAC (""), pairs with theirs or the port's;
      // sorted as the oracle sorts them, by Python's str() of the tuple: "('10.1.0.11', 'fa:..')" before "('10.1.0.11', None)".
      db: {
        IPv4: [
          ["10.1.0.11", ""],
          ["10.1.0.12", ""],
          ["10.1.0.2", "fa:16:3e:00:00:0b"],
          ["10.1.0.99", "fa:16:3e:99:99:99"],
        ],
        IPv6: [["2001:db8::b", ""]],
      },
    });
  });
});

describe("tunnel_sync", () => {
  it("returns every host of that tunnel type (the caller too), in file order, and casts tunnel_update to tunnelling agents", () => {
    const { server, agents } = serverWithAgents();
    expect(server.tunnelSync("192.0.2.2", "gre", "h2")).toEqual({
      tunnels: [
        { ipAddress: "192.0.2.2", host: "h2" },
        { ipAddress: "192.0.2.3", host: "h3" },
      ],
    });
    expect(server.tunnelSync("192.0.2.1", "vxlan", "h1").tunnels.map((t) => t.host)).toEqual(["h1", "h2"]);
    expect(agents.get("h1")?.calls).toEqual([]); // queued, not delivered from inside the agent's call
    expect(server.deliver()).toBe(6);
    expect(agents.get("h1")?.calls).toEqual(['tunnel_update ["192.0.2.2","gre"]', 'tunnel_update ["192.0.2.1","vxlan"]']);
    expect(agents.get("h4")?.calls).toEqual([]); // no tunnels: not listening
  });
});

describe("API operations and their casts", () => {
  it("port_update to every agent on an update, a binding (when asked) and an unbinding", () => {
    const { server, agents } = serverWithAgents();
    server.bindPort(A, "h1", false);
    server.deliver();
    expect(agents.get("h1")?.calls).toEqual([]);
    server.updatePort(A, { adminStateUp: false });
    expect(server.port(A)?.adminStateUp).toBe(false);
    server.bindPort(A, "h2", true);
    server.unbindPort(A);
    server.deliver();
    const update = (admin: boolean) => `port_update [{"id":"${A}","networkId":"blue","adminStateUp":${admin},"macAddress":"fa:16:3e:00:00:0a"}]`;
    for (const h of ["h1", "h2", "h3", "h4"]) expect(agents.get(h)?.calls).toEqual([update(false), update(false), update(false)]);
    expect(server.bindingHost(A)).toBeNull();
  });

  it("deletes a port (port_delete to all) and a network only once no port uses it (NetworkInUse, Neutron's words)", () => {
    const { server, agents } = serverWithAgents();
    expect(() => server.deleteNetwork("red")).toThrow(/Unable to complete operation on network red\. There are one or more ports still in use on the network\./);
    server.deletePort(D);
    server.deleteNetwork("red");
    server.deliver();
    expect(agents.get("h3")?.calls).toEqual([`port_delete ["${D}"]`, 'network_delete ["red"]']);
    expect(server.network("red")).toBeUndefined();
    expect(() => server.deletePort(D)).toThrow(/could not be found/);
  });

  it("with l2pop manual, the server never sends fdb messages", () => {
    const { server, agents } = serverWithAgents(spec(), "manual");
    server.bindPort(A, "h1", false);
    server.bindPort(B, "h2", false);
    server.updateDeviceList([A], [], "a", "h1", true);
    server.updateDeviceList([B], [], "a", "h2", true);
    server.updateDeviceList([], [A], "a", "h1", false);
    server.deletePort(B);
    server.deliver();
    for (const a of agents.values()) expect(a.calls.filter((c) => c.includes("fdb"))).toEqual([]);
  });
});
