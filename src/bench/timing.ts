/**
 * Timed loops for `ovsim bench flows`, written here rather than taken from a benchmark
 * library: the library's only runtime dependency stays Immutable.js, and the same code runs
 * in a browser page (the clock is `performance.now`, which Node and browsers share).
 *
 * A measurement calibrates the loop size so that one round lasts about `roundMs` (the
 * calibration calls also warm the JIT), runs one untimed round, then `rounds` timed rounds,
 * and reports the cost per operation of every round as min / median / max: a round that
 * lost its time slice on a busy machine shows as a high max, not as a quietly worse median.
 * `timeInterleaved` does the same for several loops, taking their timed rounds in turn
 * (round 1 of each, then round 2 of each...), after every loop has been calibrated and
 * warmed: the loop measured first gets no worse JIT state or share of a busy period than the
 * others.
 */

/** Min, median and max over the rounds (or processes) of one measurement. */
export interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

export interface LoopTiming {
  /** Nanoseconds per operation, over the rounds. */
  readonly ns: Spread;
  /** Operations per round. */
  readonly ops: number;
  readonly rounds: number;
}

export interface TimingOptions {
  readonly roundMs: number;
  readonly rounds: number;
  /** Milliseconds, monotonic (default `performance.now`). */
  readonly now?: () => number;
  /** Largest loop size (default 2^24). */
  readonly maxOps?: number;
}

/** Min, median and max of `xs` (at least one value). */
export function spreadOf(xs: readonly number[]): Spread {
  const s = xs.slice().sort((a, b) => a - b);
  const n = s.length;
  // An even count: the mean of the two middle values (two processes: not simply the slower).
  return { min: s[0]!, median: (s[(n - 1) >> 1]! + s[n >> 1]!) / 2, max: s[n - 1]! };
}

/** Operations per second from nanoseconds per operation (min time is max rate). */
export function perSecond(ns: Spread): Spread {
  return { min: 1e9 / ns.max, median: 1e9 / ns.median, max: 1e9 / ns.min };
}

/** The sink of timed loops: results folded in here cannot be optimised away. */
export let timingSink = 0;

/** Calibrates `loop` (see the module comment): the loop size for one round of `roundMs`. */
function calibrate(loop: (n: number) => number, roundMs: number, now: () => number, maxOps: number): number {
  let n = 16;
  for (;;) {
    const t0 = now();
    timingSink ^= loop(n);
    const ms = now() - t0;
    if (ms >= roundMs / 10 || n >= maxOps) return Math.max(1, Math.min(maxOps, Math.round((n * roundMs) / Math.max(ms, 0.001))));
    n *= 4;
  }
}

/** Times `loop(n)`, which performs n operations and returns a number derived from them. */
export function timeLoop(loop: (n: number) => number, o: TimingOptions): LoopTiming {
  return timeInterleaved([loop], o)[0]!;
}

/** Times several loops, their rounds interleaved (see the module comment). */
export function timeInterleaved(loops: readonly ((n: number) => number)[], o: TimingOptions): LoopTiming[] {
  const now = o.now ?? (() => performance.now());
  const maxOps = o.maxOps ?? 1 << 24;
  const sizes = loops.map((loop) => calibrate(loop, o.roundMs, now, maxOps));
  loops.forEach((loop, i) => {
    timingSink ^= loop(sizes[i]!);
  });
  const ns: number[][] = loops.map(() => []);
  for (let r = 0; r < o.rounds; r++) {
    loops.forEach((loop, i) => {
      const t0 = now();
      timingSink ^= loop(sizes[i]!);
      ns[i]!.push(((now() - t0) * 1e6) / sizes[i]!);
    });
  }
  return loops.map((_, i) => ({ ns: spreadOf(ns[i]!), ops: sizes[i]!, rounds: o.rounds }));
}
