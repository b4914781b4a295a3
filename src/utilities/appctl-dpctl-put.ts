/**
 * `ovs-appctl dpctl/add-flow [DP] FLOW ACTIONS` and `dpctl/mod-flow`
 * (lib/dpctl.c dpctl_put_flow, dpif-netdev.c dpif_netdev_flow_put): the
 * steps OVS takes before a flow reaches the datapath, with OVS's errors:
 * - DP, or the only datapath (`no datapaths exist`, `multiple datapaths,
 *   specify one`, then `datapath not found (Invalid argument)`);
 * - FLOW in ODP text, datapath ports by name allowed: `parsing flow key
 *   (syntax error at ...) (Invalid argument)`;
 * - ACTIONS: `parsing actions (Invalid argument)`;
 * - the userspace datapath refuses a flow whose in_port is not an exact
 *   match: it logs `failed to put[create] flow: in_port is not an exact
 *   match` (dpif_netdev, ERR) and the command fails with `updating flow
 *   table (Invalid argument)`.
 *
 * ovsim's datapath installs flows only from upcalls (their key, the mask
 * translation computed, their revalidation): a flow that passes these
 * checks is refused with a message saying so, rather than installed with a
 * mask ovsim's ODP parser does not read.
 */
import { parseActions } from "../datapath/dpctl-normalize.js";
import type { Datapath } from "../datapath/dpif.js";
import { parseOdpFlow } from "../datapath/odp-flow-parse.js";
import type { Switch } from "../vswitchd/switch.js";
import { serverError } from "./appctl-bridge.js";
import type { CommandResult } from "./command-result.js";

function notFound(...why: string[]): CommandResult {
  const lines = [...why, "datapath not found (Invalid argument)"].map((l) => `ovs-vswitchd: ${l}`);
  const answer = serverError(lines.at(-1) ?? "");
  return { ...answer, stderr: [...lines.slice(0, -1), ...answer.stderr] };
}

/** opt_dpif_open: DP when given (`TYPE@NAME` or `NAME` of type system), else the only datapath. */
function openDatapath(sw: Switch, dpArg: string | undefined): Datapath | CommandResult {
  const dps = sw.vswitchd.openDatapaths();
  if (dpArg !== undefined) {
    const full = dpArg.includes("@") ? dpArg : `system@${dpArg}`;
    return dps.find((x) => full === `${x.type}@${x.name}`) ?? notFound();
  }
  if (dps.length === 0) return notFound("no datapaths exist");
  if (dps.length > 1 || dps[0] === undefined) return notFound("multiple datapaths, specify one");
  return dps[0];
}

/** Whether the flow text matches in_port exactly: given, and without a partial mask. */
function inPortExact(flowText: string): boolean {
  const m = /(?:^|[,\s)])in_port\(([^)]*)\)/.exec(flowText);
  if (m === null) return false;
  const mask = (m[1] ?? "").split("/")[1];
  return mask === undefined || /^(0x)?f{8}$/i.test(mask.trim()) || mask.trim() === "4294967295";
}

/** `dpctl/add-flow` (`put[create]`) and `dpctl/mod-flow` (`put[modify]`). */
export function dpctlPutFlow(sw: Switch, args: readonly string[], op: "create" | "modify"): CommandResult {
  const dp = openDatapath(sw, args.length === 3 ? args[0] : undefined);
  if (!("type" in dp)) return dp;
  const flowText = (args.at(-2) ?? "").replace(/^\s*ufid:\S+\s*/, "");
  const actionsText = args.at(-1) ?? "";
  const ports = new Map(dp.ports().map((p) => [p.name, p.odpPort] as const));
  const parsed = parseOdpFlow(flowText, ports);
  if (!parsed.ok) return serverError(`ovs-vswitchd: parsing flow key (${parsed.error}) (Invalid argument)`);
  if (parseActions(actionsText, new Map()) === null) return serverError("ovs-vswitchd: parsing actions (Invalid argument)");
  if (!inPortExact(flowText)) {
    sw.vlog.get("dpif_netdev").err(`failed to put[${op}] flow: in_port is not an exact match`);
    return serverError("ovs-vswitchd: updating flow table (Invalid argument)");
  }
  return serverError(`dpctl/${op === "create" ? "add" : "mod"}-flow: ovsim installs datapath flows only from upcalls`);
}
