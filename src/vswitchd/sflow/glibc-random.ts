/**
 * glibc's random() (the TYPE_3 additive feedback generator that random_r.c
 * runs by default: 34 words seeded by a Park-Miller sequence, 310 outputs
 * discarded, then r[i] = r[i-31] + r[i-3], each output r[i] >> 1). OVS's sFlow
 * library draws from it (sfl_poller_set_sFlowCpInterval: the first counter
 * poll 1 + random() % interval seconds away); a process that never calls
 * srandom() runs it from seed 1.
 */
export class GlibcRandom {
  private readonly r: number[] = [];

  constructor(seed: number) {
    const r = this.r;
    r[0] = seed === 0 ? 1 : seed | 0;
    for (let i = 1; i < 31; i++) {
      // 16807 * r[i-1] % 2147483647 without overflow (Schrage), as random_r.c computes it.
      const prev = r[i - 1] as number;
      const hi = Math.trunc(prev / 127773);
      const lo = prev % 127773;
      let word = 16807 * lo - 2836 * hi;
      if (word < 0) word += 2147483647;
      r[i] = word;
    }
    for (let i = 31; i < 34; i++) r[i] = r[i - 31] as number;
    for (let i = 34; i < 344; i++) r[i] = ((r[i - 31] as number) + (r[i - 3] as number)) | 0;
    // Keep only the last 34 words: the generator needs r[i-31] and r[i-3].
    this.r.splice(0, this.r.length - 34);
  }

  /** The next random(): 0 .. 2^31 - 1. */
  next(): number {
    const r = this.r;
    const v = ((r[r.length - 31] as number) + (r[r.length - 3] as number)) | 0;
    r.push(v);
    r.shift();
    return v >>> 1;
  }
}
