/**
 * `ofproto/trace` as a typed object (OVS's ofproto_trace in
 * ofproto/ofproto-dpif-trace.c): one translation of a flow through a
 * bridge's pipeline, read from the trace tree translation records
 * (src/actions/xlate/trace.ts):
 *
 *   steps        each table lookup, in order, across patch ports: the
 *                bridge, the table, the rule it matched (null: a miss) and
 *                the trace lines of the actions that ran there
 *   finalFlow    the flow after translation (null: unchanged)
 *   megaflow     the bits the datapath flow matches on
 *   odpActions   the datapath actions, typed and as text; `outputs` names
 *                the datapath ports they output to (bridge, port, ofport)
 *   recirculations  each conntrack recirculation's own trace (ct(table=N))
 *   text         the lines `ovs-appctl ofproto/trace` prints
 *
 * With a packet (bytes) or `generate`, translation has side effects (learn
 * installs flows, NORMAL learns MACs, rule counters move) and the datapath
 * actions run on the packet without their outputs and recirculations, as
 * OVS's execute_actions_except_outputs (its meters count it).
 */
import type { OdpAction, OdpPortNames } from "../actions/xlate/odp-actions.js";
import { formatOdpActions } from "../actions/xlate/odp-actions.js";
import { XM, xlateFlowOf } from "../actions/xlate/odp-metadata.js";
import type { TraceNode } from "../actions/xlate/trace.js";
import { formatCtStateFlags, formatFinalFlow, formatMegaflow, formatTraceFlow, ofprotoTraceRun } from "../actions/xlate/xlate-trace-format.js";
import { CT_STATE_NAMES } from "../flowtable/flag-names.js";
import { XLATE_ERRORS } from "../actions/xlate/xlate-context.js";
import type { XlateResult } from "../actions/xlate/xlate.js";
import { formatActions } from "../actions/action-text.js";
import type { ActionList } from "../actions/action-types.js";
import type { Bridge } from "../datapath/bridge.js";
import type { Datapath } from "../datapath/dpif.js";
import { isTunnelType } from "../datapath/dpif.js";
import { parseOdpFlow } from "../datapath/odp-flow-parse.js";
import { tnlPortReceive } from "../datapath/tnl-port-receive.js";
import { flowCompose } from "../datapath/packet/compose.js";
import { flowOfPacket } from "../datapath/packet/packet-flow.js";
import type { Packet } from "../datapath/packet/packet.js";
import { parseExactFlow } from "../flowtable/exact-flow-parse.js";
import { M, tunnelDstIsSet, writeMember } from "../flowtable/flow-layout.js";
import { formatMatch } from "../flowtable/match-format.js";
import type { PortNameMap } from "../flowtable/ports.js";
import { TraceError } from "./errors.js";
import type { Switch } from "./switch.js";
import { applyGeneveOptions } from "../flowtable/tun-metadata-match.js";

/** The rule a table lookup matched. */
export interface TraceRule {
  /** The match as dump-flows prints it (without priority). */
  readonly match: string;
  readonly priority: number;
  readonly cookie: bigint;
  /** The rule's actions as dump-flows prints them. */
  readonly actions: string;
}

/** One table lookup of the trace. */
export interface TraceStep {
  readonly bridge: string;
  readonly table: number;
  /** The rule matched, or null on a miss. */
  readonly rule: TraceRule | null;
  /** The trace lines of what ran in this table (actions, notes), in order. */
  readonly actions: readonly string[];
}

/** A datapath output of the trace, named. */
export interface TraceOutput {
  readonly odpPort: number;
  /** The bridge, port name and OpenFlow port behind the datapath port (null: a port of no bridge, e.g. a tunnel vport). */
  readonly bridge: string | null;
  readonly port: string | null;
  readonly ofport: number | null;
}

export interface Trace {
  readonly bridge: string;
  /** The input flow as the trace's `Flow:` line prints it. */
  readonly flow: string;
  readonly steps: readonly TraceStep[];
  /** The flow after translation, or null when unchanged. */
  readonly finalFlow: string | null;
  /** The `Megaflow:` match. */
  readonly megaflow: string;
  readonly odpActions: readonly OdpAction[];
  /** The `Datapath actions:` text (`drop` for none). */
  readonly datapathActions: string;
  readonly outputs: readonly TraceOutput[];
  /** OVS's translation error ("Too many resubmits"...), or null. */
  readonly error: string | null;
  /** The traces of conntrack recirculations, in order. */
  readonly recirculations: readonly Trace[];
  /** What `ovs-appctl ofproto/trace` prints. */
  readonly text: readonly string[];
}

export interface TraceOptions {
  /** `--ct-next`: the ct_state each conntrack recirculation resumes with, in order (then trk|new). */
  readonly ctNext?: readonly number[];
  /** The packet's bytes (or hex): its header fields replace the flow's; side effects happen. */
  readonly packet?: Packet;
  /** Translate with side effects, executing a packet composed from the flow (`-generate`). */
  readonly generate?: boolean;
  /** `ofproto/trace-packet-out`: these actions instead of the bridge's table 0 (a packet-out's). */
  readonly actions?: ActionList;
  /** `--names`: ports printed by name (OpenFlow ports in flows and actions, datapath ports in datapath actions). */
  readonly names?: boolean;
}

/** The table lookups under `nodes`, in the order they ran (resubmits and patch ports nest them). */
function stepsOf(nodes: readonly TraceNode[], bridge: string, out: TraceStep[]): void {
  for (const n of nodes) {
    let inner = bridge;
    if (n.type === "bridge") inner = /^bridge\("(.*)"\)$/.exec(n.text)?.[1] ?? bridge;
    else if (n.type === "table" && n.lookup !== null) {
      const r = n.lookup.rule;
      out.push({
        bridge,
        table: n.lookup.tableId,
        rule: r === null ? null : { match: formatMatch(r.match, 0x8000), priority: r.priority, cookie: r.cookie, actions: formatActions(r.actions) },
        actions: n.subs.filter((s) => s.type !== "bridge" && s.type !== "table").map((s) => s.text),
      });
    }
    stepsOf(n.subs, inner, out);
  }
}

function outputsOf(sw: Switch, dp: Datapath | undefined, actions: readonly OdpAction[], out: TraceOutput[]): void {
  for (const a of actions) {
    if (a.type === "clone") outputsOf(sw, dp, a.actions, out);
    else if (a.type === "output") {
      let named: TraceOutput = { odpPort: a.port, bridge: null, port: null, ofport: null };
      for (const br of dp === undefined ? [] : sw.bridgesOf(dp)) {
        const p = br.ports().find((q) => q.odpPort === a.port);
        if (p !== undefined) named = { odpPort: a.port, bridge: br.name, port: p.name, ofport: p.ofport };
      }
      out.push(named);
    }
  }
}

function typedTrace(sw: Switch, r: XlateResult, recirculations: readonly Trace[], text: readonly string[]): Trace {
  const steps: TraceStep[] = [];
  stepsOf(r.trace, r.bridge.name, steps);
  const outputs: TraceOutput[] = [];
  outputsOf(sw, sw.ofproto(r.bridge.name)?.datapath, r.odpActions, outputs);
  return {
    bridge: r.bridge.name,
    flow: formatTraceFlow(r.initialFlow, r.recircId, r.bridge.tunMetadata),
    steps,
    finalFlow: formatFinalFlow(r),
    megaflow: formatMegaflow(r),
    odpActions: r.odpActions,
    datapathActions: formatOdpActions(r.odpActions),
    outputs,
    error: r.error === null ? null : XLATE_ERRORS[r.error],
    recirculations,
    text,
  };
}

/** Traces translation flow `flowIn` (in_port = an OpenFlow port) through bridge `bridgeName`. */
export function traceFlow(sw: Switch, bridgeName: string, flowIn: Uint32Array, options: TraceOptions = {}): Trace {
  const bridge = sw.bridge(bridgeName);
  if (bridge === undefined) throw new TraceError(`${bridgeName}: unknown bridge`);
  const packet = options.packet ?? null;
  const generate = options.generate === true;
  const flow = packet === null ? flowIn : flowOfPacket(packet, flowIn, sw.vlanLimit());
  // As OVS's xlate_in_init: a trace with a packet (given or generated) has side effects.
  const actions = options.actions === undefined ? {} : { actions: options.actions };
  const names = options.names === true ? { names: { odp: datapathPortNames(sw, bridge) } } : {};
  const run = ofprotoTraceRun(bridge, flow, { recircIds: sw.recircIds, now: sw.now, allowSideEffects: generate || packet !== null, ...actions, ...names }, options.ctNext);
  const executed = packet ?? (generate ? flowCompose(flow) : null);
  if (executed !== null) sw.io.execute(bridge, executed, run.first.odpActions, true, 0);
  const [first, ...rest] = run.results;
  const recircs = rest.map((r) => typedTrace(sw, r, [], []));
  return typedTrace(sw, first ?? run.first, recircs, run.lines);
}

/** The names of the ports of the datapath ("backer") `bridge` is on, by datapath port number. */
function datapathPortNames(sw: Switch, bridge: Bridge): OdpPortNames {
  const dp = sw.vswitchd.openDatapaths().find((d) => sw.bridgesOf(d).includes(bridge));
  const byNumber = new Map((dp?.ports() ?? []).map((p) => [p.odpPort, p.name]));
  return (port) => byNumber.get(port);
}

/** The ct_state bits by name (OVS's ct_state_from_string). */
const CT_STATE_BITS: ReadonlyMap<string, number> = new Map([...CT_STATE_NAMES].map(([bit, name]) => [name, bit]));

/**
 * A `--ct-next` argument as OVS's parse_ct_state and validate_ct_state read
 * it: flag names separated by commas or spaces (`trk,est`), checked for
 * combinations conntrack never gives. Throws TraceError with OVS's words.
 */
export function parseCtNext(text: string): number {
  let state = 0;
  for (const name of text.split(/[, ]+/).filter((w) => w !== "")) {
    const bit = CT_STATE_BITS.get(name);
    if (bit === undefined) throw new TraceError(`${name}: unknown connection tracking state flag`);
    state |= bit;
  }
  const shown = formatCtStateFlags(state);
  const problems: string[] = [];
  const TRK = CT_STATE_BITS.get("trk")!;
  const INV = CT_STATE_BITS.get("inv")!;
  const NEW = CT_STATE_BITS.get("new")!;
  if (state !== 0 && (state & TRK) === 0) problems.push('If "trk" is unset, no other flags are set');
  if ((state & INV) !== 0 && (state & ~(TRK | INV)) !== 0) problems.push('when "inv" is set, only "trk" may also be set');
  if ((state & NEW) !== 0 && (state & CT_STATE_BITS.get("est")!) !== 0) problems.push('"new" and "est" are mutually exclusive');
  if ((state & NEW) !== 0 && (state & CT_STATE_BITS.get("rpl")!) !== 0) problems.push('"new" and "rpy" are mutually exclusive');
  if (problems.length > 0) throw new TraceError(problems.map((p) => `${shown}: invalid connection state: ${p}`).join("\n"));
  return state;
}

/** A bridge's port names, for `in_port=p1` in a flow. */
function portNames(sw: Switch, bridgeName: string): PortNameMap {
  const br = sw.bridge(bridgeName);
  return {
    numberOf: (n) => br?.portByName(n)?.ofport,
    nameOf: (n) => br?.port(n)?.name,
  };
}

/**
 * An OpenFlow flow as ofproto/trace reads it (`in_port=1,tcp,nw_dst=...`:
 * every field exact, port names allowed; `recirc_id` and `dp_hash` are the
 * datapath metadata of the translation flow).
 */
export function parseTraceFlow(sw: Switch, bridgeName: string, text: string): Uint32Array {
  if (sw.bridge(bridgeName) === undefined) throw new TraceError(`${bridgeName}: unknown bridge`);
  const meta = { recircId: 0, dpHash: 0 };
  const rest = text
    .split(",")
    .filter((tok) => {
      const m = /^\s*(recirc_id|dp_hash)=(0x[0-9a-f]+|\d+)\s*$/i.exec(tok);
      if (m === null) return true;
      const v = Number(m[2]) >>> 0;
      if (m[1]!.toLowerCase() === "recirc_id") meta.recircId = v;
      else meta.dpHash = v;
      return false;
    })
    .join(",");
  const exact = parseExactFlow(rest, portNames(sw, bridgeName));
  if (!exact.ok) throw new TraceError(`Bad openflow flow syntax: ${exact.error}`);
  const key = xlateFlowOf(exact.key);
  key[XM.recircId.word] = meta.recircId;
  key[XM.dpHash.word] = meta.dpHash;
  return key;
}

/**
 * A datapath flow key (`in_port(1),eth(...),...`) of datapath `dp`: the
 * bridge owning its in_port and the translation flow, or null when the text
 * is not a datapath flow (`error` then says why).
 */
export function parseTraceOdpFlow(sw: Switch, dp: Datapath | undefined, text: string): { bridge: string; flow: Uint32Array } | { error: string } {
  const odpNames = new Map((dp?.ports() ?? []).map((p) => [p.name, p.odpPort]));
  const odp = parseOdpFlow(text, odpNames, sw.vlanLimit());
  if (!odp.ok) return { error: odp.error };
  if (dp === undefined) throw new TraceError("Cannot find the datapath");
  const recircId = odp.flow[XM.recircId.word] ?? 0;
  // xlate_lookup_ofproto_: a recirculated packet's port comes from its frozen state.
  if (recircId !== 0 && sw.recircIds.state(recircId) === undefined) throw new TraceError(`no recirculation data for recirc_id 0x${recircId.toString(16)}`);
  const inPort = odp.odpInPort ?? 0xffffffff;
  if (tunnelDstIsSet(odp.flow)) {
    // xlate_lookup_ofproto_: a tunnel packet's port is found by its tunnel key (tnl_port_receive).
    const candidates = sw.bridgesOf(dp).flatMap((bridge) => bridge.ports().filter((p) => p.tunnel !== null && p.odpPort === inPort).map((port) => ({ bridge, port })));
    const found = tnlPortReceive(candidates, odp.flow);
    if (found === undefined) throw new TraceError("no OpenFlow tunnel port for this packet");
    writeMember(odp.flow, M.inPort, BigInt(found.port.ofport));
    applyGeneveOptions(odp.flow, odp.geneve, found.bridge.tunMetadata);
    return { bridge: found.bridge.name, flow: odp.flow };
  }
  for (const rt of sw.vswitchd.runtimes()) {
    if (rt.datapath !== dp) continue;
    for (const live of rt.ports.values()) {
      // A tunnel vport's packet without tunnel metadata belongs to no tunnel port (odp_port_to_ofport finds none).
      if (live.odpPort !== inPort || live.type === "patch" || isTunnelType(live.type)) continue;
      writeMember(odp.flow, M.inPort, BigInt(live.ofport));
      return { bridge: rt.name, flow: odp.flow };
    }
  }
  throw new TraceError(`no OpenFlow port for datapath port ${inPort}`);
}
