/**
 * The datapaths ("dpif backers") of one simulated host, as ovs-vswitchd runs
 * them in the sandbox `ovs-run` starts (`--enable-dummy=system`): every
 * bridge of one datapath type shares one datapath, named `ovs-<type>` —
 * `dummy@ovs-dummy`, `system@ovs-system` (the dummy datapath standing in for
 * the kernel one) and `netdev@ovs-netdev` (OVS's real userspace datapath).
 *
 * Datapath port numbers (lib/dpif-netdev.c `choose_port`):
 * - port 0 is the datapath's own internal port, named after it;
 * - in the dummy datapaths (types dummy and system here) a port whose name
 *   holds a number asks for that number (the first run of digits; plus 100
 *   when the name starts with "br", so `br0` is 100, `p3` is 3, `eth10x20` is
 *   10, `vxlan_sys_4789` is 4789) and gets it if no port holds it;
 * - otherwise, and always in the netdev datapath, the lowest free number.
 *
 * Patch ports have no datapath port. Tunnel ports share one datapath vport
 * per tunnel type and UDP destination port (`vxlan_sys_4789`, `gre_sys`,
 * `genev_sys_6081`), which stays while some tunnel port of the datapath uses
 * it. A datapath is created with its first bridge and deleted with its last.
 *
 * `nHit` / `nMissed` are the datapath's flow-cache counters (`dpif/show`);
 * they stay 0 until the megaflow cache exists.
 *
 * `runTimeFeatures` are what `dpif/set-dp-features` changed; `tnlPushPop` off makes
 * the datapath a kernel one for tunnels (docs/simulation.md, "Hosts with a kernel
 * datapath").
 *
 * `meters` are the datapath's meters (dp-meter.ts), shared by its bridges:
 * each bridge's OpenFlow meters (meter-table.ts) take their datapath ids
 * from it, and executing `meter(N)` runs meter N there.
 */
import { Conntrack } from "./conntrack/conntrack.js";
import type { ConntrackState } from "./conntrack/conntrack.js";
import { DpMeters } from "./dp-meter.js";
import type { DpMetersState } from "./dp-meter.js";
import { OvsRandom } from "./dp-random.js";

/** OVS's ODPP_NONE. */
const ODPP_NONE = 0xffffffff;
/** Highest number the lowest-free search tries (dpif-netdev: UINT16_MAX). */
const MAX_FREE_SEARCH = 0xffff;

/**
 * A lookup table without a prototype: interface types come from the user, and
 * `type=constructor` must find nothing, not Object's constructor.
 */
function ownTable<T>(entries: Readonly<Record<string, T>>): Readonly<Record<string, T>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}

/** Datapath vport name prefixes of the tunnel types (lib/netdev-vport.c `dpif_port`). */
const TUNNEL_DPIF_PORT: Readonly<Record<string, string>> = ownTable({
  vxlan: "vxlan_sys",
  geneve: "genev_sys",
  gre: "gre_sys",
  lisp: "lisp_sys",
  stt: "stt_sys",
  erspan: "erspan_sys",
  ip6erspan: "ip6erspan_sys",
  ip6gre: "ip6gre_sys",
  gtpu: "gtpu_sys",
  bareudp: "bareudp_sys",
});
/** Tunnel types whose datapath vport carries the UDP destination port in its name. */
const NEEDS_DST_PORT = new Set(["vxlan", "geneve", "lisp", "stt", "gtpu", "bareudp"]);
/** Default UDP destination ports (lib/netdev-vport.c). */
export const TUNNEL_DEFAULT_DST_PORT: Readonly<Record<string, number>> = ownTable({
  vxlan: 4789,
  geneve: 6081,
  lisp: 4341,
  stt: 7471,
  gtpu: 2152,
  bareudp: 0,
});

export function isTunnelType(type: string): boolean {
  return TUNNEL_DPIF_PORT[type] !== undefined;
}

/** The datapath vport a tunnel port of `type` with UDP port `dstPort` uses. */
export function tunnelVportName(type: string, dstPort: number): string {
  const base = TUNNEL_DPIF_PORT[type] ?? type;
  return NEEDS_DST_PORT.has(type) ? `${base}_${dstPort}` : base;
}

/** C's strtol(s, NULL, 10) on a string of decimal digits, saturating at LONG_MAX as glibc does. */
function strtolDigits(digits: string): bigint {
  const v = BigInt(digits);
  const LONG_MAX = (1n << 63n) - 1n;
  return v > LONG_MAX ? LONG_MAX : v;
}

export interface DatapathPort {
  readonly name: string;
  readonly odpPort: number;
  /** The netdev type as the datapath shows it ("dummy-internal", "tap", "system", "vxlan"...). */
  readonly type: string;
}

/** A datapath as data (snapshots): its ports, tunnel vports' users, counters, features, meters and connections. */
export interface DatapathState {
  readonly type: string;
  readonly ports: readonly DatapathPort[];
  readonly vportUsers: readonly (readonly [string, number])[];
  readonly nHit: number;
  readonly nMissed: number;
  readonly runTimeFeatures: readonly (readonly [string, string])[];
  readonly meters: DpMetersState;
  readonly conntrack: ConntrackState;
  /** Each tunnel vport's next ERSPAN GRE sequence number, by datapath port. */
  readonly greSeqnos: readonly (readonly [number, number])[];
}

export class Datapath {
  /** "dummy", "system" or "netdev". */
  readonly type: string;
  /** `ovs-<type>`. */
  readonly name: string;
  /** Flow-cache hits and misses (dpif/show). */
  nHit = 0;
  nMissed = 0;
  /** The datapath's meters and meter id pool. */
  readonly meters = new DpMeters();
  /** The datapath's connection tracker (dpif-netdev has one per datapath: `ct(...)` runs here). */
  readonly conntrack = new Conntrack();
  /** The GRE sequence number each tunnel vport (by datapath port) puts on its next ERSPAN packet (its netdev's gre_seqno). */
  readonly greSeqnos = new Map<number, number>();
  /** What its `sample` actions draw from (dp-random.ts). */
  readonly random = new OvsRandom();
  /**
   * Run-time values of the datapath's features set by `dpif/set-dp-features` (ofproto-dpif's
   * rt_support), by feature name ("tnl_push_pop" -> "false"); a feature not here has its
   * probed (boot-time) value.
   */
  readonly runTimeFeatures = new Map<string, string>();
  private readonly byNumber = new Map<number, DatapathPort>();
  private readonly byName = new Map<string, DatapathPort>();
  /** Tunnel vport name -> number of tunnel ports using it. */
  private readonly vportUsers = new Map<string, number>();

  constructor(type: string) {
    this.type = type;
    this.name = `ovs-${type}`;
    this.insert({ name: this.name, odpPort: 0, type: this.internalType() });
  }

  /**
   * Whether the datapath pushes and pops tunnel headers itself (feature `tnl_push_pop`, true
   * as probed): native tunnelling. Off, output to a tunnel is `set(tunnel(...))` to its vport,
   * as with a kernel datapath.
   */
  get tnlPushPop(): boolean {
    return this.runTimeFeatures.get("tnl_push_pop") !== "false";
  }

  /** Whether the datapath has the check_pkt_len action (feature `check_pkt_len`, true as probed). */
  get checkPktLen(): boolean {
    return this.runTimeFeatures.get("check_pkt_len") !== "false";
  }

  /** Whether the datapath has the clone action (feature `clone`, true as probed). */
  get cloneAction(): boolean {
    return this.runTimeFeatures.get("clone") !== "false";
  }

  /** How deep the datapath nests sample actions (feature `sample_nesting`, 10 as probed). */
  get sampleNesting(): number {
    return Number(this.runTimeFeatures.get("sample_nesting") ?? "10");
  }

  /** The dummy datapaths number ports after their names; the netdev one does not. */
  get isDummy(): boolean {
    return this.type !== "netdev";
  }

  /** What an "internal" interface is in this datapath. */
  internalType(): string {
    return this.isDummy ? "dummy-internal" : "tap";
  }

  port(name: string): DatapathPort | undefined {
    return this.byName.get(name);
  }

  portByNumber(odpPort: number): DatapathPort | undefined {
    return this.byNumber.get(odpPort);
  }

  /** Every port, by number. */
  ports(): DatapathPort[] {
    return [...this.byNumber.values()].sort((a, b) => a.odpPort - b.odpPort);
  }

  /** Adds a port (dpif_port_add); returns its number. */
  addPort(name: string, type: string): number {
    const existing = this.byName.get(name);
    if (existing) return existing.odpPort;
    const odpPort = this.choosePort(name);
    this.insert({ name, odpPort, type });
    return odpPort;
  }

  removePort(name: string): void {
    const p = this.byName.get(name);
    if (!p || p.odpPort === 0) return;
    this.byName.delete(name);
    this.byNumber.delete(p.odpPort);
  }

  /** Gives port `name` number `odpPort` (dpif-dummy/change-port-number; the caller checked it is free). */
  renumberPort(name: string, odpPort: number): void {
    const p = this.byName.get(name);
    if (p === undefined) return;
    this.byNumber.delete(p.odpPort);
    this.insert({ ...p, odpPort });
  }

  /** A tunnel port starts using the vport `vport` (created on first use); returns its number. */
  attachTunnel(vport: string, type: string): number {
    this.vportUsers.set(vport, (this.vportUsers.get(vport) ?? 0) + 1);
    return this.addPort(vport, type);
  }

  /** The tunnel vports and how many tunnel ports use each, in the order of their first use. */
  tunnelVports(): Array<{ readonly port: DatapathPort; readonly users: number }> {
    const out: Array<{ readonly port: DatapathPort; readonly users: number }> = [];
    for (const [name, users] of this.vportUsers) {
      const port = this.byName.get(name);
      if (port !== undefined) out.push({ port, users });
    }
    return out;
  }

  /** A tunnel port stops using `vport`; the vport goes with its last user. */
  detachTunnel(vport: string): void {
    const n = (this.vportUsers.get(vport) ?? 0) - 1;
    if (n > 0) {
      this.vportUsers.set(vport, n);
      return;
    }
    this.vportUsers.delete(vport);
    this.removePort(vport);
  }

  save(): DatapathState {
    return {
      type: this.type,
      ports: this.ports().map((p) => ({ name: p.name, odpPort: p.odpPort, type: p.type })),
      vportUsers: [...this.vportUsers],
      nHit: this.nHit,
      nMissed: this.nMissed,
      runTimeFeatures: [...this.runTimeFeatures],
      meters: this.meters.save(),
      conntrack: this.conntrack.save(),
      greSeqnos: [...this.greSeqnos],
    };
  }

  /** The datapath `save` gave. */
  static restore(s: DatapathState): Datapath {
    const dp = new Datapath(s.type);
    dp.byName.clear();
    dp.byNumber.clear();
    for (const p of s.ports) dp.insert({ name: p.name, odpPort: p.odpPort, type: p.type });
    for (const [vport, n] of s.vportUsers) dp.vportUsers.set(vport, n);
    dp.nHit = s.nHit;
    dp.nMissed = s.nMissed;
    for (const [k, v] of s.runTimeFeatures) dp.runTimeFeatures.set(k, v);
    dp.meters.restore(s.meters);
    dp.conntrack.restore(s.conntrack);
    for (const [port, seq] of s.greSeqnos) dp.greSeqnos.set(port, seq);
    return dp;
  }

  private insert(p: DatapathPort): void {
    this.byName.set(p.name, p);
    this.byNumber.set(p.odpPort, p);
  }

  /** dpif-netdev.c choose_port. */
  private choosePort(name: string): number {
    if (this.isDummy) {
      const m = /\d+/.exec(name);
      if (m) {
        const start = name.startsWith("br") ? 100n : 0n;
        const n = Number(BigInt.asUintN(32, start + strtolDigits(m[0])));
        if (n > 0 && n !== ODPP_NONE && !this.byNumber.has(n)) return n;
      }
    }
    for (let n = 1; n <= MAX_FREE_SEARCH; n++) if (!this.byNumber.has(n)) return n;
    return ODPP_NONE;
  }
}
