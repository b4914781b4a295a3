/*
 * A plain timed loop for benchmarks that must time exactly one loop (as OVS's benchmark
 * times its lookup loop) rather than mitata's per-call batches.
 *
 * Time is measured two ways per round: wall clock, and this process's CPU time
 * (process.cpuUsage, user + system). The machine benchmarks run on is shared (2 cores, other
 * work running): a round that loses its time slice to another process shows it in wall time
 * but not in CPU time, so CPU time is the closer estimate of what the same loop takes on an
 * idle machine, which is how OVS's figures were taken. Both are reported; medians over rounds.
 */

/** Medians over the rounds of one measurement. */
export interface Timing {
  /** Operations per round. */
  readonly ops: number;
  readonly rounds: number;
  /** Median nanoseconds per operation, CPU time. */
  readonly cpuNs: number;
  /** Median nanoseconds per operation, wall clock. */
  readonly wallNs: number;
  /** Every round's CPU ns per operation, ascending. */
  readonly cpuNsRounds: readonly number[];
}

export interface TimingOptions {
  /** Target duration of one round, ms (the op count is calibrated to reach it). */
  readonly roundMs: number;
  readonly rounds: number;
  /** Smallest and largest op counts per round. */
  readonly minOps?: number;
  readonly maxOps?: number;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/**
 * Times `loop(n)` (which performs n operations and returns something the JIT must not drop):
 * calibration calls (which also warm the JIT), one untimed call of the calibrated size, then
 * `rounds` timed calls of that size.
 */
export function timeLoop(loop: (n: number) => number, o: TimingOptions): Timing & { sink: number } {
  const minOps = o.minOps ?? 256;
  const maxOps = o.maxOps ?? 1 << 24;
  let sink = 0;
  // Calibrate: grow n until one call takes a tenth of a round (this also warms the JIT).
  let n = minOps;
  for (;;) {
    const t0 = process.hrtime.bigint();
    sink ^= loop(n);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (ms >= o.roundMs / 10 || n >= maxOps) {
      n = Math.max(minOps, Math.min(maxOps, Math.round((n * o.roundMs) / Math.max(ms, 0.001))));
      break;
    }
    n *= 4;
  }
  // One untimed round of the calibrated size: the calibration calls are short, and the JIT
  // may still be settling (on-stack replacement, a re-optimization) when they end.
  sink ^= loop(n);
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let r = 0; r < o.rounds; r++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    sink ^= loop(n);
    const w = Number(process.hrtime.bigint() - t0);
    const c = process.cpuUsage(c0);
    cpu.push(((c.user + c.system) * 1000) / n);
    wall.push(w / n);
  }
  return {
    ops: n,
    rounds: o.rounds,
    cpuNs: median(cpu),
    wallNs: median(wall),
    cpuNsRounds: cpu.slice().sort((a, b) => a - b),
    sink,
  };
}

/** Min, median, max of a figure over rounds or processes. */
export type Mmm = readonly [number, number, number];

/** Min, median (an even count: the mean of the two middle values) and max of `xs`. */
export function mmm(xs: readonly number[]): Mmm {
  const s = xs.slice().sort((a, b) => a - b);
  const n = s.length;
  return [s[0]!, (s[(n - 1) >> 1]! + s[n >> 1]!) / 2, s[n - 1]!];
}
