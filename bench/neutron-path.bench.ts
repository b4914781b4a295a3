/*
 * Packets per second through a hypervisor's datapath on the Neutron OVS agent's pipeline:
 * a VM's frames to a VM on another hypervisor, br-int (anti-spoofing tables 0/25/30, the
 * 58/59/60 chain, NORMAL on the local VLAN) -> patch -> br-tun (tables 0/2/20, the l2pop
 * unicast entry) -> VXLAN tnl_push out of br-phy. The pipeline is
 * fixtures/neutron/vxlan-vm-to-remote.ovs, recorded through real OVS (bench/neutron-pipeline.ts
 * loads its lines; docs/neutron-pipeline.md describes it).
 *
 * Two states: "learned" (the remote VM's reply has arrived: br-int forwards to patch-tun)
 * and "flooding" (nothing learned yet: br-int floods on the VLAN, to patch-tun and its
 * internal port). Each: 1024 keys of one VM pair (TCP/UDP, random source ports, a few
 * service ports) warm the megaflow cache, then dpif.receive is timed with the cache warm and
 * with it disabled (every packet an upcall: full translation across the three bridges).
 * CPU-time median of 5 rounds (bench/timing.ts); executing the actions is not timed.
 */
import type { OdpAction } from "../src/actions/xlate/odp-actions.js";
import { formatOdpActions } from "../src/actions/xlate/odp-actions.js";
import type { Trial } from "./run.js";
import { packetRate } from "./packet-rate.js";
import type { PacketRateRow } from "./packet-rate.js";
import { buildNeutronPipeline, vmToRemoteKeys } from "./neutron-pipeline.js";

const N_KEYS = 1024;

export interface NeutronPathRow extends PacketRateRow {
  /** The datapath actions of the megaflow, as dpctl/dump-flows prints them. */
  readonly actions: string;
}

export interface NeutronPathSummary {
  readonly method: string;
  readonly rows: readonly NeutronPathRow[];
}

const METHOD = `${N_KEYS} keys of one VM pair (TCP or UDP, random source ports, 8 service ports), CPU-time median of 5 rounds of ~300 ms`;

const rows: NeutronPathRow[] = [];

function measureState(name: string, learned: boolean): NeutronPathRow {
  const { world, dpif, vmOdpPort } = buildNeutronPipeline(learned);
  // The remote VM's reply left its own megaflows (tnl_pop, then the decapsulated frame): only
  // the VM -> remote VM ones count here.
  dpif.purge(world.now);
  const keys = vmToRemoteKeys(N_KEYS, vmOdpPort);
  const rate = packetRate(dpif, keys, world.now, 5);
  const actions = dpif.flows(world.now)[0]?.actions ?? [];
  return { name, ...rate, actions: formatActions(actions) };
}

/** The megaflow's actions as dpctl/dump-flows prints them, tnl_push's header elided. */
function formatActions(actions: readonly OdpAction[]): string {
  return actions.map((a) => (a.type === "tnl_push" ? "tnl_push(...)" : formatOdpActions([a]))).join(",");
}

export function register(): void {}

export function measure(filter: RegExp | null): void {
  if (filter !== null && !filter.test("neutron")) return;
  rows.push(measureState("learned", true));
  rows.push(measureState("flooding", false));
}

export function report(_trials: readonly Trial[]): void {
  if (rows.length === 0) return;
  console.log("\nneutron VM -> remote VM over VXLAN (br-int -> br-tun -> tnl_push; packets/s, one core, CPU-time median of 5)");
  for (const r of rows) {
    console.log(
      `  ${r.name.padEnd(8)} cached ${(r.cachedPps / 1e6).toFixed(2)} M/s   uncached ${(r.uncachedPps / 1e3).toFixed(1)} k/s   ratio ${r.ratio.toFixed(0)}x   (${r.megaflows} megaflows, ${r.masks} masks; ${r.actions})`,
    );
  }
}

export function summary(): NeutronPathSummary | null {
  return rows.length === 0 ? null : { method: METHOD, rows };
}
