/**
 * A snapshot of a whole cloud (issue 14): one versioned JSON document from
 * which `loadCloud` (load-cloud.ts) builds a cloud that continues exactly as
 * the saved one would have — the same steps print the same lines.
 *
 *   {
 *     "format": "ovsim-cloud", "version": 1,
 *     "clock": 18003,                  // virtual ms, for the reader (the sim's clock is the truth)
 *     "spec": { ... },                 // the CloudSpec (typed, camelCase) without its steps
 *     "random": "9e37...",             // the cloud's own seeded stream (ids and MACs of VMs it boots)
 *     "sim": { ... },                  // src/sim/snapshot.ts: each host's switch and IP stack, segments, endpoints, the loop's clock
 *     "hosts": { "hv1": { "random": "...", "agent": {...}, "errorsSaid": 0 } },
 *     "server": { "root": ..., "objects": [...] },   // the fake Neutron server's DB, as an object graph
 *     "vms": [ { "name": "a1", "portId": ..., "host": "hv1", "endpoint": "port-id" | null, ... } ]
 *   }
 *
 * - Each host's `agent` is what its agent's `saveState` returned (the
 *   ported agent: src/agent/snapshot.ts); an agent without one (a user's
 *   factory) makes the save fail with a SnapshotError naming the host.
 *   `random` is the host's seeded stream (bridge cookies of agents built
 *   later, a restart's); `errorsSaid` how many of its agent's errors the
 *   cloud already printed.
 * - `server` is the NeutronServer's fields (networks, ports with their
 *   status and binding, security groups, reports, casts delivered and
 *   queued, agents' reported states) through the graph codec; its agents
 *   are not in it (they are attached again on load).
 * - `vms` are the cloud's plugged ports in plug order; each one's endpoint
 *   is named (the endpoint of the simulation with that name).
 * - What the cloud printed (stdout, stderr) and the options it was built
 *   with (timeouts, budgets, agent factory, output sinks) are not state:
 *   the loader's options give them.
 *
 * A snapshot is taken between steps, when the event loop is idle (src/sim
 * refuses otherwise). The document holds no function: `JSON.stringify`
 * then `JSON.parse` gives it back whole (bigints are tagged in the graphs,
 * seeded streams are hex text).
 */
import type { GraphDocument } from "../agent/snapshot-codec.js";
import { decodeGraph, encodeGraph } from "../agent/snapshot-codec.js";
import type { SimSnapshot } from "../sim/snapshot.js";
import { SNAPSHOT_VERSION, SnapshotError } from "../vswitchd/snapshot.js";
import type { CloudSpec } from "./cloud-types.js";
import { NeutronServer } from "./server.js";

/** One host's part beside its switch and IP stack (those are in `sim`). */
export interface CloudHostSnapshot {
  /** The host's seeded stream (SeededRandom.position). */
  readonly random: string;
  /** What the host's agent's saveState returned. */
  readonly agent: unknown;
  /** How many of the agent's errors the cloud has printed. */
  readonly errorsSaid: number;
}

/** A plugged port (cloud.ts Vm), its endpoint by name. */
export interface VmSnapshot {
  readonly name: string;
  readonly portId: string;
  readonly host: string;
  readonly booted: boolean;
  readonly ownsPort: boolean;
  readonly vmUuid: string;
  readonly endpoint: string | null;
}

/** A whole cloud as plain JSON data (see the file comment). */
export interface CloudSnapshot {
  readonly format: "ovsim-cloud";
  readonly version: number;
  /** Virtual time, ms (the same as the simulation's). */
  readonly clock: number;
  readonly spec: CloudSpec;
  readonly random: string;
  readonly sim: SimSnapshot;
  readonly hosts: { readonly [name: string]: CloudHostSnapshot };
  readonly server: GraphDocument;
  readonly vms: readonly VmSnapshot[];
}

/** The name the server's map of agents goes by in its graph (it is not saved: agents are attached again). */
const SERVER_AGENTS = "agents";

/** The server's state as an object graph, its map of agents left out. */
export function encodeServer(server: NeutronServer, agents: ReadonlyMap<string, unknown>): GraphDocument {
  return encodeGraph(server, { classes: [NeutronServer], externals: new Map([[agents, SERVER_AGENTS]]), what: "the Neutron server" });
}

/** The server of `doc`, with no agent attached. Throws SnapshotError. */
export function decodeServer(doc: unknown, at: string): NeutronServer {
  const server = decodeGraph(doc, { classes: [NeutronServer], externals: { [SERVER_AGENTS]: new Map() }, at });
  if (!(server instanceof NeutronServer)) throw new SnapshotError("expected the Neutron server at the graph's root", `${at}.root`);
  return server;
}

/**
 * Checks the document's frame (format, version, the sections' kinds and the names that
 * join them), so that loading fails before building anything. The sections' insides are
 * checked as they are read (the graph codec, the switch's loader).
 */
export function checkCloudSnapshot(doc: unknown): CloudSnapshot {
  if (!isRecord(doc)) throw new SnapshotError("expected a cloud snapshot (a JSON object)");
  if (doc["format"] !== "ovsim-cloud") throw new SnapshotError(`expected format "ovsim-cloud", got ${JSON.stringify(doc["format"]) ?? "nothing"}`, "$.format");
  if (doc["version"] !== SNAPSHOT_VERSION) throw new SnapshotError(`version ${JSON.stringify(doc["version"]) ?? "missing"}: this ovsim reads version ${SNAPSHOT_VERSION}`, "$.version");
  const spec = doc["spec"];
  if (!isRecord(spec) || spec["format"] !== 1 || !Array.isArray(spec["hosts"]) || !Array.isArray(spec["networks"]) || !Array.isArray(spec["ports"]) || !Array.isArray(spec["securityGroups"])) {
    throw new SnapshotError("expected the cloud's spec (format 1, hosts, networks, securityGroups, ports)", "$.spec");
  }
  const names: string[] = [];
  spec["hosts"].forEach((h: unknown, i) => {
    if (!isRecord(h) || typeof h["name"] !== "string" || !isRecord(h["agent"])) throw new SnapshotError("expected a host ({ name, agent, underlay })", `$.spec.hosts[${i}]`);
    names.push(h["name"]);
  });
  if (typeof doc["random"] !== "string") throw new SnapshotError("expected the cloud's stream position (16 hex digits)", "$.random");
  const sim = doc["sim"];
  if (!isRecord(sim) || !Array.isArray(sim["hosts"]) || !Array.isArray(sim["segments"]) || !Array.isArray(sim["endpoints"]) || typeof sim["clockUs"] !== "number") {
    throw new SnapshotError("expected the simulation (clockUs, hosts, segments, endpoints)", "$.sim");
  }
  const simHosts = sim["hosts"].map((h: unknown) => (isRecord(h) ? h["name"] : undefined));
  if (simHosts.length !== names.length || names.some((n, i) => simHosts[i] !== n)) throw new SnapshotError(`the simulation's hosts (${simHosts.join(", ")}) are not the spec's (${names.join(", ")})`, "$.sim.hosts");
  if (typeof doc["clock"] !== "number" || doc["clock"] !== sim["clockUs"] / 1000) throw new SnapshotError("expected the clock in ms, the simulation's", "$.clock");
  const hosts = doc["hosts"];
  if (!isRecord(hosts)) throw new SnapshotError("expected the hosts' agents ({ name: { random, agent, errorsSaid } })", "$.hosts");
  for (const n of names) {
    const h = Object.hasOwn(hosts, n) ? hosts[n] : undefined;
    if (!isRecord(h) || typeof h["random"] !== "string" || typeof h["errorsSaid"] !== "number" || !("agent" in h)) throw new SnapshotError(`expected host ${n}'s { random, agent, errorsSaid }`, `$.hosts.${n}`);
  }
  const extra = Object.keys(hosts).find((n) => !names.includes(n));
  if (extra !== undefined) throw new SnapshotError(`no host ${extra} in the spec`, `$.hosts.${extra}`);
  if (!isRecord(doc["server"])) throw new SnapshotError("expected the Neutron server's graph", "$.server");
  const vms = doc["vms"];
  if (!Array.isArray(vms)) throw new SnapshotError("expected the VMs (a list)", "$.vms");
  vms.forEach((v: unknown, i) => {
    if (!isRecord(v) || typeof v["name"] !== "string" || typeof v["portId"] !== "string" || typeof v["host"] !== "string" || !names.includes(v["host"]) || typeof v["booted"] !== "boolean" || typeof v["ownsPort"] !== "boolean" || typeof v["vmUuid"] !== "string" || !(v["endpoint"] === null || typeof v["endpoint"] === "string")) {
      throw new SnapshotError("expected a VM ({ name, portId, host (one of the spec's), booted, ownsPort, vmUuid, endpoint })", `$.vms[${i}]`);
    }
  });
  // The frame is checked: the sections are read (and checked further) by their loaders.
  return doc as unknown as CloudSnapshot;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}
