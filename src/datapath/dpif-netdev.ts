/**
 * The per-host datapath with its megaflow cache, as OVS's userspace datapath
 * (lib/dpif-netdev.c) and the ofproto side that feeds it
 * (ofproto/ofproto-dpif-upcall.c).
 *
 *   const dpif = new DpifNetdev(datapath, upcall);   // upcall: upcall.ts
 *   const actions = dpif.receive(key, bytes, now);   // datapath actions to execute
 *
 * The way a packet goes (`receive`):
 * 1. megaflow lookup (megaflow-cache.ts); a hit counts the packet in the
 *    megaflow's stats (and `nHit`) and returns its actions — no allocation;
 *    a hit on a megaflow validated before what translation depends on last
 *    changed (the upcall's `generation()`: flow_mods, ports, MAC learning,
 *    learned flows) first revalidates that megaflow, and only it (see
 *    "Revalidation");
 * 2. a miss (`nMissed`) is an upcall: translation with side effects, rules
 *    credited with the packet, then the megaflow (key & mask, actions) is
 *    installed and its actions returned. With `hold`, the megaflow is
 *    installed only at `release`, after the caller has executed the actions:
 *    OVS's handle_packet_upcall executes first and installs after, so a
 *    packet recirculated within those actions (recirc runs at once, nested)
 *    misses again instead of hitting its own half-installed megaflow; the
 *    recirculation ids the held actions name stay referenced meanwhile, so
 *    an equal frozen state in the nested pass shares the id.
 * Executing the actions is the caller's step (datapath actions on bytes:
 * odp-execute.ts, whose `meter(N)` runs on `datapath.meters`, dp-meter.ts;
 * port counters: the CLI).
 *
 * Stats. As OVS, a hit only counts in the megaflow; its rules, MAC entries
 * and learned flows hear of it when its stats are pushed: at revalidation
 * (`revalidate`: `revalidator/wait`, every `time/warp` step, and any change),
 * where each megaflow with new packets is translated again with those stats
 * and side effects. ovsim also pushes pending stats before every upcall and
 * before outside changes (`pushStats`, which the CLI calls before a flow_mod
 * or a config change): side effects then happen in packet order, which makes
 * the cache transparent (test/datapath/megaflow.property.test.ts). OVS's
 * asynchronous revalidators give no such order; after `revalidator/wait` the
 * counters agree either way.
 *
 * Revalidation. OVS's revalidators re-check every datapath flow in the
 * background after a change, with bounded work per round; a packet meanwhile
 * hits whatever is installed. ovsim keeps the packet path exact and the work
 * linear: each megaflow carries the generation it was validated at, and a
 * hit on a stale one revalidates that one before it is used (so a packet
 * never takes actions that translation would no longer give it), while
 * revalidator rounds (`revalidate`) and dumps (`flows`) bring every megaflow
 * up to date, as OVS's revalidators have by the time `revalidator/wait`
 * returns. A change (a learned flow, a new MAC) thus costs the packet path
 * nothing until a megaflow it may affect is hit, instead of re-translating
 * the whole cache: learning N flows is linear in N.
 *
 * Revalidation of one megaflow (OVS's revalidate_ukey): translate the key of
 * the packet that installed it; if the port is gone or the new megaflow mask
 * needs bits the installed one ignores, delete it; if only the actions
 * changed, modify it in place (its stats stay); megaflows idle for more than
 * `maxIdle` ms (OVS's max-idle, 10 s) are deleted by revalidator rounds.
 *
 * The flow limit (ofproto-dpif-upcall.c's dynamic `flow_limit`): a miss
 * installs no megaflow while the datapath holds `flowLimit` of them (the
 * packet is still translated and executed: should_install_flow). The limit
 * starts at the configured one (`other_config:flow-limit`, 200000) capped at
 * 10000, and each revalidator round moves it as udpif_revalidator does for a
 * round that took no time (a simulated one): +1000 when more than 2000
 * megaflows were installed at the round's start, then kept within [1000, the
 * configured limit]. A round that starts above the limit uses a 100 ms
 * max-idle, and one above twice the limit deletes every megaflow. OVS reads
 * the megaflow count through a 100 ms cache; ovsim reads it exactly.
 */
import type { OdpAction } from "../actions/xlate/odp-actions.js";
import { formatOdpActions } from "../actions/xlate/odp-actions.js";
import { XM } from "../actions/xlate/odp-metadata.js";
import { W } from "../flowtable/flow-layout.js";
import type { Datapath } from "./dpif.js";
import type { Megaflow, MegaflowCacheState } from "./megaflow-cache.js";
import { MegaflowCache } from "./megaflow-cache.js";
import type { KeyRoot } from "./megaflow-cache.js";
import { exactKeyMask, formatMegaflowKey, formatUfid } from "./dpif-netdev-format.js";
import type { Packet } from "./packet/packet.js";
import { missUpcallMessage } from "./upcall-log.js";
import type { RevalidatorLog } from "./flow-dump-log.js";
import { REVALIDATOR_THREAD, flowDelMessage, flowPutMessage } from "./flow-dump-log.js";

/** What translation answers the datapath. */
export interface UpcallResult {
  readonly actions: readonly OdpAction[];
  /** The mask to install (DP_KEY_WORDS words). */
  readonly mask: Uint32Array;
  /** Every packet must go to userspace (packet-ins, slow actions). */
  readonly slowPath: boolean;
  /** What the upcalled packet itself executes, when not `actions` (a slow-path flow installs `userspace(...slow_path(...))`). */
  readonly packetActions?: readonly OdpAction[];
  /** xout's avoid_caching: the actions depend on a learn that only a packet could redo (a revalidation deletes the flow). */
  readonly avoidCaching?: boolean;
}

/** The ofproto side of a datapath (upcall.ts implements it over bridges). */
export interface DpifUpcall {
  /** Changes whenever anything translation depends on changes (never decreases). */
  generation(): number;
  /** A miss: translate with side effects, crediting rules with one packet of `bytes`; null = drop, install nothing. */
  upcall(key: Uint32Array, bytes: number, now: number): UpcallResult | null;
  /** A hit of a slow-path megaflow: translate with side effects (packet-ins), crediting nothing. */
  slowPath(key: Uint32Array, bytes: number, now: number): readonly OdpAction[];
  /** Revalidation: translate `key`; with packets > 0 push them (credit + side effects). null = the port is gone. */
  /** `tcpFlags`: the megaflow's hits' TCP flags, ORed (fin_timeout reads them). */
  revalidate(key: Uint32Array, packets: number, bytes: number, now: number, tcpFlags?: number, used?: number): UpcallResult | null;
  /**
   * Optional (added with NetFlow): the datapath flow of `key` was deleted, or is about to be
   * translated anew after a change (OVS clears its xlate cache then): netflow_flow_clear.
   */
  flowCleared?(key: Uint32Array, deleted: boolean): void;
  /** A datapath flow takes (+1) or drops (-1) a reference to recirculation id `id` (its frozen state stays shared while held). */
  refRecirc?(id: number, delta: number): void;
  /** Whether recirculation id `id` is referenced (absent: always). OVS's should_install_flow installs no flow for a recirculated packet whose id nobody holds. */
  recircHeld?(id: number): boolean;
}

function forEachRecirc(actions: readonly OdpAction[], f: (id: number) => void): void {
  for (const a of actions) {
    if (a.type === "recirc") f(a.id);
    // A controller action's frozen state (xlate_controller_action): the flow holds it too, as OVS's ukey holds xout's recircs.
    else if (a.type === "userspace" && a.cookie?.kind === "controller") f(a.cookie.recircId);
    else if (a.type === "clone" || a.type === "sample") forEachRecirc(a.actions, f);
  }
}

/** OVS's ofproto_max_idle default (ms): idle datapath flows are deleted after this. */
export const DEFAULT_MAX_IDLE_MS = 10_000;
/** OVS's OFPROTO_FLOW_LIMIT_DEFAULT (`other_config:flow-limit`). */
export const DEFAULT_FLOW_LIMIT = 200_000;
/** The dynamic limit's starting cap and floor (ofproto-dpif-upcall.c). */
const FLOW_LIMIT_START = 10_000;
const FLOW_LIMIT_FLOOR = 1000;
/** The max-idle of a round that starts above the flow limit, ms. */
const OVERFLOW_MAX_IDLE_MS = 100;
/**
 * Revalidation rounds at most per packet: pushing stats may itself change
 * state (a MAC refresh that moves an entry), which needs another round; past
 * this the cache is emptied instead (correct, only slower).
 */
const MAX_REVALIDATION_ROUNDS = 4;

const NO_ACTIONS: readonly OdpAction[] = [];

function covers(installed: Uint32Array, needed: Uint32Array): boolean {
  for (let w = 0; w < installed.length; w++) if (((needed[w] ?? 0) & ~(installed[w] ?? 0)) !== 0) return false;
  for (let w = installed.length; w < needed.length; w++) if ((needed[w] ?? 0) !== 0) return false;
  return true;
}

/**
 * Where a datapath logs: ovs-vswitchd's `dpif_netdev` log module
 * (src/vswitchd/vlog.ts). Nothing is formatted unless `dbg` is on.
 */
export interface DpifLog {
  readonly dbg: boolean;
  debug(message: string): void;
}

const SILENT: DpifLog = { dbg: false, debug: () => undefined };


/** A datapath flow put by hand (`dpctl/add-flow`, `dpctl/mod-flow`: dpif-flow-put.ts). */
export interface DpifFlowPut {
  /** The key as given, unmasked, in_port the datapath port (DP_KEY_WORDS words). */
  readonly key: Uint32Array;
  readonly mask: Uint32Array;
  readonly actions: readonly OdpAction[];
  /** DPIF_FP_CREATE / DPIF_FP_MODIFY. */
  readonly create: boolean;
  readonly modify: boolean;
  /** The key's identity (what OVS hashes the flow's ufid from). */
  readonly putKey: string;
  readonly keyRoot: KeyRoot;
}

/** An upcall's megaflow waiting to be installed (`receive` with `hold`). */
interface HeldInstall {
  readonly key: Uint32Array;
  readonly mask: Uint32Array;
  readonly actions: readonly OdpAction[];
  readonly slowPath: boolean;
  /** The generation the upcall translated at. */
  readonly translatedAt: number;
}

/** A datapath's megaflow side as data (snapshots): the cache, limits, and where revalidation stands. */
export interface DpifNetdevState {
  readonly cache: MegaflowCacheState;
  readonly cacheEnabled: boolean;
  readonly maxIdle: number;
  readonly configuredFlowLimit: number;
  readonly flowLimit: number;
  readonly nFlowLimitHit: number;
  readonly validGen: number;
  readonly seenStale: boolean;
  /** The seq of each megaflow hit since its stats were last pushed, in push order. */
  readonly dirty: readonly number[];
}

export class DpifNetdev {
  readonly datapath: Datapath;
  readonly upcall: DpifUpcall;
  readonly cache = new MegaflowCache();
  /** False: no megaflows are installed, every packet is an upcall (the bench's baseline). */
  cacheEnabled = true;
  maxIdle = DEFAULT_MAX_IDLE_MS;
  /** `other_config:flow-limit` (ofproto_flow_limit): what the dynamic limit may grow to. */
  configuredFlowLimit = DEFAULT_FLOW_LIMIT;
  /** The dynamic limit (udpif->flow_limit): no megaflow is installed at or above it. */
  flowLimit: number;
  /** Misses that installed nothing because of the flow limit (coverage upcall_flow_limit_hit). */
  nFlowLimitHit = 0;
  /** The generation the whole cache was last validated at. */
  private validGen: number;
  /** A packet arrived after a change the whole cache is not yet validated against. */
  private seenStale = false;
  /** Megaflows hit since their stats were last pushed. */
  private dirty: Megaflow[] = [];
  /** Upcalls of `receive(..., hold)` whose megaflows wait for `release`, in upcall order. */
  private held: HeldInstall[] = [];
  /** The `dpif_netdev` log module (`miss upcall:`, `flow_add:` / `flow_mod:` at DBG). */
  log: DpifLog = SILENT;
  /**
   * False after `upcall/disable-megaflows`: an upcall installs an exact-match
   * flow (its key with exactKeyMask, as a put without a mask), not the megaflow
   * translation computed.
   */
  megaflows = true;
  /** The `dpif` module, where a revalidator's put logs (`put[modify]`), or null. */
  putLog: RevalidatorLog | null = null;

  constructor(datapath: Datapath, upcall: DpifUpcall, configuredFlowLimit: number = DEFAULT_FLOW_LIMIT) {
    this.datapath = datapath;
    this.upcall = upcall;
    this.configuredFlowLimit = configuredFlowLimit;
    this.flowLimit = Math.min(configuredFlowLimit, FLOW_LIMIT_START);
    this.validGen = upcall.generation();
  }

  /**
   * A packet with datapath key `key` (DP_KEY_WORDS words, in_port = datapath
   * port) and `bytes` bytes arrives: returns the datapath actions to execute.
   */
  receive(key: Uint32Array, bytes: number, now: number, hold = false, packet: Packet | null = null): readonly OdpAction[] {
    const gen = this.upcall.generation();
    if (gen !== this.validGen) this.seenStale = true;
    const m = this.cacheEnabled ? this.lookupValid(key, gen, now) : null;
    if (m !== null) {
      this.datapath.nHit++;
      m.packets++;
      m.bytes += bytes;
      m.tcpFlags |= (key[W.TCP_FLAGS] ?? 0) & 0xffff;
      m.used = now;
      if (!m.dirty) {
        m.dirty = true;
        this.dirty.push(m);
      }
      return m.slowPath ? this.upcall.slowPath(key, bytes, now) : m.actions;
    }
    // OVS's should_install_flow: a recirculated packet whose recirculation id nobody holds (a
    // packet-out's: its references go with the packet-out) is translated and executed, but
    // installs no flow and counts as lost, not missed.
    const recircId = key[XM.recircId.word] ?? 0;
    if (recircId !== 0 && this.upcall.recircHeld?.(recircId) === false) {
      if (this.dirty.length > 0) this.pushStats(now);
      const lost = this.upcall.upcall(key, bytes, now);
      return lost === null ? NO_ACTIONS : (lost.packetActions ?? lost.actions);
    }
    this.datapath.nMissed++;
    if (this.log.dbg) this.log.debug(missUpcallMessage(this.datapath.name, key, packet));
    if (this.dirty.length > 0) this.pushStats(now);
    const translatedAt = this.upcall.generation();
    const r = this.upcall.upcall(key, bytes, now);
    if (r === null) return NO_ACTIONS;
    if (this.cacheEnabled) {
      this.refs(r.actions, 1);
      const mask = this.megaflows ? r.mask : exactKeyMask(key);
      const install: HeldInstall = { key, mask, actions: r.actions, slowPath: r.slowPath, translatedAt };
      if (hold) this.held.push(install);
      else this.install(install, now);
    }
    return r.packetActions ?? r.actions;
  }

  /** Installs the megaflows of the upcalls `receive` held, the last upcall's first (as OVS's nested upcalls return). */
  release(now: number): void {
    while (this.held.length > 0) this.install(this.held.pop() as HeldInstall, now);
  }

  /** Installs an upcall's megaflow (its actions' recirculation ids already referenced), unless the limit or an equal megaflow is in the way. */
  private install(h: HeldInstall, now: number): void {
    // A miss must not install over a megaflow that pushing stats (or a nested upcall) just made cover the key.
    if (this.cache.size >= this.flowLimit) this.nFlowLimitHit++;
    else if (this.cache.lookup(h.key) === null) {
      // Translated at `translatedAt`: its own side effects (a learn) leave it to be revalidated.
      const m = this.cache.insert(h.key, h.mask, h.actions, h.slowPath, now);
      m.validGen = h.translatedAt;
      if (this.log.dbg) this.logFlowChange(m, null);
      return;
    }
    this.refs(h.actions, -1);
  }

  /**
   * The megaflow `key` hits, validated at the current generation (revalidated first if
   * stale; one deleted by its revalidation may uncover another), or null: a miss.
   */
  private lookupValid(key: Uint32Array, current: number, now: number): Megaflow | null {
    let gen = current;
    for (let round = 0; round < MAX_REVALIDATION_ROUNDS; round++) {
      const m = this.cache.lookup(key);
      if (m === null) return null;
      if (round > 0) gen = this.upcall.generation();
      if (m.validGen === gen) return m;
      // Revalidating pushes the megaflow's stats, whose side effects may move the generation again.
      if (this.revalidateOne(m, now) && this.upcall.generation() === gen) {
        m.validGen = gen;
        return m;
      }
    }
    this.revalidateChanged(now);
    return this.cache.lookup(key);
  }

  /** Whether megaflows wait for `release` (a packet is being executed): no snapshot then. */
  get installsHeld(): boolean {
    return this.held.length > 0;
  }

  save(): DpifNetdevState {
    return {
      cache: this.cache.save(),
      cacheEnabled: this.cacheEnabled,
      maxIdle: this.maxIdle,
      configuredFlowLimit: this.configuredFlowLimit,
      flowLimit: this.flowLimit,
      nFlowLimitHit: this.nFlowLimitHit,
      validGen: this.validGen,
      seenStale: this.seenStale,
      dirty: this.dirty.map((m) => m.seq),
    };
  }

  /**
   * Takes the state `save` gave, on a datapath with no megaflows; the recirculation ids
   * its megaflows hold are restored with them (RecircIds), not taken again here.
   */
  restore(s: DpifNetdevState): void {
    const bySeq = this.cache.restore(s.cache);
    this.cacheEnabled = s.cacheEnabled;
    this.maxIdle = s.maxIdle;
    this.configuredFlowLimit = s.configuredFlowLimit;
    this.flowLimit = s.flowLimit;
    this.nFlowLimitHit = s.nFlowLimitHit;
    this.validGen = s.validGen;
    this.seenStale = s.seenStale;
    this.dirty = s.dirty.flatMap((seq) => bySeq.get(seq) ?? []);
  }

  /** Pushes the stats of every megaflow hit since its last push (revalidating those). */
  pushStats(now: number): void {
    const list = this.dirty;
    this.dirty = [];
    for (const m of list) {
      m.dirty = false;
      this.revalidateOne(m, now);
    }
  }

  /**
   * A revalidator round (`revalidator/wait`, clock ticks): deletes idle
   * megaflows (their stats pushed), revalidates the rest, pushing stats.
   */
  revalidate(now: number): void {
    const nFlows = this.cache.size;
    const killAll = nFlows > this.flowLimit * 2;
    const maxIdle = nFlows > this.flowLimit ? OVERFLOW_MAX_IDLE_MS : this.maxIdle;
    for (const m of this.cache.flows()) {
      const used = m.used >= 0 ? m.used : m.created;
      // Its stats pushed (revalidateOne deletes it when translation no longer fits it), then gone.
      if ((killAll || used < now - maxIdle) && this.revalidateOne(m, now)) this.delete(m, now);
    }
    this.revalidateChanged(now);
    const grown = nFlows > 2 * FLOW_LIMIT_FLOOR ? this.flowLimit + FLOW_LIMIT_FLOOR : this.flowLimit;
    this.flowLimit = Math.min(this.configuredFlowLimit, Math.max(grown, FLOW_LIMIT_FLOOR));
  }

  /** `revalidator/purge`: deletes every megaflow (stats pushed first). */
  purge(now: number): void {
    this.pushStats(now);
    // revalidator_purge runs in the thread that asks (the main one): its deletions log from there.
    if (this.putLog?.dbg === true) for (const m of this.cache.flows()) this.putLog.debug(flowDelMessage(this.datapath, m, now));
    this.clearCache();
    this.dirty = [];
  }

  /**
   * dpif_netdev_flow_put of a flow put by hand (dpif-flow-put.ts parsed and checked it): the
   * megaflow its *unmasked* key hits is the flow it names (flow_put_on_pmd); none: a create
   * installs it, a modify alone fails; one: a modify replaces its actions (its stats stay), a
   * create alone fails. The new megaflow counts as validated now: a packet hitting it takes its
   * actions as given, and the next revalidator round translates its key as any megaflow's
   * (OVS's revalidator gives a flow without a ukey one, due for revalidation).
   */
  putFlow(p: DpifFlowPut, now: number): "File exists" | "No such file or directory" | null {
    const existing = this.cache.lookup(p.key);
    if (existing === null) {
      if (!p.create) return "No such file or directory";
      this.refs(p.actions, 1);
      const m = this.cache.insert(p.key, p.mask, p.actions, false, now);
      m.validGen = this.upcall.generation();
      m.putKey = p.putKey;
      m.keyRoot = p.keyRoot;
      if (this.log.dbg) this.logFlowChange(m, null);
      return null;
    }
    if (!p.modify) return "File exists";
    this.refs(p.actions, 1);
    this.refs(existing.actions, -1);
    const old = existing.actions;
    existing.actions = p.actions;
    existing.slowPath = false;
    if (this.log.dbg) this.logFlowChange(existing, old);
    return null;
  }

  /**
   * dpif_netdev_flow_del by the ufid `dpctl/del-flow` derives from the key it is given: the
   * flow put by hand with that very key, its unpushed stats lost; false: none (ENOENT).
   */
  delPutFlow(putKey: string): boolean {
    const m = this.cache.flows().find((f) => f.putKey === putKey);
    if (m === undefined) return false;
    this.refs(m.actions, -1);
    this.dirty = this.dirty.filter((d) => d !== m);
    this.cache.remove(m);
    return true;
  }

  /** dpif_flow_flush (`dpctl/del-flows`): every megaflow goes, stats not yet pushed lost with it. */
  flush(): void {
    this.clearCache();
    this.dirty = [];
    if (this.putLog?.dbg === true) this.putLog.debug(`${this.datapath.type}@${this.datapath.name}: flow_flush success`);
  }

  private refs(actions: readonly OdpAction[], delta: number): void {
    const ref = this.upcall.refRecirc;
    if (ref !== undefined) forEachRecirc(actions, (id) => ref.call(this.upcall, id, delta));
  }

  private clearCache(): void {
    const gone = this.cache.flows();
    for (const m of gone) this.refs(m.actions, -1);
    this.cache.clear();
    for (const m of gone) this.upcall.flowCleared?.(m.flow, true);
  }

  /** A revalidator pass woken by a change (udpif_revalidate): the megaflows are revalidated now, if anything changed since they were. */
  revalidateIfChanged(now: number): void {
    if (this.upcall.generation() !== this.validGen || this.seenStale) this.revalidateChanged(now);
  }

  /**
   * The installed megaflows, oldest first. Once a packet has met a change, every megaflow is
   * brought up to date first (OVS's revalidators react to the change without waiting for
   * the next round); before any packet, the cache shows what it held.
   */
  flows(now: number): Megaflow[] {
    if (this.seenStale) this.revalidateChanged(now);
    return this.cache.flows();
  }

  private revalidateChanged(now: number): void {
    for (let round = 0; round < MAX_REVALIDATION_ROUNDS; round++) {
      const gen = this.upcall.generation();
      for (const m of this.cache.flows()) if (this.revalidateOne(m, now)) m.validGen = gen;
      this.dirty = [];
      if (this.upcall.generation() === gen) {
        this.validGen = gen;
        this.seenStale = false;
        return;
      }
    }
    this.pushStats(now);
    if (this.putLog?.dbg === true) for (const m of this.cache.flows()) this.putLog.debugIn(REVALIDATOR_THREAD, flowDelMessage(this.datapath, m, now));
    this.clearCache();
    this.validGen = this.upcall.generation();
    this.seenStale = false;
  }

  /** OVS's revalidate_ukey: push new stats, then keep, modify or delete; false if deleted. */
  private revalidateOne(m: Megaflow, now: number): boolean {
    const packets = m.packets - m.pushedPackets;
    const bytes = m.bytes - m.pushedBytes;
    m.pushedPackets = m.packets;
    m.pushedBytes = m.bytes;
    m.dirty = false;
    // OVS's ukey xlate cache, which only NetFlow observes: none after the upcall; the first
    // revalidation that translates (after a change, or to push packets) builds it; a later one
    // after a change clears it first (netflow_flow_clear: the flow's NetFlow record expires).
    // OVS's need_revalidate (the ukey's reval_seq behind): only then is the key translated anew,
    // and only such a translation's avoid_caching (a limited learn that could not learn without
    // side effects) deletes the flow; an up-to-date one just pushes its stats.
    const needRevalidate = m.validGen !== this.upcall.generation();
    if (needRevalidate && m.xcached) this.upcall.flowCleared?.(m.flow, false);
    if (needRevalidate || packets > 0) m.xcached = true;
    const r = this.upcall.revalidate(m.flow, packets, bytes, now, m.tcpFlags, m.used >= 0 ? m.used : now);
    // An exact-match flow (megaflows disabled) covers whatever translation looks at for its packet.
    if (r === null || (this.megaflows && !covers(m.subtable.mask, r.mask)) || (needRevalidate && r.avoidCaching === true)) {
      this.delete(m, now);
      return false;
    }
    if (r.slowPath !== m.slowPath || formatOdpActions(r.actions) !== formatOdpActions(m.actions)) {
      this.refs(r.actions, 1);
      this.refs(m.actions, -1);
      const old = m.actions;
      m.actions = r.actions;
      m.slowPath = r.slowPath;
      if (this.log.dbg) this.logFlowChange(m, old);
      if (this.putLog?.dbg === true) this.putLog.debugIn(REVALIDATOR_THREAD, flowPutMessage(this.datapath, m, "modify"));
    }
    return true;
  }

  /** log_netdev_flow_change: `flow_add: ufid:... mega_ufid:... KEY, actions:...`, or `flow_mod:` with the old actions. */
  private logFlowChange(m: Megaflow, oldActions: readonly OdpAction[] | null): void {
    const head = `${oldActions === null ? "flow_add" : "flow_mod"}: ${formatUfid(m.seq, false)} ${formatUfid(m.seq, true)}`;
    const old = oldActions === null ? "" : `, old_actions:${formatOdpActions(oldActions)}`;
    this.log.debug(`${head} ${formatMegaflowKey(m.flow, m.subtable.mask, false, false, false, m.keyRoot)}${old}, actions:${formatOdpActions(m.actions)}`);
  }

  /** A revalidator deletes megaflow `m` (logged as the dpif module's `flow_del`, from its thread). */
  private delete(m: Megaflow, now: number): void {
    if (this.putLog?.dbg === true) this.putLog.debugIn(REVALIDATOR_THREAD, flowDelMessage(this.datapath, m, now));
    this.refs(m.actions, -1);
    this.cache.remove(m);
    this.upcall.flowCleared?.(m.flow, true);
  }
}
