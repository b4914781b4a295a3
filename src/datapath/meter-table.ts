/**
 * A bridge's OpenFlow meters (ofproto.c's meter_mod semantics, ofproto-
 * dpif's meter_set / meter_get / meter_del); the datapath runs them
 * (dp-meter.ts: the token buckets and their counters live there).
 *
 * Semantics: ADD of an existing id is OFPMMFC_METER_EXISTS, MODIFY of a
 * missing one OFPMMFC_UNKNOWN_METER, id 0 or above OFPM13_MAX (but for
 * `slowpath` and `controller`) OFPMMFC_INVALID_METER, more than MAX_BANDS bands OFPMMFC_OUT_OF_BANDS (all
 * checked by ofproto before the datapath is asked); the userspace datapath
 * implements only drop bands, so a dscp_remark band is OFPMMFC_BAD_BAND
 * (dpif_netdev_meter_set answers ENODEV). DELETE of a missing id is no
 * error; deleting a meter deletes the flows that use it (the caller).
 *
 * Datapath meter ids come from the datapath's pool (lowest free from 0,
 * shared by the bridges of one datapath): OpenFlow `meter:1` translates to
 * `meter(0)`. As in OVS 3.1, an ADD the datapath refuses (BAD_BAND) has
 * already taken its id and never gives it back, so the next meter gets the
 * one after (fixtures/meters/dp-id-leak.ovs). A MODIFY keeps the id and
 * gives the datapath a fresh meter: full buckets, counters back to 0. A
 * refused MODIFY leaves the meter as it was.
 *
 * A band set without a burst_size is kept with burst_size = its rate:
 * dpif_netdev_meter_set writes that back into the configuration ofproto then
 * stores, so meter config replies carry it (dump-meters prints burst_size
 * only with the `burst` flag, so its text does not show it).
 *
 * Dump order: OVS keeps meters in an hmap hashed by hash_int(meter_id, 0).
 */
import { hashInt } from "../flowtable/hash.js";
import type { DpMeterSetError, DpMeterStats } from "./dp-meter.js";
import { DpMeters, MAX_BANDS } from "./dp-meter.js";
import { HmapOrder } from "../flowtable/hmap-order.js";
import type { HmapOrderState } from "../flowtable/hmap-order.js";

export { MAX_BANDS, MAX_METERS } from "./dp-meter.js";
export type { MeterVerdict } from "./dp-meter.js";

/** OFPM13_MAX: the highest meter id. */
export const OFPM13_MAX = 0xffff0000;
/** OFPM13_SLOWPATH: the meter of packets sent to the slow path (sampling upcalls). */
export const OFPM13_SLOWPATH = 0xfffffffd;
/** OFPM13_CONTROLLER: the meter of packets sent to controllers. */
export const OFPM13_CONTROLLER = 0xfffffffe;
/** OFPM13_ALL. */
export const OFPM13_ALL = 0xffffffff;

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
  /** As configured (0 when not given); a meter in the table holds its rate instead of 0 (see above). */
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

const NO_STATS: DpMeterStats = { packets: 0, bytes: 0, bands: [] };

/** An OpenFlow meter: its configuration, its datapath meter id, its counters (the datapath's). */
export class Meter {
  readonly meterId: number;
  readonly flags: MeterFlags;
  readonly bands: readonly MeterBand[];
  readonly dpId: number;
  /** Virtual time (ms) of creation (stats duration). */
  readonly created: number;
  private readonly dp: DpMeters;

  constructor(mm: MeterMod, dpId: number, created: number, dp: DpMeters) {
    this.meterId = mm.meterId;
    this.flags = mm.flags;
    this.bands = mm.bands;
    this.dpId = dpId;
    this.created = created;
    this.dp = dp;
  }

  /** The datapath's counters for this meter (meter_get -> dpif_meter_get). */
  stats(): DpMeterStats {
    return this.dp.get(this.dpId)?.stats() ?? NO_STATS;
  }

  /** packet_in_count. */
  get packets(): number {
    return this.stats().packets;
  }

  /** byte_in_count. */
  get bytes(): number {
    return this.stats().bytes;
  }

  /** Band counters (meter-stats), one per band. */
  bandStats(): ReadonlyArray<{ readonly packets: number; readonly bytes: number }> {
    const s = this.stats().bands;
    return this.bands.map((_, i) => s[i] ?? { packets: 0, bytes: 0 });
  }
}

/** ofproto-dpif's meter_set: the datapath's errno as an OpenFlow error. */
const SET_ERRORS: Readonly<Record<DpMeterSetError, string>> = {
  EFBIG: "OFPMMFC_OUT_OF_METERS",
  EINVAL: "OFPMMFC_OUT_OF_BANDS",
  ENODEV: "OFPMMFC_BAD_BAND",
};

/** An OpenFlow meter_mod refusal. */
export class MeterModError extends Error {
  readonly code = "METER_MOD";
  readonly ofperr: string;
  constructor(ofperr: string) {
    super(ofperr);
    this.ofperr = ofperr;
  }
}

/** An OpenFlow meter as data (snapshots); its counters are its datapath meter's. */
export interface MeterState {
  readonly meterId: number;
  readonly flags: MeterFlags;
  readonly bands: readonly MeterBand[];
  readonly dpId: number;
  readonly created: number;
}

/** A bridge's meters as data (snapshots): each meter, and the hash order dump-meters lists them in. */
export interface MeterTableState {
  readonly meters: readonly MeterState[];
  readonly order: HmapOrderState<number>;
}

export class MeterTable {
  /** The datapath's meters (the bridge's datapath; a bridge of its own by default). */
  readonly datapath: DpMeters;
  private readonly byId = new Map<number, Meter>();
  private order = new HmapOrder<number>();

  constructor(datapath: DpMeters = new DpMeters()) {
    this.datapath = datapath;
  }

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

  save(): MeterTableState {
    const meters = [...this.byId.values()].map((m) => ({ meterId: m.meterId, flags: { ...m.flags }, bands: m.bands.map((b) => ({ ...b })), dpId: m.dpId, created: m.created }));
    return { meters, order: this.order.save() };
  }

  /** Takes the state `save` gave (the datapath's meters are restored with the datapath). */
  restore(s: MeterTableState): void {
    this.byId.clear();
    for (const m of s.meters) {
      this.byId.set(m.meterId, new Meter({ command: "add", meterId: m.meterId, flags: m.flags, bands: m.bands }, m.dpId, m.created, this.datapath));
    }
    this.order.restore(s.order);
  }

  /** Applies a meter_mod; returns the ids of deleted meters (their flows must go). Throws MeterModError. */
  apply(mm: MeterMod, now: number): number[] {
    if (mm.command === "delete") {
      const gone = mm.meterId === OFPM13_ALL ? this.order.values() : this.byId.has(mm.meterId) ? [mm.meterId] : [];
      for (const id of gone) this.remove(id);
      return gone;
    }
    // Above OFPM13_MAX only the slow-path and controller meters exist (handle_meter_mod).
    if (mm.meterId === 0 || (mm.meterId > OFPM13_MAX && mm.meterId !== OFPM13_SLOWPATH && mm.meterId !== OFPM13_CONTROLLER)) {
      throw new MeterModError("OFPMMFC_INVALID_METER");
    }
    if (mm.bands.length > MAX_BANDS) throw new MeterModError("OFPMMFC_OUT_OF_BANDS");
    const old = this.byId.get(mm.meterId);
    if (mm.command === "add" && old !== undefined) throw new MeterModError("OFPMMFC_METER_EXISTS");
    if (mm.command === "modify" && old === undefined) throw new MeterModError("OFPMMFC_UNKNOWN_METER");
    const dpId = old?.dpId ?? this.datapath.allocId();
    if (dpId === null) throw new MeterModError("OFPMMFC_OUT_OF_METERS");
    const error = this.datapath.set(dpId, { pktps: mm.flags.pktps, bands: mm.bands }, now);
    // A refused ADD keeps its datapath id taken, as ofproto-dpif's meter_set does.
    if (error !== null) throw new MeterModError(SET_ERRORS[error]);
    if (old === undefined) this.order.insert(mm.meterId, hashInt(mm.meterId, 0));
    const bands = mm.bands.map((b) => (b.burstSize === 0 ? { ...b, burstSize: b.rate } : b));
    this.byId.set(mm.meterId, new Meter({ ...mm, bands }, dpId, old?.created ?? now, this.datapath));
    return [];
  }

  /** Deletes every meter (the bridge is destroyed: ofproto's meter_delete_all); returns their ids. */
  clear(): number[] {
    const gone = this.order.values();
    for (const id of gone) this.remove(id);
    return gone;
  }

  /** meter_destroy -> ofproto-dpif's meter_del: the datapath meter goes, its id is free again. */
  private remove(id: number): void {
    const m = this.byId.get(id);
    if (m === undefined) return;
    this.datapath.delete(m.dpId);
    this.datapath.freeId(m.dpId);
    this.byId.delete(id);
    this.order.remove(id);
  }
}
