/**
 * `ovs-appctl bond/...` (ofproto/bond.c's unixctl commands) over the switch's bonds
 * (src/vswitchd/bonds.ts): `bond/list`, `bond/show [PORT]` and
 * `bond/set-active-member PORT MEMBER`, printed as OVS prints them. Members are listed in
 * name order (bond/show sorts them; bond/list's hash-map order is not modelled), bonds in
 * name order.
 */
import { Bonds } from "../vswitchd/bonds.js";
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
  lines.push("lacp_status: off", `lacp_fallback_ab: ${b.lacpFallbackAb}`);
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

/** The commands of this file for appctl.ts's table. */
export const BOND_COMMANDS: ReadonlyArray<readonly [string, AppctlCommand]> = [
  ["bond/list", { usage: "", minArgs: 0, maxArgs: 0, run: (sw) => bondList(sw) }],
  ["bond/show", { usage: "[port]", minArgs: 0, maxArgs: 1, run: bondShow }],
  ["bond/set-active-member", { usage: "port member", minArgs: 2, maxArgs: 2, run: bondSetActiveMember }],
];
