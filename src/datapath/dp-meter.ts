/**
 * The userspace datapath's meters, as lib/dpif-netdev.c keeps and runs them
 * (struct dp_meter, dp_netdev_run_meter, dpif_netdev_meter_set / _get /
 * _del), with the datapath meter id pool ofproto-dpif keeps beside each
 * datapath (`backer->meter_ids`). This is the one token bucket of ovsim:
 * the datapath executor (odp-execute.ts), the CLI, the hosts of src/sim and
 * the Ryu runner all meter packets through it.
 *
 * Ids: datapath meter ids are per datapath, not per bridge: two bridges of
 * one datapath never share one (OpenFlow meter 1 of br0 may be `meter(0)`
 * and OpenFlow meter 1 of br1 `meter(1)`). The pool hands out the lowest
 * free id from 0 (lib/id-pool.c).
 *
 * A meter (dpif_netdev_meter_set): each band is a token bucket holding up to
 * burst_size * 1000 units — bits for a kbps meter, 1/1000 packets for a
 * pktps one; burst_size 0 means the rate — full when the meter is set.
 * Setting an existing id replaces its meter: buckets full again, counters 0
 * (what `mod-meter` does to `meter-stats` in OVS 3.1). `used` is the time it
 * was set (time_usec()).
 *
 * A packet at time `now` (dp_netdev_run_meter):
 * - elapsed = now / 1000 - used / 1000 on microsecond clocks, i.e. whole
 *   milliseconds of each reading; never negative; capped at max_delta_t, the
 *   milliseconds that fill the largest bucket (the largest burst*1000/rate);
 *   `used` = now; the meter counts the packet (packet_in_count,
 *   byte_in_count);
 * - each band: bucket += elapsed * rate, capped at its size; the packet takes
 *   its volume (1000 for pktps, its bits for kbps) when the bucket holds it,
 *   else it exceeds the band (the bucket keeps what it has);
 * - of the bands it exceeds, the one with the highest rate (the first on a
 *   tie) counts it (band packet_count / byte_count) and the packet is
 *   dropped. Every band is updated whatever the others decide.
 *
 * OVS runs a meter over a batch of packets at one `now`; run packet by packet
 * at that same `now` the arithmetic gives the same verdicts and counters
 * (the batch branches only shortcut the per-packet ones), so ovsim meters one
 * packet at a time. The clock is the caller's virtual clock in milliseconds:
 * OVS's time_usec() follows `time/stop` and `time/warp`, so a script that
 * stops the clock first sees exactly the refills ovsim computes.
 */

/** dpif-netdev's MAX_METERS: datapath meter ids 0 .. MAX_METERS - 1. */
export const MAX_METERS = 262144;
/** dpif-netdev's MAX_BANDS: the most bands a meter may have. */
export const MAX_BANDS = 8;

export type MeterVerdict = "pass" | "drop";

/** One band as the datapath is given it. */
export interface DpMeterBandConfig {
  /** Only "drop" is implemented by the userspace datapath. */
  readonly type: "drop" | "dscp_remark";
  /** kbps or packets/s, after the meter's unit. */
  readonly rate: number;
  /** kilobits or packets; 0 = the rate. */
  readonly burstSize: number;
}

export interface DpMeterConfig {
  /** OFPMF13_PKTPS: count packets, else kilobits. */
  readonly pktps: boolean;
  readonly bands: readonly DpMeterBandConfig[];
}

/** Counters as dpif_netdev_meter_get reports them. */
export interface DpMeterStats {
  readonly packets: number;
  readonly bytes: number;
  readonly bands: ReadonlyArray<{ readonly packets: number; readonly bytes: number }>;
}

/** Why dpif_netdev_meter_set refuses (its errno): ofproto-dpif maps each to an OFPMMFC error. */
export type DpMeterSetError = "EFBIG" | "EINVAL" | "ENODEV";

interface BandState {
  readonly rate: number;
  /** Bucket size: burst_size * 1000. */
  readonly max: number;
  /** 1/1000 packets or bits. */
  bucket: number;
  packets: number;
  bytes: number;
}

/** One datapath meter (struct dp_meter). */
/** A datapath meter as data (snapshots): its config's bands with their buckets and counters. */
export interface DpMeterState {
  readonly pktps: boolean;
  readonly packets: number;
  readonly bytes: number;
  readonly used: number;
  readonly maxDelta: number;
  readonly bands: readonly { readonly rate: number; readonly max: number; readonly bucket: number; readonly packets: number; readonly bytes: number }[];
}

/** A datapath's meters as data (snapshots): the meters by id, the ids allocated, the pool's next free id. */
export interface DpMetersState {
  readonly meters: readonly (readonly [number, DpMeterState])[];
  readonly allocated: readonly number[];
  readonly nextFree: number;
}

export class DpMeter {
  readonly pktps: boolean;
  /** packet_in_count / byte_in_count. */
  packets = 0;
  bytes = 0;
  /** Virtual time (ms) of the last packet, or of the set. */
  private used: number;
  /** max_delta_t (ms). */
  private maxDelta: number;
  private bands: BandState[];

  constructor(config: DpMeterConfig, now: number) {
    this.pktps = config.pktps;
    this.used = now;
    let maxDelta = 0;
    this.bands = config.bands.map((b) => {
      const burst = b.burstSize === 0 ? b.rate : b.burstSize;
      const max = burst * 1000;
      // ovs-ofctl refuses rate 0 ("band must have 'rate'"); guard the division anyway.
      if (b.rate > 0) maxDelta = Math.max(maxDelta, Math.floor(max / b.rate));
      return { rate: b.rate, max, bucket: max, packets: 0, bytes: 0 };
    });
    this.maxDelta = maxDelta;
  }

  /** dp_netdev_run_meter for one packet of `bytes` bytes at virtual time `now` (ms). */
  run(now: number, bytes: number): MeterVerdict {
    const elapsed = Math.max(Math.floor(now) - Math.floor(this.used), 0);
    const delta = Math.min(elapsed, this.maxDelta);
    this.used = now;
    this.packets++;
    this.bytes += bytes;
    const volume = this.pktps ? 1000 : bytes * 8;
    let fired: BandState | null = null;
    for (const b of this.bands) {
      b.bucket = Math.min(b.bucket + delta * b.rate, b.max);
      if (b.bucket >= volume) b.bucket -= volume;
      // OVS's `bucket %= 1000` for pktps is a no-op for one packet (bucket < 1000 here).
      else if (fired === null || b.rate > fired.rate) fired = b;
    }
    if (fired === null) return "pass";
    fired.packets++;
    fired.bytes += bytes;
    return "drop";
  }

  save(): DpMeterState {
    return { pktps: this.pktps, packets: this.packets, bytes: this.bytes, used: this.used, maxDelta: this.maxDelta, bands: this.bands.map((b) => ({ ...b })) };
  }

  /** The meter `save` gave. */
  static restore(s: DpMeterState): DpMeter {
    const m = new DpMeter({ pktps: s.pktps, bands: [] }, s.used);
    m.maxDelta = s.maxDelta;
    m.bands = s.bands.map((b) => ({ ...b }));
    m.packets = s.packets;
    m.bytes = s.bytes;
    return m;
  }

  stats(): DpMeterStats {
    return { packets: this.packets, bytes: this.bytes, bands: this.bands.map((b) => ({ packets: b.packets, bytes: b.bytes })) };
  }
}

/** A datapath's meters (dp_netdev's `meters`) and its meter id pool. */
export class DpMeters {
  private readonly byId = new Map<number, DpMeter>();
  private readonly allocated = new Set<number>();
  /** The lowest id not allocated (id_pool's next_free_id). */
  private nextFree = 0;

  /** id_pool_alloc_id: the lowest free id, or null when all MAX_METERS are taken. */
  allocId(): number | null {
    if (this.nextFree >= MAX_METERS) return null;
    const id = this.nextFree;
    this.allocated.add(id);
    while (this.nextFree < MAX_METERS && this.allocated.has(this.nextFree)) this.nextFree++;
    return id;
  }

  /** id_pool_free_id. */
  freeId(id: number): void {
    if (!this.allocated.delete(id)) return;
    if (id < this.nextFree) this.nextFree = id;
  }

  /** dpif_netdev_meter_set: a fresh meter at `id` (replacing any), or why not. */
  set(id: number, config: DpMeterConfig, now: number): DpMeterSetError | null {
    if (id >= MAX_METERS) return "EFBIG";
    if (config.bands.length > MAX_BANDS) return "EINVAL";
    if (config.bands.some((b) => b.type !== "drop")) return "ENODEV";
    this.byId.set(id, new DpMeter(config, now));
    return null;
  }

  save(): DpMetersState {
    return { meters: [...this.byId].map(([id, m]) => [id, m.save()] as const), allocated: [...this.allocated], nextFree: this.nextFree };
  }

  restore(s: DpMetersState): void {
    this.byId.clear();
    for (const [id, m] of s.meters) this.byId.set(id, DpMeter.restore(m));
    this.allocated.clear();
    for (const id of s.allocated) this.allocated.add(id);
    this.nextFree = s.nextFree;
  }

  /** dpif_netdev_meter_get (undefined: ENOENT). */
  get(id: number): DpMeter | undefined {
    return this.byId.get(id);
  }

  /** dpif_netdev_meter_del. */
  delete(id: number): void {
    this.byId.delete(id);
  }

  /** dp_netdev_run_meter: an id without a meter passes every packet, as in OVS. */
  run(id: number, now: number, bytes: number): MeterVerdict {
    const m = this.byId.get(id);
    return m === undefined ? "pass" : m.run(now, bytes);
  }
}
