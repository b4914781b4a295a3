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
 * A flow that passes them lives in the datapath's megaflow cache as any
 * other (src/datapath/dpif-flow-put.ts); `dpctl/del-flow` deletes one.
 */
import type { Datapath } from "../datapath/dpif.js";
import type { FlowPutError } from "../datapath/dpif-flow-put.js";
import { delFlow, putFlow } from "../datapath/dpif-flow-put.js";
import type { Switch } from "../vswitchd/switch.js";
import { serverError } from "./appctl-bridge.js";
import type { CommandResult } from "./command-result.js";
import { output } from "./command-result.js";

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

/** OVS's answer to a put or delete that failed: the error (and a hint), then appctl's line. */
function answer(sw: Switch, e: FlowPutError): CommandResult {
  if (e === null) return output([]);
  if (e.log !== undefined) sw.vlog.get("dpif_netdev").err(e.log);
  const r = serverError(`ovs-vswitchd: ${e.error}`);
  return e.hint === undefined ? r : { ...r, stderr: [r.stderr[0] ?? "", e.hint, ...r.stderr.slice(1)] };
}

/** `dpctl/add-flow` (`put[create]`) and `dpctl/mod-flow` (`put[modify]`). */
export function dpctlPutFlow(sw: Switch, args: readonly string[], op: "create" | "modify"): CommandResult {
  const dp = openDatapath(sw, args.length === 3 ? args[0] : undefined);
  if (!("type" in dp)) return dp;
  const ports = new Map(dp.ports().map((p) => [p.name, p.odpPort] as const));
  const req = { keyText: args.at(-2) ?? "", actionsText: args.at(-1) ?? "", create: op === "create", modify: op === "modify", ports, opName: op };
  return answer(sw, putFlow(sw.datapaths.dpif(dp), req, sw.now));
}

/** `dpctl/del-flow [DP] FLOW`. */
export function dpctlDelFlow(sw: Switch, args: readonly string[]): CommandResult {
  const dp = openDatapath(sw, args.length === 2 ? args[0] : undefined);
  if (!("type" in dp)) return dp;
  const ports = new Map(dp.ports().map((p) => [p.name, p.odpPort] as const));
  return answer(sw, delFlow(sw.datapaths.dpif(dp), args.at(-1) ?? "", ports));
}
