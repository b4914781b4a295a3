/**
 * Event counts kept under OVS's coverage counter names (lib/coverage.c's
 * COVERAGE_INC / COVERAGE_ADD), for the counters whose events happen in
 * layers that have no reach of the switch object: the datapath's drops
 * (lib/dpif-netdev.c's datapath_drop_*), the backers' revalidation reasons
 * (ofproto-dpif.c's rev_*). ovs-vswitchd owns one (config-db-vswitchd.ts),
 * so the counts outlive any datapath or bridge, as OVS's global counters do,
 * and snapshots keep them.
 *
 * src/vswitchd/coverage.ts says which names are read from here; a name
 * never counted reads 0 (an event that never happened).
 */
export class CoverageCounts {
  private readonly counts = new Map<string, number>();

  /** COVERAGE_ADD(name, n). */
  add(name: string, n = 1): void {
    if (n > 0) this.counts.set(name, (this.counts.get(name) ?? 0) + n);
  }

  get(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  save(): readonly (readonly [string, number])[] {
    return [...this.counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  restore(s: readonly (readonly [string, number])[]): void {
    this.counts.clear();
    for (const [k, v] of s) this.counts.set(k, v);
  }
}
