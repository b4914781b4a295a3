/**
 * The deterministic event loop of a simulation: events on a virtual clock,
 * processed in time order (ties in the order they were scheduled), one at a
 * time, never concurrently.
 *
 * Design:
 * - Time is an integer number of virtual microseconds (`nowUs`), so latencies
 *   add up exactly and pcap timestamps need no rounding; `nowMs` is the same
 *   instant in the milliseconds the switches' clocks use.
 * - The queue is a binary heap ordered by (time, sequence number): two runs of
 *   the same scenario process the same events in the same order.
 * - Every frame that moves (a VM sends, a link delivers, a datapath
 *   processes) is charged with `charge()`, twice over:
 *   - to its packet: an event scheduled while another runs is a consequence
 *     of it (every event is a frame's delivery or processing), so each frame
 *     injected from outside the loop starts a lineage that all its copies,
 *     replies and floods share. A lineage that moves more than
 *     `perPacketBudget` frames is a storm: it is cut (its queued events are
 *     dropped as they come up; counted in `stormsCut`, reported to
 *     `onStormCut`), and the rest of the traffic goes on. Real networks have
 *     no such cut; a simulation needs one to end a storm in milliseconds
 *     rather than after a million frames;
 *   - to the run: past `packetBudget` frames in one `run()`, a forwarding
 *     loop that keeps injecting ends with `PacketBudgetExceeded`, a typed
 *     error; the events still queued are dropped so that the loop is usable
 *     again.
 * - `run()` also stops at `untilUs` (events later than it stay queued) and
 *   when a `done` predicate holds, so that a ping can run "until answered or
 *   timed out" while unrelated traffic waits.
 */
import { OvsimError } from "../flowtable/errors.js";

/**
 * Frames a single `run()` may move before it is declared a loop or a storm.
 * A ping across two hosts moves about 20; a million is far beyond any sane
 * scenario and still ends a runaway loop in well under a second.
 */
export const DEFAULT_PACKET_BUDGET = 1_000_000;

/**
 * Frames one packet's lineage (the packet, its copies, replies and floods) may move before it
 * is cut as a storm. A ping across two hosts moves about 20; an ARP flood through a cloud of a
 * hundred hosts a few hundred.
 */
export const DEFAULT_PER_PACKET_BUDGET = 10_000;

/** A storm cut: one packet's lineage moved more than the per-packet budget. */
export interface StormCut {
  /** Virtual time (µs) of the cut. */
  readonly atUs: number;
  /** The frames the lineage had moved. */
  readonly frames: number;
}

/** The frames one injected packet and its consequences moved. */
interface Lineage {
  frames: number;
  cut: boolean;
}

/** A forwarding loop or a storm: more frames moved in one run than the budget allows. */
export class PacketBudgetExceeded extends OvsimError {
  readonly code = "PACKET_BUDGET_EXCEEDED";
  /** The budget that was exceeded. */
  readonly budget: number;
  /** Virtual time (µs) at which it was exceeded. */
  readonly atUs: number;
  constructor(budget: number, atUs: number) {
    super(`packet budget of ${budget} frames exceeded at ${atUs / 1000} ms of virtual time (a forwarding loop or a storm?)`);
    this.budget = budget;
    this.atUs = atUs;
  }
}

interface Event {
  readonly atUs: number;
  readonly seq: number;
  readonly run: () => void;
  /** The lineage of the event that scheduled it (null: scheduled from outside the loop). */
  readonly lineage: Lineage | null;
}

function before(a: Event, b: Event): boolean {
  return a.atUs < b.atUs || (a.atUs === b.atUs && a.seq < b.seq);
}

export interface RunOptions {
  /** Stop before events later than this time (µs); the clock ends at it. */
  readonly untilUs?: number;
  /** Stop as soon as this holds (checked after each event). */
  readonly done?: () => boolean;
}

export class EventLoop {
  /** The virtual clock, µs. */
  nowUs = 0;
  /** Frames one `run()` may move (see DEFAULT_PACKET_BUDGET). */
  packetBudget: number;
  /** Frames one packet's lineage may move before it is cut (see DEFAULT_PER_PACKET_BUDGET). */
  perPacketBudget: number;
  /** Storms cut since the loop was created. */
  stormsCut = 0;
  /** Called at each storm cut. */
  onStormCut: ((cut: StormCut) => void) | null = null;
  /** The lineage of the event running (null between events). */
  private current: Lineage | null = null;
  /** Frames moved in the current run. */
  private spent = 0;
  /** Events processed since the loop was created. */
  processed = 0;
  private heap: Event[] = [];
  private seq = 0;
  /** Called with the new time before the clock moves forward (hosts advance their switches' clocks). */
  private readonly onAdvance: (nowUs: number) => void;

  constructor(options: { packetBudget?: number; perPacketBudget?: number; onAdvance?: (nowUs: number) => void } = {}) {
    this.packetBudget = options.packetBudget ?? DEFAULT_PACKET_BUDGET;
    this.perPacketBudget = options.perPacketBudget ?? DEFAULT_PER_PACKET_BUDGET;
    this.onAdvance = options.onAdvance ?? (() => undefined);
  }

  get nowMs(): number {
    return this.nowUs / 1000;
  }

  /** Events waiting. */
  get pending(): number {
    return this.heap.length;
  }

  /** Schedules `run` `delayUs` µs from now (0: after the events already due now). */
  schedule(delayUs: number, run: () => void): void {
    const ev: Event = { atUs: this.nowUs + Math.max(0, Math.round(delayUs)), seq: this.seq++, run, lineage: this.current };
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent]!; // 0 <= parent < i < length
      if (!before(ev, p)) break;
      h[i] = p;
      i = parent;
    }
    h[i] = ev;
  }

  /**
   * Counts one frame moved against its packet's lineage (past the per-packet budget the lineage
   * is cut: its events still to come are dropped) and against the run's budget (past it,
   * PacketBudgetExceeded).
   */
  charge(): void {
    const lineage = this.current;
    if (lineage !== null && ++lineage.frames > this.perPacketBudget && !lineage.cut) {
      lineage.cut = true;
      this.stormsCut++;
      this.onStormCut?.({ atUs: this.nowUs, frames: lineage.frames });
    }
    if (++this.spent > this.packetBudget) {
      this.heap = [];
      this.spent = 0;
      throw new PacketBudgetExceeded(this.packetBudget, this.nowUs);
    }
  }

  /** Processes events in time order until none is left (or `untilUs` / `done`). Returns the events processed. */
  run(options: RunOptions = {}): number {
    this.spent = 0;
    let n = 0;
    for (;;) {
      if (options.done?.() === true) break;
      const next = this.heap[0];
      if (next === undefined || (options.untilUs !== undefined && next.atUs > options.untilUs)) break;
      this.pop();
      this.moveTo(next.atUs);
      if (next.lineage?.cut === true) continue;
      this.current = next.lineage ?? { frames: 0, cut: false };
      try {
        next.run();
      } finally {
        this.current = null;
      }
      n++;
      this.processed++;
    }
    if (options.untilUs !== undefined && options.done?.() !== true) this.moveTo(options.untilUs);
    return n;
  }

  private moveTo(atUs: number): void {
    if (atUs <= this.nowUs) return;
    this.onAdvance(atUs);
    this.nowUs = atUs;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (last === undefined || h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && before(h[r]!, h[l]!) ? r : l; // r, l < length
      if (!before(h[c]!, last)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
  }
}
