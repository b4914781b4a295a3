/**
 * A port of a bridge as translation and the CLI see it (OVS's ofport /
 * xport): what vswitchd opened (name, OpenFlow and datapath port numbers,
 * netdev type, MAC) plus the configuration read from the config DB (Port
 * VLAN columns, Interface options) and the OpenFlow port config bits that
 * `ovs-ofctl mod-port` changes.
 *
 * A patch port's peer is resolved when asked for, across the bridges of the
 * same datapath, as ofproto-dpif's `ofport_update_peer`: the peer is the
 * patch port named by `options:peer` whose own `options:peer` names this one.
 */
import type { XlateBridge, XlateErspanConfig, XlatePort, XlateTunnelConfig, XlateVlanConfig } from "../actions/xlate/xlate-bridge.js";
import { TUNNEL_DEFAULT_DST_PORT, isTunnelType } from "./dpif.js";

/** OpenFlow port config bits (OFPPC_*), as OVS keeps them (OpenFlow 1.0 numbering). */
export const OFPPC = {
  PORT_DOWN: 1 << 0,
  NO_STP: 1 << 1,
  NO_RECV: 1 << 2,
  NO_RECV_STP: 1 << 3,
  NO_FLOOD: 1 << 4,
  NO_FWD: 1 << 5,
  NO_PACKET_IN: 1 << 6,
} as const;

/** Counters of one port (OFPST_PORT); they stay 0 until packets flow. */
export class PortStats {
  rxPackets = 0;
  rxBytes = 0;
  txPackets = 0;
  txBytes = 0;
}

/** Finds the patch peer of a port: the bridge and port named `peer` on the same datapath. */
export type PeerLookup = (datapathType: string, peerName: string) => { bridge: XlateBridge; port: BridgePort } | undefined;

export interface BridgePortInit {
  readonly name: string;
  readonly ofport: number;
  readonly odpPort: number | null;
  readonly type: string;
  readonly netdevType: string;
  readonly mac: string;
  readonly options: ReadonlyMap<string, string>;
  readonly vlan: XlateVlanConfig;
  readonly created: number;
  readonly datapathType: string;
  /** skb_priority -> DSCP bits of the port's QoS queues (XlatePort.queueDscp). */
  readonly queueDscp: ReadonlyMap<number, number>;
}

export class BridgePort implements XlatePort {
  readonly name: string;
  readonly ofport: number;
  readonly odpPort: number | null;
  /** Interface type as configured ("" reads as "system"). */
  readonly type: string;
  /** The netdev type as `dpif/show` prints it. */
  readonly netdevType: string;
  /** The netdev's Ethernet address; the LOCAL port's follows the bridge's (bridge-hwaddr.ts). */
  mac: string;
  /** Interface options (peer, remote_ip, key, ...). */
  readonly options: ReadonlyMap<string, string>;
  readonly vlan: XlateVlanConfig;
  readonly tunnel: XlateTunnelConfig | null;
  /** Virtual time the port was opened. */
  readonly created: number;
  /** skb_priority -> DSCP bits of the port's QoS queues. */
  readonly queueDscp: ReadonlyMap<number, number>;
  /** OFPPC_* bits set by `ovs-ofctl mod-port`. */
  config = 0;
  readonly stats = new PortStats();
  private readonly datapathType: string;
  private readonly lookup: PeerLookup;

  constructor(init: BridgePortInit, lookup: PeerLookup) {
    this.name = init.name;
    this.ofport = init.ofport;
    this.odpPort = init.odpPort;
    this.type = init.type;
    this.netdevType = init.netdevType;
    this.mac = init.mac;
    this.options = init.options;
    this.vlan = init.vlan;
    this.created = init.created;
    this.datapathType = init.datapathType;
    this.queueDscp = init.queueDscp;
    this.lookup = lookup;
    this.tunnel = tunnelConfig(init.type, init.options);
  }

  get patchPeer(): { readonly bridge: XlateBridge; readonly ofport: number } | null {
    if (this.type !== "patch") return null;
    const peer = this.options.get("peer");
    if (peer === undefined) return null;
    const found = this.lookup(this.datapathType, peer);
    if (!found || found.port.type !== "patch" || found.port.options.get("peer") !== this.name) return null;
    return { bridge: found.bridge, ofport: found.port.ofport };
  }

  get noFlood(): boolean {
    return (this.config & OFPPC.NO_FLOOD) !== 0;
  }

  get noForward(): boolean {
    return (this.config & OFPPC.NO_FWD) !== 0;
  }

  get noReceive(): boolean {
    return (this.config & OFPPC.NO_RECV) !== 0;
  }

  get noPacketIn(): boolean {
    return (this.config & OFPPC.NO_PACKET_IN) !== 0;
  }

  /** Link down: an administratively downed port (a patch port without a usable peer still shows its link up). */
  get linkDown(): boolean {
    return (this.config & OFPPC.PORT_DOWN) !== 0;
  }

  /**
   * OVS's may_enable (bundle members): the netdev's carrier, which a netdev that is not up
   * lacks; `mod-port ... down` and `netdev-dummy/set-admin-state ... down` both take it down.
   */
  get mayEnable(): boolean {
    return !this.linkDown;
  }
}

/** `strtoull(s, NULL, 0)` as netdev-vport parses keys: decimal, 0x hex or 0 octal prefix; junk after digits ignored. */
function strtoull0(s: string): bigint {
  const t = s.trim();
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)/.exec(t);
  if (!m) return 0n;
  const d = m[1] as string;
  const v = /^0[xX]/.test(d) ? BigInt(d) : d.length > 1 && d.startsWith("0") ? BigInt(`0o${d.slice(1)}`) : BigInt(d);
  return BigInt.asUintN(64, v);
}

/** netdev-vport parse_key: `name`, else `key`; "flow" or a number; absent is 0 / not present. */
function parseKey(options: ReadonlyMap<string, string>, name: string): { present: boolean; flow: boolean; value: bigint } {
  const s = options.get(name) ?? options.get("key");
  if (s === undefined) return { present: false, flow: false, value: 0n };
  if (s === "flow") return { present: true, flow: true, value: 0n };
  return { present: true, flow: false, value: strtoull0(s) };
}

/** The header a tunnel type pushes: ip6gre and ip6erspan are GRE and ERSPAN (over IPv6, from their remote_ip). */
function tunnelKind(type: string): XlateTunnelConfig["type"] | null {
  if (type === "vxlan" || type === "gre" || type === "geneve" || type === "erspan" || type === "stt" || type === "lisp") return type;
  if (type === "ip6gre") return "gre";
  if (type === "ip6erspan") return "erspan";
  return null;
}

function tunnelConfig(type: string, options: ReadonlyMap<string, string>): XlateTunnelConfig | null {
  const kind = tunnelKind(type);
  if (kind === null) return null;
  const inKey = parseKey(options, "in_key");
  const outKey = parseKey(options, "out_key");
  const local = options.get("local_ip");
  const dst = options.get("dst_port");
  const ttl = options.get("ttl");
  const tos = options.get("tos");
  const mark = options.get("egress_pkt_mark");
  return {
    type: kind,
    remoteIp: options.get("remote_ip") ?? "flow",
    localIp: local ?? null,
    outKey: outKey.flow ? "flow" : outKey.value,
    inKey: inKey.flow ? "flow" : inKey.value,
    outKeyPresent: outKey.present,
    dstPort: dst === undefined ? (TUNNEL_DEFAULT_DST_PORT[type] ?? 0) : Number(dst) & 0xffff,
    ttl: ttl === "inherit" ? "inherit" : (atoi(ttl ?? "") & 0xff) || DEFAULT_TTL,
    tos: tos === "inherit" ? "inherit" : dscpOption(tos),
    egressPktMark: mark === undefined ? null : strtoul10(mark),
    csum: options.get("csum") === "true",
    dfDefault: options.get("df_default") !== "false",
    ...(kind === "erspan" ? { erspan: erspanConfig(options) } : {}),
  };
}

/** C's strtol(s, NULL, 16): optional sign and 0x, hex digits up to the first other character. */
function strtol16(s: string): number {
  const m = /^\s*([+-]?)(?:0[xX](?=[0-9a-fA-F]))?([0-9a-fA-F]*)/.exec(s);
  const v = m === null || m[2] === "" ? 0 : Number.parseInt(m[2] ?? "0", 16);
  return m?.[1] === "-" ? -v : v;
}

/**
 * netdev-vport's erspan_* options: `erspan_ver` (atoi; "flow" makes every ERSPAN field come from
 * the flow), `erspan_idx` (hex, 20 bits), `erspan_dir` (atoi, 0 or 1), `erspan_hwid` (hex, 6 bits);
 * each "flow" or its value, 0 when absent.
 */
function erspanConfig(options: ReadonlyMap<string, string>): XlateErspanConfig {
  const read = (key: string, parse: (s: string) => number, mask: number): number | "flow" => {
    const v = options.get(key);
    if (v === undefined) return 0;
    return v === "flow" ? "flow" : parse(v) & mask;
  };
  const ver = read("erspan_ver", atoi, 0xff);
  if (ver === "flow") return { ver, idx: "flow", dir: "flow", hwid: "flow" };
  return { ver, idx: read("erspan_idx", strtol16, 0xfffff), dir: read("erspan_dir", atoi, 0xff), hwid: read("erspan_hwid", strtol16, 0x3f) };
}

/**
 * netdev-dummy's `options:ifindex` (set_config's smap_get_int: a whole decimal int, else none):
 * what netdev_get_ifindex answers for a dummy netdev, or null when it has none.
 */
export function dummyIfindex(options: ReadonlyMap<string, string>): number | null {
  const v = options.get("ifindex");
  if (v === undefined || !/^[-+]?\d+$/.test(v.trim())) return null;
  const n = Number(v.trim());
  return n >= 0 && n <= 0x7fffffff ? n : null;
}

/** What a netdev-dummy port's get_config adds to `dpif/show` (its ifindex when set); nothing for other netdevs. */
export function dummyNetdevConfig(netdevType: string, options: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  if (!netdevType.startsWith("dummy")) return out;
  const ifindex = dummyIfindex(options);
  if (ifindex !== null) out.set("ifindex", String(ifindex));
  return out;
}

/**
 * The configuration `dpif/show` prints for a port, as the netdev's
 * get_config gives it (sorted by key by the caller): a patch port's peer,
 * a tunnel's options (netdev-vport.c get_tunnel_config), nothing for others.
 */
export function netdevConfig(type: string, options: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  if (type === "patch") {
    const peer = options.get("peer");
    if (peer !== undefined) out.set("peer", peer);
    return out;
  }
  if (!isTunnelType(type)) return out;
  const remote = options.get("remote_ip");
  if (remote !== undefined) out.set("remote_ip", remote);
  const local = options.get("local_ip");
  if (local !== undefined) out.set("local_ip", local);
  const inKey = parseKey(options, "in_key");
  const outKey = parseKey(options, "out_key");
  if (inKey.flow && outKey.flow) out.set("key", "flow");
  else if (inKey.present && outKey.present && !inKey.flow && !outKey.flow && inKey.value === outKey.value) {
    out.set("key", String(inKey.value));
  } else {
    if (inKey.flow) out.set("in_key", "flow");
    else if (inKey.present) out.set("in_key", String(inKey.value));
    if (outKey.flow) out.set("out_key", "flow");
    else if (outKey.present) out.set("out_key", String(outKey.value));
  }
  const ttl = options.get("ttl");
  const ttlValue = (atoi(ttl ?? "") & 0xff) || DEFAULT_TTL;
  if (ttl === "inherit") out.set("ttl", "inherit");
  else if (ttlValue !== DEFAULT_TTL) out.set("ttl", String(ttlValue));
  const tos = options.get("tos");
  if (tos === "inherit") out.set("tos", "inherit");
  else if (dscpOption(tos) !== 0) out.set("tos", `0x${dscpOption(tos).toString(16)}`);
  const dst = options.get("dst_port");
  if (dst !== undefined) {
    const port = atoi(dst) & 0xffff;
    const dflt = TUNNEL_DEFAULT_DST_PORT[type];
    if (port !== 0 && dflt !== undefined && port !== dflt) out.set("dst_port", String(port));
  }
  if (options.get("csum") === "true") out.set("csum", "true");
  // netdev-vport.c set_tunnel_config: `seq` only for the GRE types (has_seq).
  if (type.includes("gre") && options.get("seq") === "true") out.set("seq", "true");
  if (options.get("df_default") === "false") out.set("df_default", "false");
  const mark = options.get("egress_pkt_mark");
  if (mark !== undefined) out.set("egress_pkt_mark", String(strtoul10(mark)));
  if (type === "erspan" || type === "ip6erspan") {
    const e = erspanConfig(options);
    const show = (v: number | "flow", hex: boolean): string => (v === "flow" ? "flow" : hex ? `0x${v.toString(16)}` : String(v));
    out.set("erspan_ver", show(e.ver, false));
    if (e.ver === "flow" || e.ver === 1) out.set("erspan_idx", show(e.idx, true));
    if (e.ver === "flow" || e.ver === 2) {
      out.set("erspan_dir", show(e.dir, false));
      out.set("erspan_hwid", show(e.hwid, true));
    }
  }
  return out;
}

/**
 * `strtoul(s, NULL, 10)` stored in a uint32_t, as netdev-vport reads egress_pkt_mark: junk reads
 * as 0, an overflow saturates at ULONG_MAX (so 0xffffffff after truncation).
 */
function strtoul10(s: string): number {
  const m = /^\s*\+?(\d+)/.exec(s);
  if (!m) return 0;
  const v = BigInt(m[1] as string);
  return Number(BigInt.asUintN(32, v > 0xffffffffffffffffn ? 0xffffffffffffffffn : v));
}

/** netdev-vport's default outer TTL: `options:ttl` absent, 0 or junk (atoi) reads as it. */
const DEFAULT_TTL = 64;

/**
 * `options:tos` as netdev-vport reads it: `strtol(s, &end, 0)` that must use the whole string
 * and fit the DSCP bits (0xfc); anything else is "invalid TOS" and leaves the TOS 0.
 */
function dscpOption(s: string | undefined): number {
  if (s === undefined || !/^\s*[+-]?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.test(s)) return 0;
  const t = s.trim();
  const neg = t.startsWith("-");
  const d = t.replace(/^[+-]/, "");
  const v = /^0[xX]/.test(d) ? Number.parseInt(d, 16) : d.length > 1 && d.startsWith("0") ? Number.parseInt(d, 8) : Number(d);
  const tos = neg ? -v : v;
  return tos === (tos & 0xfc) ? tos : 0;
}

function atoi(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) : 0;
}
