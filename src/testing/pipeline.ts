/**
 * A pipeline as data: bridges with their ports and the flows of their
 * tables. Generated pipelines (pipeline-arbitraries.ts) and topologies
 * (topology-arbitraries.ts) are values of this shape, so that what a property
 * installs and what its counterexample prints are one thing: `pipelineScript`
 * turns a pipeline into `ovs-vsctl` / `ovs-ofctl` lines (an `ovsim run`
 * script), and `installPipeline` runs exactly those lines on a `Switch`.
 */
import { runLine } from "../utilities/run-script.js";
import type { Switch } from "../vswitchd/switch.js";
import type { MatchSpec } from "./match-arbitraries.js";
import { matchText } from "./match-arbitraries.js";
import { TestingError } from "./testing-error.js";

/** A port of a bridge. `type` "dummy" ports take packets (netdev-dummy/receive, Switch.receive). */
export interface PortSpec {
  readonly name: string;
  readonly ofport: number;
  readonly type: "dummy" | "patch" | "vxlan" | "gre" | "geneve" | "internal";
  /** Interface options (`peer` of a patch port, `remote_ip`, `key`, `dst_port` of a tunnel). */
  readonly options?: Readonly<Record<string, string>>;
  /** Access VLAN (Port tag). */
  readonly tag?: number;
  /** Trunked VLANs (Port trunks). */
  readonly trunks?: readonly number[];
  /** Port vlan_mode (access, trunk, native-tagged, native-untagged). */
  readonly vlanMode?: string;
}

export interface BridgeSpec {
  readonly name: string;
  readonly ports: readonly PortSpec[];
}

/** One flow: where it goes, its match (kept structured, for packets that hit it) and its action text. */
export interface FlowSpec {
  readonly bridge: string;
  readonly table: number;
  readonly priority: number;
  readonly match: MatchSpec;
  readonly actions: string;
}

export interface Pipeline {
  readonly bridges: readonly BridgeSpec[];
  readonly flows: readonly FlowSpec[];
}

/** The flow as `ovs-ofctl add-flow` takes it. */
export function flowText(f: FlowSpec): string {
  const m = matchText(f.match);
  return `table=${f.table},priority=${f.priority}${m === "" ? "" : `,${m}`},actions=${f.actions}`;
}

function portLine(bridge: string, p: PortSpec): string {
  const iface = [`type=${p.type}`, ...Object.entries(p.options ?? {}).map(([k, v]) => `options:${k}=${v}`), `ofport_request=${p.ofport}`];
  const port: string[] = [];
  if (p.tag !== undefined) port.push(`tag=${p.tag}`);
  if (p.trunks !== undefined && p.trunks.length > 0) port.push(`trunks=${p.trunks.join(",")}`);
  if (p.vlanMode !== undefined) port.push(`vlan_mode=${p.vlanMode}`);
  return `ovs-vsctl add-port ${bridge} ${p.name} -- set Interface ${p.name} ${iface.join(" ")}${port.length > 0 ? ` -- set Port ${p.name} ${port.join(" ")}` : ""}`;
}

/** The pipeline as an `ovsim run` script: bridges (dummy datapath), ports, then flows in order. */
export function pipelineScript(p: Pipeline): string[] {
  const out: string[] = [];
  for (const b of p.bridges) out.push(`ovs-vsctl add-br ${b.name} -- set bridge ${b.name} datapath_type=dummy`);
  for (const b of p.bridges) for (const port of b.ports) out.push(portLine(b.name, port));
  for (const f of p.flows) out.push(`ovs-ofctl add-flow ${f.bridge} '${flowText(f)}'`);
  return out;
}

/** Runs `line` on `sw`; throws a TestingError with OVS's message when it fails. */
export function runChecked(sw: Switch, line: string): void {
  const r = runLine(sw, line);
  if (!r.ok) throw new TestingError(`${line}: ${r.stderr.join("\n") || "failed"}`);
}

/** Installs `p` on `sw` by running `pipelineScript(p)`; throws on the first line that fails. */
export function installPipeline(sw: Switch, p: Pipeline): void {
  for (const line of pipelineScript(p)) runChecked(sw, line);
}

/** The dummy ports of `p` that packets can be received on, with their bridge. */
export function entryPorts(p: Pipeline): Array<{ readonly bridge: string; readonly port: PortSpec }> {
  return p.bridges.flatMap((b) => b.ports.filter((port) => port.type === "dummy").map((port) => ({ bridge: b.name, port })));
}
