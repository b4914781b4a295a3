/**
 * The state of one translation (OVS's `struct xlate_ctx`) and the operations
 * every action shares: table lookups with OVS's miss rules and resource
 * limits, output with commit, patch ports, controller upcalls, the trace
 * cursor.
 *
 * Flows. `flow` is the packet as the OpenFlow actions so far have made it,
 * `base` the packet as the datapath actions emitted so far make it; `commit()`
 * closes the gap (odp-commit.ts). Both are translation flows
 * (odp-metadata.ts), as is `wc`, the megaflow mask: every bit translation
 * looked at.
 *
 * Limits (OVS's, with its texts): MAX_DEPTH nested resubmits (64) and
 * MAX_RESUBMITS resubmits in all (64 * 64); a breach sets `error` and stops
 * every action list, so translation always terminates; so does a resubmit
 * with 64 kB or more on the push / pop stack (xlate-stack.ts). Patch ports swallow
 * their peer's error, as OVS does ("out bridge errors do not propagate back").
 */
import { GrowingSize, XLATE_ACTIONS_MAX } from "./odp-actions-size.js";
import { composeIpfixAction } from "./xlate-sample.js";
import type { FlowEntry } from "../../flowtable/flow-entry.js";
import { M, readMember, readSmall, TUNNEL_EXTRA_WORDS, tunnelDstIsSet, writeMember } from "../../flowtable/flow-layout.js";
import type { ActionList, NatAction, PacketInReason } from "../action-types.js";
import type { DpHashAlg, OdpAction, OdpPortNames } from "./odp-actions.js";
import { commitOdpActions } from "./odp-commit.js";
import { XM, XLATE_FLOW_WORDS } from "./odp-metadata.js";
import { TraceNode } from "./trace.js";
import type { TraceNodeType } from "./trace.js";
import type { XlateBridge, XlatePort } from "./xlate-bridge.js";
import { isIpAny, maskMember, unwildcard } from "./xlate-fields.js";
import type { FlowMod } from "../../flowtable/flow-tables.js";
import { formatMatch } from "../../flowtable/match-format.js";
import { OFPP_NONE } from "../../flowtable/ports.js";
import type { PortNameMap } from "../../flowtable/ports.js";
import { lookupWithConjunctions } from "./xlate-conj.js";
import { tupleSwap } from "./ct-tuple-swap.js";
import type { FrozenEntry, FrozenState } from "./xlate-freeze.js";
import { finishFreezing, frozenMetadata, frozenPort, frozenStateKey } from "./xlate-freeze.js";
import { MAX_STACK_BYTES, XlateStack } from "./xlate-stack.js";
import type { TunnelKey } from "./odp-tunnel.js";
import { terminateNativeTunnel, tunnelOutput } from "./xlate-tunnel.js";
import { mirrorEgressPacket } from "./xlate-mirror.js";
import { NF_OUT_DROP, netflowMaskWc } from "./xlate-netflow.js";
import { vswitchdTunMdView } from "../../flowtable/tun-metadata-match.js";
import type { LogModule, LogRateLimit } from "../log-module.js";
import { formatTraceFlow } from "./xlate-flow-format.js";
import type { TunMetadataTable } from "../../flowtable/tun-metadata-table.js";

/** The DSCP bits of the IP TOS byte (OVS's IP_DSCP_MASK). */
const IP_DSCP_MASK = 0xfc;

/** OVS's MAX_DEPTH: nested resubmits before "over max translation depth". */
export const MAX_DEPTH = 64;
/** OVS's MAX_RESUBMITS: resubmits in one translation before "over N resubmit actions". */
export const MAX_RESUBMITS = MAX_DEPTH * MAX_DEPTH;

/** OVS's enum xlate_error, with xlate_strerror's texts. */
export const XLATE_ERRORS = {
  recursion_too_deep: "Recursion too deep",
  no_recirculation_context: "No recirculation context",
  too_many_resubmits: "Too many resubmits",
  too_many_mpls_labels: "Too many MPLS labels",
  stack_too_deep: "Stack too deep",
} as const;
export type XlateErrorCode = keyof typeof XLATE_ERRORS;

/** OpenFlow packet-in reasons as numbers (OVS's enum ofp_packet_in_reason). */
export const OFPR = {
  no_match: 0,
  action: 1,
  invalid_ttl: 2,
  action_set: 3,
  group: 4,
  packet_out: 5,
  explicit_miss: 6,
  implicit_miss: 7,
} as const;
export type OfprName = keyof typeof OFPR;

/** A packet-in that translation asked for (the `userspace(...controller(...))` action it emitted). */
export interface PacketIn {
  readonly bridge: string;
  readonly reason: OfprName;
  /** Bytes of the packet to send (65535 = all). */
  readonly maxLen: number;
  readonly tableId: number;
  readonly cookie: bigint;
  readonly controllerId: number;
  readonly userdata: readonly number[];
  /** The packet as the actions had made it when the packet-in was composed. */
  readonly flow: Uint32Array;
  /** OVS's dont_send: set when side effects are suppressed (ofproto/trace). */
  readonly dontSend: boolean;
}

/** Recirculation ids: one counter per vswitchd, as OVS's `next_id` (ofproto-dpif-rid.c). */
/** Recirculation ids as data (snapshots): the next id, each id's frozen state, the ids by state key, datapath flows' references. */
export interface RecircIdsState {
  readonly next: number;
  readonly states: readonly (readonly [number, FrozenState])[];
  readonly byKey: readonly (readonly [string, number])[];
  readonly refs: readonly (readonly [number, number])[];
}

export class RecircIds {
  private next = 1;
  private readonly states = new Map<number, FrozenState>();
  private readonly byKey = new Map<string, number>();
  private readonly refs = new Map<number, number>();
  /**
   * The frozen states of ids their owners allocated (a bond's recirc_alloc_id: resume in the
   * bridge's table 254), which live and are saved with their owners, not here.
   */
  owned: ((id: number) => FrozenState | undefined) | null = null;
  alloc(): number {
    return this.next++;
  }
  /**
   * OVS's recirc_alloc_id_ctx: the id of a frozen state (`key` identifies it).
   * An id a datapath flow still holds is shared; otherwise a fresh id.
   */
  freeze(key: string, state: FrozenState): number {
    const old = this.byKey.get(key);
    if (old !== undefined && (this.refs.get(old) ?? 0) > 0) return old;
    const id = this.alloc();
    this.states.set(id, state);
    this.byKey.set(key, id);
    return id;
  }
  /** The frozen state of `id` (recirc_id_node_find), if any. */
  state(id: number): FrozenState | undefined {
    return this.states.get(id) ?? this.owned?.(id);
  }
  save(): RecircIdsState {
    return { next: this.next, states: [...this.states], byKey: [...this.byKey], refs: [...this.refs] };
  }

  restore(s: RecircIdsState): void {
    this.next = s.next;
    this.states.clear();
    for (const [id, st] of s.states) this.states.set(id, st);
    this.byKey.clear();
    for (const [k, id] of s.byKey) this.byKey.set(k, id);
    this.refs.clear();
    for (const [id, n] of s.refs) this.refs.set(id, n);
  }

  /**
   * Whether anything holds a reference to `id` (recirc_id_node_try_ref_rcu): a datapath flow or
   * an upcall being handled for a frozen state's id; an id allocated without a frozen state (a
   * bond's, a controller action's) is its owner's, held as long as it lives.
   */
  held(id: number): boolean {
    return (this.refs.get(id) ?? 0) > 0 || !this.states.has(id);
  }

  /** A datapath flow takes (+1) or drops (-1) a reference to `id`. */
  ref(id: number, delta: number): void {
    this.refs.set(id, Math.max(0, (this.refs.get(id) ?? 0) + delta));
  }
}

/** A conntrack recirculation to continue (ofproto/trace follows these after the main trace). */
export interface Recirculation {
  readonly id: number;
  readonly bridge: XlateBridge;
  readonly table: number;
  /** The flow at the ct action (metadata kept), before conntrack. */
  readonly flow: Uint32Array;
  readonly zone: number;
  /** The ct action's NAT, which ofproto/trace simulates on resuming (trace-nat.ts), or null. */
  readonly nat: NatAction | null;
}

export interface XlateOptions {
  /** Build the trace tree (ofproto/trace). */
  readonly trace?: boolean;
  /** Learn installs flows, packet-ins are sent (false in ofproto/trace). Default false. */
  readonly allowSideEffects?: boolean;
  /** Virtual time, ms (learned flows' timestamps). */
  readonly now?: number;
  /**
   * OVS's resubmit_stats: what every rule the translation hits is credited
   * with (counters, idle timer). Only a packet's upcall passes them:
   * `ofproto/trace -generate` has side effects but credits nothing.
   */
  readonly resubmitStats?: XlateStats;
  /** The recirculation id allocator (one per switch); a fresh one when absent. */
  readonly recircIds?: RecircIds;
  /** Resume a recirculation: start at this table with this id (ofproto/trace's recirc sections). */
  readonly resume?: { readonly table: number; readonly recircId: number };
  /**
   * A revalidator's translation of an installed megaflow (OVS's xin->xcache):
   * without side effects, a learn still writes its result_dst (xlate-learn.ts).
   */
  readonly revalidation?: boolean;
  /** The size of the packet being translated (OVS's xin->packet), when there is one. */
  readonly packetSize?: number;
  /**
   * OVS's xin->ofpacts: translate these actions instead of looking the flow up in table 0 (a
   * packet-out's actions, ofproto/trace-packet-out).
   */
  readonly actions?: ActionList;
  /** OVS's in_packet_out (a packet-out, not its trace): output to CONTROLLER is a packet-in with reason packet_out. */
  readonly inPacketOut?: boolean;
  /**
   * The `ofproto_dpif_xlate` log module: translating a packet (`packetSize`) without a trace logs
   * xlate_report_error's errors (WARN) and xlate_report_info's notes (INFO) there, rate-limited.
   */
  readonly log?: LogModule;
  /**
   * `ofproto/trace --names` (OVS's xin->names): the trace prints ports by name, each
   * bridge's rules and actions with its own ports' names, datapath actions with `odp`'s.
   */
  readonly names?: { readonly odp: OdpPortNames };
}

/** A bridge's OpenFlow ports by name and number (ofproto_append_ports_to_map). */
export function bridgePortNames(bridge: XlateBridge): PortNameMap {
  return {
    numberOf: (name) => bridge.ports().find((p) => p.name === name)?.ofport,
    nameOf: (ofport) => bridge.port(ofport)?.name,
  };
}

/** xlate_report_error's and xlate_report_info's rate limits (one a minute, bursts of 5, each). */
const REPORT_ERROR_RL: LogRateLimit = { name: "xlate_report_error", rate: 1, burst: 5 };
const REPORT_INFO_RL: LogRateLimit = { name: "xlate_report_info", rate: 1, burst: 5 };

/** Packets and bytes to credit each rule a translation hits with. */
export interface XlateStats {
  readonly packets: number;
  readonly bytes: number;
  /** The TCP flags of the packets, ORed (a megaflow's pushed stats); absent: the translated flow's. */
  readonly tcpFlags?: number;
  /** When the packets were last seen (a megaflow's `used`); absent: now. NetFlow reads it. */
  readonly used?: number;
}

type LookupResult = FlowEntry<ActionList> | "miss" | "miss_packet_in";

/** A table's table-miss config (XlateBridge.tableMiss). */
type TableMissConfig = "default" | "controller" | "continue" | "drop";
/** Tables 0-253 are OpenFlow's; table 254 is the bridge's internal one (a miss never continues there). */
const LAST_OPENFLOW_TABLE = 254;

const OFPP_UNSET = 0xfff7;

export class XlateCtx {
  bridge: XlateBridge;
  readonly flow: Uint32Array;
  readonly base: Uint32Array;
  readonly wc: Uint32Array;
  odp: OdpAction[];
  readonly root: TraceNode[];
  /** Where trace nodes go (null when not tracing). */
  trace: TraceNode[] | null;
  depth = 0;
  resubmits = 0;
  tableId = 0;
  ruleCookie = 0xffffffffffffffffn;
  rule: FlowEntry<ActionList> | null = null;
  /** The OpenFlow 1.1+ action set (write_actions). */
  actionSet: ActionList = [];
  /** OVS's flow->actset_output (a flow member: tables match it): the action set's output port, OFPP_UNSET if none (or a group). */
  get actsetOutput(): number {
    return readSmall(this.flow, M.actsetOutput);
  }
  set actsetOutput(port: number) {
    const w = M.actsetOutput.word;
    this.flow[w] = (((this.flow[w] ?? 0) & 0xffff) | ((port & 0xffff) << M.actsetOutput.shift)) >>> 0;
  }
  actionSetHasGroup = false;
  /** The bridge translation started in (OVS's xin->ofproto: its miss rules print as misses). */
  readonly firstBridge: XlateBridge;
  inActionSet = false;
  exit = false;
  /** OVS's xout->avoid_caching: set by a limited learn that a revalidation cannot redo (xlate-learn.ts). */
  avoidCaching = false;
  /** The Netlink size of `odp`, measured as it grows (the resubmit check's 64 kB bound). */
  private readonly odpSize = new GrowingSize();
  /** OVS's ctx->freezing: the rest of translation is being recorded in `frozen` (xlate-freeze.ts). */
  freezing = false;
  frozen: FrozenEntry[] = [];
  frozenHeader: Extract<FrozenEntry, { kind: "unroll" }> | null = null;
  /** The `hash(...)` to put before `recirc(N)` (OVS's recirc_update_dp_hash). */
  freezeHash: { readonly alg: DpHashAlg; readonly basis: number } | null = null;
  error: XlateErrorCode | null = null;
  /** OVS's ctx->was_mpls: a pop_mpls left a packet whose L3+ the flow does not know (recirculate before using it). */
  wasMpls = false;
  /** The stack of push / pop (xlate-stack.ts). */
  stack = new XlateStack();
  conntracked = false;
  /** The nat a ct action's nested actions asked for (OVS's ct_nat_action). */
  ctNat: NatAction | null = null;
  slow = false;
  readonly origSkbPriority: number;
  readonly packetIns: PacketIn[] = [];
  /** Flow mods executed by learn actions (only with side effects allowed). */
  readonly learned: FlowMod<ActionList>[] = [];
  readonly recircs: Recirculation[] = [];
  /** Mutable only for native tunnel output, which turns it off for the underlay bridge. */
  allowSideEffects: boolean;
  /** The packet's own tunnel destination (IPv4, 0: none): OVS's orig_tunnel_ipv6_dst. */
  readonly origTunnelDst: number;
  /** The IPv6 tunnel destination the packet arrived with (0n: none). */
  readonly origTunnelIpv6Dst: bigint;
  /** The tunnel key last committed with `set(tunnel(...))` (OVS's base_flow.tunnel), null: none yet. */
  committedTunnel: TunnelKey | null = null;
  readonly now: number;
  resubmitStats: XlateStats | null;
  /** OVS's ctx->nf_output_iface: the NetFlow output interface so far (xlate-netflow.ts). */
  nfOutputIface = NF_OUT_DROP;
  /** OVS's ctx->sflow_n_outputs and sflow_odp_port: outputs so far and the last one's datapath port (xlate-sflow.ts). */
  sflowOutputs = 0;
  sflowOdpPort = 0;
  readonly recircIds: RecircIds;
  /** OVS's in_packet_out: translating a packet-out's actions (XlateOptions.inPacketOut). */
  readonly inPacketOut: boolean;
  /** The size of the packet being translated, null when there is none (a trace, a revalidation). */
  readonly packetSize: number | null;
  /** XlateOptions.revalidation. */
  readonly revalidation: boolean;
  /** XlateOptions.log, or null. */
  private readonly log: LogModule | null;
  /** `ofproto/trace --names`. */
  readonly traceNames: boolean;
  /** OVS's ctx->mirrors: the mirrors (bits) this packet was sent to in this bridge, with their duplicates (xlate-mirror.ts). */
  mirrors = 0;
  /** OVS's ctx->mirror_snaplen: while a mirror's copy is output, its snaplen (0: whole packets). */
  mirrorSnaplen = 0;
  /** While NORMAL outputs to a balance-tcp bond (its xlate_bond_recirc): the bond's recirculation id and hash basis. */
  bondRecirc: { readonly recircId: number; readonly basis: number } | null = null;
  /** The action that recirculation ids of this translation are shared by (state key → id). */
  private readonly recircByState = new Map<string, number>();

  constructor(bridge: XlateBridge, flow: Uint32Array, o: XlateOptions) {
    this.bridge = bridge;
    this.firstBridge = bridge;
    this.flow = flow;
    this.base = flow.slice();
    this.origTunnelDst = readSmall(flow, M.tunDst);
    this.origTunnelIpv6Dst = readMember(flow, M.tunIpv6Dst);
    // The datapath does not keep tunnel metadata unless translation sets it again.
    this.base.fill(0, M.tunId.word, M.tunDst.word + 1);
    for (const w of TUNNEL_EXTRA_WORDS) this.base[w] = 0;
    this.base[M.tunFlags.word] = (this.base[M.tunFlags.word] ?? 0) & 0xffff0000;
    this.base[XM.tunTos.word] = 0;
    this.base[XM.tunTpSrc.word] = 0;
    this.wc = new Uint32Array(XLATE_FLOW_WORDS);
    this.odp = [];
    this.root = [];
    this.trace = o.trace === true ? this.root : null;
    this.origSkbPriority = readSmall(flow, XM.skbPriority);
    this.allowSideEffects = o.allowSideEffects ?? false;
    this.now = o.now ?? 0;
    this.resubmitStats = o.resubmitStats ?? null;
    this.recircIds = o.recircIds ?? new RecircIds();
    this.inPacketOut = o.inPacketOut ?? false;
    this.packetSize = o.packetSize ?? null;
    this.revalidation = o.revalidation ?? false;
    this.log = o.log ?? null;
    this.traceNames = o.names !== undefined;
  }

  /** `--names`: the current bridge's port names for the trace's rules and actions, else undefined. */
  tracePortNames(): PortNameMap | undefined {
    return this.traceNames ? bridgePortNames(this.bridge) : undefined;
  }

  // ---- trace

  /** Appends a trace node to the current list (no-op when not tracing). */
  report(type: TraceNodeType, text: string): TraceNode | null {
    if (this.trace === null) {
      // OFT_ERROR comes only from xlate_report_error, which logs what it would have traced.
      if (type === "error") this.logReport("warn", REPORT_ERROR_RL, text);
      return null;
    }
    const n = new TraceNode(type, text);
    this.trace.push(n);
    return n;
  }

  /** An error line, `>>>> text <<<<`. */
  reportError(text: string): void {
    this.report("error", text);
  }

  /** xlate_report_info: a warning line in a trace; otherwise logged at INFO. */
  reportInfo(text: string): void {
    if (this.trace === null) this.logReport("info", REPORT_INFO_RL, text);
    else this.report("warn", text);
  }

  /**
   * xlate_report_error / xlate_report_info without a trace: only for a packet (not a
   * revalidation), rate-limited, `TEXT on bridge BR while processing FLOW` with the flow as the
   * datapath has it so far (OVS's base_flow).
   */
  private logReport(level: "warn" | "info", rl: LogRateLimit, text: string): void {
    const log = this.log;
    if (log === null || this.packetSize === null || log.drop(level, rl)) return;
    const flow = formatTraceFlow(this.base, readSmall(this.base, XM.recircId), this.bridge.tunMetadata);
    log.emit(level, `${text} on bridge ${this.bridge.name} while processing ${flow}`);
  }

  // ---- commit and odp

  commit(): void {
    if (commitOdpActions(this.flow, this.base, this.odp, this.wc)) this.slow = true;
  }

  // ---- lookups

  /** OVS's xlate_resubmit_resource_check. */
  resourceCheck(): boolean {
    if (this.depth >= MAX_DEPTH) {
      this.reportError(`over max translation depth ${MAX_DEPTH}`);
      this.error = "recursion_too_deep";
    } else if (this.resubmits >= MAX_RESUBMITS) {
      this.reportError(`over ${MAX_RESUBMITS} resubmit actions`);
      this.error = "too_many_resubmits";
    } else if (this.odpSize.of(this.odp) > XLATE_ACTIONS_MAX) {
      // Not an error: translation stops, the flow is slow-pathed (odp-actions-size.ts).
      this.reportError("resubmits yielded over 64 kB of actions");
      this.exit = true;
    } else if (this.stack.bytes >= MAX_STACK_BYTES) {
      this.reportError("resubmits yielded over 64 kB of stack");
      this.error = "stack_too_deep";
    } else {
      return true;
    }
    return false;
  }

  /**
   * OVS's rule_dpif_lookup_from_table: looks `tableId` up with in_port =
   * `inPort` (restored afterwards); a miss is OVS's no_packet_in_rule
   * (drop) or, when `mayPacketIn`, its miss_rule (a packet-in) as the
   * table's miss config says: "controller" (or "continue" past the last
   * table) unless the input port is no-packet-in, "default" when the bridge
   * wants packet-ins on misses. `mayPacketIn` lookups (table 0, goto_table,
   * patch ports; not resubmit) honour "continue".
   */
  lookup(tableId: number, inPort: number, mayPacketIn: boolean): LookupResult {
    const oldInPort = this.flow[M.inPort.word] ?? 0;
    this.flow[M.inPort.word] = inPort;
    // OVS's frag_handling (rule_dpif_lookup_from_table): with "normal" an IP fragment, first
    // or later, is looked up as if its transport ports were 0; with "drop" it meets the
    // drop_frags_rule; with "nx-match" it is looked up as it is.
    const tpWord = M.tpSrc.word;
    const oldTp = this.flow[tpWord] ?? 0;
    const frag = this.bridge.fragHandling ?? "normal";
    const isFrag = frag !== "nx-match" && (readSmall(this.flow, M.nwFrag) & 1) !== 0 && isIpAny(this.flow);
    const dropFrags = this.bridge.dropFragsRule;
    if (isFrag && frag === "drop" && dropFrags) {
      this.flow[M.inPort.word] = oldInPort;
      if (this.resubmitStats !== null) this.bridge.countTableLookup?.(tableId, true, this.resubmitStats.packets);
      return dropFrags;
    }
    if (isFrag) this.flow[tpWord] = (oldTp & ~((0xffff << M.tpSrc.shift) | (0xffff << M.tpDst.shift))) >>> 0;
    // A miss in a table whose table-miss config (OpenFlow 1.1/1.2 table_mod) is "continue" goes
    // on to the next table, when the lookup honours the config (not for resubmit); translation
    // goes on in the last table looked up (this.tableId, as OVS's &ctx->table_id).
    let table = tableId;
    let missConfig: TableMissConfig = "continue";
    let rule = this.bridge.internalLookup?.(table, this.flow, this.wc) ?? lookupWithConjunctions(this.bridge.tables, table, this.flow, this.wc);
    for (;;) {
      if (this.resubmitStats !== null) this.bridge.countTableLookup?.(table, rule !== null, this.resubmitStats.packets);
      if (rule !== null || !mayPacketIn) break;
      missConfig = this.bridge.tableMiss?.(table) ?? "default";
      if (missConfig !== "continue" || table + 1 >= LAST_OPENFLOW_TABLE) break;
      table++;
      rule = lookupWithConjunctions(this.bridge.tables, table, this.flow, this.wc);
    }
    this.tableId = table;
    this.flow[tpWord] = oldTp;
    this.flow[M.inPort.word] = oldInPort;
    if (rule !== null) return rule;
    if (!mayPacketIn) return "miss";
    if (missConfig === "continue" || missConfig === "controller") {
      const port = this.bridge.port(oldInPort);
      return port !== undefined && port.noPacketIn !== true ? "miss_packet_in" : "miss";
    }
    if (missConfig === "default" && this.bridge.packetInOnMiss === true && this.bridge.port(oldInPort) !== undefined) return "miss_packet_in";
    return "miss";
  }

  /** Reports the table node (OVS's xlate_report_table) and makes it the trace parent. */
  reportTable(r: LookupResult, tableId: number): void {
    if (this.trace === null) return;
    const id = String(tableId).padStart(2, " ");
    let text: string;
    // OVS compares with the first bridge's internal miss rules: a peer bridge's miss
    // prints as the internal rule it is (reg0=<rule id>, table 254's match).
    const first = this.bridge === this.firstBridge;
    if (r === "miss") text = first ? `${id}. No match.` : `${id}. reg0=0x2, priority 0`;
    else if (r === "miss_packet_in") text = first ? `${id}. No match, and a "packet-in" is called for.` : `${id}. reg0=0x1, priority 0`;
    else if (r === this.firstBridge.dropFragsRule) text = `${id}. Packets are IP fragments and the fragment handling mode is "drop".`;
    else text = `${id}. ${describeRule(r, this.bridge.tunMetadata, this.tracePortNames())}`;
    const node = new TraceNode("table", text);
    node.lookup = { tableId, rule: typeof r === "string" ? null : r };
    this.trace.push(node);
    this.trace = node.subs;
  }

  /**
   * OVS's xlate_table_action: resubmit / goto_table / patch-port entry.
   * `run` translates the found rule's actions (do_xlate_actions, or the
   * patch-port clone wrapper).
   */
  tableAction(inPort: number, tableId: number, mayPacketIn: boolean, last: boolean, run: RunActions, withCtOrig = false): void {
    // Recirculate before matching in a table a packet that was MPLS.
    if (this.wasMpls) {
      this.exit = true;
      this.freezing = true;
      return;
    }
    if (!this.resourceCheck()) return;
    const oldTable = this.tableId;
    this.tableId = tableId;
    // resubmit(,N,ct): the lookup sees the conntrack original tuple (ct-tuple-swap.ts).
    if (withCtOrig) {
      const dlType = readSmall(this.flow, M.dlType);
      if (readSmall(this.flow, M.ctNwProto) === 0 || (dlType !== 0x0800 && dlType !== 0x86dd)) {
        this.reportError("resubmit(ct) with non-tracked or non-IP packet!");
        this.tableId = oldTable;
        return;
      }
      tupleSwap(this.flow, this.wc);
    }
    const r = this.lookup(tableId, inPort, mayPacketIn);
    if (withCtOrig) tupleSwap(this.flow, this.wc);
    const oldTrace = this.trace;
    // xlate_table_action reports the table asked for, even when a miss continued past it.
    this.reportTable(r, tableId);
    this.recurse(r, tableId <= oldTable, last, run);
    this.trace = oldTrace;
    this.tableId = oldTable;
  }

  /** OVS's xlate_recursively. */
  recurse(r: LookupResult, deepens: boolean, last: boolean, run: RunActions): void {
    const oldRule = this.rule;
    const oldCookie = this.ruleCookie;
    const oldWasMpls = this.wasMpls;
    this.resubmits++;
    if (deepens) this.depth++;
    if (typeof r === "string") {
      this.rule = null;
      this.ruleCookie = 0n;
      run(r === "miss" ? [] : MISS_ACTIONS, this, last);
    } else {
      if (this.resubmitStats !== null) r.credit(this.resubmitStats.packets, this.resubmitStats.bytes, this.now);
      this.rule = r;
      this.ruleCookie = r.cookie;
      run(r.actions, this, last);
    }
    this.ruleCookie = oldCookie;
    this.rule = oldRule;
    this.wasMpls = oldWasMpls;
    if (deepens) this.depth--;
  }

  // ---- controller

  /**
   * A recirculation id for a frozen state (same state, same id within one
   * translation). With `state` (a conntrack recirculation), the id names that
   * state, so that the packet coming back with it resumes there
   * (recirc_alloc_id_ctx: shared while a datapath flow holds it).
   */
  recircId(kind: string, table: number, state?: FrozenState): number {
    const key = `${kind}|${this.bridge.name}|${table}|${this.flow.slice(0, M.dlSrc.word).join(",")}|${this.conntracked ? 1 : 0}`;
    let id = this.recircByState.get(key);
    if (id === undefined) {
      id = state === undefined ? this.recircIds.alloc() : this.recircIds.freeze(frozenStateKey(state), state);
      this.recircByState.set(key, id);
    }
    return id;
  }

  /**
   * The recirculation id of a controller action's frozen state (xlate_controller_action's
   * recirc_alloc_id_ctx): the table, bridge, stack, mirrors, conntrack and MPLS flags, the
   * frozen metadata and the userdata, no actions. An equal state that a datapath flow still
   * holds (its `userspace(...controller(...recirc_id=N...))` action) shares its id.
   */
  private controllerRecircId(userdata: readonly number[]): number {
    const state: FrozenState = {
      bridge: this.bridge,
      table: this.tableId,
      actions: [],
      actionSet: [],
      metadata: frozenMetadata(this.flow),
      port: frozenPort(this.flow),
      conntracked: this.conntracked,
      stack: this.stack.contents(),
      mirrors: this.mirrors,
    };
    const key = `controller|${frozenStateKey(state)}|${this.wasMpls ? 1 : 0}|${userdata.join(",")}`;
    let id = this.recircByState.get(key);
    if (id === undefined) {
      id = this.recircIds.freeze(key, state);
      this.recircByState.set(key, id);
    }
    return id;
  }

  /** OVS's xlate_controller_action: commit, then `userspace(pid=0,controller(...))`. */
  controller(maxLen: number, reason: OfprName, controllerId: number, userdata: readonly number[]): void {
    this.commit();
    if (reason === "action" && this.rule !== null && isTableMiss(this.rule)) reason = "explicit_miss";
    const recircId = this.controllerRecircId(userdata);
    const dontSend = !this.allowSideEffects;
    this.odp.push({
      type: "userspace",
      pid: 0,
      cookie: {
        kind: "controller",
        reason: OFPR[reason],
        dontSend,
        continuation: false,
        recircId,
        ruleCookie: this.ruleCookie,
        controllerId,
        maxLen,
      },
      actions: false,
      tunnelOutPort: null,
    });
    this.packetIns.push({
      bridge: this.bridge.name,
      reason,
      maxLen,
      tableId: this.tableId,
      cookie: this.ruleCookie,
      controllerId,
      userdata,
      flow: this.flow.slice(),
      dontSend,
    });
  }

  // ---- output

  /**
   * OVS's compose_output_action__: checks the port, follows a patch port,
   * commits, emits the datapath output. NORMAL and FLOOD call this too.
   */
  composeOutput(ofport: number, last: boolean): void {
    const port = this.bridge.port(ofport);
    if (port === undefined) {
      this.report("warn", "Nonexistent output port");
      return;
    }
    if (port.noForward) {
      this.report("detail", "OFPPC_NO_FWD set, skipping output");
      return;
    }
    if (this.mirrorSnaplen !== 0 && port.odpPort === null) {
      this.report("warn", "Mirror truncate to ODPP_NONE, skipping output");
      return;
    }
    if (port.patchPeer !== null) {
      this.patchPortOutput(port, last);
      return;
    }
    // The port's QoS queues: the packet's skb_priority picks the DSCP it leaves with (this output only).
    const tos = readSmall(this.flow, M.nwTos);
    const queueDscp = port.queueDscp;
    if (queueDscp !== undefined && queueDscp.size > 0) {
      maskMember(this.wc, XM.skbPriority);
      const dscp = queueDscp.get(readSmall(this.flow, XM.skbPriority));
      if (dscp !== undefined) {
        unwildcard(this.wc, M.nwTos, BigInt(IP_DSCP_MASK));
        writeMember(this.flow, M.nwTos, BigInt((tos & ~IP_DSCP_MASK) | dscp));
      }
    }
    this.outputToPort(port, ofport, last);
    writeMember(this.flow, M.nwTos, BigInt(tos));
  }

  /** compose_output_action__ past patch ports: a tunnel, or the port's datapath port. */
  private outputToPort(port: XlatePort, ofport: number, last: boolean): void {
    if (port.tunnel !== null) {
      // A native tunnel's output through the underlay bridge counts as this one output (native_tunnel_output).
      const sflowOutputs = this.sflowOutputs;
      if (tunnelOutput(this, port, last)) {
        this.nfOutputIface = ofport;
        this.sflowOutputs = sflowOutputs + 1;
        this.sflowOdpPort = port.odpPort ?? 0;
        mirrorEgressPacket(this, ofport);
      }
      return;
    }
    if (port.odpPort === null) return;
    this.nfOutputIface = ofport;
    this.sflowOutputs++;
    this.sflowOdpPort = port.odpPort;
    this.commit();
    const tunnels = this.bridge.nativeTunnel;
    const pop = tunnels !== undefined && this.bridge.tunnelPushPop !== false ? terminateNativeTunnel(this, tunnels, port) : null;
    if (pop !== null) this.odp.push({ type: "tnl_pop", port: pop });
    else {
      composeIpfixAction(this, port.odpPort);
      // A mirror's copy: the datapath truncates it to the mirror's snaplen for this output only.
      if (this.mirrorSnaplen > 0 && this.mirrorSnaplen < 0xffff) this.odp.push({ type: "trunc", maxLen: this.mirrorSnaplen });
      // A balance-tcp bond's output (xlate_bond_recirc): hash, then recirculate to its post-recirculation rules.
      const bond = this.bondRecirc;
      if (bond !== null) {
        this.odp.push({ type: "hash", alg: "l4", basis: bond.basis });
        this.odp.push({ type: "recirc", id: bond.recircId });
      } else this.odp.push({ type: "output", port: port.odpPort });
    }
    mirrorEgressPacket(this, ofport);
  }

  /** OVS's patch_port_output: translation goes on in the peer bridge, then the flow comes back. */
  private patchPortOutput(port: XlatePort, last: boolean): void {
    const peer = port.patchPeer;
    if (peer === null) return;
    const bridge = this.bridge;
    this.underlayOutput(peer.bridge, peer.ofport, last);
    // The packet leaves by this patch port and enters by its peer: their tx / rx counters.
    const stats = this.resubmitStats;
    const inPeer = peer.bridge.port(peer.ofport);
    if (stats !== null) {
      bridge.countTunnel?.(port, "tx", stats.packets, stats.bytes);
      if (inPeer !== undefined) peer.bridge.countTunnel?.(inPeer, "rx", stats.packets, stats.bytes);
    }
  }

  /** Translation goes on in `peerBridge` from its port `peerOfport` (a patch peer, or a tunnel's underlay device). */
  underlayOutput(peerBridge: XlateBridge, peerOfport: number, last: boolean): void {
    const peer = { bridge: peerBridge, ofport: peerOfport };
    const savedFlow = this.flow.slice();
    const savedActionSet = this.actionSet;
    const savedActset = this.actsetOutput;
    const savedHasGroup = this.actionSetHasGroup;
    // The peer bridge starts with an empty stack (OVS 3.1.0's patch_port_output).
    const savedStack = this.stack;
    this.stack = new XlateStack();
    this.actsetOutput = OFPP_UNSET;
    this.actionSetHasGroup = false;
    const savedTunMask = this.wc.slice(M.tunId.word, M.tunFlags.word + 1);
    const savedOuterMask = [this.wc[XM.tunTos.word] ?? 0, this.wc[XM.tunTpSrc.word] ?? 0];
    const oldConntracked = this.conntracked;
    const oldTrace = this.trace;
    const oldBridge = this.bridge;
    // Another bridge's mirrors are its own: the packet starts there mirrored to none of them.
    const oldMirrors = this.mirrors;
    const independentMirrors = peer.bridge !== oldBridge;
    if (independentMirrors) this.mirrors = 0;
    this.actionSet = [];
    const f = this.flow;
    f[M.inPort.word] = peer.ofport;
    f.fill(0, M.metadata.word, M.metadata.word + 2);
    f.fill(0, M.tunId.word, M.tunDst.word + 1);
    for (const w of TUNNEL_EXTRA_WORDS) f[w] = 0;
    f[M.tunFlags.word] = (f[M.tunFlags.word] ?? 0) & 0xffff0000;
    // The outer TOS / TTL / UDP ports are tunnel metadata too (OVS clears all of flow->tunnel).
    f[XM.tunTos.word] = 0;
    f[XM.tunTpSrc.word] = 0;
    this.wc[XM.tunTos.word] = 0;
    this.wc[XM.tunTpSrc.word] = 0;
    this.wc.fill(0, M.tunId.word, M.tunDst.word + 1);
    for (const w of TUNNEL_EXTRA_WORDS) this.wc[w] = 0;
    this.wc[M.tunFlags.word] = (this.wc[M.tunFlags.word] ?? 0) & 0xffff0000;
    f.fill(0, M.regs[0]!.word, M.regs[0]!.word + 16);
    this.clearConntrack();
    const node = this.report("bridge", `bridge("${peer.bridge.name}")`);
    if (node !== null) this.trace = node.subs;
    this.bridge = peer.bridge;
    const inPeer = peer.bridge.port(peer.ofport);
    if (inPeer === undefined || !inPeer.noReceive) {
      this.tableAction(peer.ofport, 0, true, last, cloneActions);
      if (!this.freezing) this.executeActionSet();
      if (this.freezing) finishFreezing(this);
    }
    this.trace = oldTrace;
    if (independentMirrors) this.mirrors = oldMirrors;
    this.bridge = oldBridge;
    this.wc.set(savedTunMask, M.tunId.word);
    this.wc[XM.tunTos.word] = savedOuterMask[0] ?? 0;
    this.wc[XM.tunTpSrc.word] = savedOuterMask[1] ?? 0;
    this.flow.set(savedFlow);
    this.actionSet = savedActionSet;
    this.actsetOutput = savedActset;
    this.actionSetHasGroup = savedHasGroup;
    this.stack = savedStack;
    this.conntracked = oldConntracked;
    this.exit = false;
    this.error = null;
  }

  clearConntrack(): void {
    this.conntracked = false;
    this.flow[M.ctState.word] = ((this.flow[M.ctState.word] ?? 0) & ~0xff) >>> 0;
    writeCtZone(this.flow, 0);
    this.flow[M.ctMark.word] = 0;
    this.flow.fill(0, M.ctLabel.word, M.ctLabel.word + 4);
  }

  /** OVS's xlate_action_set: runs the written actions as "--. Executing action set:". */
  executeActionSet(): void {
    const list = actionSetOrder(this.actionSet);
    this.actionSet = [];
    if (list.length === 0) return;
    this.inActionSet = true;
    const oldTrace = this.trace;
    const node = this.report("table", "--. Executing action set:");
    if (node !== null) this.trace = node.subs;
    runActionsHook.run(list, this, true);
    this.trace = oldTrace;
    this.inActionSet = false;
  }

  /** OVS's xlate_wc_init. */
  initWc(): void {
    maskMember(this.wc, M.inPort);
    maskMember(this.wc, M.dlType);
    const t = readSmall(this.flow, M.dlType);
    if (t === 0x0800 || t === 0x86dd) this.wc[M.nwFrag.word] = ((this.wc[M.nwFrag.word] ?? 0) | 3) >>> 0;
    if (this.bridge.netflow !== undefined && this.bridge.netflow !== null) netflowMaskWc(this.flow, this.wc);
    if (tunnelDstIsSet(this.flow)) {
      // tnl_wc_init: tun_id, the addresses (IPv4, else IPv6), tos exact; of the flags only df,
      // csum and key; the inner ECN when the outer one is CE (tnl_process_ecn reads it).
      maskMember(this.wc, M.tunId);
      if (readSmall(this.flow, M.tunDst) !== 0) {
        maskMember(this.wc, M.tunSrc);
        maskMember(this.wc, M.tunDst);
      } else {
        maskMember(this.wc, M.tunIpv6Src);
        maskMember(this.wc, M.tunIpv6Dst);
      }
      maskMember(this.wc, XM.tunTos);
      this.wc[M.tunFlags.word] = ((this.wc[M.tunFlags.word] ?? 0) | (TNL_WC_FLAGS << M.tunFlags.shift)) >>> 0;
      if ((t === 0x0800 || t === 0x86dd) && (readSmall(this.flow, XM.tunTos) & IP_ECN_MASK) === IP_ECN_MASK) {
        this.wc[M.nwTos.word] = ((this.wc[M.nwTos.word] ?? 0) | (IP_ECN_MASK << M.nwTos.shift)) >>> 0;
      }
    }
  }
}

/** FLOW_TNL_F_DONT_FRAGMENT | FLOW_TNL_F_CSUM | FLOW_TNL_F_KEY. */
const TNL_WC_FLAGS = 0xe;
const IP_ECN_MASK = 0x03;

/**
 * OVS's tnl_process_ecn: a tunnel packet whose outer ECN is CE marks an
 * ECN-capable inner IP packet CE; one that is not ECN-capable is dropped
 * (false: its actions are not run).
 */
export function tnlProcessEcn(flow: Uint32Array): boolean {
  if (!tunnelDstIsSet(flow)) return true;
  const t = readSmall(flow, M.dlType);
  if ((t !== 0x0800 && t !== 0x86dd) || (readSmall(flow, XM.tunTos) & IP_ECN_MASK) !== IP_ECN_MASK) return true;
  const tos = readSmall(flow, M.nwTos);
  if ((tos & IP_ECN_MASK) === 0) return false;
  flow[M.nwTos.word] = ((flow[M.nwTos.word] ?? 0) | (IP_ECN_MASK << M.nwTos.shift)) >>> 0;
  return true;
}

function writeCtZone(flow: Uint32Array, zone: number): void {
  const w = M.ctZone.word;
  flow[w] = (((flow[w] ?? 0) & 0xffff) | (zone << 16)) >>> 0;
}

/** The actions of OVS's miss_rule: a packet-in with reason OFPR_IMPLICIT_MISS (no_match on the wire). */
const MISS_ACTIONS: ActionList = [
  { type: "controller", maxLen: 0xffff, reason: "implicit_miss", controllerId: 0, userdata: [], pause: false, meterId: 0xffffffff },
];

/** How a rule's actions get translated (do_xlate_actions, or the patch-port wrapper). */
export type RunActions = (list: ActionList, ctx: XlateCtx, last: boolean) => void;

/**
 * The action-list translator, installed by xlate-actions.ts (it imports this
 * file; a hook avoids the import cycle).
 */
export const runActionsHook: { run: RunActions; clone: RunActions } = {
  run: () => undefined,
  clone: () => undefined,
};

const cloneActions: RunActions = (list, ctx, last) => runActionsHook.clone(list, ctx, last);

/** OVS's rule_is_table_miss: priority 0, catch-all match. */
function isTableMiss(e: FlowEntry<ActionList>): boolean {
  return e.priority === 0 && e.match.isCatchall();
}

/** A rule in a trace: `<match>, priority N[, cookie 0x..]` (minimatch_format + xlate_report_table). */
function describeRule(e: FlowEntry<ActionList>, tunTable: TunMetadataTable | undefined, names: PortNameMap | undefined): string {
  let s = formatMatch(e.match, 0x8000, names, tunTable === undefined ? undefined : vswitchdTunMdView(tunTable));
  if (s !== "" && !s.endsWith(" ")) s += ", ";
  s += `priority ${e.priority}`;
  if (e.cookie !== 0n) s += `, cookie 0x${e.cookie.toString(16)}`;
  return s;
}

/**
 * OVS's ofpacts_execute_action_set: the action set in the order OpenFlow
 * specifies (ofpacts_copy_last by type order: strip/pop vlan, push vlan,
 * set fields and mods, set_queue, group or output).
 */
function actionSetOrder(set: ActionList): ActionList {
  return actionSetOrderHook.order(set);
}

/** Installed by xlate-actions.ts. */
export const actionSetOrderHook: { order: (set: ActionList) => ActionList } = { order: (s) => s };

export { OFPP_NONE, OFPP_UNSET };
export type { PacketInReason };
