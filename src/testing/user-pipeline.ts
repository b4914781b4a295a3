/**
 * A user's own pipeline as a Pipeline value: bridges with their ports and
 * flows in ovs-ofctl text, so that the packet arbitraries aim at *their*
 * matches and the properties check *their* flows.
 *
 * Each flow's match is read into MatchFields by the field registry (aliases
 * to canonical names: `nw_dst` is ip_dst, `tp_dst` becomes the L4 field of
 * the flow's protocol), the value a packet carries being the value itself
 * (for `10.0.0.0/24` the network address, for `0x1/0x1` the value: both lie
 * inside what the flow matches).
 */
import { fieldByName } from "../flowtable/fields.js";
import { PROTOCOL_SHORTHANDS } from "../flowtable/protocols.js";
import type { MatchField } from "./match-arbitraries.js";
import type { BridgeSpec, FlowSpec, Pipeline, PortSpec } from "./pipeline.js";
import { TestingError } from "./testing-error.js";

export interface UserPipeline {
  /** Each bridge's dummy ports, by name, numbered 1, 2, ... in order (or `{ name, ofport }`). */
  readonly bridges: Readonly<Record<string, ReadonlyArray<string | { readonly name: string; readonly ofport: number }>>>;
  /** Each bridge's flows, as `ovs-ofctl add-flow` takes them. */
  readonly flows: Readonly<Record<string, readonly string[]>>;
}

const L4: ReadonlyMap<string, string> = new Map([
  ["tcp", "tcp"],
  ["tcp6", "tcp"],
  ["udp", "udp"],
  ["udp6", "udp"],
  ["sctp", "sctp"],
  ["sctp6", "sctp"],
]);

/** One flow's text as a FlowSpec of `bridge`. */
export function parseUserFlow(bridge: string, text: string): FlowSpec {
  const at = text.indexOf("actions=");
  if (at < 0) throw new TestingError(`${text}: no actions=`);
  const actions = text.slice(at + "actions=".length);
  let table = 0;
  let priority = 32768;
  let protocol: string | null = null;
  const raw: Array<[string, string]> = [];
  for (const part of text.slice(0, at).split(",")) {
    const p = part.trim();
    if (p === "") continue;
    const eq = p.indexOf("=");
    const k = eq < 0 ? p : p.slice(0, eq);
    const v = eq < 0 ? "" : p.slice(eq + 1);
    if (k === "table") table = Number(v);
    else if (k === "priority") priority = Number(v);
    else if (PROTOCOL_SHORTHANDS.has(k)) protocol = k;
    else if (k === "cookie" || k.endsWith("_timeout") || k === "importance") continue;
    else raw.push([k, v]);
  }
  const fields: MatchField[] = raw.map(([k, v]) => {
    const f = fieldByName(k);
    if (f === undefined) throw new TestingError(`${text}: unknown field ${k}`);
    let name = f.name;
    const l4 = protocol === null ? undefined : L4.get(protocol);
    const m = /^(tcp|udp|sctp)_(src|dst)$/.exec(name);
    if (m !== null && l4 !== undefined) name = `${l4}_${m[2] ?? ""}`;
    return { field: name, text: v, packet: v.split("/")[0] ?? v };
  });
  return { bridge, table, priority, match: { protocol, fields }, actions };
}

/** The user's bridges and flows as a Pipeline (installPipeline, packets, the properties' `pipelines: fc.constant(...)`). */
export function pipeline(u: UserPipeline): Pipeline {
  const bridges: BridgeSpec[] = Object.entries(u.bridges).map(([name, ports]) => ({
    name,
    ports: ports.map((p, i): PortSpec => (typeof p === "string" ? { name: p, ofport: i + 1, type: "dummy" } : { name: p.name, ofport: p.ofport, type: "dummy" })),
  }));
  const known = new Set(bridges.map((b) => b.name));
  const flows = Object.entries(u.flows).flatMap(([bridge, list]) => {
    if (!known.has(bridge)) throw new TestingError(`pipeline: flows for ${bridge}, which is not among the bridges`);
    const ofports = new Map((bridges.find((b) => b.name === bridge)?.ports ?? []).map((p) => [p.name, String(p.ofport)]));
    return list.map((t) => {
      const f = parseUserFlow(bridge, t);
      // in_port by name: a packet enters by that port's number.
      const fields = f.match.fields.map((m) => (m.field === "in_port" && ofports.has(m.text) ? { ...m, packet: ofports.get(m.text) ?? m.packet } : m));
      return { ...f, match: { ...f.match, fields } };
    });
  });
  return { bridges, flows };
}
