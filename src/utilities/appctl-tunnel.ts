/**
 * `ovs-appctl` commands of native tunnelling, with OVS 3.1's texts:
 * `netdev-dummy/ip4addr DEV IP/LEN` (lib/netdev-dummy.c), `ovs/route/add
 * PREFIX DEV [GW]`, `ovs/route/show`, `ovs/route/del PREFIX`
 * (lib/ovs-router.c), `tnl/arp/set BR IP MAC`, `tnl/arp/show`,
 * `tnl/arp/flush` (lib/tnl-neigh-cache.c). IPv4 only; `pkt_mark=` routes
 * are refused with OVS's message for a bad gateway.
 */
import { formatEthernet, formatIpv4, parseIpv4Strict } from "../flowtable/field-values.js";
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

const routeAdd: Handler = (sw, [prefix = "", dev = "", gwText]) => {
  const p = parseCidr(prefix);
  if (typeof p === "string") return serverError("Invalid parameters");
  let gw = 0;
  if (gwText !== undefined) {
    const g = parseIpv4Strict(gwText);
    if (g === null) return serverError("Invalid pkt_mark or gateway");
    gw = Number(g);
  }
  if (!sw.tunnels.routes.add(p.ip, p.plen, dev, gw)) return serverError("Error while inserting route.");
  return output(["OK"]);
};

const routeDel: Handler = (sw, [prefix = ""]) => {
  const p = parseCidr(prefix);
  if (typeof p === "string") return serverError("Invalid parameters");
  return sw.tunnels.routes.remove(p.ip, p.plen) ? output(["OK"]) : serverError("Not found");
};

const routeShow: Handler = (sw) => {
  const lines = ["Route Table:"];
  for (const r of sw.tunnels.routes.list()) {
    const gw = r.gw !== 0 ? ` GW ${formatIpv4(BigInt(r.gw))}` : "";
    const kind = r.origin === "user" ? "User" : "Cached";
    const local = r.local ? " local" : "";
    lines.push(`${kind}: ${formatIpv4(BigInt(r.prefix))}/${r.plen} dev ${r.dev}${gw} SRC ${formatIpv4(BigInt(r.src))}${local}`);
  }
  return output(lines);
};

/** INET6_ADDRSTRLEN: the IP column's width in `tnl/arp/show`. */
const INET6_ADDRSTRLEN = 46;

const arpShow: Handler = (sw) => {
  const lines = [
    "IP                                            MAC                 Bridge",
    "==========================================================================",
  ];
  for (const e of sw.tunnels.neighbours.list()) {
    lines.push(`${formatIpv4(BigInt(e.ip)).padEnd(INET6_ADDRSTRLEN)}${formatEthernet(BigInt(e.mac))}   ${e.bridge}`);
  }
  return output(lines);
};

const arpSet: Handler = (sw, [br = "", ipText = "", macText = ""]) => {
  const ip = parseIpv4Strict(ipText);
  if (ip === null) return serverError("bad IP address");
  const mac = parseMac(macText);
  if (mac === null) return serverError("bad MAC address");
  sw.tunnels.neighbours.set(br, Number(ip), mac);
  return output(["OK"]);
};

const arpFlush: Handler = (sw) => {
  sw.tunnels.neighbours.flush();
  return output(["OK"]);
};

export const TUNNEL_COMMANDS: ReadonlyArray<readonly [string, AppctlCommand]> = [
  ["netdev-dummy/ip4addr", { usage: "[netdev] ipaddr/mask-prefix-len", minArgs: 2, maxArgs: 2, run: ip4addr }],
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
];
