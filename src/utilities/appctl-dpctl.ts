/**
 * `ovs-appctl dpctl/show [DP...]` and `dpctl/dump-dps` (lib/dpctl.c
 * `dpctl_show`, `show_dpif`, `dpctl_dump_dps`): each datapath as
 * `TYPE@NAME:`, its lookup counters and megaflow count, then its ports by
 * number: `port N: NAME`, followed by ` (TYPE)` unless the netdev is a
 * `system` one, and for tunnel vports their configuration
 * (`vxlan: dst_port=4790, packet_type=ptap`, the UDP port only when it is not
 * the type's default).
 *
 * A datapath is named `TYPE@NAME` or `NAME` (type `system`): a name that
 * exists with another type is "Invalid argument" (dpif-netdev refuses to
 * open a datapath under another class), an unknown one "No such device", as
 * the sandbox answers. With `-s` each port's netdev counters follow (its
 * OpenFlow port's, zero for the datapath's own port); ovsim counts nothing
 * on tunnel vports, so `-s` on a datapath with one is refused.
 */
import type { Datapath, DatapathPort } from "../datapath/dpif.js";
import { TUNNEL_DEFAULT_DST_PORT, isTunnelType } from "../datapath/dpif.js";
import type { Switch } from "../vswitchd/switch.js";
import { serverError } from "./appctl-bridge.js";
import type { CommandResult } from "./command-result.js";
import { output } from "./command-result.js";

/** C's strcmp order of datapath types (dp_enumerate_types is an sset). */
function byType(a: Datapath, b: Datapath): number {
  return Buffer.compare(Buffer.from(a.type), Buffer.from(b.type));
}

/** A tunnel vport's configuration as netdev_get_config reports it. */
function vportConfig(p: DatapathPort): string {
  const dst = /_(\d+)$/.exec(p.name)?.[1];
  const dflt = TUNNEL_DEFAULT_DST_PORT[p.type];
  const cfg = dst !== undefined && dflt !== undefined && Number(dst) !== dflt ? [`dst_port=${dst}`] : [];
  cfg.push("packet_type=ptap");
  return `: ${cfg.join(", ")}`;
}

/** The counters of the OpenFlow port behind datapath port `p` (zeros for the datapath's own port). */
function portCounters(sw: Switch, dp: Datapath, p: DatapathPort): { rxPackets: number; rxBytes: number; txPackets: number; txBytes: number } {
  for (const br of sw.bridgesOf(dp)) {
    const port = br.ports().find((bp) => bp.odpPort === p.odpPort && bp.tunnel === null);
    if (port !== undefined) return port.stats;
  }
  return { rxPackets: 0, rxBytes: 0, txPackets: 0, txBytes: 0 };
}

/** show_dpif's `-s` lines (netdev_get_stats; the dummy netdevs count no errors, hence `?`). */
function statsLines(sw: Switch, dp: Datapath, p: DatapathPort): string[] {
  const s = portCounters(sw, dp, p);
  return [
    `    RX packets:${s.rxPackets} errors:? dropped:? overruns:? frame:?`,
    `    TX packets:${s.txPackets} errors:? dropped:? aborted:? carrier:?`,
    "    collisions:?",
    `    RX bytes:${s.rxBytes}  TX bytes:${s.txBytes}`,
  ];
}

function showDatapath(sw: Switch, dp: Datapath, stats: boolean): string[] {
  const flows = sw.datapaths.dpif(dp).flows(sw.now).length;
  const lines = [`${dp.type}@${dp.name}:`, `  lookups: hit:${dp.nHit} missed:${dp.nMissed} lost:0`, `  flows: ${flows}`];
  for (const p of dp.ports()) {
    const type = p.type === "system" ? "" : ` (${p.type}${isTunnelType(p.type) ? vportConfig(p) : ""})`;
    lines.push(`  port ${p.odpPort}: ${p.name}${type}`);
    if (stats) lines.push(...statsLines(sw, dp, p));
  }
  return lines;
}

/** The open datapath `arg` names (`TYPE@NAME` or `NAME` of type system), or OVS's error. */
function openDatapath(sw: Switch, arg: string): Datapath | string {
  const at = arg.indexOf("@");
  const type = at < 0 ? "system" : arg.slice(0, at);
  const name = at < 0 ? arg : arg.slice(at + 1);
  const dps = sw.vswitchd.openDatapaths();
  const found = dps.find((dp) => dp.name === name);
  if (found === undefined) return `ovs-vswitchd: opening datapath ${arg} failed (No such device)`;
  return found.type === type ? found : `ovs-vswitchd: opening datapath ${arg} failed (Invalid argument)`;
}

/** `dpctl/show [-s] [-m] [--names|--no-names] [DP...]`. */
export function dpctlShow(sw: Switch, args: readonly string[]): CommandResult {
  const names: string[] = [];
  let stats = false;
  for (const a of args) {
    if (a === "-s" || a === "--statistics") stats = true;
    else if (a !== "-m" && a !== "--more" && a !== "--names" && a !== "--no-names") names.push(a);
  }
  const dps: Datapath[] = [];
  for (const n of names) {
    const dp = openDatapath(sw, n);
    if (typeof dp === "string") return serverError(dp);
    dps.push(dp);
  }
  if (names.length === 0) dps.push(...[...sw.vswitchd.openDatapaths()].sort(byType));
  if (stats && dps.some((dp) => dp.ports().some((p) => isTunnelType(p.type)))) {
    return serverError("dpctl/show -s: ovsim counts nothing on tunnel vports");
  }
  return output(dps.flatMap((dp) => showDatapath(sw, dp, stats)));
}

/** `dpctl/dump-dps`: every datapath as `TYPE@NAME`. */
export function dpctlDumpDps(sw: Switch): CommandResult {
  return output([...sw.vswitchd.openDatapaths()].sort(byType).map((dp) => `${dp.type}@${dp.name}`));
}
