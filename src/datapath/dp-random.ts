/**
 * OVS's random numbers (lib/random.c random_uint32: a 32-bit xorshift,
 * x ^= x << 13, x ^= x >> 17, x ^= x << 5, over a state that is never 0).
 * The datapath's `sample` action draws from one: a packet runs the sample's
 * actions when the draw is below the action's probability
 * (odp_execute_sample; UINT32_MAX always samples without drawing). OVS seeds
 * each thread from the clock and its pid; ovsim starts every datapath from
 * the same seed, so a run is repeatable. The ovstest programs draw from the
 * same generator with the seed a test sets (src/ovstest/random.ts).
 */

/** The datapath's seed. */
const DATAPATH_SEED = 0x2545f491;

export class OvsRandom {
  /** The xorshift state, never 0. */
  private state = 1;

  constructor(seed = DATAPATH_SEED) {
    this.setSeed(seed);
  }

  /** Restarts the sequence (OVS's random_set_seed); a zero seed is taken as 1. */
  setSeed(seed: number): void {
    this.state = seed >>> 0 || 1;
  }

  /** random_uint32: a uniformly distributed 32-bit unsigned integer. */
  uint32(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
}
