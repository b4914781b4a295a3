/**
 * The commands that read and run the datapaths' megaflow caches
 * (src/vswitchd/datapaths.ts): `dpctl/dump-flows [DP]`, `dpif/dump-flows
 * BRIDGE`, `revalidator/wait`, `revalidator/purge`.
 *
 * Dump order: OVS dumps in its hash table order (per ufid, random per run);
 * ovsim dumps oldest first. Goldens are compared as sets of lines.
 */
import type { Datapath } from "../datapath/dpif.js";
import type { DpifNetdev } from "../datapath/dpif-netdev.js";
import { formatMegaflow } from "../datapath/dpif-netdev-format.js";
import { BridgeUpcall } from "../datapath/upcall.js";
import type { Bridge } from "../datapath/bridge.js";
import { W } from "../flowtable/flow-layout.js";
import type { CommandResult } from "./command-result.js";
import { output } from "./command-result.js";
import { serverError } from "./appctl-bridge.js";
import type { Switch } from "../vswitchd/switch.js";

function dumpLines(sw: Switch, d: DpifNetdev, bridge: Bridge | null): string[] {
  const lines: string[] = [];
  for (const m of d.flows(sw.now)) {
    if (bridge !== null) {
      const found = d.upcall instanceof BridgeUpcall ? d.upcall.portOf(m.key[W.IN_PORT] ?? 0) : undefined;
      if (found?.bridge !== bridge) continue;
    }
    const port = d.upcall instanceof BridgeUpcall ? d.upcall.portOf(m.key[W.IN_PORT] ?? 0)?.port : undefined;
    lines.push(formatMegaflow(m, sw.now, port?.tunnel?.type === "geneve"));
  }
  return lines;
}

/**
 * `dpctl/dump-flows [DP]`: "flow-dump from the main thread:" then each flow
 * (nothing without flows). DP is `TYPE@NAME`, or `NAME` of type system; a
 * datapath it does not name, or none or several without DP, is OVS's
 * "datapath not found (Invalid argument)", after the reason when there is one.
 */
export function dpctlDumpFlows(sw: Switch, args: readonly string[]): CommandResult {
  const names = args.filter((a) => !a.startsWith("-") && !a.includes("="));
  const dps = sw.vswitchd.openDatapaths();
  const notFound = (...why: string[]): CommandResult => {
    const lines = [...why, "datapath not found (Invalid argument)"].map((l) => `ovs-vswitchd: ${l}`);
    const answer = serverError(lines.at(-1) ?? "");
    return { ...answer, stderr: [...lines.slice(0, -1), ...answer.stderr] };
  };
  let dp: Datapath | undefined;
  if (names.length > 0) {
    const n = names[0] ?? "";
    const full = n.includes("@") ? n : `system@${n}`;
    dp = dps.find((x) => full === `${x.type}@${x.name}`);
    if (dp === undefined) return notFound();
  } else {
    if (dps.length === 0) return notFound("no datapaths exist");
    if (dps.length > 1) return notFound("multiple datapaths, specify one");
    dp = dps[0];
  }
  if (dp === undefined) return output([]);
  const lines = dumpLines(sw, sw.datapaths.dpif(dp), null);
  return output(lines.length === 0 ? [] : ["flow-dump from the main thread:", ...lines]);
}

/** `dpif/dump-flows BRIDGE`: the bridge's datapath flows (those whose in_port is one of its ports). */
export function dpifDumpFlows(sw: Switch, args: readonly string[]): CommandResult {
  const name = args.filter((a) => !a.startsWith("-")).at(-1) ?? "";
  const br = sw.bridge(name);
  const dp = sw.ofproto(name)?.datapath;
  if (br === undefined || dp === undefined) return serverError("no such bridge");
  return output(dumpLines(sw, sw.datapaths.dpif(dp), br));
}

export function revalidatorWait(sw: Switch): CommandResult {
  sw.datapaths.revalidate(sw.now);
  return output([]);
}

export function revalidatorPurge(sw: Switch): CommandResult {
  sw.datapaths.purge(sw.now);
  return output([]);
}
