/*
 * Packets per second through a datapath (src/datapath/dpif-netdev.ts), with a warm megaflow
 * cache and with the cache disabled (every packet an upcall through translation), on the same
 * stream of datapath keys. Shared by bench/datapath.bench.ts and bench/neutron-path.bench.ts.
 *
 * The keys are visited with a stride co-prime with their count: every key, in an order the
 * JIT cannot fold away. Execution of the actions is not timed (the caller's step).
 */
import type { DpifNetdev } from "../src/datapath/dpif-netdev.js";
import { timeLoop } from "./timing.js";

/** A named PacketRate: one row of a datapath bench table. */
export interface PacketRateRow extends PacketRate {
  readonly name: string;
}

/** The datapath targets for each row, as Markdown list items. */
export function packetRateTargets(rows: readonly PacketRateRow[]): string[] {
  return rows.flatMap((r) => [
    `- ${r.cachedPps >= 2e6 ? "met" : "**not met**"}: ${r.name}: cached >= 2 M pkt/s: ${(r.cachedPps / 1e6).toFixed(2)} M`,
    `- ${r.ratio >= 20 ? "met" : "**not met**"}: ${r.name}: cached >= 20x uncached: ${r.ratio.toFixed(0)}x`,
  ]);
}

export interface PacketRate {
  readonly cachedPps: number;
  readonly uncachedPps: number;
  readonly ratio: number;
  /** Megaflows and masks in the cache once warm. */
  readonly megaflows: number;
  readonly masks: number;
}

/** Times `keys` (a power-of-two count) through `dpif` at time `now`, cached then uncached. */
export function packetRate(dpif: DpifNetdev, keys: readonly Uint32Array[], now: number, rounds: number): PacketRate {
  const mask = keys.length - 1;
  if ((keys.length & mask) !== 0) throw new RangeError(`packetRate needs a power-of-two key count, got ${keys.length}`);
  const run = (n: number): number => {
    let x = 0;
    let i = 0;
    for (let k = 0; k < n; k++) {
      i = (i + 617) & mask;
      x += dpif.receive(keys[i]!, 100, now).length;
    }
    return x;
  };
  for (const k of keys) dpif.receive(k, 100, now); // warm the cache
  const megaflows = dpif.cache.size;
  const masks = dpif.cache.nMasks;
  const cached = timeLoop(run, { roundMs: 300, rounds });
  dpif.cacheEnabled = false;
  // A full translation runs a lot of code: let the JIT settle before calibrating (timeLoop's
  // calibration alone would leave the first rounds half-optimised).
  run(2000);
  const uncached = timeLoop(run, { roundMs: 300, rounds, minOps: 16 });
  dpif.cacheEnabled = true;
  const cachedPps = 1e9 / cached.cpuNs;
  const uncachedPps = 1e9 / uncached.cpuNs;
  return { cachedPps, uncachedPps, ratio: cachedPps / uncachedPps, megaflows, masks };
}

/**
 * Uniform numbers in [0, 1) from a 32-bit xorshift (13, 17, 5; OVS's lib/random.c generator),
 * seeded, so that runs are comparable.
 */
export function uniformRandom(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}
