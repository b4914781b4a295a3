/**
 * Comparing two cloud snapshots as states: the agents' and the server's
 * object graphs (src/agent/snapshot-codec.ts) with their references
 * followed, so that two graphs holding equal values compare equal however
 * their objects happen to be shared (a constant array one message shares
 * with the next in one run, a copy of it after a load, is the same state).
 * A reference back to an object being expanded (a cycle) is written as how
 * many levels up it points.
 */
import type { CloudSnapshot } from "../../src/cloud/snapshot.js";

/** `snapshot` as text with every graph's references expanded (see the file comment). */
export function stateText(snapshot: CloudSnapshot): string {
  const hosts = Object.fromEntries(Object.entries(snapshot.hosts).map(([n, h]) => [n, { ...h, agent: expandAgent(h.agent) }]));
  return JSON.stringify({ ...snapshot, hosts, server: expandGraph(snapshot.server) });
}

function expandAgent(agent: unknown): unknown {
  if (typeof agent !== "object" || agent === null || !("graph" in agent)) return agent;
  return { ...agent, graph: expandGraph(agent.graph) };
}

function expandGraph(graph: unknown): unknown {
  if (typeof graph !== "object" || graph === null || !("objects" in graph) || !("root" in graph) || !Array.isArray(graph.objects)) return graph;
  const objects: readonly unknown[] = graph.objects;
  const path: number[] = [];
  const value = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(value);
    if (typeof x !== "object" || x === null) return x;
    if ("$r" in x && typeof x.$r === "number") {
      const up = path.lastIndexOf(x.$r);
      if (up >= 0) return { $cycle: path.length - up };
      path.push(x.$r);
      const out = value(objects[x.$r]);
      path.pop();
      return out;
    }
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, value(v)]));
  };
  return value(graph.root);
}
