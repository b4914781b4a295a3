/** Types of scripts/ovs-oracle.mjs (for the tests that import it). */
export type OracleProbe = { readonly status: "ok" } | { readonly status: "missing" | "broken"; readonly reason: string };
export function oraclePath(env?: NodeJS.ProcessEnv): string;
export function probeOracle(ovsRun?: string): OracleProbe;
