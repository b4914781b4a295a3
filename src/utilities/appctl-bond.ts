/**
 * `ovs-appctl bond/...` (ofproto/bond.c's unixctl commands) over the switch's bonds
 * (src/vswitchd/bonds.ts): `bond/list`, `bond/show [PORT]` and
 * `bond/set-active-member PORT MEMBER`, printed as OVS prints them. Members are listed in
 * name order (bond/show sorts them; bond/list's hash-map order is not modelled), bonds in
 * name order.
 */
import { Bonds, lacpStatus } from "../vswitchd/bonds.js";
import { BOND_MASK, hashMac, parseMac } from "../vswitchd/bond-hash.js";
import type { BondState } from "../vswitchd/bonds.js";
import type { Switch } from "../vswitchd/switch.js";
import { serverError } from "./appctl-bridge.js";
import type { AppctlCommand } from "./appctl-command.js";
import type { CommandResult } from "./command-result.js";
import { output } from "./command-result.js";

/** bond_print_details. */
function bondDetails(sw: Switch, b: BondState): string[] {
  const now = sw.now;
  const mayRecirc = Bonds.mayRecirc(b);
  const lbOutput = mayRecirc && b.useLbOutput;
  const lines = [
    `---- ${b.name} ----`,
    `bond_mode: ${b.mode}`,
    `bond may use recirculation: ${mayRecirc ? "yes" : "no"}, Recirc-ID : ${mayRecirc ? b.recircId : -1}`,
    `bond-hash-basis: ${b.basis}`,
    `lb_output action: ${lbOutput ? "enabled" : "disabled"}, bond-id: ${lbOutput ? b.recircId : -1}`,
  ];
  if (b.mode === "balance-slb") lines.push(`all members active: ${b.allMembersActive}`);
  lines.push(`updelay: ${b.updelay} ms`, `downdelay: ${b.downdelay} ms`);
  if (Bonds.isBalanced(b)) lines.push(`next rebalance: ${b.nextRebalance - now} ms`);
  lines.push(`lacp_status: ${lacpStatus(b)}`, `lacp_fallback_ab: ${b.lacpFallbackAb}`);
  const found = b.primary !== null && b.members.has(b.primary);
  lines.push(`active-backup primary: ${b.primary ?? "<none>"}${b.primary !== null && !found ? " (no such member)" : ""}`);
  let macOwner = "none";
  for (const br of sw.bridges.values()) {
    for (const m of b.members.keys()) if (br.portByName(m)?.mac === b.activeMac) macOwner = m;
  }
  lines.push(`active member mac: ${b.activeMac}(${macOwner})`);
  for (const m of [...b.members.values()].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))) {
    lines.push("", `member ${m.name}: ${m.enabled ? "enabled" : "disabled"}`);
    if (m.name === b.active) lines.push("  active member");
    if (m.delayExpires !== null) lines.push(`  ${m.enabled ? "downdelay" : "updelay"} expires in ${m.delayExpires - now} ms`);
    lines.push(`  may_enable: ${m.mayEnable}`);
    if (!Bonds.isBalanced(b)) continue;
    // The member's hash buckets with at least 1 kB of recent load.
    (b.hash ?? []).forEach((e, i) => {
      const k = Math.floor(e.txBytes / 1024);
      if (e.member === m.name && k !== 0) lines.push(`  hash ${i}: ${k} kB load`);
    });
  }
  lines.push("");
  return lines;
}

/** `bond/show [PORT]`. */
function bondShow(sw: Switch, args: readonly string[]): CommandResult {
  if (args.length > 0) {
    const b = sw.bonds.find(args[0] ?? "");
    return b === undefined ? serverError("no such bond") : output(bondDetails(sw, b));
  }
  return output(sw.bonds.all().flatMap((b) => bondDetails(sw, b)));
}

/** `bond/list`. */
function bondList(sw: Switch): CommandResult {
  const lines = ["bond\ttype\trecircID\tmembers"];
  for (const b of sw.bonds.all()) lines.push(`${b.name}\t${b.mode}\t${b.recircId}\t${[...b.members.keys()].sort().join(", ")}`);
  return output(lines);
}

/** `bond/set-active-member PORT MEMBER`. */
function bondSetActiveMember(sw: Switch, [port = "", member = ""]: readonly string[]): CommandResult {
  const r = sw.bonds.setActiveMember(port, member);
  if (!r.ok) return serverError(r.error);
  // The active member is what translation outputs to: megaflows are revalidated.
  sw.datapaths.noteConfigChange();
  return output([r.reply]);
}

/** `bond/enable-member PORT MEMBER` and `bond/disable-member PORT MEMBER` (enable_member). */
function bondEnableMember(sw: Switch, [port = "", member = ""]: readonly string[], enable: boolean): CommandResult {
  const r = sw.bonds.enableMemberCommand(port, member, enable);
  if (!r.ok) return serverError(r.error);
  sw.datapaths.noteConfigChange();
  return output([enable ? "enabled" : "disabled"]);
}

/** `bond/migrate PORT HASH MEMBER`. */
function bondMigrate(sw: Switch, [port = "", hash = "", member = ""]: readonly string[]): CommandResult {
  const r = sw.bonds.migrate(port, hash, member);
  if (!r.ok) return serverError(r.error);
  sw.datapaths.noteConfigChange();
  return output(["migrated"]);
}

/** An unsigned decimal as sscanf's "%u" reads it (leading digits), or null. */
function scanUnsigned(s: string): number | null {
  const m = /^\s*\+?(\d+)/.exec(s);
  return m === null ? null : Number(BigInt(m[1] ?? "0") & 0xffffffffn);
}

/** `bond/hash MAC [VLAN] [BASIS]`: the SLB bucket of a MAC (bond_unixctl_hash). */
function bondHash(_sw: Switch, [macText = "", vlanText, basisText]: readonly string[]): CommandResult {
  const vlan = vlanText === undefined ? 0 : scanUnsigned(vlanText);
  if (vlan === null) return serverError("invalid vlan");
  const basis = basisText === undefined ? 0 : scanUnsigned(basisText);
  if (basis === null) return serverError("invalid basis");
  const mac = parseMac(macText);
  if (mac === null) return serverError("invalid mac");
  return output([String(hashMac(mac, vlan & 0xffff, basis) & BOND_MASK)]);
}

/** `lacp/show [PORT]` and `lacp/show-stats [PORT]` (lacp_unixctl_show, lacp_unixctl_show_stats). */
function lacpShow(sw: Switch, args: readonly string[], stats: boolean): CommandResult {
  const all = sw.bonds.lacps();
  const chosen = args.length > 0 ? all.filter((l) => l.name === args[0]) : all;
  if (args.length > 0 && chosen.length === 0) return serverError("no such lacp object");
  return output(chosen.flatMap((l) => (stats ? l.statsText() : l.details())));
}

/** The commands of this file for appctl.ts's table. */
export const BOND_COMMANDS: ReadonlyArray<readonly [string, AppctlCommand]> = [
  ["bond/list", { usage: "", minArgs: 0, maxArgs: 0, run: (sw) => bondList(sw) }],
  ["bond/show", { usage: "[port]", minArgs: 0, maxArgs: 1, run: bondShow }],
  ["bond/set-active-member", { usage: "port member", minArgs: 2, maxArgs: 2, run: bondSetActiveMember }],
  ["bond/migrate", { usage: "port hash member", minArgs: 3, maxArgs: 3, run: bondMigrate }],
  ["bond/enable-member", { usage: "port member", minArgs: 2, maxArgs: 2, run: (sw, args) => bondEnableMember(sw, args, true) }],
  ["bond/disable-member", { usage: "port member", minArgs: 2, maxArgs: 2, run: (sw, args) => bondEnableMember(sw, args, false) }],
  ["bond/hash", { usage: "mac [vlan] [basis]", minArgs: 1, maxArgs: 3, run: bondHash }],
  ["lacp/show", { usage: "[port]", minArgs: 0, maxArgs: 1, run: (sw, args) => lacpShow(sw, args, false) }],
  ["lacp/show-stats", { usage: "[port]", minArgs: 0, maxArgs: 1, run: (sw, args) => lacpShow(sw, args, true) }],
];
