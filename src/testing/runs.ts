/**
 * How many runs a property gets: one helper every property test reads, so
 * that `npm run test:deep` (OVSIM_PROPERTY_SCALE=10) multiplies them all and
 * CI keeps its budget. The base counts are CI's (at least 100 each).
 */

/** The environment variable that scales every property's runs (an integer, default 1). */
export const PROPERTY_SCALE_ENV = "OVSIM_PROPERTY_SCALE";

/** Most runs any one property gets, whatever the scale (a typo of 1e9 must not hang a machine). */
export const MAX_PROPERTY_RUNS = 1_000_000;

function scale(): number {
  const raw = globalThis.process?.env?.[PROPERTY_SCALE_ENV];
  if (raw === undefined || raw === "") return 1;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new RangeError(`${PROPERTY_SCALE_ENV}=${raw}: expected a positive number`);
  return n;
}

/** `base` runs scaled by OVSIM_PROPERTY_SCALE, rounded up, at least 1 and at most MAX_PROPERTY_RUNS. */
export function propertyRuns(base: number): number {
  return Math.max(1, Math.min(MAX_PROPERTY_RUNS, Math.ceil(base * scale())));
}

/** A test timeout for a property suite that takes up to `baseMs` at scale 1: scaled as its runs are. */
export function propertyTimeout(baseMs: number): number {
  return Math.ceil(baseMs * scale());
}
