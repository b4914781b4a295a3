/**
 * A snapshot of one host's Neutron OVS agent (issue 14): the whole
 * OVSNeutronAgent — rpc_loop's locals kept between iterations (registered
 * ports, sync flags, failed devices and their retries, the ofport map of
 * the last scan, iteration numbers, the heartbeat's next time), the shared
 * state record (bridges with their cookies, patch and tunnel ofports, the
 * local VLAN manager and pool with CPython's set layout, pending
 * port_update / port_delete notifications), network_ports, the device
 * details, the reports made, and the firewall driver's state (the
 * openvswitch driver's port map, security groups, conjunction ids, flow
 * state) — as an object graph (snapshot-codec.ts).
 *
 * What the agent holds but does not own is not in the snapshot, and is
 * given back on load: the host's Switch (its own snapshot,
 * src/vswitchd/snapshot.ts), the RPC plugin (the server), the random source
 * of cookies (the host's seeded stream, whose position the cloud saves).
 *
 * `AGENT_CLASSES` is the list of the agent's classes whose state is their
 * fields; the agent class itself adds itself (ovs-agent.ts), so that this
 * module does not import it. A class missing from the list makes the save
 * fail with a SnapshotError naming it: add the class here.
 */
import { SNAPSHOT_VERSION, SnapshotError } from "../vswitchd/snapshot.js";
import { IntegrationBridge } from "./br-int.js";
import { PhysicalBridge } from "./br-phys.js";
import { TunnelBridge } from "./br-tun.js";
import { NetworkPorts } from "./device-processing.js";
import { NoopFirewallDriver } from "./firewall-driver.js";
import { ConjIdMap } from "./firewall/conj-id-map.js";
import { ConjIpFlowManager } from "./firewall/conj-ip-flows.js";
import { OvsFirewallDriver } from "./firewall/driver.js";
import { OvsFirewall } from "./firewall/firewall.js";
import { FirewallBridge } from "./firewall/flow-writer.js";
import { OFPort, SecurityGroup, SGPortMap } from "./firewall/sg-port-map.js";
import { PySet } from "./py-set.js";
import type { GraphClass, GraphDocument } from "./snapshot-codec.js";
import { decodeGraph, encodeGraph } from "./snapshot-codec.js";
import { LocalVlanManager, LocalVlanMapping, LocalVlanPool } from "./vlan-manager.js";

/** The agent's classes whose state is their fields (see the file comment). */
export const AGENT_CLASSES: readonly GraphClass[] = [
  IntegrationBridge,
  TunnelBridge,
  PhysicalBridge,
  LocalVlanManager,
  LocalVlanMapping,
  LocalVlanPool,
  PySet,
  NetworkPorts,
  NoopFirewallDriver,
  OvsFirewallDriver,
  OvsFirewall,
  FirewallBridge,
  SGPortMap,
  SecurityGroup,
  OFPort,
  ConjIdMap,
  ConjIpFlowManager,
];

/** A saved agent: plain JSON data. */
export interface AgentSnapshot {
  readonly format: "ovsim-agent";
  readonly version: number;
  readonly graph: GraphDocument;
}

/** What an agent's graph references by name: the names the save and the load agree on. */
export type AgentExternal = "switch" | "plugin" | "random" | "reportDevices";

/** `agent`'s graph as an AgentSnapshot; `externals` names what it does not own. Throws SnapshotError. */
export function encodeAgent(agent: object, classes: readonly GraphClass[], externals: ReadonlyMap<unknown, AgentExternal>, host: string): AgentSnapshot {
  return { format: "ovsim-agent", version: SNAPSHOT_VERSION, graph: encodeGraph(agent, { classes, externals, what: `the agent of ${host}` }) };
}

/** The agent graph of `snapshot` (checked), with the externals given back. Throws SnapshotError with the JSON path under `at`. */
export function decodeAgent(snapshot: unknown, classes: readonly GraphClass[], externals: Readonly<Record<AgentExternal, unknown>>, at: string): unknown {
  if (typeof snapshot !== "object" || snapshot === null || !("format" in snapshot) || snapshot.format !== "ovsim-agent") {
    throw new SnapshotError('expected an agent snapshot (format "ovsim-agent")', at);
  }
  if (!("version" in snapshot) || snapshot.version !== SNAPSHOT_VERSION) {
    throw new SnapshotError(`agent snapshot version ${"version" in snapshot ? JSON.stringify(snapshot.version) : "missing"}: this ovsim reads version ${SNAPSHOT_VERSION}`, `${at}.version`);
  }
  return decodeGraph("graph" in snapshot ? snapshot.graph : undefined, { classes, externals, at: `${at}.graph` });
}
