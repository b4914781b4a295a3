/**
 * The datapaths' megaflow caches in `ovsim run` (src/datapath/dpif-netdev.ts),
 * one per open datapath of a world, and the commands that read them:
 * `dpctl/dump-flows [DP]`, `dpif/dump-flows BRIDGE`, `revalidator/wait`,
 * `revalidator/purge`, and `time/warp` (a revalidator round at each step).
 *
 * Dump order: OVS dumps in its hash table order (per ufid, random per run);
 * ovsim dumps oldest first. Goldens are compared as sets of lines.
 */
import type { Datapath } from "../datapath/dpif.js";
import { DpifNetdev } from "../datapath/dpif-netdev.js";
import { formatMegaflow } from "../datapath/dpif-netdev-format.js";
import { BridgeUpcall } from "../datapath/upcall.js";
import type { Bridge } from "../datapath/bridge.js";
import { W } from "../flowtable/flow-layout.js";
import type { CommandResult } from "./command-result.js";
import { output } from "./command-result.js";
import { serverError } from "./appctl-bridge.js";
import { recircIds } from "./recirc-ids.js";
import type { World } from "./world.js";

const DPIFS = new WeakMap<World, Map<Datapath, DpifNetdev>>();

function bridgesOf(world: World, dp: Datapath): Bridge[] {
  return [...world.bridges.values()].filter((b) => world.ofproto(b.name)?.datapath === dp);
}

/** The datapath (with its cache) of an open datapath of `world`. */
export function dpifOf(world: World, dp: Datapath): DpifNetdev {
  let map = DPIFS.get(world);
  if (map === undefined) {
    map = new Map();
    DPIFS.set(world, map);
  }
  let d = map.get(dp);
  if (d === undefined) {
    d = new DpifNetdev(dp, new BridgeUpcall(bridgesOf(world, dp), recircIds(world)));
    map.set(dp, d);
  }
  return d;
}

function allDpifs(world: World): DpifNetdev[] {
  return world.vswitchd.openDatapaths().map((dp) => dpifOf(world, dp));
}

/**
 * Something a command did may change translation (ports, bridges, port
 * config): the datapaths re-read their bridges, which moves their generation.
 */
export function noteConfigChange(world: World): void {
  const map = DPIFS.get(world);
  if (map === undefined) return;
  const open = new Set(world.vswitchd.openDatapaths());
  for (const [dp, d] of map) {
    if (!open.has(dp)) map.delete(dp);
    else if (d.upcall instanceof BridgeUpcall) d.upcall.setBridges(bridgesOf(world, dp));
  }
}

/** Pushes pending megaflow stats before an outside change (dpif-netdev.ts, "Stats"). */
export function pushAllStats(world: World): void {
  const map = DPIFS.get(world);
  if (map === undefined) return;
  for (const d of map.values()) d.pushStats(world.now);
}

/** A revalidator round on every datapath. */
export function revalidateAll(world: World): void {
  const map = DPIFS.get(world);
  if (map === undefined) return;
  for (const d of map.values()) d.revalidate(world.now);
}

/** `time/warp TOTAL STEP`: each step advances the clock (flows and MACs expire) and runs the revalidators. */
export function warp(world: World, total: number, step: number): void {
  pushAllStats(world);
  const end = world.now + total;
  while (world.now < end) {
    world.advance(Math.min(step, end - world.now));
    revalidateAll(world);
  }
}

function dumpLines(world: World, d: DpifNetdev, bridge: Bridge | null): string[] {
  const lines: string[] = [];
  for (const m of d.flows()) {
    if (bridge !== null) {
      const found = d.upcall instanceof BridgeUpcall ? d.upcall.portOf(m.key[W.IN_PORT] ?? 0) : undefined;
      if (found?.bridge !== bridge) continue;
    }
    const port = d.upcall instanceof BridgeUpcall ? d.upcall.portOf(m.key[W.IN_PORT] ?? 0)?.port : undefined;
    lines.push(formatMegaflow(m, world.now, port?.tunnel?.type === "geneve"));
  }
  return lines;
}

/** `dpctl/dump-flows [DP]`: "flow-dump from the main thread:" then each flow (nothing without flows). */
export function dpctlDumpFlows(world: World, args: readonly string[]): CommandResult {
  const names = args.filter((a) => !a.startsWith("-") && !a.includes("="));
  const dps = world.vswitchd.openDatapaths();
  let dp: Datapath | undefined;
  if (names.length > 0) {
    const n = names[0] ?? "";
    dp = dps.find((x) => n === x.name || n === `${x.type}@${x.name}`);
    if (dp === undefined) return serverError(`opening datapath ${n} failed (No such device)`);
  } else {
    if (dps.length === 0) return serverError("no datapaths exist");
    if (dps.length > 1) return serverError("multiple datapaths, specify one");
    dp = dps[0];
  }
  if (dp === undefined) return output([]);
  const lines = dumpLines(world, dpifOf(world, dp), null);
  return output(lines.length === 0 ? [] : ["flow-dump from the main thread:", ...lines]);
}

/** `dpif/dump-flows BRIDGE`: the bridge's datapath flows (those whose in_port is one of its ports). */
export function dpifDumpFlows(world: World, args: readonly string[]): CommandResult {
  const name = args.filter((a) => !a.startsWith("-")).at(-1) ?? "";
  const br = world.bridge(name);
  const dp = world.ofproto(name)?.datapath;
  if (br === undefined || dp === undefined) return serverError("no such bridge");
  return output(dumpLines(world, dpifOf(world, dp), br));
}

export function revalidatorWait(world: World): CommandResult {
  for (const d of allDpifs(world)) d.revalidate(world.now);
  return output([]);
}

export function revalidatorPurge(world: World): CommandResult {
  for (const d of allDpifs(world)) d.purge(world.now);
  return output([]);
}
