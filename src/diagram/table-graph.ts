/**
 * The table graph of one host's bridges: what `ovsim diagram` draws and the
 * playground's pipeline view shows.
 *
 * Nodes are OpenFlow tables (a bridge and a table id) with their flows as
 * rows, in dump-flows order (priority first), and the far ends of tunnels
 * (a tunnel port's remote_ip). Edges say where a flow's actions send the
 * packet next, read from the flow's typed actions:
 *
 *   resubmit     `resubmit(,N)` / `resubmit:P` (another table, or the same)
 *   goto_table   OpenFlow 1.1+ `goto_table:N`
 *   ct           `ct(table=N)`: recirculation after conntrack
 *   learn        `learn(table=N,...)`: the table the learned flow goes to
 *   patch        output to a patch port (or NORMAL / FLOOD / ALL reaching
 *                one): table 0 of the peer's bridge
 *   tunnel       output to a tunnel port: its remote end (`remote_ip`)
 *
 * The graph is a snapshot: it is built from `dumpFlows` and the Interface
 * table at the time of the call and does not follow later changes. Every
 * edge names the row (flow index) it comes from, so a view can highlight a
 * trace's matched flow and the edge it took.
 */
import type { Action, ActionList } from "../actions/action-types.js";
import { parseActions } from "../actions/action-text.js";
import type { Switch } from "../vswitchd/switch.js";

/** OpenFlow's reserved ports that may reach a patch port (OVS's OFPP_*). */
const OFPP_IN_PORT = 0xfff8;
const OFPP_NORMAL = 0xfffa;
const OFPP_FLOOD = 0xfffb;
const OFPP_ALL = 0xfffc;
/** `resubmit`'s "current table" (OVS's 255). */
const TABLE_CURRENT = 255;

export type EdgeKind = "resubmit" | "goto_table" | "ct" | "learn" | "patch" | "tunnel";

/** One flow of a table, as a row of its node. */
export interface DiagramFlow {
  readonly priority: number;
  /** The match as dump-flows prints it ("" for all). */
  readonly match: string;
  readonly actions: string;
  readonly nPackets: number;
}

/** A node: an OpenFlow table of a bridge, or a tunnel's remote end. */
export interface DiagramNode {
  /** `BRIDGE/table=N`, or `remote/TYPE/IP`. */
  readonly id: string;
  readonly kind: "table" | "remote";
  /** The bridge (tables), or null. */
  readonly bridge: string | null;
  /** The table id (tables), or null. */
  readonly table: number | null;
  /** A short title: `br-int table 0`, `vxlan to 192.0.2.2`. */
  readonly title: string;
  /** The table's flows, in dump-flows order (empty for a remote end). */
  readonly flows: readonly DiagramFlow[];
}

export interface DiagramEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  /** The row of `from` whose actions make this edge. */
  readonly flow: number;
  /** What the action says (`resubmit(,2)`, `output:patch-tun`). */
  readonly label: string;
}

export interface TableGraph {
  readonly bridges: readonly string[];
  readonly nodes: readonly DiagramNode[];
  readonly edges: readonly DiagramEdge[];
}

/** The id of a table node. */
export function tableNodeId(bridge: string, table: number): string {
  return `${bridge}/table=${table}`;
}

/** A port's place: its bridge's peer for a patch port, the remote end for a tunnel. */
interface PortReach {
  readonly kind: "patch" | "tunnel";
  readonly to: string;
  readonly name: string;
  /** The remote end's node (tunnels). */
  readonly remote?: DiagramNode;
}

function optionsOf(sw: Switch, iface: string): ReadonlyMap<string, string> {
  const v = sw.get("Interface", iface, "options");
  const out = new Map<string, string>();
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) if (typeof x === "string") out.set(k, x);
  }
  return out;
}

const TUNNEL_TYPES: ReadonlySet<string> = new Set(["vxlan", "gre", "geneve", "erspan", "ip6erspan", "ip6gre", "stt", "lisp", "gtpu", "bareudp", "srv6"]);

/** Each port of `bridge` that leaves it (patch or tunnel), by ofport. */
function reachOf(sw: Switch, bridge: string, bridges: ReadonlySet<string>): Map<number, PortReach> {
  const out = new Map<number, PortReach>();
  for (const p of sw.ports(bridge)) {
    if (p.type === "patch") {
      const peer = optionsOf(sw, p.name).get("peer");
      const peerBridge = sw.bridgeNames().find((b) => sw.ports(b).some((q) => q.name === peer));
      if (peerBridge !== undefined && bridges.has(peerBridge)) out.set(p.ofport, { kind: "patch", to: tableNodeId(peerBridge, 0), name: p.name });
    } else if (TUNNEL_TYPES.has(p.type)) {
      const remoteIp = optionsOf(sw, p.name).get("remote_ip") ?? "flow";
      const id = `remote/${p.type}/${remoteIp}`;
      const title = remoteIp === "flow" ? `${p.type} to remote_ip=flow` : `${p.type} to ${remoteIp}`;
      out.set(p.ofport, { kind: "tunnel", to: id, name: p.name, remote: { id, kind: "remote", bridge: null, table: null, title, flows: [] } });
    }
  }
  return out;
}

/** The edges one action list makes (nested lists of clone, ct and write_actions included). */
function edgesOfActions(actions: ActionList, bridge: string, table: number, flow: number, reach: ReadonlyMap<number, PortReach>, out: DiagramEdge[], remotes: Map<string, DiagramNode>): void {
  const from = tableNodeId(bridge, table);
  const toPort = (r: PortReach | undefined, label: string): void => {
    if (r === undefined) return;
    if (r.remote !== undefined) remotes.set(r.remote.id, r.remote);
    out.push({ from, to: r.to, kind: r.kind, flow, label });
  };
  for (const a of actions as readonly Action[]) {
    switch (a.type) {
      case "resubmit": {
        const t = a.table === TABLE_CURRENT ? table : a.table;
        const port = a.inPort === OFPP_IN_PORT ? "" : String(a.inPort);
        out.push({ from, to: tableNodeId(bridge, t), kind: "resubmit", flow, label: `resubmit(${port},${a.table === TABLE_CURRENT ? "" : a.table})` });
        break;
      }
      case "goto_table":
        out.push({ from, to: tableNodeId(bridge, a.table), kind: "goto_table", flow, label: `goto_table:${a.table}` });
        break;
      case "ct":
        if (a.table !== TABLE_CURRENT) out.push({ from, to: tableNodeId(bridge, a.table), kind: "ct", flow, label: `ct(table=${a.table})` });
        edgesOfActions(a.actions, bridge, table, flow, reach, out, remotes);
        break;
      case "learn":
        out.push({ from, to: tableNodeId(bridge, a.table), kind: "learn", flow, label: `learn(table=${a.table})` });
        break;
      case "clone":
      case "write_actions":
        edgesOfActions(a.actions, bridge, table, flow, reach, out, remotes);
        break;
      case "output":
        if (a.port === OFPP_NORMAL || a.port === OFPP_FLOOD || a.port === OFPP_ALL) {
          const name = a.port === OFPP_NORMAL ? "NORMAL" : a.port === OFPP_FLOOD ? "FLOOD" : "ALL";
          for (const r of reach.values()) toPort(r, `${name} via ${r.name}`);
        } else {
          const r = reach.get(a.port);
          toPort(r, `output:${r?.name ?? a.port}`);
        }
        break;
      default:
        break;
    }
  }
}

/**
 * The table graph of `bridges` of `sw` (default: all its bridges). Tables
 * without flows appear only when an edge points at them.
 */
export function tableGraph(sw: Switch, bridges: readonly string[] = sw.bridgeNames()): TableGraph {
  const known = new Set(sw.bridgeNames());
  for (const b of bridges) if (!known.has(b)) throw new RangeError(`${b}: no such bridge (bridges: ${[...known].join(", ") || "none"})`);
  const chosen = new Set(bridges);
  const tables = new Map<string, { bridge: string; table: number; flows: DiagramFlow[] }>();
  const edges: DiagramEdge[] = [];
  const remotes = new Map<string, DiagramNode>();
  for (const bridge of bridges) {
    const reach = reachOf(sw, bridge, chosen);
    for (const f of sw.dumpFlows(bridge)) {
      const id = tableNodeId(bridge, f.tableId);
      let t = tables.get(id);
      if (t === undefined) {
        t = { bridge, table: f.tableId, flows: [] };
        tables.set(id, t);
      }
      const row = t.flows.length;
      t.flows.push({ priority: f.priority, match: f.match, actions: f.actions, nPackets: f.nPackets });
      let actions: ActionList;
      try {
        actions = parseActions(f.actions);
      } catch {
        continue; // An action text ovsim prints but cannot read back: the row stays, without edges.
      }
      edgesOfActions(actions, bridge, f.tableId, row, reach, edges, remotes);
    }
  }
  for (const e of edges) {
    const m = /^(.*)\/table=(\d+)$/.exec(e.to);
    if (m !== null && !tables.has(e.to)) tables.set(e.to, { bridge: m[1] ?? "", table: Number(m[2]), flows: [] });
  }
  const nodes: DiagramNode[] = [...tables.entries()]
    .sort(([, a], [, b]) => bridges.indexOf(a.bridge) - bridges.indexOf(b.bridge) || a.table - b.table)
    .map(([id, t]) => ({ id, kind: "table", bridge: t.bridge, table: t.table, title: `${t.bridge} table ${t.table}`, flows: t.flows }));
  nodes.push(...remotes.values());
  return { bridges: [...bridges], nodes, edges: dedupe(edges) };
}

/** One edge per (from, to, kind, row): NORMAL reaching the same peer twice is one arrow. */
function dedupe(edges: readonly DiagramEdge[]): DiagramEdge[] {
  const seen = new Set<string>();
  return edges.filter((e) => {
    const k = `${e.from}\u0000${e.to}\u0000${e.kind}\u0000${e.flow}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** One flow as a row's text: `priority=N,MATCH actions=ACTIONS` (dump-flows without cookie and stats). */
export function flowRowText(f: DiagramFlow): string {
  return `priority=${f.priority}${f.match === "" ? "" : `,${f.match}`} actions=${f.actions}`;
}

/**
 * The part of `g` a packet went through: the tables `keep` names, the edges
 * between them, and the tunnel ends their rows reach (the playground's
 * pipeline view of a trace).
 */
export function restrictGraph(g: TableGraph, keep: ReadonlySet<string>): TableGraph {
  const edges = g.edges.filter((e) => keep.has(e.from) && (keep.has(e.to) || e.kind === "tunnel"));
  const ends = new Set(edges.map((e) => e.to));
  const nodes = g.nodes.filter((n) => keep.has(n.id) || (n.kind === "remote" && ends.has(n.id)));
  return { bridges: g.bridges.filter((b) => nodes.some((n) => n.bridge === b)), nodes, edges };
}

/** The row of table node `node` holding the flow with this priority and match, or -1. */
export function rowOf(node: DiagramNode, priority: number, match: string): number {
  return node.flows.findIndex((f) => f.priority === priority && f.match === match);
}
