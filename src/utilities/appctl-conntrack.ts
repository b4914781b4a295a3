/**
 * `ovs-appctl dpctl/*` commands of the datapath's connection tracker
 * (lib/dpctl.c over src/datapath/conntrack): dump-conntrack [-m] [-s]
 * [DP] [zone=N], flush-conntrack [DP] [zone=N] [ORIG [REPLY]],
 * ct-set-maxconns / ct-get-maxconns / ct-get-nconns, and
 * ct-{enable,disable,get}-tcp-seq-chk. DP names a datapath (`ovs-dummy`,
 * `dummy@ovs-dummy`); without it the switch's only datapath is meant.
 * dump-conntrack lists connections in the tracker's order; OVS lists them in
 * hash order with a random basis (compare as sets).
 */
import type { Conntrack } from "../datapath/conntrack/conntrack.js";
import { formatConntrackEntry } from "../datapath/conntrack/ct-entry.js";
import { emptyCtMatch, parseCtTuple } from "../datapath/conntrack/ct-match.js";
import type { Switch } from "../vswitchd/switch.js";
import type { Datapath } from "../datapath/dpif.js";
import { ctDpifFlush } from "../vswitchd/ct-dpif-flush.js";
import type { AppctlCommand } from "./appctl-command.js";
import { serverError } from "./appctl-bridge.js";
import type { CommandResult } from "./command-result.js";
import { output } from "./command-result.js";

/** The tracker of the datapath `args` names (its first argument without `=` or `-`), or OVS's error. */
function trackerOf(sw: Switch, args: string[]): { ct: Conntrack; dp: Datapath; rest: string[] } | CommandResult {
  const dps = sw.vswitchd.openDatapaths();
  const named = args.findIndex((a) => !a.startsWith("-") && !a.includes("=") && /^([a-z]+@)?ovs-[a-z]+$/.test(a));
  if (named >= 0) {
    const n = args[named] ?? "";
    const dp = dps.find((d) => n === d.name || n === `${d.type}@${d.name}`);
    if (dp === undefined) return serverError(`ovs-vswitchd: opening datapath (No such device)`);
    return { ct: dp.conntrack, dp, rest: args.filter((_, i) => i !== named) };
  }
  if (dps.length === 0) return serverError("ovs-vswitchd: no datapaths exist (No such device)");
  if (dps.length > 1) return serverError("ovs-vswitchd: multiple datapaths, specify one (Invalid argument)");
  return { ct: dps[0]!.conntrack, dp: dps[0]!, rest: args };
}

function withTracker(run: (sw: Switch, ct: Conntrack, args: string[], dp: Datapath) => CommandResult): (sw: Switch, args: string[]) => CommandResult {
  return (sw, args) => {
    const t = trackerOf(sw, args);
    return "ct" in t ? run(sw, t.ct, t.rest, t.dp) : t;
  };
}

function parseZone(arg: string): number | null {
  const m = /^zone=(\d+)$/.exec(arg);
  const n = m === null ? NaN : Number(m[1]);
  return Number.isInteger(n) && n <= 0xffff ? n : null;
}

function dumpConntrack(sw: Switch, ct: Conntrack, args: string[]): CommandResult {
  let zone: number | undefined;
  for (const a of args) {
    if (a === "-m" || a === "--more" || a === "-s" || a === "--statistics") continue;
    const z = parseZone(a);
    if (z === null) return serverError(`ovs-vswitchd: invalid argument ${a} (Invalid argument)`);
    zone = z;
  }
  const verbose = args.includes("-m") || args.includes("--more");
  const stats = args.includes("-s") || args.includes("--statistics");
  return output(ct.dump(sw.now, zone).map((e) => formatConntrackEntry(e, { verbose, stats })));
}

function flushConntrack(sw: Switch, _ct: Conntrack, args: string[], dp: Datapath): CommandResult {
  let rest = args;
  let zone: number | undefined;
  if (rest[0]?.startsWith("zone=") === true) {
    const z = parseZone(rest[0]);
    if (z === null) return serverError(`ovs-vswitchd: failed to parse zone (Invalid argument)`);
    zone = z;
    rest = rest.slice(1);
  }
  const m = emptyCtMatch();
  for (const [i, which] of [[0, "orig"], [1, "reply"]] as const) {
    const t = rest[i];
    if (t === undefined || t === "") continue;
    const err = parseCtTuple(t, m, which);
    if (err !== null) return serverError(`ovs-vswitchd: ${err} (Invalid argument)`);
  }
  if (!ctDpifFlush(sw.vlog.get("ct_dpif"), dp, sw.now, zone, m)) return serverError("ovs-vswitchd: failed to flush conntrack (No such file or directory)");
  return output([]);
}

/** The commands of this file for appctl.ts's table (usage strings as OVS's dpctl.c registers them). */
export const CONNTRACK_COMMANDS: ReadonlyArray<readonly [string, AppctlCommand]> = [
  ["dpctl/dump-conntrack", { usage: "[-m] [-s] [dp] [zone=N]", minArgs: 0, maxArgs: 4, run: withTracker(dumpConntrack) }],
  ["dpctl/flush-conntrack", { usage: "[dp] [zone=N] [ct-orig-tuple] [ct-reply-tuple]", minArgs: 0, maxArgs: 4, run: withTracker(flushConntrack) }],
  [
    "dpctl/ct-set-maxconns",
    {
      usage: "[dp] maxconns",
      minArgs: 1,
      maxArgs: 2,
      run: withTracker((_sw, ct, [n = ""]) => {
        if (!/^\d+$/.test(n) || Number(n) > 0xffffffff) return serverError("ovs-vswitchd: maxconns missing or malformed (Invalid argument)");
        ct.maxConns = Number(n);
        return output(["setting maxconns successful"]);
      }),
    },
  ],
  ["dpctl/ct-get-maxconns", { usage: "[dp]", minArgs: 0, maxArgs: 1, run: withTracker((_sw, ct) => output([String(ct.maxConns)])) }],
  ["dpctl/ct-get-nconns", { usage: "[dp]", minArgs: 0, maxArgs: 1, run: withTracker((_sw, ct) => output([String(ct.size)])) }],
  [
    "dpctl/ct-enable-tcp-seq-chk",
    {
      usage: "[dp]",
      minArgs: 0,
      maxArgs: 1,
      run: withTracker((_sw, ct) => {
        ct.tcpSeqCheck = true;
        return output(["enabling TCP sequence checking successful"]);
      }),
    },
  ],
  [
    "dpctl/ct-disable-tcp-seq-chk",
    {
      usage: "[dp]",
      minArgs: 0,
      maxArgs: 1,
      run: withTracker((_sw, ct) => {
        ct.tcpSeqCheck = false;
        return output(["disabling TCP sequence checking successful"]);
      }),
    },
  ],
  [
    "dpctl/ct-get-tcp-seq-chk",
    { usage: "[dp]", minArgs: 0, maxArgs: 1, run: withTracker((_sw, ct) => output([`TCP sequence checking: ${ct.tcpSeqCheck ? "enabled" : "disabled"}`])) },
  ],
];
