/*
 * Clouds at scale in `npm run bench` (issue 10): the small end of bench/cloud-sweep.ts's table,
 * in process. mitata times pings between random VMs of one network on a converged 10-host,
 * 40-VM cloud (VXLAN, l2pop auto: bench/cloud-scale.ts); `measure` builds, boots and converges
 * the 10×10 and 20×100 clouds once each (a whole cloud per mitata iteration would take minutes)
 * and reads their heap per host. The large sizes (100×1000 and up) are `npm run bench:cloud`'s:
 * one child process per measurement, minutes each.
 */
import { bench, do_not_optimize } from "mitata";
import * as api from "../src/index.js";
import type { Cloud } from "../src/index.js";
import type { ScaleResult } from "./cloud-scale.js";
import { bootAll, cloudSpec, converge, measureScale, portId, startCloud } from "./cloud-scale.js";
import type { Trial } from "./run.js";

const PING_CLOUD = { hosts: 10, vms: 40 };
const SIZES: readonly (readonly [number, number])[] = [
  [10, 10],
  [20, 100],
];
const NAME_PING = `cloud: ping between VMs on different hosts (${PING_CLOUD.hosts} hosts, ${PING_CLOUD.vms} VMs)`;
const NAME_SCALE = "cloud: boot and converge";

let pingCloud: Cloud | null = null;
const results: ScaleResult[] = [];

function cloudForPings(): Cloud {
  if (pingCloud === null) {
    pingCloud = startCloud(api, cloudSpec(api, PING_CLOUD.hosts, PING_CLOUD.vms));
    bootAll(pingCloud);
    converge(pingCloud);
  }
  return pingCloud;
}

export function register(): void {
  // VM i is on host i mod 10 and network i mod 4: VMs 0 and 4 share network 0, on hosts 0 and 4.
  let n = 0;
  bench(NAME_PING, () => {
    const c = cloudForPings();
    const a = portId(4 * (n % 5));
    const b = portId(4 * ((n + 1) % 5) + 20);
    n++;
    do_not_optimize(c.step({ index: -1, op: "ping", from: a, to: b, count: 1, expect: "ok" }));
  });
}

export function measure(filter: RegExp | null): void {
  pingCloud = null;
  if (filter !== null && !filter.test(NAME_SCALE)) return;
  for (const [h, v] of SIZES) results.push(measureScale(api, h, v, 100));
}

export function summary(): unknown {
  return results.length === 0 ? null : { sizes: results };
}

export function report(trials: readonly Trial[]): void {
  const t = trials.find((x) => x.alias === NAME_PING);
  const avg = t?.runs[0]?.stats?.avg;
  if (avg !== undefined) console.log(`\n${NAME_PING}: ${(1e9 / avg).toFixed(0)} pings/s`);
  for (const r of results) {
    const mb = r.bytesPerHost === null ? "-" : `${(r.bytesPerHost / 1048576).toFixed(2)} MB/host`;
    console.log(`${NAME_SCALE} ${r.hosts}x${r.vms}: ${(r.convergeMs / 1000).toFixed(2)} s (start ${(r.startMs / 1000).toFixed(2)} s), ${mb}, ${r.pingsPerSecond.toFixed(0)} pings/s`);
  }
}
