/**
 * The underlay fabric between simulated hosts: L2 segments that hosts'
 * physical ports (`eth0` on br-phy, a dummy interface) plug into. Tunnel
 * traffic (outer Ethernet/IPv4 between host addresses) and VLAN-tagged
 * provider traffic both cross from host to host over them.
 *
 * A segment is either
 * - a learning switch (`mode: "switch"`, the default): it learns source MACs
 *   per VLAN (independent VLAN learning, 802.1Q's IVL, with untagged frames
 *   in VLAN 0), forwards a frame to the attachment its destination was
 *   learned on, and floods broadcast, multicast and unknown destinations to
 *   every other attachment; VLAN tags pass through untouched (every
 *   attachment is a trunk);
 * - or a shared medium (`mode: "hub"`): every frame reaches every other
 *   attachment.
 * A frame takes `latencyUs` from the sender to the segment and again from the
 * segment to each receiver. Frames are never sent back where they came from.
 *
 * Deliveries go through the simulation's event loop (event-loop.ts); each
 * frame entering and each frame leaving the segment is charged to its packet
 * budget, so storms across segments end with PacketBudgetExceeded. A capture
 * (pcap.ts) records every frame as it enters the segment.
 */
import type { EventLoop } from "./event-loop.js";
import { PcapCapture } from "./pcap.js";

/** Latency of one hop (sender to segment, or segment to receiver) when none is given, µs. */
export const DEFAULT_LINK_LATENCY_US = 50;

/** Something plugged into a segment: a host's physical port. */
export interface SegmentAttachment {
  /** "hv1:eth0", for messages and dumps. */
  readonly name: string;
  /** A frame arrives from the segment (called from the event loop). */
  deliver(bytes: Uint8Array): void;
}

export interface SegmentOptions {
  readonly mode?: "switch" | "hub";
  readonly latencyUs?: number;
}

function macKey(b: Uint8Array, ofs: number): number {
  // 48 bits fit exactly in a double.
  return ((b[ofs] ?? 0) * 0x10000 + (((b[ofs + 1] ?? 0) << 8) | (b[ofs + 2] ?? 0))) * 0x1000000 + (((b[ofs + 3] ?? 0) << 16) | ((b[ofs + 4] ?? 0) << 8) | (b[ofs + 5] ?? 0));
}

/** The outer VLAN of a frame (0 when untagged). */
function outerVlan(b: Uint8Array): number {
  const type = ((b[12] ?? 0) << 8) | (b[13] ?? 0);
  if (type !== 0x8100 && type !== 0x88a8) return 0;
  return (((b[14] ?? 0) << 8) | (b[15] ?? 0)) & 0xfff;
}

export class UnderlaySegment {
  readonly name: string;
  readonly mode: "switch" | "hub";
  readonly latencyUs: number;
  /** Every frame that entered the segment, when capturing. */
  capture: PcapCapture | null = null;
  /** Frames that entered the segment. */
  nFrames = 0;
  private readonly loop: EventLoop;
  private readonly attachments: SegmentAttachment[] = [];
  /** (VLAN, MAC) -> attachment index: the switch's MAC table. */
  private readonly fdb = new Map<string, number>();

  /** The MAC table a snapshot keeps (src/sim/snapshot.ts): "(VLAN, MAC)" → attachment index, in learning order. */
  fdbEntries(): (readonly [string, number])[] {
    return [...this.fdb];
  }

  /** Puts back what `fdbEntries` returned (on a segment whose members were plugged again in the saved order). */
  restoreFdb(entries: readonly (readonly [string, number])[]): void {
    this.fdb.clear();
    for (const [k, v] of entries) this.fdb.set(k, v);
  }

  constructor(name: string, loop: EventLoop, options: SegmentOptions = {}) {
    this.name = name;
    this.loop = loop;
    this.mode = options.mode ?? "switch";
    this.latencyUs = options.latencyUs ?? DEFAULT_LINK_LATENCY_US;
  }

  /** Plugs `a` in; returns the handle it sends with. */
  attach(a: SegmentAttachment): number {
    this.attachments.push(a);
    return this.attachments.length - 1;
  }

  /** The attachments, in the order they were plugged in. */
  members(): readonly SegmentAttachment[] {
    return this.attachments;
  }

  /** Starts capturing every frame entering the segment (returns the capture). */
  startCapture(): PcapCapture {
    this.capture ??= new PcapCapture(`segment ${this.name}`);
    return this.capture;
  }

  /** Attachment `from` transmits `bytes` (copied): they reach the segment after one hop. */
  send(from: number, bytes: Uint8Array): void {
    const frame = bytes.slice();
    this.loop.charge();
    this.loop.schedule(this.latencyUs, () => this.arrive(from, frame));
  }

  /** The learned MAC table: "vlan mac-as-number" -> attachment name. */
  macTable(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [k, i] of this.fdb) out.set(k, this.attachments[i]?.name ?? "?");
    return out;
  }

  private arrive(from: number, frame: Uint8Array): void {
    this.nFrames++;
    this.capture?.add(this.loop.nowUs, frame);
    if (frame.length < 14) return;
    const vlan = outerVlan(frame);
    let to = -1;
    if (this.mode === "switch") {
      if (((frame[6] ?? 0) & 1) === 0) this.fdb.set(`${vlan} ${macKey(frame, 6)}`, from);
      if (((frame[0] ?? 0) & 1) === 0) to = this.fdb.get(`${vlan} ${macKey(frame, 0)}`) ?? -1;
    }
    if (to === from) return;
    for (let i = 0; i < this.attachments.length; i++) {
      if (i === from || (to >= 0 && i !== to)) continue;
      const a = this.attachments[i]!; // i < length
      this.loop.charge();
      this.loop.schedule(this.latencyUs, () => a.deliver(frame));
    }
  }
}
