/**
 * The datapaths of one switch with their megaflow caches
 * (src/datapath/dpif-netdev.ts), one per open datapath, each fed by an
 * upcall over the bridges that share it (src/datapath/upcall.ts), as
 * ofproto-dpif-upcall.c feeds OVS's datapaths.
 *
 * - `dpif(dp)` creates a datapath's cache on first use;
 * - `noteConfigChange()`: something may change translation (ports, bridges,
 *   port config): the upcalls re-read their bridges, which moves their
 *   generation (and so revalidates every megaflow before its next use);
 * - `pushStats(now)`: pending megaflow stats reach their rules before an
 *   outside change (dpif-netdev.ts, "Stats");
 * - `revalidate(now)` / `purge(now)`: a revalidator round / revalidator/purge;
 * - `configure(limits)`: `other_config:flow-limit` and `max-idle` for every
 *   datapath (the dynamic flow limit follows at the next revalidator round).
 */
import type { Bridge } from "../datapath/bridge.js";
import type { Datapath } from "../datapath/dpif.js";
import { DEFAULT_FLOW_LIMIT, DEFAULT_MAX_IDLE_MS, DpifNetdev } from "../datapath/dpif-netdev.js";
import type { DpifLog, DpifNetdevState } from "../datapath/dpif-netdev.js";
import { BridgeUpcall } from "../datapath/upcall.js";
import type { RecircIds } from "../actions/xlate/xlate-context.js";
import type { RevalidatorLog } from "../datapath/flow-dump-log.js";
import type { UpcallLogs } from "../datapath/upcall-trace-log.js";
import { logFlowDump } from "../datapath/flow-dump-log.js";

/** What the datapaths need of their switch. */
export interface DatapathOwner {
  /** The datapaths vswitchd has open. */
  openDatapaths(): Datapath[];
  /** The bridges whose ofproto runs on `dp`. */
  bridgesOf(dp: Datapath): Bridge[];
  readonly recircIds: RecircIds;
  /** Where the datapaths log (the `dpif_netdev` module of the switch's vlog). */
  readonly dpifLog: DpifLog;
  /** Where the revalidators log their dumps (the `dpif` module). */
  readonly revalidatorLog?: RevalidatorLog;
  /** Where a packet's translation logs (ofproto_dpif_xlate, ofproto_dpif_upcall). */
  readonly upcallLogs?: UpcallLogs;
}

/** The switch-wide datapath settings of `other_config`. */
export interface DatapathLimits {
  readonly flowLimit: number;
  readonly maxIdle: number;
}

/** The datapaths' megaflow side as data (snapshots): each cache that exists (by datapath type) with its upcall's epoch, and the limits. */
export interface DatapathsState {
  readonly limits: DatapathLimits;
  /** The debugging switches (upcall/*, revalidator/pause, odp-execute/action-impl-set); absent in older snapshots: the defaults. */
  readonly debug?: DatapathDebugState;
  readonly dpifs: readonly { readonly type: string; readonly epoch: number; readonly dpif: DpifNetdevState }[];
}

/** The debugging switches of the datapaths as data (snapshots). */
export interface DatapathDebugState {
  readonly megaflows: boolean;
  readonly dumpWithUfid: boolean;
  readonly revalidatorsPaused: boolean;
  readonly odpExecuteImpl: "scalar" | "autovalidator";
}

export class Datapaths {
  private readonly dpifs = new Map<Datapath, DpifNetdev>();
  private limits: DatapathLimits = { flowLimit: DEFAULT_FLOW_LIMIT, maxIdle: DEFAULT_MAX_IDLE_MS };
  /** ofproto-dpif-upcall.c's enable_megaflows (`upcall/disable-megaflows`, `enable-megaflows`), for every datapath. */
  private megaflows = true;

  constructor(private readonly owner: DatapathOwner) {}

  /** The datapath (with its megaflow cache) of open datapath `dp`. */
  dpif(dp: Datapath): DpifNetdev {
    let d = this.dpifs.get(dp);
    if (d === undefined) {
      const upcall = new BridgeUpcall(this.owner.bridgesOf(dp), this.owner.recircIds);
      upcall.logs = this.owner.upcallLogs ?? null;
      d = new DpifNetdev(dp, upcall, this.limits.flowLimit);
      d.maxIdle = this.limits.maxIdle;
      d.log = this.owner.dpifLog;
      d.megaflows = this.megaflows;
      d.putLog = this.owner.revalidatorLog ?? null;
      this.dpifs.set(dp, d);
    }
    return d;
  }

  save(): DatapathsState {
    const dpifs = [...this.dpifs].map(([dp, d]) => ({ type: dp.type, epoch: d.upcall instanceof BridgeUpcall ? d.upcall.epoch : 0, dpif: d.save() }));
    const debug: DatapathDebugState = { megaflows: this.megaflows, dumpWithUfid: this.dumpWithUfid, revalidatorsPaused: this.revalidatorsPaused, odpExecuteImpl: this.odpExecuteImpl };
    return { limits: this.limits, debug, dpifs };
  }

  /** Takes the state `save` gave, the open datapaths and their bridges being restored already. */
  restore(s: DatapathsState): void {
    this.limits = s.limits;
    this.megaflows = s.debug?.megaflows ?? true;
    this.dumpWithUfid = s.debug?.dumpWithUfid ?? true;
    this.revalidatorsPaused = s.debug?.revalidatorsPaused ?? false;
    this.odpExecuteImpl = s.debug?.odpExecuteImpl ?? "scalar";
    this.dpifs.clear();
    const open = this.owner.openDatapaths();
    for (const saved of s.dpifs) {
      const dp = open.find((o) => o.type === saved.type);
      if (dp === undefined) continue;
      const d = this.dpif(dp);
      d.restore(saved.dpif);
      if (d.upcall instanceof BridgeUpcall) d.upcall.epoch = saved.epoch;
    }
  }

  /** The cache of `dp` if it has one (none is created). */
  existing(dp: Datapath): DpifNetdev | undefined {
    return this.dpifs.get(dp);
  }

  /** Every open datapath's cache (created when missing). */
  all(): DpifNetdev[] {
    return this.owner.openDatapaths().map((dp) => this.dpif(dp));
  }

  /** The datapaths re-read their bridges (a change of ports, bridges or port config). */
  noteConfigChange(): void {
    const open = new Set(this.owner.openDatapaths());
    for (const [dp, d] of this.dpifs) {
      if (!open.has(dp)) this.dpifs.delete(dp);
      else if (d.upcall instanceof BridgeUpcall) d.upcall.setBridges(this.owner.bridgesOf(dp));
    }
  }

  /** Sets `other_config:flow-limit` and `max-idle` on every datapath, and on those opened later. */
  configure(limits: DatapathLimits): void {
    this.limits = limits;
    for (const d of this.dpifs.values()) {
      d.configuredFlowLimit = limits.flowLimit;
      d.maxIdle = limits.maxIdle;
    }
  }

  /** Pushes pending megaflow stats (before an outside change, before reading counters). */
  pushStats(now: number): void {
    for (const d of this.dpifs.values()) d.pushStats(now);
  }

  /**
   * `revalidator/pause` / `resume` (udpif_pause_revalidators): while paused no
   * revalidator round runs (no idle flow goes, no stats are pushed by a round);
   * the packet path still revalidates a stale megaflow it hits.
   */
  revalidatorsPaused = false;
  /**
   * The active odp-execute implementation (`odp-execute/action-impl-set`): OVS 3.1's `scalar`
   * or `autovalidator` (every other implementation checked against scalar). ovsim has one
   * implementation of the actions, so either choice executes the same.
   */
  odpExecuteImpl: "scalar" | "autovalidator" = "scalar";
  /** ofproto-dpif-upcall.c's enable_ufid (`upcall/disable-ufid`): revalidators dump flows by ufid alone (terse) or with their key. */
  dumpWithUfid = true;

  /** A revalidator round on every datapath (none while the revalidators are paused). */
  revalidate(now: number): void {
    if (this.revalidatorsPaused) return;
    const log = this.owner.revalidatorLog;
    for (const d of this.all()) {
      if (log?.dbg === true) logFlowDump(log, d.datapath, d.flows(now), now, this.dumpWithUfid);
      d.revalidate(now);
    }
  }

  /** Revalidators woken by a change (not while paused): each datapath's megaflows revalidated if anything changed. */
  revalidateIfChanged(now: number): void {
    if (this.revalidatorsPaused) return;
    for (const d of this.all()) d.revalidateIfChanged(now);
  }

  /** `upcall/enable-megaflows` / `disable-megaflows`: the switch, then every datapath flushed (udpif_flush_all_datapaths). */
  setMegaflows(enabled: boolean, now: number): void {
    this.megaflows = enabled;
    // udpif_flush restarts the revalidators, which dump tersely again (udpif_start_threads).
    this.dumpWithUfid = true;
    // udpif_flush: the revalidators purge their flows, then the datapath is flushed.
    for (const d of this.all()) {
      d.megaflows = enabled;
      d.purge(now);
      d.flush();
    }
  }

  /** `revalidator/purge`: every datapath flow goes. */
  purge(now: number): void {
    for (const d of this.all()) d.purge(now);
  }
}
