/**
 * IPFIX exporting (OVS's ofproto/ofproto-dpif-ipfix.c, configured by
 * vswitchd/bridge.c's bridge_configure_ipfix): what a bridge's exporters
 * count of the packets its sampling actions send up, as `ovs-ofctl
 * dump-ipfix-bridge` / `dump-ipfix-flow` show it.
 *
 * Configuration. A bridge has a `dpif_ipfix` while it has options: its own
 * `ipfix` IPFIX row with at least one target (the bridge exporter), or a
 * Flow_Sample_Collector_Set naming it whose IPFIX row has a target (a flow
 * exporter, by collector set id). The bridge exporter samples with
 * probability MAX(1, UINT32_MAX / sampling) (sampling 400 when unset);
 * other_config's enable-tunnel-sampling is true unless "false", and
 * enable-input-sampling / enable-output-sampling are read as OVS 3.1 reads
 * them: sampling is *on* unless the key is "true" (`!smap_get_bool(..,
 * false)`). Options compare as OVS's options_equal does; an exporter whose
 * options changed reopens its collectors (new sockets) and expires its
 * cache, keeping its statistics; an exporter that goes loses them. The
 * whole dpif_ipfix goes (statistics too) when the bridge has no options
 * left. `configure` says whether anything changed, as set_ipfix's
 * REV_RECONFIGURE does.
 *
 * Sampling (dpif_ipfix_bridge_sample / dpif_ipfix_flow_sample): an upcall
 * of an `ipfix(...)` or `flow_sample(...)` userspace action becomes a flow
 * cache entry keyed as OVS keys it (observation domain, template: VLAN or
 * not, IPv4 / IPv6 / other, TCP / UDP / SCTP / ICMP / other, tunnelled or
 * not, direction; then the record's key fields), and counts: sampled pkts,
 * ipv4 ok / ipv6 ok for IP with a known transport, ipv4 errs / ipv6 errs and
 * pkts errs for IP without one (other Ethernet types count in none); a new
 * entry is a new flow. The bridge exporter skips BFD (UDP to 3784 / 3785); a
 * flow sample whose collector set has no exporter is dropped.
 *
 * Expiry and sending (dpif_ipfix_cache_expire): entries leave the cache when
 * older than cache_active_timeout (checked at each main-loop iteration, here
 * after each sample and each statistics request), when the cache holds more
 * than cache_max_flows, and when the exporter's options change. Each
 * expired entry is one data message; before the first of a run, once every
 * IPFIX_TEMPLATE_INTERVAL (600 s, by the wall clock) the template messages
 * (the 88 templates in as many 1024-byte messages as it takes: 18), one
 * options template message and one exporting-process statistics message go.
 * Every message is sent to each collector: one UDP socket per target.
 *
 * Collectors. ovsim has no network: a target is "opened" when it parses
 * (IPv4 or [IPv6], optional port) and nothing ever listens. Sending to a
 * loopback target then fails every other time, as on Linux: a datagram to
 * a closed local port comes back as ICMP port unreachable, which the next
 * send() on the connected socket reports as ECONNREFUSED (one tx err) and
 * clears. A send to any other address leaves and counts as sent.
 *
 * The wall clock IPFIX stamps with (time_wall_msec) is a fixed epoch plus
 * the virtual clock. (OVS's `time/warp` moves only its monotonic clock, so
 * there a warp expires no IPFIX entry and sends no template; ovsim has one
 * clock, and its warps do both.)
 */
import { hashInt } from "../flowtable/hash.js";
import { HmapOrder } from "../flowtable/hmap-order.js";
import { M, readMember, readSmall } from "../flowtable/flow-layout.js";
import type { XlateIpfix } from "../actions/xlate/xlate-bridge.js";
import type { ConfigDb, Row } from "../datapath/config-db.js";

const UINT32_MAX = 0xffffffff;
const ODPP_NONE = 0xffffffff;
/** SFL_DEFAULT_SAMPLING_RATE. */
const DEFAULT_SAMPLING_RATE = 400;
const IPFIX_TEMPLATE_INTERVAL_S = 600;
/** ovsim's wall clock at virtual time 0, seconds since the epoch (any time far past 600 s). */
const WALL_EPOCH_MS = 1_700_000_000_000;

/** What one exporter is configured with (ofproto_ipfix_{bridge,flow}_exporter_options). */
export interface IpfixExporterOptions {
  readonly targets: readonly string[];
  readonly cacheActiveTimeout: number;
  readonly cacheMaxFlows: number;
  readonly enableTunnelSampling: boolean;
  readonly virtualObsId: string | null;
}

export interface IpfixBridgeOptions extends IpfixExporterOptions {
  readonly samplingRate: number;
  readonly obsDomainId: number;
  readonly obsPointId: number;
  readonly enableInputSampling: boolean;
  readonly enableOutputSampling: boolean;
}

export interface IpfixFlowOptions extends IpfixExporterOptions {
  readonly collectorSetId: number;
}

/** A bridge's IPFIX configuration: null / [] when it has none. */
export interface IpfixConfig {
  readonly bridge: IpfixBridgeOptions | null;
  readonly flows: readonly IpfixFlowOptions[];
}

/** ofproto_ipfix_stats, as NXST_IPFIX_* replies carry it. */
export interface IpfixStats {
  totalFlows: number;
  currentFlows: number;
  pkts: number;
  ipv4Pkts: number;
  ipv6Pkts: number;
  errorPkts: number;
  ipv4ErrorPkts: number;
  ipv6ErrorPkts: number;
  txPkts: number;
  txErrors: number;
}

/** smap_get_bool. */
function smapBool(v: unknown, def: boolean): boolean {
  if (v === undefined) return def;
  const s = String(v).toLowerCase();
  return def ? s !== "false" : s === "true";
}

function optionalInt(row: Row, col: string, def: number): number {
  const v = row.cols.get(col)?.first();
  return v === undefined ? def : Number(v);
}

function targetsOf(row: Row): string[] {
  const d = row.cols.get("targets");
  return d === undefined ? [] : d.keys.map(String).sort();
}

/** bridge_configure_ipfix's options for Bridge row `br`. */
export function ipfixConfigOf(db: ConfigDb, br: Row): IpfixConfig {
  const valid = (ref: unknown): Row | undefined => {
    const row = ref === undefined ? undefined : db.row("IPFIX", String(ref));
    return row !== undefined && targetsOf(row).length > 0 ? row : undefined;
  };
  const common = (row: Row): IpfixExporterOptions => {
    const oc = row.cols.get("other_config");
    const vobs = oc?.get("virtual_obs_id");
    return {
      targets: targetsOf(row),
      cacheActiveTimeout: optionalInt(row, "cache_active_timeout", 0),
      cacheMaxFlows: optionalInt(row, "cache_max_flows", 0),
      enableTunnelSampling: smapBool(oc?.get("enable-tunnel-sampling"), true),
      virtualObsId: vobs === undefined ? null : String(vobs),
    };
  };
  const be = valid(br.cols.get("ipfix")?.first());
  let bridge: IpfixBridgeOptions | null = null;
  if (be !== undefined) {
    const oc = be.cols.get("other_config");
    bridge = {
      ...common(be),
      samplingRate: optionalInt(be, "sampling", DEFAULT_SAMPLING_RATE),
      obsDomainId: optionalInt(be, "obs_domain_id", 0),
      obsPointId: optionalInt(be, "obs_point_id", 0),
      enableInputSampling: !smapBool(oc?.get("enable-input-sampling"), false),
      enableOutputSampling: !smapBool(oc?.get("enable-output-sampling"), false),
    };
  }
  const flows: IpfixFlowOptions[] = [];
  for (const f of db.rows("Flow_Sample_Collector_Set")) {
    if (String(f.cols.get("bridge")?.first()) !== br.uuid) continue;
    const row = valid(f.cols.get("ipfix")?.first());
    if (row !== undefined) flows.push({ ...common(row), collectorSetId: Number(f.cols.get("id")?.first() ?? 0) });
  }
  return { bridge, flows };
}

/** What translation needs of a bridge's dpif_ipfix (xbridge->ipfix; null: it has none). */
export function xlateIpfixOf(exporters: DpifIpfix | undefined): XlateIpfix | null {
  if (exporters === undefined) return null;
  const tunnelSampling = new Set<number>();
  for (const f of exporters.flowExporterOptions()) if (f.enableTunnelSampling) tunnelSampling.add(f.collectorSetId);
  const b = exporters.bridgeOptions();
  return {
    tunnelSampling,
    bridgeExporter:
      b === null
        ? null
        : {
            probability: Math.max(1, Math.floor(UINT32_MAX / b.samplingRate)),
            inputSampling: b.enableInputSampling,
            outputSampling: b.enableOutputSampling,
            tunnelSampling: b.enableTunnelSampling,
          },
  };
}

function sameOptions(a: IpfixExporterOptions, b: IpfixExporterOptions): boolean {
  return (
    JSON.stringify([a.targets, a.cacheActiveTimeout, a.cacheMaxFlows, a.enableTunnelSampling, a.virtualObsId]) ===
    JSON.stringify([b.targets, b.cacheActiveTimeout, b.cacheMaxFlows, b.enableTunnelSampling, b.virtualObsId])
  );
}

function sameBridgeOptions(a: IpfixBridgeOptions, b: IpfixBridgeOptions): boolean {
  return (
    sameOptions(a, b) &&
    a.samplingRate === b.samplingRate &&
    a.obsDomainId === b.obsDomainId &&
    a.obsPointId === b.obsPointId &&
    a.enableInputSampling === b.enableInputSampling &&
    a.enableOutputSampling === b.enableOutputSampling
  );
}

/** inet_open_active's parse of a target: IPv4 or [IPv6], optional port. Null when it cannot open. */
function collectorAddress(target: string): string | null {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?::(\d+))?$/.exec(target);
  if (v4 !== null) {
    if ([1, 2, 3, 4].some((i) => Number(v4[i]) > 255) || (v4[5] !== undefined && Number(v4[5]) > 65535)) return null;
    return `${v4[1]}.${v4[2]}.${v4[3]}.${v4[4]}`;
  }
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(target);
  if (v6 !== null && (v6[2] === undefined || Number(v6[2]) <= 65535)) return v6[1]!.toLowerCase();
  return null;
}

/** One connected UDP socket to a collector nothing listens on. */
interface CollectorSocket {
  readonly loopback: boolean;
  /** An ICMP port unreachable came back: the next send reports it. */
  pendingError: boolean;
}

/** OVS's struct collectors: the sockets one exporter opened. */
class Collectors {
  private constructor(private readonly sockets: CollectorSocket[]) {}

  /** collectors_create: null when no target could be opened. */
  static open(targets: readonly string[]): Collectors | null {
    const sockets: CollectorSocket[] = [];
    for (const t of targets) {
      const addr = collectorAddress(t);
      if (addr !== null) sockets.push({ loopback: addr.startsWith("127.") || addr === "::1", pendingError: false });
    }
    return sockets.length > 0 ? new Collectors(sockets) : null;
  }

  get count(): number {
    return this.sockets.length;
  }

  /** collectors_send: the number of sockets whose send failed. */
  send(): number {
    let errors = 0;
    for (const s of this.sockets) {
      if (s.pendingError) {
        s.pendingError = false;
        errors++;
      } else if (s.loopback) {
        s.pendingError = true;
      }
    }
    return errors;
  }
}

/** Ethernet type values. */
const ETH_TYPE_IP = 0x0800;
const ETH_TYPE_IPV6 = 0x86dd;

interface CacheEntry {
  readonly key: string;
  readonly startUs: number;
}

/** The IPFIX sample of one packet: its flow (extracted from the packet as sent up) and where. */
export interface IpfixSample {
  readonly flow: Uint32Array;
  readonly inOdpPort: number;
  readonly outputOdpPort: number;
  /** Whether the sample is of a tunnel (input with tunnel metadata, or a tunnel_out_port) that counts as tunnelled. */
  readonly tunnelled: boolean;
  readonly direction: "ingress" | "egress" | null;
  readonly obsDomainId: number;
  readonly obsPointId: number;
}

/** One exporter (struct dpif_ipfix_exporter): its collectors, flow cache and statistics. */
class Exporter {
  collectors: Collectors | null = null;
  lastTemplateSetTimeS = 0;
  readonly stats: IpfixStats = {
    totalFlows: 0,
    currentFlows: 0,
    pkts: 0,
    ipv4Pkts: 0,
    ipv6Pkts: 0,
    errorPkts: 0,
    ipv4ErrorPkts: 0,
    ipv6ErrorPkts: 0,
    txPkts: 0,
    txErrors: 0,
  };
  private readonly cache = new Map<string, CacheEntry>();
  private activeTimeoutS = 0;
  private maxFlows = 0;

  /** dpif_ipfix_exporter_set_options: false when no collector opens (the exporter is cleared). */
  setOptions(o: IpfixExporterOptions, nowMs: number): boolean {
    this.collectors = Collectors.open(o.targets);
    if (this.collectors === null) {
      this.clear(nowMs);
      return false;
    }
    this.activeTimeoutS = o.cacheActiveTimeout;
    this.maxFlows = o.cacheMaxFlows;
    return true;
  }

  /** dpif_ipfix_exporter_clear: the cache flushed ("forced end"), collectors closed. */
  clear(nowMs: number): void {
    this.expire(true, nowMs);
    this.collectors = null;
    this.lastTemplateSetTimeS = 0;
    this.activeTimeoutS = 0;
    this.maxFlows = 0;
  }

  /** ipfix_cache_update with ipfix_update_stats. */
  sample(s: IpfixSample, nowMs: number): void {
    const { key, type } = flowKey(s);
    const old = this.cache.get(key);
    if (old === undefined) {
      this.cache.set(key, { key, startUs: wallUs(nowMs) });
      this.stats.totalFlows++;
      this.stats.currentFlows = this.cache.size;
    }
    this.stats.pkts++;
    switch (type) {
      case "ipv4-ok":
        this.stats.ipv4Pkts++;
        break;
      case "ipv6-ok":
        this.stats.ipv6Pkts++;
        break;
      case "ipv4-error":
        this.stats.ipv4ErrorPkts++;
        this.stats.errorPkts++;
        break;
      case "ipv6-error":
        this.stats.ipv6ErrorPkts++;
        this.stats.errorPkts++;
        break;
      case "other":
        break;
    }
    if (old === undefined && this.cache.size > this.maxFlows) this.expire(false, nowMs);
  }

  /** dpif_ipfix_cache_expire. */
  expire(forced: boolean, nowMs: number): void {
    if (this.cache.size === 0) return;
    const nowUs = wallUs(nowMs);
    const exportTimeS = Math.ceil(nowUs / 1_000_000);
    const maxStartUs = nowUs - 1_000_000 * this.activeTimeoutS;
    let templateSent = false;
    for (const e of [...this.cache.values()]) {
      if (!forced && !(e.startUs <= maxStartUs) && !(this.cache.size > this.maxFlows)) break;
      this.cache.delete(e.key);
      if (!templateSent && this.lastTemplateSetTimeS + IPFIX_TEMPLATE_INTERVAL_S <= exportTimeS) {
        for (let i = 0; i < TEMPLATE_MESSAGES + 1; i++) this.send(); // templates, then the options template
        this.lastTemplateSetTimeS = exportTimeS;
        templateSent = true;
        this.send(); // exporting process statistics
      }
      this.send(); // the data record
      this.stats.currentFlows--;
    }
  }

  private send(): void {
    const c = this.collectors;
    if (c === null) return;
    const errors = c.send();
    this.stats.txPkts += c.count - errors;
    this.stats.txErrors += errors;
  }
}

/** Microseconds of ovsim's wall clock at virtual time `nowMs`. */
function wallUs(nowMs: number): number {
  return (WALL_EPOCH_MS + nowMs) * 1000;
}

/** The template sets' lengths (ipfix_define_template_fields), for the count of template messages. */
function templateRecordLength(vlan: boolean, l3: number, l4: number, tunnel: boolean, egress: boolean, virtualObsId: boolean): number {
  let fields = 2 + 4 + 4; // observation point, direction; Ethernet; ingress interface
  if (egress) fields += 4;
  if (vlan) fields += 3;
  if (l3 !== 0) {
    fields += 6 + (l3 === 1 ? 2 : 3);
    if (l4 !== 0) fields += 2;
  }
  fields += 16;
  if (l3 !== 0) fields += 10;
  if (l4 === 1) fields += 6;
  const enterprise = (tunnel ? 7 : 0) + (virtualObsId ? 1 : 0);
  return 4 + 4 * fields + 8 * enterprise;
}

/** How many messages ipfix_send_template_msgs sends the 88 templates in (MAX_MESSAGE_LEN 1024). */
function templateMessages(): number {
  let size = 20;
  let sends = 0;
  for (const vlan of [false, true]) {
    for (const l3 of [0, 1, 2]) {
      for (const l4 of [0, 1, 2, 3, 4]) {
        if (l3 === 0 && l4 !== 0) continue;
        for (const tunnel of [false, true]) {
          for (const egress of [false, true]) {
            if (size >= 1024) {
              sends++;
              size = 20;
            }
            size += templateRecordLength(vlan, l3, l4, tunnel, egress, false);
          }
        }
      }
    }
  }
  return sends + 1;
}
/** 18: with or without a virtual observation id, the templates fill as many messages. */
const TEMPLATE_MESSAGES = templateMessages();

type SampledType = "ipv4-ok" | "ipv6-ok" | "ipv4-error" | "ipv6-error" | "other";

/** ipfix_cache_entry_init's flow key (as text) and sampled packet type. */
function flowKey(s: IpfixSample): { key: string; type: SampledType } {
  const f = s.flow;
  const dlType = readSmall(f, M.dlType);
  const proto = readSmall(f, M.nwProto);
  const tci = readSmall(f, M.vlanTci);
  let l3 = 0;
  let l4 = 0;
  let type: SampledType = "other";
  const l4Of = (icmp: number): number => (proto === 6 ? 1 : proto === 17 ? 2 : proto === 132 ? 3 : proto === icmp ? 4 : 0);
  if (dlType === ETH_TYPE_IP) {
    l3 = 1;
    l4 = l4Of(1);
    type = l4 === 0 ? "ipv4-error" : "ipv4-ok";
  } else if (dlType === ETH_TYPE_IPV6) {
    l3 = 2;
    l4 = l4Of(58);
    type = l4 === 0 ? "ipv6-error" : "ipv6-ok";
  }
  const egress = s.direction === "ingress" ? false : s.direction === "egress" ? true : s.outputOdpPort !== ODPP_NONE;
  const parts: (string | number | bigint)[] = [
    s.obsDomainId,
    tci !== 0 ? 1 : 0,
    l3,
    l4,
    s.tunnelled ? 1 : 0,
    egress ? 1 : 0,
    s.obsPointId,
    readMember(f, M.dlSrc),
    readMember(f, M.dlDst),
    dlType,
    s.inOdpPort,
    egress ? s.outputOdpPort : "",
    tci & 0xefff,
  ];
  if (l3 !== 0) {
    parts.push(readSmall(f, M.nwTtl), proto, readSmall(f, M.nwTos));
    if (l3 === 1) parts.push(readSmall(f, M.nwSrc), readSmall(f, M.nwDst));
    else parts.push(readMember(f, M.ipv6Src), readMember(f, M.ipv6Dst), readSmall(f, M.ipv6Label));
    if (l4 !== 0) parts.push(readSmall(f, M.tpSrc), readSmall(f, M.tpDst));
  }
  if (s.tunnelled) parts.push(readSmall(f, M.tunSrc), readSmall(f, M.tunDst), readMember(f, M.tunId));
  return { key: parts.join("/"), type };
}

/** One bridge's dpif_ipfix: its bridge exporter and flow exporters. */
export class DpifIpfix {
  private bridgeOpts: IpfixBridgeOptions | null = null;
  private readonly bridgeExporter = new Exporter();
  private readonly flowExporters = new Map<number, { options: IpfixFlowOptions; exporter: Exporter }>();
  /** hash_int(collector_set_id, 0) order of flow_exporter_map. */
  private readonly flowOrder = new HmapOrder<number>();

  bridgeOptions(): IpfixBridgeOptions | null {
    return this.bridgeOpts;
  }

  flowExporterOptions(): IpfixFlowOptions[] {
    return this.flowOrder.values().map((id) => this.flowExporters.get(id)!.options);
  }

  /** dpif_ipfix_set_options: whether any exporter's options changed. */
  setOptions(c: IpfixConfig, nowMs: number): boolean {
    let changed = false;
    // dpif_ipfix_bridge_exporter_set_options
    if (c.bridge === null) {
      if (this.bridgeOpts !== null) {
        this.bridgeExporter.clear(nowMs);
        this.bridgeOpts = null;
        changed = true;
      }
    } else {
      const optsChanged = this.bridgeOpts === null || !sameBridgeOptions(c.bridge, this.bridgeOpts);
      changed ||= optsChanged;
      if (optsChanged && this.bridgeExporter.setOptions(c.bridge, nowMs)) {
        this.bridgeOpts = c.bridge;
        this.bridgeExporter.expire(false, nowMs);
      }
    }
    for (const o of c.flows) {
      let node = this.flowExporters.get(o.collectorSetId);
      let optsChanged = false;
      if (node === undefined) {
        node = { options: o, exporter: new Exporter() };
        this.flowExporters.set(o.collectorSetId, node);
        this.flowOrder.insert(o.collectorSetId, hashInt(o.collectorSetId, 0));
        changed = true;
        optsChanged = true;
      } else {
        optsChanged = !sameOptions(o, node.options);
      }
      if (optsChanged) {
        changed = true;
        if (!node.exporter.setOptions(o, nowMs)) {
          this.removeFlowExporter(o.collectorSetId);
          continue;
        }
        node.options = o;
        node.exporter.expire(false, nowMs);
      }
    }
    const ids = new Set(c.flows.map((o) => o.collectorSetId));
    for (const id of [...this.flowExporters.keys()]) {
      if (!ids.has(id)) {
        this.flowExporters.get(id)!.exporter.clear(nowMs);
        this.removeFlowExporter(id);
        changed = true;
      }
    }
    return changed;
  }

  private removeFlowExporter(id: number): void {
    this.flowExporters.delete(id);
    this.flowOrder.remove(id);
  }

  /** dpif_ipfix_bridge_sample. */
  bridgeSample(flow: Uint32Array, inOdpPort: number, outputOdpPort: number, tunnelOut: boolean, isTunnelPort: (odp: number) => boolean, nowMs: number): void {
    const o = this.bridgeOpts;
    if (o === null) return;
    const dlType = readSmall(flow, M.dlType);
    const proto = readSmall(flow, M.nwProto);
    const tpDst = readSmall(flow, M.tpDst);
    if ((dlType === ETH_TYPE_IP || dlType === ETH_TYPE_IPV6) && proto === 17 && (tpDst === 3784 || tpDst === 3785)) return;
    const tunnelled = o.enableTunnelSampling && this.tunnelled(flow, inOdpPort, outputOdpPort, tunnelOut, isTunnelPort);
    this.bridgeExporter.sample({ flow, inOdpPort, outputOdpPort, tunnelled, direction: null, obsDomainId: o.obsDomainId, obsPointId: o.obsPointId }, nowMs);
    this.bridgeExporter.expire(false, nowMs);
  }

  /** dpif_ipfix_flow_sample. */
  flowSample(
    flow: Uint32Array,
    cookie: { readonly collectorSetId: number; readonly obsDomainId: number; readonly obsPointId: number; readonly outputPort: number; readonly direction: "ingress" | "egress" | null },
    inOdpPort: number,
    tunnelOut: boolean,
    isTunnelPort: (odp: number) => boolean,
    nowMs: number,
  ): void {
    const node = this.flowExporters.get(cookie.collectorSetId);
    if (node === undefined) return;
    const tunnelled = node.options.enableTunnelSampling && this.tunnelled(flow, inOdpPort, cookie.outputPort, tunnelOut, isTunnelPort);
    node.exporter.sample(
      { flow, inOdpPort, outputOdpPort: cookie.outputPort, tunnelled, direction: cookie.direction, obsDomainId: cookie.obsDomainId, obsPointId: cookie.obsPointId },
      nowMs,
    );
    node.exporter.expire(false, nowMs);
  }

  /** Whether a sample has tunnel_port and tunnel_key (the template's tunnelled flag). */
  private tunnelled(flow: Uint32Array, inOdpPort: number, outputOdpPort: number, tunnelOut: boolean, isTunnelPort: (odp: number) => boolean): boolean {
    if (outputOdpPort === ODPP_NONE) return readSmall(flow, M.tunDst) !== 0 && isTunnelPort(inOdpPort);
    return tunnelOut && isTunnelPort(outputOdpPort);
  }

  /** dpif_ipfix_run: each exporter's cache, expired by the clock. */
  run(nowMs: number): void {
    if (this.bridgeOpts !== null) this.bridgeExporter.expire(false, nowMs);
    for (const id of this.flowOrder.values()) this.flowExporters.get(id)!.exporter.expire(false, nowMs);
  }

  /** dpif_ipfix_get_stats: null (NXST_NOT_CONFIGURED) without the exporter(s) asked for. */
  stats(bridge: boolean): IpfixStats | readonly (readonly [number, IpfixStats])[] | null {
    if (bridge) return this.bridgeOpts === null ? null : { ...this.bridgeExporter.stats };
    if (this.flowExporters.size === 0) return null;
    return this.flowOrder.values().map((id) => [id, { ...this.flowExporters.get(id)!.exporter.stats }] as const);
  }

  /** Closing: every exporter's cache flushed. */
  clear(nowMs: number): void {
    if (this.bridgeOpts !== null) this.bridgeExporter.clear(nowMs);
    for (const n of this.flowExporters.values()) n.exporter.clear(nowMs);
  }
}

/** The dpif_ipfix of each bridge that has IPFIX options, by bridge name. */
export class IpfixExporters {
  private readonly byBridge = new Map<string, DpifIpfix>();

  get(bridge: string): DpifIpfix | undefined {
    return this.byBridge.get(bridge);
  }

  /**
   * ofproto-dpif's set_ipfix for bridge `name` with config `c` (`recreated`: the bridge's
   * ofproto is new, so its old dpif_ipfix went with the old one). Returns whether the backer
   * needs revalidating (a new dpif_ipfix, or options changed).
   */
  configure(name: string, c: IpfixConfig, nowMs: number, recreated: boolean): boolean {
    if (recreated) this.remove(name, nowMs);
    const hasOptions = c.bridge !== null || c.flows.length > 0;
    let di = this.byBridge.get(name);
    let created = false;
    if (hasOptions && di === undefined) {
      di = new DpifIpfix();
      this.byBridge.set(name, di);
      created = true;
    }
    if (di === undefined) return false;
    const changed = di.setOptions(c, nowMs);
    if (!hasOptions) this.remove(name, nowMs);
    return created || changed;
  }

  /** A bridge went: its dpif_ipfix with it. */
  remove(name: string, nowMs: number): void {
    this.byBridge.get(name)?.clear(nowMs);
    this.byBridge.delete(name);
  }

  /** Bridges with a dpif_ipfix. */
  names(): string[] {
    return [...this.byBridge.keys()];
  }
}

/** ofp-print's NXST_IPFIX_BRIDGE / NXST_IPFIX_FLOW statistics. */
export function formatIpfixStats(s: IpfixStats, indent: number): string[] {
  return [
    `flows=${s.totalFlows}, current flows=${s.currentFlows}, sampled pkts=${s.pkts}, ipv4 ok=${s.ipv4Pkts}, ipv6 ok=${s.ipv6Pkts}, tx pkts=${s.txPkts}`,
    `${" ".repeat(indent)}pkts errs=${s.errorPkts}, ipv4 errs=${s.ipv4ErrorPkts}, ipv6 errs=${s.ipv6ErrorPkts}, tx errs=${s.txErrors}`,
  ];
}
