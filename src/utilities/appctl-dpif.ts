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
import { formatUfid } from "../datapath/dpif-netdev-format.js";
import { formatDumpedFlow } from "../datapath/flow-dump-format.js";
import { BridgeUpcall } from "../datapath/upcall.js";
import type { Bridge } from "../datapath/bridge.js";
import { W } from "../flowtable/flow-layout.js";
import type { CommandResult } from "./command-result.js";
import { output } from "./command-result.js";
import { serverError } from "./appctl-bridge.js";
import type { Switch } from "../vswitchd/switch.js";

function dumpLines(sw: Switch, d: DpifNetdev, bridge: Bridge | null, verbose = false, named = false): string[] {
  const lines: string[] = [];
  const names = named ? new Map(d.datapath.ports().map((p) => [p.odpPort, p.name] as const)) : null;
  for (const m of d.flows(sw.now)) {
    const found = d.upcall instanceof BridgeUpcall ? d.upcall.portOf(m.key[W.IN_PORT] ?? 0) : undefined;
    if (bridge !== null && found?.bridge !== bridge) continue;
    lines.push(formatDumpedFlow(m, sw.now, { verbose, names, geneve: found?.port.tunnel?.type === "geneve" }));
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
  // -m adds each flow's dp-extra-info (the megaflow's miniflow bits over OVS's struct flow), which ovsim has no layout for.
  if (args.includes("-m") || args.includes("--more")) return serverError("dpctl/dump-flows -m: ovsim does not print dp-extra-info (miniflow bits)");
  const named = args.filter((a) => a === "--names" || a === "--no-names").at(-1) === "--names";
  const lines = dumpLines(sw, sw.datapaths.dpif(dp), null, false, named);
  return output(lines.length === 0 ? [] : ["flow-dump from the main thread:", ...lines]);
}

/**
 * `dpif/dump-flows [-m] [--names|--no-names] BRIDGE`: the bridge's datapath flows (those whose
 * in_port is one of its ports); `-m` prints each flow's ufid and its key verbose, and names
 * ports unless `--no-names` (ofproto_unixctl_dpif_dump_flows).
 */
export function dpifDumpFlows(sw: Switch, args: readonly string[]): CommandResult {
  const name = args.at(-1) ?? "";
  const br = sw.bridge(name);
  const dp = sw.ofproto(name)?.datapath;
  if (br === undefined || dp === undefined) return serverError("no such bridge");
  const opts = args.slice(0, -1);
  const verbose = opts.includes("-m");
  const lastNames = opts.filter((a) => a === "--names" || a === "--no-names").at(-1);
  const named = lastNames === undefined ? verbose : lastNames === "--names";
  return output(dumpLines(sw, sw.datapaths.dpif(dp), br, verbose, named));
}

/** The open datapath DP names (`TYPE@NAME` or `NAME` of type system), the only one without DP, or OVS's error. */
function datapathArg(sw: Switch, dpArg: string | undefined): Datapath | CommandResult {
  const dps = sw.vswitchd.openDatapaths();
  if (dpArg !== undefined) {
    const full = dpArg.includes("@") ? dpArg : `system@${dpArg}`;
    const dp = dps.find((x) => full === `${x.type}@${x.name}`);
    return dp ?? serverError("ovs-vswitchd: datapath not found (Invalid argument)");
  }
  if (dps.length === 1 && dps[0] !== undefined) return dps[0];
  const why = dps.length === 0 ? "no datapaths exist" : "multiple datapaths, specify one";
  const answer = serverError("ovs-vswitchd: datapath not found (Invalid argument)");
  return { ...answer, stderr: [`ovs-vswitchd: ${why}`, ...answer.stderr] };
}

/** `dpctl/get-flow [DP] UFID` (dpctl_get_flow): the datapath flow with that ufid, as dump-flows prints it. */
export function dpctlGetFlow(sw: Switch, args: readonly string[]): CommandResult {
  const ufid = args.at(-1) ?? "";
  const dp = datapathArg(sw, args.length > 1 ? args[0] : undefined);
  if (!("type" in dp)) return dp;
  const d = sw.datapaths.dpif(dp);
  const m = d.flows(sw.now).find((f) => formatUfid(f.seq, false) === ufid.toLowerCase());
  if (m === undefined) return serverError("ovs-vswitchd: getting flow (No such file or directory)");
  return output([formatDumpedFlow(m, sw.now, { verbose: false, names: null, geneve: false })]);
}

/** `dpctl/del-flows [DP]` (dpif_flow_flush): every flow of the datapath goes, their unpushed stats with them. */
export function dpctlDelFlows(sw: Switch, args: readonly string[]): CommandResult {
  if (args.length > 1) return serverError("dpctl/del-flows: ovsim does not read flow files");
  const dp = datapathArg(sw, args[0]);
  if (!("type" in dp)) return dp;
  sw.datapaths.dpif(dp).flush();
  return output([]);
}

export function revalidatorWait(sw: Switch): CommandResult {
  sw.datapaths.revalidate(sw.now);
  return output([]);
}

export function revalidatorPurge(sw: Switch): CommandResult {
  sw.datapaths.purge(sw.now);
  return output([]);
}
