/**
 * `ovs-appctl` commands of native tunnelling, with OVS 3.1's texts:
 * `netdev-dummy/ip4addr DEV IP/LEN` (lib/netdev-dummy.c), `ovs/route/add
 * PREFIX DEV [GW]`, `ovs/route/show`, `ovs/route/del PREFIX`
 * (lib/ovs-router.c), `tnl/arp/set BR IP MAC`, `tnl/arp/show`,
 * `tnl/arp/flush` (lib/tnl-neigh-cache.c), `tnl/ports/show` (lib/tnl-ports.c);
 * `netdev-dummy/ip6addr`, IPv6 routes and neighbours too. `pkt_mark=` routes
 * are refused with OVS's message for a bad gateway.
 */
import { formatEthernet, formatIpv4, formatIpv6, parseIpv4Strict, parseIpv6 } from "../flowtable/field-values.js";
import { output } from "./command-result.js";
import { serverError } from "./appctl-bridge.js";
import type { Switch } from "../vswitchd/switch.js";
import type { AppctlCommand } from "./appctl-command.js";

type Handler = AppctlCommand["run"];

/** OVS's scan_ipv4_route / ip_parse_cidr: `IP[/LEN]`, LEN 0..32. */
function parseCidr(s: string): { ip: number; plen: number } | string {
  const slash = s.indexOf("/");
  const ip = parseIpv4Strict(slash < 0 ? s : s.slice(0, slash));
  if (ip === null) return `${s}: invalid IP address`;
  if (slash < 0) return { ip: Number(ip), plen: 32 };
  const lenText = s.slice(slash + 1);
  const plen = /^\d+$/.test(lenText) ? Number(lenText) : NaN;
  if (!(plen >= 0 && plen <= 32)) return `${s}: IPv4 network prefix bits not between 0 and 32, inclusive`;
  return { ip: Number(ip), plen };
}

/** OVS's ipv6_parse_cidr: `IP6[/LEN]` or `IP6/MASK6` (a CIDR mask), with its error texts. */
function parseCidr6(s: string): { ip: bigint; plen: number } | string {
  const m = /^\s*([0-9a-fA-F:.]{1,46})(.*)$/.exec(s);
  const ip = m === null ? null : parseIpv6(m[1] ?? "");
  if (m === null || ip === null) return `${s}: invalid IPv6 address`;
  const rest = m[2] ?? "";
  if (rest === "") return { ip, plen: 128 };
  const len = /^\/\s*([+-]?\d+)(.*)$/.exec(rest);
  if (len !== null) {
    const plen = Number(len[1]);
    if (plen < 0 || plen > 128) return `${s}: IPv6 network prefix bits not between 0 and 128, inclusive`;
    return len[2] === "" ? { ip, plen } : `${s}: invalid IPv6 address`;
  }
  const mask = /^\/([0-9a-fA-F:.]{1,46})(.*)$/.exec(rest);
  if (mask === null) return `${s}: invalid IPv6 address`;
  const mv = parseIpv6(mask[1] ?? "");
  if (mv === null) return `${s}: Invalid IPv6 mask`;
  const bits = mv.toString(2).padStart(128, "0");
  if (!/^1*0*$/.test(bits)) return `${s}: IPv6 CIDR network required`;
  return mask[2] === "" ? { ip, plen: bits.indexOf("0") < 0 ? 128 : bits.indexOf("0") } : `${s}: invalid IPv6 address`;
}

/** An address as tnl-neigh-cache parses it: IPv4, else IPv6. */
function parseNeighAddress(s: string): { v4: number } | { v6: bigint } | null {
  const v4 = parseIpv4Strict(s);
  if (v4 !== null) return { v4: Number(v4) };
  const v6 = parseIpv6(s);
  return v6 === null ? null : { v6 };
}

function parseMac(s: string): number | null {
  const m = /^([0-9a-f]{1,2}):([0-9a-f]{1,2}):([0-9a-f]{1,2}):([0-9a-f]{1,2}):([0-9a-f]{1,2}):([0-9a-f]{1,2})$/i.exec(s);
  if (!m) return null;
  let v = 0;
  for (let i = 1; i <= 6; i++) v = v * 256 + Number.parseInt(m[i] ?? "0", 16);
  return v;
}

function deviceExists(sw: Switch, dev: string): boolean {
  for (const br of sw.bridges.values()) if (br.portByName(dev) !== undefined) return true;
  return false;
}

const ip4addr: Handler = (sw, [dev = "", cidr = ""]) => {
  if (!deviceExists(sw, dev)) return serverError("Unknown Dummy Interface");
  const p = parseCidr(cidr);
  if (typeof p === "string") return serverError(p);
  sw.tunnels.routes.addAddress(dev, p.ip, p.plen);
  return output(["OK"]);
};

const ip6addr: Handler = (sw, [dev = "", cidr = ""]) => {
  if (!deviceExists(sw, dev)) return serverError("Unknown Dummy Interface");
  const p = parseCidr6(cidr);
  if (typeof p === "string") return serverError(p);
  sw.tunnels.routes.addAddress6(dev, p.ip, p.plen);
  return output(["OK"]);
};

function routeAdd6(sw: Switch, p: { ip: bigint; plen: number }, dev: string, gwText: string | undefined): ReturnType<Handler> {
  let gw = 0n;
  if (gwText !== undefined) {
    const g = parseIpv6(gwText);
    if (g === null) return serverError("Invalid pkt_mark or IPv6 gateway");
    gw = g;
  }
  if (!sw.tunnels.routes.add6(p.ip, p.plen, dev, gw)) return serverError("Error while inserting route.");
  sw.tunnelConfChanged();
  return output(["OK"]);
}

const routeAdd: Handler = (sw, [prefix = "", dev = "", gwText]) => {
  const p = parseCidr(prefix);
  if (typeof p === "string") {
    const p6 = parseCidr6(prefix);
    return typeof p6 === "string" ? serverError("Invalid parameters") : routeAdd6(sw, p6, dev, gwText);
  }
  let gw = 0;
  if (gwText !== undefined) {
    const g = parseIpv4Strict(gwText);
    if (g === null) return serverError("Invalid pkt_mark or gateway");
    gw = Number(g);
  }
  if (!sw.tunnels.routes.add(p.ip, p.plen, dev, gw)) return serverError("Error while inserting route.");
  // ovs_router_insert__ moves tnl_conf_seq: the backers revalidate.
  sw.tunnelConfChanged();
  return output(["OK"]);
};

const routeDel: Handler = (sw, [prefix = ""]) => {
  const p = parseCidr(prefix);
  if (typeof p === "string") {
    const p6 = parseCidr6(prefix);
    if (typeof p6 === "string") return serverError("Invalid parameters");
    if (!sw.tunnels.routes.remove6(p6.ip, p6.plen)) return serverError("Not found");
    sw.tunnelConfChanged();
    return output(["OK"]);
  }
  if (!sw.tunnels.routes.remove(p.ip, p.plen)) return serverError("Not found");
  // ovs_router_del moves tnl_conf_seq: the backers revalidate.
  sw.tunnelConfChanged();
  return output(["OK"]);
};

const routeShow: Handler = (sw) => {
  // One classifier in OVS: both families by priority (IPv4's on its mapped length).
  const rows: Array<{ priority: number; text: string }> = [];
  for (const r of sw.tunnels.routes.list()) {
    const gw = r.gw !== 0 ? ` GW ${formatIpv4(BigInt(r.gw))}` : "";
    const kind = r.origin === "user" ? "User" : "Cached";
    const local = r.local ? " local" : "";
    rows.push({ priority: r.priority, text: `${kind}: ${formatIpv4(BigInt(r.prefix))}/${r.plen} dev ${r.dev}${gw} SRC ${formatIpv4(BigInt(r.src))}${local}` });
  }
  for (const r of sw.tunnels.routes.list6()) {
    const gw = r.gw !== 0n ? ` GW ${formatIpv6(r.gw)}` : "";
    rows.push({ priority: r.priority, text: `User: ${formatIpv6(r.prefix)}/${r.plen} dev ${r.dev}${gw} SRC ${formatIpv6(r.src)}` });
  }
  rows.sort((a, b) => b.priority - a.priority);
  return output(["Route Table:", ...rows.map((r) => r.text)]);
};

/** INET6_ADDRSTRLEN: the IP column's width in `tnl/arp/show`. */
const INET6_ADDRSTRLEN = 46;

const arpShow: Handler = (sw) => {
  const lines = [
    "IP                                            MAC                 Bridge",
    "==========================================================================",
  ];
  // OVS prints its cmap's order, which a random hash basis makes differ from run to run.
  for (const e of sw.tunnels.neighbours.list6()) {
    lines.push(`${formatIpv6(e.ip).padEnd(INET6_ADDRSTRLEN)}${formatEthernet(BigInt(e.mac))}   ${e.bridge}`);
  }
  for (const e of sw.tunnels.neighbours.list()) {
    lines.push(`${formatIpv4(BigInt(e.ip)).padEnd(INET6_ADDRSTRLEN)}${formatEthernet(BigInt(e.mac))}   ${e.bridge}`);
  }
  return output(lines);
};

const arpSet: Handler = (sw, [br = "", ipText = "", macText = ""]) => {
  const ip = parseNeighAddress(ipText);
  if (ip === null) return serverError("bad IP address");
  const mac = parseMac(macText);
  if (mac === null) return serverError("bad MAC address");
  // tnl_neigh_set moves tnl_conf_seq (the backers revalidate) for a new entry or a new MAC.
  const known = "v4" in ip ? sw.tunnels.neighbours.lookup(br, ip.v4) : sw.tunnels.neighbours.lookup6(br, ip.v6);
  if ("v4" in ip) sw.tunnels.neighbours.set(br, ip.v4, mac);
  else sw.tunnels.neighbours.set6(br, ip.v6, mac);
  if (known !== mac) sw.tunnelConfChanged();
  return output(["OK"]);
};

const arpFlush: Handler = (sw) => {
  const had = sw.tunnels.neighbours.list().length + sw.tunnels.neighbours.list6().length > 0;
  sw.tunnels.neighbours.flush();
  if (had) sw.tunnelConfChanged();
  return output(["OK"]);
};

/**
 * `tnl/ports/show` (lib/tnl-ports.c): the tunnel vports native tunnelling listens on, in the
 * order they were added, each with how many tunnel ports share it.
 */
const portsShow: Handler = (sw) => {
  const lines = ["Listening ports:"];
  for (const dp of sw.vswitchd.openDatapaths()) {
    if (!dp.tnlPushPop) continue;
    for (const v of dp.tunnelVports()) lines.push(`${v.port.name} (${v.port.odpPort}) ref_cnt=${v.users}`);
  }
  return output(lines);
};

export const TUNNEL_COMMANDS: ReadonlyArray<readonly [string, AppctlCommand]> = [
  ["netdev-dummy/ip4addr", { usage: "[netdev] ipaddr/mask-prefix-len", minArgs: 2, maxArgs: 2, run: ip4addr }],
  ["netdev-dummy/ip6addr", { usage: "[netdev] ip6addr", minArgs: 2, maxArgs: 2, run: ip6addr }],
  ["ovs/route/add", { usage: "ip_addr/prefix_len out_br_name [gw] [pkt_mark=mark]", minArgs: 2, maxArgs: 4, run: routeAdd }],
  ["ovs/route/del", { usage: "ip_addr/prefix_len [pkt_mark=mark]", minArgs: 1, maxArgs: 2, run: routeDel }],
  ["ovs/route/show", { usage: "", minArgs: 0, maxArgs: 0, run: routeShow }],
  ["tnl/arp/set", { usage: "BRIDGE IP MAC", minArgs: 3, maxArgs: 3, run: arpSet }],
  ["tnl/arp/show", { usage: "", minArgs: 0, maxArgs: 0, run: arpShow }],
  ["tnl/arp/flush", { usage: "", minArgs: 0, maxArgs: 0, run: arpFlush }],
  // lib/tnl-neigh-cache.c registers each under tnl/neigh/ too.
  ["tnl/neigh/show", { usage: "", minArgs: 0, maxArgs: 0, run: arpShow }],
  ["tnl/neigh/set", { usage: "BRIDGE IP MAC", minArgs: 3, maxArgs: 3, run: arpSet }],
  ["tnl/neigh/flush", { usage: "", minArgs: 0, maxArgs: 0, run: arpFlush }],
  ["tnl/ports/show", { usage: "-v", minArgs: 0, maxArgs: 1, run: portsShow }],
];
