/*
 * A small seeded pseudo-random generator for the ovstest programs, in the manner of OVS's
 * lib/random.c (a 32-bit xorshift whose seed a test may set): deterministic, so that a
 * failing run repeats exactly. Not for anything but tests.
 */

/** OVS's random_uint32 / random_range / random_set_seed over one xorshift32 state. */
export class TestRandom {
  /** The xorshift state, never 0. */
  private state: number;

  constructor(seed = 1) {
    this.state = 1;
    this.setSeed(seed);
  }

  /** Restarts the sequence (OVS's random_set_seed); a zero seed is taken as 1. */
  setSeed(seed: number): void {
    this.state = seed >>> 0 || 1;
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  uint32(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  /** An integer in 0..max-1 (max > 0). */
  range(max: number): number {
    return this.uint32() % max;
  }

  /** Shuffles `a` in place (OVS's test-classifier `shuffle`). */
  shuffle<T>(a: T[]): void {
    for (let i = 0; i < a.length - 1; i++) {
      const j = i + this.range(a.length - i);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
  }
}
