/**
 * Neutron's l2population mechanism driver (plugins/ml2/drivers/l2pop:
 * mech_driver.py, db.py, rpc.py) as pure functions: given the server's view
 * of ports and agents, what fdb messages a port event sends, to whom.
 *
 * Rules (Neutron 21 / Zed):
 * - Only ports whose network type is one of the tunnel types of the agent
 *   on the port's host count (`_validate_segment`); an agent counts only
 *   with a tunnel IP (`get_agent_by_host`: `tunneling_ip`, the agent's
 *   local_ip).
 * - Port up (`update_port_up`, on every device-up report): with
 *   `agent_active_ports` the ACTIVE ports of that network on that host
 *   (the new one included), when it is 1 or 2 (`is_first_port`: the
 *   host's first port, two allowing for a concurrent one) or the agent asked
 *   to refresh its tunnels (`refresh_tunnels`: its first loop iteration
 *   after a start, or a network without tunnels yet — what replaced
 *   agent_boot_time), the host gets the network's full FDB, addressed to
 *   it alone (`_create_agent_fdb`: every other host with an active port
 *   there, by tunnel IP in port order: the flooding entry, then each of its
 *   ports' [mac, ip] per fixed IP), if there is anything in it; and the
 *   others get the flooding entry of the new host. Then, always, a fanout
 *   to every l2pop agent: the host's tunnel IP with [the flooding entry
 *   if it was first] + the port's [mac, ip] per fixed IP.
 * - Port down (a status change to DOWN, `update_port_postcommit`) and port
 *   delete (`delete_port_postcommit`): a fanout removing the port's
 *   entries, plus the host's flooding entry when no ACTIVE port of that
 *   network is left there (`_get_agent_fdb`).
 * - A fanout reaches every agent with l2_population, the port's own host
 *   included (an agent drops entries of its own IP); a message addressed to
 *   a host reaches its agent if it has l2_population.
 * Not modelled: DVR and HA router ports, update_fdb_entries on fixed-IP
 * changes, the second update_port_up Neutron may send when provisioning
 * completes (the same entries again).
 */
import type { FdbEntries } from "../agent/rpc.js";
import type { CloudNetwork } from "./cloud-types.js";
import { FLOODING_IP, FLOODING_MAC } from "./cloud-types.js";

/** A port as l2pop sees it. */
export interface L2popPort {
  readonly id: string;
  readonly networkId: string;
  readonly mac: string;
  readonly fixedIps: readonly string[];
  readonly deviceOwner: string;
}

/** An agent as l2pop sees it (its reported configuration). */
export interface L2popAgent {
  /** `tunneling_ip` (local_ip); null: l2pop ignores the agent. */
  readonly ip: string | null;
  readonly tunnelTypes: readonly string[];
}

/** What the driver reads of the server's database. */
export interface L2popView {
  agent(host: string): L2popAgent | undefined;
  network(id: string): CloudNetwork | undefined;
  /** The ACTIVE ports of a network with their binding hosts, in the database's order. */
  activePorts(networkId: string): readonly { readonly port: L2popPort; readonly host: string }[];
}

/** One message: `host` null is a fanout. */
export interface FdbMessage {
  readonly method: "add_fdb_entries" | "remove_fdb_entries";
  readonly entries: FdbEntries;
  readonly host: string | null;
}

const FLOODING_ENTRY: readonly [string, string] = [FLOODING_MAC, FLOODING_IP];
const DVR_INTERFACE = "network:router_interface_distributed";

/** By remote tunnel IP, its [mac, ip] entries (a Map: the IPs come from the agents' configuration). */
type MutablePorts = Map<string, (readonly [string, string])[]>;

function portEntries(port: L2popPort): (readonly [string, string])[] {
  return port.fixedIps.map((ip) => [port.mac, ip] as const);
}

/** The agent and segment when l2pop handles `port` on `host` (`get_agent_by_host` + `_validate_segment`), else null. */
function validate(view: L2popView, port: L2popPort, host: string): { agentIp: string; network: CloudNetwork; segmentationId: number } | null {
  const agent = view.agent(host);
  const network = view.network(port.networkId);
  if (agent === undefined || agent.ip === null || network === undefined || network.segmentationId === null) return null;
  if (!agent.tunnelTypes.includes(network.networkType)) return null;
  return { agentIp: agent.ip, network, segmentationId: network.segmentationId };
}

function activeCount(view: L2popView, networkId: string, host: string): number {
  return view.activePorts(networkId).filter((a) => a.host === host && a.port.deviceOwner !== DVR_INTERFACE).length;
}

/** `_create_agent_fdb`: the network's FDB as `host` should have it (every other host's flooding entry and ports), by tunnel IP. */
function agentFdb(view: L2popView, network: CloudNetwork, host: string): MutablePorts {
  const active = view.activePorts(network.id).filter((a) => a.port.deviceOwner !== DVR_INTERFACE);
  const withIp = active.flatMap((a) => {
    const ip = view.agent(a.host)?.ip ?? null;
    return ip === null ? [] : [{ ...a, ip }];
  });
  const ports: MutablePorts = new Map();
  for (const a of withIp) if (a.host !== host && !ports.has(a.ip)) ports.set(a.ip, [FLOODING_ENTRY]);
  // Each IP's ports in port order (one pass: the same order as IP by IP).
  for (const a of withIp) ports.get(a.ip)?.push(...portEntries(a.port));
  return ports;
}

/** `update_port_up`: what a device-up report of `port` (now ACTIVE) on `host` sends. */
export function portUpMessages(view: L2popView, port: L2popPort, host: string, refreshTunnels: boolean): FdbMessage[] {
  const v = validate(view, port, host);
  if (v === null) return [];
  const out: FdbMessage[] = [];
  const mine: (readonly [string, string])[] = [];
  const count = activeCount(view, port.networkId, host);
  if (count === 1 || count === 2 || refreshTunnels) {
    const full = agentFdb(view, v.network, host);
    mine.push(FLOODING_ENTRY);
    if (full.size > 0) {
      const entries = { [v.network.id]: { networkType: v.network.networkType, segmentationId: v.segmentationId, ports: Object.fromEntries(full) } };
      out.push({ method: "add_fdb_entries", entries, host });
    }
  }
  if (port.deviceOwner !== DVR_INTERFACE) mine.push(...portEntries(port));
  out.push({ method: "add_fdb_entries", entries: { [v.network.id]: { networkType: v.network.networkType, segmentationId: v.segmentationId, ports: { [v.agentIp]: mine } } }, host: null });
  return out;
}

/**
 * `_get_agent_fdb` + remove_fdb_entries: what `port` leaving `host` sends
 * (a status change to DOWN, or the port's deletion). Call it once the port
 * no longer counts as ACTIVE there.
 */
export function portDownMessages(view: L2popView, port: L2popPort, host: string): FdbMessage[] {
  const v = validate(view, port, host);
  if (v === null) return [];
  const entries: (readonly [string, string])[] = [];
  if (activeCount(view, port.networkId, host) === 0) entries.push(FLOODING_ENTRY);
  if (port.deviceOwner !== DVR_INTERFACE) entries.push(...portEntries(port));
  return [{ method: "remove_fdb_entries", entries: { [v.network.id]: { networkType: v.network.networkType, segmentationId: v.segmentationId, ports: { [v.agentIp]: entries } } }, host: null }];
}
