/**
 * The sFlow agents of a switch's bridges, configured from the DB as
 * ovs-vswitchd's bridge_configure_sflow and ofproto-dpif's set_sflow /
 * dpif_sflow_set_options do, and fed as its upcall handler and main loop do.
 *
 * - A bridge whose `sflow` column names an sFlow row samples; the row gives
 *   targets (collectors "IP[:PORT]", default port 6343), sampling (default
 *   400), polling (default 30 s), header (default 128 bytes) and agent (a
 *   device name or an address); the control IP is the first controller's
 *   local_ip. Bridges get sub_ids 0, 1, ... in bridge order among those with
 *   sFlow. No targets or a sampling rate of 0 turn the agent off.
 * - The agent address: the agent device's address (what netdev-dummy/ip4addr
 *   gave it: ovsim's host has no system devices, as OVS under
 *   --enable-dummy=system, so `lo` has none), else the agent string itself as
 *   an address, else the source address of the route to a target (ovsim's
 *   host has no system routes, as OVS under --disable-system-route), else the
 *   control IP; none: OVS's error, and no agent.
 * - New options make a new agent (sequence numbers restart), as
 *   dpif_sflow_set_options does; the dpif_sflow object (its tick time and
 *   ports) lives as long as the bridge has sFlow.
 * - Ports: every port with an ifindex (netdev-dummy's options:ifindex) or of
 *   a tunnel type is known to the agent from when it is opened.
 * - One agent sends the global counters: the first to ask (the global
 *   sub_id claim of ofproto-dpif-sflow.c), until it goes.
 * - Collectors are the simulated host's UDP (host-udp.ts).
 */
import type { OdpAction } from "../../actions/xlate/odp-actions.js";
import type { Bridge } from "../../datapath/bridge.js";
import { dummyIfindex } from "../../datapath/bridge-port.js";
import type { ConfigDb, Row } from "../../datapath/config-db.js";
import type { Datapath } from "../../datapath/dpif.js";
import type { OdpUpcall } from "../../datapath/odp-execute.js";
import { XM } from "../../actions/xlate/odp-metadata.js";
import { M, readMember, readSmall } from "../../flowtable/flow-layout.js";
import type { HostUdp } from "../host-udp.js";
import type { VlogModule } from "../vlog.js";
import { emptySflowActions, FLOW_MAX_MPLS_LABELS, readSflowActions } from "./sflow-actions.js";
import type { LacpMemberStats } from "../lacp.js";
import type { SflowAgentHost, SflowLacpStats, SflowOptions, SflowPortInfo, SflowTunnelType } from "./sflow-agent.js";
import { sameSflowOptions, SflowAgent, SFL_DEFAULT_COLLECTOR_PORT, SFL_DEFAULT_HEADER_SIZE, SFL_DEFAULT_POLLING_INTERVAL, SFL_DEFAULT_SAMPLING_RATE } from "./sflow-agent.js";
import type { SflowAddress } from "./sflow-wire.js";
import { GlibcRandom } from "./glibc-random.js";

/** What the agents need of their switch. */
export interface SflowEnv {
  readonly udp: HostUdp;
  readonly log: VlogModule;
  datapathOf(bridge: string): Datapath | undefined;
  /** The bridge's datapath ID (its Bridge row's datapath_id, 16 hex digits). */
  datapathId(bridge: string): string;
  /** IPv4 addresses of device `dev` (netdev-dummy/ip4addr), as numbers. */
  deviceAddresses(dev: string): readonly number[];
  /** The source address of the route to IPv4 `dst`, or null. */
  routeSource(dst: number): number | null;
  /** A port's LACP counters (lacp_get_member_stats), when it is a member of a LACP bond. */
  lacp?(port: string): LacpMemberStats | null;
}

interface BridgeSflow {
  /** The dpif_sflow's next tick, whole seconds. */
  createdMs: number;
  options: SflowOptions | null;
  agent: SflowAgent | null;
  collectors: { readonly addr: string; readonly port: number }[];
  /** Ports added to the agent, by datapath port: their ifindex when added. */
  readonly known: Map<number, number>;
}

/** A collector target as inet_parse_active splits it, with sFlow's default port. */
function parseTarget(target: string): { readonly addr: string; readonly port: number } | null {
  const m = /^\[([^\]]*)\](?::(\d+))?$/.exec(target) ?? /^([^:[\]]*)(?::(\d+))?$/.exec(target);
  if (m === null) return null;
  const port = m[2] === undefined ? SFL_DEFAULT_COLLECTOR_PORT : Number(m[2]);
  if (!(port >= 0 && port <= 0xffff)) return null;
  return { addr: m[1] ?? "", port };
}

function parseIpv4(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (m === null) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return parts.reduce((a, p) => a * 256 + p, 0);
}

/** An IPv6 literal's 16 bytes, or null. */
function parseIpv6(s: string): Uint8Array | null {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(":")) return null;
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const words = (h: string): number[] | null => {
    if (h === "") return [];
    const out: number[] = [];
    for (const g of h.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = words(halves[0] ?? "");
  const tail = halves.length === 2 ? words(halves[1] ?? "") : [];
  if (head === null || tail === null) return null;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 1 ? fill !== 0 : fill < 0) return null;
  const all = [...head, ...new Array<number>(Math.max(fill, 0)).fill(0), ...tail];
  const b = new Uint8Array(16);
  all.forEach((w, i) => {
    b[2 * i] = w >>> 8;
    b[2 * i + 1] = w & 0xff;
  });
  return b;
}

function v4(ip: number): SflowAddress {
  return { type: 1, bytes: Uint8Array.of((ip >>> 24) & 0xff, (ip >>> 16) & 0xff, (ip >>> 8) & 0xff, ip & 0xff) };
}

function intCol(r: Row, col: string, def: number): number {
  const v = r.cols.get(col)?.first();
  return v === undefined ? def : Number(v);
}

function tunnelTypeOf(type: string): SflowTunnelType | null {
  return type === "gre" || type === "vxlan" || type === "lisp" || type === "geneve" ? type : null;
}

/** netdev_get_ifindex: netdev-dummy's options:ifindex; other netdevs of ovsim have none (0). */
function ifindexOf(port: ReturnType<Bridge["ports"]>[number]): number {
  return port.netdevType.startsWith("dummy") ? (dummyIfindex(port.options) ?? 0) : 0;
}

export class SflowBridges {
  private readonly bridges = new Map<Bridge, BridgeSflow>();
  private globalSubId: number | null = null;
  private readonly rng = new GlibcRandom(1);

  constructor(private readonly env: SflowEnv) {}

  /** bridge_configure_sflow for every bridge at DB version `db`, then each agent's ports. */
  sync(db: ConfigDb, bridges: ReadonlyMap<string, Bridge>, nowMs: number): void {
    const seen = new Set<Bridge>();
    let subId = 0;
    for (const r of db.rows("Bridge")) {
      const br = bridges.get(String(r.cols.get("name")?.first() ?? ""));
      if (br === undefined) continue;
      const ref = r.cols.get("sflow")?.first();
      const row = ref === undefined ? undefined : db.row("sFlow", String(ref));
      if (row === undefined) continue;
      seen.add(br);
      const options: SflowOptions = {
        targets: (row.cols.get("targets")?.keys ?? []).map(String),
        samplingRate: intCol(row, "sampling", SFL_DEFAULT_SAMPLING_RATE),
        pollingInterval: intCol(row, "polling", SFL_DEFAULT_POLLING_INTERVAL),
        headerLen: intCol(row, "header", SFL_DEFAULT_HEADER_SIZE),
        subId: subId++,
        agentDevice: row.cols.get("agent")?.first() === undefined ? null : String(row.cols.get("agent")?.first()),
        controlIp: this.controlIp(db, r),
      };
      let s = this.bridges.get(br);
      if (s === undefined) {
        s = { createdMs: nowMs, options: null, agent: null, collectors: [], known: new Map() };
        this.bridges.set(br, s);
      }
      this.setOptions(br, s, options, nowMs);
      br.sflow = s.agent === null ? null : s.agent;
    }
    for (const [br, s] of [...this.bridges]) {
      if (seen.has(br) && bridges.get(br.name) === br) continue;
      this.clear(s);
      this.bridges.delete(br);
      if (bridges.get(br.name) === br) br.sflow = null;
    }
  }

  private controlIp(db: ConfigDb, br: Row): string | null {
    for (const ref of br.cols.get("controller")?.keys ?? []) {
      const ip = db.row("Controller", String(ref))?.cols.get("local_ip")?.first();
      if (ip !== undefined) return String(ip);
    }
    return null;
  }

  /** dpif_sflow_clear: the agent goes (and its global counters claim). */
  private clear(s: BridgeSflow): void {
    if (s.agent !== null && this.globalSubId === s.agent.options.subId) this.globalSubId = null;
    s.agent = null;
    s.options = null;
    s.collectors = [];
  }

  /** sflow_choose_agent_address. */
  private agentAddress(o: SflowOptions): SflowAddress | null {
    if (o.agentDevice !== null) {
      const addrs = this.env.deviceAddresses(o.agentDevice);
      if (addrs.length > 0) return v4(addrs[0] ?? 0);
      const ip = parseIpv4(o.agentDevice);
      if (ip !== null) return v4(ip);
      const ip6 = parseIpv6(o.agentDevice);
      if (ip6 !== null) return { type: 2, bytes: ip6 };
    }
    for (const t of o.targets) {
      const target = parseTarget(t);
      const dst = target === null ? null : parseIpv4(target.addr);
      if (dst === null) continue;
      const src = this.env.routeSource(dst);
      if (src !== null) return v4(src);
    }
    if (o.controlIp !== null) {
      const ip = parseIpv4(o.controlIp);
      if (ip !== null) return v4(ip);
      const ip6 = parseIpv6(o.controlIp);
      if (ip6 !== null) return { type: 2, bytes: ip6 };
    }
    return null;
  }

  private setOptions(br: Bridge, s: BridgeSflow, o: SflowOptions, nowMs: number): void {
    if (o.targets.length === 0 || o.samplingRate === 0) {
      this.clear(s);
      return;
    }
    const changed = s.options === null || !sameSflowOptions(o, s.options);
    if (changed) s.collectors = o.targets.map(parseTarget).filter((t): t is { addr: string; port: number } => t !== null);
    const address = this.agentAddress(o);
    if (address === null) {
      this.env.log.err("could not determine IP address for sFlow agent");
      this.clear(s);
      return;
    }
    if (changed || s.agent === null) {
      if (s.agent !== null && this.globalSubId === s.agent.options.subId) this.globalSubId = null;
      s.options = o;
      this.env.log.info(`creating sFlow agent ${o.subId}`);
      const prev = s.agent;
      s.agent = new SflowAgent(o, address, this.host(br, s), nowMs, s.createdMs);
      if (prev !== null) s.agent.carryTick(prev);
      s.known.clear();
    }
    this.syncPorts(br, s);
  }

  /** dpif_sflow_add_port / del_port for the bridge's ports as they are now. */
  private syncPorts(br: Bridge, s: BridgeSflow): void {
    const agent = s.agent;
    if (agent === null) return;
    const now = new Map<number, ReturnType<Bridge["ports"]>[number]>();
    for (const p of br.ports()) if (p.odpPort !== null) now.set(p.odpPort, p);
    for (const odp of [...s.known.keys()]) {
      if (!now.has(odp)) {
        agent.delPort(odp);
        s.known.delete(odp);
      }
    }
    for (const [odp, p] of now) {
      const ifindex = ifindexOf(p);
      if (s.known.get(odp) === ifindex) continue;
      const info = this.portInfo(br, odp);
      if (info !== undefined) agent.addPort(info);
      s.known.set(odp, ifindex);
    }
  }

  private portInfo(br: Bridge, odpPort: number): SflowPortInfo | undefined {
    const p = br.ports().find((q) => q.odpPort === odpPort);
    if (p === undefined) return undefined;
    return {
      odpPort,
      ofport: p.ofport,
      name: p.name,
      ifindex: ifindexOf(p),
      tunnelType: tunnelTypeOf(p.type),
      stats: p.stats,
      up: (p.config & 1) === 0,
      carrier: true,
    };
  }

  private host(br: Bridge, s: BridgeSflow): SflowAgentHost {
    return {
      port: (odp) => this.portInfo(br, odp),
      lacp: (odp) => {
        const p = br.ports().find((q) => q.odpPort === odp);
        const st = p === undefined ? null : (this.env.lacp?.(p.name) ?? null);
        return st === null ? null : lacpStatsOf(st);
      },
      datapathId: () => BigInt(`0x${this.env.datapathId(br.name) || "0"}`),
      dpStats: () => {
        const dp = this.env.datapathOf(br.name);
        if (dp === undefined) return null;
        return { nHit: dp.nHit, nMissed: dp.nMissed, nLost: 0, nMaskHit: 0, nFlows: 0, nMasks: 0 };
      },
      claimGlobalCounters: (subId) => {
        if (this.globalSubId === null) this.globalSubId = subId;
        return this.globalSubId === subId;
      },
      send: (bytes) => {
        for (const c of s.collectors) this.env.udp.send(c.addr, c.port, bytes);
      },
      random: () => this.rng.next(),
    };
  }

  /** dpif_sflow_run for every agent (a main-loop pass at virtual time `nowMs`). */
  run(nowMs: number): void {
    for (const s of this.bridges.values()) s.agent?.run(nowMs);
  }

  /**
   * process_upcall's SFLOW_UPCALL: the packet `u` that bridge `br`'s sFlow action sent up, on
   * datapath port `inPort`, with the flow's tunnel metadata and datapath actions.
   */
  upcall(br: Bridge, u: OdpUpcall, inPort: number, tunnelMd: Uint32Array | null, actions: readonly OdpAction[]): void {
    const agent = this.bridges.get(br)?.agent;
    const cookie = u.action.cookie;
    if (agent === undefined || agent === null || cookie === null || cookie.kind !== "sflow") return;
    const bytes = u.packet.data();
    const { vlanTci, mpls } = l2Of(bytes);
    const sflowActions = emptySflowActions();
    readSflowActions(actions, sflowActions, mpls);
    let tunnel = null;
    if (tunnelMd !== null && readSmall(tunnelMd, M.tunDst) !== 0) {
      tunnel = {
        ipSrc: readSmall(tunnelMd, M.tunSrc),
        ipDst: readSmall(tunnelMd, M.tunDst),
        tos: readSmall(tunnelMd, XM.tunTos),
        tpSrc: readSmall(tunnelMd, XM.tunTpSrc),
        tpDst: readSmall(tunnelMd, XM.tunTpDst),
        tunId: readMember(tunnelMd, M.tunId),
      };
    }
    agent.received(
      { bytes: bytes.slice(), inOdpPort: inPort, vlanTci, tunnel },
      { vlanTci: ((cookie.pcp & 7) << 13) | (cookie.vid & 0xfff), output: cookie.output },
      actions.length > 0 ? sflowActions : null,
    );
  }
}

function macBytes(mac: number): Uint8Array {
  return Uint8Array.from({ length: 6 }, (_, i) => Math.floor(mac / 2 ** (8 * (5 - i))) & 0xff);
}

/** ofproto_port_get_lacp_stats into sFlow's LACP counters block (sflow_agent_get_counters). */
function lacpStatsOf(s: LacpMemberStats): SflowLacpStats {
  return {
    actorSystemId: macBytes(s.actorSystemId),
    partnerSystemId: macBytes(s.partnerSystemId),
    attachedAggId: s.attachedAggId,
    actorAdmin: s.actorAdminState,
    actorOper: s.actorOperState,
    partnerAdmin: s.partnerAdminState,
    partnerOper: s.partnerOperState,
    lacpdusRx: s.rxPdus,
    illegalRx: s.rxPdusBad,
    lacpdusTx: s.txPdus,
  };
}

/** The frame's first VLAN TCI (0: untagged) and MPLS label stack (outermost first, at most 3). */
function l2Of(b: Uint8Array): { vlanTci: number; mpls: number[] } {
  let at = 12;
  let type = ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
  let vlanTci = 0;
  let first = true;
  while (type === 0x8100 || type === 0x88a8) {
    const tci = ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0);
    if (first) vlanTci = tci | 0x1000;
    first = false;
    at += 4;
    type = ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
  }
  const mpls: number[] = [];
  if (type === 0x8847 || type === 0x8848) {
    let p = at + 2;
    while (mpls.length < FLOW_MAX_MPLS_LABELS && p + 4 <= b.length) {
      const lse = (((b[p] ?? 0) << 24) | ((b[p + 1] ?? 0) << 16) | ((b[p + 2] ?? 0) << 8) | (b[p + 3] ?? 0)) >>> 0;
      mpls.push(lse);
      p += 4;
      if ((lse & 0x100) !== 0) break;
    }
  }
  return { vlanTci, mpls };
}
