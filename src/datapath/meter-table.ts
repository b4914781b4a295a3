/**
 * A bridge's OpenFlow meters (ofproto.c's meter_mod semantics) and the
 * userspace datapath's meter enforcement (dpif-netdev.c's
 * dp_netdev_run_meter), on the virtual clock.
 *
 * Semantics: ADD of an existing id is OFPMMFC_METER_EXISTS, MODIFY of a
 * missing one OFPMMFC_UNKNOWN_METER, id 0 or above OFPM13_MAX
 * OFPMMFC_INVALID_METER; the userspace datapath implements only drop bands,
 * so a dscp_remark band is OFPMMFC_BAD_BAND (what OVS 3.1's
 * dpif_netdev_meter_set answers: ENODEV). DELETE of a missing id is no
 * error; deleting a meter deletes the flows that use it (the caller).
 *
 * Each meter has a datapath meter id, the lowest free one from 0 (ofproto-
 * dpif's meter id pool): OpenFlow `meter:1` translates to `meter(0)`.
 *
 * Enforcement (per packet, `apply`): every band is a token bucket holding
 * up to burst_size * 1000 units (bits for kbps, 1/1000 packets for pktps;
 * burst_size defaults to the rate), full at creation; elapsed whole
 * milliseconds (capped at the time to fill the largest bucket) times the
 * rate refill it; a packet takes its bits (kbps) or 1000 (pktps). A packet
 * that finds a band's bucket short exceeds that band; the exceeded band
 * with the highest rate counts it and the packet is dropped.
 *
 * Dump order: OVS keeps meters in an hmap hashed by hash_int(meter_id, 0).
 */
import { hashInt } from "../flowtable/hash.js";
import { HmapOrder } from "./hmap-order.js";

/** OFPM13_MAX: the highest meter id. */
export const OFPM13_MAX = 0xffff0000;
/** OFPM13_ALL. */
export const OFPM13_ALL = 0xffffffff;
/** The most bands a meter may have (dpif-netdev's MAX_BANDS). */
export const MAX_BANDS = 8;
/** dpif-netdev's MAX_METERS: meter ids the userspace datapath offers. */
export const MAX_METERS = 262144;

export interface MeterFlags {
  readonly kbps: boolean;
  readonly pktps: boolean;
  readonly burst: boolean;
  readonly stats: boolean;
}

export interface MeterBand {
  readonly type: "drop" | "dscp_remark";
  /** kbps or packets/s (the meter's unit). */
  readonly rate: number;
  /** As configured (0 when not given). */
  readonly burstSize: number;
  /** dscp_remark only. */
  readonly precLevel: number;
}

export type MeterModCommand = "add" | "modify" | "delete";

export interface MeterMod {
  readonly command: MeterModCommand;
  readonly meterId: number;
  readonly flags: MeterFlags;
  readonly bands: readonly MeterBand[];
}

/** A meter's per-band state and counters. */
interface BandState {
  /** Token bucket, in 1/1000 units. */
  bucket: number;
  readonly max: number;
  packets: number;
  bytes: number;
}

export type MeterVerdict = "pass" | "drop";

export class Meter {
  readonly meterId: number;
  readonly flags: MeterFlags;
  readonly bands: readonly MeterBand[];
  readonly dpId: number;
  /** Virtual time (ms) of creation (stats duration). */
  readonly created: number;
  packets = 0;
  bytes = 0;
  private used: number;
  private readonly state: BandState[];
  /** Milliseconds that fill the largest bucket (dpif-netdev's max_delta_t). */
  private readonly maxDelta: number;

  constructor(mm: MeterMod, dpId: number, created: number) {
    this.meterId = mm.meterId;
    this.flags = mm.flags;
    this.bands = mm.bands;
    this.dpId = dpId;
    this.created = created;
    this.used = created;
    let maxDelta = 0;
    this.state = mm.bands.map((b) => {
      const burst = b.burstSize === 0 ? b.rate : b.burstSize;
      const max = burst * 1000;
      maxDelta = Math.max(maxDelta, Math.floor(max / b.rate));
      return { bucket: max, max, packets: 0, bytes: 0 };
    });
    this.maxDelta = maxDelta;
  }

  /** Band counters (meter-stats). */
  bandStats(): ReadonlyArray<{ readonly packets: number; readonly bytes: number }> {
    return this.state;
  }

  /** dp_netdev_run_meter for one packet of `bytes` bytes at virtual time `now` (ms). */
  apply(now: number, bytes: number): MeterVerdict {
    const delta = Math.min(Math.max(Math.floor(now) - Math.floor(this.used), 0), this.maxDelta);
    this.used = now;
    this.packets++;
    this.bytes += bytes;
    const volume = this.flags.pktps ? 1000 : bytes * 8;
    let fired = -1;
    let firedRate = 0;
    this.state.forEach((s, i) => {
      const rate = this.bands[i]!.rate;
      s.bucket = Math.min(s.bucket + delta * rate, s.max);
      if (s.bucket >= volume) s.bucket -= volume;
      else {
        if (this.flags.pktps) s.bucket %= 1000;
        if (rate > firedRate) {
          firedRate = rate;
          fired = i;
        }
      }
    });
    if (fired < 0) return "pass";
    const s = this.state[fired]!;
    s.packets++;
    s.bytes += bytes;
    return "drop";
  }
}

/** An OpenFlow meter_mod refusal. */
export class MeterModError extends Error {
  readonly code = "METER_MOD";
  readonly ofperr: string;
  constructor(ofperr: string) {
    super(ofperr);
    this.ofperr = ofperr;
  }
}

export class MeterTable {
  private readonly byId = new Map<number, Meter>();
  private order = new HmapOrder<number>();
  private readonly dpIds = new Set<number>();

  get(id: number): Meter | undefined {
    return this.byId.get(id);
  }

  has(id: number): boolean {
    return this.byId.has(id);
  }

  /** Every meter in OVS's dump order. */
  meters(): Meter[] {
    return this.order.values().map((id) => this.byId.get(id)!);
  }

  /** Applies a meter_mod; returns the ids of deleted meters (their flows must go). Throws MeterModError. */
  apply(mm: MeterMod, now: number): number[] {
    if (mm.command === "delete") {
      const gone = mm.meterId === OFPM13_ALL ? this.order.values() : this.byId.has(mm.meterId) ? [mm.meterId] : [];
      for (const id of gone) {
        this.dpIds.delete(this.byId.get(id)!.dpId);
        this.byId.delete(id);
        this.order.remove(id);
      }
      return gone;
    }
    if (mm.meterId === 0 || mm.meterId > OFPM13_MAX) throw new MeterModError("OFPMMFC_INVALID_METER");
    if (mm.bands.length > MAX_BANDS) throw new MeterModError("OFPMMFC_OUT_OF_BANDS");
    const old = this.byId.get(mm.meterId);
    if (mm.command === "add" && old !== undefined) throw new MeterModError("OFPMMFC_METER_EXISTS");
    if (mm.command === "modify" && old === undefined) throw new MeterModError("OFPMMFC_UNKNOWN_METER");
    if (mm.bands.some((b) => b.type !== "drop")) throw new MeterModError("OFPMMFC_BAD_BAND");
    let dpId = old?.dpId;
    if (dpId === undefined) {
      dpId = 0;
      while (this.dpIds.has(dpId)) dpId++;
      this.dpIds.add(dpId);
      this.order.insert(mm.meterId, hashInt(mm.meterId, 0));
    }
    this.byId.set(mm.meterId, new Meter(mm, dpId, old?.created ?? now));
    return [];
  }

  /**
   * The datapath's per-packet meter check (OVS's dp_netdev_run_meter): the
   * meter with datapath id `dpId` at virtual time `now` (ms) for a packet of
   * `bytes` bytes. An unknown meter passes every packet, as in OVS.
   */
  meterApply(dpId: number, now: number, bytes: number): MeterVerdict {
    for (const m of this.byId.values()) if (m.dpId === dpId) return m.apply(now, bytes);
    return "pass";
  }
}
