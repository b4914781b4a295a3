/*
 * A small seeded pseudo-random generator for the ovstest programs, in the manner of OVS's
 * lib/random.c (a 32-bit xorshift whose seed a test may set): deterministic, so that a
 * failing run repeats exactly. Not for anything but tests.
 */
import { OvsRandom } from "../datapath/dp-random.js";

/** OVS's random_uint32 / random_set_seed (OvsRandom), with random_range and a shuffle. */
export class TestRandom extends OvsRandom {
  constructor(seed = 1) {
    super(seed);
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
