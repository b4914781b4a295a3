/**
 * A bridge's port mirrors (OVS's struct mbridge, ofproto/ofproto-dpif-mirror.c):
 * what translation reads (XlateMirrors, xlate-mirror.ts) and the counters it
 * credits.
 *
 * Goals: the same mirror keeps its bit (its index among at most 32) and its
 * counters while its configuration changes, as OVS's mirror_set finds an
 * existing mirror by its key (the Mirror row) and gives a new one the lowest
 * free index; translation's questions (which mirrors select packets received
 * on, or sent to, a port; which output to it) are one map lookup.
 *
 * Invariants: after every `set` / `destroy`, each port's masks hold exactly
 * the bits of the mirrors that name it, and each mirror's `dupMirrors` holds
 * its own bit and those of every mirror with the same output port and output
 * VLAN (mirror_update_dups). Ports are OpenFlow port numbers: a Port row's
 * interfaces each get the Port's bits (ovsim models no bonds, so a Port is
 * one interface).
 */
import type { XlateMirror, XlateMirrors } from "../actions/xlate/xlate-mirror.js";
import { MAX_MIRRORS } from "../actions/xlate/xlate-mirror.js";

/** One mirror's configuration (OVS's struct ofproto_mirror_settings, resolved to ports). */
export interface MirrorSettings {
  readonly name: string;
  /** Ports whose received packets it selects. */
  readonly srcs: readonly number[];
  /** Ports whose sent packets it selects. */
  readonly dsts: readonly number[];
  /** VLANs it selects, null for all. */
  readonly vlans: ReadonlySet<number> | null;
  /** The port it outputs to, or null (then `outVlan`). */
  readonly outPort: number | null;
  /** The VLAN it outputs to, -1 with an output port. */
  readonly outVlan: number;
  /** Bytes kept of each mirrored packet; 0 keeps all. */
  readonly snaplen: number;
}

interface Slot extends XlateMirror {
  /** The mirror's key (the Mirror row's uuid: OVS's aux). */
  readonly key: string;
  readonly settings: MirrorSettings;
  dupMirrors: number;
  /** Packets and bytes sent to the mirror (mirror_update_stats). */
  packets: number;
  bytes: number;
}

/** A mirror's index and counters in a snapshot (MirrorTable.save). */
export interface MirrorSlotState {
  /** The Mirror row's uuid. */
  readonly key: string;
  readonly index: number;
  readonly packets: number;
  readonly bytes: number;
}

/** `set`'s refusal when 32 mirrors exist (OVS's EFBIG, with its warning's text). */
export interface MirrorTableFull {
  readonly code: "mirrors_full";
  readonly message: string;
}

export class MirrorTable implements XlateMirrors {
  private readonly slots: (Slot | null)[] = new Array<Slot | null>(MAX_MIRRORS).fill(null);
  private src = new Map<number, number>();
  private dst = new Map<number, number>();
  private out = new Map<number, number>();
  /** Mirrors configured (translation asks at every output whether there are any). */
  private n = 0;

  /** Whether any mirror exists (OVS's mbridge_has_mirrors). */
  get hasMirrors(): boolean {
    return this.n > 0;
  }

  /** The keys of the mirrors, by index. */
  keys(): string[] {
    return this.slots.flatMap((s) => (s === null ? [] : [s.key]));
  }

  /** OVS's mirror_set: configures mirror `key`, creating it at the lowest free index. */
  set(key: string, settings: MirrorSettings): MirrorTableFull | null {
    let index = this.slots.findIndex((s) => s?.key === key);
    const old = index < 0 ? null : this.slots[index]!;
    if (index < 0) {
      index = this.slots.indexOf(null);
      if (index < 0) return { code: "mirrors_full", message: `maximum of ${MAX_MIRRORS} port mirrors reached, cannot create ${settings.name}` };
    }
    const outVlan = settings.outPort !== null ? -1 : settings.outVlan;
    this.slots[index] = {
      key,
      settings: { ...settings, outVlan },
      index,
      vlans: settings.vlans,
      dupMirrors: 0,
      outPort: settings.outPort,
      outVlan,
      snaplen: settings.snaplen,
      packets: old?.packets ?? 0,
      bytes: old?.bytes ?? 0,
    };
    this.update();
    return null;
  }

  /** OVS's mirror_destroy. */
  destroy(key: string): void {
    const index = this.slots.findIndex((s) => s?.key === key);
    if (index < 0) return;
    this.slots[index] = null;
    this.update();
  }

  /** Packets and bytes sent to mirror `key` (mirror_get_stats), undefined when it does not exist. */
  stats(key: string): { readonly packets: number; readonly bytes: number } | undefined {
    const s = this.slots.find((x) => x?.key === key);
    return s === undefined || s === null ? undefined : { packets: s.packets, bytes: s.bytes };
  }

  /** What a snapshot keeps of each mirror besides its configuration (which the DB gives back): its index and counters. */
  save(): MirrorSlotState[] {
    return this.slots.flatMap((s) => (s === null ? [] : [{ key: s.key, index: s.index, packets: s.packets, bytes: s.bytes }]));
  }

  /**
   * Puts the mirrors configured again from the DB back at their saved indices with their counters;
   * false, changing nothing, when the saved mirrors are not the configured ones or an index repeats.
   */
  restore(saved: readonly MirrorSlotState[]): boolean {
    const mine = this.slots.filter((s): s is Slot => s !== null);
    if (saved.length !== mine.length) return false;
    const next = new Array<Slot | null>(MAX_MIRRORS).fill(null);
    for (const m of saved) {
      const slot = mine.find((s) => s.key === m.key);
      if (slot === undefined || !Number.isInteger(m.index) || m.index < 0 || m.index >= MAX_MIRRORS || next[m.index] !== null) return false;
      next[m.index] = { ...slot, index: m.index, packets: m.packets, bytes: m.bytes };
    }
    this.slots.splice(0, MAX_MIRRORS, ...next);
    this.update();
    return true;
  }

  mirror(index: number): XlateMirror | undefined {
    return this.slots[index] ?? undefined;
  }

  srcMirrors(ofport: number): number {
    return this.src.get(ofport) ?? 0;
  }

  dstMirrors(ofport: number): number {
    return this.dst.get(ofport) ?? 0;
  }

  outMirrors(ofport: number): number {
    return this.out.get(ofport) ?? 0;
  }

  count(mask: number, packets: number, bytes: number): void {
    for (let m = mask >>> 0; m !== 0; m = (m & (m - 1)) >>> 0) {
      const s = this.slots[31 - Math.clz32(m & -m)];
      // A mirror reconfigured away since translation counted nothing (mirror_update_stats).
      if (s === null || s === undefined) continue;
      s.packets += packets;
      s.bytes += bytes;
    }
  }

  /** The per-port masks and the duplicate sets, from the slots (mirror_set's mbundle update, mirror_update_dups). */
  private update(): void {
    const src = new Map<number, number>();
    const dst = new Map<number, number>();
    const out = new Map<number, number>();
    const add = (m: Map<number, number>, port: number, bit: number): void => void m.set(port, ((m.get(port) ?? 0) | bit) >>> 0);
    this.n = 0;
    for (const s of this.slots) {
      if (s === null) continue;
      this.n++;
      const bit = (1 << s.index) >>> 0;
      for (const p of s.settings.srcs) add(src, p, bit);
      for (const p of s.settings.dsts) add(dst, p, bit);
      if (s.outPort !== null) add(out, s.outPort, bit);
      s.dupMirrors = bit;
    }
    for (let i = 0; i < MAX_MIRRORS; i++) {
      const a = this.slots[i];
      if (a === null || a === undefined) continue;
      for (let j = i + 1; j < MAX_MIRRORS; j++) {
        const b = this.slots[j];
        if (b === null || b === undefined || a.outPort !== b.outPort || a.outVlan !== b.outVlan) continue;
        a.dupMirrors = (a.dupMirrors | ((1 << j) >>> 0)) >>> 0;
        b.dupMirrors = (b.dupMirrors | a.dupMirrors) >>> 0;
      }
    }
    this.src = src;
    this.dst = dst;
    this.out = out;
  }
}
