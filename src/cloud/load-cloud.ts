/**
 * A cloud from its snapshot (snapshot.ts): `loadCloud(doc, options)` gives
 * a started cloud that continues exactly as the saved one would have.
 *
 * Order: the document's frame is checked first (checkCloudSnapshot); then
 * every part is built new — the simulation (each host's switch from its
 * own snapshot, IP stacks, segments with their members in plug order,
 * endpoints, the clock), the server's DB, the seeded streams at their
 * positions, the VMs joined to their endpoints by name, each agent given
 * back by the AgentRestorer on its host's restored switch. Nothing runs
 * while loading: no loop iteration, no report, no frame. Any failure is a
 * SnapshotError (a malformed inside caught as it is read is one too, with
 * the section it was in), and since nothing existing is touched, a failed
 * load leaves nothing behind.
 *
 * Agents: the built-in agent is given back by `ovsAgentRestorer`; a cloud
 * whose agents a user's factory builds (`options.agent`) needs that
 * factory's restorer (`options.restoreAgent`): loading without one fails
 * rather than swap the user's agent for the built-in one. `options.agent`
 * still builds the agents of later restarts.
 */
import { Simulation } from "../sim/simulation.js";
import { underPath } from "../sim/snapshot.js";
import { SnapshotError } from "../vswitchd/snapshot.js";
import type { AgentRestorer } from "./agent-factory.js";
import { ovsAgentRestorer } from "./agent-factory.js";
import type { CloudOptions, Vm } from "./cloud.js";
import { Cloud } from "./cloud.js";
import { parseStepsFile } from "./cloud-file.js";
import type { CloudStep } from "./cloud-types.js";
import type { CloudSnapshot } from "./snapshot.js";
import { checkCloudSnapshot, decodeServer } from "./snapshot.js";
import { SeededRandom } from "./seeded-random.js";

export interface LoadCloudOptions extends CloudOptions {
  /** Gives back each host's agent from its saved state (default: the built-in agent's, when `agent` is not given). */
  readonly restoreAgent?: AgentRestorer;
}

/** A started cloud from a snapshot (its JSON text, or the parsed document). Throws SnapshotError. */
export function loadCloud(input: string | CloudSnapshot | unknown, options: LoadCloudOptions = {}): Cloud {
  let doc: unknown = input;
  if (typeof input === "string") {
    try {
      doc = JSON.parse(input);
    } catch (e) {
      throw new SnapshotError(`not JSON: ${(e as Error).message}`);
    }
  }
  const s = checkCloudSnapshot(doc);
  const restore = options.restoreAgent ?? (options.agent === undefined ? ovsAgentRestorer : null);
  if (restore === null) throw new SnapshotError("the cloud's agents are built by options.agent: loading needs its restorer (options.restoreAgent)");
  const sim = inSection("$.sim", () => Simulation.loadSnapshot(s.sim, options.packetBudget === undefined ? {} : { packetBudget: options.packetBudget }, "$.sim"));
  const server = inSection("$.server", () => decodeServer(s.server, "$.server"));
  const random = stream(s.random, "$.random");
  const hostRandoms = new Map(s.spec.hosts.map((h) => [h.name, stream((Object.hasOwn(s.hosts, h.name) ? s.hosts[h.name] : undefined)?.random ?? "", `$.hosts.${h.name}.random`)]));
  const cloud = new Cloud(s.spec, options, { sim, server, random, hostRandoms });
  s.vms.forEach((v, i) => {
    const endpoint = v.endpoint === null ? null : sim.endpoints.get(v.endpoint);
    if (endpoint === undefined) throw new SnapshotError(`no endpoint ${v.endpoint ?? ""} in the simulation`, `$.vms[${i}].endpoint`);
    const vm: Vm = { name: v.name, portId: v.portId, host: v.host, booted: v.booted, ownsPort: v.ownsPort, vmUuid: v.vmUuid, endpoint };
    cloud.vms.set(v.portId, vm);
  });
  for (const h of s.spec.hosts) {
    const saved = Object.hasOwn(s.hosts, h.name) ? s.hosts[h.name] : undefined;
    const r = hostRandoms.get(h.name);
    if (saved === undefined || r === undefined) throw new SnapshotError(`host ${h.name} missing`, "$.hosts");
    const at = `$.hosts.${h.name}.agent`;
    const agent = inSection(at, () => underPath(at, () => restore({ switch: cloud.switchOf(h.name), host: h.name, config: h.agent, plugin: server, random: r }, saved.agent)));
    cloud.adoptAgent(h.name, agent, saved.errorsSaid);
  }
  return cloud;
}

function stream(position: string, path: string): SeededRandom {
  const r = SeededRandom.at(position);
  if (r === null) throw new SnapshotError(`expected a stream position (16 hex digits), got ${JSON.stringify(position)}`, path);
  return r;
}

/** Runs `fn`; what a malformed section throws that is not a SnapshotError becomes one, at `path`. */
function inSection<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SnapshotError) throw e;
    if (e instanceof Error) throw new SnapshotError(`malformed snapshot: ${e.message}`, path);
    throw e;
  }
}

/**
 * The steps of steps file `input` (JSON text or value: only format, description and steps;
 * cloud-file.ts parseStepsFile), checked against `cloud`: its spec's hosts, networks and
 * ports, the VMs it has booted and the file ports it has plugged. Throws CloudFileError.
 */
export function parseStepsFor(cloud: Cloud, input: string | unknown): CloudStep[] {
  const vms = new Map<string, string | null>();
  const plugged = new Set<string>();
  for (const vm of cloud.vms.values()) {
    const filePort = cloud.spec.ports.some((p) => p.id === vm.portId);
    if (vm.booted) vms.set(vm.name, vm.ownsPort ? null : vm.portId);
    if (filePort && !vm.ownsPort) plugged.add(vm.portId);
  }
  return parseStepsFile(input, cloud.spec, { vms, plugged });
}
