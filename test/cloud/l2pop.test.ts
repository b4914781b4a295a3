/**
 * l2population (src/cloud/l2pop.ts, fdb-wire.ts) against Neutron's rules
 * (plugins/ml2/drivers/l2pop/mech_driver.py), then through the cloud:
 * a multi-host file with `l2pop: auto`, seen from one host, gives that host
 * the fdb messages that the equivalent manual file (a fixtures/cloud golden)
 * writes as explicit l2pop_fdb_* steps — and, with the ported agent, the
 * same switch output as the golden.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { FdbEntries } from "../../src/agent/rpc.js";
import { ovsAgentFactory } from "../../src/cloud/agent-factory.js";
import { parseCloudFile } from "../../src/cloud/cloud-file.js";
import type { CloudNetwork, CloudSpec, CloudStep } from "../../src/cloud/cloud-types.js";
import { createCloud } from "../../src/cloud/cloud.js";
import { fdbWireFormat, flattenFdb, withoutIp } from "../../src/cloud/fdb-wire.js";
import type { L2popPort, L2popView } from "../../src/cloud/l2pop.js";
import { portDownMessages, portUpMessages } from "../../src/cloud/l2pop.js";
import { cloudBlocks } from "./golden-normalise.js";
import { stubFactory } from "./stub-agent.js";

const FLOOD = ["00:00:00:00:00:00", "0.0.0.0"] as const;
const blue: CloudNetwork = { id: "blue", name: "blue", networkType: "vxlan", segmentationId: 1001, physicalNetwork: null, mtu: 1450, subnet: { id: "s", cidr: "10.1.0.0/24" } };
const red: CloudNetwork = { id: "red", name: "red", networkType: "vlan", segmentationId: 301, physicalNetwork: "physnet1", mtu: 1500, subnet: { id: "s2", cidr: null } };

function port(id: string, mac: string, ...ips: string[]): L2popPort {
  return { id, networkId: "blue", mac, fixedIps: ips, deviceOwner: "compute:nova" };
}

/** A view with hosts h1..h3 (h3 without vxlan) and the given ACTIVE ports. */
function view(active: Array<[L2popPort, string]>): L2popView {
  const agents: Record<string, { ip: string | null; tunnelTypes: string[] }> = {
    h1: { ip: "192.0.2.1", tunnelTypes: ["vxlan"] },
    h2: { ip: "192.0.2.2", tunnelTypes: ["vxlan"] },
    h3: { ip: "192.0.2.3", tunnelTypes: ["gre"] },
    h4: { ip: null, tunnelTypes: ["vxlan"] },
  };
  return {
    agent: (h) => agents[h],
    network: (id) => (id === "blue" ? blue : id === "red" ? red : undefined),
    activePorts: (net) => active.filter(([p]) => p.networkId === net).map(([p, host]) => ({ port: p, host })),
  };
}

const a1 = port("a1", "fa:16:3e:00:01:01", "10.1.0.11");
const a2 = port("a2", "fa:16:3e:00:01:02", "10.1.0.12");
const a3 = port("a3", "fa:16:3e:00:01:03", "10.1.0.13");
const b1 = port("b1", "fa:16:3e:00:02:01", "10.1.0.21", "10.1.0.22");
const b2 = port("b2", "fa:16:3e:00:02:02", "10.1.0.23");

const net = (ports: Record<string, ReadonlyArray<readonly [string, string]>>): FdbEntries => ({ blue: { networkType: "vxlan", segmentationId: 1001, ports } });

describe("update_port_up", () => {
  it("the first port of a host: the host gets the network's full FDB, everyone the host's flooding entry and the port", () => {
    const msgs = portUpMessages(view([[b1, "h2"], [b2, "h2"], [a1, "h1"]]), a1, "h1", false);
    expect(msgs).toEqual([
      {
        method: "add_fdb_entries",
        host: "h1",
        entries: net({ "192.0.2.2": [FLOOD, ["fa:16:3e:00:02:01", "10.1.0.21"], ["fa:16:3e:00:02:01", "10.1.0.22"], ["fa:16:3e:00:02:02", "10.1.0.23"]] }),
      },
      { method: "add_fdb_entries", host: null, entries: net({ "192.0.2.1": [FLOOD, ["fa:16:3e:00:01:01", "10.1.0.11"]] }) },
    ]);
  });

  it("no other host active: no full FDB (it would be empty), only the fanout", () => {
    expect(portUpMessages(view([[a1, "h1"]]), a1, "h1", false)).toEqual([{ method: "add_fdb_entries", host: null, entries: net({ "192.0.2.1": [FLOOD, ["fa:16:3e:00:01:01", "10.1.0.11"]] }) }]);
  });

  it("the second port counts as first too (agent_active_ports in (1, 2)); the third does not, unless the agent refreshes its tunnels", () => {
    const v2 = view([[b1, "h2"], [a1, "h1"], [a2, "h1"]]);
    expect(portUpMessages(v2, a2, "h1", false).map((m) => m.host)).toEqual(["h1", null]);
    const v3 = view([[b1, "h2"], [a1, "h1"], [a2, "h1"], [a3, "h1"]]);
    expect(portUpMessages(v3, a3, "h1", false)).toEqual([{ method: "add_fdb_entries", host: null, entries: net({ "192.0.2.1": [["fa:16:3e:00:01:03", "10.1.0.13"]] }) }]);
    const refresh = portUpMessages(v3, a3, "h1", true);
    expect(refresh.map((m) => m.host)).toEqual(["h1", null]);
    expect(refresh[1]?.entries).toEqual(net({ "192.0.2.1": [FLOOD, ["fa:16:3e:00:01:03", "10.1.0.13"]] }));
  });

  it("nothing for a network type the host's agent does not tunnel, for a provider network, or an agent without a tunnel IP", () => {
    expect(portUpMessages(view([[a1, "h3"]]), a1, "h3", false)).toEqual([]);
    expect(portUpMessages(view([]), { ...a1, networkId: "red" }, "h1", false)).toEqual([]);
    expect(portUpMessages(view([[a1, "h4"]]), a1, "h4", false)).toEqual([]);
  });

  it("the full FDB skips hosts without a tunnel IP and lists hosts in port order", () => {
    const msgs = portUpMessages(view([[b1, "h2"], [a2, "h4"], [b2, "h3"], [a1, "h1"]]), a1, "h1", false);
    expect(Object.keys(msgs[0]?.entries["blue"]?.ports ?? {})).toEqual(["192.0.2.2", "192.0.2.3"]);
  });
});

describe("update_port_down / delete_port", () => {
  it("the host's last port: its flooding entry goes too; otherwise only the port's entries", () => {
    expect(portDownMessages(view([[b1, "h2"]]), a1, "h1")).toEqual([{ method: "remove_fdb_entries", host: null, entries: net({ "192.0.2.1": [FLOOD, ["fa:16:3e:00:01:01", "10.1.0.11"]] }) }]);
    expect(portDownMessages(view([[a2, "h1"]]), a1, "h1")).toEqual([{ method: "remove_fdb_entries", host: null, entries: net({ "192.0.2.1": [["fa:16:3e:00:01:01", "10.1.0.11"]] }) }]);
    expect(portDownMessages(view([]), a1, "h3")).toEqual([]);
  });
});

describe("the wire format", () => {
  it("groups flat entries by network and remote IP in file order; the network's type and segment from its first entry", () => {
    const e = (remoteIp: string, mac: string, ip: string, seg = 1001) => ({ networkId: "blue", remoteIp, networkType: "vxlan", segmentationId: seg, mac, ip, floodingEntry: mac === FLOOD[0] });
    const flat = [e("192.0.2.3", FLOOD[0], FLOOD[1]), e("192.0.2.2", "fa:16:3e:00:00:02", "10.1.0.2", 7), e("192.0.2.3", "fa:16:3e:00:00:03", "10.1.0.3")];
    const wire = fdbWireFormat(flat);
    expect(wire).toEqual(net({ "192.0.2.3": [FLOOD, ["fa:16:3e:00:00:03", "10.1.0.3"]], "192.0.2.2": [["fa:16:3e:00:00:02", "10.1.0.2"]] }));
    expect(Object.keys(wire["blue"]?.ports ?? {})).toEqual(["192.0.2.3", "192.0.2.2"]);
    expect(flattenFdb(wire).map((x) => x.mac)).toEqual([FLOOD[0], "fa:16:3e:00:00:03", "fa:16:3e:00:00:02"]);
    expect(withoutIp(wire, "192.0.2.3")).toEqual(net({ "192.0.2.2": [["fa:16:3e:00:00:02", "10.1.0.2"]] }));
    expect(withoutIp(net({ "192.0.2.3": [FLOOD] }), "192.0.2.3")).toEqual({});
  });
});

// ---- through the cloud: auto (all hosts simulated) against manual (the golden's explicit steps)

interface Equivalent {
  readonly golden: string;
  /** The auto file's steps: the other hosts' ports plugged/unplugged where the manual file has l2pop steps. */
  readonly steps: (spec: CloudSpec) => CloudStep[];
}

const portsOf = (s: CloudSpec, host: string): string[] => s.ports.filter((p) => p.host === host).map((p) => p.id);

const EQUIVALENTS: readonly Equivalent[] = [
  {
    // manual: plug compute-1's two ports, then one l2pop_fdb_add with compute-2's and compute-3's port
    golden: "vxlan-l2pop",
    steps: (s) => [
      { op: "plug_ports", index: 0, ports: portsOf(s, "compute-2") },
      { op: "plug_ports", index: 1, ports: portsOf(s, "compute-3") },
      { op: "plug_ports", index: 2, ports: portsOf(s, "compute-1") },
      s.steps.at(-1)!, // the run step
    ],
  },
  {
    // manual: plug compute-1's port; add compute-2 (two ports) and compute-3; remove one compute-2 port, then compute-3, then compute-2
    golden: "l2pop-add-remove",
    steps: (s) => {
      const [c2a = "", c2b = ""] = portsOf(s, "compute-2");
      const runs = s.steps.filter((x) => x.op === "run");
      return [
        { op: "plug_ports", index: 0, ports: [c2a, c2b] },
        { op: "plug_ports", index: 1, ports: portsOf(s, "compute-3") },
        { op: "plug_ports", index: 2, ports: portsOf(s, "compute-1") },
        runs[0]!,
        { op: "unplug_ports", index: 4, ports: [c2b] },
        runs[1]!,
        { op: "unplug_ports", index: 6, ports: portsOf(s, "compute-3") },
        runs[2]!,
        { op: "unplug_ports", index: 8, ports: [c2a] },
        runs[3]!,
      ];
    },
  },
];


describe("l2pop auto, seen from one host, equals the manual file's explicit l2pop steps", () => {
  for (const eq of EQUIVALENTS) {
    const text = readFileSync(new URL(`../../fixtures/cloud/${eq.golden}.json`, import.meta.url), "utf8");
    const manual = parseCloudFile(text);
    const auto: CloudSpec = { ...manual, l2pop: "auto", steps: eq.steps(manual) };
    const host = manual.hosts[0]!.name;
    const localIp = manual.hosts[0]!.agent.localIp;

    it(`${eq.golden}: the fdb messages ${host} gets once its first port is up (its own IP dropped, as its agent drops it)`, () => {
      const want = manual.steps.flatMap((st) => (st.op === "l2pop_fdb_add" || st.op === "l2pop_fdb_remove" ? [{ method: st.op === "l2pop_fdb_add" ? "add_fdb_entries" : "remove_fdb_entries", entries: fdbWireFormat(st.entries) }] : []));
      const { factory } = stubFactory();
      const cloud = createCloud(auto, { agent: factory });
      let from = -1;
      for (const st of auto.steps) {
        if (from < 0 && st.op === "plug_ports" && st.ports.some((p) => auto.ports.find((x) => x.id === p)?.host === host)) from = cloud.server.delivered.length;
        if (st.op !== "run") expect(cloud.step(st)).toBe(true); // the stub makes no br-tun to dump
      }
      const got = cloud.server.delivered
        .slice(from)
        .filter((d) => d.host === host && (d.cast.method === "add_fdb_entries" || d.cast.method === "remove_fdb_entries"))
        .map((d) => ({ method: d.cast.method, entries: withoutIp((d.cast as { entries: FdbEntries }).entries, localIp) }))
        .filter((m) => Object.keys(m.entries).length > 0);
      // Neutron sends a host's full FDB for each of its first two ports: the same message twice.
      const distinct = got.filter((m, i) => got.findIndex((x) => JSON.stringify(x) === JSON.stringify(m)) === i);
      expect(distinct).toEqual(want);
    });

    it(`${eq.golden}: with the ported agent, ${host}'s commands print what the golden (manual) prints`, () => {
      const cloud = createCloud(auto, { agent: ovsAgentFactory });
      expect(cloud.run().ok).toBe(true);
      const got = cloudBlocks(cloud.stdout.join("\n"), host);
      const want = cloudBlocks(readFileSync(new URL(`../../fixtures/cloud/${eq.golden}.out`, import.meta.url), "utf8"));
      expect(got).toEqual(want);
    });
  }
});
