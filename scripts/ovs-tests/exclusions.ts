/**
 * The fixed list of reasons an OVS test may be left out of ovsim's count
 * (issue 12, docs/conformance.md "OVS 3.1's own test files"), and how the
 * converter sees from a test's expanded text which one applies. Anything
 * else a test needs that ovsim lacks (ovstest programs, log files, an
 * action) makes it a failing test, never an excluded one.
 */

export const EXCLUSION_REASONS = {
  kernel: "needs a kernel or real network",
  dpdk: "needs DPDK",
  ipsec: "needs IPsec",
  controller: "needs a controller connection",
  restart: "needs a daemon restart",
  timing: "output depends on timing",
} as const;

export type ExclusionReason = keyof typeof EXCLUSION_REASONS;

/** What in a test's text shows each reason, checked in this order; the first that matches is the reason. */
const SIGNS: ReadonlyArray<readonly [ExclusionReason, RegExp, string]> = [
  ["kernel", /\bip (link|netns|addr|route)\b|\bADD_NAMESPACES\b|\bNS_EXEC\b|\biptables\b|\/proc\/sys\//, "ip link / netns / iptables / /proc"],
  ["dpdk", /\bdpdk\b/i, "dpdk"],
  ["ipsec", /\bipsec\b/i, "ipsec"],
  ["controller", /ovs-ofctl\b[^\n]*\b(monitor|snoop)\b|\bovs-testcontroller\b|\bset-controller\b|\bprint_vconn_debug\b/, "ovs-ofctl monitor / snoop / a controller"],
  ["restart", /ovs_app_exit_and_wait (ovs-vswitchd|ovsdb-server)|(^|[\s;'(])ovs-vswitchd --|(^|[\s;'(])ovsdb-server --|-t ovs-vswitchd exit/m, "ovs-vswitchd / ovsdb-server stopped or started"],
];

/** A real-time sleep, and checked output with ages, durations or timeouts: output that depends on timing. */
const SLEEP = /(^|[\s;'(])sleep [0-9]/m;
const TIMED = /idle_age|hard_age|duration|used:|idle_timeout|hard_timeout|expir/;

/** The exclusion reason for a test from its expanded script text, with what showed it; undefined: counted. */
export function exclusionOf(script: string): { reason: ExclusionReason; sign: string } | undefined {
  for (const [reason, re, sign] of SIGNS) if (re.test(script)) return { reason, sign };
  if (SLEEP.test(script) && TIMED.test(script)) return { reason: "timing", sign: "sleep, and ages, durations or timeouts checked" };
  return undefined;
}
